"""The tutorial's identity and role steps with the real Azure CLI, unchanged.

Covers: az group create; az identity create; az identity show --query clientId -o tsv; az role assignment create
--assignee <clientId> (Graph resolves the app id to the identity's principal) for Virtual Machine Contributor on
the group, and again (409 RoleAssignmentExists is success to az); az role assignment list --assignee <clientId>
--all -o table (role and principal names filled from roleDefinitions and getByIds); az ad sp create-for-rbac
whose secret then signs in with exactly its role; az group delete -y.
"""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.azcli.conftest import Az
from tests.conftest import credential_for, mgmt_client

pytestmark = [pytest.mark.azcli, pytest.mark.timeout(1800)]  # the first test may install the CLI


def test_identity_and_role_assignment(az: Az, unique: str) -> None:
    group = f"azcli-{unique}"
    group_id = json.loads(az("group", "create", "-n", group, "-l", "westus2").stdout)["id"]
    identity = json.loads(az("identity", "create", "-g", group, "-n", "dns-identity").stdout)
    assert identity["location"] == "westus2"
    client_id = az("identity", "show", "-g", group, "-n", "dns-identity", "--query", "clientId", "-o", "tsv").stdout
    assert client_id.strip() == identity["clientId"]

    create = ("role", "assignment", "create", "--assignee", identity["clientId"])
    assignment = json.loads(az(*create, "--role", "Virtual Machine Contributor", "--scope", group_id).stdout)
    assert (assignment["principalId"], assignment["principalType"]) == (identity["principalId"], "ServicePrincipal")
    assert assignment["scope"] == group_id
    again = json.loads(az(*create, "--role", "Virtual Machine Contributor", "--scope", group_id).stdout)
    assert again["id"] == assignment["id"]

    table = az("role", "assignment", "list", "--assignee", identity["clientId"], "--all", "-o", "table").stdout
    [row] = [line for line in table.splitlines() if group_id in line]
    assert identity["clientId"] in row and "Virtual Machine Contributor" in row

    az("group", "delete", "-n", group, "-y")
    assert az("group", "exists", "-n", group).stdout.strip() == "false"


def test_create_for_rbac(az: Az, endpoints: Endpoints, unique: str) -> None:
    group = f"azcli-sp-{unique}"
    group_id = json.loads(az("group", "create", "-n", group, "-l", "westus2").stdout)["id"]
    created = az("ad", "sp", "create-for-rbac", "-n", f"podid-{unique}", "--role", "Reader", "--scopes", group_id)
    login = json.loads(created.stdout)
    assert login["tenant"] == endpoints.tenant_id and login["displayName"] == f"podid-{unique}"

    reader = mgmt_client(
        ResourceManagementClient, endpoints, credential_for(endpoints, login["appId"], login["password"])
    )
    assert reader.resource_groups.get(group).id == group_id
    with pytest.raises(HttpResponseError) as raised:
        reader.resource_groups.create_or_update(group, {"location": "westus2", "tags": {"by": "reader"}})
    assert raised.value.error.code == "AuthorizationFailed"
    az("group", "delete", "-n", group, "-y")
