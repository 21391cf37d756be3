"""TLS4xx — session and protocol features, and the profile itself."""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf.findings import Severity
from tlsconf.lint.model import Hit, Subject
from tlsconf.names import NGINX_TICKET_KEY_ROTATION
from tlsconf.rules.base import Check, Context, Rule, declare, flag, rule

RULES: list[Rule] = []
MOZILLA = "Mozilla Server Side TLS — https://wiki.mozilla.org/Security/Server_Side_TLS"


@rule(RULES, id="TLS401", name="old-profile", severity=Severity.ERROR,
      summary="The site uses the Mozilla `old` profile (unless you lint against `old`).",
      why="`old` enables TLS 1.0/1.1, 3DES and static-RSA suites for clients from before 2014; "
          "Mozilla dropped it from guideline 6.0.",
      bad="tls:\n  profile: old", good="tls:\n  profile: intermediate",
      fix="Use intermediate (or modern). If legacy clients really need it, lint with "
          "`--profile old` and record why.", references=(MOZILLA,),
      applies_to=frozenset({"spec"}), example_lang="yaml")
def old_profile(subject: Subject, ctx: Context) -> Iterator[Hit]:
    if subject.site.tls.profile == "old" and ctx.profile.name != "old":
        yield Hit("profile", "the Mozilla `old` profile enables TLS 1.0/1.1, 3DES and static-RSA "
                             "suites")


_static = flag("tickets_unrotated", "tickets_unrotated",
               "session tickets are on with keys that are not rotated")


def _tickets_unrotated(subject: Subject, ctx: Context) -> Iterator[Hit]:
    """Static key files anywhere; and, when the `nginx_version` setting names a release
    before 1.23.2, nginx's own tickets (on unless `ssl_session_tickets off`), whose keys it
    makes at start and never changes."""
    hits = list(_static(subject, ctx))
    release = ctx.settings.server_version(subject.kind) if subject.kind == "nginx" else None
    if not hits and release is not None and release < NGINX_TICKET_KEY_ROTATION \
            and subject.site.tls.session_tickets is not False:
        how = ("on" if subject.site.tls.session_tickets
               else "on by default (no ssl_session_tickets)")
        hits.append(Hit("session_tickets", f"session tickets are {how} and nginx "
                        f"{'.'.join(map(str, release))} never rotates their keys "
                        "(it does from 1.23.2)"))
    yield from hits


# Rules that flag one setting of `ProxyFacts`: (check, rule metadata), in id order.
_FLAGS: tuple[tuple[Check, dict[str, object]], ...] = (
    (flag("compression", "compression", "TLS compression is enabled (CRIME)"), dict(
        id="TLS402", name="tls-compression", severity=Severity.ERROR,
        summary="TLS-level compression is switched on.",
        why="Compression before encryption leaks secrets through length (CRIME).",
        bad="ssl_conf_command Options Compression;", good="# (no Compression option)",
        fix="Remove the Compression option.",
        references=("CRIME (CVE-2012-4929) — https://nvd.nist.gov/vuln/detail/CVE-2012-4929",),
        applies_to=frozenset({"nginx"}))),
    (flag("insecure_renegotiation", "insecure_renegotiation",
          "insecure legacy renegotiation is allowed"), dict(
        id="TLS403", name="insecure-renegotiation", severity=Severity.ERROR,
        summary="Insecure legacy renegotiation is allowed.",
        why="Without RFC 5746 secure renegotiation an attacker can splice a prefix into the "
            "victim's session (CVE-2009-3555).",
        bad="ssl_conf_command Options UnsafeLegacyRenegotiation;",
        good="# (no UnsafeLegacyRenegotiation option)", fix="Remove the option.",
        references=("RFC 5746 — https://www.rfc-editor.org/rfc/rfc5746",),
        applies_to=frozenset({"nginx"}))),
    (flag("early_data", "early_data", "0-RTT early data is enabled (replayable)"), dict(
        id="TLS404", name="early-data-enabled", severity=Severity.WARNING,
        summary="TLS 1.3 0-RTT early data is accepted.",
        why="Early data can be replayed by an attacker; only idempotent requests are safe and "
            "the backend must check `Early-Data: 1`.",
        bad="ssl_early_data on;", good="ssl_early_data off;",
        fix="Turn early data off, or make sure the backend rejects replayable requests.",
        references=("RFC 8446 §8 (0-RTT and anti-replay) — "
                    "https://www.rfc-editor.org/rfc/rfc8446#section-8",),
        applies_to=frozenset({"nginx", "haproxy"}))),
    (_tickets_unrotated, dict(
        id="TLS405", name="session-ticket-keys-not-rotated", severity=Severity.WARNING,
        summary="Session tickets with keys that are never rotated.",
        why="Whoever obtains a ticket key can decrypt every session resumed with it: static "
            "ticket keys defeat forward secrecy. nginx before 1.23.2 never rotates its own keys.",
        bad="ssl_session_tickets on;\nssl_session_ticket_key /etc/nginx/ticket.key;",
        good="ssl_session_tickets off;",
        fix="Turn tickets off (the session cache still resumes), or rotate the key files often.",
        references=(MOZILLA,),
        applies_to=frozenset({"spec", "nginx", "haproxy", "envoy", "caddy"}))),
)
declare(RULES, _FLAGS)
