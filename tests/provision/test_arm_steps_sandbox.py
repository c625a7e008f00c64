"""The Azure half of `podid up` against the sandbox through the SDKs: a first run creates the feature
registration, group, cluster (with the add-on), zone, custom role, identities, role assignments and pod
identities; a second run plans nothing and makes zero ARM writes; a role assignment deleted by hand is
exactly what the plan shows and what the next run repairs; `down` removes it all again."""

from __future__ import annotations

from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient

from podid.cli._progress import QuietProgress
from podid.provision import rbac
from podid.provision.state import State
from podid.provision.step import StepReport, run
from podid.provision.steps.cluster import ClusterStep, PodIdentityAddonStep
from podid.provision.steps.identities import ZoneReaderRoleStep, ZoneStep, demo_identity_step, dns_identity_step
from podid.provision.steps.platform import FeatureStep, GroupStep
from podid.provision.steps.podidentities import PodIdentitiesStep
from podid.provision.steps.teardown import (
    DeleteCluster,
    DeleteGroup,
    DeleteIdentities,
    DeleteRoleAssignments,
    DeleteZone,
    DeleteZoneReaderRole,
)
from podid.sandbox import Endpoints
from tests.conftest import mgmt_client
from tests.provision.conftest import arm_writes, fresh_state


def arm_steps(state: State) -> list[object]:
    design = state.design
    return [
        FeatureStep(),
        GroupStep(),
        ClusterStep(),
        PodIdentityAddonStep(),
        ZoneStep(),
        ZoneReaderRoleStep(),
        dns_identity_step(design),
        demo_identity_step(design),
        PodIdentitiesStep(),
    ]


def apply(state: State) -> dict[str, str]:
    return {report.step: report.outcome for report in run(arm_steps(state), state, True, QuietProgress())}  # type: ignore[arg-type]


def plan(state: State) -> list[StepReport]:
    return run(arm_steps(state), state, False, QuietProgress())  # type: ignore[arg-type]


def test_first_run_creates_second_run_writes_nothing(
    endpoints: Endpoints, state: State, unique: str, kubeconfig: object
) -> None:
    outcomes = apply(state)
    assert outcomes["resource group"] == "created" and outcomes["AKS cluster"] == "created"
    assert outcomes["DNS identity"] == "created" and outcomes["pod identities"] == "created"
    assert outcomes["pod identity add-on"] == "unchanged"  # a new cluster starts with the add-on on

    before = arm_writes(endpoints)
    again = fresh_state(endpoints, unique, kubeconfig)  # type: ignore[arg-type]
    assert set(apply(again).values()) == {"unchanged"}
    assert arm_writes(endpoints) == before


def test_a_deleted_role_assignment_is_planned_and_repaired(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, state: State, unique: str, kubeconfig: object
) -> None:
    apply(state)
    design = state.design
    principal = str(state.identities[design.dns.identity_name].principal_id)
    authorization = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)
    found = rbac.find(authorization.role_assignments, design.zone_id, rbac.BUILT_IN["DNS Zone Contributor"], principal)
    assert found is not None
    authorization.role_assignments.delete_by_id(found.id)

    reports = plan(fresh_state(endpoints, unique, kubeconfig))  # type: ignore[arg-type]
    changes = [(report.step, change.action, change.what) for report in reports for change in report.changes]
    assert changes == [("DNS identity", "create", f"role assignment DNS Zone Contributor → {design.dns.identity_name}")]

    repaired = apply(fresh_state(endpoints, unique, kubeconfig))  # type: ignore[arg-type]
    assert repaired["DNS identity"] == "created"
    assert all(not report.changes for report in plan(fresh_state(endpoints, unique, kubeconfig)))  # type: ignore[arg-type]


def test_down_removes_what_up_created(endpoints: Endpoints, state: State, unique: str, kubeconfig: object) -> None:
    apply(state)
    teardown = [
        DeleteCluster(),
        DeleteRoleAssignments(),
        DeleteZoneReaderRole(),
        DeleteIdentities(),
        DeleteZone(),
        DeleteGroup(),
    ]
    removed = run(teardown, state, True, QuietProgress())  # type: ignore[arg-type]
    assert all(report.changes for report in removed)
    groups = state.clients.resources.resource_groups
    assert not groups.check_existence(unique)
    custom = list(
        state.clients.authorization.role_definitions.list(
            f"/subscriptions/{state.design.subscription_id}", filter="type eq 'CustomRole'"
        )
    )
    assert state.design.zone_reader_role not in [item.role_name for item in custom]
    again = run(teardown, fresh_state(endpoints, unique, kubeconfig), True, QuietProgress())  # type: ignore[arg-type]
    assert all(not report.changes for report in again)
