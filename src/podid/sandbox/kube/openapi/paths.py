"""The names that make a path item (operations) of one resource, and filling them into a path item's template.

A template is an upstream path item with its resource's names replaced by placeholders (scripts/openapi_schemas.py):
``«prefix»`` (``/api/v1``, ``/apis/apps/v1``), ``«plural»``, ``«kind»``, ``«group»``, ``«version»``, ``«model»`` and
``«list_model»`` (the kind's and its list's schema names), ``«tag»`` and ``«operation»`` (the group-version in
operation tags and ids, k8s.io/apiserver pkg/endpoints/openapi/openapi.go: GetOperationIDAndTags).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

_PARAMETER = re.compile(r'"«parameter:(\d+)»"')
_PLACEHOLDER = re.compile(r"«(prefix|plural|kind|group|version|model|list_model|tag|operation)»")


@dataclass(frozen=True)
class Names:
    group: str
    version: str
    kind: str
    plural: str
    model: str
    list_model: str

    @property
    def prefix(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    @property
    def tag(self) -> str:
        """``core_v1``, ``apps_v1``, ``rbacAuthorization_v1``: the group without ``.k8s.io``, then the version."""
        return f"{operation_id(self._group_name, capitalize=False)}_{self.version}"

    @property
    def operation(self) -> str:
        """``CoreV1``, ``RbacAuthorizationV1``: what follows the verb in an operation id."""
        return operation_id(self._group_name, capitalize=True) + operation_id(self.version, capitalize=True)

    @cached_property
    def placeholders(self) -> dict[str, str]:
        keys = ("prefix", "plural", "kind", "group", "version", "model", "list_model", "tag", "operation")
        return {key: getattr(self, key) for key in keys}

    @property
    def _group_name(self) -> str:
        return self.group.removesuffix(".k8s.io") if self.group else "core"


def operation_id(text: str, capitalize: bool) -> str:
    """ToValidOperationID: letters, '_' and (not first) digits kept; the letter after anything else upper-cased."""
    out, upper = [], capitalize
    for index, char in enumerate(text):
        if char.isalpha() or char == "_" or (index and char.isdigit()):
            out.append(char.upper() if upper else char)
            upper = False
        else:
            upper = True
    return "".join(out)


def fill(template: str, names: Names) -> str:
    """The template with the resource's names in place of the placeholders."""
    values = names.placeholders
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def with_parameters(template: str, parameters: Sequence[str]) -> str:
    """The template with its ``"«parameter:N»"`` replaced by line N of parameters.jsonl."""
    return _PARAMETER.sub(lambda m: parameters[int(m.group(1))], template)
