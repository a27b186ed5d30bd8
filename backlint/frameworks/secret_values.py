"""What a string literal is when it sits under a secret-sounding name but holds no secret.

Small predicates used by ``frameworks.secrets.classify_value``. Each answers one question about
the *value* (not the name): is it a configuration or cache key path, a display label, a public
key, a self-describing sentinel, a sentence, keyboard filler? Real application code names
things ``OPENAI_API_KEY = "rag.openai.api_key"`` or ``RESOURCE_PASSWORD = "Passwords"``; the
name alone says nothing about whether a secret is written down.
"""
from __future__ import annotations

import re
from typing import FrozenSet, Iterable

# ``web.search.bing_api_key``, ``weblate:support:status:4``, ``app/settings/token``: a path of
# lower-case words joined by dots, colons or slashes. Generated secrets mix case and digits at
# random; such paths are made of words.
_KEY_SEGMENT = re.compile(r"[a-z][a-z0-9_\-]*|\d+")
_KEY_SEPARATORS = re.compile(r"[.:/]")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_key_path(value: str) -> bool:
    """A dotted/colon-separated key of lower-case words (config keys, cache keys, setting paths)."""
    if not _KEY_SEPARATORS.search(value) or value != value.strip():
        return False
    parts = _KEY_SEPARATORS.split(value)
    if len(parts) < 2 or any(not p for p in parts):
        return False
    if "." in value and _IDENTIFIER.fullmatch(parts[-1]) and len(parts) >= 3:
        parts = parts[:-1]  # "pkg.models.xcom.XCOM_RETURN_KEY": a dotted import path
    if not all(_KEY_SEGMENT.fullmatch(p) for p in parts):
        return False
    words = [w for p in parts for w in re.split(r"[_\-]", p) if w and not w.isdigit()]
    # every alphabetic piece reads like a word: has a vowel (or is a short abbreviation)
    return len(words) >= 2 and all(re.search(r"[aeiouy]", w) or len(w) <= 4 for w in words)


# ``-----BEGIN PUBLIC KEY-----``, SSH host keys (``ssh-rsa AAAAB3NzaC1yc2E...`` or the bare base64
# body, which always starts with the encoded key type), certificates: meant to be shared.
_PUBLIC_MARKERS = (
    "-----BEGIN PUBLIC KEY", "-----BEGIN RSA PUBLIC KEY", "-----BEGIN CERTIFICATE",
    "-----BEGIN OPENSSH PUBLIC KEY", "-----BEGIN PGP PUBLIC KEY", "-----BEGIN SSH2 PUBLIC KEY",
    "-----BEGIN X509 CRL", "-----BEGIN CERTIFICATE REQUEST",
)
_SSH_PUBLIC = re.compile(
    r"^(?:(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com)\s+)?"
    r"AAAA(?:B3NzaC1yc2E|B3NzaC1kc3M|C3NzaC1lZDI1NTE5|E2VjZHNhLXNoYTItbmlzdHA|C3NzaC1lZDQ0OA)"
)


def is_public_key(value: str) -> bool:
    stripped = value.strip()
    return any(marker in stripped for marker in _PUBLIC_MARKERS) or bool(_SSH_PUBLIC.match(stripped))


# Words that, together with secret vocabulary, make a value describe itself instead of being a
# secret: ``"secret-key-missing!"`` (a sentinel the application refuses to start with),
# ``"build-time-secret-key"``, ``"password-not-set"``.
SENTINEL_WORDS: FrozenSet[str] = frozenset({
    "missing", "unset", "notset", "not", "set", "default", "defaults", "configured", "unconfigured",
    "required", "invalid", "disabled", "empty", "build", "time", "generated", "value", "values",
    "no", "is", "must", "be", "please", "provide", "provided", "unknown", "specify", "specified",
    "absent", "blank", "overridden", "override", "me",
})


def is_self_describing(value: str, vocabulary: Iterable[str]) -> bool:
    """Made only of secret vocabulary and sentinel words, with at least one sentinel word."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", value.lower()) if w]
    vocab = set(vocabulary)
    if not words or not any(w in SENTINEL_WORDS for w in words):
        return False
    return all(w in SENTINEL_WORDS or w in vocab for w in words)


# A piece of prose: a word (``password``, ``MongoDB``, ``OAuth2``, ``private_key``, ``don't``) with
# its punctuation, a small number, a dash. Pieces of a key mix symbols and digits into letters.
_WORDLIKE = re.compile(
    r"[\"'(\[`]*[A-Za-z]+(?:[_'\-][A-Za-z]+)*\d{0,2}[.,:;!?\"')\]`]*"
    r"|[\"'(]*\d{1,4}[.,:;)]*|[-–—&/]"
)


def is_sentence(value: str) -> bool:
    """Words separated by spaces (a label, a prompt, an error message), unlike a passphrase-like
    key with spaces in it (``'q7#Lz 9!vW@2 kP'``), whose pieces are not words."""
    pieces = value.split()
    if len(pieces) < 2:
        return False
    wordlike = sum(1 for p in pieces if _WORDLIKE.fullmatch(p))
    return wordlike >= 0.75 * len(pieces)


def is_label(value: str, vocabulary: Iterable[str]) -> bool:
    """A display label made of secret vocabulary: ``"Passwords"``, ``"API Key"``, ``"Secret"``."""
    words = [w for w in re.split(r"[\s_\-./]+", value.strip()) if w]
    if not words or not all(re.fullmatch(r"[A-Za-z]+", w) for w in words):
        return False
    vocab = set(vocabulary)
    return all(w.lower() in vocab or (w.lower().endswith("s") and w.lower()[:-1] in vocab) for w in words)


def is_filler(value: str) -> bool:
    """Runs of consecutive characters (``"12345678"``, ``"abcdefgh…XYZ0123456789"``): typed to
    fill a field, not generated. Such values are weak defaults at best."""
    if len(value) < 6:
        return False
    steps = sum(1 for a, b in zip(value, value[1:]) if ord(b) - ord(a) in (0, 1))
    return steps >= 0.8 * (len(value) - 1)


# -- values that are credentials although they look like words -----------------------------------
# The secret word of a name that holds a password (not a key, a token or a salt).
PASSWORD_WORDS: FrozenSet[str] = frozenset({
    "password", "passwd", "passwrd", "pwd", "pass", "passphrase", "pword", "passw", "dbpass",
    "dbpassword",
})
# Single words that are classic default-account passwords: `DB_PASSWORD = "admin"` is a
# credential (a weak one), unlike `PASSWORD_FIELD = "password"`, which names a field.
DEFAULT_ACCOUNT_WORDS: FrozenSet[str] = frozenset({
    "admin", "root", "secret", "guest", "user", "login", "master", "postgres", "mysql",
    "superuser", "administrator", "toor", "letmein", "qwerty", "welcome", "sysadmin",
})
# Words of a snake_case value that make it a field or attribute name (`"user_password"`,
# `"password_hash"`, `"_auth_user_id"`) rather than a password someone typed (`"super_secret_pw"`).
_FIELD_NAME_WORDS: FrozenSet[str] = frozenset({
    "password", "passwd", "passphrase", "hash", "hashed", "field", "fields", "name", "id", "key",
    "column", "col", "attr", "attribute", "input", "form", "user", "username", "email", "login",
    "token", "confirm", "confirmation", "new", "old", "current", "repeat", "again", "reset",
    "param", "option", "setting", "config", "env", "var", "header", "cookie", "session", "label",
    "placeholder", "widget", "value", "type", "auth", "from", "exclude", "include", "is", "has",
    "to", "for", "of", "by", "with", "enabled", "required", "set", "get", "check", "validate",
})
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
# Words before a token word that make the name a credential (`GITHUB_TOKEN`, `api_token`,
# `bot_token`), unlike a lexer or template token (`_COLUMN_TOKEN`, `upgrade_token`).
CREDENTIAL_TOKEN_QUALIFIERS: FrozenSet[str] = frozenset({
    "api", "auth", "access", "refresh", "bearer", "bot", "github", "gitlab", "slack", "discord",
    "telegram", "personal", "service", "admin", "secret", "client", "app", "oauth", "master",
    "bitbucket", "npm", "pypi", "docker", "registry", "deploy", "ci", "webhook", "private",
    "sentry", "heroku", "vault", "hf", "huggingface", "openai", "cloudflare", "digitalocean",
})


def is_password_name(name_words) -> bool:
    """The last secret word of the name is a password word (``DB_PASSWORD``, ``smtp_pwd``)."""
    for word in reversed(list(name_words)):
        if word in PASSWORD_WORDS:
            return True
        if word in ("key", "token", "secret", "salt", "apikey", "secretkey"):
            return False
    return False


def is_default_account_password(value: str, name_words) -> bool:
    """``DB_PASSWORD = "admin"``: a default-account word that is not a word of the name."""
    word = value.strip().lower()
    return word in DEFAULT_ACCOUNT_WORDS and word not in set(name_words)


def is_password_lookalike(value: str, name_words) -> bool:
    """``SMTP_PASSWORD = "super_secret_pw"``: a snake_case value with no field-name word in it."""
    if not _SNAKE.fullmatch(value):
        return False
    parts = value.split("_")
    if any(p in _FIELD_NAME_WORDS for p in parts) or value == "_".join(name_words):
        return False
    return len(value) >= 6


def is_credential_token_name(name_words) -> bool:
    """``GITHUB_TOKEN``, ``api_token``, ``botToken``: a token word right after a credential word."""
    ws = list(name_words)
    for i, word in enumerate(ws):
        if word in ("token", "tokens") and i > 0 and ws[i - 1] in CREDENTIAL_TOKEN_QUALIFIERS:
            return i == len(ws) - 1 or ws[i + 1] in ("value", "secret")
        if word in ("authtoken", "accesstoken", "refreshtoken"):
            return i == len(ws) - 1
    return False


def is_short_token(value: str) -> bool:
    """A short generated-looking token (``"x9Fk2Lq"``, ``"abc123def"``): 6+ characters, no spaces,
    digits mixed into letters of both cases or more than once (the high-entropy test wants 16+);
    not a name with a number (``"column_v2"``, ``"token123"``) or a version."""
    value = value.strip()
    if len(value) < 6 or any(ch.isspace() for ch in value) or len(set(value)) < 6:
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    if re.fullmatch(r"[A-Za-z]+(?:[_\-.][A-Za-z]+)*[_\-.]?v?\d{0,3}", value) or re.fullmatch(r"v?\d+(\.\d+)*", value):
        return False
    mixed = len(re.findall(r"[A-Za-z]\d|\d[A-Za-z]", value))
    cased = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return mixed >= 2 or (cased and mixed >= 1)
