"""``try`` blocks whose exception text can only be about the client's own input, or a constant.

BL312 reports exception text reaching a response because it can carry the server's internals
(SQL, paths, hosts, other users' data). Some ``try`` bodies can raise nothing of the kind,
although the clause around them is broad; what their exception says is decided by the body
alone, so each recogniser reads only the body (one statement) and the caught classes:

- ``lookup_by_client_key``: ``value = table[key]`` with ``table`` a plain name and ``key`` the
  handler's parameter or request input. A mapping's lookup raises ``KeyError(key)``: its text
  is the key the caller asked for.
- ``attribute_by_client_name``: ``except AttributeError`` around one statement that looks up an
  attribute named by the client (``attrgetter(order_by)``, ``getattr(obj, field)``). Python's
  text is ``'Task' object has no attribute '<the client's name>'``.
- ``constant_refusal``: one call of a function whose name says it raises (``raise_*``) with
  constant arguments only (``raise_error_if_disabled(DISABLED_MSG)``): the text is the constant
  message it is given.
- ``model_from_payload``: one statement building a pydantic model defined in this file
  (``Form(**payload)``, ``Form.model_validate(payload)``): what it raises is the model's
  ``ValidationError``, whose text describes the payload against the model's fields.

- ``attribute_read_only``: one statement reading a dotted attribute and nothing else
  (``plist = self.plugins_list``, ``size = settings_service.settings.max_upload``): no call
  runs, so what it can raise is an ``AttributeError`` naming the attribute.
- ``path_spelling_only``: ``except OSError`` (or ``ValueError``) around one non-strict
  ``os.path.realpath``/``abspath``/``normpath`` of plain values: those swallow the file
  system's errors; what they raise is a ``ValueError`` about the path's characters. The path
  may be spelt ``str(<name>)`` (a ``pathlib`` path made a string).
- ``request_body_read``: one statement reading the request's own body (``await request.body()``,
  ``await request.json()``, ``request.get_json()``): what that raises is the client's
  disconnect, a stream already read, or the parser's words about the body the client sent.

Each needs a single ``except`` clause: with a narrower clause before it, a broad one is the
fallback for something else. One recogniser reads more:

- ``parse_of_client_text``: the body is one call of a parser of text (``json.loads``,
  ``ast.parse``, ``yaml.safe_load``, ``black.format_str``, ``uuid.UUID``, ``int``...) whose
  first argument is the handler's parameter or request input, optionally followed by a
  ``return`` of plain names and constants. A parser's error describes the text it was given,
  which is the client's; since nothing else in the body can fail, every clause of the ``try``
  is about that call, so several clauses are allowed (``except black.NothingChanged`` before
  ``except Exception``).
"""
from __future__ import annotations

from typing import Callable, FrozenSet, Optional

from .._lazy import cst
from . import origin_request as orq

_MODEL_BUILDERS = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw", "validate"})
# methods that run while a model is built, besides its validators
_CONSTRUCTION = frozenset({"__init__", "__new__", "model_post_init", "__post_init__"})


def _lone_statement(try_node) -> Optional[cst.BaseSmallStatement]:
    """The one small statement of the ``try`` body, when the ``try`` has one ``except`` clause."""
    body = getattr(getattr(try_node, "body", None), "body", None)
    if len(getattr(try_node, "handlers", ())) != 1 or not body or len(body) != 1 \
            or not type(body[0]) is cst.SimpleStatementLine or len(body[0].body) != 1:
        return None
    return body[0].body[0]


def _value(small: cst.BaseSmallStatement) -> Optional[cst.BaseExpression]:
    """What the statement computes: ``x = <v>``, ``<v>``, ``return <v>`` (``await`` taken off)."""
    if type(small) is cst.Assign and len(small.targets) == 1:
        value = small.value
    elif type(small) is cst.AnnAssign:
        value = small.value
    elif type(small) in (cst.Expr, cst.Return):
        value = small.value
    else:
        return None
    if type(value) is cst.Await:
        value = value.expression
    return value


def _from_caller(value) -> bool:
    """A handler's parameter, request input, or the enclosing function's parameter."""
    return any(f.kind in ("request", "parameter") for f in value.flows)


def lookup_by_client_key(try_node, ev: Callable) -> bool:
    small = _lone_statement(try_node)
    value = _value(small) if small is not None else None
    if not type(value) is cst.Subscript or not type(value.value) is cst.Name \
            or len(value.slice) != 1 or not type(value.slice[0].slice) is cst.Index:
        return False
    key = value.slice[0].slice.value
    return type(key) is cst.Name and _from_caller(ev(key))


def _last(node: cst.BaseExpression, ctx) -> str:
    qual = ctx.qualified_name(node) or ctx.code_for(node)
    return qual.rsplit(".", 1)[-1]


def attribute_by_client_name(handler: cst.ExceptHandler, try_node, ctx, ev: Callable) -> bool:
    kind = handler.type
    classes = [e.value for e in kind.elements] if type(kind) is cst.Tuple else [kind] if kind is not None else []
    if not classes or any(_last(c, ctx) != "AttributeError" for c in classes):
        return False
    small = _lone_statement(try_node)
    if small is None:
        return False
    found = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            name = _last(call.func, ctx) if type(call.func) in (cst.Name, cst.Attribute) else ""
            position = {"attrgetter": 0, "getattr": 1}.get(name)
            if position is not None and len(call.args) > position and call.args[position].keyword is None:
                found.append(call.args[position].value)

    small.visit(_Calls())
    return any(_from_caller(ev(arg)) for arg in found)


def constant_refusal(try_node, ev: Callable) -> bool:
    small = _lone_statement(try_node)
    if not type(small) is cst.Expr:
        return False
    call = _value(small)
    if not type(call) is cst.Call or not call.args:
        return False
    func = call.func
    name = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
    if not name.lstrip("_").startswith("raise_"):
        return False
    return all(arg.star == "" and ev(arg.value).safe for arg in call.args)


def pydantic_models(module: cst.Module, ctx) -> FrozenSet[str]:
    """Classes of this module that derive from pydantic's ``BaseModel`` (also through each
    other) and do not take over their construction (``__init__``, ``model_post_init``):
    building one from a payload raises its ``ValidationError`` (pydantic turns a validator's
    ``ValueError`` into one)."""
    classes = {s.name.value: s for s in module.body if type(s) is cst.ClassDef}
    models = set()
    changed = True
    while changed:
        changed = False
        for name, node in classes.items():
            if name in models or _constructs_itself(node):
                continue
            for base in node.bases:
                qual = ctx.qualified_name(base.value) or ""
                if (qual.startswith("pydantic.") and qual.endswith(".BaseModel")) or (
                        type(base.value) is cst.Name and base.value.value in models):
                    models.add(name)
                    changed = True
                    break
    return frozenset(models)


def _constructs_itself(node: cst.ClassDef) -> bool:
    return any(type(stmt) is cst.FunctionDef and stmt.name.value in _CONSTRUCTION
               for stmt in node.body.body)


def model_from_payload(try_node, models: FrozenSet[str]) -> bool:
    small = _lone_statement(try_node)
    call = _value(small) if small is not None else None
    if not type(call) is cst.Call or not models:
        return False
    func = call.func
    if type(func) is cst.Name:
        return func.value in models
    return type(func) is cst.Attribute and type(func.value) is cst.Name \
        and func.value.value in models and func.attr.value in _MODEL_BUILDERS


def _dotted_read(node) -> bool:
    while type(node) is cst.Attribute:
        node = node.value
    return type(node) is cst.Name


def attribute_read_only(try_node) -> bool:
    small = _lone_statement(try_node)
    if not type(small) in (cst.Assign, cst.AnnAssign) or small.value is None:
        return False
    return type(small.value) is cst.Attribute and _dotted_read(small.value)


_PATH_SPELLING = frozenset({"os.path.realpath", "os.path.abspath", "os.path.normpath"})
_PATH_ERRORS = frozenset({"OSError", "ValueError", "IOError", "EnvironmentError"})


def path_spelling_only(handler: cst.ExceptHandler, try_node, ctx) -> bool:
    kind = handler.type
    classes = [e.value for e in kind.elements] if type(kind) is cst.Tuple else [kind] if kind is not None else []
    if not classes or any(_last(c, ctx) not in _PATH_ERRORS for c in classes):
        return False
    small = _lone_statement(try_node)
    call = _value(small) if small is not None else None
    if not type(call) is cst.Call or (ctx.qualified_name(call.func) or "") not in _PATH_SPELLING:
        return False
    # `strict=True` makes realpath raise the file system's error (with the path)
    return bool(call.args) and all(arg.keyword is None and not arg.star and _plain_path(arg.value, ctx)
                                   for arg in call.args)


def _plain_path(node, ctx) -> bool:
    """A name, an attribute or a literal, or ``str()`` of a name or an attribute."""
    if type(node) in (cst.Name, cst.Attribute, cst.SimpleString):
        return True
    return type(node) is cst.Call and _builtin(node.func, ctx) == "str" and len(node.args) == 1 \
        and node.args[0].keyword is None and not node.args[0].star \
        and type(node.args[0].value) in (cst.Name, cst.Attribute)


def _builtin(func, ctx) -> str:
    """The builtin a plain name calls (``str``, ``int``), or "" (an attribute, a local rebinding)."""
    if not type(func) is cst.Name:
        return ""
    qual = ctx.qualified_name(func)
    if qual is None or qual == func.value or qual == "builtins." + func.value:
        return func.value
    return ""


def request_body_read(try_node, ctx) -> bool:
    small = _lone_statement(try_node)
    value = _value(small) if small is not None else None
    # only the methods: `request.FILES` and the like spool uploads to the server's disk
    return type(value) is cst.Call and orq.request_read(value, ctx) == "request"


# Parsers of text whose errors describe the text they were given.
_TEXT_PARSERS = frozenset({
    "json.loads", "ast.parse", "ast.literal_eval", "yaml.safe_load", "tomllib.loads", "tomli.loads",
    "black.format_str", "uuid.UUID", "ipaddress.ip_address", "ipaddress.ip_network",
    "ipaddress.ip_interface", "datetime.datetime.fromisoformat", "datetime.date.fromisoformat",
    "datetime.datetime.strptime", "decimal.Decimal", "base64.b64decode", "base64.urlsafe_b64decode",
    "re.compile", "dateutil.parser.parse", "dateutil.parser.isoparse",
})
_TEXT_BUILTINS = frozenset({"int", "float"})


def _inert(node) -> bool:
    """Names, constants, dotted reads and literals built of them: nothing runs."""
    if type(node) in (cst.Name, cst.SimpleString, cst.Integer, cst.Float):
        return True
    if type(node) is cst.Attribute:
        return _dotted_read(node)
    if type(node) in (cst.Tuple, cst.List):
        return all(not type(e) is cst.StarredElement and _inert(e.value) for e in node.elements)
    if type(node) is cst.Dict:
        return all(type(e) is cst.DictElement and _inert(e.key) and _inert(e.value) for e in node.elements)
    return False


def _small_statements(try_node):
    out = []
    for stmt in getattr(getattr(try_node, "body", None), "body", ()):
        if not type(stmt) is cst.SimpleStatementLine:
            return None
        out.extend(stmt.body)
    return out


def parse_of_client_text(try_node, ctx, ev: Callable) -> bool:
    if getattr(try_node, "orelse", None) is not None or getattr(try_node, "finalbody", None) is not None:
        return False
    smalls = _small_statements(try_node)
    if not smalls or len(smalls) > 2:
        return False
    if len(smalls) == 2 and not (type(smalls[1]) is cst.Return and smalls[1].value is not None
                                 and _inert(smalls[1].value)):
        return False
    first = smalls[0]
    if not type(first) in (cst.Assign, cst.AnnAssign, cst.Expr, cst.Return) or (
            type(first) is cst.Assign and not all(type(t.target) is cst.Name for t in first.targets)):
        return False
    call = _value(first)
    if not type(call) is cst.Call or not call.args or call.args[0].keyword is not None or call.args[0].star:
        return False
    parser = _builtin(call.func, ctx) or ctx.qualified_name(call.func) or ""
    if parser not in _TEXT_BUILTINS and parser not in _TEXT_PARSERS:
        return False
    # the other arguments run nothing either, or build the parser's own options (`black.Mode()`)
    package = parser.split(".", 1)[0] + "."
    if not all(_inert(a.value) or _options(a.value, package, ctx) for a in call.args[1:]):
        return False
    return _from_caller(ev(call.args[0].value))


def _options(node, package: str, ctx) -> bool:
    """An options object of the parser's own package built without arguments (``black.Mode()``)."""
    return type(node) is cst.Call and not node.args and (ctx.qualified_name(node.func) or "").startswith(package)


def about_input_only(handler: cst.ExceptHandler, try_node, ctx, ev: Callable, models: FrozenSet[str]) -> bool:
    """One of the recognisers above holds for this ``except`` clause of ``try_node``."""
    return lookup_by_client_key(try_node, ev) or attribute_by_client_name(handler, try_node, ctx, ev) \
        or constant_refusal(try_node, ev) or model_from_payload(try_node, models) \
        or attribute_read_only(try_node) or path_spelling_only(handler, try_node, ctx) \
        or request_body_read(try_node, ctx) or parse_of_client_text(try_node, ctx, ev)
