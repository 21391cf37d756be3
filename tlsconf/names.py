"""Closed vocabularies of TLS names: protocol versions, groups (curves), suite names.

Spec values are validated against these tables, so legacy names (SSLv3, RC4-MD5, secp521r1)
still parse — the linter and `render`'s weakness judgement flag them — while anything unknown is
refused. Targets translate the canonical names with the per-target columns here.
"""

from __future__ import annotations

from msgspec import Struct

# Ordered from oldest to newest, so "at least TLS 1.2" is a comparison of indexes.
PROTOCOLS: tuple[str, ...] = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")

# Server releases that changed what a config leaves to the server: here, a module the renderer,
# the spec's judgement and the linter's rules all read without importing a target.
NGINX_TICKET_KEY_ROTATION = (1, 23, 2)  # nginx rotates the ticket keys it makes from here
NGINX_MODERN_PROTOCOLS = (1, 23, 4)  # `ssl_protocols`' default drops TLS 1.0/1.1 from here
HAPROXY_MODERN_PROTOCOLS = (2, 2)  # the default `ssl-min-ver` is TLS 1.2 from here
# The groups a server offers when its config names none, in its order (measured on 127.0.0.1,
# each group offered alone in TLS 1.3): OpenSSL 3.0 (HAProxy 2.6 on Debian 12, OpenSSL 3.0.x),
# and Go's crypto/tls as Traefik 3.7 ships it (X25519MLKEM768 from Traefik 3.5: `traefik_min`).
OPENSSL_30_DEFAULT_GROUPS = ("X25519", "prime256v1", "X448", "secp521r1", "secp384r1",
                             "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192")
OPENSSL_DEFAULT_GROUPS_UNTIL = (3, 5)  # 3.5 changed its default list: not measured here
GO_DEFAULT_GROUPS = ("X25519MLKEM768", "X25519", "prime256v1", "secp384r1", "secp521r1")


def protocol_rank(name: str) -> int:
    return PROTOCOLS.index(name)


class Group(Struct, frozen=True):
    """A key-exchange group by its OpenSSL name, with what each target needs."""

    name: str
    openssl_min: tuple[int, ...]  # first OpenSSL release that can configure it
    go: str | None  # Go crypto/tls name (Traefik), None when Go cannot do it
    traefik_min: tuple[int, ...] = (3, 0)
    post_quantum: bool = False
    recommended: bool = False  # X25519, P-256, P-384 (and their hybrids)


GROUPS: tuple[Group, ...] = (
    Group("X25519MLKEM768", (3, 5), "X25519MLKEM768", (3, 5), post_quantum=True, recommended=True),
    Group("SecP256r1MLKEM768", (3, 5), None, post_quantum=True, recommended=True),
    Group("SecP384r1MLKEM1024", (3, 5), None, post_quantum=True, recommended=True),
    Group("X25519", (1, 1, 0), "X25519", recommended=True),
    Group("prime256v1", (1, 0, 2), "CurveP256", recommended=True),
    Group("secp384r1", (1, 0, 2), "CurveP384", recommended=True),
    Group("secp521r1", (1, 0, 2), "CurveP521"),
    Group("X448", (1, 1, 1), None),
    Group("secp256k1", (1, 0, 2), None),
    Group("brainpoolP256r1", (1, 0, 2), None),
    Group("brainpoolP384r1", (1, 0, 2), None),
    Group("brainpoolP512r1", (1, 0, 2), None),
    Group("ffdhe2048", (3, 0), None),
    Group("ffdhe3072", (3, 0), None),
    Group("ffdhe4096", (3, 0), None),
    Group("ffdhe6144", (3, 0), None),
    Group("ffdhe8192", (3, 0), None),
)
GROUPS_BY_NAME = {g.name: g for g in GROUPS}

# Other spellings users (and Go, and the RFCs) use for the same groups.
CURVE_ALIASES: dict[str, str] = {
    "P-256": "prime256v1",
    "secp256r1": "prime256v1",
    "CurveP256": "prime256v1",
    "P-384": "secp384r1",
    "CurveP384": "secp384r1",
    "P-521": "secp521r1",
    "CurveP521": "secp521r1",
    "x25519": "X25519",
}


def curve_name(value: str) -> str:
    canonical = CURVE_ALIASES.get(value, value)
    if canonical not in GROUPS_BY_NAME:
        allowed = ", ".join(g.name for g in GROUPS)
        raise ValueError(f"unknown group {value!r}; allowed: {allowed}")
    return canonical


def cipher_name(value: str) -> str:
    """A single TLS ≤ 1.2 suite by OpenSSL or IANA name, returned as its OpenSSL name."""
    from tlsconf import suites

    if any(c in value for c in ":,! +@"):
        raise ValueError(
            "must be one cipher suite name per list item, not an OpenSSL cipher string "
            "(e.g. ECDHE-RSA-AES128-GCM-SHA256)"
        )
    suite = suites.lookup(value)
    if suite is None or suite.tls13:
        raise ValueError(
            f"unknown TLS <= 1.2 cipher suite {value!r}; use an OpenSSL name such as "
            "ECDHE-ECDSA-AES128-GCM-SHA256 or an IANA name such as "
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (TLS 1.3 suites go in `ciphersuites`)"
        )
    return suite.openssl or suite.iana


def tls13_suite_name(value: str) -> str:
    from tlsconf import suites

    allowed = [s.iana for s in suites.TLS13_SUITES]
    if value not in allowed:
        raise ValueError(f"unknown TLS 1.3 suite {value!r}; allowed: {', '.join(allowed)}")
    return value


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))
