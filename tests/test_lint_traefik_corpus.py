"""Excerpts of real public Traefik configurations (tests/corpus/traefik/PROVENANCE.md): the
exact findings, or the exact refusal, of each, as `tlsconf lint --fail-on info` prints them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tlsconf.cli import app

CORPUS = Path(__file__).parent / "corpus" / "traefik"
V1 = ("Traefik v1 format is not supported; migrate with traefik-migration-tool / see the v2+ "
      "docs (https://doc.traefik.io/traefik/migrate/v1-to-v2/)")
NOT_LINTED = "1 error(s): the input(s) above were not linted\n"

EXPECTED: dict[str, tuple[int, list[str], str]] = {
    "integration-tls-options.toml": (1, [
        "integration-tls-options.toml:10:1: TLS501 [warning] no Strict-Transport-Security header "
        "is sent",
        "integration-tls-options.toml:16:1: TLS501 [warning] no Strict-Transport-Security header "
        "is sent",
        "integration-tls-options.toml:19:3: TLS105 [warning] protocol versions are not set: "
        "tls.options.missing is not defined: Go's defaults (minimum TLS 1.2)",
        "integration-tls-options.toml:19:3: TLS215 [warning] cipher suites are not set: "
        "tls.options.missing is not defined: Go's defaults (CBC suites included)",
        "integration-tls-options.toml:27:3: TLS215 [warning] cipher suites are not set: "
        "tls.options.foo has no cipherSuites: Go's defaults include CBC suites",
        "integration-tls-options.toml:28:5: TLS102 [error] TLSv1.1 enabled (deprecated by RFC "
        "8996; Mozilla intermediate allows TLSv1.2 TLSv1.3)",
        "integration-tls-options.toml:30:3: TLS215 [warning] cipher suites are not set: "
        "tls.options.baz has no cipherSuites: Go's defaults include CBC suites",
        "integration-tls-options.toml:31:5: TLS102 [error] TLSv1.1 enabled (deprecated by RFC "
        "8996; Mozilla intermediate allows TLSv1.2 TLSv1.3)",
        "integration-tls-options.toml:33:3: TLS215 [warning] cipher suites are not set: "
        "tls.options.default has no cipherSuites: Go's defaults include CBC suites",
        "integration-tls-options.toml:33:3: TLS704 [info] handshakes without SNI or with an "
        "unknown name are served with this site's certificate",
    ], ""),
    "v1-mozilla.toml": (2, [], f"v1-mozilla.toml:8:5: entryPoints.https.tls: {V1}\n{NOT_LINTED}"),
    "adminguide-dynamic.yml": (0, [], ""),
    "kana-dynamic.toml": (1, [
        "kana-dynamic.toml:5:1: TLS215 [warning] cipher suites are not set: tls.options.default "
        "has no cipherSuites: Go's defaults include CBC suites",
    ], ""),
    "static-insecure-transport.yml": (1, [
        "static-insecure-transport.yml:9:3: TLS701 [error] TLS to the upstream is not verified",
    ], ""),
    "ansible-secure-headers.yml": (1, [
        "ansible-secure-headers.yml:12:21: TLS503 [warning] HSTS max-age=31536000 is below "
        "63072000",
    ], ""),
    # The default option pins TLS 1.1 (the router without `options` gets it); `bar` is TLS 1.3 only.
    "integration-wildcard-tls-options.toml": (1, [
        "integration-wildcard-tls-options.toml:12:3: TLS501 [warning] no "
        "Strict-Transport-Security header is sent",
        "integration-wildcard-tls-options.toml:17:3: TLS501 [warning] no "
        "Strict-Transport-Security header is sent",
        "integration-wildcard-tls-options.toml:23:1: TLS501 [warning] no "
        "Strict-Transport-Security header is sent",
        "integration-wildcard-tls-options.toml:39:3: TLS215 [warning] cipher suites are not "
        "set: tls.options.foo has no cipherSuites: Go's defaults include CBC suites",
        "integration-wildcard-tls-options.toml:40:5: TLS103 [warning] TLSv1.3 is not enabled",
        "integration-wildcard-tls-options.toml:45:3: TLS215 [warning] cipher suites are not "
        "set: tls.options.default has no cipherSuites: Go's defaults include CBC suites",
        "integration-wildcard-tls-options.toml:45:3: TLS704 [info] handshakes without SNI or "
        "with an unknown name are served with this site's certificate",
        "integration-wildcard-tls-options.toml:46:5: TLS102 [error] TLSv1.1 enabled (deprecated "
        "by RFC 8996; Mozilla intermediate allows TLSv1.2 TLSv1.3)",
        "integration-wildcard-tls-options.toml:46:5: TLS103 [warning] TLSv1.3 is not enabled",
    ], ""),
    # The static insecureSkipVerify next to a TLS router, in one file.
    "integration-websocket-https.toml": (1, [
        "integration-websocket-https.toml:5:3: TLS701 [error] TLS to the upstream is not "
        "verified",
        "integration-websocket-https.toml:15:3: TLS501 [warning] no Strict-Transport-Security "
        "header is sent",
        "integration-websocket-https.toml:18:5: TLS105 [warning] protocol versions are not set: "
        "tls.options.default is not defined: Go's defaults (minimum TLS 1.2)",
        "integration-websocket-https.toml:18:5: TLS215 [warning] cipher suites are not set: "
        "tls.options.default is not defined: Go's defaults (CBC suites included)",
        "integration-websocket-https.toml:18:5: TLS704 [info] handshakes without SNI or with an "
        "unknown name are served with this site's certificate",
    ], ""),
    # Lower-case `minversion` keys: TLS 1.1 in a used and an unused option.
    "integration-router-errors-lowercase.toml": (1, [
        "integration-router-errors-lowercase.toml:8:3: TLS501 [warning] no "
        "Strict-Transport-Security header is sent",
        "integration-router-errors-lowercase.toml:20:1: TLS105 [warning] protocol versions are "
        "not set: tls.options.default is not defined: Go's defaults (minimum TLS 1.2)",
        "integration-router-errors-lowercase.toml:20:1: TLS215 [warning] cipher suites are not "
        "set: tls.options.default is not defined: Go's defaults (CBC suites included)",
        "integration-router-errors-lowercase.toml:20:1: TLS704 [info] handshakes without SNI or "
        "with an unknown name are served with this site's certificate",
        "integration-router-errors-lowercase.toml:21:3: TLS215 [warning] cipher suites are not "
        "set: tls.options.foo has no cipherSuites: Go's defaults include CBC suites",
        "integration-router-errors-lowercase.toml:22:5: TLS102 [error] TLSv1.1 enabled "
        "(deprecated by RFC 8996; Mozilla intermediate allows TLSv1.2 TLSv1.3)",
        "integration-router-errors-lowercase.toml:23:3: TLS215 [warning] cipher suites are not "
        "set: tls.options.baz has no cipherSuites: Go's defaults include CBC suites",
        "integration-router-errors-lowercase.toml:24:5: TLS102 [error] TLSv1.1 enabled "
        "(deprecated by RFC 8996; Mozilla intermediate allows TLSv1.2 TLSv1.3)",
    ], ""),
    # A Kubernetes TLSOption with a static-RSA suite.
    "k8s-tlsoption-crd.yml": (1, [
        "k8s-tlsoption-crd.yml:3:1: TLS105 [warning] protocol versions are not set: TLSOption "
        "default is not in the input: Go's defaults (minimum TLS 1.2)",
        "k8s-tlsoption-crd.yml:3:1: TLS215 [warning] cipher suites are not set: TLSOption "
        "default is not in the input: Go's defaults (CBC suites included)",
        "k8s-tlsoption-crd.yml:3:1: TLS704 [info] handshakes without SNI or with an unknown "
        "name are served with this site's certificate",
        "k8s-tlsoption-crd.yml:13:7: TLS208 [warning] suites without forward secrecy (static "
        "RSA/DH key exchange) enabled: AES256-GCM-SHA384",
    ], ""),
}


def lint(name: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["lint", "--fail-on", "info", name])
    return result.exit_code, result.stdout.splitlines(), result.stderr


def test_every_fixture_has_provenance_and_an_expectation() -> None:
    fixtures = sorted(p.name for p in CORPUS.iterdir() if p.name != "PROVENANCE.md")
    provenance = (CORPUS / "PROVENANCE.md").read_text("utf-8")
    assert fixtures == sorted(EXPECTED)
    assert [f for f in fixtures if f"| `{f}` |" not in provenance] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_excerpt(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(CORPUS / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert lint(name) == EXPECTED[name]


def test_traefik_fixture_as_its_harness_ships_it_is_a_template(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (CORPUS / "integration-tls-options.toml").read_text("utf-8").replace(
        '"/etc/traefik/self.toml"', '"{{ .SelfFilename }}"')
    (tmp_path / "harness.toml").write_text(text, "utf-8")
    monkeypatch.chdir(tmp_path)
    assert lint("harness.toml") == (2, [], (
        "harness.toml:8:15: templated file: the Traefik file provider evaluates Go templates "
        "itself; tlsconf cannot judge a template — lint the evaluated file\n" + NOT_LINTED))
