from __future__ import annotations

from typing import Optional, Set

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import jwt as jwtk
from ...frameworks import roles
from ...frameworks import values as v
from ...rule import Rule


_CALLEES = frozenset({"decode", "decode_complete", "verify", "get_unverified_claims", "JsonWebToken"})


class JwtSignatureNotVerified(Rule):
    """A JWT is decoded without checking its signature, or lets the token choose the algorithm.

    ## What it does
    Finds JWT decodes whose claims cannot be trusted:
    - PyJWT `jwt.decode(..., options={"verify_signature": False})` and PyJWT 1.x
      `verify=False`, python-jose `jwt.decode(..., options={"verify_signature": False})` and
      `jwt.get_unverified_claims()`, when the result is used for more than routing (see below);
    - `jwt.decode()` (PyJWT, python-jose) without `algorithms=` or with `algorithms=None`;
    - an `algorithms` list that contains `"none"`, or that is read from the token's own header
      (`jwt.get_unverified_header(token)["alg"]`); authlib `JsonWebToken([... "none" ...])`.

    Names are resolved through imports and aliases (`from jwt import decode as jwt_decode`),
    and `options`, `algorithms` and `verify` are followed through local variables and module
    constants. Not reported: a decode with a key and a fixed algorithm list (a literal, a
    constant or a value from settings); an unverified decode whose result is only read for
    claims that say nothing about the caller (`exp`, `iss`, `kid`, `aud`...), or that is
    followed in the same function by a verified decode (peek at the issuer, then verify);
    `get_unverified_header()`; `PyJWKClient` flows; calls that forward `**kwargs`; tests.

    ## Why is this bad?
    "Verify tokens": a JWT is only as trustworthy as its signature. Claims from a token whose
    signature is not checked are whatever the client wrote, so any user id, role or e-mail can
    be forged. When the token may name its own algorithm, an attacker picks `none` (no
    signature at all) or HS256 with the server's public key as the HMAC secret.

    ## Example
    ```python
    import jwt

    def current_user_id(token):
        claims = jwt.decode(token, options={"verify_signature": False})
        return claims["sub"]
    ```

    ## Use instead
    ```python
    import jwt

    def current_user_id(token, key):
        claims = jwt.decode(token, key, algorithms=["HS256"])
        return claims["sub"]
    ```

    ## Default
    Off by default (enable with `extend-select = ["BL303"]`): on the 23-application corpus
    (3.1 M lines) it reports two decodes, and both are false positives (precision 0/2, every
    finding judged, seed 42; see docs/precision/sec4.md): a token exchange that reads claims
    unverified after the provider's userinfo endpoint accepted the very same token, and a
    helper documented as being for logging only, which nothing calls for an access decision.
    Two findings are no measure of the rule, but the bar for a default-on rule is a measured
    0.90.

    ## Known problems
    Only PyJWT, python-jose and authlib are known. Claims read unverified after the token was
    validated some other way (introspection, a userinfo call) are reported. A decode in a helper whose caller uses the
    result is reported at the decode.

    ## References
    - PyJWT: https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode
    - RFC 8725, JSON Web Token Best Current Practices, section 3.1
    - CWE-347: Improper Verification of Cryptographic Signature
    """

    code = "BL303"
    name = "jwt-signature-not-verified"
    category = "jwt-misuse"
    severity = Severity.ERROR
    precision = "high"
    tags = ("security", "external/cwe/cwe-347")
    security_severity = "8.1"
    default_enabled = False  # measured 0/1 on the corpus: see "## Default"
    text_markers = ("jwt", "jose", "JsonWebToken")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST}

    def visit_Call(self, node: cst.Call) -> None:
        if not v.may_call(node, _CALLEES):
            return
        qual = self.ctx.qualified_name(node.func)
        if qual is None:
            return
        if qual in jwtk.UNVERIFIED_CLAIMS:
            if self._used_as_identity(node):
                self.report(
                    node,
                    f"`{jwtk.UNVERIFIED_CLAIMS[qual]}()` returns the claims without checking the "
                    "signature, and they are used here: anyone can forge them; use "
                    "`jwt.decode(token, key, algorithms=[...])` for claims you act on.",
                )
            return
        if qual in jwtk.AUTHLIB_JWT:
            algs = v.str_elements(self.ctx, v.argument(node, 0, "algorithms")) if node.args else None
            if algs and any(a.lower() == "none" for a in algs):
                self.report(node, "`JsonWebToken` allows the `none` algorithm: tokens without a "
                                  "signature are accepted; list only the algorithms you sign with.")
            return
        spec = jwtk.decode_spec(qual)
        if spec is None or v.has_star_kwargs(node):
            return
        display = spec.display
        how = self._verification_disabled(node)
        if how is not None:
            if self._used_as_identity(node):
                self.report(
                    node,
                    f"`{display}()` with {how} does not check the token's signature, and its "
                    "claims are used here: anyone can forge a token with any identity; decode "
                    "with the key and a fixed list, e.g. `algorithms=[\"HS256\"]`.",
                )
            return
        algs_node = v.argument(node, 2, "algorithms")
        if algs_node is None or v.is_none(v.resolve(self.ctx, algs_node)):
            library = "python-jose" if spec.library == "jose" else "PyJWT 1.x"
            tail = "" if spec.library == "jose" else " (PyJWT 2 refuses the call)"
            self.report(
                node,
                f"`{display}()` without `algorithms=`: {library} then accepts whatever algorithm "
                f"the token's own header names, so a forged token can choose one you do not "
                f"sign with{tail}; pass the fixed list you issue, e.g. `algorithms=[\"HS256\"]`.",
            )
            return
        if self._from_header(algs_node):
            self.report(
                node,
                f"`{display}()` takes `algorithms` from the token's own header: the attacker "
                "chooses how the token is checked; pass the fixed list you issue, e.g. "
                "`algorithms=[\"RS256\"]`.",
            )
            return
        algs = v.str_elements(self.ctx, algs_node)
        if algs and any(a.lower() == "none" for a in algs):
            self.report(
                node,
                f"`{display}()` allows the `none` algorithm: a token without any signature is "
                "accepted; list only the algorithms you sign with.",
            )

    # -- helpers ---------------------------------------------------------------------------
    def _verification_disabled(self, node: cst.Call) -> Optional[str]:
        options = v.keyword(node, "options")
        if options is not None:
            resolved = v.resolve(self.ctx, options)
            flag = v.dict_value(resolved, "verify_signature")
            if flag is not None and v.as_bool(v.resolve(self.ctx, flag)) is False:
                return '`options={"verify_signature": False}`'
        verify = v.keyword(node, "verify")
        if verify is not None and v.as_bool(v.resolve(self.ctx, verify)) is False:
            return "`verify=False`"
        return None

    def _from_header(self, algs_node: cst.BaseExpression) -> bool:
        resolved = v.resolve(self.ctx, algs_node)
        candidates = [resolved] + list(v.iter_nodes(resolved))
        for item in candidates:
            if type(item) is cst.Name:
                item = v.resolve(self.ctx, item)
                if type(item) is cst.Subscript:
                    item = item.value
            if type(item) is cst.Call:
                qual = self.ctx.qualified_name(item.func) or ""
                if qual.endswith("get_unverified_header"):
                    return True
        return False

    def _is_verified_decode(self, call: cst.Call) -> bool:
        spec = jwtk.decode_spec(self.ctx.qualified_name(call.func))
        if spec is None:
            return False
        return self._verification_disabled(call) is None and v.argument(call, 2, "algorithms") is not None

    def _used_as_identity(self, node: cst.Call) -> bool:
        func = self.ctx.enclosing_function()
        scope = func if func is not None else self.ctx.module
        # peek, then verify: a verified decode later in the same function
        for other in v.iter_nodes(scope):
            if type(other) is cst.Call and other is not node and self._is_verified_decode(other):
                return False
        parent = self.ctx.parent()
        key = self._claim_read(parent, node)
        if key is not None:
            return key not in jwtk.NON_IDENTITY_CLAIMS
        if type(parent) is cst.Assign and len(parent.targets) == 1 and type(parent.targets[0].target) is cst.Name:
            name = parent.targets[0].target.value
            keys = self._claims_read_from(scope, name)
            if keys is None:
                return True
            return bool(keys - jwtk.NON_IDENTITY_CLAIMS)
        return True

    def _claim_read(self, parent, node) -> Optional[str]:
        """The claim key when ``node`` is read as ``node["k"]`` or ``node.get("k")``."""
        if type(parent) is cst.Subscript and parent.value is node:
            return v.last_name(parent)
        if type(parent) is cst.Attribute and parent.value is node and parent.attr.value == "get":
            grand = self.ctx.ancestors[-2] if len(self.ctx.ancestors) >= 2 else None
            if type(grand) is cst.Call and grand.func is parent:
                return v.last_name(grand)
        return None

    @staticmethod
    def _claims_read_from(scope: cst.CSTNode, name: str) -> Optional[Set[str]]:
        """Claim keys read from variable ``name``; None if it is used any other way."""
        keys: Set[str] = set()
        handled: Set[int] = set()
        for item in v.iter_nodes(scope):
            t = type(item)
            if t is cst.Subscript and type(item.value) is cst.Name and item.value.value == name:
                key = v.last_name(item)
                if key is None:
                    return None
                keys.add(key)
                handled.add(id(item.value))
            elif (t is cst.Call and type(item.func) is cst.Attribute and item.func.attr.value == "get"
                  and type(item.func.value) is cst.Name and item.func.value.value == name):
                key = v.last_name(item)
                if key is None:
                    return None
                keys.add(key)
                handled.add(id(item.func.value))
            elif t is cst.Assign:
                for target in item.targets:
                    if type(target.target) is cst.Name and target.target.value == name:
                        handled.add(id(target.target))
            elif t is cst.Name and item.value == name and id(item) not in handled:
                return None
        return keys
