"""external-dns behaves as the image tag in its pod spec says (issue 13): Deployments of several tags in one
sandbox cluster set up as the tutorial, observed through the pod log, azure-mgmt-dns and dnspython.

Covers, per release: the TXT registry (v0.14.2 writes the old-format `<name>` TXT next to `a-<name>`, v0.22.0
only `a-<name>`); the annotation prefix (v0.21.0 reads `external-dns.alpha.kubernetes.io/` only, v0.22.0
`external-dns.kubernetes.io/` only unless `--annotation-prefix` names the alpha one, which it logs);
v0.14.2 taking over a zone v0.22.0 wrote forces an update that adds the old-format TXT; soft
failures logged "Failed to do run once: ..." (counted from v0.18.0); a watch event's cycle starting no sooner
than `--min-event-sync-interval` after it in v0.14.2 and 5 s after it in v0.22.0 (log time stamps, second
resolution); cloud names (AZURESTACKCLOUD refused by v0.18.0, accepted by v0.19.0; AZUREGERMANCLOUD by none)
with "unknown cloud name: ..."; `--registry` values (`crd` a flag error before v0.22.0; `noop` writes no TXT);
an unknown tag plays the newest release and says so.
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from podid.workloads.externaldns.release import ALPHA_PREFIX, GA_PREFIX
from tests.conftest import start_sandbox
from tests.e2e.edns import NOERROR, NXDOMAIN, eventually, resolve
from tests.e2e.edns_tutorial import (
    NAMESPACE,
    SECRET,
    Tutorial,
    create_service,
    external_dns,
    log_of,
    secret,
    set_up_tutorial,
    wait_for_log,
)

pytestmark = pytest.mark.slow

GROUP, ZONE, ZONE_ONLY = "edns-releases", "releases.example.internal", "external-dns-zone-only"
REPOSITORY = "registry.k8s.io/external-dns/external-dns"
UP_TO_DATE = "All records are already up to date"
AUTHORITY, ARM = "https://login.microsoftonline.com/", "https://management.azure.com/"


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutorial]:
    sandbox, endpoints = start_sandbox(tmp_path_factory.mktemp("edns-releases"))
    yield set_up_tutorial(endpoints, tmp_path_factory.mktemp("kube"), GROUP, ZONE, ZONE_ONLY)
    sandbox.stop()


def image(tag: str) -> str:
    return f"{REPOSITORY}:{tag}"


def args(owner: str, *extra: str) -> list[str]:
    return [
        "--source=service",
        f"--domain-filter={ZONE}",
        "--provider=azure",
        f"--azure-resource-group={GROUP}",
        f"--txt-owner-id={owner}",
        "--policy=sync",
        "--events",
        *extra,
    ]


def txt_value(owner: str, service: str) -> str:
    return f'"heritage=external-dns,external-dns/owner={owner},external-dns/resource=service/default/{service}"'


@pytest.mark.parametrize(
    ("tag", "prefix", "txt_names"),
    [("v0.14.2", ALPHA_PREFIX, ["r14", "a-r14"]), ("v0.22.0", GA_PREFIX, ["a-r22"])],
)
def test_txt_registry_writes_the_formats_of_the_release(
    tutorial: Tutorial, tag: str, prefix: str, txt_names: list[str]
) -> None:
    name = txt_names[-1].removeprefix("a-")
    ip = create_service(tutorial, name, f"{name}.{ZONE}", prefix)
    expected = {(name, "A"): [ip], **{(txt, "TXT"): [txt_value(name, name)] for txt in txt_names}}

    def ours() -> dict[tuple[str, str], list[str]]:
        return {key: value for key, value in tutorial.admin.record_sets().items() if key[0] in (name, f"a-{name}")}

    with external_dns(tutorial, f"edns-{name}", args(name), image=image(tag)):
        assert eventually(lambda: resolve(tutorial.endpoints, f"{name}.{ZONE}") == (NOERROR, [ip]), timeout=60)
        assert eventually(lambda: ours() == expected, timeout=30), ours()
    old_format = resolve(tutorial.endpoints, f"{name}.{ZONE}", "TXT")
    assert old_format == ((NOERROR, [json.dumps(txt_value(name, name))]) if name in txt_names else (NOERROR, []))
    tutorial.cluster.core.delete_namespaced_service(name, "default")


def test_an_older_release_adds_the_old_format_to_a_zone_a_newer_one_wrote(tutorial: Tutorial) -> None:
    ip = create_service(tutorial, "mig", f"mig.{ZONE}", GA_PREFIX, **{ALPHA_PREFIX + "hostname": f"mig.{ZONE}"})
    with external_dns(tutorial, "edns-mig-new", args("mig"), image=image("v0.22.0")):
        assert eventually(lambda: resolve(tutorial.endpoints, f"a-mig.{ZONE}", "TXT")[1], timeout=60)
    assert resolve(tutorial.endpoints, f"mig.{ZONE}", "TXT") == (NOERROR, [])
    with external_dns(tutorial, "edns-mig-old", args("mig"), image=image("v0.14.2")) as pod:
        wanted = (NOERROR, [json.dumps(txt_value("mig", "mig"))])
        assert eventually(lambda: resolve(tutorial.endpoints, f"mig.{ZONE}", "TXT") == wanted, timeout=60)
        logged = wait_for_log(tutorial, pod, "Updating TXT record named 'mig'")
    assert ("info", f"Updating A record named 'mig' to '{ip}' for Azure DNS zone '{ZONE}'.") in logged
    tutorial.cluster.core.delete_namespaced_service("mig", "default")


@pytest.mark.parametrize(
    ("tag", "extra", "read"),
    [
        ("v0.21.0", [], "alpha"),
        ("v0.22.0", [], "ga"),
        ("v0.22.0", [f"--annotation-prefix={ALPHA_PREFIX}"], "alpha"),
    ],
)
def test_annotations_are_read_under_the_release_s_prefix(
    tutorial: Tutorial, tag: str, extra: list[str], read: str
) -> None:
    run = f"p{tag.replace('.', '')}{len(extra)}"
    names = {"alpha": f"{run}-alpha.{ZONE}", "ga": f"{run}-ga.{ZONE}"}
    ip = create_service(tutorial, run, names["alpha"], ALPHA_PREFIX, **{GA_PREFIX + "hostname": names["ga"]})
    # a short interval: the cycle after the one that wrote the record must find nothing left to write
    with external_dns(tutorial, f"edns-{run}", args(run, "--interval=2s", *extra), image=image(tag)) as pod:
        assert eventually(lambda: resolve(tutorial.endpoints, names[read]) == (NOERROR, [ip]), timeout=60)
        seen = len([m for _, m in log_of(tutorial, pod) if m == UP_TO_DATE])
        assert eventually(lambda: len([m for _, m in log_of(tutorial, pod) if m == UP_TO_DATE]) > seen, timeout=30)
        logged = log_of(tutorial, pod)
    unread = "ga" if read == "alpha" else "alpha"
    assert resolve(tutorial.endpoints, names[unread])[0] == NXDOMAIN
    custom = [m for _, m in logged if m.startswith("Using custom annotation prefix")]
    assert custom == ([f"Using custom annotation prefix: {ALPHA_PREFIX}"] if extra else [])
    tutorial.cluster.core.delete_namespaced_service(run, "default")


@pytest.mark.parametrize(("tag", "counted"), [("v0.17.0", False), ("v0.18.0", True)])
def test_soft_failures_are_logged_as_the_release_logs_them(tutorial: Tutorial, tag: str, counted: bool) -> None:
    azure_json = f"azure-config-{ZONE_ONLY}"
    name = f"edns-soft-{tag.replace('.', '')}"
    with external_dns(tutorial, name, args("soft", "--interval=2s"), azure_json, ZONE_ONLY, image=image(tag)) as pod:
        logged = wait_for_log(tutorial, pod, "Failed to do run once", timeout=120)
    [first] = [message for level, message in logged if level == "error"][:1]
    assert first.startswith("Failed to do run once: GET https://")
    assert "ERROR CODE: AuthorizationFailed" in first
    assert first.endswith("(consecutive soft errors: 1)") is counted


def logged_at(text: str) -> int:
    """A logfmt time stamp (`2026-12-06T19:00:00Z`) as Unix seconds."""
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp())


def update_second(t: Tutorial, pod: str, name: str) -> int:
    text = t.cluster.core.read_namespaced_pod_log(pod, NAMESPACE)
    line = next(line for line in text.splitlines() if f"Updating A record named '{name}'" in line)
    return logged_at(line.split('"', 2)[1])


@pytest.mark.parametrize(
    ("tag", "min_event_sync", "delay"),
    [("v0.14.2", 8, 8), ("v0.22.0", 1, 5)],  # v0.14: the interval itself; v0.15+: 5 s whatever the interval
)
def test_an_event_s_cycle_waits_as_the_release_schedules_it(
    tutorial: Tutorial, tag: str, min_event_sync: int, delay: int
) -> None:
    name = f"ev{tag.replace('.', '')}"
    prefix = ALPHA_PREFIX if tag == "v0.14.2" else GA_PREFIX
    argv = args(name, f"--min-event-sync-interval={min_event_sync}s", "--interval=1h")
    with external_dns(tutorial, f"edns-{name}", argv, image=image(tag)) as pod:
        wait_for_log(tutorial, pod, UP_TO_DATE)
        # past the cycle the informers' first list asks for, and the interval after it: the event alone decides
        time.sleep(max(min_event_sync, 5) + 2)
        created = math.floor(time.time())
        create_service(tutorial, name, f"{name}.{ZONE}", prefix)
        wait_for_log(tutorial, pod, f"Updating A record named '{name}'", timeout=60)
        assert update_second(tutorial, pod, name) >= created + delay
    tutorial.cluster.core.delete_namespaced_service(name, "default")


def azure_json_with(t: Tutorial, name: str, **changes: str) -> str:
    """A copy of the tutorial's azure.json Secret with `changes`; returns the new Secret's name."""
    data = t.cluster.core.read_namespaced_secret(SECRET, NAMESPACE).data
    document = {**json.loads(base64.b64decode(data["azure.json"])), **changes}
    t.cluster.core.create_namespaced_secret(NAMESPACE, secret(name, {"azure.json": document}))
    return name


@pytest.mark.parametrize(
    ("tag", "cloud", "known"),
    [
        ("v0.18.0", "AzureStackCloud", False),
        ("v0.19.0", "AzureStackCloud", True),
        ("v0.22.0", "AzureGermanCloud", False),
    ],
)
def test_cloud_names_of_the_release(tutorial: Tutorial, tag: str, cloud: str, known: bool) -> None:
    name = f"edns-cloud-{tag.replace('.', '')}"
    # Azure Stack Hub's endpoints come from azure.json: here Azure's own names, which the pod's proxy reaches
    stack = {"activeDirectoryAuthorityHost": AUTHORITY, "resourceManagerEndpoint": ARM}
    stack = stack if cloud == "AzureStackCloud" else {}
    secret_name = azure_json_with(tutorial, name, cloud=cloud, **stack)
    with external_dns(tutorial, name, args("cloud"), secret_name, image=image(tag)) as pod:
        logged = wait_for_log(tutorial, pod, UP_TO_DATE if known else "unknown cloud name", timeout=90)
    failures = [entry for entry in logged if entry[0] in ("error", "fatal")]
    expected = f"failed to get credentials: failed to get cloud configuration: unknown cloud name: {cloud.upper()}"
    assert failures == ([] if known else [("fatal", expected)])


def test_crd_registry_is_a_flag_error_before_v0_22(tutorial: Tutorial) -> None:
    with external_dns(tutorial, "edns-crd", args("crd", "--registry=crd"), image=image("v0.21.0")) as pod:
        logged = wait_for_log(tutorial, pod, "flag parsing error")
    assert logged == [("fatal", "flag parsing error: enum value must be one of txt,noop,dynamodb,aws-sd, got 'crd'")]


def test_noop_registry_writes_no_txt(tutorial: Tutorial) -> None:
    ip = create_service(tutorial, "noop", f"noop.{ZONE}")
    with external_dns(
        tutorial, "edns-noop", args("noop", "--registry=noop", "--policy=upsert-only"), image=image("v0.22.0")
    ) as pod:
        assert eventually(lambda: resolve(tutorial.endpoints, f"noop.{ZONE}") == (NOERROR, [ip]), timeout=60)
        wait_for_log(tutorial, pod, "Updating A record named 'noop'")
    assert [key for key in tutorial.admin.record_sets() if "noop" in key[0]] == [("noop", "A")]
    tutorial.cluster.core.delete_namespaced_service("noop", "default")


def test_an_unknown_tag_plays_the_newest_release_and_says_so(tutorial: Tutorial) -> None:
    ip = create_service(tutorial, "latest", f"latest.{ZONE}")
    with external_dns(tutorial, "edns-latest", args("latest"), image=image("latest")) as pod:
        assert eventually(lambda: resolve(tutorial.endpoints, f"latest.{ZONE}") == (NOERROR, [ip]), timeout=60)
        logged = log_of(tutorial, pod)
    assert logged[0] == ("warning", "Image tag 'latest' names no known external-dns release; behaving as v0.22.0")
    assert resolve(tutorial.endpoints, f"latest.{ZONE}", "TXT") == (NOERROR, [])  # new format only
    assert resolve(tutorial.endpoints, f"a-latest.{ZONE}", "TXT")[0] == NOERROR
    tutorial.cluster.core.delete_namespaced_service("latest", "default")
