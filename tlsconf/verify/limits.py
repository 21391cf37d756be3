"""What HAProxy, Traefik, Envoy and Caddy negotiate when they serve `tlsconf render` output, as
changes to the behaviour a site's resolved policy predicts (`expect`).

Each function is one target's entry of `expect.TARGET_LIMITS`: `(expected, site, loaded spec)
-> expected` (`loaded.spec.targets.<name>` for the release; the renderer's default when unset).
The values come from the renderer itself — its per-site option builder
(`traefik_tls.site_options`, `envoy_tls.resolve`, the Caddy connection policy) or the tables it
filters with (`GROUPS_BY_NAME[...].openssl_min`) — read back into tlsconf's names, so what is
expected is what was written, and no list is typed twice.

Measured (2026-12-08) with tests/support/tlsprobe.py on the servers started as the e2e tests
start them, serving one spec with an intermediate default site, a modern site, an explicit
protocols+ciphers site, a `client_auth: required` site and an `http2: false` site, all on one
listener (HAProxy 2.6.12 / OpenSSL 3.0, Traefik 3.7, Envoy 1.40, Caddy 2.11), then with
`tlsconf verify` itself (tests/test_verify_targets_e2e.py keeps checking every entry):

- Every target: protocols, TLS <= 1.2 suites (those the ECDSA certificate can use), TLS 1.3
  suites, ALPN (`h2` unless `http2: false`), the certificate per SNI name and the default site's
  for no or an unknown SNI, a refused handshake without a client certificate, `301` with
  `Location: https://<host>:<https port><path>` on the plain port, HSTS on a 200 and on an
  upstream's 404 — all as the policy says. No target-specific change is needed there.
- `GET /%zz` (the probe's 4xx): HAProxy and Envoy pass it to the upstream (its answer, with
  HSTS); Traefik and Caddy answer 400 themselves (Go's net/http), without HSTS.
- Groups: HAProxy on OpenSSL 3.0 has no X25519MLKEM768 (left out of the profile's list by the
  renderer, as for nginx); the three others accept it alone.
- TLS 1.2 resumption by session ID alone (client without tickets): HAProxy and Envoy resume
  (their session caches); Traefik and Caddy do not (Go's crypto/tls has no session cache).
- Session tickets: HAProxy issues none unless `session_tickets: true` (`no-tls-tickets`: it never
  rotates ticket keys); Traefik, Envoy and Caddy issue them unless the spec turns them off —
  except Caddy on a site with `client_auth`, which issues none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from msgspec import structs

from tlsconf import suites
from tlsconf.names import GROUPS, GROUPS_BY_NAME, parse_version
from tlsconf.policy import SitePolicy
from tlsconf.specfile import LoadedSpec
from tlsconf.targets import caddy, envoy_tls, haproxy, traefik, traefik_tls
from tlsconf.verify.behaviour import Behaviour, HttpAnswer

Limit = Callable[[Behaviour, SitePolicy, LoadedSpec], Behaviour]  # as expect.Limit

# Targets whose `default_server` site answers clients without SNI or with an unknown name on
# every listener, not just its own: Traefik has one default certificate and one
# `tls.options.default` for all entry points (traefik_tls.default_options; measured on 3.7: a
# listener of its own for a modern site served the default site's certificate without SNI).
INSTANCE_WIDE_DEFAULT = frozenset({"traefik"})
_GO_GROUPS = {g.go: g.name for g in GROUPS if g.go is not None}
_CADDY_GROUPS = {value: name for name, value in caddy.CURVES.items()}
_ENVOY_GROUPS = {value: name for name, value in envoy_tls.CURVES.items()}
_BY_GO_NAME = {s.go: s for s in suites.SUITES if s.go is not None}


def _openssl_names(go_suites: Iterable[str]) -> frozenset[str]:
    """Suite names as a Go target writes them (Go's or IANA spelling), back to OpenSSL names."""
    out = set()
    for name in go_suites:
        suite = _BY_GO_NAME.get(name) or suites.lookup(name)
        if suite is not None and suite.openssl is not None:
            out.add(suite.openssl)
    return frozenset(out)


def _tls13(expected: Behaviour, fixed: Iterable[str]) -> frozenset[str]:
    # A library with fixed TLS 1.3 suites negotiates them whenever TLS 1.3 is on: the renderers
    # refuse a spec that asks for others, so these are the policy's own on such a target.
    return frozenset(fixed) if "TLSv1.3" in expected.protocols else frozenset()


def _tls12(expected: Behaviour, value: bool) -> bool | None:
    """A TLS 1.2 resumption value, where the prediction has one (not for TLS 1.3-only sites)."""
    return None if expected.resumption_ids is None else value


def _go_bad_request(expected: Behaviour) -> dict[str, HttpAnswer]:
    # Go's net/http answers a request it cannot parse (`GET /%zz`, the probe's 4xx) with its
    # own 400 before any Traefik or Caddy handler runs, so that answer has no HSTS (measured on
    # Traefik 3.7 and Caddy 2.11; a 404 from the upstream carries it). HSTS on 2xx is kept.
    if "4xx" not in expected.hsts:
        return expected.hsts
    return {**expected.hsts, "4xx": HttpAnswer(400)}


def haproxy_limits(expected: Behaviour, site: SitePolicy, loaded: LoadedSpec) -> Behaviour:
    openssl = parse_version(loaded.spec.targets.haproxy.openssl or haproxy.DEFAULT_OPENSSL)
    return structs.replace(
        expected,
        # The renderer leaves out the profile groups the declared OpenSSL cannot configure
        # (X25519MLKEM768 before 3.5; measured: absent on Debian 12's HAProxy 2.6 / OpenSSL 3.0).
        groups=frozenset(g for g in expected.groups if openssl >= GROUPS_BY_NAME[g].openssl_min),
        # HAProxy's shared session cache: TLS 1.2 resumes by session ID (measured).
        resumption_ids=_tls12(expected, True),
        # `no-tls-tickets` unless the spec asks for tickets: HAProxy never rotates their keys
        # (measured: no ticket in a TLS 1.2 handshake; resumption still works by session ID).
        resumption_tickets=_tls12(expected, bool(site.tls.session_tickets)),
    )


def traefik_limits(expected: Behaviour, site: SitePolicy, loaded: LoadedSpec) -> Behaviour:
    # What the renderer writes into the site's `tls.options` entry, read back.
    options, _problems, _warnings = traefik_tls.site_options(
        site, parse_version(loaded.spec.targets.traefik.version or traefik.DEFAULT_VERSION))
    written = options.get("cipherSuites")
    ciphers = _openssl_names(written) if isinstance(written, list) else frozenset()
    curves = options.get("curvePreferences")
    groups = {_GO_GROUPS[c] for c in curves if c in _GO_GROUPS} if isinstance(curves, list) \
        else set()
    return structs.replace(
        expected,
        # Go has no DHE/CCM/CBC-SHA384 suites: only those the renderer could write are offered.
        ciphers=expected.ciphers & ciphers,
        ciphersuites=_tls13(expected, traefik_tls.GO_TLS13_SUITES),
        # Groups Go (or the declared Traefik release) cannot use are left out by the renderer.
        groups=expected.groups & groups,
        # Go's crypto/tls has no session cache: TLS 1.2 resumes by ticket only (measured: a
        # client without tickets never resumes on Traefik 3.7).
        resumption_ids=_tls12(expected, False),
        resumption_tickets=_tls12(expected, not options.get("disableSessionTickets", False)),
        hsts=_go_bad_request(expected),
    )


def envoy_limits(expected: Behaviour, site: SitePolicy, loaded: LoadedSpec) -> Behaviour:
    del loaded  # every supported Envoy release takes the same BoringSSL names
    policy, _problems, _warnings = envoy_tls.resolve(site)
    if policy is None:  # the renderer refuses such a site: nothing to predict beyond the spec
        return expected
    return structs.replace(
        expected,
        # BoringSSL knows only `BORINGSSL_CIPHERS` (no DHE, no CBC-SHA384, no RSA CBC-SHA256).
        ciphers=expected.ciphers & frozenset(policy.ciphers),
        ciphersuites=_tls13(expected, envoy_tls.BORINGSSL_TLS13_SUITES),
        groups=expected.groups & {_ENVOY_GROUPS[c] for c in policy.curves},
        # Envoy keeps a session cache beside the tickets: TLS 1.2 resumes by ID (measured, also
        # with `session_tickets: false` in tests/test_envoy_e2e.py).
        resumption_ids=_tls12(expected, True),
        resumption_tickets=_tls12(expected, policy.tickets),
    )


def caddy_limits(expected: Behaviour, site: SitePolicy, loaded: LoadedSpec) -> Behaviour:
    del loaded  # every supported Caddy release (>= 2.10) takes the same names
    written, _problems, _warnings = caddy.connection_policy(site, acme=False)
    return structs.replace(
        expected,
        ciphers=expected.ciphers & _openssl_names(written.get("cipher_suites", ())),
        ciphersuites=_tls13(expected, traefik_tls.GO_TLS13_SUITES),
        groups=expected.groups & {_CADDY_GROUPS[c] for c in written["curves"]},
        # Go's crypto/tls: no session cache, tickets only (measured on Caddy 2.11).
        resumption_ids=_tls12(expected, False),
        # One switch for the whole Caddy instance (`apps.tls.session_tickets`); the renderer
        # refuses sites that disagree, so the site's own choice is the instance's. A policy with
        # `client_authentication` issues no ticket at all (measured on Caddy 2.11: no ticket in
        # a TLS 1.2 handshake that presented the client certificate; Traefik issues one).
        resumption_tickets=_tls12(expected, site.tls.session_tickets is not False
                                  and site.tls.client_auth is None),
        hsts=_go_bad_request(expected),
    )


# Why a target's behaviour differs from the policy, per `Behaviour` field it changes: the
# differential mode names these for each documented difference between two targets.
WHY: dict[str, dict[str, str]] = {
    "nginx": {  # expect._nginx
        "groups": "nginx gets no X25519MLKEM768 below OpenSSL 3.5 (targets.nginx.openssl)",
        "ciphers": "nginx has no DHE suites without `tls.dhparam`",
        "resumption_tickets": "nginx before 1.23.2 never rotates ticket keys: tickets stay "
                              "off there unless `session_tickets: true`",
    },
    "haproxy": {
        "groups": "HAProxy gets no X25519MLKEM768 below OpenSSL 3.5 (targets.haproxy.openssl)",
        "resumption_tickets": "HAProxy never rotates ticket keys: tickets stay off unless "
                              "`session_tickets: true`",
    },
    "traefik": {
        "ciphers": "Go's crypto/tls (Traefik) has no DHE, CCM or CBC-SHA384 suites",
        "ciphersuites": "Go's crypto/tls (Traefik) negotiates its fixed TLS 1.3 suites",
        "groups": "Traefik takes the groups Go has, X25519MLKEM768 from Traefik 3.5",
        "resumption_ids": "Go's crypto/tls (Traefik) has no session cache: TLS 1.2 resumes "
                          "by ticket only",
        "resumption_tickets": "Traefik keeps Go's session tickets on unless "
                              "`session_tickets: false`",
        "hsts": "Go's net/http answers an unparsable request (GET /%zz) with its own 400, "
                "before Traefik's headers middleware: no HSTS on it",
        "sni": "Traefik has one default certificate for all entry points: the default_server "
               "site's answers clients without SNI or with an unknown name on every listener",
    },
    "envoy": {
        "ciphers": "BoringSSL (Envoy) has no DHE, CCM, CBC-SHA384 or RSA CBC-SHA256 suites",
        "ciphersuites": "BoringSSL (Envoy) negotiates its fixed TLS 1.3 suites",
        "groups": "Envoy takes BoringSSL's groups, X25519MLKEM768 included",
        "resumption_tickets": "Envoy keeps BoringSSL's tickets (in-memory keys) on unless "
                              "`session_tickets: false`",
    },
    "caddy": {
        "ciphers": "Go's crypto/tls (Caddy) has no DHE, CCM or CBC-SHA384 suites",
        "ciphersuites": "Go's crypto/tls (Caddy) negotiates its fixed TLS 1.3 suites",
        "groups": "Caddy takes the groups Go has, X25519MLKEM768 included",
        "resumption_ids": "Go's crypto/tls (Caddy) has no session cache: TLS 1.2 resumes by "
                          "ticket only",
        "resumption_tickets": "Caddy keeps Go's session tickets on unless "
                              "`session_tickets: false`, and issues none on a site with "
                              "client certificates",
        "hsts": "Go's net/http answers an unparsable request (GET /%zz) with its own 400, "
                "before Caddy's routes: no HSTS on it",
    },
}

# The entries `expect.TARGET_LIMITS` takes for these targets.
LIMITS: dict[str, Limit] = {
    "haproxy": haproxy_limits,
    "traefik": traefik_limits,
    "envoy": envoy_limits,
    "caddy": caddy_limits,
}
