"""Every ``podid`` command's arguments, in one table-like place; handlers are imported only when run.

Global arguments (``-o/--output``, ``--query``, ``--debug``, ``--verbose``, ``--only-show-errors``) are accepted
before or after any command, as in az; each command's help ends with examples, as az's does.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from podid.cli._output import FORMATS, QueryError, apply_query

EXIT_USAGE = 2
Examples = Sequence[tuple[str, str]]  # (what it does, the command line)


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


def command(verbs: Any, name: str, text: str, examples: Examples, parents: Sequence[Any] = ()) -> Any:
    """A command with az's help layout: its summary, its arguments, then its examples."""
    lines = ["Examples"]
    for title, line in examples:
        lines += [f"    {title}", f"        {line}", ""]
    return verbs.add_parser(
        name,
        parents=list(parents),
        help=text,
        description=text,
        epilog="\n".join(lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def logging_options() -> argparse.ArgumentParser:
    """az's logging flags (knack/log.py), for every command."""
    parent, group = _parent("Global Arguments")
    group.add_argument("--debug", action="store_true", help="Increase logging verbosity to show all debug logs.")
    group.add_argument("--only-show-errors", action="store_true", help="Only show errors, suppressing warnings.")
    group.add_argument(
        "--verbose", action="store_true", help="Increase logging verbosity. Use --debug for full debug logs."
    )
    return parent


def output_options() -> argparse.ArgumentParser:
    """az's global arguments (knack/output.py, knack/query.py): logging, -o and --query."""
    parent = argparse.ArgumentParser(add_help=False, parents=[logging_options()])
    group = parent._action_groups[-1]  # the parent's "Global Arguments", so one group shows in --help
    group.add_argument(
        "--output",
        "-o",
        choices=FORMATS,
        type=str.lower,
        help="Output format (default: the command's own view, or json when --query is given).",
    )
    group.add_argument(
        "--query",
        type=jmespath_type,
        help="JMESPath query string. See http://jmespath.org/ for more information and examples.",
    )
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
    verbs = commands.add_parser(
        "sandbox", help="Run the local Azure + AKS sandbox.", description="Run the local Azure + AKS sandbox."
    ).add_subparsers(dest="verb", required=True, metavar="{start,stop,status,env}")
    where, group = _parent("Sandbox Arguments")
    group.add_argument("--data-dir", type=Path, help="Where the sandbox keeps its state (default: PODID_DATA_DIR).")
    parents = [output_options(), where]
    start = command(
        verbs,
        "start",
        "Start the sandbox (in the background).",
        [
            ("Start the sandbox on its last ports.", "podid sandbox start"),
            ("Start it with reproducible ids, on any free ports.", "podid sandbox start --seed 1 --arm-port 0"),
        ],
        parents,
    )
    start.add_argument("--foreground", action="store_true", help="Run in this process until SIGTERM or Ctrl-C.")
    start.add_argument("--host", help="The address its servers listen on.")
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
    stop = command(verbs, "stop", "Stop the sandbox.", [("Stop the sandbox.", "podid sandbox stop")], parents)
    stop.set_defaults(func=handler("_sandbox:cmd_stop"))
    status = command(
        verbs,
        "status",
        "Show its ids and endpoints.",
        [
            ("Show the sandbox's ids and endpoints.", "podid sandbox status"),
            ("The sandbox's subscription id, for a script.", "podid sandbox status --query subscriptionId -o tsv"),
        ],
        parents,
    )
    status.set_defaults(func=handler("_sandbox:cmd_status"))
    env = command(
        verbs,
        "env",
        'Shell exports: eval "$(podid sandbox env)".',
        [
            ("Point this shell's az, kubectl and SDKs at the sandbox.", 'eval "$(podid sandbox env)"'),
            ("Reach it by Azure's own hostnames, through its proxy.", 'eval "$(podid sandbox env --proxy)"'),
        ],
        [logging_options(), where],
    )
    env.add_argument("--no-az", action="store_true", help="Do not register the sandbox cloud with the Azure CLI.")
    env.add_argument("--proxy", action="store_true", help="Reach the sandbox by Azure's own hostnames (its proxy).")
    env.set_defaults(func=handler("_sandbox:cmd_env"))


PROVISION_EXAMPLES: dict[str, Examples] = {
    "up": [
        ("Provision the tutorial's system on the sandbox (started if needed).", "podid up"),
        ("On Azure, in a resource group of your own.", "podid up --target azure -g my-group --cluster-name my-aks"),
        ("One row per part and per check.", "podid up -o table"),
    ],
    "plan": [
        ("Show what `podid up` would change.", "podid plan"),
        ("The number of changes, for a script.", "podid plan --query changes -o tsv"),
    ],
    "status": [
        ("Show whether each part is in sync.", "podid status -o table"),
        ("The parts that are not.", 'podid status --query "steps[?!inSync].step"'),
    ],
    "down": [
        ("Remove what `podid up` created, without asking.", "podid down --yes"),
    ],
    "verify": [
        ("Check least privilege by acting.", "podid verify"),
        ("Only the failed checks.", 'podid verify --query "findings[?!ok]" -o table'),
    ],
    "migrate": [
        ("Move external-dns to workload identity.", "podid migrate --to workload-identity"),
    ],
}


def _provision(commands: Any) -> None:
    parents = [output_options(), target_options(), settings_options()]
    for name, text in (
        ("up", "Provision the tutorial's system (idempotent), show it and verify it."),
        ("plan", "Show what `up` would change; change nothing."),
        ("status", "Show whether each part is as `up` leaves it."),
        ("down", "Remove what `up` created (it shows what it removes and keeps, and asks first)."),
        ("verify", "Check least privilege by acting: which pods and identities can change DNS."),
    ):
        parser = command(commands, name, text, PROVISION_EXAMPLES[name], parents)
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
    migrate = command(commands, "migrate", text, PROVISION_EXAMPLES["migrate"], parents)
    migrate.add_argument("--to", required=True, choices=("workload-identity",), help="The identity mode to move to.")
    migrate.set_defaults(func=handler("_provision:cmd_migrate"))


GROUP_NAME = "Name of resource group."
CLUSTER = "Name of the managed cluster."
SCOPE = (
    "Scope at which the role assignment applies to, e.g. /subscriptions/<id>, "
    "/subscriptions/<id>/resourceGroups/<group> or a resource id."
)
TAGS = "Space-separated tags: key[=value] [key[=value] ...]."


def _group(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser(
        "group", help="Manage resource groups.", description="Manage resource groups."
    ).add_subparsers(dest="verb", required=True)
    for verb, text, example in (
        (
            "create",
            "Create a new resource group.",
            ("Create a resource group in West US 2.", "-n dgraph-test -l westus2"),
        ),
        ("show", "Gets a resource group.", ("Show a resource group's location.", "-n dgraph-test --query location")),
        ("delete", "Delete a resource group.", ("Delete a resource group, without asking.", "-n dgraph-test --yes")),
    ):
        parser = command(group, verb, text, [(example[0], f"podid group {verb} {example[1]}")], parents)
        parser.add_argument(
            "--name", "-n", "--resource-group", "-g", dest="name", required=True, help="Name of the resource group."
        )
        parser.set_defaults(func=handler(f"_resources:group_{verb}"))
        if verb == "create":
            parser.add_argument("--location", "-l", required=True, help="Location, e.g. westus2.")
            parser.add_argument("--tags", nargs="*", help=TAGS)
        if verb == "delete":
            parser.add_argument("--yes", "-y", action="store_true", help="Do not prompt for confirmation.")
            parser.add_argument(
                "--no-wait", action="store_true", help="Do not wait for the long-running operation to finish."
            )


def _identity(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    identity = commands.add_parser(
        "identity", help="Manage Managed Identities.", description="Manage Managed Identities."
    ).add_subparsers(dest="verb", required=True)
    for verb, text, example in (
        ("create", "Create an identity.", "Create an identity in its group's location."),
        ("show", "Show an identity.", "The identity's client id, for a script."),
    ):
        line = f"podid identity {verb} -g dgraph-test -n external-dns" + (" --query clientId -o tsv" * (verb == "show"))
        parser = command(identity, verb, text, [(example, line)], parents)
        parser.add_argument("--resource-group", "-g", required=True, help=GROUP_NAME)
        parser.add_argument("--name", "-n", required=True, help="Identity resource name.")
        parser.set_defaults(func=handler(f"_resources:identity_{verb}"))
        if verb == "create":
            parser.add_argument("--location", "-l", help="Location (default: the resource group's).")
            parser.add_argument("--tags", nargs="*", help=TAGS)


def _role(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    role = commands.add_parser(
        "role", help="Manage Azure role-based access control (Azure RBAC).", description="Azure RBAC."
    ).add_subparsers(dest="noun", required=True)
    verbs = role.add_parser(
        "assignment", help="Manage role assignments.", description="Manage role assignments."
    ).add_subparsers(dest="verb", required=True)
    create = command(
        verbs,
        "create",
        "Create a new role assignment for a user, group, or service principal.",
        [
            (
                "Let an identity manage a DNS zone's records.",
                'podid role assignment create --role "DNS Zone Contributor" --assignee <client-id> --scope <zone-id>',
            )
        ],
        parents,
    )
    create.add_argument("--role", required=True, help="Role name or id.")
    create.add_argument("--assignee", help="A service principal's object id, app id or name.")
    create.add_argument(
        "--assignee-object-id", help="Use this instead of --assignee to bypass Microsoft Graph: an object id."
    )
    create.add_argument(
        "--assignee-principal-type",
        choices=["User", "Group", "ServicePrincipal", "ForeignGroup"],
        help="Use with --assignee-object-id to avoid errors caused by propagation latency in Microsoft Graph.",
    )
    create.add_argument("--scope", help=SCOPE)
    create.set_defaults(func=handler("_resources:role_assignment_create"))
    listing = command(
        verbs,
        "list",
        "List role assignments.",
        [
            (
                "Everything assigned to an identity, as a table.",
                "podid role assignment list --assignee <id> --all -o table",
            )
        ],
        parents,
    )
    listing.add_argument("--assignee", help="A service principal's object id, app id or name.")
    listing.add_argument("--role", help="Role name or id.")
    listing.add_argument("--scope", help=SCOPE)
    listing.add_argument("--resource-group", "-g", help=GROUP_NAME)
    listing.add_argument("--all", action="store_true", help="Show all assignments under the current subscription.")
    listing.add_argument("--include-inherited", action="store_true", help="Include assignments on parent scopes.")
    listing.set_defaults(func=handler("_resources:role_assignment_list"))


def _cluster(parser: argparse.ArgumentParser, name: str = "--cluster-name") -> argparse.ArgumentParser:
    parser.add_argument("--resource-group", "-g", required=True, help=GROUP_NAME)
    if name == "--name":
        parser.add_argument("--name", "-n", required=True, help=CLUSTER)
    else:
        parser.add_argument(name, required=True, help="The cluster name.")
    return parser


def _aks_cluster(aks: Any, parents: list[argparse.ArgumentParser]) -> None:
    show = command(
        aks,
        "show",
        "Show the details for a managed Kubernetes cluster.",
        [("Show a cluster's summary.", "podid aks show -g dgraph-test -n dgraph-test -o table")],
        parents,
    )
    _cluster(show, "--name").set_defaults(func=handler("_aks:show"))
    update = command(
        aks,
        "update",
        "Update a managed Kubernetes cluster.",
        [("Enable the pod identity add-on.", "podid aks update -g dgraph-test -n dgraph-test --enable-pod-identity")],
        parents,
    )
    _cluster(update, "--name")
    for flag, text in (
        ("--enable-pod-identity", "(PREVIEW) Enable pod identity addon."),
        ("--enable-pod-identity-with-kubenet", "(PREVIEW) Enable pod identity addon for a cluster using kubenet."),
        ("--disable-pod-identity", "(PREVIEW) Disable pod identity addon."),
    ):
        update.add_argument(flag, action="store_true", help=text)
    update.set_defaults(func=handler("_aks:update"))


POD_IDENTITY = "-g dgraph-test --cluster-name dgraph-test --namespace default"


def _pod_identity(verbs: Any, parents: list[argparse.ArgumentParser]) -> None:
    for verb, text, example in (
        (
            "add",
            "Add a pod identity to a managed Kubernetes cluster.",
            "--name external-dns --identity-resource-id <id>",
        ),
        ("delete", "Remove a pod identity from a managed Kubernetes cluster.", "--name external-dns"),
    ):
        line = f"podid aks pod-identity {verb} {POD_IDENTITY} {example}"
        parser = _cluster(command(verbs, verb, text, [(text, line)], parents))
        parser.add_argument("--namespace", help="The pod identity namespace.")
        parser.add_argument(
            "--name", help="The pod identity name." + (" Generated if not specified." if verb == "add" else "")
        )
        if verb == "add":
            parser.add_argument("--identity-resource-id", required=True, help="Resource id of the identity to use.")
            parser.add_argument("--binding-selector", help="Optional binding selector to use.")
        parser.set_defaults(func=handler(f"_aks:pod_identity_{verb}"))
    listing = command(
        verbs,
        "list",
        "List pod identities in a managed Kubernetes cluster.",
        [
            (
                "The pod identities, as a table.",
                "podid aks pod-identity list -g dgraph-test --cluster-name dgraph-test -o table",
            )
        ],
        parents,
    )
    _cluster(listing).set_defaults(func=handler("_aks:pod_identity_list"))


def _pod_identity_exception(verbs: Any, parents: list[argparse.ArgumentParser]) -> None:
    exception = verbs.add_parser(
        "exception", help="Manage pod identity exceptions.", description="Manage pod identity exceptions."
    ).add_subparsers(dest="verb", required=True)
    for verb in ("add", "update", "delete"):
        text = f"{verb.capitalize()} a pod identity exception in a managed Kubernetes cluster."
        line = f"podid aks pod-identity exception {verb} {POD_IDENTITY} --name mic" + (
            " --pod-labels app=mic" * (verb != "delete")
        )
        parser = _cluster(command(exception, verb, text, [(text, line)], parents))
        parser.add_argument("--namespace", help="The pod identity exception namespace.")
        parser.add_argument("--name", help="The pod identity exception name.")
        if verb != "delete":
            parser.add_argument(
                "--pod-labels", nargs="*", required=True, help="Space-separated labels: key=value [key=value ...]."
            )
        parser.set_defaults(func=handler("_aks:exception_change"))
    listing = command(
        exception,
        "list",
        "List pod identity exceptions in a managed Kubernetes cluster.",
        [
            (
                "The exceptions, as a table.",
                "podid aks pod-identity exception list -g dgraph-test --cluster-name dgraph-test -o table",
            )
        ],
        parents,
    )
    _cluster(listing).set_defaults(func=handler("_aks:exception_list"))


def _aks(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    aks = commands.add_parser(
        "aks", help="Manage Azure Kubernetes Services.", description="Manage Azure Kubernetes Services."
    ).add_subparsers(dest="verb", required=True)
    _aks_cluster(aks, parents)
    pod = aks.add_parser(
        "pod-identity", help="(PREVIEW) Pod-managed identities (aks-preview).", description="Pod-managed identities."
    )
    verbs = pod.add_subparsers(dest="pod_verb", required=True)
    _pod_identity(verbs, parents)
    _pod_identity_exception(verbs, parents)


SHELLS = ("bash", "zsh", "fish", "tcsh", "powershell")


def completion_script(args: argparse.Namespace) -> None:
    """argcomplete's shell code: the shell calls ``podid`` back with _ARGCOMPLETE set (see _main)."""
    from argcomplete.shell_integration import shellcode

    sys.stdout.write(shellcode(["podid"], shell=args.shell))


def _completion(commands: Any) -> None:
    parser = command(
        commands,
        "completion",
        "Print the shell code that completes podid's commands and arguments.",
        [
            ("Complete podid in this bash.", 'eval "$(podid completion bash)"'),
            ("In every zsh.", "podid completion zsh >> ~/.zshrc"),
        ],
        [logging_options()],
    )
    parser.add_argument("shell", choices=SHELLS, nargs="?", default="bash", help="The shell (default: bash).")
    parser.set_defaults(func=handler("_parsers:completion_script"))


class _Version(argparse.Action):
    """``podid --version``: like ``az --version``, the tool's version and Python's, then exit 0."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import version

        sys.stdout.write(f"podid {version('podid')}\n\nPython ({sys.platform}) {sys.version}\n")
        parser.exit(0)


GLOBAL_FLAGS = frozenset({"--debug", "--verbose", "--only-show-errors"})
GLOBAL_OPTIONS = frozenset({"--output", "-o", "--query"})  # each takes a value


def globals_last(argv: Sequence[str]) -> list[str]:
    """``podid --debug sandbox status`` as ``podid sandbox status --debug``: az takes its global arguments before
    the command too, and argparse knows them only on each command's parser."""
    leading: list[str] = []
    rest = list(argv)
    while rest:
        flag, _, value = rest[0].partition("=")
        if flag in GLOBAL_FLAGS and not value:
            leading.append(rest.pop(0))
        elif flag in GLOBAL_OPTIONS and (value or len(rest) > 1):
            leading += [rest.pop(0)] if value else [rest.pop(0), rest.pop(0)]
        else:
            break
    return [*rest, *leading]


def build() -> argparse.ArgumentParser:
    parser = Parser(
        prog="podid",
        description="Least-privilege DNS automation on AKS with pod-managed identity, and a local Azure + AKS sandbox.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="Show the version of podid and Python.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="<command>", parser_class=Parser)
    _sandbox(commands)
    _provision(commands)
    az_parents = [output_options(), target_options()]
    _group(commands, az_parents)
    _identity(commands, az_parents)
    _role(commands, az_parents)
    _aks(commands, az_parents)
    _completion(commands)
    return parser
