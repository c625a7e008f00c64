"""``--only-show-errors``, ``--verbose`` and ``--debug`` as the Azure CLI gives them, on stderr.

* default: warnings and errors (azure-identity's per-credential warnings stay quiet: the one-line error says it);
* ``--only-show-errors``: errors only (knack's ``cli_logger_name`` at ERROR);
* ``--verbose``: also what is called, one ``INFO:`` line per HTTP request (method, URL, status) of the Azure
  SDKs, the kubernetes client and Graph, from urllib3's request log;
* ``--debug``: every logger at DEBUG, so the HTTP exchanges (azure-core's NetworkTraceLoggingPolicy, urllib3,
  the kubernetes client). Each line is redacted before it is written: Authorization headers, bearer tokens, JWTs,
  ``client_secret``-like form fields and token fields of JSON bodies, as azure-cli's
  ``SafeNetworkTraceLoggingPolicy`` (azure-cli-core azure/cli/core/sdk/policies.py) does for az --debug.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys

REQUESTS_LOGGER = "urllib3.connectionpool"
_MANAGED = ("", "podid", "azure", "azure.identity", "urllib3", REQUESTS_LOGGER, "kubernetes")
REDACTED = "REDACTED"
_SECRETS = (
    # 'Authorization': 'Bearer …' as the trace policies print headers, and any other bearer or JWT
    (re.compile(r"""(['"]?authorization['"]?\s*[:=]\s*['"]?)[^'"\n]+""", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    (re.compile(r"\b(Bearer\s+)[\w\-.~+/]+=*", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*"), REDACTED),
    # form fields of a token request
    (
        re.compile(r"\b((?:client_secret|client_assertion|assertion|refresh_token|password)=)[^&\s'\"]+"),
        rf"\g<1>{REDACTED}",
    ),
    # token and secret fields of a JSON body
    (
        re.compile(
            r"""(["'](?:access_token|refresh_token|id_token|client_secret|clientSecret|secret|password|token)["']"""
            r"""\s*:\s*["'])[^"']*"""
        ),
        rf"\g<1>{REDACTED}",
    ),
)


# a Kubernetes Secret's values (the kubernetes client logs response bodies at DEBUG): base64, no pattern finds them
_SECRET_KIND = re.compile(r"""["']kind["']\s*:\s*["']Secret(List)?["']""")
_SECRET_DATA = re.compile(r"""(["'](?:data|stringData)["']\s*:\s*)\{[^{}]*\}""")


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    if _SECRET_KIND.search(text):
        text = _SECRET_DATA.sub(rf'\g<1>"{REDACTED}"', text)
    return text


class _Redacting(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the sys.stderr of the moment: a redirected or captured stderr gets the lines."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # not setStream: it flushes the previous stream, which may be closed by now
        super().emit(record)


def _request_line(record: logging.LogRecord) -> bool:
    """--verbose: urllib3's line for each request made (the SDKs, the kubernetes client and Graph calls all go
    through it) as ``INFO: GET https://host:port/path 200``; its connection notes go."""
    # urllib3/connectionpool.py _make_request: '%s://%s:%s "%s %s %s" %s %s' (scheme, host, port, method, url, ...)
    if not isinstance(record.args, tuple) or len(record.args) != 8:
        return False
    scheme, host, port, method, url, _, status, _ = record.args
    record.msg, record.args = f"{method} {scheme}://{host}:{port}{url} {status}", None
    record.levelno, record.levelname = logging.INFO, "INFO"
    return True


def configure(args: argparse.Namespace | None) -> None:
    """Levels for this command; called once per command (tests run many in one process)."""
    debug, verbose = bool(getattr(args, "debug", False)), bool(getattr(args, "verbose", False))
    only_errors = bool(getattr(args, "only_show_errors", False))
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if isinstance(handler, _Stderr)]:
        root.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(_Redacting("%(levelname)s: %(message)s"))
    handler.setLevel(logging.DEBUG if debug else logging.ERROR if only_errors else logging.INFO)
    root.addHandler(handler)
    for name in _MANAGED:
        logging.getLogger(name).setLevel(logging.NOTSET)
    requests_made = logging.getLogger(REQUESTS_LOGGER)
    for existing in list(requests_made.filters):
        requests_made.removeFilter(existing)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if debug:
        return
    logging.getLogger("azure.identity").setLevel(logging.ERROR)
    if verbose:
        logging.getLogger("podid").setLevel(logging.INFO)
        requests_made.setLevel(logging.DEBUG)
        requests_made.addFilter(_request_line)
