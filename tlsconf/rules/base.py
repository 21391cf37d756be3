"""What a rule is: identity, documentation and a `check` over the reduced model.

A rule's `check(subject, ctx)` yields `Hit`s; the engine turns them into `Finding`s (id, name,
severity after overrides, location from the hit or the value's origin). Rules never parse.
`Context` carries the profile the site is judged against, the configured thresholds and the
instant of the judgement (`now`: `--as-of DATE` at 00:00 UTC, else the time the run began —
one value for the whole run, so dated rules and certificate expiry agree); the
certificate family reads the paths a site names from `subject.site.tls` (certificate, key,
trusted_ca, client_auth.ca, with their origins) and its thresholds from `ctx.settings`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping

from msgspec import Struct
from msgspec.structs import fields

from tlsconf.config import Settings
from tlsconf.findings import Severity
from tlsconf.lint.model import Hit, ProxyFacts, Subject
from tlsconf.profiles import Profile

ALL_KINDS = frozenset({"spec", "nginx", "haproxy", "traefik", "envoy", "caddy", "k8s"})
CONFIGS = frozenset({"nginx", "haproxy", "traefik", "envoy", "caddy"})


class Context(Struct, frozen=True):
    profile: Profile  # the profile the site is judged against
    settings: Settings
    now: dt.datetime  # the instant every dated rule and certificate check judges at

    @property
    def today(self) -> dt.date:
        return self.now.date()


Check = Callable[[Subject, Context], Iterable[Hit]]


class Rule(Struct, frozen=True):
    id: str  # stable, never reused: TLS1xx protocols ... TLS8xx certificates, TLS9xx verify
    name: str  # kebab-case
    severity: Severity  # default; `.tlsconf.yaml` may override
    summary: str  # what it flags, one line
    why: str  # why it is bad
    bad: str  # example that triggers it
    good: str  # the same example, fixed
    fix: str
    references: tuple[str, ...]
    check: Check
    applies_to: frozenset[str] = ALL_KINDS
    example_lang: str = "nginx"

    @property
    def family(self) -> str:
        return FAMILIES.get(self.id[:4], "other")


FAMILIES = {
    "TLS0": "suppressions",
    "TLS1": "protocols",
    "TLS2": "ciphers",
    "TLS3": "key exchange",
    "TLS4": "session and features",
    "TLS5": "HSTS",
    "TLS6": "OCSP",
    "TLS7": "proxy hygiene",
    "TLS8": "certificates",
    "TLS9": "live verification",
}


def listing(names: Iterable[str], limit: int = 4) -> str:
    """`a, b, c, d and 7 more` — bounded, so one cipher string never yields a wall of text."""
    items = list(dict.fromkeys(names))
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"


def as_written(subject: Subject, field: str, names: Iterable[str], nginx: str, haproxy: str,
               key: str | None = None) -> str:
    """The list `names` as the input that set `field` writes it — the exact replacement a
    message offers: nginx `<nginx> a:b;`, HAProxy `<haproxy> a:b` (its global
    `ssl-default-bind-<haproxy>` form when the value came from there), else `<key>: [a, b]`
    (`key` defaults to `field`)."""
    names = list(names)
    if subject.kind == "nginx":
        return f"{nginx} {':'.join(names)};"
    if subject.kind == "haproxy":
        detail = subject.site.tls_origin(field).detail
        keyword = f"ssl-default-bind-{haproxy}" if detail.startswith("ssl-default") else haproxy
        return f"{keyword} {':'.join(names)}"
    return f"{key or field}: [{', '.join(names)}]"


def rule(rules: list[Rule], **meta: object) -> Callable[[Check], Check]:
    """Decorator: declare `check` as a rule with `meta` and append it to a family's list."""

    def register(check: Check) -> Check:
        rules.append(Rule(check=check, **meta))  # type: ignore[arg-type]
        return check

    return register


def declare(rules: list[Rule], table: Iterable[tuple[Check, Mapping[str, object]]]) -> None:
    """Declare each (check, metadata) row of a family's table as a rule, in order."""
    for check, meta in table:
        rule(rules, **meta)(check)


_FACTS = frozenset(f.name for f in fields(ProxyFacts))


def _known(fact: str) -> None:
    """Refuse, when a rule is declared, a fact `ProxyFacts` does not have."""
    if fact not in _FACTS:
        raise ValueError(f"ProxyFacts has no fact {fact!r}")


def flag(fact: str, field: str, message: str) -> Check:
    """A check with one hit at `field` when the `ProxyFacts` flag `fact` is set."""
    _known(fact)

    def check(subject: Subject, ctx: Context) -> Iterator[Hit]:
        if getattr(subject.facts, fact):
            yield Hit(field, message)

    return check


def located(fact: str, field: str, message: str) -> Check:
    """A check with one hit at each location in the `ProxyFacts` tuple `fact`."""
    _known(fact)

    def check(subject: Subject, ctx: Context) -> Iterator[Hit]:
        for where in getattr(subject.facts, fact):
            yield Hit(field, message, where)

    return check


def legacy_enabled(subject: Subject) -> bool:
    """Does the site speak any version below TLS 1.3 (so its <= 1.2 cipher list matters)?"""
    return any(p != "TLSv1.3" for p in subject.site.tls.protocols)


def explicit(subject: Subject, name: str) -> bool:
    """Was the value chosen by the input (not a profile or server default)?"""
    return subject.origin_kind(name) not in ("profile", "default", "server-default")
