"""Microsoft.Network DNS handlers: parse the request, call the backend, shape Azure DNS's JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from podid.sandbox.arm._lro import lro_headers
from podid.sandbox.arm._request import DEFAULT_PAGE_SIZE, ArmRequest, ArmResponse, created, no_content, ok
from podid.sandbox.arm.dns.models import (
    MAX_RECORD_SETS,
    ZONE_TYPE,
    DnsBackend,
    RecordSet,
    RecordSetChange,
    Zone,
)
from podid.sandbox.arm.dns.records import (
    MAX_RECORDS_PER_SET,
    RECORD_PROPERTY,
    SINGLE_RECORD_TYPES,
    canonical_type,
    parse_records,
    validate_metadata,
    validate_ttl,
)
from podid.sandbox.arm.errors import BadRequest, InvalidRequestContent, InvalidResourceType

Request = ArmRequest[DnsBackend]

T = TypeVar("T")
# Zones served on 2018-05-01 carry no maxNumberOfRecordsPerRecordSet (the SDK reads null); later versions do.
_PER_SET_LIMIT_SINCE = "2023-07-01-preview"


# wire shapes


def zone_to_arm(zone: Zone, record_sets: int, api_version: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"maxNumberOfRecordSets": MAX_RECORD_SETS}
    if api_version >= _PER_SET_LIMIT_SINCE:
        properties["maxNumberOfRecordsPerRecordSet"] = MAX_RECORDS_PER_SET
    properties |= {
        "numberOfRecordSets": record_sets,
        "nameServers": list(zone.name_servers),
        "zoneType": zone.zone_type,
    }
    return {
        "id": zone.id,
        "name": zone.name,
        "type": ZONE_TYPE,
        "etag": zone.etag,
        "location": "global",
        "tags": zone.tags,
        "properties": properties,
    }


def record_set_to_arm(record_set: RecordSet) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "TTL": record_set.ttl,
        "fqdn": record_set.fqdn,
        "provisioningState": "Succeeded",
        "targetResource": {},
    }
    if record_set.metadata is not None:
        properties["metadata"] = record_set.metadata
    wire = RECORD_PROPERTY[record_set.type]
    if record_set.type in SINGLE_RECORD_TYPES:
        if record_set.records:
            properties[wire] = record_set.records[0]
    else:
        properties[wire] = list(record_set.records)
    return {
        "id": record_set.id,
        "name": record_set.name,
        "type": f"{ZONE_TYPE}/{record_set.type}",
        "etag": record_set.etag,
        "properties": properties,
    }


def _zone_body(request: Request, zone: Zone) -> dict[str, Any]:
    return zone_to_arm(zone, request.backend.number_of_record_sets(zone), request.api_version)


# request parsing


def _record_type(request: Request) -> str:
    record_type = canonical_type(request.params["recordType"])
    if record_type is None:
        raise _unknown_type(request)
    return record_type


def _unknown_type(request: Request) -> InvalidResourceType:
    return InvalidResourceType(f"dnszones/{request.params['recordType']}", "Microsoft.Network", request.api_version)


def _object(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequestContent(f"The request content was invalid and could not be deserialized: '{what}'.")
    return value


def _tags(body: dict[str, Any]) -> dict[str, str] | None:
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values())):
        raise BadRequest("The value of 'tags' must be an object of string values.", code="InvalidRequestContent")
    return tags


def _change(request: Request, record_type: str) -> RecordSetChange:
    properties = _object(request.json().get("properties"), "properties must be an object")
    ttl = next((value for key, value in properties.items() if key.lower() == "ttl"), None)
    return RecordSetChange(
        ttl=None if ttl is None else validate_ttl(ttl),
        metadata=validate_metadata(properties.get("metadata")),
        records=parse_records(record_type, properties, partial=record_type == "SOA"),
    )


def _paged(request: Request, items: Sequence[T], render: Callable[[T], dict[str, Any]]) -> ArmResponse:
    """One page with an absolute nextLink; only the page is rendered (zones hold up to 10,000 record sets)."""
    raw_skip = request.query.get("$skiptoken", "0")
    start = int(raw_skip) if raw_skip.isascii() and raw_skip.isdigit() else 0
    size = request.top() or DEFAULT_PAGE_SIZE
    body: dict[str, Any] = {"value": [render(item) for item in items[start : start + size]]}
    if start + size < len(items):
        extra = {key: value for key, value in request.query.items() if key not in {"$skiptoken", "api-version"}}
        body["nextLink"] = request.url(request.path, **extra, **{"$skipToken": str(start + size)})
    return ok(body)


def _names(request: Request) -> tuple[str, str]:
    return request.params["resourceGroupName"], request.params["zoneName"]


# zones


def create_or_update_zone(request: Request) -> ArmResponse:
    body = request.json()
    properties = _object(body.get("properties"), "properties must be an object")
    dns = request.backend
    zone, is_new = dns.zones_create_or_update(
        *_names(request),
        body.get("location"),
        _tags(body) or {},
        properties.get("zoneType"),
        if_match=request.header("If-Match"),
        if_none_match=request.header("If-None-Match"),
    )
    return (created if is_new else ok)(_zone_body(request, zone))


def update_zone(request: Request) -> ArmResponse:
    dns = request.backend
    zone = dns.zones_update(*_names(request), _tags(request.json()), if_match=request.header("If-Match"))
    return ok(_zone_body(request, zone))


def get_zone(request: Request) -> ArmResponse:
    dns = request.backend
    zone = dns.zones_get(*_names(request))
    return ok(_zone_body(request, zone))


def delete_zone(request: Request) -> ArmResponse:
    dns, operations = request.backend, request.operations
    zone = dns.zones_begin_delete(*_names(request), if_match=request.header("If-Match"))
    if zone is None:
        return no_content()
    operation = operations.start("Microsoft.Network", "global", "dnszones", lambda: dns.zones_delete(zone.id))
    return ArmResponse(202, None, lro_headers(request, operation, location=True))


def list_zones_by_group(request: Request) -> ArmResponse:
    dns = request.backend
    zones = dns.zones_list_by_resource_group(request.params["resourceGroupName"])
    return _paged(request, zones, lambda zone: _zone_body(request, zone))


def list_zones(request: Request) -> ArmResponse:
    dns = request.backend
    return _paged(request, dns.zones_list(), lambda zone: _zone_body(request, zone))


# record sets


def create_or_update_record_set(request: Request) -> ArmResponse:
    record_type = _record_type(request)
    record_set, is_new = request.backend.record_sets_create_or_update(
        *_names(request),
        record_type,
        request.params["relativeRecordSetName"],
        _change(request, record_type),
        if_match=request.header("If-Match"),
        if_none_match=request.header("If-None-Match"),
    )
    return (created if is_new else ok)(record_set_to_arm(record_set))


def update_record_set(request: Request) -> ArmResponse:
    record_type = _record_type(request)
    record_set = request.backend.record_sets_update(
        *_names(request),
        record_type,
        request.params["relativeRecordSetName"],
        _change(request, record_type),
        if_match=request.header("If-Match"),
    )
    return ok(record_set_to_arm(record_set))


def get_record_set(request: Request) -> ArmResponse:
    record_set = request.backend.record_sets_get(
        *_names(request), _record_type(request), request.params["relativeRecordSetName"]
    )
    return ok(record_set_to_arm(record_set))


def delete_record_set(request: Request) -> ArmResponse:
    deleted = request.backend.record_sets_delete(
        *_names(request),
        _record_type(request),
        request.params["relativeRecordSetName"],
        if_match=request.header("If-Match"),
    )
    return ok(None) if deleted else no_content()


def list_record_sets_by_type(request: Request) -> ArmResponse:
    suffix = request.query.get("$recordsetnamesuffix")
    items = request.backend.record_sets_list_by_type(*_names(request), _record_type(request), suffix)
    return _paged(request, items, record_set_to_arm)


def list_record_sets(request: Request) -> ArmResponse:
    suffix = request.query.get("$recordsetnamesuffix")
    items = request.backend.record_sets_list_by_dns_zone(*_names(request), suffix)
    return _paged(request, items, record_set_to_arm)


def list_all_record_sets(request: Request) -> ArmResponse:
    suffix = request.query.get("$recordsetnamesuffix")
    items = request.backend.record_sets_list_all_by_dns_zone(*_names(request), suffix)
    return _paged(request, items, record_set_to_arm)


def unknown_record_type(request: Request) -> ArmResponse:
    """Any operation on ``{zone}/{type}`` where the type is not one Azure DNS serves (ARM's 400)."""
    raise _unknown_type(request)
