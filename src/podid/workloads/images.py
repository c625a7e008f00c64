"""Which built-in workload runs for which container image.

The sandbox kubelet asks ``workload_module(image)``: a known image runs ``python -m podid.workloads <image>
<args...>`` in the pod, any other image gives a pod that runs nothing. Matching is by prefix, so every tag of
an image runs the same workload (the flag set the tag expects is the workload's business).
"""

from __future__ import annotations

from podid.workloads import probe

# image prefix -> module with ``main(argv: list[str]) -> int``
WORKLOADS: dict[str, str] = {
    "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:": "podid.workloads.demo",
    "registry.k8s.io/external-dns/external-dns:": "podid.workloads.externaldns.main",
    "k8s.gcr.io/external-dns/external-dns:": "podid.workloads.externaldns.main",
    "bitnami/external-dns:": "podid.workloads.externaldns.main",
    "docker.io/bitnami/external-dns:": "podid.workloads.externaldns.main",
    probe.IMAGE: "podid.workloads.probe.main",
}


def workload_module(image: str) -> str | None:
    """The module that plays ``image``, or None for an image with no built-in workload."""
    return next((module for prefix, module in WORKLOADS.items() if image.startswith(prefix)), None)
