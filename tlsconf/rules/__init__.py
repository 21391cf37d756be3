"""The explicit rule registry: every family module, imported by name, in id order.

Ids are stable and never reused: TLS0xx suppressions, TLS1xx protocols, TLS2xx ciphers, TLS3xx
key exchange, TLS4xx session and features, TLS5xx HSTS, TLS6xx OCSP, TLS7xx proxy hygiene,
TLS8xx certificates, TLS9xx live verification (`tlsconf verify`; tlsconf/verify/rules.py).
"""

from __future__ import annotations

from functools import cache

from tlsconf.rules import (
    certificates,
    ciphers,
    hsts,
    kex,
    ocsp,
    protocols,
    proxy,
    session,
    suppressions,
)
from tlsconf.rules.base import Rule
from tlsconf.verify import rules as live

_FAMILIES = (suppressions, protocols, ciphers, kex, session, hsts, ocsp, proxy, certificates,
             live)


@cache
def all_rules() -> tuple[Rule, ...]:
    rules = sorted((r for family in _FAMILIES for r in family.RULES), key=lambda r: r.id)
    ids = [r.id for r in rules]
    names = [r.name for r in rules]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names), "duplicate rule id/name"
    return tuple(rules)


@cache
def by_key() -> dict[str, Rule]:
    """Rules by id and by name (`TLS102` or `legacy-tls-version`)."""
    table = {r.id: r for r in all_rules()}
    table.update({r.name: r for r in all_rules()})
    return table


def get(key: str) -> Rule | None:
    return by_key().get(key) or by_key().get(key.upper())
