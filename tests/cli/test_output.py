"""Output formatting as the Azure CLI prints it: json (sorted), tsv (bare scalars, row values), table (columns,
transformers, queries), yaml, none, JMESPath --query with ordered multiselect hashes, and bad queries."""

from __future__ import annotations

import re
from collections import OrderedDict

import pytest

from podid.cli._output import QueryError, render

ASSIGNMENTS = [
    {"principalName": "b-client", "roleDefinitionName": "Reader", "scope": "/s/b", "id": "/x/1", "extra": {"a": 1}},
    {"principalName": "a-client", "roleDefinitionName": "DNS Zone Contributor", "scope": "/s/a", "id": "/x/2"},
]


def test_json_is_sorted_and_indented() -> None:
    assert render({"b": 1, "a": [True, None]}, "json") == '{\n  "a": [\n    true,\n    null\n  ],\n  "b": 1\n}\n'


def test_tsv_of_a_scalar_is_the_bare_value() -> None:
    assert render({"clientId": "abc", "id": "/i"}, "tsv", query="clientId") == "abc\n"


def test_tsv_rows_use_sorted_keys_lists_as_lengths_and_dicts_as_empty() -> None:
    assert render([{"b": [1, 2], "a": "x", "c": {"k": 1}, "d": False}], "tsv") == "x\t2\t\tfalse\n"


def test_tsv_keeps_query_order() -> None:
    assert render(ASSIGNMENTS, "tsv", query="[].{z:scope, a:principalName}") == "/s/b\tb-client\n/s/a\ta-client\n"


def test_query_multiselect_hash_keeps_order_and_missing_keys_are_null() -> None:
    text = render({"other": 1}, "json", query="{podIdentityProfile:podIdentityProfile}")
    assert text == '{\n  "podIdentityProfile": null\n}\n'


def test_table_skips_id_type_etag_and_nested_values_and_capitalises() -> None:
    assert render(ASSIGNMENTS, "table").splitlines() == [
        "PrincipalName    RoleDefinitionName    Scope",
        "---------------  --------------------  -------",
        "b-client         Reader                /s/b",
        "a-client         DNS Zone Contributor  /s/a",
    ]


def test_table_transformer_chooses_columns_unless_a_query_is_given() -> None:
    def transform(rows: list[dict[str, str]]) -> list[OrderedDict[str, str]]:
        return [OrderedDict([("Principal", row["principalName"]), ("Role", row["roleDefinitionName"])]) for row in rows]

    assert render(ASSIGNMENTS, "table", table_transformer=transform).splitlines()[0].split() == ["Principal", "Role"]
    queried = render(ASSIGNMENTS, "table", query="[].{S:scope}", table_transformer=transform)
    assert queried.splitlines()[0].split() == ["S"]


def test_yaml_and_none() -> None:
    assert render({"name": "rg", "tags": None}, "yaml") == "name: rg\ntags: null\n"
    assert render({"name": "rg"}, "none") == ""
    assert render(None, "json") == ""


def test_invalid_query_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="invalid jmespath_type value"):
        render({}, "json", query="[?")


def test_jsonc_and_yamlc_are_coloured_on_a_terminal_only() -> None:
    plain_json, plain_yaml = render({"name": "rg"}, "json"), render({"name": "rg"}, "yaml")
    assert render({"name": "rg"}, "jsonc") == plain_json and render({"name": "rg"}, "yamlc") == plain_yaml
    for output, plain in (("jsonc", plain_json), ("yamlc", plain_yaml)):
        coloured = render({"name": "rg"}, output, color=True)
        assert "\x1b[" in coloured
        assert re.sub(r"\x1b\[[0-9;]*m", "", coloured).rstrip() == plain.rstrip()


def test_query_is_applied_before_the_table() -> None:
    assert render(ASSIGNMENTS, "table", query="[].scope").splitlines() == ["Result", "--------", "/s/b", "/s/a"]
