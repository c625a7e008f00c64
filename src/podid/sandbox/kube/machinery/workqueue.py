"""The controllers' work queue: level-triggered reconcile requests, deduplicated, run on the event loop.

Controllers never act inside a write: a watch event only *enqueues* a key (client-go's workqueue), and the
queue runs the reconcilers soon after on the loop, in batches bounded in time so HTTP requests keep being
served during a 1,000-pod rollout. Each batch is one store transaction: one SQLite commit for many writes.
A reconciler that fails is retried after a delay, as a rate-limited workqueue would.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

from podid.sandbox.core.store import Store
from podid.sandbox.kube.machinery.status import KubeApiError

log = logging.getLogger(__name__)

Reconcile = Callable[[Any], None]  # takes the key it was queued with
BATCH_SECONDS = 0.05
RETRY_SECONDS = 1.0


class WorkQueue:
    """Pending (reconciler, key) pairs in arrival order; adding a pending pair again is a no-op."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: dict[tuple[Reconcile, Hashable], None] = {}
        self._scheduled = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, reconcile: Reconcile, key: Hashable) -> None:
        if self._closed:
            return
        self._pending[(reconcile, key)] = None
        if not self._scheduled:
            self._scheduled = True
            self._loop = self._loop or asyncio.get_running_loop()
            self._loop.call_soon(self._run)

    def add_after(self, seconds: float, reconcile: Reconcile, key: Hashable) -> None:
        if not self._closed:
            self._loop = self._loop or asyncio.get_running_loop()
            self._loop.call_later(seconds, self.add, reconcile, key)

    def close(self) -> None:
        self._closed = True
        self._pending.clear()

    def _run(self) -> None:
        self._scheduled = False
        deadline = time.monotonic() + BATCH_SECONDS
        with self._store.transaction():
            while self._pending and not self._closed and time.monotonic() < deadline:
                reconcile, key = next(iter(self._pending))
                del self._pending[(reconcile, key)]
                self._call(reconcile, key)
        if self._pending and not self._closed and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._run)

    def _call(self, reconcile: Reconcile, key: Hashable) -> None:
        try:
            reconcile(key)
        except KubeApiError as error:
            log.info("reconcile %s %s: %s; retrying", getattr(reconcile, "__qualname__", reconcile), key, error)
            self.add_after(RETRY_SECONDS, reconcile, key)
        except Exception:
            log.exception("reconcile %s %s failed; retrying", getattr(reconcile, "__qualname__", reconcile), key)
            self.add_after(RETRY_SECONDS, reconcile, key)
