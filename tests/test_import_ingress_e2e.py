"""The round trip ingress-nginx → tlsconf spec → Gateway API, served by real Traefik: the
`hardened` set (tests/data/ingress_nginx/hardened/input.yaml: a controller ConfigMap narrowing
protocols and suites and asking for HSTS preload, one Ingress with two hosts on one Secret, a
per-path backend behind a named Service port, force-ssl-redirect) is imported, rendered with
`--target gateway-api --impl traefik`, and served through the read-only fake Kubernetes API
(`support.k8s_deploy`). What Traefik negotiates and answers is what the ConfigMap and the
annotations asked for, exactly; what the loss report calls approximated (the 308 redirect
becomes 301) is measured too.

The only change to the imported spec is the deployment's: the listeners' ports (free high
ports on 127.0.0.1 instead of 443/80), which Traefik's entry points must match.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.k8s_deploy import Deployment, kubernetes_validate, settled, start, tls_secret
from support.k8s_fake_api import core_objects
from support.procs import stopping, traefik_routers, unique_ports
from support.tlsprobe import (
    accepted_ciphers,
    accepted_protocols,
    handshake,
    http_get,
    https_get,
    negotiated_group,
)
from support.upstream import Upstream

from tlsconf import policy
from tlsconf.config import Settings
from tlsconf.importer import loader
from tlsconf.specfile import parse_spec
from tlsconf.targets import gateway_api

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e

INPUT = Path(__file__).resolve().parent / "data" / "ingress_nginx" / "hardened" / "input.yaml"
HOSTS = ("shop.test", "www.shop.test")
# What the input asks for (its ConfigMap `data` and annotations), spelled as the probes see it.
PROTOCOLS = ["TLSv1.2", "TLSv1.3"]  # ssl-protocols: "TLSv1.2 TLSv1.3"
CIPHERS = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"]  # ssl-ciphers
HSTS = "max-age=63072000; includeSubDomains; preload"  # hsts-max-age, hsts-preload (+ default)


@pytest.fixture(scope="module")
def served(pki: TestPKI, traefik_bin: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("import-ingress")
    imported = loader("ingress-nginx")([str(INPUT)], Settings())
    spec: dict[str, Any] = json.loads(json.dumps(imported.spec))
    https, http, api_port = unique_ports(3)
    for site in spec["sites"]:
        site["listen"] = {"https_port": https, "http_port": http}
    loaded = parse_spec("imported.yaml", json.dumps(spec).encode())
    rendered = gateway_api.render(loaded, policy.resolve(loaded), impl="traefik")
    leaf = pki.issue("ingress-shop", list(HOSTS))
    ports = {"https": https, "http": http}
    with Upstream("main") as main, Upstream("api") as api:
        core = core_objects("web", {"main": (80, main.port), "api": (8080, api.port)},
                            {"shop-tls": tls_secret(leaf)}, {})
        kubernetes_validate(core, base)
        server, fake, manifests = start(base, rendered.files, core, ports, api_port, True)
        with stopping(server, fake.stop):
            deployment = Deployment(server, fake, api_port, ports, {"shop": leaf},
                                    {"main": main, "api": api}, pki.cafile, None, manifests)
            # The TLSOption `default` (CRD provider) and the routes (Gateway provider) load
            # independently: wait until both are in force (Go's defaults would accept P-521).
            assert settled(lambda: https_get(https, "shop.test", "/ready",
                                             cafile=pki.cafile).status == 200), server.logs(200)
            assert settled(lambda: negotiated_group(https, "shop.test", groups="secp521r1")
                           is None), server.logs(200)
            yield deployment


def test_routers_are_enabled(served: Deployment) -> None:
    routers = [r for r in traefik_routers(served.api_port)
               if r.get("provider") == "kubernetesgateway"]
    assert len(routers) >= 3  # both HTTPS hosts and the port-80 redirect
    assert all(r["status"] == "enabled" for r in routers), routers


@pytest.mark.parametrize("host", HOSTS)
def test_protocols_and_suites_are_the_configmaps(served: Deployment, host: str) -> None:
    port = served.ports["https"]
    assert accepted_protocols(port, host) == PROTOCOLS
    assert sorted(accepted_ciphers(port, host)) == sorted(CIPHERS)
    assert handshake(port, host, version="TLSv1.1") is None
    assert accepted_protocols(port, None) == []  # no SNI: refused (sniStrict), never Go's policy


@pytest.mark.parametrize("host", HOSTS)
def test_hsts_and_paths_route_as_the_ingress(served: Deployment, host: str) -> None:
    port = served.ports["https"]
    seen = {}
    for path in ("/", "/x", "/api", "/api/v1", "/apix"):
        resp = https_get(port, host, path, cafile=served.cafile)
        assert resp.status == 200
        assert resp.headers.get_all("strict-transport-security") == [HSTS]
        seen[path] = resp.json()["upstream"]
    # Ingress Prefix /api matches path segments, as Gateway API's PathPrefix: /apix is not /api.
    assert seen == {"/": "main", "/x": "main", "/api": "api", "/api/v1": "api", "/apix": "main"}


@pytest.mark.parametrize("host", HOSTS)
def test_port_80_redirects_with_the_reported_status(served: Deployment, host: str) -> None:
    resp = http_get(served.ports["http"], "/a?b=c", host=host)
    # force-ssl-redirect: "true"; ingress-nginx sent 308, the report says tlsconf sends 301.
    assert resp.status == 301
    assert resp.headers["location"] == f"https://{host}:{served.ports['https']}/a?b=c"
    report = loader("ingress-nginx")([str(INPUT)], Settings()).entries
    assert [e.detail for e in report if e.key == "http-redirect-code (default 308)"] == [
        "ingress-nginx redirected with 308; tlsconf's targets send 301"]


def test_verify_finds_the_imported_spec_in_force(served: Deployment,
                                                 tmp_path: Path) -> None:
    """`tlsconf verify` of the imported spec (the deployment's ports) against the migration
    Traefik serves: the handshake matrix, SNI, chain, ALPN, HSTS and redirect are the spec's.
    The two differences are Traefik's own, as in the nginx import round trip: Go keeps no
    session cache (no TLS 1.2 resumption by session ID, which ingress-nginx's default
    ssl-session-cache gave), and Traefik answers a malformed request itself, before the route's
    HSTS filter."""
    from typer.testing import CliRunner

    from tlsconf.cli import app

    imported = loader("ingress-nginx")([str(INPUT)], Settings())
    spec: dict[str, Any] = json.loads(json.dumps(imported.spec))
    leaf = served.leaves["shop"]
    for site in spec["sites"]:
        site["listen"] = {"https_port": served.ports["https"], "http_port": served.ports["http"]}
        # The Secret's files where the spec says they are mounted: verify compares the chain.
        site["tls"].update(certificate=str(leaf.cert_path), key=str(leaf.key_path))
    path = tmp_path / "imported.json.yaml"
    path.write_text(json.dumps(spec))
    result = CliRunner().invoke(app, ["verify", str(path), "--timeout",
                                      "2", "--endpoint", f"127.0.0.1:{served.ports['https']}"])
    found = sorted(line.split(": ")[1].split()[0] for line in result.stdout.splitlines()
                   if not line.startswith("note: "))
    assert (result.exit_code, found) == (1, ["TLS907", "TLS910"]), result.output
