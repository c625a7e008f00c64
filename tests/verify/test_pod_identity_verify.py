"""`podid up`, then `podid verify` in pod identity mode, on the session sandbox; then the tutorial's anti-pattern.

Covers: on a fresh `up`, verify passes, its probes acting from pods: a pod without the binding label asking for the
DNS identity's token gets NMI's 404, the kubelet identity's direct record set write is refused with 403
AuthorizationFailed, the DNS identity's Graph addPassword with 403 Authorization_RequestDenied, and a pod's request
to the sandbox's control surface with 401/403 or a refused connection; the probes leave no pod behind. With DNS
Zone Contributor on the zone for the kubelet identity (assigned through azure-mgmt-authorization as the operator),
verify fails on exactly the role check and the kubelet probe, whose record set is gone afterwards; without the
assignment it passes again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

from podid import provision
from podid.provision import rbac
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.provision.steps import POD_IDENTITY
from podid.sandbox import Endpoints
from podid.verify import verify
from podid.verify.cases import CONTROL_CHECK, KUBELET_CHECK, MINT_CHECK
from tests.cli.conftest import PodidRunner
from tests.conftest import mgmt_client
from tests.verify.conftest import findings


@pytest.fixture(scope="module")
def mode() -> str:
    return POD_IDENTITY


def test_verify_passes_with_its_probes_acting_from_pods(
    provisioned: State, kube: Kube, podid: PodidRunner, settings: list[str]
) -> None:
    result = podid("verify", *settings, "-o", "json")
    found = findings(result.json)
    zone = provisioned.design.zone_id
    kubelet = found[KUBELET_CHECK]["message"]
    refusal = f"refused: 403 AuthorizationFailed: no 'Microsoft.Network/dnsZones/A/write' over {zone}/A/"
    assert kubelet.startswith(refusal) and kubelet.endswith("-kubelet.podid-verify"), kubelet
    control = found[CONTROL_CHECK]["message"]
    assert control == "refused: connection refused" or control.startswith(("refused: 401 ", "refused: 403 ")), control
    mint = found[MINT_CHECK]["message"]
    assert mint.startswith("refused: 403 Authorization_RequestDenied: "), mint
    unbound = found["pod without the binding label"]["message"]  # NMI's answer to its one token request
    assert unbound.startswith("refused: 404 no azure identity found for request clientID "), unbound
    assert result.code == 0 and all(finding["ok"] for finding in found.values()), found
    assert [pod["metadata"]["name"] for pod in kube.list("Pod", None, "podid-verify")] == []


@pytest.fixture
def anti_pattern(
    provisioned: State, endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> Iterator[None]:
    """DNS Zone Contributor on the zone for the kubelet identity, as the operator assigns it with the SDK."""
    authorization = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)
    role = rbac.definition_id(endpoints.subscription_id, rbac.BUILT_IN["DNS Zone Contributor"])
    cluster = provisioned.clients.aks.managed_clusters.get(provisioned.design.group, provisioned.design.cluster)
    kubelet = cluster.identity_profile["kubeletidentity"].object_id
    parameters = RoleAssignmentCreateParameters(
        role_definition_id=role, principal_id=kubelet, principal_type="ServicePrincipal"
    )
    assignment = authorization.role_assignments.create(provisioned.design.zone_id, str(uuid.uuid4()), parameters)
    yield
    authorization.role_assignments.delete_by_id(assignment.id)


def test_the_anti_pattern_fails_the_role_check_and_the_kubelet_probe(provisioned: State, anti_pattern: None) -> None:
    design = provisioned.design
    verdict = verify(provision.start(design.settings, provisioned.clients.target))
    failed = {finding.check: finding.message for finding in verdict.violations}
    assert failed == {
        "kubelet identity": (
            f"holds 'DNS Zone Contributor' over {design.zone_id}: every pod on the nodes can change the zone"
        ),
        KUBELET_CHECK: failed.get(KUBELET_CHECK),
    }, failed
    wrote = failed[KUBELET_CHECK] or ""
    assert wrote.startswith("was NOT refused: it wrote the record set "), wrote
    assert wrote.endswith(f"-kubelet.podid-verify in {design.domain} (removed again)"), wrote
    names = [
        str(item.name) for item in provisioned.clients.dns.record_sets.list_all_by_dns_zone(design.group, design.domain)
    ]
    assert [name for name in names if name.endswith("-kubelet.podid-verify")] == []


def test_without_the_anti_pattern_verify_passes_again(provisioned: State) -> None:
    verdict = verify(provision.start(provisioned.design.settings, provisioned.clients.target))
    assert verdict.violations == []
