"""The aad-pod-identity demo image (``mcr.microsoft.com/oss/azure/aad-pod-identity/demo``) as a workload."""

from __future__ import annotations

import logging

from podid.workloads.demo.flags import DemoConfig, parse_args
from podid.workloads.demo.klog import Klog
from podid.workloads.demo.loop import Demo

__all__ = ["Demo", "DemoConfig", "Klog", "main", "parse_args"]


def main(argv: list[str]) -> int:
    """Entry point: parse the flags and loop until the pod is killed.

    The Azure SDK's own warnings are silenced: the demo reports every failure itself, in klog's format.
    """
    logging.getLogger("azure").addHandler(logging.NullHandler())
    logging.getLogger("azure").propagate = False
    Demo(parse_args(argv), Klog()).run()
    return 0
