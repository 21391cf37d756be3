"""TLS6xx — OCSP stapling. (Certificate-based OCSP checks — stapling on a certificate without
an OCSP URL, Must-Staple with stapling off — belong to the certificate family, TLS8xx.)"""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf.findings import Severity
from tlsconf.lint.model import Hit, Subject
from tlsconf.rules.base import Context, Rule, rule

RULES: list[Rule] = []


@rule(RULES, id="TLS601", name="ocsp-stapling-without-resolver", severity=Severity.WARNING,
      summary="nginx OCSP stapling is on but no `resolver` is configured.",
      why="nginx needs a resolver to reach the OCSP responder; without one stapling silently "
          "fails and clients see no stapled response.",
      bad="ssl_stapling on;\nssl_stapling_verify on;",
      good="ssl_stapling on;\nssl_stapling_verify on;\nresolver 127.0.0.53;",
      fix="Add `resolver`, or turn stapling off (most public CAs ended OCSP in 2025).",
      references=("nginx ssl_stapling — https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_stapling",),
      applies_to=frozenset({"nginx"}))  # specs: refused at validation
def no_resolver(subject: Subject, ctx: Context) -> Iterator[Hit]:
    tls = subject.site.tls
    if tls.ocsp_stapling and not tls.resolvers:
        yield Hit("ocsp_stapling", "OCSP stapling is on without a resolver: it silently fails")
