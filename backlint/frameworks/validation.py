"""Raw request input and the signs that it was validated (for BL110).

Raw input is what a handler reads straight off the request without a schema: DRF
`request.data`, Flask `request.json`/`request.form`/`request.values`/`request.get_json()`,
Django `request.POST`, Starlette/FastAPI `await request.json()`/`await request.form()`, and a
FastAPI/Litestar body parameter typed `dict`, `Dict[str, Any]`, `Mapping` or `Any`. Validation is
a serializer, form or schema built in the handler (`*Serializer(...)`, `*Form(...)`, `*Schema(...)`),
`is_valid()`, `model_validate(...)`, `parse_obj(...)`, `validate(...)` or any `*validat*` call, marshmallow `load(...)`, a hand-written check
that raises `ValidationError`/`ParseError`/`BadRequest`,
webargs `use_args`/`parser.parse`, or the input unpacked into a class (`Item(**payload)`: a pydantic
model or dataclass checks it there).
"""
from __future__ import annotations

from typing import Optional, Set

from .._lazy import cst

RAW_ATTRS = frozenset({"data", "json", "form", "values", "POST", "DATA"})
RAW_CALLS = frozenset({"get_json"})
RAW_AWAITED = frozenset({"json", "form"})
REQUEST_NAMES = frozenset({"request", "req"})
RAW_TYPES = frozenset({"dict", "Dict", "Any", "Mapping", "MutableMapping", "JSON", "Json"})
VALIDATING_CALLS = frozenset({"is_valid", "model_validate", "model_validate_json", "parse_obj", "parse_raw",
                              "validate", "validate_json", "validate_python", "load", "loads_schema", "use_args",
                              "use_kwargs", "parse", "validate_on_submit", "full_clean", "clean"})
VALIDATING_SUFFIXES = ("Serializer", "Form", "Schema", "Validator", "Model", "Input", "Payload", "Request",
                       "Body", "Params", "In", "Create", "Update", "TypeAdapter")
# raised by hand-written checks of the input (`raise ValidationError("bad type")`)
VALIDATION_ERRORS = frozenset({"ValidationError", "ParseError", "BadRequest", "SuspiciousOperation",
                               "RequestValidationError", "UnprocessableEntity"})
READ_METHODS = frozenset({"get", "pop", "getlist"})


def request_aliases(module: cst.Module) -> Set[str]:
    """Names the module binds to a framework's request object (`from flask import request as rq`)."""
    out: Set[str] = set()
    for stmt in module.body:
        if type(stmt) is cst.SimpleStatementLine:
            for small in stmt.body:
                if type(small) is cst.ImportFrom and type(small.names) is not cst.ImportStar:
                    for alias in small.names:
                        if type(alias.name) is cst.Name and alias.name.value == "request" \
                                and alias.asname is not None and type(alias.asname.name) is cst.Name:
                            out.add(alias.asname.name.value)
    return out


def _request(node, aliases) -> bool:
    if type(node) is cst.Name:
        return node.value in REQUEST_NAMES or node.value in aliases
    return type(node) is cst.Attribute and node.attr.value in REQUEST_NAMES and type(node.value) is cst.Name


def is_raw(node, raw_names: Set[str], aliases=frozenset()) -> bool:
    """Is ``node`` the raw request body (or a name bound to it)?"""
    if type(node) is cst.Name:
        return node.value in raw_names
    if type(node) is cst.Attribute:
        return node.attr.value in RAW_ATTRS and _request(node.value, aliases)
    if type(node) is cst.Call and type(node.func) is cst.Attribute:
        return node.func.attr.value in RAW_CALLS and _request(node.func.value, aliases)
    if type(node) is cst.Await and type(node.expression) is cst.Call \
            and type(node.expression.func) is cst.Attribute:
        func = node.expression.func
        return func.attr.value in RAW_AWAITED and _request(func.value, aliases)
    return False


def raw_key(node, raw_names: Set[str], aliases=frozenset()) -> Optional[str]:
    """The key of a raw read: `request.data["name"]`, `payload.get("name")` -> ``name``."""
    if type(node) is cst.Subscript and len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
        key = node.slice[0].slice.value
        if type(key) is cst.SimpleString and is_raw(node.value, raw_names, aliases):
            value = key.evaluated_value
            return value if isinstance(value, str) else None
    if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value in READ_METHODS \
            and node.args and type(node.args[0].value) is cst.SimpleString \
            and is_raw(node.func.value, raw_names, aliases):
        value = node.args[0].value.evaluated_value
        return value if isinstance(value, str) else None
    return None


def raw_annotation(annotation: Optional[cst.Annotation]) -> bool:
    """A body parameter typed as a free-form mapping: `dict`, `Dict[str, Any]`, `Any`, ..."""
    if annotation is None:
        return False
    node = annotation.annotation
    if type(node) is cst.Subscript:
        node = node.value
    name = node.attr.value if type(node) is cst.Attribute else node.value if type(node) is cst.Name else ""
    return name in RAW_TYPES


def validating_call(call: cst.Call, raw_names: Set[str], aliases=frozenset()) -> bool:
    func = call.func
    name = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
    if name in VALIDATING_CALLS or "validat" in name.lower() or name in VALIDATION_ERRORS:
        return True  # a schema, a validator, or a hand-written check that raises a 400
    if name.endswith(VALIDATING_SUFFIXES) and name[:1].isupper():
        return True
    # `Item(**payload)`: a pydantic model or dataclass checks the input there
    return name[:1].isupper() and any(a.star == "**" and is_raw(a.value, raw_names, aliases) for a in call.args)
