"""aks-preview's pod label validation for `aks pod-identity exception add|update --pod-labels`, message for message."""

from __future__ import annotations

import pytest

from podid.cli._aks import validate_label
from podid.cli._common import CliError


@pytest.mark.parametrize(
    ("label", "parsed"),
    [
        ("app=probe", {"app": "probe"}),
        ("kubernetes.azure.com/managedby=aks", {"kubernetes.azure.com/managedby": "aks"}),
        ("a=", {"a": ""}),
        ("", {}),
    ],
)
def test_valid_labels(label: str, parsed: dict[str, str]) -> None:
    assert validate_label(label) == parsed


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("label1value", "Invalid label: label1value. Label definition must be of format name=value."),
        ("/x=1", "Invalid label: /x=1. Label prefix can't be empty or more than 253 chars."),
        ("Bad_Prefix/x=1", "Invalid label: Bad_Prefix/x=1. Prefix part a DNS-1123 label must consist of lower case"),
        ("a/b/c=1", "Invalid label: a/b/c=1. A qualified name must consist of alphanumeric characters"),
        ("x" * 64 + "=v", "Label name can't be empty or more than 63 chars."),
        ("-x=v", "Invalid label: -x=v. A qualified name must consist"),
        ("x=" + "v" * 64, "Label must be more than 63 chars."),
        ("x=-v", "A valid label must be an empty string or consist of alphanumeric characters"),
    ],
)
def test_invalid_labels_get_aks_previews_messages(label: str, message: str) -> None:
    with pytest.raises(CliError) as raised:
        validate_label(label)
    assert message in str(raised.value)
