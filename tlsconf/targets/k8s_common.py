"""What the Kubernetes targets (`gateway-api`, `traefik-crd`) share: names, Services, cert-manager
Certificates, ReferenceGrants, and the one serialiser every manifest goes through.

Manifests are plain dicts. `dump` is the only way one becomes text: `check_manifest` walks every
key and every string leaf right before serialising and refuses anything outside printable ASCII
or containing `{{`/`}}` (Helm, Kustomize plugins and Traefik's file provider all run Go
templates over YAML they are handed). The text is block YAML in which every string is a JSON
double-quoted scalar, so no value can change type between YAML 1.1 and 1.2 readers and the
output is byte-identical across library versions; documents are separated by `---`.

One file per kind (`<plural>.yaml`, objects sorted by namespace and name), each starting with
the tlsconf header as YAML comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from msgspec import Struct

from tlsconf import profiles
from tlsconf.errors import Location, Path, Problem, TlsconfError, format_path
from tlsconf.escape import UnsafeValue, check_tree
from tlsconf.policy import Route, SitePolicy
from tlsconf.spec import Kubernetes, Service
from tlsconf.specfile import LoadedSpec

MANAGED_BY = {"app.kubernetes.io/managed-by": "tlsconf"}
CERT_MANAGER = "cert-manager.io/v1"
GATEWAY_GROUP = "gateway.networking.k8s.io"
ACME_PATH = "/.well-known/acme-challenge/"
# cert-manager issues for 90 days (Let's Encrypt's lifetime, within every profile's maximum)
# and renews a third before expiry; written out so the policy is visible in the manifest.
CERT_DURATION = "2160h"
CERT_RENEW_BEFORE = "720h"
_SAFE = re.compile(r"[\x20-\x7e]*")
_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.\-/]*")
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def settings(loaded: LoadedSpec, target: str) -> Kubernetes:
    if loaded.spec.kubernetes is None:
        raise TlsconfError([Problem(
            loaded.locate(()), "kubernetes",
            f"the {target} target needs a `kubernetes:` section (namespace, Services for the "
            "upstreams, optional issuer)",
        )])
    return loaded.spec.kubernetes


def secret_name(site: SitePolicy, loaded: LoadedSpec) -> str:
    own = loaded.spec.sites[site.index].kubernetes.secret
    return own or f"{site.name}-tls"


def client_ca_name(site: SitePolicy, loaded: LoadedSpec) -> str:
    own = loaded.spec.sites[site.index].kubernetes.client_ca
    return own or f"{site.name}-client-ca"


def locate(loaded: LoadedSpec, site: SitePolicy, *path: str | int) -> Location:
    location: Location = loaded.locate(("sites", site.index, *path))
    return location


def site_problem(loaded: LoadedSpec, site: SitePolicy, path: str, message: str) -> Problem:
    """A problem at `sites[i].<path>` (dotted), located where it was written."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in path.split(".")]
    full: Path = ("sites", site.index, *parts)
    return Problem(locate(loaded, site, *parts), format_path(loaded.source_path(full)), message)


# -- Services ----------------------------------------------------------------------------------


class Backend(Struct, frozen=True):
    """One Service a route sends to, with the summed weight of the upstreams it stands for."""

    service: Service
    namespace: str
    weight: int


def backends(
    loaded: LoadedSpec, k8s: Kubernetes, site: SitePolicy, route: Route, field: str
) -> tuple[list[Backend], list[Problem]]:
    """The route's upstreams as Services (`field` is where the upstreams sit in the site)."""
    out: dict[tuple[str, str, int], Backend] = {}
    problems: list[Problem] = []
    for j, upstream in enumerate(route.upstreams):
        service = k8s.services.get(upstream.address)
        if service is None:
            problems.append(site_problem(
                loaded, site, f"{field}.{j}.address",
                f"no Service for {upstream.address!r}: add it to kubernetes.services (a "
                "Kubernetes upstream is a Service, not an address)",
            ))
            continue
        if upstream.backup:
            problems.append(site_problem(
                loaded, site, f"{field}.{j}.backup",
                "Kubernetes routes have no backup backends (a Service sends to its ready "
                "endpoints); drop `backup` or give the Pods a readinessProbe",
            ))
        namespace = service.namespace or k8s.namespace
        key = (namespace, service.name, service.port)
        seen = out.get(key)
        out[key] = Backend(service, namespace, upstream.weight + (seen.weight if seen else 0))
    return list(out.values()), problems


def route_field(site: SitePolicy, route: Route, loaded: LoadedSpec) -> str:
    """Where a resolved route's upstreams were written: `upstreams` or `locations.N.upstreams`."""
    return route.source


def acme_service(loaded: LoadedSpec, k8s: Kubernetes, site: SitePolicy) -> list[Problem]:
    if site.acme_upstream is None or site.acme_upstream in k8s.services:
        return []
    return [site_problem(
        loaded, site, "acme_upstream",
        f"no Service for {site.acme_upstream!r}: add it to kubernetes.services",
    )]


def common_notes(
    loaded: LoadedSpec, k8s: Kubernetes, site: SitePolicy
) -> tuple[list[Problem], list[Problem]]:
    """Spec fields both Kubernetes targets handle alike: (problems, warnings)."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if site.acme_webroot is not None:
        if k8s.issuer is not None:
            warnings.append(site_problem(
                loaded, site, "acme_webroot",
                "ignored: cert-manager's http-01 solver routes /.well-known/acme-challenge/ "
                "itself (its route is more specific than the redirect)",
            ))
        elif site.acme_upstream is None:
            problems.append(site_problem(
                loaded, site, "acme_webroot",
                "Kubernetes proxies cannot serve files: set kubernetes.issuer (cert-manager) or "
                "`acme_upstream` mapped to a Service",
            ))
    if site.health_check is not None:
        warnings.append(site_problem(
            loaded, site, "health_check",
            "ignored: Kubernetes sends traffic to ready endpoints only; give the Pods a "
            "readinessProbe instead",
        ))
    if site.tls.ocsp_stapling:
        warnings.append(site_problem(
            loaded, site, "tls.ocsp_stapling",
            "ignored: OCSP stapling is a setting of the proxy's installation, not of a route",
        ))
    for name in ("dhparam", "trusted_ca"):
        if getattr(site.tls, name) is not None:
            warnings.append(site_problem(loaded, site, f"tls.{name}",
                                         "ignored: no Kubernetes resource carries it"))
    if site.address not in ("0.0.0.0", "::"):
        warnings.append(site_problem(
            loaded, site, "listen.address",
            "ignored: the proxy's Service decides the addresses; only the ports are rendered",
        ))
    return problems, warnings


# -- cert-manager and ReferenceGrants --------------------------------------------------------


def certificate(site: SitePolicy, loaded: LoadedSpec, k8s: Kubernetes) -> dict[str, object]:
    """A cert-manager Certificate writing the site's Secret, key type from the profile."""
    assert k8s.issuer is not None
    profile = profiles.get(site.tls.profile)
    if "ecdsa" in profile.certificate_types:
        key: dict[str, object] = {"algorithm": "ECDSA", "size": 256}
    else:
        key = {"algorithm": "RSA", "size": profile.rsa_key_size or 2048}
    key.update(encoding="PKCS8", rotationPolicy="Always")
    return {
        "apiVersion": CERT_MANAGER,
        "kind": "Certificate",
        "metadata": metadata(site.name, k8s.namespace),
        "spec": {
            "secretName": secret_name(site, loaded),
            "dnsNames": list(site.domains),
            "duration": CERT_DURATION,
            "renewBefore": CERT_RENEW_BEFORE,
            "privateKey": key,
            "usages": ["digital signature", "key encipherment", "server auth"]
            if key["algorithm"] == "RSA" else ["digital signature", "server auth"],
            "issuerRef": {"group": "cert-manager.io", "kind": k8s.issuer.kind,
                          "name": k8s.issuer.name},
        },
    }


class CrossRef(Struct, frozen=True, order=True):
    """`from_kind` objects in `from_ns` refer to the `to_kind` object `to_name` in `to_ns`."""

    to_ns: str
    from_group: str
    from_kind: str
    from_ns: str
    to_group: str
    to_kind: str
    to_name: str


def reference_grants(refs: Iterable[CrossRef]) -> list[dict[str, object]]:
    """One ReferenceGrant per (target namespace, referring kind and namespace)."""
    grouped: dict[tuple[str, str, str, str], list[CrossRef]] = {}
    for ref in sorted(set(refs)):
        if ref.to_ns != ref.from_ns:
            grouped.setdefault((ref.to_ns, ref.from_group, ref.from_kind, ref.from_ns),
                               []).append(ref)
    grants: list[dict[str, object]] = []
    for (to_ns, group, kind, from_ns), members in grouped.items():
        grants.append({
            "apiVersion": f"{GATEWAY_GROUP}/v1",
            "kind": "ReferenceGrant",
            "metadata": metadata(f"tlsconf-{kind.lower()}-{from_ns}", to_ns),
            "spec": {
                "from": [{"group": group, "kind": kind, "namespace": from_ns}],
                "to": [{"group": r.to_group, "kind": r.to_kind, "name": r.to_name}
                       for r in members],
            },
        })
    return grants


# -- manifests as data → text ------------------------------------------------------------------


def metadata(name: str, namespace: str | None) -> dict[str, object]:
    meta: dict[str, object] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    meta["labels"] = dict(MANAGED_BY)
    return meta


def check_manifest(node: object) -> None:
    """Refuse any key or string leaf a YAML reader or a template engine could misread."""
    check_tree(node, "a manifest", _check_text, lambda text, _parent: _check_text(text))


def _check_text(value: str) -> None:
    if not _SAFE.fullmatch(value):
        raise UnsafeValue(f"refusing to emit {value!r}: only printable ASCII")
    if "{{" in value or "}}" in value:
        raise UnsafeValue(f"refusing to emit {value!r}: '{{{{' is a template delimiter")


def dump(header: str, manifests: Iterable[Mapping[str, object]]) -> str:
    """The header, then each manifest as its own YAML document, sorted by namespace and name."""
    docs = sorted(manifests, key=_sort_key)
    for doc in docs:
        check_manifest(doc)
    return header + "".join("---\n" + _block(doc, "") for doc in docs)


def _sort_key(doc: Mapping[str, object]) -> tuple[str, str, str]:
    meta = doc["metadata"]
    assert isinstance(meta, Mapping)
    return (str(doc["kind"]), str(meta.get("namespace", "")), str(meta["name"]))


def _key(key: str) -> str:
    plain = _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML11_WORDS
    return key if plain else json.dumps(key)


def _block(node: object, indent: str) -> str:
    """Block YAML for a mapping or list (each line ends with a newline)."""
    lines = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            lines.append(_entry(f"{indent}{_key(key)}:", value, indent + "  "))
    else:
        assert isinstance(node, list | tuple)
        for item in node:
            if isinstance(item, Mapping) and item:
                body = _block(item, indent + "  ")
                lines.append(indent + "- " + body[len(indent) + 2:])
            else:
                lines.append(_entry(f"{indent}-", item, indent + "  "))
    return "".join(lines)


def _entry(prefix: str, value: object, inner: str) -> str:
    if isinstance(value, Mapping | list | tuple) and value:
        return prefix + "\n" + _block(value, inner)
    return f"{prefix} {_scalar(value)}\n"


def _scalar(value: object) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return json.dumps(value, ensure_ascii=True)
