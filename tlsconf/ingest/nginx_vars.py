"""nginx `$variables` in a directive's value, resolved through the `set` directives around it
(nginx-proxy sends HSTS as `add_header Strict-Transport-Security $sts_header always;`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tlsconf.ingest.nginx import Node

VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def resolve_variables(value: str, server: Node) -> str | None:
    """`value` with each `$var` replaced by what a `set $var …` in the server (or in an `if`
    directly inside it) gives it, the last non-empty one: nginx-proxy sets the HSTS value
    only `if ($https)`, and an empty header is not sent. None: a variable no `set` here gives a
    non-empty value (a `map`, an include's, a built-in), so the header cannot be judged."""
    assigned: dict[str, str] = {}
    for node in [server] + [c for c in server.children or [] if c.name == "if"]:
        for d in node.get("set"):
            if len(d.args) == 2 and d.args[1] and d.args[0].startswith("$"):
                assigned[d.args[0][1:].strip("{}")] = d.args[1]
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group(1) or match.group(2)
        if name not in assigned:
            unknown = True
            return ""
        return assigned[name]

    resolved = VARIABLE.sub(replace, value)
    return None if unknown else resolved
