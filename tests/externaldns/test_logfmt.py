"""external-dns' log format (logrus TextFormatter): `time="…" level=… msg=…`.

Covers: bare vs Go-quoted values; escapes of quotes, backslashes, newlines and control characters; Python
levels as logrus level names; `logging_to` sends our own INFO lines, holds library INFO back, and puts the
logging setup back afterwards.
"""

import io
import logging
import re

import pytest

from podid.workloads.externaldns.logfmt import logging_to, quote

LINE = re.compile(r'time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=(\w+) msg=(.*)')


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("plain", "plain"),
        ("a-b.c_d/e@f^g+h", "a-b.c_d/e@f^g+h"),
        ("", '""'),
        ("All records are already up to date", '"All records are already up to date"'),
        ('say "hi"', r'"say \"hi\""'),
        ("C:\\dir", r'"C:\\dir"'),
        ("GET x\n---\nRESPONSE 403", r'"GET x\n---\nRESPONSE 403"'),
        ("tab\there\x00\x7f", r'"tab\there\x00\x7f"'),
        ("zone 'exämple.com'", "\"zone 'exämple.com'\""),
    ],
)
def test_values_are_quoted_only_when_needed(value, quoted):
    assert quote(value) == quoted


def log_lines(level: int, emit) -> list[tuple[str, str]]:
    stream = io.StringIO()
    with logging_to(level, stream):
        emit()
    return [LINE.fullmatch(line).groups() for line in stream.getvalue().splitlines()]


def test_levels_and_messages():
    own = logging.getLogger("podid.workloads.externaldns.controller")

    def emit():
        own.debug("hidden at info")
        own.info("All records are already up to date")
        own.warning("Skipping invalid hostname %r", "bad_name")
        own.error("Failed to do run once: %s", "boom")
        own.critical("failed to get credentials")

    assert log_lines(logging.INFO, emit) == [
        ("info", '"All records are already up to date"'),
        ("warning", "\"Skipping invalid hostname 'bad_name'\""),
        ("error", '"Failed to do run once: boom"'),
        ("fatal", '"failed to get credentials"'),
    ]


def test_debug_level_shows_our_debug_but_libraries_only_from_warning():
    def emit():
        logging.getLogger("podid.workloads.externaldns.provider.azure").debug("Found 1 Azure DNS zone(s).")
        logging.getLogger("azure.core.pipeline").info("Request URL: ...")
        logging.getLogger("azure.identity").warning("ManagedIdentityCredential.get_token failed")

    assert log_lines(logging.DEBUG, emit) == [
        ("debug", '"Found 1 Azure DNS zone(s)."'),
        ("warning", '"ManagedIdentityCredential.get_token failed"'),
    ]


def test_logging_setup_is_restored():
    root, own = logging.getLogger(), logging.getLogger("podid.workloads.externaldns")
    before = (root.level, own.level, list(root.handlers))
    with logging_to(logging.DEBUG, io.StringIO()):
        assert own.level == logging.DEBUG
    assert (root.level, own.level, list(root.handlers)) == before


def test_a_host_s_logger_levels_do_not_reach_the_workload_and_are_restored():
    library = logging.getLogger("azure.identity")
    library.setLevel(logging.ERROR)  # as an in-process `podid` command leaves it
    try:
        assert log_lines(logging.INFO, lambda: library.warning("ManagedIdentityCredential.get_token failed")) == [
            ("warning", '"ManagedIdentityCredential.get_token failed"')
        ]
        assert library.level == logging.ERROR
    finally:
        library.setLevel(logging.NOTSET)
