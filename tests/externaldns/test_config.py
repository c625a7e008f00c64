"""Flags and azure.json.

Covers: defaults with only the required flags; `--flag=value` and `--flag value`; repeatable flags; Go
durations; boolean flags; errors as ConfigError (missing required, unknown flag, bad choice, bad duration);
azure.json keys (YAML up to v0.16, JSON after), type errors, flag overrides, read under the pod's root, an
unreadable file in Go's words; the credential order (client secret unless `msi`, workload identity, managed
identity, none); the secret masked in repr; read errors with external-dns' doubled prefix.
"""

import json

import pytest

from podid.workloads.externaldns.config import (
    AzureConfig,
    Config,
    CredentialKind,
    load_azure_config,
    parse_args,
    parse_azure_config,
)
from podid.workloads.externaldns.errors import ConfigError
from podid.workloads.externaldns.release import Release, release_for

REQUIRED = ["--source=service", "--provider=azure"]


def test_defaults():
    config = parse_args(REQUIRED)
    assert config == Config(sources=("service",), provider="azure")
    assert (config.txt_owner_id, config.policy, config.registry) == ("default", "sync", "txt")
    assert (config.interval, config.min_event_sync_interval) == (60.0, 5.0)
    assert config.managed_record_types == ("A", "AAAA", "CNAME")
    assert config.azure_config_file == "/etc/kubernetes/azure.json"
    assert (config.once, config.dry_run, config.events, config.log_level) == (False, False, False, "info")


def test_tutorial_flags_in_both_spellings():
    config = parse_args(
        [
            "--source=service",
            "--source",
            "ingress",
            "--provider",
            "azure",
            "--domain-filter=example.com",
            "--domain-filter",
            "example.org",
            "--exclude-domains=internal.example.com",
            "--txt-owner-id",
            "aks-cluster",
            "--txt-prefix=externaldns-",
            "--policy=upsert-only",
            "--interval=2m30s",
            "--min-event-sync-interval",
            "1s",
            "--azure-resource-group=dns-rg",
            "--azure-subscription-id=sub",
            "--azure-user-assigned-identity-client-id=client",
            "--azure-config-file=/config/azure.json",
            "--managed-record-types=A",
            "--managed-record-types=TXT",
            "--log-level=debug",
            "--events",
            "--once",
            "--dry-run",
        ]
    )
    assert config.sources == ("service", "ingress")
    assert config.domain_filter == ("example.com", "example.org")
    assert config.exclude_domains == ("internal.example.com",)
    assert (config.txt_owner_id, config.txt_prefix, config.policy) == ("aks-cluster", "externaldns-", "upsert-only")
    assert (config.interval, config.min_event_sync_interval) == (150.0, 1.0)
    assert (config.azure_resource_group, config.azure_subscription_id) == ("dns-rg", "sub")
    assert config.azure_user_assigned_identity_client_id == "client"
    assert config.azure_config_file == "/config/azure.json"
    assert config.managed_record_types == ("A", "TXT")
    assert (config.events, config.once, config.dry_run, config.logging_level) == (True, True, True, 10)


def test_negated_boolean_flag():
    assert parse_args([*REQUIRED, "--once", "--no-once"]).once is False


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--provider=azure"], "--source"),
        (["--source=service"], "--provider"),
        ([*REQUIRED, "--bogus"], "unrecognized arguments: --bogus"),
        ([*REQUIRED, "--policy=delete-all"], "invalid choice: 'delete-all'"),
        ([*REQUIRED, "--interval=10"], 'missing unit in duration "10"'),
        ([*REQUIRED, "--interval=soon"], 'invalid duration "soon"'),
        (["--source=node", "--provider=azure"], "invalid choice: 'node'"),
        ([*REQUIRED, "--txt-own=me"], "unrecognized arguments"),  # no abbreviations
    ],
)
def test_bad_flags_raise_config_error(argv, message):
    with pytest.raises(ConfigError, match=message):
        parse_args(argv)


AZURE_JSON = {
    "cloud": "AzurePublicCloud",
    "tenantId": "tenant",
    "subscriptionId": "sub",
    "resourceGroup": "dns-rg",
    "location": "eastus",
    "aadClientId": "app",
    "aadClientSecret": "s3cret",
    "useManagedIdentityExtension": True,
    "userAssignedIdentityID": "uami-client",
    "useWorkloadIdentityExtension": False,
    "activeDirectoryAuthorityHost": "https://login.microsoftonline.com/",
    "somethingElse": 1,
}


def test_azure_json_keys():
    assert parse_azure_config(json.dumps(AZURE_JSON)) == AzureConfig(
        cloud="AzurePublicCloud",
        tenant_id="tenant",
        subscription_id="sub",
        resource_group="dns-rg",
        location="eastus",
        aad_client_id="app",
        aad_client_secret="s3cret",
        use_managed_identity_extension=True,
        user_assigned_identity_id="uami-client",
        active_directory_authority_host="https://login.microsoftonline.com/",
    )


def played(tag: str) -> Release:
    release = release_for(tag)
    assert release is not None
    return release


def test_azure_config_read_as_yaml_up_to_v0_16_and_as_json_after():
    text = "resourceGroup: dns-rg\nuseManagedIdentityExtension: true\n"
    config = parse_azure_config(text, as_yaml=True)
    assert (config.resource_group, config.use_managed_identity_extension) == ("dns-rg", True)
    with pytest.raises(ConfigError) as raised:
        parse_azure_config(text)
    assert str(raised.value).startswith("failed to parse Azure config file '/etc/kubernetes/azure.json': ")
    assert played("v0.16.1").azure_json_yaml
    assert not played("v0.17.0").azure_json_yaml


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"useManagedIdentityExtension": "yes"}', "useManagedIdentityExtension must be a bool"),
        ('{"tenantId": 5}', "tenantId must be a str"),
        ("[1, 2]", "not an object"),
        ("{unclosed", "failed to parse Azure config file"),
    ],
)
def test_bad_azure_config(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_azure_config(text)
    with pytest.raises(ConfigError, match=message.replace("parse", "read")):
        parse_azure_config(text, as_yaml=True)


def test_flags_override_the_file(tmp_path):
    path = tmp_path / "azure.json"
    path.write_text(json.dumps(AZURE_JSON))
    config = parse_args([*REQUIRED, f"--azure-config-file={path}", "--azure-resource-group=other-rg"])
    azure = load_azure_config(config)
    assert (azure.resource_group, azure.subscription_id, azure.user_assigned_identity_id) == (
        "other-rg",
        "sub",
        "uami-client",
    )


def test_azure_json_is_read_under_the_pod_root(tmp_path, monkeypatch):
    monkeypatch.setenv("PODID_POD_ROOT", str(tmp_path))
    (tmp_path / "etc/kubernetes").mkdir(parents=True)
    (tmp_path / "etc/kubernetes/azure.json").write_text(json.dumps(AZURE_JSON))
    assert load_azure_config(parse_args(REQUIRED)).subscription_id == "sub"


@pytest.mark.parametrize(
    ("make", "reason"),
    [(lambda path: None, "no such file or directory"), (lambda path: path.mkdir(parents=True), "is a directory")],
)
def test_unreadable_azure_json_is_named_as_the_container_sees_it(tmp_path, monkeypatch, make, reason):
    monkeypatch.setenv("PODID_POD_ROOT", str(tmp_path))
    make(tmp_path / "etc/kubernetes/azure.json")
    with pytest.raises(ConfigError) as raised:
        load_azure_config(parse_args(REQUIRED))
    path = "/etc/kubernetes/azure.json"
    twice = f"failed to read Azure config file '{path}': " * 2  # getConfig's error, wrapped by NewAzureProvider
    assert str(raised.value) == f"{twice}open {path}: {reason}"


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"aad_client_id": "app", "aad_client_secret": "s", "use_managed_identity_extension": True}, "CLIENT_SECRET"),
        (
            {"aad_client_id": "msi", "aad_client_secret": "msi", "use_managed_identity_extension": True},
            "MANAGED_IDENTITY",
        ),
        (
            {"aad_client_id": "app", "aad_client_secret": "MSI", "use_workload_identity_extension": True},
            "WORKLOAD_IDENTITY",
        ),
        ({"use_workload_identity_extension": True, "use_managed_identity_extension": True}, "WORKLOAD_IDENTITY"),
        ({"use_managed_identity_extension": True, "user_assigned_identity_id": "id"}, "MANAGED_IDENTITY"),
    ],
)
def test_credential_order(fields, kind):
    assert AzureConfig(**fields).credential_kind() is CredentialKind[kind]


def test_no_credentials():
    with pytest.raises(ConfigError, match="no credentials provided for Azure API"):
        AzureConfig(aad_client_id="app").credential_kind()


def test_secret_is_masked_in_repr():
    shown = repr(AzureConfig(aad_client_id="app", aad_client_secret="s3cret"))
    assert "s3cret" not in shown
    assert "aad_client_secret='***'" in shown
    assert "aad_client_id='app'" in shown
    assert "aad_client_secret=''" in repr(AzureConfig())
