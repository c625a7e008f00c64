"""The pure rules behind `podid verify`: ARM's action wildcards and notActions, scope coverage, and the short
reason a probe's external-dns log gives for a refusal (403 action and scope, or why no token came)."""

from __future__ import annotations

from azure.mgmt.authorization.v2022_04_01.models import Permission, RoleDefinition

from podid.azure_rbac import is_at_or_below, wildcard_match
from podid.verify.grants import DNS_WRITE, allows
from podid.verify.probes import _reason

CONTRIBUTOR = RoleDefinition(
    role_name="Contributor",
    permissions=[
        Permission(actions=["*"], not_actions=["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete"])
    ],
)
DNS_ZONE_CONTRIBUTOR = RoleDefinition(
    role_name="DNS Zone Contributor", permissions=[Permission(actions=["Microsoft.Network/dnsZones/*"])]
)
READER = RoleDefinition(role_name="Reader", permissions=[Permission(actions=["*/read"])])


def test_wildcards_span_segments_and_ignore_case() -> None:
    assert wildcard_match("Microsoft.Network/dnsZones/*", "microsoft.network/dnszones/A/write")
    assert wildcard_match("*/read", "Microsoft.Network/dnsZones/read")
    assert not wildcard_match("*/read", DNS_WRITE)
    assert not wildcard_match("Microsoft.Network/dnsZones/read", "Microsoft.Network/dnsZones/readx")


def test_roles_that_can_write_records() -> None:
    assert allows(DNS_ZONE_CONTRIBUTOR, DNS_WRITE) and allows(CONTRIBUTOR, DNS_WRITE)
    assert not allows(READER, DNS_WRITE)
    assert not allows(CONTRIBUTOR, "Microsoft.Authorization/roleAssignments/write")


def test_a_scope_covers_itself_and_what_is_below_it() -> None:
    zone = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/dnszones/example.internal"
    assert is_at_or_below(zone, "/subscriptions/S/resourcegroups/RG") and is_at_or_below(zone, zone)
    assert not is_at_or_below(zone, "/subscriptions/s/resourceGroups/rg2")
    assert not is_at_or_below(zone, zone + ".other")


def test_refusal_reasons_are_short() -> None:
    denied = (
        'time="t" level=fatal msg="GET https://h/subscriptions/s/.../dnsZones\\n----\\nRESPONSE 403: 403 Forbidden\\n'
        'ERROR CODE: AuthorizationFailed\\n{\\n  \\"error\\": {\\"message\\": '
        "\\\"The client 'x' with object id 'x' does "
        "not have authorization to perform action 'Microsoft.Network/dnsZones/read' over scope '/subscriptions/s/rg' "
        'or the scope is invalid.\\"}}"'
    )
    assert _reason(denied) == "403 AuthorizationFailed: no 'Microsoft.Network/dnsZones/read' over /subscriptions/s/rg"
    no_token = (
        'level=fatal msg="ManagedIdentityCredential authentication unavailable. '
        'Token request error: (invalid_request) no identity"'
    )
    assert _reason(no_token) == "(invalid_request) no identity"
    assert _reason('level=info msg="All records are already up to date"') == "no error logged"
