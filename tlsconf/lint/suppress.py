"""`# tlsconf: ignore[ID,...] reason` comments, in every input kind (all use `#` comments).

On a line with other content, a suppression covers that line; on a line of its own, the next
line. `# tlsconf: ignore-file[ID] reason` covers the whole file. Ids may be rule names; no
bracket means every rule. The reason is required (TLS001 otherwise).
"""

from __future__ import annotations

import re

from msgspec import Struct

from tlsconf.errors import Location

PATTERN = re.compile(r"#\s*tlsconf:\s*(ignore-file|ignore)(?:\[([^\]]*)\])?[ \t]*(.*)$")


class Suppression(Struct, frozen=True):
    location: Location  # where the comment is
    rules: frozenset[str] | None  # None: every rule
    reason: str
    file_level: bool
    covers: int  # the line it covers (0 for file-level)

    def matches(self, rule_id: str, rule_name: str, location: Location) -> bool:
        if location.file != self.location.file:
            return False
        if not self.file_level and location.line != self.covers:
            return False
        return self.rules is None or rule_id in self.rules or rule_name in self.rules


def scan(file: str, text: str) -> list[Suppression]:
    if "tlsconf:" not in text:  # the common case: one substring search per file
        return []
    out = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if "tlsconf:" not in line:
            continue
        match = PATTERN.search(line)
        if match is None:
            continue
        kind, ids, reason = match.groups()
        rules = None if ids is None else frozenset(i.strip() for i in ids.split(",") if i.strip())
        own_line = not line[: match.start()].strip()
        covers = number
        if own_line:  # the next line that is not blank or a comment
            covers = next((n for n in range(number + 1, len(lines) + 1)
                           if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")),
                          number + 1)
        whole_file = kind == "ignore-file"
        out.append(Suppression(Location(file, number, match.start() + 1), rules,
                               reason.strip(), whole_file, 0 if whole_file else covers))
    return out
