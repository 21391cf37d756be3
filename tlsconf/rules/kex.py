"""TLS3xx — key exchange: DH parameters and groups (curves)."""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf.findings import Severity
from tlsconf.lint.model import Hit, Subject
from tlsconf.names import CURVE_ALIASES, GROUPS_BY_NAME
from tlsconf.rules.base import Context, Rule, explicit, listing, rule

RULES: list[Rule] = []
LOGJAM = "Logjam — https://weakdh.org/"
MOZILLA = "Mozilla Server Side TLS — https://wiki.mozilla.org/Security/Server_Side_TLS"


@rule(RULES, id="TLS301", name="dh-params-logjam", severity=Severity.ERROR,
      summary="Diffie-Hellman parameters shorter than 1024 bits.",
      why="DH groups below 1024 bits are breakable by precomputation (Logjam).",
      bad="tune.ssl.default-dh-param 768", good="tune.ssl.default-dh-param 2048",
      fix="Use 2048-bit (ffdhe2048) parameters, or drop DHE suites.", references=(LOGJAM,),
      applies_to=frozenset({"nginx", "haproxy"}), example_lang="haproxy")
def dh_logjam(subject: Subject, ctx: Context) -> Iterator[Hit]:
    bits = subject.facts.dh_bits
    if bits is not None and bits < 1024:
        yield Hit("dh_bits", f"DH parameters are {bits} bits (Logjam: below 1024)")


@rule(RULES, id="TLS302", name="dh-params-short", severity=Severity.WARNING,
      summary="Diffie-Hellman parameters of 1024 up to 2047 bits.",
      why="1024-bit DH is within reach of nation-state precomputation; every profile asks for "
          "2048 bits.",
      bad="tune.ssl.default-dh-param 1024", good="tune.ssl.default-dh-param 2048",
      fix="Use 2048-bit (ffdhe2048) parameters, or drop DHE suites.",
      references=(LOGJAM, MOZILLA), applies_to=frozenset({"nginx", "haproxy"}),
      example_lang="haproxy")
def dh_short(subject: Subject, ctx: Context) -> Iterator[Hit]:
    bits = subject.facts.dh_bits
    if bits is not None and 1024 <= bits < 2048:
        yield Hit("dh_bits", f"DH parameters are {bits} bits (below 2048)")


@rule(RULES, id="TLS303", name="curve-not-recommended", severity=Severity.WARNING,
      summary="A key-exchange group outside X25519, P-256 and P-384 (and their ML-KEM hybrids).",
      why="Other groups (P-521, brainpool, secp256k1, X448, finite-field DH groups) are slow, "
          "rarely supported by clients, or not in any profile.",
      bad="ssl_ecdh_curve X25519:secp521r1;", good="ssl_ecdh_curve X25519:prime256v1:secp384r1;",
      fix="Use X25519, prime256v1 and secp384r1.", references=(MOZILLA,))
def curves(subject: Subject, ctx: Context) -> Iterator[Hit]:
    if not explicit(subject, "curves"):
        return
    bad = []
    for name in subject.site.tls.curves:
        group = GROUPS_BY_NAME.get(CURVE_ALIASES.get(name, name))
        if group is None or not group.recommended:
            bad.append(name)
    if bad:
        yield Hit("curves", f"group(s) outside X25519/P-256/P-384: {listing(bad)}",
                  items=tuple(bad))


@rule(RULES, id="TLS304", name="group-unsupported-by-openssl", severity=Severity.ERROR,
      summary="A post-quantum group on an OpenSSL older than 3.5 (the server will not start).",
      why="OpenSSL before 3.5 does not know X25519MLKEM768: `nginx -t` fails with \"group cannot "
          "be set\", HAProxy refuses the config.",
      bad="# openssl: \"3.0\" in .tlsconf.yaml\nssl_ecdh_curve X25519MLKEM768:X25519;",
      good="ssl_ecdh_curve X25519:prime256v1:secp384r1;",
      fix="Drop the group, or upgrade to OpenSSL 3.5 (and say so with `openssl:`).",
      references=("OpenSSL 3.5 release notes — https://openssl-library.org/news/openssl-3.5-notes/",),
      applies_to=frozenset({"nginx", "haproxy"}))
def pq_groups(subject: Subject, ctx: Context) -> Iterator[Hit]:
    openssl = ctx.settings.openssl or subject.facts.openssl
    if openssl is None or not explicit(subject, "curves"):
        return
    bad = [name for name in subject.site.tls.curves
           if (g := GROUPS_BY_NAME.get(CURVE_ALIASES.get(name, name))) is not None
           and g.openssl_min > openssl]
    if bad:
        have = ".".join(map(str, openssl))
        yield Hit("curves", f"group(s) unknown to OpenSSL {have}: {listing(bad)}",
                  items=tuple(bad))
