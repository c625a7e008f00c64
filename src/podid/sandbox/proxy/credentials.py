"""Per-pod proxy credentials: how the proxy tells pods apart, as NMI does by source address on a node.

The kubelet puts ``http://<pod IP>:<key>@127.0.0.1:<port>`` into each workload's environment; the key is an
HMAC of the pod's IP and UID under a secret that lives only in the sandbox's memory, so a credential cannot be
guessed, and it dies with its pod (the same IP given to a later pod has another UID). Clients send it as
``Proxy-Authorization: Basic base64(<pod IP>:<key>)`` (RFC 9110 section 11.7.1).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

# (pod IP) -> the UID of the running pod holding it, or None
PodLookup = Callable[[str], str | None]


class BadCredential(Exception):
    """The Proxy-Authorization header names no running pod (or is not Basic)."""


@dataclass(frozen=True)
class PodCredentials:
    lookup: PodLookup
    secret: bytes = b""

    @classmethod
    def new(cls, lookup: PodLookup) -> PodCredentials:
        return cls(lookup, secrets.token_bytes(32))

    def for_pod(self, ip: str, uid: str) -> str:
        """``<pod IP>:<key>``: the userinfo of the pod's proxy URL."""
        return f"{ip}:{self._key(ip, uid)}"

    def pod_ip(self, authorization: str | None) -> str | None:
        """The pod IP a Proxy-Authorization header proves, None without one (the machine's owner)."""
        if authorization is None:
            return None
        scheme, _, encoded = authorization.strip().partition(" ")
        try:
            ip, _, key = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise BadCredential() from None
        uid = self.lookup(ip) if scheme.lower() == "basic" else None
        if uid is None or not hmac.compare_digest(key.encode(), self._key(ip, uid).encode()):
            raise BadCredential()
        return ip

    def _key(self, ip: str, uid: str) -> str:
        return hmac.new(self.secret, f"{ip}/{uid}".encode(), hashlib.sha256).hexdigest()[:40]
