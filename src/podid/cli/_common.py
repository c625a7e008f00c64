"""What every command shares: output options, target options, the result type and CLI-level errors."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from podid.cli._output import FORMATS, TableTransformer
from podid.provision.target import Target, azure_target, sandbox_target

DATA_DIR_ENV = "PODID_DATA_DIR"


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


def output_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("Global Arguments")
    group.add_argument("--output", "-o", choices=FORMATS, type=str.lower, help="Output format")
    group.add_argument("--query", help="JMESPath query string. See http://jmespath.org/ for more information.")
    group.add_argument("--debug", action="store_true", help="Show tracebacks for errors.")
    return parent


def target_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("Target Arguments")
    group.add_argument("--target", choices=("sandbox", "azure"), help="Where to act (default: sandbox, or PODID_TARGET).")
    group.add_argument("--data-dir", type=Path, help=f"The sandbox's data directory (default: ${DATA_DIR_ENV} or the user data dir).")
    group.add_argument("--subscription", help="Azure subscription id (--target azure; default: AZURE_SUBSCRIPTION_ID).")
    return parent


def data_dir(args: argparse.Namespace) -> Path:
    from podid.sandbox import default_data_dir

    chosen = getattr(args, "data_dir", None) or os.environ.get(DATA_DIR_ENV) or default_data_dir()
    return Path(chosen).expanduser().resolve()


def target_name(args: argparse.Namespace) -> str:
    return str(getattr(args, "target", None) or os.environ.get("PODID_TARGET") or "sandbox")


def target(args: argparse.Namespace, name: str | None = None) -> Target:
    if (name or target_name(args)) == "azure":
        return azure_target(getattr(args, "subscription", None))
    return sandbox_target(data_dir(args))
