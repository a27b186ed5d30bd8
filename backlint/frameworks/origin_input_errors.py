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
  system's errors; what they raise is a ``ValueError`` about the path's characters.

Each needs a single ``except`` clause: with a narrower clause before it, a broad one is the
fallback for something else.
"""
from __future__ import annotations

from typing import Callable, FrozenSet, Optional

from .._lazy import cst

_MODEL_BUILDERS = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw", "validate"})
# methods that run while a model is built, besides its validators
_CONSTRUCTION = frozenset({"__init__", "__new__", "model_post_init", "__post_init__"})


def _lone_statement(try_node) -> Optional[cst.BaseSmallStatement]:
    """The one small statement of the ``try`` body, when the ``try`` has one ``except`` clause."""
    body = getattr(getattr(try_node, "body", None), "body", None)
    if len(getattr(try_node, "handlers", ())) != 1 or not body or len(body) != 1 \
            or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return None
    return body[0].body[0]


def _value(small: cst.BaseSmallStatement) -> Optional[cst.BaseExpression]:
    """What the statement computes: ``x = <v>``, ``<v>``, ``return <v>`` (``await`` taken off)."""
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        value = small.value
    elif isinstance(small, cst.AnnAssign):
        value = small.value
    elif isinstance(small, (cst.Expr, cst.Return)):
        value = small.value
    else:
        return None
    if isinstance(value, cst.Await):
        value = value.expression
    return value


def _from_caller(value) -> bool:
    """A handler's parameter, request input, or the enclosing function's parameter."""
    return any(f.kind in ("request", "parameter") for f in value.flows)


def lookup_by_client_key(try_node, ev: Callable) -> bool:
    small = _lone_statement(try_node)
    value = _value(small) if small is not None else None
    if not isinstance(value, cst.Subscript) or not isinstance(value.value, cst.Name) \
            or len(value.slice) != 1 or not isinstance(value.slice[0].slice, cst.Index):
        return False
    key = value.slice[0].slice.value
    return isinstance(key, cst.Name) and _from_caller(ev(key))


def _last(node: cst.BaseExpression, ctx) -> str:
    qual = ctx.qualified_name(node) or ctx.code_for(node)
    return qual.rsplit(".", 1)[-1]


def attribute_by_client_name(handler: cst.ExceptHandler, try_node, ctx, ev: Callable) -> bool:
    kind = handler.type
    classes = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind] if kind is not None else []
    if not classes or any(_last(c, ctx) != "AttributeError" for c in classes):
        return False
    small = _lone_statement(try_node)
    if small is None:
        return False
    found = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            name = _last(call.func, ctx) if isinstance(call.func, (cst.Name, cst.Attribute)) else ""
            position = {"attrgetter": 0, "getattr": 1}.get(name)
            if position is not None and len(call.args) > position and call.args[position].keyword is None:
                found.append(call.args[position].value)

    small.visit(_Calls())
    return any(_from_caller(ev(arg)) for arg in found)


def constant_refusal(try_node, ev: Callable) -> bool:
    small = _lone_statement(try_node)
    if not isinstance(small, cst.Expr):
        return False
    call = _value(small)
    if not isinstance(call, cst.Call) or not call.args:
        return False
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if not name.lstrip("_").startswith("raise_"):
        return False
    return all(arg.star == "" and ev(arg.value).safe for arg in call.args)


def pydantic_models(module: cst.Module, ctx) -> FrozenSet[str]:
    """Classes of this module that derive from pydantic's ``BaseModel`` (also through each
    other) and do not take over their construction (``__init__``, ``model_post_init``):
    building one from a payload raises its ``ValidationError`` (pydantic turns a validator's
    ``ValueError`` into one)."""
    classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
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
                        isinstance(base.value, cst.Name) and base.value.value in models):
                    models.add(name)
                    changed = True
                    break
    return frozenset(models)


def _constructs_itself(node: cst.ClassDef) -> bool:
    return any(isinstance(stmt, cst.FunctionDef) and stmt.name.value in _CONSTRUCTION
               for stmt in node.body.body)


def model_from_payload(try_node, models: FrozenSet[str]) -> bool:
    small = _lone_statement(try_node)
    call = _value(small) if small is not None else None
    if not isinstance(call, cst.Call) or not models:
        return False
    func = call.func
    if isinstance(func, cst.Name):
        return func.value in models
    return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
        and func.value.value in models and func.attr.value in _MODEL_BUILDERS


def _dotted_read(node) -> bool:
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def attribute_read_only(try_node) -> bool:
    small = _lone_statement(try_node)
    if not isinstance(small, (cst.Assign, cst.AnnAssign)) or small.value is None:
        return False
    return isinstance(small.value, cst.Attribute) and _dotted_read(small.value)


_PATH_SPELLING = frozenset({"os.path.realpath", "os.path.abspath", "os.path.normpath"})
_PATH_ERRORS = frozenset({"OSError", "ValueError", "IOError", "EnvironmentError"})


def path_spelling_only(handler: cst.ExceptHandler, try_node, ctx) -> bool:
    kind = handler.type
    classes = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind] if kind is not None else []
    if not classes or any(_last(c, ctx) not in _PATH_ERRORS for c in classes):
        return False
    small = _lone_statement(try_node)
    call = _value(small) if small is not None else None
    if not isinstance(call, cst.Call) or (ctx.qualified_name(call.func) or "") not in _PATH_SPELLING:
        return False
    # `strict=True` makes realpath raise the file system's error (with the path)
    return all(arg.keyword is None and not arg.star and isinstance(arg.value, (cst.Name, cst.Attribute, cst.SimpleString))
               for arg in call.args)


def about_input_only(handler: cst.ExceptHandler, try_node, ctx, ev: Callable, models: FrozenSet[str]) -> bool:
    """One of the recognisers above holds for this ``except`` clause of ``try_node``."""
    return lookup_by_client_key(try_node, ev) or attribute_by_client_name(handler, try_node, ctx, ev) \
        or constant_refusal(try_node, ev) or model_from_payload(try_node, models) \
        or attribute_read_only(try_node) or path_spelling_only(handler, try_node, ctx)
