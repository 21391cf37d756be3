"""A resolved TLS policy → the Mozilla profile it starts from plus the fewest explicit
overrides: the shared choice of every importer.

Each profile (`tlsconf.profiles`) is compared field by field with what the source configures
(protocols, TLS ≤ 1.2 suites in order, TLS 1.3 suites, groups, server cipher order); the one
needing the fewest overrides wins, intermediate before modern before old on a tie. A config
equal to a profile is said to be it ("Mozilla intermediate (guideline 6.0)"); every field that
differs is kept as an explicit list, exactly as the source has it (weaker values included: the
spec states them, so `render` refuses them until the user decides).

Groups: the profiles list X25519MLKEM768 first, which a server on OpenSSL < 3.5 cannot offer
(tlsconf renders the profile's groups without it there). A source offering the profile's
groups minus the post-quantum ones still gets them as an explicit list: Traefik and Envoy
would offer X25519MLKEM768 with the profile's, which the source did not (measured with
`tlsconf verify --against`).
"""

from __future__ import annotations

from collections.abc import Callable

from msgspec import Struct, field

from tlsconf import profiles
from tlsconf.names import CURVE_ALIASES, cipher_name

# Tie-break order: the default profile first, never the weak one unless it is closer.
ORDER = ("intermediate", "modern", "old")


class Policy(Struct, frozen=True):
    """What a source configures; None: left to the server (no override possible or needed)."""

    protocols: tuple[str, ...] | None = None
    ciphers: tuple[str, ...] | None = None  # OpenSSL or IANA names, in order
    ciphersuites: tuple[str, ...] | None = None
    curves: tuple[str, ...] | None = None
    prefer_server_ciphers: bool | None = None


class Choice(Struct, frozen=True):
    profile: str
    guideline: str
    # spec `tls` field → its value (lists as lists): only the fields that differ
    overrides: dict[str, object] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """`Mozilla intermediate (guideline 6.0)`, with what is overridden."""
        base = f"Mozilla {self.profile} (guideline {self.guideline})"
        if not self.overrides:
            return base
        return f"{base} with {', '.join(self.overrides)} overridden"


def _canonical_curve(name: str) -> str:
    return CURVE_ALIASES.get(name, name)


def _canonical_cipher(name: str) -> str:
    try:
        return cipher_name(name)
    except ValueError:
        return name


def _same(name: str) -> str:
    return name


# spec `tls` list field → (the Profile attribute it overrides, the canonical name of an item)
LISTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "protocols": ("protocols", _same),
    "ciphers": ("ciphers", _canonical_cipher),
    "ciphersuites": ("ciphersuites", _same),
    "curves": ("curves", _canonical_curve),
}


def _differences(policy: Policy, profile: profiles.Profile) -> dict[str, object]:
    overrides: dict[str, object] = {}
    for name, (attribute, canonical) in LISTS.items():
        values: tuple[str, ...] | None = getattr(policy, name)
        if values is not None:
            items = tuple(canonical(v) for v in values)
            if items != getattr(profile, attribute):
                overrides[name] = list(items)
    if policy.prefer_server_ciphers is not None \
            and policy.prefer_server_ciphers != profile.server_preferred_order:
        overrides["prefer_server_ciphers"] = policy.prefer_server_ciphers
    return overrides


def choose(policy: Policy) -> Choice:
    best: Choice | None = None
    for name in ORDER:
        profile = profiles.get(name)
        overrides = _differences(policy, profile)
        if best is None or len(overrides) < len(best.overrides):
            best = Choice(profile.name, profile.guideline, overrides)
    assert best is not None
    return best
