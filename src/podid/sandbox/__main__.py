"""The foreground sandbox process: ``python -m podid.sandbox [flags]`` (what `podid sandbox start` spawns).

Flags → SandboxConfig, logging, serve until SIGTERM/SIGINT (handled by ``Sandbox.serve_forever``).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from podid.sandbox._config import (
    DEFAULT_ARM_PORT,
    DEFAULT_DNS_PORT,
    DEFAULT_HOST,
    DEFAULT_IMDS_PORT,
    DEFAULT_KUBE_PORT_BASE,
    SandboxConfig,
    default_data_dir,
)
from podid.sandbox._runner import Sandbox


def parse(argv: Sequence[str] | None = None) -> tuple[SandboxConfig, str]:
    parser = argparse.ArgumentParser(prog="python -m podid.sandbox", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--arm-port", type=int, default=DEFAULT_ARM_PORT)
    parser.add_argument("--imds-port", type=int, default=DEFAULT_IMDS_PORT)
    parser.add_argument("--dns-port", type=int, default=DEFAULT_DNS_PORT)
    parser.add_argument("--kube-port-base", type=int, default=DEFAULT_KUBE_PORT_BASE)
    parser.add_argument("--proxy-port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--dns-rate-limits", action="store_true")
    parser.add_argument("--nmi-wait", action="store_true")
    parser.add_argument("--nmi-mode", default="managed", choices=["managed", "standard"])
    parser.add_argument("--nmi-retry-after", action="store_true")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    config = SandboxConfig(
        data_dir=args.data_dir.expanduser().resolve(),
        host=args.host,
        arm_port=args.arm_port,
        imds_port=args.imds_port,
        dns_port=args.dns_port,
        kube_port_base=args.kube_port_base,
        proxy_port=args.proxy_port,
        seed=args.seed,
        dns_rate_limits=args.dns_rate_limits,
        nmi_wait=args.nmi_wait,
        nmi_mode=args.nmi_mode,
        nmi_retry_after=args.nmi_retry_after,
    )
    return config, args.log_level


def main(argv: Sequence[str] | None = None) -> None:
    config, level = parse(argv)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    Sandbox(config).serve_forever()


if __name__ == "__main__":
    main()
