"""BL101's message: the resource form of a verb route, proposed only where it is right.

What the message may claim, and what it must not invent:

* the HTTP method comes from the verb (`create` -> POST, `update` -> PUT, `remove` -> DELETE) when
  that agrees with the declared methods (or the route is `POST /x/update`, the usual RPC style);
  when the verb does not map onto the declared method (`POST /chats/read` marks chats read,
  `POST /load/url` imports from a URL) no method or path is proposed;
* no path parameter is invented: `PUT /config/update` becomes `PUT /config`, never
  `PUT /config/{id}`; a `DELETE`/`PUT`/`PATCH` whose path is only the verb gets no proposed path;
* other verb-only segments go too (`/{id}/update/members/add` -> `/{id}/members`);
* bulk routes (`bulk`, `batch`, `all`, ...) get a bulk suggestion: the collection, with the items in
  the request body, not a single-item route;
* a path that is only the verb (`POST /create` on a router) is served on the path the router is
  mounted at, which this file may not know: the message says so instead of printing `/`.
"""
from __future__ import annotations

from typing import List, Optional

from ...frameworks import route_kinds, routes


_FORMAT_WORDS = frozenset({"json", "xml", "csv", "html", "txt"})


def _method(verb: str, declared: List[str]) -> Optional[str]:
    from .route_verbs import VERBS

    natural = VERBS.get(verb, declared[0] if declared else "POST")
    if not declared or natural in declared:
        return natural
    if natural in ("PUT", "PATCH") and {"PUT", "PATCH"} & set(declared):
        return natural
    if natural in ("PUT", "PATCH", "DELETE") and declared == ["POST"]:
        return natural  # `POST /x/update`, `POST /x/delete`: RPC style over POST
    return None


def message(decl: routes.PathDecl, segments: List[str], index: int, segment: str, verb: str, rest: List[str],
            verbs) -> str:
    from .route_verbs import _STOPWORDS, VERBS, _plural, words

    declared = list(decl.methods) if decl.methods else []
    shown_method = "/".join(declared) if declared else "ANY"
    old = routes.display_path(decl.full)
    head = f"`{shown_method} {old}`: path segment `{segment}` starts with the verb `{verb}`"
    rest = list(rest)
    while rest and rest[0] in _STOPWORDS:
        rest = rest[1:]
    if rest and rest[-1] in ("id", "ids") and len(rest) > 1:
        rest = rest[:-2] + [rest[-2]] if rest[-2] not in _STOPWORDS else rest[:-2]
    rest = [w for w in rest if w not in ("by",)]
    while len(rest) > 1 and rest[-1] in _FORMAT_WORDS:
        rest = rest[:-1]  # `get_series_json` names the series; the format is the response's, not the path's
    bulk = route_kinds.is_bulk(segments) or bool(set(rest) & route_kinds.BULK_WORDS)
    rest = [w for w in rest if w not in route_kinds.BULK_WORDS]
    next_is_param = index + 1 < len(segments) and routes.is_param_segment(segments[index + 1])
    if rest and (next_is_param or bulk or verb in ("create", "add", "list", "insert")):
        rest = rest[:-1] + [_plural(rest[-1])]
    replacement = "-".join(rest)

    if decl.kind == "drf-register":
        if not replacement:
            return (f"Router prefix `{segment}` starts with the verb `{verb}`: name the resource instead; the "
                    "viewset's methods already say what happens.")
        return (f"Router prefix `{segment}` starts with the verb `{verb}`: name the resource instead "
                f"(`router.register({replacement!r}, ...)`); the viewset's methods already say what happens.")
    if decl.kind.startswith("action"):
        if VERBS.get(verb, "POST") is None:
            if declared and "POST" not in declared:
                # `@action(methods=["delete"]) def reset`: the method already says what happens
                target = "the item itself" if decl.kind == "action-detail" else "the collection itself"
                return (f"`@action` path `{segment}` starts with the verb `{verb}`: `{shown_method}` already says "
                        f"what happens, so serve it on the resource it acts on ({target}, or a named "
                        "sub-resource) instead of a verb path.")
            return (f"`@action` path `{segment}` starts with the verb `{verb}`: name the resource it creates or "
                    "acts on (for example the job it starts) and let the HTTP method carry the action.")
        target = f"`{replacement}`" if replacement else "the collection itself"
        return (f"`@action` path `{segment}` starts with the verb `{verb}`: a collection-level action should be "
                f"a resource ({target}) served by the HTTP method; use `detail=True` for an action on one item.")

    method = _method(verb, declared)
    if method is None:
        why = (f"`{verb}` has no single resource form here" if VERBS.get(verb, "POST") is None
               else f"`{verb}` is not what `{shown_method}` does to a resource")
        return (f"{head}; name the resource it acts on and let the HTTP method carry the action "
                f"({why}, so no path is proposed).")
    new_segments = []
    for i, seg in enumerate(segments):
        if i == index:
            if replacement:
                new_segments.append(replacement)
            continue
        ws = words(seg)
        if routes.is_param_segment(seg):
            new_segments.append(seg)
        elif ws and (len(ws) == 1 and ws[0] in verbs or all(w in route_kinds.BULK_WORDS for w in ws)):
            continue  # `/update/members/add`, `/files/batch/add`: the verb and the bulk marker go too
        else:
            new_segments.append(seg)
    prefix = decl.full[: len(decl.full) - len(decl.path)] if decl.full.endswith(decl.path) else ""
    new_local = "/".join(new_segments)
    if decl.path.endswith("/") and new_local:
        new_local += "/"
    if not new_local:
        if method in ("PUT", "PATCH") and declared == ["POST"] and not bulk \
                and not any(routes.is_param_segment(s) for s in decl.full.split("/") if s):
            # `POST /images/edit`: with no item anywhere in the path, an "edit" may change a stored
            # resource (then PATCH it) or make something new from the body (open-webui's image edit
            # generates images): the file cannot tell which, so both are named as conditions
            return (f"{head}; name the resource instead: if it changes a stored one, `{method}` that "
                    "resource's path (this path names none); if it makes something new from the request "
                    "body, `POST` to a collection named for what it makes.")
        if method in ("PUT", "PATCH", "DELETE") and not bulk:
            return (f"{head}; let the HTTP method carry the action: `{method}` on the path of the resource "
                    "it changes (this path names none).")
        if not prefix.strip("/"):
            bulk_note = " with the items in the request body" if bulk and method != "DELETE" else ""
            return (f"{head}; let the HTTP method carry the action: `{method}` on the collection path this "
                    f"router is mounted at{bulk_note}.")
    new = routes.display_path(routes.join_path(prefix, new_local) if prefix else new_local or "/")
    # a router's paths are relative to where it is mounted (`/user/{id}` of a chats router is the
    # user's chats, not the user): say so when this file does not show the mount
    where = " (below the path this router is mounted at)" if decl.mounted and not prefix.strip("/") \
        and decl.framework != "django" else ""
    if not replacement and _starts_with_param(new_segments) and not _names_something(prefix) \
            and not any(routes.is_param_segment(seg) for seg in segments[:index]):
        # `/show/<int:book_id>/...`: the verb was the only name before the item, so the proposed path
        # would start with a bare parameter unless the mount names the collection
        mount = ("below the path this router is mounted at, if that names what the item is; otherwise "
                 if decl.mounted else "")
        where = f" ({mount}with the collection's name in place of `{segment}`)"
    if bulk and method != "DELETE":
        return (f"{head}; let the HTTP method carry the action and name the resource: `{method} {new}`{where} "
                "with the items in the request body (one bulk request on the collection).")
    return f"{head}; let the HTTP method carry the action and name the resource: `{method} {new}`{where}."


def _names_something(prefix: str) -> bool:
    """Whether a mount prefix has a segment that names a resource (not `api`, `v1` or a parameter)."""
    from .route_verbs import is_api_marker

    return any(seg and not routes.is_param_segment(seg) and not is_api_marker(seg) for seg in prefix.split("/"))


def _starts_with_param(segments: List[str]) -> bool:
    """Whether the first segment after any `api`/`v1` markers is a parameter."""
    from .route_verbs import is_api_marker

    for seg in segments:
        if not is_api_marker(seg):
            return routes.is_param_segment(seg)
    return False
