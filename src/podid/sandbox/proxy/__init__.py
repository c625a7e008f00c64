"""An HTTP proxy on loopback through which unmodified clients reach the sandbox by Azure's own hostnames."""

from podid.sandbox.proxy.server import ProxyService

__all__ = ["ProxyService"]
