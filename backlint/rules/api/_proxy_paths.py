"""A route that mirrors an upstream API's path: the handler forwards to the same path upstream
(`@router.post("/api/create")` calling `f"{url}/api/create"`). The upstream API fixes that path,
so REST naming advice does not apply to it."""
from __future__ import annotations

from typing import Optional

from ..._lazy import cst
from ...frameworks import routes
from ...walker import source_children


def _static_prefix(path: str) -> str:
    out = []
    for segment in path.split("/"):
        if routes.is_param_segment(segment):
            break
        out.append(segment)
    return "/".join(out).rstrip("/")


def mirrors_upstream(target: Optional[cst.CSTNode], path: str) -> bool:
    prefix = _static_prefix(path)
    if target is None or prefix.count("/") < 1 or len(prefix.strip("/")) < 4:
        return False
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    stack = [target.body] if type(target) is cst.FunctionDef else []
    while stack:
        current = stack.pop()
        if type(current) is cst.SimpleString:
            value = current.evaluated_value
            if isinstance(value, str) and value.rstrip("/").endswith(prefix):
                return True
        elif type(current) is cst.FormattedStringText:
            if current.value.rstrip("/").endswith(prefix):
                return True
        stack.extend(source_children(current))
    return False
