"""What backlint knows about cookies: which names are sensitive, and each framework's defaults.

No libcst here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional


@dataclass(frozen=True)
class CookieDefaults:
    """What `set_cookie()` does when an attribute is not passed."""

    framework: str
    secure: bool
    httponly: bool
    samesite: Optional[str]  # None: no SameSite attribute is sent


# Django `HttpResponse.set_cookie`, Flask/werkzeug `Response.set_cookie`, Starlette/FastAPI
# `Response.set_cookie` and aiohttp `StreamResponse.set_cookie` defaults.
DEFAULTS = {
    "django": CookieDefaults("Django", False, False, None),
    "flask": CookieDefaults("Flask/werkzeug", False, False, None),
    "starlette": CookieDefaults("Starlette/FastAPI", False, False, "lax"),
    "aiohttp": CookieDefaults("aiohttp", False, False, None),
}
_IMPORT_ROOTS = {
    "django": "django", "rest_framework": "django", "flask": "flask", "werkzeug": "flask",
    "quart": "flask", "starlette": "starlette", "fastapi": "starlette", "aiohttp": "aiohttp",
}


def framework_of(imported_roots: Iterable[str]) -> Optional[str]:
    """The one web framework a module imports, or None when it imports none or several."""
    found = {_IMPORT_ROOTS[r] for r in imported_roots if r in _IMPORT_ROOTS}
    return found.pop() if len(found) == 1 else None


# Words that make a cookie sensitive: it authenticates its bearer.
SENSITIVE_WORDS = frozenset({
    "session", "sessionid", "sess", "sid", "auth", "authentication", "token", "jwt", "login",
    "remember", "rememberme", "access", "refresh", "bearer", "identity", "credential",
    "credentials", "oauth", "oidc", "sso", "saml", "apikey", "key", "secret", "impersonate",
    "impersonation", "logged", "user", "userid", "uid",
})
# Cookies that must be readable by JavaScript (double-submit CSRF) or hold no authority.
CSRF_WORDS = frozenset({"csrf", "xsrf", "csrftoken"})
PREFERENCE_WORDS = frozenset({
    "theme", "lang", "language", "locale", "timezone", "tz", "currency", "consent", "banner", "dismissed", "sidebar", "layout", "view", "pref", "prefs",
    "preference", "preferences", "font", "mode", "dark", "tour", "seen", "notice",
    "history", "recent", "recently", "viewed", "done", "download", "tab", "sort",
})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z][a-z0-9]*|\d+")


def cookie_words(name: str) -> set:
    out = set()
    for chunk in re.split(r"[^A-Za-z0-9]+", name):
        out.update(w.lower() for w in _WORD.findall(chunk))
    return out


def classify(name: Optional[str]) -> Optional[str]:
    """``"csrf"``, ``"preference"``, ``"sensitive"`` or None (unknown) for a cookie name."""
    if not name:
        return None
    ws = cookie_words(name)
    if ws & CSRF_WORDS:
        return "csrf"
    if ws & PREFERENCE_WORDS and not ws & {"session", "auth", "token", "jwt", "sessionid", "sid"}:
        return "preference"
    if ws & SENSITIVE_WORDS:
        return "sensitive"
    return None


# Django settings (module level in production settings) that weaken the framework's cookies
DJANGO_COOKIE_SETTINGS = {
    "SESSION_COOKIE_SECURE": "the session cookie is sent over plain HTTP",
    "CSRF_COOKIE_SECURE": "the CSRF cookie is sent over plain HTTP",
    "SESSION_COOKIE_HTTPONLY": "JavaScript (and so any XSS) can read the session cookie",
    "LANGUAGE_COOKIE_SECURE": None,  # not sensitive
}
FLASK_COOKIE_SETTINGS = {
    "SESSION_COOKIE_SECURE": "the session cookie is sent over plain HTTP",
    "SESSION_COOKIE_HTTPONLY": "JavaScript (and so any XSS) can read the session cookie",
    "REMEMBER_COOKIE_SECURE": "the remember-me cookie is sent over plain HTTP",
    "REMEMBER_COOKIE_HTTPONLY": "JavaScript can read the remember-me cookie",
}
