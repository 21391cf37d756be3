"""Serving rendered Kubernetes manifests to real Traefik through the read-only fake API
(`k8s_fake_api`): the objects are checked first (tlsconf's own CRD validator for rendered ones,
`kubernetes-validate --strict` for the core objects), then Traefik's kubernetesCRD (and
kubernetesGateway) providers read them from 127.0.0.1. Shared by the Kubernetes target and the
ingress-nginx import end-to-end tests."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.k8s_fake_api import FakeKubeAPI
from support.k8s_manifests import load_manifests, validate
from support.pki import Leaf
from support.procs import Server, start_traefik, wait_for
from support.upstream import Upstream


@dataclass
class Deployment:
    server: Server
    api: FakeKubeAPI
    api_port: int
    ports: dict[str, int]
    leaves: dict[str, Leaf]
    upstreams: dict[str, Upstream]
    cafile: Path
    client: tuple[Path, Path] | None
    manifests: list[dict[str, Any]]


def b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def tls_secret(leaf: Leaf) -> dict[str, str]:
    return {"tls.crt": b64(leaf.cert_path), "tls.key": b64(leaf.key_path)}


def kubernetes_validate(objects: list[dict[str, Any]], base: Path) -> None:
    """`kubernetes-validate --strict` on the core objects the fake API serves."""
    exe = shutil.which("kubernetes-validate") or str(Path(sys.executable).parent /
                                                      "kubernetes-validate")
    files = []
    for i, obj in enumerate(objects):
        path = base / f"core-{i:02d}.json"
        path.write_text(json.dumps(obj))
        files.append(str(path))
    result = subprocess.run([exe, "--strict", "--quiet", *files], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def start(
    base: Path,
    rendered: dict[str, str],
    core: list[dict[str, Any]],
    ports: dict[str, int],
    api_port: int,
    gateway: bool,
) -> tuple[Server, FakeKubeAPI, list[dict[str, Any]]]:
    manifests = [m for text in rendered.values() for m in load_manifests(text)]
    for manifest in manifests:
        assert validate(manifest) == [], manifest["metadata"]
    objects = core + manifests
    if gateway:
        objects.append({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
                        "metadata": {"name": "traefik"},
                        "spec": {"controllerName": "traefik.io/gateway-controller"}})
    api = FakeKubeAPI(objects).start()
    providers: dict[str, Any] = {"kubernetesCRD": {"endpoint": api.url,
                                                   "allowCrossNamespace": True}}
    if gateway:
        providers["kubernetesGateway"] = {"endpoint": api.url}
    static = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "log": {"level": "INFO"},
        "entryPoints": {"web": {"address": f"127.0.0.1:{ports['http']}"},
                        "websecure": {"address": f"127.0.0.1:{ports['https']}"},
                        "traefik": {"address": f"127.0.0.1:{api_port}"}},
        "api": {"insecure": True, "dashboard": False},
        "providers": providers,
    }
    path = base / "traefik.yml"
    path.write_text(json.dumps(static, indent=2))
    try:
        server = start_traefik(path, base / "work", list(ports.values()), api_port=api_port,
                               timeout=40)
    except BaseException:
        api.stop()
        raise
    return server, api, manifests


def settled(check: Callable[[], bool]) -> bool:
    """Traefik applies what its providers read one by one: until it has, connections may fail."""
    return wait_for(check, timeout=20.0, retry_on=(OSError,))
