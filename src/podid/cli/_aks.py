"""``podid aks show | update | pod-identity …``: the Azure CLI's aks commands with aks-preview's pod identity ones.

aks-preview cannot be installed from PyPI, so these follow its source: the same arguments, validators,
messages and requests (GET the cluster, edit podIdentityProfile, PUT it back), and the same output.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from podid.cli import _tables
from podid.cli._common import CliError, Result, target
from podid.provision import podidentity
from podid.provision.clients import Clients
from podid.provision.shape import az_json

_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED = (
    "A qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc') with an optional DNS subdomain prefix "
    "and '/' (e.g. 'example.com/MyName')"
)


def _clients(args: argparse.Namespace) -> Clients:
    return Clients(target(args))


def remove_nulls(cluster: dict[str, Any]) -> dict[str, Any]:
    """acs/aks-preview ``_remove_nulls``: drop a few attributes when they are null."""
    if cluster.get("tags") is None:
        cluster.pop("tags", None)
    for pool in cluster.get("agentPoolProfiles") or []:
        for key in ("osDiskSizeGb", "vnetSubnetId"):
            if pool.get(key) is None:
                pool.pop(key, None)
    principal = cluster.get("servicePrincipalProfile")
    if isinstance(principal, dict) and principal.get("secret") is None:
        principal.pop("secret", None)
    return cluster


def validate_label(label: str) -> dict[str, str]:
    """aks-preview's validate_label, with its messages."""
    if label == "":
        return {}
    pair = label.split("=")
    if len(pair) != 2:
        raise CliError(f"Invalid label: {label}. Label definition must be of format name=value.")
    parts = pair[0].split("/")
    if len(parts) > 2:
        raise CliError(f"Invalid label: {label}. {_QUALIFIED}")
    if len(parts) == 2:
        if not parts[0] or len(parts[0]) > 253:
            raise CliError(f"Invalid label: {label}. Label prefix can't be empty or more than 253 chars.")
        if not _PREFIX.match(parts[0]):
            raise CliError(
                f"Invalid label: {label}. Prefix part a DNS-1123 label must consist of lower case alphanumeric "
                "characters or '-', and must start and end with an alphanumeric character"
            )
    name = parts[-1]
    if not name or len(name) > 63:
        raise CliError(f"Invalid label: {label}. Label name can't be empty or more than 63 chars.")
    if not _NAME.match(name):
        raise CliError(f"Invalid label: {label}. {_QUALIFIED}")
    if len(pair[1]) > 63:
        raise CliError(f"Invalid label: {label}. Label must be more than 63 chars.")
    if not _VALUE.match(pair[1]):
        raise CliError(
            f"Invalid label: {label}. A valid label must be an empty string or consist of alphanumeric "
            "characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        )
    return {pair[0]: pair[1]}


def _labels(values: list[str] | None) -> dict[str, str]:
    labels: dict[str, str] = {}
    for value in values or []:
        labels.update(validate_label(value))
    return labels


def _require(args: argparse.Namespace, name_required: bool) -> None:
    """aks-preview's validate_pod_identity_resource_namespace / _name."""
    if not args.namespace:
        raise CliError("--namespace is required")
    if name_required and not args.name:
        raise CliError("--name is required")


def show(args: argparse.Namespace) -> Result:
    cluster = remove_nulls(az_json(podidentity.get_cluster(_clients(args), args.resource_group, args.name)))
    return Result(cluster, table=_tables.aks_show)


def update(args: argparse.Namespace) -> Any:
    if not (args.enable_pod_identity or args.disable_pod_identity):
        raise CliError(
            'Please specify one or more of "--enable-pod-identity", "--enable-pod-identity-with-kubenet" '
            'or "--disable-pod-identity".'
        )
    cluster = podidentity.update_addon(
        _clients(args),
        args.resource_group,
        args.name,
        args.enable_pod_identity,
        args.disable_pod_identity,
        args.enable_pod_identity_with_kubenet,
    )
    return az_json(cluster)


def pod_identity_add(args: argparse.Namespace) -> Any:
    _require(args, name_required=False)
    cluster = podidentity.add(
        _clients(args),
        args.resource_group,
        args.cluster_name,
        args.namespace,
        args.name or "",  # aks-preview sends "" and lets the service choose
        args.identity_resource_id,
        args.binding_selector,
    )
    return az_json(cluster)


def pod_identity_delete(args: argparse.Namespace) -> Any:
    _require(args, name_required=True)
    cluster = podidentity.delete(_clients(args), args.resource_group, args.cluster_name, args.namespace, args.name)
    return az_json(cluster)


def _listed(args: argparse.Namespace) -> dict[str, Any]:
    """aks-preview lists pod identities and exceptions as the whole cluster; only its table shows them alone."""
    return remove_nulls(az_json(podidentity.get_cluster(_clients(args), args.resource_group, args.cluster_name)))


def pod_identity_list(args: argparse.Namespace) -> Result:
    return Result(_listed(args), table=_tables.pod_identities)


def exception_list(args: argparse.Namespace) -> Result:
    return Result(_listed(args), table=_tables.pod_identity_exceptions)


def exception_change(args: argparse.Namespace) -> Any:
    _require(args, name_required=True)
    labels = _labels(args.pod_labels) if args.verb != "delete" else None
    cluster = podidentity.change_exception(
        _clients(args), args.resource_group, args.cluster_name, args.namespace, args.name, labels, args.verb
    )
    return az_json(cluster)
