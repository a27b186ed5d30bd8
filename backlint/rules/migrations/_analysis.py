"""One analysis of a migration file, shared by every BL5xx rule.

The rules' ``visit_Call`` handlers feed a :class:`Collector` while the engine walks the file (so
names are resolved with the bindings in force where each call is written); at the end of the
walk the first rule that asks builds an :class:`Analysis`: it recognises a Django or Alembic
migration by its content, turns every operation (and every DDL statement found in raw SQL) into
hazards tagged with the rule code they belong to and the databases they apply to, and caches the
result on the file context. Each rule then reports its own hazards.
"""
from __future__ import annotations

import os

import ast
import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

from ..._lazy import cst
from ...walker import children

from ...findings import Severity
from ...frameworks import migrations as fw
from ...frameworks import sql_ddl
from ...rule import FileContext
from ...semantics import dotted_name, has_star_kwargs, keyword_arg, positional_args, string_parts
from . import _dialect, _history, _unreleased, _wrappers

BL501, BL502, BL503, BL504, BL505, BL506, BL507, BL508 = (f"BL50{i}" for i in range(1, 9))
_BOILERPLATE_DOC = re.compile(r"(unapply|revert|downgrade|undo|rollback|roll back)\b", re.IGNORECASE)
_ROW_HAZARDS = (BL503, BL504, BL505)  # hazards that need rows in the table (none after DELETE without WHERE)
# a comment saying the column was removed from the models (ORM) earlier, or since a commit
_REMOVED_EARLIER = re.compile(
    r"(removed|dropped|deleted)\s+from\s+(the\s+)?(orm|sqlalchemy|models?)\b|no\s+longer\s+(used|mapped|in\s+the\s+models?)"
    r"|(removed|dropped)\s+(in|since)\s+(commit\s+)?[0-9a-f]{7,40}\b", re.IGNORECASE)


@dataclass
class Hazard:
    code: str
    node: cst.CSTNode
    message: str
    databases: FrozenSet[str]
    severity: Optional[Severity] = None


class Collector:
    """Qualified names of calls, recorded during the walk (one per file, shared by the rules)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.qual: Dict[int, Optional[str]] = {}
        self.receiver_origin: Dict[int, cst.Call] = {}
        self.arg_origin: Dict[int, cst.Call] = {}
        self.analyses: Dict[str, Optional["Analysis"]] = {}

    def on_call(self, node: cst.Call) -> None:
        key = id(node)
        if key in self.qual:
            return
        self.qual[key] = self.ctx.qualified_name(node.func)
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            origin = self.ctx.origin_call(func.value)
            if origin is not None:
                self.receiver_origin[key] = origin
        args = positional_args(node)
        if args and isinstance(args[0].value, cst.Name):
            origin = self.ctx.origin_call(args[0].value)
            if origin is not None:
                self.arg_origin[key] = origin

    def qualname(self, node: cst.BaseExpression) -> Optional[str]:
        if isinstance(node, cst.Call):
            if id(node) in self.qual:
                return self.qual[id(node)]
            return self.ctx.qualified_name(node.func)
        return self.ctx.qualified_name(node)


def collector(ctx: FileContext) -> Collector:
    return ctx.shared("migrations", lambda: Collector(ctx))


def analysis(ctx: FileContext, database: str, start_after: Any = None) -> Optional["Analysis"]:
    """The migration analysis of the file (None if it is not a migration), cached per database
    and cut-off (tables created after the cut-off are unreleased, so new)."""
    col = collector(ctx)
    key = f"{database}|{start_after!r}"
    if key not in col.analyses:
        result = Analysis(ctx, col, database, start_after)
        col.analyses[key] = result if result.framework else None
    return col.analyses[key]


# -- small helpers -------------------------------------------------------------------------------


def arg(call: cst.Call, index: Optional[int], name: str) -> Optional[cst.BaseExpression]:
    found = keyword_arg(call, name)
    if found is not None:
        return found.value
    if index is None:
        return None
    positional = positional_args(call)
    return positional[index].value if len(positional) > index else None


def literal(node: Optional[cst.BaseExpression]) -> Any:
    """The Python value of a literal expression, else a :class:`fw.Expr`."""
    if node is None:
        return None
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, cst.Integer):
        return node.evaluated_value
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value
    try:
        code = cst.Module([]).code_for_node(node)
        return ast.literal_eval(code.strip())
    except Exception:
        callee = dotted_name(node.func) if isinstance(node, cst.Call) else None
        return fw.Expr(cst.Module([]).code_for_node(node), callee)


def text_of(node: Optional[cst.BaseExpression]) -> Optional[str]:
    value = literal(node)
    return value if isinstance(value, str) else None


def lower(node: Optional[cst.BaseExpression]) -> Optional[str]:
    value = text_of(node)
    return value.lower().rsplit(".", 1)[-1] if value else None


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Calls inside ``node`` in source order, not entering nested functions, lambdas or classes."""
    stack: List[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) and current is not node:
            continue
        if isinstance(current, cst.Call):
            yield current
        stack.extend(reversed(children(current)))


def _shown(e: sql_ddl.SqlEvent) -> sql_ddl.SqlEvent:
    """The event with interpolated names written as `…` (for messages); the table key is kept."""
    return dataclasses.replace(e, column="…" if e.column == sql_ddl.EXPR else e.column)


def _join(parts: Sequence[Optional[str]]) -> Optional[str]:
    return "".join(p if p is not None else sql_ddl.EXPR for p in parts)


@dataclass
class _Op:
    """An operation as found in the file, with what rules need to judge it."""

    node: cst.CSTNode
    what: str  # how it reads in a message
    table: Optional[str] = None
    transactional: bool = True
    segment: int = 0
    deliberate: bool = False


# -- the analysis -----------------------------------------------------------------------------


class Analysis:
    def __init__(self, ctx: FileContext, col: Collector, database: str, start_after: Any = None) -> None:
        self.ctx = ctx
        self.start_after = start_after
        self.col = col
        self.database = database
        self.framework: Optional[str] = None  # "django" | "alembic"
        self.skip: Optional[str] = None  # "initial" | "squashed": nothing is reported
        self.app: Optional[str] = None
        self.name = ""
        self.revision: Optional[str] = None
        self.down_revisions: Tuple[str, ...] = ()
        self.hazards: List[Hazard] = []
        self.history: Optional[_history.DjangoFile] = None
        self.atomic = True
        self.atomic_unknown = False  # `atomic = <expression we cannot read>`
        self.added_not_null: List[Tuple[str, str, bool, Hazard]] = []  # Django AddField BL503 hazards
        self.set_defaults: Set[Tuple[str, str]] = set()  # (table, column) given a DB default later
        self.emptied: Set[str] = set()  # tables this migration deleted every row of (DELETE without WHERE)
        self.current_table: Optional[str] = None  # the table of the operation being judged
        self.segment = 0  # transaction segment: changes at COMMIT / BEGIN and autocommit blocks
        self.in_transaction = True
        self.autocommit = False  # inside Alembic's autocommit_block()
        self.new_tables: Set[str] = set()
        self.consts: Dict[str, Optional[str]] = {}
        # for the cross-operation checks, in order
        # schema changes on existing tables ("ddl") and data writes ("write"), in order (BL508)
        self.timeline: List[Tuple[str, _Op, Set[str]]] = []
        self.not_null: List[Tuple[_Op, str, Optional[str], str]] = []  # pending SET NOT NULL
        self.constraint_events: List[Tuple[str, _Op, Optional[str], bool]] = []  # (kind, op, name, not_valid)
        self._run(ctx.module)
        if self.framework:
            self._finish()

    # -- reporting helpers -------------------------------------------------------------------
    def add(self, code: str, node: cst.CSTNode, message: str, databases: FrozenSet[str] = fw.ALL_DATABASES,
            severity: Optional[Severity] = None) -> None:
        if code in _ROW_HAZARDS and self.current_table and self.current_table.lower() in self.emptied:
            return  # the table was emptied earlier in this migration: nothing to scan, rewrite or fail on
        self.hazards.append(Hazard(code, node, message, databases, severity))

    def is_new(self, table: Optional[str]) -> bool:
        return table is not None and table.lower() in self.new_tables

    def lock_phrase(self) -> str:
        if self.database == "mysql":
            return "while MySQL copies the table (ALGORITHM=COPY), blocking writes for the duration"
        return "under an ACCESS EXCLUSIVE lock, so every read and write of the table waits"

    def fk_lock_phrase(self) -> str:
        """ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables: writes wait, reads do not."""
        if self.database == "mysql":
            return self.lock_phrase()
        return ("while it and the referenced table are locked against writes (SHARE ROW EXCLUSIVE), so every "
                "insert, update and delete on them waits")

    def not_valid_advice(self, postgresql: str) -> str:
        if self.database == "mysql":
            return ("MySQL has no NOT VALID: add it with an online schema change tool (gh-ost, "
                    "pt-online-schema-change) or in a maintenance window.")
        return postgresql

    # -- detection ----------------------------------------------------------------------------
    def _run(self, module: cst.Module) -> None:
        for stmt in module.body:
            if isinstance(stmt, cst.ClassDef) and self._is_django_migration(stmt):
                self.framework = "django"
                self._consts(module.body)
                self._django(stmt)
                return
        top: Dict[str, Any] = {}
        functions: Dict[str, cst.FunctionDef] = {}
        for stmt in module.body:
            if isinstance(stmt, cst.FunctionDef):
                functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        target = small.targets[0].target
                        if isinstance(target, cst.Name):
                            top[target.value] = small.value
                    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value:
                        top[small.target.value] = small.value
        if "revision" in top and "upgrade" in functions:
            self.framework = "alembic"
            self._consts(module.body)
            self._alembic(top, functions)

    def _is_django_migration(self, cls: cst.ClassDef) -> bool:
        return any(fw.is_django_migration_base(self.ctx.qualified_name(base.value)) for base in cls.bases)

    def _consts(self, body: Sequence[cst.CSTNode]) -> None:
        """Module-level NAME = "string" assignments, for SQL kept in constants."""
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        target = small.targets[0].target
                        if isinstance(target, cst.Name):
                            self.consts[target.value] = self.sql_text(small.value)

    def _local_consts(self, func: cst.FunctionDef) -> Dict[str, Optional[str]]:
        found: Dict[str, Optional[str]] = {}
        stack: List[cst.CSTNode] = [func.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                found[node.targets[0].target.value] = self.sql_text(node.value)
            elif not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                stack.extend(children(node))
        return found

    def sql_text(self, node: Optional[cst.BaseExpression], local: Optional[Dict[str, Optional[str]]] = None) -> Optional[str]:
        """The SQL a string expression holds; interpolated parts become ``__expr__``."""
        if node is None:
            return None
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        if isinstance(node, cst.ConcatenatedString):  # flattened: no recursion per piece
            return _join([self.sql_text(part, local) for part in string_parts(node)])
        if isinstance(node, cst.FormattedString):
            return "".join(
                part.value if isinstance(part, cst.FormattedStringText) else sql_ddl.EXPR for part in node.parts
            )
        if isinstance(node, cst.Name):
            if local is not None and node.value in local:
                return local[node.value]
            return self.consts.get(node.value)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Modulo):
                return self.sql_text(node.left, local)
            if isinstance(node.operator, cst.Add):
                return _join([self.sql_text(node.left, local), self.sql_text(node.right, local)])
            return None
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "format":
                template = self.sql_text(func.value, local)
                if template is None:
                    return None
                return re.sub(r"\{[^{}]*\}", sql_ddl.EXPR, template)
            if self.col.qualname(node) in fw.SQLALCHEMY_TEXT:
                return self.sql_text(arg(node, 0, "text"), local)
        return None

    # -- SQL events -------------------------------------------------------------------------
    def sql(self, text: str, op: _Op, where: str) -> None:
        """Turn DDL found in ``text`` (run by ``where``, e.g. "`RunSQL`") into hazards."""
        for event in sql_ddl.scan(text):
            if self.framework == "alembic":  # a COMMIT earlier in the same text ends the transaction
                op = dataclasses.replace(op, transactional=not self.autocommit and self.in_transaction,
                                         segment=self.segment)
            self._sql_event(event, op, where)

    def _sql_event(self, e: sql_ddl.SqlEvent, op: _Op, where: str) -> None:
        self.current_table = e.table
        stmt = f"`{e.statement}`"
        src = f"SQL in {where} ({stmt})"
        table = e.table
        if e.column == sql_ddl.EXPR:
            e = _shown(e)
        t = "…" if table == sql_ddl.EXPR else table  # as shown in messages
        if e.kind == "create-table" and table:
            self.new_tables.add(table)
            return
        if e.kind == "set-default":
            if table and e.column:
                self.set_defaults.add((table.lower(), e.column.lower()))
            return
        if e.kind == "commit":
            self.on_commit()
            return
        if e.kind == "begin":
            self.on_begin()
            return
        if e.kind == "data-write" and table and not self.is_new(table):
            self.write(self._op(op, src), {table})
            if e.empties and table != sql_ddl.EXPR:  # no rows left (the running release may still use it)
                self.emptied.add(table.lower())
            return
        if e.kind == "rename-table" and table and table.endswith("_seq"):
            return  # a PostgreSQL sequence renamed through ALTER TABLE: queries never name it
        if e.kind in ("validate-constraint", "drop-constraint"):
            self.constraint_events.append((e.kind, self._op(op, src, table), e.name, False))
            return
        if e.kind in ("drop-index", "reindex"):
            if e.concurrently:
                self.concurrent_in_transaction(op, f"{src} uses CONCURRENTLY")
            return
        if e.kind == "create-index":
            if e.concurrently:
                self.concurrent_in_transaction(op, f"{src} builds an index CONCURRENTLY")
            elif not self.is_new(table):
                self.add(BL505, op.node, f"{src} builds an index on `{t}` without CONCURRENTLY: writes to the "
                         f"table are blocked for the whole build. Use `CREATE INDEX CONCURRENTLY` "
                         f"{self._outside_transaction_advice()}.", fw.POSTGRESQL)
                self.schema_change(self._op(op, src, table))
            return
        if table is None or self.is_new(table):
            if e.kind == "rename-table" and table and e.new_name:
                self.new_tables.add(e.new_name)
            return
        self.schema_change(self._op(op, src, table))
        if e.kind == "drop-table":
            if not op.deliberate:
                self.add(BL501, op.node, f"{src} drops table `{t}` while the release still running may use it. "
                         + DROP_ADVICE[self.framework or "django"])
        elif e.kind == "drop-column":
            if not op.deliberate:
                self.add(BL501, op.node, f"{src} drops column `{e.column}` of `{t}` while the release still running may "
                         "read or write it. " + DROP_ADVICE[self.framework or "django"])
        elif e.kind == "rename-table":
            if not op.deliberate:
                self.add(BL502, op.node, f"{src} renames table `{t}`: the release still running queries the old "
                         "name and fails until it is replaced. " + RENAME_ADVICE)
        elif e.kind == "rename-column":
            if not op.deliberate:
                self.add(BL502, op.node, f"{src} renames column `{e.column}` of `{t}`: the release still running "
                         "uses the old name and fails until it is replaced. " + RENAME_ADVICE)
        elif e.kind == "add-column":
            if e.not_null and not e.has_default:
                self.add(BL503, op.node, f"{src} adds column `{e.column}` to `{t}` as NOT NULL without a DEFAULT: "
                         "it fails on a table that has rows, and inserts from the release still running fail. Add it "
                         "nullable (backfill, then SET NOT NULL safely) or with a DEFAULT.")
        elif e.kind == "alter-type":
            if e.to_text and self.database == "postgresql":
                return  # varchar -> text needs no rewrite; the usual reason to write it
            self.add(BL504, op.node, f"{src} changes the type of `{t}.{e.column}`: the table is rewritten "
                     f"{self.lock_phrase()}. " + TYPE_ADVICE, fw.LOCKING_DATABASES)
        elif e.kind == "set-not-null":
            self.not_null.append((self._op(op, src, table), table, e.column, f"{src} sets NOT NULL on `{t}.{e.column}`"))
        elif e.kind == "add-constraint":
            if e.using_index:
                return
            if e.constraint in ("foreign key", "check"):
                self.constraint_events.append(("add", self._op(op, src, table), e.name, e.not_valid))
                if e.not_valid:
                    return
                lock = self.fk_lock_phrase() if e.constraint == "foreign key" else self.lock_phrase()
                self.add(BL504, op.node, f"{src} adds a {e.constraint.upper()} constraint to `{t}` that is "
                         f"validated against every row {lock}. " + self.not_valid_advice("Add it with NOT VALID, then run "
                         "`ALTER TABLE ... VALIDATE CONSTRAINT` in a later migration."), fw.LOCKING_DATABASES)
            else:
                self.add(BL504, op.node, f"{src} adds a {e.constraint.upper()} constraint to `{t}`, building its "
                         f"index {self.lock_phrase()}. " + UNIQUE_ADVICE, fw.POSTGRESQL)

    def schema_change(self, op: _Op) -> None:
        if op.table:
            names = {op.table}
            if self.framework == "django" and self.app:
                names.add(f"{self.app}_{op.table}".lower())
            self.timeline.append(("ddl", op, names))

    def write(self, op: _Op, tables: Set[str]) -> None:
        self.timeline.append(("write", op, set(tables)))

    def _op(self, op: _Op, what: str, table: Optional[str] = None) -> _Op:
        return _Op(op.node, what, table if table is not None else op.table, op.transactional, op.segment, op.deliberate)

    def _outside_transaction_advice(self) -> str:
        if self.framework == "alembic":
            return "inside `with op.get_context().autocommit_block():`"
        return "in a migration with `atomic = False`"

    def concurrent_in_transaction(self, op: _Op, what: str) -> None:
        if not op.transactional or (self.framework == "django" and self.atomic_unknown):
            return
        if self.framework == "django":
            advice = "this migration is atomic, so it fails when applied. Set `atomic = False` on the Migration (and " \
                     "keep other operations in a separate migration)."
        else:
            advice = "Alembic runs the revision in a transaction, so it fails when applied. Run it inside " \
                     "`with op.get_context().autocommit_block():`."
        self.add(BL506, op.node, f"{what}, which PostgreSQL refuses inside a transaction block: {advice}",
                 fw.POSTGRESQL, Severity.ERROR)

    # -- transaction segments (Alembic) -------------------------------------------------------
    def on_commit(self) -> None:
        self.segment += 1
        self.in_transaction = False

    def on_begin(self) -> None:
        self.segment += 1
        self.in_transaction = True

    # -- Django -------------------------------------------------------------------------------
    def _django(self, cls: cst.ClassDef) -> None:
        self.app, self.name = fw.django_app_and_name(self.ctx.path)
        attrs: Dict[str, cst.BaseExpression] = {}
        for stmt in cls.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                        attrs[small.targets[0].target.value] = small.value
                    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value:
                        attrs[small.target.value] = small.value
        if literal(attrs.get("initial")) is True:
            self.skip = "initial"
        elif "replaces" in attrs and literal(attrs.get("replaces")) not in ([], ()):
            self.skip = "squashed"
        self.atomic = self._atomic(attrs.get("atomic"))
        ops = attrs.get("operations")
        if not isinstance(ops, (cst.List, cst.Tuple)):
            return
        self.history = _history.django_file(self.name, self.ctx.text)
        if self.start_after:  # tables created by earlier migrations that are not released yet
            self.ctx.depends_on_directory(os.path.dirname(os.path.abspath(self.ctx.path)))
            self.new_tables |= _unreleased.django_tables(self.ctx.path, self.app, self.name, self.start_after)
        for index, element in enumerate(ops.elements):
            if isinstance(element.value, cst.Call):
                self._django_op(element.value, index, deliberate=False)

    def _atomic(self, node: Optional[cst.BaseExpression]) -> bool:
        """``atomic`` as the configured database sees it: `atomic = IS_SQLITE` is false on PostgreSQL.
        An expression we cannot read counts as atomic for ordering checks, but BL506 stays silent."""
        if node is None:
            return True
        names: Dict[str, cst.BaseExpression] = {}
        for stmt in self.ctx.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                        names[small.targets[0].target.value] = small.value
        value = _dialect.truth_on(node, self.database, names)
        if value is None:
            self.atomic_unknown = True
            return True
        return value

    def _model_before(self, index: int, model: Optional[str]) -> Optional[_history.ModelState]:
        """The model's state before operation ``index``, replayed from the earlier migrations."""
        if not model:
            return None
        self.ctx.depends_on_directory(os.path.dirname(os.path.abspath(self.ctx.path)))  # earlier migrations
        state = _history.state_before(self.ctx.path, self.name, self._prefix(index))
        return state.get(model) if state is not None else None

    def _prefix(self, index: int) -> List[_history.Event]:
        if self.history is None:
            return []
        return [event for i, event in self.history.indexed if i < index]

    def _django_op(self, call: cst.Call, index: int, deliberate: bool) -> None:
        qual = self.col.qualname(call)
        if qual in fw.ADD_DEFAULT_VALUE:
            model, column = lower(arg(call, 0, "model_name")), lower(arg(call, 1, "name"))
            if model and column:
                self.set_defaults.add((model, column))
            return
        name = fw.django_operation(qual)
        if name is None:
            return
        op = _Op(call, f"`{name}`", transactional=self.atomic, deliberate=deliberate)
        model = lower(arg(call, 0, "model_name")) if name in ("AddField", "RemoveField", "AlterField", "RenameField",
                                                              "AddIndex", "AddConstraint", "AddIndexConcurrently",
                                                              "AddConstraintNotValid", "ValidateConstraint") else None
        if name in ("CreateModel", "DeleteModel", "AlterModelTable", "AlterUniqueTogether", "AlterIndexTogether",
                    "AlterOrderWithRespectTo"):
            model = lower(arg(call, 0, "name"))
        op.table = model
        new = self.is_new(model)
        if name in ("AddIndexConcurrently", "RemoveIndexConcurrently"):
            self.concurrent_in_transaction(op, f"`{name}` builds or drops an index CONCURRENTLY")
            return
        if model and not new and name not in ("CreateModel", "RunSQL", "RunPython", "SeparateDatabaseAndState",
                                              "AddIndexConcurrently", "AddConstraintNotValid", "ValidateConstraint"):
            self.schema_change(op)
        if name == "CreateModel" and model:
            self.new_tables.add(model)
            if self.app:
                self.new_tables.add(f"{self.app}_{model}".lower())
            options = literal(arg(call, 2, "options"))
            if isinstance(options, dict) and isinstance(options.get("db_table"), str):
                self.new_tables.add(options["db_table"].lower())
        elif name == "SeparateDatabaseAndState":
            database_ops = arg(call, 0, "database_operations")
            if isinstance(database_ops, (cst.List, cst.Tuple)):
                for element in database_ops.elements:
                    if isinstance(element.value, cst.Call):
                        self._django_op(element.value, index, deliberate=True)
        elif new:
            return
        elif name == "RemoveField":
            if not deliberate:
                field_name = text_of(arg(call, 1, "name"))
                self.add(BL501, call, f"`RemoveField` drops column `{field_name}` of `{model}` while the release still "
                         "running may read or write it. " + DROP_ADVICE["django"])
        elif name == "DeleteModel":
            if not deliberate:
                self.add(BL501, call, f"`DeleteModel` drops the table of `{model}` while the release still running "
                         "may use it. " + DROP_ADVICE["django"])
        elif name == "RenameField":
            if not deliberate:
                old, new_name = text_of(arg(call, 1, "old_name")), text_of(arg(call, 2, "new_name"))
                before = self._model_before(index, model)
                field = before.fields.get((old or "").lower()) if before is not None else None
                if field is not None and not field.has_column:
                    self.add(BL502, call, f"`RenameField` renames the many-to-many field `{old}` of `{model}` to "
                             f"`{new_name}`, which renames its join table: the release still running queries the "
                             "old table and fails until it is replaced. Keep the old table with "
                             "`db_table=` on the field, or " + RENAME_ADVICE[0].lower() + RENAME_ADVICE[1:])
                else:
                    self.add(BL502, call, f"`RenameField` renames column `{old}` of `{model}` to `{new_name}`: the "
                             "release still running uses the old name and fails until it is replaced. " + RENAME_ADVICE
                             + " To rename only in Python, keep the column with `db_column=` on the renamed field.")
        elif name == "RenameModel":
            old = lower(arg(call, 0, "old_name"))
            if self.is_new(old):
                self.new_tables.add(lower(arg(call, 1, "new_name")) or "")
                return
            before = self._model_before(index, old)
            if before is not None and before.db_table:
                return  # the model keeps its `Meta.db_table`: no table (nor join table) is renamed
            self.schema_change(_Op(call, op.what, old, self.atomic))
            if not deliberate:
                self.add(BL502, call, f"`RenameModel` renames the table of `{old}` (and its many-to-many tables): the "
                         "release still running queries the old names and fails until it is replaced. Keep the old "
                         "table with `Meta.db_table`, or " + RENAME_ADVICE[0].lower() + RENAME_ADVICE[1:])
        elif name == "AlterModelTable":
            if not deliberate:
                table = text_of(arg(call, 1, "table"))
                target = f"`{table}`" if table else (f"Django's default name `{self.app}_{model}`" if self.app
                                                     else "Django's default name (`<app label>_<model>`)")
                self.add(BL502, call, f"`AlterModelTable` renames the table of `{model}` to {target}: the release "
                         "still running queries the old name and fails until it is replaced. " + RENAME_ADVICE)
        elif name == "AddField":
            self._django_add_field(call, model, op)
        elif name == "AlterField":
            if not deliberate:
                self._django_alter_field(call, index, model)
        elif name in ("AlterUniqueTogether", "AlterIndexTogether"):
            if not deliberate:
                self._django_together(call, index, name, model)
        elif name == "AlterOrderWithRespectTo":
            if literal(arg(call, 1, "order_with_respect_to")) is not None:
                self.add(BL503, call, f"`AlterOrderWithRespectTo` adds the `_order` column to `{model}` as NOT NULL "
                         "with no database default: inserts from the release still running fail until it is "
                         "replaced. Deploy the code change first, or add `_order` yourself with a database default.")
        elif name == "AddIndex":
            self.add(BL505, call, f"`AddIndex` builds an index on `{model}` with a plain CREATE INDEX, which blocks "
                     "writes to the table for the whole build. Use `AddIndexConcurrently` "
                     "(django.contrib.postgres.operations) in a migration with `atomic = False`.", fw.POSTGRESQL)
        elif name == "AddConstraint":
            self._django_constraint(call, model)
        elif name == "AddConstraintNotValid":
            self.constraint_events.append(("add", op, self._constraint_name(call), True))
        elif name == "ValidateConstraint":
            self.constraint_events.append(("validate-constraint", op, text_of(arg(call, 1, "name")), False))
        if name == "RunSQL":
            self._django_run_sql(call, op)
        elif name == "RunPython":
            self._django_run_python(call)

    @staticmethod
    def _constraint_name(call: cst.Call) -> Optional[str]:
        constraint = arg(call, 1, "constraint")
        if isinstance(constraint, cst.Call):
            return text_of(arg(constraint, None, "name"))
        return None

    def _django_add_field(self, call: cst.Call, model: Optional[str], op: _Op) -> None:
        field_node = arg(call, 2, "field")
        info = _history.field_from_code(cst.Module([]).code_for_node(field_node)) if field_node is not None else None
        if info is None or not info.has_column:
            return
        field_name = text_of(arg(call, 1, "name"))
        if info.not_null and not info.db_default and not info.generated:
            if info.default:
                how = ("Django writes `default=` into the existing rows and then drops it from the column, so "
                       "inserts from the release still running (which do not know the field) fail")
            elif info.fills_blank or info.auto_now:
                filled = "the current time" if info.auto_now else "`''`"
                how = (f"Django fills the existing rows with {filled} and then drops that default from the column, "
                       "so inserts from the release still running (which do not know the field) fail")
            else:
                how = ("with no default the migration fails on a table that has rows, and inserts from the release "
                       "still running fail")
            self.add(BL503, call, f"`AddField` adds `{field_name}` to `{model}` as NOT NULL without a database "
                     f"default: {how}. Add it with `null=True` and backfill, or give it `db_default=` (Django 5.0+).")
            # the column gets a default while it is added; a later SET DEFAULT / AddDefaultValue in this
            # (atomic) migration keeps one on it, so the running release's inserts keep working
            if field_name and model and (info.default or info.fills_blank or info.auto_now):
                self.added_not_null.append((model, field_name.lower(), info.is_fk, self.hazards[-1]))
        reason = info.index_reason()
        if reason:
            self.add(BL505, call, f"`AddField` adds `{field_name}` to `{model}` and {reason} with a plain CREATE "
                     "INDEX, which blocks writes to the table for the whole build. Add the field with "
                     "`db_index=False` (and without `unique=True`), then build the index with "
                     "`AddIndexConcurrently` in a migration with `atomic = False`.", fw.POSTGRESQL)

    def _django_alter_field(self, call: cst.Call, index: int, model: Optional[str]) -> None:
        field_name = lower(arg(call, 1, "name"))
        field_node = arg(call, 2, "field")
        if model is None or field_name is None or field_node is None:
            return
        new = _history.field_from_code(cst.Module([]).code_for_node(field_node))
        self.ctx.depends_on_directory(os.path.dirname(os.path.abspath(self.ctx.path)))  # earlier migrations
        state = _history.state_before(self.ctx.path, self.name, self._prefix(index))
        if new is None or state is None or model not in state:
            return
        old = state[model].fields.get(field_name)
        if old is None:
            return
        where = f"`AlterField` on `{model}.{field_name}`"
        for kind, description in fw.field_changes(old, new):
            if kind == "set-not-null":
                self.not_null.append((_Op(call, "`AlterField`", model, self.atomic), model, field_name,
                                      f"{where} {description}"))
            elif kind == "alter-type":
                self.add(BL504, call, f"{where} {description}: the table is rewritten {self.lock_phrase()}. "
                         + TYPE_ADVICE, fw.LOCKING_DATABASES)
            elif kind == "check":
                self.add(BL504, call, f"{where} {description}, validated against every row {self.lock_phrase()}. "
                         + self.not_valid_advice("Add the check with `AddConstraintNotValid` and `ValidateConstraint` "
                                                 "in separate migrations before changing the field."),
                         fw.LOCKING_DATABASES)
            elif kind == "unique":
                self.add(BL504, call, f"{where} {description}, building its unique index {self.lock_phrase()}. "
                         + UNIQUE_ADVICE, fw.POSTGRESQL)
            elif kind == "foreign-key":
                self.add(BL504, call, f"{where} {description}; the constraint is validated against every row while "
                         "both tables are locked against writes. " + self.not_valid_advice(
                             "Alter the field with `db_constraint=False`, add the constraint with "
                             "`RunSQL('... NOT VALID')`, and validate it in a later migration."),
                         fw.LOCKING_DATABASES)
            elif kind == "index":
                self.add(BL505, call, f"{where} {description} with a plain CREATE INDEX, which blocks writes to the "
                         "table for the whole build. Keep `db_index=False` on the field and build the index with "
                         "`AddIndexConcurrently` in a migration with `atomic = False`.", fw.POSTGRESQL)

    def _django_together(self, call: cst.Call, index: int, name: str, model: Optional[str]) -> None:
        attr = "unique_together" if name == "AlterUniqueTogether" else "index_together"
        value = arg(call, 1, attr)
        new = _history.together_value(literal(value)) if value is not None else None
        if model is None or not new:
            return
        self.ctx.depends_on_directory(os.path.dirname(os.path.abspath(self.ctx.path)))  # earlier migrations
        state = _history.state_before(self.ctx.path, self.name, self._prefix(index))
        if state is None or model not in state:
            return
        old = getattr(state[model], attr)
        if old is None:
            return
        added = sorted(new - old)
        if not added:
            return
        cols = ", ".join("(" + ", ".join(t) + ")" for t in added)
        if attr == "unique_together":
            self.add(BL504, call, f"`AlterUniqueTogether` adds a unique constraint on `{model}` {cols}, building its "
                     f"unique index {self.lock_phrase()}. " + UNIQUE_ADVICE, fw.POSTGRESQL)
        else:
            self.add(BL505, call, f"`AlterIndexTogether` builds an index on `{model}` {cols} with a plain CREATE "
                     "INDEX, which blocks writes for the whole build. Use `AddIndexConcurrently` in a migration with "
                     "`atomic = False`.", fw.POSTGRESQL)

    def _django_constraint(self, call: cst.Call, model: Optional[str]) -> None:
        constraint = arg(call, 1, "constraint")
        kind = "constraint"
        if isinstance(constraint, cst.Call):
            kind = (self.col.qualname(constraint.func) or dotted_name(constraint.func) or "").rsplit(".", 1)[-1]
        if kind == "CheckConstraint":
            self.constraint_events.append(("add", _Op(call, "`AddConstraint`", model, self.atomic),
                                           self._constraint_name(call), False))
            self.add(BL504, call, f"`AddConstraint` adds a CHECK constraint to `{model}` that is validated against "
                     f"every row {self.lock_phrase()}. " + self.not_valid_advice(
                         "Use `AddConstraintNotValid`, then `ValidateConstraint` in a later migration "
                         "(django.contrib.postgres.operations)."), fw.LOCKING_DATABASES)
        elif kind == "UniqueConstraint":
            self.add(BL504, call, f"`AddConstraint` adds a unique constraint to `{model}`, building its unique index "
                     f"{self.lock_phrase()}. " + UNIQUE_ADVICE, fw.POSTGRESQL)
        else:
            self.add(BL504, call, f"`AddConstraint` adds a `{kind}` to `{model}`, validated against every row "
                     f"{self.lock_phrase()}. Add it in a form PostgreSQL can build without blocking (NOT VALID, "
                     "or an index built CONCURRENTLY), or during a maintenance window.", fw.POSTGRESQL)

    def _django_run_sql(self, call: cst.Call, op: _Op) -> None:
        reverse = arg(call, 1, "reverse_sql")
        if reverse is None or literal(reverse) is None:
            self.add(BL507, call, "`RunSQL` has no `reverse_sql`, so this migration cannot be unapplied: `migrate` "
                     "back past it raises IrreversibleError. Pass `reverse_sql=` (or `migrations.RunSQL.noop` when "
                     "nothing needs undoing).", severity=Severity.NOTE)
        sql = arg(call, 0, "sql")
        items: List[cst.BaseExpression] = []
        if isinstance(sql, (cst.List, cst.Tuple)):
            for element in sql.elements:
                value = element.value
                if isinstance(value, (cst.Tuple, cst.List)) and value.elements:
                    value = value.elements[0].value
                items.append(value)
        elif sql is not None:
            items.append(sql)
        for item in items:
            text = self.sql_text(item)
            if text:
                self.sql(text, _Op(item, "`RunSQL`", None, op.transactional, 0, op.deliberate), "`RunSQL`")

    def _django_run_python(self, call: cst.Call) -> None:
        reverse = arg(call, 1, "reverse_code")
        if reverse is None or literal(reverse) is None:
            self.add(BL507, call, "`RunPython` has no `reverse_code`, so this migration cannot be unapplied: "
                     "`migrate` back past it raises IrreversibleError. Pass `reverse_code=` (or "
                     "`migrations.RunPython.noop` when nothing needs undoing).", severity=Severity.NOTE)
        code = arg(call, 0, "code")
        if not isinstance(code, cst.Name):
            return
        func = next((s for s in self.ctx.module.body if isinstance(s, cst.FunctionDef) and s.name.value == code.value), None)
        if func is None:
            return
        models: Set[str] = set()
        writes = False
        for inner in calls_in(func.body):
            attr = inner.func.attr.value if isinstance(inner.func, cst.Attribute) else None
            if attr == "get_model":
                names = [text_of(a.value) for a in positional_args(inner)]
                model_name = names[1] if len(names) > 1 else names[0] if names else None
                if model_name:
                    models.add(model_name.rsplit(".", 1)[-1].lower())
            elif attr in fw.ORM_WRITE_METHODS:
                writes = True
        if writes and models:
            self.write(_Op(call, "`RunPython`", None, self.atomic), models)

    # -- Alembic ------------------------------------------------------------------------------
    def _alembic(self, top: Dict[str, Any], functions: Dict[str, cst.FunctionDef]) -> None:
        self.revision = text_of(top.get("revision"))
        self.name = self.revision or ""
        down = literal(top.get("down_revision")) if "down_revision" in top else fw.Expr("")
        if down is None:
            self.skip = "initial"
        elif isinstance(down, str):
            self.down_revisions = (down,)
        elif isinstance(down, (tuple, list)):
            self.down_revisions = tuple(d for d in down if isinstance(d, str))
        self.functions = functions
        if self.start_after:  # tables created by earlier revisions that are not released yet
            self.ctx.depends_on_directory(os.path.dirname(os.path.abspath(self.ctx.path)))
            self.new_tables |= _unreleased.alembic_tables(self.ctx.path, self.revision, self.down_revisions,
                                                          self.start_after)
        self.defaulted: Set[Tuple[str, str]] = set()  # NOT NULL columns added with a server default
        self.batch_tables: Dict[str, Optional[str]] = {}
        self.autocommit = False
        self.documented = False  # a comment above says the dropped column already left the models
        self.dialect_names = _dialect.dialect_name_bindings(self.ctx.module)
        upgrade = functions["upgrade"]
        # helpers defined inside upgrade() are called like module-level ones
        self.functions = dict(functions)
        for stmt in upgrade.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value not in self.functions:
                self.functions[stmt.name.value] = stmt
        self.local = self._local_consts(upgrade)
        self._alembic_body(upgrade.body.body, {"upgrade", "downgrade"})
        downgrade = functions.get("downgrade")
        if downgrade is None:
            self.add(BL507, upgrade.name, "This revision has no `downgrade()`, so `alembic downgrade` past it fails. "
                     "Write the inverse operations, or raise an error that says why it cannot be undone.",
                     severity=Severity.NOTE)
        elif self._only_pass(downgrade) and self._has_effect(upgrade) and not self._explained(downgrade):
            self.add(BL507, downgrade.name, "`downgrade()` does nothing, so `alembic downgrade` reports success and "
                     "leaves this revision's changes in place. Write the inverse operations, or raise an error that "
                     "says why it cannot be undone.", severity=Severity.NOTE)

    @staticmethod
    def _only_pass(func: cst.FunctionDef) -> bool:
        body = func.body.body
        for stmt in body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return False
            for small in stmt.body:
                if isinstance(small, cst.Pass):
                    continue
                if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)):
                    continue
                return False
        return True

    def _has_effect(self, func: cst.FunctionDef) -> bool:
        """False for a body that only passes or returns early (`if skip(...): return` then `pass`)."""
        for stmt in func.body.body:
            if isinstance(stmt, cst.If) and stmt.orelse is None and all(
                    isinstance(inner, cst.SimpleStatementLine) and all(isinstance(x, cst.Return) and x.value is None
                                                                        for x in inner.body)
                    for inner in stmt.body.body):
                continue
            if isinstance(stmt, cst.SimpleStatementLine) and all(
                    isinstance(small, (cst.Pass, cst.Return)) or isinstance(small, cst.Expr) and isinstance(
                        small.value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis))
                    for small in stmt.body):
                continue
            return True
        return False

    @staticmethod
    def _explained(func: cst.FunctionDef) -> bool:
        """An empty ``downgrade()`` with a comment or docstring saying why (a decision, not an oversight)."""
        body = func.body
        if any(line.comment for line in func.leading_lines):
            return True
        if isinstance(body, cst.IndentedBlock):  # comments on lines of their own in the body
            if any(line.comment for stmt in body.body for line in stmt.leading_lines):
                return True
            first = body.body[0] if body.body else None
            if isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Expr):
                doc = first.body[0].value
                text = doc.evaluated_value if isinstance(doc, cst.SimpleString) else None
                # a docstring that says why ("Data-only migration, no action needed"), not the
                # generated "Unapply <title>." that names what the function should have done
                if isinstance(text, str) and text.strip() and not _BOILERPLATE_DOC.match(text.strip()):
                    return True
        return False

    def _alembic_body(self, body: Sequence[cst.BaseStatement], visited: Set[str]) -> None:
        for stmt in body:
            if isinstance(stmt, cst.With):
                saved_auto, saved_batch = self.autocommit, dict(self.batch_tables)
                for item in stmt.items:
                    qual = self.col.qualname(item.item) if isinstance(item.item, cst.Call) else None
                    if qual in fw.ALEMBIC_AUTOCOMMIT:
                        self.autocommit = True
                        self.segment += 1
                    elif qual == "alembic.op.batch_alter_table" and isinstance(item.item, cst.Call):
                        if item.asname is not None and isinstance(item.asname.name, cst.Name):
                            self.batch_tables[item.asname.name.value] = lower(arg(item.item, 0, "table_name"))
                    else:
                        for call in calls_in(item.item):
                            self._alembic_call(call, visited)
                self._alembic_body(stmt.body.body, visited)
                if self.autocommit != saved_auto:
                    self.segment += 1
                self.autocommit, self.batch_tables = saved_auto, saved_batch
            elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                continue
            elif isinstance(stmt, cst.SimpleStatementLine):
                self.documented = self._documents_removal(stmt, self.documented)
                for call in calls_in(stmt):
                    self._alembic_call(call, visited)
            elif isinstance(stmt, cst.If) and self._dialect_branch(stmt, visited):
                continue
            elif isinstance(stmt, cst.BaseCompoundStatement):
                for name in ("test", "iter", "target"):
                    part = getattr(stmt, name, None)
                    if isinstance(part, cst.CSTNode):
                        for call in calls_in(part):
                            self._alembic_call(call, visited)
                for block in self._blocks(stmt):
                    self._alembic_body(block, visited)

    @staticmethod
    def _documents_removal(stmt: cst.SimpleStatementLine, previous: bool) -> bool:
        """Whether the comment block above ``stmt`` (or above the statements just before it, with no
        blank line between) says the column already left the models: the contract step, done on
        purpose after a release that stopped using it (``# column removed from orm models in <sha>``)."""
        comments = [line.comment.value for line in stmt.leading_lines if line.comment]
        if comments:
            return any(_REMOVED_EARLIER.search(c) for c in comments)
        if stmt.leading_lines:  # a blank line ends the block the comment was about
            return False
        return previous

    def _dialect_branch(self, stmt: cst.If, visited: Set[str]) -> bool:
        """Walk only the branch of ``if <bind>.dialect.name == "mysql":`` that runs on the
        configured database; False when the test is not such a comparison."""
        runs = _dialect.branch_runs(stmt.test, self.database, self.dialect_names)
        if runs is None:
            return False
        if runs:
            self._alembic_body(stmt.body.body, visited)
        elif isinstance(stmt.orelse, cst.If):
            self._alembic_body([stmt.orelse], visited)
        elif isinstance(stmt.orelse, cst.Else):
            self._alembic_body(stmt.orelse.body.body, visited)
        return True

    @staticmethod
    def _blocks(stmt: cst.BaseCompoundStatement) -> List[Sequence[cst.BaseStatement]]:
        blocks: List[Sequence[cst.BaseStatement]] = []
        body = getattr(stmt, "body", None)
        if isinstance(body, cst.IndentedBlock):
            blocks.append(body.body)
        for handler in getattr(stmt, "handlers", ()) or ():
            blocks.append(handler.body.body)
        for name in ("orelse", "finalbody"):
            part = getattr(stmt, name, None)
            while part is not None:
                inner = getattr(part, "body", None)
                if isinstance(inner, cst.IndentedBlock):
                    blocks.append(inner.body)
                part = getattr(part, "orelse", None) if isinstance(part, cst.If) else None
        return blocks

    def _alembic_call(self, call: cst.Call, visited: Set[str]) -> None:
        self.current_table = None
        if isinstance(call.func, cst.Name) and call.func.value in self.functions and call.func.value not in visited:
            helper = self.functions[call.func.value]
            saved = self.local
            self.local = self._local_consts(helper)
            self._alembic_body(helper.body.body, visited | {call.func.value})
            self.local = saved
            return
        qual = self.col.qualname(call)
        if qual in fw.ALEMBIC_BIND_EXECUTE:
            self._alembic_execute(call, self._alembic_op(call, "execute", None))
            return
        found = fw.alembic_operation(qual)
        if found is None:
            wrapped = _wrappers.wrapped_operation(qual, self.ctx.path)  # the project's own create_table()
            if wrapped is not None and wrapped[0] == "create_table":
                self.ctx.depends_on_directory(os.path.dirname(wrapped[1]))  # re-check when the wrapper changes
                created = lower(arg(call, 0, "table_name"))
                if created:
                    self.new_tables.add(created)
            return
        name, batch = found
        table: Optional[str] = None
        if batch:
            receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
            table = self.batch_tables.get(receiver.value) if isinstance(receiver, cst.Name) else None
        op = self._alembic_op(call, name, table)
        table_at = 1 if name.startswith("create_") or name == "drop_constraint" else 0

        def a(index: int, kw: str) -> Optional[cst.BaseExpression]:
            # batch operations take no table argument: later positions move up by one
            return arg(call, index - 1 if batch and index > table_at else index, kw)

        def table_arg(index: int, kw: str) -> Optional[str]:
            return table if batch else lower(arg(call, index, kw))

        if name == "create_table":
            created = lower(arg(call, 0, "table_name"))
            if created:
                self.new_tables.add(created)
            return
        if name == "execute":
            self._alembic_execute(call, op)
            return
        if name == "bulk_insert":
            written = self._table_of_origin(self.col.arg_origin.get(id(call)))
            if written and not self.is_new(written):
                self.write(op, {written})
            return
        if name == "drop_table":
            dropped = lower(arg(call, 0, "table_name"))
            if dropped and not self.is_new(dropped):
                self.schema_change(self._op(op, op.what, dropped))
                self.add(BL501, call, f"`op.drop_table` drops table `{dropped}` while the release still running may "
                         "use it. " + DROP_ADVICE["alembic"])
            return
        if name in ("drop_index", "drop_constraint", "create_index", "create_unique_constraint", "create_primary_key",
                    "create_foreign_key", "create_check_constraint", "create_exclude_constraint"):
            self._alembic_index_or_constraint(call, name, op, a, table_arg)
            return
        target = table_arg(0, "table_name")
        op.table = target
        if target is None or self.is_new(target):
            if name == "rename_table" and target:
                self.new_tables.add(lower(arg(call, 1, "new_table_name")) or "")
            return
        if name in ("drop_column", "rename_table", "alter_column", "add_column"):
            self.schema_change(op)
        if name == "drop_column":
            column = text_of(a(1, "column_name"))
            if self.documented:
                return
            self.add(BL501, call, f"`op.drop_column` drops column `{column}` of `{target}` while the release still "
                     "running may read or write it (SQLAlchemy selects every mapped column). " + DROP_ADVICE["alembic"])
        elif name == "rename_table":
            self.add(BL502, call, f"`op.rename_table` renames table `{target}` to "
                     f"`{text_of(arg(call, 1, 'new_table_name'))}`: the release still running queries the old name "
                     "and fails until it is replaced. " + RENAME_ADVICE)
        elif name == "add_column":
            self._alembic_add_column(call, a(1, "column"), target)
        elif name == "alter_column":
            self._alembic_alter_column(call, target, text_of(a(1, "column_name")), op)

    def _alembic_op(self, call: cst.Call, name: str, table: Optional[str]) -> _Op:
        return _Op(call, f"`op.{name}`", table, transactional=not self.autocommit and self.in_transaction,
                   segment=self.segment)

    def _table_of_origin(self, origin: Optional[cst.Call]) -> Optional[str]:
        if origin is None:
            return None
        if self.col.qualname(origin) in fw.SQLALCHEMY_TABLE:
            return lower(arg(origin, 0, "name"))
        return None

    def _alembic_execute(self, call: cst.Call, op: _Op) -> None:
        statement = arg(call, 0, "sqltext")
        if statement is None:
            statement = arg(call, 0, "statement")
        text = self.sql_text(statement, self.local)
        if text is not None:
            self.sql(text, _Op(statement or call, op.what, None, op.transactional, op.segment), op.what)
            return
        if statement is None:
            return
        for inner in calls_in(statement):
            qual = self.col.qualname(inner) or ""
            table = None
            if isinstance(inner.func, cst.Attribute) and inner.func.attr.value in ("update", "insert", "delete"):
                table = self._table_of_origin(self.col.receiver_origin.get(id(inner)))
            elif qual in ("sqlalchemy.update", "sqlalchemy.insert", "sqlalchemy.delete"):
                table = self._table_of_origin(self.col.arg_origin.get(id(inner)))
            if table and not self.is_new(table):
                self.write(op, {table})
                return

    def _alembic_add_column(self, call: cst.Call, column: Optional[cst.BaseExpression], table: str) -> None:
        self.current_table = table
        if not isinstance(column, cst.Call):
            return
        qual = self.col.qualname(column) or dotted_name(column.func) or ""
        if qual not in fw.SQLALCHEMY_COLUMN and not qual.endswith("Column"):
            return
        if has_star_kwargs(column):
            return
        nullable = literal(arg(column, None, "nullable"))
        primary = literal(arg(column, None, "primary_key")) is True
        not_null = nullable is False or (primary and nullable is not True)
        server_default = arg(column, None, "server_default")
        has_default = server_default is not None and literal(server_default) is not None
        generated = any(
            isinstance(p.value, cst.Call)
            and (dotted_name(p.value.func) or "").rsplit(".", 1)[-1] in fw.SQLALCHEMY_GENERATED
            for p in positional_args(column)
        )
        name = text_of(arg(column, 0, "name"))
        if not_null and has_default and name:
            self.defaulted.add((table, name.lower()))
        if literal(arg(column, None, "index")) is True or literal(arg(column, None, "unique")) is True:
            unique = literal(arg(column, None, "unique")) is True
            what = "`unique=True` builds a unique index" if unique else "`index=True` builds an index"
            self.add(BL505, call, f"`op.add_column` adds `{name}` to `{table}` and {what} with a plain CREATE INDEX, "
                     "which blocks writes to the table for the whole build. Add the column without it, then build "
                     "the index with `op.create_index(..., postgresql_concurrently=True)` inside "
                     "`with op.get_context().autocommit_block():`.", fw.POSTGRESQL)
        if not_null and not has_default and not generated:
            self.add(BL503, call, f"`op.add_column` adds `{name}` to `{table}` as NOT NULL without `server_default`: "
                     "PostgreSQL rejects it on a table that has rows, and inserts from the release still running "
                     "fail. Add it with `nullable=True` and backfill (then make it NOT NULL safely), or pass "
                     "`server_default=`.")

    def _alembic_alter_column(self, call: cst.Call, table: str, column: Optional[str], op: _Op) -> None:
        self.current_table = table
        new_name = arg(call, None, "new_column_name")
        if new_name is not None and literal(new_name) is not None:
            self.add(BL502, call, f"`op.alter_column(new_column_name=...)` renames column `{column}` of `{table}` to "
                     f"`{text_of(new_name)}`: the release still running uses the old name and fails until it is "
                     "replaced. " + RENAME_ADVICE)
        dropped_default = arg(call, None, "server_default")
        if (dropped_default is not None and literal(dropped_default) is None and column
                and (table, column.lower()) in self.defaulted):
            self.add(BL503, call, f"`op.alter_column(server_default=None)` drops the default of `{table}.{column}`, "
                     "a NOT NULL column added by this revision: inserts from the release still running (which do "
                     "not know the column) fail. Keep the server default until every running release writes the "
                     "column.")
        restated = literal(arg(call, None, "existing_nullable")) is False  # already NOT NULL: no scan
        if literal(arg(call, None, "nullable")) is False and not restated:
            self.not_null.append((op, table, column, f"`op.alter_column(nullable=False)` on `{table}.{column}` "
                                  "makes the column NOT NULL"))
        type_ = arg(call, None, "type_")
        if type_ is not None and literal(type_) is not None:
            old = self._sql_type(arg(call, None, "existing_type"))
            new = self._sql_type(type_)
            if old is None and new is not None and fw.is_unbounded_text(new) and self.database == "postgresql":
                return  # to text from a type not given: usually a varchar, which PostgreSQL converts in place
            if not fw.alembic_type_change_is_safe(old, new):
                change = f"from {old.text()} to {new.text()}" if old and new else f"to {new.text() if new else 'a new type'}"
                self.add(BL504, call, f"`op.alter_column(type_=...)` changes the type of `{table}.{column}` {change}: "
                         f"the table is rewritten {self.lock_phrase()}. " + TYPE_ADVICE, fw.LOCKING_DATABASES)

    def _sql_type(self, node: Optional[cst.BaseExpression]) -> Optional[fw.SqlType]:
        if node is None:
            return None
        # sa.String(50).with_variant(MEDIUMTEXT, "mysql"): judge the generic type
        while (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
               and node.func.attr.value == "with_variant"):
            node = node.func.value
        target = node.func if isinstance(node, cst.Call) else node
        name = (dotted_name(target) or "").rsplit(".", 1)[-1]
        if not name:
            return None
        length = scale = None
        if isinstance(node, cst.Call):
            numeric = name in ("Numeric", "NUMERIC", "DECIMAL", "Decimal")
            first = arg(node, 0, "precision" if numeric else "length")
            length = literal(first) if first is not None else None
            second = arg(node, 1, "scale") if numeric else None
            scale = literal(second) if second is not None else None
        return fw.SqlType(name, length, scale)

    def _alembic_index_or_constraint(self, call: cst.Call, name: str, op: _Op, a, table_arg) -> None:
        concurrently = literal(arg(call, None, "postgresql_concurrently")) is True
        if name == "drop_index":
            if concurrently:
                self.concurrent_in_transaction(op, "`op.drop_index(..., postgresql_concurrently=True)` drops an index "
                                                   "CONCURRENTLY")
            return
        if name == "drop_constraint":
            op.table = table_arg(1, "table_name")
            self.constraint_events.append(("drop-constraint", op, text_of(a(0, "constraint_name")), False))
            return
        if name == "create_foreign_key":
            table = table_arg(1, "source_table")
        else:
            table = table_arg(1, "table_name")
        op.table = table
        self.current_table = table
        if name == "create_index":
            if concurrently:
                self.concurrent_in_transaction(op, "`op.create_index(..., postgresql_concurrently=True)` builds an "
                                                   "index CONCURRENTLY")
                return
            if table is None or self.is_new(table):
                return
            self.schema_change(op)
            self.add(BL505, call, f"`op.create_index` builds an index on `{table}` without CONCURRENTLY: writes to the "
                     "table are blocked for the whole build. Pass `postgresql_concurrently=True` and run it inside "
                     "`with op.get_context().autocommit_block():`.", fw.POSTGRESQL)
            return
        if table is None or self.is_new(table):
            return
        not_valid = literal(arg(call, None, "postgresql_not_valid")) is True
        if name in ("create_foreign_key", "create_check_constraint"):
            self.constraint_events.append(("add", op, text_of(a(0, "constraint_name")), not_valid))
            if not_valid:
                return
            self.schema_change(op)
            kind = "foreign key" if name == "create_foreign_key" else "CHECK constraint"
            lock = self.fk_lock_phrase() if name == "create_foreign_key" else self.lock_phrase()
            self.add(BL504, call, f"`op.{name}` adds a {kind} to `{table}` that is validated against every row "
                     f"{lock}. " + self.not_valid_advice(
                         "Pass `postgresql_not_valid=True`, then run `ALTER TABLE ... VALIDATE CONSTRAINT` in a "
                         "later revision."), fw.LOCKING_DATABASES)
            return
        self.schema_change(op)
        kind = {"create_unique_constraint": "unique constraint", "create_primary_key": "primary key",
                "create_exclude_constraint": "exclusion constraint"}[name]
        self.add(BL504, call, f"`op.{name}` adds a {kind} to `{table}`, building its index {self.lock_phrase()}. "
                 + UNIQUE_ADVICE, fw.POSTGRESQL)

    # -- cross-operation checks ----------------------------------------------------------------
    def _finish(self) -> None:
        # AddField NOT NULL followed by a database default set in the same migration
        for model, column, is_fk, hazard in self.added_not_null:
            columns = {column} | ({f"{column}_id"} if is_fk else set())
            # the model's table: its name, or Django's default `<app label>_<model>`
            if any(c in columns and (t == model or t.endswith(f"_{model}")) for t, c in self.set_defaults):
                self.hazards.remove(hazard)
        # SET NOT NULL: silent when this migration also validates a constraint on the table
        # (the CHECK ... NOT VALID / VALIDATE recipe) or drops the helper check afterwards.
        for op, table, column, what in self.not_null:
            self.current_table = table
            helped = any(
                kind in ("validate-constraint", "drop-constraint") and other.table == table
                and column and name and column.lower() in name.lower()
                for kind, other, name, _ in self.constraint_events
            )
            if helped:
                continue
            self.add(BL504, op.node, f"{what}: PostgreSQL scans the whole table {self.lock_phrase()}, and the "
                     "migration fails if a NULL is left. " + NOT_NULL_ADVICE[self.framework or "django"],
                     fw.POSTGRESQL)
        self.current_table = None
        # VALIDATE CONSTRAINT in the same transaction as the NOT VALID constraint it validates
        for position, (kind, op, name, _) in enumerate(self.constraint_events):
            if kind != "validate-constraint" or not op.transactional:
                continue
            if any(k == "add" and nv and other.table == op.table and other.transactional and other.segment == op.segment
                   and (name is None or added is None or name.lower() == added.lower())
                   for k, other, added, nv in self.constraint_events[:position]):
                self.add(BL504, op.node, f"{op.what} validates a constraint in the same transaction that added it "
                         "as NOT VALID, so the ACCESS EXCLUSIVE lock taken by ADD CONSTRAINT is held during the whole "
                         "validation. Validate it in a separate migration"
                         + (" (or set `atomic = False`)." if self.framework == "django" else "."), fw.POSTGRESQL)
        # data written after a schema change to the same table, in the same transaction
        altered: Dict[int, Set[str]] = {}
        unit = "revision" if self.framework == "alembic" else "migration"
        for kind, op, tables in self.timeline:
            if not op.transactional:
                continue
            if kind == "ddl":
                altered.setdefault(op.segment, set()).update(tables)
                continue
            touched = sorted(t for t in tables if t in altered.get(op.segment, ()) and not self.is_new(t))
            if touched:
                self.add(BL508, op.node, _data_schema_message(op.what, touched, unit, self.framework == "django"),
                         fw.TRANSACTIONAL_DDL)


def _data_schema_message(what: str, tables: Sequence[str], unit: str, django: bool) -> str:
    names = ", ".join(f"`{t}`" for t in tables)
    split = ("Move the data migration into its own migration (or set `atomic = False`)" if django
             else "Move the backfill into its own revision, or run it in batches inside "
                  "`with op.get_context().autocommit_block():`")
    return (f"{what} writes rows of {names} in the same transaction as this {unit}'s schema changes to it: the locks "
            "taken by ALTER TABLE are held until the data change commits, blocking the table for its whole duration, "
            f"and a failure rolls both back. {split}.")


DROP_ADVICE = {
    "django": "Stop using it in a release that is deployed first, then drop it in a later migration "
              "(expand/contract); `SeparateDatabaseAndState(state_operations=[...])` removes it from Django's state "
              "without touching the table.",
    "alembic": "Stop using it (remove it from the models) in a release that is deployed first, then drop it in a "
               "later revision (expand/contract).",
}
RENAME_ADVICE = ("Expand/contract instead: add the new name, write to both, backfill, switch reads, then drop the "
                 "old one in a later release.")
TYPE_ADVICE = ("Add a column of the new type, backfill it in batches, switch reads and writes to it, then drop the old "
               "column.")
UNIQUE_ADVICE = ("Build a unique index CONCURRENTLY first (non-atomic migration), then attach it with "
                 "`ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX`.")
NOT_NULL_ADVICE = {
    "django": "Add `CheckConstraint(condition=Q(<field>__isnull=False))` with `AddConstraintNotValid`, run "
              "`ValidateConstraint` in a later migration, then make the field NOT NULL (PostgreSQL 12+ uses the "
              "validated check and skips the scan).",
    "alembic": "Add `CHECK (<column> IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a later revision, then set "
               "NOT NULL (PostgreSQL 12+ uses the validated check and skips the scan) and drop the check.",
}
