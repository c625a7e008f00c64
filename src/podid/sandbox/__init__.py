"""A faithful local Azure + AKS: ARM, Entra ID, RBAC, Kubernetes, pod identity and DNS in one process."""

from podid.sandbox._config import Endpoints, Operator, SandboxConfig, default_data_dir
from podid.sandbox._runner import Sandbox

__all__ = ["Endpoints", "Operator", "Sandbox", "SandboxConfig", "default_data_dir"]
