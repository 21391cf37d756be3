"""TLS9xx — live verification: what a running endpoint does that its spec (or the `--against`
endpoint) does not.

The rules sit in the one registry (`tlsconf.rules`), so `tlsconf rules`, docs/rules.md, SARIF's
rule list and `.tlsconf.yaml`'s `severity`/`ignore` know them; their input kind is `endpoint`,
which no lint subject has, so lint never runs them. `tlsconf verify` turns each
`compare.Difference` into a finding of the rule `RULE_OF[aspect]`, worded by
`messages.describe`, at the spec value that states the expectation (`ORIGIN_FIELD`). Importing
this module costs nothing beyond the rule base: no TLS client, no comparison, no wording.
"""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf.findings import Severity
from tlsconf.lint.model import Hit, Subject
from tlsconf.rules.base import Context, Rule

ENDPOINT = "endpoint"  # the input kind of these rules: a running server, not a file
MOZILLA = "Mozilla Server Side TLS — https://wiki.mozilla.org/Security/Server_Side_TLS"
RFC8446 = "RFC 8446: TLS 1.3 — https://www.rfc-editor.org/rfc/rfc8446"
RFC5246 = "RFC 5246: TLS 1.2 — https://www.rfc-editor.org/rfc/rfc5246"
RFC6797 = "RFC 6797: HSTS — https://www.rfc-editor.org/rfc/rfc6797"
VERIFY = "tlsconf verify — docs/verify.md"
FIX = "Re-render the spec (`tlsconf render`) and redeploy, or change the spec if it is wrong."


def _never(subject: Subject, ctx: Context) -> Iterator[Hit]:
    """Lint has no endpoint subjects: these rules are judged by `tlsconf verify` only."""
    return iter(())


def _rule(id: str, name: str, severity: Severity, summary: str, why: str, bad: str, good: str,
          references: tuple[str, ...], fix: str = FIX) -> Rule:
    return Rule(id=id, name=name, severity=severity, summary=summary, why=why, bad=bad,
                good=good, fix=fix, references=(*references, VERIFY), check=_never,
                applies_to=frozenset({ENDPOINT}), example_lang="text")


def _example(message: str) -> str:
    return f"$ tlsconf verify site.yaml\nsite.yaml:6:5: {message}"


CLEAN = "$ tlsconf verify site.yaml\n(no output, exit 0)"
RULES: list[Rule] = [
    _rule("TLS901", "served-protocols-differ", Severity.ERROR,
          "The endpoint accepts or refuses TLS versions other than the spec allows.",
          "A version the spec leaves out (TLS 1.0/1.1) weakens every client that can be "
          "downgraded to it; a version it allows but the server refuses locks clients out. "
          "Either way the deployed configuration is not the one reviewed.",
          _example("TLS901 [error] 127.0.0.1:8443 (sni a.test) accepts TLSv1.1; the spec "
                   "allows TLSv1.2, TLSv1.3"), CLEAN, (MOZILLA, RFC8446)),
    _rule("TLS902", "served-ciphers-differ", Severity.ERROR,
          "The endpoint accepts TLS <= 1.2 cipher suites other than the spec allows.",
          "An extra suite (CBC, static RSA, 3DES) is a weakness the spec never agreed to; a "
          "missing one can leave clients without a common suite.",
          _example("TLS902 [error] 127.0.0.1:8443 (sni a.test) accepts the TLS <= 1.2 suite "
                   "AES128-SHA; the spec allows ECDHE-ECDSA-AES128-GCM-SHA256, ..."), CLEAN,
          (MOZILLA, RFC5246)),
    _rule("TLS903", "served-tls13-suites-differ", Severity.ERROR,
          "The endpoint accepts TLS 1.3 cipher suites other than the spec allows.",
          "TLS 1.3 suites are configured apart from the TLS <= 1.2 list; a server left on its "
          "library's defaults may accept CCM suites or refuse ChaCha20.",
          _example("TLS903 [error] 127.0.0.1:8443 (sni a.test) accepts the TLS 1.3 suite "
                   "TLS_AES_128_CCM_SHA256; the spec allows TLS_AES_128_GCM_SHA256, ..."),
          CLEAN, (RFC8446, MOZILLA)),
    _rule("TLS904", "served-groups-differ", Severity.ERROR,
          "The endpoint accepts key-exchange groups (each offered alone) other than the spec's.",
          "Groups decide the strength of the key exchange and post-quantum protection "
          "(X25519MLKEM768): a group the spec pins but the server refuses is protection that "
          "is not there.",
          _example("TLS904 [error] 127.0.0.1:8443 (sni a.test) refuses the group "
                   "X25519MLKEM768 offered alone; the spec allows X25519MLKEM768, X25519, ..."),
          CLEAN, (RFC8446, MOZILLA)),
    _rule("TLS905", "served-sni-differs", Severity.ERROR,
          "A server name (a domain, none, an unknown one) is refused or served against the spec.",
          "A domain that fails the handshake is an outage; a handshake completed without SNI or "
          "for an unknown name shows a certificate and policy to scanners the spec meant to "
          "refuse.",
          _example("TLS905 [error] 127.0.0.1:8443 (no SNI) completes the handshake; the spec "
                   "refuses it"), CLEAN, (VERIFY,)),
    _rule("TLS906", "served-client-auth-differs", Severity.ERROR,
          "Client certificates are asked for or required other than the spec says, or the one "
          "given (--client-cert) is refused.",
          "`required` that became `optional` lets anyone in who does not send a certificate: "
          "the one check mTLS exists for is gone.",
          _example("TLS906 [error] 127.0.0.1:8443 (sni a.test) serves clients without a "
                   "certificate (optional); the spec requires one"), CLEAN, (RFC8446,)),
    _rule("TLS907", "served-resumption-differs", Severity.WARNING,
          "TLS 1.2 session resumption (session IDs, session tickets) differs from the spec.",
          "Tickets the spec turned off (unrotated keys void forward secrecy) are back on, or "
          "resumption the spec promises costs every client a full handshake.",
          _example("TLS907 [warning] 127.0.0.1:8443 (sni a.test) does not resume TLS 1.2 "
                   "sessions by session ticket; the spec does"), CLEAN, (RFC5246, MOZILLA)),
    _rule("TLS908", "served-certificate-differs", Severity.ERROR,
          "The certificate chain served is not the spec's certificate file (SHA-256, in order).",
          "Another certificate (a stale one, a default one) or a chain in the wrong order fails "
          "clients or expires unnoticed; the file the spec names is the one that was checked.",
          _example("TLS908 [error] 127.0.0.1:8443 (sni a.test) serves the chain sha256 "
                   "4f2a…; the spec's certificate file holds 9c1d…"), CLEAN, (RFC8446,)),
    _rule("TLS909", "served-redirect-differs", Severity.WARNING,
          "The plain-HTTP port does not answer with the spec's redirect (status and Location).",
          "Without the redirect, visitors typing the bare name stay on plain HTTP (or get an "
          "error); a wrong Location sends them elsewhere.",
          _example("TLS909 [warning] 127.0.0.1:8080 answers GET http://a.test/verify with 404 "
                   "and no Location; the spec expects 301 to https://a.test:8443/verify"),
          CLEAN, (RFC6797,)),
    _rule("TLS910", "served-hsts-differs", Severity.WARNING,
          "The Strict-Transport-Security header on a 2xx or a 4xx answer is not the spec's.",
          "HSTS protects the next visit only if every answer carries it: a header missing on "
          "error pages, or a shorter max-age, leaves browsers open to SSL stripping.",
          _example("TLS910 [warning] 127.0.0.1:8443 (sni a.test) sends no "
                   "Strict-Transport-Security on 4xx answers; the spec sends "
                   "\"max-age=63072000; includeSubDomains\""), CLEAN, (RFC6797,)),
    _rule("TLS911", "served-alpn-differs", Severity.WARNING,
          "HTTP/2 over ALPN is negotiated other than the spec says.",
          "A site the spec serves over HTTP/2 that only speaks HTTP/1.1 is slower for every "
          "client, and the reverse means the reviewed HTTP/2 setting is not in force.",
          _example("TLS911 [warning] 127.0.0.1:8443 (sni a.test) does not choose h2 when "
                   "offered h2 and http/1.1; the spec does"), CLEAN, (RFC8446,)),
]
RULE_OF = {"protocols": "TLS901", "ciphers": "TLS902", "ciphersuites": "TLS903",
           "groups": "TLS904", "sni": "TLS905", "chain": "TLS908", "client_auth": "TLS906",
           "client_cert_accepted": "TLS906",
           "resumption_ids": "TLS907", "resumption_tickets": "TLS907", "alpn_h2": "TLS911",
           "redirect": "TLS909", "hsts": "TLS910"}
# The policy value each aspect's expectation comes from (`SitePolicy.tls_origin`).
ORIGIN_FIELD = {"protocols": "protocols", "ciphers": "ciphers", "ciphersuites": "ciphersuites",
                "groups": "curves", "sni": "domains", "chain": "certificate",
                "client_auth": "client_auth", "client_cert_accepted": "client_auth",
                "resumption_ids": "session_timeout",
                "resumption_tickets": "session_tickets", "alpn_h2": "http2",
                "redirect": "redirect_http", "hsts": "hsts"}
