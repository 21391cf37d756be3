"""TLS3xx — key exchange: DH parameters and groups (curves)."""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf.findings import Severity
from tlsconf.lint.model import Hit, Subject
from tlsconf.names import CURVE_ALIASES, GROUPS_BY_NAME, Group
from tlsconf.rules.base import Context, Rule, as_written, explicit, listing, rule

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
        yield Hit("curves", f"group(s) unknown to OpenSSL {have}: {listing(bad)}")


PQ = "X25519MLKEM768"
# Kubernetes policies are not judged: the Gateway implementations' versions are not known.
PQ_KINDS = frozenset({"spec", "nginx", "haproxy", "traefik"})
PQ_REFS = ("Mozilla Server Side TLS 6.0 (X25519MLKEM768 first) — "
           "https://ssl-config.mozilla.org/guidelines/6.0.json",
           "IANA TLS Supported Groups — https://www.iana.org/assignments/tls-parameters/"
           "tls-parameters.xhtml#tls-parameters-8")


def _group(name: str) -> Group | None:
    """A group by its OpenSSL name, alias or Go (Traefik) name."""
    found = GROUPS_BY_NAME.get(CURVE_ALIASES.get(name, name))
    return found or next((g for g in GROUPS_BY_NAME.values() if g.go == name), None)


def _written(subject: Subject, names: list[str]) -> str:
    return as_written(subject, "curves", names, "ssl_ecdh_curve", "curves",
                      "curvePreferences" if subject.kind == "traefik" else "curves")


def _pq_capable(subject: Subject, ctx: Context) -> str | None:
    """Who can offer X25519MLKEM768 for this input, in words; None when it cannot."""
    from tlsconf.names import parse_version

    group = GROUPS_BY_NAME[PQ]
    if subject.kind == "spec":
        # A pinned group is refused (not dropped) by a target too old for it, so the advice
        # holds only when every target the spec renders for can offer it.
        return None if subject.facts.pq_unsupported else "every target of this spec"
    if subject.kind == "traefik":
        version = ctx.settings.server_version("traefik")
        if version is None:
            from tlsconf.targets.traefik import DEFAULT_VERSION

            version = parse_version(DEFAULT_VERSION)
        have = ".".join(map(str, version))
        return f"Traefik {have}" if version >= group.traefik_min else None
    openssl = ctx.settings.openssl or subject.facts.openssl
    if openssl is None or openssl < group.openssl_min:
        return None  # unknown or older OpenSSL: the group would stop the server (TLS304)
    return f"OpenSSL {'.'.join(map(str, openssl))}"


@rule(RULES, id="TLS305", name="post-quantum-group-missing", severity=Severity.WARNING,
      summary="A pinned group list without X25519MLKEM768 where the server version can offer "
              "it.",
      why="Chrome (131+), Firefox (132+) and Go (1.24+) offer the hybrid post-quantum group "
          "X25519MLKEM768 first; a pinned classical list turns it off, leaving recorded "
          "traffic open to a future quantum computer (harvest now, decrypt later). Judged "
          "where the version can offer it: Traefik >= 3.5 (the `traefik_version` setting, "
          "default the version tlsconf renders for), nginx/HAProxy with `openssl` >= 3.5, and "
          "a spec whose every version-gated target can (Envoy and Caddy always can; nginx and "
          "HAProxy need `targets.*.openssl` >= 3.5, Traefik `targets.traefik.version` >= 3.5, "
          "as they refuse a pinned group they cannot offer).",
      bad="# openssl: \"3.5\" in .tlsconf.yaml\nssl_ecdh_curve X25519:prime256v1;",
      good="ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1;",
      fix="Put X25519MLKEM768 first in the list (or leave the groups to the profile).",
      references=PQ_REFS, applies_to=PQ_KINDS)
def pq_missing(subject: Subject, ctx: Context) -> Iterator[Hit]:
    curves = list(subject.site.tls.curves)
    if not explicit(subject, "curves") or not curves:
        return
    groups = [_group(name) for name in curves]
    if any(g is not None and g.name == PQ for g in groups):
        return
    if all(g is not None and g.post_quantum for g in groups):
        return  # PQ-only: TLS306
    who = _pq_capable(subject, ctx)
    if who is not None:
        yield Hit("curves", f"the pinned group list leaves out {PQ} (hybrid post-quantum "
                            f"key exchange), which {who} can offer; use "
                            f"{_written(subject, [PQ, *curves])}")


@rule(RULES, id="TLS306", name="post-quantum-only-groups", severity=Severity.ERROR,
      summary="Every pinned group is post-quantum: no classical fallback.",
      why="Clients without ML-KEM (older browsers, OpenSSL before 3.5, Go before 1.24, most "
          "API clients) share no group with the server and fail the handshake.",
      bad="ssl_ecdh_curve X25519MLKEM768;", good="ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1;",
      fix="Keep X25519 and P-256 after the post-quantum group.", references=PQ_REFS,
      applies_to=PQ_KINDS)
def pq_only(subject: Subject, ctx: Context) -> Iterator[Hit]:
    curves = list(subject.site.tls.curves)
    if not explicit(subject, "curves") or not curves:
        return
    groups = [_group(name) for name in curves]
    if all(g is not None and g.post_quantum for g in groups):
        fallback = ["X25519", "CurveP256" if subject.kind == "traefik" else "prime256v1"]
        yield Hit("curves", f"every group is post-quantum ({listing(curves)}): clients "
                            "without ML-KEM cannot connect; add a classical fallback: "
                            f"{_written(subject, [*curves, *fallback])}",
                  items=tuple(curves))
