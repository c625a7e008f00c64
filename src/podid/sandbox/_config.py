"""Sandbox settings (with named defaults) and the endpoints a running sandbox publishes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs

from podid.sandbox.core.files import write_private

DEFAULT_HOST = "127.0.0.1"
DEFAULT_ARM_PORT = 8443
DEFAULT_IMDS_PORT = 8081
DEFAULT_DNS_PORT = 8053
DEFAULT_KUBE_PORT_BASE = 6443
ENDPOINTS_FILE = "endpoints.json"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("podid")) / "sandbox"


@dataclass(frozen=True)
class SandboxConfig:
    """How to run a sandbox. Port 0 means "any free port" (what tests use)."""

    data_dir: Path = field(default_factory=default_data_dir)
    host: str = DEFAULT_HOST
    arm_port: int = DEFAULT_ARM_PORT
    imds_port: int = DEFAULT_IMDS_PORT
    dns_port: int = DEFAULT_DNS_PORT
    kube_port_base: int = DEFAULT_KUBE_PORT_BASE
    proxy_port: int = 0  # the HTTP proxy playing Azure's hostnames (podid.sandbox.proxy): any free port
    seed: int | None = None
    dns_rate_limits: bool = False  # enforce Azure DNS per-zone request limits (429 + Retry-After)
    nmi_wait: bool = False  # standard mode: NMI's real 80 s wait before "no identity" instead of an immediate 400
    nmi_mode: str = "managed"  # "managed" as the AKS add-on runs NMI, "standard" (MIC) as a self-installed one
    nmi_retry_after: bool = False  # NMI's --set-retry-after-header: 503 and Retry-After instead of 404


@dataclass(frozen=True)
class Operator:
    """The bootstrap service principal that holds Owner on the subscription."""

    client_id: str
    client_secret: str
    object_id: str

    def __repr__(self) -> str:
        return f"Operator(client_id={self.client_id!r}, client_secret='***', object_id={self.object_id!r})"


@dataclass(frozen=True)
class Endpoints:
    """Where a running sandbox answers, and who may log in to it."""

    arm_url: str
    authority: str
    tenant_id: str
    subscription_id: str
    operator: Operator
    ca_cert: str  # the sandbox CA alone (kubeconfigs, pods, podid itself: every endpoint is the sandbox's)
    ca_bundle: str  # system roots + sandbox CA (for REQUESTS_CA_BUNDLE)
    imds_url: str
    dns_host: str
    dns_port: int
    data_dir: str
    control_token: str = field(repr=False)  # the credential /_sandbox/ requires (podid.sandbox._control)
    pid: int = 0
    proxy_url: str = ""  # http://127.0.0.1:<port>: Azure's own hostnames, played by the sandbox

    def save(self, directory: Path) -> None:
        write_private(directory / ENDPOINTS_FILE, json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, directory: Path) -> Endpoints:
        raw = json.loads((directory / ENDPOINTS_FILE).read_text())
        raw["operator"] = Operator(**raw["operator"])
        return cls(**raw)
