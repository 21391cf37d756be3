"""What every importer collects while it reads: the spec's values with their source
positions, and the loss report's entries (each source key once per spec value it feeds).

`Collector.add` records an entry; the same key at the same place feeding the same spec path
is recorded once, and a key already mapped or approximated somewhere is not also reported as
dropped (`fill` is how an importer reports "everything else I saw": dropped, with a reason).
"""

from __future__ import annotations

from msgspec import Struct, field

from tlsconf.errors import Location, Path, Problem
from tlsconf.importer.model import Entry, Fate


class Collector(Struct):
    spec: dict[str, object] = field(default_factory=dict)
    origins: dict[Path, Location] = field(default_factory=dict)
    notes: dict[Path, str] = field(default_factory=dict)  # comment text besides the origin
    problems: list[Problem] = field(default_factory=list)  # why the import cannot be done
    found: dict[tuple[Location, str, str, str], Entry] = field(default_factory=dict)
    seen: set[tuple[Location, str]] = field(default_factory=set)  # (place, key) with an entry

    def add(self, location: Location, key: str, fate: Fate, detail: str = "",
            spec_path: str = "") -> None:
        """An entry; for one value (place, key, spec path) an approximation wins over a
        mapping, and a key used for some value is not also reported dropped."""
        if fate != "dropped":
            self.found.pop((location, key, "dropped", ""), None)
            if fate == "approximated":
                self.found.pop((location, key, "mapped", spec_path), None)
            elif (location, key, "approximated", spec_path) in self.found:
                return
        elif (location, key) in self.seen:
            return  # used for some site already: not lost
        self.seen.add((location, key))
        slot = (location, key, fate, spec_path)
        before = self.found.get(slot)
        if before is not None and fate == "approximated" and detail not in before.detail:
            detail = f"{before.detail}; {detail}"  # every way the value differs
        elif before is not None:
            return
        self.found[slot] = Entry(location, key, fate, detail, spec_path)

    def origin(self, path: Path, location: Location) -> None:
        """Where the spec value at `path` came from (the first place named wins)."""
        self.origins.setdefault(path, location)

    def fail(self, location: Location, path: str, message: str) -> None:
        self.problems.append(Problem(location, path, message))

    def fill(self, location: Location, key: str, why: str) -> None:
        """A key nothing above used: dropped, unless it has an entry already."""
        if (location, key) not in self.seen:
            self.add(location, key, "dropped", why)

    def entries(self) -> list[Entry]:
        return sorted(self.found.values())
