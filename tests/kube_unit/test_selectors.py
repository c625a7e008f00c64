"""Label and field selectors.

Covers: the label selector language (equality, inequality, set-based, exists, ``!key``, gt/lt), matching,
canonical string form (sorted by key, sorted set values), the apiserver's parse error texts, metav1.LabelSelector
objects (matchLabels/matchExpressions, nil vs empty), and field selectors (operators, escaping, fields supported
per kind, ``field label not supported``).
"""

from __future__ import annotations

import pytest

from podid.sandbox.kube.machinery.selectors import (
    SelectorError,
    field_value,
    parse_field_selector,
    parse_label_selector,
    selector_from_map,
    selector_from_object,
)

LABELS = {"app": "web", "tier": "frontend", "version": "3"}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app=api", False),
        ("app!=api", True),
        ("missing!=x", True),
        ("app in (web,api)", True),
        ("app in (api)", False),
        ("app notin (api,db)", True),
        ("app notin (web)", False),
        ("missing notin (web)", True),
        ("missing in (web)", False),
        ("tier", True),
        ("missing", False),
        ("!missing", True),
        ("!tier", False),
        ("version>2", True),
        ("version<3", False),
        ("app>2", False),
        ("app=web,tier=frontend", True),
        ("app=web,tier=backend", False),
        ("app = web , tier", True),
        ("app=", False),
    ],
)
def test_label_selector_matching(text, matches):
    assert parse_label_selector(text).matches(LABELS) is matches


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("tier=frontend,app=web", "app=web,tier=frontend"),
        ("app in (web, api)", "app in (api,web)"),
        ("b notin (z,y),!a,c", "!a,b notin (y,z),c"),
        ("app==web", "app==web"),
        ("x in ()", "x in ()"),
        ("a in (b,)", "a in (,b)"),
    ],
)
def test_label_selector_string_form(text, canonical):
    assert str(parse_label_selector(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        (
            "a>b",
            'unable to parse requirement: values[0]: Invalid value: "b": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
    ],
)
def test_label_selector_syntax_errors(text, message):
    with pytest.raises(SelectorError) as caught:
        parse_label_selector(text)
    assert str(caught.value) == message


def test_invalid_label_key_and_value_texts():
    with pytest.raises(SelectorError) as caught:
        parse_label_selector("Bad_Prefix/x=y")
    assert str(caught.value).startswith(
        'unable to parse requirement: <nil>: Invalid value: "Bad_Prefix/x": prefix part'
    )
    with pytest.raises(SelectorError) as caught:
        parse_label_selector("app=-bad")
    assert str(caught.value).startswith(
        'unable to parse requirement: values[0][app]: Invalid value: "-bad": a valid label must be an empty string'
    )


def test_selector_from_object_combines_labels_and_expressions():
    selector = selector_from_object(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["frontend", "edge"]},
                {"key": "legacy", "operator": "DoesNotExist"},
            ],
        }
    )
    assert str(selector) == "app=web,!legacy,tier in (edge,frontend)"
    assert selector.matches(LABELS)
    assert not selector.matches({**LABELS, "legacy": "yes"})


def test_nil_selector_matches_nothing_and_empty_matches_everything():
    nil = selector_from_object(None)
    assert not nil.matches(LABELS) and not nil.empty and str(nil) == ""
    empty = selector_from_object({})
    assert empty.matches(LABELS) and empty.empty


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]},
            '"Equals" is not a valid label selector operator',
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["b"]}]},
            'values: Invalid value: []string{"b"}: values set must be empty for exists and does not exist',
        ),
    ],
)
def test_selector_object_errors(selector, message):
    with pytest.raises(SelectorError) as caught:
        selector_from_object(selector)
    assert str(caught.value) == message


def test_selector_from_map_is_equality_selector():
    selector = selector_from_map({"tier": "frontend", "app": "web"})
    assert str(selector) == "app=web,tier=frontend"
    assert selector.matches(LABELS)
    assert not selector.matches({"app": "web"})


POD = {
    "metadata": {"name": "demo", "namespace": "default"},
    "spec": {"nodeName": "aks-nodepool1-0", "hostNetwork": False},
    "status": {"phase": "Running"},
}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("metadata.name=demo", True),
        ("metadata.name==demo", True),
        ("metadata.name!=demo", False),
        ("metadata.namespace=default,status.phase=Running", True),
        ("spec.nodeName=aks-nodepool1-0", True),
        ("spec.nodeName=", False),
        ("status.phase!=Pending", True),
        ("spec.hostNetwork=false", True),
        ("status.podIP=", True),
        ("", True),
    ],
)
def test_field_selector_matching(text, matches):
    assert parse_field_selector(text, "Pod").matches(POD) is matches


def test_field_selector_escapes():
    selector = parse_field_selector(r"metadata.name=a\,b\=c\\d", "ConfigMap")
    assert selector.requirements[0].value == "a,b=c\\d"
    assert selector.matches({"metadata": {"name": "a,b=c\\d"}})


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("spec.nodeName=x", "Service", "field label not supported: spec.nodeName"),
        ("status.phase=Running", "AzureIdentity", "field label not supported: status.phase"),
        ("metadata.name", "Pod", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        ("metadata.name=a=b", "Pod", "invalid field selector: unescaped character in value: ="),
        (r"metadata.name=a\b", "Pod", "invalid field selector: invalid escape sequence: \\b"),
    ],
)
def test_field_selector_errors(text, kind, message):
    with pytest.raises(SelectorError) as caught:
        parse_field_selector(text, kind)
    assert str(caught.value) == message


def test_field_values_of_events_and_secrets():
    event = {"involvedObject": {"kind": "Pod", "name": "demo"}, "source": {"component": "kubelet"}, "type": "Warning"}
    assert field_value(event, "involvedObject.name") == "demo"
    assert field_value(event, "source") == "kubelet"
    assert parse_field_selector("involvedObject.kind=Pod,type=Warning", "Event").matches(event)
    assert parse_field_selector("type=Opaque", "Secret").matches({"type": "Opaque"})
