"""What a handler answers: JSON response builders, the status they send, and error bodies.

Knowledge for the status-code rules (BL108, BL109) and ``backlint routes``:

* :data:`BUILDERS`: the JSON response constructors of each framework and where each takes its
  status (`JsonResponse(..., status=)`, DRF `Response(data, status)`, Starlette/FastAPI
  `JSONResponse(content, status_code)`, aiohttp `web.json_response(..., status=)`, Sanic
  `json(body, status)`; Flask's `jsonify` takes none: the status is the second item of the
  returned tuple);
* :func:`status_arg`: the status argument of such a call (absent means the framework default, 200);
* :func:`error_body`: whether a literal body says "this failed" (`{"error": "..."}`,
  `{"success": False}`, `{"status": "error"}`, DRF's `{"detail": "Not found."}`). A list of
  per-row `errors` is a partial success and never counts; neither does an `error` key that is
  `None`/`False`/empty, nor one beside `data`/`result` keys (an envelope that carries either).
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

from .._lazy import cst

# qualified name -> (status keyword, status position or None)
BUILDERS: Dict[str, Tuple[str, Optional[int]]] = {
    "django.http.JsonResponse": ("status", None),
    "django.http.response.JsonResponse": ("status", None),
    "rest_framework.response.Response": ("status", 1),
    "starlette.responses.JSONResponse": ("status_code", 1),
    "fastapi.responses.JSONResponse": ("status_code", 1),
    "fastapi.responses.ORJSONResponse": ("status_code", 1),
    "fastapi.responses.UJSONResponse": ("status_code", 1),
    "fastapi.JSONResponse": ("status_code", 1),
    "litestar.Response": ("status_code", 1),
    "litestar.response.Response": ("status_code", 1),
    "aiohttp.web.json_response": ("status", None),
    "sanic.response.json": ("status", 1),
    "sanic.json": ("status", 1),
    "flask.jsonify": ("", None),
    "quart.jsonify": ("", None),
}
BUILDER_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in BUILDERS)

ERROR_KEYS = frozenset({"error", "err", "error_message", "errormessage", "error_msg", "errmsg", "error_code",
                        "errorcode", "error_description"})
FLAG_KEYS = frozenset({"success", "ok", "succeeded"})
STATUS_KEYS = frozenset({"status", "result", "state"})
STATUS_WORDS = frozenset({"error", "fail", "failed", "failure", "err", "ko"})
ENVELOPE_KEYS = frozenset({"data", "result", "results", "items", "payload", "value"})
_DETAIL_WORDS = ("not found", "does not exist", "invalid", "error", "failed", "denied", "forbidden",
                 "not allowed", "unauthorized", "not authorized", "not permitted", "missing", "is required",
                 "bad request")


def _key(node) -> Optional[str]:
    if type(node) is cst.SimpleString:
        value = node.evaluated_value
        return value.lower() if isinstance(value, str) else None
    return None


def _literal_str(node) -> Optional[str]:
    if type(node) is cst.SimpleString:
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if type(node) is cst.Call and type(node.func) is cst.Name and node.func.value in ("_", "gettext",
                                                                                               "gettext_lazy") \
            and node.args and type(node.args[0].value) is cst.SimpleString:
        return _literal_str(node.args[0].value)
    return None


def _empty(node) -> bool:
    if type(node) is cst.Name and node.value in ("None", "False"):
        return True
    if type(node) is cst.SimpleString and node.evaluated_value in ("", b""):
        return True
    if type(node) in (cst.List, cst.Dict, cst.Tuple) and not node.elements:
        return True
    return type(node) is cst.Integer and node.value == "0"


def _pairs(body) -> Optional[Dict[str, cst.BaseExpression]]:
    """Literal string keys of a dict display or `dict(a=...)`; None when the body is neither."""
    out: Dict[str, cst.BaseExpression] = {}
    if type(body) is cst.Dict:
        for element in body.elements:
            if type(element) is cst.DictElement:
                key = _key(element.key)
                if key is not None:
                    out[key] = element.value
        return out
    if type(body) is cst.Call and type(body.func) is cst.Name and body.func.value == "dict":
        for arg in body.args:
            if arg.keyword is not None:
                out[arg.keyword.value.lower()] = arg.value
        return out
    return None


def error_body(body, kwargs=None) -> Optional[str]:
    """How a literal JSON body says it failed (``"`error` key"``), or None. ``kwargs``: the keyword
    arguments of `jsonify(error=...)`, read as the body's keys."""
    pairs = _pairs(body) if body is not None else None
    if kwargs:
        pairs = dict(pairs or {})
        pairs.update({k.lower(): v for k, v in kwargs.items()})
    if not pairs:
        return None
    if set(pairs) & ENVELOPE_KEYS - STATUS_KEYS:
        return None  # `{"error": ..., "data": ...}`: an envelope that carries one or the other
    for key, value in pairs.items():
        if key in ERROR_KEYS and not _empty(value):
            return f"an `{key}` key"
        if key in FLAG_KEYS and type(value) is cst.Name and value.value == "False":
            return f"`{key}: False`"
        if key in STATUS_KEYS:
            text = _literal_str(value)
            if text is not None and text.lower() in STATUS_WORDS:
                return f"`{key}: {text!r}`"
    detail = pairs.get("detail")
    if detail is not None and len(pairs) == 1:
        text = _literal_str(detail)
        if text is not None and any(w in text.lower() for w in _DETAIL_WORDS):
            return f"the error detail {text!r}"
    return None


def status_arg(call: cst.Call, spec: Tuple[str, Optional[int]]) -> Tuple[bool, Optional[cst.BaseExpression]]:
    """(given?, the status expression) for a builder call described by ``spec``."""
    keyword, position = spec
    if not keyword:
        return False, None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return True, arg.value
        if arg.star:
            return True, None  # `**kwargs` may carry it
    if position is not None:
        positional = [a for a in call.args if a.keyword is None]
        if len(positional) > position:
            return True, positional[position].value
    return False, None


def literal_status(node: Optional[cst.BaseExpression], qualify=None) -> Optional[int]:
    """200 for `200`, `status.HTTP_200_OK`, `HTTPStatus.OK`; None when it is not a known literal."""
    if node is None:
        return None
    if type(node) is cst.Integer:
        try:
            return int(node.value)
        except ValueError:
            return None
    if type(node) is cst.Attribute:
        name = node.attr.value
        if name.startswith("HTTP_") and name[5:8].isdigit():
            return int(name[5:8])
        try:
            from http import HTTPStatus

            return int(HTTPStatus[name])
        except KeyError:
            return None
    return None


def body_of(call: cst.Call, qual: str) -> Tuple[Optional[cst.BaseExpression], Dict[str, cst.BaseExpression]]:
    """The body argument of a builder call and, for `jsonify(key=...)`, its keyword arguments."""
    if qual.endswith("jsonify"):
        positional = [a for a in call.args if a.keyword is None and not a.star]
        kwargs = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        return (positional[0].value if len(positional) == 1 else None), kwargs
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("data", "content", "body", "obj"):
            return arg.value, {}
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return (positional[0].value if positional else None), {}
