"""``podid``: parse, run one command, print its result, and turn any failure into one line and an exit code.

Exit codes follow the Azure CLI: 0 success, 1 error, 2 bad arguments or settings, 3 resource not found.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from podid.cli import _logging, _output, _parsers
from podid.cli._common import CliError, Result
from podid.config import SettingsError

EXIT_ERROR, EXIT_NOT_FOUND, EXIT_INTERRUPTED = 1, 3, 130
# what an interrupted command leaves: every step is idempotent, so running it again finishes the work
INTERRUPTED = {
    "up": "interrupted: the steps reported above are done, the one under way may be half-done; "
    "`podid plan` shows what is left and `podid up` again finishes",
    "down": "interrupted: the parts reported above are removed; run `podid down` again to remove the rest",
    "migrate": "interrupted: run `podid migrate` again to finish the move",
}


def _print(result: Result, args: argparse.Namespace) -> None:
    """A command's own rendering when no -o or --query is given; otherwise az's: json unless -o says."""
    output, query = getattr(args, "output", None), getattr(args, "query", None)
    if output is None and query is None and result.show is not None:
        from rich.console import Console

        result.show(Console(highlight=False, soft_wrap=True))
        return
    text = _output.render(
        result.data,
        output or "json",
        query,
        color=sys.stdout.isatty(),
        table_transformer=result.table,
    )
    _output.write(sys.stdout, text)


def _fail(message: str, code: int, args: argparse.Namespace | None, error: BaseException) -> int:
    if args is not None and getattr(args, "debug", False):
        traceback.print_exception(error)
    one_line = " ".join(message.split())  # aks-preview's messages carry newlines
    _output.write(sys.stderr, f"ERROR: {one_line}\n")
    return code


def _client_failure(error: Exception, args: argparse.Namespace | None) -> int:
    """An Azure or Kubernetes failure, translated once; anything else is a bug and keeps its traceback."""
    from podid.provision.errors import TRANSLATABLE, NotFound, translate

    if not isinstance(error, TRANSLATABLE):
        raise error
    failure = translate(error)
    return _fail(str(failure), EXIT_NOT_FOUND if isinstance(failure, NotFound) else EXIT_ERROR, args, error)


def _interrupted(args: argparse.Namespace | None) -> int:
    command = getattr(args, "command", None)
    _output.write(sys.stderr, f"\n{INTERRUPTED.get(str(command), 'interrupted')}\n")
    return EXIT_INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    outcome: Any = args.func(args)
    if outcome is None:
        return 0
    result = outcome if isinstance(outcome, Result) else Result(outcome)
    _print(result, args)
    return result.exit_code


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _parsers.build()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (argcomplete's protocol), then we exit
        import argcomplete

        argcomplete.autocomplete(parser)
    return parser.parse_args(_parsers.globals_last(sys.argv[1:] if argv is None else argv))


def main(argv: Sequence[str] | None = None) -> int:
    args: argparse.Namespace | None = None
    try:
        args = _parse(argv)
        _logging.configure(args)
        return _run(args)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2, already printed)
        return exit_.code if isinstance(exit_.code, int) else _parsers.EXIT_USAGE
    except KeyboardInterrupt:
        return _interrupted(args)
    except (SettingsError, _output.QueryError) as error:
        return _fail(str(error), _parsers.EXIT_USAGE, args, error)
    except CliError as error:
        return _fail(str(error), error.exit_code, args, error)
    except OSError as error:
        return _fail(str(error), EXIT_ERROR, args, error)
    except Exception as error:
        return _client_failure(error, args)
