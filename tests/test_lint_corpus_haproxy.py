"""Real public HAProxy configs (excerpts, tests/corpus/PROVENANCE.md): the exact outcome of
`tlsconf lint --no-cert-checks --fail-on info` on each, linted alone (a copy in an empty
directory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lint.corpus import CORPUS, check, fixtures, missing_provenance

# name: (exit status, findings without the `name:` prefix, the refusal without it or None)
EXPECTED: dict[str, tuple[int, list[str], str | None]] = {
    # `bind *443` (HAProxy: missing port): refused since issue 13 (was judged).
    'devops-redirect-typos.cfg': (2, [], (
        "11:5: bind: address '*443' has no port; allowed: [address]:port (`:443`, `*:443`, "
        '`[::]:443`), unix@/path, /path, fd@N\n'
    )),
    # Mozilla intermediate, 1-year HSTS, 0-RTT on the QUIC bind inside `.if`.
    'haproxy-basic-config-edge.cfg': (1, [
        '4:5: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384',
        '16:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '18:5: TLS404 [warning] 0-RTT early data is enabled (replayable)',
        '18:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '20:5: TLS503 [warning] HSTS max-age=31536000 is below 63072000',
    ], None),
    # No TLS settings; `verify none` to the server.
    'haproxy-keylog-test.cfg': (1, [
        '12:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'haproxy-keylog-test.cfg:13:5)',
        "13:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver: HAProxy's "
        'default depends on its version (TLS 1.0 before 2.2)',
        '13:5: TLS215 [warning] cipher suites are not set: no ssl-default-bind-ciphers: '
        "OpenSSL's DEFAULT list (CBC and static-RSA suites)",
        '13:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '17:5: TLS701 [error] TLS to the upstream is not verified',
    ], None),
    # Curves set, nothing else; `verify none` to the server.
    'haproxy-regtest-ssl-curves.cfg': (1, [
        '17:5: TLS701 [error] TLS to the upstream is not verified',
        '19:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'haproxy-regtest-ssl-curves.cfg:20:5)',
        '19:1: TLS507 [warning] plain HTTP is served without a redirect to https',
        "20:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver: HAProxy's "
        'default depends on its version (TLS 1.0 before 2.2)',
        '20:5: TLS215 [warning] cipher suites are not set: no ssl-default-bind-ciphers: '
        "OpenSSL's DEFAULT list (CBC and static-RSA suites)",
        '20:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
    ], None),
    # One DHE suite, `ssl-max-ver TLSv1.2`.
    'haproxy-regtest-ssl-dh.cfg': (1, [
        '14:5: TLS701 [error] TLS to the upstream is not verified',
        '16:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'haproxy-regtest-ssl-dh.cfg:17:5)',
        '16:1: TLS507 [warning] plain HTTP is served without a redirect to https',
        '17:5: TLS103 [warning] TLSv1.3 is not enabled',
        '17:5: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES256-GCM-SHA384',
        '17:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
    ], None),
    # `no-sslv3` alone leaves TLS 1.0/1.1 to HAProxy's default: TLS105 since issue 13
    # (was silently TLS 1.2+); 3DES, CAMELLIA, DSS, static RSA.
    'hiveclass-haproxy-rendered.cfg': (1, [
        '6:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver, and '
        "ssl-default-bind-options has only no-sslv3: HAProxy's default depends on its version "
        '(TLS 1.0 before 2.2)',
        '7:5: TLS207 [error] 64-bit block ciphers (3DES/IDEA, SWEET32) enabled: DES-CBC3-SHA',
        '7:5: TLS208 [warning] suites without forward secrecy (static RSA/DH key exchange) '
        'enabled: AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA256, AES256-SHA256 and 18 '
        'more',
        '7:5: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA256, '
        'ECDHE-ECDSA-AES128-SHA256, ECDHE-RSA-AES128-SHA, ECDHE-ECDSA-AES128-SHA and 8 more',
        '7:5: TLS210 [warning] uncommon suites (CAMELLIA/SEED/ARIA/PSK/SRP/DSS) enabled: '
        'DHE-DSS-AES128-GCM-SHA256, DHE-DSS-AES256-GCM-SHA384, DHE-DSS-AES128-SHA256, '
        'DHE-DSS-AES256-SHA and 28 more',
        '7:5: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384, ECDHE-ECDSA-AES256-CCM8, ECDHE-ECDSA-AES256-CCM and 6 more',
        '17:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'hiveclass-haproxy-rendered.cfg:18:5)',
        '18:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
    ], None),
    # The Ansible template itself: refused.
    'hiveclass-haproxy.cfg.tpl': (2, [], (
        "14:12: templated config ('{{'): render it first\n"
    )),
    # TLS 1.3 only over TCP and QUIC; HSTS too short for its `preload`.
    'icebluey-tls13-quic.cfg': (1, [
        '14:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '15:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '18:5: TLS503 [warning] HSTS max-age=16000000 is below 63072000',
        '18:5: TLS504 [warning] HSTS preload needs max-age >= 31536000',
    ], None),
    # RC4-SHA and kRSA suites kept by the cipher string.
    'nanor-do-deploy.cfg': (1, [
        '7:5: TLS204 [error] RC4 suites enabled (prohibited by RFC 7465): RC4-SHA',
        '7:5: TLS208 [warning] suites without forward secrecy (static RSA/DH key exchange) '
        'enabled: AES128-GCM-SHA256, AES128-CCM8, AES128-CCM, AES128-SHA256 and 6 more',
        '7:5: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA256, '
        'ECDHE-RSA-AES128-SHA, ECDHE-RSA-AES256-SHA384, ECDHE-RSA-AES256-SHA',
        '16:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'nanor-do-deploy.cfg:18:5)',
        "18:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver: HAProxy's "
        'default depends on its version (TLS 1.0 before 2.2)',
        '18:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
    ], None),
    # HAProxy's examples/ssl.cfg: no TLS settings, no redirect.
    'ssl-example.cfg': (1, [
        '12:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'ssl-example.cfg:13:5)',
        '12:1: TLS507 [warning] plain HTTP is served without a redirect to https',
        "13:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver: HAProxy's "
        'default depends on its version (TLS 1.0 before 2.2)',
        '13:5: TLS215 [warning] cipher suites are not set: no ssl-default-bind-ciphers: '
        "OpenSSL's DEFAULT list (CBC and static-RSA suites)",
        '13:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '19:5: TLS701 [error] TLS to the upstream is not verified',
    ], None),
}


def test_every_fixture_has_an_expectation_and_provenance() -> None:
    assert fixtures("haproxy") == sorted(EXPECTED)
    assert missing_provenance("haproxy", CORPUS / "PROVENANCE.md") == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str, tmp_path: Path) -> None:
    check("haproxy", name, EXPECTED[name], tmp_path)
