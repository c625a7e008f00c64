"""``kubectl explain`` against the sandbox: every installed kubectl release (1.27 …) reads the OpenAPI v3 documents
of a cluster of its own minor version and prints kube-apiserver's texts for that release, for built-in kinds and
for a CRD's structural schema. The expected texts are the descriptions of kubernetes/kubernetes
api/openapi-spec/v3 (api__v1_openapi.json, apis__apps__v1_openapi.json) of those releases, laid out by kubectl's
own template (k8s.io/kubectl pkg/explain/v2/templates/plaintext.tmpl).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from podid.sandbox import Endpoints, Sandbox
from tests.kube.conftest import VERSIONED_KUBECTL, KubeCluster, Kubectl, cluster_spec, write_kubeconfig

MINORS = [int(p.name.rsplit(".", 1)[1]) for p in VERSIONED_KUBECTL]
pytestmark = pytest.mark.skipif(not VERSIONED_KUBECTL, reason="no versioned kubectl binaries beside the dispatcher")


@pytest.fixture(scope="module")
def releases(
    sandbox: Sandbox, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[int, Path]]:
    """A cluster of each minor version a kubectl is installed for; the dispatcher runs the matching kubectl."""
    assert sandbox.cloud is not None
    kubeconfigs, specs = {}, []
    for minor in MINORS:
        spec = cluster_spec(endpoints, f"explain{minor}", f"1.{minor}.0")
        access = sandbox.cloud.kube.ensure_cluster(spec)
        kubeconfigs[minor] = write_kubeconfig(tmp_path_factory.mktemp("explain") / "config", access, endpoints.ca_cert)
        specs.append(spec)
    yield kubeconfigs
    for spec in specs:
        sandbox.cloud.kube.delete_cluster(spec.cluster_id)


def explain(kubeconfig: Path, cache: Path, *args: str) -> str:
    """kubectl explain's output with runs of blank space made one space (releases differ in blank lines)."""
    return " ".join(Kubectl(kubeconfig, cache)("explain", *args).split())


POD = (
    "KIND: Pod VERSION: v1 DESCRIPTION: Pod is a collection of containers that can run on a host. This resource is "
    "created by clients and scheduled onto hosts. FIELDS: apiVersion <string> APIVersion defines the versioned "
    "schema of this representation of an object. Servers should convert recognized schemas to the latest internal "
    "value, and may reject unrecognized values. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources kind <string> "
    "Kind is a string value representing the REST resource this object represents. Servers may infer this from the "
    "endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds metadata "
    "<ObjectMeta> Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata spec <PodSpec> "
    "Specification of the desired behavior of the pod. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status status "
    "<PodStatus> Most recently observed status of the pod. This data may not be up to date. Populated by the "
    "system. Read-only. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status"
)
REPLICAS = (
    "GROUP: apps KIND: Deployment VERSION: v1 FIELD: replicas <integer> DESCRIPTION: Number of desired pods. This "
    "is a pointer to distinguish between explicit zero and not specified. Defaults to 1."
)
PORTS_RECURSIVE = (
    "FIELDS: containerPort <integer> -required- hostIP <string> hostPort <integer> name <string> protocol <string>"
)


@pytest.mark.parametrize("minor", MINORS, ids=lambda m: f"1.{m}")
def test_explain_builtin_kinds(releases: dict[int, Path], tmp_path: Path, minor: int) -> None:
    kubeconfig = releases[minor]
    assert explain(kubeconfig, tmp_path, "pods") == POD
    assert explain(kubeconfig, tmp_path, "deployment.spec.replicas") == REPLICAS
    ports = explain(kubeconfig, tmp_path, "pods.spec.containers.ports", "--recursive")
    assert ports.startswith("KIND: Pod VERSION: v1 FIELD: ports <[]ContainerPort> DESCRIPTION: List of ports to")
    assert ports.endswith(PORTS_RECURSIVE)
    whole = Kubectl(kubeconfig, tmp_path)("explain", "pods", "--recursive")
    assert re.search(r"^  spec\t<PodSpec>\n    activeDeadlineSeconds\t<integer>$", whole, re.M)
    assert re.search(r"^    containers\t<\[\]Container> -required-\n      args\t<\[\]string>$", whole, re.M)
    assert "\n      image\t<string>\n" in whole


@pytest.mark.parametrize("minor", MINORS, ids=lambda m: f"1.{m}")
def test_explain_follows_the_clusters_release(releases: dict[int, Path], tmp_path: Path, minor: int) -> None:
    """PodSpec.resources (pod-level resources) came in 1.32: older clusters do not describe it."""
    result = Kubectl(releases[minor], tmp_path).run("explain", "pods.spec.resources", check=False)
    if minor >= 32:
        assert result.returncode == 0
        text = " ".join(result.stdout.split())
        assert "FIELD: resources <ResourceRequirements> DESCRIPTION: Resources is the total amount of CPU" in text
    else:
        assert result.returncode == 1
        assert result.stderr.strip() == 'error: field "resources" does not exist'


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: gadgets, singular: gadget, kind: Gadget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A Gadget does one thing well.
        properties:
          spec:
            type: object
            description: What the gadget should be.
            required: [size]
            properties:
              size: {{type: integer, description: How big the gadget is.}}
              port: {{x-kubernetes-int-or-string: true, description: Where it listens.}}
              tags: {{type: array, items: {{type: string}}}}
"""


def test_explain_custom_resource(kubectl: Kubectl, tmp_path: Path, unique: str) -> None:
    group = f"{unique}.example.com"
    (tmp_path / "crd.yaml").write_text(CRD.format(group=group))
    kubectl("apply", "-f", str(tmp_path / "crd.yaml"))
    try:
        kind = " ".join(kubectl("explain", "gadgets").split())
        assert kind.startswith(f"GROUP: {group} KIND: Gadget VERSION: v1 DESCRIPTION: A Gadget does one thing well.")
        assert "metadata <ObjectMeta> Standard object's metadata. More info:" in kind
        assert kind.endswith("spec <Object> What the gadget should be.")
        spec = " ".join(kubectl("explain", "gadgets.spec").split())
        # an int-or-string has no type: kubectl's template calls it Object (typeGuess), as on a real cluster
        assert spec == (
            f"GROUP: {group} KIND: Gadget VERSION: v1 FIELD: spec <Object> DESCRIPTION: What the gadget should be. "
            "FIELDS: port <Object> Where it listens. size <integer> -required- How big the gadget is. "
            "tags <[]string> <no description>"
        )
    finally:
        kubectl("delete", "-f", str(tmp_path / "crd.yaml"))
    # kubectl's discovery cache still knows the kind; the group-version has left /openapi/v3
    gone = kubectl.run("explain", "gadgets", check=False)
    assert gone.returncode == 1
    assert gone.stderr.strip() == f'error: couldn\'t find resource for "{group}/v1, Resource=gadgets"'


def test_explain_with_the_dispatcher(kubectl: Kubectl, kube: KubeCluster) -> None:
    """The shared cluster (1.29) through the version dispatcher, as a user runs it."""
    assert " ".join(kubectl("explain", "deployment.spec.replicas").split()) == REPLICAS
