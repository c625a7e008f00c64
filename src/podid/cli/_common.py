"""What every command shares: the result type, CLI-level errors, the sandbox data dir and the target.

Kept light on purpose: the SDKs are imported only by the commands that use them, so `podid sandbox …`
starts quickly.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from podid.cli._output import TableTransformer
    from podid.provision.target import Target

DATA_DIR_ENV = "PODID_DATA_DIR"
TARGET_ENV = "PODID_TARGET"
# the one command that starts a sandbox when none runs; the others read or change what exists
STARTS_SANDBOX = ("up",)


def warning(message: str) -> None:
    """``WARNING: …`` on stderr, as az's logger.warning: --only-show-errors silences it."""
    logging.getLogger("podid.cli").warning(message)


class CliError(Exception):
    """A user-facing failure that is not an Azure or Kubernetes error (e.g. aks-preview's client-side checks)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Result:
    """What a command produced: data for ``-o``, and optionally its own rich rendering for the default output."""

    data: Any
    show: Callable[[Console], None] | None = None
    exit_code: int = 0
    table: TableTransformer | None = None


def data_dir(args: argparse.Namespace) -> Path:
    chosen = getattr(args, "data_dir", None) or os.environ.get(DATA_DIR_ENV)
    if not chosen:
        from podid.sandbox import default_data_dir  # the sandbox package is heavy: only when needed

        chosen = default_data_dir()
    return Path(chosen).expanduser().resolve()


def target_name(args: argparse.Namespace) -> str:
    return str(getattr(args, "target", None) or os.environ.get(TARGET_ENV) or "sandbox")


def target(args: argparse.Namespace, name: str | None = None) -> Target:
    """Where the command acts. Targets never cross: Azure never starts a sandbox, and refuses an environment that
    points at one unless the sandbox's proxy carries every request to Azure's hosts (then it says so); the sandbox
    is started by ``up`` alone."""
    from podid.cli import _sandbox
    from podid.provision.target import azure_target, sandbox_target

    if (name or target_name(args)) == "azure":
        sandboxes = _known_sandboxes(args)
        _say_if_proxied(sandboxes)
        return azure_target(getattr(args, "subscription", None), sandboxes)
    directory = data_dir(args)
    if getattr(args, "command", None) in STARTS_SANDBOX:
        _sandbox.ensure_running(args)
    else:
        _sandbox.require_running(directory)
    return sandbox_target(directory)


def _say_if_proxied(sandboxes: list[dict[str, Any]]) -> None:
    """Azure through the sandbox's proxy is allowed, and said: every request goes to the sandbox, not to Azure."""
    from podid.provision.target import proxied_sandbox

    proxied = proxied_sandbox(os.environ, sandboxes)
    if proxied is not None:
        warning(
            f"--target azure: requests go to the podid sandbox through its proxy {proxied['proxy_url']} "
            f"(data dir {proxied['data_dir']}): Azure's hostnames and the sandbox's CA, not Azure"
        )


def _known_sandboxes(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The endpoints.json of the sandboxes this user may have pointed the environment at (read, never started)."""
    from podid.cli._sandbox import read_endpoints

    directories = {data_dir(args)}
    if os.environ.get(DATA_DIR_ENV):
        directories.add(Path(os.environ[DATA_DIR_ENV]).expanduser().resolve())
    return [found for directory in directories if (found := read_endpoints(directory)) is not None]
