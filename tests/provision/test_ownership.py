"""On a subscription that holds other things, `podid` changes only what it created or was told to adopt.

Covers, through the CLI against the session sandbox: a DNS zone made beforehand (with a record) in a group made
beforehand is reused and kept by `up`, and kept with its record and group by `down --yes`, which leaves the
preview feature registered; `down` without a TTY and without --yes refuses in az's words and deletes nothing, and
a "n" at its prompt cancels; `--adopt` tags the zone, which `down` then removes; another cluster's kubeconfig
entry under the same name stops `up` before any write (unless --overwrite-existing or a "y" at az's question)
and survives `down`, and a
kubeconfig with another context keeps it after `down`; a new location is shown by `plan` as a change Azure cannot
make and refused by `up` before any write; a cluster made beforehand stays after `down`, which takes out of it
only what podid put there (its labelled objects and its pod identities), not the user's own Deployment; a
kubenet cluster made beforehand is refused before any write (its network plugin cannot change in place).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from azure.identity import ClientSecretCredential
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.containerservice.models import (
    ContainerServiceNetworkProfile,
    ManagedCluster,
    ManagedClusterAgentPoolProfile,
    ManagedClusterIdentity,
)
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.dns.models import ARecord, RecordSet, Zone
from azure.mgmt.resource.features import FeatureClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup

from podid.provision.kube import Kube
from podid.sandbox import Endpoints
from tests.cli.conftest import PodidRunner, podid  # noqa: F401  (the fixture)
from tests.conftest import mgmt_client
from tests.provision.conftest import arm_writes

FEATURE = ("Microsoft.ContainerService", "EnablePodIdentityPreview")


@pytest.fixture
def names(unique: str, tmp_path: Path) -> dict[str, Any]:
    return {"group": unique, "cluster": f"aks-{unique}", "domain": f"{unique}.example", "kubeconfig": tmp_path / "kc"}


def own_writes(endpoints: Endpoints, names: dict[str, Any]) -> int:
    """ARM writes in this setup's groups: other setups' external-dns keep writing records in theirs."""
    return arm_writes(endpoints, names["group"], names["cluster"])


@pytest.fixture
def settings(names: dict[str, Any]) -> list[str]:
    return [
        "--resource-group", names["group"], "--cluster-name", names["cluster"], "--dns-domain", names["domain"],
        "--kubeconfig", str(names["kubeconfig"]),
    ]  # fmt: skip


@pytest.fixture
def dns(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> DnsManagementClient:
    return mgmt_client(DnsManagementClient, endpoints, operator_credential)


@pytest.fixture
def groups(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> ResourceManagementClient:
    return mgmt_client(ResourceManagementClient, endpoints, operator_credential)


@pytest.fixture
def existing_zone(names: dict[str, Any], dns: DnsManagementClient, groups: ResourceManagementClient) -> None:
    """`az group create` + `az network dns zone create` + `az network dns record-set a add-record -n www`."""
    groups.resource_groups.create_or_update(names["group"], ResourceGroup(location="westus2"))
    dns.zones.create_or_update(names["group"], names["domain"], Zone(location="global"))
    www = RecordSet(ttl=3600, a_records=[ARecord(ipv4_address="10.1.2.3")])
    dns.record_sets.create_or_update(names["group"], names["domain"], "www", "A", www)


def kept_and_removed(run: Any) -> tuple[list[str], list[str]]:
    steps = run.json["steps"]
    kept = [line for step in steps for line in step["kept"]]
    removed = [change["what"] for step in steps for change in step["changes"] if change["action"] == "delete"]
    return kept, removed


class Tty(io.StringIO):
    """A terminal on stdin that answers ``text``."""

    def isatty(self) -> bool:
        return True


@pytest.mark.usefixtures("existing_zone")
def test_a_zone_made_beforehand_survives_up_and_down(
    podid: PodidRunner,  # noqa: F811
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    dns: DnsManagementClient,
    groups: ResourceManagementClient,
    names: dict[str, Any],
    settings: list[str],
) -> None:
    up = podid("up", *settings, "-o", "json")
    assert up.code == 0, up.err
    up_kept = [line for step in up.json["steps"] for line in step["kept"]]
    assert up_kept == [
        f"resource group {names['group']} (not created by podid)",
        f"DNS zone {names['domain']} (not created by podid)",
    ]
    assert not dns.zones.get(names["group"], names["domain"]).tags  # reused, not claimed

    writes = own_writes(endpoints, names)
    refused = podid("down", *settings)  # stdin is not a TTY under pytest
    assert (refused.code, refused.out) == (1, "")
    assert refused.err == "ERROR: Unable to prompt for confirmation as no tty available. Use --yes.\n"
    assert own_writes(endpoints, names) == writes and names["kubeconfig"].exists()

    down = podid("down", *settings, "--yes", "-o", "json")
    assert down.code == 0, down.err
    kept, removed = kept_and_removed(down)
    assert kept == [
        f"DNS zone {names['domain']} (not created by podid)",
        f"resource group {names['group']} (not created by podid)",
    ]
    assert f"AKS cluster {names['cluster']}" in removed and not any("DNS zone" in what for what in removed)
    www = dns.record_sets.get(names["group"], names["domain"], "www", "A")
    assert [record.ipv4_address for record in www.a_records] == ["10.1.2.3"]
    assert groups.resource_groups.check_existence(names["group"])
    features = mgmt_client(FeatureClient, endpoints, operator_credential)
    assert features.features.get(*FEATURE).properties.state == "Registered"
    assert not names["kubeconfig"].exists()
    again = podid("down", *settings, "-o", "json")  # nothing left to remove: no question to ask
    assert again.code == 0 and kept_and_removed(again)[1] == []


@pytest.mark.usefixtures("existing_zone")
def test_adopt_claims_the_zone_and_down_removes_it(
    podid: PodidRunner,  # noqa: F811
    dns: DnsManagementClient,
    groups: ResourceManagementClient,
    names: dict[str, Any],
    settings: list[str],
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert podid("up", *settings, "--adopt", "-o", "none").code == 0
    tags = {"managed-by": "podid", "podid-setup": f"{unique}/aks-{unique}"}
    assert dns.zones.get(names["group"], names["domain"]).tags == tags
    assert groups.resource_groups.get(names["group"]).tags == tags

    monkeypatch.setattr("sys.stdin", Tty("maybe\nn\n"))
    cancelled = podid("down", *settings)
    assert cancelled.code == 1 and cancelled.err.endswith("ERROR: Operation cancelled.\n")
    assert cancelled.out.count("Are you sure you want to perform this operation? (y/n): ") == 2  # asked again
    assert f"- DNS zone {names['domain']}" in cancelled.err  # what goes is shown first
    assert dns.zones.get(names["group"], names["domain"]) is not None

    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    assert podid("down", *settings).code == 0
    assert not groups.resource_groups.check_existence(names["group"])


def foreign_kubeconfig(cluster: str) -> dict[str, Any]:
    """What `az aks get-credentials` leaves for a real AKS cluster that has the same name."""
    user = f"clusterUser_prod_{cluster}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": "https://prod-a1b2.hcp.westus2.azmk8s.io:443"}}],
        "users": [{"name": user, "user": {"token": "prod"}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": user}}],
        "current-context": cluster,
    }


def test_another_clusters_kubeconfig_entry_is_not_overwritten(
    podid: PodidRunner,  # noqa: F811
    endpoints: Endpoints,
    names: dict[str, Any],
    settings: list[str],
) -> None:
    path: Path = names["kubeconfig"]
    path.write_text(yaml.safe_dump(foreign_kubeconfig(names["cluster"])))
    before, writes = path.read_text(), own_writes(endpoints, names)
    refused = podid("up", *settings)
    assert (refused.code, refused.out) == (1, "")
    assert refused.err == (
        f"ERROR: A different object named {names['cluster']} already exists in clusters in your kubeconfig file. "
        f"({path}; `podid up --overwrite-existing` replaces it)\n"
    )
    assert own_writes(endpoints, names) == writes and path.read_text() == before
    planned = podid("plan", *settings, "-o", "json").json
    [kube_step] = [step for step in planned["steps"] if step["step"] == "kubeconfig"]
    assert kube_step["changes"][0]["blocked"].startswith("A different object named")
    assert podid("down", *settings, "--yes", "-o", "none").code == 0
    assert path.read_text() == before


def test_overwriting_another_clusters_kubeconfig_entry_takes_a_yes_or_the_flag(
    podid: PodidRunner,  # noqa: F811
    names: dict[str, Any],
    settings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path: Path = names["kubeconfig"]
    path.write_text(yaml.safe_dump(foreign_kubeconfig(names["cluster"])))
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    declined = podid("up", *settings)
    question = (
        f"A different object named {names['cluster']} already exists in your kubeconfig file.\nOverwrite? (y/n): "
    )
    assert declined.code == 1 and declined.out == question
    assert "already exists in clusters in your kubeconfig file" in declined.err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert podid("up", *settings, "--overwrite-existing", "-o", "none").code == 0
    [cluster] = yaml.safe_load(path.read_text())["clusters"]
    assert cluster["cluster"]["server"] != foreign_kubeconfig("x")["clusters"][0]["cluster"]["server"]
    assert podid("down", *settings, "--yes", "-o", "none").code == 0
    left = yaml.safe_load(path.read_text())  # the other cluster's user had another name: it stays
    assert (left["clusters"], left["contexts"]) == ([], [])
    assert left["users"] == foreign_kubeconfig(names["cluster"])["users"]


def test_down_takes_only_its_own_entries_out_of_a_shared_kubeconfig(
    podid: PodidRunner,  # noqa: F811
    names: dict[str, Any],
    settings: list[str],
) -> None:
    path: Path = names["kubeconfig"]
    other = foreign_kubeconfig("prod")
    path.write_text(yaml.safe_dump(other))
    assert podid("up", *settings, "-o", "none").code == 0
    merged = yaml.safe_load(path.read_text())
    assert [entry["name"] for entry in merged["clusters"]] == ["prod", names["cluster"]]
    assert podid("down", *settings, "--yes", "-o", "none").code == 0
    left = yaml.safe_load(path.read_text())
    assert {section: left[section] for section in ("clusters", "users", "contexts")} == {
        section: other[section] for section in ("clusters", "users", "contexts")
    }
    assert left["current-context"] == ""


def test_a_new_location_is_refused_before_any_write(
    podid: PodidRunner,  # noqa: F811
    endpoints: Endpoints,
    settings: list[str],
    names: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert podid("up", *settings, "-o", "none").code == 0
    monkeypatch.setenv("AZ_LOCATION", "eastus")
    planned = podid("plan", *settings, "-o", "json").json
    blocked = [change["blocked"] for step in planned["steps"] for change in step["changes"] if "blocked" in change]
    advice = "in place: delete the setup with `podid down` or keep AZ_LOCATION=westus2"
    assert blocked == [
        f"resource group {names['group']}: cannot change location westus2 → eastus {advice}",
        f"AKS cluster {names['cluster']}: cannot change location westus2 → eastus {advice}",
        f"managed identity {names['domain'].replace('.', '-')}-identity: cannot change location westus2 → eastus "
        f"{advice}",
        f"managed identity application-identity: cannot change location westus2 → eastus {advice}",
    ]
    writes = own_writes(endpoints, names)
    refused = podid("up", *settings)
    assert (refused.code, refused.out) == (1, "")
    assert refused.err == f"ERROR: {blocked[0]}\n"
    assert own_writes(endpoints, names) == writes
    monkeypatch.delenv("AZ_LOCATION")
    assert podid("down", *settings, "--yes", "-o", "none").code == 0


def users_cluster(
    endpoints: Endpoints,
    credential: ClientSecretCredential,
    groups: ResourceManagementClient,
    names: dict[str, Any],
    plugin: str,
) -> Any:
    """`az group create` + `az aks create --network-plugin <plugin>`; the clusters client."""
    groups.resource_groups.create_or_update(names["group"], ResourceGroup(location="westus2"))
    clusters = mgmt_client(ContainerServiceClient, endpoints, credential).managed_clusters
    pool = ManagedClusterAgentPoolProfile(name="nodepool1", count=1, vm_size="Standard_DS2_v2", mode="System")
    theirs = ManagedCluster(
        location="westus2",
        dns_prefix="theirs",
        identity=ManagedClusterIdentity(type="SystemAssigned"),
        agent_pool_profiles=[pool],
        network_profile=ContainerServiceNetworkProfile(network_plugin=plugin),
    )
    clusters.begin_create_or_update(names["group"], names["cluster"], theirs).result()
    return clusters


def test_a_kubenet_cluster_made_beforehand_is_refused_before_any_write(
    podid: PodidRunner,  # noqa: F811
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    groups: ResourceManagementClient,
    names: dict[str, Any],
    settings: list[str],
) -> None:
    users_cluster(endpoints, operator_credential, groups, names, "kubenet")
    planned = podid("plan", *settings, "-o", "json").json
    blocked = [change["blocked"] for step in planned["steps"] for change in step["changes"] if "blocked" in change]
    assert blocked == [
        f"AKS cluster {names['cluster']}: cannot change network plugin kubenet → azure in place: "
        "it is not podid's: choose another name"
    ]
    writes = own_writes(endpoints, names)
    refused = podid("up", *settings)
    assert (refused.code, refused.err) == (1, f"ERROR: {blocked[0]}\n")
    assert own_writes(endpoints, names) == writes and not names["kubeconfig"].exists()
    groups.resource_groups.begin_delete(names["group"]).result()


def test_a_cluster_made_beforehand_keeps_all_but_what_podid_put_in_it(
    podid: PodidRunner,  # noqa: F811
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    groups: ResourceManagementClient,
    names: dict[str, Any],
    settings: list[str],
) -> None:
    """`az group create` + `az aks create` by the user, then `podid up` and `podid down --yes` on them."""
    clusters = users_cluster(endpoints, operator_credential, groups, names, "azure")
    assert podid("up", *settings, "-o", "none").code == 0
    kube = Kube.from_file(names["kubeconfig"], names["cluster"])
    own = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "own", "namespace": "default"}}
    own["spec"] = {
        "replicas": 0,
        "selector": {"matchLabels": {"app": "own"}},
        "template": {"metadata": {"labels": {"app": "own"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
    }
    kube.create(own)

    down = podid("down", *settings, "--yes", "-o", "json")
    assert down.code == 0, down.err
    kept, removed = kept_and_removed(down)
    assert f"AKS cluster {names['cluster']} (not created by podid)" in kept
    assert {"Deployment kube-addons/external-dns", "ClusterRole external-dns", "Deployment default/hello"} <= set(
        removed
    )
    assert f"pod identities of {names['cluster']}" in removed
    cluster = clusters.get(names["group"], names["cluster"])
    assert not cluster.pod_identity_profile.user_assigned_identities
    assert kube.get("Deployment", "default", "own") is not None
    assert kube.get("Deployment", "default", "hello") is None
    clusters.begin_delete(names["group"], names["cluster"]).result()
    groups.resource_groups.begin_delete(names["group"]).result()
