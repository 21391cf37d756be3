"""HAProxy end to end: render a spec with the CLI, run the real HAProxy 2.6 on 127.0.0.1, and
check with real TLS clients (Python ssl, openssl s_client, sslyze) what it negotiates, routes
and proxies.

One HAProxy, three listeners:

- `shared` — four sites with different policies on one socket, chosen per SNI name through
  the crt-list: `inter` (intermediate, ECDSA, default site for clients without SNI, a
  one-label wildcard, per-path routing, WebSocket, ACME, health checks, extra headers),
  `modern` (TLS 1.3 only), `rsa` (intermediate, RSA key in a combined PEM) and `mtls`
  (intermediate, client certificates required).
- `strict` — `solo` with `solo.test` and `*.solo.test` and no default site (strict-sni).
- `http` — the plain-HTTP listener of every site: 301 to https with the port, ACME upstream.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.mozilla import check_result, load_profile, sslyze_scan
from support.pki import Leaf, haproxy_bundle
from support.procs import Server, free_port, haproxy_c, start_haproxy
from support.tlsprobe import (
    accepted_ciphers,
    accepted_protocols,
    accepted_tls13_suites,
    client_context,
    get_on_session,
    handshake,
    http_get,
    https_get,
    negotiated_group,
    resumes,
    websocket_echo,
)
from support.upstream import Upstream
from typer.testing import CliRunner

from tlsconf import profiles
from tlsconf.cli import app

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e

INTERMEDIATE = profiles.get("intermediate")
ECDSA_CIPHERS = [c for c in INTERMEDIATE.ciphers if "-ECDSA-" in c]
RSA_CIPHERS = [c for c in INTERMEDIATE.ciphers if "-RSA-" in c]
TLS13 = list(INTERMEDIATE.ciphersuites)
HSTS = "max-age=63072000; includeSubDomains"
NOTE = "tlsconf #1 \"quoted\" back\\slash 'single'"  # `#`, quotes and `\` reach the client intact


@dataclass
class Deployment:
    ports: dict[str, int]
    cafile: Path
    client: tuple[Path, Path]
    leaves: dict[str, Leaf]
    app: Upstream
    api: Upstream
    acme: Upstream
    server: Server
    cfg: Path
    warnings: str


def with_key_beside(leaf: Leaf) -> Leaf:
    """HAProxy < 3.0 finds the key in CERT.key: the deploy layout tlsconf documents."""
    shutil.copy(leaf.key_path, f"{leaf.cert_path}.key")
    return leaf


@pytest.fixture(scope="module")
def deployment(
    pki: TestPKI, haproxy_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("haproxy-e2e")
    leaves = {
        "inter": with_key_beside(pki.issue("inter", ["inter.test", "*.wild.test"])),
        "modern": with_key_beside(pki.issue("modern", ["modern.test"])),
        "rsa": pki.issue("rsa", ["rsa.test"], key_type="rsa"),
        "mtls": with_key_beside(pki.issue("mtls", ["mtls.test"])),
        "solo": with_key_beside(pki.issue("solo", ["solo.test", "*.solo.test"])),
    }
    # The RSA site deploys one PEM with certificate, chain and key; its spec still names the
    # separate key, which tlsconf warns about.
    rsa_bundle = haproxy_bundle(leaves["rsa"], tmp / "rsa-bundle.pem")
    client = pki.issue("client", [], client=True)
    ports = {name: free_port() for name in ("shared", "strict", "http", "dead")}
    with Upstream("app") as app_up, Upstream("api") as api_up, Upstream("acme") as acme_up:
        shared = f"{{address: 127.0.0.1, https_port: {ports['shared']}, " \
                 f"http_port: {ports['http']}}}"
        spec = tmp / "spec.yaml"
        spec.write_text(f"""\
defaults:
  listen: {shared}
  upstreams: [{{address: 127.0.0.1:{app_up.port}}}]
sites:
  - name: inter
    domains: [inter.test, "*.wild.test"]
    default_server: true
    tls: {{certificate: {leaves["inter"].cert_path}, key: {leaves["inter"].cert_path}.key}}
    websocket: true
    health_check: {{path: /healthz, interval: 1}}
    headers: {{X-Frame-Options: DENY, X-Note: {json.dumps(NOTE)}}}
    acme_upstream: 127.0.0.1:{acme_up.port}
    locations:
      - {{path: /api/, upstreams: [{{address: 127.0.0.1:{api_up.port}}}]}}
      - {{path: /down/, upstreams: [{{address: 127.0.0.1:{ports["dead"]}}}]}}
  - name: modern
    domains: [modern.test]
    tls:
      profile: modern
      certificate: {leaves["modern"].cert_path}
      key: {leaves["modern"].cert_path}.key
  - name: rsa
    domains: [rsa.test]
    tls: {{certificate: {rsa_bundle}, key: {leaves["rsa"].key_path}}}
  - name: mtls
    domains: [mtls.test]
    tls:
      certificate: {leaves["mtls"].cert_path}
      key: {leaves["mtls"].cert_path}.key
      client_auth: {{ca: {pki.cafile}, mode: required}}
  - name: solo
    domains: [solo.test, "*.solo.test"]
    listen: {{address: 127.0.0.1, https_port: {ports["strict"]}, http_port: {ports["http"]}}}
    tls: {{certificate: {leaves["solo"].cert_path}, key: {leaves["solo"].cert_path}.key}}
""")
        out = tmp / "out"
        result = CliRunner().invoke(
            app, ["render", str(spec), "--target", "haproxy", "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        cfg = out / "haproxy" / "haproxy.cfg"
        checked = haproxy_c(cfg)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        server = start_haproxy(cfg, tmp / "work", [ports["shared"], ports["strict"], ports["http"]])
        try:
            yield Deployment(
                ports, pki.cafile, (client.cert_path, client.key_path), leaves,
                app_up, api_up, acme_up, server, cfg, checked.stdout + checked.stderr
                + result.output,
            )
        finally:
            server.stop()


def test_rendered_config_is_accepted_without_warnings(deployment: Deployment) -> None:
    assert "[WARNING]" not in deployment.warnings and "[ALERT]" not in deployment.warnings
    # tlsconf itself did not warn about the RSA site's key: it is inside the site's PEM, where
    # HAProxy 2.6 finds it, although the spec names another key file.
    assert "takes no key path" not in deployment.warnings
    assert "warning: sites[" not in deployment.warnings
    assert deployment.server.alive


# -- TLS policy per SNI name ---------------------------------------------------------------
def test_legacy_protocols_refused_and_each_site_gets_its_profile(deployment: Deployment) -> None:
    shared, ca = deployment.ports["shared"], deployment.cafile
    assert accepted_protocols(shared, "inter.test", cafile=ca) == ["TLSv1.2", "TLSv1.3"]
    assert accepted_protocols(shared, "rsa.test", cafile=ca) == ["TLSv1.2", "TLSv1.3"]
    assert accepted_protocols(shared, "modern.test", cafile=ca) == ["TLSv1.3"]
    assert accepted_protocols(deployment.ports["strict"], "solo.test", cafile=ca) == [
        "TLSv1.2", "TLSv1.3"]
    # Clients without SNI get the default site's (intermediate) range from the bind line.
    assert accepted_protocols(shared, None) == ["TLSv1.2", "TLSv1.3"]


def test_exactly_the_profile_ciphers(deployment: Deployment) -> None:
    shared, ca = deployment.ports["shared"], deployment.cafile
    assert sorted(accepted_ciphers(shared, "inter.test", cafile=ca)) == sorted(ECDSA_CIPHERS)
    assert sorted(accepted_ciphers(shared, "rsa.test", cafile=ca)) == sorted(RSA_CIPHERS)
    assert accepted_ciphers(shared, "modern.test", cafile=ca) == []
    assert accepted_tls13_suites(shared, "inter.test") == TLS13
    assert accepted_tls13_suites(shared, "modern.test") == TLS13


def test_key_exchange_groups(deployment: Deployment) -> None:
    shared = deployment.ports["shared"]
    assert negotiated_group(shared, "inter.test") == "X25519"
    assert negotiated_group(shared, "modern.test") == "X25519"
    assert negotiated_group(shared, "inter.test", groups="secp384r1") == "secp384r1"
    assert negotiated_group(shared, "inter.test", groups="secp521r1") is None


def test_certificate_selection_default_and_strict_sni(deployment: Deployment) -> None:
    shared, strict, ca = deployment.ports["shared"], deployment.ports["strict"], deployment.cafile
    leaves = deployment.leaves
    for sni, leaf in [("inter.test", "inter"), ("x.wild.test", "inter"), ("modern.test", "modern"),
                      ("rsa.test", "rsa")]:
        result = handshake(shared, sni, cafile=ca)
        assert result is not None and result.peer_cert_der == leaves[leaf].der, sni
    for sni in (None, "unknown.test", "a.b.wild.test"):  # the default site
        result = handshake(shared, sni)
        assert result is not None and result.peer_cert_der == leaves["inter"].der, sni
    for sni in (None, "unknown.test", "a.b.solo.test"):  # no default site: refused
        assert handshake(strict, sni) is None, sni
    result = handshake(strict, "x.solo.test", cafile=ca)
    assert result is not None and result.peer_cert_der == leaves["solo"].der


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_sessions_resume(deployment: Deployment, version: str) -> None:
    ca = deployment.cafile
    assert resumes(deployment.ports["shared"], "inter.test", version, cafile=ca)
    assert resumes(deployment.ports["strict"], "solo.test", version, cafile=ca)


def test_modern_sessions_resume(deployment: Deployment) -> None:
    assert resumes(deployment.ports["shared"], "modern.test", "TLSv1.3", cafile=deployment.cafile)


def test_http2_is_offered(deployment: Deployment) -> None:
    result = handshake(deployment.ports["shared"], "inter.test", alpn=["h2", "http/1.1"])
    assert result is not None and result.alpn == "h2"


# -- HTTP ------------------------------------------------------------------------------------
def test_proxied_request_headers_and_response_headers(deployment: Deployment) -> None:
    deployment.app.clear()
    response = https_get(deployment.ports["shared"], "inter.test", "/hello?x=1",
                         cafile=deployment.cafile)
    assert response.status == 200, response
    assert response.headers.get_all("Strict-Transport-Security") == [HSTS]
    assert response.headers.get_all("X-Frame-Options") == ["DENY"]
    assert response.headers.get_all("X-Note") == [NOTE]
    seen = deployment.app.last
    assert seen.path == "/hello?x=1"
    assert seen.header("host") == "inter.test"
    assert seen.header("x-forwarded-for") == "127.0.0.1"
    assert seen.header("x-forwarded-proto") == "https"
    assert seen.header("x-real-ip") == "127.0.0.1"


def test_client_supplied_forwarding_headers_are_overwritten(deployment: Deployment) -> None:
    https_get(deployment.ports["shared"], "inter.test", "/", cafile=deployment.cafile,
              headers={"X-Forwarded-Proto": "http", "X-Real-IP": "10.6.6.6"})
    seen = deployment.app.last
    assert seen.header("x-forwarded-proto") == "https"
    assert seen.header("x-real-ip") == "127.0.0.1"


def test_hsts_is_sent_on_error_responses(deployment: Deployment) -> None:
    deployment.app.set_response("/missing", 404, b"nope", {})
    ca = deployment.cafile
    missing = https_get(deployment.ports["shared"], "inter.test", "/missing", cafile=ca)
    assert missing.status == 404 and missing.headers.get("Strict-Transport-Security") == HSTS
    down = https_get(deployment.ports["shared"], "inter.test", "/down/x", cafile=ca)
    assert down.status == 503 and down.headers.get("Strict-Transport-Security") == HSTS


def test_per_path_routing(deployment: Deployment) -> None:
    port, ca = deployment.ports["shared"], deployment.cafile
    assert https_get(port, "inter.test", "/api/v1", cafile=ca).status == 200
    assert deployment.api.last.path == "/api/v1"
    assert https_get(port, "inter.test", "/apix", cafile=ca).status == 200
    assert deployment.app.last.path == "/apix"
    # Another site on the same socket does not inherit inter's locations.
    deployment.api.clear()
    assert https_get(port, "modern.test", "/api/v1", cafile=ca).status == 200
    assert deployment.app.last.path == "/api/v1" and deployment.api.requests == []


def test_websocket(deployment: Deployment) -> None:
    echoed = websocket_echo(deployment.ports["shared"], "inter.test", "/ws", message=b"ping",
                            cafile=deployment.cafile)
    assert echoed == b"ping"


def test_requests_only_reach_the_site_the_connection_negotiated(deployment: Deployment) -> None:
    port, ca = deployment.ports["shared"], deployment.cafile
    assert https_get(port, "modern.test", "/", host="inter.test", cafile=ca).status == 421
    assert https_get(port, "inter.test", "/", host="modern.test", cafile=ca).status == 421
    assert https_get(port, "inter.test", "/", host="x.wild.test", cafile=ca).status == 200
    assert https_get(port, "inter.test", "/", host="INTER.test:443", cafile=ca).status == 200
    # Without SNI the default site answers its own and unknown names, not other sites' names.
    assert https_get(port, None, "/", host="inter.test").status == 200
    assert https_get(port, None, "/", host="unknown.test").status == 200
    assert https_get(port, None, "/", host="modern.test").status == 421


def test_port_80_redirects_with_the_https_port(deployment: Deployment) -> None:
    ports = deployment.ports
    for host, port in [("inter.test", ports["shared"]), (f"INTER.test:{ports['http']}",
                                                          ports["shared"]),
                       ("modern.test", ports["shared"]), ("unknown.test", ports["shared"]),
                       ("solo.test", ports["strict"]), ("x.solo.test", ports["strict"])]:
        response = http_get(ports["http"], "/a/b?c=d", host=host)
        assert response.status == 301, host
        name = host.split(":")[0].lower()
        assert response.headers["Location"] == f"https://{name}:{port}/a/b?c=d", host


def test_acme_challenges_reach_the_acme_upstream(deployment: Deployment) -> None:
    http = deployment.ports["http"]
    path = "/.well-known/acme-challenge/token-1"
    assert http_get(http, path, host="inter.test").status == 200
    assert deployment.acme.last.path == path and deployment.acme.last.header("host") == "inter.test"
    # A site without acme_upstream redirects the challenge path like any other.
    assert http_get(http, path, host="solo.test").status == 301


# -- mutual TLS ------------------------------------------------------------------------------
def test_client_certificates_are_enforced(deployment: Deployment) -> None:
    port, ca = deployment.ports["shared"], deployment.cafile
    before = len(deployment.app.requests)
    assert handshake(port, "mtls.test", version="TLSv1.2") is None
    assert handshake(port, "mtls.test", version="TLSv1.3", settle=0.5) is None
    assert len(deployment.app.requests) == before
    for version in ("TLSv1.2", "TLSv1.3"):
        response = https_get(port, "mtls.test", "/", cafile=ca, client_cert=deployment.client,
                             version=version)
        assert response.status == 200
    # Sites sharing the socket do not ask for a certificate.
    assert https_get(port, "inter.test", "/", cafile=ca).status == 200


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_a_session_from_another_site_does_not_skip_the_client_certificate(
    deployment: Deployment, version: str
) -> None:
    """HAProxy 2.6 resumes a session under any SNI name (its cache ignores the session id
    context): a session from `inter` is resumed at `mtls` without a client certificate. The
    rendered guard turns that request away with 421."""
    port = deployment.ports["shared"]
    ctx = client_context(version=version, check_hostname=False)
    status, session, _ = get_on_session(port, ctx, "inter.test")
    assert status == 200 and session is not None
    before = len(deployment.app.requests)
    status, _, reused = get_on_session(port, ctx, "mtls.test", session)
    assert reused, "HAProxy no longer resumes across sites: the guard may be unnecessary"
    assert status == 421
    assert len(deployment.app.requests) == before
    # Legitimate resumption with a client certificate still works.
    ctx = client_context(version=version, check_hostname=False, client_cert=deployment.client)
    status, session, _ = get_on_session(port, ctx, "mtls.test")
    assert status == 200
    status, _, reused = get_on_session(port, ctx, "mtls.test", session)
    assert status == 200 and reused


# -- Mozilla compliance ------------------------------------------------------------------------
@pytest.mark.parametrize(("sni", "profile"), [("inter.test", "intermediate"),
                                              ("modern.test", "modern")])
def test_sslyze_mozilla_compliance_57_and_60(
    deployment: Deployment, sni: str, profile: str
) -> None:
    result = sslyze_scan(deployment.ports["shared"], sni, deployment.cafile)
    for guideline in ("5.7", "6.0"):
        assert check_result(result, load_profile(profile, guideline)) == {}, guideline  # type: ignore[arg-type]


# -- what the design rests on ------------------------------------------------------------------
def test_http2_requests_follow_the_negotiated_site(deployment: Deployment) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    port = deployment.ports["shared"]

    def h2(sni: str, host: str) -> str:
        done = subprocess.run(
            [curl, "-s", "--http2", "--cacert", str(deployment.cafile), "-o", "/dev/null",
             "-w", "%{http_version} %{http_code}", "--max-time", "5",
             "--resolve", f"{sni}:{port}:127.0.0.1", "-H", f"Host: {host}",
             f"https://{sni}:{port}/h2"],
            capture_output=True, text=True, timeout=15, check=False)
        return done.stdout

    assert h2("inter.test", "inter.test") == "2 200"
    assert deployment.app.last.path == "/h2"
    # A browser reusing a connection for another origin gets 421 and retries on a new one.
    assert h2("modern.test", "inter.test") == "2 421"


def test_haproxy_ignores_curves_on_a_crt_list_line(
    pki: TestPKI, haproxy_bin: str, tmp_path: Path
) -> None:
    """Why tlsconf refuses different curves on one listener: HAProxy 2.6 accepts `curves` in a
    crt-list line but negotiates with the bind line's groups."""
    leaf = with_key_beside(pki.issue("curves", ["curves.test"]))
    (tmp_path / "list.txt").write_text(f"{leaf.cert_path} [curves secp384r1] curves.test\n")
    port = free_port()
    cfg = tmp_path / "h.cfg"
    cfg.write_text(
        "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n"
        "    timeout connect 5s\n"
        f"frontend f\n    bind 127.0.0.1:{port} ssl crt-list {tmp_path / 'list.txt'} "
        "curves X25519:prime256v1\n"
        "    http-request return status 200\n")
    with start_haproxy(cfg, tmp_path, [port]):
        assert negotiated_group(port, "curves.test") == "X25519"
        assert negotiated_group(port, "curves.test", groups="secp384r1") is None


def test_old_profile_negotiates_tls_1_0_through_1_3(
    pki: TestPKI, haproxy_bin: str, tmp_path: Path
) -> None:
    """Mozilla old on OpenSSL 3.0: TLS 1.0 and 1.1 only work with the `@SECLEVEL=0` tlsconf
    appends; sslyze finds the result compliant with old (5.8)."""
    leaf = with_key_beside(pki.issue("old", ["old.test"], key_type="rsa", signer="rsa"))
    port, http_port = free_port(), free_port()
    with Upstream("old") as upstream:
        spec = tmp_path / "old.yaml"
        spec.write_text(f"""\
sites:
  - name: old
    domains: [old.test]
    listen: {{address: 127.0.0.1, https_port: {port}, http_port: {http_port}}}
    tls: {{profile: old, certificate: {leaf.cert_path}, key: {leaf.cert_path}.key}}
    upstreams: [{{address: 127.0.0.1:{upstream.port}}}]
""")
        out = tmp_path / "out"
        result = CliRunner().invoke(
            app, ["render", str(spec), "--target", "haproxy", "-o", str(out), "--allow-weak"])
        assert result.exit_code == 0, result.output
        assert "@SECLEVEL=0" in (out / "haproxy" / "haproxy.cfg").read_text()
        with start_haproxy(out / "haproxy" / "haproxy.cfg", tmp_path / "work", [port]):
            assert accepted_protocols(port, "old.test") == [
                "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
            old = profiles.get("old")
            accepted = accepted_ciphers(port, "old.test", "TLSv1.2")
            assert set(accepted) <= set(old.ciphers)
            tls10 = accepted_ciphers(port, "old.test", "TLSv1")
            assert tls10 and set(tls10) <= set(old.ciphers)
            issues = check_result(sslyze_scan(port, "old.test", pki.cafile),
                                  load_profile("old", "5.8"))
            assert issues == {}


def test_escapers_round_trip_through_the_real_parser(haproxy_bin: str, tmp_path: Path) -> None:
    """Every value comes back byte for byte: as a log-format header value (`%`, `%[`, `${`)
    and as a plain argument (the body of `http-request return ... string`)."""
    import random

    from tlsconf.escape import haproxy, haproxy_log_format

    alphabet = ";{}#\"'\\`$%@[]:, aZ09-=*!~^&|<>?/()"
    rng = random.Random(20260406)
    values = ["a#b", "${HOME}", "$HOME", "%[src]", "%{+Q}o", "100%", '"', "\\", "\\\"", "'",
              "# not a comment", "x\\$y", "{ ssl_fc }", "a b  c"]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(40)]
    values = [v.strip() for v in values if v.strip()]
    port = free_port()
    rules = "".join(
        f"    http-after-response set-header X-V{i} {haproxy_log_format(v)}\n"
        for i, v in enumerate(values))
    plain = [v for v in values if "%" not in v]
    routes = "".join(
        f"    http-request return status 200 content-type text/plain string {haproxy(v)} "
        f"if {{ path /p{i} }}\n" for i, v in enumerate(plain))
    cfg = tmp_path / "h.cfg"
    cfg.write_text(
        "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n"
        "    timeout connect 5s\n"
        f"frontend f\n    bind 127.0.0.1:{port}\n{rules}{routes}"
        "    http-request return status 204\n")
    assert haproxy_c(cfg).returncode == 0
    with start_haproxy(cfg, tmp_path, [port]):
        response = http_get(port, "/")
        for i, value in enumerate(values):
            assert response.headers.get_all(f"X-V{i}") == [value], value
        for i, value in enumerate(plain):
            assert http_get(port, f"/p{i}").body.decode() == value, value
