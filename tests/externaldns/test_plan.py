"""The pure planner and the policies: (current, desired, policy) -> expected Changes.

Covers: create/update/delete per row; TTL and target comparison (order, case, IPv6 spelling); ownership
(unowned and foreign records never updated or deleted, creates of a new type only when the whole row is ours);
record-type changes and the CNAME-vs-A conflict; candidate choice (fewest targets, IPs first, current resource
wins); domain filter and managed types; sync / upsert-only / create-only; has_changes; purity.
"""

import pytest

from podid.workloads.externaldns.domain_filter import DomainFilter
from podid.workloads.externaldns.plan import Changes, calculate
from podid.workloads.externaldns.policy import create_only, policy_named, sync, upsert_only

from .fakes import ep

ME = "me"
SVC = "service/default/nginx"


def plan(current, desired, policy=sync, **kwargs):
    return calculate(current, desired, policy, owner_id=ME, **kwargs)


def mine(name, record_type, *targets, ttl=0, resource=SVC):
    return ep(name, record_type, *targets, ttl=ttl, owner=ME, resource=resource)


def want(name, record_type, *targets, ttl=0, resource=SVC):
    return ep(name, record_type, *targets, ttl=ttl, resource=resource)


CASES = {
    "new name is created": (
        [],
        [want("app.example.com", "A", "1.2.3.4")],
        Changes(create=(want("app.example.com", "A", "1.2.3.4"),)),
    ),
    "up to date": (
        [mine("app.example.com", "A", "1.2.3.4", ttl=300)],
        [want("app.example.com", "A", "1.2.3.4")],
        Changes(),
    ),
    "target changed": (
        [mine("app.example.com", "A", "1.2.3.4", ttl=300)],
        [want("app.example.com", "A", "5.6.7.8")],
        Changes(
            update_old=(mine("app.example.com", "A", "1.2.3.4", ttl=300),),
            update_new=(mine("app.example.com", "A", "5.6.7.8"),),
        ),
    ),
    "configured ttl changed": (
        [mine("app.example.com", "A", "1.2.3.4", ttl=300)],
        [want("app.example.com", "A", "1.2.3.4", ttl=60)],
        Changes(
            update_old=(mine("app.example.com", "A", "1.2.3.4", ttl=300),),
            update_new=(mine("app.example.com", "A", "1.2.3.4", ttl=60),),
        ),
    ),
    "targets compared without order, case or IPv6 spelling": (
        [mine("app.example.com", "AAAA", "2001:db8:0:0:0:0:0:1", "2001:db8::2")],
        [want("app.example.com", "AAAA", "2001:db8::2", "2001:DB8::1")],
        Changes(),
    ),
    "released name is deleted": (
        [mine("app.example.com", "A", "1.2.3.4")],
        [],
        Changes(delete=(mine("app.example.com", "A", "1.2.3.4"),)),
    ),
    "hand-made record is never deleted": (
        [ep("app.example.com", "A", "1.2.3.4")],
        [],
        Changes(),
    ),
    "hand-made record is never updated": (
        [ep("app.example.com", "A", "1.2.3.4")],
        [want("app.example.com", "A", "5.6.7.8")],
        Changes(),
    ),
    "another owner's record is never updated or deleted": (
        [ep("app.example.com", "A", "1.2.3.4", owner="other"), ep("old.example.com", "A", "9.9.9.9", owner="other")],
        [want("app.example.com", "A", "5.6.7.8")],
        Changes(),
    ),
    "new type on an owned name is created": (
        [mine("app.example.com", "A", "1.2.3.4")],
        [want("app.example.com", "A", "1.2.3.4"), want("app.example.com", "AAAA", "2001:db8::1")],
        Changes(create=(want("app.example.com", "AAAA", "2001:db8::1"),)),
    ),
    "new type on a name someone else holds is not created": (
        [ep("app.example.com", "A", "1.2.3.4", owner="other")],
        [want("app.example.com", "A", "1.2.3.4"), want("app.example.com", "AAAA", "2001:db8::1")],
        Changes(),
    ),
    "record type change deletes the old type and creates the new": (
        [mine("app.example.com", "CNAME", "lb.example.net")],
        [want("app.example.com", "A", "1.2.3.4")],
        Changes(
            create=(want("app.example.com", "A", "1.2.3.4"),),
            delete=(mine("app.example.com", "CNAME", "lb.example.net"),),
        ),
    ),
    "A wins over CNAME for the same name": (
        [],
        [want("app.example.com", "CNAME", "lb.example.net"), want("app.example.com", "A", "1.2.3.4")],
        Changes(create=(want("app.example.com", "A", "1.2.3.4"),)),
    ),
    "names compare case-insensitively, trailing dot or not": (
        [mine("App.Example.com", "A", "1.2.3.4")],
        [want("app.example.com.", "A", "1.2.3.4")],
        Changes(),
    ),
    "TXT and MX are not managed by default": (
        [ep("app.example.com", "TXT", '"v=spf1"', owner=ME), ep("example.com", "MX", "10 mx.example.com", owner=ME)],
        [],
        Changes(),
    ),
}


@pytest.mark.parametrize(("current", "desired", "expected"), CASES.values(), ids=CASES.keys())
def test_plan_table(current, desired, expected):
    assert plan(current, desired) == expected


def test_candidate_with_fewest_targets_then_ips_first_wins_a_free_name():
    two = want("app.example.com", "A", "1.1.1.1", "2.2.2.2", resource="service/default/a")
    high = want("app.example.com", "A", "9.9.9.9", resource="service/default/b")
    low = want("app.example.com", "A", "10.0.0.1", resource="service/default/c")
    assert plan([], [two, low, high]).create == (high,)  # 9.9.9.9 < 10.0.0.1 as addresses, not as strings

    name = want("www.example.com", "CNAME", "1-2-3-4.example.net", resource="service/default/d")
    ip = want("www.example.com", "CNAME", "1.2.3.4", resource="service/default/e")
    assert plan([], [name, ip]).create == (ip,)


def test_update_prefers_the_resource_that_already_holds_the_name():
    current = mine("app.example.com", "A", "1.2.3.4", resource="service/default/b")
    other = want("app.example.com", "A", "1.1.1.1", resource="service/default/a")
    same = want("app.example.com", "A", "5.6.7.8", resource="service/default/b")
    changes = plan([current], [other, same])
    assert changes.update_new == (mine("app.example.com", "A", "5.6.7.8", resource="service/default/b"),)


def test_domain_filter_hides_records_and_endpoints_outside_it():
    current = [mine("old.other.org", "A", "1.2.3.4")]
    desired = [want("app.other.org", "A", "1.2.3.4"), want("app.example.com", "A", "1.2.3.4")]
    changes = plan(current, desired, domain_filter=DomainFilter.of(["example.com"]))
    assert changes == Changes(create=(want("app.example.com", "A", "1.2.3.4"),))


def test_managed_types_widen_what_is_planned():
    current = [ep("example.com", "MX", "10 mx.example.com", owner=ME)]
    assert plan(current, [], managed_types=("A", "MX")).delete == tuple(current)


def test_duplicate_deletes_are_removed():
    first, second = mine("app.example.com", "A", "1.2.3.4"), mine("app.example.com", "A", "1.2.3.4")
    assert plan([first, second], []).delete == (first,)


POLICY_INPUT = (
    [mine("gone.example.com", "A", "1.1.1.1"), mine("moved.example.com", "A", "2.2.2.2")],
    [want("moved.example.com", "A", "3.3.3.3"), want("new.example.com", "A", "4.4.4.4")],
)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("sync", {"create": 1, "update_new": 1, "update_old": 1, "delete": 1}),
        ("upsert-only", {"create": 1, "update_new": 1, "update_old": 1, "delete": 0}),
        ("create-only", {"create": 1, "update_new": 0, "update_old": 0, "delete": 0}),
    ],
)
def test_policies_filter_the_changes(policy, expected):
    changes = plan(*POLICY_INPUT, policy=policy_named(policy))
    counts = {name: len(getattr(changes, name)) for name in expected}
    assert counts == expected


def test_policy_functions_and_unknown_policy():
    full = Changes(create=(want("a.example.com", "A", "1.1.1.1"),), delete=(mine("b.example.com", "A", "2.2.2.2"),))
    assert upsert_only(full).delete == ()
    assert create_only(full) == Changes(create=full.create)
    with pytest.raises(ValueError, match="unknown policy 'delete-all'"):
        policy_named("delete-all")


def test_has_changes():
    assert not Changes().has_changes()
    assert Changes(create=(want("a.example.com", "A", "1.1.1.1"),)).has_changes()
    assert Changes(delete=(mine("a.example.com", "A", "1.1.1.1"),)).has_changes()
    old, new = mine("a.example.com", "A", "1.1.1.1"), mine("a.example.com", "A", "2.2.2.2")
    assert Changes(update_old=(old,), update_new=(new,)).has_changes()
    assert not Changes(update_old=(old,), update_new=(old,)).has_changes()


def test_calculate_does_not_modify_its_inputs():
    current = [mine("app.example.com", "A", "1.2.3.4", resource="service/default/old")]
    desired = [want("app.example.com", "A", "5.6.7.8")]
    snapshot = (list(current), list(desired), dict(desired[0].labels))
    plan(current, desired)
    assert (current, desired, dict(desired[0].labels)) == snapshot
