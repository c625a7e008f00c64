"""Where the demo's tokens come from: the managed identity endpoint through adal, as the Go demo v1.6.3 gets
them (``adal``), or, when the workload identity webhook mutated the pod (``AZURE_FEDERATED_TOKEN_FILE``,
``AZURE_CLIENT_ID``, ``AZURE_TENANT_ID``), Entra ID's exchange, as DefaultAzureCredential would choose.

The v1.6.3 image knows only the first; the second lets the same pod manifest run after a migration to workload
identity. azure-identity opens the token file at the path as given, so the path is mapped into the pod's root.

A round of the loop builds fresh token sources, as the Go demo builds fresh ServicePrincipalTokens (so every
round asks NMI again). With workload identity one credential per client id serves the whole round: Entra ID mints
a new token per exchange, while the demo's check that the token without and with ``--clientid`` are the same
relies on the identity endpoint answering the same token until it expires, which is what MSAL's cache gives back
within one credential.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from types import TracebackType

from azure.core.exceptions import AzureError
from azure.identity import WorkloadIdentityCredential

from podid.workloads._runtime import federated_token_file
from podid.workloads.demo import adal
from podid.workloads.demo.adal import RefreshError, Sleep, Token


class MsiToken:
    """``NewServicePrincipalTokenFromMSI`` (no client id) or ``…WithUserAssignedID``; call it to refresh."""

    def __init__(self, client_id: str | None, sleep: Sleep) -> None:
        self.client_id, self._sleep = client_id, sleep

    def __call__(self, resource: str) -> Token:
        return adal.refresh(resource, self.client_id, self._sleep)


class FederatedToken:
    """A token from the workload identity exchange, in adal's shape; errors as ``RefreshError``."""

    def __init__(self, credential: WorkloadIdentityCredential) -> None:
        self.credential = credential

    def __call__(self, resource: str) -> Token:
        try:
            found = self.credential.get_token(resource.rstrip("/") + "/.default")
        except AzureError as error:
            raise RefreshError(str(error)) from error
        expires_in = str(max(found.expires_on - int(time.time()), 0))
        return Token(found.token, "", expires_in, str(found.expires_on), "", resource, "Bearer")


TokenSource = MsiToken | FederatedToken


class RoundCredentials:
    """``get(client_id)``: the token source for one identity (None: the pod's default) for one round."""

    def __init__(self, env: Mapping[str, str] = os.environ, sleep: Sleep = time.sleep) -> None:
        self._env = env
        self._sleep = sleep
        self._token_file = federated_token_file(env)
        self._federated: dict[str, FederatedToken] = {}

    @property
    def federated(self) -> bool:
        return self._token_file is not None

    def get(self, client_id: str | None = None) -> TokenSource:
        if not self.federated:
            return MsiToken(client_id, self._sleep)
        chosen = client_id or self._env.get("AZURE_CLIENT_ID", "")
        if chosen not in self._federated:
            credential = WorkloadIdentityCredential(
                tenant_id=self._env.get("AZURE_TENANT_ID"),
                client_id=chosen,
                token_file_path=self._token_file,  # the authority: AZURE_AUTHORITY_HOST, as the webhook set it
            )
            self._federated[chosen] = FederatedToken(credential)
        return self._federated[chosen]

    def close(self) -> None:
        for source in self._federated.values():
            source.credential.close()
        self._federated.clear()

    def __enter__(self) -> RoundCredentials:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
