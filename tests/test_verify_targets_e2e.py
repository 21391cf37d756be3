"""`tlsconf verify --target haproxy|traefik|envoy|caddy` against the real servers serving
tlsconf's own output, the differential mode between nginx and Traefik rendered from one spec,
and deliberate drifts that must each show as exactly one finding.

One spec for every server: `inter` (intermediate, the default site, HTTP/2, port-80 redirect)
and `mtls` (client certificates required) on one listener, `modern` (TLS 1.3 only, HTTP/2 off)
and `explicit` (its own protocols and suites) on listeners of their own; one stub upstream
(tlsconf.servers). Each deployment is rendered by the target and
started once per module on 127.0.0.1 free ports (`tlsconf.servers.running`, as `validate
--live` starts them); a drift is a copy of the rendered files with one edit by hand.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.procs import unique_ports
from typer.testing import CliRunner

from tlsconf import policy, servers
from tlsconf.cli import app
from tlsconf.policy import SitePolicy
from tlsconf.specfile import parse_spec
from tlsconf.validate import find_binary, on_loopback, render_into

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e

SPEC = """\
defaults:
  listen: {{address: 127.0.0.1, https_port: {https}, http_port: {http}}}
  upstreams: [{{address: "{app}"}}]
sites:
  - name: inter
    domains: [inter.test]
    default_server: true
    tls: {{certificate: {inter}, key: {inter}.key}}
  - name: mtls
    domains: [mtls.test]
    tls:
      certificate: {mtls}
      key: {mtls}.key
      client_auth: {{ca: {cafile}, mode: required}}
  - name: modern
    domains: [modern.test]
    listen: {{address: 127.0.0.1, https_port: {https2}, http_port: {http}}}
    http2: false
    tls: {{profile: modern, certificate: {modern}, key: {modern}.key}}
  - name: explicit
    domains: [explicit.test]
    listen: {{address: 127.0.0.1, https_port: {https3}, http_port: {http}}}
    tls:
      protocols: [TLSv1.2, TLSv1.3]
      ciphers: [ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-CHACHA20-POLY1305]
      certificate: {explicit}
      key: {explicit}.key
"""
INTER, MTLS, MODERN = 5, 9, 15  # the line of each site's `- name:` in SPEC


class Deployed:
    """One started server: the spec file it was rendered from, and its ports."""

    def __init__(self, spec: Path, sites: tuple[SitePolicy, ...]) -> None:
        self.spec = spec
        self.https = sites[0].https_port  # inter and mtls
        self.https2 = sites[2].https_port  # modern
        self.http = sites[0].http_port  # inter and mtls: the redirect

    def notes(self) -> str:
        """What every clean run says on stderr: modern speaks no TLS 1.2."""
        return "".join(f"note: modern: {what} not compared: 127.0.0.1:{self.https2} does not "
                       "speak TLS 1.2\n" for what in ("resumption_ids", "resumption_tickets"))


class Fleet:
    """Starts each deployment once per module (a drift is its own deployment) and stops them
    all at the end."""

    def __init__(self, pki: TestPKI, base: Path, stack: contextlib.ExitStack) -> None:
        self.base, self.stack = base, stack
        self.started: dict[str, Deployed] = {}
        self.upstream = stack.enter_context(servers.stub_upstream())
        self.files: dict[str, Path] = {}
        for name in ("inter", "mtls", "modern", "explicit"):
            leaf = pki.issue(name, [f"{name}.test"])
            shutil.copy(leaf.key_path, f"{leaf.cert_path}.key")  # HAProxy < 3.0's key layout
            self.files[name] = leaf.cert_path
        client = pki.issue("client", ["client.test"], client=True)
        self.client = ["--client-cert", str(client.cert_path), "--client-key",
                       str(client.key_path)]
        self.cafile = pki.cafile
        https, https2, https3, http = unique_ports(4)
        self.spec = base / "site.yaml"
        self.spec.write_text(SPEC.format(https=https, https2=https2, https3=https3, http=http,
                                         app=self.upstream, cafile=self.cafile, **self.files))
        self.loaded = parse_spec(str(self.spec), self.spec.read_bytes())
        self.sites = policy.resolve(self.loaded)

    def __call__(self, target: str, drift: str = "",
                 edit: Callable[[Path], None] | None = None) -> Deployed:
        key = f"{target}-{drift}" if drift else target
        if key not in self.started:
            binary = find_binary(target)
            if binary is None:
                pytest.skip(f"{target} is not installed")
            # Every deployment of the one spec gets free ports of its own.
            sites, _ = on_loopback(self.sites, self.upstream)
            root = self.base / key
            root.mkdir()
            render_into(root, target, self.loaded, sites)
            if edit is not None:
                edit(root)
            spec = root / "site.yaml"
            spec.write_text(SPEC.format(https=sites[0].https_port, https2=sites[2].https_port,
                                        https3=sites[3].https_port, http=sites[0].http_port,
                                        app=self.upstream, cafile=self.cafile, **self.files))
            ports = sorted({p for s in sites for p in (s.https_port, s.http_port)})
            outcome = self.stack.enter_context(servers.running(target, binary, root, 30,
                                                               ports=ports))
            assert outcome.ok, outcome
            self.started[key] = Deployed(spec, sites)
        return self.started[key]

    def verify(self, deployed: Deployed, *args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, ["verify", str(deployed.spec), *self.client, *args])
        return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def fleet(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    with contextlib.ExitStack() as stack:
        yield Fleet(pki, tmp_path_factory.mktemp("verify-targets"), stack)


@pytest.mark.parametrize("target", ["haproxy", "traefik", "envoy", "caddy"])
def test_verify_passes_on_each_server_serving_tlsconf_output(fleet: Fleet, target: str) -> None:
    deployed = fleet(target)
    result = fleet.verify(deployed, "--target", target)
    assert result == (0, "", deployed.notes()), result[1]


def test_one_site_is_judged_with_its_listeners_default_server(fleet: Fleet) -> None:
    # mtls shares inter's listener: clients without SNI get inter's certificate there.
    deployed = fleet("haproxy")
    assert fleet.verify(deployed, "--target", "haproxy", "--site", "mtls") == (0, "", "")


def _without_pq_for_inter(root: Path) -> None:
    """Traefik's `tls.options.tlsconf_inter` with X25519MLKEM768 removed from its groups."""
    file = root / "traefik" / "dynamic" / "tlsconf.yml"
    document = servers.json_body(file)
    groups = document["tls"]["options"]["tlsconf_inter"]["curvePreferences"]
    assert groups == ["X25519MLKEM768", "X25519", "CurveP256", "CurveP384"]
    groups.remove("X25519MLKEM768")
    file.write_text(json.dumps(document))


def test_traefik_without_the_pq_group_is_one_finding(fleet: Fleet) -> None:
    deployed = fleet("traefik", "no-pq", _without_pq_for_inter)
    assert fleet.verify(deployed, "--target", "traefik") == (
        1,
        f"{deployed.spec}:{INTER}:5: TLS904 [error] 127.0.0.1:{deployed.https} (sni inter.test) "
        "refuses the group(s) X25519MLKEM768 offered alone; the spec allows X25519, "
        "X25519MLKEM768, prime256v1, secp384r1\n",
        deployed.notes())


def test_haproxy_with_optional_client_certificates_is_one_finding(fleet: Fleet) -> None:
    def optional(root: Path) -> None:
        [crt_list] = [f for f in (root / "haproxy").glob("crt-list-*.txt")
                      if "verify required" in f.read_text()]
        text = crt_list.read_text()
        assert text.count("verify required") == 1
        crt_list.write_text(text.replace("verify required", "verify optional"))

    deployed = fleet("haproxy", "optional", optional)
    assert fleet.verify(deployed, "--target", "haproxy") == (
        1,
        f"{deployed.spec}:{MTLS + 5}:20: TLS906 [error] 127.0.0.1:{deployed.https} (sni mtls.test) "
        "serves clients without a certificate (optional); the spec requires one\n",
        deployed.notes())


# -- differential: nginx vs Traefik, rendered from one spec --------------------------------------
DOCUMENTED = [
    ("TLS904", "accepts the group(s) X25519MLKEM768 offered alone; {nginx} accepts X25519, "
               "prime256v1, secp384r1 (documented: nginx gets no X25519MLKEM768 below OpenSSL "
               "3.5 (targets.nginx.openssl); Traefik takes the groups Go has, X25519MLKEM768 "
               "from Traefik 3.5)"),
    ("TLS907", "does not resume TLS 1.2 sessions by session ID; {nginx} does (documented: Go's "
               "crypto/tls (Traefik) has no session cache: TLS 1.2 resumes by ticket only)"),
    ("TLS907", "resumes TLS 1.2 sessions by session ticket; {nginx} does not (documented: nginx "
               "before 1.23.2 never rotates ticket keys: tickets stay off there unless "
               "`session_tickets: true`; Traefik keeps Go's session tickets on unless "
               "`session_tickets: false`)"),
    ("TLS910", "sends no Strict-Transport-Security on 4xx answers; {nginx} sends "
               "\"max-age=63072000; includeSubDomains\" (documented: Go's net/http answers an "
               "unparsable request (GET /%zz) with its own 400, before Traefik's headers "
               "middleware: no HSTS on it)"),
]


def _differential(fleet: Fleet, traefik: Deployed, *args: str) -> tuple[int, str, str]:
    nginx = fleet("nginx")
    return fleet.verify(traefik, "--site", "inter", "--site", "mtls",
                        "--endpoint", f"127.0.0.1:{traefik.https}", "--target", "traefik",
                        "--against", f"127.0.0.1:{nginx.https}", "--against-target", "nginx",
                        *args)


def test_nginx_and_traefik_differ_only_as_documented(fleet: Fleet) -> None:
    """The whole matrix, the redirect on both plain-HTTP ports too (each to its own TLS port:
    the same behaviour)."""
    traefik, nginx = fleet("traefik"), fleet("nginx")
    code, out, err = _differential(fleet, traefik, "--http-port", str(traefik.http),
                                   "--against-http-port", str(nginx.http))
    expected = "".join(
        f"{traefik.spec}:{line}:5: {rule} [info] 127.0.0.1:{traefik.https} (sni {site}.test) "
        f"{message.format(nginx=f'127.0.0.1:{nginx.https}')}\n"
        for site, line in (("inter", INTER), ("mtls", MTLS)) for rule, message in DOCUMENTED)
    assert (code, out.splitlines(), err) == (0, expected.splitlines(), "")


def test_the_differential_redirect_needs_the_other_http_port(fleet: Fleet) -> None:
    traefik = fleet("traefik")
    code, _, err = _differential(fleet, traefik)
    assert (code, err) == (0, "".join(
        f"note: {site}: redirect not compared: differential mode without --against-http-port "
        "(the plain-HTTP port of --against)\n" for site in ("inter", "mtls")))


def test_a_redirect_that_differs_is_one_finding_in_the_differential(fleet: Fleet) -> None:
    """Nothing listens on the other side's plain-HTTP port: Traefik redirects, it does not."""
    traefik = fleet("traefik")
    [closed] = unique_ports(1)
    code, out, _ = _differential(fleet, traefik, "--http-port", str(traefik.http),
                                 "--against-http-port", str(closed))
    findings = [line for line in out.splitlines() if " [info] " not in line]
    assert (code, findings) == (1, [
        f"{traefik.spec}:{line}:5: TLS909 [warning] 127.0.0.1:{traefik.http} (Host {site}.test) "
        f"answers GET /verify with 301 to https://{site}.test:<its TLS port>/verify; "
        f"127.0.0.1:{closed} gives no answer to GET /verify"
        for site, line in (("inter", INTER), ("mtls", MTLS))])
