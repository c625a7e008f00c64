"""The errors Microsoft.Features answers with.

ArmError
└── NotFound (404): FeatureNotFound
"""

from __future__ import annotations

from podid.sandbox.arm.errors import NotFound


class FeatureNotFound(NotFound):
    code = "FeatureNotFound"

    def __init__(self, feature: str) -> None:
        super().__init__(f"The feature '{feature}' could not be found.")
