"""What backlint knows about hashing passwords: fast digests, KDF costs, weak hashers and schemes.

No libcst here.
"""
from __future__ import annotations

import re
from typing import Optional

# hashlib constructors that are fast digests (a GPU tries billions of them per second)
FAST_DIGESTS = frozenset({
    "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384",
    "sha3_512", "blake2b", "blake2s", "shake_128", "shake_256",
})


def fast_digest(qualname: Optional[str]) -> Optional[str]:
    """``hashlib.sha256`` -> ``sha256``; also ``hashlib.new`` -> ``new``."""
    if not qualname:
        return None
    for prefix in ("hashlib.", "_hashlib.openssl_"):
        if qualname.startswith(prefix):
            rest = qualname[len(prefix):]
            if rest in FAST_DIGESTS or rest == "new":
                return rest
    if qualname.startswith("Crypto.Hash.") and qualname.endswith(".new"):
        return qualname.split(".")[2].lower()
    return None


PBKDF2 = ("hashlib.pbkdf2_hmac",)
PBKDF2_MIN_ITERATIONS = 100_000
PBKDF2_RECOMMENDED = {"sha1": 1_300_000, "sha256": 600_000, "sha512": 210_000}

# Django hashers that must not lead PASSWORD_HASHERS (the first one hashes new passwords).
WEAK_DJANGO_HASHERS = {
    "MD5PasswordHasher": "salted MD5",
    "SHA1PasswordHasher": "salted SHA1",
    "UnsaltedMD5PasswordHasher": "unsalted MD5",
    "UnsaltedSHA1PasswordHasher": "unsalted SHA1",
    "CryptPasswordHasher": "DES crypt",
}


def weak_django_hasher(path: str) -> Optional[str]:
    return WEAK_DJANGO_HASHERS.get(path.rsplit(".", 1)[-1])


# passlib schemes that are fast, unsalted or truncating
WEAK_PASSLIB_SCHEMES = frozenset({
    "md5_crypt", "apr_md5_crypt", "des_crypt", "bsdi_crypt", "bigcrypt", "crypt16", "lmhash",
    "nthash", "hex_md4", "hex_md5", "hex_sha1", "hex_sha256", "hex_sha512", "ldap_md5",
    "ldap_sha1", "ldap_salted_md5", "ldap_salted_sha1", "ldap_plaintext", "plaintext",
    "mysql323", "mysql41", "postgres_md5", "oracle10", "oracle11", "msdcc", "msdcc2",
    "django_salted_md5", "django_salted_sha1", "django_des_crypt", "django_disabled",
    "unix_disabled", "roundup_plaintext", "sun_md5_crypt", "cisco_pix", "cisco_asa",
    "cisco_type7",
})
PASSLIB_HASH_METHODS = frozenset({"hash", "encrypt", "genhash"})

# crypt module methods that are weak
WEAK_CRYPT_METHODS = {"METHOD_CRYPT": "DES", "METHOD_MD5": "MD5"}

# -- is this value a password? ---------------------------------------------------------------------
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pw", "passw", "pword"})
# a word next to the password word that says the value is not the password itself
_NOT_THE_PASSWORD = frozenset({
    "hash", "hashed", "digest", "hasher", "hashers", "reset", "token", "field", "fields",
    "name", "label", "url", "length", "len", "policy", "expiry", "expires", "expiration",
    "changed", "change", "date", "time", "timestamp", "updated", "min", "max", "regex",
    "pattern", "form", "validator", "validators", "confirm", "confirmation", "attempts",
    "retries", "salt", "encrypted", "enc", "key", "version", "type", "mode", "strength",
    "score", "history", "required", "enabled", "set", "manager", "storage", "path", "file",
    "prompt", "help", "error", "errors", "message", "msg", "id", "ids", "count", "reuse",
    "sha", "md5", "sha1", "sha256", "crypt", "checksum",
})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z][a-z0-9]*|\d+")


def _words(name: str):
    out = []
    for chunk in re.split(r"[^A-Za-z0-9]+", name):
        out.extend(w.lower() for w in _WORD.findall(chunk))
    return out


def is_password_name(name: Optional[str]) -> bool:
    """``password``, ``raw_password``, ``new_pwd``, ``userPassword``; not ``password_hash``,
    ``password_reset_token``, ``PASSWORD_FIELD``, ``hashed_password``."""
    if not name:
        return False
    ws = _words(name)
    if not any(w in _PASSWORD_WORDS for w in ws):
        return False
    return not any(w in _NOT_THE_PASSWORD for w in ws)
