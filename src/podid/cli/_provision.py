"""``podid up | plan | status | verify | down``: the tutorial's system on the sandbox (default) or on Azure."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from podid import config, provision
from podid.cli import _tables
from podid.cli._common import CliError, Result, target, warning
from podid.cli._output import render
from podid.cli._progress import QuietProgress, StepProgress
from podid.provision import migrate, podidentity, report
from podid.provision.state import State
from podid.provision.step import StepReport
from podid.provision.steps._resource import current
from podid.verify import Verdict, modes, verify

RETIRED_WARNING = (
    "the AKS pod identity add-on is deprecated (aad-pod-identity was archived in 2023; the managed add-on "
    "was supported only through September 2025). Use Microsoft Entra Workload ID instead: "
    "https://learn.microsoft.com/azure/aks/workload-identity-overview"
)


def open_state(args: argparse.Namespace) -> State:
    flags = {name: getattr(args, name) for name in ("resource_group", "cluster_name", "location", "dns_domain")}
    flags["kubeconfig"] = args.kubeconfig
    flags["target"] = args.target
    settings = config.load(flags, config_file=args.config)
    if settings.target == "azure" and getattr(args, "mode", None) != "workload-identity":
        warning(RETIRED_WARNING)
    state = provision.start(settings, target(args, settings.target))
    state.adopt = bool(getattr(args, "adopt", False))
    state.overwrite_kubeconfig = bool(getattr(args, "overwrite_existing", False))
    return state


def ask(question: str) -> bool:
    """knack's prompt_y_n, as az asks: y or n, asked again otherwise; no TTY means it cannot ask (False)."""
    if not sys.stdin.isatty():
        return False
    while True:
        try:
            answer = input(f"{question} (y/n): ").strip().lower()
        except EOFError:
            return False
        if answer in ("y", "n"):
            return answer == "y"


def setup_mode(state: State, asked: str | None) -> str:
    """The identity mode the setup is in (the cluster says), which ``--mode`` may not contradict."""
    design = state.design
    cluster = current(lambda: state.clients.aks.managed_clusters.get(design.group, design.cluster))
    found = None
    if cluster is not None and (podidentity.enabled(cluster) or modes.workload_identity_enabled(cluster)):
        found = modes.detect(cluster, design.dns)
    if asked is None or found in (None, asked):
        return asked or found or "pod-identity"
    if asked == "workload-identity":
        raise CliError(f"the setup {design.setup} runs in {found} mode: run `podid migrate --to {asked}` to move it")
    raise CliError(
        f"the setup {design.setup} runs in {found} mode; podid does not move it back to {asked}: "
        f"`podid down`, then `podid up --mode {asked}`"
    )


def _progress(args: argparse.Namespace, details: bool = False) -> provision.Progress:
    return StepProgress(details=details) if args.output in (None, "table") else QuietProgress()


def _steps(reports: list[StepReport]) -> list[dict[str, Any]]:
    return [item.as_dict() for item in reports]


# terraform's words (hashicorp/terraform internal/command/jsonformat/plan.go)
NO_CHANGES = "No changes. Your infrastructure matches the configuration."
EXIT_CHANGES = 2  # terraform plan -detailed-exitcode: 0 nothing to do, 1 error, 2 changes


def plan_counts(reports: list[StepReport]) -> dict[str, int]:
    """terraform's counts: a replacement is one to add and one to destroy."""
    changes = [change for item in reports for change in item.changes]
    return {
        "add": sum(change.action == "create" or change.replaces for change in changes),
        "change": sum(change.action == "update" and not change.replaces for change in changes),
        "destroy": sum(change.action == "delete" or change.replaces for change in changes),
        "blocked": sum(bool(change.blocked) for change in changes),
    }


def show_plan(console: Console, counts: dict[str, int]) -> None:
    if not any(counts.values()):
        console.print(f"[bold green]{NO_CHANGES}[/]")
        return
    console.print(
        f"[bold]Plan:[/] {counts['add']} to add, {counts['change']} to change, {counts['destroy']} to destroy."
    )
    if counts["blocked"]:
        console.print(
            f"[bold red]Error:[/] {counts['blocked']} change(s) marked ! cannot be made; "
            "`podid up` refuses them before any write."
        )


def _plan_exit(counts: dict[str, int], detailed: bool) -> int:
    if counts["blocked"]:
        return 1  # `up` would fail: as a terraform plan that cannot be applied
    return EXIT_CHANGES if detailed and any(counts.values()) else 0


def cmd_plan(args: argparse.Namespace) -> Result:
    state = open_state(args)
    reports = provision.plan(state, _progress(args, details=True), setup_mode(state, args.mode))
    counts = plan_counts(reports)
    pending = sum(len(item.changes) for item in reports)
    data = {"changes": pending, **counts, "steps": _steps(reports)}
    exit_code = _plan_exit(counts, args.detailed_exitcode)
    return Result(data, lambda console: show_plan(console, counts), exit_code, table=_tables.steps)


NO_TTY = "Unable to prompt for confirmation as no tty available. Use --yes."  # az's user_confirmation


def cmd_down(args: argparse.Namespace) -> Result:
    """Like `az group delete`: what goes (and what stays) first, then a confirmation unless --yes."""
    state = open_state(args)
    asking = not args.yes and sys.stdin.isatty()  # the plan is shown to whoever is asked; else one line
    reports = provision.plan_down(state, _progress(args, details=True) if asking else QuietProgress())
    removed = sum(len(item.changes) for item in reports)
    if removed and not args.yes:
        if not asking:
            raise CliError(NO_TTY)
        if not ask("Are you sure you want to perform this operation?"):
            raise CliError("Operation cancelled.")
    if removed:
        reports = provision.down(reports, _progress(args))

    def show(console: Console) -> None:
        console.print(f"Removed {removed} part(s)." if removed else "Nothing to remove.")

    return Result({"steps": _steps(reports)}, show, table=_tables.steps)


def cmd_status(args: argparse.Namespace) -> Result:
    state = open_state(args)
    reports = provision.plan(state, QuietProgress(), setup_mode(state, args.mode))
    rows: list[dict[str, Any]] = [
        {"step": item.step, "inSync": not item.changes, "pending": [c.what for c in item.changes]} for item in reports
    ]
    cluster = state.cluster
    data: dict[str, Any] = {
        "target": state.clients.target.name,
        "steps": rows,
        "inSync": all(row["inSync"] for row in rows),
        "cluster": None
        if cluster is None
        else {
            "provisioningState": cluster.provisioning_state,
            "nodeResourceGroup": cluster.node_resource_group,
            "fqdn": cluster.fqdn,
            "podIdentityEnabled": bool(cluster.pod_identity_profile and cluster.pod_identity_profile.enabled),
        },
    }

    def show(console: Console) -> None:
        table = Table.grid(padding=(0, 2))
        for row in rows:
            state_text = "[green]in sync[/]" if row["inSync"] else f"[yellow]{len(row['pending'])} pending[/]"
            table.add_row(row["step"], state_text)
        console.print(table)

    return Result(data, show, exit_code=0 if data["inSync"] else 3, table=_tables.status)


def _report(state: State) -> dict[str, Any]:
    return {
        "podIdentityProfile": report.pod_identity_profile(state)["podIdentityProfile"],
        "roleAssignments": report.role_assignments(state),
        "dns": report.dns_answer(state),
    }


T = TypeVar("T")


def _in_background(work: Callable[[], T]) -> Future[T]:
    """``work`` on a daemon thread: Ctrl-C ends the command at once instead of waiting for it (an executor's
    worker would be waited for, when the ``with`` closes it and again at interpreter exit)."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as error:  # handed to whoever waits for the result
            future.set_exception(error)

    threading.Thread(target=run, name="up-report", daemon=True).start()
    return future


def _summary(state: State, reports: list[StepReport]) -> tuple[dict[str, Any], Verdict]:
    """The four parts `up` shows. The report (which waits for the hello name) and the probes overlap: both
    mostly wait, for pods and for the sandbox."""
    # probes write (pods, records, a zone): act when this run changed the system, so that a second `up`
    # writes nothing; otherwise the read-only checks stand and `podid verify` acts on demand
    changed = any(item.changes for item in reports)
    shown = _in_background(lambda: _report(state))
    verdict = verify(state, act=changed)
    data = {"steps": _steps(reports), **shown.result()}
    data["verification"] = {**verdict.as_dict(), "acted": changed}
    return data, verdict


def show_verdict(console: Console, verdict: Verdict) -> None:
    for finding in verdict.findings:
        style = "green" if finding.ok else "bold red"
        console.print(f"[{style}]{'PASS' if finding.ok else 'FAIL'}[/]  {finding.check}: {finding.message}")
    console.print(f"[{'green' if verdict.ok else 'bold red'}]{verdict.summary()}[/]")


def cmd_verify(args: argparse.Namespace) -> Result:
    verdict = verify(open_state(args))
    return Result(
        verdict.as_dict(),
        lambda console: show_verdict(console, verdict),
        exit_code=0 if verdict.ok else 1,
        table=_tables.verify,
    )


def show_summary(console: Console, data: dict[str, Any]) -> None:
    console.print("\n[bold]podIdentityProfile[/]")
    console.print(render({"podIdentityProfile": data["podIdentityProfile"]}, "json"), end="")
    console.print("\n[bold]Role assignments[/]")
    console.print(
        render(data["roleAssignments"], "table", query="[].{Principal:Principal, Role:Role, Scope:Scope}"), end=""
    )
    answer = data["dns"]
    console.print(
        f"\n[bold]DNS[/] {answer['name']} {answer['type']} {', '.join(answer['addresses'])} (from {answer['server']})"
    )


def cmd_up(args: argparse.Namespace) -> Result:
    state = open_state(args)
    state.confirm = ask
    reports = provision.up(state, _progress(args), setup_mode(state, args.mode))
    data, verdict = _summary(state, reports)

    def show(console: Console) -> None:
        show_summary(console, data)
        acted = data["verification"]["acted"]
        note = "" if acted else " [dim](nothing changed: read-only checks; `podid verify` acts)[/]"
        console.print(f"\n[bold]Verification[/]{note}")
        show_verdict(console, verdict)

    return Result(data, show, exit_code=0 if verdict.ok else 1, table=_tables.up)


def cmd_migrate(args: argparse.Namespace) -> Result:
    state = open_state(args)
    reports = migrate.to_workload_identity(state, _progress(args))

    def show(console: Console) -> None:
        console.print("external-dns now writes DNS through workload identity; its pod identity is removed.")

    return Result({"steps": _steps(reports)}, show, table=_tables.steps)
