"""The site spec (format version 1): pydantic models of the user's file.

Frozen, `extra='forbid'`, strict types, field validation only: no defaults are taken from a
profile here (that is `policy`'s job), so `None` means "not set in the spec". Every field's
description is the user documentation: `docs/spec.md` and `schemas/tlsconf.schema.json` are
generated from these models.
"""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tlsconf.grammar import (
    AbsPath,
    Domain,
    HeaderName,
    HeaderValue,
    HostPort,
    IPAddress,
    Port,
    PreciseDomain,
    SiteName,
    UrlPath,
    Version,
)
from tlsconf.names import CURVE_ALIASES, PROTOCOLS, cipher_name, curve_name, tls13_suite_name

Profile = Literal["modern", "intermediate", "old"]
Protocol = Literal["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
Balance = Literal["round_robin", "least_conn", "ip_hash"]
CipherName = Annotated[str, AfterValidator(cipher_name)]
Tls13Suite = Annotated[str, AfterValidator(tls13_suite_name)]
CurveName = Annotated[str, AfterValidator(curve_name)]

assert set(PROTOCOLS) == set(Protocol.__args__)  # type: ignore[attr-defined]
assert CURVE_ALIASES


class Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Listen(Model):
    """Where the site's servers listen."""

    address: IPAddress = Field(
        "0.0.0.0", description="IPv4 or IPv6 address to bind; `::` for all IPv6."
    )
    https_port: Port = Field(443, description="Port of the TLS listener.")
    http_port: Port = Field(80, description="Port of the plain-HTTP listener (redirect and ACME).")


class ClientAuth(Model):
    """Mutual TLS: clients must (or may) present a certificate signed by `ca`."""

    ca: AbsPath = Field(
        description="PEM file with the CA certificate(s) that sign client certificates."
    )
    mode: Literal["required", "optional"] = Field(
        "required",
        description=(
            "`required` refuses clients without a valid certificate; `optional` asks "
            "but lets them in."
        ),
    )


class TLS(Model):
    """Certificate, key and TLS policy of a site."""

    certificate: AbsPath = Field(
        description="PEM file: the leaf certificate first, then the chain."
    )
    key: AbsPath = Field(description="PEM file with the private key.")
    profile: Profile | None = Field(
        None,
        description=(
            "Mozilla profile the policy starts from: `modern`, `intermediate` "
            "(default) or `old` (weak; needs `--allow-weak`)."
        ),
    )
    protocols: list[Protocol] | None = Field(
        None, min_length=1, description="Override of the profile's protocol versions."
    )
    ciphers: list[CipherName] | None = Field(
        None,
        description=(
            "Override of the profile's TLS ≤ 1.2 cipher suites, in preference order; "
            "OpenSSL or IANA names (not a cipher string)."
        ),
    )
    ciphersuites: list[Tls13Suite] | None = Field(
        None, min_length=1, description="Override of the profile's TLS 1.3 suites (IANA names)."
    )
    curves: list[CurveName] | None = Field(
        None,
        min_length=1,
        description=(
            "Override of the profile's key-exchange groups, in preference order "
            "(`X25519`, `prime256v1`, `secp384r1`, `X25519MLKEM768`...)."
        ),
    )
    ocsp_stapling: bool | None = Field(
        None,
        description=(
            "Staple OCSP responses (default false: most public CAs stopped OCSP in "
            "2025). Needs `resolvers` on nginx."
        ),
    )
    resolvers: list[IPAddress] | None = Field(
        None,
        min_length=1,
        description=(
            "DNS resolvers nginx uses to reach the OCSP responder (required with "
            "`ocsp_stapling` on nginx)."
        ),
    )
    trusted_ca: AbsPath | None = Field(
        None,
        description=(
            "PEM with the issuer chain used to verify stapled OCSP responses (nginx "
            "`ssl_trusted_certificate`)."
        ),
    )
    client_auth: ClientAuth | None = Field(None, description="Mutual TLS (client certificates).")
    dhparam: AbsPath | None = Field(
        None, description="DH parameters file; only meaningful with DHE ciphers."
    )
    session_tickets: bool | None = Field(
        None,
        description=(
            "Allow TLS session tickets. Default: on where the server rotates ticket "
            "keys (nginx ≥ 1.23.2), off elsewhere; resumption always works through "
            "the session cache."
        ),
    )
    session_timeout: int | None = Field(
        None,
        ge=60,
        le=604800,
        description="Session lifetime in seconds (default 86400, as Mozilla).",
    )
    prefer_server_ciphers: bool | None = Field(
        None,
        description=(
            "Server chooses the cipher order (default from the profile: off for "
            "modern and intermediate, on for old)."
        ),
    )


class HSTS(Model):
    """Strict-Transport-Security response header."""

    enabled: bool = Field(True, description="Send the header. Turning it off is a weak setting.")
    max_age: int | None = Field(
        None,
        ge=0,
        le=2**31 - 1,
        description="Seconds; default the profile's minimum (63072000, two years).",
    )
    include_subdomains: bool = Field(True, description="Add `includeSubDomains`.")
    preload: bool = Field(
        False, description="Add `preload` (needs include_subdomains and max_age ≥ 31536000)."
    )


class Upstream(Model):
    """One backend server that receives plain HTTP."""

    address: HostPort = Field(description="`host:port`, `ip:port` or `[ipv6]:port`.")
    weight: int = Field(1, ge=1, le=256, description="Relative share of requests.")
    backup: bool = Field(False, description="Only used when every non-backup server is down.")


class HealthCheck(Model):
    """Upstream health checks, where the target supports them."""

    path: UrlPath = Field("/", description="Path requested on each upstream.")
    interval: int = Field(5, ge=1, le=3600, description="Seconds between checks.")


class Location(Model):
    """Route a path prefix to its own upstreams, or give it its own settings."""

    path: UrlPath = Field(
        description="Plain path prefix (no regex), e.g. `/api/`; `/` sets the site's default "
        "route (every path no longer prefix matches)."
    )
    upstreams: list[Upstream] | None = Field(
        None, min_length=1, description="Servers for this prefix (default: the site's `upstreams`)."
    )
    websocket: bool | None = Field(
        None, description="Pass WebSocket upgrades (default: the site's `websocket`)."
    )


# -- Kubernetes (targets gateway-api and traefik-crd) -------------------------------------------

_K8S_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_K8S_SUBDOMAIN = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)
_K8S_SERVICE = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")


def k8s_label(value: str) -> str:
    """A namespace: an RFC 1123 label."""
    if not _K8S_LABEL.fullmatch(value):
        raise ValueError("must be 1-63 characters of a-z, 0-9 and '-' (an RFC 1123 label)")
    return value


def k8s_name(value: str) -> str:
    """An object name (Secret, ConfigMap, Gateway, Issuer): an RFC 1123 subdomain."""
    if len(value) > 253 or not _K8S_SUBDOMAIN.fullmatch(value):
        raise ValueError(
            "must be an RFC 1123 subdomain: dot-separated labels of a-z, 0-9 and '-', at most "
            "253 characters"
        )
    return value


def k8s_service(value: str) -> str:
    """A Service name: an RFC 1035 label (starts with a letter)."""
    if not _K8S_SERVICE.fullmatch(value):
        raise ValueError("must be 1-63 characters of a-z, 0-9 and '-', starting with a letter")
    return value


_SYSTEM_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")


def system_name(value: str) -> str:
    """A user or group name as Debian's `adduser` allows by default."""
    if not _SYSTEM_NAME.fullmatch(value):
        raise ValueError(
            "must be 1-32 characters of a-z, 0-9, '_' and '-', starting with a letter or '_'"
        )
    return value


SystemName = Annotated[str, AfterValidator(system_name)]
K8sLabel = Annotated[str, AfterValidator(k8s_label)]
K8sName = Annotated[str, AfterValidator(k8s_name)]
K8sService = Annotated[str, AfterValidator(k8s_service)]


class BackendTLS(Model):
    """The Service speaks TLS: how the proxy verifies it (BackendTLSPolicy, ServersTransport)."""

    hostname: PreciseDomain = Field(
        description="Name the proxy sends as SNI and expects in the Service's certificate."
    )
    ca_configmap: K8sName | None = Field(
        None,
        description=(
            "ConfigMap (key `ca.crt`, in the Service's namespace) with the CA that signs the "
            "Service's certificate; default: the system trust store."
        ),
    )


class Service(Model):
    """The Kubernetes Service an upstream address stands for."""

    name: K8sService = Field(description="Service name.")
    port: Port = Field(description="Service port (`spec.ports[].port`, not the targetPort).")
    namespace: K8sLabel | None = Field(
        None,
        description=(
            "Namespace of the Service (default `kubernetes.namespace`); another namespace gets "
            "a ReferenceGrant."
        ),
    )
    tls: BackendTLS | None = Field(
        None, description="The Service expects TLS (default: plain HTTP)."
    )


class Issuer(Model):
    """A cert-manager issuer: each site then gets a `Certificate` writing its Secret."""

    name: K8sName = Field(description="Issuer or ClusterIssuer name.")
    kind: Literal["Issuer", "ClusterIssuer"] = Field(
        "ClusterIssuer", description="`ClusterIssuer` or a namespaced `Issuer`."
    )


class Gateway(Model):
    """The Gateway API Gateway the `gateway-api` target renders."""

    name: K8sName = Field("tlsconf", description="Gateway name.")
    namespace: K8sLabel | None = Field(
        None,
        description=(
            "Namespace of the Gateway (default `kubernetes.namespace`); routes in another "
            "namespace are admitted by a namespace selector, Secrets through a ReferenceGrant."
        ),
    )
    class_name: K8sName = Field(
        "traefik", description="`gatewayClassName` (the implementation's GatewayClass)."
    )


class Kubernetes(Model):
    """How the spec maps onto Kubernetes objects (`gateway-api` and `traefik-crd` targets)."""

    namespace: K8sLabel = Field(
        "default", description="Namespace of every rendered object except a Gateway elsewhere."
    )
    gateway: Gateway = Field(default_factory=Gateway, description="The Gateway (gateway-api).")
    issuer: Issuer | None = Field(
        None,
        description=(
            "cert-manager issuer: each site gets a Certificate (dnsNames from `domains`, key "
            "from the profile) that writes the site's Secret. Without it, the Secrets must exist."
        ),
    )
    services: dict[HostPort, Service] = Field(
        default_factory=dict,
        description=(
            "The Service each upstream address (and `acme_upstream`) of the spec stands for, "
            "keyed by the address exactly as written in `upstreams`: a Kubernetes upstream is "
            "a Service, not an address. Every address used needs an entry."
        ),
    )


class SiteKubernetes(Model):
    """Per-site Kubernetes object names (defaults derived from the site name)."""

    secret: K8sName | None = Field(
        None,
        description=(
            "`kubernetes.io/tls` Secret with the site's certificate and key (default "
            "`<site>-tls`); written by cert-manager when `kubernetes.issuer` is set. Replaces "
            "`tls.certificate` and `tls.key` on Kubernetes."
        ),
    )
    client_ca: K8sName | None = Field(
        None,
        description=(
            "With `tls.client_auth`: the object holding the client CA bundle under the key "
            "`ca.crt` (default `<site>-client-ca`) - a ConfigMap for Gateway API frontend "
            "validation, a Secret for Traefik TLSOptions. Replaces `tls.client_auth.ca`."
        ),
    )


def _no_locations() -> list[Location]:
    """`default_factory=list` would cost every start-up an `inspect.signature(list)`, which
    pydantic takes of each factory: parsing a builtin's text signature compiles the tokenizer's
    regular expressions (~2 ms)."""
    return []


class Site(Model):
    """One site: a set of domains served with one certificate and one TLS policy."""

    name: SiteName = Field(
        description="Unique name ([a-z0-9-]); names output files, upstream pools and routers."
    )
    domains: list[Domain] = Field(
        min_length=1,
        max_length=100,
        description=(
            "DNS names served (IDNs allowed; written as A-labels). A wildcard only as"
            " `*.example.com`."
        ),
    )
    listen: Listen = Field(default_factory=Listen, description="Listen address and ports.")
    tls: TLS = Field(description="Certificate, key and TLS policy.")
    hsts: HSTS = Field(default_factory=HSTS, description="Strict-Transport-Security.")
    redirect_http: bool = Field(
        True, description="Port 80 redirects to https (except the ACME path)."
    )
    acme_webroot: AbsPath | None = Field(
        None, description="Serve `/.well-known/acme-challenge/` from this directory on port 80."
    )
    acme_upstream: HostPort | None = Field(
        None,
        description=(
            "Proxy `/.well-known/acme-challenge/` on port 80 to this `host:port` "
            "(e.g. certbot --standalone or lego); the way to keep ACME http-01 "
            "working on HAProxy and Traefik, which cannot serve files."
        ),
    )
    http2: bool = Field(True, description="Offer HTTP/2 (ALPN h2).")
    upstreams: list[Upstream] = Field(min_length=1, description="Backend servers (plain HTTP).")
    balance: Balance = Field("round_robin", description="Load-balancing method.")
    health_check: HealthCheck | None = Field(
        None, description="Active health checks where the target supports them."
    )
    websocket: bool = Field(False, description="Pass WebSocket upgrades.")
    headers: dict[HeaderName, HeaderValue] = Field(
        default_factory=dict, description="Extra response headers, e.g. `X-Frame-Options: DENY`."
    )
    locations: list[Location] = Field(
        default_factory=_no_locations,
        description="Per-path routing; everything else goes to `upstreams`.",
    )
    default_server: bool = Field(
        False,
        description=(
            "Serve this site to clients that send no SNI or an unknown name on its "
            "listener; without one, such handshakes are refused."
        ),
    )
    kubernetes: SiteKubernetes = Field(
        default_factory=SiteKubernetes,
        description="Object names for the Kubernetes targets (gateway-api, traefik-crd).",
    )


class TargetVersions(Model):
    """Versions the rendered output must run on."""

    version: Version | None = Field(
        None,
        description=(
            "Server version, e.g. `1.22` (nginx), `2.6` (HAProxy), `3.7` (Traefik), "
            "`1.40` (Envoy), `2.11` (Caddy)."
        ),
    )
    openssl: Version | None = Field(
        None, description="OpenSSL version the server is linked with (nginx, HAProxy)."
    )


_OMIT = " `null` leaves it out."


class NginxTarget(TargetVersions):
    """nginx version, and the process settings of `--main-config` nginx.conf (Debian 12's)."""

    user: SystemName | None = Field(
        "www-data", description="`user` the worker processes run as." + _OMIT
    )
    pid: AbsPath | None = Field("/run/nginx.pid", description="`pid` file." + _OMIT)
    error_log: AbsPath | None = Field(
        "/var/log/nginx/error.log", description="`error_log` file." + _OMIT
    )
    access_log: AbsPath | None = Field(
        "/var/log/nginx/access.log", description="`access_log` file (in `http {}`)." + _OMIT
    )


class HAProxyTarget(TargetVersions):
    """HAProxy version, and the `global` process settings of haproxy.cfg (Debian 12's)."""

    user: SystemName | None = Field(
        "haproxy", description="`user` HAProxy drops to after start-up." + _OMIT
    )
    group: SystemName | None = Field(
        "haproxy", description="`group` HAProxy drops to after start-up." + _OMIT
    )
    chroot: AbsPath | None = Field(
        "/var/lib/haproxy",
        description="`chroot` directory (it must exist; files are read before)." + _OMIT,
    )
    log: AbsPath | None = Field(
        "/dev/log",
        description=(
            "syslog socket: `log SOCKET local0` and `log SOCKET local1 notice`, with "
            "`option httplog` and `option dontlognull` in `defaults`." + _OMIT
        ),
    )
    stats_socket: AbsPath | None = Field(
        "/run/haproxy/admin.sock",
        description="`stats socket PATH mode 660 level admin` (the runtime API)." + _OMIT,
    )
    daemon: bool = Field(True, description="`daemon`: fork into the background.")


class CaddyTarget(TargetVersions):
    """Caddy's version, and who obtains the certificates."""

    acme: bool = Field(
        False,
        description="Let Caddy obtain and renew the certificates itself (automatic HTTPS) "
        "instead of loading the spec's certificate and key files.",
    )


class Targets(Model):
    nginx: NginxTarget = Field(
        default_factory=NginxTarget,
        description="Default nginx 1.22 with OpenSSL 3.0 (Debian 12).",
    )
    haproxy: HAProxyTarget = Field(
        default_factory=HAProxyTarget,
        description="Default HAProxy 2.6 with OpenSSL 3.0 (Debian 12).",
    )
    traefik: TargetVersions = Field(
        default_factory=TargetVersions,
        description="Default Traefik 3.7 (Go: `openssl` does not apply).",
    )
    envoy: TargetVersions = Field(
        default_factory=TargetVersions,
        description="Default Envoy 1.40 (BoringSSL: `openssl` does not apply).",
    )
    caddy: CaddyTarget = Field(
        default_factory=CaddyTarget,
        description="Default Caddy 2.11 (Go: `openssl` does not apply).",
    )


class Spec(Model):
    """A tlsconf site spec."""

    version: Literal[1] = Field(1, description="Spec format version.")
    sites: list[Site] = Field(min_length=1, description="The sites to serve.")
    targets: Targets = Field(default_factory=Targets, description="What the output must run on.")
    kubernetes: Kubernetes | None = Field(
        None,
        description=(
            "Namespace, Gateway, issuer and Services for the Kubernetes targets "
            "(gateway-api, traefik-crd); required by them, ignored by the others."
        ),
    )


# The keys `defaults:` may hold: every site field except the ones that identify a site (its
# Kubernetes object names are per site by nature: one Secret cannot serve every site).
DEFAULTABLE = tuple(
    name for name in Site.model_fields if name not in {"name", "domains", "kubernetes"}
)
