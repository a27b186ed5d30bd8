"""GraphQL schemas in Python code: which function resolves which field of which type.

Three library families are recognised, read from the source alone (nothing is imported):

* graphene / graphene-django: classes deriving from ``ObjectType`` / ``DjangoObjectType`` /
  ``Interface`` (or from a class of the same file or a base whose name ends in ``ObjectType``),
  their ``resolve_<field>`` methods and ``Field(..., resolver=fn)`` class attributes;
* strawberry / strawberry-django: classes decorated with ``@strawberry.type`` /
  ``@strawberry_django.type(Model)`` (or holding a method decorated with a strawberry field
  decorator, as project wrappers such as ``@register_type`` do), their ``@strawberry.field`` /
  ``@strawberry_django.field`` methods and ``x: T = strawberry.field(resolver=fn)``;
* ariadne: ``user = ObjectType("User")``, ``QueryType()`` / ``MutationType()``, then
  ``@user.field("posts")`` or ``user.set_field("posts", fn)``.

A field is a *root* field when its type is the schema's Query, Mutation or Subscription: the type
is named so (or ends so: ``DCIMQuery``), is declared with ``name="Query"``, or is passed to
``Schema(query=...)`` in the same file. Every other field is nested: its resolver runs once per
parent object in the response.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Dict, Iterable, List, Optional, Tuple

from .._lazy import cst
from ..semantics import dotted_name, string_value
from ..walker import source_children

TEXT_MARKERS = ("graphene", "strawberry", "ariadne", "ObjectType", "QueryType")

ROOT_NAMES = ("Query", "Mutation", "Subscription")
_ROOT_SUFFIXES = ("Query", "Queries", "Mutation", "Mutations", "Subscription", "Subscriptions")

_GRAPHENE_BASES = frozenset({
    "graphene.ObjectType", "graphene.types.ObjectType", "graphene.types.objecttype.ObjectType",
    "graphene.Interface", "graphene.types.Interface", "graphene_django.DjangoObjectType",
    "graphene_django.types.DjangoObjectType",
})
_ARIADNE_TYPES = {
    "ariadne.ObjectType": None, "ariadne.InterfaceType": None, "ariadne.QueryType": "Query",
    "ariadne.MutationType": "Mutation", "ariadne.SubscriptionType": "Subscription",
    "ariadne.objects.ObjectType": None, "ariadne.objects.QueryType": "Query",
    "ariadne.objects.MutationType": "Mutation",
}
_STRAWBERRY_PREFIXES = ("strawberry", "strawberry_django")
_STRAWBERRY_TYPE_DECORATORS = ("type", "interface")
_OPTIMIZER_HINTS = ("prefetch_related", "select_related", "only", "annotate")
_GRAPHENE_HINTS = ("graphene_django_optimizer.resolver_hints", "graphene_django_optimizer.resolver_hints()")


@dataclass
class Resolver:
    """One field's resolver function."""

    library: str  # graphene | strawberry | ariadne
    type_name: str  # the GraphQL type (class name, or the name given to ariadne's ObjectType)
    field: str
    root: bool
    func: cst.FunctionDef
    parent: Optional[str]  # the parameter bound to the parent object, when the resolver has one
    model: Optional[str] = None  # the Django model behind the type (Meta.model, strawberry_django.type(M))
    hinted: bool = False  # an optimizer hint (strawberry-django field hints, gql_optimizer.resolver_hints)
    owner: Optional[cst.ClassDef] = None


@dataclass
class Schema:
    resolvers: List[Resolver] = dc_field(default_factory=list)
    loaders: List[Tuple[str, cst.FunctionDef]] = dc_field(default_factory=list)  # (loader name, batch fn)
    endpoints: List[cst.Call] = dc_field(default_factory=list)


class Imports:
    """Module-level (and nested) imports: enough to qualify decorators, bases and calls."""

    def __init__(self, module: cst.Module) -> None:
        self.names: Dict[str, str] = {}
        stack: List[cst.CSTNode] = list(module.body)
        while stack:
            node = stack.pop()
            if type(node) is cst.SimpleStatementLine:
                for small in node.body:
                    self._add(small)
            elif type(node) in (cst.If, cst.Try):
                stack.extend(node.body.body)
                if type(node) is cst.Try:
                    for handler in node.handlers:
                        stack.extend(handler.body.body)
                elif node.orelse is not None and type(node.orelse.body) is cst.IndentedBlock:
                    stack.extend(node.orelse.body.body)

    def _add(self, node: cst.CSTNode) -> None:
        if type(node) is cst.Import:
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    self.names[alias.asname.name.value] = full
                else:
                    top = full.split(".", 1)[0]
                    self.names[top] = top
        elif type(node) is cst.ImportFrom and type(node.names) is not cst.ImportStar:
            module = dotted_name(node.module) if node.module is not None else ""
            module = "." * len(node.relative) + (module or "")
            for alias in node.names:
                if type(alias.name) is not cst.Name:
                    continue
                local = alias.name.value
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    local = alias.asname.name.value
                self.names[local] = f"{module}.{alias.name.value}" if module.strip(".") else (
                    module + alias.name.value)

    def qualify(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        if type(node) is cst.Call:
            base = self.qualify(node.func)
            return base + "()" if base else None
        dotted = dotted_name(node) if node is not None else None
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        full = self.names.get(head)
        if full is None:
            return dotted
        return f"{full}.{rest}" if rest else full


def _is_strawberry(qual: Optional[str], last: Iterable[str]) -> bool:
    if not qual:
        return False
    q = qual[:-2] if qual.endswith("()") else qual
    return q.split(".", 1)[0] in _STRAWBERRY_PREFIXES and q.rsplit(".", 1)[-1] in tuple(last)


def _decorator_call(dec: cst.Decorator) -> Tuple[cst.BaseExpression, Optional[cst.Call]]:
    expr = dec.decorator
    if type(expr) is cst.Call:
        return expr.func, expr
    return expr, None


def _kwarg(call: Optional[cst.Call], name: str) -> Optional[cst.BaseExpression]:
    if call is None:
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _first_param(func: cst.FunctionDef) -> Optional[str]:
    params = list(func.params.posonly_params) + list(func.params.params)
    return params[0].name.value if params else None


def _param_named(func: cst.FunctionDef, names: Tuple[str, ...]) -> Optional[str]:
    for p in list(func.params.posonly_params) + list(func.params.params) + list(func.params.kwonly_params):
        if p.name.value in names:
            return p.name.value
    return None


def _is_root(name: str) -> bool:
    return name in ROOT_NAMES or name.endswith(_ROOT_SUFFIXES)


def _string(node: Optional[cst.BaseExpression]) -> Optional[str]:
    if type(node) in (cst.SimpleString, cst.ConcatenatedString):
        value = string_value(node)
        return value if isinstance(value, str) else None
    return None


class _Discovery:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.imports = Imports(module)
        self.q = self.imports.qualify
        self.schema = Schema()
        self.functions: Dict[str, cst.FunctionDef] = {}
        self.schema_roots: Dict[str, bool] = {}
        self.graphene_classes: Dict[str, bool] = {}

    def run(self) -> Schema:
        body = list(self.module.body)
        for stmt in body:
            if type(stmt) is cst.FunctionDef:
                self.functions[stmt.name.value] = stmt
        self._schema_calls()
        ariadne: Dict[str, Tuple[str, bool]] = {}
        for stmt in body:
            if type(stmt) is cst.ClassDef:
                self._class(stmt)
            elif type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    self._ariadne_binding(small, ariadne)
                    self._ariadne_set_field(small, ariadne)
            if type(stmt) is cst.FunctionDef:
                self._ariadne_decorated(stmt, ariadne)
        return self.schema

    # -- schema(query=X), endpoints, loaders ---------------------------------------------------
    def _schema_calls(self) -> None:
        stack: List[cst.CSTNode] = list(self.module.body)
        while stack:
            node = stack.pop()
            if type(node) is cst.Call:
                qual = self.q(node.func) or ""
                last = qual.rsplit(".", 1)[-1]
                if last == "Schema":
                    for kw in ("query", "mutation", "subscription"):
                        value = _kwarg(node, kw)
                        if type(value) is cst.Name:
                            self.schema_roots[value.value] = True
                    if node.args and node.args[0].keyword is None and type(node.args[0].value) is cst.Name:
                        self.schema_roots[node.args[0].value.value] = True
                if last == "as_view" and ("GraphQLView" in qual or "graphql" in qual.lower()):
                    self.schema.endpoints.append(node)
                elif qual in ("ariadne.asgi.GraphQL", "ariadne.wsgi.GraphQL", "ariadne.contrib.django.views.GraphQLView.as_view"):
                    self.schema.endpoints.append(node)
                elif last == "DataLoader" and node.args:
                    fn = _kwarg(node, "load_fn") or (node.args[0].value if node.args[0].keyword is None else None)
                    if type(fn) is cst.Name and fn.value in self.functions:
                        self.schema.loaders.append((fn.value, self.functions[fn.value]))
            if type(node) in (cst.FunctionDef, cst.ClassDef):
                stack.extend(node.body.body if type(node.body) is cst.IndentedBlock else ())
                continue
            for child in source_children(node):
                stack.append(child)

    # -- classes: graphene and strawberry ------------------------------------------------------
    def _class(self, node: cst.ClassDef) -> None:
        name = node.name.value
        bases = [self.q(arg.value) or "" for arg in node.bases if arg.keyword is None]
        if any(b.rsplit(".", 1)[-1] == "DataLoader" for b in bases):
            for item in _class_items(node):
                if type(item) is cst.FunctionDef and item.name.value in ("batch_load_fn", "batch_load", "load_batch"):
                    self.schema.loaders.append((name, item))
            return
        strawberry, s_call = self._strawberry_decorator(node)
        has_fields = any(type(item) is cst.FunctionDef and self._strawberry_field(item) is not None
                         for item in _class_items(node))
        if strawberry or has_fields:
            self._strawberry_class(node, s_call)
            return
        graphene = any(b in _GRAPHENE_BASES or b.endswith("ObjectType") or b.rsplit(".", 1)[-1] in self.graphene_classes
                       for b in bases)
        if graphene:
            self.graphene_classes[name] = True
            self._graphene_class(node)

    def _strawberry_decorator(self, node: cst.ClassDef) -> Tuple[bool, Optional[cst.Call]]:
        for dec in node.decorators:
            func, call = _decorator_call(dec)
            if _is_strawberry(self.q(func), _STRAWBERRY_TYPE_DECORATORS):
                return True, call
        return False, None

    def _strawberry_field(self, func: cst.FunctionDef) -> Optional[Tuple[Optional[cst.Call], str]]:
        for dec in func.decorators:
            expr, call = _decorator_call(dec)
            qual = self.q(expr)
            if _is_strawberry(qual, ("field", "mutation", "subscription", "connection")):
                return call, (qual or "").rsplit(".", 1)[-1]
        return None

    def _type_name(self, node: cst.ClassDef, call: Optional[cst.Call]) -> Tuple[str, bool]:
        name = node.name.value
        given = _string(_kwarg(call, "name"))
        root = _is_root(name) or name in self.schema_roots or (given is not None and given in ROOT_NAMES)
        return name, root

    def _strawberry_class(self, node: cst.ClassDef, call: Optional[cst.Call]) -> None:
        name, root = self._type_name(node, call)
        model = None
        if call is not None and call.args and call.args[0].keyword is None:
            model = self.q(call.args[0].value)
        for item in _class_items(node):
            if type(item) is cst.FunctionDef:
                found = self._strawberry_field(item)
                if found is None:
                    continue
                fcall, kind = found
                hinted = any(_kwarg(fcall, h) is not None for h in _OPTIMIZER_HINTS)
                fname = _string(_kwarg(fcall, "name")) or item.name.value
                parent = _param_named(item, ("self", "root"))
                self.schema.resolvers.append(Resolver(
                    "strawberry", name, fname, root or kind in ("mutation", "subscription"), item, parent,
                    model, hinted, node))
            else:
                for target, value in _class_assignments(item):
                    if type(value) is cst.Call and _is_strawberry(self.q(value.func), ("field",)):
                        fn = _kwarg(value, "resolver")
                        if type(fn) is cst.Name and fn.value in self.functions:
                            func = self.functions[fn.value]
                            hinted = any(_kwarg(value, h) is not None for h in _OPTIMIZER_HINTS)
                            self.schema.resolvers.append(Resolver(
                                "strawberry", name, target, root, func, _param_named(func, ("root", "self")),
                                model, hinted, node))

    def _graphene_class(self, node: cst.ClassDef) -> None:
        name = node.name.value
        root = _is_root(name) or name in self.schema_roots
        model = None
        methods: Dict[str, cst.FunctionDef] = {}
        for item in _class_items(node):
            if type(item) is cst.ClassDef and item.name.value == "Meta":
                for target, value in _class_assignments_of(item):
                    if target == "model":
                        model = self.q(value)
            elif type(item) is cst.FunctionDef:
                methods[item.name.value] = item
        for mname, func in methods.items():
            if mname.startswith("resolve_") and mname != "resolve_type" and not _is_classmethod(func):
                hinted = any(self.q(_decorator_call(d)[0]) in _GRAPHENE_HINTS for d in func.decorators)
                self.schema.resolvers.append(Resolver(
                    "graphene", name, mname[len("resolve_"):], root, func, _first_param(func), model, hinted, node))
        for item in _class_items(node):
            for target, value in _class_assignments(item):
                if type(value) is not cst.Call:
                    continue
                fn = _kwarg(value, "resolver")
                func = None
                if type(fn) is cst.Name:
                    func = self.functions.get(fn.value) or methods.get(fn.value)
                if func is not None and (self.q(value.func) or "").startswith(("graphene", "graphene_django")):
                    self.schema.resolvers.append(Resolver(
                        "graphene", name, target, root, func, _first_param(func), model, False, node))

    # -- ariadne -------------------------------------------------------------------------------
    def _ariadne_binding(self, small: cst.CSTNode, table: Dict[str, Tuple[str, bool]]) -> None:
        if not (type(small) is cst.Assign and len(small.targets) == 1 and type(small.targets[0].target) is cst.Name):
            return
        value = small.value
        if type(value) is not cst.Call:
            return
        qual = self.q(value.func) or ""
        if qual not in _ARIADNE_TYPES:
            return
        fixed = _ARIADNE_TYPES[qual]
        type_name = fixed or (_string(value.args[0].value) if value.args else None)
        if type_name:
            table[small.targets[0].target.value] = (type_name, type_name in ROOT_NAMES)

    def _ariadne_decorated(self, func: cst.FunctionDef, table: Dict[str, Tuple[str, bool]]) -> None:
        for dec in func.decorators:
            expr, call = _decorator_call(dec)
            if (call is not None and type(expr) is cst.Attribute and expr.attr.value == "field"
                    and type(expr.value) is cst.Name and expr.value.value in table and call.args):
                fname = _string(call.args[0].value)
                type_name, root = table[expr.value.value]
                if fname:
                    self.schema.resolvers.append(Resolver("ariadne", type_name, fname, root, func, _first_param(func)))

    def _ariadne_set_field(self, small: cst.CSTNode, table: Dict[str, Tuple[str, bool]]) -> None:
        call = small.value if type(small) is cst.Expr else None
        if not (type(call) is cst.Call and type(call.func) is cst.Attribute
                and call.func.attr.value == "set_field" and type(call.func.value) is cst.Name
                and call.func.value.value in table and len(call.args) >= 2):
            return
        fname = _string(call.args[0].value)
        fn = call.args[1].value
        if fname and type(fn) is cst.Name and fn.value in self.functions:
            type_name, root = table[call.func.value.value]
            func = self.functions[fn.value]
            self.schema.resolvers.append(Resolver("ariadne", type_name, fname, root, func, _first_param(func)))


def _class_items(node: cst.ClassDef) -> List[cst.CSTNode]:
    return list(node.body.body) if type(node.body) is cst.IndentedBlock else []


def _class_assignments(item: cst.CSTNode) -> Iterable[Tuple[str, cst.BaseExpression]]:
    if type(item) is not cst.SimpleStatementLine:
        return
    for small in item.body:
        if type(small) is cst.Assign and len(small.targets) == 1 and type(small.targets[0].target) is cst.Name:
            yield small.targets[0].target.value, small.value
        elif type(small) is cst.AnnAssign and type(small.target) is cst.Name and small.value is not None:
            yield small.target.value, small.value


def _class_assignments_of(node: cst.ClassDef) -> Iterable[Tuple[str, cst.BaseExpression]]:
    for item in _class_items(node):
        yield from _class_assignments(item)


def _is_classmethod(func: cst.FunctionDef) -> bool:
    return any(type(d.decorator) is cst.Name and d.decorator.value == "classmethod" for d in func.decorators)


def discover(module: cst.Module) -> Schema:
    """Every resolver, DataLoader batch function and GraphQL endpoint of ``module``."""
    return _Discovery(module).run()


def for_context(ctx) -> Schema:
    """The file's GraphQL schema pieces, computed once per file and shared by rules."""
    return ctx.shared("graphql", lambda: discover(ctx.module))


def has_markers(text: str) -> bool:
    return any(m in text for m in TEXT_MARKERS)


