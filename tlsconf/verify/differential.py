"""The differential mode's documented differences: what two targets rendered from one spec are
predicted to do differently, and why.

`verify SPEC --endpoint B --target TB --against A --against-target TA` measures A and B and
compares them as any differential run does. The differences their targets' limits predict are
`compare(expect(site, TA), expect(site, TB))` (the same `compare`, within what both probes could
offer); each measured difference that is one of those — same aspect, same case, same values —
is documented: reported as an info finding that names why (`limits.WHY`, per target and
field), not failing. Every other measured difference is a finding as usual, and so is a
predicted one that did not show where both sides were measured (one of the servers does not do
what tlsconf renders for its target).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from msgspec import Struct

from tlsconf.verify.behaviour import HttpAnswer, Offered
from tlsconf.verify.compare import Comparison, Difference, compare
from tlsconf.verify.expect import Certificate, expect
from tlsconf.verify.limits import WHY

if TYPE_CHECKING:
    from tlsconf.policy import SitePolicy
    from tlsconf.specfile import LoadedSpec

SETS = ("protocols", "ciphers", "ciphersuites", "groups")


class Documented(Struct, frozen=True):
    difference: Difference  # as compare(expect(site, reference), expect(site, served)) has it
    why: str


def why(aspect: str, reference: str, served: str) -> str:
    """The targets' own reasons for an aspect, reference's first."""
    reasons = [WHY[t][aspect] for t in dict.fromkeys((reference, served))
               if aspect in WHY.get(t, {})]
    return "; ".join(reasons) or f"{reference} and {served} are predicted to differ here"


def predict(site: SitePolicy, sites: Sequence[SitePolicy], loaded: LoadedSpec, reference: str,
            served: str, offered: Offered, certs: dict[str, Certificate]
            ) -> tuple[Documented, ...]:
    """The differences between `reference` and `served` that their limits document."""
    predicted = compare(expect(site, sites, loaded, reference, certs),
                        expect(site, sites, loaded, served, certs), offered)
    return tuple(Documented(d, why(d.aspect, reference, served))
                 for d in predicted.differences)


def _key(diff: Difference) -> object:
    if diff.aspect in SETS:
        return (diff.extra, diff.missing)
    if diff.aspect == "hsts":  # compare judges the header only
        assert isinstance(diff.expected, HttpAnswer) and isinstance(diff.served, HttpAnswer)
        return (diff.expected.hsts, diff.served.hsts)
    return (diff.expected, diff.served)


def split(measured: Comparison, documented: Sequence[Documented]
          ) -> tuple[list[tuple[Difference, str | None]], list[Documented]]:
    """Each measured difference with its documented reason (None: not documented), and the
    documented differences that did not show on an aspect both sides were measured on."""
    out: list[tuple[Difference, str | None]] = []
    seen: set[int] = set()
    for diff in measured.differences:
        match = next((i for i, d in enumerate(documented)
                      if (d.difference.aspect, d.difference.case) == (diff.aspect, diff.case)
                      and _key(d.difference) == _key(diff)), None)
        if match is not None:
            seen.add(match)
        out.append((diff, None if match is None else documented[match].why))
    judged = {(d.aspect, d.case) for d in measured.differences}
    skipped = {(s.aspect, s.case) for s in measured.skipped}
    unseen = [d for i, d in enumerate(documented) if i not in seen
              and (d.difference.aspect, d.difference.case) not in judged | skipped]
    return out, unseen
