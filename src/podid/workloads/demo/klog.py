"""klog's line format, as the Go demo prints it: ``I1122 00:41:45.796069       1 main.go:77] message``.

The source locations are those of the demo's ``cmd/demo/main.go`` (aad-pod-identity v1.6.3), so a sandbox log
reads like a real one. klog ends a line with a newline only when the message has none (an adal error quoting
NMI's text body already ends with one).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import TextIO


class Klog:
    """Writes klog lines for one source file to a stream (stderr, as klog does by default)."""

    def __init__(self, source: str = "main.go", stream: TextIO | None = None) -> None:
        self._source = source
        self._stream = stream or sys.stderr
        self._pid = os.getpid()

    def info(self, line: int, message: str) -> None:
        self._write("I", line, message)

    def error(self, line: int, message: str) -> None:
        self._write("E", line, message)

    def _write(self, severity: str, line: int, message: str) -> None:
        now = datetime.now(UTC)
        header = f"{severity}{now:%m%d %H:%M:%S.%f} {self._pid:>7} {self._source}:{line}]"
        self._stream.write(f"{header} {message}" + ("" if message.endswith("\n") else "\n"))
        self._stream.flush()
