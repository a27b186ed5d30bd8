"""One analysis of a migration file, shared by every BL5xx rule.

The rules' ``visit_Call`` handlers feed a :class:`Collector` while the engine walks the file (so
names are resolved with the bindings in force where each call is written); at the end of the
walk the first rule that asks builds an :class:`Analysis`: it recognises a Django or Alembic
migration by its content, turns every operation (and every DDL statement found in raw SQL) into
hazards tagged with the rule code they belong to and the databases they apply to, and caches the
result on the file context. Each rule then reports its own hazards.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from ..._lazy import cst
from ...walker import children

from ...findings import Severity
from ...frameworks import migrations as fw
from ...frameworks import sql_ddl
from ...rule import FileContext
from ...semantics import positional_args, string_parts

from ._advice import (DROP_ADVICE, NOT_NULL_ADVICE, RENAME_ADVICE, TYPE_ADVICE, UNIQUE_ADVICE,
                      _data_schema_message)
from ._common import (BL501, BL502, BL503, BL504, BL505, BL506, BL508, _ROW_HAZARDS, Hazard, _Op, _join,
                      _shown, arg)
from . import _history
from ._alembic_ops import AlembicOperations
from ._django_ops import DjangoOperations


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
        if type(func) is cst.Attribute and type(func.value) is cst.Name:
            origin = self.ctx.origin_call(func.value)
            if origin is not None:
                self.receiver_origin[key] = origin
        args = positional_args(node)
        if args and type(args[0].value) is cst.Name:
            origin = self.ctx.origin_call(args[0].value)
            if origin is not None:
                self.arg_origin[key] = origin

    def qualname(self, node: cst.BaseExpression) -> Optional[str]:
        if type(node) is cst.Call:
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


# -- the analysis -----------------------------------------------------------------------------


class Analysis(DjangoOperations, AlembicOperations):
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
            if type(stmt) is cst.ClassDef and self._is_django_migration(stmt):
                self.framework = "django"
                self._consts(module.body)
                self._django(stmt)
                return
        top: Dict[str, Any] = {}
        functions: Dict[str, cst.FunctionDef] = {}
        for stmt in module.body:
            if type(stmt) is cst.FunctionDef:
                functions[stmt.name.value] = stmt
            elif type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) is cst.Assign and len(small.targets) == 1:
                        target = small.targets[0].target
                        if type(target) is cst.Name:
                            top[target.value] = small.value
                    elif type(small) is cst.AnnAssign and type(small.target) is cst.Name and small.value:
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
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) is cst.Assign and len(small.targets) == 1:
                        target = small.targets[0].target
                        if type(target) is cst.Name:
                            self.consts[target.value] = self.sql_text(small.value)

    def _local_consts(self, func: cst.FunctionDef) -> Dict[str, Optional[str]]:
        found: Dict[str, Optional[str]] = {}
        stack: List[cst.CSTNode] = [func.body]
        while stack:
            node = stack.pop()
            if type(node) is cst.Assign and len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:
                found[node.targets[0].target.value] = self.sql_text(node.value)
            elif type(node) not in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
                stack.extend(children(node))
        return found

    def sql_text(self, node: Optional[cst.BaseExpression], local: Optional[Dict[str, Optional[str]]] = None) -> Optional[str]:
        """The SQL a string expression holds; interpolated parts become ``__expr__``."""
        if node is None:
            return None
        if type(node) is cst.SimpleString:
            value = node.evaluated_value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        if type(node) is cst.ConcatenatedString:  # flattened: no recursion per piece
            return _join([self.sql_text(part, local) for part in string_parts(node)])
        if type(node) is cst.FormattedString:
            return "".join(
                part.value if type(part) is cst.FormattedStringText else sql_ddl.EXPR for part in node.parts
            )
        if type(node) is cst.Name:
            if local is not None and node.value in local:
                return local[node.value]
            return self.consts.get(node.value)
        if type(node) is cst.BinaryOperation:
            if type(node.operator) is cst.Modulo:
                return self.sql_text(node.left, local)
            if type(node.operator) is cst.Add:
                return _join([self.sql_text(node.left, local), self.sql_text(node.right, local)])
            return None
        if type(node) is cst.Call:
            func = node.func
            if type(func) is cst.Attribute and func.attr.value == "format":
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
