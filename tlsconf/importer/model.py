"""What an importer produces: a spec as plain data, where each value came from, and what was
lost on the way.

`tlsconf import` reads existing proxy configs (nginx, HAProxy, Traefik) or ingress-nginx
objects and writes a tlsconf spec. Each importer is a function `paths → Imported`; it never
writes anything. The flow is one way: bytes → the source's own reading (the lint ingesters'
parsers and reductions, reused) → `Imported` → YAML text (`tlsconf.importer.write`) with a
`# from FILE:LINE` comment on every value, plus the loss report (text or JSON).

The loss report has one `Entry` per source key or directive the importer looked at, whatever
became of it: `mapped` to a spec field, `approximated` (and how), or `dropped` (and why). A
directive an importer does not know is an entry too (dropped, "not understood"): the report
is complete, never a sample. Weak settings are kept as written in the spec (so `render`
refuses them until the user decides) and reported as the linter's findings.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct, field

from tlsconf.errors import Location, Path
from tlsconf.findings import Finding

Fate = Literal["mapped", "approximated", "dropped"]
FATES: tuple[Fate, ...] = ("mapped", "approximated", "dropped")


class Entry(Struct, frozen=True, order=True):
    """One source key or directive and what became of it."""

    location: Location  # where it is written in the source
    key: str  # as the source names it: `ssl_protocols`, `bind`, `tls.options.default.minVersion`,
    # `nginx.ingress.kubernetes.io/ssl-redirect`, ConfigMap `ssl-ciphers`
    fate: Fate
    detail: str = ""  # mapped: the spec field path; approximated: how; dropped: why
    spec_path: str = ""  # the spec field it became, `sites[0].tls.protocols` ("" when dropped)


class Imported(Struct):
    """A spec as builtins (dicts in output order, lists, str/int/bool), the source position of
    each value (by its path in `spec`), the loss report, and lint findings on the input."""

    spec: dict[str, object]
    origins: dict[Path, Location] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # What a value's comment says besides its origin, by its path in `spec` (the profile's
    # `Mozilla intermediate (guideline 6.0)`).
    notes: dict[Path, str] = field(default_factory=dict)

    def lossy(self) -> bool:
        """Anything approximated or dropped (`--strict` exits 1 on it)."""
        return any(e.fate != "mapped" for e in self.entries)
