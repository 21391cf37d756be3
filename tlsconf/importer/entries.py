"""The loss report while an importer reads: one `Entry` per source line or key, first fate wins
(a later mapping upgrades a drop: a global line another site uses is mapped), and every line
no importer rule looked at is dropped as not understood — the report is complete."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from msgspec import Struct, field, structs

from tlsconf.errors import Location, Path, format_path
from tlsconf.importer.model import Entry, Fate

NOT_UNDERSTOOD = "not understood by tlsconf import"


class Placed(Protocol):
    @property
    def loc(self) -> Location: ...


class Log(Struct):
    found: dict[Location, Entry] = field(default_factory=dict)  # one entry per line or key
    notes: dict[Location, list[str]] = field(default_factory=dict)

    def mark(self, where: Placed | Location, key: str, fate: Fate, detail: str = "",
             spec_path: str = "") -> None:
        loc = where if isinstance(where, Location) else where.loc
        old = self.found.get(loc)
        if old is not None and not (old.fate == "dropped" and fate != "dropped"):
            return
        self.found[loc] = Entry(loc, key, fate, detail, spec_path)

    def drop(self, where: Placed | Location, key: str, why: str) -> None:
        self.mark(where, key, "dropped", why)

    def note(self, where: Placed | Location, how: str) -> None:
        """An approximation on a line mapped (or to be mapped): it becomes `approximated`."""
        loc = where if isinstance(where, Location) else where.loc
        self.notes.setdefault(loc, []).append(how)

    def seen(self, where: Placed | Location) -> bool:
        return (where if isinstance(where, Location) else where.loc) in self.found

    def finish(self, lines: Iterable[tuple[Location, str]]) -> None:
        for loc, key in lines:
            if loc not in self.found:
                self.found[loc] = Entry(loc, key, "dropped", NOT_UNDERSTOOD)

    def link(self, origins: dict[Path, Location]) -> None:
        """Each mapped or approximated entry's `spec_path`: the first spec value (in spec
        order) whose origin is its line or key."""
        for path, loc in origins.items():
            entry = self.found.get(loc)
            if entry is not None and entry.fate != "dropped" and not entry.spec_path:
                self.found[loc] = structs.replace(entry, spec_path=format_path(path))

    def entries(self) -> list[Entry]:
        out = []
        for loc, entry in self.found.items():
            notes = self.notes.get(loc, [])
            if notes and entry.fate != "dropped":
                how = "; ".join(dict.fromkeys(notes))
                detail = f"{entry.detail}: {how}" if entry.detail else how
                entry = Entry(loc, entry.key, "approximated", detail, entry.spec_path)
            out.append(entry)
        return sorted(out)
