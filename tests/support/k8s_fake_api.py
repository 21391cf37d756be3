"""A small read-only fake of the Kubernetes API on 127.0.0.1, enough for Traefik's kubernetesCRD
and kubernetesGateway providers (client-go informers) to read rendered manifests.

What it serves, all JSON:

* discovery: ``/version``, ``/api``, ``/apis``, ``/api/v1``, ``/apis/<group>/<version>``;
* list: ``GET /api/v1/[namespaces/<ns>/]<plural>`` and ``/apis/<g>/<v>/[namespaces/<ns>/]<plural>``
  with a ``resourceVersion``; unknown plurals list empty, so every informer can sync;
* watch (``?watch=true``): a chunked stream of BOOKMARK events every ``BOOKMARK_EVERY`` seconds
  until ``timeoutSeconds`` (capped) or ``stop()``; with ``sendInitialEvents=true`` (client-go's
  WatchList) it first sends every object as ADDED and a bookmark annotated
  ``k8s.io/initial-events-end``;
* get by name; and writes (status updates from the Gateway provider) are answered with the
  stored object unchanged: nothing a client sends is ever stored.

The store is fixed at construction. ``stop()`` ends every watch and joins the server thread.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOOKMARK_EVERY = 1.0
MAX_WATCH = 30.0
CREATED = "2026-01-01T00:00:00Z"

# (apiVersion, plural) → (kind, namespaced) for everything the providers ask discovery about.
RESOURCES: dict[tuple[str, str], tuple[str, bool]] = {
    ("v1", "namespaces"): ("Namespace", False),
    ("v1", "services"): ("Service", True),
    ("v1", "endpoints"): ("Endpoints", True),
    ("v1", "secrets"): ("Secret", True),
    ("v1", "configmaps"): ("ConfigMap", True),
    ("v1", "nodes"): ("Node", False),
    ("discovery.k8s.io/v1", "endpointslices"): ("EndpointSlice", True),
    ("networking.k8s.io/v1", "ingresses"): ("Ingress", True),
    ("networking.k8s.io/v1", "ingressclasses"): ("IngressClass", False),
    **{("traefik.io/v1alpha1", p): (k, True) for p, k in (
        ("ingressroutes", "IngressRoute"), ("ingressroutetcps", "IngressRouteTCP"),
        ("ingressrouteudps", "IngressRouteUDP"), ("middlewares", "Middleware"),
        ("middlewaretcps", "MiddlewareTCP"), ("tlsoptions", "TLSOption"),
        ("tlsstores", "TLSStore"), ("serverstransports", "ServersTransport"),
        ("serverstransporttcps", "ServersTransportTCP"), ("traefikservices", "TraefikService"))},
    ("gateway.networking.k8s.io/v1", "gatewayclasses"): ("GatewayClass", False),
    **{("gateway.networking.k8s.io/v1", p): (k, True) for p, k in (
        ("gateways", "Gateway"), ("httproutes", "HTTPRoute"), ("grpcroutes", "GRPCRoute"),
        ("referencegrants", "ReferenceGrant"), ("backendtlspolicies", "BackendTLSPolicy"),
        ("listenersets", "ListenerSet"), ("tlsroutes", "TLSRoute"))},
    ("gateway.networking.k8s.io/v1beta1", "referencegrants"): ("ReferenceGrant", True),
}
_PLURAL = {(api, kind): plural for (api, plural), (kind, _) in RESOURCES.items()}


class FakeKubeAPI:
    """``with FakeKubeAPI(objects) as api: ... api.url ...``"""

    def __init__(self, objects: Iterable[dict[str, Any]]) -> None:
        self.resource_version = "100"
        self.objects: list[dict[str, Any]] = []
        for i, obj in enumerate(objects):
            obj = copy.deepcopy(obj)
            meta = obj.setdefault("metadata", {})
            meta.setdefault("uid", str(uuid.UUID(int=i + 1)))
            meta.setdefault("resourceVersion", "1")
            meta.setdefault("creationTimestamp", CREATED)
            meta.setdefault("generation", 1)
            if (obj["apiVersion"], obj["kind"]) not in _PLURAL:
                raise ValueError(f"the fake API does not serve {obj['apiVersion']} {obj['kind']}")
            self.objects.append(obj)
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeKubeAPI:
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, name="fake-kube-api",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeKubeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- queries -----------------------------------------------------------------------------
    def select(self, api: str, plural: str, namespace: str | None) -> list[dict[str, Any]]:
        return [o for o in self.objects
                if o["apiVersion"] == api and _PLURAL[(api, o["kind"])] == plural
                and (namespace is None or o["metadata"].get("namespace") == namespace)]

    def discovery(self, api: str) -> dict[str, Any]:
        resources = [{"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
                      "kind": kind, "verbs": ["get", "list", "watch"]}
                     for (version, plural), (kind, namespaced) in RESOURCES.items()
                     if version == api]
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": api,
                "resources": resources}

    def groups(self) -> dict[str, Any]:
        versions: dict[str, list[str]] = {}
        for api, _ in RESOURCES:
            if "/" in api:
                group, version = api.split("/")
                if version not in versions.setdefault(group, []):
                    versions[group].append(version)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
             "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
            for g, vs in versions.items()]}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: FakeKubeAPI

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self) -> None:
        self._json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                         "reason": "NotFound", "code": 404, "message": "not found"})

    def _parse(self) -> tuple[str, str, str | None, str | None] | None:
        """(apiVersion, plural, namespace, name) of a resource path, or None."""
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        if parts[:1] == ["api"] and len(parts) >= 3:
            api, rest = parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 4:
            api, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            return None
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        name = rest[1] if len(rest) >= 2 else None
        if rest[0] == "namespaces" and len(rest) == 2:  # GET /api/v1/namespaces/<name>
            name = rest[1]
        return api, rest[0], namespace, name

    def do_GET(self) -> None:
        api = self.api
        api.requests.append(self.path)
        path = urlsplit(self.path).path.rstrip("/")
        query = parse_qs(urlsplit(self.path).query)
        if path == "/version":
            self._json(200, {"major": "1", "minor": "34", "gitVersion": "v1.34.0",
                             "platform": "linux/amd64"})
            return
        if path == "/api":
            self._json(200, {"kind": "APIVersions", "versions": ["v1"]})
            return
        if path == "/apis":
            self._json(200, api.groups())
            return
        parts = [p for p in path.split("/") if p]
        if parts == ["api", "v1"] or (parts[:1] == ["apis"] and len(parts) == 3):
            self._json(200, api.discovery("v1" if parts[0] == "api" else "/".join(parts[1:])))
            return
        parsed = self._parse()
        if parsed is None:
            self._not_found()
            return
        version, plural, namespace, name = parsed
        items = api.select(version, plural, namespace)
        if name is not None:
            found = [o for o in items if o["metadata"]["name"] == name]
            self._json(200, found[0]) if found else self._not_found()
            return
        kind = RESOURCES.get((version, plural), ("Unknown", True))[0]
        if query.get("watch", ["false"])[0] in ("true", "1"):
            self._watch(kind, version, items, query)
            return
        self._json(200, {"kind": f"{kind}List", "apiVersion": version,
                         "metadata": {"resourceVersion": api.resource_version}, "items": items})

    def _watch(self, kind: str, version: str, items: list[dict[str, Any]],
               query: dict[str, list[str]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        timeout = min(float(query.get("timeoutSeconds", [MAX_WATCH])[0]), MAX_WATCH)
        deadline = time.monotonic() + timeout
        try:
            if query.get("sendInitialEvents", ["false"])[0] == "true":
                for obj in items:
                    self._event("ADDED", obj)
                self._bookmark(kind, version, {"k8s.io/initial-events-end": "true"})
            while not self.api._stop.wait(BOOKMARK_EVERY) and time.monotonic() < deadline:
                self._bookmark(kind, version, {})
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def _bookmark(self, kind: str, version: str, annotations: dict[str, str]) -> None:
        meta: dict[str, Any] = {"resourceVersion": self.api.resource_version}
        if annotations:
            meta["annotations"] = annotations
        self._event("BOOKMARK", {"kind": kind, "apiVersion": version, "metadata": meta})

    def _event(self, kind: str, obj: dict[str, Any]) -> None:
        line = json.dumps({"type": kind, "object": obj}).encode() + b"\n"
        self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
        self.wfile.flush()

    def _write(self) -> None:
        """Status updates and the like: answered with the stored object, never stored."""
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length:
            self.rfile.read(length)
        self.api.requests.append(f"{self.command} {self.path}")
        parsed = self._parse()
        if parsed is None or parsed[3] is None:
            self._not_found()
            return
        version, plural, namespace, name = parsed
        found = [o for o in self.api.select(version, plural, namespace)
                 if o["metadata"]["name"] == name]
        self._json(200, found[0]) if found else self._not_found()

    do_PUT = do_PATCH = do_POST = _write


def core_objects(namespace: str, services: dict[str, tuple[int, int]],
                 secrets: dict[str, dict[str, str]], configmaps: dict[str, dict[str, str]],
                 extra_namespaces: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Namespaces, Services (+ Endpoints and EndpointSlices on 127.0.0.1), Secrets, ConfigMaps.

    ``services``: name → (service port, loopback upstream port); ``secrets`` values are
    already base64 (``data``); secrets holding ``tls.crt`` get type ``kubernetes.io/tls``.
    """
    out: list[dict[str, Any]] = []
    for ns in sorted({namespace, *extra_namespaces}):
        out.append({"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                    "spec": {"finalizers": ["kubernetes"]}})
    for i, (name, (port, target)) in enumerate(sorted(services.items())):
        meta = {"name": name, "namespace": namespace}
        out.append({"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": {
            "type": "ClusterIP", "clusterIP": f"10.96.0.{10 + i}",
            "ports": [{"name": "http", "port": port, "targetPort": target, "protocol": "TCP"}],
            "selector": {"app": name}}})
        out.append({"apiVersion": "v1", "kind": "Endpoints", "metadata": dict(meta), "subsets": [
            {"addresses": [{"ip": "127.0.0.1"}],
             "ports": [{"name": "http", "port": target, "protocol": "TCP"}]}]})
        out.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": {"name": f"{name}-1", "namespace": namespace,
                                 "labels": {"kubernetes.io/service-name": name}},
                    "addressType": "IPv4",
                    "endpoints": [{"addresses": ["127.0.0.1"], "conditions": {
                        "ready": True, "serving": True, "terminating": False}}],
                    "ports": [{"name": "http", "port": target, "protocol": "TCP"}]})
    for name, data in sorted(secrets.items()):
        kind = "kubernetes.io/tls" if "tls.crt" in data else "Opaque"
        out.append({"apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": name, "namespace": namespace}, "type": kind,
                    "data": data})
    for name, text in sorted(configmaps.items()):
        out.append({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": namespace}, "data": text})
    return out
