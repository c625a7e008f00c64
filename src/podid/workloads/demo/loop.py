"""The aad-pod-identity demo's loop (``cmd/demo/main.go``, v1.6.x), speaking only HTTP like the real image.

Each round, with fresh credentials as the Go demo builds fresh authorizers (so every round asks NMI again),
chosen as DefaultAzureCredential would (``auth``: workload identity when the webhook mutated the pod):

1. list the VMs of ``--resourcegroup`` through ARM with a managed identity token requested *without* a
   client id, and log the count of the first page or the error (which carries NMI's or ARM's reason);
2. get a token without a client id, then one with ``--clientid``, and log each;
3. GET the instance metadata and log it;
4. sleep ``--retry-wait-time``.

The one deliberate difference: the Go demo retries a failed token round immediately, which against an
endpoint that answers at once (as the sandbox's NMI does by default) would spin; this one sleeps first.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from azure.core.credentials import AccessToken
from azure.core.exceptions import AzureError
from azure.mgmt.compute import ComputeManagementClient

from podid.workloads._runtime import pod_session, pod_transport
from podid.workloads.demo.auth import Credential, RoundCredentials
from podid.workloads.demo.flags import DemoConfig
from podid.workloads.demo.klog import Klog

IMDS_HOST = "http://169.254.169.254"
TOKEN_PATH = "/metadata/identity/oauth2/token"
INSTANCE_URL_PATH = "/metadata/instance?api-version=2017-08-01"
DEFAULT_ARM_URL = "https://management.azure.com/"
INSTANCE_TIMEOUT_SECONDS = 2.0

# main.go line numbers of each log call, for klog's header
_LINE_START, _LINE_ARM_FAILED, _LINE_ARM_OK = 35, 77, 81
_LINE_T1_FAILED, _LINE_T2_FAILED, _LINE_MISMATCH = 47, 53, 58
_LINE_MSI_REFRESH, _LINE_MSI_OK, _LINE_UAMI_REFRESH, _LINE_UAMI_OK = 91, 99, 110, 118
_LINE_INSTANCE_ERROR, _LINE_INSTANCE_OK = 136, 145


def _metadata_host() -> str:
    return os.environ.get("AZURE_POD_IDENTITY_AUTHORITY_HOST", IMDS_HOST).rstrip("/")


class Demo:
    """One demo pod: ``run_once`` is a round of the loop, ``run`` loops forever."""

    def __init__(self, config: DemoConfig, log: Klog, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.log = log
        self._sleep = sleep
        self.msi_endpoint = _metadata_host() + TOKEN_PATH
        self._scope = config.resource.rstrip("/") + "/.default"

    def run(self) -> None:
        self.log.info(
            _LINE_START,
            f"starting demo pod {os.environ.get('MY_POD_NAMESPACE', '')}/{os.environ.get('MY_POD_NAME', '')} "
            f"{os.environ.get('MY_POD_IP', '')}",
        )
        while True:
            self.run_once()
            self._sleep(self.config.retry_wait_seconds)

    def run_once(self) -> None:
        with RoundCredentials() as credentials:
            self._round(credentials)

    def _round(self, credentials: RoundCredentials) -> None:
        self.count_vms(credentials.get())
        first = self.token_without_client_id(credentials.get())
        if first is None:
            self.log.error(_LINE_T1_FAILED, "testMSIEndpoint failed, <nil>")
            return
        second = self.token_with_client_id(credentials.get(self.config.client_id))
        if second is None:
            self.log.error(_LINE_T2_FAILED, "testMSIEndpointFromUserAssignedID failed, <nil>")
            return
        if first.token.lower() != second.token.lower():
            self.log.error(_LINE_MISMATCH, f"msi, emsi test failed with t1({first.token}) and t2({second.token})")
        self.instance_metadata()

    def count_vms(self, credential: Credential) -> None:
        arm_url = os.environ.get("PODID_ARM_URL", DEFAULT_ARM_URL)
        client = ComputeManagementClient(
            credential,
            self.config.subscription_id,
            base_url=arm_url,
            credential_scopes=[self._scope],
            transport=pod_transport(),
        )
        try:
            with client:
                pages = client.virtual_machines.list(self.config.resource_group).by_page()
                count = len(list(next(pages, [])))
        except AzureError as error:
            self.log.error(_LINE_ARM_FAILED, f"failed list all vm, error: {error}")
            return
        self.log.info(_LINE_ARM_OK, f"successfully counted VM from ARM: {count}")

    def token_without_client_id(self, credential: Credential) -> AccessToken | None:
        token = self._token(credential)
        if token is None:
            self.log.error(
                _LINE_MSI_REFRESH,
                "failed to refresh ServicePrincipalTokenFromMSI using the MSI VM extension, "
                f"msiEndpoint({self.msi_endpoint})",
            )
        else:
            self.log.info(
                _LINE_MSI_OK, f"successfully acquired a token using the MSI, msiEndpoint({self.msi_endpoint})"
            )
        return token

    def token_with_client_id(self, credential: Credential) -> AccessToken | None:
        client_id = self.config.client_id
        token = self._token(credential)
        if token is None:
            self.log.error(
                _LINE_UAMI_REFRESH,
                f"failed to refresh ServicePrincipalToken userAssignedID MSI, msiEndpoint({self.msi_endpoint})",
            )
        else:
            self.log.info(
                _LINE_UAMI_OK,
                f"successfully acquired a token, userAssignedID MSI, msiEndpoint({self.msi_endpoint}) "
                f"clientID({client_id})",
            )
        return token

    def _token(self, credential: Credential) -> AccessToken | None:
        try:
            token: AccessToken = credential.get_token(self._scope)
        except AzureError:
            return None
        return token

    def instance_metadata(self) -> None:
        try:
            with pod_session() as session:
                response = session.get(
                    _metadata_host() + INSTANCE_URL_PATH,
                    headers={"Metadata": "true"},
                    timeout=INSTANCE_TIMEOUT_SECONDS,
                )
        except OSError as error:
            self.log.error(_LINE_INSTANCE_ERROR, str(error))
            return
        self.log.info(_LINE_INSTANCE_OK, f"successfully made GET on instance metadata, {response.text}")
