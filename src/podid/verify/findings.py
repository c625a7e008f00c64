"""Findings: one line each, a pass or a violation, and the verdict over all of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    ok: bool
    check: str  # "kubelet identity", "pod bound to the DNS identity", ...
    message: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.check}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "check": self.check, "message": self.message}


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(finding.ok for finding in self.findings)

    @property
    def violations(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.ok]

    def summary(self) -> str:
        if self.ok:
            return f"least privilege holds ({len(self.findings)} checks passed)"
        return f"{len(self.violations)} of {len(self.findings)} checks found a violation"

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "summary": self.summary(), "findings": [finding.as_dict() for finding in self.findings]}
