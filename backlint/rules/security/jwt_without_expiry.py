from __future__ import annotations

from typing import Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import jwt as jwtk
from ...frameworks import roles
from ...frameworks import values as v
from ...frameworks.settings_files import name_words
from ...rule import Rule

_PAYLOAD_KEYWORDS = ("payload", "claims")


class JwtWithoutExpiry(Rule):
    """A JWT is signed from a payload that never gets an `exp` claim.

    ## What it does
    Finds `jwt.encode()` (PyJWT, python-jose, authlib) of a payload whose every key can be
    seen: a dict literal or `dict(...)` call, passed directly or assigned once in the same
    function (or as a module constant), where neither the literal nor a later
    `payload["exp"] = ...`, `payload.update(exp=...)` or `payload.setdefault("exp", ...)` adds
    an `exp` claim. Not reported: payloads extended with `**other`, updated with a value whose
    keys are unknown, or passed to any other function before encoding (a helper may add
    `exp`); payloads that are parameters; tokens that are not access tokens by name (OAuth
    `state`, client assertions, nonces, e-mail confirmation, unsubscribe and invitation links,
    judged from the function, the variable and the payload names); unsigned tokens
    (`algorithm="none"`), which are a data format rather than a credential; tests.

    ## Why is this bad?
    "Expire tokens": a JWT without `exp` is valid forever. A token that leaks through a log, a
    browser extension or a stolen laptop keeps working after the password is changed, and
    stateless tokens cannot be revoked one by one. PyJWT and python-jose reject expired tokens
    on decode, but only if the claim is there.

    ## Example
    ```python
    import jwt

    def access_token(user, key):
        payload = {"sub": str(user.id), "role": user.role}
        return jwt.encode(payload, key, algorithm="HS256")
    ```

    ## Use instead
    ```python
    from datetime import datetime, timedelta, timezone

    import jwt

    def access_token(user, key):
        payload = {"sub": str(user.id), "role": user.role,
                   "exp": datetime.now(timezone.utc) + timedelta(minutes=15)}
        return jwt.encode(payload, key, algorithm="HS256")
    ```

    ## Severity
    A warning: a missing `exp` is exploitable only once a token leaks, and some tokens are
    deliberately long-lived (then say so with a suppression comment and a reason).

    ## References
    - RFC 7519, section 4.1.4 ("exp")
    - CWE-613: Insufficient Session Expiration
    """

    code = "BL304"
    name = "jwt-without-expiry"
    category = "jwt-misuse"
    severity = Severity.WARNING
    precision = "high"
    tags = ("security", "external/cwe/cwe-613")
    security_severity = "5.4"
    text_markers = ("jwt", "jose")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST}

    def visit_Call(self, node: cst.Call) -> None:
        if not v.may_call(node, ("encode",)):
            return
        spec = jwtk.encode_spec(self.ctx.qualified_name(node.func))
        if spec is None:
            return
        display, position = spec
        payload = None
        for kw in _PAYLOAD_KEYWORDS:
            payload = payload or v.keyword(node, kw)
        if payload is None:
            positional = [a for a in node.args if a.keyword is None]
            if len(positional) <= position or any(a.star for a in positional[: position + 1]):
                return
            payload = positional[position].value
        algorithm = v.keyword(node, "algorithm")
        if algorithm is not None and (v.as_str(v.resolve(self.ctx, algorithm)) or "").lower() == "none":
            return  # an unsigned JWT is a data format (e.g. an auth assertion header), not a credential
        names = [self._call_target_name()]
        func = self.ctx.enclosing_function()
        if func is not None:
            names.append(func.name.value)
        literal = payload
        if type(payload) is cst.Name:
            names.append(payload.value)
            literal = v.resolve(self.ctx, payload, depth=1)
            if literal is payload:
                return
        keys = v.dict_keys(literal)
        if keys is None or "exp" in keys:
            return
        if type(payload) is cst.Name and not self._never_extended(payload.value, node):
            return
        words = set()
        for n in names:
            if n:
                words |= name_words(n)
        if words & jwtk.NON_ACCESS_WORDS:
            return
        self.report(
            node,
            f"`{display}()` signs a payload without an `exp` claim: the token never expires, so "
            "a leaked one keeps working for good; add `\"exp\": datetime.now(timezone.utc) + "
            "timedelta(...)` with the lifetime this token needs.",
        )

    def _call_target_name(self) -> Optional[str]:
        parent = self.ctx.parent()
        if type(parent) is cst.Assign and len(parent.targets) == 1:
            target = parent.targets[0].target
            if type(target) is cst.Name:
                return target.value
            if type(target) is cst.Attribute:
                return target.attr.value
        return None

    def _never_extended(self, name: str, encode: cst.Call) -> bool:
        """True when the only uses of ``name`` are reads and the encode call itself."""
        scope = v.scope_of(self.ctx)
        allowed = {id(a.value) for a in encode.args}
        nodes = list(v.iter_nodes(scope))
        stores = {id(t.target) for item in nodes if type(item) is cst.Assign for t in item.targets}
        for item in nodes:
            t = type(item)
            if t is cst.Subscript and type(item.value) is cst.Name and item.value.value == name:
                key = v.last_name(item)
                if id(item) in stores and (key is None or key == "exp"):
                    return False
            elif t is cst.Call:
                func = item.func
                if (type(func) is cst.Attribute and type(func.value) is cst.Name
                        and func.value.value == name):
                    if func.attr.value in ("update", "setdefault", "__setitem__", "pop"):
                        if func.attr.value == "pop":
                            continue
                        keys = self._update_keys(item)
                        if keys is None or "exp" in keys:
                            return False
                    continue
                if item is encode:
                    continue
                for arg in item.args:
                    if type(arg.value) is cst.Name and arg.value.value == name and id(arg.value) not in allowed:
                        return False  # handed to a helper, which may add `exp`
            elif t is cst.AugAssign and type(item.target) is cst.Name and item.target.value == name:
                return False
        return True

    @staticmethod
    def _update_keys(call: cst.Call):
        if call.func.attr.value == "setdefault":
            first = [a for a in call.args if a.keyword is None]
            return [v.as_str(first[0].value)] if first and v.as_str(first[0].value) else None
        keys = []
        for arg in call.args:
            if arg.star:
                return None
            if arg.keyword is not None:
                keys.append(arg.keyword.value)
            else:
                inner = v.dict_keys(arg.value)
                if inner is None:
                    return None
                keys.extend(inner)
        return keys
