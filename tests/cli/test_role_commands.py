"""`podid role assignment create|list` as the tutorial runs them: the role by name at the scope, the assignee by
client id (resolved through Graph), an existing assignment returned instead of an error, and `list --assignee
… --all -o table` with Principal/Role/Scope columns filled from Graph and the role definitions."""

from __future__ import annotations

from tests.cli.conftest import PodidRunner


def _identity(podid: PodidRunner, group: str) -> dict[str, str]:
    podid("group", "create", "-n", group, "-l", "westus2")
    return dict(podid("identity", "create", "-g", group, "-n", "application-identity").json)


def test_assign_by_client_id_then_list_as_a_table(podid: PodidRunner, unique: str) -> None:
    identity = _identity(podid, unique)
    scope = podid("group", "show", "-n", unique, "-o", "tsv", "--query", "id").out.strip()
    created = podid(
        "role", "assignment", "create", "--role", "Virtual Machine Contributor",
        "--assignee", identity["clientId"], "--scope", scope,
    )  # fmt: skip
    assert created.code == 0, created.err
    assignment = created.json
    assert assignment["principalId"] == identity["principalId"]
    assert assignment["principalType"] == "ServicePrincipal"
    assert assignment["roleDefinitionId"].endswith("/9980e02c-c2be-4d73-94e8-173b1dc7cf3c")
    assert assignment["scope"] == scope and assignment["resourceGroup"] == unique

    table = podid("role", "assignment", "list", "--assignee", identity["clientId"], "--all", "-o", "table")
    lines = table.out.splitlines()
    assert lines[0].split() == ["Principal", "Role", "Scope"]
    assert lines[2].split() == [identity["clientId"], "Virtual", "Machine", "Contributor", scope]
    assert len(lines) == 3


def test_assigning_twice_returns_the_existing_assignment(podid: PodidRunner, unique: str) -> None:
    identity = _identity(podid, unique)
    scope = podid("group", "show", "-n", unique, "-o", "tsv", "--query", "id").out.strip()
    arguments = ("role", "assignment", "create", "--role", "Reader", "--assignee-object-id", identity["principalId"])
    first = podid(*arguments, "--assignee-principal-type", "ServicePrincipal", "--scope", scope)
    second = podid(*arguments, "--assignee-principal-type", "ServicePrincipal", "--scope", scope)
    assert first.code == second.code == 0
    assert first.json["name"] == second.json["name"]


def test_list_at_a_scope_shows_only_that_scope_unless_inherited(podid: PodidRunner, unique: str) -> None:
    identity = _identity(podid, unique)
    group_scope = podid("group", "show", "-n", unique, "-o", "tsv", "--query", "id").out.strip()
    podid(
        "role", "assignment", "create", "--role", "Reader", "--assignee", identity["clientId"], "--scope", group_scope
    )
    at_group = podid("role", "assignment", "list", "-g", unique, "--query", "[].roleDefinitionName", "-o", "tsv")
    assert at_group.out.splitlines() == ["Reader"]
    inherited = podid(
        "role", "assignment", "list", "-g", unique, "--include-inherited", "--query", "[].roleDefinitionName"
    )
    assert "Owner" in inherited.json  # the operator's Owner on the subscription


def test_unknown_role_and_missing_scope_are_one_line_errors(podid: PodidRunner, unique: str) -> None:
    identity = _identity(podid, unique)
    scope = podid("group", "show", "-n", unique, "-o", "tsv", "--query", "id").out.strip()
    unknown = podid(
        "role", "assignment", "create", "--role", "No Such Role", "--assignee", identity["clientId"], "--scope", scope
    )
    assert (unknown.code, unknown.err) == (1, "ERROR: Role 'No Such Role' doesn't exist.\n")
    no_scope = podid("role", "assignment", "create", "--role", "Reader", "--assignee", identity["clientId"])
    assert (no_scope.code, no_scope.err) == (1, "ERROR: --scope is required\n")
