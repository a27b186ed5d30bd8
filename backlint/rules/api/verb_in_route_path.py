from __future__ import annotations

import re
from typing import List, Optional, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import routes
from ...rule import Option, Rule
from ...frameworks import roles

# verb -> the HTTP method that expresses it
VERBS = {
    "get": "GET", "fetch": "GET", "list": "GET", "retrieve": "GET", "read": "GET", "find": "GET", "load": "GET",
    "show": "GET",
    "create": "POST", "add": "POST", "insert": "POST", "make": "POST", "post": "POST",
    "submit": "POST", "save": "POST", "store": "POST", "do": "POST",
    "update": "PUT", "edit": "PATCH", "modify": "PATCH", "change": "PATCH", "set": "PUT", "put": "PUT",
    "patch": "PATCH", "upsert": "PUT",
    "delete": "DELETE", "remove": "DELETE", "destroy": "DELETE", "erase": "DELETE", "del": "DELETE",
}
DEFAULT_VERBS = sorted(VERBS)
DEFAULT_ALLOWED = [
    # authentication endpoints are conventionally named for the action
    "login", "logout", "signin", "signout", "signup", "sign-in", "sign-out", "sign-up", "register", "token",
    "refresh", "verify", "callback", "authorize", "set-password", "change-password", "reset-password",
    "forgot-password", "update-password",
    # nouns that start like a verb when split
    "new-releases", "get-started",
]
_STOPWORDS = frozenset({"to", "from", "for", "of", "by", "all", "in", "into", "a", "the", "my", "one"})
_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_|-)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(segment: str) -> List[str]:
    """``getUserById`` -> [get, user, by, id]; snake_case and kebab-case split too."""
    out: List[str] = []
    for part in re.split(r"[-_.~]+", segment):
        out.extend(w.lower() for w in _WORD_RE.findall(part))
    return out


def _normal(segment: str) -> str:
    return "-".join(words(segment))


def _plural(word: str) -> str:
    if word.endswith("s"):
        return word
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


class VerbInRoutePath(Rule):
    """Route path names an action (`/getUsers`, `/orders/create`) instead of a resource.

    ## What it does
    Reads every route backlint discovers (Flask, FastAPI, Starlette, Django `path()`/`re_path()`,
    DRF routers and `@action(url_path=...)`, aiohttp, Litestar, Sanic; see `backlint routes`)
    and checks each static path segment. A segment is split into words (camelCase, snake_case,
    kebab-case) and reported when its first word is an action verb such as `get`, `fetch`,
    `list`, `create`, `update`, `delete` or `remove`. The message proposes the resource form for
    that method: `GET /api/getUsers` -> `GET /api/users`, `POST /users/create` -> `POST /users`.

    Not reported: path parameters (`{id}`, `<int:id>`), nouns that merely look like verbs
    (`/settings`, `/search`, `/query`, `/updates`, `/exports`: only whole words count), authentication
    endpoints (`/login`, `/logout`, `/token`, ... see `allowed-segments`), a custom action on a
    single resource (a verb right after a path parameter: `POST /orders/{id}/cancel`; DRF
    `@action(detail=True)`), HTML edit-form pages (`GET /profile/edit`), and Google-style custom
    methods (`/orders/{id}:cancel`).

    ## Why is this bad?
    In a resource-based API the path names the thing and the HTTP method says what happens to it.
    Verbs in paths duplicate (or contradict) the method, multiply endpoints (`/getUser`,
    `/fetchUser`, `/loadUser`), defeat HTTP caching and tooling that rely on method semantics,
    and make the API harder to learn: `GET /api/users` and `POST /api/users` say everything
    `GET /api/getUsers` and `POST /api/createUser` say, with one resource instead of two.

    ## Example
    ```python
    from fastapi import APIRouter

    router = APIRouter(prefix="/api")

    @router.get("/getUsers")
    def get_users():
        return []
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter

    router = APIRouter(prefix="/api")

    @router.get("/users")
    def list_users():
        return []

    @router.post("/orders/{order_id}/cancel")
    def cancel_order(order_id: int):
        return {}
    ```

    ## Options
    `verbs` (the words that count as actions), `allowed-segments` (whole segments that are
    accepted, compared case- and separator-insensitively), `allow-actions-on-item` (accept a
    verb right after a path parameter, default on).

    ## References
    - RFC 9110, section 9 (method semantics): https://www.rfc-editor.org/rfc/rfc9110#section-9
    """

    skip_roles = roles.NOT_REQUEST_PATH
    code = "BL101"
    name = "verb-in-route-path"
    category = "route-verb"
    severity = Severity.WARNING
    precision = "high"
    tags = ("api-design",)
    options = {
        "verbs": Option((list,), DEFAULT_VERBS, "Words that make a path segment an action when they come first."),
        "allowed-segments": Option((list,), DEFAULT_ALLOWED, "Whole path segments that are accepted anyway."),
        "allow-actions-on-item": Option((bool,), True,
                                        "Accept a verb segment right after a path parameter (`/orders/{id}/cancel`)."),
    }
    text_markers = routes.TEXT_MARKERS

    def visit_Module(self, node: cst.Module) -> None:
        found = routes.for_context(self.ctx)
        verbs = {v.lower() for v in self.settings["verbs"]}
        allowed = {_normal(s) for s in self.settings["allowed-segments"]}
        merged = {}
        for decl in found.paths:  # one literal may serve several methods (a MethodView, add_url_rule)
            seen = merged.get(id(decl.node))
            if seen is None:
                merged[id(decl.node)] = decl
            elif seen.methods is not None and decl.methods is not None:
                seen.methods = routes.norm_methods(seen.methods + decl.methods)
        for decl in merged.values():
            problem = self._check(decl, verbs, allowed)
            if problem is not None:
                self.report(decl.node, problem)

    def _check(self, decl: routes.PathDecl, verbs, allowed) -> Optional[str]:
        path = decl.path
        if decl.framework == "django" and (path.startswith("^") or path.endswith("$")):
            path = path.lstrip("^").rstrip("$")
        segments = [s for s in path.split("/") if s]
        previous_is_param = decl.kind == "action-detail"
        if decl.kind.startswith("action"):
            segments = [path]  # url_path is one segment (it may contain slashes only rarely)
        for index, segment in enumerate(segments):
            if routes.is_param_segment(segment) or any(c in segment for c in "()[]\\?*+$^|"):
                previous_is_param = True
                continue
            if ":" in segment:  # Google-style custom method, /orders/{id}:cancel
                previous_is_param = False
                continue
            found = self._verb(segment, verbs, allowed)
            if found is not None and found == ("edit", []) and index == len(segments) - 1 \
                    and decl.methods == ("GET",):
                found = None  # `GET /profile/edit`: the edit form page of a (singular) resource
            if found is not None and not (previous_is_param and self.settings["allow-actions-on-item"]):
                verb, rest = found
                return self._message(decl, segments, index, segment, verb, rest)
            previous_is_param = False
        return None

    @staticmethod
    def _verb(segment: str, verbs, allowed) -> Optional[Tuple[str, List[str]]]:
        ws = words(segment)
        if not ws or "-".join(ws) in allowed:
            return None
        if ws[0] in verbs:
            return ws[0], ws[1:]
        return None

    def _message(self, decl, segments, index, segment, verb, rest) -> str:
        declared = list(decl.methods) if decl.methods else []
        method = VERBS.get(verb, declared[0] if declared else "GET")
        if declared and method not in declared and not (method in ("PUT", "PATCH") and
                                                           {"PUT", "PATCH"} & set(declared)):
            if method == "GET" or (method == "POST" and declared[0] in ("PUT", "PATCH")):
                method = declared[0]
        shown_method = "/".join(declared) if declared else "ANY"
        rest = list(rest)
        while rest and rest[0] in _STOPWORDS:
            rest = rest[1:]
        if rest and rest[-1] in ("id", "ids") and len(rest) > 1:
            rest = rest[:-2] + [rest[-2]] if rest[-2] not in _STOPWORDS else rest[:-2]
        rest = [w for w in rest if w not in ("by",)]
        next_is_param = index + 1 < len(segments) and routes.is_param_segment(segments[index + 1])
        if rest and (next_is_param or verb in ("create", "add", "list", "insert")):
            rest = rest[:-1] + [_plural(rest[-1])]
        replacement = "-".join(rest)
        new_segments = list(segments)
        if replacement:
            new_segments[index] = replacement
        elif method in ("PUT", "PATCH", "DELETE") and index == len(segments) - 1 and not any(
                routes.is_param_segment(seg) for seg in segments):
            new_segments[index] = "{id}"
        else:
            del new_segments[index]
        prefix = decl.full[: len(decl.full) - len(decl.path)] if decl.full.endswith(decl.path) else ""
        old = routes.display_path(decl.full)
        new_local = "/".join(new_segments)
        if decl.path.endswith("/") and new_local:
            new_local += "/"
        new = routes.display_path(routes.join_path(prefix, new_local) if prefix else new_local or "/")
        if decl.kind == "drf-register":
            return (f"Router prefix `{segment}` starts with the verb `{verb}`: name the resource instead "
                    f"(`router.register({replacement!r}, ...)`); the viewset's methods already say what happens.")
        if decl.kind.startswith("action"):
            return (f"`@action` path `{segment}` starts with the verb `{verb}`: a collection-level action should be "
                    f"a resource (`{replacement or 'the collection itself'}`) served by the HTTP method; use "
                    "`detail=True` for an action on one item.")
        return (f"`{shown_method} {old}`: path segment `{segment}` starts with the verb `{verb}`; let the HTTP "
                f"method carry the action and name the resource: `{method} {new}`.")
