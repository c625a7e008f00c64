"""Hostile requests to every HTTP surface of the sandbox: ARM, Microsoft Graph, the Entra token endpoint, IMDS and a
cluster's Kubernetes API (DNS is in test_dns.py).

Each test sends its share of ``BUDGET`` random requests (hypothesis, derandomized) built from known routes with
hostile path segments, methods, content types, query values and bodies, plus a table of named cases (the inputs
that once broke a surface, and oversized bodies). No reply may be a 5xx or lack the API's error envelope, and
the surface must still serve a normal request afterwards.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podid.sandbox import Endpoints
from podid.sandbox.kube import ClusterAccess
from tests.fuzz.conftest import (
    BUDGET,
    Envelope,
    Tally,
    arm_envelope,
    describe,
    entra_envelope,
    graph_envelope,
    kube_envelope,
)
from tests.fuzz.strategies import (
    DEEP_JWTS,
    content_types,
    hostile_bodies,
    hostile_segments,
    methods,
    not_utf8,
    query_values,
    yaml_bomb,
)

API = "2021-04-01"
TOO_DEEP = b'{"location":"westus2","tags":' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}"


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes | None


def _fuzz(budget: int) -> settings:
    return settings(
        max_examples=budget,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def _send(
    session: requests.Session, base: str, sent: Sent, tally: Tally, envelope: Envelope, **check: bool
) -> requests.Response:
    response = session.request(
        sent.method, base + sent.path, params=sent.query, headers=sent.headers, data=sent.body, timeout=60
    )
    tally.record(response, envelope, describe(sent.method, sent.path, sent.body, **sent.query), **check)
    return response


def _requests(
    paths: st.SearchStrategy[str],
    query: st.SearchStrategy[dict[str, str]],
    authorization: st.SearchStrategy[dict[str, str]],
) -> st.SearchStrategy[Sent]:
    headers = st.builds(
        lambda auth, content_type: {**auth, **({"Content-Type": content_type} if content_type else {})},
        authorization,
        content_types,
    )
    return st.builds(Sent, methods, paths, query, headers, hostile_bodies)


def _template(templates: list[str]) -> st.SearchStrategy[str]:
    """A path from one of ``templates``, each ``{}`` filled with a hostile segment."""
    return st.sampled_from(templates).flatmap(
        lambda template: st.lists(hostile_segments, min_size=template.count("{}"), max_size=template.count("{}")).map(
            lambda parts: template.format(*parts)
        )
    )


def _bearer(token: str) -> st.SearchStrategy[dict[str, str]]:
    others = [{}, {"Authorization": "Bearer x.y.z"}, *({"Authorization": f"Bearer {jwt}"} for jwt in DEEP_JWTS)]
    return st.sampled_from([{"Authorization": f"Bearer {token}"}] * 8 + others)


# ARM


def _arm_paths(subscription: str) -> st.SearchStrategy[str]:
    sub = f"/subscriptions/{subscription}"
    group = sub + "/resourceGroups/{}"
    return _template(
        [
            group,
            sub + "/resourcegroups",
            group + "/providers/Microsoft.Network/dnsZones/{}",
            group + "/providers/Microsoft.Network/dnsZones/fuzz.example/{}/{}",
            group + "/providers/Microsoft.ContainerService/managedClusters/{}",
            group + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}",
            sub + "/providers/Microsoft.Authorization/roleAssignments/{}",
            sub + "/providers/{}/locations/{}/operations/{}",
            sub + "/providers/Microsoft.Features/providers/{}/features/{}",
            "/subscriptions/{}",
            "/{}",
            "/{}/{}/{}",
        ]
    )


ARM_TABLE = [
    ("PUT", "/resourceGroups/a%0Ab", b'{"location":"westus2"}'),
    ("PUT", "/resourceGroups/fuzzdeep", TOO_DEEP),
    ("PUT", "/resourceGroups/fuzzdeep", b"[" * 100_000),
    ("PUT", "/resourceGroups/fuzzbig", b'{"location":"westus2","tags":{"a":"' + b"x" * (17 * 1024 * 1024) + b'"}}'),
    ("PUT", "/resourceGroups/fuzzutf", b'{"location":"\xff\xfe"}'),
    ("GET", "/resourceGroups/%00", None),
]


def test_arm_answers_hostile_requests_with_arm_errors(
    session: requests.Session, endpoints: Endpoints, arm_token: str
) -> None:
    base, tally = endpoints.arm_url.rstrip("/"), Tally()
    sub = f"/subscriptions/{endpoints.subscription_id}"
    auth = {"Authorization": f"Bearer {arm_token}", "Content-Type": "application/json"}
    for method, path, body in ARM_TABLE:
        response = _send(session, base, Sent(method, sub + path, {"api-version": API}, auth, body), tally, arm_envelope)
        assert 400 <= response.status_code < 500, (path, response.text[:300])
    big = session.put(
        f"{base}{sub}/resourceGroups/fuzzbig", params={"api-version": API}, headers=auth, data=b"x" * (5 << 20)
    )
    assert (big.status_code, big.json()["error"]["code"]) == (413, "RequestContentTooLarge")
    versions = st.sampled_from([API, "2018-05-01", "2023-07-01-preview"]) | query_values
    paging = {key: query_values for key in ("$top", "$filter", "$skipToken", "$expand", "$recordsetnamesuffix")}
    query = st.fixed_dictionaries({}, optional={"api-version": versions, **paging})

    @_fuzz(BUDGET["arm"])
    @given(sent=_requests(_arm_paths(endpoints.subscription_id), query, _bearer(arm_token)))
    def send(sent: Sent) -> None:
        _send(session, base, sent, tally, arm_envelope)

    send()
    tally.check(BUDGET["arm"])
    groups = session.get(f"{base}{sub}/resourcegroups", params={"api-version": API}, headers=auth, timeout=30)
    assert groups.status_code == 200 and "value" in groups.json()


# Microsoft Graph


def test_graph_answers_hostile_requests_with_graph_errors(
    session: requests.Session, endpoints: Endpoints, graph_token: str
) -> None:
    base, tally = endpoints.arm_url.rstrip("/") + "/v1.0", Tally()
    auth = {"Authorization": f"Bearer {graph_token}", "Content-Type": "application/json"}
    for body in (b"[" * 5000, b'{"displayName":' * 3000, b"\xff\xfe", b'{"displayName":"' + b"x" * (5 << 20) + b'"}'):
        response = _send(session, base, Sent("POST", "/applications", {}, auth, body), tally, graph_envelope)
        assert 400 <= response.status_code < 500, response.text[:300]
    paths = _template(
        [
            "/applications",
            "/applications/{}",
            "/applications/{}/addPassword",
            "/servicePrincipals",
            "/servicePrincipals/{}",
            "/servicePrincipals(appId='{}')",
            "/{}",
            "/{}/{}",
        ]
    )
    query = st.fixed_dictionaries({}, optional={"$filter": query_values, "$top": query_values, "$select": query_values})

    @_fuzz(BUDGET["graph"])
    @given(sent=_requests(paths, query, _bearer(graph_token)))
    def send(sent: Sent) -> None:
        _send(session, base, sent, tally, graph_envelope)

    send()
    tally.check(BUDGET["graph"])
    listed = session.get(f"{base}/applications", headers=auth, timeout=30)
    assert listed.status_code == 200 and "value" in listed.json()


# Entra ID


_FORM_FIELDS = ["grant_type", "client_id", "client_secret", "scope", "resource", "client_assertion"]
_FORM_FIELDS += ["client_assertion_type"]
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_JWT_HEADER = b'{"alg":"RS256"}'


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _assertion_grant(client_id: str, claims: bytes) -> bytes:
    """A client-assertion grant for a known application whose JWT carries ``claims`` as its payload."""
    assertion = f"{_b64(_JWT_HEADER)}.{_b64(claims)}.{_b64(b'signature')}"
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_assertion_type": _ASSERTION_TYPE}
    form |= {"client_assertion": assertion, "scope": "https://management.azure.com/.default"}
    return urlencode(form).encode()


def _forms(client_id: str) -> st.SearchStrategy[bytes]:
    fields = st.dictionaries(st.sampled_from(_FORM_FIELDS), query_values, max_size=5)
    encoded = fields.map(lambda form: "&".join(f"{key}={value}" for key, value in form.items()).encode())
    multipart = st.binary(max_size=64).map(lambda raw: b"--zz\r\nContent-Disposition: form-data; name=a\r\n\r\n" + raw)
    assertions = hostile_bodies.map(lambda claims: _assertion_grant(client_id, claims or b""))
    return encoded | multipart | not_utf8 | assertions | hostile_bodies.map(lambda body: body or b"")


def test_entra_answers_hostile_requests_with_oauth_errors(session: requests.Session, endpoints: Endpoints) -> None:
    base, tally, tenant = endpoints.arm_url.rstrip("/"), Tally(), endpoints.tenant_id
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    operator = endpoints.operator.client_id
    for body in (
        b"grant_type=\xff\xfe&client_id=x",
        b"client_id=%ff%fe",
        b"x=" + b"a" * (5 << 20),
        _assertion_grant(operator, b"[" * 5000 + b"]" * 5000),
        _assertion_grant(operator, b'{"a":' * 3000 + b"1" + b"}" * 3000),
    ):
        sent = Sent("POST", f"/{tenant}/oauth2/v2.0/token", {}, form, body)
        response = _send(session, base, sent, tally, entra_envelope)
        assert 400 <= response.status_code < 500, response.text[:300]
    paths = _template(
        [f"/{tenant}/oauth2/v2.0/token", f"/{tenant}/oauth2/token", "/{}/oauth2/v2.0/token", "/{}/oauth2/token"]
    )
    headers = content_types.map(lambda content_type: {"Content-Type": content_type} if content_type else {})
    requests_ = st.builds(Sent, st.just("POST"), paths, st.just({}), headers, _forms(operator))

    @_fuzz(BUDGET["entra"])
    @given(sent=requests_)
    def send(sent: Sent) -> None:
        _send(session, base, sent, tally, entra_envelope)

    send()
    tally.check(BUDGET["entra"], outcomes=2)
    configuration = session.get(f"{base}/{tenant}/v2.0/.well-known/openid-configuration", timeout=30)
    assert configuration.status_code == 200 and "token_endpoint" in configuration.json()


# IMDS (NMI where the add-on runs)


def _go_error(response: requests.Response) -> bool:
    """NMI's Go ``http.Error``: plain text, nosniff, one line."""
    text_plain = response.headers.get("Content-Type", "").startswith("text/plain")
    return text_plain and response.headers.get("X-Content-Type-Options") == "nosniff"


def imds_envelope(response: requests.Response) -> bool:
    """IMDS's JSON error (``{"error", "error_description"}``, or ``{"error"}`` for instance metadata), or NMI's
    Go error where NMI answers in text."""
    if _go_error(response):
        return response.text.endswith("\n")
    document = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else None
    return isinstance(document, dict) and isinstance(document.get("error"), str)


def _no_pod(response: requests.Response) -> bool:
    """NMI answers a caller that is no pod with a 500 (aad-pod-identity pkg/nmi/server: "pod list is empty"); the
    fuzz runs from the test process, which is no pod, so that reply, and no other 5xx, is expected."""
    no_body = response.request.method == "HEAD"
    return response.status_code == 500 and _go_error(response) and (no_body or response.text == "pod list is empty\n")


def test_imds_answers_hostile_requests_with_imds_errors(session: requests.Session, endpoints: Endpoints) -> None:
    base, tally = endpoints.imds_url.rstrip("/"), Tally()
    paths = _template(
        ["/metadata/identity/oauth2/token", "/metadata/instance", "/metadata/identity/{}", "/metadata/{}", "/{}"]
    )
    query = st.fixed_dictionaries(
        {},
        optional={k: query_values for k in ("api-version", "resource", "client_id", "mi_res_id", "object_id")},
    )
    metadata = st.sampled_from([{"Metadata": "true"}] * 3 + [{}, {"Metadata": "false"}])

    @_fuzz(BUDGET["imds"])
    @given(sent=_requests(paths, query, metadata))
    def send(sent: Sent) -> None:
        response = session.request(
            sent.method, base + sent.path, params=sent.query, headers=sent.headers, data=sent.body, timeout=60
        )
        what = describe(sent.method, sent.path, sent.body, **sent.query)
        tally.record(response, imds_envelope, what, allowed_5xx=_no_pod(response))

    send()
    tally.check(BUDGET["imds"])
    refused = session.get(f"{base}/metadata/instance", params={"api-version": "2021-02-01"}, timeout=30)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_request")


# Kubernetes API


def _kube_paths() -> st.SearchStrategy[str]:
    return _template(
        [
            "/api/v1/namespaces/default/configmaps",
            "/api/v1/namespaces/default/configmaps/{}",
            "/api/v1/namespaces/{}/configmaps/{}",
            "/api/v1/namespaces/{}",
            "/apis/apps/v1/namespaces/default/deployments/{}",
            "/apis/apps/v1/namespaces/default/deployments/{}/scale",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/{}",
            "/api/v1/namespaces/default/pods/{}/{}",
            "/apis/{}/{}",
            "/{}",
            "/api/{}/{}/{}",
        ]
    )


def test_kubernetes_answers_hostile_requests_with_statuses(
    session: requests.Session, kube_access: ClusterAccess
) -> None:
    base, tally = kube_access.server_url, Tally()
    auth = {"Authorization": f"Bearer {kube_access.admin_token}"}
    configmaps = "/api/v1/namespaces/default/configmaps"
    yaml_auth = {**auth, "Content-Type": "application/yaml"}
    bomb = yaml_bomb(9, 9)
    refused = _send(session, base, Sent("POST", configmaps, {}, yaml_auth, bomb), tally, kube_envelope)
    assert (refused.status_code, refused.json()["reason"]) == (400, "BadRequest")
    assert "yaml: document contains excessive aliasing" in refused.json()["message"]
    deep = _send(session, base, Sent("POST", configmaps, {}, auth, b"[" * 5000 + b"]" * 5000), tally, kube_envelope)
    assert deep.status_code == 400
    assert (
        deep.json()["message"]
        == "couldn't get version/kind; json parse error: invalid character '[' exceeded max depth"
    )
    big = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"' + b"x" * (4 << 20) + b'"}}'
    too_large = _send(session, base, Sent("POST", configmaps, {}, auth, big), tally, kube_envelope)
    assert (too_large.status_code, too_large.json()["reason"]) == (413, "RequestEntityTooLarge")
    assert too_large.json()["message"] == "Request entity too large: limit is 3145728"
    keys = ("labelSelector", "fieldSelector", "limit", "continue", "dryRun", "resourceVersion", "fieldManager")
    keys += ("gracePeriodSeconds", "propagationPolicy", "force", "pretty")  # no watch: a good one would stream
    query = st.fixed_dictionaries({}, optional={k: query_values for k in keys})
    authorization = _bearer(kube_access.admin_token)

    @_fuzz(BUDGET["kube"])
    @given(sent=_requests(_kube_paths(), query, authorization))
    def send(sent: Sent) -> None:
        _send(session, base, sent, tally, kube_envelope)

    send()
    tally.check(BUDGET["kube"])
    listed = session.get(base + configmaps, headers=auth, timeout=30)
    assert listed.status_code == 200 and listed.json()["kind"] == "ConfigMapList"
    assert all(len(item.get("data") or {}) < 1000 for item in listed.json()["items"])


def test_kubernetes_accepts_modest_aliasing(session: requests.Session, kube_access: ClusterAccess) -> None:
    """A YAML alias in a small document decodes, as go-yaml lets it (the budget only bites on expansion)."""
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aliased}\ndata:\n  a: &a x\n  b: *a\n"
    response = session.post(
        f"{kube_access.server_url}/api/v1/namespaces/default/configmaps",
        headers={"Authorization": f"Bearer {kube_access.admin_token}", "Content-Type": "application/yaml"},
        data=body,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"] == {"a": "x", "b": "x"}
