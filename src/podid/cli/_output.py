"""Command output as the Azure CLI (knack) prints it: ``-o json|jsonc|yaml|yamlc|table|tsv|none`` and ``--query``.

* ``--query`` is a JMESPath expression evaluated with ordered dicts, so a multiselect hash keeps its order.
* json: two-space indent, keys sorted; jsonc is the same text, coloured (rich) on a terminal.
* yaml: ``yaml.safe_dump`` block style; yamlc the same, coloured on a terminal.
* table: one row per item; ``id``, ``type``, ``etag`` and non-scalar or null values are left out, headers are the
  keys with the first letter capitalised, sorted unless a query or a table transformer chose the columns.
* tsv: one line per item, dict values by sorted key, nested lists as their length, nested dicts as "";
  a scalar result prints the bare value (what ``$(podid … --query id -o tsv)`` needs).
* ``None`` results print nothing.
"""

from __future__ import annotations

import io
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TextIO

FORMATS = ("json", "jsonc", "yaml", "yamlc", "table", "tsv", "none")
_SKIP_TABLE_KEYS = frozenset({"id", "type", "etag"})

TableTransformer = Callable[[Any], Any]


class QueryError(ValueError):
    """A --query that is not valid JMESPath."""


def apply_query(result: Any, query: str | None) -> Any:
    if not query:
        return result
    import jmespath  # imported when a query is given: start-up stays short

    try:
        return jmespath.compile(query).search(result, jmespath.Options(dict_cls=OrderedDict))
    except jmespath.exceptions.JMESPathError as error:
        raise QueryError(f"argument --query: invalid jmespath_type value: {query!r}") from error


def _json_text(result: Any) -> str:
    plain = json.loads(json.dumps(result, default=str))  # OrderedDicts → dicts, so sort_keys applies everywhere
    return json.dumps(plain, ensure_ascii=False, indent=2, sort_keys=True, separators=(",", ": ")) + "\n"


def _yaml_text(result: Any) -> str:
    import yaml

    return yaml.safe_dump(json.loads(json.dumps(result, default=str)), default_flow_style=False, allow_unicode=True)


def _table_rows(result: Any, sort_keys: bool) -> list[OrderedDict[str, Any]]:
    rows: list[OrderedDict[str, Any]] = []
    for item in result if isinstance(result, list) else [result]:
        row: OrderedDict[str, Any] = OrderedDict()
        if isinstance(item, dict):
            for key in sorted(item) if sort_keys else item:
                value = item[key]
                if key not in _SKIP_TABLE_KEYS and value is not None and not isinstance(value, list | dict | set):
                    row[key[:1].upper() + key[1:]] = value
        elif isinstance(item, list):
            row.update((f"Column{number}", value) for number, value in enumerate(item, 1))
        else:
            row["Result"] = item
        rows.append(row)
    return rows


def _table_text(result: Any, sort_keys: bool) -> str:
    rows = _table_rows(result, sort_keys)
    headers = list(OrderedDict.fromkeys(key for row in rows for key in row))
    if not headers:
        return ""
    from rich.table import Table

    cells = [[_cell(row.get(header)) for header in headers] for row in rows]
    # tabulate's "simple" layout as knack uses it: a header gets 2 columns of padding, then dashes, 2-space gaps
    widths = [max(len(header) + 2, *(len(line[index]) for line in cells)) for index, header in enumerate(headers)]
    table = Table.grid(padding=(0, 2, 0, 0))
    for _ in headers:
        table.add_column(no_wrap=True)
    table.add_row(*headers)
    table.add_row(*("-" * width for width in widths))
    for line in cells:
        table.add_row(*line)
    return _render(table, color=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _tsv_value(value: Any) -> str:
    if isinstance(value, list):
        return str(len(value))
    if isinstance(value, dict):
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _tsv_text(result: Any) -> str:
    lines = []
    for item in result if isinstance(result, list) else [result]:
        if isinstance(item, OrderedDict):
            values: list[Any] = list(item.values())
        elif isinstance(item, dict):
            values = [value for _, value in sorted(item.items())]
        elif isinstance(item, list):
            values = item
        else:
            values = [item]
        lines.append("\t".join(_tsv_value(value) for value in values))
    return "".join(line + "\n" for line in lines)


def _render(renderable: Any, color: bool) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, force_terminal=color, no_color=not color, width=100_000, highlight=False).print(
        renderable, soft_wrap=True
    )
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def render(
    result: Any,
    output: str = "json",
    query: str | None = None,
    color: bool = False,
    table_transformer: TableTransformer | None = None,
) -> str:
    """The text the Azure CLI would print for ``result`` (a JSON-like value) with these options."""
    if query:
        result = apply_query(result, query)
    elif output == "table" and table_transformer is not None:
        result = table_transformer(result)
    if result is None or output == "none":
        return ""
    if output in ("json", "jsonc"):
        text = _json_text(result)
        from rich.json import JSON

        return _render(JSON(text, indent=2, sort_keys=True), color=True) if output == "jsonc" and color else text
    if output in ("yaml", "yamlc"):
        text = _yaml_text(result)
        if output == "yamlc" and color:  # knack colours yamlc with pygments' YAML lexer, as rich's Syntax does
            from rich.syntax import Syntax

            return _render(Syntax(text, "yaml", background_color="default"), color=True)
        return text
    if output == "table":
        return _table_text(result, sort_keys=not query and table_transformer is None)
    if output == "tsv":
        return _tsv_text(result)
    raise ValueError(f"unknown output format {output!r}")


def write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:  # `podid … | head` closing early is not an error
        pass
