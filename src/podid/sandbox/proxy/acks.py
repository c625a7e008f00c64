"""Acknowledge what a client sends as soon as it is read.

urllib3 (under requests, azure-core and the kubernetes client) turns Nagle's algorithm back on for connections
to a proxy ("Enable Nagle's algorithm for proxies, to avoid packet fragmentation": urllib3/urllib3,
src/urllib3/connectionpool.py). A request written as a head and then a body holds the body until the head is
acknowledged, and Linux delays that acknowledgement by up to 40 ms on a connection that answers in turn: every
PUT through the proxy took ~45 ms where it takes ~1 ms direct. TCP_QUICKACK sends the pending acknowledgement
at once; it is not permanent (tcp(7)), so it is set again after every read.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only: elsewhere nothing to do


def acknowledge_reads(transport: asyncio.BaseTransport) -> None:
    """From now on, acknowledge each read of ``transport``'s socket at once (its protocol is wrapped: set this
    again after anything that replaces the protocol, such as start_tls)."""
    sock = transport.get_extra_info("socket")
    if _QUICKACK is None or sock is None:
        return
    inner = transport.get_protocol()
    wrapper = _AckingBuffered(inner, sock) if hasattr(inner, "get_buffer") else _Acking(inner, sock)
    transport.set_protocol(wrapper)


class _Relay:
    """Connection events passed on to the protocol that reads the connection."""

    def __init__(self, inner: Any, sock: Any) -> None:
        self._inner, self._sock = inner, sock

    def _acknowledge(self) -> None:
        self._sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self._inner.connection_lost(exc)

    def eof_received(self) -> bool | None:
        return bool(self._inner.eof_received())

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class _Acking(_Relay, asyncio.Protocol):
    def data_received(self, data: bytes) -> None:
        self._acknowledge()
        self._inner.data_received(data)


class _AckingBuffered(_Relay, asyncio.BufferedProtocol):
    def get_buffer(self, sizehint: int) -> Any:
        return self._inner.get_buffer(sizehint)

    def buffer_updated(self, nbytes: int) -> None:
        self._acknowledge()
        self._inner.buffer_updated(nbytes)
