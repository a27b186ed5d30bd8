"""Django managers whose ``get_queryset()`` eager-loads relations.

``class OrderManager(models.Manager): def get_queryset(self): return super().get_queryset()
.select_related("customer")`` makes every ``Order.objects...`` queryset load ``customer`` with the
rows. Related managers (``author.books.all()``) and ``prefetch_related("books")`` are built from
the related model's default manager class too, so its ``get_queryset()`` applies beneath a many
relation as well. (Forward ``ForeignKey`` access uses the plain base manager, so it does not.)

Per file we record, for each class with a ``get_queryset`` method, the relation paths it
prepares (``"*"`` when it prepares something we cannot read: treat everything as prepared), and
the class's bases, so a manager inheriting such a ``get_queryset`` counts too.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from ..._lazy import cst
from ...walker import children
from ...semantics import dotted_name, string_value

_LOADERS = ("select_related", "prefetch_related")


def _strings(call: cst.Call) -> Optional[List[str]]:
    out = []
    for arg in call.args:
        if arg.star or arg.keyword is not None:
            return None
        value = arg.value
        if type(value) is cst.Call and (dotted_name(value.func) or "").endswith("Prefetch"):
            if not value.args:
                return None
            value = value.args[0].value
        s = string_value(value) if type(value) in (cst.SimpleString, cst.ConcatenatedString) else None
        if not isinstance(s, str):
            return None
        out.append(s)
    return out


def get_queryset_paths(func: cst.FunctionDef) -> Optional[List[str]]:
    """Relation paths ``get_queryset`` eager-loads (``["*"]`` when unreadable); None if none."""
    paths: List[str] = []
    found = False
    stack = [func.body]
    while stack:
        node = stack.pop()
        if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value in _LOADERS:
            found = True
            names = _strings(node)
            if names is None or (not names and node.func.attr.value == "select_related"):
                return ["*"]
            paths.extend(names)
        stack.extend(children(node))
    return paths if found else None


def manager_facts(classes: Dict[str, cst.ClassDef], model_ref) -> Dict[str, dict]:
    """{class name: {"prep": [...], "bases": [refs]}} for every class defining or possibly
    inheriting a ``get_queryset`` (bases are resolved later, with the project index)."""
    out: Dict[str, dict] = {}
    for name, node in classes.items():
        if type(node.body) is not cst.IndentedBlock:
            continue
        prep = None
        for item in node.body.body:
            if type(item) is cst.FunctionDef and item.name.value == "get_queryset":
                prep = get_queryset_paths(item) or []
        last = name.rsplit(".", 1)[-1]
        if prep is None and not last.endswith(("Manager", "QuerySet")):
            continue
        bases = [b for b in (model_ref(arg.value) for arg in node.bases) if b]
        out[name] = {"prep": prep or [], "bases": bases}
    return out


def manager_class(value: cst.BaseExpression, model_ref) -> Optional[str]:
    """The manager class of ``objects = OrderManager()`` / ``OrderManager.from_queryset(QS)()``."""
    if type(value) is not cst.Call:
        return None
    func = value.func
    if type(func) is cst.Call and type(func.func) is cst.Attribute and func.func.attr.value == "from_queryset":
        return model_ref(func.func.value)
    if type(func) in (cst.Name, cst.Attribute):
        return model_ref(func)
    return None
