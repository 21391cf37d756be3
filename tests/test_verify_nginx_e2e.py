"""`tlsconf verify` end to end on the real nginx serving `tlsconf render` output: clean (exit 0,
no output), then each drift an admin could make by hand in the rendered file is exactly one
finding, and the differential mode reports the drifted server's differences from a clean one.

One spec, rendered once: a site with two domains, explicit protocols and suites (one CBC suite
TLS 1.1 can use, so enabling TLS 1.1 is a protocol drift only, not a suite drift too) and
tickets on (so turning them off shows); and on its own listener a site that requires client
certificates (the HTTP checks present the test client certificate). Each drift is a copy of
the rendered files with one edit, started on the same ports after the previous server stopped,
and verified for the site it touches (`--site`). `--timeout 2`: sslyze waits that long for an
mTLS server to answer before it calls client certificates optional (the one wait here)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.procs import free_port, start_nginx
from support.upstream import Upstream
from typer.testing import CliRunner

from tlsconf.cli import app

pytestmark = pytest.mark.e2e
runner = CliRunner()


@dataclass
class Setup:
    tmp: Path
    spec: Path
    conf: Path  # the rendered nginx/conf.d
    cert: Path  # the site's certificate file (leaf + CA)
    ports: tuple[int, int, int, int]
    client: tuple[Path, Path]
    other: tuple[Path, Path]  # another certificate for the same names
    upstream: Upstream


SPEC = """\
sites:
  - name: app
    domains: [a.test, www.a.test]
    listen: {{address: 127.0.0.1, https_port: {https}, http_port: {http}}}
    tls:
      certificate: {cert}
      key: {key}
      protocols: [TLSv1.2, TLSv1.3]
      ciphers: [ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES128-SHA]
      session_tickets: true
    upstreams: [{{address: 127.0.0.1:{upstream}}}]
  - name: vault
    domains: [vault.test]
    listen: {{address: 127.0.0.1, https_port: {vault_https}, http_port: {vault_http}}}
    tls:
      certificate: {vault_cert}
      key: {vault_key}
      client_auth: {{ca: {ca}, mode: required}}
    upstreams: [{{address: 127.0.0.1:{upstream}}}]
"""


@pytest.fixture(scope="module")
def setup(pki, nginx_bin, tmp_path_factory) -> Iterator[Setup]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("verify-nginx")
    leaf = pki.issue("app", ["a.test", "www.a.test"])
    other = pki.issue("app-other", ["a.test", "www.a.test"])
    vault = pki.issue("vault", ["vault.test"])
    client = pki.issue("client", [], client=True)
    ports = (free_port(), free_port(), free_port(), free_port())
    with Upstream("app") as upstream:
        spec = tmp / "site.yaml"
        spec.write_text(SPEC.format(https=ports[0], http=ports[1], cert=leaf.cert_path,
                                    key=leaf.key_path, ca=pki.cafile, upstream=upstream.port,
                                    vault_https=ports[2], vault_http=ports[3],
                                    vault_cert=vault.cert_path, vault_key=vault.key_path))
        out = tmp / "out"
        rendered = runner.invoke(app, ["render", str(spec), "-t", "nginx", "-o", str(out),
                                       "--allow-weak"])
        assert rendered.exit_code == 0, rendered.output
        yield Setup(tmp, spec, out / "nginx" / "conf.d", leaf.cert_path, ports, (client.cert_path,
                    client.key_path), (other.cert_path, other.key_path), upstream)


def drifted(setup: Setup, name: str, edit: Callable[[str], str]) -> Path:
    """A copy of the rendered files with `edit` applied to each (it must change one). nginx
    negotiates the version with the listener's default server, so a protocol edit is made in
    the site's file and in the catch-all server of 00-tlsconf.conf, as an admin would have to."""
    conf = setup.tmp / f"conf-{name}"
    shutil.copytree(setup.conf, conf)
    changed = 0
    for path in sorted(conf.glob("*.conf")):
        text = path.read_text()
        if edit(text) != text:
            path.write_text(edit(text))
            changed += 1
    assert changed, f"drift {name} changed nothing"
    return conf


def verify(setup: Setup, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["verify", setup.spec.name, "-t", "nginx", "--timeout", "2",
                                 "--client-cert", str(setup.client[0]),
                                 "--client-key", str(setup.client[1]), *args])
    return result.exit_code, result.stdout, result.stderr


def served(setup: Setup, conf: Path, *args: str) -> tuple[int, str, str]:
    server = start_nginx(conf, setup.tmp / f"work-{conf.name}", setup.ports)
    try:
        return verify(setup, *args)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _here(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(setup.tmp)  # spec paths in messages as typed; no settings file upward


def test_the_rendered_config_verifies_clean(setup: Setup) -> None:
    assert served(setup, setup.conf) == (0, "", "")


APP = "127.0.0.1:{app} (sni a.test)"
VAULT = "127.0.0.1:{vault} (sni vault.test)"
# name → (the edit, the site verified, the one finding)
DRIFTS: dict[str, tuple[Callable[[str], str], str, str]] = {
    "suite-added": (
        lambda t: t.replace("ECDHE-ECDSA-AES128-SHA;",
                            "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA;"), "app",
        "site.yaml:9:16: TLS902 [error] {app} accepts the TLS <= 1.2 suite(s) "
        "ECDHE-ECDSA-AES256-SHA; the spec allows ECDHE-ECDSA-AES128-GCM-SHA256, "
        "ECDHE-ECDSA-AES128-SHA\n"),
    "tls11-enabled": (
        lambda t: t.replace("ssl_protocols TLSv1.2", "ssl_protocols TLSv1.1 TLSv1.2")
                   .replace("ECDHE-ECDSA-AES128-SHA;", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0;"),
        "app",
        "site.yaml:8:18: TLS901 [error] {app} accepts TLSv1.1; the spec allows TLSv1.2, "
        "TLSv1.3\n"),
    "hsts-removed": (
        lambda t: "".join(line for line in t.splitlines(keepends=True)
                          if "Strict-Transport-Security" not in line or "vault" in t), "app",
        "site.yaml:2:5: TLS910 [warning] {app} sends no Strict-Transport-Security on "
        "2xx and 4xx answers; the spec sends \"max-age=63072000; includeSubDomains\"\n"),
    "tickets-off": (
        lambda t: t.replace("ssl_session_tickets on;", "ssl_session_tickets off;"), "app",
        "site.yaml:10:24: TLS907 [warning] {app} does not resume TLS 1.2 sessions by "
        "session ticket; the spec does\n"),
    "mtls-optional": (
        lambda t: t.replace("ssl_verify_client on;", "ssl_verify_client optional;"), "vault",
        "site.yaml:18:20: TLS906 [error] {vault} serves clients without a certificate "
        "(optional); the spec requires one\n"),
}


@pytest.mark.parametrize("name", sorted(DRIFTS))
def test_each_drift_is_one_finding(setup: Setup, name: str) -> None:
    edit, site, expected = DRIFTS[name]
    labels = {"app": APP.format(app=setup.ports[0]), "vault": VAULT.format(vault=setup.ports[2])}
    assert served(setup, drifted(setup, name, edit), "--site", site) == (
        1, expected.format(**labels), "")


def test_another_certificate_is_one_finding(setup: Setup) -> None:
    cert, key = setup.other

    def edit(text: str) -> str:
        if "server_name a.test" not in text:
            return text
        lines = [f"    ssl_certificate {cert};" if line.startswith("    ssl_certificate ")
                 else f"    ssl_certificate_key {key};"
                 if line.startswith("    ssl_certificate_key ") else line
                 for line in text.splitlines()]
        return "\n".join(lines) + "\n"

    conf = drifted(setup, "certificate", edit)
    server = start_nginx(conf, setup.tmp / "work-certificate", setup.ports)
    try:
        code, out, err = verify(setup, "--site", "app")
        as_json = verify(setup, "--site", "app", "-f", "json")
    finally:
        server.stop()
    assert (code, err) == (1, "")
    spec_chain, served_chain = hashes(setup.cert), hashes(cert)
    assert spec_chain[1] == served_chain[1]  # the same CA; another leaf

    def short(chain: list[str]) -> str:
        return ", ".join(f"{h[:16]}…" for h in chain)

    assert out == (f"site.yaml:6:20: TLS908 [error] 127.0.0.1:{setup.ports[0]} (sni a.test, "
                   f"www.a.test) serves the chain sha256 {short(served_chain)}; the spec's "
                   f"certificate file holds {short(spec_chain)}\n")
    assert as_json[0] == 1
    (finding,) = json.loads(as_json[1])["findings"]
    assert (finding["rule"], finding["field"], finding["line"], finding["column"]) == (
        "TLS908", "sites[0].tls.certificate", 6, 20)
    assert finding["items"] == [*(f"spec:{h}" for h in spec_chain),
                                *(f"served:{h}" for h in served_chain)]


def hashes(pem: Path) -> list[str]:
    """SHA-256 of each certificate in a PEM file, in file order."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes as digests

    return [c.fingerprint(digests.SHA256()).hex()
            for c in x509.load_pem_x509_certificates(pem.read_bytes())]


def test_without_target_and_with_settings(setup: Setup) -> None:
    """Without --target the spec's policy as resolved: Mozilla intermediate's X25519MLKEM768,
    which nginx on OpenSSL 3.0 cannot offer, is one finding. The settings file applies as for
    lint: a severity override, and an ignore entry (reported on stderr, exit 0)."""
    settings = setup.tmp / "verify-settings.yaml"
    settings.write_text("fail_on: warning\nseverity: {TLS904: info}\n")
    ignoring = setup.tmp / "verify-ignore.yaml"
    ignoring.write_text("ignore:\n  - {rule: TLS904, path: site.yaml, reason: nginx 1.22}\n")
    server = start_nginx(setup.conf, setup.tmp / "work-no-target", setup.ports)
    try:
        runs = [runner.invoke(app, ["verify", "site.yaml", "--site", "app", *args])
                for args in ((), ("--config", str(settings)), ("--config", str(ignoring)))]
    finally:
        server.stop()
    finding = (f"site.yaml:2:5: TLS904 [{{}}] 127.0.0.1:{setup.ports[0]} (sni a.test) refuses "
               "the group(s) X25519MLKEM768 offered alone; the spec allows X25519, "
               "X25519MLKEM768, prime256v1, secp384r1")
    assert [(r.exit_code, r.stdout, r.stderr) for r in runs] == [
        (1, finding.format("error") + "\n", ""),
        (0, finding.format("info") + "\n", ""),
        (0, "", finding.format("error").replace(
            "[error]", f"[error] suppressed ({ignoring}: ignore[0]: nginx 1.22):") + "\n"),
    ]


def test_a_client_certificate_the_server_refuses_is_one_finding(setup: Setup) -> None:
    """The vault site's client CA replaced by another: client certificates are still required
    (no change there), but the one given is refused."""
    from support.pki import make_ca

    other_ca = make_ca(setup.tmp / "other-ca", "another client CA")

    def edit(text: str) -> str:
        return "\n".join(f"    ssl_client_certificate {other_ca.cert_path};"
                         if line.startswith("    ssl_client_certificate ") else line
                         for line in text.splitlines()) + "\n"

    code, out, err = served(setup, drifted(setup, "client-ca", edit), "--site", "vault")
    assert (code, out, err) == (1, (
        f"site.yaml:18:20: TLS906 [error] 127.0.0.1:{setup.ports[2]} (sni vault.test) refuses "
        "GET / with the --client-cert given; the spec's client_auth.ca should accept it\n"),
        f"note: vault: hsts (2xx) not compared: 127.0.0.1:{setup.ports[2]} gave no 2xx answer "
        "to GET / or /%zz or /.well-known/tlsconf-verify/not-found\n")
