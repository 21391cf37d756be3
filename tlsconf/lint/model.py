"""The reduced model every rule judges: one `Subject` per TLS site, whatever the input.

A subject is the resolved `SitePolicy` the renderer uses (each value's `Origin` says where it
came from: a spec field, a config directive, a profile, or the server's default) plus a small
frozen `ProxyFacts` record for hygiene facts that have no place in a policy. Ingesters build
subjects; rules read them; nothing here parses or judges.
"""

from __future__ import annotations

from collections.abc import Mapping

from msgspec import Struct, field

from tlsconf.errors import Location
from tlsconf.policy import SitePolicy, TLSPolicy

# Origin kinds beyond the spec's ("spec", "profile", "default").
CONFIG = "config"  # a directive or key in an existing proxy config
SERVER_DEFAULT = "server-default"  # the config leaves it unset: the server/build decides
# Not set in this input and not judged here: a snippet's includer (or a listener the input does
# not hold) decides. A finding on such a field is dropped, whatever the rule.
ELSEWHERE = "elsewhere"
TLS_FIELDS = frozenset(TLSPolicy.__struct_fields__)


class ProxyFacts(Struct, frozen=True):
    """What a site's config says beyond its TLS policy. Locations live in `where`."""

    cipher_string: str | None = None  # the OpenSSL cipher string as written
    cipher_unknown: tuple[str, ...] = ()  # words OpenSSL silently skips
    protocol_unknown: tuple[str, ...] = ()  # version values the server ignores (Traefik)
    dh_bits: int | None = None
    compression: bool = False
    insecure_renegotiation: bool = False
    early_data: bool = False
    tickets_unrotated: bool = False  # static ticket keys, or tickets on a server that never rotates
    hsts_not_always: bool = False  # nginx add_header without `always`
    hsts_dropped: tuple[Location, ...] = ()  # nested add_header blocks without HSTS
    hsts_elsewhere: tuple[str, ...] = ()  # middlewares named here but defined elsewhere
    http_redirect: bool | None = None  # None: not visible in this input
    unverified_upstreams: tuple[Location, ...] = ()
    # Client certificates are asked for and verified when sent, but not required (Envoy
    # `validation_context` without `require_client_certificate`, Caddy `verify_if_given`,
    # `request`): no rule reads it yet.
    client_auth_optional: bool = False
    client_auth_unverified: bool = False  # asked for but never verified (Caddy `request`)
    host_from_http_host: tuple[Location, ...] = ()
    server_tokens_on: bool = False
    unknown_sni_served: bool = False  # the listener serves a site to unknown/absent SNI
    serves_http: bool = True  # False: a TLS-only catch-all (rejects handshakes, TCP mode)
    openssl: tuple[int, ...] | None = None  # the OpenSSL the server runs on, when known
    # A spec's targets whose versions cannot offer X25519MLKEM768 (and so refuse it pinned),
    # e.g. `nginx (OpenSSL 3.0)`; computed only for a spec that pins its groups.
    pq_unsupported: tuple[str, ...] = ()
    # The rule families (`Rule.family`) that judge this subject; None: all. A Traefik router
    # is judged for HSTS only (its TLS policy is its option's subject), a servers transport
    # for what it sets.
    families: frozenset[str] | None = None
    listener: str = ""  # the listener(s) a site is served on, where `where["listener"]` is
    # Locations by fact name; also `ciphers:<suite>` for a suite's own list entry (a YAML list),
    # where the cipher rules point instead of the list's key.
    where: Mapping[str, Location] = field(default_factory=dict)


class Subject(Struct, frozen=True):
    """One TLS site to judge: `kind` is spec, nginx, haproxy, traefik, envoy, caddy or k8s (a
    policy resource)."""

    kind: str
    site: SitePolicy
    facts: ProxyFacts

    def locate(self, name: str) -> Location:
        """Where the value `name` was set (or, for a default, the site that left it unset)."""
        while True:
            origin = self.site.origins.get(name)
            if origin is not None and origin.location is not None:
                return origin.location
            where = self.facts.where.get(name)
            if where is not None:
                return where
            if "." not in name:  # `hsts.preload` unknown: where `hsts` is
                return self.site.location
            name = name.rsplit(".", 1)[0]

    def value(self, name: str) -> object:
        """The resolved value `name` (`protocols`, `hsts.max_age`: a TLS policy field or the
        site's own) as judged, or None when `name` is a fact rather than a value."""
        value: object = self.site.tls if name.split(".")[0] in TLS_FIELDS else self.site
        for part in name.split("."):
            if part not in getattr(value, "__struct_fields__", ()):
                return None
            value = getattr(value, part)
        return value

    def origin_kind(self, name: str) -> str:
        origin = self.site.origins.get(name)
        return origin.kind if origin is not None else "profile"


class Hit(Struct, frozen=True):
    """One problem a rule found: the field it concerns and the message; optional exact place."""

    field: str
    message: str
    location: Location | None = None
    # Every item the message is about (suites, groups, versions, names), in full: the text
    # shortens a long list, machine-readable output (JSON, SARIF) carries all of it.
    items: tuple[str, ...] = ()
