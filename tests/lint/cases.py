"""Per-rule cases: (rule, kind, edits on the kind's baseline, expected line or None).

`line=None` means the edited input must NOT trigger the rule. Every rule needs at least one
triggering and one non-triggering case for each input kind it applies to (the meta-test in
tests/test_rules_catalog.py enforces it). Edits are (old, new) string replacements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.lint.baselines import CADDY, ENVOY, TRAEFIK
from tests.lint.baselines import INTERMEDIATE_CIPHERS as IC


@dataclass(frozen=True)
class Case:
    rule: str
    kind: str
    edits: tuple[tuple[str, str], ...]
    line: int | None
    profile: str | None = None
    report_unused: bool = False
    openssl: tuple[int, ...] | None = (3, 0)  # the `openssl` setting the case is judged with
    traefik: tuple[int, ...] | None = None  # `traefik_version` (None: tlsconf's default)
    as_of: dt.date | None = None  # `--as-of` (None: now)

    @property
    def id(self) -> str:
        what = "trigger" if self.line else "clean"
        return f"{self.rule}-{self.kind}-{what}-{abs(hash(self.edits)) % 10000}"


NG_PROTO = "ssl_protocols TLSv1.2 TLSv1.3;"
NG_CIPH = f"ssl_ciphers {IC};"
HA_OPTS = "ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.2 no-tls-tickets"
HA_CIPH = f"ssl-default-bind-ciphers {IC}"
TR_MIN = "minVersion: VersionTLS12"
TR_SUITE = "        - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256\n"
# The whole cipherSuites block (the end of the baseline). An unknown key such as `x-ciphers`
# would make Traefik drop the file, so cases remove or replace the block instead.
TR_SUITES = TRAEFIK[TRAEFIK.index("      cipherSuites:\n"):]
SP_TLS = "      profile: intermediate\n"
NG_HSTS = ('        add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" '
           'always;\n')
NG_HOST = "            proxy_set_header Host $host;\n"
NG_PASS = "proxy_pass http://127.0.0.1:8080;"
NG_REDIRECT = "        return 301 https://$host$request_uri;\n"
NG_DEFAULT = "        listen 443 ssl default_server;\n"
HA_HSTS = ('    http-response set-header Strict-Transport-Security '
           '"max-age=63072000; includeSubDomains"\n')
HA_REDIRECT = "    http-request redirect scheme https unless { ssl_fc }\n"
HA_TICKETS = "strict-sni tls-ticket-keys /etc/haproxy/t.keys"


# Kubernetes manifests (baselines.K8S): Traefik TLSOption at 7-16, Envoy Gateway policy at 40-51,
# NGINX Gateway Fabric listener options at 82-86.
K8_TR_MIN = "minVersion: VersionTLS12"
K8_TR_SUITE = "    - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305\n"
K8_EG_MIN = 'minVersion: "1.2"'
K8_EG_MAX = 'maxVersion: "1.3"'
K8_EG_SUITE = "      - ECDHE-RSA-AES256-GCM-SHA384\n"
K8_EG_CURVES = "ecdhCurves: [X25519, P-256, P-384]"
K8_NG_PROTO = "nginx.org/ssl-protocols: TLSv1.2 TLSv1.3"
K8_NG_CIPH = f"nginx.org/ssl-ciphers: {IC}"


def ng_add(line: str) -> tuple[tuple[str, str], ...]:
    """Add `line` after ssl_protocols (line 2 of the nginx baseline), so it starts at line 3."""
    return ((NG_PROTO, f"{NG_PROTO}\n    {line}"),)


def ng_c(extra: str) -> tuple[tuple[str, str], ...]:
    return ((NG_CIPH, f"ssl_ciphers {IC}:{extra};"),)


def ha_c(extra: str) -> tuple[tuple[str, str], ...]:
    return ((HA_CIPH, f"{HA_CIPH}:{extra}"),)


def tr_c(extra: str) -> tuple[tuple[str, str], ...]:
    return ((TR_SUITE, f"{TR_SUITE}        - {extra}\n"),)


def k8_c(extra: str) -> tuple[tuple[str, str], ...]:
    """Append to the NGINX Gateway Fabric cipher string (line 84)."""
    return ((K8_NG_CIPH, f"{K8_NG_CIPH}:{extra}"),)


def k8_e(extra: str) -> tuple[tuple[str, str], ...]:
    """Add an entry to the Envoy Gateway cipher list (its key at line 43; the entry, where a
    weak-suite finding points, at line 48)."""
    return ((K8_EG_SUITE, f"{K8_EG_SUITE}      - {extra}\n"),)


# The Traefik baseline's groups, and the classical list tlsconf renders below Traefik 3.5.
TR_CURVES = "[X25519MLKEM768, X25519, CurveP256, CurveP384]"
TR_CLASSICAL = ((TR_CURVES, "[X25519, CurveP256, CurveP384]"),)
# Every version-gated target able to offer X25519MLKEM768 (TLS305 judges a spec then).
SP_PQ_TARGETS = ('targets:\n  nginx: {openssl: "3.5"}\n  haproxy: {openssl: "3.5"}\n'
                 '  traefik: {version: "3.5"}\nsites:\n')


# Mozilla guideline 5.7's intermediate list: 6.0's plus three DHE suites (TLS218).
IC_57 = f"{IC}:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
BEFORE_60 = dt.date(2026, 4, 5)  # the day before guideline 6.0: 5.7 was current


def sp(extra: str) -> tuple[tuple[str, str], ...]:
    return ((SP_TLS, SP_TLS + extra),)


def sp_c(extra: str) -> tuple[tuple[str, str], ...]:
    return sp(f"      ciphers: [ECDHE-RSA-AES128-GCM-SHA256, {extra}]\n")


C = Case
CASES: list[Case] = [
    # TLS0xx suppressions
    *[C("TLS001", k, e, ln) for k, e, ln in (
        ("nginx", ((NG_PROTO, "ssl_protocols TLSv1.2;  # tlsconf: ignore[TLS103]"),), 2),
        ("nginx",
         ((NG_PROTO, "ssl_protocols TLSv1.2;  # tlsconf: ignore[TLS103] no 1.3 on the LB"),), None),
        ("spec", sp("      protocols: [TLSv1.2]  # tlsconf: ignore[TLS103]\n"), 8),
        ("spec", sp("      protocols: [TLSv1.2]  # tlsconf: ignore[TLS103] why\n"), None),
        ("haproxy", ((HA_OPTS, HA_OPTS + "  # tlsconf: ignore[TLS999]"),), 5),
        ("haproxy", ((HA_OPTS, HA_OPTS + "  # tlsconf: ignore[TLS999] because"),), None),
        ("traefik", ((TR_MIN, TR_MIN + "  # tlsconf: ignore[TLS103]"),), 22),
        ("traefik", ((TR_MIN, TR_MIN + "  # tlsconf: ignore[TLS103] reason"),), None),
    )],
    *[C("TLS002", k, e, ln, report_unused=True) for k, e, ln in (
        ("nginx", ((NG_PROTO, NG_PROTO + "  # tlsconf: ignore[TLS102] legacy clients"),), 2),
        ("nginx", ((NG_PROTO, "ssl_protocols TLSv1 TLSv1.2 TLSv1.3;  "
                              "# tlsconf: ignore[TLS102] legacy"),), None),
        ("spec", ((SP_TLS, "      # tlsconf: ignore[TLS102] legacy\n" + SP_TLS),), 7),
        ("spec", sp("      # tlsconf: ignore[TLS102] legacy\n"
                    "      protocols: [TLSv1, TLSv1.2, TLSv1.3]\n"), None),
        ("haproxy", ((HA_OPTS, HA_OPTS + "  # tlsconf: ignore[TLS102] legacy"),), 5),
        ("haproxy", ((HA_OPTS, HA_OPTS.replace("TLSv1.2", "TLSv1.0")
                      + "  # tlsconf: ignore[TLS102] legacy"),), None),
        ("traefik", ((TR_MIN, TR_MIN + "  # tlsconf: ignore[TLS102] legacy"),), 22),
        ("traefik", ((TR_MIN, "minVersion: VersionTLS10  # tlsconf: ignore[TLS102] legacy"),),
         None),
    )],
    # An unknown id silences nothing (the TLS103 finding stays) and is a finding of its own;
    # a rule name is as good as an id.
    *[C("TLS003", k, e, ln) for k, e, ln in (
        ("nginx", ((NG_PROTO, "ssl_protocols TLSv1.2 TLSv1.3;  # tlsconf: ignore[TLS13] typo"),),
         2),
        ("nginx", ((NG_PROTO, "ssl_protocols TLSv1.2 TLSv1.3;  "
                              "# tlsconf: ignore[TLS103,legacy-tls-version] reason"),), None),
        ("spec", sp("      # tlsconf: ignore[TLS999] not a rule\n"), 8),
        ("spec", sp("      # tlsconf: ignore[tls13-disabled] a name\n"), None),
        ("haproxy", ((HA_OPTS, HA_OPTS + "  # tlsconf: ignore[TLS999] because"),), 5),
        ("haproxy", ((HA_OPTS, HA_OPTS + "  # tlsconf: ignore[TLS103] because"),), None),
        ("traefik", ((TR_MIN, TR_MIN + "  # tlsconf: ignore[no-such-rule] reason"),), 22),
        ("traefik", ((TR_MIN, TR_MIN + "  # tlsconf: ignore[TLS103] reason"),), None),
        ("k8s", ((K8_TR_MIN, K8_TR_MIN + "  # tlsconf: ignore[TLS1O3] letter O"),), 7),
        ("k8s", ((K8_TR_MIN, K8_TR_MIN + "  # tlsconf: ignore[TLS103] no 1.3"),), None),
    )],
    # TLS1xx protocols
    C("TLS101", "nginx", ((NG_PROTO, "ssl_protocols SSLv3 TLSv1.2 TLSv1.3;"),), 2),
    C("TLS101", "nginx", ((NG_PROTO, "ssl_protocols TLSv1.3;"),), None),
    C("TLS101", "haproxy", ((HA_OPTS, HA_OPTS.replace("TLSv1.2", "SSLv3")),), 5),
    C("TLS101", "haproxy", ((HA_OPTS, HA_OPTS.replace("TLSv1.2", "SSLv3") + " no-sslv3"),), None),
    C("TLS101", "spec", sp("      protocols: [SSLv3, TLSv1.2, TLSv1.3]\n"), 8),
    C("TLS101", "spec", sp("      protocols: [TLSv1.2, TLSv1.3]\n"), None),
    C("TLS102", "nginx", ((NG_PROTO, "ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;"),), 2),
    C("TLS102", "nginx", ((NG_PROTO, "ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;"),), None,
      profile="old"),
    C("TLS102", "haproxy", ((HA_OPTS, HA_OPTS.replace("TLSv1.2", "TLSv1.0")),), 5),
    C("TLS102", "haproxy",
      ((HA_OPTS, HA_OPTS.replace("TLSv1.2", "TLSv1.0") + " no-tlsv10 no-tlsv11"),), None),
    C("TLS102", "traefik", ((TR_MIN, "minVersion: VersionTLS11"),), 22),
    C("TLS102", "traefik", ((TR_MIN, "minVersion: VersionTLS13"),), None),
    C("TLS102", "spec", sp("      protocols: [TLSv1.1, TLSv1.2, TLSv1.3]\n"), 8),
    C("TLS102", "spec", sp("      protocols: [TLSv1.1, TLSv1.2, TLSv1.3]\n"), None, profile="old"),
    C("TLS103", "nginx", ((NG_PROTO, "ssl_protocols TLSv1.2;"),), 2),
    C("TLS103", "nginx", ((NG_PROTO, "ssl_protocols TLSv1.3;"),), None),
    C("TLS103", "haproxy", ((HA_OPTS, HA_OPTS + " ssl-max-ver TLSv1.2"),), 5),
    C("TLS103", "haproxy", ((HA_OPTS, HA_OPTS + " ssl-max-ver TLSv1.3"),), None),
    C("TLS103", "traefik", ((TR_MIN, TR_MIN + "\n      maxVersion: VersionTLS12"),), 22),
    C("TLS103", "traefik", ((TR_MIN, TR_MIN + "\n      maxVersion: VersionTLS13"),), None),
    C("TLS103", "spec", sp("      protocols: [TLSv1.2]\n"), 8),
    C("TLS103", "spec", sp("      protocols: [TLSv1.3]\n"), None),
    C("TLS104", "nginx", (), 2, profile="modern"),
    C("TLS104", "nginx", ((NG_PROTO, "ssl_protocols TLSv1.3;"),), None, profile="modern"),
    C("TLS104", "haproxy", (), 5, profile="modern"),
    C("TLS104", "haproxy", (), None),
    C("TLS104", "traefik", (), 22, profile="modern"),
    C("TLS104", "traefik", ((TR_MIN, "minVersion: VersionTLS13"),), None, profile="modern"),
    C("TLS104", "spec", (*sp("      protocols: [TLSv1.2, TLSv1.3]\n"),
                         ("profile: intermediate", "profile: modern")), 8),
    C("TLS104", "spec", (), None, profile="intermediate"),
    C("TLS105", "nginx", ((f"    {NG_PROTO}\n", ""),), 13),
    C("TLS105", "nginx", (), None),
    C("TLS105", "haproxy", ((HA_OPTS, "ssl-default-bind-options prefer-client-ciphers"),), 9),
    C("TLS105", "haproxy",
      ((HA_OPTS, "ssl-default-bind-options no-sslv3 no-tlsv10 no-tlsv11"),), None),
    C("TLS105", "traefik", ((f"      {TR_MIN}\n", ""),), 21),
    C("TLS105", "traefik", (), None),
    C("TLS106", "traefik", ((TR_MIN, "minVersion: foobar"),), 22),
    C("TLS106", "traefik", ((TR_MIN, "minversion: VersionTLS13"),), None),
    # TLS2xx ciphers
    C("TLS201", "nginx", ng_c("NULL-SHA"), 3), C("TLS201", "nginx", ng_c("!eNULL"), None),
    C("TLS201", "haproxy", ha_c("NULL-SHA256"), 3), C("TLS201", "haproxy", ha_c("!NULL"), None),
    C("TLS201", "spec", sp_c("NULL-SHA"), 8), C("TLS201", "spec", sp_c("AES128-SHA"), None),
    C("TLS202", "nginx", ng_c("HIGH:!ADH"), 3), C("TLS202", "nginx", ng_c("HIGH:!aNULL"), None),
    C("TLS202", "haproxy", ha_c("ADH-AES128-SHA"), 3), C("TLS202", "haproxy", ha_c("!aNULL"), None),
    C("TLS202", "spec", sp_c("AECDH-AES128-SHA"), 8), C("TLS202", "spec", (), None),
    C("TLS203", "nginx", ng_c("EXP-RC4-MD5"), 3), C("TLS203", "nginx", ng_c("!EXPORT"), None),
    C("TLS203", "haproxy", ha_c("EXPORT"), 3), C("TLS203", "haproxy", ha_c("!EXP"), None),
    C("TLS203", "spec", sp_c("EXP-DES-CBC-SHA"), 8), C("TLS203", "spec", (), None),
    C("TLS204", "nginx", ng_c("RC4-SHA"), 3), C("TLS204", "nginx", ng_c("!RC4"), None),
    C("TLS204", "haproxy", ha_c("RC4"), 3), C("TLS204", "haproxy", ha_c("!RC4"), None),
    C("TLS204", "traefik", tr_c("TLS_ECDHE_RSA_WITH_RC4_128_SHA"), 32),
    C("TLS204", "traefik", (), None),
    C("TLS204", "spec", sp_c("RC4-SHA"), 8), C("TLS204", "spec", (), None),
    C("TLS205", "nginx", ng_c("DES-CBC-SHA"), 3), C("TLS205", "nginx", ng_c("!DES"), None),
    C("TLS205", "haproxy", ha_c("LOW"), 3), C("TLS205", "haproxy", ha_c("!LOW"), None),
    C("TLS205", "spec", sp_c("DES-CBC-SHA"), 8), C("TLS205", "spec", (), None),
    C("TLS206", "nginx", ng_c("RC4-MD5"), 3), C("TLS206", "nginx", ng_c("!MD5"), None),
    C("TLS206", "haproxy", ha_c("RC4-MD5"), 3), C("TLS206", "haproxy", ha_c("!MD5"), None),
    C("TLS206", "spec", sp_c("RC4-MD5"), 8), C("TLS206", "spec", (), None),
    C("TLS207", "nginx", ng_c("DES-CBC3-SHA"), 3),
    C("TLS207", "nginx", ng_c("DES-CBC3-SHA"), None, profile="old"),
    C("TLS207", "haproxy", ha_c("3DES"), 3), C("TLS207", "haproxy", ha_c("!3DES"), None),
    C("TLS207", "traefik", tr_c("TLS_RSA_WITH_3DES_EDE_CBC_SHA"), 32),
    C("TLS207", "traefik", (), None),
    C("TLS207", "spec", sp_c("DES-CBC3-SHA"), 8),
    C("TLS207", "spec", sp_c("DES-CBC3-SHA"), None, profile="old"),
    C("TLS208", "nginx", ng_c("AES128-GCM-SHA256"), 3),
    C("TLS208", "nginx", ng_c("AES128-SHA"), None, profile="old"),
    C("TLS208", "haproxy", ha_c("AES256-GCM-SHA384"), 3),
    C("TLS208", "haproxy", ha_c("!kRSA"), None),
    C("TLS208", "traefik", tr_c("TLS_RSA_WITH_AES_128_GCM_SHA256"), 32),
    C("TLS208", "traefik", (), None),
    C("TLS208", "spec", sp_c("AES128-GCM-SHA256"), 8), C("TLS208", "spec", (), None),
    C("TLS209", "nginx", ng_c("ECDHE-RSA-AES128-SHA"), 3),
    C("TLS209", "nginx", ng_c("ECDHE-RSA-AES128-SHA"), None, profile="old"),
    C("TLS209", "haproxy", ha_c("ECDHE-RSA-AES256-SHA384"), 3), C("TLS209", "haproxy", (), None),
    C("TLS209", "traefik", tr_c("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), 32),
    C("TLS209", "traefik", (), None),
    C("TLS209", "spec", sp_c("ECDHE-RSA-AES128-SHA"), 8), C("TLS209", "spec", (), None),
    C("TLS210", "nginx", ng_c("CAMELLIA256-SHA"), 3), C("TLS210", "nginx", ng_c("!CAMELLIA"), None),
    C("TLS210", "haproxy", ha_c("PSK"), 3), C("TLS210", "haproxy", ha_c("!PSK"), None),
    C("TLS210", "spec", sp_c("DHE-DSS-AES128-GCM-SHA256"), 8), C("TLS210", "spec", (), None),
    C("TLS211", "nginx", ng_c("DHE-RSA-AES128-GCM-SHA256"), 3),
    C("TLS211", "nginx", ng_c("!DHE"), None),
    C("TLS211", "haproxy", ha_c("DHE-RSA-CHACHA20-POLY1305"), 3), C("TLS211", "haproxy", (), None),
    C("TLS211", "spec", sp_c("DHE-RSA-AES256-GCM-SHA384"), 8), C("TLS211", "spec", (), None),
    C("TLS212", "nginx", ((NG_CIPH, "ssl_ciphers AES128-GCM-SHA256:AES256-GCM-SHA384;"),), 3),
    C("TLS212", "nginx",
      ((NG_CIPH, "ssl_ciphers AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;"),), None),
    C("TLS212", "haproxy", ((HA_CIPH, "ssl-default-bind-ciphers AES128-GCM-SHA256"),), 3),
    C("TLS212", "haproxy", (), None),
    C("TLS212", "traefik", (
        (TR_SUITES, "      cipherSuites:\n        - TLS_RSA_WITH_AES_128_GCM_SHA256\n"),), 25),
    C("TLS212", "traefik", (), None),
    C("TLS212", "spec", sp("      ciphers: [AES128-GCM-SHA256]\n"), 8),
    C("TLS212", "spec", sp("      ciphers: [AES128-GCM-SHA256, ECDHE-RSA-AES128-GCM-SHA256]\n"),
      None),
    C("TLS213", "nginx", ((NG_CIPH, "ssl_ciphers HIGH:!aNULL:!MD5;"),), 3),
    C("TLS213", "nginx", ((NG_CIPH, "ssl_ciphers ECDHE+AESGCM:!DEFAULT;"),), None),
    C("TLS213", "haproxy", ((HA_CIPH, "ssl-default-bind-ciphers DEFAULT:!RC4"),), 3),
    C("TLS213", "haproxy", (), None),
    C("TLS214", "nginx", ng_c("!RC4-MD55"), 3), C("TLS214", "nginx", ng_c("!RC4-MD5"), None),
    C("TLS214", "haproxy", ha_c("FOO"), 3), C("TLS214", "haproxy", (), None),
    C("TLS215", "nginx", ((f"    {NG_CIPH}\n", ""),), 13),
    C("TLS215", "nginx", ((f"    {NG_CIPH}\n", ""), (NG_PROTO, "ssl_protocols TLSv1.3;")), None),
    C("TLS215", "haproxy", ((f"    {HA_CIPH}\n", ""),), 8),
    C("TLS215", "haproxy", (), None),
    C("TLS215", "traefik", ((TR_SUITES, ""),), 21),
    C("TLS215", "traefik", (), None),
    C("TLS216", "nginx", ng_add("ssl_conf_command Ciphersuites "
                                "TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_8_SHA256;"), 3),
    C("TLS216", "nginx", ng_add("ssl_conf_command Ciphersuites "
                                "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384;"), None),
    C("TLS216", "haproxy", ((
        "TLS_CHACHA20_POLY1305_SHA256\n",
        "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256\n"),), 4),
    C("TLS216", "haproxy", (), None),
    C("TLS216", "spec",
      sp("      ciphersuites: [TLS_AES_128_GCM_SHA256, TLS_AES_128_CCM_SHA256]\n"), 8),
    C("TLS216", "spec", sp("      ciphersuites: [TLS_AES_128_GCM_SHA256]\n"), None),
    C("TLS217", "nginx", ((NG_PROTO, "ssl_protocols TLSv1.3;"),), 3),
    C("TLS217", "nginx", ((NG_PROTO, "ssl_protocols TLSv1.3;"), (f"    {NG_CIPH}\n", "")), None),
    C("TLS217", "haproxy", ((HA_OPTS, HA_OPTS.replace("TLSv1.2", "TLSv1.3")),), 3),
    C("TLS217", "haproxy",
      ((HA_OPTS, HA_OPTS.replace("TLSv1.2", "TLSv1.3")), (f"    {HA_CIPH}\n", "")), None),
    C("TLS217", "traefik", ((TR_MIN, "minVersion: VersionTLS13"),), 25),
    C("TLS217", "traefik", (), None),
    C("TLS217", "spec",
      sp("      protocols: [TLSv1.3]\n      ciphers: [ECDHE-RSA-AES128-GCM-SHA256]\n"), 9),
    C("TLS217", "spec", sp("      protocols: [TLSv1.3]\n"), None),
    C("TLS218", "nginx", ((NG_CIPH, f"ssl_ciphers {IC_57};"),), 3),
    C("TLS218", "nginx", ((NG_CIPH, f"ssl_ciphers {IC_57};"),), None, as_of=BEFORE_60),
    C("TLS218", "nginx", (), None),
    C("TLS218", "haproxy", ((HA_CIPH, f"ssl-default-bind-ciphers {IC_57}"),), 3),
    C("TLS218", "haproxy", (), None),
    C("TLS218", "spec", sp(f"      ciphers: [{IC_57.replace(':', ', ')}]\n"), 8),
    C("TLS218", "spec", sp(f"      ciphers: [{IC.replace(':', ', ')}]\n"), None),
    # TLS3xx key exchange
    C("TLS301", "nginx", ng_add("ssl_dhparam {dh512};"), 3),
    C("TLS301", "nginx", ng_add("ssl_dhparam {dh1024};"), None),
    C("TLS301", "haproxy", ((HA_OPTS, HA_OPTS + "\n    tune.ssl.default-dh-param 768"),), 6),
    C("TLS301", "haproxy", ((HA_OPTS, HA_OPTS + "\n    tune.ssl.default-dh-param 2048"),), None),
    C("TLS302", "nginx", ng_add("ssl_dhparam {dh1024};"), 3),
    C("TLS302", "nginx", ng_add("ssl_dhparam {dh512};"), None),
    C("TLS302", "haproxy", ((HA_OPTS, HA_OPTS + "\n    tune.ssl.default-dh-param 1024"),), 6),
    C("TLS302", "haproxy", ((HA_OPTS, HA_OPTS + "\n    tune.ssl.default-dh-param 4096"),), None),
    C("TLS303", "nginx", (("X25519:prime256v1:secp384r1", "X25519:secp521r1"),), 4),
    C("TLS303", "nginx", (("X25519:prime256v1:secp384r1", "X25519:prime256v1"),), None),
    C("TLS303", "haproxy", (("X25519:prime256v1:secp384r1", "brainpoolP256r1"),), 2),
    C("TLS303", "haproxy", (), None),
    C("TLS303", "traefik", (("CurveP384]", "CurveP521]"),), 24),
    C("TLS303", "traefik", (), None),
    C("TLS303", "spec", sp("      curves: [X25519, secp521r1]\n"), 8),
    C("TLS303", "spec", sp("      curves: [X25519, prime256v1]\n"), None),
    C("TLS304", "nginx", (("X25519:prime256v1:secp384r1", "X25519MLKEM768:X25519"),), 4),
    C("TLS304", "nginx", (("X25519:prime256v1:secp384r1", "X25519"),), None),
    C("TLS304", "haproxy", (("X25519:prime256v1:secp384r1", "X25519MLKEM768:X25519"),), 2),
    C("TLS304", "haproxy", (), None),
    *[C("TLS305", k, e, ln, openssl=o, traefik=t) for k, e, ln, o, t in (
        ("nginx", (), 4, (3, 5), None),
        ("nginx", (), None, (3, 0), None),  # OpenSSL 3.0 cannot offer it
        ("nginx", (), None, None, None),  # nor can an OpenSSL nobody named
        ("nginx", (("X25519:prime256v1", "X25519MLKEM768:X25519:prime256v1"),), None, (3, 5),
         None),
        ("haproxy", (), 2, (3, 5), None),
        ("haproxy", (), None, (3, 0), None),
        ("traefik", TR_CLASSICAL, 24, None, (3, 5)),
        ("traefik", TR_CLASSICAL, None, None, (3, 4)),
        ("traefik", (), None, None, (3, 5)),  # the baseline has it
        ("spec", (("sites:\n", SP_PQ_TARGETS),
                  *sp("      curves: [X25519, prime256v1]\n")), 12, None, None),
        ("spec", sp("      curves: [X25519, prime256v1]\n"), None, None, None),  # nginx 3.0
        ("spec", ((("sites:\n", SP_PQ_TARGETS),)), None, None, None),  # the profile's groups
    )],
    C("TLS306", "nginx", (("X25519:prime256v1:secp384r1", "X25519MLKEM768"),), 4,
      openssl=(3, 5)),
    C("TLS306", "nginx", (("X25519:prime256v1:secp384r1", "X25519MLKEM768:X25519"),), None,
      openssl=(3, 5)),
    C("TLS306", "haproxy", (("X25519:prime256v1:secp384r1", "X25519MLKEM768"),), 2,
      openssl=(3, 5)),
    C("TLS306", "haproxy", (), None),
    C("TLS306", "traefik", ((TR_CURVES, "[X25519MLKEM768]"),), 24),
    C("TLS306", "traefik", (), None),
    C("TLS306", "spec", sp("      curves: [X25519MLKEM768]\n"), 8),
    C("TLS306", "spec", sp("      curves: [X25519MLKEM768, X25519]\n"), None),
    # TLS4xx session and features
    C("TLS401", "spec", (("profile: intermediate", "profile: old"),), 7),
    C("TLS401", "spec", (("profile: intermediate", "profile: old"),), None, profile="old"),
    C("TLS402", "nginx", ng_add("ssl_conf_command Options Compression;"), 3),
    C("TLS402", "nginx", ng_add("ssl_conf_command Options -Compression;"), None),
    C("TLS403", "nginx", ng_add("ssl_conf_command Options UnsafeLegacyRenegotiation;"), 3),
    C("TLS403", "nginx", ng_add("ssl_conf_command Options ServerPreference;"), None),
    C("TLS404", "nginx", ng_add("ssl_early_data on;"), 3),
    C("TLS404", "nginx", ng_add("ssl_early_data off;"), None),
    C("TLS404", "haproxy", (("strict-sni", "strict-sni allow-0rtt"),), 9),
    C("TLS404", "haproxy", (), None),
    C("TLS405", "nginx",
      (("ssl_session_tickets off;", "ssl_session_ticket_key /etc/nginx/t.key;"),), 7),
    C("TLS405", "nginx", ng_add("ssl_session_ticket_key /etc/nginx/t.key;"), None),
    C("TLS405", "haproxy", (("strict-sni", HA_TICKETS), (" no-tls-tickets", "")), 9),
    C("TLS405", "haproxy", (("strict-sni", HA_TICKETS),), None),
    C("TLS405", "spec", sp("      session_tickets: true\n"), 8),
    C("TLS405", "spec", (*sp("      session_tickets: true\n"),
                         ("sites:", "targets: {nginx: {version: \"1.25\"}}\nsites:")), None),
    # TLS5xx HSTS
    C("TLS501", "nginx", ((NG_HSTS, ""),), 14),
    C("TLS501", "nginx", (), None),
    C("TLS501", "haproxy", ((HA_HSTS, ""),), 7),
    C("TLS501", "haproxy", (("    mode http\n", "    mode tcp\n"), (HA_HSTS, "")), None),
    C("TLS501", "traefik", (("      middlewares: [hsts]\n", ""),), 3),
    C("TLS501", "traefik", (), None),
    C("TLS501", "spec", (("    upstreams:", "    hsts: {enabled: false}\n    upstreams:"),), 8),
    C("TLS501", "spec", (("    upstreams:", "    hsts: {enabled: true}\n    upstreams:"),), None),
    C("TLS502", "nginx", (("max-age=63072000; includeSubDomains", "max-age=0"),), 20),
    C("TLS502", "nginx", (), None),
    C("TLS502", "haproxy", (("max-age=63072000; includeSubDomains", "max-age=0"),), 12),
    C("TLS502", "haproxy", (), None),
    C("TLS502", "spec", (("    upstreams:", "    hsts: {max_age: 0}\n    upstreams:"),), 8),
    C("TLS502", "spec", (), None),
    C("TLS503", "nginx", (("max-age=63072000", "max-age=300"),), 20),
    C("TLS503", "nginx", (("max-age=63072000", "max-age=94608000"),), None),
    C("TLS503", "haproxy", (("max-age=63072000", "max-age=86400"),), 12),
    C("TLS503", "haproxy", (), None),
    C("TLS503", "traefik", (("stsSeconds: 63072000", "stsSeconds: 300"),), 12),
    C("TLS503", "traefik", (), None),
    C("TLS503", "spec", (("    upstreams:", "    hsts: {max_age: 300}\n    upstreams:"),), 8),
    C("TLS503", "spec", (("    upstreams:", "    hsts: {max_age: 63072000}\n    upstreams:"),),
      None),
    C("TLS504", "nginx", (("includeSubDomains", "preload"),), 20),
    C("TLS504", "nginx", (("includeSubDomains", "includeSubDomains; preload"),), None),
    C("TLS504", "haproxy", (("includeSubDomains", "preload"),), 12),
    C("TLS504", "haproxy", (), None),
    C("TLS504", "traefik", (("stsIncludeSubdomains: true", "stsPreload: true"),), 13),
    C("TLS504", "traefik",
      (("stsIncludeSubdomains: true", "stsIncludeSubdomains: true\n        stsPreload: true"),),
      None),
    C("TLS504", "spec",
      (("    upstreams:", "    hsts: {preload: true, max_age: 300}\n    upstreams:"),), 8),
    C("TLS504", "spec", (("    upstreams:", "    hsts: {preload: true}\n    upstreams:"),), None),
    C("TLS505", "nginx", (('includeSubDomains" always;', 'includeSubDomains";'),), 20),
    C("TLS505", "nginx", (), None),
    C("TLS506", "nginx", ((NG_HOST, NG_HOST + "            add_header X-Frame-Options DENY;\n"),),
      24),
    C("TLS506", "nginx", ((NG_HOST, NG_HOST + "            add_header X-Frame-Options DENY;\n"
                           "            add_header Strict-Transport-Security "
                           "\"max-age=63072000\" always;\n"),), None),
    C("TLS507", "nginx", ((NG_REDIRECT, "        root /srv/www;\n"),), 26),
    C("TLS507", "nginx", ((("    server {\n        listen 80 default_server;\n"
                            f"{NG_REDIRECT}    }}\n"), ""),), None),
    C("TLS507", "haproxy", ((HA_REDIRECT, ""),), 7),
    C("TLS507", "haproxy", (("    bind :80\n", ""), (HA_REDIRECT, "")), None),
    C("TLS507", "spec", (("    upstreams:", "    redirect_http: false\n    upstreams:"),), 8),
    C("TLS507", "spec", (("    upstreams:", "    redirect_http: true\n    upstreams:"),), None),
    # TLS6xx OCSP
    C("TLS601", "nginx", ng_add("ssl_stapling on;"), 3),
    C("TLS601", "nginx", ng_add("ssl_stapling on;\n    resolver 127.0.0.53;"), None),
    # TLS7xx proxy hygiene
    C("TLS701", "nginx", ((NG_PASS, "proxy_pass https://127.0.0.1:8443;"),), 22),
    C("TLS701", "nginx", ((NG_PASS, "proxy_pass https://127.0.0.1:8443;\n"
                                    "            proxy_ssl_verify on;"),), None),
    C("TLS701", "haproxy", (("127.0.0.1:8080 check", "127.0.0.1:8443 check ssl verify none"),), 16),
    C("TLS701", "haproxy", (("127.0.0.1:8080 check",
                             "127.0.0.1:8443 check ssl verify required ca-file /etc/ca.pem"),),
      None),
    C("TLS701", "traefik", (("tls:\n  options:", "  serversTransports:\n    backend:\n"
                             "      insecureSkipVerify: true\ntls:\n  options:"),), 21),
    C("TLS701", "traefik", (("tls:\n  options:", "  serversTransports:\n    backend:\n"
                             "      insecureSkipVerify: false\ntls:\n  options:"),), None),
    C("TLS702", "nginx", (("proxy_set_header Host $host;", "proxy_set_header Host $http_host;"),),
      23),
    C("TLS702", "nginx", (), None),
    C("TLS703", "nginx", (("server_tokens off;", "server_tokens on;"),), 9),
    C("TLS703", "nginx", ((" server_tokens off;\n", ""),), None),
    C("TLS704", "nginx", ((NG_DEFAULT + "        ssl_reject_handshake on;\n",
                           NG_DEFAULT + "        ssl_reject_handshake off;\n"),), 11),
    C("TLS704", "nginx", (), None),
    C("TLS704", "haproxy", ((" strict-sni", ""),), 9),
    C("TLS704", "haproxy", (), None),
    C("TLS704", "traefik", (("sniStrict: true", "sniStrict: false"),), 23),
    C("TLS704", "traefik", (), None),
    C("TLS704", "spec", (("    upstreams:", "    default_server: true\n    upstreams:"),), 8),
    C("TLS704", "spec", (("    upstreams:", "    default_server: false\n    upstreams:"),), None),
    # Kubernetes manifests: each rule that applies to k8s, through the implementation that can
    # express the weakness (tests/test_lint_k8s.py has the mapping itself)
    C("TLS001", "k8s", ((K8_TR_MIN, K8_TR_MIN + "  # tlsconf: ignore[TLS103]"),), 7),
    C("TLS001", "k8s", ((K8_TR_MIN, K8_TR_MIN + "  # tlsconf: ignore[TLS103] no 1.3"),), None),
    C("TLS002", "k8s", ((K8_TR_MIN, K8_TR_MIN + "  # tlsconf: ignore[TLS102] legacy"),), 7,
      report_unused=True),
    C("TLS002", "k8s", ((K8_TR_MIN, "minVersion: VersionTLS10  # tlsconf: ignore[TLS102] old"),),
      None, report_unused=True),
    C("TLS101", "k8s", ((K8_NG_PROTO, "nginx.org/ssl-protocols: SSLv3 TLSv1.2 TLSv1.3"),), 83),
    C("TLS101", "k8s", ((K8_NG_PROTO, "nginx.org/ssl-protocols: TLSv1.3"),), None),
    C("TLS102", "k8s", ((K8_EG_MIN, 'minVersion: "1.0"'),), 41),
    C("TLS102", "k8s", ((K8_EG_MIN, 'minVersion: "1.0"'),), None, profile="old"),
    C("TLS103", "k8s", ((K8_EG_MAX, 'maxVersion: "1.2"'),), 41),
    C("TLS103", "k8s", ((K8_EG_MAX, "maxVersion: Auto"),), None),
    C("TLS104", "k8s", (), 7, profile="modern"),
    C("TLS104", "k8s", (), None),
    C("TLS105", "k8s", ((f"    {K8_EG_MIN}\n    {K8_EG_MAX}\n", ""),), 40),
    C("TLS105", "k8s", ((K8_EG_MIN, "minVersion: Auto"),), None),
    C("TLS106", "k8s", ((K8_TR_MIN, "minVersion: foobar"),), 7),
    C("TLS106", "k8s", ((K8_TR_MIN, "minVersion: VersionTLS13"),), None),
    C("TLS201", "k8s", k8_c("NULL-SHA"), 84), C("TLS201", "k8s", k8_c("!eNULL"), None),
    C("TLS202", "k8s", k8_e("AECDH-AES128-SHA"), 48), C("TLS202", "k8s", (), None),
    C("TLS203", "k8s", k8_c("EXP-RC4-MD5"), 84), C("TLS203", "k8s", k8_c("!EXPORT"), None),
    C("TLS204", "k8s", ((K8_TR_SUITE, f"{K8_TR_SUITE}    - TLS_ECDHE_RSA_WITH_RC4_128_SHA\n"),),
      17),  # the list item
    C("TLS204", "k8s", (), None),
    C("TLS205", "k8s", k8_c("DES-CBC-SHA"), 84), C("TLS205", "k8s", k8_c("!DES"), None),
    C("TLS206", "k8s", k8_c("RC4-MD5"), 84), C("TLS206", "k8s", k8_c("!MD5"), None),
    C("TLS207", "k8s", k8_e("DES-CBC3-SHA"), 48),
    C("TLS207", "k8s", k8_e("DES-CBC3-SHA"), None, profile="old"),
    C("TLS208", "k8s", k8_e("AES128-GCM-SHA256"), 48), C("TLS208", "k8s", k8_c("!kRSA"), None),
    C("TLS209", "k8s", k8_c("ECDHE-RSA-AES128-SHA"), 84),
    C("TLS209", "k8s", k8_c("ECDHE-RSA-AES128-SHA"), None, profile="old"),
    C("TLS210", "k8s", k8_c("CAMELLIA256-SHA"), 84), C("TLS210", "k8s", k8_c("!CAMELLIA"), None),
    C("TLS211", "k8s", k8_c("DHE-RSA-AES128-GCM-SHA256"), 84),
    C("TLS211", "k8s", k8_c("!DHE"), None),
    C("TLS212", "k8s", ((K8_NG_CIPH, "nginx.org/ssl-ciphers: AES128-GCM-SHA256:AES256-SHA256"),),
      84),
    C("TLS212", "k8s", (), None),
    C("TLS213", "k8s", ((K8_NG_CIPH, "nginx.org/ssl-ciphers: HIGH:!aNULL:!MD5"),), 84),
    C("TLS213", "k8s", (), None),
    C("TLS214", "k8s", k8_c("!RC4-MD55"), 84), C("TLS214", "k8s", k8_c("!RC4-MD5"), None),
    C("TLS215", "k8s", ((f"          {K8_NG_CIPH}\n", ""),), 82),
    C("TLS215", "k8s", (("    ciphers:\n", "    x-ciphers:\n"),), 40),
    C("TLS215", "k8s", ((f"          {K8_NG_CIPH}\n", ""),
                        (K8_NG_PROTO, "nginx.org/ssl-protocols: TLSv1.3")), None),
    C("TLS217", "k8s", ((K8_NG_PROTO, "nginx.org/ssl-protocols: TLSv1.3"),), 84),
    C("TLS217", "k8s", ((K8_NG_PROTO, "nginx.org/ssl-protocols: TLSv1.3"),
                        (f"          {K8_NG_CIPH}\n", "")), None),
    C("TLS303", "k8s", ((K8_EG_CURVES, "ecdhCurves: [X25519, P-521]"),), 48),
    C("TLS303", "k8s", ((K8_EG_CURVES, "ecdhCurves: [X25519, P-256]"),), None),
    C("TLS704", "k8s", (("sniStrict: true", "sniStrict: false"),), 8),
    C("TLS704", "k8s", (), None),
]

# Envoy bootstrap (baselines.ENVOY): tls_params at 13-23 (versions 14-15, suites 16-22, curves
# 23), the site's virtual host at 35 and its HSTS header at 41-42, the port-80 virtual host at
# 54, the cluster at 60-61. A finding about one suite points at its list item.
EN_MIN = "tls_minimum_protocol_version: TLSv1_2"
EN_MAX = "tls_maximum_protocol_version: TLSv1_3"
EN_LAST = "                    - ECDHE-RSA-CHACHA20-POLY1305\n"
EN_SUITES = ENVOY[ENVOY.index("                  cipher_suites:\n"):ENVOY.index(
    "                  ecdh_curves")]
EN_CURVES = "ecdh_curves: [X25519MLKEM768, X25519, P-256, P-384]"
EN_HSTS = 'value: "max-age=63072000; includeSubDomains"'
EN_HSTS_BLOCK = ENVOY[ENVOY.index("                  response_headers_to_add:\n"):ENVOY.index(
    "                http_filters")]
EN_TYPE = "DownstreamTlsContext\n"
EN_UPSTREAM = ("      type: STATIC\n      transport_socket:\n"
               "        name: envoy.transport_sockets.tls\n        typed_config:\n"
               "          \"@type\": type.googleapis.com/envoy.extensions."
               "transport_sockets.tls.v3.UpstreamTlsContext\n")
EN_VERIFIED = ("          common_tls_context:\n            validation_context:\n"
               "              trusted_ca: {filename: /etc/ssl/backend-ca.pem}\n")


def en_c(extra: str) -> tuple[tuple[str, str], ...]:
    """Add a suite after the last one (line 22): the new item is line 23."""
    return ((EN_LAST, f"{EN_LAST}                    - {extra}\n"),)


def en_add(line: str) -> tuple[tuple[str, str], ...]:
    """Add a DownstreamTlsContext key after its `@type` (line 11): it is line 12."""
    return ((EN_TYPE, f"{EN_TYPE}              {line}\n"),)


def en_hsts(value: str) -> tuple[tuple[str, str], ...]:
    return ((EN_HSTS, f'value: "{value}"'),)


# Caddy JSON (baselines.CADDY): the policy at 8-22 (versions 10-11, suites 12-19, curves 20),
# the site's route at 26 with its HSTS value at 30 and reverse_proxy at 31, the port-80 route
# at 40. Caddy has no comments: suppressions live in .tlsconf.yaml.
CA_MIN = '"protocol_min": "tls1.2"'
CA_MAX = '"protocol_max": "tls1.3"'
CA_LAST = '                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"\n'
CA_SUITES = CADDY[CADDY.index('              "cipher_suites": ['):
                  CADDY.index('              "curves"')]
CA_CURVES = '"curves": ["x25519mlkem768", "x25519", "secp256r1", "secp384r1"]'
CA_HSTS = '"Strict-Transport-Security": ["max-age=63072000; includeSubDomains"]'
CA_HEADERS = CADDY[CADDY.index('                {"handler": "headers"'):CADDY.index(
    '                {"handler": "reverse_proxy"')]
CA_PROXY = '{"handler": "reverse_proxy", '
CA_TLS = '    "tls": {'


def ca_c(extra: str) -> tuple[tuple[str, str], ...]:
    """Add a suite after the last one (line 18): the new item is line 19."""
    return ((CA_LAST, f'{CA_LAST[:-1]},\n                "{extra}"\n'),)


def ca_hsts(value: str) -> tuple[tuple[str, str], ...]:
    return ((CA_HSTS, f'"Strict-Transport-Security": ["{value}"]'),)


CASES += [
    # Envoy
    C("TLS001", "envoy", ((EN_MIN, EN_MIN + "  # tlsconf: ignore[TLS103]"),), 14),
    C("TLS001", "envoy", ((EN_MIN, EN_MIN + "  # tlsconf: ignore[TLS103] no 1.3 here"),), None),
    C("TLS002", "envoy", ((EN_MIN, EN_MIN + "  # tlsconf: ignore[TLS102] legacy"),), 14,
      report_unused=True),
    C("TLS002", "envoy", ((EN_MIN, "tls_minimum_protocol_version: TLSv1_0  "
                                   "# tlsconf: ignore[TLS102] legacy"),), None,
      report_unused=True),
    C("TLS003", "envoy", ((EN_MIN, EN_MIN + "  # tlsconf: ignore[TLS999] because"),), 14),
    C("TLS003", "envoy", ((EN_MIN, EN_MIN + "  # tlsconf: ignore[TLS103] because"),), None),
    C("TLS102", "envoy", ((EN_MIN, "tls_minimum_protocol_version: TLSv1_0"),), 14),
    C("TLS102", "envoy", ((EN_MIN, "tls_minimum_protocol_version: TLS_AUTO"),), None),
    C("TLS103", "envoy", ((EN_MAX, "tls_maximum_protocol_version: TLSv1_2"),), 14),
    C("TLS103", "envoy", (), None),
    C("TLS104", "envoy", (), 14, profile="modern"),
    C("TLS104", "envoy", ((EN_MIN, "tls_minimum_protocol_version: TLSv1_3"),), None,
      profile="modern"),
    C("TLS105", "envoy", ((f"                  {EN_MIN}\n", ""),
                          (f"                  {EN_MAX}\n", "")), 10),
    C("TLS105", "envoy", ((f"                  {EN_MIN}\n", ""),), None),
    C("TLS207", "envoy", en_c("DES-CBC3-SHA"), 23),
    C("TLS207", "envoy", en_c("DES-CBC3-SHA"), None, profile="old"),
    C("TLS208", "envoy", en_c("AES128-GCM-SHA256"), 23), C("TLS208", "envoy", (), None),
    C("TLS209", "envoy", en_c("ECDHE-RSA-AES128-SHA"), 23),
    C("TLS209", "envoy", en_c("ECDHE-RSA-AES128-SHA"), None, profile="old"),
    C("TLS210", "envoy", en_c("ECDHE-PSK-CHACHA20-POLY1305"), 23),
    C("TLS210", "envoy", (), None),
    C("TLS211", "envoy", (), 17, profile="modern"), C("TLS211", "envoy", (), None),
    C("TLS212", "envoy", ((EN_SUITES, "                  cipher_suites: [AES128-GCM-SHA256]\n"),),
      16),
    C("TLS212", "envoy", (), None),
    C("TLS215", "envoy", ((EN_SUITES, ""),), 10),
    C("TLS215", "envoy", ((EN_SUITES, ""), (EN_MIN, "tls_minimum_protocol_version: TLSv1_3")),
      None),
    C("TLS217", "envoy", ((EN_MIN, "tls_minimum_protocol_version: TLSv1_3"),), 16),
    C("TLS217", "envoy", ((EN_SUITES, ""), (EN_MIN, "tls_minimum_protocol_version: TLSv1_3")),
      None),
    C("TLS303", "envoy", ((EN_CURVES, "ecdh_curves: [X25519, P-521]"),), 23),
    C("TLS303", "envoy", ((EN_CURVES, "ecdh_curves: [X25519, P-256]"),), None),
    C("TLS405", "envoy", en_add("session_ticket_keys: {keys: [{filename: /etc/envoy/t.key}]}"),
      12),
    C("TLS405", "envoy", en_add("disable_stateless_session_resumption: true"), None),
    C("TLS501", "envoy", ((EN_HSTS_BLOCK, ""),), 35), C("TLS501", "envoy", (), None),
    C("TLS502", "envoy", en_hsts("max-age=0"), 42), C("TLS502", "envoy", (), None),
    C("TLS503", "envoy", en_hsts("max-age=300"), 42), C("TLS503", "envoy", (), None),
    C("TLS504", "envoy", en_hsts("max-age=63072000; preload"), 42),
    C("TLS504", "envoy", en_hsts("max-age=63072000; includeSubDomains; preload"), None),
    C("TLS507", "envoy", (("redirect: {https_redirect: true}", "route: {cluster: app}"),), 54),
    C("TLS507", "envoy", (), None),
    C("TLS701", "envoy", (("      type: STATIC\n", EN_UPSTREAM),), 62),
    C("TLS701", "envoy", (("      type: STATIC\n", EN_UPSTREAM + EN_VERIFIED),), None),
    C("TLS704", "envoy", (("          filter_chain_match: {server_names: [example.com]}\n", ""),),
      6),
    C("TLS704", "envoy", (), None),
    # Caddy
    C("TLS103", "caddy", ((CA_MAX, '"protocol_max": "tls1.2"'),), 10),
    C("TLS103", "caddy", (), None),
    C("TLS104", "caddy", (), 10, profile="modern"),
    C("TLS104", "caddy", ((CA_MIN, '"protocol_min": "tls1.3"'),), None, profile="modern"),
    C("TLS105", "caddy", ((f"              {CA_MIN},\n", ""), (f"              {CA_MAX},\n", "")),
      8),
    C("TLS105", "caddy", ((f"              {CA_MAX},\n", ""),), None),
    C("TLS106", "caddy", ((CA_MIN, '"protocol_min": "tls1.0"'),), 10),
    C("TLS106", "caddy", (), None),
    C("TLS208", "caddy", ca_c("TLS_RSA_WITH_AES_128_GCM_SHA256"), 19),
    C("TLS208", "caddy", (), None),
    C("TLS209", "caddy", ca_c("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), 19),
    C("TLS209", "caddy", ca_c("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), None, profile="old"),
    C("TLS211", "caddy", (), 13, profile="modern"), C("TLS211", "caddy", (), None),
    C("TLS212", "caddy", ((CA_SUITES, '              "cipher_suites": '
                                      '["TLS_RSA_WITH_AES_128_GCM_SHA256"],\n'),), 12),
    C("TLS212", "caddy", (), None),
    C("TLS215", "caddy", ((CA_SUITES, ""),), 8),
    C("TLS215", "caddy", ((CA_SUITES, ""), (CA_MIN, '"protocol_min": "tls1.3"')), None),
    C("TLS217", "caddy", ((CA_MIN, '"protocol_min": "tls1.3"'),), 12),
    C("TLS217", "caddy", ((CA_SUITES, ""), (CA_MIN, '"protocol_min": "tls1.3"')), None),
    C("TLS303", "caddy", ((CA_CURVES, '"curves": ["x25519", "secp521r1"]'),), 20),
    C("TLS303", "caddy", ((CA_CURVES, '"curves": ["x25519", "secp256r1"]'),), None),
    C("TLS501", "caddy", ((CA_HEADERS, ""),), 26), C("TLS501", "caddy", (), None),
    C("TLS502", "caddy", ca_hsts("max-age=0"), 30), C("TLS502", "caddy", (), None),
    C("TLS503", "caddy", ca_hsts("max-age=300"), 30), C("TLS503", "caddy", (), None),
    C("TLS504", "caddy", ca_hsts("max-age=63072000; preload"), 30),
    C("TLS504", "caddy", ca_hsts("max-age=63072000; includeSubDomains; preload"), None),
    C("TLS507", "caddy", (('"status_code": 308', '"status_code": 200'),), 40),
    C("TLS507", "caddy", (), None),
    C("TLS405", "caddy", ((CA_TLS, CA_TLS + '"session_tickets": {"disable_rotation": true},'),),
      49),
    C("TLS405", "caddy", ((CA_TLS, CA_TLS + '"session_tickets": {"disabled": true},'),), None),
    C("TLS701", "caddy", ((CA_PROXY, CA_PROXY + '"transport": {"protocol": "http", "tls": '
                                                '{"insecure_skip_verify": true}}, '),), 31),
    C("TLS701", "caddy", ((CA_PROXY, CA_PROXY + '"transport": {"protocol": "http", "tls": {}}, '),),
      None),
    C("TLS704", "caddy", (('              "match": {"sni": ["example.com"]},\n', ""),), 8),
    C("TLS704", "caddy", (('              "match": {"sni": ["example.com"]},\n', ""),
                          ('"any_tag": ["site"]', '"any_tag": ["no-such-certificate"]')), None),
]
