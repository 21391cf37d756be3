"""The real servers read the output of accepted adversarial specs — and send the values back
exactly as written in the spec.

One spec shape with what a config generator most often gets wrong: paths with spaces, an IDN
(`bücher.example`, rendered as its A-label) and a wildcard, an IPv6 upstream, header values
with quotes, backslashes, `#`, `;` and every other printable ASCII character the grammar
allows. Rendered with the CLI, then:

- nginx: `nginx -t`, then nginx started on 127.0.0.1: the headers arrive byte for byte;
- HAProxy: `haproxy -c`, then HAProxy started: same (its crt-list cannot carry a certificate path
  with a space, so its variant keeps the space in the DH parameters path, which haproxy.cfg
  quotes); plus the long name lists split under HAProxy's 64-words-a-line limit;
- Traefik: started on 127.0.0.1 with its API, the routers read back (the IDN's rule, the
  wildcard's regexp), and the same request.

Requests go through an IPv4 location (tests only listen on 127.0.0.1; the IPv6 upstream is in
the configuration, which every server must accept, but is never connected to).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.procs import free_port, haproxy_c, nginx_t, start_haproxy, start_nginx, start_traefik
from support.procs import traefik_routers as read_routers
from support.tlsprobe import https_get
from support.upstream import Upstream

from tlsconf.validate import FFDHE2048

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent

# Every printable ASCII character the header grammar allows ($ % { } ` are refused: proxies
# expand them), in one value, plus the classic breakouts.
ALL_ALLOWED = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "$%{}`")
HEADERS = {
    "X-Note": "a #b; c \"d\" \\e 'f' @g",
    "X-Breakout": "x\"; add_header X-Injected 1; #",
    "X-Backslash-End": "trailing\\",
    "X-All": ALL_ALLOWED,
    "Content-Security-Policy": "default-src 'self'; script-src 'none'",
}
IDN, IDN_ALABEL, WILD = "bücher.example", "xn--bcher-kva.example", "*.wild.example"


@dataclass
class Setup:
    tmp: Path
    https: int
    http: int
    leaf_cert: Path
    leaf_key: Path
    cafile: Path
    app: Upstream
    pki: Any


def spec(setup: Setup, *, haproxy: bool = False) -> dict[str, Any]:
    tls: dict[str, Any] = {"certificate": str(setup.leaf_cert), "key": str(setup.leaf_key)}
    if haproxy:  # the same files at a path without a space, and CERT.key beside them
        plain = setup.tmp / "plain"
        tls = {"certificate": str(plain / "idn.pem"), "key": str(plain / "idn.pem.key"),
               "dhparam": str(setup.tmp / "dh params" / "ffdhe2048.pem")}
    return {
        "defaults": {"listen": {"address": "127.0.0.1", "https_port": setup.https,
                                "http_port": setup.http},
                     "headers": HEADERS},
        "sites": [{
            "name": "idn",
            "domains": [IDN, WILD],
            "default_server": True,
            "tls": tls,
            "upstreams": [{"address": "[::1]:9"}, {"address": "[::1]:10", "backup": True}],
            "health_check": {"path": "/healthz"},
            "locations": [{"path": "/v4/", "upstreams": [
                {"address": f"127.0.0.1:{setup.app.port}"}]}],
        }],
    }


def render(setup: Setup, name: str, data: dict[str, Any], target: str) -> Path:
    path = setup.tmp / f"{name}.yaml"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    out = setup.tmp / f"out-{name}"
    proc = subprocess.run(
        [sys.executable, "-m", "tlsconf", "render", str(path), "--target", target, "-o",
         str(out)], capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def setup(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    tmp = tmp_path_factory.mktemp("adversarial")
    leaf = pki.issue("idn", [IDN_ALABEL, WILD], dir=tmp / "my certs")
    (tmp / "plain").mkdir()
    shutil.copy(leaf.cert_path, tmp / "plain" / "idn.pem")
    shutil.copy(leaf.key_path, tmp / "plain" / "idn.pem.key")  # HAProxy < 3.0: CERT.key
    (tmp / "dh params").mkdir()
    (tmp / "dh params" / "ffdhe2048.pem").write_text(FFDHE2048)
    with Upstream("app") as app:
        yield Setup(tmp, free_port(), free_port(), leaf.cert_path, leaf.key_path, pki.cafile, app,
                    pki)


def assert_headers_exact(setup: Setup, sni: str) -> None:
    response = https_get(setup.https, sni, "/v4/x", cafile=setup.cafile)
    assert response.status == 200, response.text
    for name, value in HEADERS.items():
        assert response.headers.get_all(name) == [value], name
    assert "X-Injected" not in response.headers
    assert response.json()["path"] == "/v4/x"


def test_nginx_reads_and_serves_it(setup: Setup, nginx_bin: str) -> None:
    assert " " in str(setup.leaf_cert)
    out = render(setup, "nginx", spec(setup), "nginx")
    text = (out / "nginx" / "conf.d" / "idn.conf").read_text()
    assert f"server_name {IDN_ALABEL} *.wild.example;" in text
    assert "server [::1]:9 weight=1" in text
    checked = nginx_t(out / "nginx" / "conf.d", setup.tmp / "nginx-t")
    assert checked.returncode == 0, checked.stderr
    server = start_nginx(out / "nginx" / "conf.d", setup.tmp / "nginx-run", [setup.https])
    try:
        assert_headers_exact(setup, IDN_ALABEL)
        assert_headers_exact(setup, "a.wild.example")
    finally:
        server.stop()


def test_haproxy_reads_and_serves_it(setup: Setup, haproxy_bin: str) -> None:
    out = render(setup, "haproxy", spec(setup, haproxy=True), "haproxy")
    cfg = out / "haproxy" / "haproxy.cfg"
    assert 'ssl-dh-param-file "' in cfg.read_text()
    checked = haproxy_c(cfg)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    server = start_haproxy(cfg, setup.tmp / "haproxy-run", [setup.https])
    try:
        assert_headers_exact(setup, IDN_ALABEL)
        assert_headers_exact(setup, "a.wild.example")
    finally:
        server.stop()


def test_haproxy_splits_long_name_lists(setup: Setup, haproxy_bin: str) -> None:
    """100 domains for a site and 60 sites with ACME on one port: lines HAProxy reads (at most
    64 words each) that route exactly as one long line would."""
    domains = [f"d{i}.example" for i in range(100)]
    acme = [f"acme{i}.example" for i in range(60)]
    leaf = setup.pki.issue("many", domains + acme, dir=setup.tmp / "many")
    shutil.copy(leaf.key_path, f"{leaf.cert_path}.key")
    sites = [{
        "name": "many",
        "domains": domains,
        "tls": {"certificate": str(leaf.cert_path), "key": f"{leaf.cert_path}.key"},
        "upstreams": [{"address": f"127.0.0.1:{setup.app.port}"}],
        "acme_upstream": f"127.0.0.1:{setup.app.port}",
    }]
    sites += [{**sites[0], "name": name.split(".")[0], "domains": [name]} for name in acme]
    data = {"defaults": {"listen": {"address": "127.0.0.1", "https_port": setup.https,
                                    "http_port": setup.http}}, "sites": sites}
    out = render(setup, "long-lists", data, "haproxy")
    cfg = out / "haproxy" / "haproxy.cfg"
    text = cfg.read_text()
    assert max(len(line.split()) for line in text.splitlines()) <= 64
    checked = haproxy_c(cfg)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    server = start_haproxy(cfg, setup.tmp / "haproxy-lists", [setup.https, setup.http])
    try:
        import http.client

        def get(host: str, path: str) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", setup.http, timeout=5)
            conn.request("GET", path, headers={"Host": host})
            status = conn.getresponse().status
            conn.close()
            return status

        assert get("d99.example", "/x") == 301
        assert get("acme59.example", "/.well-known/acme-challenge/t") == 200  # the upstream
        assert get("acme0.example", "/.well-known/acme-challenge/t") == 200
        assert get("unknown.example", "/.well-known/acme-challenge/t") == 404
        for name in ("d0.example", "d77.example"):  # the first and the second line of names
            response = https_get(setup.https, name, "/x", cafile=setup.cafile)
            assert response.status == 200 and response.json()["path"] == "/x"
    finally:
        server.stop()


def test_traefik_reads_and_serves_it(setup: Setup, traefik_bin: str) -> None:
    out = render(setup, "traefik", spec(setup), "traefik")
    base = out / "traefik"
    static_path = base / "traefik.yml"
    text = static_path.read_text()
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    static = json.loads(text[len(header):])
    static["providers"]["file"]["directory"] = str(base / "dynamic")
    api = free_port()
    static["entryPoints"]["traefik"] = {"address": f"127.0.0.1:{api}"}
    static["api"] = {"insecure": True, "dashboard": False}
    static_path.write_text(header + json.dumps(static, indent=2))
    server = start_traefik(static_path, setup.tmp / "traefik-run", [setup.https], api_port=api,
                           routers=["tlsconf_idn_1", "tlsconf_idn_1_wildcard"], timeout=30)
    try:
        routers = {r["name"].split("@")[0]: r for r in read_routers(api)
                   if r.get("provider") == "file"}
        assert routers["tlsconf_idn_1"]["rule"] == (
            f"Host(`{IDN_ALABEL}`) && PathPrefix(`/v4/`)")
        assert routers["tlsconf_idn_1_wildcard"]["rule"].startswith("HostRegexp(`^[a-z0-9]")
        assert all(r.get("status") == "enabled" for r in routers.values()), routers
        assert_headers_exact(setup, IDN_ALABEL)
        assert_headers_exact(setup, "a.wild.example")
    finally:
        server.stop()
