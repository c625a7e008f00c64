"""Access tokens: the sandbox's Entra ID signing key, token minting and validation.

Tokens are RS256 JWTs carrying the claims ARM and Graph read (oid, appid, tid, aud, iss, iat, nbf, exp).
The same service backs the Entra token endpoint, the IMDS/NMI endpoint and the ARM front door's
authentication. Minted tokens are reused per (principal, audience) while they have most of their life
left, as IMDS does; validated tokens are remembered so that a request costs no RSA verification.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.types import Options

from podid.sandbox.core.files import PRIVATE_FILE_MODE, write_private
from podid.sandbox.core.ids import Clock, IdGenerator

TOKEN_LIFETIME = 3599
_REUSE_MARGIN = 600
_VALIDATED_CACHE_LIMIT = 50_000
# PyJWT would check nbf and iat against the wall clock; every check is made against the sandbox clock instead
# (see ``premature``), which /_sandbox/clock moves.
DECODE_OPTIONS: Options = {"verify_exp": False, "verify_aud": False, "verify_nbf": False, "verify_iat": False}


@dataclass(frozen=True)
class Principal:
    """Who a token is for: a service principal (app registration or managed identity)."""

    object_id: str
    app_id: str
    tenant_id: str
    display_name: str
    resource_id: str | None = None  # set for managed identities (the xms_mirid claim)


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_on: int
    expires_in: int


class TokenError(Exception):
    """A token that cannot be accepted; ``reason`` is one of: missing, malformed, signature, expired, audience."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenService:
    """Mints and validates the sandbox's JWT access tokens."""

    def __init__(self, key_path: Path | None, authority: str, clock: Clock, ids: IdGenerator) -> None:
        self._key = _load_or_create_key(key_path)
        public = self._key.public_key().public_numbers()
        self._jwk = {"kty": "RSA", "use": "sig", "e": _b64url_uint(public.e), "n": _b64url_uint(public.n)}
        self.kid = hashlib.sha256(self._jwk["n"].encode()).hexdigest()[:27]
        self._public_pem = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.authority = authority.rstrip("/")
        self._clock = clock
        self._ids = ids
        self._minted: dict[tuple[str, str], IssuedToken] = {}
        self._validated: dict[str, dict[str, Any]] = {}

    def issuer(self, tenant_id: str) -> str:
        return f"{self.authority}/{tenant_id}/v2.0"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**self._jwk, "kid": self.kid, "x5t": self.kid}]}

    def issue(self, principal: Principal, audience: str) -> IssuedToken:
        now = int(self._clock.now())
        cached = self._minted.get((principal.object_id, audience))
        if cached and cached.expires_on - now > _REUSE_MARGIN:
            return IssuedToken(cached.access_token, cached.expires_on, cached.expires_on - now)
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": self.issuer(principal.tenant_id),
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME,
            "appid": principal.app_id,
            "azp": principal.app_id,
            "appidacr": "1",
            "idtyp": "app",
            "oid": principal.object_id,
            "sub": principal.object_id,
            "tid": principal.tenant_id,
            "name": principal.display_name,
            "uti": self._ids.hex(22),
            "ver": "2.0",
        }
        if principal.resource_id:
            claims["xms_mirid"] = principal.resource_id
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid, "x5t": self.kid})
        issued = IssuedToken(token, now + TOKEN_LIFETIME, TOKEN_LIFETIME)
        self._minted[(principal.object_id, audience)] = issued
        return issued

    def forget(self, object_id: str) -> None:
        """Drop reusable tokens of a principal (it was deleted)."""
        for key in [key for key in self._minted if key[0] == object_id]:
            del self._minted[key]

    def validate(self, token: str, audiences: frozenset[str]) -> dict[str, Any]:
        """Return the claims of a token signed by this service, or raise TokenError."""
        claims = self._validated.get(token)
        if claims is None:
            claims = self._verify_signature(token)
        now = self._clock.now()
        if premature(claims, now):
            raise TokenError("malformed", "The token is not yet valid")
        if claims["exp"] < now:
            raise TokenError("expired", str(claims["exp"]))
        if claims.get("aud") not in audiences:
            raise TokenError("audience", str(claims.get("aud")))
        return claims

    def _verify_signature(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(token, self._public_pem, algorithms=["RS256"], options=DECODE_OPTIONS)
        except jwt.InvalidSignatureError as error:
            raise TokenError("signature", str(error)) from error
        except jwt.PyJWTError as error:
            raise TokenError("malformed", str(error)) from error
        if len(self._validated) >= _VALIDATED_CACHE_LIMIT:
            self._validated.clear()
        self._validated[token] = claims
        return claims


def premature(claims: dict[str, Any], now: float) -> bool:
    """PyJWT's nbf and iat checks (no leeway) against ``now``: a claim that is no time, or a time after now."""
    for claim in ("nbf", "iat"):
        value = claims.get(claim, now)
        if not isinstance(value, int | float) or isinstance(value, bool) or value > now:
            return True
    return False


def _load_or_create_key(path: Path | None) -> rsa.RSAPrivateKey:
    if path is not None and path.exists():
        path.chmod(PRIVATE_FILE_MODE)  # an older sandbox may have left it readable by others
        # the sandbox's own key, written below: checking its primes again would take ~40 ms per start
        key = serialization.load_pem_private_key(path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if path is not None:
        pkcs8 = serialization.PrivateFormat.PKCS8
        write_private(path, key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()))
    return key
