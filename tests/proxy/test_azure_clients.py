"""azure-identity and azure-mgmt-* with no sandbox configuration at all, through the proxy.

Covers: DefaultAzureCredential (environment) signs in at login.microsoftonline.com; ResourceManagementClient at
management.azure.com creates, pages (nextLink) and deletes (LRO Location) resource groups; a principal with
no role gets ARM's 403 AuthorizationFailed; the URLs answers carry the hostname the request was sent to (ARM,
Entra ID, Microsoft Graph).
"""

from __future__ import annotations

from collections.abc import Callable

from podid.sandbox import Endpoints
from tests.conftest import ServicePrincipalLogin
from tests.proxy.conftest import azure_env, run_program


def test_the_owner_creates_lists_and_deletes_resource_groups(endpoints: Endpoints, unique: str) -> None:
    env = azure_env(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    result = run_program("resource_groups.py", env, unique)
    assert {unique, unique + "-2"} <= set(result["groups"])
    assert unique in result["after_delete"] and unique + "-2" not in result["after_delete"]


def test_a_principal_with_no_role_is_denied(
    endpoints: Endpoints, make_service_principal: Callable[[str], ServicePrincipalLogin], unique: str
) -> None:
    login = make_service_principal(f"proxy-norole-{unique}")
    result = run_program("resource_groups.py", azure_env(endpoints, login.app_id, login.secret), unique)
    assert (result["status"], result["code"]) == (403, "AuthorizationFailed")
    assert result["message"].startswith(
        f"(AuthorizationFailed) The client '{login.object_id}' with object id '{login.object_id}' does not have "
        f"authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/write' over scope "
        f"'/subscriptions/{endpoints.subscription_id}/resourcegroups/{unique}'"
    )


def test_answers_name_the_host_the_request_was_sent_to(endpoints: Endpoints, unique: str) -> None:
    env = azure_env(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    result = run_program("urls.py", env, unique)
    assert result["token_endpoint"] == f"https://login.microsoftonline.com/{endpoints.tenant_id}/oauth2/v2.0/token"
    assert result["tenant_discovery_endpoint"] == (
        f"https://login.microsoftonline.com/{endpoints.tenant_id}/v2.0/.well-known/openid-configuration"
    )
    assert result["delete_status"] == 202
    assert result["location"].startswith(
        f"https://management.azure.com/subscriptions/{endpoints.subscription_id}/operationresults/"
    )


def test_graph_answers_by_its_own_name(endpoints: Endpoints) -> None:
    env = azure_env(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    result = run_program("graph.py", env)
    assert result == {"status": 200, "context": "https://graph.microsoft.com/v1.0/$metadata#applications"}
