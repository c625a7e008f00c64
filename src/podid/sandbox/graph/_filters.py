"""The OData ``$filter`` forms the Graph subset understands, compiled to predicates over wire objects.

Forms: ``prop eq 'v'``, ``startswith(prop,'v')``, ``coll/any(x:x eq 'v')``, joined by ``and``. String
comparisons are case-insensitive, as Graph's are for these properties.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from podid.sandbox.graph.errors import UnsupportedQuery

Predicate = Callable[[dict[str, Any]], bool]

_LITERAL = r"'(?P<value>(?:[^']|'')*)'"
_EQ = re.compile(rf"\s*(?P<prop>\w+)\s+eq\s+{_LITERAL}\s*")
_STARTSWITH = re.compile(rf"\s*startswith\(\s*(?P<prop>\w+)\s*,\s*{_LITERAL}\s*\)\s*", re.IGNORECASE)
_ANY = re.compile(rf"\s*(?P<prop>\w+)/any\(\s*(?P<var>\w+)\s*:\s*(?P=var)\s+eq\s+{_LITERAL}\s*\)\s*")
_AND = re.compile(r"and\b", re.IGNORECASE)


def _clause(text: str, position: int) -> tuple[Predicate, int]:
    for pattern, build in ((_ANY, _contains), (_STARTSWITH, _starts), (_EQ, _equals)):
        found = pattern.match(text, position)
        if found:
            return build(found["prop"], found["value"].replace("''", "'").lower()), found.end()
    raise UnsupportedQuery(text)


def _equals(prop: str, value: str) -> Predicate:
    return lambda item: str(item.get(prop) or "").lower() == value


def _starts(prop: str, value: str) -> Predicate:
    return lambda item: str(item.get(prop) or "").lower().startswith(value)


def _contains(prop: str, value: str) -> Predicate:
    return lambda item: any(str(entry).lower() == value for entry in item.get(prop) or ())


def compile_filter(text: str | None) -> Predicate:
    """A predicate that keeps what the filter selects (everything for no filter)."""
    predicates: list[Predicate] = []
    position = 0
    while text and position < len(text):
        predicate, position = _clause(text, position)
        predicates.append(predicate)
        if position < len(text):
            joiner = _AND.match(text, position)
            if joiner is None:
                raise UnsupportedQuery(text)
            position = joiner.end()
    return lambda item: all(predicate(item) for predicate in predicates)
