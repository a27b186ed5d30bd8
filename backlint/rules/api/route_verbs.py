"""BL101's vocabulary: the verbs a route path may start with, the method each one means, and how a
path segment splits into words. Shared by the rule and its message builder (``verb_messages``)."""
from __future__ import annotations

import re
from typing import Dict, List, Optional

# verb -> the HTTP method that expresses it (None: no method does)
VERBS: Dict[str, Optional[str]] = {
    "get": "GET", "fetch": "GET", "list": "GET", "retrieve": "GET", "read": "GET", "find": "GET", "load": "GET",
    "show": "GET",
    "create": "POST", "add": "POST", "insert": "POST", "make": "POST", "post": "POST",
    "submit": "POST", "store": "POST", "do": "POST",
    "update": "PUT", "edit": "PATCH", "modify": "PATCH", "change": "PATCH", "set": "PUT", "put": "PUT",
    "patch": "PATCH", "upsert": "PUT",
    "delete": "DELETE", "remove": "DELETE", "destroy": "DELETE", "erase": "DELETE", "del": "DELETE",
    "send": "POST", "upload": "POST", "generate": "POST",
    # actions with no resource form: reported, but no method or path is proposed for them
    "render": None, "reset": None, "sync": None, "dismiss": None, "mark": None,
    # `save` creates or updates, and the code seldom says which: no method is proposed for it
    "save": None,
}
# verbs that are nouns as often: `GET /files/upload/<name>` serves an upload, and a bare `upload`
# segment that starts the path (`/api/v1/upload`) names the upload resource itself
NOUN_TOO = frozenset({"upload"})
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


def is_api_marker(segment: str) -> bool:
    """`api`, `v1`, `v2`, ...: path segments that name no resource."""
    low = segment.lower()
    return low == "api" or (low[:1] == "v" and low[1:].isdigit())


def _normal(segment: str) -> str:
    return "-".join(words(segment))


def _plural(word: str) -> str:
    if word.endswith("s"):
        return word
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"
