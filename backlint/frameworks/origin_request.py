"""Which expressions read what the client sent, per framework (value-origin model).

Django/DRF (``request.GET/POST/data/body/headers/COOKIES/META/FILES/query_params``), Flask and
Quart (the imported ``request`` proxy: ``args/form/values/json/data/files/headers/cookies``,
``get_json()``), aiohttp (``request.query/match_info/post()/json()/text()/read()``), Starlette
and FastAPI (``await request.json()/form()/body()``, ``request.query_params/path_params``) and
the parameters of FastAPI/Litestar route functions (a path, query or body parameter: anything
that is not the request object, a dependency or a framework-injected object). Also data read
from outside the process: a cache or redis, a queue message, an uploaded file, a network
response (``external``).
"""
from __future__ import annotations

from typing import FrozenSet, Optional

from .._lazy import cst

from ..semantics import dotted_name

REQUEST_NAMES: FrozenSet[str] = frozenset({"request", "req"})
# Attributes of a request object that carry client input.
INPUT_ATTRIBUTES: FrozenSet[str] = frozenset({
    "GET", "POST", "FILES", "COOKIES", "META", "body", "data", "query_params", "path_params",
    "args", "form", "values", "json", "files", "headers", "cookies", "query", "match_info",
    "content", "stream", "raw_post_data", "query_string", "path_info",
})
# Methods of a request object that return client input (``await request.json()``).
INPUT_METHODS: FrozenSet[str] = frozenset({
    "json", "form", "body", "text", "read", "post", "get_json", "get_data", "stream",
})
# Decorator attribute names that make a function a FastAPI/Litestar/Flask route.
ROUTE_METHODS: FrozenSet[str] = frozenset({
    "get", "post", "put", "patch", "delete", "route", "api_route", "websocket", "head", "options",
})
ROUTE_DECORATOR_QUALS: FrozenSet[str] = frozenset({
    "litestar.get", "litestar.post", "litestar.put", "litestar.patch", "litestar.delete",
    "litestar.route", "litestar.handlers.get", "litestar.handlers.post",
})
# Annotations (last part) of parameters that are injected objects, not client input.
INJECTED_ANNOTATIONS: FrozenSet[str] = frozenset({
    "Request", "WebSocket", "Response", "BackgroundTasks", "Session", "AsyncSession",
    "HTTPConnection", "SecurityScopes", "State", "Connection", "User", "int", "float", "bool",
    "UUID", "date", "datetime", "Decimal",
})
# Defaults that make a parameter a dependency (FastAPI ``Depends``, Litestar ``Provide``).
DEPENDENCY_DEFAULTS: FrozenSet[str] = frozenset({"Depends", "Security", "Provide", "Dependency"})
# Calls and methods whose result is data from outside the process.
EXTERNAL_QUALS: FrozenSet[str] = frozenset({
    "django.core.cache.cache.get", "django.core.cache.cache.get_many", "urllib.request.urlopen",
    "requests.get", "requests.post", "requests.request", "httpx.get", "httpx.post",
})
EXTERNAL_RECEIVER_WORDS: FrozenSet[str] = frozenset({
    "cache", "redis", "redis_client", "rds", "r", "memcache", "memcached", "queue", "consumer",
    "kafka", "broker", "channel", "conn", "client", "socket", "sock", "response", "resp", "res",
})
EXTERNAL_METHODS: FrozenSet[str] = frozenset({
    "get", "hget", "lpop", "rpop", "blpop", "brpop", "get_many", "mget", "recv", "receive",
    "get_message", "read", "getvalue", "content", "poll", "consume",
})
UPLOAD_ATTRIBUTES: FrozenSet[str] = frozenset({"FILES", "files"})
# Server-side or signed session stores: what is in them the application put there.
SIGNED_SESSIONS: FrozenSet[str] = frozenset({"flask.session", "quart.session", "flask.globals.session"})


def _base_is_request(node: cst.BaseExpression, ctx) -> bool:
    if type(node) is cst.Name:
        if node.value in REQUEST_NAMES:
            return True
        qual = ctx.qualified_name(node) or ""
        return qual in ("flask.request", "quart.request", "flask.globals.request")
    if type(node) is cst.Attribute:
        # `self.request` (class-based views), `info.context.request`
        return node.attr.value in REQUEST_NAMES
    return False


def request_read(node: cst.BaseExpression, ctx) -> Optional[str]:
    """``"request"`` if ``node`` reads client input directly, ``"upload"`` for an uploaded file
    (``request.FILES[...]``), None otherwise."""
    if type(node) is cst.Attribute:
        if node.attr.value in INPUT_ATTRIBUTES and _base_is_request(node.value, ctx):
            return "upload" if node.attr.value in UPLOAD_ATTRIBUTES else "request"
        return None
    if type(node) is cst.Call and type(node.func) is cst.Attribute:
        func = node.func
        if func.attr.value in INPUT_METHODS and _base_is_request(func.value, ctx):
            return "request"
    if type(node) is cst.Await:
        return request_read(node.expression, ctx)
    return None


def external_read(node: cst.Call, ctx) -> bool:
    """A read from a cache, redis, a queue, a socket or a network response."""
    qual = ctx.qualified_name(node.func) or ""
    if qual in EXTERNAL_QUALS or qual.startswith(("redis.", "kombu.", "pika.")):
        return True
    func = node.func
    if type(func) is cst.Attribute and func.attr.value in EXTERNAL_METHODS:
        base = func.value
        name = base.attr.value if type(base) is cst.Attribute else (
            base.value if type(base) is cst.Name else "")
        lowered = name.lower()
        return lowered in EXTERNAL_RECEIVER_WORDS or lowered.endswith(("cache", "redis", "queue"))
    return False


def is_route_function(function: cst.FunctionDef, ctx) -> bool:
    """Decorated as a FastAPI/Litestar/Flask route (``@app.get(...)``, ``@router.post``)."""
    for deco in function.decorators:
        target = deco.decorator.func if type(deco.decorator) is cst.Call else deco.decorator
        qual = ctx.qualified_name(target) or ""
        if qual in ROUTE_DECORATOR_QUALS:
            return True
        if type(target) is cst.Attribute and target.attr.value in ROUTE_METHODS:
            return True
    return False


def route_parameter(param: cst.Param, function: cst.FunctionDef, ctx) -> bool:
    """A parameter of a route function that the client fills (path, query, body, header)."""
    name = param.name.value
    if name in ("self", "cls") or name in REQUEST_NAMES:
        return False
    if param.default is not None and type(param.default) is cst.Call:
        called = (dotted_name(param.default.func) or "").split(".")[-1]
        if called in DEPENDENCY_DEFAULTS:
            return False
    if param.annotation is not None:
        ann = param.annotation.annotation
        if type(ann) is cst.Subscript:
            base = (dotted_name(ann.value) or "").split(".")[-1]
            if base == "Annotated":
                text = ctx.code_for(ann)
                if any(d + "(" in text for d in DEPENDENCY_DEFAULTS):
                    return False
                first = ann.slice[0].slice if ann.slice else None
                ann = first.value if type(first) is cst.Index else ann
        last = (dotted_name(ann) or "").split(".")[-1]
        if last in INJECTED_ANNOTATIONS:
            return False
    return is_route_function(function, ctx)
