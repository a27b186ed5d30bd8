from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import plurals, roles, route_kinds, routes
from ...rule import Rule
from ._proxy_paths import mirrors_upstream
from .verb_in_route_path import words


class SingularCollectionPath(Rule):
    """A collection is named in the singular (`/user/{id}`) in an API that names collections in the plural.

    ## What it does
    Reads the paths of the **API endpoints** backlint discovers (see `backlint routes`) and looks at
    each static segment that comes right before a path parameter at the root of the API
    (`/user/{user_id}`, `/api/v1/user/{user_id}`) or nested under another item
    (`/projects/{id}/task/{task_id}`): that segment names the collection the item belongs to. It is reported when its last word is a singular
    countable noun and the same file names collections in the plural elsewhere (a plural segment
    before another parameter, or the plural of this very word: `/users` beside `/user/{id}`). DRF
    router prefixes (`router.register("user", ...)`) are collections by construction and are
    reported whenever they are singular. The message proposes the plural path.

    Words are inflected by backlint's own small rule set (`frameworks/plurals.py`: suffix rules
    plus lists of exceptions), not by an inflection package. Not reported: plural collections;
    true singletons (`/me`, `/profile`, `/cart`, `/settings`, `/health`, `/status`, `/auth/token`,
    ...); uncountable nouns (`media`, `news`, `data`, `feedback`, `staff`, `series`, `metadata`,
    ...); irregular plurals (`people`, `children`, `criteria`, ...); words that are not collection
    nouns (`search`, `export`, `download`, `page`, `file`, `by`, verbs and adjectives ending in
    `-ing`, `-ed`, `-able`, ...); a singular segment after a static collection segment (a filter:
    `/tasks/chat/{chat_id}`); the first segment of a router whose mount path this file does not
    show (the mount often is the collection: `/folder/{id}` on a chats router); file paths
    (`/cache/{path:path}`); proxy routes mirroring an upstream API's path; server-rendered pages; files whose API names nothing in the plural
    (the project's convention may be singular throughout: one finding per route would be noise).

    ## Default
    Off by default (enable with `extend-select = ["BL106"]`): on the 13-application corpus
    (2.1 M lines) the first version reported 12 paths, all false positives (filters inside a
    collection, router roots whose mount is the collection, proxy mirrors, `reusablemedia`,
    `clone`); after those fixes it reports one, also a false positive (precision 0/1, seed 2;
    see docs/precision/apisem.md). The bar for a default-on rule is a measured 0.90.

    ## Why is this bad?
    A collection URL names the set (`/users`), an item URL one member of it (`/users/42`). Mixing
    `/user/42` with `/users` makes clients guess which form each resource uses, breaks the
    uniform `/collection/{id}` pattern that tooling and generated clients rely on, and usually
    ends in both spellings being served.

    ## Example
    ```python
    from fastapi import APIRouter

    router = APIRouter(prefix="/api")

    @router.get("/users")
    def list_users():
        return []

    @router.get("/user/{user_id}")
    def get_user(user_id: int):
        return {}
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter

    router = APIRouter(prefix="/api")

    @router.get("/users")
    def list_users():
        return []

    @router.get("/users/{user_id}")
    def get_user(user_id: int):
        return {}
    ```
    """

    code = "BL106"
    name = "singular-collection-path"
    default_enabled = False  # measured 0/1 on the corpus: see "## Default"
    category = "route-naming"
    severity = Severity.WARNING
    precision = "high"
    tags = ("api-design",)
    skip_roles = roles.NOT_REQUEST_PATH
    text_markers = routes.TEXT_MARKERS

    def visit_Module(self, node: cst.Module) -> None:
        found = routes.for_context(self.ctx)
        if not found.paths:
            return
        decls = []
        seen = set()
        for decl in found.paths:
            if id(decl.node) in seen or found.endpoint_kind(decl)[0] != route_kinds.API \
                    or mirrors_upstream(decl.target, decl.path):
                continue  # pages keep their own conventions; a proxy route mirrors the upstream path
            seen.add(id(decl.node))
            decls.append(decl)
        plural_segments: Dict[str, str] = {}  # last word of a plural segment before a parameter -> segment
        any_plural: Dict[str, str] = {}  # the same for plural segments anywhere
        candidates: List[Tuple[routes.PathDecl, str, str]] = []  # decl, segment, singular word
        for decl in decls:
            for segment, before_param in _segments(decl):
                ws = words(segment)
                if not ws:
                    continue
                last = ws[-1]
                noun = plurals.singular_noun(last)
                if noun is None:
                    if last.endswith("s") or last in plurals.IRREGULAR_PLURALS:
                        any_plural.setdefault(last, segment)
                        if before_param:
                            plural_segments.setdefault(last, segment)
                    continue
                if before_param or decl.kind == "drf-register":
                    candidates.append((decl, segment, noun))
        reported = set()
        for decl, segment, noun in candidates:
            if id(decl.node) in reported:
                continue
            sibling = any_plural.get(plurals.plural(noun))
            evidence = sibling or (next(iter(plural_segments.values())) if plural_segments else None)
            if evidence is None and decl.kind != "drf-register":
                continue
            reported.add(id(decl.node))
            self.report(decl.node, _message(decl, segment, noun, evidence, sibling is not None))


def _segments(decl: routes.PathDecl):
    """(static segment, is it right before a path parameter) for each static segment of ``decl``."""
    if decl.kind == "drf-register":
        parts = [s for s in decl.path.strip("^$").split("/") if s]
        if parts:
            yield parts[-1], True
        return
    if decl.kind.startswith("action"):
        return  # an action's url_path names the action, not a collection
    path = decl.full
    if decl.framework == "django":
        path = path.replace("^", "").replace("$", "")
    parts = [s for s in path.split("/") if s]
    relative = decl.mounted and decl.full == decl.path and decl.framework != "django"
    for index, segment in enumerate(parts):
        if routes.is_param_segment(segment) or any(c in segment for c in "()[]\\?*+$^|:{}<>"):
            continue
        nxt = parts[index + 1] if index + 1 < len(parts) else None
        before_param = nxt is not None and routes.is_param_segment(nxt) and not _path_param(nxt)
        if before_param:
            # the collection of an item: at the root of the API or nested under another item;
            # after a static collection segment (`/tasks/chat/{chat_id}`) it is a filter, and at
            # the start of a router mounted elsewhere the mount (often the collection) is unknown
            previous = [p for p in parts[:index] if not _root_word(p)]
            if previous and not routes.is_param_segment(previous[-1]):
                before_param = False
            elif not previous and relative and index == 0:
                before_param = False
        yield segment, before_param


_ROOT_WORDS = frozenset({"api", "apis", "rest", "public", "internal", "admin", "external", "private", "v"})


def _root_word(segment: str) -> bool:
    lower = segment.lower()
    return lower in _ROOT_WORDS or (lower[:1] == "v" and lower[1:].replace(".", "").isdigit())


def _path_param(segment: str) -> bool:
    """`{path:path}`, `<path:name>`: a file path, not an item of a collection."""
    return ":path}" in segment or segment.startswith("<path:")


def _pluralize_segment(segment: str, noun: str) -> str:
    lower = segment.lower()
    if lower.endswith(noun):
        tail = plurals.plural(noun)
        if segment[-len(noun):][:1].isupper():
            tail = tail[:1].upper() + tail[1:]
        return segment[: len(segment) - len(noun)] + tail
    return segment


def _message(decl: routes.PathDecl, segment: str, noun: str, evidence: Optional[str], same_word: bool) -> str:
    new_segment = _pluralize_segment(segment, noun)
    if decl.kind == "drf-register":
        return (f"Router prefix `{segment}` names a collection in the singular: a viewset serves the list and its "
                f"items, so register it as `{new_segment}` (`/{new_segment}/`, `/{new_segment}/{{pk}}/`).")
    old = routes.display_path(decl.full)
    parts = decl.full.split("/")
    new = "/".join(new_segment if p == segment else p for p in parts)
    if same_word:
        why = f"this file's routes name it `{evidence}`"
    else:
        why = f"this file's other routes name collections in the plural (`{evidence}`)"
    return (f"`{old}`: `{segment}` names the collection of the item after it in the singular and {why}; "
            f"use `{routes.display_path(new)}`.")
