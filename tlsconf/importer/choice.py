"""A site's imported TLS values → a Mozilla profile plus the minimal explicit overrides.

The profile is the one that needs the fewest overrides (ties: intermediate, then modern), so a
config that is Mozilla intermediate 6.0 exactly imports as `profile: intermediate` and nothing
else, and a weak one states what differs (`protocols: [TLSv1, …]`): `render` then refuses it
until the user decides. Values the source leaves to the server (`None` here) are not compared
and not written: the profile supplies them (the importer reports them as approximated).
"""

from __future__ import annotations

from msgspec import Struct

from tlsconf import profiles
from tlsconf.names import CURVE_ALIASES

FIELDS = ("protocols", "ciphers", "ciphersuites", "curves")
PREFERENCE = ("intermediate", "modern", "old")


class Values(Struct, frozen=True):
    """What the source sets (None: not set, the server decides)."""

    protocols: tuple[str, ...] | None = None
    ciphers: tuple[str, ...] | None = None  # OpenSSL names, in order
    ciphersuites: tuple[str, ...] | None = None
    curves: tuple[str, ...] | None = None


class Choice(Struct, frozen=True):
    profile: str
    guideline: str
    overrides: dict[str, list[str]]  # field → the explicit list, in spec order of FIELDS


def _curve(name: str) -> str:
    return CURVE_ALIASES.get(name, name)


# What a target leaves out of the profile's groups when its TLS library cannot offer it
# (tlsconf's own HAProxy/nginx output on OpenSSL < 3.5): the profile's list all the same.
PQ_GROUP = "X25519MLKEM768"


def _differs(profile: profiles.Profile, name: str, value: tuple[str, ...]) -> bool:
    if name == "curves":
        ours = tuple(_curve(c) for c in value)
        theirs = tuple(_curve(c) for c in profile.curves)
        return ours not in (theirs, tuple(c for c in theirs if c != PQ_GROUP))
    if name == "ciphers" and "TLSv1.2" not in (profile.protocols or ()) and not value:
        return False
    default: tuple[str, ...] = getattr(profile, name)
    return value != default


def choose(values: Values) -> Choice:
    """The profile with the fewest overrides for `values`, and those overrides."""
    best: Choice | None = None
    for name in PREFERENCE:
        profile = profiles.get(name)
        overrides: dict[str, list[str]] = {}
        protocols = values.protocols or profile.protocols
        for field in FIELDS:
            value: tuple[str, ...] | None = getattr(values, field)
            if value is None:
                continue
            if field == "ciphers" and not (set(protocols) - {"TLSv1.3"}):
                continue  # no TLS <= 1.2 version: the list negotiates nothing
            if field == "ciphersuites" and "TLSv1.3" not in protocols:
                continue
            if _differs(profile, field, value):
                overrides[field] = list(value)
        if best is None or len(overrides) < len(best.overrides):
            best = Choice(name, profile.guideline, overrides)
    assert best is not None
    return best
