"""Caddy target: one native JSON config, `caddy/caddy.json` (run `caddy run --config caddy.json`).

Per HTTPS address and port one server (`apps.http.servers`) with one TLS connection policy per
site, matched by SNI (`match.sni`: the site's domains, wildcards included), carrying the site's
protocols, Go cipher suites, curves (`x25519mlkem768` first), ALPN, client verification and the
site's certificate (`certificate_selection` by tag). The last policy is an explicit catch-all,
so no connection falls to Caddy's defaults: it carries the `default_server` site's policy and
certificate (`default_sni`), or, without one, the strictest site's policy and no certificate —
Caddy then refuses the handshake (alert 80) for clients without SNI or with an unknown name.

Routes check both Host and the TLS server name: a request whose Host belongs to another site
than the one whose policy was negotiated gets 421 (the default site also answers requests
without SNI). HSTS and extra headers are set by a `headers` handler before anything else and in
the error routes, so they are on every response. `reverse_proxy` keeps Host and sets
`X-Forwarded-For` (the client address; a client-sent value is replaced, as no proxy is
trusted), `X-Forwarded-Proto` and `X-Forwarded-Host` itself; `X-Real-IP` is added as the nginx
target does. Certificates are the spec's files (`automatic_https.disable`) unless
`targets.caddy.acme` hands issuance to Caddy; port 80 redirects per site with an explicit
server (to the HTTPS port when it is not 443), keeping ACME http-01 (webroot or upstream).
The admin endpoint is disabled.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from tlsconf import suites
from tlsconf.errors import Problem, TlsconfError
from tlsconf.escape import UnsafeValue, check_tree
from tlsconf.names import PROTOCOLS, parse_version, protocol_rank
from tlsconf.policy import Route, SitePolicy
from tlsconf.render import Rendered, guidelines_of, header_lines
from tlsconf.source import gc_paused
from tlsconf.specfile import LoadedSpec
from tlsconf.targets.common import by_listener
from tlsconf.targets.envoy_tls import problem
from tlsconf.targets.traefik_tls import GO_TLS13_SUITES, _strictest
from tlsconf.targets.traefik_yaml import _json as json_text

NAME = "caddy"
FILE = "caddy/caddy.json"
DEFAULT_VERSION = "2.11"
MIN_VERSION = (2, 10)  # x25519mlkem768 (Go 1.24) and `trust_pool`
ACME_PATH = "/.well-known/acme-challenge/*"
PROTOCOLS_CADDY = {"TLSv1.2": "tls1.2", "TLSv1.3": "tls1.3"}
CURVES = {"X25519MLKEM768": "x25519mlkem768", "X25519": "x25519", "prime256v1": "secp256r1",
          "secp384r1": "secp384r1", "secp521r1": "secp521r1"}
CLIENT_AUTH = {"required": "require_and_verify", "optional": "verify_if_given"}
SNI = "{http.request.tls.server_name}"


class Placeholder(str):
    """A string tlsconf wrote with Caddy's `{placeholder}` expansion on purpose."""

    __slots__ = ()


@gc_paused()
def render(loaded: LoadedSpec, sites: tuple[SitePolicy, ...]) -> Rendered:
    from tlsconf.progress import phase

    with phase("rendering caddy", len(sites)) as tick:
        return _render(loaded, sites, tick)


def _render(loaded: LoadedSpec, sites: tuple[SitePolicy, ...], tick: Callable[[int], None]
            ) -> Rendered:
    _version(loaded)
    acme = loaded.spec.targets.caddy.acme
    problems: list[Problem] = []
    warnings: list[Problem] = []
    policies: dict[str, dict[str, Any]] = {}
    for site in sites:
        tls, site_problems, site_warnings = connection_policy(site, acme)
        policies[site.name] = tls
        problems += site_problems + _site_problems(loaded, site)
        warnings += site_warnings
        tick(1)
    problems += _listener_problems(sites)
    tickets = {s.tls.session_tickets is not False for s in sites}
    if len(tickets) > 1:
        odd = next(s for s in sites if s.tls.session_tickets is False)
        problems.append(problem(odd, "session_tickets", "Caddy turns session tickets on or off "
                                                        "for every site at once; give all "
                                                        "sites the same setting"))
    if problems:
        raise TlsconfError(problems)
    servers: dict[str, Any] = {}
    for (address, port), members in by_listener(sites).items():
        servers[f"https_{_slug(address, port)}"] = _https_server(members, policies, acme)
    for (address, port), members in _plain_listeners(sites).items():
        servers[f"http_{_slug(address, port)}"] = _http_server(members, acme)
    tls_app: dict[str, Any] = {}
    if not acme:
        tls_app["certificates"] = {"load_files": [
            {"certificate": s.tls.certificate, "key": s.tls.key, "tags": [_tag(s)]}
            for s in sites]}
    if tickets == {False}:
        tls_app["session_tickets"] = {"disabled": True}
    document: dict[str, Any] = {
        "@id": _header(loaded, sites),
        "admin": {"disabled": True},
        "apps": {"http": {"servers": servers}, "tls": tls_app},
    }
    return Rendered({FILE: dump(document)}, tuple(warnings))


def _header(loaded: LoadedSpec, sites: tuple[SitePolicy, ...]) -> str:
    """The file header (JSON has no comments): the top-level `@id`, which Caddy accepts."""
    text = header_lines(guidelines_of({s.tls.guideline for s in sites}), comment="")
    return " | ".join(line.strip() for line in text.splitlines())


def _version(loaded: LoadedSpec) -> tuple[int, ...]:
    text = loaded.spec.targets.caddy.version or DEFAULT_VERSION
    version = parse_version(text)
    problems = []
    if version < MIN_VERSION:
        problems.append(Problem(
            loaded.locate(("targets", "caddy", "version")), "targets.caddy.version",
            f"tlsconf renders for Caddy >= {'.'.join(map(str, MIN_VERSION))}; {text!r} is older"))
    if loaded.spec.targets.caddy.openssl is not None:
        problems.append(Problem(
            loaded.locate(("targets", "caddy", "openssl")), "targets.caddy.openssl",
            "Caddy uses Go's crypto/tls, not OpenSSL; remove it"))
    if problems:
        raise TlsconfError(problems)
    return version


def _tag(site: SitePolicy) -> str:
    return f"tlsconf-{site.name}"


# -- TLS ---------------------------------------------------------------------------------------


def connection_policy(site: SitePolicy, acme: bool
                      ) -> tuple[dict[str, Any], list[Problem], list[Problem]]:
    """The site's connection policy (without `match`), errors, and adaptations."""
    tls = site.tls
    problems: list[Problem] = []
    warnings: list[Problem] = []
    out: dict[str, Any] = {}
    ranks = sorted({protocol_rank(p) for p in tls.protocols})
    names = [PROTOCOLS[r] for r in ranks]
    unsupported = [p for p in names if p not in PROTOCOLS_CADDY]
    if unsupported:
        problems.append(problem(site, "protocols", f"Caddy has no {', '.join(unsupported)}; it "
                                                   "offers TLSv1.2 and TLSv1.3"))
    else:
        out["protocol_min"] = PROTOCOLS_CADDY[names[0]]
        out["protocol_max"] = PROTOCOLS_CADDY[names[-1]]
    if names[0] != "TLSv1.3":
        out["cipher_suites"] = _ciphers(site, problems, warnings)
    if ("TLSv1.3" in tls.protocols and site.tls_origin("ciphersuites").kind == "spec"
            and set(tls.ciphersuites) != set(GO_TLS13_SUITES)):
        problems.append(problem(
            site, "ciphersuites",
            f"Go's crypto/tls (Caddy) always negotiates exactly {', '.join(GO_TLS13_SUITES)} in "
            "TLS 1.3 and cannot be configured; remove the override"))
    out["curves"] = _curves(site, problems)
    out["alpn"] = ["h2", "http/1.1"] if site.http2 else ["http/1.1"]
    if not acme:
        out["certificate_selection"] = {"any_tag": [_tag(site)]}
    if tls.client_auth is not None:
        out["client_authentication"] = {
            "trusted_ca_certs_pem_files": [tls.client_auth.ca],
            "mode": CLIENT_AUTH[tls.client_auth.mode],
        }
    for name, message in (("dhparam", "ignored: Go's crypto/tls has no DHE suites"),
                          ("trusted_ca", "ignored: Caddy verifies OCSP responses against the "
                                         "chain")):
        if getattr(tls, name):
            warnings.append(problem(site, name, message))
    if site.tls_origin("session_timeout").kind == "spec":
        warnings.append(problem(site, "session_timeout",
                                "ignored: Go's crypto/tls sets the session ticket lifetime itself"))
    return out, problems, warnings


def _ciphers(site: SitePolicy, problems: list[Problem], warnings: list[Problem]) -> list[str]:
    keep: list[str] = []
    missing: list[str] = []
    for name in site.tls.ciphers:
        suite = suites.lookup(name)
        go = suite.go if suite is not None else None
        if go is not None and go.endswith("_CHACHA20_POLY1305"):
            go += "_SHA256"  # Caddy takes Go's CipherSuiteName spelling (measured)
        if go is None:
            missing.append(name)
        elif go not in keep:
            keep.append(go)
    if missing and site.tls_origin("ciphers").kind == "spec":
        problems.append(problem(site, "ciphers", f"Go's crypto/tls (Caddy) cannot negotiate "
                                                 f"{', '.join(missing)}; remove them"))
    elif missing:
        warnings.append(problem(
            site, "ciphers", f"left out {', '.join(missing)} from the Mozilla {site.tls.profile} "
                             "suites: Go's crypto/tls (Caddy) cannot negotiate them"))
    if not keep and not missing:
        problems.append(problem(site, "ciphers", "TLS <= 1.2 is enabled but no cipher suite is "
                                                 "listed; Caddy would refuse every TLS 1.2 "
                                                 "handshake"))
    elif not keep and not problems:
        problems.append(problem(site, "ciphers", "no listed cipher suite is usable with Go's "
                                                 "crypto/tls (Caddy)"))
    return keep


def _curves(site: SitePolicy, problems: list[Problem]) -> list[str]:
    explicit = site.tls_origin("curves").kind == "spec"
    refused = [c for c in site.tls.curves if c not in CURVES]
    if refused and explicit:
        problems.append(problem(site, "curves", f"Caddy cannot use {', '.join(refused)}; it "
                                                f"offers {', '.join(CURVES)}"))
    keep = [CURVES[c] for c in site.tls.curves if c in CURVES]
    if not keep and not (refused and explicit):
        problems.append(problem(site, "curves", "no group is usable with Caddy"))
    return keep


# -- checks ------------------------------------------------------------------------------------


def _site_problems(loaded: LoadedSpec, site: SitePolicy) -> list[Problem]:
    out = []

    def at(name: str, message: str) -> None:
        out.append(Problem(loaded.locate(("sites", site.index, name)),
                           f"sites[{site.index}].{name}", message))

    for route in site.routes:
        primaries = [u for u in route.upstreams if not u.backup]
        if len(primaries) == len(route.upstreams):
            continue
        if len(primaries) != 1 or site.health_check is None:
            at("upstreams", f"Caddy fails over in order (`first`) only: give {route.path} one "
                            "non-backup server and a `health_check`, or drop `backup`")
    return out


def _needs_http(site: SitePolicy) -> bool:
    return site.redirect_http or site.acme_upstream is not None or site.acme_webroot is not None


def _plain_listeners(sites: tuple[SitePolicy, ...]) -> dict[tuple[str, int], list[SitePolicy]]:
    out: dict[tuple[str, int], list[SitePolicy]] = {}
    for site in sites:
        if _needs_http(site):
            out.setdefault((site.address, site.http_port), []).append(site)
    return dict(sorted(out.items(), key=lambda kv: (kv[0][1], kv[0][0])))


def _listener_problems(sites: tuple[SitePolicy, ...]) -> list[Problem]:
    problems = []
    secure = {s.listener for s in sites}
    for (address, port), members in by_listener(sites).items():
        defaults = [s for s in members if s.default_server]
        for extra in defaults[1:]:
            problems.append(Problem(
                extra.location, f"sites[{extra.index}].default_server",
                f"{defaults[0].name!r} is already the default server of "
                f"{_address(address, port)}"))
    for site in sites:
        if _needs_http(site) and (site.address, site.http_port) in secure:
            problems.append(Problem(
                site.location, f"sites[{site.index}].listen.http_port",
                f"{_address(site.address, site.http_port)} is also an HTTPS listener"))
    return problems


def _address(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _slug(address: str, port: int) -> str:
    ip = ipaddress.ip_address(address)
    text = ip.exploded.replace(":", "-") if ip.version == 6 else address.replace(".", "-")
    return f"{text}_{port}"


# -- HTTPS -------------------------------------------------------------------------------------


def _https_server(members: list[SitePolicy], policies: dict[str, dict[str, Any]],
                  acme: bool) -> dict[str, Any]:
    first = members[0]
    chosen = [s for s in members if s.default_server]
    catch_all = dict(policies[(chosen[0] if chosen else _strictest(members)).name])
    if chosen:
        exact = [d for d in chosen[0].domains if not d.startswith("*.")]
        if exact:
            catch_all["default_sni"] = exact[0]
    else:
        # No certificate carries this tag: the handshake is refused, never weakened.
        catch_all["certificate_selection"] = {"any_tag": ["tlsconf-no-default-server"]}
    connection_policies = [{"match": {"sni": list(s.domains)}, **policies[s.name]}
                           for s in members]
    connection_policies.append(catch_all)
    routes = [_site_route(s, default=False) for s in members]
    if chosen:
        routes.append(_site_route(chosen[0], default=True))
    routes.append({"handle": [{"handler": "static_response", "status_code": 421}]})
    server: dict[str, Any] = {
        "listen": [_address(first.address, first.https_port)],
        "tls_connection_policies": connection_policies,
        "automatic_https": _automatic_https(acme),
        # No HTTP/3: Caddy would otherwise open a QUIC (UDP) listener the spec never asked for.
        "protocols": ["h1", "h2"] if any(s.http2 for s in members) else ["h1"],
        # tlsconf's routes compare Host with the server name themselves (421 on a mismatch);
        # Caddy's own check (on by default with client auth) would refuse clients without SNI.
        "strict_sni_host": False,
        "routes": routes,
    }
    errors = [_error_route(s) for s in members if _response_headers(s)]
    if errors:
        server["errors"] = {"routes": errors}
    return server


def _automatic_https(acme: bool) -> dict[str, Any]:
    """Redirects are always tlsconf's own port-80 server; issuance is Caddy's only on request."""
    return {"disable_redirects": True} if acme else {"disable": True}


def _sni_matchers(site: SitePolicy) -> list[dict[str, Any]]:
    """Host is one of the site's names and so is the TLS server name the policy was picked by."""
    exact = [d for d in site.domains if not d.startswith("*.")]
    wildcards = [d for d in site.domains if d.startswith("*.")]
    out: list[dict[str, Any]] = []
    if exact:
        out.append({"host": list(site.domains), "vars": {Placeholder(SNI): exact}})
    for domain in wildcards:
        pattern = "^[^.]+" + re.escape(domain[1:]).replace("\\-", "-") + "$"
        out.append({"host": list(site.domains),
                    "vars_regexp": {Placeholder(SNI): {"pattern": pattern}}})
    return out


def _site_route(site: SitePolicy, *, default: bool) -> dict[str, Any]:
    # The default site also answers clients without SNI (the `vars` matcher never matches an
    # empty value, measured; a regexp does).
    match = [{"host": list(site.domains), "vars_regexp": {Placeholder(SNI): {"pattern": "^$"}}}
             ] if default else _sni_matchers(site)
    handle: list[dict[str, Any]] = []
    headers = _response_headers(site)
    if headers:
        handle.append({"handler": "headers", "response": {"set": headers, "deferred": True}})
    handle.append({"handler": "subroute", "routes": [_route(site, r) for r in site.routes]})
    return {"match": match, "handle": handle, "terminal": True}


def _error_route(site: SitePolicy) -> dict[str, Any]:
    return {"match": [{"host": list(site.domains)}],
            "handle": [{"handler": "headers", "response": {"set": _response_headers(site)}},
                       # keep the error's own status: an error route that writes nothing is a 200
                       {"handler": "static_response",
                        "status_code": Placeholder("{http.error.status_code}")}]}


def _response_headers(site: SitePolicy) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if site.hsts.enabled:
        out["Strict-Transport-Security"] = [site.hsts.header_value]
    for name, value in site.headers:
        if name.lower() != "strict-transport-security" or not site.hsts.enabled:
            out[name] = [value]
    return out


def _route(site: SitePolicy, route: Route) -> dict[str, Any]:
    weights = [u.weight for u in route.upstreams]
    upstreams = sorted(route.upstreams, key=lambda u: u.backup)
    if any(u.backup for u in upstreams):  # one primary (checked), then backups in spec order
        selection: dict[str, Any] = {"policy": "first"}
    elif site.balance == "round_robin" and len(set(weights)) > 1:
        selection = {"policy": "weighted_round_robin", "weights": weights}
    else:
        selection = {"policy": {"round_robin": "round_robin", "least_conn": "least_conn",
                                "ip_hash": "client_ip_hash"}[site.balance]}
    proxy: dict[str, Any] = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": u.address} for u in upstreams],
        "load_balancing": {"selection_policy": selection},
        "headers": {"request": {"set": {"X-Real-Ip": [Placeholder("{http.request.remote.host}")]}}},
    }
    if site.health_check is not None:
        proxy["health_checks"] = {"active": {
            "uri": site.health_check.path,
            "interval": f"{site.health_check.interval}s",
            "timeout": f"{site.health_check.interval}s",
        }}
    out: dict[str, Any] = {"handle": [proxy]}
    if route.path != "/":
        out["match"] = [{"path": [route.path + "*"]}]
    return out


# -- port 80 -----------------------------------------------------------------------------------


def _http_server(members: list[SitePolicy], acme: bool) -> dict[str, Any]:
    first = members[0]
    routes = []
    for site in members:
        handle: list[dict[str, Any]] = []
        if site.acme_upstream is not None:
            handle.append({"match": [{"path": [ACME_PATH]}], "handle": [
                {"handler": "reverse_proxy", "upstreams": [{"dial": site.acme_upstream}]}]})
        elif site.acme_webroot is not None:
            handle.append({"match": [{"path": [ACME_PATH]}], "handle": [
                {"handler": "file_server", "root": site.acme_webroot}]})
        if site.redirect_http:
            port = "" if site.https_port == 443 else f":{site.https_port}"
            location = Placeholder(f"https://{{http.request.host}}{port}{{http.request.uri}}")
            handle.append({"handle": [{"handler": "static_response", "status_code": 301,
                                       "headers": {"Location": [location]}}]})
        routes.append({"match": [{"host": list(site.domains)}],
                       "handle": [{"handler": "subroute", "routes": handle}], "terminal": True})
    return {
        "listen": [_address(first.address, first.http_port)],
        "automatic_https": _automatic_https(acme),
        "routes": routes,
    }


# -- serialisation -----------------------------------------------------------------------------

_SAFE = re.compile(r"[\x20-\x7a\x7c\x7e]*")  # printable ASCII without { and }


def _check_text(text: str, parent: str | None = None) -> None:
    """Caddy expands `{placeholder}`s at runtime (`{env.SECRET}` leaks the environment): no `{`
    or `}` anywhere except in values tlsconf wrote as `Placeholder`."""
    if isinstance(text, Placeholder) or _SAFE.fullmatch(text):
        return
    raise UnsafeValue(f"refusing to emit {text!r} into Caddy config: only printable ASCII "
                      "without '{' and '}'")


def dump(document: dict[str, Any]) -> str:
    check_tree(document, "Caddy config", _check_text, _check_text)
    return json_text(document, "") + "\n"
