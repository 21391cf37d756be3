"""Envoy static bootstrap (YAML or JSON) → subjects.

What is judged (Envoy 1.40, BoringSSL):

* Each filter chain of `static_resources.listeners[]` whose `transport_socket` is a
  `DownstreamTlsContext` is one subject, with the domains of `filter_chain_match.server_names`.
  A chain without server names (or the listener's `default_filter_chain`) answers clients
  without SNI or with an unknown name: TLS704 there. A listener whose every chain has names
  closes such connections before the handshake.
* `common_tls_context.tls_params`: `tls_minimum/maximum_protocol_version` (unset or `TLS_AUTO`:
  TLS 1.2 to 1.3 for a server), `cipher_suites` (BoringSSL names; `[A|B]` is a group of equal
  preference, each member judged; unset: Envoy's default AEAD-only list), `ecdh_curves`
  (unset: X25519MLKEM768, X25519, P-256). Unset keys are the server's defaults (origin
  `server-default`). A value Envoy refuses (an unknown version or suite) is exit 2: Envoy would
  not start with it.
* `tls_certificates[0]` files (the certificate rules judge them); `validation_context` without
  `require_client_certificate: true` is optional client verification (fact
  `client_auth_optional`); `session_ticket_keys` are static ticket keys (TLS405);
  `disable_stateless_session_resumption: true` turns tickets off (else BoringSSL rotates its own
  in-memory keys).
* HSTS: `response_headers_to_add` of the chain's HTTP connection manager `route_config`, at
  route-config, virtual-host and route level; every virtual host that serves content must get
  the header (one that does not is TLS501 there), and the weakest value is judged. Virtual
  hosts that only answer locally (`direct_response`, `redirect`) are not judged. Routes from
  RDS are not in the file: HSTS is not judged there.
* Port 80: a plain-HTTP listener's virtual host for a site's domain must redirect (a catch-all
  route with `redirect: {https_redirect: true}` or `scheme_redirect: https`, or `require_tls`);
  a domain it does not redirect is TLS507.
* `static_resources.clusters[]` with an `UpstreamTlsContext` and no validation context: TLS701.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from tlsconf import suites
from tlsconf.errors import Location, Path
from tlsconf.ingest.common import SiteBuilder, config_origin, default_origin, parse_hsts
from tlsconf.ingest.structured import Tree
from tlsconf.lint.model import ELSEWHERE, Subject
from tlsconf.policy import Origin

_API = "type.googleapis.com/envoy.extensions."
DOWNSTREAM = _API + "transport_sockets.tls.v3.DownstreamTlsContext"
UPSTREAM = _API + "transport_sockets.tls.v3.UpstreamTlsContext"
RAW_BUFFER = _API + "transport_sockets.raw_buffer.v3.RawBuffer"
HCM = _API + "filters.network.http_connection_manager.v3.HttpConnectionManager"
# Envoy's TlsProtocol enum (names, or the numbers proto JSON also takes).
VERSIONS: dict[Any, str | None] = {"TLS_AUTO": None, "TLSv1_0": "TLSv1", "TLSv1_1": "TLSv1.1",
                                   "TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3", 0: None,
                                   1: "TLSv1", 2: "TLSv1.1", 3: "TLSv1.2", 4: "TLSv1.3"}
ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
# Envoy's default server suites (non-FIPS), `[A|B]` groups flattened.
DEFAULT_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
                   "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
                   "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384")
DEFAULT_CURVES = ("X25519MLKEM768", "X25519", "prime256v1")
# Envoy `ecdh_curves` name → tlsconf's (OpenSSL) group name.
CURVES = {"X25519MLKEM768": "X25519MLKEM768", "X25519": "X25519", "P-256": "prime256v1",
          "prime256v1": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1"}
VALIDATION = ("validation_context", "validation_context_sds_secret_config",
              "combined_validation_context")
HSTS = "strict-transport-security"


def _boringssl() -> frozenset[str]:
    from tlsconf.targets.envoy_tls import BORINGSSL_CIPHERS

    return BORINGSSL_CIPHERS


class _Vhost(Struct, frozen=True):
    """A virtual host of a plain-HTTP listener: its domains and whether it redirects."""

    domains: tuple[str, ...]
    redirects: bool
    location: Location


def ingest(path: str, text: str) -> tuple[Subject, ...]:
    tree = Tree(path, text, aliases=True)
    if not isinstance(tree.data, dict):
        raise tree.refuse((), "an Envoy bootstrap is a mapping with `static_resources`")
    static, static_path = tree.mapping(tree.data, (), "static_resources")
    if static is None:
        raise tree.refuse((), "no `static_resources`: tlsconf reads Envoy's static bootstrap "
                              "(listeners and clusters in the file)")
    listeners, listeners_path = tree.sequence(static, static_path, "listeners")
    clusters, clusters_path = tree.sequence(static, static_path, "clusters")
    if not listeners and not clusters:
        raise tree.refuse(static_path, "no `listeners` and no `clusters`: nothing to judge")
    chains: list[tuple[SiteBuilder, bool]] = []
    plain: list[_Vhost] = []
    for index, (listener, lpath) in enumerate(tree.items(listeners, listeners_path)):
        name, _ = tree.string(listener, lpath, "name")
        label = name or f"listeners[{index}]"
        entries = _chains(tree, listener, lpath)
        for chain, cpath, default in entries:
            context = _typed(tree, chain, cpath, "transport_socket", (DOWNSTREAM, RAW_BUFFER))
            manager = _manager(tree, chain, cpath)
            if context is None or context[0].get("@type") == RAW_BUFFER:
                if manager is not None:
                    plain += _plain_vhosts(tree, *manager)
                continue
            chain_name, _ = tree.string(chain, cpath, "name")
            title = (f"{label}.default_filter_chain" if cpath[-1] == "default_filter_chain"
                     else f"{label}.filter_chains[{chain_name or cpath[-1]}]")
            b = SiteBuilder("envoy", title, tree.locate(cpath))
            wildcard = _server_names(tree, b, chain, cpath, default)
            _tls(tree, b, *context)
            _hsts(tree, b, manager, tree.locate(cpath))
            chains.append((b, wildcard))
    subjects = []
    port80 = _Plain(plain) if plain else None
    for b, wildcard in chains:
        if port80 is not None and not wildcard:
            _redirect(b, port80)
        subjects.append(b.build())
    subjects += _clusters(tree, clusters, clusters_path)
    return tuple(subjects)


def _chains(tree: Tree, listener: dict[str, Any], path: Path
            ) -> list[tuple[dict[str, Any], Path, bool]]:
    """(chain, path, answers unknown SNI) of a listener; one without chains is refused."""
    items, items_path = tree.sequence(listener, path, "filter_chains")
    out = []
    for chain, cpath in tree.items(items, items_path):
        match, match_path = tree.mapping(chain, cpath, "filter_chain_match")
        names, _ = tree.sequence(match, match_path, "server_names")
        out.append((chain, cpath, not names))
    default, default_path = tree.mapping(listener, path, "default_filter_chain")
    if default is not None:
        out.append((default, default_path, True))
    if not out:
        raise tree.refuse(path, "a listener without `filter_chains` or `default_filter_chain`")
    return out


def _typed(tree: Tree, node: dict[str, Any], path: Path, key: str,
           known: tuple[str, ...]) -> tuple[dict[str, Any], Path] | None:
    """The `typed_config` of `node[key]` (a transport socket), refused unless of a known type."""
    socket, socket_path = tree.mapping(node, path, key)
    if socket is None:
        return None
    config, config_path = tree.mapping(socket, socket_path, "typed_config")
    kind, kind_path = tree.string(config, config_path, "@type")
    if config is None or kind not in known:
        where = kind_path if kind is not None else socket_path
        raise tree.refuse(where, f"unknown transport socket type {kind!r}; tlsconf reads: "
                                 + ", ".join(known), at_value=kind is not None)
    return config, config_path


def _manager(tree: Tree, chain: dict[str, Any], path: Path) -> tuple[dict[str, Any], Path] | None:
    """The chain's HTTP connection manager config (None: a TCP chain)."""
    filters, filters_path = tree.sequence(chain, path, "filters")
    for item, item_path in tree.items(filters, filters_path):
        config, config_path = tree.mapping(item, item_path, "typed_config")
        kind, _ = tree.string(config, config_path, "@type")
        if config is not None and kind == HCM:
            return config, config_path
    return None


def _server_names(tree: Tree, b: SiteBuilder, chain: dict[str, Any], path: Path,
                  default: bool) -> bool:
    match, match_path = tree.mapping(chain, path, "filter_chain_match")
    names, _ = tree.strings(match, match_path, "server_names")
    b.domains = tuple(dict.fromkeys(n.lower() for n, _ in names))
    if default:
        b.facts["unknown_sni_served"] = True
        b.where["sni"] = tree.locate(path)
    return default


def _tls(tree: Tree, b: SiteBuilder, context: dict[str, Any], path: Path) -> None:
    common, common_path = tree.mapping(context, path, "common_tls_context")
    params, params_path = tree.mapping(common, common_path, "tls_params")
    _versions(tree, b, params, params_path, tree.locate(path))
    _ciphers(tree, b, params, params_path, tree.locate(path))
    _curves(tree, b, params, params_path, tree.locate(path))
    certs, certs_path = tree.sequence(common, common_path, "tls_certificates")
    for cert, cert_path in tree.items(certs[:1], certs_path):
        for attr, key in (("certificate", "certificate_chain"), ("key", "private_key")):
            source, source_path = tree.mapping(cert, cert_path, key)
            filename, file_path = tree.string(source, source_path, "filename")
            if filename:
                setattr(b, attr, filename)
                b.origins[attr] = config_origin(f"{key}.filename", tree.value(file_path))
    validation = [p for key in VALIDATION
                  if (p := tree.get(common, common_path, key))[0] is not None]
    required, required_path = tree.get(context, path, "require_client_certificate")
    if validation and required is not True:
        b.facts["client_auth_optional"] = True
        b.where["client_auth_optional"] = tree.locate(
            required_path if required is not None else validation[0][1])
    off, off_path = tree.get(context, path, "disable_stateless_session_resumption")
    keys, keys_path = tree.get(context, path, "session_ticket_keys")
    if off is True:
        b.session_tickets = False
        b.origins["session_tickets"] = config_origin("disable_stateless_session_resumption",
                                                     tree.locate(off_path))
    elif keys is not None:
        b.session_tickets = True
        b.facts["tickets_unrotated"] = True
        b.where["tickets_unrotated"] = tree.locate(keys_path)
    else:
        b.session_tickets = True
        b.origins["session_tickets"] = default_origin(
            "BoringSSL's in-memory ticket keys, rotated", tree.locate(path))


def _versions(tree: Tree, b: SiteBuilder, params: Any, path: Path, at: Location) -> None:
    found = []
    for key in ("tls_minimum_protocol_version", "tls_maximum_protocol_version"):
        value, value_path = tree.get(params, path, key)
        if value is not None and (isinstance(value, bool) or value not in VERSIONS):
            raise tree.refuse(value_path, f"unknown TLS version {value!r}: Envoy refuses the "
                                          "config; allowed: TLS_AUTO, TLSv1_0, TLSv1_1, "
                                          "TLSv1_2, TLSv1_3", at_value=True)
        found.append((VERSIONS[value] if value is not None else None, value, value_path))
    (low, low_raw, low_path), (high, high_raw, high_path) = found
    first, last = ORDER.index(low or "TLSv1.2"), ORDER.index(high or "TLSv1.3")
    if first > last:
        raise tree.refuse(low_path, "tls_minimum_protocol_version is above "
                                    "tls_maximum_protocol_version", at_value=True)
    b.protocols = ORDER[first:last + 1]
    if low_raw is None and high_raw is None:
        b.origins["protocols"] = default_origin("no tls_params versions: Envoy's default "
                                                "(TLS 1.2 to 1.3)", at)
    else:
        b.origins["protocols"] = config_origin(
            str(low_path[-1] if low_raw is not None else high_path[-1]),
            tree.locate(low_path if low_raw is not None else high_path))


def _ciphers(tree: Tree, b: SiteBuilder, params: Any, path: Path, at: Location) -> None:
    items, items_path = tree.strings(params, path, "cipher_suites")
    if not items:
        b.ciphers = DEFAULT_CIPHERS
        b.origins["ciphers"] = default_origin("no cipher_suites: Envoy's default server list "
                                              "(ECDHE with AES-GCM or ChaCha20)", at)
        return
    known = _boringssl()
    found = []
    for text, item_path in items:
        group = text[1:-1].split("|") if text.startswith("[") and text.endswith("]") else [text]
        for name in (n.strip() for n in group):
            if name not in known:
                raise tree.refuse(item_path, f"BoringSSL (Envoy) has no cipher suite {name!r}: "
                                             "Envoy refuses the config; allowed: "
                                             + ", ".join(sorted(known)), at_value=True)
            suite = suites.lookup(name)
            name = (suite.openssl or suite.iana) if suite else name
            found.append(name)
            b.where.setdefault(f"ciphers:{name}", tree.value(item_path))
    b.ciphers = tuple(dict.fromkeys(found))
    b.origins["ciphers"] = config_origin("cipher_suites", tree.locate(items_path))


def _curves(tree: Tree, b: SiteBuilder, params: Any, path: Path, at: Location) -> None:
    items, items_path = tree.strings(params, path, "ecdh_curves")
    if not items:
        b.curves = DEFAULT_CURVES
        b.origins["curves"] = default_origin("no ecdh_curves: Envoy's default groups", at)
        return
    for name, item_path in items:
        if name not in CURVES:
            raise tree.refuse(item_path, f"BoringSSL (Envoy) has no group {name!r}: Envoy "
                                         "refuses the config; allowed: " + ", ".join(CURVES),
                              at_value=True)
    b.curves = tuple(dict.fromkeys(CURVES[n] for n, _ in items))
    b.origins["curves"] = config_origin("ecdh_curves", tree.locate(items_path))


def _headers(tree: Tree, node: Any, path: Path) -> list[tuple[str, Path]]:
    """The Strict-Transport-Security values a `response_headers_to_add` adds."""
    items, items_path = tree.sequence(node, path, "response_headers_to_add")
    out = []
    for item, item_path in tree.items(items, items_path):
        header, header_path = tree.mapping(item, item_path, "header")
        key, _ = tree.string(header, header_path, "key")
        value, value_path = tree.string(header, header_path, "value")
        if key is not None and key.lower() == HSTS and value is not None:
            out.append((value, value_path))
    return out


def _local_only(route: dict[str, Any]) -> bool:
    return "route" not in route and ("direct_response" in route or "redirect" in route)


def _hsts(tree: Tree, b: SiteBuilder, manager: tuple[dict[str, Any], Path] | None,
          at: Location) -> None:
    """The HSTS header of the chain's routes: the weakest value, or missing where a virtual
    host (or a route of it) serving content gets none."""
    if manager is None:
        b.facts["serves_http"] = False  # a TCP chain (tcp_proxy): no HTTP response
        return
    hcm, hcm_path = manager
    config, config_path = tree.mapping(hcm, hcm_path, "route_config")
    if config is None:
        rds, rds_path = tree.get(hcm, hcm_path, "rds")
        b.origins["hsts"] = Origin(ELSEWHERE, "routes come from RDS, not this file",
                                   tree.locate(rds_path if rds is not None else hcm_path))
        return
    top = _headers(tree, config, config_path)
    found = list(top)
    missing: Path | None = None
    vhosts, vhosts_path = tree.sequence(config, config_path, "virtual_hosts")
    for vhost, vpath in tree.items(vhosts, vhosts_path):
        own = _headers(tree, vhost, vpath)
        found += own
        routes, routes_path = tree.sequence(vhost, vpath, "routes")
        for route, rpath in tree.items(routes, routes_path):
            if _local_only(route):
                continue
            here = _headers(tree, route, rpath)
            found += here
            if not (here or own or top) and missing is None:
                missing = vpath
    if missing is not None or not found:
        b.origins["hsts"] = config_origin("no Strict-Transport-Security in "
                                          "response_headers_to_add",
                                          tree.locate(missing or config_path))
        return
    policies = [(parse_hsts(value), p) for value, p in found]
    weakest, where = min(policies, key=lambda item: item[0].max_age)
    b.hsts = weakest
    b.origins["hsts"] = config_origin("response_headers_to_add", tree.locate(where[:-2]))
    b.origins["hsts.max_age"] = config_origin("response_headers_to_add", tree.value(where))
    if weakest.preload:
        b.origins["hsts.preload"] = config_origin("response_headers_to_add", tree.value(where))


def _plain_vhosts(tree: Tree, hcm: dict[str, Any], path: Path) -> list[_Vhost]:
    config, config_path = tree.mapping(hcm, path, "route_config")
    vhosts, vhosts_path = tree.sequence(config, config_path, "virtual_hosts")
    out = []
    for vhost, vpath in tree.items(vhosts, vhosts_path):
        domains, _ = tree.strings(vhost, vpath, "domains")
        out.append(_Vhost(tuple(d.lower() for d, _ in domains), _redirects(tree, vhost, vpath),
                          tree.locate(vpath)))
    return out


def _redirects(tree: Tree, vhost: dict[str, Any], path: Path) -> bool:
    """`require_tls`, or the first catch-all route (`prefix: /`, or no path match) redirects
    to https."""
    if vhost.get("require_tls") in ("ALL", "EXTERNAL_ONLY"):
        return True
    routes, routes_path = tree.sequence(vhost, path, "routes")
    for route, rpath in tree.items(routes, routes_path):
        match, _ = tree.mapping(route, rpath, "match")
        match = match or {}
        if match.get("prefix", "/") != "/" or any(k in match for k in (
                "path", "safe_regex", "path_separated_prefix", "path_match_policy")):
            continue
        redirect = route.get("redirect")
        return isinstance(redirect, dict) and (redirect.get("https_redirect") is True
                                               or redirect.get("scheme_redirect") == "https")
    return False


def _matches(pattern: str, name: str) -> bool:
    if pattern == name or pattern == "*":
        return True
    if pattern.startswith("*") and not name.startswith("*"):
        return name.endswith(pattern[1:]) and len(name) > len(pattern) - 1
    if pattern.endswith("*") and not name.endswith("*"):
        return name.startswith(pattern[:-1]) and len(name) > len(pattern) - 1
    return False


class _Plain:
    """The plain-HTTP virtual hosts, found by name as Envoy picks them: an exact domain, then
    the longest wildcard, then `*` (an index: 5000 sites do not scan 5000 virtual hosts each)."""

    def __init__(self, vhosts: list[_Vhost]) -> None:
        self.first = vhosts[0]
        self.exact: dict[str, _Vhost] = {}
        self.wildcards: list[tuple[str, _Vhost]] = []
        self.star: _Vhost | None = None
        for vhost in vhosts:
            for pattern in vhost.domains:
                if pattern == "*":
                    self.star = self.star or vhost
                elif "*" in pattern:
                    self.wildcards.append((pattern, vhost))
                else:
                    self.exact.setdefault(pattern, vhost)

    def find(self, name: str) -> _Vhost | None:
        if name in self.exact:
            return self.exact[name]
        found = [(len(p), -i, v) for i, (p, v) in enumerate(self.wildcards) if _matches(p, name)]
        return max(found, key=lambda item: item[:2])[2] if found else self.star


def _redirect(b: SiteBuilder, plain: _Plain) -> None:
    """Every domain of the site redirected on the plain-HTTP listener(s), or where not."""
    for name in b.domains:
        vhost = plain.find(name)
        if vhost is None or not vhost.redirects:
            b.facts["http_redirect"] = False
            b.where["redirect_http"] = vhost.location if vhost else plain.first.location
            return
    b.facts["http_redirect"] = True


def _clusters(tree: Tree, clusters: list[Any], path: Path) -> list[Subject]:
    """Upstream TLS: a cluster's UpstreamTlsContext without a validation context."""
    out = []
    for index, (cluster, cpath) in enumerate(tree.items(clusters, path)):
        context = _typed(tree, cluster, cpath, "transport_socket", (UPSTREAM, RAW_BUFFER))
        if context is None or context[0].get("@type") == RAW_BUFFER:
            continue
        config, config_path = context
        name, _ = tree.string(cluster, cpath, "name")
        b = SiteBuilder("envoy", f"clusters[{name or index}]", tree.locate(cpath))
        common, common_path = tree.mapping(config, config_path, "common_tls_context")
        if not any(tree.get(common, common_path, key)[0] is not None for key in VALIDATION):
            b.facts["unverified_upstreams"] = (tree.locate((*cpath, "transport_socket")),)
        b.facts["serves_http"] = False
        b.facts["families"] = frozenset({"proxy hygiene"})
        out.append(b.build())
    return out
