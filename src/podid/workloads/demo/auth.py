"""The demo's credentials, chosen as DefaultAzureCredential would in a pod: workload identity when the webhook's
variables are present (``AZURE_FEDERATED_TOKEN_FILE``, ``AZURE_CLIENT_ID``, ``AZURE_TENANT_ID``), the managed
identity endpoint (NMI or IMDS) otherwise.

azure-identity's ManagedIdentityCredential would switch to workload identity by itself on those variables, but
it opens the token file at the path as given; here the path is mapped into the pod's root.

A round of the loop builds fresh credentials, as the Go demo builds fresh authorizers. With workload identity one
credential per client id serves the whole round: Entra ID mints a new token per exchange, while the demo's check
that the token without and with ``--clientid`` are the same relies on the identity endpoint answering the same
token until it expires, which is what MSAL's cache gives back within one credential.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType

from azure.identity import ManagedIdentityCredential, WorkloadIdentityCredential

from podid.workloads._runtime import federated_token_file, pod_transport

Credential = ManagedIdentityCredential | WorkloadIdentityCredential


class RoundCredentials:
    """``get(client_id)``: the credential for one identity (None: the pod's default) for one round; closed with it."""

    def __init__(self, env: Mapping[str, str] = os.environ) -> None:
        self._env = env
        self._token_file = federated_token_file(env)
        self._made: list[Credential] = []
        self._federated: dict[str, WorkloadIdentityCredential] = {}

    @property
    def federated(self) -> bool:
        return self._token_file is not None

    def get(self, client_id: str | None = None) -> Credential:
        if not self.federated:
            credential = ManagedIdentityCredential(client_id=client_id, transport=pod_transport())
            self._made.append(credential)
            return credential
        chosen = client_id or self._env.get("AZURE_CLIENT_ID", "")
        if chosen not in self._federated:
            self._federated[chosen] = WorkloadIdentityCredential(
                tenant_id=self._env.get("AZURE_TENANT_ID"),
                client_id=chosen,
                token_file_path=self._token_file,
                transport=pod_transport(),
            )
            self._made.append(self._federated[chosen])
        return self._federated[chosen]

    def close(self) -> None:
        for credential in self._made:
            credential.close()
        self._made.clear()
        self._federated.clear()

    def __enter__(self) -> RoundCredentials:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
