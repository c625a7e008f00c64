"""Settings for ``podid up``: the tutorial's env.sh variables, a ``podid.toml`` and flags.

Precedence is flags > environment > podid.toml > defaults (the tutorial's values)::

    export AZ_RESOURCE_GROUP=dgraph-test          # resource_group
    export AZ_CLUSTER_NAME=dgraph-test            # cluster_name (AZ_AKS_CLUSTER_NAME is accepted too)
    export AZ_LOCATION=westus2                    # location
    export AZ_DNS_DOMAIN="example.internal"       # dns_domain
    export KUBECONFIG=~/.kube/$AZ_CLUSTER_NAME    # kubeconfig

Everything is validated before any change, and the first problem is reported as one ``SettingsError``: each
setting, and every name derived from them (the DNS identity, the node resource group, the kubeconfig path),
against Azure's naming rules, so that ``up`` never stops half-way on a name Azure refuses.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

DEFAULT_RESOURCE_GROUP = "dgraph-test"
DEFAULT_CLUSTER_NAME = "dgraph-test"
DEFAULT_LOCATION = "westus2"
DEFAULT_DNS_DOMAIN = "example.internal"
CONFIG_FILE = "podid.toml"
TARGETS = ("sandbox", "azure")

ENVIRONMENT: Mapping[str, tuple[str, ...]] = {
    "resource_group": ("AZ_RESOURCE_GROUP",),
    "cluster_name": ("AZ_CLUSTER_NAME", "AZ_AKS_CLUSTER_NAME"),
    "location": ("AZ_LOCATION",),
    "dns_domain": ("AZ_DNS_DOMAIN",),
    "kubeconfig": ("KUBECONFIG",),
    "target": ("PODID_TARGET",),
}

_GROUP_NAME = re.compile(r"^[-\w.()]{1,90}$")
_CLUSTER_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$")
_LOCATION = re.compile(r"^[a-z][a-z0-9]{1,40}$")
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
# (Microsoft.ManagedIdentity userAssignedIdentities: 3-128)
MAX_IDENTITY_NAME = 128
# AKS: "The maximum length is 80" (InvalidParameter); https://aka.ms/aks-naming-rules
MAX_NODE_RESOURCE_GROUP = 80


class SettingsError(ValueError):
    """A setting that cannot work; raised before anything is changed."""


@dataclass(frozen=True)
class Settings:
    resource_group: str = DEFAULT_RESOURCE_GROUP
    cluster_name: str = DEFAULT_CLUSTER_NAME
    location: str = DEFAULT_LOCATION
    dns_domain: str = DEFAULT_DNS_DOMAIN
    kubeconfig: Path | None = None  # None: ~/.kube/<cluster_name>
    target: str = "sandbox"

    @property
    def kubeconfig_path(self) -> Path:
        return self.kubeconfig or Path.home() / ".kube" / self.cluster_name

    @property
    def dns_identity_name(self) -> str:
        """The tutorial's `<domain with dots as dashes>-identity`."""
        return self.dns_domain.replace(".", "-") + "-identity"

    @property
    def node_resource_group(self) -> str:
        """AKS's default node resource group name (the cluster reports the real one)."""
        return f"MC_{self.resource_group}_{self.cluster_name}_{self.location}"

    def validate(self) -> Settings:
        for problem in (
            _check_group(self.resource_group),
            _check_cluster(self.cluster_name),
            _check_location(self.location),
            _check_domain(self.dns_domain),
            None if self.target in TARGETS else f"target '{self.target}' is not one of: {', '.join(TARGETS)}",
            *self._derived_problems(),
        ):
            if problem:
                raise SettingsError(problem)
        return self

    def _derived_problems(self) -> tuple[str | None, ...]:
        """The names ``up`` makes from the settings, checked as Azure will check them. The identity's limit keeps
        the domain within 119 characters, so every record name up and verify write (at most
        `a-<6 hex digits>.podid-verify.<domain>`, 142) stays within DNS's 253."""
        identity, node_group = self.dns_identity_name, self.node_resource_group
        return (
            None
            if len(identity) <= MAX_IDENTITY_NAME
            else f"DNS domain '{self.dns_domain}' is too long: the managed identity named after it, '{identity}', "
            f"has {len(identity)} characters and Azure allows {MAX_IDENTITY_NAME}; use a domain of at most "
            f"{MAX_IDENTITY_NAME - len(identity) + len(self.dns_domain)} characters",
            None
            if len(node_group) <= MAX_NODE_RESOURCE_GROUP
            else f"resource group, cluster name and location are too long together: the node resource group "
            f"'{node_group}' has {len(node_group)} characters and AKS allows {MAX_NODE_RESOURCE_GROUP}; "
            "shorten the resource group or the cluster name",
            _check_kubeconfig(self.kubeconfig_path),
        )


def _check_group(name: str) -> str | None:
    if not _GROUP_NAME.match(name) or name.endswith("."):
        return (
            f"resource group name '{name}' is invalid: use 1-90 letters, digits, '-', '_', '.', '(' or ')',"
            " not ending in '.'"
        )
    return None


def _check_cluster(name: str) -> str | None:
    if not _CLUSTER_NAME.match(name):
        return (
            f"cluster name '{name}' is invalid: use 1-63 letters, digits, '-' or '_',"
            " starting and ending with a letter or digit"
        )
    return None


def _check_location(location: str) -> str | None:
    if not _LOCATION.match(location):
        return f"location '{location}' is invalid: use an Azure region name such as 'westus2' (lower case, no spaces)"
    return None


def _check_domain(domain: str) -> str | None:
    labels = domain.rstrip(".").split(".")
    valid = (
        2 <= len(labels) <= 34
        and len(domain.rstrip(".")) <= 253
        and all(_DNS_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )
    if not valid:
        return (
            f"DNS domain '{domain}' is invalid: use 2-34 labels of lower-case letters, digits and '-'"
            " (for example 'example.internal')"
        )
    return None


def _check_kubeconfig(path: Path) -> str | None:
    """The kubeconfig must be a file podid can write: not a directory, in a directory (or one it can create)."""
    if path.is_dir():
        return f"kubeconfig '{path}' is a directory: set KUBECONFIG or --kubeconfig to a file"
    parent = next((folder for folder in path.parents if folder.exists()), None)
    if parent is not None and not parent.is_dir():
        return f"kubeconfig '{path}' cannot be written: '{parent}' is not a directory"
    return None


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"cannot read {path}: it is not UTF-8 text (byte {error.start}); save it as UTF-8"
        ) from error
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"cannot read {path}: {error}") from error
    known = {item.name for item in fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return raw


def _from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    found = {}
    for name, variables in ENVIRONMENT.items():
        for variable in variables:
            if environ.get(variable):
                found[name] = environ[variable]
                break
    return found


def load(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Settings from flags (None values are "not given"), the environment and podid.toml, validated."""
    environ = os.environ if environ is None else environ
    path = config_file or Path(CONFIG_FILE)
    merged: dict[str, Any] = {}
    if config_file is not None or path.is_file():
        merged.update(_from_toml(path))
    merged.update(_from_environment(environ))
    merged.update({name: value for name, value in (flags or {}).items() if value is not None})
    if merged.get("kubeconfig"):
        # KUBECONFIG may list several files; the first is the one kubectl writes to
        merged["kubeconfig"] = Path(str(merged["kubeconfig"]).split(os.pathsep)[0]).expanduser()
    for name, value in merged.items():
        if name != "kubeconfig" and not isinstance(value, str):
            raise SettingsError(f"setting '{name}' must be a string, not {value!r}")
    if "location" in merged:  # ARM accepts display names too: "West US 2" is westus2
        merged["location"] = merged["location"].replace(" ", "").lower()
    if "dns_domain" in merged:  # zone names are case-insensitive and written without the root dot
        merged["dns_domain"] = merged["dns_domain"].lower().rstrip(".")
    return Settings(**merged).validate()
