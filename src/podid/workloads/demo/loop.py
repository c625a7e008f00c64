"""The aad-pod-identity demo's loop, line for line the image ``demo:v1.6.3`` runs (Azure/aad-pod-identity
cmd/demo/main.go at v1.6.3), speaking only HTTP like the real image. Each log call carries its main.go line.

Each round, with fresh token sources (``auth``) as the Go demo builds fresh ServicePrincipalTokens:

1. ``doARMOperations``: list the VMs of ``--resourcegroup`` with a token for ``https://management.azure.com/``
   from the endpoint *without* a client id (``AZURE_CLIENT_ID``'s when set, as go-autorest's
   NewAuthorizerFromEnvironment does), and log the count of the first page or the SDK's error (``compute``);
2. ``testMSIEndpoint`` and ``testMSIEndpointFromUserAssignedID``: a token without, then with ``--clientid``;
   if either fails the loop starts again at once, without sleeping (adal's own retries pace it: a 404 from NMI
   costs 112 s per token, ``adal``);
3. if the two access tokens differ, log both;
4. ``testInstanceMetadataRequests``: GET the instance metadata (2 s timeout) and log it;
5. sleep ``--retry-wait-time``.

Every message names the endpoint the Go demo uses, ``http://169.254.169.254/metadata/identity/oauth2/token``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from podid.workloads.demo import compute
from podid.workloads.demo.adal import MSI_ENDPOINT, SEND_ERRORS, RefreshError, Token, go_dial_error
from podid.workloads.demo.auth import RoundCredentials, TokenSource
from podid.workloads.demo.flags import DemoConfig
from podid.workloads.demo.klog import Klog

INSTANCE_PATH = "/metadata/instance?api-version=2017-08-01"
INSTANCE_URL = "http://169.254.169.254" + INSTANCE_PATH
INSTANCE_TIMEOUT_SECONDS = 2.0
ARM_RESOURCE = "https://management.azure.com/"  # azure.PublicCloud.ResourceManagerEndpoint
_ZERO = Token("", "", "", "", "", "", "")

# cmd/demo/main.go@v1.6.3: the line of each log call
_START, _MISMATCH = 33, 54
_LIST_FAILED, _LIST_OK = 73, 77
_MSI_NEW_FAILED, _MSI_REFRESH_FAILED, _MSI_ZERO, _MSI_OK = 83, 87, 92, 95
_UAMI_NEW_FAILED, _UAMI_REFRESH_FAILED, _UAMI_ZERO, _UAMI_OK = 102, 106, 111, 114
_INSTANCE_FAILED, _INSTANCE_OK = 132, 141


class Demo:
    """One demo pod: ``run_once`` is a round of the loop (True when it reached the sleep), ``run`` loops."""

    def __init__(self, config: DemoConfig, log: Klog, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.log = log
        self._sleep = sleep

    def run(self) -> None:
        env = os.environ
        pod = f"{env.get('MY_POD_NAMESPACE', '')}/{env.get('MY_POD_NAME', '')} {env.get('MY_POD_IP', '')}"
        self.log.info(_START, f"starting demo pod {pod}")
        while True:
            if self.run_once():
                self._sleep(self.config.retry_wait_seconds)

    def run_once(self) -> bool:
        with RoundCredentials(sleep=self._sleep) as credentials:
            return self._round(credentials)

    def _round(self, credentials: RoundCredentials) -> bool:
        self.do_arm_operations(credentials.get(os.environ.get("AZURE_CLIENT_ID") or None))
        first = self.test_msi_endpoint(credentials.get())
        if first is None:
            return False
        second = self.test_msi_endpoint_from_user_assigned_id(credentials.get(self.config.client_id))
        if second is None:
            return False
        if first.access_token.lower() != second.access_token.lower():
            self.log.error(
                _MISMATCH, f"msi, emsi test failed with t1({first.go_format()}) and t2({second.go_format()})"
            )
        self.test_instance_metadata_requests()
        return True

    def do_arm_operations(self, source: TokenSource) -> None:
        try:
            count = compute.count_vms(
                lambda: source(ARM_RESOURCE), self.config.subscription_id, self.config.resource_group
            )
        except compute.ListFailed as error:
            self.log.error(_LIST_FAILED, f"failed list all vm, error: {error}")
            return
        self.log.info(_LIST_OK, f"successfully counted VM from ARM: {count}")

    def test_msi_endpoint(self, source: TokenSource) -> Token | None:
        if not self.config.resource:
            self.log.error(
                _MSI_NEW_FAILED, f"failed to acquire a token using the MSI VM extension, error: {_empty('resource')}"
            )
            return None
        try:
            token = source(self.config.resource)
        except RefreshError as error:
            self.log.error(
                _MSI_REFRESH_FAILED,
                f"failed to refresh ServicePrincipalTokenFromMSI using the MSI endpoint ({MSI_ENDPOINT}), "
                f"error: {error.message}",
            )
            return None
        if token == _ZERO:
            self.log.error(_MSI_ZERO, f"zero token found using the MSI endpoint ({MSI_ENDPOINT})")
            return None
        self.log.info(_MSI_OK, f"successfully acquired a token using the MSI, msiEndpoint({MSI_ENDPOINT})")
        return token

    def test_msi_endpoint_from_user_assigned_id(self, source: TokenSource) -> Token | None:
        client_id = self.config.client_id
        for name, value in (("resource", self.config.resource), ("userAssignedID", client_id)):
            if not value:
                self.log.error(
                    _UAMI_NEW_FAILED,
                    f"failed NewServicePrincipalTokenFromMSIWithUserAssignedID, clientID: {client_id}, "
                    f"error: {_empty(name)}",
                )
                return None
        try:
            token = source(self.config.resource)
        except RefreshError:
            self.log.error(
                _UAMI_REFRESH_FAILED,
                f"failed to refresh ServicePrincipalToken userAssignedID MSI, msiEndpoint({MSI_ENDPOINT})",
            )
            return None
        where = f"msiEndpoint({MSI_ENDPOINT}) clientID({client_id})"
        if token == _ZERO:
            self.log.error(_UAMI_ZERO, f"zero token found, userAssignedID MSI, {where}")
            return None
        self.log.info(_UAMI_OK, f"successfully acquired a token, userAssignedID MSI, {where}")
        return token

    def test_instance_metadata_requests(self) -> None:
        try:
            body = requests.get(INSTANCE_URL, headers={"Metadata": "true"}, timeout=INSTANCE_TIMEOUT_SECONDS).content
        except SEND_ERRORS as error:
            self.log.error(_INSTANCE_FAILED, f'Get "{INSTANCE_URL}": {_instance_error(error)}')
            return
        self.log.info(_INSTANCE_OK, f"successfully made GET on instance metadata, {body.decode('utf-8', 'replace')}")


def _instance_error(error: Exception) -> str:
    """Go's error for the instance metadata GET: the 2 s client timeout, or the failed connect."""
    connect_timeout = isinstance(error, ConnectTimeoutError) and not isinstance(error, NewConnectionError)
    if isinstance(error, requests.Timeout) or connect_timeout:
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    return go_dial_error(error)


def _empty(parameter: str) -> str:
    """adal's validateStringParam."""
    return f"parameter '{parameter}' cannot be empty"
