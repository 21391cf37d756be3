"""Real public nginx configs (excerpts, tests/corpus/PROVENANCE.md): the exact outcome of
`tlsconf lint --no-cert-checks --fail-on info` on each, linted alone (a copy in an empty
directory). bench/corpus_vs_gixy.py reads EXPECTED and NOT_FLAGGED for docs/corpus.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lint.corpus import CORPUS, check, fixtures, missing_provenance

# name: (exit status, findings without the `name:` prefix, the refusal without it or None)
EXPECTED: dict[str, tuple[int, list[str], str | None]] = {
    # certbot's pre-2019 snippet: TLS 1.0/1.1, 3DES, static RSA, CBC.
    'certbot-options-ssl-nginx-old.conf': (1, [
        '5:1: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; Mozilla '
        'intermediate allows TLSv1.2 TLSv1.3)',
        '5:1: TLS103 [warning] TLSv1.3 is not enabled',
        '7:1: TLS207 [error] 64-bit block ciphers (3DES/IDEA, SWEET32) enabled: '
        'ECDHE-ECDSA-DES-CBC3-SHA, ECDHE-RSA-DES-CBC3-SHA, DHE-RSA-DES-CBC3-SHA, DES-CBC3-SHA',
        '7:1: TLS208 [warning] suites without forward secrecy (static RSA/DH key exchange) '
        'enabled: AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA256, AES256-SHA256 and 2 more',
        '7:1: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES128-SHA256, '
        'ECDHE-RSA-AES128-SHA256, ECDHE-ECDSA-AES128-SHA, ECDHE-RSA-AES256-SHA384 and 8 more',
        '7:1: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384',
    ], None),
    # TLS 1.2 only, DHE suites.
    'certbot-options-ssl-nginx-tls12-only.conf': (1, [
        '5:1: TLS103 [warning] TLSv1.3 is not enabled',
        '7:1: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384',
    ], None),
    # Tickets on with nginx's own keys (rotated only on restart): TLS405 needs an
    # ssl_session_ticket_key to judge, so only the DHE suites are reported (NOT_FLAGGED).
    'certbot-options-ssl-nginx-tls13-session-tix-on.conf': (1, [
        '7:1: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384',
    ], None),
    # certbot's current snippet: only the DHE suites are outside the profile.
    'certbot-options-ssl-nginx.conf': (1, [
        '7:1: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384',
    ], None),
    # The www server redirects both ports to https (counted since issue 13); 150-day HSTS
    # without `always`, dropped by a nested add_header.
    'certbot-rt-chive-secure.conf': (1, [
        '9:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "9:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '9:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'certbot-rt-chive-secure.conf:12:5)',
        '10:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '19:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "19:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '25:5: TLS503 [warning] HSTS max-age=12960000 is below 63072000',
        '25:5: TLS505 [warning] add_header Strict-Transport-Security lacks `always` (missing on '
        'errors)',
        '34:9: TLS506 [warning] this add_header block drops the inherited '
        'Strict-Transport-Security header',
    ], None),
    # The same server with the `;` restored: TLS 1.0/1.1, DSS, CBC, 1-year HSTS.
    'certbot-rt-guide-ssl-hsts-fixed.conf': (1, [
        '12:9: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '14:9: TLS503 [warning] HSTS max-age=31536000 is below 63072000',
        '14:9: TLS505 [warning] add_header Strict-Transport-Security lacks `always` (missing on '
        'errors)',
        '17:9: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; Mozilla '
        'intermediate allows TLSv1.2 TLSv1.3)',
        '17:9: TLS103 [warning] TLSv1.3 is not enabled',
        '19:9: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA256, '
        'ECDHE-ECDSA-AES128-SHA256, ECDHE-RSA-AES128-SHA, ECDHE-ECDSA-AES128-SHA and 8 more',
        '19:9: TLS210 [warning] uncommon suites (CAMELLIA/SEED/ARIA/PSK/SRP/DSS) enabled: '
        'DHE-DSS-AES128-GCM-SHA256, DHE-DSS-AES256-GCM-SHA384, DHE-DSS-AES128-SHA256, '
        'DHE-DSS-AES256-SHA',
        '19:9: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384',
    ], None),
    # Upstream as it is: the missing `;` makes the next ssl_ciphers an argument.
    'certbot-rt-guide-ssl-hsts.conf': (2, [], (
        '19:9: ssl_ciphers: `ssl_ciphers` is an argument of `ssl_ciphers`: a missing `;` '
        'swallowed the next line(s)\n'
    )),
    # SSLv3 + TLSv1 and `ALL:...:+LOW:+SSLv3:+EXP`: everything weak at once.
    'certbot-rt-iredmail-iredadmin.conf': (1, [
        '2:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'certbot-rt-iredmail-iredadmin.conf:3:5)',
        '3:5: TLS704 [info] handshakes without SNI or with an unknown name are served with this '
        "site's certificate",
        '7:5: TLS101 [error] SSLv3 enabled (broken: POODLE, DROWN)',
        '7:5: TLS102 [error] TLSv1 enabled (deprecated by RFC 8996; Mozilla intermediate allows '
        'TLSv1.2 TLSv1.3)',
        '7:5: TLS103 [warning] TLSv1.3 is not enabled',
        '8:5: TLS202 [error] anonymous (unauthenticated) suites enabled: AECDH-AES256-SHA, '
        'AECDH-AES128-SHA, AECDH-RC4-SHA, AECDH-DES-CBC3-SHA',
        '8:5: TLS203 [error] EXPORT (40/56-bit) suites enabled: EXP-EDH-RSA-DES-CBC-SHA, '
        'EXP-EDH-DSS-DES-CBC-SHA, EXP-KRB5-RC2-CBC-SHA, EXP-KRB5-DES-CBC-SHA and 7 more',
        '8:5: TLS204 [error] RC4 suites enabled (prohibited by RFC 7465): ECDHE-ECDSA-RC4-SHA, '
        'ECDHE-RSA-RC4-SHA, AECDH-RC4-SHA, ECDHE-PSK-RC4-SHA and 12 more',
        '8:5: TLS205 [error] single-DES/RC2/LOW suites enabled: EDH-RSA-DES-CBC-SHA, '
        'EDH-DSS-DES-CBC-SHA, KRB5-DES-CBC-SHA, DH-RSA-DES-CBC-SHA and 14 more',
        '8:5: TLS206 [error] suites with an MD5 MAC enabled: KRB5-IDEA-CBC-MD5, KRB5-RC4-MD5, '
        'RC4-MD5, KRB5-DES-CBC3-MD5 and 6 more',
        '8:5: TLS207 [error] 64-bit block ciphers (3DES/IDEA, SWEET32) enabled: '
        'ECDHE-ECDSA-DES-CBC3-SHA, ECDHE-RSA-DES-CBC3-SHA, ECDHE-PSK-3DES-EDE-CBC-SHA, '
        'ECDH-RSA-DES-CBC3-SHA and 15 more',
        '8:5: TLS208 [warning] suites without forward secrecy (static RSA/DH key exchange) '
        'enabled: ECDH-RSA-AES256-GCM-SHA384, ECDH-ECDSA-AES256-GCM-SHA384, '
        'DH-DSS-AES256-GCM-SHA384, DH-RSA-AES256-GCM-SHA384 and 30 more',
        '8:5: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES256-SHA384, '
        'ECDHE-RSA-AES256-SHA384, DHE-RSA-AES256-SHA256, ECDHE-ECDSA-AES128-SHA256 and 8 more',
        '8:5: TLS210 [warning] uncommon suites (CAMELLIA/SEED/ARIA/PSK/SRP/DSS) enabled: '
        'DHE-DSS-AES256-GCM-SHA384, ECDHE-ECDSA-ARIA256-GCM-SHA384, ECDHE-ARIA256-GCM-SHA384, '
        'DHE-DSS-ARIA256-GCM-SHA384 and 96 more',
        '8:5: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES256-GCM-SHA384, '
        'DHE-RSA-CHACHA20-POLY1305, ECDHE-ECDSA-AES256-CCM8, ECDHE-ECDSA-AES256-CCM and 7 more',
        '8:5: TLS213 [warning] cipher string uses the build-dependent selector(s) ALL, HIGH, '
        'MEDIUM',
    ], None),
    # SSLv2/SSLv3 via `ssl on;`, the same catch-all cipher string.
    'certbot-rt-iredmail-nginx.conf': (1, [
        '9:1: TLS501 [warning] no Strict-Transport-Security header is sent',
        '10:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
        '20:5: TLS101 [error] SSLv2 and SSLv3 enabled (broken: POODLE, DROWN)',
        '20:5: TLS102 [error] TLSv1 enabled (deprecated by RFC 8996; Mozilla intermediate '
        'allows TLSv1.2 TLSv1.3)',
        '20:5: TLS103 [warning] TLSv1.3 is not enabled',
        '21:5: TLS202 [error] anonymous (unauthenticated) suites enabled: AECDH-AES256-SHA, '
        'AECDH-AES128-SHA, AECDH-RC4-SHA, AECDH-DES-CBC3-SHA',
        '21:5: TLS203 [error] EXPORT (40/56-bit) suites enabled: EXP-EDH-RSA-DES-CBC-SHA, '
        'EXP-EDH-DSS-DES-CBC-SHA, EXP-KRB5-RC2-CBC-SHA, EXP-KRB5-DES-CBC-SHA and 7 more',
        '21:5: TLS204 [error] RC4 suites enabled (prohibited by RFC 7465): ECDHE-ECDSA-RC4-SHA, '
        'ECDHE-RSA-RC4-SHA, AECDH-RC4-SHA, ECDHE-PSK-RC4-SHA and 12 more',
        '21:5: TLS205 [error] single-DES/RC2/LOW suites enabled: EDH-RSA-DES-CBC-SHA, '
        'EDH-DSS-DES-CBC-SHA, KRB5-DES-CBC-SHA, DH-RSA-DES-CBC-SHA and 14 more',
        '21:5: TLS206 [error] suites with an MD5 MAC enabled: KRB5-IDEA-CBC-MD5, KRB5-RC4-MD5, '
        'RC4-MD5, KRB5-DES-CBC3-MD5 and 6 more',
        '21:5: TLS207 [error] 64-bit block ciphers (3DES/IDEA, SWEET32) enabled: '
        'ECDHE-ECDSA-DES-CBC3-SHA, ECDHE-RSA-DES-CBC3-SHA, DHE-RSA-DES-CBC3-SHA, '
        'DHE-DSS-DES-CBC3-SHA and 15 more',
        '21:5: TLS208 [warning] suites without forward secrecy (static RSA/DH key exchange) '
        'enabled: ECDH-RSA-AES256-GCM-SHA384, ECDH-ECDSA-AES256-GCM-SHA384, '
        'DH-DSS-AES256-GCM-SHA384, DH-RSA-AES256-GCM-SHA384 and 30 more',
        '21:5: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES256-SHA384, '
        'ECDHE-RSA-AES256-SHA384, DHE-RSA-AES256-SHA256, ECDHE-ECDSA-AES128-SHA256 and 8 more',
        '21:5: TLS210 [warning] uncommon suites (CAMELLIA/SEED/ARIA/PSK/SRP/DSS) enabled: '
        'DHE-DSS-AES256-GCM-SHA384, ECDHE-ECDSA-ARIA256-GCM-SHA384, ECDHE-ARIA256-GCM-SHA384, '
        'DHE-DSS-ARIA256-GCM-SHA384 and 96 more',
        '21:5: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES256-GCM-SHA384, '
        'DHE-RSA-CHACHA20-POLY1305, ECDHE-ECDSA-AES256-CCM8, ECDHE-ECDSA-AES256-CCM and 7 more',
        '21:5: TLS213 [warning] cipher string uses the build-dependent selector(s) ALL, HIGH, '
        'MEDIUM',
    ], None),
    # `ssl on;` on 443 and 8445, nothing else set.
    'certbot-rt-site-23325.conf': (1, [
        '3:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "3:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '3:1: TLS501 [warning] no Strict-Transport-Security header is sent',
        '4:5: TLS704 [info] handshakes without SNI or with an unknown name are served with this '
        "site's certificate",
        '19:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "19:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '19:1: TLS501 [warning] no Strict-Transport-Security header is sent',
        '20:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
    ], None),
    # The application is proxied on port 80 too (no redirect).
    'certbot-rt-site-24193.conf': (1, [
        '6:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "6:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '6:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'certbot-rt-site-24193.conf:7:5)',
        '7:5: TLS704 [info] handshakes without SNI or with an unknown name are served with this '
        "site's certificate",
        '15:1: TLS507 [warning] plain HTTP is served without a redirect to https',
    ], None),
    # Both ports in one server; the www server redirects to http://.
    'certbot-rt-site-3874.conf': (1, [
        '5:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "5:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '5:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'certbot-rt-site-3874.conf:7:5)',
        '5:1: TLS507 [warning] plain HTTP is served without a redirect to https',
        '6:5: TLS704 [info] handshakes without SNI or with an unknown name are served with this '
        "site's certificate",
        '17:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "17:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '17:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'certbot-rt-site-3874.conf:19:5)',
        '17:1: TLS507 [warning] plain HTTP is served without a redirect to https',
    ], None),
    # Port 80 serves the application; `ssl on;` on 443.
    'certbot-rt-symfony-old.conf': (1, [
        '5:1: TLS507 [warning] plain HTTP is served without a redirect to https',
        '14:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "14:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '14:1: TLS501 [warning] no Strict-Transport-Security header is sent',
        '15:5: TLS704 [info] handshakes without SNI or with an unknown name are served with '
        "this site's certificate",
    ], None),
    # Its TLS settings live in /config/nginx/ssl.conf, absent: refused, not judged.
    'docker-swag-default.conf': (2, [], (
        "14:5: include: '/config/nginx/ssl.conf': no such file or directory: nginx refuses a "
        'plain include it cannot read (only a glob may match nothing); lint the config where '
        'its includes are\n'
    )),
    # Stapling with a resolver: clean.
    'h5bp-ocsp_stapling.conf': (0, [], None),
    # TLS 1.2 only, CBC and CCM suites, secp521r1.
    'h5bp-policy_balanced.conf': (1, [
        '2:1: TLS103 [warning] TLSv1.3 is not enabled',
        '3:1: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES256-SHA384, '
        'ECDHE-RSA-AES256-SHA384, ECDHE-ECDSA-AES128-SHA256, ECDHE-RSA-AES128-SHA256 and 4 more',
        '3:1: TLS211 [warning] suites not in the profile enabled: ECDHE-ECDSA-AES256-CCM8, '
        'ECDHE-ECDSA-AES256-CCM, ECDHE-ECDSA-AES128-CCM8, ECDHE-ECDSA-AES128-CCM',
        '4:1: TLS303 [warning] group(s) outside X25519/P-256/P-384: secp521r1',
    ], None),
    # TLS 1.2+1.3, but `EECDH+AES` still selects CBC and CCM suites.
    'h5bp-policy_strict.conf': (1, [
        '3:1: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES256-SHA384, '
        'ECDHE-RSA-AES256-SHA384, ECDHE-ECDSA-AES128-SHA256, ECDHE-RSA-AES128-SHA256 and 4 more',
        '3:1: TLS211 [warning] suites not in the profile enabled: ECDHE-ECDSA-AES256-CCM8, '
        'ECDHE-ECDSA-AES256-CCM, ECDHE-ECDSA-AES128-CCM8, ECDHE-ECDSA-AES128-CCM',
    ], None),
    # A whole vhost with h5bp's includes in place.
    'h5bp-secure-vhost-inlined.conf': (1, [
        '4:1: TLS501 [warning] no Strict-Transport-Security header is sent (listener at '
        'h5bp-secure-vhost-inlined.conf:5:3)',
        '5:3: TLS704 [info] handshakes without SNI or with an unknown name are served with this '
        "site's certificate",
        '13:3: TLS103 [warning] TLSv1.3 is not enabled',
        '14:3: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES256-SHA384, '
        'ECDHE-RSA-AES256-SHA384, ECDHE-ECDSA-AES128-SHA256, ECDHE-RSA-AES128-SHA256 and 4 more',
        '14:3: TLS211 [warning] suites not in the profile enabled: ECDHE-ECDSA-AES256-CCM8, '
        'ECDHE-ECDSA-AES256-CCM, ECDHE-ECDSA-AES128-CCM8, ECDHE-ECDSA-AES128-CCM',
        '15:3: TLS303 [warning] group(s) outside X25519/P-256/P-384: secp521r1',
        '27:3: TLS103 [warning] TLSv1.3 is not enabled',
        '28:3: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES256-SHA384, '
        'ECDHE-RSA-AES256-SHA384, ECDHE-ECDSA-AES128-SHA256, ECDHE-RSA-AES128-SHA256 and 4 more',
        '28:3: TLS211 [warning] suites not in the profile enabled: ECDHE-ECDSA-AES256-CCM8, '
        'ECDHE-ECDSA-AES256-CCM, ECDHE-ECDSA-AES128-CCM8, ECDHE-ECDSA-AES128-CCM',
        '29:3: TLS303 [warning] group(s) outside X25519/P-256/P-384: secp521r1',
        '31:3: TLS503 [warning] HSTS max-age=16070400 is below 63072000',
    ], None),
    # h5bp's HSTS snippet: about six months.
    'h5bp-strict-transport-security.conf': (1, [
        '2:1: TLS503 [warning] HSTS max-age=16070400 is below 63072000',
    ], None),
    # Mozilla's generator, intermediate: only the info TLS704 (exit 0 at the default --fail-on);
    # server_tokens is left at its default (NOT_FLAGGED).
    "mozilla-generator-intermediate.conf": (1, [
        "6:9: TLS704 [info] handshakes without SNI or with an unknown name are served with "
        "this site's certificate",
    ], None),
    # Mozilla's generator, modern (TLS 1.3 only, no ssl_ciphers): likewise.
    "mozilla-generator-modern.conf": (1, [
        "6:9: TLS704 [info] handshakes without SNI or with an unknown name are served with "
        "this site's certificate",
    ], None),
    # HSTS through `set $sts_header` (resolved since issue 13: was TLS502 'max-age=0');
    # the catch-all that rejects handshakes is still judged for protocols/ciphers (see the report).
    'nginx-proxy-rendered-intermediate.conf': (1, [
        '6:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "6:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '34:5: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384, DHE-RSA-CHACHA20-POLY1305',
        # nginx-proxy's SSL_POLICY=Mozilla-Intermediate is guideline 5.7's list, exactly.
        '34:5: TLS218 [info] this is Mozilla intermediate 5.7; current is 6.0: ssl_ciphers '
        'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:'
        'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;',
        '45:5: TLS503 [warning] HSTS max-age=31536000 is below 63072000',
    ], None),
    # SSL_POLICY=Mozilla-Old: TLS 1.0/1.1, DES-CBC3-SHA, @SECLEVEL=0.
    'nginx-proxy-rendered-old.conf': (1, [
        '6:1: TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before '
        '1.23.4 enables TLSv1 and TLSv1.1',
        "6:1: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's default "
        'HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites',
        '33:5: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; Mozilla '
        'intermediate allows TLSv1.2 TLSv1.3)',
        '34:5: TLS207 [error] 64-bit block ciphers (3DES/IDEA, SWEET32) enabled: DES-CBC3-SHA',
        '34:5: TLS208 [warning] suites without forward secrecy (static RSA/DH key exchange) '
        'enabled: AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA256, AES256-SHA256 and 2 more',
        '34:5: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-ECDSA-AES128-SHA256, '
        'ECDHE-RSA-AES128-SHA256, ECDHE-ECDSA-AES128-SHA, ECDHE-RSA-AES128-SHA and 6 more',
        '34:5: TLS211 [warning] suites not in the profile enabled: DHE-RSA-AES128-GCM-SHA256, '
        'DHE-RSA-AES256-GCM-SHA384, DHE-RSA-CHACHA20-POLY1305',
        '45:5: TLS503 [warning] HSTS max-age=31536000 is below 63072000',
    ], None),
    # The docker-gen template itself: refused.
    'nginx-proxy-ssl-policy.tmpl': (2, [], (
        "3:1: templated file ('{{'): render the template first; tlsconf does not judge a config "
        'it cannot read as nginx sees it\n'
    )),
}

# Weaknesses present in a file that tlsconf does not report (a rule it lacks, or one that needs
# more than the file shows), each with its rule family (the hundreds of the ids: 4 = session) and
# the severity tlsconf's rule for it would have; docs/corpus.md counts them as misses.
NOT_FLAGGED: dict[str, list[tuple[int, str, str]]] = {
    "certbot-options-ssl-nginx-tls13-session-tix-on.conf": [
        (4, "warning", "session tickets on, keys rotated only by a restart (Mozilla: off)")],
    # A whole config (`http {}`) without server_tokens: nginx's default is on; TLS703 judges
    # only an explicit `server_tokens on` (gixy-ng's version_disclosure reports it).
    "mozilla-generator-intermediate.conf": [
        (7, "info", "server_tokens left at nginx's default (on): the version in every response")],
    "mozilla-generator-modern.conf": [
        (7, "info", "server_tokens left at nginx's default (on): the version in every response")],
}


def test_every_fixture_has_an_expectation_and_provenance() -> None:
    assert fixtures("nginx") == sorted(EXPECTED)
    assert missing_provenance("nginx", CORPUS / "PROVENANCE.md") == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str, tmp_path: Path) -> None:
    check("nginx", name, EXPECTED[name], tmp_path)
