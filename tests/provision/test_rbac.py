"""Role assignments as provision makes them: PrincipalNotFound retried for a bounded time, 409
RoleAssignmentExists answered with the existing assignment, other failures surfaced at once, and roles
resolved by name (exactly one match), GUID or id. The fake stands behind the RoleAssignmentsApi Protocol."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from azure.mgmt.authorization.v2022_04_01.models import RoleAssignment, RoleAssignmentCreateParameters, RoleDefinition

from podid.provision import rbac
from podid.provision.errors import BadRequest, Conflict, ProvisionError, Transient

SUB = "11111111-2222-3333-4444-555555555555"
SCOPE = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/dnszones/example.internal"
DNS = rbac.BUILT_IN["DNS Zone Contributor"]


class FakeAssignments:
    def __init__(self, failures: list[ProvisionError] | None = None) -> None:
        self.failures = list(failures or [])
        self.stored: list[RoleAssignment] = []
        self.calls = 0

    def create(
        self, scope: str, role_assignment_name: str, parameters: RoleAssignmentCreateParameters, **kwargs: Any
    ) -> RoleAssignment:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        created = RoleAssignment.deserialize(
            {
                "name": role_assignment_name,
                "properties": {
                    "scope": scope,
                    "roleDefinitionId": parameters.role_definition_id,
                    "principalId": parameters.principal_id,
                },
            }
        )
        self.stored.append(created)
        return created

    def list_for_scope(self, scope: str, filter: str | None = None, **kwargs: Any) -> Iterable[RoleAssignment]:
        return list(self.stored)


class FakeDefinitions:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def list(self, scope: str, filter: str | None = None, **kwargs: Any) -> Iterable[RoleDefinition]:
        wanted = (filter or "").split("'")[1]
        return [
            RoleDefinition.deserialize(
                {"id": f"/subscriptions/{SUB}/providers/x/roleDefinitions/{index}", "properties": {"roleName": name}}
            )
            for index, name in enumerate(self.names)
            if name == wanted
        ]


def principal_not_found() -> Transient:
    return Transient("Principal p does not exist in the directory t.", "PrincipalNotFound", 400)


def test_principal_not_found_is_retried_until_the_principal_appears() -> None:
    fake, slept = FakeAssignments([principal_not_found(), principal_not_found()]), []
    created = rbac.create(fake, SCOPE, rbac.definition_id(SUB, DNS), "p", sleep=slept.append)
    assert created.principal_id == "p" and fake.calls == 3
    assert slept == [1.0, 2.0]


def test_principal_not_found_retries_are_bounded() -> None:
    fake, slept = FakeAssignments([principal_not_found() for _ in range(20)]), []
    with pytest.raises(Transient):
        rbac.create(fake, SCOPE, rbac.definition_id(SUB, DNS), "p", wait_seconds=10, sleep=slept.append)
    assert sum(slept) >= 10 and fake.calls == len(slept) + 1


def test_role_assignment_exists_returns_the_existing_assignment() -> None:
    fake = FakeAssignments()
    existing = rbac.create(fake, SCOPE, rbac.definition_id(SUB, DNS), "p", name="first")
    fake.failures.append(Conflict("The role assignment already exists.", "RoleAssignmentExists", 409))
    again = rbac.create(fake, SCOPE, rbac.definition_id(SUB, DNS), "p", name="second")
    assert again.name == existing.name == "first"


def test_other_failures_are_not_retried() -> None:
    fake = FakeAssignments([BadRequest("The role definition ID 'x' is not valid.", "InvalidRoleDefinitionId", 400)])
    with pytest.raises(BadRequest):
        rbac.create(fake, SCOPE, "x", "p", sleep=lambda _: pytest.fail("must not sleep"))
    assert fake.calls == 1


def test_stable_names_are_guids_that_depend_on_scope_role_and_principal() -> None:
    name = rbac.stable_name(SCOPE, DNS, "p")
    assert rbac.is_guid(name) and name == rbac.stable_name(SCOPE.upper(), DNS, "P")
    assert name != rbac.stable_name(SCOPE, DNS, "q")


def test_roles_resolve_by_id_guid_or_exactly_one_name() -> None:
    definitions = FakeDefinitions(["DNS Zone Contributor", "Twin", "Twin"])
    assert rbac.resolve_role(definitions, SCOPE, f"/providers/x/roleDefinitions/{DNS}", SUB).endswith(DNS)
    assert rbac.resolve_role(definitions, SCOPE, DNS, SUB) == rbac.definition_id(SUB, DNS)
    assert rbac.resolve_role(definitions, SCOPE, "DNS Zone Contributor", SUB).endswith("/0")
    with pytest.raises(ProvisionError, match=r"Role 'Nope' doesn't exist\."):
        rbac.resolve_role(definitions, SCOPE, "Nope", SUB)
    with pytest.raises(ProvisionError, match="Multiple roles match"):
        rbac.resolve_role(definitions, SCOPE, "Twin", SUB)
