"""The spec of an ingress-nginx import (`ingress_nginx` reads the objects into a `Reading`):
sites named after their first host, routes from the rules (a path `/` is the site's default
route, every other path a location), each backend an upstream `<service>.<namespace>.svc:<port>`
mapped to its Service, and the `kubernetes:` section; each value's origin in the input.
"""

from __future__ import annotations

import re
from typing import Any

from msgspec import Struct, field

from tlsconf.config import Settings
from tlsconf.errors import Location, Path, TlsconfError
from tlsconf.importer.ingress_nginx_keys import Values
from tlsconf.importer.ingress_nginx_policy import Policy, lint, read
from tlsconf.importer.model import Entry, Fate, Imported
from tlsconf.ingest.k8s import KubeObject

MAX_SITE_NAME = 32
_NOT_NAME = re.compile(r"[^a-z0-9]+")


class Backend(Struct, frozen=True, order=True):
    service: str
    port: int


class Rule(Struct, frozen=True):
    path: str
    kind: str  # pathType
    backend: Backend
    at: Location


class Site(Struct):
    ingress: KubeObject
    annotations: Values
    hosts: list[str]
    secret: str
    at: Location  # the tls entry
    rules: tuple[Rule, ...]  # the first host's; the other hosts route alike:
    default: tuple[Backend, Location] | None
    alike: tuple[Rule, ...] = ()  # the other hosts' rules (report entries only)
    hosts_at: tuple[Location, ...] = ()
    secret_at: Location | None = None


class Reading(Struct):
    """Everything read so far: the loss report, the sites, the Services they use."""

    entries: list[Entry] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    services: dict[tuple[str, int], Location] = field(default_factory=dict)
    ports: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # (ns, svc)
    named: set[tuple[str, str]] = field(default_factory=set)  # Services a named port used
    host_owner: dict[str, str] = field(default_factory=dict)  # TLS host → its Ingress
    rule_hosts: list[tuple[str, str, Location]] = field(default_factory=list)  # host, Ingress
    namespace: tuple[str, Location] | None = None
    issuer: tuple[dict[str, str], Location] | None = None
    hosts: dict[str, Location] = field(default_factory=dict)
    annotations: list[Values] = field(default_factory=list)

    def entry(self, at: Location, key: str, fate: Fate, detail: str, spec_path: str = "") -> None:
        self.entries.append(Entry(at, key, fate, detail, spec_path if fate != "dropped" else ""))


def _site_name(host: str, taken: set[str]) -> str:
    base = _NOT_NAME.sub("-", host.replace("*.", "wildcard.")).strip("-")[:MAX_SITE_NAME]
    base = base.strip("-") or "site"
    name, n = base, 1
    while name in taken or (name.endswith("-http") and name.removesuffix("-http") in taken):
        n += 1
        suffix = f"-{n}"
        name = base[:MAX_SITE_NAME - len(suffix)].rstrip("-") + suffix
    taken.add(name)
    return name


def _address(backend: Backend, ns: str) -> str:
    return f"{backend.service}.{ns}.svc:{backend.port}"


def _routes(site: Site, ns: str, index: int, reading: Reading) -> dict[str, Any]:
    out: dict[str, Any] = {}
    locations: list[dict[str, Any]] = []
    for rule in site.rules:
        upstreams = [{"address": _address(rule.backend, ns)}]
        if rule.path == "/" and rule.kind != "Exact":
            out["upstreams"] = upstreams
            _path_entries(site, rule, reading, "mapped", "the site's default route",
                          f"sites[{index}].upstreams")
            continue
        where = f"sites[{index}].locations[{len(locations)}]"
        locations.append({"path": rule.path, "upstreams": upstreams})
        how = {"Exact": "pathType Exact becomes a prefix: longer paths match too",
               "Prefix": "Ingress Prefix matches whole path segments (/a matches /a/b, not /ab): "
                         "so does Gateway API's PathPrefix; the file targets match characters",
               "ImplementationSpecific": "ImplementationSpecific is a prefix on ingress-nginx "
                                         "(without use-regex): imported as Prefix"}[rule.kind]
        _path_entries(site, rule, reading, "approximated", how, where)
    if "upstreams" not in out:
        if site.default is not None:
            out["upstreams"] = [{"address": _address(site.default[0], ns)}]
            reading.entry(site.default[1], f"Ingress {site.ingress.namespace}/"
                          f"{site.ingress.name} spec.defaultBackend", "mapped",
                          "every path no rule matches", f"sites[{index}].upstreams")
        else:
            first = site.rules[0]
            out["upstreams"] = [{"address": _address(first.backend, ns)}]
            reading.entry(first.at, f"Ingress {site.ingress.namespace}/{site.ingress.name} "
                          f"(no path /)", "approximated", "ingress-nginx answers paths no rule "
                          f"matches with 404; the spec sends them to {first.path}'s Service",
                          f"sites[{index}].upstreams")
    if locations:
        out["locations"] = locations
    return out


def _path_entries(site: Site, rule: Rule, reading: Reading, fate: Fate, detail: str,
                  spec_path: str) -> None:
    """The entry of a rule's path, and of the same path of the site's other hosts."""
    label = f"Ingress {site.ingress.namespace}/{site.ingress.name} path {rule.path}"
    for same in (rule, *(r for r in site.alike if r.path == rule.path)):
        reading.entry(same.at, label, fate, detail, spec_path)


def assemble(reading: Reading, controller: Values, settings: Settings) -> Imported:
    assert reading.namespace is not None
    ns = reading.namespace[0]
    taken: set[str] = set()
    sites: list[dict[str, Any]] = []
    origins: dict[Path, Location] = {}
    notes: dict[Path, str] = {}
    policies: list[Policy] = []
    names: list[str] = []
    backend_tls: dict[str, tuple[dict[str, Any] | None, Location]] = {}
    for index, site in enumerate(reading.sites):
        name = _site_name(site.hosts[0], taken)
        policy = read(controller, site.annotations, index, site.ingress.locate(site.ingress.root),
                      ns, site.secret)
        out: dict[str, Any] = {"name": name, "domains": list(site.hosts)}
        fields = dict(policy.fields)
        client_ca = fields.pop("client_ca", None)
        out["tls"] = fields.pop("tls")
        out.update(fields)
        out.update(_routes(site, ns, index, reading))
        kube: dict[str, str] = {"secret": site.secret}
        if client_ca is not None:
            kube["client_ca"] = client_ca
        out["kubernetes"] = kube
        base: Path = ("sites", index)
        origins[base] = site.at
        if site.hosts_at:
            origins[(*base, "domains")] = site.hosts_at[0]
        if site.secret_at is not None:
            for field_path in (("tls", "certificate"), ("tls", "key"), ("kubernetes", "secret")):
                origins[(*base, *field_path)] = site.secret_at
        origins.update(_route_origins(out, site, base))
        for path, where in policy.origins.items():
            origins[("sites", index, *path)] = where
        for path, note in policy.notes.items():
            notes[("sites", index, *path)] = note
        backends = [r.backend for r in site.rules] + ([site.default[0]] if site.default else [])
        for backend in backends:
            _backend_tls(backend, policy, ns, backend_tls, site)
        sites.append(out)
        policies.append(policy)
        names.append(name)
    kubernetes: dict[str, Any] = {"namespace": ns}
    origins[("kubernetes", "namespace")] = reading.namespace[1]
    if reading.issuer is not None:
        kubernetes["issuer"] = reading.issuer[0]
        origins[("kubernetes", "issuer")] = reading.issuer[1]
    services: dict[str, Any] = {}
    for service, port in sorted(reading.services):
        address = _address(Backend(service, port), ns)
        services[address] = {"name": service, "port": port}
        origins[("kubernetes", "services", address)] = reading.services[(service, port)]
        tls = backend_tls.get(address, (None, None))[0]
        if tls is not None:
            services[address]["tls"] = tls
    kubernetes["services"] = services
    controller.rest(lambda _: "not a TLS or routing key tlsconf imports")
    entries = [*reading.entries, *controller.entries, *(e for p in policies for e in p.entries)]
    for values in reading.annotations:
        values.rest(lambda _: "not a TLS or routing annotation tlsconf imports")
        entries += values.entries
    findings = lint(policies, names, [s.hosts for s in reading.sites], settings)
    return Imported({"sites": sites, "kubernetes": kubernetes}, origins,
                    sorted(dict.fromkeys(entries)), findings, notes)


def _route_origins(out: dict[str, Any], site: Site, base: Path) -> dict[Path, Location]:
    """Each upstream address written: from its rule's backend (or the defaultBackend)."""
    found: dict[Path, Location] = {}
    by_path = {r.path: r.at for r in site.rules}
    at = by_path.get("/") or (site.default[1] if site.default else site.rules[0].at)
    found[(*base, "upstreams", 0, "address")] = at
    for n, location in enumerate(out.get("locations", [])):
        found[(*base, "locations", n, "path")] = by_path[location["path"]]
    return found


def _backend_tls(backend: Backend, policy: Policy, ns: str,
                 seen: dict[str, tuple[dict[str, Any] | None, Location]], site: Site) -> None:
    """One Service, one protocol: the spec's `kubernetes.services` entry carries its TLS."""
    address = _address(backend, ns)
    tls = None
    if policy.backend_tls is not None:
        tls = dict(policy.backend_tls)
        tls["hostname"] = tls["hostname"] or f"{backend.service}.{ns}.svc"
    where = site.ingress.locate(site.ingress.root)
    before = seen.setdefault(address, (tls, where))
    if before[0] != tls:
        raise TlsconfError.single(where, "metadata.annotations", (
            f"Service {backend.service} port {backend.port} is reached with other TLS settings "
            f"(backend-protocol, proxy-ssl-*) by the Ingress at {before[1]}: the spec gives a "
            "Service one"))
