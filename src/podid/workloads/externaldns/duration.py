"""Go `time.ParseDuration`, which external-dns uses for `--interval=1m` and for the `ttl` annotation."""

import re

_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,  # micro sign
    "\u03bcs": 1e-6,  # Greek mu
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
# "ms" must be tried before "m" and "s".
_TERM = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_BARE_NUMBER = re.compile(r"\d+\.?\d*|\.\d+")


def parse_duration(text: str) -> float:
    """Return the duration in seconds; raise ValueError with Go's wording for anything Go rejects."""
    body = text[1:] if text[:1] in "+-" else text
    sign = -1.0 if text.startswith("-") else 1.0
    if body == "0":
        return 0.0
    if _BARE_NUMBER.fullmatch(body):
        raise ValueError(f'time: missing unit in duration "{text}"')
    total, pos = 0.0, 0
    for term in _TERM.finditer(body):
        if term.start() != pos:
            break
        total += float(term.group(1)) * _UNIT_SECONDS[term.group(2)]
        pos = term.end()
    if not body or pos != len(body):
        raise ValueError(f'time: invalid duration "{text}"')
    return sign * total
