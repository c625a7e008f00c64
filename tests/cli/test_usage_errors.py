"""Bad command lines fail before anything runs, with exit code 2 and one az-style line on stderr (never a
traceback): unknown commands, missing arguments, an invalid --query, an unknown output format."""

from __future__ import annotations

import pytest

from podid.cli import main


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nonsense"], "ERROR: podid: argument <command>: invalid choice: 'nonsense'"),
        (["group", "show"], "ERROR: podid group show: the following arguments are required: --name/-n"),
        (
            ["group", "show", "-n", "x", "--query", "[?"],
            "ERROR: podid group show: argument --query: invalid jmespath_type value: '[?'",
        ),
        (
            ["identity", "show", "-g", "g", "-n", "i", "-o", "xml"],
            "ERROR: podid identity show: argument --output/-o: invalid choice: 'xml'",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(arguments) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(message) and captured.err.count("\n") == 1


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aks", "pod-identity", "add", "--help"]) == 0
    assert "--identity-resource-id" in capsys.readouterr().out
