"""The explicit registry of render targets. Each module has `NAME` and
`render(loaded, sites) -> Rendered`, and is imported only when asked for. A target whose
server limits what one line may hold (nginx, HAProxy) also has `line_limits(file name)`:
every rendered file is checked against it before anything is written."""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from tlsconf.policy import SitePolicy
from tlsconf.render import Rendered, check_limits
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
    module = get(name)
    if name == "nginx":
        from tlsconf.targets import nginx

        rendered = nginx.render(loaded, sites, main_config=main_config)
    elif name == "gateway-api":
        from tlsconf.targets.gateway_api import render as render_gateway_api

        rendered = render_gateway_api(loaded, sites, impl=impl)
    else:
        rendered = module.render(loaded, sites)
    limits = getattr(module, "line_limits", None)
    if limits is not None:
        check_limits(rendered.files, limits)
    return rendered
