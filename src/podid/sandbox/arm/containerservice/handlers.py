"""Microsoft.ContainerService handlers: managed clusters over ARM, long-running PUT and DELETE."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from podid.sandbox.arm._lro import lro_headers
from podid.sandbox.arm._request import ArmRequest, ArmResponse, created, no_content, ok, page
from podid.sandbox.arm.containerservice.models import ContainerServiceBackend
from podid.sandbox.arm.errors import BadRequest
from podid.sandbox.proxy.hosts import azure_name

Request = ArmRequest[ContainerServiceBackend]


def create_or_update_cluster(request: Request) -> ArmResponse:
    cluster, is_new, operation = request.backend.managed_clusters_create_or_update(
        request.params["resourceGroupName"],
        request.params["resourceName"],
        request.json(),
        if_match=request.header("If-Match"),
        if_none_match=request.header("If-None-Match"),
    )
    headers = lro_headers(request, operation, location=False)
    return (created if is_new else ok)(cluster.to_arm(), **headers)


def get_cluster(request: Request) -> ArmResponse:
    cluster = request.backend.managed_clusters_get(request.params["resourceGroupName"], request.params["resourceName"])
    return ok(cluster.to_arm())


def list_clusters(request: Request) -> ArmResponse:
    clusters = request.backend.managed_clusters_list_by_resource_group(request.params["resourceGroupName"])
    return page(request, [cluster.to_arm() for cluster in clusters])


def list_all_clusters(request: Request) -> ArmResponse:
    return page(request, [cluster.to_arm() for cluster in request.backend.managed_clusters_list()])


def update_cluster_tags(request: Request) -> ArmResponse:
    tags = request.json().get("tags")
    if not isinstance(tags, dict):
        raise BadRequest("The value of 'tags' must be an object.", code="InvalidRequestContent")
    cluster = request.backend.managed_clusters_update_tags(
        request.params["resourceGroupName"], request.params["resourceName"], {str(k): str(v) for k, v in tags.items()}
    )
    return ok(cluster.to_arm())


def delete_cluster(request: Request) -> ArmResponse:
    """202 with both LRO headers, or 204 when absent: the SDK accepts nothing else (never 200)."""
    operation = request.backend.managed_clusters_begin_delete(
        request.params["resourceGroupName"], request.params["resourceName"]
    )
    if operation is None:
        return no_content()
    return ArmResponse(202, None, lro_headers(request, operation, location=True))


def _credentials(request: Request, *, admin: bool) -> ArmResponse:
    config = request.backend.managed_clusters_list_cluster_credentials(
        request.params["resourceGroupName"],
        request.params["resourceName"],
        admin=admin,
        by_fqdn=azure_name(urlsplit(request.base_url).netloc) is not None,  # called as Azure: AKS's own server name
    )
    name = "clusterAdmin" if admin else "clusterUser"
    return ok({"kubeconfigs": [{"name": name, "value": base64.b64encode(config).decode()}]})


def list_user_credentials(request: Request) -> ArmResponse:
    return _credentials(request, admin=False)


def list_admin_credentials(request: Request) -> ArmResponse:
    return _credentials(request, admin=True)
