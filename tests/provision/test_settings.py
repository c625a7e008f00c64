"""Settings: the tutorial's defaults, env.sh variables (AZ_CLUSTER_NAME or AZ_AKS_CLUSTER_NAME), podid.toml, flags,
their precedence, normalisation, and one clear message for each kind of bad setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podid.config import Settings, SettingsError, load


def test_defaults_are_the_tutorials(tmp_path: Path) -> None:
    settings = load({}, environ={}, config_file=None)
    assert (settings.resource_group, settings.cluster_name, settings.location, settings.dns_domain) == (
        "dgraph-test",
        "dgraph-test",
        "westus2",
        "example.internal",
    )
    assert settings.kubeconfig_path == Path.home() / ".kube" / "dgraph-test"
    assert settings.dns_identity_name == "example-internal-identity"


def test_flags_beat_environment_beat_toml(tmp_path: Path) -> None:
    toml = tmp_path / "podid.toml"
    toml.write_text('resource_group = "from-toml"\nlocation = "eastus"\ndns_domain = "toml.example"\n')
    environ = {"AZ_RESOURCE_GROUP": "from-env", "AZ_AKS_CLUSTER_NAME": "aks-env", "KUBECONFIG": "~/kc:/other"}
    settings = load({"resource_group": "from-flag", "location": None}, environ=environ, config_file=toml)
    assert settings.resource_group == "from-flag"
    assert settings.cluster_name == "aks-env"
    assert settings.location == "eastus"
    assert settings.dns_domain == "toml.example"
    assert settings.kubeconfig == Path("~/kc").expanduser()


def test_az_cluster_name_wins_over_the_aks_spelling() -> None:
    settings = load({}, environ={"AZ_CLUSTER_NAME": "one", "AZ_AKS_CLUSTER_NAME": "two"})
    assert settings.cluster_name == "one"


def test_display_names_and_case_are_normalised() -> None:
    settings = load({"location": "West US 2", "dns_domain": "Example.Internal."}, environ={})
    assert (settings.location, settings.dns_domain) == ("westus2", "example.internal")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"dns_domain": "localhost"}, "DNS domain 'localhost' is invalid"),
        ({"dns_domain": "bad_label.example"}, "DNS domain 'bad_label.example' is invalid"),
        ({"dns_domain": "-x.example"}, "DNS domain '-x.example' is invalid"),
        ({"resource_group": "bad*group"}, "resource group name 'bad*group' is invalid"),
        ({"resource_group": "ends."}, "resource group name 'ends.' is invalid"),
        ({"cluster_name": "-aks"}, "cluster name '-aks' is invalid"),
        ({"location": "mars-1"}, "location 'mars-1' is invalid"),
        ({"target": "gcp"}, "target 'gcp' is not one of: sandbox, azure"),
    ],
)
def test_bad_settings_fail_with_one_clear_message(flags: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        load(flags, environ={})


def test_unknown_toml_keys_are_refused(tmp_path: Path) -> None:
    toml = tmp_path / "podid.toml"
    toml.write_text('resource_grup = "typo"\n')
    with pytest.raises(SettingsError, match="unknown setting"):
        load({}, environ={}, config_file=toml)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.location = "eastus"  # type: ignore[misc]
