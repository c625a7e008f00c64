"""Which external-dns release the workload plays, read from its image tag, and what changed between releases.

A real image knows its behaviour because it was built from one tag; this workload plays every tag, so the
behaviour that users can tell apart is one small table here, keyed by the release that changed it. Every
other module reads a `Release` field and never compares versions.

Sources (github.com/kubernetes-sigs/external-dns, at each tag):
- `registry/txt.go` (`registry/txt/registry.go` and `registry/mapper/mapper.go` from v0.21.0): the old-format
  `<name>` TXT next to the new-format `<type>-<name>` up to v0.17 (`--txt-new-format-only`, v0.16.0-v0.17,
  turns it off; v0.18.0 drops it, external-dns#4855); TXTs already in the zone not re-created from v0.19.0;
  the record types a TXT name can carry (`getSupportedTypes`: + MX in v0.18.0; `supportedRecords`: + PTR,
  SRV, NAPTR in v0.21.0, + TXT in v0.22.0).
- `source/annotations/annotations.go`: `external-dns.alpha.kubernetes.io/` only up to v0.19; the
  `--annotation-prefix` flag from v0.20.0; its default `external-dns.kubernetes.io/` from v0.22.0
  (external-dns#6424), which no longer reads the alpha prefix unless given it.
- `controller/controller.go`: `ScheduleRunOnce` runs an event's cycle `--min-event-sync-interval` after it in
  v0.14; from v0.15.0 5 s after it, and never within `--min-event-sync-interval` of the last cycle. Soft
  errors are counted in the log from v0.18.0; v0.22.0's `Run` returns the error and `execute.go` logs it.
- `provider/azure/config.go`: the cloud names (`AZURESTACKCLOUD` from v0.19.0) and "unknown cloud name: ...";
  azure.json read as YAML up to v0.16, as JSON from v0.17.0 ("failed to parse Azure config file ...").
- `main.go` / `controller/execute.go` / `registry/factory/registry.go`: the `--registry` values (`crd` from
  v0.22.0).
"""

import re
from dataclasses import dataclass, replace
from typing import Any

from .endpoint import AAAA, CNAME, MX, NS, TXT, A


@dataclass(frozen=True)
class Release:
    version: str
    txt_old_format: bool  # also writes `<prefix><name><suffix>` TXTs, the pre-v0.12 format
    txt_new_format_only_flag: bool  # accepts --txt-new-format-only
    txt_skips_existing: bool  # creates no TXT that Records() just saw
    txt_types: tuple[str, ...]  # record types a TXT name can carry
    annotation_prefix: str  # the default prefix of every annotation read
    annotation_prefix_flag: bool  # accepts --annotation-prefix
    event_delay: float | None  # seconds from a watch event to its cycle; None: --min-event-sync-interval
    events_spaced: bool  # an event's cycle also waits for the last cycle + --min-event-sync-interval
    counts_soft_errors: bool  # "(consecutive soft errors: N)" and "Reconciliation succeeded after N ..."
    fatal_run_once: str  # how a cycle's non-soft error is logged, at fatal, before the exit
    clouds: frozenset[str]  # azure.json `cloud` values, upper case ('' is the public cloud)
    azure_json_yaml: bool  # azure.json is YAML (else JSON)
    registries: tuple[str, ...]  # --registry values, in the order kingpin lists them


ALPHA_PREFIX = "external-dns.alpha.kubernetes.io/"
GA_PREFIX = "external-dns.kubernetes.io/"

OLDEST = Release(
    version="v0.14.0",
    txt_old_format=True,
    txt_new_format_only_flag=False,
    txt_skips_existing=False,
    txt_types=(A, AAAA, CNAME, NS),
    annotation_prefix=ALPHA_PREFIX,
    annotation_prefix_flag=False,
    event_delay=None,
    events_spaced=False,
    counts_soft_errors=False,
    fatal_run_once="Failed to do run once: {}",
    clouds=frozenset(
        {"", "AZURECLOUD", "AZUREPUBLICCLOUD", "AZUREUSGOVERNMENT", "AZUREUSGOVERNMENTCLOUD", "AZURECHINACLOUD"}
    ),
    azure_json_yaml=True,
    registries=("txt", "noop", "dynamodb", "aws-sd"),
)

# (release, what it changed), oldest first
_CHANGES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("v0.15.0", {"event_delay": 5.0, "events_spaced": True}),
    ("v0.16.0", {"txt_new_format_only_flag": True}),
    ("v0.17.0", {"azure_json_yaml": False}),
    (
        "v0.18.0",
        {
            "txt_old_format": False,
            "txt_new_format_only_flag": False,
            "txt_types": (A, AAAA, CNAME, NS, MX),
            "counts_soft_errors": True,
        },
    ),
    ("v0.19.0", {"txt_skips_existing": True, "clouds": OLDEST.clouds | {"AZURESTACKCLOUD"}}),
    ("v0.20.0", {"annotation_prefix_flag": True}),
    ("v0.21.0", {"txt_types": (A, AAAA, CNAME, NS, MX, "PTR", "SRV", "NAPTR")}),
    (
        "v0.22.0",
        {
            "annotation_prefix": GA_PREFIX,
            "txt_types": (A, AAAA, CNAME, NS, MX, "PTR", "SRV", "NAPTR", TXT),
            "fatal_run_once": "failed to do run once: {}",
            "registries": ("aws-sd", "crd", "dynamodb", "noop", "txt"),
        },
    ),
)


def _releases() -> tuple[Release, ...]:
    releases = [OLDEST]
    for version, changes in _CHANGES:
        releases.append(replace(releases[-1], version=version, **changes))
    return tuple(releases)


RELEASES = _releases()
NEWEST = RELEASES[-1]
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")  # v0.22.0, and bitnami's 0.14.2-debian-12-r5


def _number(version: str) -> tuple[int, ...]:
    found = _VERSION.match(version)
    return tuple(map(int, found.groups())) if found else ()


def image_tag(image: str) -> str:
    """`registry.k8s.io/external-dns/external-dns:v0.22.0@sha256:...` -> `v0.22.0` ('' without a tag)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.partition(":")[2]


def release_for(tag: str) -> Release | None:
    """The release an image tag plays (named by the tag's version); None for a tag that is no version from
    v0.14.0 to the newest minor release."""
    number = _number(tag)
    if not number or number < _number(OLDEST.version) or number[:2] > _number(NEWEST.version)[:2]:
        return None
    played = [release for release in RELEASES if _number(release.version) <= number][-1]
    return replace(played, version="v" + ".".join(map(str, number)))
