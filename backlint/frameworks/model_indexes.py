"""Which model fields have a database index: Django and SQLAlchemy models, and migrations.

Per file we record plain facts (JSON-able, for the project index):

* ``models``: for each model class, its fields with ``i`` (1 when the field has an index of its
  own: primary key, ``unique``, ``db_index``, a Django ``ForeignKey``/``OneToOneField``, a
  ``SlugField``; SQLAlchemy ``index=True``/``unique=True``/``primary_key=True``), ``k`` (its kind:
  ``fk`` / ``m2m`` / ``bool`` / ``choices`` / ``col`` / ``?`` for a field class we do not know),
  ``to`` (a relation's target) and ``c`` (its column name); ``lead``: the leading fields of
  ``Meta.indexes`` / ``unique_together`` / ``index_together`` / ``constraints`` and of
  ``__table_args__`` ``Index``/``UniqueConstraint``/``PrimaryKeyConstraint``; ``bases``;
  ``table`` (``db_table``, ``__tablename__`` or Django's ``<app>_<model>``);
* ``extra``: indexes declared elsewhere: Django ``AddIndex``/``AddConstraint`` migrations
  (``["dj", model_name, field]``), Alembic ``op.create_index``/``create_unique_constraint`` and
  ``CREATE INDEX`` SQL (``["tb", table, column]``), module-level SQLAlchemy ``Index("ix",
  Model.col)`` (``["sa", model ref, attribute]``).

Nothing here imports Django or SQLAlchemy.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional

from .._lazy import cst
from ..semantics import dotted_name, string_value
from . import orm
from ..walker import source_children

Qualify = Callable[[Any], Optional[str]]  # no libcst at import: cached runs never load it

_DJANGO_INDEXED_CLASSES = frozenset({"SlugField", "AutoField", "BigAutoField", "SmallAutoField"})
_DJANGO_FIELD_CLASSES = frozenset({
    "CharField", "TextField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "FloatField",
    "DecimalField", "DateField", "DateTimeField", "TimeField", "DurationField", "EmailField",
    "URLField", "UUIDField", "GenericIPAddressField", "IPAddressField", "FilePathField",
    "FileField", "ImageField", "BinaryField", "JSONField", "SlugField", "AutoField",
    "BigAutoField", "SmallAutoField", "BooleanField", "NullBooleanField",
})
_BOOL_CLASSES = frozenset({"BooleanField", "NullBooleanField", "Boolean"})
_M2M = frozenset({"ManyToManyField", "ParentalManyToManyField", "TreeManyToManyField", "GenericRelation"})
_FK = frozenset({"ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey", "TreeOneToOneField"})
_SQLA_COLUMN = frozenset({"Column", "mapped_column"})
_SQLA_TABLE_INDEX = frozenset({"Index", "UniqueConstraint", "PrimaryKeyConstraint"})
_CREATE_INDEX = re.compile(
    r"create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?[\w\"`.]+\s+on\s+"
    r"(?:only\s+)?[\"`]?(?:\w+[\"`]?\.[\"`]?)?(\w+)[\"`]?\s*(?:using\s+\w+\s*)?\(\s*[\"`]?(\w+)", re.I)


def _last(name: Optional[str]) -> str:
    return (name or "").rstrip("()").rsplit(".", 1)[-1]


def _kw(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _true(node: Optional[cst.BaseExpression]) -> Optional[bool]:
    if type(node) is cst.Name and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _str(node: Optional[cst.BaseExpression]) -> Optional[str]:
    if type(node) in (cst.SimpleString, cst.ConcatenatedString):
        value = string_value(node)
        return value if isinstance(value, str) else None
    return None


def _strings(node: Optional[cst.BaseExpression]) -> List[str]:
    if type(node) in (cst.List, cst.Tuple, cst.Set):
        return [s for s in (_str(e.value) for e in node.elements) if s is not None]
    return []


def _sequence(node: Optional[cst.BaseExpression]) -> List[cst.BaseExpression]:
    if type(node) in (cst.List, cst.Tuple, cst.Set):
        return [e.value for e in node.elements]
    return []


def _lead_of_fields(names: List[str]) -> Optional[str]:
    return names[0].lstrip("-") if names else None


def _django_field(call: cst.Call, qual: Optional[str]) -> Optional[dict]:
    last = _last(qual or dotted_name(call.func))
    if last in _FK or last in _M2M:
        target = call.args[0].value if call.args and call.args[0].keyword is None else _kw(call, "to")
        fact: dict = {"k": "m2m" if last in _M2M else "fk", "i": 1}
        if last in _FK and _true(_kw(call, "db_index")) is False:
            fact["i"] = 0
        if target is not None:
            fact["to"] = {"str": _str(target)} if _str(target) is not None else {"node": target}
        return fact
    if not last.endswith("Field"):
        return None
    known = last in _DJANGO_FIELD_CLASSES and (qual or "").startswith(("django.", "models."))
    indexed = bool(_true(_kw(call, "primary_key")) or _true(_kw(call, "unique")) or _true(_kw(call, "db_index")))
    if known and last in _DJANGO_INDEXED_CLASSES and _true(_kw(call, "db_index")) is not False:
        indexed = True
    if indexed:
        kind = "col"
    elif not known:
        kind = "?"
    elif last in _BOOL_CLASSES:
        kind = "bool"
    elif _kw(call, "choices") is not None:
        kind = "choices"
    else:
        kind = "col"
    fact = {"k": kind, "i": 1 if indexed else 0}
    if _true(_kw(call, "primary_key")):
        fact["pk"] = 1
    column = _str(_kw(call, "db_column"))
    if column:
        fact["c"] = column
    return fact


def _sqla_column(call: cst.Call, qualify: Qualify) -> dict:
    indexed = bool(_true(_kw(call, "primary_key")) or _true(_kw(call, "unique")) or _true(_kw(call, "index")))
    kind = "col"
    column = None
    for pos, arg in enumerate(a for a in call.args if a.keyword is None):
        value = arg.value
        if pos == 0 and _str(value) is not None:
            column = _str(value)
            continue
        type_name = _last(qualify(value.func if type(value) is cst.Call else value) or dotted_name(
            value.func if type(value) is cst.Call else value))
        if type_name == "ForeignKey":
            kind = "fk"
        elif type_name in _BOOL_CLASSES:
            kind = "bool"
    fact = {"k": kind, "i": 1 if indexed else 0}
    if _true(_kw(call, "primary_key")):
        fact["pk"] = 1
    if column:
        fact["c"] = column
    return fact


def _mapped_kind(annotation: cst.BaseExpression) -> Optional[str]:
    """``Mapped[int]`` -> "col", ``Mapped[bool]`` -> "bool", ``Mapped[list[X]]`` -> None."""
    if not (type(annotation) is cst.Subscript and _last(dotted_name(annotation.value)) == "Mapped"):
        return None
    inner = annotation.slice[0].slice if annotation.slice else None
    value = getattr(inner, "value", None)
    text = dotted_name(value) if type(value) in (cst.Name, cst.Attribute) else None
    if text == "bool":
        return "bool"
    if type(value) is cst.Subscript or (text and text[:1].isupper() and text not in ("Decimal", "UUID")):
        return None  # a relationship (`Mapped[list["Post"]]`, `Mapped["User"]`) or a custom type
    return "col" if text or type(value) is cst.BinaryOperation else None


class _ModelReader:
    def __init__(self, qualify: Qualify, app: str) -> None:
        self.qualify = qualify
        self.app = app

    def read(self, node: cst.ClassDef) -> Optional[dict]:
        if type(node.body) is not cst.IndentedBlock:
            return None
        fields: Dict[str, dict] = {}
        columns = 0  # Column()/mapped_column() assignments: a declarative SQLAlchemy mapping
        lead: List[str] = []
        meta: Dict[str, cst.BaseExpression] = {}
        table = None
        django = sqla = False
        for item in node.body.body:
            if type(item) is cst.ClassDef and item.name.value == "Meta" and type(item.body) is cst.IndentedBlock:
                for sub in item.body.body:
                    for target, value in _assignments(sub):
                        meta[target] = value
                continue
            for target, value, annotation in _assignments_ann(item):
                if target == "__tablename__":
                    table, sqla = _str(value), True
                    continue
                if target == "__table_args__":
                    sqla = True
                    for element in _sequence(value):
                        lead_name = self._table_arg_lead(element)
                        if lead_name:
                            lead.append(lead_name)
                    continue
                if type(value) is cst.Call:
                    qual = self.qualify(value.func)
                    last = _last(qual or dotted_name(value.func))
                    if last in _SQLA_COLUMN:
                        fields[target] = _sqla_column(value, self.qualify)
                        sqla = True
                        columns += 1
                        continue
                    if last in orm.SQLA_RELATIONSHIP:
                        fields[target] = {"k": "rel", "i": 0}
                        sqla = True
                        continue
                    fact = _django_field(value, qual)
                    if fact is not None:
                        to = fact.get("to")
                        if to and "node" in to:
                            ref = self.qualify(to["node"])
                            fact["to"] = {"ref": ref} if ref else {"str": dotted_name(to["node"])}
                        fields[target] = fact
                        django = True
                        continue
                if value is None and annotation is not None:
                    kind = _mapped_kind(annotation)
                    if kind:
                        fields[target] = {"k": kind, "i": 0}
                        sqla = True
        if not fields and not meta and not table:
            return None
        if sqla and not django and not columns and table is None:
            return None  # only annotations: mapped imperatively onto a Table we do not read
        for key in ("unique_together", "index_together"):
            value = meta.get(key)
            groups = _sequence(value)
            if groups and all(_str(g) is not None for g in groups):
                groups = [value]  # a single tuple of names
            for group in groups:
                name = _lead_of_fields(_strings(group))
                if name:
                    lead.append(name)
        for key in ("indexes", "constraints"):
            for element in _sequence(meta.get(key)):
                if type(element) is cst.Call:
                    name = _lead_of_fields(_strings(_kw(element, "fields")))
                    if name:
                        lead.append(name)
        abstract = _true(meta.get("abstract")) is True
        if table is None and _str(meta.get("db_table")):
            table = _str(meta.get("db_table"))
        if table is None and django and not abstract:
            app = _str(meta.get("app_label")) or self.app
            table = f"{app}_{node.name.value.lower()}" if app else None
        fact = {"fields": fields, "lead": sorted(set(lead)), "orm": "sqla" if sqla and not django else "django"}
        if table:
            fact["table"] = table
        if abstract:
            fact["abstract"] = 1
        return fact

    def _table_arg_lead(self, element: cst.BaseExpression) -> Optional[str]:
        if type(element) is not cst.Call or _last(self.qualify(element.func) or dotted_name(element.func)) not in _SQLA_TABLE_INDEX:
            return None
        cols = [a.value for a in element.args if a.keyword is None]
        if _last(dotted_name(element.func)) == "Index":
            cols = cols[1:]  # the first argument is the index name
        if not cols:
            return None
        first = cols[0]
        if _str(first) is not None:
            return _str(first)
        if type(first) is cst.Name:
            return first.value
        return None


def _assignments(item: cst.CSTNode):
    for target, value, _ann in _assignments_ann(item):
        if value is not None:
            yield target, value


def _assignments_ann(item: cst.CSTNode):
    if type(item) is not cst.SimpleStatementLine:
        return
    for small in item.body:
        if type(small) is cst.Assign and len(small.targets) == 1 and type(small.targets[0].target) is cst.Name:
            yield small.targets[0].target.value, small.value, None
        elif type(small) is cst.AnnAssign and type(small.target) is cst.Name:
            yield small.target.value, small.value, small.annotation.annotation


def app_label(path: str) -> str:
    """Django's default app label for a models module: the package holding ``models``."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) >= 2 and parts[-1] == "models.py":
        return parts[-2]
    if len(parts) >= 3 and parts[-2] == "models":
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else ""


_IMPERATIVE = re.compile(r"(?:map_imperatively|mapper)\(\s*(\w+)")


def read_models(module: cst.Module, qualify: Qualify, path: str, text: str = "") -> Dict[str, dict]:
    reader = _ModelReader(qualify, app_label(path))
    out: Dict[str, dict] = {}
    imperative = set(_IMPERATIVE.findall(text)) if "mapper" in text or "map_imperatively" in text else set()
    for stmt in module.body:
        if type(stmt) is cst.ClassDef and stmt.name.value not in imperative:
            fact = reader.read(stmt)
            if fact is None:
                continue
            fact["bases"] = [b for b in (qualify(a.value) or dotted_name(a.value) for a in stmt.bases if a.keyword is None) if b]
            out[stmt.name.value] = fact
    return out


def read_extras(module: cst.Module, text: str, qualify: Qualify) -> List[list]:
    """Indexes created outside model classes (migrations, DDL, module-level ``Index``)."""
    extras: List[list] = []
    if "index" in text.lower():
        for match in _CREATE_INDEX.finditer(text):
            extras.append(["tb", match.group(1).lower(), match.group(2).lower()])
    if not any(m in text for m in ("AddIndex", "AddConstraint", "create_index", "create_unique_constraint", "Index(",
                                   "create_table")):
        return extras
    stack: List[tuple] = [(module, None)]
    while stack:
        node, batch_table = stack.pop()
        if type(node) is cst.With:
            batch_table = _batch_table(node) or batch_table
        if type(node) is cst.Call:
            extra = _extra_of(node, qualify, batch_table)
            if extra:
                extras.append(extra)
            extras.extend(_create_table(node))
        stack.extend((child, batch_table) for child in source_children(node))
    return extras


def _batch_table(node: cst.With) -> Optional[str]:
    """``with op.batch_alter_table("user") as batch_op:``: the table its operations change."""
    for item in node.items:
        call = item.item
        if type(call) is cst.Call and _last(dotted_name(call.func)) == "batch_alter_table" and call.args:
            return _str(call.args[0].value)
    return None


def _create_table(call: cst.Call) -> List[list]:
    """Alembic ``op.create_table("t", sa.Column("c", ..., index=True), sa.UniqueConstraint("a", "b"))``."""
    if _last(dotted_name(call.func)) != "create_table" or not call.args:
        return []
    table = _str(call.args[0].value)
    if not table:
        return []
    out = []
    for arg in call.args[1:]:
        value = arg.value
        if type(value) is not cst.Call or arg.keyword is not None:
            continue
        kind = _last(dotted_name(value.func))
        positional = [a.value for a in value.args if a.keyword is None]
        if kind == "Column" and positional and _str(positional[0]):
            if _true(_kw(value, "index")) or _true(_kw(value, "unique")) or _true(_kw(value, "primary_key")):
                out.append(["tb", table.lower(), _str(positional[0]).lower()])
        elif kind in _SQLA_TABLE_INDEX:
            cols = positional[1:] if kind == "Index" else positional
            if cols and _str(cols[0]):
                out.append(["tb", table.lower(), _str(cols[0]).lower()])
    return out


def _extra_of(call: cst.Call, qualify: Qualify, batch_table: Optional[str] = None) -> Optional[list]:
    name = _last(dotted_name(call.func))
    if name in ("AddIndex", "AddConstraint"):
        model = _str(_kw(call, "model_name"))
        inner = _kw(call, "index") or _kw(call, "constraint")
        if model and type(inner) is cst.Call:
            lead = _lead_of_fields(_strings(_kw(inner, "fields")))
            if lead:
                return ["dj", model.lower(), lead]
    elif name in ("create_index", "create_unique_constraint"):
        positional = [a.value for a in call.args if a.keyword is None]
        table = _str(_kw(call, "table_name")) or (_str(positional[1]) if len(positional) > 1 else None)
        cols = _kw(call, "columns") or (positional[2] if len(positional) > 2 else None)
        if table is None and batch_table and len(positional) == 2:  # batch_op.create_index("ix", ["col"])
            table, cols = batch_table, positional[1]
        lead = _lead_of_fields(_strings(cols))
        if table and lead:
            return ["tb", table.lower(), lead.lower()]
    elif name == "Index":
        cols = [a.value for a in call.args if a.keyword is None][1:]
        if cols and type(cols[0]) is cst.Attribute and type(cols[0].value) in (cst.Name, cst.Attribute):
            ref = qualify(cols[0].value) or dotted_name(cols[0].value)
            if ref:
                return ["sa", ref, cols[0].attr.value]
    return None
