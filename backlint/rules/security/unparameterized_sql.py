"""BL301: a value not shown to be safe is pasted into SQL text that reaches a database call.

Which calls are sinks lives in ``backlint.frameworks.sql``; what a value is (a number, a quoted
identifier, compiled SQL, request input, a parameter) in ``frameworks.sql_values`` on top of the
reusable ``frameworks.value_origin`` tracker. This module wires the tracker into the walk, picks
the sinks and writes the message, with the line where the value entered.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import roles
from ...frameworks import sql as sqlk
from ...frameworks import sql_advice, sql_callers, sql_precheck
from ...frameworks.sql_values import SqlValues
from ...frameworks.value_origin import Origin
from ...rule import Rule
from ...semantics import dotted_name

_SKIPPED_ROLES = frozenset({roles.TEST, roles.MIGRATION, roles.SEED, roles.EXAMPLE}) | roles.ALWAYS_SKIPPED


class UnparameterizedSql(Rule):
    """SQL text built from strings reaches a database call.

    ## What it does
    Finds SQL that is built with an f-string, `%` formatting, `.format()`, `+` concatenation or
    `str.join()` from a value that is not a constant, and that reaches a call that runs SQL:
    DB-API cursors (`sqlite3`, `psycopg2`, psycopg 3, PyMySQL, MySQLdb and any object obtained
    from `.cursor()`), the `execute` shortcut of sqlite3/psycopg connections, asyncpg
    (`execute`, `fetch`, `fetchrow`, `fetchval`, ...), SQLAlchemy `text()` and
    `Session`/`Connection` `execute`/`exec_driver_sql` with a string, Django
    `Model.objects.raw()`, `QuerySet.extra(where=/select=)`, `RawSQL()` and
    `connection.cursor()`, `pandas.read_sql*`, psycopg `sql.SQL()`, peewee `execute_sql`,
    Tortoise `execute_query*` and `databases` (`fetch_all`, `execute`, ...).

    The SQL may be built in the call or earlier in the function: assignments, `+=`
    accumulation, branches and lists joined later are followed. A call on an object whose type
    cannot be seen (an unannotated parameter) is reported only when its text starts like a SQL
    statement.

    Values are judged by where they come from, not by their shape. Reported: a value that
    comes from the request, a request-handler parameter or a parameter annotated `str` (the
    message gives the flow: the value, where it entered, the sink), and any other value whose
    origin or type the file does not show to be safe (the message then says so, and what to
    check). Only real database objects are sinks: an `execute()` on an object of unknown type
    counts only with a string that starts like SQL (never with a list of command arguments), and
    never on a shell or git runner. Test, migration, seed-data and tool-fixture files are not
    checked, nor are example and demo folders (`backlint check --show-roles PATH`): their values
    come from the code itself.

    These are not reported: placeholders with parameters (`%s`, `?`, `:name`, `$1`), even in
    text assembled from constants (`", ".join(["%s"] * len(ids))`); interpolated module-level
    constants, `UPPER_CASE` names, class attributes assigned a literal, table names from
    `Model._meta.db_table`/`__tablename__`; values picked from a literal allow-list
    (`{"asc": "ASC", "desc": "DESC"}[order]`) or checked against one before use
    (`if col not in ALLOWED: raise ...`, `assert col in ALLOWED`); numbers (`int(x)`, `%d`,
    `len()`, `math.ceil()`, arithmetic, `enumerate()` indexes, parameters annotated `int`,
    `UUID`, an `Enum` or `Literal[...]`); identifiers from ORM metadata (`column.key`,
    `table.name`, `_meta.db_table`, `key.name` of a loop over `table.primary_key.columns`) or
    the catalogue (`inspector.get_table_names()`, Django introspection, rows of a constant
    query on `information_schema`, `pg_catalog` or `sqlite_master`); names the code owns: the
    keys of a dict it keyed itself (literal keys, `{k: v for k, v in data.items() if v}`,
    `dataclasses.asdict(x)`, `x.model_dump()`, `x.to_dict()`), a class's `__dict__`, the
    parameters of an Alembic helper (`def f(op, table)` calling `op.get_bind()`), a value a
    validator of the file returns after matching an identifier pattern; quoting helpers (`connection.ops.quote_name`, `quote_ident`,
    `escape_string`, the dialect's `identifier_preparer`, `sa.column(name)`,
    `'"' + x.replace('"', '""') + '"'`, or a function of this file that returns such a quoted
    value); psycopg `sql.SQL().format(sql.Identifier())`; SQL compiled by Django or SQLAlchemy
    (`str(qs.query)`, `qs.query.sql_with_params()`, `stmt.compile()`) passed with its
    parameters; SQLAlchemy Core/ORM expressions; Django migration code (`schema_editor.execute`);
    and SQL-looking text that never reaches a database call
    (log messages, exception text). Interpolating a variable that itself holds SQL text
    (`sql`, `stmt`, `base_sql`, ...) composes statements and is not reported where it is
    composed; the place where data is put into SQL is.

    ## Why is this bad?
    "Parameterized queries: prevent SQL injection." When a value is pasted into SQL text, a
    quote in it ends the string literal and the rest is run as SQL: `' OR '1'='1` reads every
    row, `'; DROP TABLE users; --` deletes data. Passing values separately (placeholders plus a
    parameters argument) lets the driver send them as data, never as SQL, whatever they contain.
    Identifiers (table and column names) cannot be placeholders: pick them from an allow-list or
    quote them with the driver's identifier API.

    ## Example
    ```python
    import sqlite3

    def find_user(name):
        conn = sqlite3.connect("app.db")
        cur = conn.cursor()
        cur.execute(f"SELECT id, email FROM users WHERE name = '{name}'")
        return cur.fetchone()
    ```

    ## Use instead
    ```python
    import sqlite3

    def find_user(name):
        conn = sqlite3.connect("app.db")
        cur = conn.cursor()
        cur.execute("SELECT id, email FROM users WHERE name = ?", (name,))
        return cur.fetchone()
    ```

    ## Known problems
    The tracking is local to one file: SQL built in a function of another module and passed in
    is not followed (a function of the same file is summarised, wherever it is defined). A function
    whose every call in the file passes safe values is trusted for those parameters, also when
    other modules call it with something else. A helper whose name does not say it quotes
    (`safe_col(x)`) is treated as unknown input when interpolated. A value checked by a custom
    validator is reported unless the validator is a function of this file that raises when a
    pattern does not match (`if not IDENT.match(str(x)): raise ...`); add an allow-list check
    the rule understands, or suppress with `# backlint: ignore[BL301]`.
    Some facts from elsewhere in the same file are used: command options declared `type=int`,
    settings read with a numeric default (`context.get("timeout", 60000)`), ContextVars the
    file sets only to constants, session ids a class's `get_<name>()` reads from the server,
    attributes checked against an allow-list in `__init__`, and keys of a list of dicts that a
    validator of the file checked (`check_fields(fields)` raising on a bad `type`). A
    validator in another module is not seen.
    A column list built from a dict's keys is trusted when the dict is keyed by the code
    (see above), also through a parameter annotated with a project `TypedDict` (`"StepDict"`);
    a `TypedDict` whose keys a caller in another module extends is not seen.

    ## Default
    On by default. Measured on the 23-application corpus (about 3 M lines, docs/precision/sql4.md):
    19 findings, every one judged, 18 true (0.95, seed 57, label `sql4-final`); before this
    work 39 findings and 11/20 = 0.55 (seed 42, docs/precision/sec5.md). The population is
    small and comes from five applications, so read it as "quiet and right on this corpus".
    The false positive left is a column type the code maps from Python types, passed through
    a parameter and split back out of a string.

    ## References
    - Python DB-API placeholders (PEP 249, `paramstyle`): https://peps.python.org/pep-0249/#paramstyle
    - psycopg, "Passing parameters to SQL queries": https://www.psycopg.org/docs/usage.html#query-parameters
    - SQLAlchemy `text()`: https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text
    - Django, "Performing raw SQL queries": https://docs.djangoproject.com/en/stable/topics/db/sql/
    - OWASP SQL Injection Prevention Cheat Sheet
    """

    code = "BL301"
    name = "unparameterized-sql"
    category = "sql-injection"
    severity = Severity.ERROR
    precision = "high"  # 18/19 on the 23-app corpus (docs/precision/sql4.md): see "## Default"
    default_enabled = True
    tags = ("security", "external/cwe/cwe-089")
    security_severity = "8.8"
    skip_roles = _SKIPPED_ROLES
    # the words a sink call needs (sql_precheck); the rule is checked only where one of its
    # earlier markers occurs too, so it looks at exactly the files it did
    text_markers = sql_precheck.marker_words()
    _earlier_markers = ("execute", "fetch", "text", "raw", "extra", "RawSQL", "read_sql", "SQL", "query")

    @classmethod
    def text_filter(cls, text: str) -> bool:
        # no sink call in the text: nothing to report, so the rule is not instantiated (the engine
        # asks this; `__init__` asks again for callers that build the rule themselves)
        return any(m in text for m in cls._earlier_markers) and sql_precheck.may_reach_sql(text)

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self.values = SqlValues(ctx)
        # no sink call in the text: nothing to report, so the tracker does not run (sql_precheck)
        self.active = type(self).text_filter(ctx.text)
        # (call, sink, taint, statement, text): messages are written after the walk, with lines
        self._pending: List[Tuple[cst.Call, sqlk.Sink, tuple, Optional[cst.CSTNode], Optional[str]]] = []
        self._defined: set = set()  # functions of this module (`f`, `self.m`)
        self._calls: Dict[str, List[sql_callers.CallSite]] = {}  # what each call passes

    # -- the tracker rides the walk --------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        if self.active:
            self.values.on_module(node)
            self._defined = sql_callers.defined_functions(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.active:
            self.values.on_class(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        if self.active:
            self.values.leave_class()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.active:
            self.values.on_function(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.active:
            self.values.leave_function(node)

    def visit_Return(self, node: cst.Return) -> None:
        if self.active:
            self.values.on_return(node)

    def _enter_conditional(self, node) -> None:
        if self.active:
            self.values.enter_conditional()

    def _leave_conditional(self, node) -> None:
        if self.active:
            self.values.leave_conditional()

    visit_While = _enter_conditional
    leave_While = _leave_conditional
    visit_Try = _enter_conditional
    leave_Try = _leave_conditional
    visit_Match = _enter_conditional
    leave_Match = _leave_conditional
    visit_TryStar = _enter_conditional  # Python 3.11 `except*`; ignored where libcst lacks it
    leave_TryStar = _leave_conditional
    leave_For = _leave_conditional

    def _enter_comprehension(self, node) -> None:
        if self.active:
            self.values.on_comprehension(node)

    def _leave_comprehension(self, node) -> None:
        if self.active:
            self.values.leave_comprehension(node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comprehension

    def visit_For(self, node: cst.For) -> None:
        if self.active:
            self.values.on_for(node)

    def visit_If(self, node: cst.If) -> None:
        if self.active:
            self.values.on_if(node, self.ctx.parent())

    def leave_If(self, node: cst.If) -> None:
        if self.active:
            self.values.leave_if(node)

    def visit_Else(self, node: cst.Else) -> None:
        if self.active:
            self.values.on_else(node, self.ctx.parent())

    def leave_Else(self, node: cst.Else) -> None:
        if self.active:
            self.values.leave_conditional()

    def visit_Assert(self, node: cst.Assert) -> None:
        if self.active:
            self.values.on_assert(node)

    # bound once the right-hand side has been walked: `order = text("id " + order)` checks the
    # `order` of the line before
    def leave_Assign(self, node: cst.Assign) -> None:
        if self.active:
            self.values.on_assign(node)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.active:
            self.values.on_ann_assign(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self.active:
            self.values.on_aug_assign(node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self.active:
            self.values.on_named_expr(node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self.active:
            self.values.on_with_item(node)

    # -- sinks -----------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        self.values.on_collection_call(node)
        key = sql_callers.call_key(node, self._defined) if self._defined else None
        if key is not None:
            sql_callers.record_call(node, key, self.values, self._calls)
        sink = self._sink(node)
        if sink is None:
            return
        for arg in sqlk.sql_arguments(node, sink):
            if sink.generic and not sqlk.is_text_argument(arg):
                continue  # `runner.execute(["show", ref])`: command arguments, not SQL
            value = self.values.ev(arg)
            if value.taint is None:
                continue
            if sink.generic and (value.container or not sqlk.looks_like_sql(value.text)):
                continue
            self._pending.append((node, sink, value.taint, self.ctx.enclosing_statement(), value.text))
            return

    def leave_Module(self, node: cst.Module) -> None:
        resolve = self.values.resolve_deferred
        self._pending = [
            p for p in self._pending
            if not resolve(p[2][2]) and not sql_callers.safe_from_every_caller(p[2][2], self._calls, resolve)
        ]
        if not self._pending:
            return
        wanted: List[cst.CSTNode] = []
        for call, _, taint, _, _ in self._pending:
            wanted.append(call)
            origin = taint[2]
            if origin is not None and origin.node is not None:
                wanted.append(origin.node)
        lines = {key: pos[0] for key, pos in self.ctx.locate([], (), wanted).items()}  # lines only
        for call, sink, taint, statement, text in self._pending:
            what = self.values.code(taint[1])
            self.report(call, self._message(call, sink, (taint[0], what, taint[2]), lines, text),
                        statement=statement)
        self._pending = []

    def _sink(self, node: cst.Call) -> Optional[sqlk.Sink]:
        func = node.func
        qual = self.ctx.qualified_name(func)
        if qual in sqlk.FUNCTION_SINKS:
            return sqlk.FUNCTION_SINKS[qual]
        if type(func) is not cst.Attribute:
            return None
        if sqlk.is_migration_receiver(func.value):
            return None  # Django's schema editor runs only in migrations, on the code's own names
        raw = sqlk.django_raw_sink(func)
        if raw is not None:
            return raw
        receiver = self.values.qual(func.value)
        if sqlk.is_command_runner(receiver):
            return None
        return sqlk.method_sink(func.attr.value, receiver, node)

    @staticmethod
    def _message(node: cst.Call, sink: sqlk.Sink, taint: tuple, lines, text: Optional[str]) -> str:
        how, what, origin = taint
        driver = sqlk.DRIVERS.get(sink.driver, sqlk.DRIVERS["dbapi"])
        advice = sql_advice.advice(text, driver.advice)
        written = dotted_name(node.func)
        where = f"`{written}()`" if written else f"`{sink.display}`"
        if not sink.generic and sink.driver != "dbapi":
            where += f" ({driver.label})"
        line = lines.get(id(node))
        at = f" at line {line}" if line else ""
        if isinstance(origin, Origin) and origin.kind in ("parameter", "request"):
            entered = origin.describe(lines.get(id(origin.node)) if origin.node is not None else None)
            flow = f"`{what}` ({entered}) \u2192 {where}{at}"
            if origin.definite():
                return (
                    f"SQL built with {how}: {flow}; whoever controls that value can rewrite the "
                    f"query: {advice}."
                )
            return (
                f"SQL built with {how}: {flow}; nothing here shows the value is a number, a "
                f"quoted identifier or a constant, so if a caller can pass outside input it can "
                f"rewrite the query: {advice}."
            )
        return (
            f"SQL built with {how} from `{what}` reaches {where}; nothing in this file shows that "
            f"value is a number, a quoted identifier or a constant, so if it can carry outside "
            f"input it can rewrite the query: {advice}."
        )
