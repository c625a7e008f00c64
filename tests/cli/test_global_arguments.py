"""az's global arguments on podid's commands: --query in every -o format (json by default, tabulated after the
query with -o table), -o none, --only-show-errors, --verbose (the requests made), --debug (the HTTP exchanges,
secrets redacted), --version, the exit codes, shell completion, and a help text and examples for everything."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from azure.identity import ClientSecretCredential

from podid.cli import main
from podid.cli._logging import redact
from podid.cli._parsers import build
from podid.sandbox import Endpoints
from tests.cli.conftest import PodidRunner
from tests.cli.test_aks_commands import create_cluster

STATUS = ("sandbox", "status")


@pytest.mark.parametrize(
    ("output", "text"),
    [
        (None, '"{id}"\n'),
        ("json", '"{id}"\n'),
        ("jsonc", '"{id}"\n'),  # not a terminal: not coloured
        ("yaml", "{id}\n...\n"),
        ("yamlc", "{id}\n...\n"),
        ("tsv", "{id}\n"),
        ("table", "Result\n------------------------------------\n{id}\n"),
        ("none", ""),
    ],
)
def test_query_applies_whatever_the_output(
    podid: PodidRunner, endpoints: Endpoints, output: str | None, text: str
) -> None:
    chosen = () if output is None else ("-o", output)
    run = podid(*STATUS, "--query", "subscriptionId", *chosen)
    assert (run.code, run.out) == (0, text.format(id=endpoints.subscription_id))


def test_query_then_table_takes_the_querys_columns(podid: PodidRunner, endpoints: Endpoints) -> None:
    run = podid(*STATUS, "--query", "{Tenant:tenantId, Sub:subscriptionId}", "-o", "table")
    assert run.out.splitlines() == [
        f"{'Tenant':<36}  Sub",
        f"{'-' * 36}  {'-' * 36}",
        f"{endpoints.tenant_id}  {endpoints.subscription_id}",
    ]


def test_output_none_prints_nothing(podid: PodidRunner, unique: str) -> None:
    created = podid("group", "create", "-n", unique, "-l", "westus2", "-o", "none")
    assert (created.code, created.out) == (0, "")
    assert podid("group", "show", "-n", unique, "--query", "name", "-o", "tsv").out == f"{unique}\n"


def test_a_bad_query_is_a_usage_error(podid: PodidRunner) -> None:
    run = podid(*STATUS, "--query", "[?")
    assert run.code == 2
    assert "argument --query: invalid jmespath_type value: '[?'" in run.err


def test_only_show_errors_suppresses_warnings(podid: PodidRunner, endpoints: Endpoints) -> None:
    stranger = str(uuid.uuid4())  # no such principal in Graph: az assumes an object id and warns
    listing = (
        "role",
        "assignment",
        "list",
        "--assignee",
        stranger,
        "--scope",
        f"/subscriptions/{endpoints.subscription_id}",
    )
    warned = podid(*listing)
    assert warned.code == 0 and warned.json == []
    assert warned.err == f"WARNING: Assuming {stranger} as an object ID.\n"
    quiet = podid(*listing, "--only-show-errors")
    assert (quiet.code, quiet.json, quiet.err) == (0, [], "")


def test_only_show_errors_keeps_errors(podid: PodidRunner) -> None:
    run = podid("group", "show", "-n", "no-such-group", "--only-show-errors")
    assert run.code == 3
    assert run.err == "ERROR: (ResourceGroupNotFound) Resource group 'no-such-group' could not be found.\n"


def test_global_arguments_may_come_before_the_command(podid: PodidRunner, endpoints: Endpoints, unique: str) -> None:
    run = podid("--query", "subscriptionId", "-o", "tsv", *STATUS)
    assert (run.code, run.out) == (0, f"{endpoints.subscription_id}\n")
    verbose = podid("--verbose", "--output=none", "group", "create", "-n", unique, "-l", "westus2")
    assert verbose.code == 0 and verbose.out == "" and "INFO: PUT " in verbose.err


def test_verbose_names_each_request(podid: PodidRunner, endpoints: Endpoints, unique: str) -> None:
    run = podid("group", "create", "-n", unique, "-l", "westus2", "--verbose", "-o", "none")
    assert run.code == 0
    url = f"{endpoints.arm_url.rstrip('/')}/subscriptions/{endpoints.subscription_id}/resourcegroups/{unique}"
    assert f"INFO: PUT {url}?api-version=" in run.err
    assert "INFO: POST " in run.err and "/oauth2/v2.0/token" in run.err  # the credential's token request
    assert "Request headers" not in run.err  # the exchanges are --debug's


def test_verbose_names_the_kubernetes_requests_too(
    podid: PodidRunner, endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str, tmp_path: Path
) -> None:
    podid("group", "create", "-n", unique, "-l", "westus2", "-o", "none")
    cluster = create_cluster(endpoints, operator_credential, unique)
    settings = ("-g", unique, "--cluster-name", cluster, "--dns-domain", f"{unique}.internal")
    run = podid("plan", *settings, "--kubeconfig", str(tmp_path / "kubeconfig"), "--verbose", "-o", "none")
    assert run.code == 0, run.err
    assert re.search(r"^INFO: GET https://\S+/api/v1/namespaces/kube-addons 404$", run.err, re.MULTILINE), run.err


def test_without_verbose_nothing_is_logged(podid: PodidRunner, unique: str) -> None:
    run = podid("group", "create", "-n", unique, "-l", "westus2", "-o", "none")
    assert (run.code, run.err) == (0, "")


def test_debug_shows_the_http_exchanges_without_secrets(podid: PodidRunner, endpoints: Endpoints, unique: str) -> None:
    run = podid("group", "create", "-n", unique, "-l", "westus2", "--debug", "-o", "none")
    assert run.code == 0
    assert "Request method: 'PUT'" in run.err and '{"location": "westus2"}' in run.err
    assert "Response status: 201" in run.err or "Response status: 200" in run.err
    assert "'Authorization': 'REDACTED'" in run.err
    assert "'client_secret': 'REDACTED'" in run.err  # the token request's form
    assert '"access_token": "REDACTED"' in run.err  # the token response
    assert endpoints.operator.client_secret not in run.err
    assert "Bearer ey" not in run.err and "eyJ" not in run.err  # no token, in a header or a body


def test_version(podid: PodidRunner) -> None:
    from importlib.metadata import version

    run = podid("--version")
    assert run.code == 0
    assert run.out.startswith(f"podid {version('podid')}\n\nPython ")


def test_exit_codes(podid: PodidRunner) -> None:
    assert podid(*STATUS, "-o", "none").code == 0
    assert podid("group", "show", "-n", "no-such-group").code == 3  # az: ResourceNotFoundError
    assert podid("group", "show").code == 2  # a required argument is missing
    assert podid(*STATUS, "-o", "xml").code == 2
    no_tty = podid("group", "delete", "-n", "no-such-group")  # cannot ask for confirmation
    assert (no_tty.code, no_tty.err) == (
        1,
        "ERROR: Unable to prompt for confirmation as no tty available. Use --yes.\n",
    )


def _leaves(parser: argparse.ArgumentParser, path: str = "podid") -> list[tuple[str, argparse.ArgumentParser]]:
    subparsers = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subparsers:
        return [(path, parser)]
    return [leaf for name, sub in subparsers[0].choices.items() for leaf in _leaves(sub, f"{path} {name}")]


def test_every_command_and_argument_has_help_and_examples() -> None:
    leaves = _leaves(build())
    assert len(leaves) > 25
    for path, parser in leaves:
        assert parser.description, path
        assert parser.epilog and parser.epilog.startswith("Examples\n    "), path
        assert "podid" in parser.epilog, path
        for action in parser._actions:
            assert action.help, f"{path} {action.option_strings or action.dest}"
        options = {option for action in parser._actions for option in action.option_strings}
        assert {"--debug", "--verbose", "--only-show-errors"} <= options, path


def test_az_commands_take_every_global_argument() -> None:
    for path, parser in _leaves(build()):
        options = {option for action in parser._actions for option in action.option_strings}
        if path.split()[1] in ("group", "identity", "role", "aks", "up", "plan", "status", "verify", "down"):
            assert {"--output", "-o", "--query"} <= options, path


def test_completion_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert "complete " in script and " podid" in script and "_ARGCOMPLETE=1" in script


def test_completion_completes_commands(tmp_path: Path) -> None:
    """The shell's side of argcomplete's protocol: the line in COMP_LINE, the candidates back in a file."""
    line = "podid aks pod-identity l"
    answer = tmp_path / "candidates"
    environment = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "COMP_TYPE": "9",
    }
    subprocess.run([sys.executable, "-m", "podid.cli"], env=environment, timeout=60, check=False)
    assert answer.read_text().split() == ["list"]


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        ("    'Authorization': 'Bearer eyJ0eXAi.eyJhdWQi.c2ln'", "    'Authorization': 'REDACTED'"),
        ("client_id=a&client_secret=x%2By~z&scope=s", "client_id=a&client_secret=REDACTED&scope=s"),
        ('{"token_type": "Bearer", "access_token": "abc.def"}', '{"token_type": "Bearer", "access_token": "REDACTED"}'),
        ("token eyJ0eXAi.eyJhdWQi.c2ln in a message", "token REDACTED in a message"),
        (
            """response body: b'{"kind":"Secret","data":{"azure.json":"e30="},"type":"Opaque"}'""",
            """response body: b'{"kind":"Secret","data":"REDACTED","type":"Opaque"}'""",
        ),
        ('{"kind": "ConfigMap", "data": {"a": "b"}}', '{"kind": "ConfigMap", "data": {"a": "b"}}'),
    ],
)
def test_debug_lines_are_redacted(line: str, redacted: str) -> None:
    assert redact(line) == redacted


def test_a_warning_goes_to_the_stderr_of_the_moment(podid: PodidRunner, capsys: pytest.CaptureFixture[str]) -> None:
    """Never to a stream a previous command had, closed since (a redirected stderr, a test's capture)."""
    replaced = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # as pytest's capture: flushing it once closed fails
    with contextlib.redirect_stderr(replaced):
        assert podid(*STATUS, "-o", "none").code == 0
        logging.getLogger("podid.cli").warning("first")
        replaced.flush()
        assert replaced.buffer.getvalue() == b"WARNING: first\n"  # type: ignore[attr-defined]
    replaced.close()
    logging.getLogger("podid.cli").warning("second")
    assert capsys.readouterr().err == "WARNING: second\n"
