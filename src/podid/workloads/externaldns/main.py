"""Entry point of the external-dns images: `python -m podid.workloads registry.k8s.io/external-dns/... <flags>`.

The image's tag says which release to play (`release.py`); a tag that names no release from v0.14.0 to the
newest plays the newest and says so in a warning. Then: parse the flags that release has, log in
external-dns' logfmt, run until SIGTERM (the kubelet stopping the pod) or, with `--once`, for one cycle. A
bad flag is one fatal line, "flag parsing error: ...", and exit 1, as in external-dns' `execute`.
"""

import logging
import os
import signal
import sys
import threading

from podid.workloads.images import workload_module

from .config import parse_args
from .errors import ConfigError
from .execute import execute
from .logfmt import logging_to
from .release import NEWEST, Release, image_tag, release_for

log = logging.getLogger(__name__)


def own_image() -> str:
    """The image this process plays: `python -m podid.workloads <image> ...` (the sandbox kubelet's command
    line, which its zygote reproduces in `sys.argv`); '' when started some other way."""
    image = sys.argv[1] if len(sys.argv) > 1 else ""
    return image if workload_module(image) == __name__ else ""


def _release(image: str) -> Release:
    tag = image_tag(image)
    played = release_for(tag)
    if played is None:
        log.warning("Image tag %r names no known external-dns release; behaving as %s", tag, NEWEST.version)
        return NEWEST
    return played


def main(argv: list[str], image: str | None = None) -> int:
    """Run as `image` (by default the one on the command line)."""
    with logging_to(logging.INFO):
        release = _release(own_image() if image is None else image)
        try:
            config = parse_args(argv, release)
        except ConfigError as err:
            log.critical("flag parsing error: %s", err)
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
