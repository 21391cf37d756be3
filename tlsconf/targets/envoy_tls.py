"""Resolved TLS policies → Envoy's (BoringSSL's) vocabulary, shared by the Envoy bootstrap target
and the Envoy Gateway `ClientTrafficPolicy` (`k8s_impl`), so both carry the same parameters.

BoringSSL is not OpenSSL: it takes OpenSSL-style suite names but knows only the 22 TLS <= 1.2
suites in `BORINGSSL_CIPHERS` (no DHE, no CBC-SHA384, no RSA CBC-SHA256), negotiates a fixed set
of TLS 1.3 suites, and takes Envoy's group names (`P-256`, not `prime256v1`). What the *spec*
asks for and BoringSSL cannot do is an error naming the field; what the *profile* asks for is
left out — silently for groups (as on an old OpenSSL), with a warning for cipher suites.
"""

from __future__ import annotations

from msgspec import Struct

from tlsconf.errors import Problem
from tlsconf.names import PROTOCOLS, protocol_rank
from tlsconf.policy import SitePolicy

# Every TLS <= 1.2 suite `envoy --mode validate` (1.40.0, BoringSSL) accepts alone in
# `cipher_suites`, measured over tlsconf's whole suite table; every other name is refused
# ("Failed to initialize cipher suites"); the e2e tests check it against the binary.
BORINGSSL_CIPHERS = frozenset({
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-PSK-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
    "ECDHE-PSK-AES128-CBC-SHA", "ECDHE-PSK-AES256-CBC-SHA",
    "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA",
    "PSK-AES128-CBC-SHA", "PSK-AES256-CBC-SHA", "DES-CBC3-SHA",
})
# BoringSSL's TLS 1.3 suites: always these, in an order it picks by hardware support.
BORINGSSL_TLS13_SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                          "TLS_CHACHA20_POLY1305_SHA256")
# tlsconf (OpenSSL) group name → Envoy `ecdh_curves` name; X448 and FFDHE groups are refused.
CURVES = {"X25519MLKEM768": "X25519MLKEM768", "X25519": "X25519", "prime256v1": "P-256",
          "secp384r1": "P-384", "secp521r1": "P-521"}
ENVOY_PROTOCOLS = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


class EnvoyTLS(Struct, frozen=True):
    """One site's handshake policy in Envoy's terms (each target spells the fields its way)."""

    min_version: str  # tlsconf protocol names: "TLSv1.2"
    max_version: str
    ciphers: tuple[str, ...]  # OpenSSL names; empty when TLS 1.3 is the minimum
    curves: tuple[str, ...]  # Envoy names, preference order
    alpn: tuple[str, ...]
    tickets: bool  # stateless resumption (BoringSSL's own in-memory ticket keys)


def problem(site: SitePolicy, field: str, message: str) -> Problem:
    """A problem at `sites[i].tls.<field>`, located where the value was written."""
    origin = site.tls_origin(field)
    location = origin.location if origin.kind == "spec" and origin.location else site.location
    return Problem(location, f"sites[{site.index}].tls.{field}", message)


def resolve(site: SitePolicy) -> tuple[EnvoyTLS | None, list[Problem], list[Problem]]:
    """The site's policy for Envoy, the errors that make it impossible, and adaptations."""
    tls = site.tls
    problems: list[Problem] = []
    warnings: list[Problem] = []
    ranks = sorted({protocol_rank(p) for p in tls.protocols})
    names = [PROTOCOLS[r] for r in ranks]
    unsupported = [p for p in names if p not in ENVOY_PROTOCOLS]
    if unsupported:
        problems.append(problem(site, "protocols", f"BoringSSL (Envoy) has no "
                                                   f"{', '.join(unsupported)}"))
    elif ranks != list(range(ranks[0], ranks[-1] + 1)):
        problems.append(problem(site, "protocols", f"Envoy takes a minimum and a maximum "
                                                   f"version; {', '.join(names)} leaves a gap"))
    ciphers = _ciphers(site, problems, warnings) if names[0] != "TLSv1.3" else ()
    if ("TLSv1.3" in tls.protocols and site.tls_origin("ciphersuites").kind == "spec"
            and set(tls.ciphersuites) != set(BORINGSSL_TLS13_SUITES)):
        problems.append(problem(
            site, "ciphersuites",
            f"BoringSSL (Envoy) always negotiates exactly {', '.join(BORINGSSL_TLS13_SUITES)} in "
            "TLS 1.3 and cannot be configured; remove the override"))
    curves = _curves(site, problems)
    if problems:
        return None, problems, warnings
    policy = EnvoyTLS(
        min_version=names[0],
        max_version=names[-1],
        ciphers=ciphers,
        curves=curves,
        alpn=("h2", "http/1.1") if site.http2 else ("http/1.1",),
        # Tickets stay on unless the spec says no: with no keys configured BoringSSL makes its
        # own in memory and rotates them (every 48 h), so nothing secret is written to disk.
        tickets=tls.session_tickets is not False,
    )
    return policy, problems, warnings


def _ciphers(site: SitePolicy, problems: list[Problem], warnings: list[Problem]
             ) -> tuple[str, ...]:
    keep = [c for c in site.tls.ciphers if c in BORINGSSL_CIPHERS]
    missing = [c for c in site.tls.ciphers if c not in BORINGSSL_CIPHERS]
    if missing and site.tls_origin("ciphers").kind == "spec":
        problems.append(problem(site, "ciphers", f"BoringSSL (Envoy) cannot negotiate "
                                                 f"{', '.join(missing)}; remove them"))
    elif missing:
        warnings.append(problem(
            site, "ciphers",
            f"left out {', '.join(missing)} from the Mozilla {site.tls.profile} suites: BoringSSL "
            "(Envoy) cannot negotiate them"))
    if not keep and not missing:
        problems.append(problem(site, "ciphers", "TLS <= 1.2 is enabled but no cipher suite is "
                                                 "listed; Envoy would refuse every TLS 1.2 "
                                                 "handshake"))
    elif not keep and not problems:
        problems.append(problem(site, "ciphers", "no listed cipher suite is usable with "
                                                 "BoringSSL (Envoy)"))
    return tuple(keep)


def _curves(site: SitePolicy, problems: list[Problem]) -> tuple[str, ...]:
    explicit = site.tls_origin("curves").kind == "spec"
    refused = [c for c in site.tls.curves if c not in CURVES]
    if refused and explicit:
        problems.append(problem(site, "curves", f"BoringSSL (Envoy) cannot use "
                                                f"{', '.join(refused)}; it offers "
                                                f"{', '.join(CURVES)}"))
    keep = tuple(CURVES[c] for c in site.tls.curves if c in CURVES)
    if not keep and not (refused and explicit):
        problems.append(problem(site, "curves", "no group is usable with Envoy"))
    return keep

