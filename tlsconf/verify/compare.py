"""Two `Behaviour`s → the fields where they differ (`Difference`) and the ones not judged (`Skip`).

`a` is the reference (the spec's prediction, or in differential mode the `--against` endpoint's
measurement) and `b` the endpoint under test; a difference keeps both values so a message can
say "serves X; the spec allows Y". Sets are judged only within what the client could offer
(`Offered`): a suite it cannot put in a ClientHello is neither accepted nor refused. A field
that is None on either side, or an SNI/status case only one side has, is a `Skip` — reported
as a note, never dropped.
Pure data, no I/O: the differential mode is `compare(probe(A), probe(B), offered)`.
"""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct, structs

from tlsconf.names import PROTOCOLS
from tlsconf.verify.behaviour import Behaviour, HttpAnswer, Offered, Served

# Every judged aspect, in report order: the Behaviour field, or `chain` (part of `sni`).
ASPECTS = ("protocols", "ciphers", "ciphersuites", "groups", "sni", "chain", "client_auth",
           "resumption_ids", "resumption_tickets", "alpn_h2", "redirect", "hsts")
CASE_SEPARATOR = ", "  # between the cases of a merged difference (no SNI name holds one)


class Difference(Struct, frozen=True):
    aspect: str  # one of ASPECTS
    case: str = ""  # the SNI case (sni, chain) or status class (hsts); "" for the others
    expected: object = None  # a's value (a sorted tuple for sets)
    served: object = None  # b's value
    extra: tuple[str, ...] = ()  # sets: in b, not in a
    missing: tuple[str, ...] = ()  # sets: in a, not in b


class Skip(Struct, frozen=True):
    aspect: str
    case: str = ""
    side: str = "both"  # which side has no value: "expected", "served" or "both"


class Comparison(Struct, frozen=True):
    differences: tuple[Difference, ...]
    skipped: tuple[Skip, ...]


def ordered(names: Iterable[str], aspect: str) -> tuple[str, ...]:
    """Protocols oldest first, everything else by name: stable output whatever the set order."""
    if aspect == "protocols":
        return tuple(sorted(names, key=lambda p: (PROTOCOLS.index(p) if p in PROTOCOLS else 99, p)))
    return tuple(sorted(names))


def compare(a: Behaviour, b: Behaviour, offered: Offered) -> Comparison:
    diffs: list[Difference] = []
    skips: list[Skip] = []
    universe = {"protocols": offered.protocols, "ciphers": offered.ciphers,
                "ciphersuites": offered.ciphersuites, "groups": offered.groups}
    for aspect, within in universe.items():
        left = getattr(a, aspect) & within
        right = getattr(b, aspect) & within
        if left != right:
            diffs.append(Difference(aspect, "", ordered(left, aspect), ordered(right, aspect),
                                    ordered(right - left, aspect), ordered(left - right, aspect)))
    _sni(a.sni, b.sni, diffs, skips)
    for aspect in ("client_auth", "resumption_ids", "resumption_tickets", "alpn_h2"):
        _scalar(aspect, getattr(a, aspect), getattr(b, aspect), diffs, skips)
    _redirect(a.redirect, b.redirect, diffs, skips)
    _hsts(a.hsts, b.hsts, diffs, skips)
    return Comparison(_merged(diffs), tuple(skips))


def _merged(diffs: list[Difference]) -> tuple[Difference, ...]:
    """One difference for the cases that differ the same way (another certificate on every
    domain, HSTS gone from 2xx and 4xx answers): one drift, one finding. Cases are joined with
    `CASE_SEPARATOR` in the order they were measured."""
    groups: dict[tuple[str, object, object], list[Difference]] = {}
    for diff in diffs:
        groups.setdefault((diff.aspect, _key(diff.expected), _key(diff.served)), []).append(diff)
    return tuple(structs.replace(same[0], case=CASE_SEPARATOR.join(d.case for d in same))
                 for same in groups.values())


def _key(value: object) -> object:
    """HSTS answers of different statuses with the same header differ the same way."""
    if isinstance(value, HttpAnswer):
        return (value.location, value.hsts)
    return value


def _side(left: object, right: object) -> str:
    if left is None and right is None:
        return "both"
    return "expected" if left is None else "served"


def _scalar(aspect: str, left: object, right: object, diffs: list[Difference],
            skips: list[Skip]) -> None:
    if left is None or right is None:
        skips.append(Skip(aspect, "", _side(left, right)))
    elif left != right:
        diffs.append(Difference(aspect, "", left, right))


def _cases(left: dict[str, object], right: dict[str, object]) -> list[str]:
    return list(dict.fromkeys([*left, *right]))


def _sni(left: dict[str, Served], right: dict[str, Served], diffs: list[Difference],
         skips: list[Skip]) -> None:
    for case in _cases(left, right):  # type: ignore[arg-type]
        a, b = left.get(case), right.get(case)
        if a is None or b is None:
            skips.append(Skip("sni", case, _side(a, b)))
        elif a.accepted != b.accepted:
            diffs.append(Difference("sni", case, a, b))
        elif a.accepted and a.chain != b.chain:
            diffs.append(Difference("chain", case, a.chain, b.chain))


def _redirect(left: HttpAnswer | None, right: HttpAnswer | None, diffs: list[Difference],
              skips: list[Skip]) -> None:
    if left is None or right is None:
        skips.append(Skip("redirect", "", _side(left, right)))
    elif (left.status, left.location) != (right.status, right.location):
        diffs.append(Difference("redirect", "", left, right))


def _hsts(left: dict[str, HttpAnswer], right: dict[str, HttpAnswer], diffs: list[Difference],
          skips: list[Skip]) -> None:
    """Only the header is compared: the status within a class is the upstream's business."""
    for case in _cases(left, right):  # type: ignore[arg-type]
        a, b = left.get(case), right.get(case)
        if a is None or b is None:
            skips.append(Skip("hsts", case, _side(a, b)))
        elif a.hsts != b.hsts:
            diffs.append(Difference("hsts", case, a, b))
