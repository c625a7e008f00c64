"""``--only-show-errors``, ``--verbose`` and ``--debug`` as the Azure CLI gives them, on stderr.

* default: warnings and errors (azure-identity's per-credential warnings stay quiet: the one-line error says it);
* ``--only-show-errors``: errors only (knack's ``cli_logger_name`` at ERROR);
* ``--verbose``: also what is called, one ``INFO:`` line per SDK request (method and URL) from azure-core's
  HttpLoggingPolicy (https://learn.microsoft.com/azure/developer/python/sdk/azure-sdk-logging);
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

HTTP_LOGGER = "azure.core.pipeline.policies.http_logging_policy"
_MANAGED = ("", "podid", "azure", "azure.identity", HTTP_LOGGER, "urllib3", "kubernetes")
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


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class _Redacting(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the sys.stderr of the moment: a redirected or captured stderr gets the lines."""

    def emit(self, record: logging.LogRecord) -> None:
        self.setStream(sys.stderr)
        super().emit(record)


def _request_line(record: logging.LogRecord) -> bool:
    """--verbose: HttpLoggingPolicy's request record becomes ``GET https://…``; its other records go."""
    lines = record.getMessage().splitlines()
    if not lines or not lines[0].startswith("Request URL:") or len(lines) < 2:
        return False
    url = lines[0].removeprefix("Request URL:").strip(" '")
    method = lines[1].removeprefix("Request method:").strip(" '")
    record.msg, record.args = f"{method} {url}", None
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
    http = logging.getLogger(HTTP_LOGGER)
    for existing in list(http.filters):
        http.removeFilter(existing)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if debug:
        return
    logging.getLogger("azure.identity").setLevel(logging.ERROR)
    if verbose:
        logging.getLogger("podid").setLevel(logging.INFO)
        http.setLevel(logging.INFO)
        http.addFilter(_request_line)
