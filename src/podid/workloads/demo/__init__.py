"""The aad-pod-identity demo image (``mcr.microsoft.com/oss/azure/aad-pod-identity/demo``) as a workload."""

from __future__ import annotations

from podid.workloads.demo.flags import DemoConfig, parse_args
from podid.workloads.demo.klog import Klog
from podid.workloads.demo.loop import Demo

__all__ = ["Demo", "DemoConfig", "Klog", "main", "parse_args"]


def main(argv: list[str]) -> int:
    """Entry point: parse the flags and loop until the pod is killed."""
    Demo(parse_args(argv), Klog()).run()
    return 0
