"""``python -m podid.workloads <image> [args...]``: run the built-in workload for a container image."""

from __future__ import annotations

import importlib
import sys

from podid.workloads.images import workload_module


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m podid.workloads <image> [args...]", file=sys.stderr)
        return 2
    module = workload_module(argv[0])
    if module is None:
        print(f"no built-in workload for image {argv[0]}", file=sys.stderr)
        return 2
    result: int = importlib.import_module(module).main(argv[1:])
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
