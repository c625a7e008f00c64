"""The probes that act with one request from a pod (podid's probe script), and how each outcome is judged.

A probe that should be refused passes only on the refusal its service gives for a missing permission: ARM's
``403 AuthorizationFailed`` for the kubelet identity's record set write, Graph's ``403
Authorization_RequestDenied`` for the DNS identity's ``addPassword``
(https://learn.microsoft.com/en-us/graph/errors), and 401, 403 or a refused connection for the control surface.
A pod that must get no token asks once: NMI's 404 (no identity for the pod) or 403 (the identity's token was
refused it: aad-pod-identity pkg/nmi/server/server.go), IMDS's or Entra ID's 400 is the refusal. Anything else,
a missing token included, means the probe could not show the refusal, and fails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from podid.verify.cases import Probe
from podid.verify.findings import Finding
from podid.workloads import probe as probe_script

_DENIED = re.compile(r"perform action '([^']+)' over scope '([^']+)'")
REFUSALS = {"write": (403, "AuthorizationFailed"), "mint": (403, "Authorization_RequestDenied")}
CONTROL_REFUSALS = (401, 403)
TOKEN_REFUSALS = (400, 403, 404)


@dataclass(frozen=True)
class Aims:
    """What one run's script probes act on."""

    arm_url: str
    record_set: str  # the id of the record set the kubelet probe writes
    graph_url: str
    application: str  # the object id of the application the mint probe adds a password to
    control_url: str


def denied(text: str) -> str | None:
    """ARM's AuthorizationFailed message, short: the action and the scope."""
    found = _DENIED.search(text)
    return f"403 AuthorizationFailed: no '{found.group(1)}' over {found.group(2)}" if found else None


def container(probe: Probe, aims: Aims) -> dict[str, Any]:
    if probe.act == "write":
        args = [aims.arm_url, aims.record_set, probe.client_id]
    elif probe.act == "mint":
        args = [aims.graph_url, aims.application, probe.client_id]
    elif probe.act == "token":
        args = [probe.client_id]
    else:
        args = [aims.control_url + "state"]
    return {"name": "probe", "image": probe_script.IMAGE, "command": probe_script.command(probe.act, *args)}


def _outcome(log: str) -> dict[str, Any] | None:
    """The script's report: the last JSON line it printed."""
    for line in reversed(log.splitlines()):
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    return None


def judge(probe: Probe, log: str, aims: Aims) -> Finding:
    outcome = _outcome(log)
    if outcome is None:
        lines = log.strip().splitlines()
        return Finding(False, probe.check, f"reported nothing: {lines[-1] if lines else 'no output'}")
    if probe.act == "token":
        return _judge_token(probe, outcome)
    if outcome["action"] == "token":
        return Finding(False, probe.check, f"could not act, it got no token: {outcome['error']}")
    if probe.act == "reach":
        return _judge_reach(probe, outcome, aims)
    status, code, message = outcome.get("status"), outcome.get("code"), outcome.get("message", "")
    if (status, code) == REFUSALS[probe.act]:
        return Finding(True, probe.check, f"refused: {denied(message) or f'{status} {code}: {message}'}")
    if status in (200, 201):
        return Finding(False, probe.check, f"was NOT refused: {_done(probe, aims)} ({_undone(outcome)})")
    expected = " ".join(map(str, REFUSALS[probe.act]))
    return Finding(False, probe.check, f"expected {expected}, got {status} {code}: {message or outcome.get('error')}")


def _done(probe: Probe, aims: Aims) -> str:
    if probe.act == "write":
        return f"it wrote the record set {aims.record_set.rsplit('/', 1)[-1]} in {probe.zone}"
    return f"it added a password to application {aims.application}"


def _undone(outcome: dict[str, Any]) -> str:
    return "removed again" if outcome.get("undone") else "the probe could not remove it"


def _judge_token(probe: Probe, outcome: dict[str, Any]) -> Finding:
    status, code, message = outcome.get("status"), outcome.get("code"), outcome.get("message")
    said = ": ".join(str(part) for part in (code, message) if part)
    if status in TOKEN_REFUSALS:
        return Finding(True, probe.check, f"refused: {status} {said}".rstrip())
    if status == 200:
        return Finding(False, probe.check, f"was NOT refused: it got a token for {probe.client_id or 'its identity'}")
    got = f"{status} {said}".rstrip() if status else outcome.get("error")
    return Finding(False, probe.check, f"expected 400, 403 or 404, got {got}")


def _judge_reach(probe: Probe, outcome: dict[str, Any], aims: Aims) -> Finding:
    status = outcome.get("status")
    if outcome.get("error") == "refused":
        return Finding(True, probe.check, "refused: connection refused")
    if status in CONTROL_REFUSALS:
        said = ": ".join(str(part) for part in (outcome.get("code"), outcome.get("message")) if part)
        return Finding(True, probe.check, f"refused: {status} {said}".rstrip())
    if status == 200:
        return Finding(False, probe.check, f"was NOT refused: a pod read {aims.control_url}state")
    got = status or outcome.get("error")
    return Finding(False, probe.check, f"expected 401, 403 or a refused connection, got {got}")
