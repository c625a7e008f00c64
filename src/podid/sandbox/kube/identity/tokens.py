"""Service-account tokens: RS256 JWTs signed with the cluster's own key, and bearer-token authentication.

Bound tokens (projected volumes, TokenRequest) carry ``iss`` (the cluster's issuer: the OIDC issuer URL when
AKS enables one), ``sub`` ``system:serviceaccount:<ns>:<name>``, ``aud``, ``exp`` and the ``kubernetes.io``
claim naming the namespace, pod and service account, exactly what a federated identity credential matches.
The kid is the base64url SHA-256 of the DER public key, as the apiserver computes it, and ``jwks()`` is what
``/openid/v1/jwks`` serves. Kubelet-requested tokens are extended to a year with a ``warnafter`` after the
requested lifetime, as AKS runs the apiserver with ``--service-account-extend-token-expiration``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from podid.sandbox.core.ids import Clock
from podid.sandbox.core.tokens import DECODE_OPTIONS, premature
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_str, dig

DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"
LEGACY_ISSUER = "kubernetes/serviceaccount"
EXTENDED_LIFETIME = 365 * 24 * 3600
KUBELET_LIFETIME = 3607  # what the kubelet asks for the kube-api-access volume
_VALIDATED_LIMIT = 10_000


def new_signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class Binding:
    """What a bound token is for."""

    namespace: str
    service_account: str
    service_account_uid: str
    pod: Obj | None = None  # the pod the token is bound to (name and uid are claimed)
    node: Obj | None = None


class TokenSigner:
    """Mints and verifies one cluster's service-account JWTs."""

    def __init__(self, key_pem: str, issuer: str, clock: Clock) -> None:
        # our own key (new_signing_key): checking its primes again would take ~40 ms per cluster
        key = serialization.load_pem_private_key(key_pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)
        assert isinstance(key, rsa.RSAPrivateKey)
        self._key = key
        public = key.public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.kid = _b64url(hashlib.sha256(der).digest())
        numbers = public.public_numbers()
        self._jwk = {"use": "sig", "kty": "RSA", "kid": self.kid, "alg": "RS256"}
        self._jwk |= {"n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
        self._public_pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.issuer = issuer
        self._clock = clock
        self._validated: dict[str, dict[str, Any]] = {}

    @property
    def api_audiences(self) -> frozenset[str]:
        """Audiences the API server accepts: its issuer, and the in-cluster default it had before AKS set one."""
        return frozenset({self.issuer, DEFAULT_ISSUER})

    def jwks(self) -> Obj:
        return {"keys": [dict(self._jwk)]}

    def openid_configuration(self, server_url: str) -> Obj:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{server_url.rstrip('/')}/openid/v1/jwks",
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def mint(
        self, binding: Binding, audiences: list[str], seconds: int, *, extend: bool = False
    ) -> tuple[str, int, int]:
        """A bound token, when it was issued and when it expires (epoch seconds)."""
        now = int(self._clock.now())
        expires = now + (EXTENDED_LIFETIME if extend else seconds)
        private: Obj = {
            "namespace": binding.namespace,
            "serviceaccount": {"name": binding.service_account, "uid": binding.service_account_uid},
        }
        for key, obj in (("pod", binding.pod), ("node", binding.node)):
            if obj is not None:
                private[key] = {
                    "name": as_str(dig(obj, "metadata", "name")),
                    "uid": as_str(dig(obj, "metadata", "uid")),
                }
        if extend:
            private["warnafter"] = now + seconds
        claims = {
            "aud": audiences,
            "exp": expires,
            "iat": now,
            "iss": self.issuer,
            "jti": hashlib.sha256(f"{now}{binding}{audiences}".encode()).hexdigest()[:36],
            "kubernetes.io": private,
            "nbf": now,
            "sub": f"system:serviceaccount:{binding.namespace}:{binding.service_account}",
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid}), now, expires

    def legacy(self, namespace: str, account: Obj, secret_name: str) -> str:
        """A non-expiring token for a ``kubernetes.io/service-account-token`` Secret (clusters before 1.24)."""
        name, uid = as_str(dig(account, "metadata", "name")), as_str(dig(account, "metadata", "uid"))
        claims = {
            "iss": LEGACY_ISSUER,
            "kubernetes.io/serviceaccount/namespace": namespace,
            "kubernetes.io/serviceaccount/secret.name": secret_name,
            "kubernetes.io/serviceaccount/service-account.name": name,
            "kubernetes.io/serviceaccount/service-account.uid": uid,
            "sub": f"system:serviceaccount:{namespace}:{name}",
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this cluster signed and that has not expired, else None."""
        claims = self._validated.get(token)
        if claims is None:
            try:
                claims = jwt.decode(token, self._public_pem, algorithms=["RS256"], options=DECODE_OPTIONS)
            except jwt.PyJWTError:
                return None
            if len(self._validated) >= _VALIDATED_LIMIT:
                self._validated.clear()
            self._validated[token] = claims
        expires, now = claims.get("exp"), self._clock.now()
        if premature(claims, now) or (isinstance(expires, int) and expires < now):
            return None
        return claims


def same_token(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def bound_names(claims: dict[str, Any]) -> tuple[str, str, str, str]:
    """(namespace, service account, its uid, pod uid) named by a token's claims (legacy or bound)."""
    private = as_dict(claims.get("kubernetes.io"))
    if private:
        account = as_dict(private.get("serviceaccount"))
        pod_uid = as_str(dig(private, "pod", "uid"))
        return as_str(private.get("namespace")), as_str(account.get("name")), as_str(account.get("uid")), pod_uid
    prefix = "kubernetes.io/serviceaccount/"
    return (
        as_str(claims.get(prefix + "namespace")),
        as_str(claims.get(prefix + "service-account.name")),
        as_str(claims.get(prefix + "service-account.uid")),
        "",
    )
