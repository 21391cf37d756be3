"""Real public TLS snippets and configs (excerpts, tests/corpus/PROVENANCE.md): exact findings.

The nginx ones are include-me snippets with no server: before issue 13 they linted clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tlsconf.cli import app

CORPUS = Path(__file__).parent / "corpus"
runner = CliRunner()

EXPECTED = {
    "nginx/certbot-options-ssl-nginx-old.conf": [
        "5:1: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; Mozilla "
        "intermediate allows TLSv1.2 TLSv1.3)",
        "5:1: TLS103 [warning] TLSv1.3 is not enabled",
        "7:1: TLS207 [error] 64-bit block ciphers (3DES/IDEA, SWEET32) enabled: "
        "ECDHE-ECDSA-DES-CBC3-SHA, ECDHE-RSA-DES-CBC3-SHA, DHE-RSA-DES-CBC3-SHA, DES-CBC3-SHA",
        "7:1: TLS208 [warning] suites without forward secrecy (static RSA/DH key exchange) "
        "enabled: AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA256, AES256-SHA256 and 2 more",
        "7:1: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES128-SHA256, "
        "ECDHE-RSA-AES128-SHA256, ECDHE-ECDSA-AES128-SHA, ECDHE-RSA-AES256-SHA384 and 8 more",
        "7:1: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, "
        "DHE-RSA-AES256-GCM-SHA384",
    ],
    "nginx/certbot-options-ssl-nginx-tls12-only.conf": [
        "5:1: TLS103 [warning] TLSv1.3 is not enabled",
        "7:1: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, "
        "DHE-RSA-AES256-GCM-SHA384",
    ],
    "nginx/h5bp-policy_balanced.conf": [
        "2:1: TLS103 [warning] TLSv1.3 is not enabled",
        "3:1: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES256-SHA384, "
        "ECDHE-RSA-AES256-SHA384, ECDHE-ECDSA-AES128-SHA256, ECDHE-RSA-AES128-SHA256 and 4 more",
        "3:1: TLS211 [warning] suites not in the profile enabled: ECDHE-ECDSA-AES256-CCM8, "
        "ECDHE-ECDSA-AES256-CCM, ECDHE-ECDSA-AES128-CCM8, ECDHE-ECDSA-AES128-CCM",
        "4:1: TLS303 [warning] group(s) outside X25519/P-256/P-384: secp521r1",
    ],
    "haproxy/ssl-example.cfg": [
        "12:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at "
        "{path}:13:5)",
        "12:1: TLS507 [warning] plain HTTP is served without a redirect to https",
        "13:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver: HAProxy's default "
        "depends on its version (TLS 1.0 before 2.2)",
        "13:5: TLS215 [warning] cipher suites are not set: no ssl-default-bind-ciphers: "
        "OpenSSL's DEFAULT list (CBC and static-RSA suites)",
        "13:5: TLS704 [info] handshakes without SNI or with an unknown name are served with this "
        "site's certificate",
        "19:5: TLS701 [error] TLS to the upstream is not verified",
    ],
}


def test_every_fixture_has_expectations_and_provenance() -> None:
    files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in
                   (".conf", ".cfg"))
    assert files == sorted(EXPECTED)
    provenance = (CORPUS / "PROVENANCE.md").read_text("utf-8")
    assert all(f"`{name}`" in provenance for name in files)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_findings(name: str) -> None:
    path = str(CORPUS / name)
    result = runner.invoke(app, ["lint", "--no-cert-checks", "--fail-on", "info", path])
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [f"{path}:{line.format(path=path)}"
                                          for line in EXPECTED[name]]
