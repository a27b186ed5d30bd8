"""What backlint knows about secrets in source code.

Plain data plus small predicates for the ``hardcoded-secret`` rule: which names bear secrets,
which values are placeholders rather than secrets, provider token formats, credentials inside
connection strings, and how to show a secret without revealing it.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Sequence, Tuple

from . import secret_values as sv

# -- names ------------------------------------------------------------------------------------------

# Single words that make a name secret-bearing.
STRONG_WORDS: FrozenSet[str] = frozenset({
    "password", "passwd", "passwrd", "pwd", "pass", "passphrase", "secret", "secrete", "pword",
    "passw",
    "apikey", "secretkey", "privatekey", "accesskey", "clientsecret", "dbpass", "dbpassword",
})
# "token" also names lexer tokens, CSRF field names and template markers (``upgrade_token``,
# ``_COLUMN_TOKEN = "column:"``): under these names only generated-looking values count.
TOKEN_WORDS: FrozenSet[str] = frozenset({"token", "tokens", "authtoken", "accesstoken", "refreshtoken"})
# Pairs of adjacent words that together name a secret (``api_key``, ``signing_key``).
STRONG_PAIRS: FrozenSet[Tuple[str, str]] = frozenset({
    ("api", "key"), ("secret", "key"), ("private", "key"), ("access", "key"), ("signing", "key"),
    ("encryption", "key"), ("master", "key"), ("auth", "key"), ("client", "secret"),
    ("app", "key"), ("license", "key"), ("sign", "key"), ("hmac", "key"), ("jwt", "key"),
    ("webhook", "key"), ("app", "secret"), ("consumer", "secret"),
})
# Words that make a name secret-bearing only for high-entropy values.
WEAK_WORDS: FrozenSet[str] = frozenset({
    "key", "auth", "credential", "credentials", "signature", "pin", "passcode", "seed",
    "hmac", "cookie", "bearer", "authorization", "dsn",
})
# A word after the secret word that says the name holds something about the secret, not the
# secret itself (``PASSWORD_FIELD``, ``TOKEN_URL``, ``PASSWORD_RESET_TIMEOUT``).
NON_SECRET_MODIFIERS: FrozenSet[str] = frozenset({
    "field", "fields", "name", "names", "label", "url", "uri", "urls", "endpoint", "path", "paths",
    "file", "filename", "dir", "directory", "header", "headers", "param", "params", "parameter",
    "prefix", "suffix", "length", "len", "size", "timeout", "ttl", "expiry", "expires",
    "expiration", "expire", "lifetime", "age", "duration", "seconds", "secs", "minutes", "mins",
    "hours", "days", "type", "types", "kind", "format", "pattern", "regex", "re", "validator",
    "validators", "hash", "hashed", "hasher", "hashers", "digest", "column", "col", "placeholder",
    "help", "message", "msg", "error", "errors", "hint", "prompt", "template", "id", "ids",
    "policy", "policies", "required", "enabled", "env", "var", "variable", "setting", "settings",
    "mode", "scheme", "algorithm", "algorithms", "alg", "location", "storage", "backend",
    "backends", "class", "handler", "view", "form", "input", "widget", "count", "attempts",
    "retries", "limit", "rate", "reset", "version", "index", "encoding", "charset", "chars",
    "separator", "delimiter", "rules", "strength", "complexity", "audience", "issuer", "scope",
    "scopes", "query", "route", "redirect", "callback", "source", "provider", "manager",
    "service", "store", "cache", "changed", "status", "state", "arn", "ref", "reference",
    "lookup", "key_name", "keyname", "description", "title", "text", "regexp", "min", "max",
    "used", "usage", "mask", "masked", "salt_length", "rotation", "rotated", "updated", "created",
    "at", "date", "time", "valid", "validity", "verify", "verification", "check", "checker",
    "generator", "factory", "model", "serializer", "schema", "table", "exempt", "category",
    "categories", "tag", "tags", "doc", "docs", "example", "examples", "sample", "samples",
    "metric", "counter", "salt", "salts",
})
# Words before the secret word that say the value is meant to be shared.
PUBLIC_QUALIFIERS: FrozenSet[str] = frozenset({"public", "publishable", "pub", "verify", "verifying"})
# Classes whose bodies list names, not values.
ENUM_BASES: FrozenSet[str] = frozenset({
    "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "TextChoices", "IntegerChoices", "Choices",
})

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(name: str) -> List[str]:
    """``aws_secret_access_key`` / ``apiKey`` / ``X-API-Key`` -> lower-case words."""
    out: List[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", name):
        out.extend(w.lower() for w in _CAMEL.findall(chunk))
    return out


def name_kind(name: str) -> Optional[str]:
    """``"strong"`` if ``name`` holds a secret, ``"weak"`` if it may (only generated-looking
    values count: ``key``, ``salt``, ``token``...), None if it does not (no secret word, or a
    word such as ``field``/``url`` follows it)."""
    ws = words(name)
    if not ws:
        return None
    if ws[-2:] == ["password", "salt"]:
        return "strong"  # Flask-Security's SECURITY_PASSWORD_SALT is an HMAC key, unlike other salts
    last_strong = -1
    last_weak = -1
    for i, w in enumerate(ws):
        if w in STRONG_WORDS:
            last_strong = max(last_strong, i)
        if i + 1 < len(ws) and (w, ws[i + 1]) in STRONG_PAIRS:
            last_strong = max(last_strong, i + 1)
        if w in WEAK_WORDS or w in TOKEN_WORDS:
            last_weak = max(last_weak, i)
    end = max(last_strong, last_weak)
    if end < 0:
        return None
    if any(w in PUBLIC_QUALIFIERS for w in ws[:end]):
        return None  # STRIPE_PUBLISHABLE_KEY, PUBLIC_KEY: meant to be shared
    if any(w in NON_SECRET_MODIFIERS for w in ws[end + 1:]):
        return None
    if last_strong >= 0 and not any(w in NON_SECRET_MODIFIERS for w in ws[last_strong + 1:]):
        return "strong"
    return "weak"


def env_name(name: str) -> str:
    """The environment variable a fix reads: ``app.secret_key`` -> ``SECRET_KEY``."""
    last = re.split(r"[.\[\]\"']+", name.strip(".[]\"'"))
    base = [p for p in last if p][-1] if any(last) else name
    ws = words(base)
    return "_".join(w.upper() for w in ws) or "SECRET"


# -- values -----------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"""^(
        <[^<>]*> | \{\{.*\}\} | \$\{[^}]*\} | \$[A-Z_][A-Z0-9_]* | %\([^)]*\)s | \{[^{}]*\} |
        \*+ | x{3,} | X{3,} | \.{2,} | … | -+ | _+ | \#+ | 0+ | \?+ |
        .*(\.\.\.|…) |  # truncated on purpose: "sk_live_..."
        .*\*{3,}.*         # masked: ":****", "sk_live_****1234"
    )$""",
    re.X,
)
_PLACEHOLDER_WORDS = re.compile(
    r"(^|[^a-z])(your|placeholder|example|sample|dummy|fake|redacted|replace|insert|enter|"
    r"todo|tbd|fixme|xxx+|none|null|nil|undefined|n/?a|here|goes|fill|put)([^a-z]|$)",
    re.I,
)
_WEAK_DEFAULT = re.compile(
    r"(^|[^a-z])(change[-_ ]?me|change[-_ ]?it|change[-_ ]?this|changeme\w*|dev|development|"
    r"insecure|not[-_ ]?(a[-_ ]?)?secret|unsafe|local|localdev|test|testing|debug)([^a-z]|$)",
    re.I,
)
# Lower-case words that make up field names and auth vocabulary, not secrets.
FIELD_WORDS: FrozenSet[str] = frozenset({
    "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "key", "api", "apikey",
    "access", "refresh", "id", "new", "old", "current", "confirm", "confirmation", "client",
    "auth", "authorization", "bearer", "basic", "digest", "user", "username", "type", "grant",
    "field", "name", "reset", "csrf", "xsrf", "session", "x", "header", "jwt", "oauth", "hs256",
    "rs256", "es256", "private", "public", "signing", "code", "verifier", "challenge", "repeat",
    "again", "hash", "hashed", "credentials", "credential", "login", "email", "otp", "totp",
    "mfa", "sms", "secure", "cookie", "value", "input", "form", "account", "admin", "root",
    "test", "none",
})
_FILE_LIKE = re.compile(r"^(/|~/|\./|\.\./|[A-Za-z]:\\)|\.(pem|key|crt|cer|der|p12|pfx|json|txt|env|ya?ml|toml|ini|cfg|jks|pub)$", re.I)
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.I)
_URI = re.compile(r"^(urn|tag|arn|data|mailto|file):", re.I)
_IDENTIFIER = re.compile(r"_*[a-z]+(_[a-z]+)+_*")
_ENV_VAR_NAME = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
_TEMPLATE = re.compile(r"\{[A-Za-z_]\w*\}|\{\}|%s|%\([a-z_]+\)s")


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def high_entropy(value: str) -> bool:
    """Looks generated: long enough, varied characters, digits mixed with letters, no spaces.

    Dotted paths and word lists (``django.contrib.auth.tokens.Generator``) and UUIDs (protocol
    constants such as the WebSocket GUID) do not count.
    """
    if len(value) < 16 or any(ch.isspace() for ch in value) or _UUID.match(value):
        return False
    if not any(c.isdigit() for c in value):
        # generated strings of this length without a digit are rare; words joined by . _ - are not
        return len(value) >= 32 and shannon_entropy(value) >= 4.2
    if not any(c.isalpha() for c in value):
        return len(value) >= 24 and shannon_entropy(value) >= 3.0
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return len(value) >= 20 and shannon_entropy(value) >= 3.0
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value),
         any(c.isdigit() for c in value), any(not c.isalnum() for c in value))
    )
    return classes >= 2 and shannon_entropy(value) >= 3.3


def is_placeholder(value: str) -> bool:
    stripped = value.strip()
    if not stripped:
        return True
    if _PLACEHOLDER.match(stripped):
        return True
    if "EXAMPLE" in stripped.upper():
        return True  # AWS's documented keys end in EXAMPLE / EXAMPLEKEY
    return bool(_PLACEHOLDER_WORDS.search(stripped))


def is_weak_default(value: str) -> bool:
    """A value that announces it is not meant for production (``changeme``, ``dev-secret``)."""
    return bool(_WEAK_DEFAULT.search(value.strip()))


def classify_value(value: str, name: str = "", strict: bool = False) -> Optional[str]:
    """``"secret"``, ``"weak"`` or None: see ``_classify``; under a password name, a
    default-account word (``DB_PASSWORD = "admin"``) is a weak credential and a typed snake_case
    phrase (``SMTP_PASSWORD = "super_secret_pw"``) a secret, where the shape alone says field name."""
    found = _classify(value, name, strict)
    if found is not None or strict or not name:
        return found
    stripped = value.strip()
    name_words = words(name.rsplit(".", 1)[-1])
    if len(stripped) < 4 or not sv.is_password_name(name_words) or is_placeholder(stripped) \
            or is_weak_default(stripped) or sv.is_self_describing(stripped, FIELD_WORDS):
        return None
    if sv.is_default_account_password(stripped, name_words):
        return "weak"
    if sv.is_password_lookalike(stripped, name_words):
        return "secret"
    return None


def _classify(value: str, name: str = "", strict: bool = False) -> Optional[str]:
    """``"secret"``, ``"weak"`` (a change-me style default: lower severity) or None (not a
    secret: empty, a placeholder, a field name, a URL or path, a sentence, a template).

    ``strict``: the position itself takes a secret (``jwt.encode(payload, "...")``), so only
    empty values and placeholders are excused.
    """
    stripped = value.strip()
    if not stripped or is_placeholder(stripped):
        return None
    if strict:
        if sv.is_public_key(stripped):
            return None  # jwt.decode(token, "-----BEGIN PUBLIC KEY-----...")
        return "weak" if is_weak_default(stripped) else "secret"
    if len(stripped) < 4:
        # too short to be a real credential, and usually a code or a key name; "dev" is the
        # classic development default
        return "weak" if is_weak_default(stripped) else None
    if sv.is_sentence(stripped) or sv.is_public_key(stripped):
        return None  # a label, a prompt, an error message; an SSH host key, a certificate
    if sv.is_key_path(stripped) or sv.is_label(stripped, FIELD_WORDS):
        return None  # "rag.openai.api_key", "app:status:v4": a setting or cache key; "Passwords"
    if _URL.match(stripped) or _FILE_LIKE.search(stripped) or _URI.match(stripped):
        return None
    if _IDENTIFIER.fullmatch(stripped):
        return None  # "exclude_from_auth", "_auth_user_id": a key or attribute name
    if _TEMPLATE.search(stripped) or _ENV_VAR_NAME.match(stripped):
        return None
    if re.match(r"^pk_(live|test)_", stripped):
        return None  # Stripe publishable keys are public by design
    norm = stripped.lower().replace("-", "_")
    if name and norm == "_".join(words(name)):
        return None  # PASSWORD = "password": the name of a field or key
    if re.fullmatch(r"[a-z]+([_\-.][a-z]+)*", stripped):
        if all(w in FIELD_WORDS for w in re.split(r"[_\-.]", stripped)):
            return None  # "access_token", "x-api-key", "bearer"
    if is_weak_default(stripped) or sv.is_filler(stripped):
        return "weak"
    if sv.is_self_describing(stripped, FIELD_WORDS):
        return None  # "secret-key-missing!": a sentinel that says no secret was configured
    return "secret"


def short_credential_token(name: str, value: str) -> bool:
    """``GITHUB_TOKEN = "x9Fk2Lq"``: a credential-token name holding a short generated-looking
    value, which the 16-character entropy test would miss."""
    return sv.is_credential_token_name(words(name.rsplit(".", 1)[-1])) and sv.is_short_token(value)


def looks_like_password(value: str) -> bool:
    """For comparisons with a password name (``if pwd == "guest"``): a single word of at least 4
    characters. Whether it is a field name, a placeholder or an identifier is decided by
    ``classify_value`` afterwards; names like ``token`` (parser code: ``token == "else"``) never
    get here."""
    value = value.strip()
    return len(value) >= 4 and not any(ch.isspace() for ch in value)


def strip_auth_scheme(value: str) -> str:
    """``"Bearer abc"`` -> ``"abc"`` (the credential of an Authorization header value)."""
    m = re.match(r"^(bearer|basic|token|digest|apikey|key)\s+(\S+)$", value.strip(), re.I)
    return m.group(2) if m else value


# -- provider formats --------------------------------------------------------------------------------

@dataclass(frozen=True)
class TokenFormat:
    label: str
    pattern: "re.Pattern[str]"
    shown: int  # characters of the match that are a type marker, safe to show
    # literal text every match contains: the pattern is not run on a text that holds none of it
    # (a literal is searched for 17 formats; most hold no hint of any)
    hints: Tuple[str, ...] = ()


TOKEN_FORMATS: Tuple[TokenFormat, ...] = (
    TokenFormat("AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"), 4, ("AKIA", "ASIA", "ABIA", "ACCA")),
    TokenFormat("GitHub token", re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}"), 4, ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    TokenFormat("GitHub fine-grained token", re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{50,}"), 11, ("github_pat_",)),
    TokenFormat("GitLab token", re.compile(r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_\-]{20,}"), 6, ("glpat-",)),
    TokenFormat("Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9]{8,}-[A-Za-z0-9\-]{8,}"), 5, ("xox",)),
    TokenFormat("Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}"), 29, ("https://hooks.slack.com/services/T",)),
    TokenFormat("Stripe secret key", re.compile(r"(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"), 8, ("k_live_", "k_test_")),
    TokenFormat("Google API key", re.compile(r"(?<![A-Za-z0-9_\-])AIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])"), 4, ("AIza",)),
    TokenFormat("SendGrid API key", re.compile(r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{30,64}"), 3, ("SG.",)),
    TokenFormat("Twilio API key", re.compile(r"(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![0-9a-fA-F])"), 2, ("SK",)),
    TokenFormat("npm token", re.compile(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"), 4, ("npm_",)),
    TokenFormat("PyPI token", re.compile(r"(?<![A-Za-z0-9_])pypi-AgE[A-Za-z0-9_\-]{50,}"), 5, ("pypi-AgE",)),
    TokenFormat("OpenAI API key", re.compile(r"(?<![A-Za-z0-9_])sk-(?:proj-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}"), 3, ("T3BlbkFJ",)),
    TokenFormat("Anthropic API key", re.compile(r"(?<![A-Za-z0-9_])sk-ant-[A-Za-z0-9_\-]{32,}"), 7, ("sk-ant-",)),
    TokenFormat(
        "JSON Web Token",
        re.compile(r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{20,}"),
        3,
        ("eyJ",),
    ),
    TokenFormat("Mailgun API key", re.compile(r"(?<![A-Za-z0-9_])key-[0-9a-f]{32}(?![0-9a-f])"), 4, ("key-",)),
    TokenFormat(
        "private key (PEM)",
        re.compile(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
            r"\s*(?:[A-Za-z0-9-]+:[^\n]*\n\s*)*[A-Za-z0-9+/=]{40,}"
        ),
        10,
        ("-----BEGIN ",),
    ),
)

PRIVATE_KEY_LABEL = "private key (PEM)"


def live_in_tests(label: str, token: str) -> bool:
    """Whether a provider token found in test code is in a format that works outside the tests:
    JSON Web Tokens (signed, usually expired test fixtures) and Stripe test-mode keys are not."""
    if label == "JSON Web Token":
        return False
    return not token.startswith(("sk_test_", "rk_test_"))


_EXAMPLE_TOKEN = re.compile(r"example|EXAMPLE|x{8,}|X{8,}|0{12,}|1234567890abcdef|abcdef1234567890")


def find_token(text: str) -> Optional[Tuple[str, str, int]]:
    """(label, matched token, shown prefix length) of the first provider token in ``text``."""
    contains = text.__contains__
    for fmt in TOKEN_FORMATS:
        if fmt.hints and not any(map(contains, fmt.hints)):
            continue
        for m in fmt.pattern.finditer(text):
            token = m.group(0)
            body = token[fmt.shown:]
            if _EXAMPLE_TOKEN.search(token) or len(set(body)) < 6:
                continue  # documentation examples (AKIAIOSFODNN7EXAMPLE), filler
            return fmt.label, token, fmt.shown
    return None


# -- credentials in connection strings -----------------------------------------------------------------

_URL_CREDENTIALS = re.compile(
    r"\b([a-z][a-z0-9+.\-]*)://([^\s:/@'\"?#]*):([^\s@/'\"]+)@([^\s/:'\"?#]+)", re.I
)
_DSN_PASSWORD = re.compile(r"(?:^|[\s;])(?:password|pwd)\s*=\s*('[^']*'|[^\s;'\"]+)", re.I)
_DSN_OTHER = re.compile(r"(?:^|[\s;])(?:host|hostaddr|dbname|user|server|uid|database|data source|port)\s*=", re.I)
_URL_PLACEHOLDER_PASSWORDS: FrozenSet[str] = frozenset({
    "password", "pass", "passwd", "pwd", "pw", "secret", "xxx", "xxxx", "****", "***",
})
_LOCAL_HOSTS: FrozenSet[str] = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1"})


@dataclass(frozen=True)
class UrlCredential:
    scheme: str
    user: str
    password: str
    host: str
    severity: str  # "secret" | "weak"


def _password_class(password: str, user: str, host: str) -> Optional[str]:
    if password.lower() in _URL_PLACEHOLDER_PASSWORDS or is_placeholder(password):
        return None
    if user.lower() in ("anonymous", "ftp"):
        return None  # anonymous FTP: the "password" is by convention an e-mail address or "guest"
    if _TEMPLATE.search(password) or password.startswith("$"):
        return None
    if is_weak_default(password) or password == user:
        return "weak"
    if host.lower() in _LOCAL_HOSTS and not high_entropy(password):
        return "weak"
    return "secret"


def find_url_credential(text: str) -> Optional[UrlCredential]:
    """A ``scheme://user:password@host`` with a literal, non-placeholder password."""
    for m in _URL_CREDENTIALS.finditer(text):
        scheme, user, password, host = m.group(1), m.group(2), m.group(3), m.group(4)
        kind = _password_class(password, user, host)
        if kind is not None:
            return UrlCredential(scheme, user, password, host, kind)
    return None


def find_dsn_password(text: str) -> Optional[Tuple[str, str]]:
    """(password, severity) from a libpq/ODBC key-value connection string."""
    if not _DSN_OTHER.search(text):
        return None
    m = _DSN_PASSWORD.search(text)
    if not m:
        return None
    password = m.group(1).strip("'")
    kind = _password_class(password, "", "")
    return (password, kind) if kind else None


# -- calls that take a secret positionally --------------------------------------------------------------

@dataclass(frozen=True)
class SecretArg:
    display: str
    position: Optional[int]
    keyword: Optional[str]


SECRET_ARGUMENTS = {
    "jwt.encode": SecretArg("jwt.encode", 1, "key"),
    "jwt.decode": SecretArg("jwt.decode", 1, "key"),
    "jose.jwt.encode": SecretArg("jose.jwt.encode", 1, "key"),
    "jose.jwt.decode": SecretArg("jose.jwt.decode", 1, "key"),
    "jwt.api_jwt.encode": SecretArg("jwt.encode", 1, "key"),
    "hmac.new": SecretArg("hmac.new", 0, "key"),
    "hmac.digest": SecretArg("hmac.digest", 0, "key"),
    "itsdangerous.URLSafeTimedSerializer": SecretArg("URLSafeTimedSerializer", 0, "secret_key"),
    "itsdangerous.URLSafeSerializer": SecretArg("URLSafeSerializer", 0, "secret_key"),
    "itsdangerous.TimestampSigner": SecretArg("TimestampSigner", 0, "secret_key"),
    "itsdangerous.Signer": SecretArg("Signer", 0, "secret_key"),
    "itsdangerous.Serializer": SecretArg("Serializer", 0, "secret_key"),
    "cryptography.fernet.Fernet": SecretArg("Fernet", 0, "key"),
    "requests.auth.HTTPBasicAuth": SecretArg("HTTPBasicAuth", 1, "password"),
    "requests.auth.HTTPDigestAuth": SecretArg("HTTPDigestAuth", 1, "password"),
    "requests.auth.HTTPProxyAuth": SecretArg("HTTPProxyAuth", 1, "password"),
    "httpx.BasicAuth": SecretArg("httpx.BasicAuth", 1, "password"),
    "httpx.DigestAuth": SecretArg("httpx.DigestAuth", 1, "password"),
    "aiohttp.BasicAuth": SecretArg("aiohttp.BasicAuth", 1, "password"),
    "ftplib.FTP": SecretArg("ftplib.FTP", 2, "passwd"),
    "ftplib.FTP_TLS": SecretArg("ftplib.FTP_TLS", 2, "passwd"),
    "twilio.rest.Client": SecretArg("twilio Client", 1, "password"),
}
# Methods that take (user, password): ``smtp.login("me", "pw")``.
LOGIN_METHODS: FrozenSet[str] = frozenset({"login", "starttls_login"})
LOGIN_RECEIVERS: Tuple[str, ...] = ("smtplib.", "ftplib.", "imaplib.", "poplib.")
# Keyword arguments that carry (user, password) tuples.
AUTH_TUPLE_KEYWORDS: FrozenSet[str] = frozenset({"auth", "basic_auth", "http_auth", "proxy_auth"})

# Calls that read configuration: the second argument is a fallback value, not an assignment.
ENV_LOOKUPS: FrozenSet[str] = frozenset({
    "os.environ.get", "os.getenv", "os.environ.setdefault", "decouple.config",
})


# -- redaction ------------------------------------------------------------------------------------------

def redact(value: str, shown: Optional[int] = None) -> str:
    """A short prefix and an ellipsis, never the whole value.

    At most 4 characters and at most a third of the value are shown, unless ``shown`` names a
    provider's type marker (``ghp_``, ``sk_live_``), which says what the token is, not what it is.
    """
    value = value.strip()
    if shown is None:
        shown = min(4, len(value) // 3)
    shown = min(shown, max(0, len(value) - 8)) if shown > 4 else shown
    return value[:shown] + "…"


def first_line(value: str) -> str:
    return value.splitlines()[0] if value else value


def any_in(names: Sequence[str], text: str) -> bool:
    return any(n in text for n in names)
