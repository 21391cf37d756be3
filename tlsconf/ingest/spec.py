"""A tlsconf spec → one subject per site: the very policy `render` uses."""

from __future__ import annotations

from tlsconf import policy
from tlsconf.lint.model import ProxyFacts, Subject
from tlsconf.names import NGINX_TICKET_KEY_ROTATION, parse_version
from tlsconf.specfile import LoadedSpec, parse_spec


def subjects_of(loaded: LoadedSpec, sites: tuple[policy.SitePolicy, ...]) -> tuple[Subject, ...]:
    nginx_version = parse_version(loaded.spec.targets.nginx.version or "1.22")
    out = []
    for site in sites:
        where = {"redirect_http": site.tls_origin("redirect_http").location or site.location,
                 "tickets_unrotated": site.tls_origin("session_tickets").location,
                 "sni": site.tls_origin("default_server").location or site.location}
        facts = ProxyFacts(
            http_redirect=site.redirect_http,
            # `default_server: true` asks for what TLS704 flags: no catch-all is rendered, the
            # site answers handshakes without SNI or with an unknown name (on every target).
            unknown_sni_served=site.default_server,
            tickets_unrotated=(bool(site.tls.session_tickets)
                               and nginx_version < NGINX_TICKET_KEY_ROTATION),
            pq_unsupported=(_pq_unsupported(loaded) if site.tls_origin("curves").kind == "spec"
                            else ()),
            where={k: v for k, v in where.items() if v is not None},
        )
        out.append(Subject("spec", site, facts))
    return tuple(out)


def _pq_unsupported(loaded: LoadedSpec) -> tuple[str, ...]:
    """The spec's version-gated targets that cannot offer X25519MLKEM768 (Envoy and Caddy
    always can): they refuse a pinned list that names it."""
    from tlsconf.names import GROUPS_BY_NAME
    from tlsconf.targets import haproxy, nginx, traefik

    group = GROUPS_BY_NAME["X25519MLKEM768"]
    targets = loaded.spec.targets
    out = []
    for name, module, versions in (("nginx", nginx, targets.nginx),
                                   ("HAProxy", haproxy, targets.haproxy)):
        openssl = versions.openssl or module.DEFAULT_OPENSSL
        if parse_version(openssl) < group.openssl_min:
            out.append(f"{name} (OpenSSL {openssl})")
    version = targets.traefik.version or traefik.DEFAULT_VERSION
    if parse_version(version) < group.traefik_min:
        out.append(f"Traefik {version}")
    return tuple(out)


def ingest(name: str, data: bytes) -> tuple[Subject, ...]:
    loaded = parse_spec(name, data)
    return subjects_of(loaded, policy.resolve(loaded))
