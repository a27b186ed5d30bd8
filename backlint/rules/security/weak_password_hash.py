from __future__ import annotations

from typing import Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import crypto
from ...frameworks import roles
from ...frameworks import values as v
from ...frameworks.settings_files import is_production_settings, name_words
from ...rule import Rule

# Objects whose `.password` attribute is the stored hash, not what the user typed.
_STORED_RECORD_WORDS = frozenset({
    "self", "user", "users", "account", "member", "obj", "instance", "profile", "customer",
    "admin", "model", "row", "record", "entry", "db", "existing", "current", "u", "owner",
})
# Functions that check an existing (legacy) hash, typically before re-hashing it properly.
_VERIFY_WORDS = frozenset({"verify", "check", "validate", "legacy", "upgrade", "migrate", "old", "compare", "matches"})


# helpers that only convert between str and bytes: a password stays a password through them
_CONVERSIONS = frozenset({"str", "bytes", "bytearray", "to_bytes", "to_utf8", "to_unicode", "to_str",
                          "force_bytes", "force_str", "force_text", "smart_bytes", "smart_str",
                          "ensure_bytes", "ensure_str", "as_bytes"})

_CALLEES = frozenset({"new", "update", "pbkdf2_hmac", "hash", "encrypt", "genhash", "CryptContext",
                      "crypt", "openssl_md5", "openssl_sha1", "openssl_sha256", "openssl_sha512"}
                     | crypto.FAST_DIGESTS)


class WeakPasswordHash(Rule):
    """A password is hashed with a fast digest or a too-cheap key derivation.

    ## What it does
    Finds passwords (a variable, parameter, attribute or form field whose name is a password:
    `password`, `raw_password`, `new_pwd`, `request.form["password"]`; also values built from
    them, followed through local assignments, `.encode()` and str/bytes conversion helpers such
    as `to_bytes(password)` or `force_bytes(password)`) hashed with a fast digest: `hashlib.md5`,
    `sha1`, `sha256`, `sha512`, `sha3_*`, `blake2b/s`, `hashlib.new(...)` and `.update()` on
    such a hash object. Also reports `hashlib.pbkdf2_hmac` with fewer than 100,000
    iterations (a literal or a constant), Django `PASSWORD_HASHERS` led by an MD5, SHA1,
    unsalted or DES-crypt hasher in a production settings module, passlib weak schemes
    (`md5_crypt.hash()`, `hex_sha256.hash()`, a `CryptContext` whose default scheme is weak),
    and `crypt.crypt()` with the DES or MD5 method.

    Not reported: digests of anything that is not a password (cache keys, ETags, Gravatar
    URLs, file checksums, random API or reset tokens, webhook HMACs); names such as
    `password_hash`, `hashed_password`, `password_reset_token`; `user.password` and similar
    attributes of a stored record (that is the hash already); `usedforsecurity=False`;
    hashing inside a function whose name says it verifies, checks or upgrades an existing
    (legacy) hash, since it must keep reading old hashes until they are re-hashed (the place
    that creates new hashes is reported), or inside a class named for that digest
    (`class MD5PasswordHasher`: the legacy scheme itself); `make_password`, bcrypt, argon2, scrypt,
    `pbkdf2_hmac` with an unknown or sufficient count; weak hashers in test and development
    settings or inside an `if` (`if TESTING:`); tests.

    ## Why is this bad?
    "Hash passwords with bcrypt, scrypt or argon2." A fast digest is made to be fast: a
    single GPU computes billions of SHA-256 hashes a second, so a leaked table of them is
    cracked in hours, salted or not. Password hashes need a deliberately slow, salted
    function whose cost can grow with hardware.

    ## Example
    ```python
    import hashlib

    def set_password(user, password):
        user.password_hash = hashlib.sha256(password.encode()).hexdigest()
    ```

    ## Use instead
    ```python
    from django.contrib.auth.hashers import make_password

    def set_password(user, password):
        user.password_hash = make_password(password)
    ```

    ## References
    - OWASP Password Storage Cheat Sheet (argon2id, scrypt, bcrypt; PBKDF2-HMAC-SHA256 with
      600,000 iterations)
    - CWE-916: Use of Password Hash With Insufficient Computational Effort
    """

    code = "BL305"
    name = "weak-password-hash"
    category = "weak-password-hash"
    severity = Severity.ERROR
    precision = "high"
    tags = ("security", "external/cwe/cwe-916", "external/cwe/cwe-328")
    security_severity = "7.5"
    text_markers = ("hashlib", "pbkdf2", "PASSWORD_HASHERS", "passlib", "import crypt", "Crypto.Hash")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST}

    # -- hashing calls ------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not v.may_call(node, _CALLEES):
            return
        qual = self.ctx.qualified_name(node.func)
        digest = crypto.fast_digest(qual)
        if digest is not None:
            data = v.argument(node, 1, "data") if digest == "new" else (
                v.argument(node, 0, "data") or v.keyword(node, "string"))
            if digest == "new":
                name = v.as_str(v.resolve(self.ctx, v.argument(node, 0, "name"))) if node.args else None
                digest = name or "hashlib.new"
            self._check_digest(node, data, digest)
            return
        if type(node.func) is cst.Attribute and node.func.attr.value == "update":
            origin = self.ctx.origin_call(node.func.value)
            if origin is not None:
                digest = crypto.fast_digest(self.ctx.qualified_name(origin.func))
                if digest is not None:
                    if digest == "new":
                        digest = v.as_str(v.resolve(self.ctx, v.argument(origin, 0, "name"))) or "hashlib.new"
                    self._check_digest(node, v.argument(node, 0, "data"), digest, origin)
            return
        if qual in crypto.PBKDF2:
            self._check_pbkdf2(node)
        elif qual and qual.startswith("passlib.hash."):
            self._check_passlib(node, qual)
        elif qual in ("passlib.context.CryptContext", "passlib.apps.CryptContext"):
            self._check_crypt_context(node)
        elif qual == "crypt.crypt":
            self._check_crypt(node)

    def _check_digest(self, node: cst.Call, data: Optional[cst.BaseExpression], digest: str,
                      ctor: Optional[cst.Call] = None) -> None:
        if data is None:
            return
        for call in (node, ctor):
            if call is not None:
                flag = v.keyword(call, "usedforsecurity")
                if flag is not None and v.as_bool(flag) is False:
                    return
        source = self._password_in(data, 0)
        if source is None or self._in_verification() or self._implements(digest):
            return
        if self._derives_key():
            self.report(
                node,
                f"`{source}` looks like a password and is turned into a key with one {digest} "
                "round: whoever gets the data it protects can test billions of guesses a second; "
                "derive the key with scrypt, argon2 or `hashlib.pbkdf2_hmac` with at least "
                "600,000 iterations and a random salt.",
            )
            return
        self.report(
            node,
            f"`{source}` looks like a password and is hashed with {digest}, a fast digest: a "
            "leaked table of such hashes is cracked in hours; hash passwords with argon2, "
            "bcrypt or scrypt (e.g. Django's `make_password`, `argon2.PasswordHasher().hash`).",
        )

    def _derives_key(self) -> bool:
        """The digest becomes a key (`key = sha256(password).digest()`, `def
        create_key_from_password`), not a stored password hash."""
        names = []
        func = self.ctx.enclosing_function()
        if func is not None:
            names.append(func.name.value)
        statement = self.ctx.enclosing_statement()
        if type(statement) is cst.SimpleStatementLine:
            for small in statement.body:
                if type(small) is cst.Assign:
                    names.extend(v.last_name(t.target) or "" for t in small.targets)
        words = set()
        for name in names:
            words |= name_words(name)
        return bool(words & {"key", "kdf", "derive", "derived", "encryption", "cipher"})

    def _implements(self, digest: str) -> bool:
        """Inside a class named for this digest (`MD5PasswordHasher`): the legacy scheme itself,
        kept to read old hashes; choosing it (`PASSWORD_HASHERS`) is what is reported."""
        for node in self.ctx.ancestors:
            if type(node) is cst.ClassDef and digest.lower() in node.name.value.lower():
                return True
        return False

    def _in_verification(self) -> bool:
        func = self.ctx.enclosing_function()
        return func is not None and bool(name_words(func.name.value) & _VERIFY_WORDS)

    def _password_in(self, expr: cst.BaseExpression, depth: int) -> Optional[str]:
        """The written name of a password in ``expr`` (through `.encode()`, `+`, f-strings)."""
        if depth > 4:
            return None
        t = type(expr)
        if t is cst.Name:
            if crypto.is_password_name(expr.value):
                return expr.value
            resolved = v.resolve(self.ctx, expr)
            return self._password_in(resolved, depth + 1) if resolved is not expr else None
        if t is cst.Attribute:
            if crypto.is_password_name(expr.attr.value):
                base = v.last_name(expr.value) or ""
                if not (name_words(base) & _STORED_RECORD_WORDS):
                    return self.ctx.code_for(expr)
            return None
        if t is cst.Subscript:
            key = v.last_name(expr)
            if crypto.is_password_name(key):
                return self.ctx.code_for(expr)
            return None
        if t is cst.Call:
            func = expr.func
            if type(func) is cst.Attribute and func.attr.value in ("encode", "strip", "lower", "decode"):
                return self._password_in(func.value, depth + 1)
            if type(func) is cst.Attribute and func.attr.value in ("get", "pop"):
                key = v.last_name(expr)
                return self.ctx.code_for(expr) if crypto.is_password_name(key) else None
            called = func.value if type(func) is cst.Name else (
                func.attr.value if type(func) is cst.Attribute else None)
            if called in _CONVERSIONS:
                for arg in expr.args[:1]:
                    return self._password_in(arg.value, depth + 1)
            return None
        if t is cst.BinaryOperation:
            return self._password_in(expr.left, depth + 1) or self._password_in(expr.right, depth + 1)
        if t is cst.FormattedString:
            for part in expr.parts:
                if type(part) is cst.FormattedStringExpression:
                    found = self._password_in(part.expression, depth + 1)
                    if found:
                        return found
        return None

    def _check_pbkdf2(self, node: cst.Call) -> None:
        password = v.argument(node, 1, "password")
        iterations = v.argument(node, 3, "iterations")
        if iterations is None:
            return
        count = v.as_int(v.resolve(self.ctx, iterations))
        if count is None or count >= crypto.PBKDF2_MIN_ITERATIONS:
            return
        algo = v.as_str(v.resolve(self.ctx, v.argument(node, 0, "hash_name"))) or ""
        wanted = crypto.PBKDF2_RECOMMENDED.get(algo.lower().replace("-", ""), 600_000)
        what = "a password" if password is None or self._password_in(password, 0) else "this value"
        self.report(
            node,
            f"`pbkdf2_hmac` runs only {count:,} iterations: far too cheap for {what}, an attacker "
            f"tests millions of guesses a second; use at least {wanted:,} iterations"
            + (f" for {algo}" if algo else "") + ", or argon2, bcrypt or scrypt.",
        )

    def _check_passlib(self, node: cst.Call, qual: str) -> None:
        parts = qual.split(".")
        if len(parts) < 4:
            return
        scheme = parts[2]
        method = parts[-1]
        if scheme in crypto.WEAK_PASSLIB_SCHEMES and method in crypto.PASSLIB_HASH_METHODS:
            self.report(
                node,
                f"passlib's `{scheme}` is a weak password scheme (fast or truncating): hashes it "
                "creates are cracked quickly; hash with `argon2`, `bcrypt` or `scrypt` "
                "(keep `{scheme}` in a `CryptContext` only to verify and upgrade old hashes).".replace(
                    "{scheme}", scheme),
            )

    def _check_crypt_context(self, node: cst.Call) -> None:
        default = v.keyword(node, "default")
        if default is not None:
            first = v.as_str(v.resolve(self.ctx, default))
        else:
            schemes = v.keyword(node, "schemes")
            names = v.str_elements(self.ctx, schemes) if schemes is not None else None
            first = names[0] if names else None
        if first and first in crypto.WEAK_PASSLIB_SCHEMES:
            self.report(
                node,
                f"This `CryptContext` hashes new passwords with `{first}`, a weak scheme: make "
                "`argon2` or `bcrypt` the first (default) scheme and keep the weak one only to "
                "verify old hashes (`deprecated=\"auto\"`).",
            )

    def _check_crypt(self, node: cst.Call) -> None:
        salt = v.argument(node, 1, "salt")
        if salt is None:
            return
        salt = v.resolve(self.ctx, salt)
        method = None
        if type(salt) is cst.Call and self.ctx.qualified_name(salt.func) == "crypt.mksalt":
            inner = v.argument(salt, 0, "method")
            salt = inner if inner is not None else salt
        qual = self.ctx.qualified_name(salt) if type(salt) in (cst.Name, cst.Attribute) else None
        if qual and qual.startswith("crypt."):
            method = crypto.WEAK_CRYPT_METHODS.get(qual.split(".", 1)[1])
        text = v.as_str(salt)
        if text is not None:
            if text.startswith("$1$"):
                method = "MD5"
            elif len(text) == 2 and not text.startswith("$"):
                method = "DES"
        if method:
            self.report(
                node,
                f"`crypt.crypt()` with the {method} method: {method}-crypt hashes are cracked in "
                "minutes; use argon2, bcrypt or scrypt (the `crypt` module is also gone in "
                "Python 3.13).",
            )

    # -- Django settings ------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or type(node.targets[0].target) is not cst.Name:
            return
        if node.targets[0].target.value != "PASSWORD_HASHERS" or self.ctx.enclosing_function():
            return
        if any(type(a) is cst.ClassDef for a in self.ctx.ancestors):
            return
        if not is_production_settings(self.ctx.roles) or v.in_if_branch(self.ctx):
            return  # `if TESTING: PASSWORD_HASHERS = [...MD5...]` is a switch
        items = v.elements(node.value)
        if not items:
            return
        first = v.as_str(v.resolve(self.ctx, items[0]))
        weak = crypto.weak_django_hasher(first) if first else None
        if weak:
            self.report(
                items[0],
                f"`PASSWORD_HASHERS` starts with `{first.rsplit('.', 1)[-1]}` ({weak}) in a "
                "production settings module: every new or changed password is stored with a "
                "fast hash; put `Argon2PasswordHasher` or `PBKDF2PasswordHasher` first and keep "
                "the weak hasher after it only to upgrade old hashes.",
            )
