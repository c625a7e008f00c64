"""Label and field selectors, parsed and matched like k8s.io/apimachinery ``labels`` and ``fields``.

Parse failures raise ``SelectorError`` whose text is the apiserver's; the server answers them with a 400
BadRequest Status carrying that text (``Status.message``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from podid.sandbox.kube.machinery.names import is_qualified_name, is_valid_label_value
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, dig
from podid.sandbox.kube.machinery.status import go_value


class SelectorError(ValueError):
    """An unparsable or unsupported selector (HTTP 400 BadRequest)."""


class Op(Enum):
    EXISTS = ""
    DOES_NOT_EXIST = "!"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    IN = " in "
    NOT_IN = " notin "
    GT = ">"
    LT = "<"


_SET_OPS = (Op.IN, Op.NOT_IN)
_EXACT_OPS = (Op.EQUALS, Op.DOUBLE_EQUALS, Op.NOT_EQUALS)


@dataclass(frozen=True)
class Requirement:
    """One ``key <op> values`` term of a label selector."""

    key: str
    op: Op
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.op in (Op.EXISTS, Op.DOES_NOT_EXIST):
            return (value is not None) == (self.op is Op.EXISTS)
        if self.op in (Op.NOT_IN, Op.NOT_EQUALS):
            return value is None or value not in self.values
        if value is None:
            return False
        if self.op in (Op.GT, Op.LT):
            return _compare_int(value, self.values[0], self.op)
        return value in self.values

    def __str__(self) -> str:
        prefix = "!" if self.op is Op.DOES_NOT_EXIST else ""
        if self.op in (Op.EXISTS, Op.DOES_NOT_EXIST):
            return prefix + self.key
        values = ",".join(sorted(self.values))
        return f"{self.key}{self.op.value}({values})" if self.op in _SET_OPS else f"{self.key}{self.op.value}{values}"


def _compare_int(label: str, bound: str, op: Op) -> bool:
    if not re.fullmatch(r"[+-]?\d+", label) or not re.fullmatch(r"[+-]?\d+", bound):
        return False
    return int(label) > int(bound) if op is Op.GT else int(label) < int(bound)


@dataclass(frozen=True)
class LabelSelector:
    """A conjunction of requirements; ``nothing`` is metav1's nil selector, which matches no object."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    def matches(self, labels: Mapping[str, str]) -> bool:
        return not self.nothing and all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        """True for the selector that matches everything."""
        return not self.nothing and not self.requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _requirement(key: str, op: Op, values: list[str]) -> Requirement:
    """labels.NewRequirement: validate, then keep values sorted and unique."""
    errors: list[str] = []
    key_problems = is_qualified_name(key)
    if key_problems:
        errors.append(f"key: Invalid value: {go_value(key)}: {'; '.join(key_problems)}")
    if op in _SET_OPS and not values:
        errors.append("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty")
    if op in (Op.GT, Op.LT) and not re.fullmatch(r"[+-]?\d+", values[0]):
        errors.append(
            f"values[0]: Invalid value: {go_value(values[0])}: for 'Gt', 'Lt' operators, the value must be an integer"
        )
    for i, value in enumerate(values):
        problems = is_valid_label_value(value)
        if problems:
            errors.append(f"values[{i}][{key}]: Invalid value: {go_value(value)}: {'; '.join(problems)}")
    if errors:
        raise SelectorError(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
    return Requirement(key, op, tuple(sorted(set(values))))


def _selector(requirements: list[Requirement]) -> LabelSelector:
    return LabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))


def selector_from_map(labels: Mapping[str, str]) -> LabelSelector:
    """An equality selector such as a Service's ``spec.selector``."""
    return _selector([_requirement(k, Op.EQUALS, [v]) for k, v in labels.items()])


_EXPRESSION_OPS = {"In": Op.IN, "NotIn": Op.NOT_IN, "Exists": Op.EXISTS, "DoesNotExist": Op.DOES_NOT_EXIST}


def selector_from_object(selector: Any) -> LabelSelector:
    """metav1.LabelSelectorAsSelector: ``None`` matches nothing, ``{}`` matches everything."""
    if selector is None:
        return LabelSelector(nothing=True)
    requirements = [_requirement(k, Op.EQUALS, [str(v)]) for k, v in as_dict(dig(selector, "matchLabels")).items()]
    for expr in as_list(dig(selector, "matchExpressions")):
        op = _EXPRESSION_OPS.get(str(dig(expr, "operator")))
        if op is None:
            raise SelectorError(f"{go_value(dig(expr, 'operator'))} is not a valid label selector operator")
        values = [str(v) for v in as_list(dig(expr, "values"))]
        if op in (Op.EXISTS, Op.DOES_NOT_EXIST) and values:
            shown = ", ".join(go_value(v) for v in values)
            raise SelectorError(
                f"values: Invalid value: []string{{{shown}}}: values set must be empty for exists and does not exist"
            )
        requirements.append(_requirement(str(dig(expr, "key") or ""), op, values))
    return _selector(requirements)


# --- the label selector language (labels.Parse) ---------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(!=|==|[=!(),<>])|([^\s=!(),<>]+))")
_OPERATORS = {
    "=": Op.EQUALS,
    "==": Op.DOUBLE_EQUALS,
    "!=": Op.NOT_EQUALS,
    "in": Op.IN,
    "notin": Op.NOT_IN,
    ">": Op.GT,
    "<": Op.LT,
}
_END = ""


class _Lexer:
    """Tokens as (kind, text): kind is 'sym' for operators/punctuation, 'id' for identifiers, '' at the end."""

    def __init__(self, text: str) -> None:
        self._tokens: list[tuple[str, str]] = []
        for match in _TOKEN.finditer(text):
            symbol, ident = match.groups()
            self._tokens.append(("sym", symbol) if symbol else ("id", ident))
        self._pos = 0

    def peek(self) -> tuple[str, str]:
        return self._tokens[self._pos] if self._pos < len(self._tokens) else (_END, _END)

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self._pos += 1
        return token


def parse_label_selector(text: str) -> LabelSelector:
    """Parse ``a=b,c!=d,e in (f,g),!h,i`` into a selector (requirements sorted by key)."""
    lexer = _Lexer(text)
    requirements: list[Requirement] = []
    while lexer.peek()[0] != _END:
        if lexer.peek() != ("sym", "!") and lexer.peek()[0] != "id":
            raise SelectorError(f"found '{lexer.peek()[1]}', expected: !, identifier, or 'end of string'")
        try:
            requirements.append(_parse_requirement(lexer))
        except SelectorError as err:
            raise SelectorError(f"unable to parse requirement: {err}") from None
        kind, lit = lexer.take()
        if kind == _END:
            break
        if lit != ",":
            raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
        if lexer.peek() != ("sym", "!") and lexer.peek()[0] != "id":
            raise SelectorError(f"found '{lexer.peek()[1]}', expected: identifier after ','")
    return _selector(requirements)


def _parse_requirement(lexer: _Lexer) -> Requirement:
    negated = lexer.peek() == ("sym", "!")
    if negated:
        lexer.take()
    kind, key = lexer.take()
    if kind != "id":
        raise SelectorError(f"found '{key}', expected: identifier")
    if problems := is_qualified_name(key):
        raise SelectorError(f"<nil>: Invalid value: {go_value(key)}: {'; '.join(problems)}")
    if negated or lexer.peek()[1] in (_END, ","):
        return _requirement(key, Op.DOES_NOT_EXIST if negated else Op.EXISTS, [])
    lit = lexer.take()[1]
    op = _OPERATORS.get(lit)
    if op is None:
        raise SelectorError(f"found '{lit}', expected: in, notin, =, ==, !=, gt, lt")
    values = _parse_set(lexer) if op in _SET_OPS else _parse_exact(lexer)
    return _requirement(key, op, values)


def _parse_exact(lexer: _Lexer) -> list[str]:
    kind, lit = lexer.peek()
    if kind == _END or lit == ",":
        return [""]
    lexer.take()
    if kind != "id":
        raise SelectorError(f"found '{lit}', expected: identifier")
    return [lit]


def _parse_set(lexer: _Lexer) -> list[str]:
    """``(a,b)``; empty slots as in ``()``, ``(a,)`` or ``(,,)`` stand for the empty value, as in Go."""
    lit = lexer.take()[1]
    if lit != "(":
        raise SelectorError(f"found '{lit}' expected: '('")
    kind, lit = lexer.peek()
    if lit == ")":
        lexer.take()
        return [""]
    if kind != "id" and lit != ",":
        raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
    values = _parse_set_items(lexer)
    lexer.take()  # the closing parenthesis, already seen by _parse_set_items
    return values


def _parse_set_items(lexer: _Lexer) -> list[str]:
    values: list[str] = []
    while True:
        kind, lit = lexer.take()
        if kind == "id":
            values.append(lit)
            following = lexer.peek()[1]
            if following == ")":
                return values
            if following != ",":
                raise SelectorError(f"found '{following}', expected: ',' or ')'")
        elif lit == ",":
            if not values:
                values.append("")
            following = lexer.peek()[1]
            if following == ")":
                return [*values, ""]
            if following == ",":
                lexer.take()
                values.append("")
        else:
            raise SelectorError(f"found '{lit}', expected: ',', or identifier")


# --- field selectors (fields.ParseSelector plus per-kind supported labels) ---------------------------------------

_COMMON_FIELDS = ("metadata.name", "metadata.namespace")
_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "Pod": (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ),
    "Event": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "Secret": ("type",),
    "Namespace": ("status.phase",),
    "Node": ("spec.unschedulable",),
    "ReplicaSet": ("status.replicas",),
}
# Selectable fields whose value is not at the same JSON path.
_FIELD_PATHS = {"source": ("source", "component"), "reportingComponent": ("reportingController",)}


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    value: str
    negated: bool = False

    def matches(self, obj: Obj) -> bool:
        return (field_value(obj, self.field) == self.value) != self.negated


@dataclass(frozen=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Obj) -> bool:
        return all(r.matches(obj) for r in self.requirements)


def field_value(obj: Obj, name: str) -> str:
    """The string form of a selectable field; unset fields read as '' like Go zero values."""
    value = dig(obj, *_FIELD_PATHS.get(name, tuple(name.split("."))))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def parse_field_selector(text: str, kind: str) -> FieldSelector:
    """Parse ``metadata.name=x,status.phase!=Running`` for objects of ``kind``."""
    supported = _COMMON_FIELDS + _KIND_FIELDS.get(kind, ())
    requirements = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        match = re.match(r"(.*?)(!=|==|=)(.*)", term, re.DOTALL)
        if match is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        name, op, raw = match.groups()
        if name not in supported:
            raise SelectorError(f"field label not supported: {name}")
        requirements.append(FieldRequirement(name, _unescape(raw), op == "!="))
    return FieldSelector(tuple(requirements))


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not backslash-escaped (escapes are kept for _unescape)."""
    terms, start, escaped = [], 0, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(text[start:i])
            start = i + 1
    return [*terms, text[start:]] if text else []


def _unescape(value: str) -> str:
    out, escaped = [], False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{char}")
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            raise SelectorError(f"invalid field selector: unescaped character in value: {char}")
        else:
            out.append(char)
    return "".join(out)
