"""The demo's command line (aad-pod-identity v1.6.3 cmd/demo/main.go flag set, as the tutorial's Pod passes it)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

DEFAULT_RESOURCE = "https://management.azure.com/"
DEFAULT_RETRY_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class DemoConfig:
    subscription_id: str
    client_id: str
    resource_group: str
    resource: str = DEFAULT_RESOURCE
    retry_wait_seconds: float = DEFAULT_RETRY_WAIT_SECONDS


def parse_args(argv: list[str]) -> DemoConfig:
    """pflag accepts ``--flag=value`` and ``--flag value``; so does argparse with long options."""
    parser = argparse.ArgumentParser(prog="demo", allow_abbrev=False)
    parser.add_argument("--subscriptionid", default="", help="subscription id for test")
    parser.add_argument("--clientid", default="", help="client id for the msi id")
    parser.add_argument(
        "--resourcegroup", default="", help="any resource group name with reader permission to the aad object"
    )
    parser.add_argument("--aad-resourcename", default=DEFAULT_RESOURCE, help="name of resource to grant token")
    # An int in the Go demo; fractions are accepted so tests can loop quickly.
    parser.add_argument(
        "--retry-wait-time", type=float, default=DEFAULT_RETRY_WAIT_SECONDS, help="retry wait time in seconds"
    )
    args = parser.parse_args(argv)
    return DemoConfig(
        subscription_id=args.subscriptionid,
        client_id=args.clientid,
        resource_group=args.resourcegroup,
        resource=args.aad_resourcename,
        retry_wait_seconds=args.retry_wait_time,
    )
