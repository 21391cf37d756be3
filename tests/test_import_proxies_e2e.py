"""The import round trip on the real servers: an existing HAProxy (Traefik) config is started
on 127.0.0.1 and probed with real TLS clients; then it is imported, the spec rendered for the
same server, the rendered config started on the same ports and probed the same way. Both
must negotiate the same — and exactly what the original is written to (every observation is
also asserted against its literal value, so a probe that sees nothing cannot pass).

One server start per side (module-scoped), stopped before the other starts.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from msgspec import structs
from support.procs import (
    haproxy_c,
    start_haproxy,
    start_rendered_traefik,
    start_traefik,
    stopping,
    unique_ports,
)
from support.roundtrip import import_file, reimport
from support.tlsprobe import (
    accepted_ciphers,
    accepted_protocols,
    accepted_tls13_suites,
    handshake,
    http_get,
    https_get,
    negotiated_group,
)
from support.upstream import Upstream

from tlsconf.importer.model import Imported

if TYPE_CHECKING:
    from support.fixtures import TestPKI
    from support.pki import Leaf

pytestmark = pytest.mark.e2e

ECDSA = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
         "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA"]
# The classical groups the local OpenSSL offers (each alone, TLS 1.3).
GROUPS = ["X25519", "prime256v1", "secp384r1", "secp521r1", "X448", "ffdhe2048", "ffdhe3072",
          "ffdhe4096", "ffdhe6144", "ffdhe8192"]
TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
Observed = dict[str, Any]


@dataclass
class Both:
    """What a client saw of the original and of the re-rendered import, the import, and the
    verify engine's differences between the two (both served at once)."""

    before: Observed
    after: Observed
    imported: Imported
    verified: list[str]


def observe(https: int, http: int, names: list[str | None], cafile: Path,
            leaves: dict[str, Leaf]) -> Observed:
    """What a client sees, per SNI name (None: no SNI): protocols, TLS 1.2 suites, TLS 1.3
    suites, the certificate, and an HTTPS request's status, HSTS and upstream; port 80's
    redirect."""
    out: Observed = {}
    for sni in names:
        kw: dict[str, Any] = {"cafile": cafile} if sni else {}
        result = handshake(https, sni, **kw)
        cert = next((n for n, leaf in leaves.items()
                     if result is not None and result.peer_cert_der == leaf.der), None)
        response = https_get(https, sni, "/api/x", host=sni or "shop.test", **kw) \
            if result is not None else None
        out[str(sni)] = {
            "protocols": accepted_protocols(https, sni, **kw),
            "tls12": sorted(accepted_ciphers(https, sni, candidates=ECDSA, **kw)),
            "tls13": accepted_tls13_suites(https, sni),
            "groups": [g for g in GROUPS if negotiated_group(https, sni, groups=g) is not None],
            "certificate": cert,
            "status": response.status if response else None,
            "hsts": response.headers.get("strict-transport-security") if response else None,
            "upstream": response.json()["upstream"] if response and response.status == 200
            else None,
        }
    redirect = http_get(http, "/a?b=1", host="shop.test")
    location = str(redirect.headers.get("location"))
    out["http"] = (redirect.status, location.replace(f":{https}/", ":HTTPS/"))
    return out


def differential(imported: Imported, target: str, original: int, out: Path) -> list[str]:
    """`tlsconf verify --against`: the imported spec rendered on fresh ports beside the running
    original, each site's TLS measured on both (the verify engine's matrix); the findings."""
    from typer.testing import CliRunner

    from tlsconf.cli import app

    https, http = unique_ports(2)
    moved = structs.replace(imported, spec=copy.deepcopy(imported.spec))
    for site in moved.spec["sites"]:  # type: ignore[attr-defined]
        site["listen"].update({"https_port": https, "http_port": http})
    files = reimport(moved, target, out)
    spec = out / "imported.tlsconf.yaml"
    if target == "haproxy":
        server = start_haproxy(files["haproxy/haproxy.cfg"], out / "run", [https, http])
    else:
        api = unique_ports(1)[0]
        server = start_rendered_traefik(out, api, [], [https, http])
    found: list[str] = []
    with stopping(server):
        for site in imported.spec["sites"]:  # type: ignore[attr-defined]
            result = CliRunner().invoke(app, [
                "verify", str(spec), "--site", site["name"], "--endpoint",
                f"127.0.0.1:{https}", "--against", f"127.0.0.1:{original}", "--timeout", "2"])
            assert result.exit_code in (0, 1), result.output
            found += [f"{site['name']} {line.split(': ', 1)[1]}"
                      for line in result.stdout.splitlines() if ": TLS9" in line]
    return found


# -- HAProxy ----------------------------------------------------------------------------------

HAPROXY = """\
global
    ssl-default-bind-ciphers {ciphers}
    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets

defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s

frontend web
    bind 127.0.0.1:{http}
    bind 127.0.0.1:{https} ssl crt-list {dir}/crt-list.txt alpn h2,http/1.1
    http-request redirect scheme https code 301 unless {{ ssl_fc }}
    http-response set-header Strict-Transport-Security "max-age=31536000"
    use_backend api if {{ ssl_fc_sni -i shop.test }} {{ path_beg /api/ }}
    default_backend app

backend app
    server a 127.0.0.1:{app}

backend api
    server b 127.0.0.1:{api}
"""
HAPROXY_TLS12 = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                 "ECDHE-ECDSA-AES128-SHA"]
CRT_LIST = """\
{shop} shop.test
{blog} [ssl-min-ver TLSv1.3] blog.test
"""
# No `curves`: OpenSSL 3.0's default groups (the import states them; each offered alone).
OPENSSL_30_GROUPS = GROUPS
HAPROXY_TLS = {"tls13": TLS13[:2], "groups": OPENSSL_30_GROUPS, "status": 200,
               "hsts": "max-age=31536000"}
HAPROXY_SEES = {
    "shop.test": {"protocols": ["TLSv1.2", "TLSv1.3"], "certificate": "shop",
                  "tls12": sorted(HAPROXY_TLS12), **HAPROXY_TLS, "upstream": "api"},
    "blog.test": {"protocols": ["TLSv1.3"], "certificate": "blog", "tls12": [],
                  **HAPROXY_TLS, "upstream": "app"},
    # Clients without SNI get the first crt-list line: shop's certificate and policy; the
    # `ssl_fc_sni` route does not match, so /api/ goes to the default backend.
    "None": {"protocols": ["TLSv1.2", "TLSv1.3"], "certificate": "shop",
             "tls12": sorted(HAPROXY_TLS12), **HAPROXY_TLS, "upstream": "app"},
}


@pytest.fixture(scope="module")
def haproxy_both(pki: TestPKI, haproxy_bin: str, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Both]:
    tmp = tmp_path_factory.mktemp("import-haproxy")
    leaves = {name: pki.issue(f"imp-{name}", [f"{name}.test"]) for name in ("shop", "blog")}
    for leaf in leaves.values():  # HAProxy < 3.0 finds the key at CERT.key
        Path(f"{leaf.cert_path}.key").write_bytes(leaf.key_path.read_bytes())
    https, http = unique_ports(2)
    names: list[str | None] = ["shop.test", "blog.test", None]
    with Upstream("app") as app_up, Upstream("api") as api_up:
        (tmp / "crt-list.txt").write_text(CRT_LIST.format(
            shop=leaves["shop"].cert_path, blog=leaves["blog"].cert_path))
        cfg = tmp / "haproxy.cfg"
        cfg.write_text(HAPROXY.format(http=http, https=https, dir=tmp, app=app_up.port,
                                      api=api_up.port, ciphers=":".join(HAPROXY_TLS12)))
        assert haproxy_c(cfg).returncode == 0
        imported = import_file("haproxy", cfg)
        with stopping(start_haproxy(cfg, tmp / "work-in", [https, http])):
            before = observe(https, http, names, pki.cafile, leaves)
            verified = differential(imported, "haproxy", https, tmp / "moved")
        files = reimport(imported, "haproxy", tmp / "out")
        rendered = files["haproxy/haproxy.cfg"]
        checked = haproxy_c(rendered)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        with stopping(start_haproxy(rendered, tmp / "work-out", [https, http])):
            after = observe(https, http, names, pki.cafile, leaves)
    yield Both(before, after, imported, verified)


def test_haproxy_original_negotiates_what_it_says(haproxy_both: Both) -> None:
    before = haproxy_both.before
    for name, seen in HAPROXY_SEES.items():
        assert before[name] == seen, name
    assert before["http"] == (301, "https://shop.test/a?b=1")


def test_haproxy_rerendered_negotiates_the_same(haproxy_both: Both) -> None:
    before, after, imported = haproxy_both.before, haproxy_both.after, haproxy_both.imported
    approximated = {e.location.line: e.detail for e in imported.entries
                    if e.fate == "approximated" and e.location.file.endswith("haproxy.cfg")}
    assert "so they get this route too" in approximated[17]
    assert "`redirect scheme https` keeps the Host's port" in approximated[15]
    for name in ("shop.test", "blog.test"):
        assert after[name] == before[name], name
    # The one difference, in the loss report: clients without SNI are shop's (the default
    # site's), so its /api/ route, an `ssl_fc_sni` condition in the original, is theirs too.
    assert after["None"] == {**before["None"], "upstream": "api"}
    # tlsconf's redirect keeps the path and query, like the original, and names the TLS
    # listener's port (not 443 here), where `redirect scheme https` keeps the Host's (none:
    # 443, where nothing listens in this test). The loss report says so.
    assert after["http"] == (301, "https://shop.test:HTTPS/a?b=1")


# -- Traefik ----------------------------------------------------------------------------------

TRAEFIK_STATIC = """\
entryPoints:
  web:
    address: "127.0.0.1:{http}"
    http:
      redirections:
        entryPoint: {{to: websecure, scheme: https, permanent: true}}
  websecure:
    address: "127.0.0.1:{https}"
  traefik:
    address: "127.0.0.1:{api}"
api: {{insecure: true, dashboard: false}}
log: {{level: INFO}}
providers:
  file: {{directory: "{dir}/dynamic"}}
"""
TRAEFIK_DYNAMIC = """\
http:
  routers:
    shop:
      rule: "Host(`shop.test`)"
      entryPoints: [websecure]
      service: app
      middlewares: [hsts]
      tls: {{options: strict}}
    shop-api:
      rule: "Host(`shop.test`) && PathPrefix(`/api/`)"
      entryPoints: [websecure]
      service: api
      middlewares: [hsts]
      tls: {{options: strict}}
    blog:
      rule: "Host(`blog.test`)"
      entryPoints: [websecure]
      service: app
      middlewares: [hsts]
      tls: {{options: modern}}
  services:
    app:
      loadBalancer: {{servers: [{{url: "http://127.0.0.1:{app}"}}]}}
    api:
      loadBalancer: {{servers: [{{url: "http://127.0.0.1:{api_up}"}}]}}
  middlewares:
    hsts:
      headers: {{stsSeconds: 31536000, stsIncludeSubdomains: true}}
tls:
  certificates:
    - {{certFile: "{shop_cert}", keyFile: "{shop_key}"}}
    - {{certFile: "{blog_cert}", keyFile: "{blog_key}"}}
  stores:
    default:
      defaultCertificate: {{certFile: "{shop_cert}", keyFile: "{shop_key}"}}
  options:
    default:
      minVersion: VersionTLS12
      cipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]
    strict:
      minVersion: VersionTLS12
      cipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]
    modern:
      minVersion: VersionTLS13
"""
TRAEFIK_HSTS = "max-age=31536000; includeSubDomains"
# No curvePreferences: Go's default groups (the classical ones; X25519MLKEM768 is the verify
# engine's to see).
GO_GROUPS = ["X25519", "prime256v1", "secp384r1", "secp521r1"]
TRAEFIK_TLS12 = sorted(["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA"])
TRAEFIK_SEES = {
    "shop.test": {"protocols": ["TLSv1.2", "TLSv1.3"], "certificate": "shop",
                  "tls12": TRAEFIK_TLS12, "tls13": TLS13, "groups": GO_GROUPS, "status": 200,
                  "hsts": TRAEFIK_HSTS, "upstream": "api"},
    "blog.test": {"protocols": ["TLSv1.3"], "certificate": "blog", "tls12": [],
                  "tls13": TLS13, "groups": GO_GROUPS, "status": 200, "hsts": TRAEFIK_HSTS,
                  "upstream": "app"},
    # No SNI: the store's default certificate under tls.options.default (the same policy as
    # shop's); Traefik answers 421 to a request for a router with another TLS option.
    "None": {"protocols": ["TLSv1.2", "TLSv1.3"], "certificate": "shop",
             "tls12": TRAEFIK_TLS12, "tls13": TLS13, "groups": GO_GROUPS, "status": 421,
             "hsts": None, "upstream": None},
}


@pytest.fixture(scope="module")
def traefik_both(pki: TestPKI, traefik_bin: str, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Both]:
    tmp = tmp_path_factory.mktemp("import-traefik")
    leaves = {name: pki.issue(f"imp-t-{name}", [f"{name}.test"]) for name in ("shop", "blog")}
    https, http, api = unique_ports(3)
    names: list[str | None] = ["shop.test", "blog.test", None]
    with Upstream("app") as app_up, Upstream("api") as api_up:
        static = tmp / "traefik.yml"
        static.write_text(TRAEFIK_STATIC.format(http=http, https=https, api=api, dir=tmp))
        (tmp / "dynamic").mkdir()
        dynamic = tmp / "dynamic" / "dynamic.yml"
        dynamic.write_text(TRAEFIK_DYNAMIC.format(
            app=app_up.port, api_up=api_up.port,
            shop_cert=leaves["shop"].cert_path, shop_key=leaves["shop"].key_path,
            blog_cert=leaves["blog"].cert_path, blog_key=leaves["blog"].key_path))
        imported = import_file("traefik", static, dynamic)
        with stopping(start_traefik(static, tmp / "work-in", [https, http], api_port=api,
                                    routers=["shop", "shop-api", "blog"], timeout=30)):
            before = observe(https, http, names, pki.cafile, leaves)
            verified = differential(imported, "traefik", https, tmp / "moved")
        out = tmp / "out"
        reimport(imported, "traefik", out)
        routers = ["tlsconf_shop", "tlsconf_shop_1", "tlsconf_blog"]
        with stopping(start_rendered_traefik(out, api, routers, [https, http])):
            after = observe(https, http, names, pki.cafile, leaves)
    yield Both(before, after, imported, verified)


def test_traefik_original_negotiates_what_it_says(traefik_both: Both) -> None:
    before = traefik_both.before
    for name, seen in TRAEFIK_SEES.items():
        assert before[name] == seen, name
    assert before["http"] == (301, "https://shop.test:HTTPS/a?b=1")


def test_traefik_rerendered_negotiates_the_same(traefik_both: Both) -> None:
    before, after = traefik_both.before, traefik_both.after
    for name in TRAEFIK_SEES:
        assert after[name] == before[name], name
    assert after["http"] == before["http"]


def test_haproxy_verify_against_the_original(haproxy_both: Both) -> None:
    """The verify engine's differential matrix (versions, suites, groups, SNI, chain,
    resumption, ALPN, HSTS) finds no difference between the original and the import."""
    assert haproxy_both.verified == []


def test_traefik_verify_against_the_original(traefik_both: Both) -> None:
    """The verify engine's differential matrix finds no difference between the original
    Traefik and the import re-rendered for Traefik."""
    assert traefik_both.verified == []
