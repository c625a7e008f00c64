"""The sandbox's ``python`` image: it runs podid's probe script and no other program.

A pod's command ``python -c <script> args`` reaches this as ``-c <script> args`` (the executable is the image's
entrypoint). Arbitrary code from a pod spec must not run as the sandbox's owner, so only the probe's own source
runs: in this process, as ``python -c`` would run it.
"""

from __future__ import annotations

import sys

from podid.workloads.probe import source
from podid.workloads.probe.script import main as run_probe

# Read at import: the sandbox's zygote imports this module before a pod's process takes the pod's user, who may not
# be able to read the package's files (a checkout under a private directory).
SCRIPT = source()


def main(argv: list[str]) -> int:
    if argv[:1] != ["-c"] or len(argv) < 3 or argv[1] != SCRIPT:
        print("the sandbox's python image runs only podid's probe script (python -c <script> ...)", file=sys.stderr)
        return 2
    return run_probe(argv[2:])
