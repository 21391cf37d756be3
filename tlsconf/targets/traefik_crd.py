"""Traefik kubernetesCRD target: TLSOptions, Middlewares, IngressRoutes, ServersTransports.

Layout under `traefik-crd/`, one file per kind (see `k8s_common`): `tlsoptions.yaml` (one per
site, `tlsconf-<site>`, plus `default`: clients without SNI, with an unknown name, or reaching a
wildcard name through `HostRegexp` get `default`, so it always carries a policy of the spec -
the logic and the Go-name translation are `traefik_tls`'s, shared with the file target),
`tlsstores.yaml` (the `default` store's certificate, when a site is `default_server`),
`middlewares.yaml` (`<site>-headers`: HSTS and extra headers; `<site>-redirect`:
redirectScheme), `ingressroutes.yaml` (`<site>-websecure` and `<site>-web`),
`serverstransports.yaml` (upstream Services that speak TLS) and `certificates.yaml`
(cert-manager, with `kubernetes.issuer`).

Entry points are Traefik's `web` and `websecure` (named per port when the spec has several
listeners, as in the file target); Traefik's static configuration must define them. Port-80
routes have explicit low priorities (redirect 1, `acme_upstream` 2) so that cert-manager's
http-01 solver route, whose priority is its rule length, always wins over the redirect.
"""

from __future__ import annotations

from typing import Any

from tlsconf.errors import Problem, TlsconfError
from tlsconf.names import parse_version
from tlsconf.policy import Route, SitePolicy
from tlsconf.render import Rendered, guidelines_of, header_lines
from tlsconf.spec import Kubernetes
from tlsconf.specfile import LoadedSpec
from tlsconf.targets import traefik
from tlsconf.targets.k8s_common import (
    ACME_PATH,
    Backend,
    acme_service,
    backends,
    certificate,
    client_ca_name,
    common_notes,
    dump,
    metadata,
    route_field,
    secret_name,
    settings,
    site_problem,
)
from tlsconf.targets.traefik_tls import default_options, dotted, site_options

NAME = "traefik-crd"
API_VERSION = "traefik.io/v1alpha1"
OUT = "traefik-crd"
P2C_STRATEGY = traefik.P2C_STRATEGY  # the file target's gates: one Traefik, one table
HRW_STRATEGY = traefik.HRW_STRATEGY
PRIORITY_REDIRECT = 1
PRIORITY_ACME = 2
PRIORITY_WILDCARD = 2000  # as the file target: exact names outrank wildcards, longer paths win
PRIORITY_EXACT = 4000
LABEL = "[a-z0-9]([a-z0-9-]*[a-z0-9])?"  # one DNS label, as a certificate wildcard matches


def render(loaded: LoadedSpec, sites: tuple[SitePolicy, ...]) -> Rendered:
    k8s = settings(loaded, NAME)
    version = parse_version(loaded.spec.targets.traefik.version or traefik.DEFAULT_VERSION)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    options: dict[str, dict[str, object]] = {}
    for site in sites:
        opts, site_problems, site_warnings = site_options(site, version)
        options[site.name] = crd_options(opts, site, loaded)
        more, notes = common_notes(loaded, k8s, site)
        problems += site_problems + more + acme_service(loaded, k8s, site)
        warnings += site_warnings + notes
        problems += _balance_problems(loaded, site, version)
    default, default_site, default_problems = default_options(sites, options)
    entry = traefik.EntryPoints(sites)
    problems += default_problems + entry.problems
    routes: list[dict[str, Any]] = []
    transports: dict[tuple[str, str], dict[str, Any]] = {}
    for site in sites:
        route, route_problems = _websecure(loaded, k8s, site, entry, version, transports)
        routes.append(route)
        problems += route_problems
        if site.redirect_http or site.acme_upstream is not None:
            routes.append(_web(loaded, k8s, site, entry, version, transports))
    if problems:
        raise TlsconfError(problems)
    if any(b_ns != k8s.namespace for b_ns, _ in transports) or _cross_namespace(loaded, k8s):
        warnings.append(Problem(loaded.locate(("kubernetes", "services")), "kubernetes.services",
                                "Services in another namespace need Traefik's "
                                "providers.kubernetesCRD.allowCrossNamespace=true"))
    header = header_lines(guidelines_of({s.tls.guideline for s in sites}))
    tls_options = [_object("TLSOption", f"tlsconf-{s.name}", k8s.namespace, options[s.name])
                   for s in sites]
    tls_options.append(_object("TLSOption", "default", k8s.namespace, default))
    files = {
        f"{OUT}/tlsoptions.yaml": dump(header, tls_options),
        f"{OUT}/middlewares.yaml": dump(header, _middlewares(k8s, sites)),
        f"{OUT}/ingressroutes.yaml": dump(header, routes),
    }
    if any(s.default_server for s in sites):
        store = {"defaultCertificate": {"secretName": secret_name(default_site, loaded)}}
        files[f"{OUT}/tlsstores.yaml"] = dump(
            header, [_object("TLSStore", "default", k8s.namespace, store)])
    if transports:
        files[f"{OUT}/serverstransports.yaml"] = dump(header, list(transports.values()))
    if k8s.issuer is not None:
        files[f"{OUT}/certificates.yaml"] = dump(
            header, [certificate(s, loaded, k8s) for s in sites])
    return Rendered(files, tuple(warnings))


def crd_options(
    options: dict[str, object], site: SitePolicy, loaded: LoadedSpec
) -> dict[str, object]:
    """A file-provider `tls.options` entry as a TLSOption spec: CA files become a Secret."""
    out = dict(options)
    auth = out.get("clientAuth")
    if isinstance(auth, dict):
        out["clientAuth"] = {"secretNames": [client_ca_name(site, loaded)],
                             "clientAuthType": auth["clientAuthType"]}
    return out


def _object(kind: str, name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata(name, namespace),
            "spec": spec}


def _cross_namespace(loaded: LoadedSpec, k8s: Kubernetes) -> bool:
    return any((s.namespace or k8s.namespace) != k8s.namespace for s in k8s.services.values())


def _balance_problems(
    loaded: LoadedSpec, site: SitePolicy, version: tuple[int, ...]
) -> list[Problem]:
    if site.balance == "ip_hash" and version < HRW_STRATEGY:
        return [site_problem(loaded, site, "balance",
                             f"ip_hash needs Traefik >= {dotted(HRW_STRATEGY)} (strategy hrw); "
                             f"targets.traefik.version is {dotted(version)}")]
    if site.balance == "least_conn" and version < P2C_STRATEGY:
        return [site_problem(loaded, site, "balance",
                             f"least_conn needs Traefik >= {dotted(P2C_STRATEGY)} (strategy "
                             f"p2c); targets.traefik.version is {dotted(version)}")]
    return []


# -- rules ---------------------------------------------------------------------------------------


def host_rules(site: SitePolicy) -> list[tuple[str, int]]:
    """(rule, priority tier): exact names in `Host()`, each wildcard as a one-label regexp."""
    exact = [d for d in site.domains if not d.startswith("*.")]
    wildcard = [d[2:].replace(".", "\\.") for d in site.domains if d.startswith("*.")]
    out = []
    if exact:
        out.append((_any_of(f"Host(`{d}`)" for d in exact), PRIORITY_EXACT))
    if wildcard:
        out.append((_any_of(f"HostRegexp(`^{LABEL}\\.{s}$`)" for s in wildcard),
                    PRIORITY_WILDCARD))
    return out


def _any_of(parts: Any) -> str:
    items = list(parts)
    return items[0] if len(items) == 1 else "(" + " || ".join(items) + ")"


def _with_path(hosts: str, path: str) -> str:
    return hosts if path == "/" else f"{hosts} && PathPrefix(`{path}`)"


# -- IngressRoutes -------------------------------------------------------------------------------


def _websecure(
    loaded: LoadedSpec,
    k8s: Kubernetes,
    site: SitePolicy,
    entry: traefik.EntryPoints,
    version: tuple[int, ...],
    transports: dict[tuple[str, str], dict[str, Any]],
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    routes = []
    for route in site.routes:
        services, route_problems = _services(loaded, k8s, site, route, version, transports)
        problems += route_problems
        for hosts, tier in host_rules(site):
            routes.append({
                "kind": "Rule",
                "match": _with_path(hosts, route.path),
                "priority": tier + len(route.path),
                "middlewares": [{"name": f"{site.name}-headers"}],
                "services": services,
            })
    spec = {
        "entryPoints": [entry.https(site)],
        "routes": routes,
        "tls": {"secretName": secret_name(site, loaded),
                "options": {"name": f"tlsconf-{site.name}", "namespace": k8s.namespace}},
    }
    return _object("IngressRoute", f"{site.name}-websecure", k8s.namespace, spec), problems


def _web(
    loaded: LoadedSpec,
    k8s: Kubernetes,
    site: SitePolicy,
    entry: traefik.EntryPoints,
    version: tuple[int, ...],
    transports: dict[tuple[str, str], dict[str, Any]],
) -> dict[str, Any]:
    routes = []
    for hosts, _tier in host_rules(site):
        if site.acme_upstream is not None:
            acme = k8s.services[site.acme_upstream]
            routes.append({
                "kind": "Rule",
                "match": _with_path(hosts, ACME_PATH),
                "priority": PRIORITY_ACME,
                "services": [_service(k8s, Backend(acme, acme.namespace or k8s.namespace, 1),
                                      site, version, transports)],
            })
        if site.redirect_http:
            main, _ = _services(loaded, k8s, site, site.routes[-1], version, transports)
            routes.append({
                "kind": "Rule",
                "match": hosts,
                "priority": PRIORITY_REDIRECT,
                "middlewares": [{"name": f"{site.name}-redirect"}],
                "services": main,  # never reached: the middleware answers
            })
    spec = {"entryPoints": [entry.http(site)], "routes": routes}
    return _object("IngressRoute", f"{site.name}-web", k8s.namespace, spec)


def _services(
    loaded: LoadedSpec,
    k8s: Kubernetes,
    site: SitePolicy,
    route: Route,
    version: tuple[int, ...],
    transports: dict[tuple[str, str], dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[Problem]]:
    found, problems = backends(loaded, k8s, site, route, route_field(site, route, loaded))
    return [_service(k8s, b, site, version, transports) for b in found], problems


def _service(
    k8s: Kubernetes,
    backend: Backend,
    site: SitePolicy,
    version: tuple[int, ...],
    transports: dict[tuple[str, str], dict[str, Any]],
) -> dict[str, Any]:
    service = backend.service
    out: dict[str, Any] = {"kind": "Service", "name": service.name}
    if backend.namespace != k8s.namespace:
        out["namespace"] = backend.namespace
    out.update(port=service.port, weight=backend.weight, passHostHeader=True)
    if site.balance == "least_conn" and version >= P2C_STRATEGY:
        out["strategy"] = "p2c"
    elif site.balance == "ip_hash":
        out["strategy"] = "hrw"
    if service.tls is not None:
        name = f"tlsconf-{service.name}"
        transport: dict[str, Any] = {"serverName": service.tls.hostname,
                                     "insecureSkipVerify": False}
        if service.tls.ca_configmap is not None:
            transport["rootCAs"] = [{"configMap": service.tls.ca_configmap}]
        transports[(backend.namespace, name)] = _object(
            "ServersTransport", name, backend.namespace, transport)
        out.update(scheme="https", serversTransport=name)
    return out


# -- Middlewares ---------------------------------------------------------------------------------


def _middlewares(k8s: Kubernetes, sites: tuple[SitePolicy, ...]) -> list[dict[str, Any]]:
    out = [_object("Middleware", f"{s.name}-headers", k8s.namespace, headers_middleware(s))
           for s in sites]
    for site in sites:
        if site.redirect_http:
            redirect: dict[str, Any] = {"scheme": "https", "permanent": True}
            if site.https_port != 443:
                redirect["port"] = str(site.https_port)
            out.append(_object("Middleware", f"{site.name}-redirect", k8s.namespace,
                               {"redirectScheme": redirect}))
    return out


def headers_middleware(site: SitePolicy) -> dict[str, Any]:
    """HSTS through Traefik's sts* fields (max-age 0 as a raw header), plus extra headers."""
    headers: dict[str, Any] = {}
    custom = dict(site.headers)
    hsts = site.hsts
    if hsts.enabled and hsts.max_age > 0:
        headers.update(stsSeconds=hsts.max_age, stsIncludeSubdomains=hsts.include_subdomains,
                       stsPreload=hsts.preload, forceSTSHeader=False)
    elif hsts.enabled:
        custom = {"Strict-Transport-Security": hsts.header_value, **custom}
    if custom:
        headers["customResponseHeaders"] = custom
    return {"headers": headers}
