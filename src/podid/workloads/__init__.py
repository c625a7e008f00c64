"""Workloads that run inside sandbox pods; on real AKS the real images run instead.

Workloads speak only HTTP and DNS, never to the sandbox's internals (checked by import-linter).
"""

__all__: list[str] = []
