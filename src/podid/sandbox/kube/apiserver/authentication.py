"""Bearer-token authentication of one API server: the AKS local accounts and service-account tokens.

The kubeconfig tokens of listClusterAdminCredential/listClusterUserCredential are static: AKS local accounts,
both in ``system:masters``. Service-account JWTs must be signed by this cluster, unexpired, meant for the
API server (``aud`` contains its issuer; legacy Secret tokens have no ``aud``) and still backed by their
objects: the ServiceAccount (same uid), the bound pod, or the legacy token Secret. Anything else is 401.
"""

from __future__ import annotations

from podid.sandbox.kube.identity.tokens import LEGACY_ISSUER, TokenSigner, bound_names, same_token
from podid.sandbox.kube.identity.users import AUTHENTICATED, MASTERS, UserInfo, service_account_user
from podid.sandbox.kube.machinery.objects import as_list, as_str, dig
from podid.sandbox.kube.machinery.status import unauthorized
from podid.sandbox.kube.storage.cluster import Cluster


class Authenticator:
    def __init__(self, cluster: Cluster, signer: TokenSigner, static: dict[str, str]) -> None:
        self._cluster = cluster
        self._signer = signer
        self._static = static  # token -> user name

    def user(self, authorization: str | None) -> UserInfo:
        """The user a request's ``Authorization`` header names; raises the 401 KubeApiError otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthorized()
        for known, user in self._static.items():
            if same_token(token, known):
                return UserInfo(user, (MASTERS, AUTHENTICATED))
        account = self._service_account(token)
        if account is None:
            raise unauthorized()
        return account

    def _service_account(self, token: str) -> UserInfo | None:
        claims = self._signer.verify(token)
        if claims is None:
            return None
        namespace, name, uid, pod_uid = bound_names(claims)
        account = self._cluster.find(self._cluster.resource_type("serviceaccounts"), namespace, name)
        if account is None or (uid and dig(account, "metadata", "uid") != uid):
            return None
        if claims.get("iss") == LEGACY_ISSUER:
            secret_name = as_str(claims.get("kubernetes.io/serviceaccount/secret.name"))
            if self._cluster.find(self._cluster.resource_type("secrets"), namespace, secret_name) is None:
                return None
        else:
            audiences = claims.get("aud")
            given = as_list(audiences) if isinstance(audiences, list) else [audiences]
            if not self._signer.api_audiences.intersection(given):
                return None
            if pod_uid and not self._pod_alive(namespace, claims, pod_uid):
                return None
        return service_account_user(namespace, name)

    def _pod_alive(self, namespace: str, claims: dict[str, object], pod_uid: str) -> bool:
        pod_name = as_str(dig(claims, "kubernetes.io", "pod", "name"))
        pod = self._cluster.find(self._cluster.resource_type("pods"), namespace, pod_name)
        return pod is not None and dig(pod, "metadata", "uid") == pod_uid
