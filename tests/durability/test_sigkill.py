"""No acknowledged write is lost when the sandbox process is SIGKILLed in the middle of a stream of writes.

Covers: a client thread PUTs new A record sets one after another (azure-mgmt-dns, no retries) and notes each
2xx with its etag; the process is SIGKILLed while it writes; after a restart on the same data directory every
acknowledged record set is there with the same records and etag, nothing else appeared but (perhaps) the one
write that was in flight, and the zone's numberOfRecordSets agrees with the record sets listed.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, field

from azure.core.exceptions import AzureError
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from tests.durability.conftest import SandboxProcess, operator_client

GROUP, ZONE = "killed", "killed.internal"
ACKED_BEFORE_KILL = 40


def _address(index: int) -> str:
    return f"10.{index // 65536}.{index // 256 % 256}.{index % 256}"


@dataclass
class Writer:
    """Writes record set w0, w1, … until a request fails; remembers what the sandbox acknowledged."""

    client: DnsManagementClient
    acked: dict[str, str] = field(default_factory=dict)  # name → etag
    failed: str | None = None  # the write in flight when the process died
    error: AzureError | None = None

    def run(self) -> None:
        index = 0
        while True:
            name = f"w{index}"
            body = {"ttl": 60, "a_records": [{"ipv4_address": _address(index)}]}
            try:
                written = self.client.record_sets.create_or_update(GROUP, ZONE, name, "A", body)
            except AzureError as error:
                self.failed, self.error = name, error
                return
            self.acked[name] = written.etag
            index += 1


def _wait_for_acks(writer: Writer, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 60
    while len(writer.acked) < ACKED_BEFORE_KILL:
        assert thread.is_alive(), f"the writer stopped before the kill: {writer.error!r}"
        assert time.monotonic() < deadline, f"only {len(writer.acked)} writes acknowledged in 60 s"
        time.sleep(0.01)


def test_acknowledged_writes_survive_sigkill(sandbox_process: SandboxProcess) -> None:
    endpoints = sandbox_process.start()
    operator_client(ResourceManagementClient, endpoints).resource_groups.create_or_update(
        GROUP, {"location": "westus2"}
    )
    operator_client(DnsManagementClient, endpoints).zones.create_or_update(GROUP, ZONE, {"location": "global"})
    writer = Writer(operator_client(DnsManagementClient, endpoints, retry_total=0))
    thread = threading.Thread(target=writer.run, daemon=True)
    thread.start()
    _wait_for_acks(writer, thread)
    assert sandbox_process.stop(signal.SIGKILL) == -signal.SIGKILL
    thread.join(timeout=60)
    assert not thread.is_alive() and writer.failed is not None, "the writer did not notice the kill"

    dns = operator_client(DnsManagementClient, sandbox_process.start())
    for name, etag in writer.acked.items():
        found = dns.record_sets.get(GROUP, ZONE, name, "A")
        assert (found.etag, [record.ipv4_address for record in found.a_records]) == (etag, [_address(int(name[1:]))])
    listed = {item.name for item in dns.record_sets.list_by_type(GROUP, ZONE, "A")}
    assert set(writer.acked) <= listed <= {*writer.acked, writer.failed}
    assert dns.zones.get(GROUP, ZONE).number_of_record_sets == len(listed) + 2  # with NS and SOA at '@'
