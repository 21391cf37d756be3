"""The import round trip on real servers: nginx serves an original config, `tlsconf import`
turns it into a spec, `tlsconf render` writes it for nginx, HAProxy, Traefik and Envoy, and
`tlsconf verify --against` (the verify engine's differential mode: the same handshake matrix,
SNI, chain, client-certificate, resumption, ALPN and HSTS probes on both endpoints) must find
no difference between the original nginx and each re-rendered server (except what a target
cannot do, asserted exactly in DIFFERS).

Two representative inputs, each served once by nginx while the four re-rendered servers take
turns on other ports: `app` — Mozilla intermediate written out by hand, an upstream pool, a
WebSocket location, HSTS, a port-80 redirect; `legacy` — weaker and explicit (TLS 1.2 only,
server cipher order, a SHA-1 CBC suite, two groups, tickets on, no HSTS) asking for client
certificates (optional: sslyze's resumption scan cannot present one). The imported `legacy`
spec states its weak values, so it renders only with `--allow-weak` (the import does not
decide for the user).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.procs import Server, free_port, start_haproxy, start_nginx, start_traefik
from support.upstream import Upstream
from typer.testing import CliRunner

from tlsconf import profiles
from tlsconf.cli import app

pytestmark = pytest.mark.e2e
runner = CliRunner()
TARGETS = ("nginx", "haproxy", "traefik", "envoy")
APP = """upstream app {{
    least_conn;
    server 127.0.0.1:{upstream} weight=2 max_fails=3 fail_timeout=5s;
    server 127.0.0.1:{backup} max_fails=3 fail_timeout=5s backup;
}}
server {{
    listen 127.0.0.1:{http};
    server_name a.test www.a.test;
    location / {{
        return 301 https://$host$request_uri;
    }}
}}
server {{
    listen 127.0.0.1:{https} ssl http2;
    server_name a.test www.a.test;
    ssl_certificate {cert};
    ssl_certificate_key {cert}.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers {ciphers};
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
    location / {{
        proxy_pass http://app;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
    location /ws/ {{
        proxy_pass http://127.0.0.1:{upstream};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }}
}}
"""
LEGACY = """server {{
    listen 127.0.0.1:{https} ssl;
    server_name legacy.test;
    ssl_certificate {cert};
    ssl_certificate_key {cert}.key;
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA;
    ssl_prefer_server_ciphers on;
    ssl_ecdh_curve prime256v1:secp384r1;
    ssl_session_cache shared:SSL:10m;
    ssl_session_tickets on;
    ssl_verify_client optional;
    ssl_client_certificate {ca};
    location / {{
        proxy_pass http://127.0.0.1:{upstream};
    }}
}}
"""


@dataclass
class Original:
    name: str
    tmp: Path
    spec: Path  # the imported spec, as written by `tlsconf import -o`
    report: dict[str, Any]  # its loss report (JSON)
    port: int  # where the original nginx serves it
    client: tuple[Path, Path]


def leaf_with_key_beside(pki, name: str, domains: list[str]) -> Path:  # type: ignore[no-untyped-def]
    """`CERT.key`: the layout HAProxy 2.6 reads from a crt-list, usable by every server."""
    leaf = pki.issue(name, domains)
    shutil.copy(leaf.key_path, f"{leaf.cert_path}.key")
    return Path(leaf.cert_path)


@pytest.fixture(scope="module", params=["app", "legacy"])
def original(request, pki, nginx_bin, tmp_path_factory) -> Iterator[Original]:  # type: ignore[no-untyped-def]
    name = request.param
    tmp = tmp_path_factory.mktemp(f"import-{name}")
    client = pki.issue("client", [], client=True)
    https, http = free_port(), free_port()
    with Upstream("app") as up, Upstream("backup") as backup:
        conf = tmp / "original"
        conf.mkdir()
        domains = ["a.test", "www.a.test"] if name == "app" else ["legacy.test"]
        text = (APP if name == "app" else LEGACY).format(
            upstream=up.port, backup=backup.port, http=http, https=https, ca=pki.cafile,
            cert=leaf_with_key_beside(pki, name, domains),
            ciphers=":".join(profiles.get("intermediate").ciphers))
        (conf / f"{name}.conf").write_text(text)
        spec = tmp / "imported.yaml"
        result = runner.invoke(app, ["import", str(conf / f"{name}.conf"), "-o", str(spec),
                                     "--report-format", "json"])
        assert result.exit_code == 0, result.output
        server = start_nginx(conf, tmp / "work-original", [https, http][:2 if name == "app"
                                                                            else 1])
        try:
            yield Original(name, tmp, spec, json.loads(result.stdout), https,
                           (Path(client.cert_path), Path(client.key_path)))
        finally:
            server.stop()


def moved(original: Original, target: str) -> tuple[Path, int, int]:
    """The imported spec listening on two fresh ports (both servers run at once)."""
    data = yaml.safe_load(original.spec.read_text())
    https, http = free_port(), free_port()
    for site in data["sites"]:
        site["listen"].update({"https_port": https, "http_port": http})
    path = original.tmp / f"{target}.yaml"
    path.write_text(original.spec.read_text().split("sites:", 1)[0] + yaml.safe_dump(data))
    return path, https, http


def start(target: str, spec: Path, ports: list[int], work: Path) -> Server:
    out = work / "out"
    result = runner.invoke(app, ["render", str(spec), "-t", target, "-o", str(out),
                                 "--allow-weak"])
    assert result.exit_code == 0, result.output
    if target == "nginx":
        return start_nginx(out / "nginx" / "conf.d", work / "run", ports)
    if target == "haproxy":
        return start_haproxy(out / "haproxy" / "haproxy.cfg", work / "run", ports)
    if target == "traefik":
        static = out / "traefik" / "traefik.yml"
        text = static.read_text()
        header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
        data = json.loads(text[len(header):])
        data["providers"]["file"]["directory"] = str(out / "traefik" / "dynamic")
        api = free_port()  # ready when the API lists the routers: the TLS options are loaded
        data["entryPoints"]["traefik"] = {"address": f"127.0.0.1:{api}"}
        data["api"] = {"insecure": True, "dashboard": False}
        static.write_text(header + json.dumps(data))
        dynamic = (out / "traefik" / "dynamic" / "tlsconf.yml").read_text()
        routers = json.loads(dynamic[len(header):])["http"]["routers"]
        return start_traefik(static, work / "run", ports, api_port=api, routers=list(routers),
                             timeout=30)
    from support.fixtures import require_binary

    path = out / "envoy" / "envoy.yaml"
    return Server([require_binary("envoy"), "-c", str(path), "--disable-hot-restart", "-l",
                   "warning"], work / "run", name="envoy", ports=ports, timeout=30).start()


# What a re-rendered server does differently (measured): Traefik sends no header on the 400 it
# answers `GET /%zz` with itself (before any middleware), and resumed no TLS 1.2 session here,
# by session ID (Go keeps no session cache) nor, for `legacy` (tickets on), by ticket.
DIFFERS = {("app", "traefik"): ["TLS907", "TLS910"],
           ("legacy", "traefik"): ["TLS907", "TLS907"]}


@pytest.mark.parametrize("target", TARGETS)
def test_the_rendered_import_negotiates_what_the_original_served(
        original: Original, target: str) -> None:
    spec, https, http = moved(original, target)
    plain = yaml.safe_load(spec.read_text())["sites"][0]["redirect_http"]
    server = start(target, spec, [https, http] if plain else [https], original.tmp / target)
    try:
        result = runner.invoke(app, [
            "verify", str(spec), "--endpoint", f"127.0.0.1:{https}",
            "--against", f"127.0.0.1:{original.port}", "--timeout", "2",
            "--client-cert", str(original.client[0]), "--client-key", str(original.client[1])])
    finally:
        server.stop()
    found = sorted(line.split(": ")[1].split()[0] for line in result.stdout.splitlines())
    differs = DIFFERS.get((original.name, target), [])
    assert (result.exit_code, found) == (1 if differs else 0, differs), result.output


def test_the_loss_report_of_each_input(original: Original) -> None:
    """What the imports approximated, exactly (nothing was dropped): the session cache's
    name and size, and for `app` the passive health checks other targets make active."""
    lost = [(e["line"], e["key"], e["fate"]) for e in original.report["entries"]
            if e["fate"] != "mapped"]
    assert lost == {
        "app": [(3, "server", "approximated"), (4, "server", "approximated"),
                (22, "ssl_session_cache", "approximated")],
        "legacy": [(10, "ssl_session_cache", "approximated")],
    }[original.name]
    rules = sorted(f["rule"] for f in original.report["findings"])
    assert rules == {"app": ["TLS704"], "legacy": ["TLS103", "TLS209", "TLS501", "TLS704"]
                     }[original.name]
