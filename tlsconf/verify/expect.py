"""A site's resolved policy → the `Behaviour` a server deploying it must show.

Target-independent: what any TLS stack does with the policy — a TLS <= 1.2 suite is accepted
only when the leaf's key can sign with it (ECDSA/RSA) and some enabled version can carry it; a
version only when some suite can be negotiated at it; the chain is the SHA-256 of each
certificate in the spec's certificate file, in file order; with a `default_server` site on the
listener, clients without SNI or with an unknown name get that site's chain, without one they
are refused. What one server does differently, by design or release, is its entry in
`TARGET_LIMITS` (selected with `verify --target`): a function from the target-independent
prediction to that target's, with the site and the loaded spec (for `targets.<name>` versions).
Without a target the prediction is the spec's policy as resolved, and a field the spec leaves
to the target (session tickets when unset) is None: not predicted, reported as a note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from msgspec import Struct, structs

from tlsconf.errors import Location, TlsconfError
from tlsconf.names import CURVE_ALIASES, protocol_rank
from tlsconf.verify.behaviour import (
    NO_SNI,
    REDIRECT_PATH,
    UNKNOWN_SNI,
    Behaviour,
    HttpAnswer,
    Served,
)
from tlsconf.verify.limits import INSTANCE_WIDE_DEFAULT, LIMITS

if TYPE_CHECKING:
    from cryptography import x509

    from tlsconf.policy import SitePolicy
    from tlsconf.specfile import LoadedSpec

Limit = Callable[[Behaviour, "SitePolicy", "LoadedSpec"], Behaviour]
WILDCARD_LABEL = "tlsconf-verify"  # `*.example.com` is probed as tlsconf-verify.example.com
AUTH_OF_KEY = {"ec": "ECDSA", "rsa": "RSA"}  # the leaf's key → the suites' `auth` it serves


class Certificate(Struct, frozen=True):
    """What the spec's certificate file says about a handshake: the chain and the leaf key."""

    chain: tuple[str, ...]  # SHA-256 of each certificate (hex), file order
    key: str  # "ec", "rsa", or the key's type name
    curve: str | None  # the leaf's EC curve (cryptography's name), None for other keys

    @classmethod
    def of(cls, certs: list[x509.Certificate]) -> Certificate:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        key = certs[0].public_key()
        kind = "ec" if isinstance(key, ec.EllipticCurvePublicKey) else \
            "rsa" if isinstance(key, rsa.RSAPublicKey) else type(key).__name__
        return cls(tuple(c.fingerprint(hashes.SHA256()).hex() for c in certs), kind,
                   key.curve.name if isinstance(key, ec.EllipticCurvePublicKey) else None)


def certificate(site: SitePolicy) -> Certificate:
    """The site's certificate file, read; unreadable or not a certificate is bad input."""
    from tlsconf.certs.files import read_certificates

    certs, issues = read_certificates(site.tls.certificate)
    if issues:
        origin = site.tls_origin("certificate")
        raise TlsconfError.single(origin.location or site.location,
                                  f"sites[{site.index}].tls.certificate",
                                  f"{issues[0].message}; verify compares the served chain "
                                  "with this file")
    return Certificate.of(certs)


def probe_name(domain: str) -> str:
    """The SNI sent for a domain: a wildcard's label replaced by a fixed one."""
    return f"{WILDCARD_LABEL}.{domain[2:]}" if domain.startswith("*.") else domain


def redirect_location(site: SitePolicy, host: str) -> str:
    port = "" if site.https_port == 443 else f":{site.https_port}"
    return f"https://{host}{port}{REDIRECT_PATH}"


def expect(site: SitePolicy, sites: Sequence[SitePolicy], loaded: LoadedSpec,
           target: str | None = None, certs: dict[str, Certificate] | None = None) -> Behaviour:
    """The behaviour `site` must show; `sites` are the spec's (the default server of the
    listener decides what clients without SNI get); `certs` caches certificate files by path."""
    certs = {} if certs is None else certs

    def cert_of(s: SitePolicy) -> Certificate:
        if s.tls.certificate not in certs:
            certs[s.tls.certificate] = certificate(s)
        return certs[s.tls.certificate]

    own = cert_of(site)
    tls = site.tls
    legacy = [p for p in tls.protocols if p != "TLSv1.3"]
    top = max(legacy, key=protocol_rank) if legacy else None
    ciphers = frozenset(c for c in tls.ciphers if top is not None and _usable(c, own, top))
    protocols = {p for p in legacy if any(_usable(c, own, p) for c in ciphers)}
    if "TLSv1.3" in tls.protocols and tls.ciphersuites:
        protocols.add("TLSv1.3")
    groups = frozenset(tls.curves)
    if "TLSv1.3" not in protocols and own.curve is not None:
        # In TLS <= 1.2 the client's groups also bound the ECDSA certificate's curve.
        groups = groups & {CURVE_ALIASES.get(own.curve, own.curve)}
    sni = {probe_name(d): Served(True, own.chain) for d in site.domains}
    default = next((s for s in sites if s.default_server and (
        s.listener == site.listener or target in INSTANCE_WIDE_DEFAULT)), None)
    fallback = Served(True, cert_of(default).chain) if default is not None else Served(False)
    sni[NO_SNI] = sni[UNKNOWN_SNI] = fallback
    host = probe_name(site.domains[0])
    hsts = site.hsts.header_value if site.hsts.enabled else None
    behaviour = Behaviour(
        protocols=frozenset(protocols),
        ciphers=ciphers,
        ciphersuites=frozenset(tls.ciphersuites) if "TLSv1.3" in protocols else frozenset(),
        groups=groups if protocols else frozenset(),
        sni=sni,
        client_auth=tls.client_auth.mode if tls.client_auth else "none",
        resumption_ids=True if protocols - {"TLSv1.3"} else None,
        resumption_tickets=tls.session_tickets if protocols - {"TLSv1.3"} else None,
        alpn_h2=site.http2,
        redirect=HttpAnswer(301, redirect_location(site, host)) if site.redirect_http else None,
        # The status within a class is the upstream's: compare reads the header only.
        hsts={"2xx": HttpAnswer(200, hsts=hsts), "4xx": HttpAnswer(400, hsts=hsts)},
    )
    if target is None:
        return behaviour
    if target not in TARGET_LIMITS:
        raise TlsconfError.single(Location("--target"), "",
                                  f"unknown target {target!r}; allowed: "
                                  f"{', '.join(TARGET_LIMITS)}")
    return TARGET_LIMITS[target](behaviour, site, loaded)


def _usable(cipher: str, cert: Certificate, protocol: str) -> bool:
    """Can a server with this certificate negotiate `cipher` at `protocol`?"""
    from tlsconf.suites import lookup

    suite = lookup(cipher)
    if suite is None or suite.tls13:
        return False
    if protocol_rank(protocol) < protocol_rank(suite.min_protocol):
        return False
    return suite.auth == AUTH_OF_KEY.get(cert.key)


def _nginx(behaviour: Behaviour, site: SitePolicy, loaded: LoadedSpec) -> Behaviour:
    """nginx as tlsconf renders it (tlsconf/targets/nginx.py): groups the configured OpenSSL
    cannot set are left out of the profile's; session tickets unset are on from nginx 1.23.2
    (before it its ticket keys never rotate, so tlsconf turns them off); DHE suites need
    `ssl_dhparam` (nginx sets no DH parameters of its own)."""
    from tlsconf.names import GROUPS_BY_NAME, NGINX_TICKET_KEY_ROTATION, parse_version
    from tlsconf.suites import lookup
    from tlsconf.targets.nginx import DEFAULT_OPENSSL, DEFAULT_VERSION

    versions = loaded.spec.targets.nginx
    version = parse_version(versions.version or DEFAULT_VERSION)
    openssl = parse_version(versions.openssl or DEFAULT_OPENSSL)
    groups = frozenset(g for g in behaviour.groups
                       if g not in GROUPS_BY_NAME or openssl >= GROUPS_BY_NAME[g].openssl_min)
    ciphers = behaviour.ciphers
    if site.tls.dhparam is None:
        ciphers = frozenset(c for c in ciphers if (s := lookup(c)) is None or s.kx != "DHE")
    tickets = behaviour.resumption_tickets
    if tickets is None and behaviour.resumption_ids is not None:
        tickets = version >= NGINX_TICKET_KEY_ROTATION
    return structs.replace(behaviour, groups=groups, ciphers=ciphers, resumption_tickets=tickets)


# target name → its limits; HAProxy's, Traefik's, Envoy's and Caddy's are in limits.py.
TARGET_LIMITS: dict[str, Limit] = {
    "nginx": _nginx,
    **LIMITS,
}
