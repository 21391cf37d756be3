"""The round trip ingress-nginx → tlsconf spec → Gateway API, served by real Traefik: the
`hardened` set (tests/data/ingress_nginx/hardened/input.yaml: a controller ConfigMap narrowing
protocols and suites and asking for HSTS preload, one Ingress with two hosts on one Secret, a
per-path backend behind a named Service port, force-ssl-redirect) is imported, rendered with
`--target gateway-api --impl traefik`, and served through the read-only fake Kubernetes API
(`support.k8s_deploy`). What Traefik negotiates and answers is what the ConfigMap and the
annotations asked for, exactly; what the loss report calls approximated (the 308 redirect
becomes 301) is measured too.

A second, smaller deployment imports client-certificate authentication (`auth-tls-secret`) on
TLS 1.3 only: Traefik refuses clients without a certificate the CA signed.

The only change to the imported spec is the deployment's: the listeners' ports (free high
ports on 127.0.0.1 instead of 443/80), which Traefik's entry points must match.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.k8s_deploy import Deployment, b64, kubernetes_validate, settled, start, tls_secret
from support.k8s_fake_api import FakeKubeAPI, core_objects
from support.procs import Server, stopping, traefik_routers, unique_ports
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


def imported_spec(text_or_path: Path, https: int, http: int) -> dict[str, Any]:
    """The import, with the deployment's ports (the only change to what it wrote)."""
    imported = loader("ingress-nginx")([str(text_or_path)], Settings())
    spec: dict[str, Any] = json.loads(json.dumps(imported.spec))
    for site in spec["sites"]:
        site["listen"] = {"https_port": https, "http_port": http}
    return spec


def deploy(base: Path, spec: dict[str, Any], secrets: dict[str, dict[str, str]],
           services: dict[str, Upstream], ports: dict[str, int], api_port: int,
           ) -> tuple[Server, FakeKubeAPI, list[dict[str, Any]]]:
    loaded = parse_spec("imported.yaml", json.dumps(spec).encode())
    rendered = gateway_api.render(loaded, policy.resolve(loaded), impl="traefik")
    service_ports = {s["name"]: (s["port"], services[s["name"]].port)
                     for s in spec["kubernetes"]["services"].values()}
    core = core_objects(spec["kubernetes"]["namespace"], service_ports, secrets, {})
    kubernetes_validate(core, base)
    return start(base, rendered.files, core, ports, api_port, True)


def in_force(server: Server, port: int, host: str, cafile: Path) -> None:
    """The TLSOption `default` (CRD provider) and the routes (Gateway provider) load
    independently: wait until both are in force (Go's defaults would accept P-521)."""
    assert settled(lambda: https_get(port, host, "/ready", cafile=cafile).status == 200), \
        server.logs(200)
    assert settled(lambda: negotiated_group(port, host, groups="secp521r1") is None), \
        server.logs(200)


@pytest.fixture(scope="module")
def served(pki: TestPKI, traefik_bin: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("import-ingress")
    https, http, api_port = unique_ports(3)
    spec = imported_spec(INPUT, https, http)
    leaf = pki.issue("ingress-shop", list(HOSTS))
    ports = {"https": https, "http": http}
    with Upstream("main") as main, Upstream("api") as api:
        server, fake, manifests = deploy(base, spec, {"shop-tls": tls_secret(leaf)},
                                         {"main": main, "api": api}, ports, api_port)
        with stopping(server, fake.stop):
            in_force(server, https, "shop.test", pki.cafile)
            yield Deployment(server, fake, api_port, ports, {"shop": leaf},
                             {"main": main, "api": api}, pki.cafile, None, manifests)


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


# Client certificates (annotations.md "Client Certificate Authentication": auth-tls-secret
# `namespace/secretName` holding ca.crt; auth-tls-verify-client "on" is the default) on TLS 1.3
# only (configmap.md ssl-protocols).
MTLS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
data:
  ssl-protocols: "TLSv1.3"
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  namespace: web
  annotations:
    nginx.ingress.kubernetes.io/auth-tls-secret: web/clients
spec:
  ingressClassName: nginx
  tls:
    - {hosts: [api.test], secretName: api-tls}
  rules:
    - host: api.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: main, port: {number: 80}}}}
"""


@pytest.fixture(scope="module")
def mtls(pki: TestPKI, traefik_bin: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("import-ingress-mtls")
    source = base / "input.yaml"
    source.write_text(MTLS)
    https, http, api_port = unique_ports(3)
    spec = imported_spec(source, https, http)
    leaf = pki.issue("ingress-api", ["api.test"])
    client = pki.issue("ingress-client", ["client.test"], client=True)
    ports = {"https": https, "http": http}
    secrets = {"api-tls": tls_secret(leaf), "clients": {"ca.crt": b64(pki.cafile)}}
    with Upstream("main") as main:
        server, fake, manifests = deploy(base, spec, secrets, {"main": main}, ports, api_port)
        with stopping(server, fake.stop):
            pair = (client.cert_path, client.key_path)
            # Served with a certificate, then refused without one: until the TLSOption
            # `default` is applied, Traefik's own defaults serve (no client certificates).
            assert settled(lambda: https_get(https, "api.test", "/ready", cafile=pki.cafile,
                                             client_cert=pair).status == 200), server.logs(200)
            assert settled(lambda: _refused(https, pki.cafile)), server.logs(200)
            yield Deployment(server, fake, api_port, ports, {"api": leaf}, {"main": main},
                             pki.cafile, pair, manifests)


def _refused(port: int, cafile: Path) -> bool:
    try:
        https_get(port, "api.test", "/m", cafile=cafile)
    except (OSError, ConnectionError):
        return True
    return False


def test_client_certificates_are_required_on_tls13_only(mtls: Deployment) -> None:
    port = mtls.ports["https"]
    assert mtls.client is not None
    assert _refused(port, mtls.cafile)
    assert https_get(port, "api.test", "/m", cafile=mtls.cafile,
                     client_cert=mtls.client).status == 200
    assert accepted_protocols(port, "api.test", client_cert=mtls.client) == ["TLSv1.3"]
