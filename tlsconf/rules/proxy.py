"""TLS7xx — reverse-proxy hygiene around TLS."""

from __future__ import annotations

from tlsconf.findings import Severity
from tlsconf.rules.base import ALL_KINDS, CONFIGS, Check, Rule, declare, flag, located

RULES: list[Rule] = []

# Each rule reports one fact of `ProxyFacts`: (check, rule metadata), in id order.
_RULES: tuple[tuple[Check, dict[str, object]], ...] = (
    (located("unverified_upstreams", "upstream", "TLS to the upstream is not verified"), dict(
        id="TLS701", name="upstream-tls-unverified", severity=Severity.ERROR,
        summary="TLS to an upstream without certificate verification.",
        why="An unverified upstream connection is encrypted but not authenticated: anyone on "
            "the path can impersonate the backend. (nginx `proxy_ssl_verify` is off by default; "
            "HAProxy `verify none`; Traefik `insecureSkipVerify`; an Envoy `UpstreamTlsContext` "
            "without a validation context; Caddy `insecure_skip_verify`.)",
        bad="location / {\n    proxy_pass https://backend;\n}",
        good="location / {\n    proxy_pass https://backend;\n    proxy_ssl_verify on;\n"
             "    proxy_ssl_trusted_certificate /etc/ssl/backend-ca.pem;\n}",
        fix="Verify the upstream certificate against its CA.",
        references=("nginx proxy_ssl_verify — https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_ssl_verify",),
        applies_to=CONFIGS)),
    (located("host_from_http_host", "host",
             "Host header passed from $http_host (client-controlled); use $host"), dict(
        id="TLS702", name="host-from-http-host", severity=Severity.WARNING,
        summary="The upstream Host header is taken from `$http_host`.",
        why="`$http_host` is whatever the client sent (possibly empty or a foreign name); "
            "`$host` is normalised and falls back to server_name. Host-header poisoning starts "
            "here.",
        bad="proxy_set_header Host $http_host;", good="proxy_set_header Host $host;",
        fix="Use `$host`.", references=("gixy host_spoofing — https://github.com/yandex/gixy",),
        applies_to=frozenset({"nginx"}))),
    (flag("server_tokens_on", "server_tokens",
          "server_tokens on advertises the server version"), dict(
        id="TLS703", name="server-tokens-on", severity=Severity.INFO,
        summary="`server_tokens on` advertises the nginx version.",
        why="The exact version tells an attacker which CVEs apply.",
        bad="server_tokens on;", good="server_tokens off;", fix="Set `server_tokens off`.",
        references=("nginx server_tokens — https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens",),
        applies_to=frozenset({"nginx"}))),
    (flag("unknown_sni_served", "sni",
          "handshakes without SNI or with an unknown name are served with this site's "
          "certificate"), dict(
        id="TLS704", name="unknown-sni-not-rejected", severity=Severity.INFO,
        summary="Clients with no or an unknown SNI name get a real site's certificate.",
        why="A catch-all that serves a real certificate leaks the host names it covers and lets "
            "any name route to that site. (Traefik: `sniStrict` off.)",
        bad="server {\n    listen 443 ssl;\n    server_name a.example;\n}",
        good="server {\n    listen 443 ssl default_server;\n    ssl_reject_handshake on;\n}\n"
             "server {\n    listen 443 ssl;\n    server_name a.example;\n}",
        fix="nginx: a default server with `ssl_reject_handshake on`; HAProxy: `strict-sni` on "
            "the bind; Traefik: `sniStrict: true` in tls.options.default; a tlsconf spec: no "
            "`default_server: true` (tlsconf then renders a catch-all that rejects them).",
        references=("nginx ssl_reject_handshake — https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_reject_handshake",),
        applies_to=ALL_KINDS)),
)
declare(RULES, _RULES)
