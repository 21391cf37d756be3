"""What the Envoy and Caddy ingesters say about the real servers, checked against the binaries:
the baselines load, the weak inputs load too (so only the linter can flag them), and every
input lint refuses with "Envoy refuses the config" / "Caddy refuses" is refused by the real
validator as well; what Caddy's JSON loader silently ignores really loads."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.fixtures import require_binary
from typer.testing import CliRunner

from tests.lint.baselines import CADDY, ENVOY
from tlsconf.cli import app

if TYPE_CHECKING:
    from support.fixtures import TestPKI

pytestmark = pytest.mark.e2e
runner = CliRunner()


def lint(path: Path) -> int:
    return runner.invoke(app, ["lint", "--no-cert-checks", str(path)]).exit_code


def with_certs(text: str, pki: TestPKI) -> str:
    leaf = pki.issue("site", ["example.com"])
    return text.replace("/etc/ssl/site.pem", str(leaf.cert_path)).replace(
        "/etc/ssl/site.key", str(leaf.key_path))


def envoy_loads(path: Path) -> bool:
    proc = subprocess.run([require_binary("envoy"), "--mode", "validate", "-c", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode == 0


def caddy_loads(path: Path) -> bool:
    proc = subprocess.run([require_binary("caddy"), "validate", "--config", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode == 0


@pytest.mark.parametrize(("old", "new", "lint_code", "loads"), [
    ("", "", 0, True),  # the baseline
    ("tls_minimum_protocol_version: TLSv1_2", "tls_minimum_protocol_version: TLSv1_0", 1, True),
    ("- ECDHE-RSA-AES256-GCM-SHA384", "- ECDHE-RSA-AES128-SHA", 1, True),
    ("max-age=63072000; includeSubDomains", "max-age=300", 1, True),
    ("tls_minimum_protocol_version: TLSv1_2", "tls_minimum_protocol_version: TLSv1_9", 2, False),
    ("- ECDHE-RSA-AES256-GCM-SHA384", "- RC4-SHA", 2, False),
    ("P-384]", "X448]", 2, False),
    ("transport_sockets.tls.v3.DownstreamTlsContext",
     "transport_sockets.tls.v2.DownstreamTlsContext", 2, False),
])
def test_envoy_refuses_what_lint_refuses(old: str, new: str, lint_code: int, loads: bool,
                                         pki: TestPKI, tmp_path: Path) -> None:
    path = tmp_path / "envoy.yaml"
    path.write_text(with_certs(ENVOY.replace(old, new, 1) if old else ENVOY, pki), "utf-8")
    assert (lint(path), envoy_loads(path)) == (lint_code, loads)


@pytest.mark.parametrize(("old", "new", "lint_code", "loads"), [
    ("", "", 0, True),  # the baseline
    ('"protocol_min": "tls1.2"', '"protocol_min": "tls1.0"', 1, True),  # ignored: TLS106
    ('"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"', '"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"', 1, True),
    ('"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"', '"TLS_ECDHE_RSA_WITH_RC4_128_SHA"', 2, False),
    ('"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"', '"TLS_RSA_WITH_3DES_EDE_CBC_SHA"', 2, False),
    ('"secp384r1"]', '"x448"]', 2, True),  # loads, the curve silently dropped: lint refuses
])
def test_caddy_refuses_what_lint_refuses(old: str, new: str, lint_code: int, loads: bool,
                                         pki: TestPKI, tmp_path: Path) -> None:
    path = tmp_path / "caddy.json"
    text = with_certs(CADDY.replace(old, new, 1) if old else CADDY, pki)
    path.write_text(text.replace('"apps": {', '"admin": {"disabled": true},\n  "apps": {', 1),
                    "utf-8")
    assert (lint(path), caddy_loads(path)) == (lint_code, loads)
