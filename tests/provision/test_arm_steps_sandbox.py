"""The Azure half of `podid up` against the sandbox through the SDKs: a first run creates the feature
registration, group, cluster (with the add-on), zone, custom role, identities, role assignments and pod
identities; a second run plans nothing and makes zero ARM writes; a role assignment deleted by hand is
exactly what the plan shows and what the next run repairs; `down` removes it all again."""

from __future__ import annotations

from pathlib import Path

from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient

from podid.cli._progress import QuietProgress
from podid.provision import rbac
from podid.provision.state import State
from podid.provision.step import Step, StepReport, run
from podid.provision.steps import DOWN, steps_of
from podid.sandbox import Endpoints
from tests.conftest import mgmt_client
from tests.provision.conftest import arm_writes, fresh_state, steps_until


def arm_steps(state: State) -> list[Step]:
    """`up`'s steps up to the Kubernetes objects, but for the kubeconfig: what ARM holds."""
    return [step for step in steps_until(state.design, "hello app") if step.name != "kubeconfig"]


def apply(state: State) -> dict[str, str]:
    return {report.step: report.outcome for report in run(arm_steps(state), state, True, QuietProgress())}


def plan(state: State) -> list[StepReport]:
    return run(arm_steps(state), state, False, QuietProgress())


def test_first_run_creates_second_run_writes_nothing(
    endpoints: Endpoints, state: State, unique: str, kubeconfig: Path
) -> None:
    outcomes = apply(state)
    assert outcomes["resource group"] == "created" and outcomes["AKS cluster"] == "created"
    assert outcomes["DNS identity"] == "created" and outcomes["pod identities"] == "created"
    assert outcomes["pod identity add-on"] == "unchanged"  # a new cluster starts with the add-on on

    before = arm_writes(endpoints, unique, f"aks-{unique}")
    again = fresh_state(endpoints, unique, kubeconfig)
    assert set(apply(again).values()) == {"unchanged"}
    assert arm_writes(endpoints, unique, f"aks-{unique}") == before


def test_a_deleted_role_assignment_is_planned_and_repaired(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, state: State, unique: str, kubeconfig: Path
) -> None:
    apply(state)
    design = state.design
    principal = str(state.identities[design.dns.identity_name].principal_id)
    authorization = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)
    found = rbac.find(authorization.role_assignments, design.zone_id, rbac.BUILT_IN["DNS Zone Contributor"], principal)
    assert found is not None
    authorization.role_assignments.delete_by_id(found.id)

    reports = plan(fresh_state(endpoints, unique, kubeconfig))
    changes = [(report.step, change.action, change.what) for report in reports for change in report.changes]
    assert changes == [("DNS identity", "create", f"role assignment DNS Zone Contributor → {design.dns.identity_name}")]

    repaired = apply(fresh_state(endpoints, unique, kubeconfig))
    assert repaired["DNS identity"] == "created"
    assert all(not report.changes for report in plan(fresh_state(endpoints, unique, kubeconfig)))


def test_down_removes_what_up_created(endpoints: Endpoints, state: State, unique: str, kubeconfig: Path) -> None:
    apply(state)
    # a cluster podid created goes whole, with what runs in it; `up`'s ARM steps wrote no kubeconfig
    unwritten = ("cluster contents", "kubeconfig")
    teardown = [step for step in steps_of(state.design, DOWN) if step.name not in unwritten]
    removed = run(teardown, state, True, QuietProgress())
    assert all(report.changes for report in removed)
    groups = state.clients.resources.resource_groups
    assert not groups.check_existence(unique)
    custom = list(
        state.clients.authorization.role_definitions.list(
            f"/subscriptions/{state.design.subscription_id}", filter="type eq 'CustomRole'"
        )
    )
    assert state.design.zone_reader_role not in [item.role_name for item in custom]
    again = run(teardown, fresh_state(endpoints, unique, kubeconfig), True, QuietProgress())
    assert all(not report.changes for report in again)
