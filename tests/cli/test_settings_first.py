"""Every setting, and every name `up` derives from them, is checked before the first write, in one line naming
the setting:

- a valid 199-character DNS domain whose managed identity name would pass Azure's 128 characters;
- a resource group and cluster name whose node resource group would pass AKS's 80 characters;
- a kubeconfig path that is a directory;
- a podid.toml that is not UTF-8 text.

In each case the resource group does not exist afterwards: nothing was written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.cli.conftest import PodidRunner
from tests.conftest import mgmt_client

LONG_DOMAIN = ".".join(["a" * 63, "b" * 63, "c" * 62, "internal"])  # valid: 199 characters, labels of at most 63


def group_exists(endpoints: Endpoints, credential: object, name: str) -> bool:
    return bool(mgmt_client(ResourceManagementClient, endpoints, credential).resource_groups.check_existence(name))


def test_long_domain_is_refused_before_any_write(
    podid: PodidRunner, endpoints: Endpoints, operator_credential: object, unique: str, tmp_path: Path
) -> None:
    assert len(LONG_DOMAIN) == 199
    run = podid("up", "-g", unique, "--dns-domain", LONG_DOMAIN, "--kubeconfig", str(tmp_path / "kubeconfig"))
    assert run.code == 2
    identity = LONG_DOMAIN.replace(".", "-") + "-identity"
    assert run.err == (
        f"ERROR: DNS domain '{LONG_DOMAIN}' is too long: the managed identity named after it, '{identity}', "
        f"has {len(identity)} characters and Azure allows 128; use a domain of at most 119 characters\n"
    )
    assert not group_exists(endpoints, operator_credential, unique)


def test_node_resource_group_over_80_is_refused(
    podid: PodidRunner, endpoints: Endpoints, operator_credential: object, unique: str, tmp_path: Path
) -> None:
    group = unique + "-" + "g" * 50
    cluster = "aks-" + "c" * 20
    node_group = f"MC_{group}_{cluster}_westeurope"
    run = podid("up", "-g", group, "--cluster-name", cluster, "-l", "westeurope", "--kubeconfig", str(tmp_path / "k"))
    assert run.code == 2
    assert run.err == (
        "ERROR: resource group, cluster name and location are too long together: the node resource group "
        f"'{node_group}' has {len(node_group)} characters and AKS allows 80; shorten the resource group or the "
        "cluster name\n"
    )
    assert not group_exists(endpoints, operator_credential, group)


def test_kubeconfig_directory_is_refused(podid: PodidRunner, unique: str, tmp_path: Path) -> None:
    run = podid("plan", "-g", unique, "--kubeconfig", str(tmp_path))
    assert run.code == 2
    assert run.err == f"ERROR: kubeconfig '{tmp_path}' is a directory: set KUBECONFIG or --kubeconfig to a file\n"


@pytest.mark.parametrize("content", [b'resource_group = "caf\xe9"\n', b"\xff\xfe r\x00"])
def test_podid_toml_not_utf8_is_one_line(podid: PodidRunner, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "podid.toml"
    path.write_bytes(content)
    run = podid("plan", "--config", str(path))
    assert run.code == 2
    start = content.index(next(byte for byte in content if byte >= 0x80).to_bytes(1, "big"))
    assert run.err == f"ERROR: cannot read {path}: it is not UTF-8 text (byte {start}); save it as UTF-8\n"
