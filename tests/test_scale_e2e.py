"""10,000 sites, rendered and checked by the real servers: what is generated for many sites at
once (the catch-all server of a listener, shared files, HAProxy's per-listener lines) stays
within what nginx and HAProxy accept."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from support.procs import haproxy_c, nginx_t
from typer.testing import CliRunner

from tlsconf.cli import app

pytestmark = pytest.mark.e2e

SITES = 10_000


def many_sites(spec: Path, certs: Path) -> None:
    spec.write_text("sites:\n" + "".join(
        f"  - name: s{i}\n"
        f"    domains: [s{i}.scale.test]\n"
        f"    tls: {{certificate: {certs}/fullchain.pem, key: {certs}/fullchain.pem.key}}\n"
        "    upstreams:\n"
        "      - address: 127.0.0.1:8080\n"
        for i in range(SITES)))


def place(pki, certs: Path) -> None:  # type: ignore[no-untyped-def]
    leaf = pki.issue("scale", ["*.scale.test"])
    certs.mkdir()
    shutil.copy(leaf.cert_path, certs / "fullchain.pem")
    shutil.copy(leaf.key_path, certs / "fullchain.pem.key")


def test_ten_thousand_sites_on_one_listener_without_default_server_pass_nginx_t(
    pki, nginx_bin, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    # One listener, no default_server: the catch-all server's comment once listed every site
    # on one line and nginx refused the file ("too long parameter") while render exited 0.
    certs = tmp_path / "certs"  # created after rendering: the certificate checks skip them
    spec = tmp_path / "many.yaml"
    many_sites(spec, certs)
    out = tmp_path / "out"
    started = time.monotonic()
    result = CliRunner().invoke(app, ["render", str(spec), "-o", str(out)])
    rendered = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert len(list((out / "nginx" / "conf.d").glob("*.conf"))) == SITES + 1
    place(pki, certs)
    started = time.monotonic()
    # nginx builds one TLS context per server: ~25 s for 10,000 on this 2-core machine.
    check = nginx_t(out / "nginx" / "conf.d", tmp_path / "work", timeout=180)
    checked = time.monotonic() - started
    assert check.returncode == 0, check.stderr[-2000:]
    assert "test is successful" in check.stderr
    print(f"render {rendered:.1f}s, nginx -t {checked:.1f}s")  # shown with -s: the figures


def test_ten_thousand_sites_on_one_listener_pass_haproxy_c(
    pki, haproxy_bin, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    certs, spec, out = tmp_path / "certs", tmp_path / "many.yaml", tmp_path / "out"
    many_sites(spec, certs)
    started = time.monotonic()
    result = CliRunner().invoke(app, ["render", str(spec), "--target", "haproxy", "-o", str(out)])
    rendered = time.monotonic() - started
    assert (result.exit_code, result.stderr) == (0, "")
    place(pki, certs)
    started = time.monotonic()
    check = haproxy_c(out / "haproxy" / "haproxy.cfg")
    checked = time.monotonic() - started
    assert check.returncode == 0, check.stderr[-2000:]
    assert "Configuration file is valid" in check.stdout + check.stderr
    print(f"render {rendered:.1f}s, haproxy -c {checked:.1f}s")
