"""The in-memory provider's batch rules.

Covers: records grouped by zone (longest zone wins, names outside every zone skipped); labels never stored;
the whole batch validated before anything is applied (existing create, missing or stale update/delete,
duplicates), with external-dns' sentinel errors; zone creation.
"""

from dataclasses import replace

import pytest

from podid.workloads.externaldns.endpoint import Endpoint
from podid.workloads.externaldns.errors import (
    DuplicateRecordError,
    PermanentError,
    RecordAlreadyExistsError,
    RecordNotFoundError,
    ZoneAlreadyExistsError,
)
from podid.workloads.externaldns.plan import Changes
from podid.workloads.externaldns.provider import find_zone
from podid.workloads.externaldns.provider.inmemory import InMemoryProvider

from .fakes import ep

APP = ep("app.example.com", "A", "1.2.3.4")


def provider_with_app() -> InMemoryProvider:
    provider = InMemoryProvider(["sub.example.com", "example.com"])  # the valid zone's changes come first
    provider.apply_changes(Changes(create=(APP,)))
    return provider


def test_zone_is_the_longest_matching_one():
    zones = ["example.com", "sub.example.com"]
    assert find_zone("x.sub.example.com", zones) == "sub.example.com"
    assert find_zone("sub.example.com.", zones) == "sub.example.com"
    assert find_zone("example.com", zones) == "example.com"
    assert find_zone("badexample.com", zones) is None


def test_names_outside_every_zone_are_skipped_and_labels_are_not_stored():
    provider = provider_with_app()
    provider.apply_changes(
        Changes(create=(ep("x.other.org", "A", "1.1.1.1"), ep("x.sub.example.com", "A", "2.2.2.2", owner="me")))
    )
    assert provider.records() == [Endpoint("x.sub.example.com", "A", ("2.2.2.2",)), APP]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        (Changes(create=(APP,)), RecordAlreadyExistsError),
        (Changes(update_new=(ep("nope.example.com", "A", "1.1.1.1"),)), RecordNotFoundError),
        (Changes(update_old=(ep("app.example.com", "A", "9.9.9.9"),)), RecordNotFoundError),
        (Changes(delete=(ep("nope.example.com", "A", "1.1.1.1"),)), RecordNotFoundError),
        (Changes(delete=(ep("app.example.com", "A", "9.9.9.9"),)), RecordNotFoundError),
        (Changes(update_new=(APP,), delete=(APP,)), DuplicateRecordError),
        (
            Changes(create=(ep("b.example.com", "A", "1.1.1.1"), ep("b.example.com", "A", "2.2.2.2"))),
            DuplicateRecordError,
        ),
    ],
)
def test_invalid_batches_are_refused_whole(changes, error):
    provider = provider_with_app()
    fresh = ep("fresh.sub.example.com", "A", "3.3.3.3")  # valid, in another zone: must not be applied either
    with pytest.raises(error) as raised:
        provider.apply_changes(replace(changes, create=(*changes.create, fresh)))
    assert isinstance(raised.value, PermanentError)
    assert provider.records() == [APP]


def test_update_and_delete():
    provider = provider_with_app()
    moved = ep("app.example.com", "A", "5.6.7.8", ttl=60)
    provider.apply_changes(Changes(update_old=(APP,), update_new=(moved,)))
    assert provider.records() == [moved]
    provider.apply_changes(Changes(delete=(moved,)))
    assert provider.records() == []


def test_zone_exists_once():
    provider = InMemoryProvider(["example.com"])
    with pytest.raises(ZoneAlreadyExistsError, match="specified zone already exists"):
        provider.create_zone("example.com")
