"""Errors the AKS resource provider returns, on top of the generic ARM tree in ``arm.errors``.

ArmError
├── BadRequest (400)
│   ├── InvalidParameter          bad or missing property (AKS names the property in ``target``)
│   ├── PropertyChangeNotAllowed  an immutable property differs from the stored one
│   └── K8sVersionNotSupported
└── Conflict (409)
    └── OperationNotAllowed       another operation on the cluster is still running
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.arm.errors import BadRequest, Conflict

NAMING_RULES = "Please see https://aka.ms/aks-naming-rules for more details."


class _Targeted(BadRequest):
    """AKS names the offending property in the envelope's ``target``."""

    def __init__(self, message: str, target: str) -> None:
        super().__init__(message)
        self.target = target

    def envelope(self) -> dict[str, Any]:
        body = super().envelope()
        body["error"]["target"] = self.target
        return body


class InvalidParameter(_Targeted):
    code = "InvalidParameter"


class PropertyChangeNotAllowed(_Targeted):
    code = "PropertyChangeNotAllowed"

    def __init__(self, prop: str) -> None:
        super().__init__(f"Changing property '{prop}' is not allowed.", prop)


class K8sVersionNotSupported(BadRequest):
    code = "K8sVersionNotSupported"

    def __init__(self, version: str) -> None:
        super().__init__(
            f"Version {version} is not supported in this region. Please use [az aks get-versions] command to get "
            "the supported version list in this region. For more information, please check "
            "https://aka.ms/supported-version-list"
        )


class OperationNotAllowed(Conflict):
    """Today's wording, as AKS answered in May 2026 (quoted in Azure/azure-cli-extensions#9855): the running
    operation's verb and id, its start as ``UTC {ISO 8601, whole seconds}Z`` and the abort hint."""

    code = "OperationNotAllowed"

    def __init__(self, running: str, operation_id: str, started: str) -> None:
        super().__init__(
            f"Operation is not allowed because there's an in progress {running} operation (operation ID: "
            f"{operation_id}) on the managed cluster started on UTC {started[:19]}Z. Please wait for it to finish "
            "before starting a new operation. You can also use 'az aks operation-abort ...' to abort the ongoing "
            "operation."
        )
