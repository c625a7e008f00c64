"""A faithful local Azure + AKS: ARM, Entra ID, RBAC, Kubernetes, pod identity and DNS in one process."""

from typing import TYPE_CHECKING, Any

from podid.sandbox._config import Endpoints, Operator, SandboxConfig, default_data_dir

if TYPE_CHECKING:
    from podid.sandbox._runner import Sandbox

__all__ = ["Endpoints", "Operator", "Sandbox", "SandboxConfig", "default_data_dir"]


def __getattr__(name: str) -> Any:
    # The runner pulls in aiohttp, the SDK-free servers and every provider: load it only when asked for, so
    # that `podid` commands which merely read the sandbox's endpoints start fast.
    if name == "Sandbox":
        from podid.sandbox._runner import Sandbox

        return Sandbox
    raise AttributeError(name)
