"""Gateway API implementation adapters: the TLS policy no portable Gateway API resource carries.

Gateway API v1.5 standard has certificates, client-certificate validation (per port) and
BackendTLSPolicy, but no protocol versions, cipher suites, groups or session settings. Each
implementation has its own place for them:

* `traefik` - a Traefik `TLSOption` named `default`: Traefik's Gateway provider ignores listener
  `tls.options` and applies `default` to every listener (and to clients without SNI), so all
  sites must share one policy; the translation is `traefik_tls`'s, as for the file target, and
  the client CA is a Secret (`ca.crt`) as in the traefik-crd target.
* `envoy-gateway` - one `ClientTrafficPolicy` per site targeting its HTTPS listeners, with TLS
  session resumption turned on (Envoy Gateway leaves it off by default). The TLS values are
  `envoy_tls`'s, exactly as in the Envoy bootstrap target (BoringSSL's suites and groups).
  Its CRD is not among the pinned schemas: this output is checked for shape only.
* `nginx-gateway-fabric` - listener `tls.options` (`nginx.org/ssl-*`; the session and ECDH keys
  need NGINX Gateway Fabric >= 2.7). nginx picks the handshake policy per port, so sites that
  share a port must share it.

Without an implementation, the portable resources are rendered and a warning names the policy
fields that were left to the implementation's defaults.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct, field

from tlsconf.errors import Problem
from tlsconf.names import GROUPS_BY_NAME, parse_version
from tlsconf.policy import SitePolicy
from tlsconf.spec import Kubernetes
from tlsconf.specfile import LoadedSpec
from tlsconf.targets import envoy_tls, traefik
from tlsconf.targets.k8s_common import GATEWAY_GROUP, client_ca_name, metadata, secret_name
from tlsconf.targets.traefik_crd import API_VERSION as TRAEFIK_API
from tlsconf.targets.traefik_crd import crd_options
from tlsconf.targets.traefik_tls import default_options, site_options

IMPLS = ("traefik", "envoy-gateway", "nginx-gateway-fabric")
ENVOY_API = "gateway.envoyproxy.io/v1alpha1"
POLICY_FIELDS = ("protocols", "ciphers", "ciphersuites", "curves", "prefer_server_ciphers",
                 "session_tickets", "session_timeout")
ENVOY_VERSIONS = {"TLSv1": "1.0", "TLSv1.1": "1.1", "TLSv1.2": "1.2", "TLSv1.3": "1.3"}
NGF_SESSION_CACHE = "shared:tlsconf:10m"  # Mozilla's nginx size
ON_OFF = {True: "on", False: "off"}


class Adapted(Struct):
    """What an adapter adds: manifests per output file, listener options, problems, warnings."""

    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    listener_options: dict[str, dict[str, str]] = field(default_factory=dict)  # by site name
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def adapt(
    impl: str | None,
    loaded: LoadedSpec,
    sites: tuple[SitePolicy, ...],
    k8s: Kubernetes,
    listeners: dict[str, list[str]],
) -> Adapted:
    """`listeners`: each site's HTTPS listener names on the Gateway."""
    if impl is None:
        return _portable(sites)
    if impl == "traefik":
        return _traefik(loaded, sites, k8s)
    if impl == "envoy-gateway":
        return _envoy(loaded, sites, k8s, listeners)
    return _nginx_gateway_fabric(sites)


def _portable(sites: tuple[SitePolicy, ...]) -> Adapted:
    names = ", ".join(f"tls.{n}" for n in POLICY_FIELDS)
    first = sites[0]
    return Adapted(warnings=[Problem(
        first.location, f"sites[{first.index}].tls",
        f"no portable Gateway API resource carries {names}, http2 (ALPN) or the certificate "
        "for clients without SNI: the implementation's defaults apply to every site; pass "
        f"--impl {'|'.join(IMPLS)} to render them",
    )])


def _problem(site: SitePolicy, name: str, message: str) -> Problem:
    origin = site.tls_origin(name)
    location = origin.location if origin.kind == "spec" and origin.location else site.location
    return Problem(location, f"sites[{site.index}].tls.{name}", message)


# -- Traefik -------------------------------------------------------------------------------------


def _traefik(loaded: LoadedSpec, sites: tuple[SitePolicy, ...], k8s: Kubernetes) -> Adapted:
    out = Adapted()
    version = parse_version(loaded.spec.targets.traefik.version or traefik.DEFAULT_VERSION)
    options: dict[str, dict[str, object]] = {}
    for site in sites:
        opts, problems, warnings = site_options(site, version)
        options[site.name] = crd_options(opts, site, loaded)
        out.problems += problems
        out.warnings += warnings
    first = sites[0]
    for site in sites[1:]:
        differ = sorted(k for k in {*options[first.name], *options[site.name]}
                        if options[first.name].get(k) != options[site.name].get(k))
        if differ:
            out.problems.append(Problem(
                site.location, f"sites[{site.index}].tls",
                f"Traefik's Gateway provider applies one TLSOption (`default`) to every "
                f"listener: {site.name!r} differs from {first.name!r} in {', '.join(differ)}; "
                "give the sites the same TLS settings (and client_auth), or use the "
                "traefik-crd target",
            ))
    default, default_site, problems = default_options(sites, options)
    out.problems += problems
    out.files["tlsoptions.yaml"] = [_traefik_object("TLSOption", k8s, default)]
    if any(s.default_server for s in sites):
        store = {"defaultCertificate": {"secretName": secret_name(default_site, loaded)}}
        out.files["tlsstores.yaml"] = [_traefik_object("TLSStore", k8s, store)]
    return out


def _traefik_object(kind: str, k8s: Kubernetes, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": TRAEFIK_API, "kind": kind, "metadata": metadata("default", k8s.namespace),
            "spec": spec}


# -- Envoy Gateway -------------------------------------------------------------------------------


def _envoy(
    loaded: LoadedSpec,
    sites: tuple[SitePolicy, ...],
    k8s: Kubernetes,
    listeners: dict[str, list[str]],
) -> Adapted:
    out = Adapted()
    gateway = k8s.gateway
    policies = []
    for site in sites:
        tls, problems, warnings = _envoy_tls(site, loaded)
        out.problems += problems
        out.warnings += warnings
        spec = {
            "targetRefs": [{"group": GATEWAY_GROUP, "kind": "Gateway", "name": gateway.name,
                            "sectionName": name} for name in listeners[site.name]],
            "tls": tls,
        }
        policies.append({"apiVersion": ENVOY_API, "kind": "ClientTrafficPolicy",
                         "metadata": metadata(site.name, gateway.namespace or k8s.namespace),
                         "spec": spec})
    out.files["clienttrafficpolicies.yaml"] = policies
    return out


def _envoy_tls(
    site: SitePolicy, loaded: LoadedSpec
) -> tuple[dict[str, Any], list[Problem], list[Problem]]:
    """The site's `spec.tls`: `envoy_tls`'s translation, as the Envoy bootstrap target uses it
    (a test compares the two field by field), in Envoy Gateway's spelling."""
    policy, problems, warnings = envoy_tls.resolve(site)
    if policy is None:
        return {}, problems, warnings
    out: dict[str, Any] = {"minVersion": ENVOY_VERSIONS[policy.min_version],
                           "maxVersion": ENVOY_VERSIONS[policy.max_version]}
    if policy.min_version != "TLSv1.3":
        out["ciphers"] = list(policy.ciphers)
    out["ecdhCurves"] = list(policy.curves)
    out["alpnProtocols"] = list(policy.alpn)
    # Off by default in Envoy Gateway: resumption by tickets (no keys configured: BoringSSL
    # makes its own in memory and rotates them every 48 h), or by a session cache.
    out["session"] = {"resumption": {"stateless": {}} if policy.tickets else {"stateful": {}}}
    tls = site.tls
    if tls.client_auth is not None:
        out["clientValidation"] = {
            "caCertificateRefs": [{"group": "", "kind": "ConfigMap",
                                   "name": client_ca_name(site, loaded)}],
            "optional": tls.client_auth.mode == "optional",
        }
    for name in ("prefer_server_ciphers", "session_timeout"):
        if site.tls_origin(name).kind == "spec":
            warnings.append(_problem(site, name, "ignored: Envoy Gateway has no setting for it"))
    return out, problems, warnings


# -- NGINX Gateway Fabric ------------------------------------------------------------------------


def _nginx_gateway_fabric(sites: tuple[SitePolicy, ...]) -> Adapted:
    out = Adapted()
    by_port: dict[int, SitePolicy] = {}
    for site in sites:
        first = by_port.setdefault(site.https_port, site)
        differ = [n for n in POLICY_FIELDS if getattr(first.tls, n) != getattr(site.tls, n)]
        if differ:
            out.problems.append(Problem(
                site.location, f"sites[{site.index}].tls",
                f"nginx applies the TLS policy per port: {site.name!r} shares port "
                f"{site.https_port} with {first.name!r} but differs in {', '.join(differ)}",
            ))
        tls = site.tls
        options = {"nginx.org/ssl-protocols": " ".join(tls.protocols)}
        if any(p != "TLSv1.3" for p in tls.protocols) and tls.ciphers:
            options["nginx.org/ssl-ciphers"] = ":".join(tls.ciphers)
        options["nginx.org/ssl-prefer-server-ciphers"] = ON_OFF[tls.prefer_server_ciphers]
        # NGINX Gateway Fabric's image links an OpenSSL that knows every group tlsconf emits.
        usable = [c for c in tls.curves if GROUPS_BY_NAME[c].openssl_min <= (3, 5)]
        options["nginx.org/ssl-ecdh-curve"] = ":".join(usable)
        options["nginx.org/ssl-session-cache"] = NGF_SESSION_CACHE
        options["nginx.org/ssl-session-timeout"] = f"{tls.session_timeout}s"
        out.listener_options[site.name] = options
        if site.tls_origin("ciphersuites").kind == "spec":
            out.problems.append(_problem(site, "ciphersuites", "NGINX Gateway Fabric has no "
                                                               "option for TLS 1.3 suites"))
        if site.tls_origin("session_tickets").kind == "spec":
            out.warnings.append(_problem(site, "session_tickets", "ignored: NGINX Gateway "
                                                                  "Fabric has no option for it"))
        if not site.http2:
            out.warnings.append(Problem(site.location, f"sites[{site.index}].http2",
                                        "ignored: NGINX Gateway Fabric sets HTTP/2 per Gateway"))
    return out
