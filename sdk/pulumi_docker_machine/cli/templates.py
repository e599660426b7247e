"""The Go-template subset Docker Machine's users write in `ls --format` and `inspect -f` (pure).

`{{.Field}}`, `{{.A.B}}` and `{{json .A}}` (or `{{json .}}`); `\\t` and `\\n` as typed on a command line
become a tab and a newline; `table` before the template prints a header and aligns the columns, as
`docker-machine ls --format "table {{.Name}}\\t{{.URL}}"` does. Anything else is refused, naming the flag.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ValidationError

_ACTION = re.compile(r"\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}")
_ANY_ACTION = re.compile(r"\{\{.*?\}\}")


def _lookup(flag: str, data: Any, path: str) -> Any:
    value = data
    for part in [p for p in path.split(".") if p]:
        if not isinstance(value, Mapping) or part not in value:
            known = ", ".join(f".{k}" for k in value) if isinstance(value, Mapping) else "none"
            raise ValidationError(flag, f"can't evaluate field {part} (known here: {known})")
        value = value[part]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_text(v)}" for k, v in sorted(value.items())) + "]"
    return "" if value is None else str(value)


def render(flag: str, template: str, data: Mapping[str, Any]) -> str:
    """`template` filled from `data`; ValidationError naming `flag` for what this subset does not do."""
    template = template.replace("\\t", "\t").replace("\\n", "\n")
    for action in _ANY_ACTION.findall(template):
        if not _ACTION.fullmatch(action):
            raise ValidationError(
                flag, f"{action} is not supported (use {{{{.Field}}}} or {{{{json .Field}}}})"
            )

    def fill(match: re.Match[str]) -> str:
        value = _lookup(flag, data, match.group(2))
        return json.dumps(value, sort_keys=True) if match.group(1) else _text(value)

    return _ACTION.sub(fill, template)


def table(flag: str, template: str, rows: Sequence[Mapping[str, Any]], headers: Mapping[str, str]) -> str:
    """`table TEMPLATE`: a header row (each field's name in `headers`) and the rows, columns aligned."""
    body = template.removeprefix("table").strip()
    header = _ACTION.sub(lambda m: headers.get(m.group(2), m.group(2).upper()), body)
    lines = [render(flag, header, {})] + [render(flag, body, row) for row in rows]
    cells = [line.split("\t") for line in lines]
    widths = [max(len(c[i]) for c in cells if i < len(c)) for i in range(max(map(len, cells)))]
    return "\n".join(
        "   ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells
    )
