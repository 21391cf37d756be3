"""Gateway API target (standard channel, v1.5+): a Gateway, HTTPRoutes and the policy objects.

Layout under `gateway-api/`, one file per kind (see `k8s_common`): `gateways.yaml`,
`httproutes.yaml`, `backendtlspolicies.yaml`, `referencegrants.yaml`, `certificates.yaml`
(cert-manager, with `kubernetes.issuer`) and whatever the `--impl` adapter adds (`k8s_impl`:
`tlsoptions.yaml`/`tlsstores.yaml` for Traefik, `clienttrafficpolicies.yaml` for Envoy
Gateway; NGINX Gateway Fabric's options go on the listeners).

The Gateway has one HTTP listener per plain port (`http`, or `http-<port>` with several) and one
HTTPS listener per site and domain (`<site>-https-<n>`: a listener takes a single hostname),
each terminating TLS with the site's `kubernetes.io/tls` Secret. Fields with defaults are
written out (`group: ""`, `kind: Secret`, `mode: Terminate`, `allowedRoutes`), so the manifest
reads the same on every implementation. Client-certificate validation is per port in Gateway
API (`spec.tls.frontend.perPort`): sites sharing a port must ask for the same CA and mode.

Routes: `<site>-http` on the HTTP listener redirects to https with status 301 (and sends
`acme_upstream`'s path to its Service); cert-manager's http-01 solver route matches a longer path
on the same hostname, so Gateway API's precedence keeps ACME working with the redirect in place.
`<site>` on the site's HTTPS listeners has one rule per location, longest prefix first, with
weighted `backendRefs` and HSTS plus the extra headers in a ResponseHeaderModifier on every rule.
"""

from __future__ import annotations

from typing import Any

from tlsconf.errors import Problem, TlsconfError
from tlsconf.policy import SitePolicy
from tlsconf.render import Rendered, guidelines_of, header_lines
from tlsconf.spec import Kubernetes
from tlsconf.specfile import LoadedSpec
from tlsconf.targets import k8s_impl
from tlsconf.targets.k8s_common import (
    ACME_PATH,
    GATEWAY_GROUP,
    CrossRef,
    acme_service,
    backends,
    certificate,
    client_ca_name,
    common_notes,
    dump,
    metadata,
    reference_grants,
    route_field,
    secret_name,
    settings,
    site_problem,
)

NAME = "gateway-api"
OUT = "gateway-api"
API_VERSION = f"{GATEWAY_GROUP}/v1"
REDIRECT_STATUS = 301  # as the nginx and HAProxy targets
MAX_LISTENERS = 64  # Gateway.spec.listeners maxItems
MAX_RULES = 16  # HTTPRoute.spec.rules maxItems
VALIDATION_MODE = {"required": "AllowValidOnly", "optional": "AllowInsecureFallback"}


def render(
    loaded: LoadedSpec, sites: tuple[SitePolicy, ...], impl: str | None = None
) -> Rendered:
    k8s = settings(loaded, NAME)
    gw_ns = k8s.gateway.namespace or k8s.namespace
    problems: list[Problem] = []
    warnings: list[Problem] = []
    refs: list[CrossRef] = []
    listeners, names = _listeners(loaded, k8s, sites, gw_ns, refs)
    adapted = k8s_impl.adapt(impl, loaded, sites, k8s, names)
    problems += adapted.problems
    warnings += adapted.warnings
    for site in sites:
        for listener in listeners:
            if listener["name"] in names[site.name] and site.name in adapted.listener_options:
                listener["tls"]["options"] = adapted.listener_options[site.name]
    if len(listeners) > MAX_LISTENERS:
        problems.append(Problem(sites[0].location, "sites", f"{len(listeners)} listeners (one "
                                f"per domain); a Gateway holds at most {MAX_LISTENERS}"))
    gateway_spec: dict[str, Any] = {"gatewayClassName": k8s.gateway.class_name,
                                    "listeners": listeners}
    frontend, frontend_problems = _frontend(loaded, sites, k8s, gw_ns, refs)
    problems += frontend_problems
    if frontend:
        gateway_spec["tls"] = {"frontend": frontend}
    routes: list[dict[str, Any]] = []
    policies: dict[tuple[str, str], dict[str, Any]] = {}
    for site in sites:
        more, notes = common_notes(loaded, k8s, site)
        problems += more + acme_service(loaded, k8s, site)
        warnings += notes + _warnings(loaded, site, impl)
        route, route_problems = _site_route(loaded, k8s, site, gw_ns, names, refs, policies)
        routes.append(route)
        problems += route_problems
        if site.redirect_http or site.acme_upstream is not None:
            routes.append(_http_route(k8s, site, sites, gw_ns, refs))
    problems += _route_name_clashes(loaded, sites)
    if problems:
        raise TlsconfError(problems)
    header = header_lines(guidelines_of({s.tls.guideline for s in sites}))
    gateway = {"apiVersion": API_VERSION, "kind": "Gateway",
               "metadata": metadata(k8s.gateway.name, gw_ns), "spec": gateway_spec}
    manifests: dict[str, list[dict[str, Any]]] = {
        "gateways.yaml": [gateway],
        "httproutes.yaml": routes,
        "backendtlspolicies.yaml": list(policies.values()),
        "referencegrants.yaml": reference_grants(refs),
        "certificates.yaml": [certificate(s, loaded, k8s) for s in sites] if k8s.issuer else [],
        **adapted.files,
    }
    files = {f"{OUT}/{name}": dump(header, docs) for name, docs in manifests.items() if docs}
    return Rendered(files, tuple(warnings))


def _warnings(loaded: LoadedSpec, site: SitePolicy, impl: str | None) -> list[Problem]:
    out = []
    if site.balance != "round_robin":
        out.append(site_problem(loaded, site, "balance", "ignored: Gateway API routes spread "
                                "requests by backendRef weight only"))
    if site.default_server and impl != "traefik":
        out.append(site_problem(loaded, site, "default_server", "ignored: the certificate for "
                                "clients without SNI is the implementation's choice"))
    return out


# -- Gateway -------------------------------------------------------------------------------------


def _allowed_routes(k8s: Kubernetes, gw_ns: str) -> dict[str, Any]:
    namespaces: dict[str, Any] = {"from": "Same"}
    if gw_ns != k8s.namespace:
        namespaces = {"from": "Selector", "selector": {
            "matchLabels": {"kubernetes.io/metadata.name": k8s.namespace}}}
    return {"namespaces": namespaces, "kinds": [{"group": GATEWAY_GROUP, "kind": "HTTPRoute"}]}


def _http_listener_name(sites: tuple[SitePolicy, ...], port: int) -> str:
    ports = {s.http_port for s in sites if s.redirect_http or s.acme_upstream is not None}
    return "http" if len(ports) == 1 else f"http-{port}"


def _listeners(
    loaded: LoadedSpec,
    k8s: Kubernetes,
    sites: tuple[SitePolicy, ...],
    gw_ns: str,
    refs: list[CrossRef],
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The Gateway's listeners, and each site's HTTPS listener names."""
    allowed = _allowed_routes(k8s, gw_ns)
    out: list[dict[str, Any]] = []
    for port in sorted({s.http_port for s in sites if s.redirect_http or s.acme_upstream}):
        out.append({"name": _http_listener_name(sites, port), "port": port, "protocol": "HTTP",
                    "allowedRoutes": allowed})
    names: dict[str, list[str]] = {}
    for site in sites:
        secret = secret_name(site, loaded)
        ref: dict[str, Any] = {"group": "", "kind": "Secret", "name": secret}
        if gw_ns != k8s.namespace:
            ref["namespace"] = k8s.namespace
            refs.append(CrossRef(k8s.namespace, GATEWAY_GROUP, "Gateway", gw_ns, "", "Secret",
                                 secret))
        names[site.name] = []
        for n, domain in enumerate(site.domains, 1):
            name = f"{site.name}-https-{n}"
            names[site.name].append(name)
            out.append({"name": name, "hostname": domain, "port": site.https_port,
                        "protocol": "HTTPS",
                        "tls": {"mode": "Terminate", "certificateRefs": [dict(ref)]},
                        "allowedRoutes": allowed})
    return out, names


def _frontend(
    loaded: LoadedSpec,
    sites: tuple[SitePolicy, ...],
    k8s: Kubernetes,
    gw_ns: str,
    refs: list[CrossRef],
) -> tuple[dict[str, Any], list[Problem]]:
    """Client-certificate validation per HTTPS port; sites sharing a port must agree."""
    problems: list[Problem] = []
    by_port: dict[int, list[SitePolicy]] = {}
    for site in sites:
        by_port.setdefault(site.https_port, []).append(site)
    per_port = []
    for port, members in sorted(by_port.items()):
        wanted = {s.name: _validation_key(s, loaded) for s in members}
        if all(v is None for v in wanted.values()):
            continue
        first = members[0]
        for site in members[1:]:
            if wanted[site.name] != wanted[first.name]:
                problems.append(site_problem(
                    loaded, site, "tls.client_auth",
                    f"Gateway API validates client certificates per port, not per host: "
                    f"{site.name!r} shares port {port} with {first.name!r} but asks for "
                    f"{_describe(wanted[site.name])} instead of {_describe(wanted[first.name])}; "
                    "give one of them its own https_port",
                ))
        key = wanted[first.name]
        if key is None:
            continue
        ca, mode = key
        ref: dict[str, Any] = {"group": "", "kind": "ConfigMap", "name": ca}
        if gw_ns != k8s.namespace:
            ref["namespace"] = k8s.namespace
            refs.append(CrossRef(k8s.namespace, GATEWAY_GROUP, "Gateway", gw_ns, "",
                                 "ConfigMap", ca))
        per_port.append({"port": port, "tls": {"validation": {
            "caCertificateRefs": [ref], "mode": VALIDATION_MODE[mode]}}})
    if not per_port:
        return {}, problems
    return {"default": {}, "perPort": per_port}, problems


def _validation_key(site: SitePolicy, loaded: LoadedSpec) -> tuple[str, str] | None:
    auth = site.tls.client_auth
    return None if auth is None else (client_ca_name(site, loaded), auth.mode)


def _describe(key: tuple[str, str] | None) -> str:
    return "no client certificates" if key is None else f"client CA {key[0]!r} ({key[1]})"


# -- HTTPRoutes ----------------------------------------------------------------------------------


def _parent(k8s: Kubernetes, gw_ns: str, section: str) -> dict[str, Any]:
    return {"group": GATEWAY_GROUP, "kind": "Gateway", "namespace": gw_ns,
            "name": k8s.gateway.name, "sectionName": section}


def _backend_refs(
    loaded: LoadedSpec,
    k8s: Kubernetes,
    site: SitePolicy,
    found: list[Any],
    refs: list[CrossRef],
    policies: dict[tuple[str, str], dict[str, Any]] | None,
) -> list[dict[str, Any]]:
    out = []
    for backend in found:
        service = backend.service
        out.append({"group": "", "kind": "Service", "namespace": backend.namespace,
                    "name": service.name, "port": service.port, "weight": backend.weight})
        refs.append(CrossRef(backend.namespace, GATEWAY_GROUP, "HTTPRoute", k8s.namespace, "",
                             "Service", service.name))
        if service.tls is not None and policies is not None:
            validation: dict[str, Any] = {"hostname": service.tls.hostname}
            if service.tls.ca_configmap is not None:
                validation["caCertificateRefs"] = [
                    {"group": "", "kind": "ConfigMap", "name": service.tls.ca_configmap}]
            else:
                validation["wellKnownCACertificates"] = "System"
            policies[(backend.namespace, service.name)] = {
                "apiVersion": API_VERSION, "kind": "BackendTLSPolicy",
                "metadata": metadata(service.name, backend.namespace),
                "spec": {"targetRefs": [{"group": "", "kind": "Service", "name": service.name}],
                         "validation": validation},
            }
    return out


def _site_route(
    loaded: LoadedSpec,
    k8s: Kubernetes,
    site: SitePolicy,
    gw_ns: str,
    names: dict[str, list[str]],
    refs: list[CrossRef],
    policies: dict[tuple[str, str], dict[str, Any]],
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    headers = [{"name": "Strict-Transport-Security", "value": site.hsts.header_value}] \
        if site.hsts.enabled else []
    headers += [{"name": name, "value": value} for name, value in site.headers]
    rules = []
    for route in site.routes:
        found, route_problems = backends(loaded, k8s, site, route,
                                         route_field(site, route, loaded))
        problems += route_problems
        rule: dict[str, Any] = {"matches": [{"path": {"type": "PathPrefix", "value": route.path}}]}
        if headers:
            rule["filters"] = [{"type": "ResponseHeaderModifier",
                                "responseHeaderModifier": {"set": headers}}]
        rule["backendRefs"] = _backend_refs(loaded, k8s, site, found, refs, policies)
        rules.append(rule)
    if len(rules) > MAX_RULES:
        problems.append(site_problem(loaded, site, "locations",
                                     f"an HTTPRoute holds at most {MAX_RULES} rules; this site "
                                     f"has {len(rules)} paths"))
    spec = {"parentRefs": [_parent(k8s, gw_ns, name) for name in names[site.name]],
            "hostnames": list(site.domains), "rules": rules}
    return _route(site.name, k8s, spec), problems


def _http_route(
    k8s: Kubernetes,
    site: SitePolicy,
    sites: tuple[SitePolicy, ...],
    gw_ns: str,
    refs: list[CrossRef],
) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    if site.acme_upstream is not None:
        service = k8s.services[site.acme_upstream]
        namespace = service.namespace or k8s.namespace
        refs.append(CrossRef(namespace, GATEWAY_GROUP, "HTTPRoute", k8s.namespace, "",
                             "Service", service.name))
        rules.append({
            "matches": [{"path": {"type": "PathPrefix", "value": ACME_PATH}}],
            "backendRefs": [{"group": "", "kind": "Service", "namespace": namespace,
                             "name": service.name, "port": service.port, "weight": 1}],
        })
    if site.redirect_http:
        rules.append({
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            "filters": [{"type": "RequestRedirect", "requestRedirect": {
                "scheme": "https", "port": site.https_port, "statusCode": REDIRECT_STATUS}}],
        })
    listener = _http_listener_name(sites, site.http_port)
    spec = {"parentRefs": [_parent(k8s, gw_ns, listener)], "hostnames": list(site.domains),
            "rules": rules}
    return _route(f"{site.name}-http", k8s, spec)


def _route_name_clashes(loaded: LoadedSpec, sites: tuple[SitePolicy, ...]) -> list[Problem]:
    """Site `a`'s port-80 route is `a-http`, which is also the HTTPS route of a site named
    `a-http`: one object would silently replace the other when applied."""
    http_routes = {f"{s.name}-http": s for s in sites if s.redirect_http or s.acme_upstream}
    return [
        site_problem(loaded, site, "name",
                     f"{site.name!r} is also the name of the port-80 HTTPRoute of site "
                     f"{http_routes[site.name].name!r} (`<site>-http`); rename one of the sites")
        for site in sites if site.name in http_routes
    ]


def _route(name: str, k8s: Kubernetes, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": "HTTPRoute",
            "metadata": metadata(name, k8s.namespace), "spec": spec}
