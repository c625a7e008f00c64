"""What one sandbox is configured with: its tenant, subscription, addresses and the behaviours chosen at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CloudSettings:
    tenant_id: str
    subscription_id: str
    subscription_name: str
    arm_url: str  # https://127.0.0.1:8443/
    authority: str  # https://127.0.0.1:8443
    host: str = "127.0.0.1"
    imds_port: int = 0
    dns_port: int = 0
    kube_port_base: int = 0
    data_dir: Path | None = None
    dns_rate_limits: bool = False
    nmi_wait: bool = False
    nmi_mode: str = "managed"
    nmi_retry_after: bool = False
    default_location: str = "westus2"

    @property
    def arm_audiences(self) -> frozenset[str]:
        arm = self.arm_url.rstrip("/")
        return frozenset(
            {
                "https://management.azure.com",
                "https://management.azure.com/",
                "https://management.core.windows.net",
                "https://management.core.windows.net/",
                arm,
                arm + "/",
            }
        )
