"""Where a value comes from, for the security rules that pair a source with a sink (BL310-BL313).

``OriginValues`` is the ``value_origin.ValueTracker`` that evaluates an expression to a ``Val``
whose ``flows`` name every origin reaching it: request input (``origin_request``), an upload,
external data (cache, queue, network), exception or traceback text (``origin_exception``), a
secret (``origin_secret``) or a parameter of the enclosing function. A value with no flows is a
constant (literals, module constants, ``UPPER_CASE`` names, settings), a number, a sanitised
value (quoted, masked, hashed, a length) or unknown; ``classify`` names the class. Text built
by an f-string, ``%``, ``.format()``, ``+`` or ``str.join()`` from a piece that is not safe
carries ``taint`` = (how, piece, origin), as in the SQL tracker.

One helper level: a function defined earlier in the file is summarised (what it returns, and
which of its parameters reach its result), so ``run(build(request.GET["q"]))`` is followed.
The application's own data (session, pickles it made, decrypted data, its futures' results,
settings) and calls of other project modules' functions are ``origin_own``'s; how text is
composed is ``origin_text``'s. It rides the shared walk (``rules/security/_origin_walk.py``);
no metadata providers.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from .._lazy import cst

from ..semantics import dotted_name, literal_value
from . import origin_exception as oe
from . import origin_input_errors as oie
from . import origin_own as own_mod
from . import origin_request as orq
from . import origin_secret as osec
from . import origin_sinks as sinks
from .origin_text import NUMBER, TextPieces, short_code
from .value_origin import SAFE, UNKNOWN, Origin, Val, ValueTracker, either, merge_flows, replace

SANITISED = Val(safe=True, note="sanitised")
SHIPPED = Val(safe=True, note="shipped")
SIGNED = own_mod.SIGNED
_UPPER = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_NUMERIC_SPEC = re.compile(r"[\d.,_]*[bdoxXeEfFgGn%]$")
_NUMERIC_CALLS = frozenset({"int", "float", "len", "bool", "abs", "round", "ord", "hash", "id", "sum", "min", "max"})
_SAFE_ANNOTATIONS = frozenset({"int", "float", "bool", "UUID", "uuid.UUID", "datetime", "date",
                               "Decimal", "datetime.datetime", "datetime.date", "PositiveInt"})
_QUOTING = frozenset({"shlex.quote", "shlex.join", "pipes.quote", "shellescape.quote",
                      "django.utils.html.escape", "html.escape", "markupsafe.escape"})
# Calls that hand back (a decoding of) their first argument.
_PASS_THROUGH = frozenset({
    "json.loads", "base64.b64decode", "base64.urlsafe_b64decode", "base64.decodebytes",
    "bytes", "bytearray", "str", "repr", "format", "urllib.parse.unquote", "urllib.parse.unquote_plus",
    "io.BytesIO", "io.StringIO", "codecs.decode", "zlib.decompress", "gzip.decompress",
    "bz2.decompress", "lzma.decompress", "binascii.unhexlify", "bytes.fromhex", "open",
    "builtins.open", "io.open", "pathlib.Path", "os.path.join", "os.path.abspath",
    "os.path.dirname", "os.path.realpath", "os.fspath", "dict", "list", "tuple", "sorted",
})
_PASS_METHODS = frozenset({
    "get", "getlist", "pop", "copy", "decode", "encode", "read", "readlines", "strip", "lstrip",
    "rstrip", "lower", "upper", "split", "splitlines", "items", "values", "keys", "getvalue",
    "json", "text", "content", "read_bytes", "read_text", "open", "format_map", "setdefault",
    "chunks", "title", "capitalize", "casefold",
})
_FLOW_KINDS_OF_TEXT = ("secret", "exception", "traceback", "request", "upload", "external")


def classify(value: Val) -> str:
    """The origin class of a value: secret, exception, traceback, request, upload, external,
    parameter, constant, number, sanitised, shipped, signed or unknown (the first flow found
    wins)."""
    for kind in _FLOW_KINDS_OF_TEXT + ("parameter",):
        if any(f.kind == kind for f in value.flows):
            return kind
    if value.safe:
        return value.note or "constant"
    return "unknown"


def first_flow(value: Val, *kinds: str) -> Optional[Origin]:
    for flow in value.flows:
        if flow.kind in kinds:
            return flow
    return None


class OriginValues(TextPieces, ValueTracker):
    """Evaluates expressions to ``Val`` with ``flows`` (see the module docstring)."""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        # function name -> (what it returns, {parameter position or name: True})
        self.summaries: Dict[str, Tuple[Val, Dict[object, str]]] = {}
        # module-level functions and methods (`f`, `Class.m`) whose result is known to be safe
        # when their arguments are: the facts other modules' calls are resolved with
        self.exports: Dict[str, dict] = {}
        self.local_classes = frozenset()
        self.local_defs = frozenset()
        self.local_models = frozenset()
        self._codes: Dict[int, Tuple[cst.CSTNode, str]] = {}  # short_code's answers

    # -- hooks -----------------------------------------------------------------------------------
    def safe_annotation(self, ann: cst.BaseExpression) -> bool:
        name = dotted_name(ann) or ""
        return name in _SAFE_ANNOTATIONS or name in self.enums or (
            type(ann) is cst.Subscript and (dotted_name(ann.value) or "").endswith("Literal"))

    def param_value(self, param: cst.Param, function: cst.FunctionDef, position: int = -1) -> Val:
        value = super().param_value(param, function, position)
        origin = value.origin
        if origin is None:
            return replace(value, note="number") if value.safe else value
        ann = param.annotation.annotation if param.annotation is not None else None
        if ann is not None and own_mod.future_annotation(ann, self.ctx):
            value = replace(value, obj=own_mod.FUTURE)
        flows: List[Origin] = []
        name = param.name.value
        if name not in orq.REQUEST_NAMES and (origin.handler or orq.route_parameter(param, function, self.ctx)):
            flows.append(Origin("request", name, param, function.name.value, handler=True))
        if osec.secret_name(name):
            flows.append(Origin("secret", name, param, function.name.value))
        flows.append(origin)
        return replace(value, flows=tuple(flows), note=own_mod.FLOWS)

    def on_module(self, node: cst.Module) -> None:
        self.local_classes = frozenset(
            s.name.value for s in node.body if type(s) is cst.ClassDef)
        self.local_defs = own_mod.local_definitions(node)
        self.local_models = oie.pydantic_models(node, self.ctx)
        super().on_module(node)

    # -- bindings the base tracker does not know ------------------------------------------------
    def on_except_handler(self, node: cst.ExceptHandler) -> None:
        if node.name is None or not type(node.name.name) is cst.Name:
            return
        name = node.name.name.value
        try_node = self.ctx.parent()
        packages = oe.unsafe_packages(node, try_node, self.ctx, self.local_classes)
        if packages is not None and oie.about_input_only(node, try_node, self.ctx, self.ev, self.local_models):
            packages = None  # the body can only fail about the client's own input, or a constant
        if packages is None:  # text written for the client
            self.bind(name, Val(safe=True, note="sanitised", obj="#exception"))
            return
        origin = Origin("exception", name, node.name.name, packages=packages)
        note = oe.STATUS_NOTE if oe.status_error_clause(node, self.ctx) else ""
        self.bind(name, Val(obj="#exception", flows=(origin,), note=note))

    def bind_target(self, target: cst.BaseExpression, value: Val, node: Optional[cst.BaseExpression]) -> None:
        if type(target) in (cst.Tuple, cst.List) and value.flows and not (
                type(node) in (cst.Tuple, cst.List) and len(node.elements) == len(target.elements)):
            # `ok, error = helper()`: which element carried a secret is not known; keep the rest
            value = replace(value, flows=_not_secret(value.flows))
        super().bind_target(target, value, node)

    def leave_if(self, node: cst.If) -> None:
        super().leave_if(node)
        if own_mod.rejects_bad_signature(node, self.ctx):
            scope = self.function_scope()
            if scope is not None:
                scope.verified = True

    def signature_checked(self) -> bool:
        """The enclosing function has rejected data with a bad HMAC before this point."""
        scope = self.function_scope()
        return scope is not None and scope.verified

    def on_with_item(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            value = self.ev(node.item)
            self.bind_target(node.asname.name, replace(value, obj=value.obj or self.qual(node.item)), None)

    def leave_function(self, node: cst.FunctionDef) -> None:
        scope = self.scope
        self.leave_scope()
        if scope.kind != "function" or not scope.returns:
            return
        result = scope.returns[0]
        for value in scope.returns[1:]:
            result = either(result, value)
        params: Dict[object, str] = {}
        own = []
        for flow in result.flows:
            if flow.kind == "parameter" and flow.function == node.name.value:
                params[flow.position if flow.position >= 0 else flow.name] = flow.name
                if flow.method:
                    params["#method"] = "self"
            else:
                own.append(flow)
        summary = replace(result, flows=tuple(own), origin=None, obj=None, returns=None)
        if params and result.taint is not None and result.taint[2] is not None \
                and result.taint[2].kind == "parameter":
            summary = replace(summary, taint=None, safe=True)  # safe when its arguments are
        elif params and not own and own_mod.pure(result):
            summary = replace(summary, safe=True, taint=None, note="")  # hands back (part of) its arguments
        elif own and own_mod.pure(result) and all(f.kind == "call" for f in own):
            summary = replace(summary, taint=None, note=own_mod.FLOWS)  # and what other modules' functions return
        key = ("self." if self.scope.kind == "class" else "") + node.name.value
        self.summaries[key] = (summary, params)
        outer = self.scope
        if outer.kind == "module" or (outer.kind == "class" and outer.parent is not None
                                      and outer.parent.kind == "module"):
            entry = own_mod.export(summary, params)
            if entry is not None:
                self.exports[(outer.name + "." if outer.kind == "class" else "") + node.name.value] = entry

    # -- expressions -----------------------------------------------------------------------------
    def ev(self, node: cst.BaseExpression, depth: int = 0) -> Val:
        if depth > 40:
            return UNKNOWN
        d = depth + 1
        t = type(node)
        # the commonest kinds of expression first
        if t is cst.Name:
            return self._name(node)
        if t is cst.Call:
            return self._call(node, d)
        if t is cst.Attribute:
            return self._attribute(node, d)
        if t is cst.SimpleString:
            value = literal_value(node)
            return Val(safe=True, text=value.decode("latin-1") if isinstance(value, bytes) else value)
        if t in (cst.Integer, cst.Float, cst.Imaginary):
            return NUMBER
        if t is cst.ConcatenatedString:
            return self.compose("an f-string", [(self.ev(node.left, d), node.left), (self.ev(node.right, d), node.right)])
        if t is cst.FormattedString:
            items = []
            for part in node.parts:
                if type(part) is cst.FormattedStringText:
                    continue
                spec = part.format_spec or ()
                if spec and all(type(p) is cst.FormattedStringText for p in spec) and \
                        _NUMERIC_SPEC.search("".join(p.value for p in spec)):
                    continue
                items.append((self.ev(part.expression, d), part.expression))
            return self.compose("an f-string", items, text="")
        if t is cst.Subscript:
            return self._subscript(node, d)
        if t is cst.Await:
            kind = orq.request_read(node, self.ctx)
            if kind:
                return self._flow(kind, node)
            return self.ev(node.expression, d)
        if t is cst.BinaryOperation:
            return self._binary(node, d)
        if t is cst.UnaryOperation:
            return NUMBER if not type(node.operator) is cst.Not else SAFE
        if t is cst.BooleanOperation:
            return either(self.ev(node.left, d), self.ev(node.right, d))
        if t is cst.Comparison:
            return NUMBER
        if t is cst.IfExp:
            return either(self.ev(node.body, d), self.ev(node.orelse, d))
        if t in (cst.List, cst.Tuple, cst.Set):
            return self._collection([(e.value, None) for e in node.elements], d)
        if t is cst.Dict:
            items = []
            for item in node.elements:
                if type(item) is cst.DictElement:
                    key = literal_value(item.key) if type(item.key) is cst.SimpleString else None
                    items.append((item.value, key if isinstance(key, str) else None))
                else:
                    items.append((item.value, None))
            return self._collection(items, d)
        if t in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            saved = dict(self.overrides)
            try:
                comp = node.for_in
                while comp is not None:
                    self.bind_loop_target(comp.target, comp.iter, override=True)
                    comp = comp.inner_for_in
                value = self.ev(node.value if t is cst.DictComp else node.elt, d)
            finally:
                self.overrides = saved
            return replace(value, container=True)
        if t in (cst.NamedExpr, cst.StarredElement):
            return self.ev(node.value, d)
        return UNKNOWN

    def code(self, node: cst.CSTNode) -> str:
        return short_code(self.ctx.module, node, known=self._codes)

    def _flow(self, kind: str, node: cst.CSTNode, extra: Sequence[Origin] = ()) -> Val:
        return Val(flows=merge_flows((Origin(kind, self.code(node), node),), tuple(extra)))

    def _collection(self, items, d: int) -> Val:
        flows: Tuple[Origin, ...] = ()
        safe = True
        for node, key in items:
            value = self.ev(node, d)
            if key is not None and not value.safe and osec.secret_name(key):
                value = replace(value, flows=merge_flows((Origin("secret", key, node),), value.flows))
            flows = merge_flows(flows, value.flows)
            safe = safe and value.safe
        return Val(safe=safe, allow=safe, flows=flows, container=True)

    def _name(self, node: cst.Name) -> Val:
        name = node.value
        if name in ("True", "False", "None"):
            return SAFE
        if name == "__file__":
            return SHIPPED
        if name == "session" and (self.ctx.qualified_name(node) or "") in orq.SIGNED_SESSIONS:
            return SIGNED
        found = self.lookup(name)
        if found is None and _UPPER.match(name):
            found = SAFE
        value = found if found is not None else UNKNOWN
        if not value.safe and value.obj != "#exception" and osec.secret_name(name) \
                and first_flow(value, "secret") is None:  # `except Exception as api_key_err`: an error
            value = replace(value, flows=merge_flows((Origin("secret", name, node),), value.flows))
        return value

    def _attribute(self, node: cst.Attribute, d: int) -> Val:
        attr = node.attr.value
        kind = orq.request_read(node, self.ctx)
        if kind:
            return self._flow(kind, node)
        if attr == "session" and type(node.value) is cst.Name and node.value.value in orq.REQUEST_NAMES:
            return SIGNED  # Django's `request.session`: stored and signed by the application
        if own_mod.setting_read(node, self.ctx):
            if osec.secret_name(attr) or attr in osec.SECRET_SETTINGS_DICTS:
                return self._flow("secret", node)
            return SAFE  # a setting: the deployment's own value
        base = node.value
        if type(base) is cst.Name and base.value in ("self", "cls"):
            found = self.self_attribute(attr)
            if found is not None and found.obj != "#exception":
                return found  # `self.cmd`, assigned in this class
            inner = found if found is not None else UNKNOWN
        else:
            inner = self.ev(base, d)
        if inner.obj == "#exception":
            if attr in oe.USER_FACING or (inner.note == oe.STATUS_NOTE and attr in oe.STATUS_ATTRIBUTES):
                return SANITISED
            if inner.safe:
                return SANITISED  # an application or validation error: its text is curated
            if inner.flows and attr in oe.TEXT_ATTRIBUTES:
                return Val(flows=inner.flows)
            return UNKNOWN
        if osec.secret_name(attr):
            return self._flow("secret", node)
        if _UPPER.match(attr):
            return SAFE
        if inner.flows and any(f.kind in ("request", "upload", "external") for f in inner.flows):
            return Val(flows=tuple(f for f in inner.flows if f.kind in ("request", "upload", "external")))
        if inner.safe and inner.note == "shipped":
            return SHIPPED
        return UNKNOWN

    def _subscript(self, node: cst.Subscript, d: int) -> Val:
        base = self.ev(node.value, d)
        key = None
        first = node.slice[0].slice if node.slice else None
        if type(first) is cst.Slice:
            if osec.short_end(first):
                return SANITISED  # `token[:6]`, `key[-4:]`: a prefix or suffix identifies it
            return replace(base, container=False)
        if type(first) is cst.Index and type(first.value) is cst.SimpleString:
            key = literal_value(first.value)
            key = key if isinstance(key, str) else None
        qual = self.ctx.qualified_name(node.value) or ""
        if key is not None and (osec.secret_name(key) or osec.secret_header(key)):
            return self._flow("secret", node, base.flows)
        if qual == "os.environ" or base.safe:
            return SIGNED if base.note == "signed" else SAFE  # an entry of the session is the session's
        if key is not None:
            base = replace(base, flows=_not_secret(base.flows))  # `credentials["username"]`
        if base.obj == "#exception":
            return Val(flows=base.flows)
        return Val(flows=self._extend(base.flows, node.value, node), taint=base.taint,
                   note=own_mod.FLOWS if base.note == own_mod.FLOWS else "") if base.flows else UNKNOWN

    def _extend(self, flows, base_node, node):
        """``request.GET`` read as ``request.GET["q"]``: the flow names the whole read."""
        return tuple(Origin(f.kind, self.code(node), node) if f.node is base_node else f for f in flows)

    def _call(self, node: cst.Call, d: int) -> Val:
        func = node.func
        qual = self.ctx.qualified_name(func) or ""
        args = list(node.args)
        first = args[0].value if args else None
        kind = orq.request_read(node, self.ctx)
        if kind:
            return self._flow(kind, node)
        if oe.is_traceback_call(qual):
            return self._flow("traceback", node)
        if qual in _QUOTING:
            return SANITISED
        written = qual or (dotted_name(func) or "")
        if written.startswith("builtins."):
            written = written[9:]
        last = written.rsplit(".", 1)[-1]
        if own_mod.pickled_here(written):
            return SIGNED  # bytes this code just pickled itself
        if sinks.response_arguments(node, qual) is not None:
            return own_mod.RESPONSE  # a response object built here: not data read from anywhere
        if type(func) is cst.Name:
            summary = self.summaries.get(func.value)
            if summary is not None:
                return self._apply(summary, args, d, method=False)
            if func.value in _NUMERIC_CALLS:
                return NUMBER
        if type(func) is cst.Attribute and type(func.value) is cst.Name and (
                func.value.value in ("self", "cls") or func.value.value in self.local_classes):
            summary = self.summaries.get("self." + func.attr.value)
            if summary is not None:
                return self._apply(summary, args, d, method=True)
        if osec.sanitiser(last):
            return SANITISED
        if orq.external_read(node, self.ctx) and not self._own_container(func):
            return self._flow("external", node)
        if qual in ("os.environ.get", "os.getenv"):
            key = literal_value(first) if type(first) is cst.SimpleString else None
            return self._flow("secret", node) if isinstance(key, str) and osec.secret_name(key) else SAFE
        if written in _PASS_THROUGH:
            if first is None:
                return SAFE
            inner = self.ev(first, d)
            if written in ("os.path.join", "pathlib.Path") and len(args) > 1:
                inner = self.compose("a path", [(self.ev(a.value, d), a.value) for a in args])
            return replace(inner, obj=None, container=False, returns=None, allow=False)
        called = own_mod.call_flow(node, qual) or own_mod.later_call(node, self)
        if called is not None:
            return called  # a function of another module, or defined further down: the project pass decides
        if type(func) is cst.Attribute:
            return self._method(node, func, args, d)
        return UNKNOWN

    def _own_container(self, func: cst.BaseExpression) -> bool:
        """``self._cache.get(k)`` where this class set ``self._cache = {}``: a dict of the
        process, holding what the code put in it, not a cache server."""
        base = func.value if type(func) is cst.Attribute else None
        if type(base) is cst.Attribute and type(base.value) is cst.Name and base.value.value == "self":
            found = self.self_attribute(base.attr.value)
        elif type(base) is cst.Name:
            found = self.lookup(base.value)
        else:
            return False
        return found is not None and found.container and found.safe

    def _apply(self, summary, args, d: int, method: bool) -> Val:
        result, params = summary
        offset = 1 if params.get("#method") and method else 0
        for key, pname in params.items():
            if key == "#method":
                continue
            arg = None
            if isinstance(key, int) and 0 <= key - offset < len(args) and args[key - offset].keyword is None:
                arg = args[key - offset].value
            for a in args:
                if a.keyword is not None and a.keyword.value == pname:
                    arg = a.value
            value = self.ev(arg, d) if arg is not None else UNKNOWN
            pure = value.note == own_mod.FLOWS and (result.safe or result.note == own_mod.FLOWS)
            result = replace(result, flows=merge_flows(result.flows, value.flows))
            if not value.safe:
                result = replace(result, safe=False, text=None, taint=result.taint or (
                    "a helper", arg if arg is not None else args[0].value if args else None,
                    next((f for f in value.flows if f.kind != "call"), None)), note=own_mod.FLOWS if pure else "")
        return result

    def _method(self, node: cst.Call, func: cst.Attribute, args, d: int) -> Val:
        method = func.attr.value
        base_node = func.value
        base = self.ev(base_node, d)
        if base.obj == "#exception" and method in oe.USER_FACING:
            return SANITISED
        if method == "format":
            items = [(base, base_node)] + [(UNKNOWN if a.star else self.ev(a.value, d), a.value) for a in args]
            return self.compose("`.format()`", items)
        if method == "join" and args and base.text is not None:
            return self.compose("`str.join()`", [(base, base_node), (self.ev(args[0].value, d), args[0].value)])
        if method == "replace" and len(args) >= 2:
            # the inserted value first: it is what the message should name
            return self.compose("`str.replace()`", [(self.ev(args[1].value, d), args[1].value), (base, base_node)])
        if method in ("hexdigest", "digest", "isoformat", "count", "index", "find", "startswith", "endswith"):
            return SANITISED
        if method in own_mod.AUTHENTICATING_METHODS:
            return SIGNED  # authenticated: the application wrote it
        if method == "result" and base.obj == own_mod.FUTURE:
            return own_mod.WORKER  # what the application's own worker returned
        if method in ("get", "getlist", "pop") and args:
            key = args[0].value
            text = literal_value(key) if type(key) is cst.SimpleString else None
            if isinstance(text, str) and (osec.secret_name(text) or osec.secret_header(text)):
                return self._flow("secret", node, base.flows)
            if base.safe and len(args) > 1:
                return either(SAFE, self.ev(args[1].value, d))
            if isinstance(text, str):
                base = replace(base, flows=_not_secret(base.flows))  # `credentials.get("username")`
        if method in _PASS_METHODS and (base.flows or base.safe):
            flows = self._extend(base.flows, base_node, node) if method in ("get", "getlist", "pop") else base.flows
            return Val(safe=base.safe, flows=flows,
                       note=base.note if base.safe or base.note == own_mod.FLOWS else "")
        return UNKNOWN

def _not_secret(flows):
    """An element picked by a key that names no secret is not the secret its container is."""
    return tuple(f for f in flows if f.kind != "secret")
