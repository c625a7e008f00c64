"""`podid group create|show|delete` and `podid identity create|show` with az's arguments, output and errors:
JSON shaped like az's, --query with -o tsv as the tutorial uses it, exit code 3 and ARM's code and message in
one line for a missing group, and the confirmation rule for delete."""

from __future__ import annotations

from tests.cli.conftest import PodidRunner


def test_group_create_show_delete(podid: PodidRunner, unique: str) -> None:
    created = podid("group", "create", "--name", unique, "--location", "westus2", "--tags", "app=dns")
    assert created.code == 0
    assert created.json["name"] == unique and created.json["tags"] == {"app": "dns"}
    assert created.json["properties"] == {"provisioningState": "Succeeded"}
    assert "resourceGroup" not in created.json
    shown = podid("group", "show", "-n", unique, "--query", "id", "-o", "tsv")
    assert shown.code == 0 and shown.out.strip().endswith(f"/resourceGroups/{unique}")
    assert podid("group", "delete", "-n", unique, "--yes").code == 0
    assert podid("group", "show", "-n", unique).code == 3


def test_missing_group_is_one_error_line_with_arms_code(podid: PodidRunner) -> None:
    missing = podid("group", "show", "--name", "no-such-group")
    assert missing.code == 3 and missing.out == ""
    assert missing.err == "ERROR: (ResourceGroupNotFound) Resource group 'no-such-group' could not be found.\n"


def test_delete_without_yes_and_without_a_terminal_refuses(podid: PodidRunner, unique: str) -> None:
    refused = podid("group", "delete", "-n", unique)
    assert refused.code == 1
    assert refused.err == "ERROR: Unable to prompt for confirmation as no tty available. Use --yes.\n"


def test_identity_create_takes_the_groups_location_and_show_answers_queries(podid: PodidRunner, unique: str) -> None:
    podid("group", "create", "-n", unique, "-l", "eastus")
    created = podid("identity", "create", "--resource-group", unique, "--name", "application-identity")
    assert created.code == 0
    identity = created.json
    assert identity["location"] == "eastus" and identity["resourceGroup"] == unique
    assert {"clientId", "principalId", "tenantId"} <= identity.keys() and "properties" not in identity
    client_id = podid("identity", "show", "-g", unique, "-n", "application-identity", "--query", "clientId", "-otsv")
    assert client_id.out == identity["clientId"] + "\n"
    resource_id = podid("identity", "show", "-g", unique, "-n", "application-identity", "--query", "id", "-o", "tsv")
    assert resource_id.out.strip().lower().endswith("/userassignedidentities/application-identity")


def test_bad_identity_name_gets_arms_error(podid: PodidRunner, unique: str) -> None:
    podid("group", "create", "-n", unique, "-l", "westus2")
    bad = podid("identity", "create", "-g", unique, "-n", "x")
    assert bad.code == 1
    assert bad.err.startswith("ERROR: (") and bad.err.count("\n") == 1 and "Traceback" not in bad.err
