"""What `tlsconf cert` writes is accepted by real tools: `openssl req -verify` reads the CSR,
nginx serves the development leaf to a Python client that trusts only the development CA,
and HAProxy loads (`haproxy -c`) and serves the bundle. Servers run on 127.0.0.1 with free
ports, bounded waits, and are stopped when the `with` block ends."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from support.fixtures import require_binary
from support.procs import free_port, haproxy_c, start_haproxy, start_nginx
from support.tlsprobe import handshake
from typer.testing import CliRunner

from tlsconf.cli_cert import cert_app

pytestmark = pytest.mark.e2e
runner = CliRunner()


def cert(*args: str | Path) -> None:
    result = runner.invoke(cert_app, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def dev_leaf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """(leaf + CA file, key file, CA file) for app.test, from `tlsconf cert dev`."""
    monkeypatch.setenv("TLSCONF_DATA_DIR", str(tmp_path / "data"))
    cert("dev", "-d", "app.test", "-d", "127.0.0.1", "-o", tmp_path / "certs")
    return (tmp_path / "certs" / "app.test.pem", tmp_path / "certs" / "app.test.key",
            tmp_path / "data" / "dev-ca" / "ca.pem")


def test_openssl_verifies_the_csr(tmp_path: Path) -> None:
    openssl = require_binary("openssl")
    cert("csr", "-d", "app.example.com", "-d", "www.example.com", "-o", tmp_path)
    done = subprocess.run(
        [openssl, "req", "-in", str(tmp_path / "app.example.com.csr"), "-noout", "-verify",
         "-text"],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    assert "verify OK" in done.stdout + done.stderr
    assert "DNS:app.example.com, DNS:www.example.com" in done.stdout


def test_nginx_serves_the_dev_leaf(tmp_path: Path, dev_leaf: tuple[Path, Path, Path]) -> None:
    require_binary("nginx")
    cert_path, key_path, ca_path = dev_leaf
    port = free_port()
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "dev.conf").write_text(
        "server {\n"
        f"    listen 127.0.0.1:{port} ssl;\n"
        "    server_name app.test;\n"
        f"    ssl_certificate {cert_path};\n"
        f"    ssl_certificate_key {key_path};\n"
        "    return 200 'ok';\n"
        "}\n"
    )
    with start_nginx(conf, tmp_path / "work", [port], timeout=15):
        result = handshake(port, "app.test", cafile=ca_path, timeout=5)
        assert result is not None
        leaf = x509.load_pem_x509_certificates(cert_path.read_bytes())[0]
        assert result.peer_cert == leaf
        # A client that does not trust the development CA refuses the same server.
        other_ca = tmp_path / "other-ca.pem"
        other_ca.write_text(_other_ca_pem())
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(port, "app.test", cafile=other_ca)


def _other_ca_pem() -> str:
    from test_certs_factory import certificate, new_key

    from tlsconf.certs.generate import cert_pem

    return cert_pem(certificate(new_key(), "Unrelated CA", ca=True, eku=None).cert)


@pytest.mark.parametrize("key_type", ["ecdsa", "rsa"])
def test_haproxy_loads_and_serves_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             key_type: str) -> None:
    require_binary("haproxy")
    monkeypatch.setenv("TLSCONF_DATA_DIR", str(tmp_path / "data"))
    cert("dev", "-d", "app.test", "--key-type", key_type, "-o", tmp_path / "certs")
    bundle = tmp_path / "haproxy" / "app.test.pem"
    cert("bundle", "--cert", tmp_path / "certs" / "app.test.pem",
         "--key", tmp_path / "certs" / "app.test.key", "-o", bundle)
    port = free_port()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(
        "defaults\n"
        "    mode http\n"
        "    timeout connect 5s\n"
        "    timeout client 5s\n"
        "    timeout server 5s\n"
        "frontend fe\n"
        f"    bind 127.0.0.1:{port} ssl crt {bundle}\n"
        "    http-request return status 200 content-type text/plain string ok\n"
    )
    checked = haproxy_c(cfg)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with start_haproxy(cfg, tmp_path / "work", [port], timeout=15):
        result = handshake(port, "app.test", cafile=tmp_path / "data" / "dev-ca" / "ca.pem")
        assert result is not None
        assert result.peer_key_type == key_type
