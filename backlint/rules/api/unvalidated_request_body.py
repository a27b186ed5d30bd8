from __future__ import annotations

from typing import List, Optional, Set, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import persistence, route_kinds, validation
from ._handlers import HandlerRule, HandlerScan, describe_handler
from ...walker import source_children

_TYPED_BODY_FRAMEWORKS = frozenset({"fastapi", "litestar"})
_MICRO_FRAMEWORKS = frozenset({"flask", "quart", "starlette", "aiohttp", "sanic"})


class UnvalidatedRequestBody(HandlerRule):
    """A handler writes raw request input to the database without a schema.

    ## What it does
    Finds HTTP handlers that read keys of the raw request body and write them to the database in
    the same handler: DRF `request.data["x"]` / `request.data.get("x")`, Flask `request.json["x"]`,
    `request.form["x"]`, `request.get_json()["x"]`, Django `request.POST["x"]`, Starlette/FastAPI
    `(await request.json())["x"]`, and FastAPI/Litestar body parameters typed `dict`,
    `Dict[str, Any]`, `Mapping` or `Any` whose keys are read. A value counts as written when the
    read (or a local name assigned from it, or an object attribute set from it) is an argument of
    the write (`Model.objects.create(...)`, `session.add(...)`, `obj.save()` after
    `obj.name = request.data["name"]`, `insert_one(...)`, `Model.objects.create(**request.data)`).

    Only API endpoints are checked (DRF, FastAPI, Litestar, handlers answering JSON, Flask-style
    handlers that neither render nor redirect); a server-rendered form post is a page.

    Not reported: raw input used only as a lookup key (`Order.objects.get(pk=request.data["id"])`
    picks a row; the row is not written from the input); handlers that validate (a serializer with `is_valid()`, a pydantic model
    parameter or `model_validate(...)`/`parse_obj(...)`, `Item(**payload)`, marshmallow
    `schema.load(...)`, WTForms/Django forms, webargs, any `*Serializer`/`*Form`/`*Schema(...)`
    built in the handler, any `*validat*` call, a hand-written check raising `ValidationError`,
    `ParseError` or `BadRequest`); typed query and path parameters; raw input that is not written (a
    search filter, a flag) or written as one free-form JSON blob without reading its keys
    (`Event(payload=request.json)`); writes made by a called service (not followed).

    ## Default
    Off by default (enable with `extend-select = ["BL110"]`): on the 13-application corpus
    (2.1 M lines) the first version reported 6 handlers, all false positives (server-rendered
    form posts, posted ids that only pick a row, an upload checked by hand); after those fixes
    it reports none, so its precision on real code is not measured (see
    docs/precision/apisem.md).

    ## Why is this bad?
    "Validate all input." A raw key read accepts whatever the client sends: a missing key is a
    500, a wrong type is stored or crashes later, extra keys pass through, and nothing documents
    the shape the endpoint expects. A schema rejects bad input with a 400 that names the field,
    converts types, and is the API's documentation.

    ## Example
    ```python
    from rest_framework.decorators import api_view
    from rest_framework.response import Response

    @api_view(["POST"])
    def create_note(request):
        note = Note.objects.create(title=request.data["title"], body=request.data.get("body"))
        return Response({"id": note.id}, status=201)
    ```

    ## Use instead
    ```python
    from rest_framework.decorators import api_view
    from rest_framework.response import Response

    @api_view(["POST"])
    def create_note(request):
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.save()
        return Response({"id": note.id}, status=201)
    ```
    """

    code = "BL110"
    name = "unvalidated-request-body"
    default_enabled = False  # not measured on the corpus (0 findings): see "## Default"
    category = "input-validation"
    severity = Severity.WARNING
    precision = "high"
    tags = ("api-design", "security")
    text_markers = ("request.data", "request.json", "request.form", "request.POST", "request.values", "get_json",
                    ": dict", ": Dict", ": Any", ": Mapping")

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._aliases = frozenset(validation.request_aliases(node))

    def finish_handler(self, scan: HandlerScan) -> None:
        writes = [(n, s, a) for n, s, a in scan.accesses if a.kind == persistence.WRITE]
        if not writes or scan.handler.websocket:
            return
        func = scan.handler.node
        raw: Set[str] = set()
        if scan.handler.framework in _TYPED_BODY_FRAMEWORKS:
            for param in list(func.params.params) + list(func.params.kwonly_params):
                if validation.raw_annotation(param.annotation) and param.default is None:
                    raw.add(param.name.value)
        reads: List[Tuple[cst.CSTNode, str]] = []
        tainted: Set[str] = set()  # objects with an attribute set from raw input
        tainted_names: Set[str] = set()  # names bound to a value read from raw input
        validated = False
        for node in _walk(func.body):
            if type(node) is cst.Assign or type(node) is cst.AnnAssign and node.value is not None:
                targets = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target]
                value = node.value
                if validation.is_raw(value, raw, self._aliases):
                    raw.update(t.value for t in targets if type(t) is cst.Name)
                    continue
                found = _raw_reads(value, raw, self._aliases)
                if found:
                    reads.extend(found)
                    for target in targets:
                        if type(target) is cst.Name:
                            tainted_names.add(target.value)
                        elif type(target) is cst.Attribute and type(target.value) is cst.Name:
                            tainted.add(target.value.value)  # `obj.title = request.data["title"]`
            elif type(node) is cst.Call and validation.validating_call(node, raw, self._aliases):
                validated = True
        if validated or not self._is_api(scan):
            return
        for name in tainted_names:
            tainted.add(name)
        for call, stmt, access in writes:
            hit = self._flows(call, raw, tainted_names, self._aliases, tainted - tainted_names)
            if hit is not None:
                self.report_at(call, stmt, self._message(scan, hit, access))
                return

    def _is_api(self, scan: HandlerScan) -> bool:
        """An API endpoint (the rule's scope): a DRF/FastAPI/Litestar handler, one answering JSON, or a
        Flask-style handler that neither renders nor redirects."""
        if scan.handler.framework in ("drf", "drf-viewset") or scan.handler.framework in _TYPED_BODY_FRAMEWORKS:
            return True
        kind = route_kinds.body_kind(scan.handler.node, self.ctx.qualified_name)[0]
        if scan.handler.framework in _MICRO_FRAMEWORKS:
            return kind != route_kinds.PAGE  # a dict or a string answered: no template, no redirect
        return kind == route_kinds.API

    @staticmethod
    def _flows(call: cst.Call, raw: Set[str], tainted: Set[str], aliases, objects: Set[str]) -> Optional[str]:
        """How raw input reaches ``call``: a key read in its arguments, a tainted name, `**raw`."""
        func = call.func
        if type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value in objects \
                and func.attr.value in ("save", "asave"):
            return f"`{func.value.value}` (an attribute set from raw input)"
        for arg in call.args:
            if arg.star == "**" and validation.is_raw(arg.value, raw, aliases):
                return "the whole raw body unpacked into it"
            found = _raw_reads(arg.value, raw, aliases)
            if found:
                return f"`{found[0][1]}`"
            for node in _walk(arg.value):
                if type(node) is cst.Name and node.value in tainted:
                    return f"`{node.value}` (read from raw input)"
        return None

    @staticmethod
    def _message(scan: HandlerScan, hit: str, access: persistence.Access) -> str:
        framework = scan.handler.framework
        if framework in ("drf", "drf-viewset"):
            fix = "validate it with a serializer (`serializer = XSerializer(data=request.data)`, `is_valid()`)"
        elif framework in _TYPED_BODY_FRAMEWORKS:
            fix = "type the body as a pydantic model (or dataclass) so the framework validates it"
        elif framework == "django":
            fix = "validate it with a Django form (`form = XForm(request.POST)`, `is_valid()`)"
        else:
            fix = "validate it first (a pydantic model, marshmallow schema or WTForms form)"
        return (f"{describe_handler(scan.handler)} writes raw request input to the database ({hit} reaches "
                f"{access.what}) with no schema: a missing or mistyped field is a 500 or bad data; {fix}.")


def _walk(node: cst.CSTNode):
    """``node`` and its descendants in document order, not entering nested functions or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and current is not node:
            continue
        stack.extend(reversed(source_children(current)))


_LOOKUPS = frozenset({"get", "filter", "exclude", "get_object_or_404", "get_list_or_404", "first", "one",
                      "one_or_none", "scalar", "scalars", "execute", "query", "select", "where", "filter_by",
                      "aget", "afirst", "get_or_none", "find", "find_one", "lookup"})


def _raw_reads(node: cst.CSTNode, raw: Set[str], aliases=frozenset()) -> List[Tuple[cst.CSTNode, str]]:
    """Raw key reads in ``node``, leaving out those that are only a lookup key (`Order.objects.get(
    pk=request.data["id"])`: the input picks a row, it is not written)."""
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and current is not node:
            continue
        if type(current) is cst.Call and _lookup(current, raw, aliases):
            continue
        key = validation.raw_key(current, raw, aliases)
        if key is not None:
            out.append((current, key))
            continue
        stack.extend(reversed(source_children(current)))
    return out


def _lookup(call: cst.Call, raw: Set[str], aliases) -> bool:
    func = call.func
    name = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
    return name in _LOOKUPS and not (type(func) is cst.Attribute and validation.is_raw(func.value, raw, aliases))
