"""``podid``: parse, run one command, print its result, and turn any failure into one line and an exit code.

Exit codes follow the Azure CLI: 0 success, 1 error, 2 bad arguments, 3 resource not found.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from rich.console import Console

from podid.cli import _output, _sandbox
from podid.cli._common import CliError, Result
from podid.config import SettingsError
from podid.provision.errors import TRANSLATABLE, NotFound, ProvisionError, translate

EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND = 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors print one az-style line instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"ERROR: {self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="podid",
        description="Least-privilege DNS automation on AKS with pod-managed identity, and a local Azure + AKS sandbox.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="<command>", parser_class=_Parser)
    for module in (_sandbox,):
        module.register(commands)
    return parser


def _print(result: Result, args: argparse.Namespace) -> None:
    output = getattr(args, "output", None)
    if output is None and result.show is not None:
        result.show(Console(highlight=False, soft_wrap=True))
        return
    text = _output.render(
        result.data,
        output or "json",
        getattr(args, "query", None),
        color=sys.stdout.isatty(),
        table_transformer=result.table,
    )
    _output.write(sys.stdout, text)


def _fail(message: str, code: int, args: argparse.Namespace | None, error: BaseException) -> int:
    if args is not None and getattr(args, "debug", False):
        traceback.print_exception(error)
    _output.write(sys.stderr, f"ERROR: {message}\n")
    return code


def _run(args: argparse.Namespace) -> int:
    outcome: Any = args.func(args)
    if outcome is None:
        return 0
    result = outcome if isinstance(outcome, Result) else Result(outcome)
    _print(result, args)
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    args: argparse.Namespace | None = None
    try:
        args = build_parser().parse_args(argv)
        return _run(args)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2, already printed)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except (SettingsError, _output.QueryError) as error:
        return _fail(str(error), EXIT_USAGE, args, error)
    except CliError as error:
        return _fail(str(error), error.exit_code, args, error)
    except TRANSLATABLE as error:
        failure: ProvisionError = translate(error)
        return _fail(str(failure), EXIT_NOT_FOUND if isinstance(failure, NotFound) else EXIT_ERROR, args, error)
    except OSError as error:
        return _fail(str(error), EXIT_ERROR, args, error)
