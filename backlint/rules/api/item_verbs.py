"""BL101 on an item: a CRUD verb as the last segment right after a path parameter.

`POST /users/{id}/delete`, `POST /orders/<id>/update`, `GET /items/{id}/get`: the verb names what
the HTTP method already says about the item, so the route is the item's own path with that method
(`DELETE /users/{id}`). Only plain CRUD verbs count, as the whole last segment; domain actions
(`cancel`, `publish`, `approve`, `archive`, `refund`, `verify-email`, `reset-password`, ...) are
what an action segment after an item is for, and words such as `read` (`/notifications/{id}/read`
marks one read), `set`, `save` or `change` say more than the method would.
"""
from __future__ import annotations

from typing import List, Optional

from ...frameworks import routes

# verb -> the method that carries it on the item's own path
ITEM_VERBS = {
    "get": "GET", "fetch": "GET", "retrieve": "GET", "show": "GET",
    "update": "PUT", "edit": "PATCH", "modify": "PATCH", "patch": "PATCH", "put": "PUT",
    "delete": "DELETE", "remove": "DELETE", "destroy": "DELETE", "del": "DELETE", "erase": "DELETE",
}


def _method(verb: str, declared: List[str]) -> Optional[str]:
    """The method to propose, or None when the declared one contradicts the verb (`GET .../delete`
    may be a confirmation step: say nothing rather than guess)."""
    natural = ITEM_VERBS[verb]
    if not declared or natural in declared:
        return natural
    if natural in ("PUT", "PATCH") and {"PUT", "PATCH"} & set(declared):
        return [m for m in declared if m in ("PUT", "PATCH")][0]
    if natural != "GET" and declared == ["POST"]:
        return natural  # RPC style over POST
    return None


def check(decl: routes.PathDecl, segments: List[str], index: int, verb_words: List[str]) -> Optional[str]:
    """The message for segment ``index`` of ``decl`` when it is a CRUD verb on an item, else None."""
    if len(verb_words) != 1 or verb_words[0] not in ITEM_VERBS or index != len(segments) - 1:
        return None
    verb = verb_words[0]
    declared = list(decl.methods) if decl.methods else []
    if verb == "edit" and declared == ["GET"]:
        return None  # the edit form of one item
    method = _method(verb, declared)
    if method is None:
        return None
    shown = "/".join(declared) if declared else "ANY"
    segment = segments[index]
    if decl.kind.startswith("action"):
        return (f"`@action(detail=True)` path `{segment}` is a CRUD verb on one item: the viewset's own "
                f"`{method}` on the item route already says it; drop the action and implement "
                f"{_viewset_method(method)} instead.")
    full = decl.full.rstrip("/")
    trailing = "/" if decl.full.endswith("/") else ""
    if not full.endswith(segment):
        return None
    item = full[: len(full) - len(segment)].rstrip("/") + trailing
    where = " (below the path this router is mounted at)" if decl.mounted and decl.full == decl.path \
        and decl.framework != "django" else ""
    return (f"`{shown} {routes.display_path(decl.full)}`: the last segment `{segment}` is a CRUD verb on the "
            f"item before it; let the HTTP method carry the action: `{method} {routes.display_path(item)}`{where}.")


def _viewset_method(method: str) -> str:
    return {"GET": "`retrieve`", "PUT": "`update`", "PATCH": "`partial_update`", "DELETE": "`destroy`"}[method]
