"""Traefik v3 target: a static configuration and one file-provider document.

Layout under `traefik/`: `traefik.yml` (static: entry points, the file provider, logging; the
API stays off) and `dynamic/tlsconf.yml` (routers, services, middlewares, certificates, TLS
options). Deploy the directory as `/etc/traefik/` — one of the places Traefik looks for its
static file — so the provider directory `/etc/traefik/dynamic` (`DYNAMIC_DIR`) holds the dynamic
file. An absolute path, because Traefik resolves a relative one against its working directory,
not against the static file; tests rewrite it to their scratch directory.

Routing mirrors the nginx target: one HTTPS router per site and location (`PathPrefix`, longest
first), exact names in `Host()` and each wildcard as a one-label `HostRegexp()`, with explicit
priorities so exact names win over wildcards and longer paths over shorter ones whatever the
rule lengths; `X-Forwarded-For/-Proto/-Host` are set by Traefik itself (client-sent ones are
replaced), and WebSocket upgrades always pass. Port 80 redirects at the entry point, unless a
site there keeps ACME http-01 alive (`acme_upstream`) or opts out of the redirect: then each
site gets its own port-80 routers, the ACME one winning by priority. TLS policy translation
lives in `traefik_tls`, serialisation and the injection check in `traefik_yaml`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from tlsconf.errors import Location, Problem, TlsconfError
from tlsconf.escape import UnsafeValue
from tlsconf.names import parse_version
from tlsconf.policy import Route, SitePolicy
from tlsconf.render import Rendered, guidelines_of, header_lines
from tlsconf.source import gc_paused
from tlsconf.spec import Upstream
from tlsconf.specfile import LoadedSpec
from tlsconf.targets.traefik_tls import (
    OCSP_STAPLING,
    default_options,
    dotted,
    site_options,
)
from tlsconf.targets.traefik_yaml import Rule, check_text, dump

NAME = "traefik"
DEFAULT_VERSION = "3.7"
MIN_VERSION = (3, 0)  # v3 rule syntax (HostRegexp takes a Go regexp, no `{name:re}` patterns)
DYNAMIC_DIR = "/etc/traefik/dynamic"
STATIC_FILE = "traefik/traefik.yml"
DYNAMIC_FILE = "traefik/dynamic/tlsconf.yml"
LOG_LEVEL = "WARN"

# Version gates of the load-balancing strategies (`strategy:` exists since 3.4).
P2C_STRATEGY = (3, 4)  # power of two choices: the closest to nginx's least_conn
HRW_STRATEGY = (3, 6)  # highest random weight on the client IP: Traefik's ip_hash

# Router priorities: every exact-name router outranks every wildcard router (nginx prefers
# exact server names), and within a tier the longer path wins. Paths are at most 1024 bytes.
PRIORITY_WILDCARD = 2000
PRIORITY_EXACT = 4000
ACME_PATH = "/.well-known/acme-challenge/"
_LDH = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")


@gc_paused()
def render(loaded: LoadedSpec, sites: tuple[SitePolicy, ...]) -> Rendered:
    from tlsconf.progress import phase

    with phase("rendering traefik", len(sites)) as tick:
        return _render(loaded, sites, tick)


def _render(loaded: LoadedSpec, sites: tuple[SitePolicy, ...], tick: Callable[[int], None]
            ) -> Rendered:
    version = _version(loaded)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    options: dict[str, dict[str, object]] = {}
    for site in sites:
        site_opts, site_problems, site_warnings = site_options(site, version)
        options[site.name] = site_opts
        problems += site_problems + _site_problems(loaded, site, version)
        warnings += site_warnings + _site_warnings(loaded, site, version)
        tick(1)
    default, default_site, default_problems = default_options(sites, options)
    problems += default_problems
    entry = EntryPoints(sites)
    problems += entry.problems
    if problems:
        raise TlsconfError(problems)
    warnings += _global_warnings(loaded, sites, entry)
    header = header_lines(guidelines_of({s.tls.guideline for s in sites}))
    files = {
        STATIC_FILE: dump(header, _static(sites, entry, version)),
        DYNAMIC_FILE: dump(header, _dynamic(sites, entry, options, default, default_site, version)),
    }
    return Rendered(files, tuple(warnings))


def _version(loaded: LoadedSpec) -> tuple[int, ...]:
    text = loaded.spec.targets.traefik.version or DEFAULT_VERSION
    version = parse_version(text)
    if version < MIN_VERSION:
        path = ("targets", "traefik", "version")
        raise TlsconfError(
            [
                Problem(
                    loaded.locate(path),
                    "targets.traefik.version",
                    f"tlsconf renders Traefik v3 configuration; {text!r} is older than "
                    f"{dotted(MIN_VERSION)}",
                )
            ]
        )
    return version


def _site_problems(loaded: LoadedSpec, site: SitePolicy, version: tuple[int, ...]) -> list[Problem]:
    out = []
    if site.acme_webroot is not None and site.acme_upstream is None:
        out.append(
            Problem(
                _locate(loaded, site, "acme_webroot"),
                f"sites[{site.index}].acme_webroot",
                "Traefik cannot serve files; keep ACME http-01 working with `acme_upstream` (a "
                "local certbot --standalone or lego on a loopback port) instead",
            )
        )
    if site.balance == "ip_hash" and version < HRW_STRATEGY:
        out.append(
            Problem(
                _locate(loaded, site, "balance"),
                f"sites[{site.index}].balance",
                f"ip_hash needs Traefik >= {dotted(HRW_STRATEGY)} (strategy hrw); "
                f"targets.traefik.version is {dotted(version)}",
            )
        )
    if site.health_check is None and any(u.backup for r in site.routes for u in r.upstreams):
        out.append(
            Problem(
                _locate(loaded, site, "upstreams"),
                f"sites[{site.index}].upstreams",
                "Traefik only fails over to backup servers it has health-checked as down; add "
                "`health_check` to the site, or drop `backup`",
            )
        )
    for route in site.routes:
        if route.upstreams and all(u.backup for u in route.upstreams):
            out.append(
                Problem(
                    _locate(loaded, site, "upstreams"),
                    f"sites[{site.index}].upstreams",
                    f"every server for {route.path} is a backup; at least one must not be",
                )
            )
    return out


def _site_warnings(loaded: LoadedSpec, site: SitePolicy, version: tuple[int, ...]) -> list[Problem]:
    out = []
    if site.balance == "least_conn" and version < P2C_STRATEGY:
        out.append(
            Problem(
                _locate(loaded, site, "balance"),
                f"sites[{site.index}].balance",
                f"least_conn needs Traefik >= {dotted(P2C_STRATEGY)} (strategy p2c); weighted "
                "round robin is used instead",
            )
        )
    if site.acme_webroot is not None and site.acme_upstream is not None:
        out.append(
            Problem(
                _locate(loaded, site, "acme_webroot"),
                f"sites[{site.index}].acme_webroot",
                "ignored: Traefik cannot serve files; ACME requests go to acme_upstream",
            )
        )
    return out


def _global_warnings(
    loaded: LoadedSpec, sites: tuple[SitePolicy, ...], entry: EntryPoints
) -> list[Problem]:
    out = []
    stapled = [s for s in sites if s.tls.ocsp_stapling]
    if stapled and len(stapled) < len(sites):
        first = stapled[0]
        out.append(
            Problem(
                loaded.locate(("sites", first.index, "tls", "ocsp_stapling")),
                f"sites[{first.index}].tls.ocsp_stapling",
                "Traefik staples OCSP for every certificate or none: stapling is on for all sites",
            )
        )
    chosen = [s for s in sites if s.default_server]
    if chosen and len(entry.secure) > 1:
        site = chosen[0]
        out.append(
            Problem(
                site.location,
                f"sites[{site.index}].default_server",
                "Traefik has one default certificate and TLS policy: clients without a known SNI "
                f"name get {site.name!r} on every entry point, not only on its own",
            )
        )
    return out


def _locate(loaded: LoadedSpec, site: SitePolicy, name: str) -> Location:
    """Where `sites[i].<name>` was written (in the site or in `defaults`), else the site."""
    location: Location = loaded.locate(("sites", site.index, name))
    return location


# -- entry points -----------------------------------------------------------------------------


class EntryPoints:
    """Entry point names per listener: `web`/`websecure` when there is one of each."""

    def __init__(self, sites: tuple[SitePolicy, ...]) -> None:
        secure = sorted({(s.address, s.https_port) for s in sites}, key=_listener_order)
        plain = sorted(
            {(s.address, s.http_port) for s in sites if _needs_http(s)}, key=_listener_order
        )
        self.secure = _names("websecure", secure)
        self.plain = _names("web", plain)
        self.problems: list[Problem] = []
        first: dict[int, str] = {}  # port → the first address seen on it
        for site in sites:
            if _needs_http(site) and (site.address, site.http_port) in self.secure:
                self.problems.append(
                    Problem(
                        site.location,
                        f"sites[{site.index}].listen.http_port",
                        f"{_address(site.address, site.http_port)} is also an HTTPS listener",
                    )
                )
            ports = [site.https_port] + ([site.http_port] if _needs_http(site) else [])
            for port in ports:
                other = first.setdefault(port, site.address)
                if other != site.address and _unspecified(other, site.address):
                    # Each entry point is its own socket, and Go's [::] is dual-stack: unlike
                    # nginx, Traefik cannot bind a wildcard and another address on one port.
                    self.problems.append(
                        Problem(
                            site.location,
                            f"sites[{site.index}].listen.address",
                            f"Traefik cannot bind both {_address(other, port)} and "
                            f"{_address(site.address, port)}: a wildcard address takes the port on "
                            "every address; use one address per port",
                        )
                    )
                    break

    def https(self, site: SitePolicy) -> str:
        return self.secure[(site.address, site.https_port)]

    def http(self, site: SitePolicy) -> str:
        return self.plain[(site.address, site.http_port)]


def _needs_http(site: SitePolicy) -> bool:
    return site.redirect_http or site.acme_upstream is not None


def _unspecified(*addresses: str) -> bool:
    return any(ipaddress.ip_address(a).is_unspecified for a in addresses)


def _listener_order(listener: tuple[str, int]) -> tuple[int, int, bytes]:
    ip = ipaddress.ip_address(listener[0])
    return (listener[1], ip.version, ip.packed)


def _names(kind: str, listeners: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    if len(listeners) == 1:
        return {listeners[0]: kind}
    ports = [port for _, port in listeners]
    return {
        (address, port): f"{kind}-{port}"
        if ports.count(port) == 1
        else f"{kind}-{_address_slug(address)}-{port}"
        for address, port in listeners
    }


def _address_slug(address: str) -> str:
    ip = ipaddress.ip_address(address)
    return ip.exploded.replace(":", "-") if ip.version == 6 else address.replace(".", "-")


def _address(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _entry_redirects(sites: tuple[SitePolicy, ...], entry: EntryPoints, plain: str) -> str | None:
    """The HTTPS entry point `plain` can redirect to as a whole, or None (per-site routers)."""
    members = [s for s in sites if _needs_http(s) and entry.http(s) == plain]
    targets = {entry.https(s) for s in members}
    if len(targets) == 1 and all(s.redirect_http and s.acme_upstream is None for s in members):
        return targets.pop()
    return None


# -- static configuration ---------------------------------------------------------------------


def _static(
    sites: tuple[SitePolicy, ...], entry: EntryPoints, version: tuple[int, ...]
) -> dict[str, Any]:
    entry_points: dict[str, Any] = {}
    for (address, port), name in entry.plain.items():
        ep: dict[str, Any] = {"address": _address(address, port)}
        to = _entry_redirects(sites, entry, name)
        if to is not None:
            ep["http"] = {
                "redirections": {
                    "entryPoint": {
                        "to": to,
                        "scheme": "https",
                        "permanent": True,
                    }
                }
            }
        entry_points[name] = ep
    for (address, port), name in entry.secure.items():
        entry_points[name] = {"address": _address(address, port)}
    static: dict[str, Any] = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "log": {"level": LOG_LEVEL},
        "entryPoints": entry_points,
        "providers": {"file": {"directory": DYNAMIC_DIR, "watch": True}},
    }
    if any(s.tls.ocsp_stapling for s in sites) and version >= OCSP_STAPLING:
        static["ocsp"] = {}
    return static


# -- dynamic configuration --------------------------------------------------------------------


def _dynamic(
    sites: tuple[SitePolicy, ...],
    entry: EntryPoints,
    options: dict[str, dict[str, object]],
    default: dict[str, object],
    default_site: SitePolicy,
    version: tuple[int, ...],
) -> dict[str, Any]:
    routers: dict[str, Any] = {}
    services: dict[str, Any] = {}
    middlewares: dict[str, Any] = {}
    # Whether each plain entry point redirects as a whole: once per entry point, not per site
    # (each answer looks at every site).
    redirects = {name: _entry_redirects(sites, entry, name) for name in entry.plain.values()}
    for site in sites:
        headers = _headers_middleware(site)
        if headers:
            middlewares[f"tlsconf_{site.name}_headers"] = headers
        for route in site.routes:
            routers.update(_https_routers(site, route, entry, bool(headers)))
            services.update(_services(site, route, version))
        if _needs_http(site) and redirects[entry.http(site)] is None:
            routers.update(_http_routers(site, entry))
            if site.redirect_http:
                middlewares[f"tlsconf_{site.name}_redirect"] = _redirect_middleware(site)
            if site.acme_upstream is not None:
                services[f"tlsconf_{site.name}_acme"] = {
                    "loadBalancer": {
                        "servers": [{"url": f"http://{site.acme_upstream}"}],
                        "passHostHeader": True,
                    }
                }
    http: dict[str, Any] = {"routers": routers, "services": services}
    if middlewares:
        http["middlewares"] = middlewares
    # Each certificate once, in site order (a set beside the list: 10,000 sites with their own
    # certificates are not 50 million comparisons).
    pairs = dict.fromkeys((site.tls.certificate, site.tls.key) for site in sites)
    certificates = [{"certFile": cert, "keyFile": key} for cert, key in pairs]
    tls_options = {"default": default}
    tls_options.update({f"tlsconf_{s.name}": options[s.name] for s in sites})
    return {
        "http": http,
        "tls": {
            "certificates": certificates,
            "options": tls_options,
            "stores": {
                "default": {
                    "defaultCertificate": {
                        "certFile": default_site.tls.certificate,
                        "keyFile": default_site.tls.key,
                    }
                }
            },
        },
    }


def _host_rules(site: SitePolicy) -> list[tuple[str, Rule, int]]:
    """(router name suffix, host rule, priority tier) for the exact and the wildcard names.

    Traefik maps TLS options only from `Host()`; `HostRegexp()` routers get the default
    options, which `default_options` guarantees are the wildcard site's own.
    """
    exact = [d for d in site.domains if not d.startswith("*.")]
    wildcard = [d[2:] for d in site.domains if d.startswith("*.")]
    out = []
    if exact:
        out.append(("", _any_of(f"Host({_literal(d)})" for d in exact), PRIORITY_EXACT))
    if wildcard:
        # One DNS label, as a certificate wildcard matches; Traefik lower-cases the host first.
        label = "[a-z0-9]([a-z0-9-]*[a-z0-9])?"
        regexes = [f"^{label}\\.{_regex_escape(suffix)}$" for suffix in wildcard]
        out.append(
            ("_wildcard", _any_of(f"HostRegexp({_literal(r)})" for r in regexes), PRIORITY_WILDCARD)
        )
    return out


def _any_of(parts: Any) -> Rule:
    items = list(parts)
    return Rule(items[0] if len(items) == 1 else "(" + " || ".join(items) + ")")


def _regex_escape(domain: str) -> str:
    if not _LDH.fullmatch(domain):
        raise UnsafeValue(f"refusing {domain!r} in a HostRegexp rule: not a validated DNS name")
    return domain.replace(".", "\\.")  # LDH labels: '.' is the only metacharacter


def _literal(value: str) -> str:
    """A backtick rule literal of a validated value (checked again: it must not break out)."""
    check_text(value)
    return f"`{value}`"


def _with_path(hosts: Rule, path: str) -> Rule:
    return hosts if path == "/" else Rule(f"{hosts} && PathPrefix({_literal(path)})")


def _https_routers(
    site: SitePolicy, route: Route, entry: EntryPoints, headers: bool
) -> dict[str, Any]:
    routers = {}
    for suffix, hosts, tier in _host_rules(site):
        router: dict[str, Any] = {
            "entryPoints": [entry.https(site)],
            "rule": _with_path(hosts, route.path),
            "priority": tier + len(route.path),
            "service": route.pool,
        }
        if headers:
            router["middlewares"] = [f"tlsconf_{site.name}_headers"]
        # Wildcard routers use the default options (see _host_rules).
        router["tls"] = {"options": f"tlsconf_{site.name}"} if not suffix else {}
        routers[route.pool + suffix] = router
    return routers


def _http_routers(site: SitePolicy, entry: EntryPoints) -> dict[str, Any]:
    routers = {}
    for suffix, hosts, tier in _host_rules(site):
        if site.acme_upstream is not None:
            routers[f"tlsconf_{site.name}_acme{suffix}"] = {
                "entryPoints": [entry.http(site)],
                "rule": _with_path(hosts, ACME_PATH),
                "priority": tier + len(ACME_PATH),
                "service": f"tlsconf_{site.name}_acme",
            }
        if site.redirect_http:
            routers[f"tlsconf_{site.name}_http{suffix}"] = {
                "entryPoints": [entry.http(site)],
                "rule": hosts,
                "priority": tier + 1,
                "middlewares": [f"tlsconf_{site.name}_redirect"],
                "service": site.routes[-1].pool,  # never reached: the middleware answers
            }
    return routers


def _redirect_middleware(site: SitePolicy) -> dict[str, Any]:
    redirect: dict[str, Any] = {"scheme": "https", "permanent": True}
    if site.https_port != 443:
        redirect["port"] = str(site.https_port)
    return {"redirectScheme": redirect}


def _headers_middleware(site: SitePolicy) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    custom = dict(site.headers)
    hsts = site.hsts
    if hsts.enabled and hsts.max_age > 0:
        headers.update(
            stsSeconds=hsts.max_age,
            stsIncludeSubdomains=hsts.include_subdomains,
            stsPreload=hsts.preload,
        )
    elif hsts.enabled:
        # Traefik sends no header for stsSeconds 0; max-age=0 is how a site withdraws HSTS.
        custom = {"Strict-Transport-Security": hsts.header_value, **custom}
    if custom:
        headers["customResponseHeaders"] = custom
    return {"headers": headers} if headers else {}


def _services(site: SitePolicy, route: Route, version: tuple[int, ...]) -> dict[str, Any]:
    main = [u for u in route.upstreams if not u.backup]
    backup = [u for u in route.upstreams if u.backup]
    if not backup:
        return {route.pool: _load_balancer(site, main, version)}
    return {
        route.pool: {
            "failover": {"service": f"{route.pool}_main", "fallback": f"{route.pool}_backup"}
        },
        f"{route.pool}_main": _load_balancer(site, main, version),
        f"{route.pool}_backup": _load_balancer(site, backup, version),
    }


def _load_balancer(
    site: SitePolicy, upstreams: list[Upstream], version: tuple[int, ...]
) -> dict[str, Any]:
    balancer: dict[str, Any] = {
        "servers": [{"url": f"http://{u.address}", "weight": u.weight} for u in upstreams],
        "passHostHeader": True,
    }
    if site.balance == "least_conn" and version >= P2C_STRATEGY:
        balancer["strategy"] = "p2c"
    elif site.balance == "ip_hash":
        balancer["strategy"] = "hrw"
    if site.health_check is not None:
        balancer["healthCheck"] = {
            "path": site.health_check.path,
            "interval": f"{site.health_check.interval}s",
        }
    return {"loadBalancer": balancer}
