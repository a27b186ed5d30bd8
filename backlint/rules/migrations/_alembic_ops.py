"""Alembic revisions: upgrade() and the helpers it calls, statement by statement (a mixin of Analysis)."""
from __future__ import annotations

import os

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import migrations as fw
from ...semantics import dotted_name, has_star_kwargs, positional_args

from ._advice import DROP_ADVICE, RENAME_ADVICE, TYPE_ADVICE, UNIQUE_ADVICE
from ._common import (BL501, BL502, BL503, BL504, BL505, BL507, _BOILERPLATE_DOC, _REMOVED_EARLIER, _Op, arg,
                      calls_in, lower, literal, text_of)
from . import _dialect, _helper_args, _unreleased, _wrappers


class AlembicOperations:
    """The Alembic half of :class:`_analysis.Analysis`: uses its state (hazards, new tables, segments)."""

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
            if type(stmt) is cst.FunctionDef and stmt.name.value not in self.functions:
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
            if type(stmt) is not cst.SimpleStatementLine:
                return False
            for small in stmt.body:
                if type(small) is cst.Pass:
                    continue
                if type(small) is cst.Expr and type(small.value) in (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis):
                    continue
                return False
        return True

    def _has_effect(self, func: cst.FunctionDef) -> bool:
        """False for a body that only passes or returns early (`if skip(...): return` then `pass`)."""
        for stmt in func.body.body:
            if type(stmt) is cst.If and stmt.orelse is None and all(
                    type(inner) is cst.SimpleStatementLine and all(type(x) is cst.Return and x.value is None
                                                                        for x in inner.body)
                    for inner in stmt.body.body):
                continue
            if type(stmt) is cst.SimpleStatementLine and all(
                    type(small) in (cst.Pass, cst.Return) or type(small) is cst.Expr and isinstance(
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
        if type(body) is cst.IndentedBlock:  # comments on lines of their own in the body
            if any(line.comment for stmt in body.body for line in stmt.leading_lines):
                return True
            first = body.body[0] if body.body else None
            if type(first) is cst.SimpleStatementLine and type(first.body[0]) is cst.Expr:
                doc = first.body[0].value
                text = doc.evaluated_value if type(doc) is cst.SimpleString else None
                # a docstring that says why ("Data-only migration, no action needed"), not the
                # generated "Unapply <title>." that names what the function should have done
                if isinstance(text, str) and text.strip() and not _BOILERPLATE_DOC.match(text.strip()):
                    return True
        return False

    def _alembic_body(self, body: Sequence[cst.BaseStatement], visited: Set[str]) -> None:
        for stmt in body:
            if type(stmt) is cst.With:
                saved_auto, saved_batch = self.autocommit, dict(self.batch_tables)
                for item in stmt.items:
                    qual = self.col.qualname(item.item) if type(item.item) is cst.Call else None
                    if qual in fw.ALEMBIC_AUTOCOMMIT:
                        self.autocommit = True
                        self.segment += 1
                    elif qual == "alembic.op.batch_alter_table" and type(item.item) is cst.Call:
                        if item.asname is not None and type(item.asname.name) is cst.Name:
                            self.batch_tables[item.asname.name.value] = lower(arg(item.item, 0, "table_name"))
                    else:
                        for call in calls_in(item.item):
                            self._alembic_call(call, visited)
                self._alembic_body(stmt.body.body, visited)
                if self.autocommit != saved_auto:
                    self.segment += 1
                self.autocommit, self.batch_tables = saved_auto, saved_batch
            elif type(stmt) in (cst.FunctionDef, cst.ClassDef):
                continue
            elif type(stmt) is cst.SimpleStatementLine:
                self.documented = self._documents_removal(stmt, self.documented)
                for call in calls_in(stmt):
                    self._alembic_call(call, visited)
            elif type(stmt) is cst.If and self._dialect_branch(stmt, visited):
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
        elif type(stmt.orelse) is cst.If:
            self._alembic_body([stmt.orelse], visited)
        elif type(stmt.orelse) is cst.Else:
            self._alembic_body(stmt.orelse.body.body, visited)
        return True

    @staticmethod
    def _blocks(stmt: cst.BaseCompoundStatement) -> List[Sequence[cst.BaseStatement]]:
        blocks: List[Sequence[cst.BaseStatement]] = []
        body = getattr(stmt, "body", None)
        if type(body) is cst.IndentedBlock:
            blocks.append(body.body)
        for handler in getattr(stmt, "handlers", ()) or ():
            blocks.append(handler.body.body)
        for name in ("orelse", "finalbody"):
            part = getattr(stmt, name, None)
            while part is not None:
                inner = getattr(part, "body", None)
                if type(inner) is cst.IndentedBlock:
                    blocks.append(inner.body)
                part = getattr(part, "orelse", None) if type(part) is cst.If else None
        return blocks

    def _alembic_call(self, call: cst.Call, visited: Set[str]) -> None:
        self.current_table = None
        if type(call.func) is cst.Name and call.func.value in self.functions and call.func.value not in visited:
            helper = self.functions[call.func.value]
            saved = self.local
            values = _helper_args.call_bindings(call, helper, literal)  # `add_idx("users")`: table is "users"
            self.local = dict({k: v for k, v in values.items() if isinstance(v, str)}, **self._local_consts(helper))
            with _helper_args.binding(values):
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
            receiver = call.func.value if type(call.func) is cst.Attribute else None
            table = self.batch_tables.get(receiver.value) if type(receiver) is cst.Name else None
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
            if type(inner.func) is cst.Attribute and inner.func.attr.value in ("update", "insert", "delete"):
                table = self._table_of_origin(self.col.receiver_origin.get(id(inner)))
            elif qual in ("sqlalchemy.update", "sqlalchemy.insert", "sqlalchemy.delete"):
                table = self._table_of_origin(self.col.arg_origin.get(id(inner)))
            if table and not self.is_new(table):
                self.write(op, {table})
                return

    def _alembic_add_column(self, call: cst.Call, column: Optional[cst.BaseExpression], table: str) -> None:
        self.current_table = table
        if type(column) is not cst.Call:
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
            type(p.value) is cst.Call
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
        while (type(node) is cst.Call and type(node.func) is cst.Attribute
               and node.func.attr.value == "with_variant"):
            node = node.func.value
        target = node.func if type(node) is cst.Call else node
        name = (dotted_name(target) or "").rsplit(".", 1)[-1]
        if not name:
            return None
        length = scale = None
        if type(node) is cst.Call:
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
