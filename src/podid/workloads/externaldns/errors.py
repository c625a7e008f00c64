"""What can go wrong in an external-dns cycle, and whether the controller keeps going.

    ExternalDnsError
    ├── SoftError              transient (429, 5xx, throttling, zone-list timeouts): run() logs it, counts
    │                          consecutive soft errors and tries again at the next interval
    └── PermanentError         run() logs it and stops; the entrypoint exits non-zero (CrashLoopBackOff)
        ├── ForbiddenError     401/403, e.g. `AuthorizationFailed` on the zone list, or no usable credential
        ├── ConfigError        bad flags or azure.json
        └── InMemoryError      the in-memory provider refused a batch (external-dns' sentinel errors)
            ├── ZoneNotFoundError, ZoneAlreadyExistsError
            └── RecordNotFoundError, RecordAlreadyExistsError, DuplicateRecordError

This mirrors external-dns' `provider.SoftError`: anything not soft is fatal (`log.Fatalf`).
"""

TRANSIENT_STATUS_CODES = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses azure-core's retry policy itself retries; still failing after that means 'try again later'."""

FORBIDDEN_STATUS_CODES = frozenset({401, 403})


class ExternalDnsError(Exception):
    """Base class; carries the HTTP status and the service's error code when there was a response."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class SoftError(ExternalDnsError):
    """Transient; `retry_after` is the server's Retry-After in seconds, when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class PermanentError(ExternalDnsError):
    pass


class ForbiddenError(PermanentError):
    pass


class ConfigError(PermanentError):
    pass


class InMemoryError(PermanentError):
    message = ""

    def __init__(self) -> None:
        super().__init__(self.message)


class ZoneNotFoundError(InMemoryError):
    message = "specified zone not found"


class ZoneAlreadyExistsError(InMemoryError):
    message = "specified zone already exists"


class RecordNotFoundError(InMemoryError):
    message = "record not found"


class RecordAlreadyExistsError(InMemoryError):
    message = "record already exists"


class DuplicateRecordError(InMemoryError):
    message = "invalid batch request"


def _retry_after_seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP-date; the next interval is soon enough


def error_from_status(
    status: int | None, code: str | None, message: str, retry_after: str | None = None
) -> ExternalDnsError:
    """Translate a failed call, by status, into the tree above."""
    if status in TRANSIENT_STATUS_CODES:
        return SoftError(message, status=status, code=code, retry_after=_retry_after_seconds(retry_after))
    if status in FORBIDDEN_STATUS_CODES:
        return ForbiddenError(message, status=status, code=code)
    return PermanentError(message, status=status, code=code)
