"""Kubernetes manifests → one subject per TLS policy resource, so the same rules apply.

Manifests are multi-document YAML (`source.load_stream`: every refusal of a spec, positions in
the file); a `kind: List` is read item by item. All manifests of one run are read together, so
an IngressRoute in one file finds its TLSOption in another. Keys are exact (the API server
prunes a misspelt `minversion`, where Traefik's file provider would read it). What is a policy,
and where its values come from:

* Traefik `TLSOption` (traefik.io or traefik.containo.us, v1alpha1): one subject per object,
  named `namespace/name`. Its `spec` has the keys of the file provider's `tls.options.<name>` and
  goes through the same mapping (`traefik.apply_options`: unset keys are Go's defaults). An
  IngressRoute(TCP) with `tls` adds its names (`tls.domains`, `Host()`/`HostSNI()` in `match`)
  to the option it names, else to `default`. Decision: an option referenced but not in the input
  is judged as the file-provider ingester judges an undefined one — Go's defaults, server-default
  origins at the reference (TLS105/TLS215 say so). Clients without SNI get the TLSOption named
  `default` (any namespace); when the input has Traefik TLS but no `default`, a Go-defaults
  subject stands for it, as for the file provider. Several `default`s are refused (Traefik drops
  them all).
* Envoy Gateway `ClientTrafficPolicy` (gateway.envoyproxy.io/v1alpha1) with `spec.tls`: one
  subject per policy, named `namespace/name`, its domains the hostnames of the listeners it
  targets when that Gateway is in the input. Unset fields are Envoy Gateway's documented defaults,
  as server-default origins (TLS105/TLS215 warn, as for Go's and nginx's; Envoy says its defaults
  change between releases): TLS 1.2 to 1.3 (`Auto` alike), the non-FIPS cipher list below,
  groups X25519 and P-256, and no session resumption (`stateless`: tickets whose in-memory keys
  Envoy rotates every 48 h; `stateful`: a session cache). Cipher entries are BoringSSL rules
  (`[A|B]` is an equal-preference group); an unknown name is refused (Envoy rejects the
  listener), as is what the CRD refuses (a version that is not `Auto` or "1.0".."1.3", a minimum
  above the maximum, ciphers with minimum 1.3). A policy without `spec.tls` is no TLS policy.
* Gateway API `Gateway` listeners whose `tls.options` hold `nginx.org/` keys (NGINX Gateway
  Fabric): one subject per listener, named `namespace/gateway/listener`, its `hostname` the
  domain; `ssl-protocols`, `ssl-ciphers` (expanded with tlsconf's table; unknown words kept for
  TLS214), `ssl-ecdh-curve` and `ssl-prefer-server-ciphers` read as the nginx directives. A
  missing key is nginx's default (server-default origin): TLSv1.2 TLSv1.3 (nginx >= 1.23.4;
  NGINX Gateway Fabric ships newer) and `HIGH:!aNULL:!MD5`. The session cache and timeout are
  read, not judged; another `nginx.org/` key is refused (NGINX Gateway Fabric marks such a
  listener invalid, and tlsconf did not read it) — `ssl-session-tickets` too: there is no such
  option (see `targets.k8s_impl`).
  Decision: a Gateway or listener without such options gives no subject. Gateway API has no
  portable TLS policy field, and which implementation (so which defaults) serves a Gateway cannot
  be told from it — `gatewayClassName` is a free name. Its policy is judged only through a
  ClientTrafficPolicy or a TLSOption `default` in the input, which are subjects themselves.

Everything else (Secrets, Services, HTTPRoutes, Certificates, Middlewares, …) is read and
ignored. A TLSOption or ClientTrafficPolicy of another apiVersion is refused, and an input with
no policy at all is an error (exit 2), never a clean result. Templated files (`{{`: Helm charts)
are refused: render them first. The rules for kind `k8s` are the protocol, cipher and group
rules the resources can express, and TLS704; not HSTS (the header belongs to routes: Middleware,
HTTPRoute filters), not TLS4xx (compression, renegotiation and 0-RTT cannot be set there; Go and
Envoy rotate ticket keys), not certificates (they are Secrets, not files).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from msgspec import Struct

from tlsconf import suites
from tlsconf.errors import Location, Path, Problem, TlsconfError, format_path
from tlsconf.ingest import traefik
from tlsconf.ingest.common import SiteBuilder, config_origin, default_origin, expand_cipher_string
from tlsconf.ingest.nginx import DEFAULT_CIPHERS as NGINX_DEFAULT_CIPHERS
from tlsconf.lint.model import Subject
from tlsconf.names import PROTOCOLS
from tlsconf.source import Document, load_stream

TRAEFIK_APIS = ("traefik.io/v1alpha1", "traefik.containo.us/v1alpha1")
ENVOY_API = "gateway.envoyproxy.io/v1alpha1"
GATEWAY_GROUP = "gateway.networking.k8s.io/"
POLICY_APIS = {"TLSOption": TRAEFIK_APIS, "ClientTrafficPolicy": (ENVOY_API,)}
TEMPLATE = re.compile(r"\{\{")
HOST = re.compile(r"\bHost(?:SNI)?\(([^)]*)\)")

ENVOY_VERSIONS = {"1.0": "TLSv1", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}
ENVOY_DEFAULT_CIPHERS = (  # Envoy Gateway's documented non-FIPS default
    "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]",
    "[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
)
ENVOY_DEFAULT_CURVES = ("X25519", "P-256")

NGF = "nginx.org/"
NGF_KEYS = frozenset(NGF + k for k in (
    "ssl-protocols", "ssl-ciphers", "ssl-ecdh-curve", "ssl-prefer-server-ciphers",
    "ssl-session-cache", "ssl-session-timeout"))
NGINX_DEFAULT_PROTOCOLS = ("TLSv1.2", "TLSv1.3")


class KubeObject(Struct, frozen=True):
    """One Kubernetes object: its document, its path there (`()`, or `("items", i)` inside a
    List) and its data. Implements `traefik.Reader` with exact keys."""

    doc: Document
    root: Path
    data: dict[str, Any]

    @property
    def api(self) -> str:
        return str(self.data.get("apiVersion"))

    @property
    def kind(self) -> str:
        return str(self.data.get("kind"))

    @property
    def name(self) -> str:
        meta = self.data.get("metadata")
        return str(meta.get("name")) if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str:
        meta = self.data.get("metadata")
        found = meta.get("namespace") if isinstance(meta, dict) else None
        return str(found) if found else "default"

    def get(self, node: Any, path: Path, key: str) -> tuple[Any, Path]:
        if isinstance(node, dict) and key in node:
            return node[key], (*path, key)
        return None, (*path, key)

    def spec(self) -> tuple[Any, Path]:
        return self.get(self.data, self.root, "spec")

    def locate(self, path: Path) -> Location:
        return self.doc.locate(path, key=True)

    def value(self, path: Path) -> Location:
        return self.doc.locate(path)

    def refuse(self, path: Path, message: str) -> TlsconfError:
        return TlsconfError.single(self.locate(path), format_path(path), message)


def load(path: str, text: str) -> tuple[Document, ...]:
    """One manifest file's documents (refusing templated files)."""
    match = TEMPLATE.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - text.rfind("\n", 0, match.start())
        raise TlsconfError.single(Location(path, line, col), "", "templated file ({{ }}): render "
                                  "it first (helm template); tlsconf judges manifests as applied")
    return load_stream(path, text)


def ingest(path: str, text: str) -> tuple[Subject, ...]:
    return subjects([(path, load(path, text))])


def subjects(files: Sequence[tuple[str, tuple[Document, ...]]]) -> tuple[Subject, ...]:
    """Every policy subject of the manifests of one run, read together."""
    objects = [obj for _, documents in files for doc in documents for obj in objects_of(doc)]
    gateways = {(o.namespace, o.name): o for o in objects
                if o.kind == "Gateway" and o.api.startswith(GATEWAY_GROUP)}
    found: list[Subject] = list(_traefik(objects))
    for obj in objects:
        if obj.kind == "ClientTrafficPolicy":
            found.extend(_envoy(obj, gateways))
    for gateway in gateways.values():
        found.extend(_nginx_gateway_fabric(gateway))
    if not found:
        names = ", ".join(name for name, _ in files)
        raise TlsconfError.single(Location(files[0][0]), "", (
            f"no TLS policy found in {names}: no Traefik TLSOption, Envoy Gateway "
            "ClientTrafficPolicy with spec.tls, or Gateway listener tls.options (nginx.org/ssl-*). "
            "A Gateway alone leaves the policy to its implementation's defaults, which tlsconf "
            "cannot tell from the manifest"))
    return tuple(found)


def objects_of(doc: Document) -> Iterator[KubeObject]:
    items = doc.data.get("items")
    if doc.data.get("kind") == "List" and isinstance(items, list):
        pairs: list[tuple[Path, Any]] = [(("items", i), item) for i, item in enumerate(items)]
    else:
        pairs = [((), doc.data)]
    for root, data in pairs:
        if not isinstance(data, dict) or not isinstance(data.get("apiVersion"), str) \
                or not isinstance(data.get("kind"), str):
            raise TlsconfError.single(doc.locate(root), format_path(root), "not a Kubernetes "
                                      "object: apiVersion and kind (strings) are required")
        obj = KubeObject(doc, root, data)
        allowed = POLICY_APIS.get(obj.kind)
        if allowed is not None and obj.api not in allowed:
            raise obj.refuse((*root, "apiVersion"), f"{obj.kind} of apiVersion {obj.api!r} is "
                             f"not read by tlsconf (known: {', '.join(allowed)})")
        yield obj


# -- Traefik -------------------------------------------------------------------------------------


def _traefik(objects: list[KubeObject]) -> Iterator[Subject]:
    options = [o for o in objects if o.kind == "TLSOption"]
    routes = [o for o in objects if o.kind in ("IngressRoute", "IngressRouteTCP")
              and o.api in TRAEFIK_APIS and isinstance(_route_tls(o)[0], dict)]
    defaults = [o for o in options if o.name == "default"]
    if len(defaults) > 1:
        raise defaults[1].refuse((*defaults[1].root, "metadata", "name"), (
            "Traefik drops every TLSOption named `default` when several namespaces define one "
            f"(also in {defaults[0].namespace}): clients without SNI would get Go's defaults"))
    builders: dict[tuple[str, str], SiteBuilder] = {}
    for o in options:
        spec, spec_path = o.spec()
        b = SiteBuilder("k8s", f"{o.namespace}/{o.name}", o.locate(o.root))
        traefik.apply_options(o, b, spec if isinstance(spec, dict) else {}, spec_path,
                              f"TLSOption {o.namespace}/{o.name}", is_default=o.name == "default")
        builders[(o.namespace, o.name)] = b
    default_key = (defaults[0].namespace, "default") if defaults else ("", "default")
    for route in routes:
        tls, tls_path = _route_tls(route)
        ref, ref_path = route.get(tls, tls_path, "options")
        if isinstance(ref, dict) and ref.get("name"):
            key = (str(ref.get("namespace") or route.namespace), str(ref["name"]))
            where = route.locate(ref_path)
        else:
            key, where = default_key, route.locate(tls_path)
        if key not in builders:
            label = "TLSOption default" if key == default_key else f"TLSOption {key[0]}/{key[1]}"
            builders[key] = _undefined(label, where, is_default=key == default_key)
        b = builders[key]
        b.domains += tuple(d for d in _route_domains(route, tls, tls_path) if d not in b.domains)
    if (options or routes) and default_key not in builders:  # what clients without SNI get
        first = (options or routes)[0]
        builders[default_key] = _undefined("TLSOption default", first.locate(first.root),
                                           is_default=True)
    for b in builders.values():
        yield b.build()


def _undefined(label: str, where: Location, *, is_default: bool) -> SiteBuilder:
    name = f"{label.removeprefix('TLSOption ')} (not in the input)"
    if is_default:
        name = "default (clients without SNI; not in the input)"
    b = SiteBuilder("k8s", name, where)
    traefik.undefined_options(b, f"{label} is not in the input", where, is_default=is_default)
    return b


def _route_tls(route: KubeObject) -> tuple[Any, Path]:
    spec, spec_path = route.spec()
    return route.get(spec, spec_path, "tls")


def _route_domains(route: KubeObject, tls: dict[str, Any], tls_path: Path) -> list[str]:
    out: list[str] = []
    domains, _ = route.get(tls, tls_path, "domains")
    for entry in domains if isinstance(domains, list) else []:
        if isinstance(entry, dict):
            sans = entry.get("sans")
            out += [str(d) for d in [entry.get("main"), *(sans if isinstance(sans, list) else [])]
                    if d]
    spec, _ = route.spec()
    routes = spec.get("routes") if isinstance(spec, dict) else None
    for item in routes if isinstance(routes, list) else []:
        match = item.get("match") if isinstance(item, dict) else None
        for args in HOST.findall(match if isinstance(match, str) else ""):
            out += [name for name in re.findall(r"`([^`]*)`", args) if name and name != "*"]
    return list(dict.fromkeys(out))


# -- Envoy Gateway -------------------------------------------------------------------------------


def _envoy(o: KubeObject, gateways: dict[tuple[str, str], KubeObject]) -> Iterator[Subject]:
    spec, spec_path = o.spec()
    tls, tls_path = o.get(spec, spec_path, "tls")
    if not isinstance(tls, dict):
        return
    label = f"ClientTrafficPolicy {o.namespace}/{o.name}"
    b = SiteBuilder("k8s", f"{o.namespace}/{o.name}", o.locate(o.root),
                    domains=_targets(o, spec, spec_path, gateways))
    low, low_path = _envoy_version(o, tls, tls_path, "minVersion")
    high, high_path = _envoy_version(o, tls, tls_path, "maxVersion")
    first, last = traefik.ORDER.index(low or "TLSv1.2"), traefik.ORDER.index(high or "TLSv1.3")
    if first > last:
        raise o.refuse(low_path, "minVersion must be smaller or equal to maxVersion (the API "
                                 "server refuses it)")
    b.protocols = traefik.ORDER[first:last + 1]
    if low or high:
        name = "minVersion" if low else "maxVersion"
        b.origins["protocols"] = config_origin(name, o.locate(low_path if low else high_path))
    else:
        b.origins["protocols"] = default_origin(
            f"{label} leaves the versions to Envoy Gateway's default (TLS 1.2 to 1.3)",
            o.locate(tls_path))
    ciphers, ciphers_path = o.get(tls, tls_path, "ciphers")
    if ciphers and low == "TLSv1.3":
        raise o.refuse(ciphers_path, "ciphers with minVersion 1.3 have no effect; the API server "
                                     "refuses them")
    if ciphers:
        b.set_cipher_string(_boringssl(o, ciphers, ciphers_path),
                            config_origin("ciphers", o.locate(ciphers_path)))
        if isinstance(ciphers, list):  # each suite's finding at the list entry that selects it
            for index, entry in enumerate(ciphers):
                for name in expand_cipher_string(_rule(entry))[0]:
                    b.where.setdefault(f"ciphers:{name}", o.doc.locate((*ciphers_path, index)))
    else:
        b.set_cipher_string(":".join(_rule(c) for c in ENVOY_DEFAULT_CIPHERS), default_origin(
            f"{label} has no tls.ciphers: Envoy's default list, which Envoy changes between "
            "releases", o.locate(tls_path)))
        b.facts["cipher_string"] = None
    curves, curves_path = o.get(tls, tls_path, "ecdhCurves")
    if curves:
        b.curves = tuple(str(c) for c in curves) if isinstance(curves, list) else (str(curves),)
        b.origins["curves"] = config_origin("ecdhCurves", o.locate(curves_path))
    else:
        b.curves = ENVOY_DEFAULT_CURVES
        b.origins["curves"] = default_origin(f"{label} has no tls.ecdhCurves: Envoy's default "
                                             "(X25519, P-256)", o.locate(tls_path))
    session, session_path = o.get(tls, tls_path, "session")
    resumption, resumption_path = o.get(session, session_path, "resumption")
    if isinstance(resumption, dict) and ("stateless" in resumption or "stateful" in resumption):
        b.session_tickets = "stateless" in resumption
        b.origins["session_tickets"] = config_origin("session.resumption",
                                                     o.locate(resumption_path))
    else:
        b.session_tickets = False
        b.origins["session_tickets"] = default_origin(
            f"{label}: Envoy Gateway leaves TLS session resumption off", o.locate(tls_path))
    yield b.build()


def _envoy_version(o: KubeObject, tls: dict[str, Any], tls_path: Path,
                   key: str) -> tuple[str | None, Path]:
    """The tlsconf name of a set version; None when unset or `Auto` (Envoy's choice)."""
    value, path = o.get(tls, tls_path, key)
    if value is None or value == "Auto":
        return None, path
    if not isinstance(value, str) or value not in ENVOY_VERSIONS:
        hint = f" (a number: quote it, \"{value}\")" if isinstance(value, float) else ""
        raise o.refuse(path, f"{value!r} is not one of Auto, 1.0, 1.1, 1.2, 1.3{hint}; the API "
                             "server refuses it")
    return ENVOY_VERSIONS[value], path


def _rule(entry: str) -> str:
    """A BoringSSL cipher rule as an OpenSSL cipher string: `[A|B]` → `A:B`."""
    return entry.strip().removeprefix("[").removesuffix("]").replace("|", ":")


def _boringssl(o: KubeObject, ciphers: Any, path: Path) -> str:
    entries = ciphers if isinstance(ciphers, list) else [ciphers]
    if not all(isinstance(c, str) for c in entries):
        raise o.refuse(path, "cipher entries must be strings")
    text = ":".join(_rule(c) for c in entries)
    try:
        _, unknown = expand_cipher_string(text)
    except suites.CipherStringError as exc:
        raise o.refuse(path, f"invalid cipher list: {exc}") from None
    if unknown:
        raise o.refuse(path, f"Envoy (BoringSSL) rejects a listener with unknown cipher(s) "
                             f"{', '.join(unknown)}")
    return text


def _targets(o: KubeObject, spec: Any, spec_path: Path,
             gateways: dict[tuple[str, str], KubeObject]) -> tuple[str, ...]:
    """Hostnames of the listeners the policy targets, when their Gateway is in the input."""
    refs, _ = o.get(spec, spec_path, "targetRefs")
    single, _ = o.get(spec, spec_path, "targetRef")
    out: list[str] = []
    for ref in [*(refs if isinstance(refs, list) else []), single]:
        if not isinstance(ref, dict) or ref.get("kind", "Gateway") != "Gateway":
            continue
        gateway = gateways.get((o.namespace, str(ref.get("name"))))
        if gateway is None:
            continue
        for listener, _ in _listeners(gateway):
            if ref.get("sectionName") in (None, listener.get("name")) and listener.get("hostname"):
                out.append(str(listener["hostname"]))
    return tuple(dict.fromkeys(out))


# -- NGINX Gateway Fabric ------------------------------------------------------------------------


def _listeners(gateway: KubeObject) -> Iterator[tuple[dict[str, Any], Path]]:
    spec, spec_path = gateway.spec()
    listeners, path = gateway.get(spec, spec_path, "listeners")
    for index, listener in enumerate(listeners if isinstance(listeners, list) else []):
        if isinstance(listener, dict):
            yield listener, (*path, index)


def _nginx_gateway_fabric(gateway: KubeObject) -> Iterator[Subject]:
    for listener, path in _listeners(gateway):
        tls, tls_path = gateway.get(listener, path, "tls")
        options, options_path = gateway.get(tls, tls_path, "options")
        if isinstance(options, dict) and any(str(k).startswith(NGF) for k in options):
            yield _ngf_listener(gateway, listener, path, options, options_path)


def _ngf_listener(gateway: KubeObject, listener: dict[str, Any], path: Path,
                  options: dict[str, Any], options_path: Path) -> Subject:
    problems = [Problem(gateway.locate((*options_path, k)), format_path((*options_path, k)),
                        problem) for k, v in options.items()
                if str(k).startswith(NGF) and (problem := _ngf_problem(str(k), v))]
    if problems:
        raise TlsconfError(problems)
    hostname = listener.get("hostname")
    name = f"{gateway.namespace}/{gateway.name}/{listener.get('name')}"
    b = SiteBuilder("k8s", name, gateway.locate(path), (str(hostname),) if hostname else ())

    def option(key: str) -> tuple[str | None, Location]:
        value, where = gateway.get(options, options_path, NGF + key)
        return value, gateway.locate(where)

    value, where = option("ssl-protocols")
    if value is not None:
        b.protocols = tuple(value.split())
        b.origins["protocols"] = config_origin("nginx.org/ssl-protocols", where)
    else:
        b.protocols = NGINX_DEFAULT_PROTOCOLS
        b.origins["protocols"] = default_origin(
            "no nginx.org/ssl-protocols: nginx's default (TLSv1.2 TLSv1.3 since 1.23.4)",
            gateway.locate(options_path))
    value, where = option("ssl-ciphers")
    if value is not None:
        b.set_cipher_string(value, config_origin("nginx.org/ssl-ciphers", where))
    else:
        b.set_cipher_string(NGINX_DEFAULT_CIPHERS, default_origin(
            f"no nginx.org/ssl-ciphers: nginx's default {NGINX_DEFAULT_CIPHERS} accepts "
            "static-RSA, CBC and CAMELLIA suites", gateway.locate(options_path)))
        b.facts["cipher_string"] = None
    value, where = option("ssl-ecdh-curve")
    if value is not None and value != "auto":
        b.curves = tuple(value.split(":"))
        b.origins["curves"] = config_origin("nginx.org/ssl-ecdh-curve", where)
    value, where = option("ssl-prefer-server-ciphers")
    if value is not None:
        b.prefer_server_ciphers = value == "on"
        b.origins["prefer_server_ciphers"] = config_origin("nginx.org/ssl-prefer-server-ciphers",
                                                           where)
    return b.build()


def _ngf_problem(key: str, value: Any) -> str | None:
    """Why NGINX Gateway Fabric (or tlsconf) cannot take this option, or None."""
    if key not in NGF_KEYS:
        return (f"unknown NGINX Gateway Fabric option (known: {', '.join(sorted(NGF_KEYS))}); "
                "it marks such a listener invalid, and tlsconf did not read it")
    if not isinstance(value, str):
        return "option values are strings: quote it"
    if key == NGF + "ssl-protocols":
        unknown = [p for p in value.split() if p not in PROTOCOLS]
        if unknown or not value.split():
            return (f"unknown protocol {unknown[0] if unknown else ''!r}; allowed: "
                    f"{' '.join(PROTOCOLS)}")
    elif key == NGF + "ssl-ciphers":
        try:
            expand_cipher_string(value)
        except suites.CipherStringError as exc:
            return f"invalid cipher string: {exc}"
    elif key == NGF + "ssl-prefer-server-ciphers" and value not in ("on", "off"):
        return f"{value!r}: allowed values are on and off"
    return None
