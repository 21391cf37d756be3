"""The per-target limits of `tlsconf verify` (tlsconf/verify/limits.py): what HAProxy, Traefik,
Envoy and Caddy negotiate for a site, read back from what their renderers write. Offline; the
e2e tests (test_verify_targets_e2e.py) check the same predictions against the real servers."""

from __future__ import annotations

import pytest
from msgspec import structs

from tlsconf import policy
from tlsconf.policy import SitePolicy
from tlsconf.specfile import parse_spec
from tlsconf.verify.behaviour import Behaviour, HttpAnswer
from tlsconf.verify.limits import LIMITS, caddy_limits, envoy_limits, haproxy_limits, traefik_limits

SPEC = b"""\
targets: {traefik: {version: "3.4"}, haproxy: {openssl: "3.5"}}
sites:
  - name: inter
    domains: [inter.test]
    tls: {certificate: /x.pem, key: /x.key}
    upstreams: [{address: 127.0.0.1:8080}]
  - name: modern
    domains: [modern.test]
    http2: false
    tls: {profile: modern, certificate: /x.pem, key: /x.key}
    upstreams: [{address: 127.0.0.1:8080}]
  - name: quiet
    domains: [quiet.test]
    tls: {certificate: /x.pem, key: /x.key, session_tickets: false}
    upstreams: [{address: 127.0.0.1:8080}]
  - name: mtls
    domains: [mtls.test]
    tls: {certificate: /x.pem, key: /x.key, client_auth: {ca: /ca.pem, mode: required}}
    upstreams: [{address: 127.0.0.1:8080}]
  - name: old
    domains: [old.test]
    tls: {profile: old, certificate: /x.pem, key: /x.key, session_tickets: true}
    upstreams: [{address: 127.0.0.1:8080}]
"""
TLS13 = frozenset({"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                   "TLS_CHACHA20_POLY1305_SHA256"})
CLASSIC = {"X25519", "prime256v1", "secp384r1"}
PQ = CLASSIC | {"X25519MLKEM768"}


LOADED = parse_spec("limits.yaml", SPEC)
DEFAULTS = parse_spec("limits.yaml", SPEC.split(b"\n", 1)[1])  # no `targets:`
HSTS = "max-age=63072000; includeSubDomains"


@pytest.fixture(scope="module")
def sites() -> dict[str, SitePolicy]:
    return {site.name: site for site in policy.resolve(LOADED)}


def spec_behaviour(site: SitePolicy) -> Behaviour:
    """What the resolved policy says, before any target's limit, shaped as `expect` shapes it
    (resumption is TLS 1.2's: None on a TLS 1.3-only site)."""
    tls = site.tls
    legacy = tls.protocols != ("TLSv1.3",)
    return Behaviour(
        protocols=frozenset(tls.protocols), ciphers=frozenset(tls.ciphers),
        ciphersuites=frozenset(tls.ciphersuites), groups=frozenset(tls.curves), sni={},
        client_auth="none", resumption_ids=True if legacy else None,
        resumption_tickets=tls.session_tickets if legacy else None,
        alpn_h2=site.http2, redirect=None,
        hsts={"2xx": HttpAnswer(200, hsts=HSTS), "4xx": HttpAnswer(400, hsts=HSTS)})


def test_every_other_target_has_an_entry() -> None:
    assert set(LIMITS) == {"haproxy", "traefik", "envoy", "caddy"}


def test_haproxy_keeps_the_suites_and_drops_only_what_its_openssl_lacks(
    sites: dict[str, SitePolicy],
) -> None:
    inter = sites["inter"]
    base = spec_behaviour(inter)
    assert haproxy_limits(base, inter, DEFAULTS) == structs.replace(
        base, groups=frozenset(CLASSIC), resumption_ids=True, resumption_tickets=False)
    # The spec declares OpenSSL 3.5: the hybrid group stays.
    assert haproxy_limits(base, inter, LOADED).groups == PQ
    old = sites["old"]
    assert haproxy_limits(spec_behaviour(old), old, LOADED).resumption_tickets is True


def test_traefik_has_go_suites_no_session_cache_and_gates_the_hybrid_group(
    sites: dict[str, SitePolicy],
) -> None:
    old = sites["old"]
    base = spec_behaviour(old)
    limited = traefik_limits(base, old, DEFAULTS)
    # Go has no CBC-SHA384 suites (nor RSA-kex CBC-SHA256); the rest of Mozilla's old list is
    # there.
    assert base.ciphers - limited.ciphers == {"ECDHE-ECDSA-AES256-SHA384",
                                              "ECDHE-RSA-AES256-SHA384", "AES256-SHA256"}
    assert limited.ciphersuites == TLS13 and limited.groups == PQ
    assert (limited.resumption_ids, limited.resumption_tickets) == (False, True)
    assert limited.hsts == {"2xx": HttpAnswer(200, hsts=HSTS), "4xx": HttpAnswer(400)}
    quiet = sites["quiet"]
    assert traefik_limits(spec_behaviour(quiet), quiet, DEFAULTS).resumption_tickets is False
    # Traefik 3.4 (the spec's targets.traefik) has no X25519MLKEM768.
    assert traefik_limits(base, old, LOADED).groups == CLASSIC


def test_envoy_has_boringssl_suites_and_a_session_cache(sites: dict[str, SitePolicy]) -> None:
    old = sites["old"]
    base = spec_behaviour(old)
    limited = envoy_limits(base, old, LOADED)
    assert base.ciphers - limited.ciphers == {
        "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "AES128-SHA256", "AES256-SHA256"}
    assert limited == structs.replace(base, ciphers=limited.ciphers, groups=frozenset(PQ),
                                      resumption_ids=True, resumption_tickets=True)
    quiet = sites["quiet"]
    limited = envoy_limits(spec_behaviour(quiet), quiet, LOADED)
    assert (limited.resumption_ids, limited.resumption_tickets) == (True, False)


def test_caddy_is_go_with_one_ticket_switch(sites: dict[str, SitePolicy]) -> None:
    inter = sites["inter"]
    base = spec_behaviour(inter)
    assert caddy_limits(base, inter, LOADED) == structs.replace(
        base, groups=frozenset(PQ), resumption_ids=False, resumption_tickets=True,
        hsts={"2xx": HttpAnswer(200, hsts=HSTS), "4xx": HttpAnswer(400)})
    quiet = sites["quiet"]
    assert caddy_limits(spec_behaviour(quiet), quiet, LOADED).resumption_tickets is False
    mtls = sites["mtls"]
    assert caddy_limits(spec_behaviour(mtls), mtls, LOADED).resumption_tickets is False
    assert traefik_limits(spec_behaviour(mtls), mtls, LOADED).resumption_tickets is True


def test_tls13_only_sites_predict_no_tls12_resumption(sites: dict[str, SitePolicy]) -> None:
    modern = sites["modern"]
    for name, limit in LIMITS.items():
        limited = limit(spec_behaviour(modern), modern, LOADED)
        assert (limited.ciphers, limited.ciphersuites) == (frozenset(), TLS13), name
        assert (limited.resumption_ids, limited.resumption_tickets) == (None, None), name


def test_no_target_changes_what_every_server_does_alike(sites: dict[str, SitePolicy]) -> None:
    for name, limit in LIMITS.items():
        for site in sites.values():
            base = spec_behaviour(site)
            limited = limit(base, site, LOADED)
            assert (limited.protocols, limited.client_auth, limited.alpn_h2, limited.sni,
                    limited.redirect, limited.hsts["2xx"]) == (
                base.protocols, base.client_auth, base.alpn_h2, base.sni, base.redirect,
                base.hsts["2xx"]), (name, site.name)
