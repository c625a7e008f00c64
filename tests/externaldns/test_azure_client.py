"""Which endpoints and which credential external-dns builds from azure.json and the pod's environment.

Covers: authority from azure.json, else the cloud's (no sandbox-specific variable: in a sandbox pod the proxy
plays the cloud's own hosts); ARM the cloud's; the ARM scope; instance discovery only for public clouds; the
credential per `credential_kind()` with external-dns' log lines; workload identity without its variables and no
credential at all fail with `failed to get credentials: ...`; cloud names per release (AZURESTACKCLOUD from
v0.19.0, from azure.json's endpoints; AZUREGERMANCLOUD never) and "unknown cloud name: ...". No request is sent:
building a credential is offline.
"""

import logging

import pytest
from azure.identity import ClientSecretCredential, ManagedIdentityCredential, WorkloadIdentityCredential

from podid.workloads.externaldns.config import AzureConfig
from podid.workloads.externaldns.errors import ConfigError
from podid.workloads.externaldns.provider.azure_client import CloudEndpoints, cloud_endpoints, credential
from podid.workloads.externaldns.release import NEWEST, release_for

# what the sandbox's kubelet adds to a pod's environment: none of it changes the endpoints or the credential
POD_ENV = {"HTTPS_PROXY": "http://127.244.0.9:key@127.0.0.1:8444", "PODID_AUTHORITY": "https://127.0.0.1:8443"}
SECRET = AzureConfig(tenant_id="t", subscription_id="s", aad_client_id="c", aad_client_secret="x")
CLOUDS = NEWEST.clouds
MANAGED = AzureConfig(tenant_id="t", use_managed_identity_extension=True, user_assigned_identity_id="mi-client")


@pytest.mark.parametrize(
    ("azure", "expected"),
    [
        (AzureConfig(), CloudEndpoints("https://login.microsoftonline.com", "https://management.azure.com")),
        (
            AzureConfig(cloud="AzureUSGovernmentCloud"),
            CloudEndpoints("https://login.microsoftonline.us", "https://management.usgovcloudapi.net"),
        ),
        (
            AzureConfig(cloud="AzureChinaCloud", active_directory_authority_host="https://login.example"),
            CloudEndpoints("https://login.example", "https://management.chinacloudapi.cn"),
        ),
    ],
)
def test_cloud_endpoints(azure, expected):
    assert cloud_endpoints(azure, CLOUDS) == expected


@pytest.mark.parametrize(
    ("tag", "cloud", "known"),
    [
        ("v0.14.2", "AzureChinaCloud", True),
        ("v0.18.0", "AzureStackCloud", False),
        ("v0.19.0", "AzureStackCloud", True),
        ("v0.22.0", "AzureGermanCloud", False),
        ("v0.22.0", "Mars", False),
    ],
)
def test_cloud_names_per_release(tag, cloud, known):
    release = release_for(tag)
    assert release is not None
    azure = AzureConfig(cloud=cloud)
    if known:
        cloud_endpoints(azure, release.clouds)
        return
    upper = cloud.upper()
    expected = f"failed to get credentials: failed to get cloud configuration: unknown cloud name: {upper}"
    with pytest.raises(ConfigError) as raised:
        cloud_endpoints(azure, release.clouds)
    assert str(raised.value) == expected


def test_azure_stack_cloud_endpoints_come_from_azure_json():
    stack = AzureConfig(
        cloud="AzureStackCloud",
        active_directory_authority_host="https://login.stack.example",
        resource_manager_endpoint="https://management.stack.example",
    )
    expected = CloudEndpoints("https://login.stack.example", "https://management.stack.example")
    assert cloud_endpoints(stack, CLOUDS) == expected


def test_scope_and_instance_discovery():
    public = cloud_endpoints(AzureConfig(), CLOUDS)
    assert public.arm_scope == "https://management.azure.com/.default"
    assert public.is_public_cloud
    assert cloud_endpoints(AzureConfig(cloud="AzureChinaCloud"), CLOUDS).is_public_cloud
    assert not cloud_endpoints(
        AzureConfig(active_directory_authority_host="https://login.example"), CLOUDS
    ).is_public_cloud


def ours(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("podid.")]


def test_client_secret(caplog):
    with caplog.at_level(logging.INFO):
        built = credential(SECRET, cloud_endpoints(SECRET, CLOUDS), POD_ENV)
    assert isinstance(built, ClientSecretCredential)
    assert ours(caplog) == ["Using client_id+client_secret to retrieve access token for Azure API."]


def test_managed_identity_for_pod_identity(caplog):
    with caplog.at_level(logging.INFO):
        built = credential(MANAGED, cloud_endpoints(MANAGED, CLOUDS), POD_ENV)
    assert isinstance(built, ManagedIdentityCredential)
    assert ours(caplog) == [
        "Using managed identity extension to retrieve access token for Azure API.",
        "Resolving to user assigned identity, client id is mi-client.",
    ]


def test_system_assigned_managed_identity(caplog):
    azure = AzureConfig(use_managed_identity_extension=True, aad_client_id="msi", aad_client_secret="msi")
    with caplog.at_level(logging.INFO):
        assert isinstance(credential(azure, cloud_endpoints(azure, CLOUDS), {}), ManagedIdentityCredential)
    assert ours(caplog)[-1] == "Resolving to system assigned identity."


def test_workload_identity_from_the_webhook_variables():
    azure = AzureConfig(use_workload_identity_extension=True)
    env = {
        "AZURE_TENANT_ID": "t",
        "AZURE_CLIENT_ID": "c",
        "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
        **POD_ENV,
    }
    assert isinstance(credential(azure, cloud_endpoints(azure, CLOUDS), env), WorkloadIdentityCredential)


def test_workload_identity_without_its_variables():
    azure = AzureConfig(use_workload_identity_extension=True, tenant_id="t")
    with pytest.raises(ConfigError, match=r"^failed to get credentials: .*Missing required arguments: 'client_id'"):
        credential(azure, cloud_endpoints(azure, CLOUDS), {})


def test_no_credentials():
    azure = AzureConfig(tenant_id="t", subscription_id="s")
    with pytest.raises(ConfigError, match=r"^failed to get credentials: no credentials provided for Azure API$"):
        credential(azure, cloud_endpoints(azure, CLOUDS), {})
