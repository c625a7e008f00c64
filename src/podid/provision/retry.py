"""How long one Azure call may take: each attempt's timeouts, and azure-core's retries inside a window.

azure-core's defaults (300 s per read, three read retries) let an endpoint that accepts connections and never
answers hold a command for many minutes. Here every attempt has a 10 s connect and a 60 s read timeout
(``PODID_READ_TIMEOUT`` sets the read one), a read that timed out is not tried again (the endpoint had the whole
timeout to answer: another attempt would wait as long again), and a new attempt starts only within the first
``RETRY_WINDOW`` seconds of a call (a Retry-After beyond it is not waited for: the answer stands). A call thus ends
within the window plus one attempt, 90 s, and a silent endpoint is named with what to check.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError, ServiceRequestTimeoutError, ServiceResponseTimeoutError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy

from podid.config import SettingsError

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0  # an ARM request answers in seconds (long work is an LRO that is polled)
READ_TIMEOUT_VARIABLE = "PODID_READ_TIMEOUT"
RETRY_WINDOW = 20.0  # window + connect + read: no call lasts longer than 90 s


def read_timeout() -> float:
    """The read timeout of one attempt: ``PODID_READ_TIMEOUT`` seconds, else 60."""
    value = os.environ.get(READ_TIMEOUT_VARIABLE, "")
    if not value:
        return READ_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise SettingsError(f"{READ_TIMEOUT_VARIABLE}={value!r}: a number of seconds above 0 (at most 3600)")
    return seconds


def timeouts() -> dict[str, float]:
    """Each attempt's timeouts, as azure-core's transports and clients take them."""
    return {"connection_timeout": CONNECT_TIMEOUT, "read_timeout": read_timeout()}


class BoundedRetry(RetryPolicy[Any, Any]):
    """azure-core's RetryPolicy within ``RETRY_WINDOW`` (its ``timeout``), no retry after a read timeout, and a
    call that timed out raised as one error naming the endpoint, what it waited for and ``check``."""

    def __init__(self, check: str, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "timeout": RETRY_WINDOW})
        self.check = check

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings = super().configure_retries(options)
        settings["started"] = time.monotonic()
        return settings

    def increment(
        self,
        settings: dict[str, Any],
        response: PipelineRequest[Any] | PipelineResponse[Any, Any] | None = None,
        error: Exception | None = None,
    ) -> bool:
        if isinstance(error, ServiceResponseTimeoutError) or not super().increment(settings, response, error):
            return False
        # the pause sleep() takes next (Retry-After, else the backoff) must end inside the window
        retry_after = self.get_retry_after(response) if isinstance(response, PipelineResponse) else None
        pause = retry_after or self.get_backoff_time(settings)
        return bool(time.monotonic() - settings["started"] + pause < settings["timeout"])

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        started = time.monotonic()
        try:
            return super().send(request)
        except (ServiceRequestTimeoutError, ServiceResponseTimeoutError) as error:
            raise _unanswered(request, error, time.monotonic() - started, self.check) from error


def _unanswered(request: PipelineRequest[Any], error: AzureError, waited: float, check: str) -> AzureError:
    url = urlsplit(request.http_request.url)
    call = f"{request.http_request.method} {url.path}"
    endpoint = f"{url.scheme}://{url.netloc}"
    attempts = int(request.context.get("retry_count", 0)) + 1  # set before each attempt: the ones before it
    tried = f"{attempts} attempts, " if attempts > 1 else ""
    if isinstance(error, ServiceResponseTimeoutError):
        message = f"{endpoint} accepted the connection but did not answer {call} ({tried}{waited:.0f} s)"
        return ServiceResponseTimeoutError(f"{message}: {check}", error=error)
    message = f"{endpoint} could not be connected to for {call} ({tried}{waited:.0f} s)"
    return ServiceRequestTimeoutError(f"{message}: {check}", error=error)
