"""A route that forwards to an upstream API under the same path (`@router.post("/api/generate")`
whose handler calls `f"{url}/api/generate"`): the upstream fixes the path, so BL101 leaves it."""
from __future__ import annotations

from ..._lazy import cst


def mirrors_upstream(target, path: str) -> bool:
    """True when the handler's body holds a string ending with the route's static path."""
    if not isinstance(target, cst.FunctionDef):
        return False
    static = path.split("{", 1)[0].split("<", 1)[0].rstrip("/")
    if static.count("/") < 1 or len(static) < 4:
        return False
    for node in _strings(target.body):
        if node.rstrip("/").endswith(static):
            return True
    return False


def _strings(root: cst.CSTNode):
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleString):
            yield node.value.strip("'\"rbuRBU")
        elif isinstance(node, cst.FormattedStringText):
            yield node.value
        stack.extend(node.children)
