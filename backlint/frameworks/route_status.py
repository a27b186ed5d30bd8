"""The success status a route answers with, where the code says it (for ``backlint routes``).

Read from the handler in its own file: FastAPI's `status_code=` on the route decorator (else its
default 200), Litestar's (else 201 for `@post`, 204 for `@delete`, 200 otherwise), and for the
other frameworks the returns: `return body, 201`, `JsonResponse(..., status=201)`, DRF
`Response(..., status=status.HTTP_201_CREATED)`, a response built without a status (200). Error
statuses (4xx/5xx) are not the route's answer and are left out; when the successful returns
disagree, or one is computed, or the handler is a viewset's inherited action, the status is unknown.
"""
from __future__ import annotations

from typing import Dict, Optional, Set

from .._lazy import cst
from . import responses
from ..walker import source_children

_LITESTAR_DEFAULTS = {"POST": 201, "DELETE": 204}


def _decorator_status(func: cst.FunctionDef) -> Optional[int]:
    for decorator in func.decorators:
        call = decorator.decorator
        if type(call) is cst.Call:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "status_code":
                    return responses.literal_status(arg.value) or -1
    return None


def _returns(func: cst.FunctionDef):
    stack = [func.body]
    while stack:
        current = stack.pop()
        if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            continue
        if type(current) is cst.Return:
            yield current
        stack.extend(source_children(current))


def _return_status(value, qualify) -> Optional[int]:
    """The status one return sends; -1 when it cannot be read here; None for a bare `return`."""
    if value is None:
        return None
    if type(value) is cst.Tuple and len(value.elements) >= 2:
        return responses.literal_status(value.elements[1].value) or -1
    if type(value) is cst.Call:
        spec = responses.BUILDERS.get(qualify(value.func) or "")
        if spec is None:
            return 200 if type(value.func) is cst.Name and value.func.value == "dict" else -1
        given, status = responses.status_arg(value, spec)
        return (responses.literal_status(status) or -1) if given else 200
    if type(value) in (cst.Dict, cst.List, cst.SimpleString, cst.ListComp, cst.DictComp):
        return 200
    return -1


def handler_status(func: cst.FunctionDef, framework: str, method: str, qualify) -> Optional[int]:
    """The success status of one handler for ``method``, or None when the file does not say."""
    declared = _decorator_status(func)
    if declared is not None:
        return declared if declared > 0 else None
    if framework == "fastapi":
        return 200
    if framework == "litestar":
        return _LITESTAR_DEFAULTS.get(method, 200)
    seen: Set[int] = set()
    for ret in _returns(func):
        status = _return_status(ret.value, qualify)
        if status is None:
            continue
        if status == -1:
            return None
        if status < 300:
            seen.add(status)
    return seen.pop() if len(seen) == 1 else None


def statuses(path: str, wanted) -> Dict[tuple, int]:
    """{(handler name, method): status} for the routes of file ``path`` in ``wanted``."""
    from ..engine import decode, parse
    from .routes import extract

    try:
        with open(path, "rb") as fh:
            text, _ = decode(fh.read())
        found = extract(parse(text), path, with_facts=False, text=text)
    except Exception:  # the route table already reported what it could not read
        return {}
    out: Dict[tuple, int] = {}
    for handler in found.handlers:
        for method in handler.methods or ("ANY",):
            if (handler.name, method) in wanted:
                status = handler_status(handler.node, handler.framework, method, found.qualify)
                if status is not None:
                    out[(handler.name, method)] = status
    return out
