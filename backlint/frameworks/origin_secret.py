"""Which values carry a secret, and which calls make a secret safe to show (value-origin model).

Secret-bearing: a variable, parameter, attribute or key named as a password, token, API key or
private key (``password``, ``api_key``, ``access_token``, ``client_secret``; not
``password_field``, ``token_url``, ``page_token``); the ``Authorization`` header or cookie
values read from a request; a settings value named as a secret (``settings.SECRET_KEY``); a
whole credentials object (``credentials``, ``creds``) or the ``DATABASES`` settings dict.
Sanitised: a length, a prefix (``token[:4]``), a mask, a redaction, a hash or fingerprint.
"""
from __future__ import annotations

import functools
import re
from typing import FrozenSet, Optional

from .._lazy import cst

from . import secrets as sk

_TOKEN_WORDS: FrozenSet[str] = frozenset({
    "token", "tokens", "accesstoken", "authtoken", "refreshtoken", "bearer",
    "credentials", "creds", "apikey", "sessionid", "cookie",
})
# Words that make a token-ish name something else (paging cursors, lexer tokens, CSRF markers).
_NOT_SECRET_WORDS: FrozenSet[str] = frozenset({
    "page", "next", "continuation", "cursor", "sync", "lexer", "parse", "parser", "tokenizer",
    "csrf", "xsrf", "count", "counts", "usage", "used", "limit", "max", "min", "num", "number",
    "type", "types", "id", "ids", "uuid", "expires", "expiry", "expiration", "expired", "name",
    "names", "kind", "len", "length", "prefix", "suffix", "hint", "last", "obj", "object",
    "model", "models", "pk", "label", "masked", "redacted", "hash", "hashed", "digest",
    "fingerprint", "user", "username", "owner", "created", "is", "has", "use", "valid",
    "invalid", "new", "old", "stream", "streaming", "output", "input", "completion", "prompt",
    "max_tokens", "total", "reset", "confirm", "confirmation", "change", "changed", "policy",
    "required", "set", "manager", "form", "forms", "field", "fields", "str", "string",
    "hook", "hooks", "command", "cmd", "script", "program", "estimated", "truncated", "remaining",
    "budget", "window", "context", "llm", "generated", "tiktoken", "chunk", "chunks",
    "claims", "claim", "scopes", "audience", "issuer", "server", "servers", "endpoint",
    "endpoints", "url", "urls", "uri", "metadata", "supported", "methods", "method",
    # what is said *about* a token (an OTP device's serial, a template's info, its timestamp,
    # its realm), a monthly token budget, and `pass` as in pass-through (RADIUS passthru)
    "serial", "serials", "info", "dt", "time", "timestamp", "month", "realm", "realms", "thru",
    "through", "passthru", "passthrough",
})
# "authorization" names a secret only as the header itself (see ``secret_header``):
# `authorization_servers`, `authorization_url` are discovery metadata.
# Headers (lower case) that carry credentials.
SECRET_HEADERS: FrozenSet[str] = frozenset({
    "authorization", "http_authorization", "proxy-authorization", "x-api-key", "x-auth-token",
    "http_x_api_key", "http_x_auth_token", "cookie", "http_cookie", "x-csrftoken",
})
# Settings that hold every credential of the deployment.
SECRET_SETTINGS_DICTS: FrozenSet[str] = frozenset({"DATABASES", "CACHES", "EMAIL_HOST_PASSWORD"})
# Functions and methods (any word of the last name part) that make a secret safe to show.
SANITISER_WORDS: FrozenSet[str] = frozenset({
    "mask", "masked", "redact", "redacted", "obfuscate", "obfuscated", "censor", "scrub",
    "sanitize", "sanitise", "hide", "truncate", "fingerprint", "hexdigest", "digest", "hash",
    "sha256", "sha1", "md5", "blake2b", "anonymize", "len", "bool", "elide", "shorten",
})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z][a-z0-9]*|\d+")


def _words(name: str):
    out = []
    for chunk in re.split(r"[^A-Za-z0-9]+", name):
        out.extend(w.lower() for w in _WORD.findall(chunk))
    return out


@functools.lru_cache(maxsize=1 << 16)  # 4096 was too few for one large application's names
def secret_name(name: Optional[str]) -> bool:
    """True when a variable, attribute, parameter or key named ``name`` holds a secret."""
    if not name or len(name) > 60:
        return False
    ws = _words(name)
    if not ws or any(w in _NOT_SECRET_WORDS for w in ws):
        return False
    kind = sk.name_kind(name)
    if kind == "strong":
        return not (len(ws) == 1 and ws[0] == "pass")  # `pass` as a word is rarely a password
    if ws[-1] == "tokens" and not any(w in ("access", "auth", "api", "refresh", "bearer", "session") for w in ws):
        return False  # `tokens`, `num_tokens`: counted text pieces (LLMs, lexers), not credentials
    if ws in (["authorization"], ["http", "authorization"]):
        return True  # the header's value itself
    if kind == "weak":
        return any(w in _TOKEN_WORDS for w in ws)
    return ws[-1] in ("credentials", "creds", "credential")  # a whole credentials object


# Words of a module path or function name that make a bare `token` something public or
# syntactic: ACME DNS-01 challenge tokens published in TXT records, lexer and template tokens,
# paging cursors, CSRF form tokens.
NON_CREDENTIAL_TOKEN_CONTEXT: FrozenSet[str] = frozenset({
    "acme", "challenge", "challenges", "dns", "txt", "record", "records", "lexer", "lex", "parse",
    "parser", "parsing", "tokenize", "tokenizer", "tokenizers", "grammar", "template",
    "templatetags", "csrf", "paginate", "pagination", "paginator", "cursor", "page", "nlp",
})


# Words before "token" that make it a credential (`access_token`, `aws_session_token`).
CREDENTIAL_TOKEN_QUALIFIERS: FrozenSet[str] = frozenset({
    "access", "auth", "api", "refresh", "bearer", "session", "id", "oauth", "jwt", "personal",
    "bot", "client", "secret", "private", "github", "gitlab", "slack", "service", "user", "app",
    "installation", "invite", "invitation", "reset", "verification", "activation", "sso", "saml",
    "oidc", "login", "identity", "security", "authorization", "authentication", "account",
})
# Words of a module path or function name that say the code handles credentials.
CREDENTIAL_CONTEXT: FrozenSet[str] = frozenset({
    "auth", "authenticate", "authentication", "authorization", "login", "logout", "oauth",
    "oauth2", "jwt", "session", "sessions", "sso", "saml", "oidc", "credential", "credentials",
    "password", "signup", "invite", "account", "accounts", "users", "user", "api", "apikey",
    "apikeys", "authtoken", "secret", "secrets", "bearer", "identity",
})


def token_only(name: str) -> bool:
    """A name whose only secret word is ``token``/``tokens``, without a credential qualifier
    (``token``, ``self.token``, ``reservation_token``; not ``access_token``)."""
    ws = _words(name.rsplit(".", 1)[-1])
    if not ws or ws[-1] not in ("token", "tokens"):
        return False
    return not any(w in CREDENTIAL_TOKEN_QUALIFIERS for w in ws[:-1])


def token_is_not_credential(path: str, function: str) -> bool:
    """A token-only name counts as a credential only in code about credentials: a module or
    function named for authentication, sessions, API keys, users... Elsewhere it is as likely
    an ACME challenge, a lexer, paging, reservation or concurrency-slot token."""
    ws = set(_words(path.replace("/", " ").replace("\\", " "))) | set(_words(function))
    if ws & NON_CREDENTIAL_TOKEN_CONTEXT:
        return True
    return not (ws & CREDENTIAL_CONTEXT)


def secret_header(key: Optional[str]) -> bool:
    return bool(key) and key.lower() in SECRET_HEADERS


@functools.lru_cache(maxsize=2048)
def sanitiser(name: str) -> bool:
    """``mask_token``, ``redact``, ``hashlib.sha256``, ``len``, ``obfuscate_password``."""
    ws = _words(name.rsplit(".", 1)[-1]) if name else []
    return any(w in SANITISER_WORDS for w in ws)


def _small_int(node) -> Optional[int]:
    if type(node) is cst.UnaryOperation and type(node.operator) is cst.Minus:
        inner = _small_int(node.expression)
        return -inner if inner is not None else None
    if type(node) is cst.Integer:
        return int(node.value, 0) if node.value.isdigit() else None
    return None


def short_end(piece: cst.Slice) -> bool:
    """``[:n]`` or ``[-n:]`` with a literal n of at most 8: a prefix or a suffix."""
    if piece.step is not None:
        return False
    if piece.lower is None and piece.upper is not None:
        n = _small_int(piece.upper)
        return n is not None and 0 <= n <= 8
    if piece.upper is None and piece.lower is not None:
        n = _small_int(piece.lower)
        return n is not None and -8 <= n < 0
    return False
