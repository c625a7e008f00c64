"""The rule comparison behind RBAC's escalation checks, against cases of upstream's policy_comparator_test.go.

Covers: exact and ``*`` verbs, groups and resources; ``*/subresource``; resource names (an unrestricted owner rule
covers named atoms, a named one never covers unnamed atoms); non-resource URLs with ``*`` prefixes; several owner
rules that together cover a rule no single one does; the uncovered atoms returned; compaction per group and
resource; and ``CompactString``'s Go ``%q`` text, sorted and deduplicated.
"""

from __future__ import annotations

from podid.sandbox.kube.rbac.covers import Rule, breakdown, compact_rules, compact_string, covers, describe_missing


def rule(**fields: list[str]) -> Rule:
    keys = {"groups": "apiGroups", "resources": "resources", "verbs": "verbs", "names": "resourceNames"}
    keys |= {"urls": "nonResourceURLs"}
    return Rule.of({keys[key]: value for key, value in fields.items()})


SECRETS_GET = rule(groups=[""], resources=["secrets"], verbs=["get"])


def test_a_rule_reads_its_json_and_ignores_wrong_types() -> None:
    assert Rule.of({"apiGroups": [""], "resources": "pods", "verbs": ["get", 3]}) == Rule(("get", ""), ("",))
    assert Rule.of(None) == Rule()


def test_breakdown_into_atoms() -> None:
    atoms = breakdown(rule(groups=["", "apps"], resources=["pods"], verbs=["get", "list"], names=["a", "b"]))
    assert len(atoms) == 8 and atoms[0] == Rule(("get",), ("",), ("pods",), ("a",))
    assert breakdown(rule(urls=["/healthz", "/api"], verbs=["get"])) == [
        Rule(("get",), non_resource_urls=("/healthz",)),
        Rule(("get",), non_resource_urls=("/api",)),
    ]


def test_exact_and_star_matches() -> None:
    owner = [rule(groups=[""], resources=["pods", "secrets"], verbs=["get", "list"])]
    assert covers(owner, [SECRETS_GET]) == (True, [])
    assert covers([rule(groups=["*"], resources=["*"], verbs=["*"])], [SECRETS_GET])[0]
    covered, missing = covers(owner, [rule(groups=[""], resources=["secrets"], verbs=["get", "delete"])])
    assert not covered and missing == [Rule(("delete",), ("",), ("secrets",))]
    assert not covers(owner, [rule(groups=["apps"], resources=["pods"], verbs=["get"])])[0]


def test_star_requested_needs_star_held() -> None:
    everything = rule(groups=["*"], resources=["*"], verbs=["*"])
    covered, missing = covers([rule(groups=[""], resources=["pods"], verbs=["*"])], [everything])
    assert not covered and missing == [Rule(("*",), ("*",), ("*",))]


def test_subresources() -> None:
    scale = [rule(groups=["apps"], resources=["*/scale"], verbs=["update"])]
    assert covers(scale, [rule(groups=["apps"], resources=["deployments/scale"], verbs=["update"])])[0]
    assert not covers(scale, [rule(groups=["apps"], resources=["deployments"], verbs=["update"])])[0]
    assert not covers([rule(groups=["apps"], resources=["deployments"], verbs=["update"])], scale)[0]


def test_resource_names() -> None:
    named = rule(groups=[""], resources=["secrets"], verbs=["get"], names=["mine"])
    assert covers([SECRETS_GET], [named])[0]  # unrestricted covers a named atom
    assert not covers([named], [SECRETS_GET])[0]  # but a named rule covers no unnamed one
    assert covers([named], [named])[0]
    assert not covers([named], [rule(groups=[""], resources=["secrets"], verbs=["get"], names=["theirs"])])[0]


def test_non_resource_urls() -> None:
    owner = [rule(urls=["/apis/*", "/healthz"], verbs=["get"])]
    assert covers(owner, [rule(urls=["/apis/apps", "/healthz"], verbs=["get"])])[0]
    assert not covers(owner, [rule(urls=["/api"], verbs=["get"])])[0]
    assert not covers(owner, [rule(urls=["/healthz"], verbs=["post"])])[0]
    assert not covers(owner, [SECRETS_GET])[0]  # URLs never cover resources
    assert covers([rule(urls=["*"], verbs=["*"])], [rule(urls=["/anything"], verbs=["get"])])[0]


def test_atoms_may_be_covered_by_different_owner_rules() -> None:
    owner = [
        rule(groups=[""], resources=["pods"], verbs=["get"]),
        rule(groups=[""], resources=["pods"], verbs=["list"]),
    ]
    assert covers(owner, [rule(groups=[""], resources=["pods"], verbs=["get", "list"])]) == (True, [])


def test_compaction_merges_verbs_per_group_and_resource() -> None:
    missing = covers([], [rule(groups=["", "apps"], resources=["secrets"], verbs=["get", "list"])])[1]
    assert sorted(compact_rules(missing), key=lambda r: r.api_groups) == [
        Rule(("get", "list"), ("",), ("secrets",)),
        Rule(("get", "list"), ("apps",), ("secrets",)),
    ]
    named = rule(groups=[""], resources=["secrets"], verbs=["get"], names=["a"])
    assert compact_rules([named, named]) == [named, named]  # only simple rules merge


def test_compact_string_and_the_missing_text() -> None:
    assert compact_string(SECRETS_GET) == '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'
    named = rule(groups=["apps"], resources=["deployments"], verbs=["patch"], names=["web"])
    assert (
        compact_string(named)
        == '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["web"], Verbs:["patch"]}'
    )
    assert compact_string(rule(urls=["/metrics"], verbs=["get"])) == '{NonResourceURLs:["/metrics"], Verbs:["get"]}'
    missing = covers([], [rule(groups=[""], resources=["secrets", "pods"], verbs=["get", "list"]), named])[1]
    assert describe_missing(missing + missing[:1]) == "\n".join(
        [
            '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
            '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "get"]}',
            '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["web"], Verbs:["patch"]}',
        ]
    )
