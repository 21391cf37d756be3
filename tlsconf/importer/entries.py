"""The loss report of the HAProxy and Traefik importers: the shared `Collector`, kept to one
entry per source line (HAProxy) or key (Traefik).

A line feeds many spec values (a global `ssl-default-bind-ciphers` every site's policy), so
the first fate recorded for it wins — except that a mapping replaces a drop (a backend line
dropped as unused by one route and used by another is mapped). An approximation noted on a
line (`note`) turns its mapping into `approximated`, with the notes as the how. Every line no
rule looked at is dropped as not understood (`finish`): the report is complete. `link` names,
for each entry, the spec value it became (the first value whose origin is that line).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from msgspec import field, structs

from tlsconf.errors import Location, Path, format_path
from tlsconf.importer.collect import Collector
from tlsconf.importer.model import Entry, Fate

NOT_UNDERSTOOD = "not understood by tlsconf import"
Key = tuple[Location, str, str, str]  # Collector.found's key: place, key, fate, spec path


class Placed(Protocol):
    @property
    def loc(self) -> Location: ...


def _loc(where: Placed | Location) -> Location:
    return where if isinstance(where, Location) else where.loc


class Log(Collector):
    at: dict[Location, Key] = field(default_factory=dict)  # each line's one entry
    how: dict[Location, list[str]] = field(default_factory=dict)  # approximations noted

    def mark(self, where: Placed | Location, key: str, fate: Fate, detail: str = "",
             spec_path: str = "") -> None:
        loc = _loc(where)
        old = self.at.get(loc)
        if old is not None:
            if old[2] != "dropped" or fate == "dropped":
                return
            del self.found[old]
        self.add(loc, key, fate, detail, spec_path)
        self.at[loc] = (loc, key, fate, spec_path)

    def drop(self, where: Placed | Location, key: str, why: str) -> None:
        self.mark(where, key, "dropped", why)

    def note(self, where: Placed | Location, how: str) -> None:
        """An approximation on a line mapped (or to be mapped): it becomes `approximated`."""
        self.how.setdefault(_loc(where), []).append(how)

    def has(self, where: Placed | Location) -> bool:
        return _loc(where) in self.at

    def finish(self, lines: Iterable[tuple[Location, str]]) -> None:
        for loc, key in lines:
            self.mark(loc, key, "dropped", NOT_UNDERSTOOD)

    def link(self, origins: dict[Path, Location]) -> None:
        """Each mapped entry's `spec_path`: the first spec value (in spec order) whose origin
        is its line or key."""
        for path, loc in origins.items():
            old = self.at.get(loc)
            if old is None or old[2] == "dropped" or old[3]:
                continue
            entry = structs.replace(self.found.pop(old), spec_path=format_path(path))
            self.at[loc] = (loc, old[1], old[2], entry.spec_path)
            self.found[self.at[loc]] = entry

    def entries(self) -> list[Entry]:
        out = []
        for entry in self.found.values():
            notes = self.how.get(entry.location, [])
            if notes and entry.fate != "dropped":
                how = "; ".join(dict.fromkeys(notes))
                entry = structs.replace(entry, fate="approximated", detail=(
                    f"{entry.detail}: {how}" if entry.detail else how))
            out.append(entry)
        return sorted(out)
