"""Microsoft.Features handlers: parse the request, call the backend, shape the ARM JSON."""

from __future__ import annotations

from typing import Any

from podid.sandbox.arm._request import ArmRequest, ArmResponse, ok
from podid.sandbox.arm.features.models import Feature, FeaturesBackend

FEATURE_TYPE = "Microsoft.Features/providers/features"
Request = ArmRequest[FeaturesBackend]


def feature_to_arm(request: Request, feature: Feature) -> dict[str, Any]:
    subscription = request.settings.subscription_id
    return {
        "id": f"/subscriptions/{subscription}/providers/Microsoft.Features/providers/{feature.namespace}"
        f"/features/{feature.name}",
        "name": f"{feature.namespace}/{feature.name}",
        "type": FEATURE_TYPE,
        "properties": {"state": feature.state},
    }


def _names(request: Request) -> tuple[str, str]:
    return request.params["namespace"], request.params["featureName"]


def get_feature(request: Request) -> ArmResponse:
    return ok(feature_to_arm(request, request.backend.features_get(*_names(request))))


def register_feature(request: Request) -> ArmResponse:
    return ok(feature_to_arm(request, request.backend.features_register(*_names(request))))


def unregister_feature(request: Request) -> ArmResponse:
    return ok(feature_to_arm(request, request.backend.features_unregister(*_names(request))))


def list_features(request: Request) -> ArmResponse:
    features = request.backend.features_list(request.params["namespace"])
    return ok({"value": [feature_to_arm(request, feature) for feature in features]})


def list_all_features(request: Request) -> ArmResponse:
    features = request.backend.features_list_all()
    return ok({"value": [feature_to_arm(request, feature) for feature in features]})
