"""TLS2xx — cipher suites. Each enabled TLS <= 1.2 suite lands in the always-weak categories
it belongs to (NULL, anonymous, EXPORT, RC4, DES, MD5), else in the first profile-dependent one
(3DES, uncommon, static RSA, CBC, other), so one weak suite is not reported five times. OpenSSL
cipher strings were expanded by the ingester with tlsconf's own suite table (`tlsconf.suites`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache

from tlsconf import suites
from tlsconf.findings import Severity
from tlsconf.lint.model import SERVER_DEFAULT, Hit, Subject
from tlsconf.profiles import Profile
from tlsconf.rules.base import (
    ALL_KINDS,
    Context,
    Rule,
    as_written,
    declare,
    explicit,
    legacy_enabled,
    listing,
    rule,
)

RULES: list[Rule] = []
OPENSSL_INPUTS = frozenset({"spec", "nginx", "haproxy"})  # Go (Traefik) refuses these suites
# Kubernetes too: NGINX Gateway Fabric takes an OpenSSL cipher string, Envoy BoringSSL names.
CIPHER_LISTS = OPENSSL_INPUTS | {"k8s"}
# What BoringSSL (Envoy) and Caddy (Go) accept at all: Envoy refuses NULL, anonymous, EXPORT,
# RC4, DES and MD5 suites, Caddy also 3DES and every uncommon one (both are exit 2 at lint).
BORINGSSL = frozenset({"envoy"})
NO_RC4 = ALL_KINDS - {"envoy", "caddy"}
MOZILLA = "Mozilla Server Side TLS — https://wiki.mozilla.org/Security/Server_Side_TLS"
ONE_SUITE = "ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;"  # the `good` example of most rules
STANDARD_TLS13 = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                  "TLS_CHACHA20_POLY1305_SHA256")
CATCH_ALL = frozenset({"ALL", "DEFAULT", "HIGH", "MEDIUM", "COMPLEMENTOFDEFAULT",
                       "COMPLEMENTOFALL"})
_UNCOMMON = frozenset({"CAMELLIA", "SEED", "ARIAGCM", "ARIA", "GOST89", "GOST89CNT12", "MAGMA",
                       "KUZNYECHIK"})

# (category, always weak?, test). Always-weak categories all apply; of the others, the first.
Test = Callable[[suites.Suite], bool]
_CATEGORIES: tuple[tuple[str, bool, Test], ...] = (
    ("null", True, lambda s: s.enc == "NULL"),
    ("anon", True, lambda s: s.auth == "anon"),
    ("export", True, lambda s: s.export),
    ("rc4", True, lambda s: s.enc == "RC4"),
    ("des", True, lambda s: s.enc in ("DES", "RC2") or s.bits < 112),
    ("md5", True, lambda s: s.mac == "MD5"),
    ("3des", False, lambda s: s.enc in ("3DES", "IDEA")),
    ("uncommon", False, lambda s: s.enc in _UNCOMMON or s.auth in ("DSS", "PSK", "SRP", "KRB5")
     or s.kx in ("PSK", "RSAPSK", "DHEPSK", "ECDHEPSK", "SRP", "KRB5", "GOST", "GOST18")),
    ("static", False, lambda s: not s.forward_secret),
    ("cbc", False, lambda s: not s.aead),
    ("other", False, lambda s: True),
)


@cache
def _classify(ciphers: tuple[str, ...], allowed: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    allowed_set = set(allowed)
    for name in ciphers:
        suite = suites.lookup(name)
        if suite is None or suite.tls13:
            continue
        label = suite.openssl or suite.iana
        # Every always-weak category a suite is in (RC4-MD5 is RC4 and MD5); else the first
        # profile-dependent one it falls in.
        weak = [c for c, always, test in _CATEGORIES if always and test(suite)]
        if not weak and label not in allowed_set and suite.iana not in allowed_set:
            weak = [next(c for c, always, test in _CATEGORIES if not always and test(suite))]
        for category in weak:
            out.setdefault(category, []).append(label)
    return {k: tuple(v) for k, v in out.items()}


def _judged(subject: Subject) -> bool:
    return legacy_enabled(subject) and subject.origin_kind("ciphers") != SERVER_DEFAULT


def _category_rule(category: str, text: str) -> Callable[[Subject, Context], Iterator[Hit]]:
    def check(subject: Subject, ctx: Context) -> Iterator[Hit]:
        if not _judged(subject):
            return
        names = _classify(subject.site.tls.ciphers, _allowed(ctx.profile)).get(category)
        if not names:
            return
        # A list with one item per suite (Traefik cipherSuites) locates each: one finding per
        # item, at the item; a cipher string is one value, so one finding at the directive.
        items = [subject.facts.where.get(f"ciphers:{name}") for name in names]
        if all(items):
            for name, where in zip(names, items, strict=True):
                yield Hit("ciphers", f"{text}: {name}", where, (name,))
        else:
            yield Hit("ciphers", f"{text}: {listing(names)}", items=tuple(names))
    return check


def _allowed(profile: Profile) -> tuple[str, ...]:
    return profile.ciphers


# One rule per category: (category, message, rule metadata), in id order.
_CATEGORY_RULES: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("null", "NULL (unencrypted) suites enabled", dict(
        id="TLS201", name="null-cipher", applies_to=CIPHER_LISTS, severity=Severity.ERROR,
        summary="A NULL cipher suite (no encryption) is enabled.",
        why="eNULL suites authenticate but do not encrypt: traffic is readable on the wire.",
        bad="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:NULL-SHA;", good=ONE_SUITE,
        fix="Remove NULL suites; better, list the profile's suites explicitly.",
        references=(MOZILLA,))),
    ("anon", "anonymous (unauthenticated) suites enabled", dict(
        id="TLS202", name="anonymous-cipher", applies_to=CIPHER_LISTS, severity=Severity.ERROR,
        summary="An anonymous suite (aNULL: ADH, AECDH) is enabled.",
        why="Anonymous key exchange authenticates nobody: any man in the middle can intercept. "
            "`!ADH` still leaves AECDH suites in.",
        bad="ssl_ciphers HIGH:!ADH;",
        good="ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;",
        fix="Exclude `!aNULL`, or list suites explicitly.", references=(MOZILLA,))),
    ("export", "EXPORT (40/56-bit) suites enabled", dict(
        id="TLS203", name="export-cipher", applies_to=CIPHER_LISTS, severity=Severity.ERROR,
        summary="An EXPORT-grade suite is enabled.",
        why="Export suites use 40/56-bit keys, broken in minutes (FREAK, Logjam).",
        bad="ssl_ciphers EXP-RC4-MD5:ECDHE-RSA-AES128-GCM-SHA256;", good=ONE_SUITE,
        fix="Remove EXPORT suites.",
        references=("FREAK (CVE-2015-0204) — https://freakattack.com/", MOZILLA))),
    ("rc4", "RC4 suites enabled (prohibited by RFC 7465)", dict(
        id="TLS204", name="rc4-cipher", applies_to=NO_RC4, severity=Severity.ERROR,
        summary="An RC4 suite is enabled.",
        why="RC4 keystream biases make plaintext recovery practical; RFC 7465 prohibits it.",
        bad="ssl_ciphers RC4-SHA:ECDHE-RSA-AES128-GCM-SHA256;", good=ONE_SUITE,
        fix="Remove RC4 suites.",
        references=("RFC 7465: Prohibiting RC4 — https://www.rfc-editor.org/rfc/rfc7465",
                    MOZILLA))),
    ("des", "single-DES/RC2/LOW suites enabled", dict(
        id="TLS205", name="des-cipher", applies_to=CIPHER_LISTS, severity=Severity.ERROR,
        summary="A single-DES, RC2 or other LOW-strength suite is enabled.",
        why="56-bit DES and RC2 are brute-forceable with commodity hardware.",
        bad="ssl_ciphers DES-CBC-SHA:ECDHE-RSA-AES128-GCM-SHA256;", good=ONE_SUITE,
        fix="Remove DES, RC2 and LOW suites.", references=(MOZILLA,))),
    ("md5", "suites with an MD5 MAC enabled", dict(
        id="TLS206", name="md5-mac", applies_to=CIPHER_LISTS, severity=Severity.ERROR,
        summary="A suite authenticated with HMAC-MD5 is enabled.",
        why="MD5 is broken; no current profile or client needs it.",
        bad="ssl_ciphers RC4-MD5:ECDHE-RSA-AES128-GCM-SHA256;", good=ONE_SUITE,
        fix="Remove MD5 suites (`!MD5`).", references=(MOZILLA,))),
    ("3des", "64-bit block ciphers (3DES/IDEA, SWEET32) enabled", dict(
        id="TLS207", name="3des-cipher", applies_to=ALL_KINDS - {"caddy"},
        severity=Severity.ERROR,
        summary="A 3DES or IDEA suite (64-bit block, SWEET32) is enabled outside the old profile.",
        why="64-bit block ciphers leak plaintext after ~32 GB on one connection (SWEET32, "
            "CVE-2016-2183); SSL Labs caps the grade at C.",
        bad="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA;", good=ONE_SUITE,
        fix="Remove 3DES and IDEA suites.",
        references=("SWEET32 — https://sweet32.info/", MOZILLA))),
    ("static", "suites without forward secrecy (static RSA/DH key exchange) enabled", dict(
        id="TLS208", name="static-key-exchange", severity=Severity.WARNING,
        summary="A suite with static RSA (or static DH) key exchange is enabled.",
        why="Without an ephemeral key exchange, whoever obtains the private key later can "
            "decrypt every recorded session; ROBOT-style oracles also target RSA key transport.",
        bad="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256;", good=ONE_SUITE,
        fix="Keep only ECDHE (or DHE) suites.", references=(MOZILLA,))),
    ("cbc", "CBC/SHA-1 MAC suites enabled", dict(
        id="TLS209", name="cbc-cipher", severity=Severity.WARNING,
        summary="A CBC-mode (MAC-then-encrypt) suite is enabled outside the old profile.",
        why="CBC suites are the source of padding-oracle attacks (Lucky13, POODLE-TLS); the "
            "intermediate profile uses only AEAD (GCM, ChaCha20-Poly1305).",
        bad="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA;", good=ONE_SUITE,
        fix="Keep only AEAD suites.", references=(MOZILLA,))),
    ("uncommon", "uncommon suites (CAMELLIA/SEED/ARIA/PSK/SRP/DSS) enabled", dict(
        id="TLS210", name="uncommon-cipher", applies_to=CIPHER_LISTS | BORINGSSL,
        severity=Severity.WARNING,
        summary="A CAMELLIA, SEED, ARIA, GOST, PSK, SRP or DSS suite is enabled.",
        why="No mainstream client needs them; they add rarely-tested code paths and DSS keys "
            "are limited to 1024 bits in practice. Usually pulled in by a catch-all like HIGH.",
        bad="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:CAMELLIA256-SHA;", good=ONE_SUITE,
        fix="List the profile's suites explicitly.", references=(MOZILLA,))),
    ("other", "suites not in the profile enabled", dict(
        id="TLS211", name="cipher-not-in-profile",
        applies_to=CIPHER_LISTS | {"envoy", "caddy"},
        severity=Severity.WARNING,
        summary="An otherwise sound suite that the judging profile does not include (e.g. DHE).",
        why="Mozilla intermediate 6.0 dropped DHE suites; suites outside the profile are "
            "untested by the profile's compatibility guarantees and may need extra parameters.",
        bad="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256;", good=ONE_SUITE,
        fix="Use the profile's list.", references=(MOZILLA,))),
)
declare(RULES, ((_category_rule(category, text), meta)
                for category, text, meta in _CATEGORY_RULES))


@rule(RULES, id="TLS212", name="no-forward-secrecy", severity=Severity.WARNING,
      summary="No enabled TLS <= 1.2 suite has an ephemeral (ECDHE/DHE) key exchange.",
      why="Clients without TLS 1.3 get no forward secrecy at all; SSL Labs caps the grade at B.",
      bad="ssl_ciphers AES128-GCM-SHA256:AES256-GCM-SHA384;",
      good="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384;",
      fix="Add ECDHE suites.", references=(MOZILLA,))
def no_forward_secrecy(subject: Subject, ctx: Context) -> Iterator[Hit]:
    if not _judged(subject):
        return
    found = [s for n in subject.site.tls.ciphers
             if (s := suites.lookup(n)) is not None and not s.tls13]
    if found and not any(s.forward_secret for s in found):
        yield Hit("ciphers", "no enabled TLS <= 1.2 suite has forward secrecy (ECDHE/DHE)")


@rule(RULES, id="TLS213", name="catch-all-cipher-selector", severity=Severity.WARNING,
      summary="The cipher string uses ALL, DEFAULT, HIGH or MEDIUM.",
      why="What a catch-all selects depends on the OpenSSL build and version: the same config "
          "enables different suites on different machines. `HIGH:!aNULL:!MD5` alone selects "
          "about 150 suites, including static-RSA, CBC, CAMELLIA and PSK ones.",
      bad="ssl_ciphers HIGH:!aNULL:!MD5;",
      good="ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;",
      fix="List the suites explicitly (the profile's list).", references=(MOZILLA,),
      applies_to=frozenset({"nginx", "haproxy", "k8s"}))
def catch_all(subject: Subject, ctx: Context) -> Iterator[Hit]:
    text = subject.facts.cipher_string
    if text is None or not _judged(subject):
        return
    words = [w.lstrip("+") for part in text.replace(",", ":").replace(" ", ":").split(":")
             for w in part.split("+") if w and w[0] not in "!-"]
    used = [w for w in words if w in CATCH_ALL]
    if used:
        yield Hit("ciphers", "cipher string uses the build-dependent selector(s) "
                             f"{', '.join(used)}")


@rule(RULES, id="TLS214", name="unknown-cipher-token", severity=Severity.WARNING,
      summary="A word in the cipher string that OpenSSL does not know (and silently skips).",
      why="OpenSSL ignores unknown names without an error: a typo means a suite you meant to "
          "exclude or include is not.",
      bad="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:!RC4-MD55;",
      good="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;", fix="Fix or remove the word.",
      references=("OpenSSL ciphers(1) — https://docs.openssl.org/master/man1/openssl-ciphers/",),
      applies_to=frozenset({"nginx", "haproxy", "k8s"}))
def unknown_token(subject: Subject, ctx: Context) -> Iterator[Hit]:
    if subject.facts.cipher_unknown:
        yield Hit("ciphers", f"unknown cipher string word(s) ignored by OpenSSL: "
                             f"{listing(subject.facts.cipher_unknown)}",
                  items=subject.facts.cipher_unknown)


@rule(RULES, id="TLS215", name="ciphers-left-to-default", severity=Severity.WARNING,
      summary="No cipher suites are configured: the server or OpenSSL build decides.",
      why="nginx's default `HIGH:!aNULL:!MD5` accepts AES128-SHA (static RSA, CBC); Traefik's "
          "(Go's) defaults include CBC suites; the result depends on the build.",
      bad="server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n}",
      good="server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n"
           "    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;\n}",
      fix="Set the profile's suites explicitly.", references=(MOZILLA,),
      applies_to=frozenset({"nginx", "haproxy", "traefik", "envoy", "caddy", "k8s"}))
def ciphers_default(subject: Subject, ctx: Context) -> Iterator[Hit]:
    origin = subject.site.origins.get("ciphers")
    if origin is not None and origin.kind == SERVER_DEFAULT and legacy_enabled(subject):
        yield Hit("ciphers", f"cipher suites are not set: {origin.detail}")


@rule(RULES, id="TLS216", name="nonstandard-tls13-suite", severity=Severity.WARNING,
      summary="A TLS 1.3 suite beyond the three standard ones (the CCM suites) is enabled.",
      why="TLS_AES_128_CCM(_8)_SHA256 are for constrained devices; CCM_8 has a short tag. "
          "No browser offers them.",
      bad="ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_8_SHA256;",
      good="ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
           "TLS_CHACHA20_POLY1305_SHA256;",
      fix="Enable only the three standard TLS 1.3 suites.", references=(MOZILLA,),
      applies_to=OPENSSL_INPUTS)
def tls13_suites(subject: Subject, ctx: Context) -> Iterator[Hit]:
    bad = [s for s in subject.site.tls.ciphersuites if s not in STANDARD_TLS13]
    if bad and "TLSv1.3" in subject.site.tls.protocols:
        yield Hit("ciphersuites", f"non-standard TLS 1.3 suite(s) enabled: {listing(bad)}",
                  items=tuple(bad))


@rule(RULES, id="TLS217", name="dead-cipher-list", severity=Severity.INFO,
      summary="A TLS <= 1.2 cipher list on a server that only speaks TLS 1.3.",
      why="The list has no effect (TLS 1.3 suites are configured separately): dead config that "
          "misleads readers about what is negotiated.",
      bad="ssl_protocols TLSv1.3;\nssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;",
      good="ssl_protocols TLSv1.3;",
      fix="Remove the cipher list (or enable TLS 1.2 if it is needed).", references=(MOZILLA,))
def dead_list(subject: Subject, ctx: Context) -> Iterator[Hit]:
    tls = subject.site.tls
    if tls.protocols == ("TLSv1.3",) and tls.ciphers and explicit(subject, "ciphers"):
        yield Hit("ciphers", "TLS <= 1.2 cipher list has no effect: only TLS 1.3 is enabled")


@rule(RULES, id="TLS218", name="older-mozilla-guideline", severity=Severity.INFO,
      summary="The cipher list is exactly an older Mozilla guideline's profile (5.7).",
      why="A list copied from Mozilla guideline 5.7 (intermediate: with the DHE suites) has not "
          "followed the current guideline (6.0, 2026-04-06), which dropped them. Dated: before "
          "6.0 was published (`--as-of`), 5.7 was current and nothing is said. Protocols and "
          "TLS 1.3 suites are the same in both guidelines; the groups are TLS305's. Traefik is "
          "not judged: Go has no DHE suites, so its 5.7 list is 6.0's.",
      bad=("ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
           "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
           "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
           "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;"),
      good=("ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;"),
      fix="Use the current guideline's list (the message has it), or leave the ciphers to the "
          "profile.",
      references=(MOZILLA, "Mozilla guideline 6.0 — https://ssl-config.mozilla.org/guidelines/6.0.json"),
      applies_to=OPENSSL_INPUTS)
def older_guideline(subject: Subject, ctx: Context) -> Iterator[Hit]:
    from tlsconf import profiles

    tls = subject.site.tls
    if not tls.ciphers or not explicit(subject, "ciphers"):
        return
    old = profiles.superseded()
    if ctx.today < old.since:
        return  # the older guideline was the current one
    for name, ciphers in old.ciphers.items():
        current = profiles.get(name)
        if ciphers and tls.ciphers == ciphers and ciphers != current.ciphers:
            replacement = as_written(subject, "ciphers", current.ciphers, "ssl_ciphers", "ciphers")
            yield Hit("ciphers", f"this is Mozilla {name} {old.guideline}; current is "
                                 f"{current.guideline}: {replacement}")
            return
