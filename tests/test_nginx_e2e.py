"""nginx end to end: render specs with the CLI, run the real nginx on 127.0.0.1, and check with
real TLS clients (Python ssl, openssl s_client, sslyze) what it negotiates and proxies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.mozilla import check_result, load_profile, sslyze_scan
from support.procs import Server, nginx_t, start_nginx
from support.tlsprobe import (
    accepted_ciphers,
    accepted_protocols,
    accepted_tls13_suites,
    handshake,
    http_get,
    https_get,
    resumes,
    websocket_echo,
)
from support.upstream import Upstream
from typer.testing import CliRunner

from tlsconf import profiles
from tlsconf.cli import app

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ECDSA_CIPHERS = [c for c in profiles.get("intermediate").ciphers if "ECDSA" in c]
RSA_CIPHERS = [c for c in profiles.get("intermediate").ciphers if "-RSA-" in c]
TLS13 = list(profiles.get("intermediate").ciphersuites)


@dataclass
class Deployment:
    ports: dict[str, int]
    cafile: Path
    client: tuple[Path, Path]
    app: Upstream
    api: Upstream
    out: Path


def render(spec: Path, out: Path) -> None:
    result = CliRunner().invoke(app, ["render", str(spec), "--target", "nginx", "-o", str(out)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def deployment(pki, nginx_bin, tmp_path_factory) -> Iterator[Deployment]:  # type: ignore[no-untyped-def]
    """One nginx with four listeners: intermediate (an ECDSA and an RSA site sharing the
    listener), modern (default server for clients without SNI), and mTLS."""
    from support.procs import free_port

    tmp = tmp_path_factory.mktemp("nginx-e2e")
    ec = pki.issue("shop", ["shop.test", "www.shop.test"])
    rsa = pki.issue("blog", ["blog.test"], key_type="rsa")
    modern = pki.issue("modern", ["modern.test"])
    mtls = pki.issue("mtls", ["mtls.test"])
    vault = pki.issue("vault", ["vault.test"])
    client = pki.issue("client", [], client=True)
    ports = {
        k: free_port()
        for k in ("inter", "inter_http", "modern", "modern_http", "mtls", "mtls_http")
    }
    with Upstream("app") as app_up, Upstream("api") as api_up:
        spec = tmp / "spec.yaml"
        spec.write_text(f"""\
defaults:
  listen: {{address: 127.0.0.1, https_port: {ports["inter"]}, http_port: {ports["inter_http"]}}}
sites:
  - name: shop
    domains: [shop.test, www.shop.test]
    tls: {{certificate: {ec.cert_path}, key: {ec.key_path}}}
    upstreams: [{{address: 127.0.0.1:{app_up.port}}}]
    headers: {{X-Frame-Options: DENY}}
    locations:
      - {{path: /api/, upstreams: [{{address: 127.0.0.1:{api_up.port}}}]}}
      - {{path: /ws/, upstreams: [{{address: 127.0.0.1:{app_up.port}}}], websocket: true}}
  - name: blog
    domains: [blog.test]
    tls: {{certificate: {rsa.cert_path}, key: {rsa.key_path}}}
    upstreams: [{{address: 127.0.0.1:{app_up.port}}}]
  - name: vault
    domains: [vault.test]
    tls:
      certificate: {vault.cert_path}
      key: {vault.key_path}
      client_auth: {{ca: {pki.cafile}, mode: required}}
    upstreams: [{{address: 127.0.0.1:{app_up.port}}}]
  - name: modern
    domains: [modern.test]
    default_server: true
    listen: {{address: 127.0.0.1, https_port: {ports["modern"]}, http_port: {ports["modern_http"]}}}
    tls: {{profile: modern, certificate: {modern.cert_path}, key: {modern.key_path}}}
    upstreams: [{{address: 127.0.0.1:{app_up.port}}}]
  - name: mtls
    domains: [mtls.test]
    listen: {{address: 127.0.0.1, https_port: {ports["mtls"]}, http_port: {ports["mtls_http"]}}}
    tls:
      certificate: {mtls.cert_path}
      key: {mtls.key_path}
      client_auth: {{ca: {pki.cafile}, mode: required}}
    upstreams: [{{address: 127.0.0.1:{app_up.port}}}]
""")
        out = tmp / "out"
        render(spec, out)
        server: Server = start_nginx(out / "nginx" / "conf.d", tmp / "work", ports.values())
        try:
            yield Deployment(
                ports, pki.cafile, (client.cert_path, client.key_path), app_up, api_up, out
            )
        finally:
            server.stop()


def test_nginx_t_accepts_every_example(pki, nginx_bin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each bundled example, with its certificate paths pointed at real test files."""
    leaf = pki.issue(
        "example",
        [
            "mydomain.com",
            "shop.example.com",
            "www.shop.example.com",
            "blog.example.com",
            "*.blog.example.com",
            "api.internal.example.com",
        ],
    )
    for example in sorted(EXAMPLES.glob("*.yaml")):
        text = example.read_text()
        for word in text.split():
            if word.rstrip(",}").endswith((".pem", ".crt")):
                text = text.replace(word.rstrip(",}"), str(leaf.cert_path))
            elif word.rstrip(",}").endswith(".key"):
                text = text.replace(word.rstrip(",}"), str(leaf.key_path))
        spec = tmp_path / example.name
        spec.write_text(text)
        out = tmp_path / example.stem
        render(spec, out)
        checked = nginx_t(out / "nginx" / "conf.d", tmp_path / f"work-{example.stem}")
        assert checked.returncode == 0, checked.stderr


def test_legacy_protocols_refused_and_profile_protocols_accepted(deployment: Deployment) -> None:
    ca = deployment.cafile
    assert accepted_protocols(deployment.ports["inter"], "shop.test", cafile=ca) == [
        "TLSv1.2",
        "TLSv1.3",
    ]
    assert accepted_protocols(deployment.ports["modern"], "modern.test", cafile=ca) == ["TLSv1.3"]


def test_exactly_the_profile_ciphers(deployment: Deployment) -> None:
    port, ca = deployment.ports["inter"], deployment.cafile
    assert accepted_ciphers(port, "shop.test", cafile=ca) == sorted(
        ECDSA_CIPHERS, key=lambda c: accepted_order(c)
    )
    assert sorted(accepted_ciphers(port, "blog.test", cafile=ca)) == sorted(RSA_CIPHERS)
    assert accepted_tls13_suites(port, "shop.test") == TLS13
    assert accepted_tls13_suites(deployment.ports["modern"], "modern.test") == TLS13


def accepted_order(cipher: str) -> int:
    from support.tlsprobe import local_ciphers

    return local_ciphers().index(cipher)


def test_each_sni_name_gets_its_own_certificate(deployment: Deployment) -> None:
    port, ca = deployment.ports["inter"], deployment.cafile
    shop = handshake(port, "www.shop.test", cafile=ca)
    blog = handshake(port, "blog.test", cafile=ca)
    assert shop is not None and blog is not None
    assert shop.peer_dns_names == ["shop.test", "www.shop.test"]
    assert shop.peer_key_type == "ecdsa" and blog.peer_key_type == "rsa"


def test_unknown_or_missing_sni_is_refused_without_a_default_server(deployment: Deployment) -> None:
    assert handshake(deployment.ports["inter"], None) is None
    assert handshake(deployment.ports["inter"], "other.test", cafile=deployment.cafile) is None


def test_default_server_serves_clients_without_sni_the_same_policy(deployment: Deployment) -> None:
    port = deployment.ports["modern"]
    result = handshake(port, None)
    assert result is not None and result.version == "TLSv1.3"
    assert accepted_protocols(port, None) == ["TLSv1.3"]


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_sessions_resume(deployment: Deployment, version: str) -> None:
    assert resumes(deployment.ports["inter"], "shop.test", version, cafile=deployment.cafile)


def test_modern_sessions_resume_on_nginx_122(deployment: Deployment) -> None:
    # Mozilla's own modern output for nginx 1.22 resumes nothing (cache off, tickets off).
    assert resumes(deployment.ports["modern"], "modern.test", "TLSv1.3", cafile=deployment.cafile)


def test_hsts_and_headers_and_proxied_request(deployment: Deployment) -> None:
    port = deployment.ports["inter"]
    response = https_get(port, "shop.test", "/hello?x=1", cafile=deployment.cafile)
    assert response.status == 200
    assert response.headers.get_all("Strict-Transport-Security") == [
        "max-age=63072000; includeSubDomains"
    ]
    assert response.headers.get_all("X-Frame-Options") == ["DENY"]
    seen = deployment.app.last
    assert seen is not None and seen.path == "/hello?x=1"
    assert seen.header("host") == "shop.test"
    assert seen.header("x-forwarded-proto") == "https"
    assert seen.header("x-forwarded-for") == "127.0.0.1"
    assert seen.header("x-real-ip") == "127.0.0.1"


def test_hsts_is_sent_on_error_pages_too(deployment: Deployment) -> None:
    deployment.app.set_response("/missing", 404, b"nope", {})
    response = https_get(
        deployment.ports["inter"], "shop.test", "/missing", cafile=deployment.cafile
    )
    assert response.status == 404
    assert (
        response.headers.get("Strict-Transport-Security") == "max-age=63072000; includeSubDomains"
    )


def test_per_path_routing_and_websocket(deployment: Deployment) -> None:
    response = https_get(
        deployment.ports["inter"], "shop.test", "/api/v1", cafile=deployment.cafile
    )
    assert response.status == 200
    assert deployment.api.last is not None and deployment.api.last.path == "/api/v1"
    echoed = websocket_echo(
        deployment.ports["inter"],
        "shop.test",
        "/ws/chat",
        message=b"ping",
        cafile=deployment.cafile,
    )
    assert echoed == b"ping"


def test_port_80_redirects_to_https_with_port(deployment: Deployment) -> None:
    response = http_get(deployment.ports["inter_http"], "/path?q=1", host="shop.test")
    assert response.status == 301
    assert response.headers["Location"] == f"https://shop.test:{deployment.ports['inter']}/path?q=1"


def test_client_certificates_are_enforced(deployment: Deployment) -> None:
    port, ca = deployment.ports["mtls"], deployment.cafile
    before = len(deployment.app.requests)
    without = https_get_or_none(port, ca, None)
    assert without is None or without.status == 400  # nginx: 400 "No required SSL certificate"
    assert len(deployment.app.requests) == before  # nothing reached the upstream
    with_cert = https_get(port, "mtls.test", "/", cafile=ca, client_cert=deployment.client)
    assert with_cert.status == 200


def https_get_or_none(port: int, ca: Path, client: tuple[Path, Path] | None):  # type: ignore[no-untyped-def]
    try:
        return https_get(port, "mtls.test", "/", cafile=ca, client_cert=client)
    except OSError:
        return None


@pytest.mark.parametrize(
    ("site", "profile"), [("shop.test", "intermediate"), ("modern.test", "modern")]
)
def test_sslyze_mozilla_compliance_57_and_60(
    deployment: Deployment, site: str, profile: str
) -> None:
    port = deployment.ports["inter" if profile == "intermediate" else "modern"]
    result = sslyze_scan(port, site, deployment.cafile)
    for guideline in ("5.7", "6.0"):
        assert check_result(result, load_profile(profile, guideline)) == {}, guideline  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
@pytest.mark.parametrize(("listener", "sni"), [("inter", "vault.test"), ("mtls", "mtls.test")])
def test_a_session_from_another_site_does_not_skip_the_client_certificate(
    deployment: Deployment, version: str, listener: str, sni: str
) -> None:
    """Every site shares one session cache; a session from a public site offered to an mTLS
    site (same listener or another one) must not reach its upstream without a certificate
    (the class of nginx CVE-2025-23419)."""
    from support.tlsprobe import client_context, get_on_session

    ctx = client_context(version=version, check_hostname=False)
    status, session, _ = get_on_session(deployment.ports["inter"], ctx, "shop.test")
    assert status == 200 and session is not None
    before = len(deployment.app.requests)
    status, _, reused = get_on_session(deployment.ports[listener], ctx, sni, session)
    # Refused in the handshake, 400 (no required certificate) or, when nginx resumed the
    # session, 421 (Debian's 1.22.1-9+deb12u11 carries the CVE-2025-23419 fix).
    assert status in (None, 400, 421), (status, reused)
    assert len(deployment.app.requests) == before
    # With a certificate, the mTLS site works and resumes its own sessions.
    ctx = client_context(version=version, check_hostname=False, client_cert=deployment.client)
    status, session, _ = get_on_session(deployment.ports[listener], ctx, sni)
    assert status == 200
    status, _, reused = get_on_session(deployment.ports[listener], ctx, sni, session)
    assert status == 200 and reused
