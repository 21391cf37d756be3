"""`locations` entries without `upstreams` use the site's pool, and `path: /` sets the site's
default route: every target renders both."""

from __future__ import annotations

import json

import pytest
import yaml

from tlsconf import policy, targets
from tlsconf.errors import TlsconfError
from tlsconf.render import Rendered
from tlsconf.specfile import parse_spec

SPEC = """\
sites:
  - name: app
    domains: [app.example.com]
    tls: {certificate: /etc/ssl/app.pem, key: /etc/ssl/app.pem.key}
    upstreams:
      - address: 10.0.0.1:8080
    locations:
      - path: /ws/
        websocket: true
      - path: /
        websocket: true
      - path: /api/
        upstreams:
          - address: 10.0.0.2:9000
kubernetes:
  services:
    10.0.0.1:8080: {name: web, port: 80}
    10.0.0.2:9000: {name: api, port: 80}
"""


def render(target: str, text: str = SPEC) -> Rendered:
    loaded = parse_spec("s.yaml", text.encode())
    return targets.render(target, loaded, policy.resolve(loaded))


def body(text: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if not line.startswith("#"))


def test_routes_resolve_with_the_sites_upstreams_and_a_root_location() -> None:
    loaded = parse_spec("s.yaml", SPEC.encode())
    (site,) = policy.resolve(loaded)
    assert [(r.path, [u.address for u in r.upstreams], r.websocket, r.pool, r.source)
            for r in site.routes] == [
        ("/api/", ["10.0.0.2:9000"], False, "tlsconf_app_3", "locations.2.upstreams"),
        ("/ws/", ["10.0.0.1:8080"], True, "tlsconf_app_1", "upstreams"),
        ("/", ["10.0.0.1:8080"], True, "tlsconf_app", "upstreams"),  # one root route only
    ]


def test_nginx() -> None:
    text = body(render("nginx").files["nginx/conf.d/app.conf"])
    text = text[:text.index("    listen 0.0.0.0:80;")]  # the HTTPS server only
    assert "upstream tlsconf_app_1 {\n    server 10.0.0.1:8080 weight=1;\n}\n" in text
    assert text.count("location / {") == 1
    upgrade = ("        proxy_http_version 1.1;\n"
               "        proxy_set_header Upgrade $http_upgrade;\n")
    ws = text[text.index("    location /ws/ {"):text.index("    location / {")]
    root = text[text.index("    location / {"):]
    assert "proxy_pass http://tlsconf_app_1;" in ws and upgrade in ws
    assert "proxy_pass http://tlsconf_app;" in root and upgrade in root


def test_haproxy() -> None:
    cfg = body(render("haproxy").files["haproxy/haproxy.cfg"])
    assert ("backend tlsconf_app_1\n    balance roundrobin\n    timeout tunnel 3600s\n"
            in cfg)
    backends = cfg.split("\nbackend ")[1:]
    assert sorted(b.splitlines()[0] for b in backends) == [
        "tlsconf_app", "tlsconf_app_1", "tlsconf_app_3"]
    servers = {b.splitlines()[0]: [line.strip() for line in b.splitlines()
                                   if line.strip().startswith(("server", "timeout"))]
               for b in backends}
    assert servers == {
        "tlsconf_app": ["timeout tunnel 3600s", "server s1 10.0.0.1:8080 weight 1"],
        "tlsconf_app_1": ["timeout tunnel 3600s", "server s1 10.0.0.1:8080 weight 1"],
        "tlsconf_app_3": ["server s1 10.0.0.2:9000 weight 1"],
    }
    assert "    use_backend tlsconf_app_1 if { var(txn.tls_site) -m str app } " \
        "{ path_beg /ws/ }\n" in cfg


def test_traefik() -> None:
    dynamic = json.loads(body(render("traefik").files["traefik/dynamic/tlsconf.yml"]))
    urls = {name: [s["url"] for s in service["loadBalancer"]["servers"]]
            for name, service in dynamic["http"]["services"].items()}
    assert urls == {"tlsconf_app": ["http://10.0.0.1:8080"],
                    "tlsconf_app_1": ["http://10.0.0.1:8080"],
                    "tlsconf_app_3": ["http://10.0.0.2:9000"]}
    rules = {r["service"]: r["rule"] for r in dynamic["http"]["routers"].values()
             if "websecure" in str(r.get("entryPoints"))}
    assert rules == {"tlsconf_app": "Host(`app.example.com`)",
                     "tlsconf_app_1": "Host(`app.example.com`) && PathPrefix(`/ws/`)",
                     "tlsconf_app_3": "Host(`app.example.com`) && PathPrefix(`/api/`)"}


def test_gateway_api() -> None:
    (route,) = [d for d in yaml.safe_load_all(render("gateway-api").files[
        "gateway-api/httproutes.yaml"]) if d["spec"]["parentRefs"][0].get("port", 443) != 80
        and "rules" in d["spec"] and any(r.get("backendRefs") for r in d["spec"]["rules"])]
    paths = [(r["matches"][0]["path"]["value"], [b["name"] for b in r["backendRefs"]])
             for r in route["spec"]["rules"]]
    assert paths == [("/api/", ["api"]), ("/ws/", ["web"]), ("/", ["web"])]


def test_traefik_crd() -> None:
    documents = yaml.safe_load_all(render("traefik-crd").files["traefik-crd/ingressroutes.yaml"])
    routes = [(r["match"], [s["name"] for s in r["services"]])
              for d in documents for r in d["spec"]["routes"] if "services" in r
              and "websecure" in d["spec"].get("entryPoints", [])]
    assert routes == [
        ("Host(`app.example.com`) && PathPrefix(`/api/`)", ["api"]),
        ("Host(`app.example.com`) && PathPrefix(`/ws/`)", ["web"]),
        ("Host(`app.example.com`)", ["web"]),
    ]


def test_a_root_location_is_still_listed_once() -> None:
    text = SPEC.replace("      - path: /api/\n", "      - path: /\n")
    with pytest.raises(TlsconfError) as caught:
        parse_spec("s.yaml", text.encode())
    assert [str(p) for p in caught.value.problems] == [
        "s.yaml:12:15: sites[0].locations[2].path: '/' is listed twice; each prefix once"]
