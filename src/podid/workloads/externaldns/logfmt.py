"""Log lines as external-dns writes them (logrus' TextFormatter without a terminal).

    time="2024-05-01T10:00:00Z" level=info msg="All records are already up to date"

A value is quoted, Go `%q` style, only when it holds a character outside `[A-Za-z0-9-._/@^+]`, so multi-line
SDK errors stay on one line with `\\n` escapes. Python's levels map to logrus' names (CRITICAL is `fatal`).
"""

import logging
import string
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO

_BARE = frozenset(string.ascii_letters + string.digits + "-._/@^+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_ESCAPES |= {"\t": "\\t", "\v": "\\v"}
LEVEL_NAMES = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "fatal",
}


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def quote(value: str) -> str:
    """`value` as logrus writes it: bare when safe, else a Go-quoted string."""
    if value and all(char in _BARE for char in value):
        return value
    return '"' + "".join(map(_escape, value)) + '"'


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        level = LEVEL_NAMES.get(record.levelno, record.levelname.lower())
        return f"time={quote(moment)} level={level} msg={quote(record.getMessage())}"


@contextmanager
def logging_to(level: int, stream: TextIO | None = None) -> Iterator[None]:
    """Send log records to `stream` (stderr, as logrus does) in logfmt, and nowhere else, while the block runs.

    `level` applies to external-dns' own loggers; libraries (azure-core logs every request at INFO) only get
    through from WARNING up. In its pod the workload is the whole process, so its handler is the root's only
    one: run in-process, a host's handlers (an earlier `podid` command's stderr handler stays on the root)
    would write each line again in their own format. Everything is put back afterwards.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    root, own = logging.getLogger(), logging.getLogger(__package__)
    saved, hosts = _levels(), root.handlers[:]
    for name in saved:  # a host's levels (e.g. azure.identity at ERROR) are not the pod process's
        logging.getLogger(name or None).setLevel(logging.NOTSET)
    _replace_handlers(root, hosts, [handler])
    root.setLevel(logging.WARNING)
    own.setLevel(level)
    try:
        yield
    finally:
        _replace_handlers(root, [handler], hosts)
        for name in _levels():
            logging.getLogger(name or None).setLevel(logging.NOTSET)
        for name, saved_level in saved.items():
            logging.getLogger(name or None).setLevel(saved_level)


def _levels() -> dict[str, int]:
    """The levels set on the root ("") and on named loggers, by logger name."""
    named = logging.Logger.manager.loggerDict.items()
    levels = {name: logger.level for name, logger in named if isinstance(logger, logging.Logger) and logger.level}
    return {"": logging.getLogger().level, **levels}


def _replace_handlers(logger: logging.Logger, old: list[logging.Handler], new: list[logging.Handler]) -> None:
    for handler in old:
        logger.removeHandler(handler)
    for handler in new:
        logger.addHandler(handler)
