"""The read → desired → diff → apply core: subset diffs (extra server fields ignored, ARM ids compared without
case), merges, and an ARM resource planned as create / update / unchanged, with create-only fields and
whole-object PUTs built from the current resource."""

from __future__ import annotations

from typing import Any

from podid.provision.errors import NotFound
from podid.provision.step import merge, subset_diff
from podid.provision.steps._resource import ArmResource, plan


def test_subset_diff_ignores_fields_the_desired_state_does_not_set() -> None:
    current = {"location": "westus2", "properties": {"provisioningState": "Succeeded", "zoneType": "Public"}}
    assert subset_diff({"location": "westus2", "properties": {"zoneType": "Public"}}, current) == []


def test_subset_diff_reports_each_differing_leaf_with_its_path() -> None:
    desired = {"properties": {"agentPoolProfiles": [{"count": 3, "vmSize": "Standard_DS2_v2"}]}}
    current = {"properties": {"agentPoolProfiles": [{"count": 1, "vmSize": "Standard_DS2_v2", "name": "nodepool1"}]}}
    assert subset_diff(desired, current) == ["properties.agentPoolProfiles[0].count: 1 → 3"]


def test_subset_diff_compares_arm_ids_without_case_but_other_strings_exactly() -> None:
    desired = {"scope": "/subscriptions/S/resourceGroups/RG", "name": "Hello"}
    current = {"scope": "/subscriptions/s/resourcegroups/rg", "name": "hello"}
    assert subset_diff(desired, current) == ["name: hello → Hello"]


def test_subset_diff_of_a_missing_object_or_a_resized_list_is_one_line() -> None:
    assert subset_diff({"tags": {"a": "1"}}, {}) == ['tags: (none) → {"a": "1"}']
    assert subset_diff({"zones": ["1", "2"]}, {"zones": ["1"]}) == ['zones: ["1"] → ["1", "2"]']


def test_merge_sets_fields_recursively_and_replaces_lists() -> None:
    base = {"location": "x", "tags": {"keep": "1"}, "zones": ["1"]}
    assert merge(base, {"tags": {"new": "2"}, "zones": ["2"]}) == {
        "location": "x",
        "tags": {"keep": "1", "new": "2"},
        "zones": ["2"],
    }


class FakeResource:
    """A resource store behind the read/write callables a step uses."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        self.current = current
        self.writes: list[dict[str, Any]] = []

    def read(self) -> dict[str, Any]:
        if self.current is None:
            raise NotFound("(ResourceNotFound) gone", "ResourceNotFound", 404)
        return self.current

    def write(self, body: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(body)
        self.current = body
        return body


def _resource(fake: FakeResource, whole: bool = False) -> ArmResource:
    ready: list[Any] = []
    resource = ArmResource(
        "thing t1", {"location": "westus2"}, fake.read, fake.write, whole=whole, initial={"properties": {"prefix": "p"}}
    )
    resource.ready = ready.append
    return resource


def test_absent_resource_is_created_with_its_create_only_fields() -> None:
    fake = FakeResource(None)
    changes = plan(_resource(fake))
    assert [(change.action, change.what) for change in changes] == [("create", "thing t1")]
    assert fake.writes == []  # planning writes nothing
    changes[0].apply()  # type: ignore[misc]
    assert fake.writes == [{"location": "westus2", "properties": {"prefix": "p"}}]


def test_resource_as_desired_plans_nothing() -> None:
    fake = FakeResource({"location": "westus2", "id": "/x", "properties": {"prefix": "other"}})
    assert plan(_resource(fake)) == []


def test_drift_is_an_update_that_keeps_the_rest_of_a_whole_object() -> None:
    fake = FakeResource({"location": "eastus", "tags": {"team": "web"}})
    changes = plan(_resource(fake, whole=True))
    assert changes[0].action == "update" and changes[0].details == ("location: eastus → westus2",)
    changes[0].apply()  # type: ignore[misc]
    assert fake.writes == [{"location": "westus2", "tags": {"team": "web"}}]
