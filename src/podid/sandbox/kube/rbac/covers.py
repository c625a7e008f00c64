"""Does one set of RBAC rules cover another? The comparison behind the escalation checks of RBAC writes.

A mirror of k8s.io/component-helpers/auth/rbac/validation/policy_comparator.go (``Covers``, ``BreakdownRule``):
the requested rules are broken down into atoms of one API group, resource, verb and resource name (or one
non-resource URL and verb), and every atom must be covered by a single owner rule. The atoms left over are what
the apiserver names in its refusal, merged per group and resource (pkg/registry/rbac/validation/policy_compact.go
``CompactRules``) and printed as pkg/apis/rbac/v1/evaluation_helpers.go ``CompactString`` prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from podid.sandbox.kube.machinery.objects import as_dict, as_list, as_str
from podid.sandbox.kube.machinery.status import go_value

ALL = "*"


@dataclass(frozen=True)
class Rule:
    """An rbac/v1 PolicyRule."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def of(cls, value: Any) -> Rule:
        """A rule from its JSON (fields of the wrong type read as empty)."""
        rule = as_dict(value)
        fields = ("verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs")
        return cls(*(tuple(as_str(item) for item in as_list(rule.get(field))) for field in fields))


def rules_of(values: Iterable[Any]) -> list[Rule]:
    return [Rule.of(value) for value in values]


def covers(owner: Sequence[Rule], requested: Sequence[Rule]) -> tuple[bool, list[Rule]]:
    """Whether ``owner`` covers ``requested``, and the atoms of ``requested`` that no owner rule covers."""
    atoms = [atom for rule in requested for atom in breakdown(rule)]
    uncovered = [atom for atom in atoms if not any(_rule_covers(rule, atom) for rule in owner)]
    return not uncovered, uncovered


def breakdown(rule: Rule) -> list[Rule]:
    """The rule as atoms of at most one verb, group, resource and resource name (or one URL and verb)."""
    names = tuple((name,) for name in rule.resource_names) or ((),)
    atoms = [
        Rule((verb,), (group,), (resource,), name)
        for group in rule.api_groups
        for resource in rule.resources
        for verb in rule.verbs
        for name in names
    ]
    return atoms + [Rule((verb,), non_resource_urls=(url,)) for url in rule.non_resource_urls for verb in rule.verbs]


def _rule_covers(owner: Rule, atom: Rule) -> bool:
    verbs = ALL in owner.verbs or set(atom.verbs) <= set(owner.verbs)
    groups = ALL in owner.api_groups or set(atom.api_groups) <= set(owner.api_groups)
    if atom.resource_names:  # an owner rule limited to names covers only atoms of those names
        names = not owner.resource_names or set(atom.resource_names) <= set(owner.resource_names)
    else:
        names = not owner.resource_names
    resources = _resources_cover(owner.resources, atom.resources)
    urls = all(any(_url_covers(mine, url) for mine in owner.non_resource_urls) for url in atom.non_resource_urls)
    return verbs and groups and names and resources and urls


def _resources_cover(owned: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """``*`` covers everything, ``*/scale`` every resource's scale subresource."""
    if ALL in owned:
        return True
    return all(path in owned or ("/" in path and "*/" + path.split("/", 1)[1] in owned) for path in wanted)


def _url_covers(owned: str, url: str) -> bool:
    return owned == url or (owned.endswith(ALL) and url.startswith(owned.rstrip(ALL)))


def compact_rules(rules: Sequence[Rule]) -> list[Rule]:
    """Rules of one group and one resource and nothing else merged into one rule with all their verbs."""
    merged: dict[tuple[str, str], Rule] = {}
    others: list[Rule] = []
    for rule in rules:
        simple = not rule.resource_names and not rule.non_resource_urls
        if simple and len(rule.api_groups) == 1 and len(rule.resources) == 1:
            key = (rule.api_groups[0], rule.resources[0])
            held = merged.get(key)
            merged[key] = replace(held, verbs=held.verbs + rule.verbs) if held else rule
        else:
            others.append(rule)
    return others + list(merged.values())


def compact_string(rule: Rule) -> str:
    """``{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}``: the fields set, each Go ``%q``."""
    fields = (
        ("APIGroups", rule.api_groups),
        ("Resources", rule.resources),
        ("NonResourceURLs", rule.non_resource_urls),
        ("ResourceNames", rule.resource_names),
        ("Verbs", rule.verbs),
    )
    return "{" + ", ".join(f"{label}:{go_strings(values)}" for label, values in fields if values) + "}"


def go_strings(values: Iterable[str]) -> str:
    """A []string as Go's ``%q`` prints it: ``["a" "b"]``."""
    return "[" + " ".join(go_value(value) for value in values) + "]"


def describe_missing(rules: Sequence[Rule]) -> str:
    """The missing rules, compacted, one per line, sorted and each once (a sets.String's ``List``)."""
    return "\n".join(sorted({compact_string(rule) for rule in compact_rules(rules)}))
