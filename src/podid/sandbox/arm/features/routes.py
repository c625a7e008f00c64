"""Microsoft.Features URL templates → handlers and Azure actions (all authorised at the subscription)."""

from podid.sandbox.arm._routing import ApiVersions, Route, served_on
from podid.sandbox.arm.features import handlers

_SUB = "/subscriptions/{subscriptionId}"
_FEATURES = _SUB + "/providers/Microsoft.Features/providers/{namespace}/features"
_FEATURE = _FEATURES + "/{featureName}"
_ACTION = "Microsoft.Features/providers/features/"

# The versions of azure-rest-api-specs specification/resources (features); both clients send 2021-07-01.
API_VERSIONS = ApiVersions.listed("Microsoft.Features", "2015-12-01,2021-07-01")

ROUTES = served_on(
    API_VERSIONS,
    [
        Route("GET", _FEATURE, handlers.get_feature, _ACTION + "read", scope=_SUB, operation_id="Features_Get"),
        Route(
            "POST",
            _FEATURE + "/register",
            handlers.register_feature,
            _ACTION + "register/action",
            scope=_SUB,
            operation_id="Features_Register",
        ),
        Route(
            "POST",
            _FEATURE + "/unregister",
            handlers.unregister_feature,
            _ACTION + "unregister/action",
            scope=_SUB,
            operation_id="Features_Unregister",
        ),
        Route("GET", _FEATURES, handlers.list_features, _ACTION + "read", scope=_SUB, operation_id="Features_List"),
        Route(
            "GET",
            _SUB + "/providers/Microsoft.Features/features",
            handlers.list_all_features,
            "Microsoft.Features/features/read",
            scope=_SUB,
            operation_id="Features_ListAll",
        ),
    ],
)
