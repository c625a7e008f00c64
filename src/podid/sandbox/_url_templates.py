"""URL templates, as ARM's and Graph's route tables write them: ``/applications/{id}``, ``{scope:.*}``.

A placeholder matches one path segment unless it names its own regex; everything else is literal and matches
case-insensitively, as ARM and Microsoft Graph both match paths.
"""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\{(\w+)(?::([^}]*))?\}")


def compile_template(template: str) -> re.Pattern[str]:
    """The whole-path regex of `template`, with one named group per placeholder."""
    parts: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        parts.append(f"(?P<{match.group(1)}>{match.group(2) or '[^/]+'})")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE)
