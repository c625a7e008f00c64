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

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import jwt

from podid.sandbox.entra.errors import InvalidClient, InvalidRequest
from podid.sandbox.tokens import Principal

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud

Document = dict[str, Any]
_FEDERATION_DOCS = "https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation"
_ASSERTION_DOCS = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"


class OidcDiscovery(Protocol):
    def discover(self, issuer: str) -> tuple[Document, Document] | None:
        """(openid configuration, JWKS) of the issuer with exactly this URL; None when it cannot be fetched."""
        ...


class UnknownApplication(InvalidClient):
    def __init__(self, client_id: str, tenant_id: str) -> None:
        super().__init__(
            700016,
            f"Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented "
            "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            status=400,
            error="unauthorized_client",
        )


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


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Assertion:
    """The claims Entra reads from an assertion, taken before it is verified."""

    def __init__(self, token: str) -> None:
        try:
            self.header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise MalformedAssertion() from None
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
        self.token, self.issuer, self.subject = token, str(claims["iss"]), str(claims["sub"])
        self.audiences = [str(item) for item in audiences]
        self.expires, self.not_before = float(claims["exp"]), float(claims.get("nbf", 0))

    def check_signature(self, jwks: Document) -> None:
        """RS256 with the issuer's key named by ``kid`` (any of its keys when the header names none)."""
        kid = str(self.header.get("kid", ""))
        keys = [key for key in jwks.get("keys") or [] if not kid or key.get("kid") == kid]
        if not keys:
            raise SignatureInvalid("The key was not found.", kid)
        for key in keys:
            try:
                jwt.api_jws.decode(self.token, jwt.PyJWK(key).key, algorithms=["RS256"])
                return
            except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError, jwt.InvalidKeyError):
                continue
            except jwt.PyJWTError:
                raise MalformedAssertion() from None
        raise SignatureInvalid("The provided signature value did not match the expected signature value.", kid)


class FederatedAssertions:
    """The token endpoint's verifier for ``client_assertion`` grants (``entra.handlers.AssertionVerifier``)."""

    def __init__(self, discovery: OidcDiscovery) -> None:
        self._discovery = discovery

    def __call__(self, cloud: Cloud, client_id: str, token: str) -> Principal:
        principal = cloud.directory.service_principal_by_app_id(client_id)
        if principal is None:
            raise UnknownApplication(client_id, cloud.settings.tenant_id)
        assertion = _Assertion(token)
        identity = cloud.identities.by_client_id(client_id)
        credentials = cloud.identities.federated_credentials(identity.id) if identity is not None else []
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
        assertion.check_signature(found[1])
        now = cloud.clock.now()
        if not assertion.not_before <= now < assertion.expires:
            raise OutsideValidity(now, assertion.not_before, assertion.expires)
        return principal.principal()
