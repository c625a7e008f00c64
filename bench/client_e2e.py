"""The kubernetes Python client's own end-to-end suite, unchanged, against a fresh sandbox AKS cluster.

    python bench/client_e2e.py --source <kubernetes-client/python git directory or checkout> [--ref v37.0.2]

1. The suite (``kubernetes/e2e_test/`` of kubernetes-client/python at ``--ref``, by default the tag of the
   installed client) is copied out of ``--source`` (or a clone of GitHub's repository when none is given).
2. A sandbox starts on free ports; a resource group and an AKS cluster are created through
   azure-mgmt-containerservice, and the cluster's admin kubeconfig (``listClusterAdminCredential``) is written
   to a file.
3. pytest runs the suite's cluster test files with ``KUBECONFIG`` naming that file, which is how the suite's
   ``base.get_e2e_configuration()`` finds its cluster. The suite imports itself as ``kubernetes.e2e_test``, so
   a conftest beside it adds its directory to the installed ``kubernetes`` package's search path.
4. Each test's outcome (and the first line of a failure) is printed, then the counts: the cluster tests (every
   test but ``TestUtilsUnitTests``, which needs no cluster) passed out of run.

docs/CONFORMANCE.md records the figure and why each expected failure fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import kubernetes
import yaml
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints, testing

UPSTREAM = "https://github.com/kubernetes-client/python"
SUITE = "kubernetes/e2e_test"
# the files whose tests talk to a cluster; test_issue_2387_proxy_ssl_context.py tests the client's proxy TLS
# against a local proxy of its own
TEST_FILES = ("test_apps.py", "test_batch.py", "test_client.py", "test_informer.py", "test_utils.py", "test_watch.py")
NO_CLUSTER_CLASSES = ("TestUtilsUnitTests",)
GROUP, CLUSTER, LOCATION = "client-e2e", "client-e2e", "westus2"
PATH_HOOK = '''"""Written by bench/client_e2e.py: the suite imports itself as kubernetes.e2e_test."""
import pathlib

import kubernetes

kubernetes.__path__.append(str(pathlib.Path(__file__).parent / "kubernetes"))
'''


def export_suite(source: str | None, ref: str, into: Path) -> Path:
    """``kubernetes/e2e_test`` at ``ref`` written below ``into``; returns the directory holding it."""
    if source is None:
        source = str(into / "clone")
        subprocess.run(["git", "clone", "--quiet", "--bare", "--filter=blob:none", UPSTREAM, source], check=True)
    root = into / "suite"
    root.mkdir()
    archive = subprocess.run(["git", "-C", source, "archive", ref, SUITE], check=False, capture_output=True)
    if archive.returncode != 0:  # e.g. a release whose tag the checkout lacks
        raise SystemExit(f"{source} has no {SUITE} at {ref!r} ({archive.stderr.decode().strip()}); pass --ref")
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    (root / "conftest.py").write_text(PATH_HOOK)
    return root


def cluster_kubeconfig(endpoints: Endpoints, path: Path) -> Path:
    """An AKS cluster created as `az aks create` does, and its admin kubeconfig written to ``path``."""
    testing.control_call(endpoints, "PUT", "/settings", json={"lroPolls": {"managedClusters": 1}}).raise_for_status()
    credential = testing.operator_credential_for(endpoints)
    resources = testing.mgmt_client(ResourceManagementClient, endpoints, credential)
    resources.resource_groups.create_or_update(GROUP, {"location": LOCATION})
    aks = testing.mgmt_client(ContainerServiceClient, endpoints, credential)
    pool = {"name": "nodepool1", "count": 3, "vmSize": "Standard_DS2_v2", "mode": "System", "osType": "Linux"}
    body: Any = {
        "location": LOCATION,
        "identity": {"type": "SystemAssigned"},
        "properties": {"dnsPrefix": CLUSTER, "agentPoolProfiles": [{**pool, "type": "VirtualMachineScaleSets"}]},
    }
    aks.managed_clusters.begin_create_or_update(GROUP, CLUSTER, body).result()
    [entry] = aks.managed_clusters.list_cluster_admin_credentials(GROUP, CLUSTER).kubeconfigs or []
    path.write_bytes(entry.value or b"")
    return path


@dataclass(frozen=True)
class Outcome:
    test: str  # Class.test_name
    result: str  # passed, failed, error, skipped
    reason: str


def run_suite(suite: Path, kubeconfig: Path, report: Path, verbose: bool) -> list[Outcome]:
    files = [str(suite / SUITE / name) for name in TEST_FILES if (suite / SUITE / name).exists()]
    proxies = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"}
    env = {key: value for key, value in os.environ.items() if key not in proxies}
    env |= {"KUBECONFIG": str(kubeconfig), "HOME": str(kubeconfig.parent)}
    command = [sys.executable, "-m", "pytest", *files, "-p", "no:cacheprovider", "--timeout=300"]
    command += ["--rootdir", str(suite), f"--junitxml={report}", "-q" if not verbose else "-v"]
    subprocess.run(command, cwd=suite, env=env, check=False, stdout=None if verbose else subprocess.DEVNULL)
    return outcomes(report)


def outcomes(report: Path) -> list[Outcome]:
    found = []
    for case in ElementTree.parse(report).iter("testcase"):
        test = f"{case.get('classname', '').rsplit('.', 1)[-1]}.{case.get('name')}"
        result, reason = "passed", ""
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                result = {"failure": "failed"}.get(tag, tag)
                reason = (element.get("message") or element.text or "").strip().splitlines()[0][:160]
        found.append(Outcome(test, result, reason))
    return found


def summary(found: list[Outcome]) -> str:
    cluster = [o for o in found if o.test.split(".")[0] not in NO_CLUSTER_CLASSES]
    counts = Counter(o.result for o in cluster)
    rows = [f"{o.result:8} {o.test}" + (f"  -- {o.reason}" if o.reason else "") for o in found]
    tally = ", ".join(f"{counts[k]} {k}" for k in ("failed", "error", "skipped") if counts[k])
    line = f"cluster tests: {counts['passed']} of {len(cluster)} passed" + (f" ({tally})" if tally else "")
    return "\n".join([*rows, "", line])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", help="a git directory or checkout of kubernetes-client/python (else cloned)")
    parser.add_argument("--ref", default=f"v{kubernetes.__version__}", help="tag or commit of the suite")
    parser.add_argument("--verbose", action="store_true", help="show pytest's own output")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="podid-client-e2e-") as directory:
        work = Path(directory)
        suite = export_suite(args.source, args.ref, work)
        sandbox, endpoints = testing.start_sandbox(work / "sandbox")
        try:
            kubeconfig = cluster_kubeconfig(endpoints, work / "kubeconfig")
            server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
            print(f"suite {args.ref}, client {kubernetes.__version__}, cluster {server}", flush=True)
            print(summary(run_suite(suite, kubeconfig, work / "report.xml", args.verbose)))
        finally:
            sandbox.stop()


if __name__ == "__main__":
    main()
