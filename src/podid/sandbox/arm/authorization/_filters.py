"""The OData ``$filter`` forms Microsoft.Authorization accepts, parsed into plain values.

Role assignments: ``atScope()``, ``assignedTo('{oid}')``, ``principalId eq '{oid}'`` and
``atScope() and assignedTo('{oid}')``; the service rejects ``atScope()`` with ``principalId eq`` (the CLI
works around it). Role definitions: ``roleName eq '…'``, ``type eq 'BuiltInRole'|'CustomRole'`` and
``atScopeAndBelow()``. String literals use OData quoting (``''`` for a quote).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from podid.sandbox.arm.authorization.errors import UnsupportedQuery

_CLAUSE = re.compile(
    r"\s*(?:(?P<call>\w+)\((?:'(?P<arg>(?:[^']|'')*)')?\)|(?P<field>\w+)\s+eq\s+'(?P<value>(?:[^']|'')*)')\s*"
)
_AND = re.compile(r"and\b", re.IGNORECASE)
_ASSIGNMENT_FORMS = "'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'"
_DEFINITION_FORMS = "'roleName eq '{value}'' or 'type eq '{value}'' or 'atScopeAndBelow()'"


@dataclass(frozen=True)
class AssignmentFilter:
    at_scope: bool = False
    principal_id: str | None = None


@dataclass(frozen=True)
class DefinitionFilter:
    role_name: str | None = None
    role_type: str | None = None


def _clauses(text: str, supported: str) -> dict[str, str]:
    """{`fn()` or field name, lower-cased: its argument} for `clause and clause ...`."""
    found: dict[str, str] = {}
    position = 0
    while position < len(text):
        clause = _CLAUSE.match(text, position)
        if clause is None:
            raise UnsupportedQuery(text, supported)
        name = f"{clause['call'].lower()}()" if clause["call"] else clause["field"].lower()
        found[name] = (clause["arg"] if clause["call"] else clause["value"]) or ""
        found[name] = found[name].replace("''", "'")
        position = clause.end()
        if position < len(text):
            joiner = _AND.match(text, position)
            if joiner is None:
                raise UnsupportedQuery(text, supported)
            position = joiner.end()
    return found


def assignment_filter(text: str | None) -> AssignmentFilter:
    if not text or not text.strip():
        return AssignmentFilter()
    clauses = _clauses(text, _ASSIGNMENT_FORMS)
    principal = clauses.pop("assignedto()", None)
    principal_eq = clauses.pop("principalid", None)
    at_scope = clauses.pop("atscope()", None) is not None
    if clauses or (principal is not None and principal_eq is not None) or (at_scope and principal_eq is not None):
        raise UnsupportedQuery(text, _ASSIGNMENT_FORMS)
    return AssignmentFilter(at_scope, principal if principal is not None else principal_eq)


def definition_filter(text: str | None) -> DefinitionFilter:
    if not text or not text.strip():
        return DefinitionFilter()
    clauses = _clauses(text, _DEFINITION_FORMS)
    clauses.pop("atscopeandbelow()", None)
    role_name, role_type = clauses.pop("rolename", None), clauses.pop("type", None)
    if clauses:
        raise UnsupportedQuery(text, _DEFINITION_FORMS)
    return DefinitionFilter(role_name, role_type)
