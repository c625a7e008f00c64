"""How verify judges what a one-request probe reported, and what the sandbox's python image runs (pure).

Covers: the kubelet write passes only on ARM's 403 AuthorizationFailed (shown as the action and scope), a 2xx is a
violation naming the record set, any other answer or a missing token fails; the mint probe passes only on Graph's
403 Authorization_RequestDenied; a token probe passes on NMI's 404 or 403 or a 400 (IMDS, Entra ID) and fails on a
token, any other status or an unsent request; the control probe passes on 401, 403 or a refused connection and
fails on 200; a log without a report fails; the python image runs podid's probe script and refuses any other
program; a target without a control surface (Azure) gets no control probe, one without an operator application no
mint probe.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from podid.verify.acts import Aims, judge
from podid.verify.cases import CONTROL_CHECK, MINT_CHECK, Probe, _beyond_dns
from podid.workloads import probe as probe_script
from podid.workloads.probe.main import main as python_image

ZONE = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/dnszones/example.internal"
AIMS = Aims(
    "https://arm/", f"{ZONE}/A/abc-kubelet.podid-verify", "https://graph/", "app-object", "https://arm/_sandbox/"
)
WRITE = Probe(
    "kubelet", "pod with the kubelet identity", "kube-system", {}, None, "", "example.internal", False, "write"
)
MINT = Probe("mint", MINT_CHECK, "kube-addons", {}, None, "", "example.internal", False, "mint")
TOKEN = Probe("unbound", "pod without the binding label", "kube-addons", {}, None, "", "example.internal", False,
              "token", "dns-client")  # fmt: skip
REACH = Probe("control", CONTROL_CHECK, "kube-addons", {}, None, "", "example.internal", False, "reach")
DENIED = (
    "The client 'c' with object id 'o' does not have authorization to perform action "
    f"'Microsoft.Network/dnsZones/A/write' over scope '{ZONE}/A/abc-kubelet.podid-verify' or the scope is invalid."
)


def log(**report: Any) -> str:
    return "some warning\n" + json.dumps(report) + "\n"


def reply(action: str, status: int, code: str = "", message: str = "", undone: bool = False) -> str:
    return log(action=action, status=status, code=code, message=message, undone=undone)


def test_the_kubelet_write_passes_only_on_authorization_failed() -> None:
    passed = judge(WRITE, reply("write", 403, "AuthorizationFailed", DENIED), AIMS)
    scope = f"{ZONE}/A/abc-kubelet.podid-verify"
    assert (
        passed.ok
        and passed.message == f"refused: 403 AuthorizationFailed: no 'Microsoft.Network/dnsZones/A/write' over {scope}"
    )
    wrote = judge(WRITE, reply("write", 201, undone=True), AIMS)
    assert not wrote.ok
    assert (
        wrote.message
        == "was NOT refused: it wrote the record set abc-kubelet.podid-verify in example.internal (removed again)"
    )
    other = judge(WRITE, reply("write", 404, "ResourceNotFound", "gone"), AIMS)
    assert not other.ok and other.message == "expected 403 AuthorizationFailed, got 404 ResourceNotFound: gone"
    no_token = judge(WRITE, log(action="token", error="400 invalid_request: Identity not found"), AIMS)
    assert (
        not no_token.ok
        and no_token.message == "could not act, it got no token: 400 invalid_request: Identity not found"
    )


def test_the_mint_probe_passes_only_on_authorization_request_denied() -> None:
    text = "Insufficient privileges to complete the operation."
    passed = judge(MINT, reply("mint", 403, "Authorization_RequestDenied", text), AIMS)
    assert passed.ok and passed.message == f"refused: 403 Authorization_RequestDenied: {text}"
    minted = judge(MINT, reply("mint", 200, undone=False), AIMS)
    assert not minted.ok
    assert (
        minted.message
        == "was NOT refused: it added a password to application app-object (the probe could not remove it)"
    )
    assert not judge(MINT, reply("mint", 403, "AuthorizationFailed", "no"), AIMS).ok


@pytest.mark.parametrize(
    ("report", "ok", "message"),
    [
        ({"action": "reach", "error": "refused"}, True, "refused: connection refused"),
        ({"action": "reach", "status": 401, "code": "Unauthorized", "message": ""}, True, "refused: 401 Unauthorized"),
        ({"action": "reach", "status": 403, "code": "AuthorizationFailed", "message": "No."}, True,
         "refused: 403 AuthorizationFailed: No."),
        ({"action": "reach", "status": 200, "code": "", "message": ""}, False,
         "was NOT refused: a pod read https://arm/_sandbox/state"),
        ({"action": "reach", "status": 404, "code": "", "message": ""}, False,
         "expected 401, 403 or a refused connection, got 404"),
    ],
)  # fmt: skip
def test_the_control_probe_passes_on_a_refusal_only(report: dict[str, Any], ok: bool, message: str) -> None:
    found = judge(REACH, log(**report), AIMS)
    assert (found.ok, found.message) == (ok, message)


NMI_404 = "no azure identity found for request clientID dns-##### REDACTED #####ient"


@pytest.mark.parametrize(
    ("report", "ok", "message"),
    [
        ({"status": 404, "code": "", "message": NMI_404}, True, f"refused: 404 {NMI_404}"),
        ({"status": 400, "code": "invalid_request", "message": "Identity not found"}, True,
         "refused: 400 invalid_request: Identity not found"),
        ({"status": 403, "code": "", "message": "failed to get service principal token"}, True,
         "refused: 403 failed to get service principal token"),
        ({"status": 200, "code": "", "message": ""}, False, "was NOT refused: it got a token for dns-client"),
        ({"status": 503, "code": "", "message": "busy"}, False, "expected 400, 403 or 404, got 503 busy"),
        ({"error": "refused"}, False, "expected 400, 403 or 404, got refused"),
    ],
)  # fmt: skip
def test_a_token_probe_passes_on_a_refusal_only(report: dict[str, Any], ok: bool, message: str) -> None:
    found = judge(TOKEN, log(action="token", **report), AIMS)
    assert (found.ok, found.message) == (ok, message)


def test_a_probe_that_reported_nothing_fails() -> None:
    found = judge(WRITE, "Traceback (most recent call last):\nKeyError: 'x'\n", AIMS)
    assert not found.ok and found.message == "reported nothing: KeyError: 'x'"


def test_the_python_image_runs_the_probe_script_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert python_image(["-c", "import os; os.system('id')"]) == 2
    assert "runs only podid's probe script" in capsys.readouterr().err
    assert python_image(["script.py"]) == 2
    command = probe_script.command("reach", "http://127.0.0.1:9/")  # the discard port: nothing listens
    assert command[:2] == ["python", "-c"]
    assert python_image(command[1:]) == 0
    assert json.loads(capsys.readouterr().out) == {"action": "reach", "error": "refused"}


def target_state(control_url: str | None, operator: str | None) -> Any:
    target = SimpleNamespace(control_url=control_url, operator_client_id=operator)
    design = SimpleNamespace(dns=SimpleNamespace(namespace="kube-addons"), domain="example.internal")
    return SimpleNamespace(clients=SimpleNamespace(target=target), design=design)


def test_probes_beyond_the_zone_follow_what_the_target_has() -> None:
    both = _beyond_dns(target_state("https://arm/_sandbox/", "operator"), {}, "client")
    assert [(probe.case, probe.act) for probe in both] == [("mint", "mint"), ("control", "reach")]
    assert _beyond_dns(target_state(None, None), {}, "client") == []  # Azure, logged in as a user
