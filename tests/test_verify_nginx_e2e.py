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
        yield Setup(tmp, spec, out / "nginx" / "conf.d", ports, (client.cert_path,
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

    code, out, err = served(setup, drifted(setup, "certificate", edit), "--site", "app")
    assert (code, err) == (1, "")
    prefix = (f"site.yaml:6:20: TLS908 [error] 127.0.0.1:{setup.ports[0]} (sni a.test, "
              "www.a.test) serves the chain sha256 ")
    assert out.startswith(prefix) and out.count("\n") == 1, out


def test_differential_reports_what_the_drifted_server_does_differently(setup: Setup) -> None:
    """The clean server on the spec's ports, a drifted copy (TLS 1.1 and tickets off) on two
    others: `--endpoint drifted --against clean` names both drifts, nothing else."""
    drift_https, drift_http = free_port(), free_port()
    tls11, tickets = DRIFTS["tls11-enabled"][0], DRIFTS["tickets-off"][0]

    def edit(text: str) -> str:
        text = tickets(tls11(text))
        return text.replace(f":{setup.ports[0]} ", f":{drift_https} ").replace(
            f":{setup.ports[1]};", f":{drift_http};")

    conf = drifted(setup, "differential", edit)
    ports = (drift_https, drift_http, *setup.ports[2:])
    vault_free = (free_port(), free_port())  # the copy's vault listener must move too
    for path in conf.glob("*.conf"):
        path.write_text(path.read_text().replace(f":{setup.ports[2]} ", f":{vault_free[0]} ")
                        .replace(f":{setup.ports[3]};", f":{vault_free[1]};"))
    clean = start_nginx(setup.conf, setup.tmp / "work-clean", setup.ports)
    try:
        other = start_nginx(conf, setup.tmp / "work-differential",
                            (*ports[:2], *vault_free))
        try:
            code, out, err = verify(setup, "--site", "app",
                                    "--endpoint", f"127.0.0.1:{drift_https}",
                                    "--against", f"127.0.0.1:{setup.ports[0]}")
        finally:
            other.stop()
    finally:
        clean.stop()
    here, there = f"127.0.0.1:{drift_https} (sni a.test)", f"127.0.0.1:{setup.ports[0]}"
    assert (code, out, err) == (1, (
        f"site.yaml:8:18: TLS901 [error] {here} accepts TLSv1.1; {there} accepts TLSv1.2, "
        "TLSv1.3\n"
        f"site.yaml:10:24: TLS907 [warning] {here} does not resume TLS 1.2 sessions by session "
        f"ticket; {there} does\n"),
        "note: app: redirect not compared: differential mode (the plain-HTTP port of --against "
        "is not known)\n")
