"""The explicit registry of render targets. Each module has `NAME` and
`render(loaded, sites) -> Rendered`, and is imported only when asked for."""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from tlsconf.policy import SitePolicy
from tlsconf.render import Rendered
from tlsconf.specfile import LoadedSpec

TARGETS: dict[str, str] = {
    "nginx": "tlsconf.targets.nginx",
    "haproxy": "tlsconf.targets.haproxy",
    "traefik": "tlsconf.targets.traefik",
    "envoy": "tlsconf.targets.envoy",
    "caddy": "tlsconf.targets.caddy",
    "gateway-api": "tlsconf.targets.gateway_api",
    "traefik-crd": "tlsconf.targets.traefik_crd",
}


class Target(Protocol):
    NAME: str

    def render(self, loaded: LoadedSpec, sites: tuple[SitePolicy, ...]) -> Rendered: ...


def get(name: str) -> Target:
    module: Target = import_module(TARGETS[name])
    return module


def render(
    name: str,
    loaded: LoadedSpec,
    sites: tuple[SitePolicy, ...],
    *,
    main_config: bool = False,
    impl: str | None = None,
) -> Rendered:
    """Render with one target; `main_config` asks nginx for a complete nginx.conf too, `impl`
    names the Gateway API implementation that carries the TLS policy."""
    if name == "nginx":
        from tlsconf.targets import nginx

        return nginx.render(loaded, sites, main_config=main_config)
    if name == "gateway-api":
        from tlsconf.targets.gateway_api import render as render_gateway_api

        return render_gateway_api(loaded, sites, impl=impl)
    return get(name).render(loaded, sites)
