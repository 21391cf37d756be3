"""TLS1xx — protocol versions."""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf.findings import Severity
from tlsconf.lint.model import SERVER_DEFAULT, Hit, Subject
from tlsconf.names import HAPROXY_MODERN_PROTOCOLS, NGINX_MODERN_PROTOCOLS, PROTOCOLS
from tlsconf.rules.base import ALL_KINDS, Context, Rule, rule

RULES: list[Rule] = []
RFC8996 = "RFC 8996: Deprecating TLS 1.0 and TLS 1.1 — https://www.rfc-editor.org/rfc/rfc8996"
MOZILLA = "Mozilla Server Side TLS — https://wiki.mozilla.org/Security/Server_Side_TLS"


ALL = PROTOCOLS[PROTOCOLS.index("TLSv1"):]  # TLS 1.0 to 1.3
# What a server enables when its config names no version, by release: (the release that
# changed it, the default before it, the default from it). nginx 1.23.4 dropped TLS 1.0/1.1
# from `ssl_protocols`' default; HAProxy 2.2 raised the default `ssl-min-ver` to TLS 1.2.
SERVER_DEFAULTS = {
    "nginx": (NGINX_MODERN_PROTOCOLS, ALL, ("TLSv1.2", "TLSv1.3")),
    "haproxy": (HAPROXY_MODERN_PROTOCOLS, ALL, ("TLSv1.2", "TLSv1.3")),
}


def known_default(subject: Subject, ctx: Context) -> tuple[str, tuple[str, ...]] | None:
    """(`nginx 1.22`, its versions) when the config sets no version and the server's release
    is known (the `nginx_version`/`haproxy_version` settings): the default is then a fact."""
    if subject.origin_kind("protocols") != SERVER_DEFAULT or subject.kind not in SERVER_DEFAULTS:
        return None
    release = ctx.settings.server_version(subject.kind)
    if release is None:
        return None
    since, before, after = SERVER_DEFAULTS[subject.kind]
    return f"{subject.kind} {'.'.join(map(str, release))}", before if release < since else after


def _protocols(subject: Subject, ctx: Context) -> tuple[tuple[str, ...], str] | None:
    """The versions to judge and a note on where they come from: the configured ones, or a
    known release's default; None when the server decides and its release is unknown (TLS105
    says so instead)."""
    if subject.origin_kind("protocols") != SERVER_DEFAULT:
        return subject.site.tls.protocols, ""
    known = known_default(subject, ctx)
    if known is None:
        return None
    return known[1], f" ({known[0]}'s default: no version is set)"


def _outside_profile(subject: Subject, ctx: Context, versions: tuple[str, ...],
                     message: str) -> Iterator[Hit]:
    """One hit for the `versions` the site enables and the judging profile does not allow;
    `message` is formatted with `bad`, `profile` and `allowed`."""
    judged = _protocols(subject, ctx)
    if judged is None:
        return
    allowed = ctx.profile.protocols
    bad = [p for p in judged[0] if p in versions and p not in allowed]
    if bad:
        yield Hit("protocols", message.format(bad=" and ".join(bad), profile=ctx.profile.name,
                                              allowed=" ".join(allowed)) + judged[1],
                  items=tuple(bad))


@rule(RULES, id="TLS101", name="ssl-protocol-enabled", severity=Severity.ERROR,
      summary="SSLv2 or SSLv3 is enabled.",
      why="SSLv3 is broken by POODLE (RFC 7568) and SSLv2 by DROWN; no profile allows them.",
      bad="ssl_protocols SSLv3 TLSv1.2 TLSv1.3;", good="ssl_protocols TLSv1.2 TLSv1.3;",
      fix="Remove SSLv2 and SSLv3 from the enabled protocols.",
      references=("RFC 7568: Deprecating SSLv3 — https://www.rfc-editor.org/rfc/rfc7568", MOZILLA),
      applies_to=frozenset({"spec", "nginx", "haproxy", "k8s"}))
def ssl_protocols(subject: Subject, ctx: Context) -> Iterator[Hit]:
    bad = [p for p in subject.site.tls.protocols if p in ("SSLv2", "SSLv3")]
    if bad and subject.origin_kind("protocols") != SERVER_DEFAULT:
        yield Hit("protocols", f"{' and '.join(bad)} enabled (broken: POODLE, DROWN)",
                  items=tuple(bad))


@rule(RULES, id="TLS102", name="legacy-tls-version", severity=Severity.ERROR,
      summary="TLS 1.0 or TLS 1.1 is enabled (any profile but old).",
      why="RFC 8996 deprecates TLS 1.0 and 1.1: SHA-1/MD5 handshake hashes, CBC-only ciphers; "
          "browsers removed them in 2020 and SSL Labs caps the grade at B.",
      bad="ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;", good="ssl_protocols TLSv1.2 TLSv1.3;",
      fix="Enable TLSv1.2 and TLSv1.3 only (TLSv1.3 only for the modern profile).",
      references=(RFC8996, MOZILLA),
      applies_to=ALL_KINDS - {"caddy"})  # Caddy has no TLS 1.0/1.1 (TLS106 when asked for)
def legacy_tls(subject: Subject, ctx: Context) -> Iterator[Hit]:
    return _outside_profile(subject, ctx, ("TLSv1", "TLSv1.1"),
                            "{bad} enabled (deprecated by RFC 8996; Mozilla {profile} allows "
                            "{allowed})")


@rule(RULES, id="TLS103", name="tls13-disabled", severity=Severity.WARNING,
      summary="TLS 1.3 is not enabled.",
      why="TLS 1.3 removes every legacy algorithm, encrypts more of the handshake and saves a "
          "round trip; every Mozilla profile enables it.",
      bad="ssl_protocols TLSv1.2;", good="ssl_protocols TLSv1.2 TLSv1.3;",
      fix="Add TLSv1.3 to the enabled protocols.", references=(MOZILLA,))
def tls13_missing(subject: Subject, ctx: Context) -> Iterator[Hit]:
    judged = _protocols(subject, ctx)
    if judged is not None and "TLSv1.3" not in judged[0]:
        yield Hit("protocols", f"TLSv1.3 is not enabled{judged[1]}")


@rule(RULES, id="TLS104", name="protocol-not-in-profile", severity=Severity.WARNING,
      summary="A TLS 1.2+ version the judging profile does not allow (e.g. TLS 1.2 under modern).",
      why="The profile was chosen for its client base; a version outside it widens the attack "
          "surface without being needed.",
      bad="# judged against modern\nssl_protocols TLSv1.2 TLSv1.3;",
      good="ssl_protocols TLSv1.3;",
      fix="Enable only the profile's versions, or judge against the profile you really target "
          "(`--profile`, `profile:` in .tlsconf.yaml).", references=(MOZILLA,))
def not_in_profile(subject: Subject, ctx: Context) -> Iterator[Hit]:
    return _outside_profile(subject, ctx, ("TLSv1.2", "TLSv1.3"),
                            "{bad} enabled; Mozilla {profile} allows {allowed}")


@rule(RULES, id="TLS105", name="protocols-left-to-default", severity=Severity.WARNING,
      summary="No protocol versions are configured: the server or OpenSSL build decides.",
      why="Defaults differ by release (nginx before 1.23.4 enables TLS 1.0 and 1.1; only "
          "OpenSSL's security level may keep them out) — the result is not visible in the config.",
      bad="server {\n    listen 443 ssl;\n    # no ssl_protocols\n}",
      good="server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n}",
      fix="Set the versions explicitly (nginx `ssl_protocols`, HAProxy `ssl-default-bind-options "
          "ssl-min-ver TLSv1.2`, Traefik `tls.options.default.minVersion`).",
      references=(MOZILLA,),
      applies_to=frozenset({"nginx", "haproxy", "traefik", "envoy", "caddy", "k8s"}))
def left_to_default(subject: Subject, ctx: Context) -> Iterator[Hit]:
    origin = subject.site.origins.get("protocols")
    if origin is not None and origin.kind == SERVER_DEFAULT:
        known = known_default(subject, ctx)
        detail = (origin.detail if known is None
                  else f"{known[0]} enables {' '.join(known[1])} when none is set")
        yield Hit("protocols", f"protocol versions are not set: {detail}")


@rule(RULES, id="TLS106", name="unknown-protocol-value", severity=Severity.ERROR,
      summary="A protocol version value the server does not recognise (and silently ignores).",
      why="Traefik loads `minVersion: foobar` without a warning and falls back to Go's "
          "default (TLS 1.2): the setting you wrote is not the one in force. Keys are "
          "case-insensitive (`minversion` works) but values are matched exactly: "
          "`versiontls13` and `TLS13` are ignored too. Caddy's JSON loads `protocol_min: "
          "tls1.0` the same way (it knows only tls1.2 and tls1.3).",
      bad="tls:\n  options:\n    default:\n      minVersion: TLS12",
      good="tls:\n  options:\n    default:\n      minVersion: VersionTLS12",
      fix="Use a valid value, spelt exactly: VersionTLS12 or VersionTLS13.",
      references=("Traefik TLS options — https://doc.traefik.io/traefik/https/tls/#minimum-tls-version",),
      applies_to=frozenset({"traefik", "caddy", "k8s"}), example_lang="yaml")
def unknown_value(subject: Subject, ctx: Context) -> Iterator[Hit]:
    for value in subject.facts.protocol_unknown:
        yield Hit("protocol_unknown", f"unknown TLS version {value!r} is ignored; the server "
                                      "falls back to its default",
                  subject.facts.where.get(f"protocol_unknown:{value}"))
