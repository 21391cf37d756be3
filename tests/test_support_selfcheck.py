"""Self-check of ``tests/support`` against REAL nginx, HAProxy and Traefik.

The configs here are small and hand-written (not tlsconf output), chosen so the
expected answers are known: if these tests pass, a failing tlsconf e2e test points at
tlsconf, not at the probes. What is proven:

* PKI: leaf shape (SAN/EKU/KU/lifespan/signature, 0600 keys, leaf-then-chain PEM).
* procs: nginx -t / haproxy -c wrappers, early-exit error carries the log tail,
  stop() leaves no process behind.
* tlsprobe + nginx (Mozilla intermediate): TLSv1/1.1 refused, 1.2/1.3 accepted, exactly
  the six intermediate ciphers on 1.2 (ECDSA and RSA certs side by side), the three
  default TLS 1.3 suites, X25519 preferred, resumption on 1.2 and 1.3, served chain,
  HTTP->HTTPS redirect, WebSocket passthrough.
* upstream: sees the proxied request with X-Forwarded-For / X-Forwarded-Proto.
* mozilla: sslyze finds nginx compliant with intermediate 5.7 and 6.0 -- and reports
  issues for a modern check of the same server (so ``{}`` is not vacuous).
* nginx "old" (RSA CA): TLSv1/1.1 and SHA-1 CBC suites really are *offered* and
  accepted, TLS 1.0 resumption, Mozilla old 5.7/5.8 compliant, intermediate 6.0 not.
* HAProxy with a bundle PEM: TLSv1.2 handshake; mTLS rejection seen on 1.2 and,
  with ``settle``, on 1.3.
* Traefik (file provider): https_get reaches Upstream; traefik_routers lists the router.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from support.mozilla import mozilla_check
from support.pki import Leaf, haproxy_bundle
from support.procs import (
    Server,
    ServerStartError,
    free_port,
    haproxy_c,
    nginx_t,
    start_haproxy,
    start_nginx,
    start_traefik,
    traefik_routers,
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
    peer_chain_pem,
    resumes,
    websocket_echo,
)
from support.upstream import Upstream

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e

SNI = "app.test"
INTERMEDIATE_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
]
CURVES = "X25519:prime256v1:secp384r1"  # OpenSSL 3.0 cannot set X25519MLKEM768


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# -- PKI -------------------------------------------------------------------------------
def test_pki_leaf_shape(pki: TestPKI, tmp_path: Path) -> None:
    leaf = pki.issue("shape", [SNI, "127.0.0.1"])
    cert = leaf.cert
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [SNI]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.signature_algorithm_oid._name == "ecdsa-with-SHA256"
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 90
    assert stat.S_IMODE(leaf.key_path.stat().st_mode) == 0o600
    pems = x509.load_pem_x509_certificates(leaf.cert_path.read_bytes())
    assert pems == [cert, pki.ca.cert]  # leaf first, then the chain

    client = pki.issue("client", ["client.test"], client=True)
    eku = client.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]

    rsa = pki.issue("rsa", [SNI], key_type="rsa", signer="rsa")
    assert rsa.cert.signature_algorithm_oid._name == "sha256WithRSAEncryption"
    bundle = haproxy_bundle(rsa, tmp_path / "bundle.pem")
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    text = bundle.read_bytes()
    assert text.count(b"BEGIN CERTIFICATE") == 2 and b"PRIVATE KEY" in text
    serialization.load_pem_private_key(text, password=None)


# -- nginx (Mozilla intermediate) ---------------------------------------------------------
@dataclass
class Site:
    port: int
    http_port: int
    cafile: Path
    upstream: Upstream
    server: Server
    ecdsa: Leaf


NGINX_SITE = """
upstream selfcheck_app {{ server 127.0.0.1:{up}; keepalive 4; }}
map $http_upgrade $selfcheck_connection {{ default upgrade; '' ''; }}
server {{
    listen 127.0.0.1:{port} ssl;
    server_name {sni};
    ssl_certificate {ecdsa.cert_path};
    ssl_certificate_key {ecdsa.key_path};
    ssl_certificate {rsa.cert_path};
    ssl_certificate_key {rsa.key_path};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ecdh_curve {curves};
    ssl_ciphers {ciphers};
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:S:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;
    location / {{
        proxy_pass http://selfcheck_app;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $selfcheck_connection;
    }}
}}
server {{
    listen 127.0.0.1:{http_port};
    server_name {sni};
    return 301 https://$host$request_uri;
}}
"""


@pytest.fixture(scope="module")
def nginx_site(
    pki: TestPKI, nginx_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("nginx")
    ecdsa = pki.issue("ecdsa", [SNI])
    rsa = pki.issue("rsa", [SNI], key_type="rsa")  # ECDSA-signed: sha256 sig, RSA key
    conf_dir = base / "conf.d"
    conf_dir.mkdir()
    with Upstream("nginx-backend") as up:
        port, http_port = free_port(), free_port()
        (conf_dir / "site.conf").write_text(
            NGINX_SITE.format(
                up=up.port,
                port=port,
                http_port=http_port,
                sni=SNI,
                ecdsa=ecdsa,
                rsa=rsa,
                curves=CURVES,
                ciphers=":".join(INTERMEDIATE_CIPHERS),
            )
        )
        check = nginx_t(conf_dir, base / "work")
        assert check.returncode == 0, check.stderr
        with start_nginx(conf_dir, base / "work", [port, http_port]) as srv:
            yield Site(port, http_port, pki.cafile, up, srv, ecdsa)
        pid = srv.pid
        assert pid is not None and not _alive(pid), "nginx master survived stop()"


def test_nginx_protocols(nginx_site: Site) -> None:
    assert accepted_protocols(nginx_site.port, SNI) == ["TLSv1.2", "TLSv1.3"]
    assert handshake(nginx_site.port, SNI, version="TLSv1") is None
    assert handshake(nginx_site.port, SNI, version="TLSv1.1") is None
    r = handshake(nginx_site.port, SNI, version="TLSv1.3", cafile=nginx_site.cafile)
    assert r is not None and r.version == "TLSv1.3"
    assert r.peer_cert_der == nginx_site.ecdsa.der  # ECDSA preferred when offered


def test_nginx_ciphers(nginx_site: Site) -> None:
    assert sorted(accepted_ciphers(nginx_site.port, SNI, "TLSv1.2")) == sorted(INTERMEDIATE_CIPHERS)
    rsa = handshake(nginx_site.port, SNI, version="TLSv1.2", cipher="ECDHE-RSA-AES128-GCM-SHA256")
    assert rsa is not None and rsa.peer_key_type == "rsa"
    ec = handshake(nginx_site.port, SNI, version="TLSv1.2", cipher="ECDHE-ECDSA-AES128-GCM-SHA256")
    assert ec is not None and ec.peer_key_type == "ecdsa"
    assert accepted_tls13_suites(nginx_site.port, SNI) == [
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
    ]
    assert negotiated_group(nginx_site.port, SNI) == "X25519"
    assert negotiated_group(nginx_site.port, SNI, groups="secp384r1") == "secp384r1"
    assert negotiated_group(nginx_site.port, SNI, groups="secp521r1") is None


def test_nginx_resumption(nginx_site: Site) -> None:
    assert resumes(nginx_site.port, SNI, "TLSv1.2")
    assert resumes(nginx_site.port, SNI, "TLSv1.3")


def test_nginx_proxies_with_forwarded_headers(nginx_site: Site) -> None:
    nginx_site.upstream.clear()
    resp = https_get(nginx_site.port, SNI, "/hello?x=1", cafile=nginx_site.cafile)
    assert resp.status == 200, resp
    echoed = resp.json()
    assert echoed["path"] == "/hello?x=1"
    assert echoed["headers"]["x-forwarded-proto"] == "https"
    seen = nginx_site.upstream.last
    assert seen.path == "/hello?x=1"
    assert seen.header("x-forwarded-proto") == "https"
    assert seen.header("x-forwarded-for") == "127.0.0.1"
    assert seen.header("host") == SNI
    chain = [
        x509.load_pem_x509_certificate(p.encode()) for p in peer_chain_pem(nginx_site.port, SNI)
    ]
    assert chain[0].public_bytes(serialization.Encoding.DER) == nginx_site.ecdsa.der
    assert resp.tls is not None and len(resp.tls.peer_chain_der) == 2


def test_nginx_http_redirect_and_websocket(nginx_site: Site) -> None:
    resp = http_get(nginx_site.http_port, "/a?b=c", host=SNI)
    assert resp.status == 301
    assert resp.headers["location"] == f"https://{SNI}/a?b=c"
    assert websocket_echo(nginx_site.port, SNI, "/ws", message=b"ping") == b"ping"
    assert any(r.websocket for r in nginx_site.upstream.requests)


@pytest.mark.parametrize("guideline", ["5.7", "6.0"])
def test_nginx_mozilla_intermediate(nginx_site: Site, guideline: str) -> None:
    issues = mozilla_check(nginx_site.port, SNI, "intermediate", guideline, nginx_site.cafile)
    assert issues == {}


def test_mozilla_check_is_not_vacuous(nginx_site: Site) -> None:
    issues = mozilla_check(nginx_site.port, SNI, "modern", "6.0", nginx_site.cafile)
    assert "tls_versions" in issues and "ciphers" in issues
    # Trust includes the hostname: the same chain under another name fails validation.
    issues = mozilla_check(nginx_site.port, "other.test", "intermediate", "6.0", nginx_site.cafile)
    assert set(issues) == {"certificate_path_validation"}


def test_nginx_bad_config_reports_log_tail(pki: TestPKI, nginx_bin: str, tmp_path: Path) -> None:
    conf_dir = tmp_path / "conf.d"
    conf_dir.mkdir()
    (conf_dir / "bad.conf").write_text("server { listen 127.0.0.1:1; bogus_directive on; }\n")
    assert nginx_t(conf_dir, tmp_path / "work").returncode != 0
    with pytest.raises(ServerStartError, match="bogus_directive"):
        start_nginx(conf_dir, tmp_path / "work", [1], timeout=10)


OLD_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:"
    "ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:"
    "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:"
    "AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DES-CBC3-SHA:@SECLEVEL=0"
)


def test_nginx_old_profile_legacy_offers(
    pki: TestPKI, nginx_bin: str, port_factory: Callable[[], int], tmp_path: Path
) -> None:
    """The probes can *offer* TLS 1.0/1.1 and legacy suites (not just see refusals)."""
    leaf = pki.issue("old", [SNI], key_type="rsa", signer="rsa")  # sha256WithRSAEncryption
    port = port_factory()
    conf_dir = tmp_path / "conf.d"
    conf_dir.mkdir()
    (conf_dir / "old.conf").write_text(
        f"""server {{
    listen 127.0.0.1:{port} ssl;
    server_name {SNI};
    ssl_certificate {leaf.cert_path};
    ssl_certificate_key {leaf.key_path};
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_ecdh_curve {CURVES};
    ssl_ciphers {OLD_CIPHERS};
    ssl_prefer_server_ciphers on;
    return 200 "old\n";
}}
"""
    )
    with start_nginx(conf_dir, tmp_path / "work", [port]):
        assert accepted_protocols(port, SNI) == ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
        tls10 = accepted_ciphers(port, SNI, "TLSv1")
        assert "ECDHE-RSA-AES128-SHA" in tls10 and "AES128-SHA" in tls10
        assert not any("GCM" in c for c in tls10)  # TLS 1.2-only suites can't be offered
        assert "DES-CBC3-SHA" not in local_ciphers()  # Debian's OpenSSL 3.0: no 3DES at all
        assert resumes(port, SNI, "TLSv1")
        assert https_get(port, SNI, version="TLSv1", cafile=pki.cafile).text == "old\n"
        assert mozilla_check(port, SNI, "old", "5.7", pki.cafile) == {}
        assert mozilla_check(port, SNI, "old", "5.8", pki.cafile) == {}
        issues = mozilla_check(port, SNI, "intermediate", "6.0", pki.cafile)
        assert {"tls_versions", "ciphers"} <= set(issues)


# -- HAProxy ---------------------------------------------------------------------------
HAPROXY_CFG = """
global
    ssl-default-bind-curves {curves}
defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port} ssl crt {bundle}
    bind 127.0.0.1:{mtls} ssl crt {bundle} ca-file {cafile} verify required
    default_backend be
backend be
    server up 127.0.0.1:{up}
"""


def test_haproxy_bundle(
    pki: TestPKI,
    upstream: Upstream,
    haproxy_bin: str,
    port_factory: Callable[[], int],
    tmp_path: Path,
) -> None:
    leaf = pki.issue("haproxy", [SNI])
    bundle = haproxy_bundle(leaf, tmp_path / "site.pem")
    port, mtls = port_factory(), port_factory()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(
        HAPROXY_CFG.format(
            curves=CURVES, port=port, mtls=mtls, bundle=bundle, cafile=pki.cafile, up=upstream.port
        )
    )
    check = haproxy_c(cfg)
    assert check.returncode == 0, check.stdout + check.stderr
    client = pki.issue("client", ["client.test"], client=True)
    creds = (client.cert_path, client.key_path)
    with start_haproxy(cfg, tmp_path, [port, mtls]) as srv:
        r = handshake(port, SNI, version="TLSv1.2", cafile=pki.cafile)
        assert r is not None and r.version == "TLSv1.2", srv.logs()
        assert https_get(port, SNI, "/via-haproxy", cafile=pki.cafile).status == 200
        assert upstream.last.path == "/via-haproxy"
        # mTLS: TLS 1.2 rejects in-handshake; TLS 1.3 only after it (needs settle).
        assert handshake(mtls, SNI, version="TLSv1.2") is None
        assert handshake(mtls, SNI, version="TLSv1.3", settle=0.5) is None
        assert handshake(mtls, SNI, version="TLSv1.3", client_cert=creds, settle=0.5)
    assert not _alive(srv.pid or 0)


# -- Traefik ---------------------------------------------------------------------------
def test_traefik_file_provider(
    pki: TestPKI,
    upstream: Upstream,
    traefik_bin: str,
    port_factory: Callable[[], int],
    tmp_path: Path,
) -> None:
    leaf = pki.issue("traefik", [SNI])
    port, api = port_factory(), port_factory()
    dynamic = tmp_path / "dynamic.yaml"  # JSON is valid YAML: no YAML writer needed
    dynamic.write_text(
        json.dumps(
            {
                "http": {
                    "routers": {
                        "app": {
                            "rule": f"Host(`{SNI}`)",
                            "entryPoints": ["websecure"],
                            "service": "app",
                            "tls": {},
                        }
                    },
                    "services": {"app": {"loadBalancer": {"servers": [{"url": upstream.url}]}}},
                },
                "tls": {
                    "certificates": [
                        {"certFile": str(leaf.cert_path), "keyFile": str(leaf.key_path)}
                    ]
                },
            }
        )
    )
    static = tmp_path / "traefik.yaml"
    static.write_text(
        json.dumps(
            {
                "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
                "entryPoints": {
                    "websecure": {"address": f"127.0.0.1:{port}"},
                    "traefik": {"address": f"127.0.0.1:{api}"},
                },
                "api": {"insecure": True, "dashboard": False},
                "providers": {"file": {"filename": str(dynamic), "watch": False}},
                "log": {"level": "INFO"},
            }
        )
    )
    with start_traefik(static, tmp_path, [port], api_port=api, routers=["app"]) as srv:
        names = {r["name"] for r in traefik_routers(api)}
        assert "app@file" in names, names
        resp = https_get(port, SNI, "/via-traefik", cafile=pki.cafile)
        assert resp.status == 200, srv.logs()
        assert resp.json()["path"] == "/via-traefik"
        assert upstream.last.header("x-forwarded-proto") == "https"
    assert not _alive(srv.pid or 0)
