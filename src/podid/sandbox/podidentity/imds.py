"""The metadata endpoint pods reach at 169.254.169.254: NMI where the add-on runs, IMDS elsewhere.

One plain-HTTP listener on ``settings.imds_port`` stands for 169.254.169.254 on every node. The caller is
the pod that owns the request's source address (``kube.pod_by_ip``), as NMI's iptables redirection makes it on
a node. The kubelet gives each workload process ``HTTP_PROXY``/``HTTPS_PROXY`` (and lowercase) with the pod's
credential, and the sandbox's proxy carries 169.254.169.254 to this listener from the pod's IP; a direct caller
from a pod address (tests, the probe's direct connections) is identified by that address the same way.

* Pod in a cluster with the add-on: NMI as the add-on runs it, managed mode with ``--forceNamespaced`` and
  ``--metadata-header-required`` (aad-pod-identity deploy/infra/managed-mode-deployment.yaml): an identity that
  is not bound, or not the pod's, is answered at once with 404 ``no azure identity found for request clientID
  …`` (503 and ``Retry-After: 20`` with ``settings.nmi_retry_after``).
* With ``settings.nmi_mode = "standard"`` (a self-installed aad-pod-identity), NMI reads MIC's
  AzureAssignedIdentities instead. By default an identity that is not bound, not yet Assigned, or not the
  pod's is answered at once with standard mode's message in IMDS's 400 JSON error (``invalid_request``), which
  azure-identity neither retries (a 404 costs 24 s of retries) nor hides; with ``settings.nmi_wait`` NMI
  really waits (about 80 s, or 100 s for Created) and answers 404.
* In both modes, exception pods get what IMDS gives the node (the kubelet identity by default).
* Pod in a cluster without the add-on: plain IMDS, so any pod gets a token for any identity on its node's
  scale set: the anti-pattern the tutorial removes.
* Any other caller: NMI's 500 ``pod list is empty``.

Tokens come from the sandbox Entra ID for the identity's service principal, and only for identities that are
on the pod's scale set, as real IMDS would have it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from podid.sandbox.arm.compute.models import ScaleSetInstance, VirtualMachineScaleSet
from podid.sandbox.core.sockets import bind_tcp
from podid.sandbox.kube.api import KubeCluster, KubeObject
from podid.sandbox.podidentity import _crd, nmi
from podid.sandbox.podidentity.controller import ClusterState, PodIdentityController
from podid.sandbox.podidentity.nmi import Found, Missing, NodeIdentity, Reply, TokenRequest

if TYPE_CHECKING:
    from podid.sandbox.arm.compute.models import ComputeBackend
    from podid.sandbox.core.settings import CloudSettings
    from podid.sandbox.core.tokens import TokenService
    from podid.sandbox.directory import Directory
    from podid.sandbox.kube.api import KubeFleet

TOKEN_PATH = re.compile(r"^/metadata/identity/oauth2/token", re.IGNORECASE)
MALFORMED_TOKEN_PATH = re.compile(r"^/metadata/identity(.*?)oauth2(.*?)token", re.IGNORECASE)
INSTANCE_PATH = re.compile(r"^/metadata/instance", re.IGNORECASE)
IMDS_TOKEN_URL = "http://169.254.169.254/metadata/identity/oauth2/token"
API_VERSION_MISSING = (
    "Bad request. api-version was not specified in the request. For more information refer to aka.ms/azureimds"
)


@dataclass(frozen=True)
class Caller:
    """The pod behind a request's source address."""

    pod: KubeObject
    kubelet_identity: str | None  # the node identity IMDS gives when none is named
    addon: ClusterState | None  # set when NMI runs on the pod's cluster (the pod came from its cache)
    cluster: KubeCluster | None  # set otherwise: the cluster to read the pod's node from


class ImdsService:
    """The listener and its three routes (token, instance metadata, everything else)."""

    def __init__(
        self,
        settings: CloudSettings,
        published: dict[str, object],
        controller: PodIdentityController,
        *,
        kube: KubeFleet,
        compute: ComputeBackend,
        directory: Directory,
        tokens: TokenService,
    ) -> None:
        """Binds the socket and publishes ``imds_url`` at once: pods started before this service may need it."""
        self._settings, self._kube, self._compute = settings, kube, compute
        self._directory, self._tokens = directory, tokens
        self._controller = controller
        self._runner: web.AppRunner | None = None
        self._socket = bind_tcp(settings.host, settings.imds_port)
        published["imds_url"] = f"http://{settings.host}:{self._socket.getsockname()[1]}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:(?s:.*)}", self._dispatch)  # (?s): a decoded path may hold a line feed
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket, shutdown_timeout=1).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._socket.close()

    async def _dispatch(self, request: web.Request) -> web.Response:
        path = request.path
        if TOKEN_PATH.match(path):
            reply = await self._token(request)
        elif MALFORMED_TOKEN_PATH.match(path):
            reply = nmi.go_error(400, "Invalid request")
        elif INSTANCE_PATH.match(path):
            reply = self._instance(request)
        else:
            reply = nmi.imds_error(404, "Not found")
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    # tokens

    async def _token(self, request: web.Request) -> Reply:
        if request.headers.get("Metadata") != "true":
            return nmi.metadata_header_missing()
        token_request = TokenRequest.parse(request.query)
        caller = await self._find_pod(request.remote or "")
        if not token_request.resource:
            if caller is None or caller.addon is not None:
                return nmi.go_error(400, "parameter resource cannot be empty")
            return nmi.imds_error(400, "Required query variable 'resource' is missing")
        if caller is None:
            return nmi.go_error(500, nmi.POD_LIST_EMPTY)
        if caller.addon is None:
            return self._node_token(caller, token_request, nmi_shape=False)
        exceptions = caller.addon.informer.exceptions(_crd.namespace_of(caller.pod))
        if nmi.is_excepted(_crd.labels_of(caller.pod), exceptions):
            return self._excepted_token(caller, token_request)
        return await self._pod_identity_token(caller, caller.addon, token_request)

    async def _find_pod(self, ip: str) -> Caller | None:
        """NMI looks a little longer (5 tries 300 ms apart) when it may wait; the fast mode answers at once."""
        attempts = nmi.POD_LOOKUP_ATTEMPTS if self._settings.nmi_wait else 1
        for attempt in range(attempts):
            caller = self._caller(ip)
            if caller is not None or attempt == attempts - 1:
                return caller
            await asyncio.sleep(nmi.POD_LOOKUP_INTERVAL)
        return None

    def _caller(self, ip: str) -> Caller | None:
        """From NMI's pod cache where the add-on runs, else from the fleet (a node without NMI)."""
        cached = self._controller.pod_by_ip(ip)
        if cached is not None:
            addon, pod = cached
            return Caller(pod, addon.kubelet_identity, addon, None)
        found = self._kube.pod_by_ip(ip)
        if found is None:
            return None
        cluster, pod = found
        state = self._controller.state(cluster.cluster_id)
        kubelet = state.kubelet_identity if state else None
        return Caller(pod, kubelet, state if state and state.enabled else None, cluster)

    def _excepted_token(self, caller: Caller, request: TokenRequest) -> Reply:
        """NMI fetches what IMDS gives the node, passing on only the client_id."""
        excepted = TokenRequest(request.resource, client_id=request.client_id)
        reply = self._node_token(caller, excepted, nmi_shape=True)
        if reply.status == 200:
            return reply
        return nmi.go_error(403, f"failed to get service principal token, error: {_adal_error(reply, excepted)}")

    async def _pod_identity_token(self, caller: Caller, addon: ClusterState, request: TokenRequest) -> Reply:
        settings = self._settings
        picked = (
            await self._standard_identity(addon, caller.pod, request)
            if settings.nmi_mode == nmi.STANDARD
            else self._managed_identity(addon, caller.pod, request)
        )
        if isinstance(picked, Missing):
            if settings.nmi_mode == nmi.STANDARD and not settings.nmi_wait and not settings.nmi_retry_after:
                # IMDS's own "no such identity" form, which azure-identity reports with its description
                return nmi.imds_error(400, picked.message)
            return nmi.no_identity(picked.message, retry_after=settings.nmi_retry_after)
        if isinstance(picked, Reply):
            return picked
        if _crd.field(picked, "spec", "type") != _crd.USER_ASSIGNED_MSI:
            return nmi.go_error(403, f"unsupported identity type {_crd.field(picked, 'spec', 'type')}")
        uami = TokenRequest(request.resource, client_id=_crd.text(picked, "spec", "clientID"))
        reply = self._node_token(caller, uami, nmi_shape=True, default=False)
        return reply if reply.status == 200 else nmi.go_error(403, _adal_error(reply, uami))

    @staticmethod
    def _managed_identity(addon: ClusterState, pod: KubeObject, request: TokenRequest) -> KubeObject | Missing:
        namespace = _crd.namespace_of(pod)
        bindings = addon.informer.in_namespace(_crd.BINDINGS, namespace)
        return nmi.managed_identity(pod, bindings, addon.informer.in_namespace(_crd.IDENTITIES, namespace), request)

    async def _standard_identity(
        self, addon: ClusterState, pod: KubeObject, request: TokenRequest
    ) -> KubeObject | Missing | Reply:
        outcome = await self._assigned_identities(addon, pod, request)
        if isinstance(outcome, Missing):
            return outcome
        return nmi.pick_identity(outcome, request, _crd.namespace_of(pod))

    async def _assigned_identities(
        self, addon: ClusterState, pod: KubeObject, request: TokenRequest
    ) -> Found | Missing:
        """NMI's wait for the pod's AzureAssignedIdentities; without nmi_wait, one look that ends the wait."""
        namespace, name, node = _crd.namespace_of(pod), _crd.name_of(pod), _crd.text(pod, "spec", "nodeName")
        total = nmi.CREATED_ATTEMPTS + nmi.ASSIGNED_ATTEMPTS
        attempts = range(total) if self._settings.nmi_wait else [nmi.CREATED_ATTEMPTS]
        for attempt in attempts:
            assignments = addon.informer.assignments(namespace, name, node)
            outcome = nmi.lookup_attempt(assignments, request, attempt, namespace, name)
            if outcome is not None:
                return outcome
            if self._settings.nmi_wait:
                await asyncio.sleep(nmi.RETRY_SECONDS)
        return nmi.not_assigned(namespace, name)

    def _node_token(self, caller: Caller, request: TokenRequest, *, nmi_shape: bool, default: bool = True) -> Reply:
        """What IMDS on the pod's node answers: a token for one of the node's identities (the kubelet's unless
        one is named), or IMDS's 400."""
        kubelet = caller.kubelet_identity if default else None
        chosen = nmi.node_identity(request, self._node_identities(caller), kubelet)
        if isinstance(chosen, Reply):
            return chosen
        principal = self._directory.service_principal(chosen.principal_id)
        if principal is None:
            return nmi.imds_error(400, "Identity not found")
        token = self._tokens.issue(principal.principal(), request.resource)
        if nmi_shape:
            return nmi.nmi_token(token, request.resource)
        return nmi.imds_token(token, chosen.client_id, request.resource)

    def _node_identities(self, caller: Caller) -> list[NodeIdentity]:
        vmss = self._scale_set(caller)
        if vmss is None:
            return []
        return [
            NodeIdentity(resource_id, ids.get("clientId", ""), ids.get("principalId", ""))
            for resource_id, ids in vmss.identity.user_assigned.items()
        ]

    def _scale_set(self, caller: Caller) -> VirtualMachineScaleSet | None:
        """The scale set behind the pod's node (from NMI's node cache where the add-on runs)."""
        node_name = _crd.text(caller.pod, "spec", "nodeName")
        if caller.addon is not None:
            vmss_id = caller.addon.informer.scale_set(node_name)
        else:
            node = caller.cluster.get(_crd.NODES, None, node_name) if caller.cluster and node_name else None
            vmss_id = _crd.scale_set_of(node) if node else None
        return self._compute.find_by_id(vmss_id) if vmss_id else None

    # instance metadata

    def _instance(self, request: web.Request) -> Reply:
        if request.headers.get("Metadata") != "true":
            return nmi.metadata_header_missing()
        if not request.query.get("api-version"):
            return nmi.json_reply(400, {"error": API_VERSION_MISSING})
        caller = self._caller(request.remote or "")
        if caller is None:
            return nmi.go_error(500, nmi.POD_LIST_EMPTY)
        vmss = self._scale_set(caller)
        node_name = _crd.text(caller.pod, "spec", "nodeName")
        instance = next((item for item in vmss.instances if item.computer_name == node_name), None) if vmss else None
        if vmss is None or instance is None:
            return nmi.imds_error(404, "Not found")
        return nmi.json_reply(200, _instance_document(self._settings.subscription_id, vmss, instance))


def _adal_error(reply: Reply, request: TokenRequest) -> str:
    """How adal reports an IMDS refusal, which NMI passes on."""
    query = f"api-version=2018-02-01&client_id={request.client_id}&resource={request.resource}"
    return (
        f"adal: Refresh request failed. Status Code = '{reply.status}'. Response body: "
        f"{reply.body.decode().strip()} Endpoint {IMDS_TOKEN_URL}?{query}"
    )


def _instance_document(
    subscription_id: str, vmss: VirtualMachineScaleSet, instance: ScaleSetInstance
) -> dict[str, Any]:
    """The instance metadata (api-version 2017-08-01 fields) of the scale-set instance behind a pod's node."""
    tags = ";".join(f"{key}:{value}" for key, value in sorted(vmss.tags.items()))
    return {
        "compute": {
            "location": vmss.location,
            "name": f"{vmss.name}_{instance.instance_id}",
            "offer": "",
            "osType": "Linux",
            "placementGroupId": "",
            "platformFaultDomain": "0",
            "platformUpdateDomain": "0",
            "publisher": "",
            "resourceGroupName": vmss.resource_group,
            "sku": "",
            "subscriptionId": subscription_id,
            "tags": tags,
            "version": "",
            "vmId": instance.vm_id,
            "vmScaleSetName": vmss.name,
            "vmSize": vmss.sku,
            "zone": instance.zone or "",
        },
        "network": {
            "interface": [
                {
                    "ipv4": {
                        "ipAddress": [{"privateIpAddress": instance.private_ip, "publicIpAddress": ""}],
                        "subnet": [{"address": "10.224.0.0", "prefix": "16"}],
                    },
                    "ipv6": {"ipAddress": []},
                    "macAddress": "000D3A000000",
                }
            ]
        },
    }
