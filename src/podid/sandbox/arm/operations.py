"""Long-running operations as explicit state machines (moto's ManagedState).

A slow PUT or DELETE starts an Operation and answers 201/202 with an Azure-AsyncOperation (and Location)
URL and an integer ``Retry-After: 1`` (0 would make the SDK sleep 30 s). The operation stays InProgress
for a configured number of polls, then runs its completion step and reports Succeeded (or Failed with the
ARM error the step raised).

Status documents are kept in the store, so that an SDK poller carries on across a sandbox restart: an operation
the restart interrupted lost its completion step with the process, but the services resume interrupted work
when they start (AKS finishes a cluster left Creating, Updating or Deleting), so it reports Succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from podid.sandbox.arm.errors import ArmError, NotFound
from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.store import Store

RETRY_AFTER = "1"
KIND = "armOperation"


@dataclass
class Operation:
    id: str
    namespace: str
    location: str
    start_time: str
    polls_left: int
    complete: Callable[[], None]
    status: str = "InProgress"
    end_time: str | None = None
    error: ArmError | None = field(default=None, repr=False)

    def status_body(self) -> dict[str, object]:
        body: dict[str, object] = {"id": self.id, "name": self.id, "status": self.status, "startTime": self.start_time}
        if self.end_time:
            body["endTime"] = self.end_time
        if self.error is not None:
            body["error"] = {"code": self.error.code, "message": self.error.message}
        return body

    def to_doc(self) -> dict[str, Any]:
        doc = {"namespace": self.namespace, "location": self.location, **self.status_body()}
        if self.error is not None:
            doc["errorStatus"] = self.error.status
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Operation:
        """A stored operation; its completion step stayed with the process that started it."""
        operation = cls(doc["id"], doc["namespace"], doc["location"], doc["startTime"], 0, lambda: None)
        operation.status, operation.end_time = doc["status"], doc.get("endTime")
        if "error" in doc:
            error = doc["error"]
            operation.error = ArmError(error["message"], code=error["code"], status=doc["errorStatus"])
        return operation


class Operations:
    """Tracks running operations and advances them as clients poll."""

    def __init__(self, ids: IdGenerator, clock: Clock, store: Store) -> None:
        self._ids, self._clock, self._store = ids, clock, store
        self._operations: dict[str, Operation] = {}  # this process's: they hold their completion steps
        self.polls: dict[str, int] = {}  # resource type (lower) -> polls before completion

    def start(self, namespace: str, location: str, resource_type: str, complete: Callable[[], None]) -> Operation:
        polls = self.polls.get(resource_type.lower(), 0)
        operation = Operation(self._ids.guid(), namespace, location, self._clock.isoformat(), polls, complete)
        self._operations[operation.id.lower()] = operation
        if polls == 0:
            self._finish(operation)
        else:
            self._save(operation)
        return operation

    def poll(self, operation_id: str) -> Operation:
        operation = self._operations.get(operation_id.lower()) or self._restored(operation_id)
        if operation.status == "InProgress":
            operation.polls_left -= 1
            if operation.polls_left <= 0:
                self._finish(operation)
        return operation

    def forget_all(self) -> None:
        """Drop every operation, running or settled (the sandbox is being reset): polling one answers 404."""
        self._operations.clear()
        with self._store.transaction():
            for key in self._store.keys(KIND):
                self._store.delete(KIND, key)

    def _finish(self, operation: Operation) -> None:
        try:
            operation.complete()
            operation.status = "Succeeded"
        except ArmError as error:
            operation.status, operation.error = "Failed", error
        operation.end_time = self._clock.isoformat()
        self._save(operation)

    def _restored(self, operation_id: str) -> Operation:
        """An operation of an earlier run of the sandbox, settled if the restart interrupted it."""
        doc = self._store.get(KIND, operation_id)
        if doc is None:
            raise NotFound(f"The operation '{operation_id}' could not be found.", code="OperationNotFound")
        operation = Operation.from_doc(doc)
        if operation.status == "InProgress":  # its work was resumed when the services started
            operation.status, operation.end_time = "Succeeded", self._clock.isoformat()
            self._save(operation)
        return operation

    def _save(self, operation: Operation) -> None:
        self._store.put(KIND, operation.id, operation.to_doc())
