"""Is a path word a singular countable noun, and what is its plural (for BL106).

A small rule-based inflection for the nouns that name API collections, not a dictionary: the
suffix rules of English plurals plus the word lists that break them. It errs towards "not
singular": a word it cannot place (a verb, an adjective, a version, an abbreviation) is never
called singular. Not the `inflect` package: importing it costs seconds (it instruments every
function with typeguard), and this linter's cold-start budget is far below that.

* singletons: resources of which the client has exactly one (`/me`, `/profile`, `/cart`,
  `/settings`, `/health`, `/status`, `/auth/token`, ...);
* uncountable nouns, whose singular is their plural (`media`, `news`, `data`, `feedback`,
  `staff`, `series`, `metadata`, `software`, ...);
* irregular plurals (`people`, `children`, `men`, `criteria`, `indices`, ...), which are plurals;
* words that are not nouns naming a collection (`search`, `export`, `download`, `by`, `new`, ...).
"""
from __future__ import annotations

import re
from typing import Optional

SINGLETONS = frozenset({
    "me", "self", "profile", "cart", "basket", "settings", "setting", "health", "healthz", "status", "auth", "token",
    "session", "account", "config", "configuration", "preferences", "dashboard", "home", "root", "index", "info",
    "about", "version", "login", "logout", "signup", "register", "current", "whoami", "ping", "ready", "readiness",
    "liveness", "live", "metrics", "schema", "openapi", "swagger", "docs", "doc", "license", "system", "server",
        "overview", "summary", "stats", "statistics", "usage", "billing",
      "quota",  "inbox", "timeline", "feed", "calendar", "onboarding", "checkout",
    "password", "avatar", "theme", "locale", "language", "timezone", "context", "environment", "env", 
      "admin", "oauth", "oauth2", "sso", "saml", "oidc", "callback", "webhook",
    "graphql", "api", "rest", "rpc", "websocket", "ws", "events", "stream", "upload", "download", "export",
    "import", "search", "query", "lookup", "autocomplete", "suggest", "preview", "render", "validate", "check",
    "sync", "batch", "bulk", "static", "public", "private", "internal", "external", "default", "latest", "new",
    "all", "by", "raw", "detail", "details", "list", "tree", "graph", "map", "file", "path", "page", "type",
    "kind", "lang", "format", "content", "view", "edit", "form", "action", "history", "log", "audit", "proxy",
    "redirect", "link", "share", "count", "total", "random", "next", "previous", "first", "last", "top",
    "manage", "management", "console", "portal", "studio", "editor", "builder", "playground", "sandbox",
    "test", "demo", "debug", "dev", "local", "global", "shared", "common", "core", "base", "main", "util",
    "utils", "tools", "tool",  "serve", "run",   "name", "id", "uuid", "key", "slug",
    "code", "ref",   "hash", "secret", "url", "uri", "host", "ip", "email", "phone", "user-info",
    "userinfo", "state", "progress",  "output", "input",   
})
UNCOUNTABLE = frozenset({
    "media", "news", "data", "metadata", "feedback", "staff", "series", "species", "information", "equipment",
    "software", "hardware", "firmware", "middleware", "content", "analytics", "music", "money", "traffic",
    "inventory", "storage", "mail", "email", "evidence", "knowledge", "research", "advice", "furniture",
    "luggage", "baggage", "sheep", "fish", "deer", "aircraft", "personnel", "police", "access", "help", "support",
    "weather", "chaos", "music", "art", "work", "homework", "pricing", "shipping", "billing", "tracking",
    "logging", "monitoring", "networking", "routing", "auth", "authentication", "authorization", "security",
    "compliance", "telemetry", "documentation", "iam", "rbac", "acl", "dns", "dhcp", "ipam", "dcim", "vpn",
    "wireless", "circuits", "tenancy", "virtualization", "extras", "core",
})
IRREGULAR = {  # singular -> plural
    "person": "people", "child": "children", "man": "men", "woman": "women", "mouse": "mice", "foot": "feet",
    "tooth": "teeth", "goose": "geese", "datum": "data", "criterion": "criteria", "phenomenon": "phenomena",
    "index": "indexes", "matrix": "matrices", "vertex": "vertices", "analysis": "analyses", "thesis": "theses",
    "crisis": "crises", "axis": "axes", "leaf": "leaves", "knife": "knives", "life": "lives", "wife": "wives",
    "half": "halves", "shelf": "shelves", "ox": "oxen", "cactus": "cacti", "radius": "radii", "status": "statuses",
    "bus": "buses", "alias": "aliases", "address": "addresses", "class": "classes", "process": "processes",
}
IRREGULAR_PLURALS = frozenset(IRREGULAR.values())
# verbs that name an action, not a collection (`router.register("clone", ...)`)
ACTION_WORDS = frozenset({"clone", "copy", "move", "merge", "send", "sync", "create", "delete", "update", "get",
                          "fetch", "list", "add", "remove", "edit", "set", "reset", "run", "start", "stop", "login",
                          "logout", "register", "verify", "confirm", "cancel", "approve", "reject", "publish",
                          "archive", "restore", "refresh", "resolve", "subscribe", "unsubscribe", "track", "notify",
                          "invite", "join", "leave", "transfer", "redeem", "refund", "pay", "charge", "void",
                          "generate", "convert", "calculate", "compute", "process", "handle", "parse", "scan",
                          "match", "compare", "diff", "test", "try", "retry", "ping", "echo", "lock", "unlock"})
_NOT_NOUN_ENDINGS = ("ing", "ed", "ly", "ize", "ise", "able", "ible", "ful", "less", "ous", "ive", "al")
_WORD_RE = re.compile(r"^[a-z]{3,}$")
_COMPOUND_TAILS = tuple(w for w in UNCOUNTABLE | IRREGULAR_PLURALS if len(w) >= 4)


def plural(word: str) -> str:
    """`user` -> `users`, `category` -> `categories`, `box` -> `boxes`, `person` -> `people`."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def singular_noun(word: str) -> Optional[str]:
    """``word`` when it is a singular countable noun that could name a collection, else None."""
    word = word.lower()
    if not _WORD_RE.match(word) or word in SINGLETONS or word in UNCOUNTABLE or word in IRREGULAR_PLURALS:
        return None
    if word in IRREGULAR:
        return word
    if any(word.endswith(u) for u in _COMPOUND_TAILS):
        return None  # `reusablemedia`, `userdata`, `salespeople`: the tail decides
    if word in ACTION_WORDS:
        return None
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return None  # a plural (or a word this cannot place)
    if word.endswith(("ss", "us", "is")):
        return None  # `address`, `status`, `analysis` are in IRREGULAR when known; others are not placed
    if word.endswith(_NOT_NOUN_ENDINGS):
        return None
    return word


def is_plural_of(candidate: str, word: str) -> bool:
    return candidate.lower() == plural(word)
