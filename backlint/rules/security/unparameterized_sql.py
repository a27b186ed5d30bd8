"""BL301: SQL text built from non-constant values reaches a database call.

The engine's semantics answer "what object is this?" but not "what string does this variable
hold?", so this rule keeps its own small value tracker, fed by its ``visit_``/``leave_``
handlers in source order: per scope (module, class, function) each name maps to a ``Val``
summary (constant? built by formatting with an unsafe piece? a literal allow-list? a database
object?). Plain assignments outside branches replace a name's value, assignments in branches and
loops, ``+=`` and ``list.append`` merge into it, allow-list guards (``if x not in ALLOWED:
raise``) mark a name safe. Sinks, placeholder styles and sanitizers live in
``backlint.frameworks.sql``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import sql as sqlk
from ...rule import Rule
from ...semantics import dotted_name

HOLE = sqlk.HOLE
_UPPER = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_PERCENT = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
_NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgGc")
_NUMERIC_SPEC = re.compile(r"[\d.,_]*[bdoxXeEfFgGn%]$")
_VALIDATING_METHODS = frozenset({"isidentifier", "isdigit", "isalnum", "isdecimal", "isnumeric", "isalpha"})
_STRING_METHODS = frozenset({
    "upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize", "casefold", "swapcase",
})


@dataclass(frozen=True)
class Val:
    """What the tracker knows about a value.

    ``safe``: not influenced by input (literals, constants, numbers, allow-list lookups).
    ``taint``: (how, what) when the value is text built by formatting with an unsafe piece.
    ``text``: the constant skeleton of a string (interpolations as ``HOLE``), when known.
    ``allow``: a literal collection of safe values (indexing it yields a safe value).
    ``obj``: a qualified name for the object (database connections and cursors).
    ``sqlish``: SQL text built elsewhere (a parameter named ``sql``/``stmt``...): composition.
    """

    safe: bool = False
    taint: Optional[Tuple[str, str]] = None
    text: Optional[str] = None
    allow: bool = False
    obj: Optional[str] = None
    sqlish: bool = False


UNKNOWN = Val()
SAFE = Val(safe=True)


def _either(a: Val, b: Val) -> Val:
    """The value of a variable that holds ``a`` on some paths and ``b`` on others."""
    return Val(
        safe=a.safe and b.safe,
        taint=a.taint or b.taint,
        text=a.text if a.text is not None else b.text,
        allow=a.allow and b.allow,
        obj=a.obj or b.obj,
        sqlish=(a.sqlish or a.safe) and (b.sqlish or b.safe) and not (a.safe and b.safe),
    )


def _is_stringy(v: Val) -> bool:
    return v.text is not None or v.taint is not None or v.sqlish


class _Scope:
    __slots__ = ("kind", "parent", "vars", "cond")

    def __init__(self, kind: str, parent: Optional["_Scope"]) -> None:
        self.kind = kind
        self.parent = parent
        self.vars: Dict[str, Val] = {}
        self.cond = 0  # depth of if/for/while/try/match inside this scope


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

    These are not reported: placeholders with parameters (`%s`, `?`, `:name`, `$1`), even in
    text assembled from constants (`", ".join(["%s"] * len(ids))`); interpolated module-level
    constants, `UPPER_CASE` names, class attributes assigned a literal, table names from
    `Model._meta.db_table`/`__tablename__`; values picked from a literal allow-list
    (`{"asc": "ASC", "desc": "DESC"}[order]`) or checked against one before use
    (`if col not in ALLOWED: raise ...`, `assert col in ALLOWED`); numbers (`int(x)`, `%d`,
    parameters annotated `int`, `UUID`, an `Enum` or `Literal[...]`); quoting helpers
    (`connection.ops.quote_name`, `escape_string`); psycopg `sql.SQL().format(sql.Identifier())`;
    SQLAlchemy Core/ORM expressions; and SQL-looking text that never reaches a database call
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
    The tracking is local to one function: SQL built in another function and passed in is not
    followed, and a helper whose name does not say it quotes (`safe_col(x)`) is treated as
    unknown input when interpolated. A value checked by a custom validator is reported; add an
    allow-list check the rule understands, or suppress with `# backlint: ignore[BL301]`.

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
    precision = "high"
    tags = ("security", "external/cwe/cwe-089")
    security_severity = "8.8"
    text_markers = (
        "execute", "fetch", "text", "raw", "extra", "RawSQL", "read_sql", "SQL", "query",
    )

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self._scope = _Scope("module", None)
        self._overrides: Dict[str, Val] = {}
        self._enums: set = set()
        self._ifs: List[Tuple[cst.If, Optional[Tuple[str, bool]], Optional[Val]]] = []

    # -- scopes -----------------------------------------------------------------------------
    def _lookup(self, name: str) -> Optional[Val]:
        if name in self._overrides:
            return self._overrides[name]
        scope: Optional[_Scope] = self._scope
        first = True
        while scope is not None:
            if scope.kind != "class" or first:
                if name in scope.vars:
                    return scope.vars[name]
            first = False
            scope = scope.parent
        return None

    def _class_scope(self) -> Optional[_Scope]:
        scope: Optional[_Scope] = self._scope
        while scope is not None:
            if scope.kind == "class":
                return scope
            scope = scope.parent
        return None

    def _bind(self, name: str, value: Val, replace: Optional[bool] = None) -> None:
        scope = self._scope
        if (
            not (value.safe or value.taint or value.sqlish or value.allow)
            and value.text is None
            and sqlk.SQL_TEXT_NAME.match(name)
        ):
            # `sql, params = self._compile(...)`: SQL text built elsewhere
            value = Val(sqlish=True, obj=value.obj)
        if replace is None:
            replace = scope.cond == 0
        old = scope.vars.get(name)
        scope.vars[name] = value if (replace or old is None) else _either(old, value)

    def _bind_target(self, target: cst.BaseExpression, value: Val, node: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            values = None
            if isinstance(node, (cst.Tuple, cst.List)) and len(node.elements) == len(target.elements):
                values = [self._ev(e.value) for e in node.elements]
            for index, element in enumerate(target.elements):
                inner = values[index] if values else self._element(value)
                self._bind_target(element.value, inner, None)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, value, None)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value in ("self", "cls")
        ):
            scope = self._class_scope()
            if scope is not None:
                key = "self." + target.attr.value
                old = scope.vars.get(key)
                scope.vars[key] = value if old is None else _either(old, value)

    def _param_value(self, param: cst.Param) -> Val:
        name = param.name.value
        if param.annotation is not None and self._safe_annotation(param.annotation.annotation):
            return SAFE
        if sqlk.SQL_TEXT_NAME.match(name):
            return Val(sqlish=True)
        return UNKNOWN

    def _safe_annotation(self, ann: cst.BaseExpression) -> bool:
        if isinstance(ann, cst.SimpleString):
            return False
        name = dotted_name(ann)
        if name is not None:
            return name in sqlk.SAFE_ANNOTATIONS or name in self._enums or name.split(".")[-1] in self._enums
        if isinstance(ann, cst.Subscript):
            base = dotted_name(ann.value) or ""
            last = base.split(".")[-1]
            if last == "Literal":
                return True
            if last in ("Optional", "Annotated"):
                first = ann.slice[0].slice if ann.slice else None
                return isinstance(first, cst.Index) and self._safe_annotation(first.value)
            if last == "Union":
                return all(
                    isinstance(s.slice, cst.Index)
                    and (self._safe_annotation(s.slice.value) or dotted_name(s.slice.value) == "None")
                    for s in ann.slice
                )
            return False
        if isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
            sides = (ann.left, ann.right)
            return all(self._safe_annotation(s) or dotted_name(s) == "None" for s in sides) and any(
                self._safe_annotation(s) for s in sides
            )
        return False

    # -- evaluation --------------------------------------------------------------------------
    def _code(self, node: cst.CSTNode) -> str:
        text = " ".join(self.ctx.code_for(node).split())
        return text if len(text) <= 40 else text[:37] + "..."

    def _pieces(self, how: str, items: Sequence[Tuple[Val, cst.CSTNode]], text: Optional[str]) -> Val:
        taint = None
        safe = True
        for value, node in items:
            if value.taint is not None:
                taint = taint or value.taint
                safe = False
            elif value.safe:
                continue
            elif value.sqlish:
                safe = False
            else:
                taint = taint or (how, self._code(node))
                safe = False
        return Val(safe=safe, taint=taint, text=text, sqlish=not safe and taint is None)

    def _element(self, collection: Val) -> Val:
        """The value of one element of ``collection`` (iteration, indexing by unknown keys)."""
        return Val(
            safe=collection.safe or collection.allow,
            taint=collection.taint,
            text=collection.text,
            sqlish=collection.sqlish,
        )

    def _ev(self, node: cst.BaseExpression, depth: int = 0) -> Val:
        if depth > 60:
            return UNKNOWN
        d = depth + 1
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            return Val(safe=True, text=value)
        if isinstance(node, cst.ConcatenatedString):
            left, right = self._ev(node.left, d), self._ev(node.right, d)
            text = (left.text or HOLE) + (right.text or HOLE)
            return self._pieces("an f-string", [(left, node.left), (right, node.right)], text)
        if isinstance(node, cst.FormattedString):
            return self._ev_fstring(node, d)
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return SAFE
        if isinstance(node, cst.Name):
            return self._ev_name(node)
        if isinstance(node, cst.Attribute):
            return self._ev_attribute(node, d)
        if isinstance(node, cst.Subscript):
            base = self._ev(node.value, d)
            if base.allow:
                return SAFE
            if base.safe and isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString)):
                return SAFE
            return UNKNOWN
        if isinstance(node, cst.Call):
            return self._ev_call(node, d)
        if isinstance(node, cst.BinaryOperation):
            return self._ev_binary(node, d)
        if isinstance(node, cst.UnaryOperation):
            inner = self._ev(node.expression, d)
            return SAFE if inner.safe or isinstance(node.operator, cst.Not) else UNKNOWN
        if isinstance(node, cst.BooleanOperation):
            return _either(self._ev(node.left, d), self._ev(node.right, d))
        if isinstance(node, cst.Comparison):
            return SAFE
        if isinstance(node, cst.IfExp):
            guard = self._guard(node.test)
            body = self._with_guard(guard, True, lambda: self._ev(node.body, d))
            orelse = self._with_guard(guard, False, lambda: self._ev(node.orelse, d))
            return _either(body, orelse)
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return self._ev_collection([e.value for e in node.elements], d)
        if isinstance(node, cst.Dict):
            values = []
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    values.append(element.value)
                else:
                    return UNKNOWN
            return self._ev_collection(values, d)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self._ev_comprehension(node, d)
        if isinstance(node, cst.Await):
            inner = self._ev(node.expression, d)
            return inner
        if isinstance(node, cst.NamedExpr):
            return self._ev(node.value, d)
        if isinstance(node, cst.StarredElement):
            return self._ev(node.value, d)
        return UNKNOWN

    def _ev_collection(self, elements: Sequence[cst.BaseExpression], d: int) -> Val:
        if not elements:
            return Val(safe=True, allow=True)
        values = [self._ev(e, d) for e in elements]
        safe = all(v.safe for v in values)
        taint = next((v.taint for v in values if v.taint), None)
        text = next((v.text for v in values if v.text is not None), None)
        sqlish = not safe and taint is None and all(v.safe or v.sqlish for v in values)
        return Val(safe=safe, taint=taint, text=text, allow=safe, sqlish=sqlish)

    def _ev_comprehension(self, node, d: int) -> Val:
        saved = dict(self._overrides)
        try:
            comp = node.for_in
            while comp is not None:
                element = self._element(self._ev(comp.iter, d))
                self._override_target(comp.target, element)
                comp = comp.inner_for_in
            if isinstance(node, cst.DictComp):
                value = self._ev(node.value, d)
            else:
                value = self._ev(node.elt, d)
        finally:
            self._overrides = saved
        return Val(safe=value.safe, taint=value.taint, text=value.text, allow=value.safe, sqlish=value.sqlish)

    def _override_target(self, target: cst.BaseExpression, value: Val) -> None:
        if isinstance(target, cst.Name):
            self._overrides[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._override_target(element.value, value)

    def _ev_fstring(self, node: cst.FormattedString, d: int) -> Val:
        items: List[Tuple[Val, cst.CSTNode]] = []
        text = ""
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text += part.value
                continue
            text += HOLE
            spec_parts = part.format_spec or ()
            if spec_parts and all(isinstance(p, cst.FormattedStringText) for p in spec_parts):
                if _NUMERIC_SPEC.search("".join(p.value for p in spec_parts)):
                    continue
            items.append((self._ev(part.expression, d), part.expression))
        return self._pieces("an f-string", items, text)

    def _ev_name(self, node: cst.Name) -> Val:
        name = node.value
        if name in ("True", "False", "None"):
            return SAFE
        found = self._lookup(name)
        if found is not None:
            return found
        if _UPPER.match(name):
            return Val(safe=True, allow=True)
        if sqlk.SQL_TEXT_NAME.match(name):
            return Val(sqlish=True)
        return UNKNOWN

    def _ev_attribute(self, node: cst.Attribute, d: int) -> Val:
        attr = node.attr.value
        base = node.value
        if attr in sqlk.INPUT_ATTRIBUTES:
            return UNKNOWN
        if _UPPER.match(attr) or attr in sqlk.SCHEMA_ATTRIBUTES:
            return Val(safe=True, allow=_UPPER.match(attr) is not None)
        if attr in ("name", "value") and isinstance(base, cst.Attribute) and (
            _UPPER.match(base.attr.value) or base.attr.value == "__table__"
        ):
            return SAFE
        if isinstance(base, cst.Name) and base.value in ("self", "cls"):
            scope = self._class_scope()
            if scope is not None:
                found = scope.vars.get("self." + attr) or scope.vars.get(attr)
                if found is not None:
                    return found
        elif isinstance(base, cst.Name):
            found = self._lookup(base.value)
            if found is not None and found.safe:
                return SAFE
        if sqlk.SQL_TEXT_NAME.match(attr):
            return Val(sqlish=True)
        return UNKNOWN

    def _ev_call(self, node: cst.Call, d: int) -> Val:
        func = node.func
        qual = self.ctx.qualified_name(func)
        obj = self._qual(node)
        if qual and qual.startswith(sqlk.PSYCOPG_COMPOSE_PREFIXES):
            return SAFE
        args = [a for a in node.args]
        first = args[0].value if args else None
        if isinstance(func, cst.Name):
            fname = func.value
            if fname in sqlk.NUMERIC_CALLS:
                return SAFE
            if fname == "str" and first is not None:
                inner = self._ev(first, d)
                return Val(safe=inner.safe, taint=inner.taint, text=inner.text, sqlish=inner.sqlish)
            if fname in ("list", "tuple", "set", "frozenset", "sorted", "reversed", "iter") and first is not None:
                return self._ev(first, d)
            if fname in ("enumerate", "zip", "min", "max", "sum") and args:
                values = [self._ev(a.value, d) for a in args]
                safe = all(v.safe or v.allow for v in values)
                return Val(safe=safe, allow=safe and fname in ("enumerate", "zip"))
        last = func.attr.value if isinstance(func, cst.Attribute) else (
            func.value if isinstance(func, cst.Name) else ""
        )
        if isinstance(func, cst.Name):
            # `qn = connection.ops.quote_name` then `qn(table)`
            bound = self._lookup(func.value)
            if bound is not None and bound.obj:
                last = last + " " + bound.obj.rsplit(".", 1)[-1]
        if any(word in last.lower() for word in sqlk.SANITIZER_WORDS):
            return SAFE
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            base_node = func.value
            if method == "format":
                base = self._ev(base_node, d)
                if base.text is None and base.taint is None:
                    return Val(obj=obj)
                items: List[Tuple[Val, cst.CSTNode]] = [(base, base_node)]
                for arg in args:
                    value = UNKNOWN if arg.star else self._ev(arg.value, d)
                    items.append((value, arg.value))
                return self._pieces("`.format()`", items, base.text)
            if method == "join" and first is not None:
                base = self._ev(base_node, d)
                if base.text is None:
                    return Val(obj=obj)
                elements = self._ev(first, d)
                return self._pieces("`str.join()`", [(base, base_node), (elements, first)], elements.text)
            if method == "replace" and first is not None:
                quote = self._ev(first, d).text
                if quote in ("'", '"'):
                    return SAFE  # `value.replace("'", "''")`: escaped for a quoted SQL literal
            if method in _STRING_METHODS:
                base = self._ev(base_node, d)
                return Val(safe=base.safe, taint=base.taint, text=base.text, sqlish=base.sqlish)
            if method in ("items", "keys", "values", "copy"):
                base = self._ev(base_node, d)
                return Val(safe=base.safe or base.allow, allow=base.allow, taint=base.taint, text=base.text)
            if method == "get" and args:
                base = self._ev(base_node, d)
                if base.allow:
                    default = self._ev(args[1].value, d) if len(args) > 1 else SAFE
                    return SAFE if default.safe else UNKNOWN
        return Val(obj=obj)

    def _ev_binary(self, node: cst.BinaryOperation, d: int) -> Val:
        op = node.operator
        left = self._ev(node.left, d)
        if isinstance(op, cst.Add):
            right = self._ev(node.right, d)
            if _is_stringy(left) or _is_stringy(right):
                text = (left.text if left.text is not None else HOLE) + (
                    right.text if right.text is not None else HOLE
                )
                return self._pieces("`+` concatenation", [(left, node.left), (right, node.right)], text)
            return Val(safe=left.safe and right.safe)
        if isinstance(op, cst.Modulo):
            if left.text is None and left.taint is None and not left.sqlish:
                right = self._ev(node.right, d)
                return Val(safe=left.safe and right.safe)
            return self._ev_percent(node, left, d)
        if isinstance(op, cst.Multiply):
            right = self._ev(node.right, d)
            for a in (left, right):
                if (a.text is not None or a.allow) and a.safe:
                    return Val(safe=True, text=a.text, allow=a.allow)
            return Val(safe=left.safe and right.safe)
        right = self._ev(node.right, d)
        return Val(safe=left.safe and right.safe)

    def _ev_percent(self, node: cst.BinaryOperation, left: Val, d: int) -> Val:
        text = left.text
        conversions: List[Tuple[Optional[str], str]] = []
        if text is not None:
            for m in _PERCENT.finditer(text):
                if m.group(2) != "%":
                    conversions.append((m.group(1), m.group(2)))
            skeleton = _PERCENT.sub(lambda m: "%" if m.group(2) == "%" else HOLE, text)
        else:
            skeleton = None
        right = node.right
        items: List[Tuple[Val, cst.CSTNode]] = [(left, node.left)]

        def numeric(conv: str) -> bool:
            return conv in _NUMERIC_CONVERSIONS

        if isinstance(right, cst.Tuple) and text is not None and all(k is None for k, _ in conversions):
            for index, element in enumerate(right.elements):
                conv = conversions[index][1] if index < len(conversions) else "s"
                if isinstance(element, cst.StarredElement) or not numeric(conv):
                    items.append((self._ev(element.value, d), element.value))
        elif isinstance(right, cst.Dict) and text is not None and conversions and all(
            k is not None for k, _ in conversions
        ):
            kinds = {k: c for k, c in conversions}
            for element in right.elements:
                if not isinstance(element, cst.DictElement):
                    items.append((UNKNOWN, element.value))
                    continue
                key = element.key.evaluated_value if isinstance(element.key, cst.SimpleString) else None
                if key is None or not numeric(kinds.get(key, "s")):
                    items.append((self._ev(element.value, d), element.value))
        else:
            if not (text is not None and conversions and all(numeric(c) for _, c in conversions)):
                items.append((self._ev(right, d), right))
        return self._pieces("`%` formatting", items, skeleton)

    def _qual(self, node: cst.BaseExpression) -> Optional[str]:
        """A qualified name for an object: the engine's, else this rule's own bindings, else
        a name rooted in ``?`` that keeps the method chain (``?.cursor()``)."""
        qual = self.ctx.qualified_name(node)
        if qual:
            return qual
        if isinstance(node, cst.Name):
            found = self._lookup(node.value)
            return found.obj if found is not None else None
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value in ("self", "cls"):
                scope = self._class_scope()
                found = scope.vars.get("self." + node.attr.value) if scope is not None else None
                if found is not None and found.obj:
                    return found.obj
            base = self._qual(node.value) or "?"
            return f"{base}.{node.attr.value}"
        if isinstance(node, cst.Call):
            base = self._qual(node.func)
            return base + "()" if base else None
        if isinstance(node, cst.Await):
            return self._qual(node.expression)
        return None

    # -- guards (allow-list checks) -----------------------------------------------------------
    def _constant_collection(self, node: cst.BaseExpression) -> bool:
        value = self._ev(node)
        return value.allow or (value.safe and isinstance(node, (cst.SimpleString, cst.Name, cst.Attribute)))

    def _guard(self, test: cst.BaseExpression) -> Optional[Tuple[str, bool]]:
        """(name, True) if ``test`` being true proves ``name`` safe; (name, False) if false does."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._guard(test.expression)
            return (inner[0], not inner[1]) if inner else None
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            left = test.left
            # `x.lower() in ALLOWED` validates `x` too: it differs from an allowed value in case only
            if (
                isinstance(left, cst.Call) and not left.args and isinstance(left.func, cst.Attribute)
                and left.func.attr.value in _STRING_METHODS and isinstance(left.func.value, cst.Name)
            ):
                left = left.func.value
            if not isinstance(left, cst.Name):
                return None
            target = test.comparisons[0]
            if isinstance(target.operator, (cst.In, cst.NotIn)) and self._constant_collection(target.comparator):
                return left.value, isinstance(target.operator, cst.In)
            return None
        if isinstance(test, cst.Call):
            func = test.func
            args = [a.value for a in test.args]
            if isinstance(func, cst.Attribute) and func.attr.value in _VALIDATING_METHODS:
                if isinstance(func.value, cst.Name) and not args:
                    return func.value.value, True
            qual = self.ctx.qualified_name(func) or ""
            if qual in ("re.match", "re.fullmatch") and len(args) >= 2 and isinstance(args[1], cst.Name):
                return args[1].value, True
            if (
                isinstance(func, cst.Attribute) and func.attr.value in ("match", "fullmatch")
                and len(args) == 1 and isinstance(args[0], cst.Name)
            ):
                return args[0].value, True
            if isinstance(func, cst.Name) and func.value == "isinstance" and len(args) == 2 and isinstance(args[0], cst.Name):
                kinds = args[1]
                names = [dotted_name(e.value) for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [dotted_name(kinds)]
                if names and all(n in ("int", "float", "bool", "Decimal", "UUID") for n in names):
                    return args[0].value, True
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            return self._guard(test.left) or self._guard(test.right)
        return None

    def _with_guard(self, guard, when: bool, compute):
        if guard is None or guard[1] != when:
            return compute()
        saved = dict(self._overrides)
        self._overrides[guard[0]] = SAFE
        try:
            return compute()
        finally:
            self._overrides = saved

    @staticmethod
    def _statements(suite: cst.BaseSuite) -> List[cst.CSTNode]:
        out: List[cst.CSTNode] = []
        if isinstance(suite, cst.SimpleStatementSuite):
            return list(suite.body)
        for stmt in suite.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                out.extend(stmt.body)
            else:
                out.append(stmt)
        return out

    def _terminates(self, suite: cst.BaseSuite) -> bool:
        statements = self._statements(suite)
        if not statements:
            return False
        last = statements[-1]
        if isinstance(last, (cst.Raise, cst.Return, cst.Continue, cst.Break)):
            return True
        if isinstance(last, cst.Expr) and isinstance(last.value, cst.Call):
            name = dotted_name(last.value.func) or ""
            return name.split(".")[-1] in ("abort", "exit", "_exit", "fail")
        return False

    def _assigns_safe(self, suite: cst.BaseSuite, name: str) -> bool:
        for stmt in self._statements(suite):
            if isinstance(stmt, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == name for t in stmt.targets
            ):
                return self._ev(stmt.value).safe
        return False

    # -- handlers: scopes and bindings ---------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        for stmt in node.body:
            if isinstance(stmt, cst.ClassDef) and self._is_enum(stmt):
                self._enums.add(stmt.name.value)
        for stmt in node.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign):
                        value = self._ev(small.value)
                        for target in small.targets:
                            self._bind_target(target.target, value, small.value)
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        self._bind_target(small.target, self._ev(small.value), small.value)

    @staticmethod
    def _is_enum(node: cst.ClassDef) -> bool:
        for base in node.bases:
            name = dotted_name(base.value) or ""
            if name.split(".")[-1] in sqlk.ENUM_BASES:
                return True
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self._is_enum(node):
            self._enums.add(node.name.value)
        self._scope.vars[node.name.value] = SAFE if node.name.value in self._enums else UNKNOWN
        self._scope = _Scope("class", self._scope)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        if self._scope.parent is not None:
            self._scope = self._scope.parent

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        values = {}
        for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            values[param.name.value] = self._param_value(param)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                values[star.name.value] = UNKNOWN
        self._scope.vars.setdefault(node.name.value, UNKNOWN)
        self._scope = _Scope("function", self._scope)
        self._scope.vars.update(values)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._scope.parent is not None:
            self._scope = self._scope.parent

    def _enter_conditional(self, node) -> None:
        self._scope.cond += 1

    def _leave_conditional(self, node) -> None:
        self._scope.cond = max(0, self._scope.cond - 1)

    visit_While = _enter_conditional
    leave_While = _leave_conditional
    visit_Try = _enter_conditional
    leave_Try = _leave_conditional
    visit_Match = _enter_conditional
    leave_Match = _leave_conditional
    visit_TryStar = _enter_conditional  # Python 3.11 `except*`; ignored where libcst lacks it
    leave_TryStar = _leave_conditional

    def visit_For(self, node: cst.For) -> None:
        self._scope.cond += 1
        self._bind_target(node.target, self._element(self._ev(node.iter)), None)

    leave_For = _leave_conditional

    def visit_If(self, node: cst.If) -> None:
        self._scope.cond += 1
        guard = self._guard(node.test)
        saved = None
        if guard is not None and guard[1]:
            saved = self._scope.vars.get(guard[0])
            self._scope.vars[guard[0]] = SAFE
        self._ifs.append((node, guard, saved))

    def leave_If(self, node: cst.If) -> None:
        self._scope.cond = max(0, self._scope.cond - 1)
        if not self._ifs or self._ifs[-1][0] is not node:
            return
        _, guard, saved = self._ifs.pop()
        if guard is None:
            return
        name, positive = guard
        if positive:
            if self._scope.vars.get(name) is SAFE:
                if saved is None:
                    self._scope.vars.pop(name, None)
                else:
                    self._scope.vars[name] = saved
            return
        if self._terminates(node.body) or self._assigns_safe(node.body, name):
            self._bind(name, SAFE, replace=True)

    def visit_Assert(self, node: cst.Assert) -> None:
        guard = self._guard(node.test)
        if guard is not None and guard[1]:
            self._bind(guard[0], SAFE, replace=True)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = self._ev(node.value)
        if value.obj is None and isinstance(node.value, (cst.Name, cst.Attribute)):
            value = Val(value.safe, value.taint, value.text, value.allow, self._qual(node.value), value.sqlish)
        for target in node.targets:
            self._bind_target(target.target, value, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            value = self._ev(node.value)
            if self._safe_annotation(node.annotation.annotation):
                value = Val(safe=True, obj=value.obj)
            self._bind_target(node.target, value, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if isinstance(target, cst.Name):
            old = self._lookup(target.value) or UNKNOWN
        elif isinstance(target, cst.Attribute):
            old = self._ev(target)
        else:
            return
        value = self._ev(node.value)
        if isinstance(node.operator, cst.AddAssign) and (_is_stringy(old) or _is_stringy(value)):
            text = (old.text if old.text is not None else HOLE) + (value.text if value.text is not None else HOLE)
            new = self._pieces("`+=` concatenation", [(old, target), (value, node.value)], text)
            if old.taint is None and value.taint is None and not new.taint and not (old.safe or old.sqlish):
                # an unknown string grown with constants: not a finding by itself
                new = Val(sqlish=old.sqlish, text=text)
        else:
            new = Val(safe=old.safe and value.safe)
        if isinstance(target, cst.Name):
            self._bind(target.value, new, replace=True)
        else:
            self._bind_target(target, new, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self._bind(node.target.value, self._ev(node.value), replace=False)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, Val(obj=self._qual(node.item)), None)

    # -- handlers: list accumulation and sinks -------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.attr.value in ("append", "extend", "insert", "add", "appendleft")
            and node.args
        ):
            name = func.value.value
            old = self._lookup(name)
            if old is not None:
                arg = node.args[-1].value
                added = self._ev(arg)
                if func.attr.value == "extend":
                    added = self._element(added)
                merged = Val(
                    safe=old.safe and added.safe,
                    taint=old.taint or added.taint,
                    text=old.text if old.text is not None else added.text,
                    allow=old.allow and added.safe,
                    sqlish=(old.sqlish or old.safe) and (added.sqlish or added.safe)
                    and not (old.safe and added.safe),
                    obj=old.obj,
                )
                self._bind(name, merged, replace=True)
        sink = self._sink(node)
        if sink is None:
            return
        for arg in sqlk.sql_arguments(node, sink):
            value = self._ev(arg)
            if value.taint is None:
                continue
            if sink.generic and not sqlk.looks_like_sql(value.text):
                continue
            self.report(node, self._message(node, sink, value.taint))
            return

    def _sink(self, node: cst.Call) -> Optional[sqlk.Sink]:
        func = node.func
        qual = self.ctx.qualified_name(func)
        if qual in sqlk.FUNCTION_SINKS:
            return sqlk.FUNCTION_SINKS[qual]
        if not isinstance(func, cst.Attribute):
            return None
        raw = sqlk.django_raw_sink(func)
        if raw is not None:
            return raw
        return sqlk.method_sink(func.attr.value, self._qual(func.value), node)

    @staticmethod
    def _message(node: cst.Call, sink: sqlk.Sink, taint: Tuple[str, str]) -> str:
        how, what = taint
        driver = sqlk.DRIVERS.get(sink.driver, sqlk.DRIVERS["dbapi"])
        written = dotted_name(node.func)
        where = f"`{written}()`" if written else f"`{sink.display}`"
        if not sink.generic and sink.driver != "dbapi":
            where += f" ({driver.label})"
        return (
            f"SQL built with {how} from `{what}` reaches {where}; whoever controls that value "
            f"can rewrite the query: {driver.advice}."
        )
