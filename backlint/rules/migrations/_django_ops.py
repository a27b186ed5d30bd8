"""Django migrations: the operations list, read operation by operation (a mixin of Analysis)."""
from __future__ import annotations

import os

from typing import Dict, List, Optional, Set

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import migrations as fw
from ...semantics import dotted_name, positional_args

from ._advice import DROP_ADVICE, RENAME_ADVICE, TYPE_ADVICE, UNIQUE_ADVICE
from ._common import (BL501, BL502, BL503, BL504, BL505, BL506, BL507, _Op, arg, calls_in, lower, literal,
                      text_of)
from . import _dialect, _history, _unreleased


class DjangoOperations:
    """The Django half of :class:`_analysis.Analysis`: uses its state (hazards, new tables, timeline)."""

    def _django(self, cls: cst.ClassDef) -> None:
        self.app, self.name = fw.django_app_and_name(self.ctx.path)
        attrs: Dict[str, cst.BaseExpression] = {}
        for stmt in cls.body.body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) is cst.Assign and len(small.targets) == 1 and type(small.targets[0].target) is cst.Name:
                        attrs[small.targets[0].target.value] = small.value
                    elif type(small) is cst.AnnAssign and type(small.target) is cst.Name and small.value:
                        attrs[small.target.value] = small.value
        if literal(attrs.get("initial")) is True:
            self.skip = "initial"
        elif "replaces" in attrs and literal(attrs.get("replaces")) not in ([], ()):
            self.skip = "squashed"
        self.atomic = self._atomic(attrs.get("atomic"))
        ops = attrs.get("operations")
        if type(ops) not in (cst.List, cst.Tuple):
            return
        self.history = _history.django_file(self.name, self.ctx.text)
        if self.start_after:  # tables created by earlier migrations that are not released yet
            self.ctx.depends_on_directory(os.path.dirname(os.path.abspath(self.ctx.path)))
            self.new_tables |= _unreleased.django_tables(self.ctx.path, self.app, self.name, self.start_after)
        for index, element in enumerate(ops.elements):
            if type(element.value) is cst.Call:
                self._django_op(element.value, index, deliberate=False)

    def _atomic(self, node: Optional[cst.BaseExpression]) -> bool:
        """``atomic`` as the configured database sees it: `atomic = IS_SQLITE` is false on PostgreSQL.
        An expression we cannot read counts as atomic for ordering checks, but BL506 stays silent."""
        if node is None:
            return True
        names: Dict[str, cst.BaseExpression] = {}
        for stmt in self.ctx.module.body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) is cst.Assign and len(small.targets) == 1 and type(small.targets[0].target) is cst.Name:
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
            if type(database_ops) in (cst.List, cst.Tuple):
                for element in database_ops.elements:
                    if type(element.value) is cst.Call:
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
        if type(constraint) is cst.Call:
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
        if type(constraint) is cst.Call:
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
        if type(sql) in (cst.List, cst.Tuple):
            for element in sql.elements:
                value = element.value
                if type(value) in (cst.Tuple, cst.List) and value.elements:
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
        if type(code) is not cst.Name:
            return
        func = next((s for s in self.ctx.module.body if type(s) is cst.FunctionDef and s.name.value == code.value), None)
        if func is None:
            return
        models: Set[str] = set()
        writes = False
        for inner in calls_in(func.body):
            attr = inner.func.attr.value if type(inner.func) is cst.Attribute else None
            if attr == "get_model":
                names = [text_of(a.value) for a in positional_args(inner)]
                model_name = names[1] if len(names) > 1 else names[0] if names else None
                if model_name:
                    models.add(model_name.rsplit(".", 1)[-1].lower())
            elif attr in fw.ORM_WRITE_METHODS:
                writes = True
        if writes and models:
            self.write(_Op(call, "`RunPython`", None, self.atomic), models)
