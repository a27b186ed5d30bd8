"""What backlint knows about JWT libraries: PyJWT, python-jose and authlib.

Qualified names are as ``Semantics.qualified_name`` writes them (``jwt.decode``,
``jwt.PyJWT().decode``, ``jose.jwt.decode``). No libcst here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# decode-like functions: (library, position of the key argument, position of algorithms)
@dataclass(frozen=True)
class DecodeSpec:
    library: str  # "pyjwt" | "jose"
    display: str


_DECODE = {
    "jwt.decode": DecodeSpec("pyjwt", "jwt.decode"),
    "jwt.api_jwt.decode": DecodeSpec("pyjwt", "jwt.decode"),
    "jwt.PyJWT().decode": DecodeSpec("pyjwt", "PyJWT().decode"),
    "jwt.api_jwt.PyJWT().decode": DecodeSpec("pyjwt", "PyJWT().decode"),
    "jwt.decode_complete": DecodeSpec("pyjwt", "jwt.decode_complete"),
    "jwt.api_jwt.decode_complete": DecodeSpec("pyjwt", "jwt.decode_complete"),
    "jose.jwt.decode": DecodeSpec("jose", "jose.jwt.decode"),
    "jose.jws.verify": DecodeSpec("jose", "jose.jws.verify"),
}

UNVERIFIED_CLAIMS = {
    "jose.jwt.get_unverified_claims": "jose.jwt.get_unverified_claims",
    "jose.jws.get_unverified_claims": "jose.jws.get_unverified_claims",
}

ENCODE = {
    # qualified name -> (display, position of the payload argument)
    "jwt.encode": ("jwt.encode", 0),
    "jwt.api_jwt.encode": ("jwt.encode", 0),
    "jwt.PyJWT().encode": ("PyJWT().encode", 0),
    "jose.jwt.encode": ("jose.jwt.encode", 0),
    "authlib.jose.jwt.encode": ("authlib.jose.jwt.encode", 1),
    "authlib.jose.JsonWebToken().encode": ("JsonWebToken().encode", 1),
}

AUTHLIB_JWT = ("authlib.jose.JsonWebToken", "authlib.jose.rfc7519.JsonWebToken")

# Claims that say nothing about who the caller is: reading them from an unverified token to
# schedule a refresh, pick a key or route to an issuer is not trusting the token.
NON_IDENTITY_CLAIMS = frozenset({"exp", "iat", "nbf", "iss", "aud", "kid", "alg", "typ", "jti", "azp"})

# Names of tokens that are not access or session tokens (OAuth `state`, client assertions,
# signed downloads); BL304 does not ask them for an `exp`.
NON_ACCESS_WORDS = frozenset({
    "state", "assertion", "nonce", "csrf", "confirm", "confirmation", "unsubscribe", "invite",
    "invitation", "download", "export", "signature", "webhook",
})


def decode_spec(qualname: Optional[str]) -> Optional[DecodeSpec]:
    return _DECODE.get(qualname) if qualname else None


def encode_spec(qualname: Optional[str]):
    return ENCODE.get(qualname) if qualname else None
