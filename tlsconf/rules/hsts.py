"""TLS5xx — HTTP Strict Transport Security."""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf.findings import Severity
from tlsconf.lint.model import Hit, Subject
from tlsconf.rules.base import Context, Rule, listing, rule

RULES: list[Rule] = []
RFC6797 = "RFC 6797: HSTS — https://www.rfc-editor.org/rfc/rfc6797"
PRELOAD = "hstspreload.org submission requirements — https://hstspreload.org/#submission-requirements"
MOZILLA = "Mozilla Server Side TLS — https://wiki.mozilla.org/Security/Server_Side_TLS"
GOOD = 'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;'
# Not k8s: its subjects are TLS policy resources; the header belongs to routes.
SITES = frozenset({"spec", "nginx", "haproxy", "traefik", "envoy", "caddy"})


def _min_age(ctx: Context) -> int:
    configured = ctx.settings.hsts_min_age
    return configured if configured is not None else ctx.profile.hsts_min_age


@rule(RULES, id="TLS501", name="hsts-missing", severity=Severity.WARNING,
      summary="The HTTPS site sends no Strict-Transport-Security header.",
      why="Without HSTS the first plain-HTTP request can be intercepted and downgraded "
          "(SSL stripping); SSL Labs gives no A+.",
      bad="server {\n    listen 443 ssl;\n}",
      good=f"server {{\n    listen 443 ssl;\n    {GOOD}\n}}",
      fix="Send `Strict-Transport-Security: max-age=63072000; includeSubDomains`.",
      references=(RFC6797, MOZILLA), applies_to=SITES)
def missing(subject: Subject, ctx: Context) -> Iterator[Hit]:
    if not subject.site.hsts.enabled and subject.facts.serves_http:
        # At the block that should send it; the listener named too, when it is elsewhere.
        where = subject.facts.where.get("listener")
        on = ""
        if where is not None and where != subject.locate("hsts"):
            on = (f" (served on {subject.facts.listener} at {where})" if subject.facts.listener
                  else f" (listener at {where})")
        if subject.facts.hsts_elsewhere:
            elsewhere = listing(subject.facts.hsts_elsewhere)
            on += f"; not judged, defined outside this file: {elsewhere}"
        yield Hit("hsts", f"no Strict-Transport-Security header is sent{on}",
                  items=subject.facts.hsts_elsewhere)


@rule(RULES, id="TLS502", name="hsts-max-age-zero", severity=Severity.WARNING,
      summary="HSTS with max-age=0.",
      why="max-age=0 tells browsers to forget the host's HSTS policy: HSTS is switched off.",
      bad='add_header Strict-Transport-Security "max-age=0" always;', good=GOOD,
      fix="Use max-age=63072000 (two years).", references=(RFC6797,),
      applies_to=frozenset({"spec", "nginx", "haproxy", "envoy", "caddy"}))
def zero(subject: Subject, ctx: Context) -> Iterator[Hit]:
    hsts = subject.site.hsts
    if hsts.enabled and hsts.max_age == 0:
        yield Hit("hsts.max_age", "HSTS max-age=0 removes the HSTS policy")


@rule(RULES, id="TLS503", name="hsts-short-max-age", severity=Severity.WARNING,
      summary="HSTS max-age below the threshold (default: the profile's, two years).",
      why="A short max-age lets the policy expire between visits; Mozilla recommends two years, "
          "SSL Labs wants at least six months for A+ and preload lists one year.",
      bad='add_header Strict-Transport-Security "max-age=300" always;', good=GOOD,
      fix="Raise max-age (63072000), or set `hsts_min_age` in .tlsconf.yaml if you mean it.",
      references=(RFC6797, MOZILLA), applies_to=SITES)
def short(subject: Subject, ctx: Context) -> Iterator[Hit]:
    hsts = subject.site.hsts
    minimum = _min_age(ctx)
    if hsts.enabled and 0 < hsts.max_age < minimum:
        yield Hit("hsts.max_age", f"HSTS max-age={hsts.max_age} is below {minimum}")


@rule(RULES, id="TLS504", name="hsts-preload-invalid", severity=Severity.WARNING,
      summary="HSTS `preload` without includeSubDomains or without a one-year max-age.",
      why="The preload list refuses such headers: `preload` promises something it cannot "
          "deliver.",
      bad='add_header Strict-Transport-Security "max-age=63072000; preload" always;',
      good='add_header Strict-Transport-Security '
           '"max-age=63072000; includeSubDomains; preload" always;',
      fix="Add includeSubDomains and max-age >= 31536000, or drop preload.", references=(PRELOAD,),
      applies_to=SITES)
def preload(subject: Subject, ctx: Context) -> Iterator[Hit]:
    hsts = subject.site.hsts
    if hsts.enabled and hsts.preload:
        if not hsts.include_subdomains:
            yield Hit("hsts.preload", "HSTS preload without includeSubDomains")
        elif hsts.max_age < 31536000:
            yield Hit("hsts.max_age", "HSTS preload needs max-age >= 31536000")


@rule(RULES, id="TLS505", name="hsts-header-not-always", severity=Severity.WARNING,
      summary="nginx `add_header Strict-Transport-Security` without `always`.",
      why="Without `always`, nginx adds the header only to 200/201/204/206/301/302/303/304/307/308 "
          "responses: error pages go out without HSTS.",
      bad='add_header Strict-Transport-Security "max-age=63072000";', good=GOOD,
      fix="Add the `always` parameter.",
      references=("nginx add_header — https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header",),
      applies_to=frozenset({"nginx"}))
def not_always(subject: Subject, ctx: Context) -> Iterator[Hit]:
    if subject.site.hsts.enabled and subject.facts.hsts_not_always:
        yield Hit("hsts", "add_header Strict-Transport-Security lacks `always` (missing on errors)")


@rule(RULES, id="TLS506", name="hsts-dropped-in-block", severity=Severity.WARNING,
      summary="A nested nginx block with its own add_header drops the inherited HSTS header.",
      why="nginx inherits add_header only into blocks that have none of their own: one "
          "`add_header X-Frame-Options` in a location silently removes HSTS there.",
      bad=f"{GOOD}\nlocation /app/ {{\n    add_header X-Frame-Options DENY;\n}}",
      good=f"{GOOD}\nlocation /app/ {{\n    add_header X-Frame-Options DENY;\n    {GOOD}\n}}",
      fix="Repeat the HSTS header in that block (or move the other headers up).",
      references=("nginx add_header — https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header",),
      applies_to=frozenset({"nginx"}))
def dropped(subject: Subject, ctx: Context) -> Iterator[Hit]:
    if subject.site.hsts.enabled:
        for where in subject.facts.hsts_dropped:
            yield Hit("hsts", "this add_header block drops the inherited Strict-Transport-Security "
                              "header", where)


@rule(RULES, id="TLS507", name="http-not-redirected", severity=Severity.WARNING,
      summary="The site's plain-HTTP listener does not redirect to https.",
      why="Users who type the bare name stay on plain HTTP; HSTS is never learnt.",
      bad="server {\n    listen 80;\n    location / { proxy_pass http://app; }\n}",
      good="server {\n    listen 80;\n    return 301 https://$host$request_uri;\n}",
      fix="Redirect port 80 with 301/308 to https (keep the ACME challenge path if needed).",
      references=(MOZILLA,), applies_to=frozenset({"spec", "nginx", "haproxy", "envoy", "caddy"}))
def not_redirected(subject: Subject, ctx: Context) -> Iterator[Hit]:
    if subject.facts.http_redirect is False and subject.facts.serves_http:
        yield Hit("redirect_http", "plain HTTP is served without a redirect to https")
