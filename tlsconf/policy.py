"""Spec → one resolved, frozen policy per site.

The site's Mozilla profile supplies every TLS value the spec leaves out; a spec value replaces
the profile's. Each resolved value remembers where it came from — the profile, a tlsconf
default, or the spec line that set it — so findings and errors can point at the cause. The
policy is target-independent; targets translate names and apply version gates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from tlsconf import profiles
from tlsconf.errors import Location, Path, format_path
from tlsconf.source import gc_paused

if TYPE_CHECKING:  # the pydantic models are not needed to hold a policy (linting nginx)
    from tlsconf.spec import ClientAuth, HealthCheck, Site, Upstream
    from tlsconf.specfile import LoadedSpec

DEFAULT_SESSION_TIMEOUT = 86400  # Mozilla's nginx output: 1 day
PROFILE_DEFAULT = "intermediate"
_SITE_FIELDS = frozenset(
    {
        "hsts",
        "redirect_http",
        "acme_webroot",
        "acme_upstream",
        "http2",
        "headers",
        "locations",
        "upstreams",
        "default_server",
        "listen",
    }
)


class Origin(Struct, frozen=True):
    """Where a resolved value came from."""

    kind: str  # "spec" | "profile" | "default"
    detail: str  # field path in the spec, or "Mozilla intermediate (6.0)", or why the default
    location: Location | None = None

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"{self.kind}: {self.detail}{where}"


class HSTSPolicy(Struct, frozen=True):
    enabled: bool
    max_age: int
    include_subdomains: bool
    preload: bool

    @property
    def header_value(self) -> str:
        value = f"max-age={self.max_age}"
        if self.include_subdomains:
            value += "; includeSubDomains"
        if self.preload:
            value += "; preload"
        return value


class TLSPolicy(Struct, frozen=True):
    profile: str
    guideline: str
    protocols: tuple[str, ...]
    ciphers: tuple[str, ...]  # TLS <= 1.2 suites, OpenSSL names, preference order
    ciphersuites: tuple[str, ...]  # TLS 1.3 suites
    curves: tuple[str, ...]  # OpenSSL group names, preference order
    prefer_server_ciphers: bool
    session_timeout: int
    session_tickets: bool | None  # None: the target picks the safe choice for its version
    ocsp_stapling: bool
    resolvers: tuple[str, ...]
    trusted_ca: str | None
    client_auth: ClientAuth | None
    dhparam: str | None
    certificate: str
    key: str

    def handshake_key(self) -> tuple[object, ...]:
        """The settings a server can only apply per listener, not per SNI name (nginx)."""
        return (
            self.protocols,
            self.ciphers,
            self.ciphersuites,
            self.curves,
            self.prefer_server_ciphers,
            self.session_tickets,
            self.session_timeout,
        )


class Route(Struct, frozen=True):
    path: str  # "/" for the site's default route
    upstreams: tuple[Upstream, ...]
    websocket: bool
    pool: str  # the upstream pool / backend / service name
    source: str = "upstreams"  # where the upstreams were written, under `sites[N].`


class SitePolicy(Struct, frozen=True):
    index: int
    name: str
    location: Location  # where the site starts in its file
    domains: tuple[str, ...]
    address: str
    https_port: int
    http_port: int
    tls: TLSPolicy
    hsts: HSTSPolicy
    redirect_http: bool
    acme_webroot: str | None
    acme_upstream: str | None
    http2: bool
    routes: tuple[Route, ...]  # longest prefix first, "/" last
    balance: str
    health_check: HealthCheck | None
    headers: tuple[tuple[str, str], ...]
    default_server: bool
    origins: Mapping[str, Origin] = field(default_factory=dict)

    @property
    def listener(self) -> tuple[str, int]:
        return (self.address, self.https_port)

    def tls_origin(self, name: str) -> Origin:
        return self.origins.get(name) or _profile_origin(self.tls.profile)


@lru_cache(maxsize=16)
def _profile_origin(profile: str) -> Origin:
    """One shared (immutable) Origin per profile: rules ask for it per site and per field."""
    return Origin("profile", f"Mozilla {profile}")


class Origins(Mapping[str, Origin]):
    """Where each resolved value came from. Spec positions are looked up only when a finding or
    an error asks for them, so resolving 10,000 sites costs no position lookups."""

    def __init__(self, loaded: LoadedSpec, fixed: dict[str, Origin], spec: dict[str, Path]):
        self._loaded = loaded
        self._fixed = fixed
        self._spec = spec
        self._cache: dict[str, Origin] = {}

    def __getitem__(self, key: str) -> Origin:
        if key in self._spec:
            if key not in self._cache:
                path = self._spec[key]
                source = self._loaded.source_path(path)
                self._cache[key] = Origin("spec", format_path(source), self._loaded.locate(path))
            return self._cache[key]
        return self._fixed[key]

    def get(self, key: str, default: Any = None) -> Any:
        """`Mapping.get` without its KeyError round trip: rules ask for absent keys often."""
        if key in self._spec:
            return self[key]
        return self._fixed.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter({**self._fixed, **self._spec})

    def __len__(self) -> int:
        return len({**self._fixed, **self._spec})


@gc_paused()
def resolve(loaded: LoadedSpec) -> tuple[SitePolicy, ...]:
    from tlsconf.progress import phase

    sites = loaded.spec.sites
    out = []
    with phase("resolving", len(sites)) as tick:
        for i, site in enumerate(sites):
            out.append(resolve_site(loaded, i, site))
            tick(1)
    return tuple(out)


# Policy field → the Profile attribute it defaults to.
_FROM_PROFILE = {
    "protocols": "protocols",
    "ciphers": "ciphers",
    "ciphersuites": "ciphersuites",
    "curves": "curves",
    "prefer_server_ciphers": "server_preferred_order",
}


def resolve_site(loaded: LoadedSpec, index: int, site: Site) -> SitePolicy:
    base: Path = ("sites", index)
    spec_tls = site.tls
    profile = profiles.get(spec_tls.profile or PROFILE_DEFAULT)

    def tls_value(name: str) -> Any:
        value = getattr(spec_tls, name)
        return getattr(profile, _FROM_PROFILE[name]) if value is None else value

    tls = TLSPolicy(
        profile=profile.name,
        guideline=profile.guideline,
        protocols=tuple(tls_value("protocols")),
        ciphers=tuple(tls_value("ciphers")),
        ciphersuites=tuple(tls_value("ciphersuites")),
        curves=tuple(tls_value("curves")),
        prefer_server_ciphers=bool(tls_value("prefer_server_ciphers")),
        session_timeout=spec_tls.session_timeout or DEFAULT_SESSION_TIMEOUT,
        session_tickets=spec_tls.session_tickets,
        ocsp_stapling=bool(spec_tls.ocsp_stapling),
        resolvers=tuple(spec_tls.resolvers or ()),
        trusted_ca=spec_tls.trusted_ca,
        client_auth=spec_tls.client_auth,
        dhparam=spec_tls.dhparam,
        certificate=spec_tls.certificate,
        key=spec_tls.key,
    )
    from_profile = Origin("profile", f"Mozilla {profile.name} (guideline {profile.guideline})")
    fixed = dict.fromkeys(_FROM_PROFILE, from_profile)
    fixed["profile"] = Origin("default", f"profile defaults to {PROFILE_DEFAULT}")
    fixed["session_timeout"] = Origin("default", "1 day, as Mozilla's configurations")
    fixed["hsts"] = fixed["hsts.max_age"] = Origin(
        "profile", f"HSTS max-age from Mozilla {profile.name}"
    )
    # Fields written in the file (in the site or in `defaults`): pydantic's fields_set.
    spec = {name: (*base, "tls", name) for name in spec_tls.model_fields_set}
    spec.update({name: (*base, name) for name in site.model_fields_set if name in _SITE_FIELDS})
    if "max_age" in site.hsts.model_fields_set:
        spec["hsts.max_age"] = (*base, "hsts", "max_age")
    hsts = HSTSPolicy(
        enabled=site.hsts.enabled,
        max_age=site.hsts.max_age if site.hsts.max_age is not None else profile.hsts_min_age,
        include_subdomains=site.hsts.include_subdomains,
        preload=site.hsts.preload,
    )
    # A location without upstreams uses the site's; one for `/` is the site's default route
    # with its own settings (the site's `upstreams` stay the default of the other locations).
    routes = [
        Route(
            loc.path,
            tuple(site.upstreams if loc.upstreams is None else loc.upstreams),
            site.websocket if loc.websocket is None else loc.websocket,
            f"tlsconf_{site.name}" if loc.path == "/" else f"tlsconf_{site.name}_{i + 1}",
            "upstreams" if loc.upstreams is None else f"locations.{i}.upstreams",
        )
        for i, loc in enumerate(site.locations)
    ]
    routes.sort(key=lambda r: (-len(r.path), r.path))
    if not routes or routes[-1].path != "/":
        routes.append(Route("/", tuple(site.upstreams), site.websocket, f"tlsconf_{site.name}"))
    return SitePolicy(
        index=index,
        name=site.name,
        location=loaded.locate(base),
        domains=tuple(site.domains),
        address=site.listen.address,
        https_port=site.listen.https_port,
        http_port=site.listen.http_port,
        tls=tls,
        hsts=hsts,
        redirect_http=site.redirect_http,
        acme_webroot=site.acme_webroot,
        acme_upstream=site.acme_upstream,
        http2=site.http2,
        routes=tuple(routes),
        balance=site.balance,
        health_check=site.health_check,
        headers=tuple(site.headers.items()),
        default_server=site.default_server,
        origins=Origins(loaded, fixed, spec),
    )
