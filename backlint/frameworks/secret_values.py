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
