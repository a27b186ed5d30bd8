"""Names the code itself owns, used as SQL identifiers: the keys of dicts it builds.

A column list built from a dict's keys (``", ".join(f'"{k}"' for k in row)``) is injection only
when the keys can come from outside. ``Val.keys`` marks a dict whose keys the code fixed:

- a dict literal whose keys are all string constants, ``dict(a=..., b=...)``, a dict
  comprehension whose key is shown safe (``{k: v for k, v in data.items() if v is not None}``);
- ``dataclasses.asdict(x)``, ``x.model_dump()`` (pydantic), ``x.to_dict()`` of an object that is
  not request input: the keys are the class's field names;
- a parameter annotated with a ``TypedDict`` of the project (``step: "StepDict"``): the keys it
  declares;
- ``X.__dict__`` and ``vars(X)``: attribute names. For a class (``orm_class``, ``cls``,
  ``Model``, ``type(x)``) the values are the class body's own definitions, so they are safe too;
  an instance's ``__dict__`` holds data.

Iterating such a dict, its ``.keys()``, or the first target of ``for k, v in d.items()`` yields
safe names. A store with a key not shown safe (``d[name] = v``), ``d.update(other)`` with a dict
not known to be keyed, or ``d.setdefault(name, v)`` forgets it.
"""
from __future__ import annotations

import re
from typing import Callable, Optional

from .._lazy import cst

from .value_kinds import SAFE, Val, element, replace

_CLASS_WORDS = re.compile(r"(^|_)(cls|class|klass)$")
_CAPWORDS = re.compile(r"^_*[A-Z][a-z0-9]+[A-Za-z0-9]*$")
_FIELD_DICT_METHODS = frozenset({"model_dump", "to_dict", "_asdict"})


def literal_keys(tracker, node: cst.Dict) -> bool:
    """Every key of the literal is a constant (or shown safe); no ``**`` unpacking."""
    for item in node.elements:
        if type(item) is not cst.DictElement:
            return False
        if type(item.key) is not cst.SimpleString and not tracker.ev(item.key).safe:
            return False
    return True


def _class_like(node: cst.BaseExpression) -> bool:
    if type(node) is cst.Call:
        return type(node.func) is cst.Name and node.func.value == "type"
    word = node.attr.value if type(node) is cst.Attribute else (
        node.value if type(node) is cst.Name else "")
    return bool(word) and (bool(_CLASS_WORDS.search(word.lower())) or bool(_CAPWORDS.match(word)))


def attribute_dict(tracker, owner: cst.BaseExpression) -> Val:
    """``owner.__dict__`` / ``vars(owner)``: attribute names; a class's values are its own."""
    if _class_like(owner):
        return Val(safe=True, allow=True, container=True, keys=True)
    return Val(container=True, keys=True, origin=tracker.ev(owner).origin)


def keyed_call(tracker, node: cst.Call, qual: str) -> Optional[Val]:
    """``asdict(x)``, ``vars(x)``, ``x.model_dump()``, ``x.to_dict()``: a dict keyed by field names."""
    args = [a for a in node.args if a.keyword is None and not a.star]
    func = node.func
    if qual == "dataclasses.asdict" and args:
        return Val(container=True, keys=True, origin=tracker.ev(args[0].value).origin)
    if type(func) is cst.Name and func.value == "vars" and len(args) == 1:
        return attribute_dict(tracker, args[0].value)
    if type(func) is cst.Attribute and func.attr.value in _FIELD_DICT_METHODS:
        base = tracker.ev(func.value)
        if base.origin is not None and base.origin.kind == "request":
            return None  # a client's mapping: its keys are the client's
        if "pandas" in (tracker.qual(func.value) or ""):
            return None  # a data frame's columns come from its data
        return Val(container=True, keys=True, origin=base.origin)
    return None


_NOT_TYPED_DICTS = frozenset({"Dict", "OrderedDict", "DefaultDict", "TypedDict", "ChainMap", "UserDict"})


def typed_dict_annotation(ann: cst.BaseExpression) -> bool:
    """``step_dict: "StepDict"``: a class of the project named ``...Dict`` (a ``TypedDict``): the
    keys are the ones it declares. ``Dict``, ``dict[str, Any]`` and the like say nothing."""
    if type(ann) is cst.SimpleString:
        text = str(ann.evaluated_value).strip()
    elif type(ann) is cst.Name:
        text = ann.value
    else:
        return False
    return bool(_CAPWORDS.match(text)) and text.endswith("Dict") and text not in _NOT_TYPED_DICTS


def method_result(method: str, base: Val) -> Optional[Val]:
    """``.keys()`` of a keyed dict, or of a safe mapping (``Model.__table__.columns.keys()``),
    is a list of safe names (an allow-list); ``.copy()`` keeps the keys."""
    if method == "keys" and base.safe:
        return Val(safe=True, allow=True, container=True)
    if not base.keys:
        return None
    if method == "keys":
        return Val(safe=True, allow=True, container=True)
    if method == "copy":
        return base
    return None


def bind_loop(tracker, target: cst.BaseExpression, iterable: cst.BaseExpression,
              put: Callable[[cst.BaseExpression, Val], None]) -> bool:
    """``for k in d`` / ``for k, v in d.items()`` over a keyed dict: ``k`` is a safe name."""
    if type(iterable) is cst.Call:
        func = iterable.func
        if not (type(func) is cst.Attribute and func.attr.value == "items" and not iterable.args):
            return False
        if not (type(target) in (cst.Tuple, cst.List) and len(target.elements) == 2):
            return False
        base = tracker.ev(func.value)
        if not base.keys:
            return False
        put(target.elements[0].value, SAFE)
        put(target.elements[1].value, element(base))
        return True
    if type(target) is cst.Name and type(iterable) in (cst.Name, cst.Attribute):
        if tracker.ev(iterable).keys:
            put(target, SAFE)
            return True
        if orm_collection(iterable):
            put(target, Val(obj=ORM_OBJECT))
            return True
    return False


# -- objects of the ORM's metadata ----------------------------------------------------------------
ORM_OBJECT = "#orm-object"  # `Val.obj` of a column, key or constraint of the ORM's metadata
_ORM_COLLECTIONS = frozenset({
    "columns", "c", "primary_key", "foreign_keys", "foreign_key_constraints", "constraints",
    "indexes", "sorted_tables", "elements",
})
_ORM_OWNERS = ("table", "model", "mapper", "meta", "metadata", "column", "constraint", "foreign_key")
_ORM_NAMES = frozenset({"name", "key", "fullname"})


def orm_collection(node: cst.BaseExpression) -> bool:
    """``table.columns``, ``table.primary_key.columns``, ``metadata.sorted_tables``, ``fk.elements``
    of a ``foreign_key``: a collection of the ORM's metadata objects."""
    if not (type(node) is cst.Attribute and node.attr.value in _ORM_COLLECTIONS):
        return False
    owner = node.value
    if orm_collection(owner):
        return True
    word = owner.attr.value if type(owner) is cst.Attribute else (
        owner.value if type(owner) is cst.Name else "")
    word = word.lower().lstrip("_")
    return any(word == w or word.endswith("_" + w) for w in _ORM_OWNERS)


def orm_object_name(tracker, base: cst.BaseExpression, attr: str) -> bool:
    """``key.name`` where ``key`` walks an ORM metadata collection: an identifier the models define."""
    if attr not in _ORM_NAMES or type(base) is not cst.Name:
        return False
    found = tracker.lookup(base.value)
    return found is not None and found.obj == ORM_OBJECT


def note_store(tracker, target: cst.BaseExpression) -> None:
    """``d[key] = v``: a key not shown safe makes ``d``'s keys unknown."""
    if not (type(target) is cst.Subscript and type(target.value) is cst.Name):
        return
    _forget_unless(tracker, target.value.value, lambda: all(
        type(s.slice) is cst.Index and (
            type(s.slice.value) is cst.SimpleString or tracker.ev(s.slice.value).safe)
        for s in target.slice))


def note_call(tracker, node: cst.Call) -> None:
    """``d.update(other)`` / ``d.setdefault(key, v)`` on a keyed dict."""
    func = node.func
    if not (type(func) is cst.Attribute and type(func.value) is cst.Name):
        return
    method = func.attr.value
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    if method == "update":
        _forget_unless(tracker, func.value.value, lambda: not any(a.star for a in node.args) and all(
            (literal_keys(tracker, p) if type(p) is cst.Dict else tracker.ev(p).keys)
            for p in positional))
    elif method == "setdefault" and positional:
        _forget_unless(tracker, func.value.value, lambda: tracker.ev(positional[0]).safe)


def _forget_unless(tracker, name: str, still_keyed: Callable[[], bool]) -> None:
    old = tracker.lookup(name)
    if old is None or not old.keys or still_keyed():
        return
    tracker.bind(name, replace(old, keys=False), replace_old=True)


# -- Alembic helpers ------------------------------------------------------------------------------
_ALEMBIC_OP_CALL = re.compile(
    r"\bop\.(get_bind|execute|create_table|drop_table|add_column|drop_column|alter_column|"
    r"create_index|drop_index|batch_alter_table|create_foreign_key|drop_constraint|bulk_insert|"
    r"create_unique_constraint|rename_table|get_context|create_primary_key|create_check_constraint)\("
)


def alembic_helper(tracker, function: cst.FunctionDef) -> bool:
    """``def restart_sequence(op, table_name, ...)`` that calls ``op.get_bind()``/``op.execute()``:
    a helper of Alembic migrations, which hand it the names their own code defines (as Django's
    ``schema_editor`` is, for Django migrations)."""
    params = list(function.params.posonly_params) + list(function.params.params)
    if not params or params[0].name.value != "op" or params[0].annotation is not None:
        return False
    cache = tracker.alembic_helpers  # function node id -> answer (one scan per function)
    key = id(function)
    if key not in cache:
        cache[key] = bool(_ALEMBIC_OP_CALL.search(tracker.ctx.code_for(function.body)))
    return cache[key]


# -- rows of the database catalogue ---------------------------------------------------------------
_CATALOGUE_FROM = re.compile(
    r"\bFROM\s+(information_schema\.\w+|pg_catalog\.\w+|pg_(tables|class|namespace|indexes|sequences|"
    r"attribute|views|matviews|constraint)\b|sqlite_master\b|sqlite_schema\b|all_tables\b|user_tables\b)",
    re.IGNORECASE,
)
_ROW_METHODS = frozenset({
    "all", "fetchall", "fetchone", "fetchmany", "first", "one", "one_or_none", "scalars", "scalar",
    "mappings", "tuples", "scalar_one", "scalar_one_or_none",
})
_RUN_METHODS = frozenset({"execute", "exec_driver_sql"})


def catalogue_rows(tracker, node: cst.Call) -> bool:
    """``conn.execute(text("SELECT table_name FROM information_schema.tables")).all()``: rows a
    constant query read from the catalogue, i.e. names the database itself holds."""
    call: cst.BaseExpression = node
    while type(call) is cst.Call and type(call.func) is cst.Attribute \
            and call.func.attr.value in _ROW_METHODS:
        call = call.func.value
    if not (type(call) is cst.Call and type(call.func) is cst.Attribute
            and call.func.attr.value in _RUN_METHODS and call.args):
        return False
    query = call.args[0].value
    if type(query) is cst.Call and query.args and (tracker.ctx.qualified_name(query.func) or "").endswith("text"):
        query = query.args[0].value
    value = tracker.ev(query)
    return value.safe and value.text is not None and bool(_CATALOGUE_FROM.search(value.text))
