"""What a model is: relation fields, bases, managers, serializer method fields, and the
``self.a.b`` chains model methods and plain helper functions read (collected per file)."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..._lazy import cst
from ...frameworks import orm
from ...semantics import dotted_name
from ...walker import children
from . import _managers, _writes, other_orms
from .syntax import _kw, _lazy_fact, _positional, _string, children_outside_subqueries
from .values import Read


class ModelFacts:
    """Mixed into ``Analysis``: collects the model facts of one file's classes."""

    def collect_model(self, node: cst.ClassDef) -> None:
        bases = []
        for arg in node.bases:
            ref = self.model_ref(arg.value)
            bases.append(ref or ("?" + (dotted_name(arg.value) or "")))
        sqlmodel_table = any(k.keyword and k.keyword.value == "table" for k in node.keywords)
        fields: Dict[str, dict] = {}
        custom_manager = False
        objects_manager = None
        serializer_model = None
        method_fields = {}
        if type(node.body) is not cst.IndentedBlock:
            return
        methods: Dict[str, list] = {}
        writers: list = []  # methods that write rows (`bulk_update`, `save`, `qs.update()`)
        for item in node.body.body:
            if type(item) is cst.FunctionDef:
                reads = _self_reads(item)
                if reads:
                    methods[item.name.value] = reads
                    if _writes_rows(item):
                        writers.append(item.name.value)
                continue
            if type(item) is cst.ClassDef and item.name.value == "Meta":
                for meta in item.body.body if type(item.body) is cst.IndentedBlock else ():
                    if type(meta) is cst.SimpleStatementLine:
                        for small in meta.body:
                            if (type(small) is cst.Assign and len(small.targets) == 1
                                    and type(small.targets[0].target) is cst.Name
                                    and small.targets[0].target.value == "model"):
                                serializer_model = self.model_ref(small.value)
                continue
            if type(item) is not cst.SimpleStatementLine:
                continue
            for small in item.body:
                target = value = annotation = None
                if type(small) is cst.Assign and len(small.targets) == 1:
                    target, value = small.targets[0].target, small.value
                elif type(small) is cst.AnnAssign:
                    target, value, annotation = small.target, small.value, small.annotation.annotation
                if type(target) is not cst.Name:
                    continue
                attr = target.value
                if type(value) is cst.Call:
                    q = self.ctx.qualified_name(value.func)
                    dn = dotted_name(value.func)
                    last = (dn or "").rsplit(".", 1)[-1]
                    if last == "SerializerMethodField":
                        mname = _string(_kw(value, "method_name")) or f"get_{attr}"
                        method_fields[mname] = attr
                        continue
                    if attr == "objects":
                        objects_manager = _managers.manager_class(value, self.model_ref)
                    if attr == "objects" and last not in ("Manager",) and (
                        last.endswith("Manager") or last.endswith("QuerySet") or "from_queryset" in (dn or "")
                        or last == "as_manager"
                    ):
                        custom_manager = True
                        continue
                    kind = other_orms.relation_kind(q) or orm.relation_field_kind(q, dn)  # Peewee, Tortoise first
                    if kind is None:
                        continue
                    if other_orms.is_kind(kind):
                        fields[attr] = other_orms.relation_fact(self, kind, value, node.name.value)
                        continue
                    fields[attr] = self.relation_fact(kind, value, annotation, node.name.value)
                elif value is None and annotation is not None and sqlmodel_table:
                    continue
        self.models[self.full(node.name.value)] = {
            "bases": bases, "fields": fields, "mgr": custom_manager, "om": objects_manager,
            "meths": methods if (fields or [b for b in bases if b not in ("?object", "?")]) else {},
            "ser": serializer_model, "smf": method_fields, **({"wm": writers} if writers else {}),
        }

    def relation_fact(self, kind: str, call: cst.Call, annotation, owner: str) -> dict:
        pos = _positional(call)
        target = pos[0] if pos else _kw(call, "to") if kind != "rel" else (pos[0] if pos else _kw(call, "argument"))
        fact: Dict[str, Any] = {"k": kind}
        many: Optional[bool] = None
        if kind in ("fk", "o2o", "gfk"):
            many = False
        elif kind == "m2m":
            many = True
        to = None
        if target is not None:
            s = _string(target)
            if s is not None:
                to = {"str": owner if s == "self" else s.rsplit(".", 1)[-1], "mod": self.modname}
            elif type(target) in (cst.Name, cst.Attribute):
                ref = self.model_ref(target)
                if ref:
                    to = {"ref": ref}
        if kind == "rel":
            if annotation is not None:
                ann_to, ann_many = self.annotation_target(annotation)
                if to is None and ann_to:
                    to = {"str": ann_to, "mod": self.modname}
                if ann_many is not None:
                    many = ann_many
            uselist = _kw(call, "uselist")
            if type(uselist) is cst.Name and uselist.value in ("True", "False"):
                many = uselist.value == "True"
            lazy_node = _kw(call, "lazy")
            kwargs = _kw(call, "sa_relationship_kwargs")
            if type(kwargs) is cst.Dict:
                for el in kwargs.elements:
                    if type(el) is cst.DictElement and _string(el.key) == "lazy":
                        lazy_node = el.value
            fact["lazy"], fact["lazy_as"] = _lazy_fact(lazy_node, self.module)
            backref = _kw(call, "backref")
            if backref is not None:
                name = _string(backref)
                blazy = None
                blazy_as = None
                if name is None and type(backref) is cst.Call and _positional(backref):
                    name = _string(_positional(backref)[0])
                    blazy, blazy_as = _lazy_fact(_kw(backref, "lazy"), self.module)
                if name:
                    fact["backref"] = name
                    fact["blazy"] = blazy
                    fact["blazy_as"] = blazy_as
        else:
            rn = _kw(call, "related_name")
            if rn is not None:
                fact["rn"] = _string(rn) or "?"
        fact["many"] = many
        fact["to"] = to
        return fact

    def annotation_target(self, node) -> Tuple[Optional[str], Optional[bool]]:
        many: Optional[bool] = None
        while True:
            if type(node) is cst.Subscript:
                head = (dotted_name(node.value) or "").rsplit(".", 1)[-1]
                if head in ("List", "list", "Set", "set", "Sequence", "Collection", "Iterable",
                            "DynamicMapped", "WriteOnlyMapped", "Tuple", "tuple", "AbstractSet"):
                    many = True
                elif head in ("Optional",) and many is None:
                    many = False
                elif head == "Mapped" and many is None:
                    pass
                if not node.slice:
                    return None, many
                first = node.slice[0].slice
                node = first.value if type(first) is cst.Index else None
                continue
            if type(node) is cst.BinaryOperation:  # "User" | None
                node = node.left
                continue
            s = _string(node)
            if s is not None:
                try:
                    inner = cst.parse_expression(s)
                except Exception:
                    return s.strip(), many
                if type(inner) in (cst.Name, cst.Attribute):
                    return (dotted_name(inner) or s).rsplit(".", 1)[-1], (many if many is not None else False)
                node = inner
                continue
            if type(node) in (cst.Name, cst.Attribute):
                return (dotted_name(node) or "").rsplit(".", 1)[-1] or None, (many if many is not None else False)
            return None, many



_NEVER_RELATIONS = frozenset({"id", "pk", "objects", "DoesNotExist", "MultipleObjectsReturned"})


def _not_a_relation(read: Read) -> bool:
    """Reads no model field can turn into a relation load: ``x.id``, ``x.owner_id``, ``x.__class__``."""
    first = read.attrs[0]
    return first in _NEVER_RELATIONS or first.endswith("_id") or first.startswith("__")


def _skip_write_queryset(call, stack: list) -> bool:
    """``self.children.filter(...).update(...)``: the queryset of a write, not a read of it; only
    the calls' arguments are walked on (pushed onto ``stack``)."""
    target = call.func
    if not (type(target) is cst.Attribute and target.attr.value in ("update", "delete")
            and type(target.value) is cst.Call):
        return False
    inner = target.value
    while type(inner) is cst.Call and type(inner.func) is cst.Attribute:
        stack.extend(a.value for a in inner.args)
        inner = inner.func.value
    stack.extend(a.value for a in call.args)
    return True


_PROPERTY_DECORATORS = frozenset({"property", "cached_property"})


def _self_reads(func, param: str = "self") -> list:
    """``[is_property, [attrs, called], ...]`` for the ``self.a.b`` chains a method reads (capped);
    with ``param``, the chains read from that parameter of a plain function."""
    params = func.params.params
    if param == "self" and (not params or params[0].name.value != "self"):
        return []
    prefix = param + "."
    out: list = []
    seen: set = set()
    stack = [func.body]
    # exact type checks: libcst's node classes are ABCs, whose isinstance is slow, and this loop
    # visits every node of every method of every class
    call_t, attribute_t = cst.Call, cst.Attribute
    nested = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    while stack and len(out) < 30:
        node = stack.pop()
        node_t = type(node)
        called = node_t is call_t
        target = node.func if called else node
        if called and _skip_write_queryset(node, stack):
            continue
        if type(target) is attribute_t:
            name = dotted_name(target)
            if name and name.startswith(prefix):
                attrs = tuple(name.split(".")[1:])
                first = attrs[0]
                if not (first in _NEVER_RELATIONS or first.endswith("_id") or first.startswith("_")):
                    key = (attrs, called)
                    if key not in seen:
                        seen.add(key)
                        out.append([list(attrs), called])
        if node_t in nested and node is not func.body:
            continue
        stack.extend(children_outside_subqueries(node) if called else children(node))
    if not out:
        return []
    prop = any((dotted_name(d.decorator) or "").rsplit(".", 1)[-1] in _PROPERTY_DECORATORS
               for d in func.decorators)
    return [prop] + out


def _writes_rows(func) -> bool:
    """The method writes rows of its own model: ``type(self).objects.bulk_update(...)``,
    ``self.__class__.objects.filter(...).update(...)`` (not ``self.save()``: that writes the
    row itself, not the related rows the method may read)."""
    stack = [func.body]
    while stack:
        node = stack.pop()
        if type(node) is cst.Call and type(node.func) is cst.Attribute:
            meth = node.func.attr.value
            if (meth in _writes.ANY_WRITE or meth in ("update", "delete")) and _own_manager(node.func.value):
                return True
        if type(node) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and node is not func.body:
            continue
        stack.extend(children(node))
    return False


def _own_manager(node) -> bool:
    """``type(self).objects``, ``self.__class__.objects.filter(...)``: the method's own model."""
    while True:
        if type(node) is cst.Call and type(node.func) is cst.Attribute:
            node = node.func.value
        elif type(node) is cst.Attribute and node.attr.value in ("objects", "_default_manager", "__class__"):
            node = node.value
        else:
            break
    if type(node) is cst.Call and dotted_name(node.func) == "type" and len(node.args) == 1:
        node = node.args[0].value
    return type(node) is cst.Name and node.value == "self"


def _param_reads(func, names) -> Dict[str, list]:
    """``{param: [[attrs, called], ...]}``: the ``param.a.b`` chains a plain function reads from
    each of its first parameters, in one walk of the body (the same chains, order and cap of 30
    per parameter as one ``_self_reads(func, param)`` walk per parameter)."""
    wanted = {name: [] for name in names}
    if not wanted:
        return {}
    seen: Dict[str, set] = {name: set() for name in wanted}
    stack = [func.body]
    call_t, attribute_t = cst.Call, cst.Attribute
    nested = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    open_names = set(wanted)
    while stack and open_names:
        node = stack.pop()
        node_t = type(node)
        called = node_t is call_t
        target = node.func if called else node
        if called and _skip_write_queryset(node, stack):
            continue
        if type(target) is attribute_t:
            name = dotted_name(target)
            if name and "." in name:
                head, rest = name.split(".", 1)
                if head in open_names:
                    attrs = tuple(rest.split("."))
                    first = attrs[0]
                    if not (first in _NEVER_RELATIONS or first.endswith("_id") or first.startswith("_")):
                        key = (attrs, called)
                        if key not in seen[head]:
                            seen[head].add(key)
                            wanted[head].append([list(attrs), called])
                            if len(wanted[head]) >= 30:
                                open_names.discard(head)
        if node_t in nested and node is not func.body:
            continue
        stack.extend(children_outside_subqueries(node) if called else children(node))
    return {name: reads for name, reads in wanted.items() if reads}
