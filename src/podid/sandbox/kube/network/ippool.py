"""Loopback address pools for pod IPs and load-balancer IPs, shared by every cluster of a sandbox.

Pods get addresses from 127.244.0.0/16 and LoadBalancer Services from 127.240.0.0/16: the whole of 127/8 is
routed to the loopback interface on Linux, so a workload can bind its sockets to its own pod IP and NMI can tell
pods apart by source address. Pools keep no state of their own: the owners are re-registered from the stored
objects when the sandbox starts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Hashable

POD_NETWORK = "127.244.0.0/16"
LOAD_BALANCER_NETWORK = "127.240.0.0/16"


class PoolExhausted(Exception):
    """Every address of the pool is in use."""


class AddressPool:
    """Hands out the addresses of one network, remembering who holds each."""

    def __init__(self, network: str) -> None:
        net = ipaddress.ip_network(network)
        self._first = int(net.network_address) + 1
        self._size = net.num_addresses - 2  # neither the network nor the broadcast address
        self._next = 0
        self._owners: dict[str, Hashable] = {}

    def allocate(self, owner: Hashable) -> str:
        """A free address, now held by ``owner`` (addresses are reused only after the pool wrapped around)."""
        for _ in range(self._size):
            address = str(ipaddress.ip_address(self._first + self._next))
            self._next = (self._next + 1) % self._size
            if address not in self._owners:
                self._owners[address] = owner
                return address
        raise PoolExhausted(f"no free address left in {ipaddress.ip_address(self._first - 1)}/{self._size + 2}")

    def claim(self, address: str, owner: Hashable) -> bool:
        """Record that ``owner`` holds ``address`` (on restart); False if someone else holds it."""
        holder = self._owners.setdefault(address, owner)
        return holder == owner

    def release(self, address: str, owner: Hashable) -> None:
        if self._owners.get(address) == owner:
            del self._owners[address]

    def owner(self, address: str) -> Hashable | None:
        return self._owners.get(address)

    def release_all(self, predicate: Callable[[Hashable], bool]) -> None:
        """Free every address whose owner satisfies ``predicate`` (a deleted cluster's)."""
        for address in [a for a, o in self._owners.items() if predicate(o)]:
            del self._owners[address]
