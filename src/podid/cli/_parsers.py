"""Every ``podid`` command's arguments, in one table-like place; handlers are imported only when run.

Global arguments (``-o/--output``, ``--query``, ``--debug``) are accepted after any command, as in az.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any, NoReturn

from podid.cli._output import FORMATS, QueryError, apply_query

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one az-style line, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"ERROR: {self.prog}: {message}\n")


def handler(reference: str) -> Any:
    """``"module:function"`` under podid.cli, imported when the command runs."""
    module, function = reference.split(":")

    def run(args: argparse.Namespace) -> Any:
        return getattr(importlib.import_module(f"podid.cli.{module}"), function)(args)

    return run


def jmespath_type(query: str) -> str:
    """Checked when parsed, so a bad --query fails before anything runs (argparse names this function)."""
    try:
        apply_query({}, query)
    except QueryError as error:  # a ValueError: argparse says "invalid jmespath_type value: '…'", as az does
        raise ValueError(query) from error
    return query


def _parent(title: str) -> tuple[argparse.ArgumentParser, Any]:
    parent = argparse.ArgumentParser(add_help=False)
    return parent, parent.add_argument_group(title)


def output_options() -> argparse.ArgumentParser:
    parent, group = _parent("Global Arguments")
    group.add_argument("--output", "-o", choices=FORMATS, type=str.lower, help="Output format.")
    group.add_argument(
        "--query", type=jmespath_type, help="JMESPath query string. See http://jmespath.org/ for more information."
    )
    group.add_argument("--debug", action="store_true", help="Show tracebacks for errors.")
    return parent


def target_options() -> argparse.ArgumentParser:
    parent, group = _parent("Target Arguments")
    group.add_argument(
        "--target", choices=("sandbox", "azure"), help="Where to act (default: sandbox, or PODID_TARGET)."
    )
    group.add_argument("--data-dir", type=Path, help="The sandbox's data directory (default: PODID_DATA_DIR).")
    group.add_argument("--subscription", help="Azure subscription id (--target azure; default: AZURE_SUBSCRIPTION_ID).")
    return parent


def settings_options() -> argparse.ArgumentParser:
    parent, group = _parent("Settings (flags > env.sh variables > podid.toml > the tutorial's defaults)")
    group.add_argument("--resource-group", "-g", dest="resource_group", help="AZ_RESOURCE_GROUP (dgraph-test)")
    group.add_argument("--cluster-name", dest="cluster_name", help="AZ_CLUSTER_NAME (dgraph-test)")
    group.add_argument("--location", "-l", help="AZ_LOCATION (westus2)")
    group.add_argument("--dns-domain", dest="dns_domain", help="AZ_DNS_DOMAIN (example.internal)")
    group.add_argument("--kubeconfig", help="KUBECONFIG (~/.kube/<cluster>)")
    group.add_argument("--config", type=Path, help="a podid.toml (default: ./podid.toml if present)")
    return parent


def sandbox_ports(parser: argparse.ArgumentParser) -> None:
    """The sandbox's ports, for the commands that may start it (env PODID_ARM_PORT …; default: its last ones)."""
    for port in ("--arm-port", "--imds-port", "--dns-port", "--kube-port-base", "--proxy-port"):
        variable = "PODID_" + port[2:].replace("-", "_").upper()
        parser.add_argument(port, type=int, help=f"When the sandbox starts: 0 picks any free port ({variable}).")


def _sandbox(commands: Any) -> None:
    verbs = commands.add_parser("sandbox", help="Run the local Azure + AKS sandbox.").add_subparsers(
        dest="verb", required=True, metavar="{start,stop,status,env}"
    )
    where, group = _parent("Sandbox Arguments")
    group.add_argument("--data-dir", type=Path, help="Where the sandbox keeps its state (default: PODID_DATA_DIR).")
    parents = [output_options(), where]
    start = verbs.add_parser("start", parents=parents, help="Start the sandbox (in the background).")
    start.add_argument("--foreground", action="store_true", help="Run in this process until SIGTERM or Ctrl-C.")
    start.add_argument("--host")
    sandbox_ports(start)
    start.add_argument("--seed", type=int, help="Seed the GUID generator (reproducible ids).")
    start.add_argument("--dns-rate-limits", action="store_true", help="Enforce Azure DNS per-zone request limits.")
    start.add_argument("--nmi-wait", action="store_true", help="NMI waits as the real one before 'no identity'.")
    start.add_argument(
        "--nmi-mode",
        choices=["managed", "standard"],
        help="NMI as the AKS add-on runs it (managed, the default) or as aad-pod-identity installed by hand (MIC).",
    )
    start.add_argument("--nmi-retry-after", action="store_true", help="NMI answers 503 and Retry-After, not 404.")
    start.set_defaults(func=handler("_sandbox:cmd_start"))
    verbs.add_parser("stop", parents=parents, help="Stop the sandbox.").set_defaults(func=handler("_sandbox:cmd_stop"))
    status = verbs.add_parser("status", parents=parents, help="Show its ids and endpoints.")
    status.set_defaults(func=handler("_sandbox:cmd_status"))
    env = verbs.add_parser("env", parents=[where], help='Shell exports: eval "$(podid sandbox env)".')
    env.add_argument("--no-az", action="store_true", help="Do not register the sandbox cloud with the Azure CLI.")
    env.add_argument("--proxy", action="store_true", help="Reach the sandbox by Azure's own hostnames (its proxy).")
    env.set_defaults(func=handler("_sandbox:cmd_env"))


def _provision(commands: Any) -> None:
    parents = [output_options(), target_options(), settings_options()]
    for name, text in (
        ("up", "Provision the tutorial's system (idempotent), show it and verify it."),
        ("plan", "Show what `up` would change; change nothing."),
        ("status", "Show whether each part is as `up` leaves it."),
        ("down", "Remove what `up` created (it shows what it removes and keeps, and asks first)."),
        ("verify", "Check least privilege by acting: which pods and identities can change DNS."),
    ):
        parser = commands.add_parser(name, parents=parents, help=text, description=text)
        parser.set_defaults(func=handler(f"_provision:cmd_{name}"))
        if name in ("up", "plan", "status"):
            parser.add_argument(
                "--mode",
                choices=("pod-identity", "workload-identity"),
                help="How external-dns gets its identity (default: the mode the setup is in, else pod-identity).",
            )
        if name in ("up", "plan"):
            parser.add_argument(
                "--adopt", action="store_true", help="Tag the existing resources `up` reuses, so `down` removes them."
            )
        if name == "plan":
            parser.add_argument(
                "--detailed-exitcode",
                action="store_true",
                help="Exit 0 when up would change nothing, 1 on an error, 2 when it would change something.",
            )
        if name == "up":
            sandbox_ports(parser)
            parser.add_argument(
                "--overwrite-existing",
                action="store_true",
                help="Overwrite any existing cluster entry with the same name in the kubeconfig.",
            )
        if name == "down":
            parser.add_argument("--yes", "-y", action="store_true", help="Do not prompt for confirmation.")
    text = "Move a running pod identity setup to workload identity, with no moment external-dns cannot write."
    migrate = commands.add_parser("migrate", parents=parents, help=text, description=text)
    migrate.add_argument("--to", required=True, choices=("workload-identity",))
    migrate.set_defaults(func=handler("_provision:cmd_migrate"))


def _group_and_identity(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("group", help="Resource groups.").add_subparsers(dest="verb", required=True)
    for verb, text in (
        ("create", "Create a new resource group."),
        ("show", "Gets a resource group."),
        ("delete", "Delete a resource group."),
    ):
        parser = group.add_parser(verb, parents=parents, help=text)
        parser.add_argument("--name", "-n", "--resource-group", "-g", dest="name", required=True)
        parser.set_defaults(func=handler(f"_resources:group_{verb}"))
        if verb == "create":
            parser.add_argument("--location", "-l", required=True)
            parser.add_argument("--tags", nargs="*")
        if verb == "delete":
            parser.add_argument("--yes", "-y", action="store_true")
            parser.add_argument("--no-wait", action="store_true")
    identity = commands.add_parser("identity", help="Managed identities.").add_subparsers(dest="verb", required=True)
    for verb, text in (("create", "Create an identity."), ("show", "Show an identity.")):
        parser = identity.add_parser(verb, parents=parents, help=text)
        parser.add_argument("--resource-group", "-g", required=True)
        parser.add_argument("--name", "-n", required=True)
        parser.set_defaults(func=handler(f"_resources:identity_{verb}"))
        if verb == "create":
            parser.add_argument("--location", "-l")
            parser.add_argument("--tags", nargs="*")


def _role(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    role = commands.add_parser("role", help="Azure RBAC.").add_subparsers(dest="noun", required=True)
    verbs = role.add_parser("assignment", help="Role assignments.").add_subparsers(dest="verb", required=True)
    create = verbs.add_parser("create", parents=parents, help="Create a new role assignment.")
    create.add_argument("--role", required=True)
    create.add_argument("--assignee")
    create.add_argument("--assignee-object-id")
    create.add_argument("--assignee-principal-type", choices=["User", "Group", "ServicePrincipal", "ForeignGroup"])
    create.add_argument("--scope")
    create.set_defaults(func=handler("_resources:role_assignment_create"))
    listing = verbs.add_parser("list", parents=parents, help="List role assignments.")
    for option in ("--assignee", "--role", "--scope"):
        listing.add_argument(option)
    listing.add_argument("--resource-group", "-g")
    listing.add_argument("--all", action="store_true")
    listing.add_argument("--include-inherited", action="store_true")
    listing.set_defaults(func=handler("_resources:role_assignment_list"))


def _cluster(parser: argparse.ArgumentParser, name: str = "--cluster-name") -> argparse.ArgumentParser:
    parser.add_argument("--resource-group", "-g", required=True)
    if name == "--name":
        parser.add_argument("--name", "-n", required=True)
    else:
        parser.add_argument(name, required=True)
    return parser


def _aks(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    aks = commands.add_parser("aks", help="Azure Kubernetes Service.").add_subparsers(dest="verb", required=True)
    _cluster(aks.add_parser("show", parents=parents, help="Show a managed cluster."), "--name").set_defaults(
        func=handler("_aks:show")
    )
    update = _cluster(aks.add_parser("update", parents=parents, help="Update a managed cluster."), "--name")
    for flag in ("--enable-pod-identity", "--enable-pod-identity-with-kubenet", "--disable-pod-identity"):
        update.add_argument(flag, action="store_true")
    update.set_defaults(func=handler("_aks:update"))
    pod = aks.add_parser("pod-identity", help="Pod-managed identities (aks-preview).")
    verbs = pod.add_subparsers(dest="pod_verb", required=True)
    for verb, text in (("add", "Add a pod identity."), ("delete", "Remove a pod identity.")):
        parser = _cluster(verbs.add_parser(verb, parents=parents, help=text))
        parser.add_argument("--namespace")
        parser.add_argument("--name")
        if verb == "add":
            parser.add_argument("--identity-resource-id", required=True)
            parser.add_argument("--binding-selector")
        parser.set_defaults(func=handler(f"_aks:pod_identity_{verb}"))
    _cluster(verbs.add_parser("list", parents=parents, help="List pod identities.")).set_defaults(
        func=handler("_aks:pod_identity_list")
    )
    exception = verbs.add_parser("exception", help="Pod identity exceptions.").add_subparsers(
        dest="verb", required=True
    )
    for verb in ("add", "update", "delete"):
        parser = _cluster(
            exception.add_parser(verb, parents=parents, help=f"{verb.capitalize()} a pod identity exception.")
        )
        parser.add_argument("--namespace")
        parser.add_argument("--name")
        if verb != "delete":
            parser.add_argument("--pod-labels", nargs="*", required=True)
        parser.set_defaults(func=handler("_aks:exception_change"))
    listing = _cluster(exception.add_parser("list", parents=parents, help="List pod identity exceptions."))
    listing.set_defaults(func=handler("_aks:pod_identity_list"))


def build() -> argparse.ArgumentParser:
    parser = Parser(
        prog="podid",
        description="Least-privilege DNS automation on AKS with pod-managed identity, and a local Azure + AKS sandbox.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="<command>", parser_class=Parser)
    _sandbox(commands)
    _provision(commands)
    az_parents = [output_options(), target_options()]
    _group_and_identity(commands, az_parents)
    _role(commands, az_parents)
    _aks(commands, az_parents)
    return parser
