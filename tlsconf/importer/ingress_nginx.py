"""ingress-nginx → a tlsconf spec with a `kubernetes:` section, so `tlsconf render --target
gateway-api --impl ...` writes the Gateway API migration.

Input: multi-document manifests (`tlsconf.ingest.k8s.load`: every refusal of a spec, positions
in the file, templated files refused), read together:

* `Ingress` (`networking.k8s.io/v1` only; the beta APIs were removed in Kubernetes 1.22).
  Ingresses of another class (`spec.ingressClassName` or `kubernetes.io/ingress.class` other
  than `nginx`) and canary Ingresses are skipped, each with one entry. All Ingresses must be in
  one namespace (it becomes `kubernetes.namespace`), and a host belongs to one Ingress: how
  ingress-nginx merges several (the oldest Ingress's server-level annotations win) cannot be
  read from manifests.
* The controller ConfigMap. Decision: it is the ConfigMap named `ingress-nginx-controller` (the
  Helm chart's and the static manifests' name), or one labelled `app.kubernetes.io/name:
  ingress-nginx` and `app.kubernetes.io/component: controller` (a release with another name);
  two are refused. Without one, every key has ingress-nginx's default (`ingress_nginx_keys`).
  Other ConfigMaps are entries (dropped).
* `Service` (`v1`): only to turn a backend's named port into its number.
* Anything else: one entry each (dropped).

Sites: each `spec.tls[]` entry's hosts, grouped by what their rules route (hosts with the same
paths and backends form one site; the others get a site each), named after the first host.
Decision on certificates: a site's certificate is its Secret — `kubernetes.secret` is the
`secretName`, which is what the Kubernetes targets use — and `tls.certificate`/`tls.key` are
the paths where that Secret's `tls.crt`/`tls.key` would be mounted
(`/etc/tlsconf/secrets/<namespace>/<secret>/tls.crt`), so the spec is complete for the other
targets too. A client CA (`auth-tls-secret`) likewise: `kubernetes.client_ca` and
`.../<secret>/ca.crt`. Backends become upstreams `<service>.<namespace>.svc:<port>`, each mapped
to its Service in `kubernetes.services`.

Decision on defaults: what a weakness judgement depends on is written as ingress-nginx serves
it, set or not — its protocols, its cipher list (two DHE suites beyond Mozilla intermediate),
HSTS with max-age 31536000 — so the spec states the weak parts and `render` refuses them until
the user decides. Session settings are written only when the ConfigMap sets them. The TLS
policy is the Mozilla profile needing the fewest overrides, plus those (`importer.profile`, as
every importer chooses).

The loss report has an entry for every annotation, ConfigMap key and Ingress field read; lint
findings are those of the input itself (`nginx` subjects: ingress-nginx is nginx), at the
ConfigMap key or annotation that set each value, or at the Ingress for a default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tlsconf.config import Settings
from tlsconf.errors import Location, Path, Problem, TlsconfError, format_path, short_repr
from tlsconf.grammar import domain, url_path
from tlsconf.importer import ingress_nginx_keys as keys
from tlsconf.importer.ingress_nginx_keys import Value, Values
from tlsconf.importer.ingress_nginx_spec import Backend, Reading, Rule, Site, assemble
from tlsconf.importer.model import Imported
from tlsconf.ingest.k8s import KubeObject, objects_of
from tlsconf.ingest.k8s import load as load_manifests
from tlsconf.source import decode, read_bytes
from tlsconf.spec import k8s_label, k8s_name, k8s_service

INGRESS_API = "networking.k8s.io/v1"
CLASS = "nginx"  # ingress-nginx's default IngressClass


def load(paths: Sequence[str], settings: Settings) -> Imported:
    files = [(path, load_manifests(path, decode(path, read_bytes(path)))) for path in paths]
    found = [obj for _, documents in files for doc in documents for obj in objects_of(doc)]
    reading = Reading()
    controller = _controller(found, reading)
    for obj in found:
        if obj.kind == "Service" and obj.api == "v1":
            _service(obj, reading)
    for obj in found:
        if obj.kind == "Ingress":
            _ingress(obj, reading, controller)
        elif obj.kind not in ("Service", "ConfigMap"):
            reading.entry(obj.locate(obj.root), f"{obj.kind} {obj.namespace}/{obj.name}",
                          "dropped", "not read by the ingress-nginx importer (Ingress, the "
                          "controller ConfigMap and Services are)")
    _split_hosts(reading)
    for obj in found:
        if obj.kind == "Service" and obj.api == "v1":
            used = (obj.namespace, obj.name) in reading.named
            reading.entry(obj.locate(obj.root), f"Service {obj.namespace}/{obj.name}",
                          "mapped" if used else "dropped", "a backend's named port is its "
                          "number" if used else "no backend names one of its ports: not needed",
                          "kubernetes.services")
    if not reading.sites:
        where = Location(paths[0]) if paths else Location("<none>")
        raise TlsconfError.single(where, "", "no Ingress host with TLS (spec.tls[].hosts and "
                                  "secretName) in the input: nothing to import")
    return assemble(reading, controller, settings)


def _split_hosts(reading: Reading) -> None:
    """A TLS host whose paths are (also) in another Ingress: ingress-nginx merges both into one
    server, which the manifests alone do not tell how (the oldest Ingress's server-level
    annotations win)."""
    problems = [Problem(at, "spec.rules", (
        f"{host} has its TLS in {reading.host_owner[host]} (at {reading.hosts[host]}) and "
        f"paths in {label}: ingress-nginx merges them into one server in ways manifests do not "
        "show (the oldest's server-level annotations win); merge them into one Ingress first"))
        for host, label, at in reading.rule_hosts
        if host in reading.host_owner and reading.host_owner[host] != label]
    if problems:
        raise TlsconfError(problems)


# -- reading -------------------------------------------------------------------------------------


def _values(obj: KubeObject, path: tuple[str, ...], label: str, prefix: str = "") -> Values:
    """A string map (`data`, `metadata.annotations`); keys with `prefix`, by their short name."""
    node, node_path = obj.get(obj.data, obj.root, path[0])
    for part in path[1:]:
        node, node_path = obj.get(node, node_path, part)
    out = Values(label)
    if node is None:
        return out
    if not isinstance(node, dict):
        raise obj.refuse(node_path, "must be a mapping of strings")
    for key, text in node.items():
        if not isinstance(text, str):
            raise _bad(obj, (*node_path, key), "values are strings (the API server refuses "
                                                "anything else): quote it")
        if key.startswith(prefix):
            out.found[key[len(prefix):]] = Value(key, text, obj.locate((*node_path, key)),
                                                 obj.value((*node_path, key)))
    return out


def _list(obj: KubeObject, node: Any, path: Path) -> list[Any]:
    """A list field ([] when absent); anything else is refused, as the API server does."""
    if node is not None and not isinstance(node, list):
        raise _bad(obj, path, "must be a list")
    return node or []


def _mapping(obj: KubeObject, path: tuple[str, ...]) -> dict[str, Any]:
    """The mapping at `path` under the object ({} when absent); anything else is refused."""
    node, node_path = obj.data, obj.root
    for part in path:
        if node is not None and not isinstance(node, dict):
            raise _bad(obj, node_path, "must be a mapping")
        node, node_path = obj.get(node, node_path, part)
    if node is not None and not isinstance(node, dict):
        raise _bad(obj, node_path, "must be a mapping")
    return node or {}


def _controller(found: list[KubeObject], reading: Reading) -> Values:
    chosen: list[KubeObject] = []
    for obj in found:
        if obj.kind != "ConfigMap" or obj.api != "v1":
            continue
        labels = _mapping(obj, ("metadata", "labels"))
        if obj.name == keys.CONTROLLER or all(labels.get(k) == v
                                               for k, v in keys.CONTROLLER_LABELS.items()):
            chosen.append(obj)
        else:
            reading.entry(obj.locate(obj.root), f"ConfigMap {obj.namespace}/{obj.name}",
                          "dropped", f"not the controller's ConfigMap (named {keys.CONTROLLER}, "
                          "or labelled app.kubernetes.io/name: ingress-nginx and "
                          "app.kubernetes.io/component: controller)")
    if len(chosen) > 1:
        second = chosen[1]
        raise second.refuse((*second.root, "metadata", "name"), (
            f"a second controller ConfigMap (the first: {chosen[0].namespace}/{chosen[0].name} "
            f"at {chosen[0].locate(chosen[0].root)}): import one controller at a time"))
    if not chosen:
        return Values("ConfigMap ")
    return _values(chosen[0], ("data",), "ConfigMap ")


def _service(obj: KubeObject, reading: Reading) -> None:
    spec, spec_path = obj.spec()
    ports, _ = obj.get(spec, spec_path, "ports")
    named = {str(p["name"]): p["port"] for p in ports if isinstance(p, dict)
             and isinstance(p.get("name"), str) and isinstance(p.get("port"), int)} \
        if isinstance(ports, list) else {}
    reading.ports[(obj.namespace, obj.name)] = named


def _bad(obj: KubeObject, path: Path, message: str) -> TlsconfError:
    """A refusal at the value of `path` (`obj.refuse` points at its key)."""
    return TlsconfError.single(obj.value(path), format_path(path), message)


def _valid(obj: KubeObject, path: Path, value: Any, check: Any, what: str) -> str:
    if not isinstance(value, str):
        raise obj.refuse(path, f"{what} must be a string")
    try:
        result: str = check(value)
    except ValueError as exc:
        raise TlsconfError.single(obj.value(path), format_path(path),
                                  f"{what} {short_repr(value)} {exc}") from None
    return result


def _class(obj: KubeObject, annotations: dict[str, Any]) -> tuple[str | None, Path]:
    spec, spec_path = obj.spec()
    name, path = obj.get(spec, spec_path, "ingressClassName")
    if name is None and "kubernetes.io/ingress.class" in annotations:
        path = (*obj.root, "metadata", "annotations", "kubernetes.io/ingress.class")
        name = annotations["kubernetes.io/ingress.class"]
    return (str(name) if name is not None else None), path


def _ingress(obj: KubeObject, reading: Reading, controller: Values) -> None:
    at = obj.locate(obj.root)
    label = f"Ingress {obj.namespace}/{obj.name}"
    if obj.api != INGRESS_API:
        raise _bad(obj, (*obj.root, "apiVersion"), f"Ingress of apiVersion {obj.api!r}: "
                         f"removed in Kubernetes 1.22; convert it to {INGRESS_API}")
    raw = _mapping(obj, ("metadata", "annotations"))
    annotations = _values(obj, ("metadata", "annotations"), keys.PREFIX, keys.PREFIX)
    reading.annotations.append(annotations)
    name, class_path = _class(obj, raw)
    if name is not None and name != CLASS:
        reading.entry(obj.locate(class_path), label, "dropped", f"class {short_repr(name)}: "
                      f"not served by ingress-nginx (class {CLASS})")
        return
    if keys.boolean(annotations.get("canary"), "false"):
        annotations.note("canary", "dropped", "a canary Ingress (traffic split by header, "
                         "cookie or weight) is not imported; split by upstream weight by hand")
        annotations.read |= set(annotations.found)  # the whole Ingress is skipped
        return
    reading.entry(obj.locate(class_path) if name else at, label, "mapped" if name else
                  "approximated", f"class {CLASS}" if name else "no class: ingress-nginx serves "
                  "it only as the default IngressClass (or --watch-ingress-without-class); "
                  "imported", "sites")
    ns = _valid(obj, (*obj.root, "metadata", "namespace"), obj.namespace, k8s_label, "namespace")
    if reading.namespace is None:
        reading.namespace = (ns, at)
    elif reading.namespace[0] != ns:
        raise obj.refuse((*obj.root, "metadata", "namespace"), (
            f"namespace {ns!r}, but the Ingress at {reading.namespace[1]} is in "
            f"{reading.namespace[0]!r}: a spec's objects live in one namespace; import each "
            "namespace on its own"))
    _other_annotations(obj, raw, reading)
    for short in ("ssl-passthrough", "use-regex"):
        if keys.boolean(annotations.get(short), "false"):
            value = annotations.get(short)
            assert value is not None
            raise keys.refuse(value, "TLS passthrough: the spec terminates TLS" if short ==
                              "ssl-passthrough" else "regular-expression paths: the spec routes "
                              "plain prefixes; rewrite the paths as prefixes first")
    _other_fields(obj, reading)
    by_host, default = _rules(obj, reading, ns)
    spec, spec_path = obj.spec()
    tls, tls_path = obj.get(spec, spec_path, "tls")
    covered: set[str] = set()
    for t, entry in enumerate(_list(obj, tls, tls_path)):
        covered |= _tls_entry(obj, (*tls_path, t), entry, by_host, default, annotations, reading)
    for host, rules in by_host.items():
        reading.rule_hosts.append((host, label, rules[0].at))
        if host not in covered:
            reading.entry(rules[0].at, f"{label} host {host}", "dropped", "no spec.tls entry "
                          "names it: ingress-nginx serves it over plain HTTP (and HTTPS with its "
                          "default certificate); a tlsconf site is a TLS site")


INGRESS_SPEC = frozenset({"ingressClassName", "tls", "rules", "defaultBackend"})


def _other_fields(obj: KubeObject, reading: Reading) -> None:
    """Fields of the Ingress that are not routing or TLS: each an entry, never a silent skip."""
    label = f"Ingress {obj.namespace}/{obj.name}"
    spec, spec_path = obj.spec()
    for key in spec if isinstance(spec, dict) else {}:
        if key not in INGRESS_SPEC:
            reading.entry(obj.locate((*spec_path, key)), f"{label} spec.{key}", "dropped",
                          "not an Ingress v1 field (the API server prunes it)")
    if "status" in obj.data:
        reading.entry(obj.locate((*obj.root, "status")), f"{label} status", "dropped",
                      "written by the controller, not configuration")


def _other_annotations(obj: KubeObject, raw: dict[str, Any], reading: Reading) -> None:
    base: Path = (*obj.root, "metadata", "annotations")
    for key, value in raw.items():
        at = obj.locate((*base, key))
        if str(key).startswith(keys.PREFIX):
            continue
        if key in ("cert-manager.io/cluster-issuer", "cert-manager.io/issuer"):
            kind = "ClusterIssuer" if key.endswith("cluster-issuer") else "Issuer"
            name = _valid(obj, (*base, key), value, k8s_name, "issuer name")
            issuer = {"name": name, "kind": kind}
            if reading.issuer is not None and reading.issuer[0] != issuer:
                raise obj.refuse((*base, key), f"another issuer than the one at "
                                 f"{reading.issuer[1]}: the spec has one kubernetes.issuer")
            reading.issuer = (issuer, at)
            reading.entry(at, key, "mapped", "cert-manager writes each site's Secret",
                          "kubernetes.issuer")
        elif key == "kubernetes.io/ingress.class":
            reading.entry(at, key, "mapped", "read as the Ingress class", "sites")
        else:
            reading.entry(at, key, "dropped", "not an ingress-nginx annotation: not read")


def _backend(obj: KubeObject, node: Any, path: Path, reading: Reading, ns: str) -> Backend:
    service, service_path = obj.get(node, path, "service")
    if not isinstance(service, dict):
        what = "a resource backend" if isinstance(node, dict) and "resource" in node else \
            "no service"
        raise obj.refuse(path, f"{what}: the spec routes to Services (backend.service.name "
                               "and port)")
    name = _valid(obj, (*service_path, "name"), service.get("name"), k8s_service,
                  "Service name")
    port, port_path = obj.get(service, service_path, "port")
    number = port.get("number") if isinstance(port, dict) else None
    if isinstance(port, dict) and number is None and isinstance(port.get("name"), str):
        number = reading.ports.get((ns, name), {}).get(port["name"])
        reading.named.add((ns, name))
        if number is None:
            raise obj.refuse((*port_path, "name"), (
                f"named port {short_repr(port['name'])}: the spec needs the number; add the "
                f"Service {name} manifest to the input, or write port.number"))
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 65535:
        raise _bad(obj, port_path, "port.number must be 1-65535 (or port.name with the "
                                    "Service in the input)")
    reading.services.setdefault((name, number), obj.locate(service_path))
    return Backend(name, number)


def _rules(obj: KubeObject, reading: Reading, ns: str) -> tuple[
        dict[str, list[Rule]], tuple[Backend, Location] | None]:
    label = f"Ingress {obj.namespace}/{obj.name}"
    spec, spec_path = obj.spec()
    default_node, default_path = obj.get(spec, spec_path, "defaultBackend")
    default = None
    if default_node is not None:
        default = (_backend(obj, default_node, default_path, reading, ns),
                   obj.locate(default_path))
    rules, rules_path = obj.get(spec, spec_path, "rules")
    by_host: dict[str, list[Rule]] = {}
    for i, rule in enumerate(_list(obj, rules, rules_path)):
        path: Path = (*rules_path, i)
        host, host_path = obj.get(rule, path, "host")
        if host is None:
            reading.entry(obj.locate(path), f"{label} spec.rules[{i}]", "dropped", "no host: "
                          "ingress-nginx serves it on its catch-all server; a site has names")
            continue
        name = _valid(obj, host_path, host, domain, "host")
        http, http_path = obj.get(rule, path, "http")
        paths, paths_path = obj.get(http, http_path, "paths")
        for j, item in enumerate(_list(obj, paths, paths_path)):
            item_path: Path = (*paths_path, j)
            value = _valid(obj, (*item_path, "path"), item.get("path", "/") if
                           isinstance(item, dict) else None, url_path, "path")
            kind, kind_path = obj.get(item, item_path, "pathType")
            if kind not in ("Prefix", "Exact", "ImplementationSpecific"):
                raise _bad(obj, kind_path, "pathType must be Prefix, Exact or "
                                            "ImplementationSpecific (the API server refuses it)")
            backend_node, backend_path = obj.get(item, item_path, "backend")
            backend = _backend(obj, backend_node, backend_path, reading, ns)
            taken = by_host.setdefault(name, [])
            if any(r.path == value for r in taken):
                raise obj.refuse((*item_path, "path"), f"{host} has path {value!r} twice: the "
                                 "spec routes each prefix once")
            taken.append(Rule(value, kind, backend, obj.locate(item_path)))
    return by_host, default


def _tls_entry(obj: KubeObject, path: Path, entry: Any, by_host: dict[str, list[Rule]],
               default: tuple[Backend, Location] | None, annotations: Values,
               reading: Reading) -> set[str]:
    label = f"Ingress {obj.namespace}/{obj.name} {format_path(path[len(obj.root):])}"
    hosts, hosts_path = obj.get(entry, path, "hosts")
    secret, secret_path = obj.get(entry, path, "secretName")
    if hosts is not None and not isinstance(hosts, list):
        raise _bad(obj, hosts_path, "hosts must be a list of host names")
    if not hosts:
        reading.entry(obj.locate(path), label, "dropped", "no hosts: ingress-nginx uses it for "
                      "its default server; a site needs names")
        return set()
    if secret is None:
        raise obj.refuse(path, "no secretName: ingress-nginx serves its --default-ssl-"
                               "certificate, which is not in the input; name the Secret")
    secret = _valid(obj, secret_path, secret, k8s_name, "secretName")
    names = [_valid(obj, (*hosts_path, k), h, domain, "host") for k, h in enumerate(hosts)]
    groups: dict[tuple[tuple[str, str, Backend], ...], list[str]] = {}
    places = {name: obj.value((*hosts_path, k)) for k, name in enumerate(names)}
    for k, name in enumerate(names):
        if name in reading.hosts:
            raise obj.refuse((*hosts_path, k), (
                f"{name} is also served at {reading.hosts[name]}: ingress-nginx merges such "
                "Ingresses in ways manifests do not show (the oldest's server-level annotations "
                "win); merge them into one Ingress first"))
        reading.hosts[name] = obj.locate((*hosts_path, k))
        reading.host_owner[name] = f"Ingress {obj.namespace}/{obj.name}"
        rules = by_host.get(name, [])
        if not rules and default is None:
            reading.entry(obj.locate((*hosts_path, k)), f"{label} host {name}", "dropped",
                          "no rule routes it and the Ingress has no defaultBackend: "
                          "ingress-nginx answers 404 from its default backend")
            continue
        groups.setdefault(tuple((r.path, r.kind, r.backend) for r in rules), []).append(name)
    for members in groups.values():
        alike = tuple(r for host in members[1:] for r in by_host.get(host, []))
        reading.sites.append(Site(obj, annotations, members, secret, obj.locate(path),
                                  tuple(by_host.get(members[0], [])), default, alike,
                                  tuple(places[m] for m in members), obj.value(secret_path)))
    reading.entry(obj.locate(path), label, "mapped", "a site per set of hosts routed alike; "
                  "secretName is the site's kubernetes.secret", "sites")
    return set(names)
