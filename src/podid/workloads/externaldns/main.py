"""Entry point of the external-dns images: `python -m podid.workloads registry.k8s.io/external-dns/... <flags>`.

Parse the flags, log in external-dns' logfmt, run until SIGTERM (the kubelet stopping the pod) or, with
`--once`, for one cycle. A bad flag is reported the way external-dns' flag parser does, on stderr, exit 1.
"""

import os
import signal
import sys
import threading

from .config import parse_args
from .errors import ConfigError
from .execute import execute
from .logfmt import logging_to


def main(argv: list[str]) -> int:
    try:
        config = parse_args(argv)
    except ConfigError as err:
        print(f"external-dns: error: {err}", file=sys.stderr)
        return 1
    stop = threading.Event()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if in_main_thread else None
    try:
        with logging_to(config.logging_level):
            return execute(config, os.environ, stop)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
