"""Workload identity federation: the client-assertion grant with an external OIDC issuer's token.

``FederatedAssertions`` is the token endpoint's assertion verifier. For ``client_id`` it finds the service
principal (an app registration or a user-assigned managed identity), then, like Entra ID:

1. decodes the assertion (a JWT with ``iss``, ``sub``, ``aud`` and ``exp``), else AADSTS50027;
2. looks for a federated identity credential of that client whose issuer and subject equal the assertion's
   exactly (case and trailing slash included) and whose audiences hold one of its audiences, else AADSTS70021;
3. fetches the issuer's discovery document and JWKS (``OidcDiscovery``: in process for the issuers the
   sandbox serves; any other issuer cannot be reached, AADSTS90061);
4. checks the RS256 signature with the key named by ``kid`` (AADSTS50013) and that the assertion is within
   ``nbf``..``exp`` (AADSTS700024),

and returns the principal the access token is issued for. Only managed identities carry federated
credentials in the sandbox, so an app registration always ends at step 2.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from podid.sandbox.core import nesting
from podid.sandbox.core.tokens import Principal
from podid.sandbox.entra.errors import InvalidClient, InvalidRequest, UnknownApplication

if TYPE_CHECKING:
    from podid.sandbox.directory.tenant import Tenant

Document = dict[str, Any]
_FEDERATION_DOCS = "https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation"
_ASSERTION_DOCS = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"
_MAX_DEPTH = 64


class FederatedCredential(Protocol):
    @property
    def issuer(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def audiences(self) -> Sequence[str]: ...


class FederatedCredentials(Protocol):
    """Microsoft.ManagedIdentity's federated identity credentials of an identity."""

    def federated_credentials(self, identity_id: str) -> Sequence[FederatedCredential]: ...


class OidcDiscovery(Protocol):
    def discover(self, issuer: str) -> tuple[Document, Document] | None:
        """(openid configuration, JWKS) of the issuer with exactly this URL; None when it cannot be fetched."""
        ...


class MalformedAssertion(InvalidRequest):
    def __init__(self) -> None:
        super().__init__(50027, "JWT token is invalid or malformed.")


class NoMatchingFederatedIdentity(InvalidRequest):
    def __init__(self, issuer: str, subject: str, audience: str) -> None:
        super().__init__(
            70021,
            "No matching federated identity record found for presented assertion. "
            f"Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{audience}'. "
            + _FEDERATION_DOCS,
        )


class IssuerUnreachable(InvalidRequest):
    def __init__(self) -> None:
        super().__init__(90061, "Request to External OIDC endpoint failed.")


class SignatureInvalid(InvalidClient):
    def __init__(self, reason: str, kid: str) -> None:
        detail = f"[Reason - {reason}, Thumbprint of key used by client: '{kid}']"
        super().__init__(50013, f"Assertion failed signature validation. {detail}")


class OutsideValidity(InvalidClient):
    def __init__(self, now: float, not_before: float, expires: float) -> None:
        super().__init__(
            700024,
            f"Client assertion is not within its valid time range. Current time: {_stamp(now)}, assertion valid "
            f"from {_stamp(not_before)}, expiry time of assertion {_stamp(expires)}. Review the documentation at "
            f"{_ASSERTION_DOCS} .",
        )


def _stamp(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def _segment(text: str) -> bytes:
    """One base64url segment of a JWT (unpadded, as JWS writes it)."""
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _json(data: bytes) -> Any:
    """A JSON segment; Entra reads tokens with .NET, whose System.Text.Json stops at 64 levels (MaxDepth)."""
    return nesting.loads(data, _MAX_DEPTH)


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Assertion:
    """The header and claims Entra reads from an assertion, taken before it is verified."""

    def __init__(self, token: str) -> None:
        try:
            header_text, claims_text, signature_text = token.split(".")
            header, claims = _json(_segment(header_text)), _json(_segment(claims_text))
            self.signature = _segment(signature_text)
        except ValueError:  # a wrong segment count, bad base64 (binascii.Error) or JSON (nested too deep too)
            raise MalformedAssertion() from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise MalformedAssertion()
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or not all(isinstance(item, str) for item in audiences):
            raise MalformedAssertion()
        well_formed = (
            isinstance(claims.get("iss"), str)
            and isinstance(claims.get("sub"), str)
            and _is_time(claims.get("exp"))
            and _is_time(claims.get("nbf", 0))
        )
        if not well_formed:
            raise MalformedAssertion()
        self.header: Document = header
        self.signed = f"{header_text}.{claims_text}".encode()
        self.issuer, self.subject = str(claims["iss"]), str(claims["sub"])
        self.audiences = [str(item) for item in audiences]
        self.expires, self.not_before = float(claims["exp"]), float(claims.get("nbf", 0))


class FederatedAssertions:
    """The token endpoint's verifier for ``client_assertion`` grants (``entra.handlers.AssertionVerifier``)."""

    def __init__(self, discovery: OidcDiscovery, identities: FederatedCredentials) -> None:
        self._discovery, self._identities = discovery, identities
        self._rs256 = RSAAlgorithm(RSAAlgorithm.SHA256)
        self._keys: dict[tuple[str, str], RSAPublicKey] = {}  # (n, e) -> key: JWKs are parsed once

    def __call__(self, entra: Tenant, client_id: str, token: str) -> Principal:
        principal = entra.directory.service_principal_by_app_id(client_id)
        if principal is None:
            raise UnknownApplication(client_id, entra.settings.tenant_id)
        assertion = _Assertion(token)
        # A managed identity's principal names the identity, which holds the federated credentials.
        credentials = self._identities.federated_credentials(principal.resource_id) if principal.resource_id else []
        if not any(
            credential.issuer == assertion.issuer
            and credential.subject == assertion.subject
            and any(audience in credential.audiences for audience in assertion.audiences)
            for credential in credentials
        ):
            raise NoMatchingFederatedIdentity(assertion.issuer, assertion.subject, ",".join(assertion.audiences))
        found = self._discovery.discover(assertion.issuer)
        if found is None:
            raise IssuerUnreachable()
        self._check_signature(assertion, found[1])
        now = entra.clock.now()
        if not assertion.not_before <= now < assertion.expires:
            raise OutsideValidity(now, assertion.not_before, assertion.expires)
        return principal.principal()

    def _check_signature(self, assertion: _Assertion, jwks: Document) -> None:
        """RS256 with the issuer's key named by ``kid`` (any of its keys when the header names none)."""
        kid = str(assertion.header.get("kid", ""))
        jwks_keys = [jwk for jwk in jwks.get("keys") or [] if not kid or jwk.get("kid") == kid]
        if not jwks_keys:
            raise SignatureInvalid("The key was not found.", kid)
        if assertion.header.get("alg") == "RS256" and any(
            (key := self._public_key(jwk)) is not None
            and self._rs256.verify(assertion.signed, key, assertion.signature)
            for jwk in jwks_keys
        ):
            return
        raise SignatureInvalid("The provided signature value did not match the expected signature value.", kid)

    def _public_key(self, jwk: Document) -> RSAPublicKey | None:
        index = (str(jwk.get("n")), str(jwk.get("e")))
        if index not in self._keys:
            try:
                loaded = RSAAlgorithm.from_jwk(jwk)
            except jwt.InvalidKeyError:
                return None
            if not isinstance(loaded, RSAPublicKey):
                return None
            self._keys[index] = loaded
        return self._keys[index]
