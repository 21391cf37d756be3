"""Traefik dynamic configuration (+ the static file, when given) → a tlsconf spec, through the
lint ingester's document (case-insensitive keys, positions) and its TLS option subjects.

* Sites: the HTTP routers with `tls`, grouped by their `Host()` names (a `HostRegexp` of
  tlsconf's one-label form is that wildcard; `PathPrefix()` makes a `locations` entry of
  the site with the same names). The site is named after its main router (`tlsconf_` taken
  off), its policy is its router's `tls.options` (the `default` option when none).
* Certificates: `tls.certificates`, matched to a site by the certificate's SANs when the
  files are here, else in order when there are as many as sites (tlsconf's own output);
  otherwise exit 2. `tls.stores.default.defaultCertificate` names the `default_server`.
* Options: minVersion/maxVersion, cipherSuites, curvePreferences (the ingester's policy),
  clientAuth (caFiles + clientAuthType: mTLS), alpnProtocols (h2), disableSessionTickets.
* Services: `loadBalancer.servers` (url, weight), `healthCheck` (path, interval), `strategy`
  p2c (least_conn); `failover` (fallback servers are backups); `weighted` (each service's
  servers with its weight).
* Middlewares: `headers` (stsSeconds, stsIncludeSubdomains, stsPreload,
  customResponseHeaders), `redirectScheme` https on a plain router (redirect_http); a plain
  router with `PathPrefix(/.well-known/acme-challenge/)` is the ACME upstream.
* Entry points: from the static file when given (`entryPoints.<n>.address`), else 443/80.

Every key of the files is an `Entry` (mapped, approximated, dropped).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from msgspec import Struct, field

from tlsconf.config import Settings
from tlsconf.errors import Location, Path, TlsconfError
from tlsconf.importer import sites as common
from tlsconf.importer.entries import Log
from tlsconf.importer.model import Fate, Imported
from tlsconf.ingest import read
from tlsconf.ingest import traefik as ingest
from tlsconf.ingest.structured import dotted as _dotted
from tlsconf.lint.model import Subject

PATH = re.compile(r"PathPrefix\s*\(\s*`([^`]*)`\s*\)")
# tlsconf's own rendering of a one-label wildcard (`*.blog.example.com`).
WILDCARD = re.compile(r"HostRegexp\(`\^\[a-z0-9\]\(\[a-z0-9-\]\*\[a-z0-9\]\)\?"
                      r"((?:\\\.[a-z0-9-]+)+)\$`\)")
ACME = "/.well-known/acme-challenge/"
LB_KEYS = ("servers", "healthcheck", "strategy", "passhostheader")
CLIENT_AUTH = {"RequireAndVerifyClientCert": "required", "VerifyClientCertIfGiven": "optional"}


class _Ctx(Struct):
    doc: ingest.Doc
    log: Log
    options: dict[str, Subject]
    ports: dict[str, tuple[str, int]] = field(default_factory=dict)
    # entry point → (the TLS entry point it redirects to, its port, where): static redirections
    redirects: dict[str, tuple[str, int, Location]] = field(default_factory=dict)
    sites: list[common.SiteDraft] = field(default_factory=list)


def load(paths: Sequence[str], settings: Settings) -> Imported:
    docs = []
    for path in paths:
        _, _, text = read(path, "traefik")
        docs.append(ingest.read_doc(path, text))
    dynamic = [d for d in docs if _get(d, d.data, (), "http")[0] is not None
               or _get(d, d.data, (), "tls")[0] is not None]
    if not dynamic:
        raise TlsconfError.single(Location(paths[0] if paths else "-"), "", (
            "no `http` or `tls` section: not a Traefik dynamic configuration (a static file "
            "is imported together with the dynamic file it loads)"))
    if len(dynamic) > 1:
        raise TlsconfError.single(Location(dynamic[1].name), "", (
            "import one Traefik dynamic configuration at a time (with its static file); "
            f"given {len(dynamic)}: {', '.join(d.name for d in dynamic)}"))
    doc = dynamic[0]
    subjects = ingest.subjects(doc)
    options = {s.site.name.split(" ")[0].removeprefix("tls.options.").lower(): s
               for s in subjects if s.site.name.startswith("tls.options.")}
    ctx = _Ctx(doc, Log(), options)
    for static in docs:
        _entry_points(ctx, static)
    _routers(ctx)
    if not ctx.sites:
        raise TlsconfError.single(Location(doc.name), "http.routers", (
            "no TLS site to import: no HTTP router with `tls` and a `Host()` rule in this file "
            "(TLS options and middlewares alone are imported with the routers that use them)"))
    _certificates(ctx)
    default, default_path = _get(doc, doc.data, (), "tls", "options", "default")
    if default is not None and all(d.section != "default" for d in ctx.sites):
        _mark(ctx, default_path, "clients without SNI get the default site's policy (tlsconf "
              "renders tls.options.default from it)", fate="approximated")
    for static in docs:
        for key in ("global", "log", "providers", "api", "accessLog", "metrics", "ping"):
            found, found_path = static.get(static.data, (), key)
            if found is not None and static is not doc:
                for sub in (found_path, *_keys(static, found, found_path)):
                    ctx.log.drop(static.locate(sub), _dotted(sub), "static setting: tlsconf "
                                 "renders its own traefik.yml")
        _parents(ctx, static)
        ctx.log.finish([(static.locate(p), _dotted(p)) for p in _keys(static, static.data, ())])
    spec, origins = common.assemble(ctx.sites)
    ctx.log.link(origins)
    findings = common.findings(doc.name, doc.text, list(subjects), settings)
    return Imported(spec, origins, ctx.log.entries(), findings)


def _get(doc: ingest.Doc, node: Any, path: Path, *keys: str) -> tuple[Any, Path]:
    for key in keys:
        node, path = doc.get(node, path, key)
    return node, path


def _keys(doc: ingest.Doc, node: Any, path: Path) -> Iterator[Path]:
    """Every key path of the document (list items by index), parents before children."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _keys(doc, value, (*path, key))
    elif isinstance(node, list) and any(isinstance(v, dict) for v in node):
        for index, value in enumerate(node):
            yield from _keys(doc, value, (*path, index))


def _parents(ctx: _Ctx, doc: ingest.Doc) -> None:
    """A key whose children were mapped is mapped too (`http.routers` holds the routers)."""
    for path in reversed(list(_keys(doc, doc.data, ()))):
        parent = path[:-1]
        while parent and isinstance(parent[-1], int):
            parent = parent[:-1]
        entry = ctx.log.at.get(doc.locate(path))
        if parent and entry is not None and entry[2] != "dropped":
            ctx.log.mark(doc.locate(parent), _dotted(parent), "mapped", "holds the keys below")


def _mark(ctx: _Ctx, path: Path, detail: str, spec_path: str = "", fate: Fate = "mapped") -> None:
    """`path` and every key under it not marked yet get the same fate."""
    node: Any = ctx.doc.data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else (
            node[part] if isinstance(node, list) and isinstance(part, int) else None)
    ctx.log.mark(ctx.doc.locate(path), _dotted(path), fate, detail, spec_path)
    for sub in _keys(ctx.doc, node, path):  # a key below with a fate of its own keeps it
        if not ctx.log.has(ctx.doc.locate(sub)):
            ctx.log.mark(ctx.doc.locate(sub), _dotted(sub), fate, detail)


def _entry_points(ctx: _Ctx, doc: ingest.Doc) -> None:
    table, table_path = _get(doc, doc.data, (), "entryPoints")
    for name, entry in table.items() if isinstance(table, dict) else ():
        address, address_path = doc.get(entry, (*table_path, name), "address")
        host, _, port = str(address or "").rpartition(":")
        if port.isdigit():
            ctx.ports[str(name).lower()] = (host.strip("[]") or "0.0.0.0", int(port))
            ctx.log.mark(doc.locate(address_path), _dotted(address_path), "mapped",
                         "listen (address, https_port / http_port)")
        redirect, r_path = _get(doc, entry, (*table_path, name), "http", "redirections",
                                "entryPoint")
        to, _ = doc.get(redirect, r_path, "to")
        scheme, _ = doc.get(redirect, r_path, "scheme")
        if to is not None and scheme == "https" and port.isdigit():
            ctx.redirects[str(to).lower()] = (str(name).lower(), int(port), doc.locate(r_path))
            for sub in (r_path, *_keys(doc, redirect, r_path)):
                ctx.log.mark(doc.locate(sub), _dotted(sub), "mapped", "redirect_http")


def _routers(ctx: _Ctx) -> None:
    doc = ctx.doc
    routers, routers_path = _get(doc, doc.data, (), "http", "routers")
    by_hosts: dict[tuple[str, ...], common.SiteDraft] = {}
    plain: list[tuple[str, Any, Path]] = []
    later: list[tuple[str, Any, Path, tuple[str, ...]]] = []
    for name, router in routers.items() if isinstance(routers, dict) else ():
        path = (*routers_path, name)
        rule, _ = doc.get(router, path, "rule")
        tls, _ = doc.get(router, path, "tls")
        if tls is None:
            plain.append((str(name), router, path))
            continue
        hosts = tuple(ingest.domains(rule))
        wildcard = WILDCARD.search(str(rule or ""))
        if wildcard:
            hosts += ("*" + wildcard.group(1).replace("\\", ""),)
        if PATH.search(str(rule or "")) or (wildcard and not ingest.domains(rule)):
            later.append((str(name), router, path, hosts))
            continue
        if not hosts:
            _mark(ctx, path, "no Host() rule: a tlsconf site serves named domains",
                  fate="dropped")
            continue
        draft = _site(ctx, str(name), router, path, hosts)
        by_hosts[hosts] = draft
    for _name, router, path, hosts in later:
        target = by_hosts.get(hosts) or next(
            (d for d in ctx.sites if hosts and set(hosts) <= set(d.domains)), None) or next(
            (d for d in ctx.sites if _service(doc, router, path) == d.get(("pool",))), None)
        if target is None:
            _mark(ctx, path, "a path or wildcard route of no site", fate="dropped")
            continue
        prefix = PATH.search(str(doc.get(router, path, "rule")[0]))
        if prefix is None:  # the wildcard router of a site (tlsconf's output): its domain
            target.domains += tuple(h for h in hosts if h not in target.domains)
            target.set(("domains",), list(target.domains), target.origins[("domains",)])
            _mark(ctx, path, "domains (HostRegexp of one label)")
            continue
        pool = _upstreams(ctx, _service(doc, router, path), path)
        locations = list(target.get(("locations",)) or [])  # type: ignore[call-overload]
        at = len(locations)
        target.origin(("locations", at), doc.locate(path))
        for n, where in enumerate(pool.where):
            target.origin(("locations", at, "upstreams", n), where)
        _mark(ctx, path, "locations", f"sites[{target.index}].locations[{at}]")
        locations.append({"path": prefix.group(1), "upstreams": pool.upstreams})
        target.set(("locations",), locations, doc.locate(path))
    for name, router, path in plain:
        _plain(ctx, name, router, path)


def _service(doc: ingest.Doc, router: Any, path: Path) -> str:
    service, _ = doc.get(router, path, "service")
    return str(service or "")


def _site(ctx: _Ctx, name: str, router: Any, path: Path, hosts: tuple[str, ...]
          ) -> common.SiteDraft:
    doc = ctx.doc
    resolver, resolver_path = _get(doc, router, path, "tls", "certResolver")
    if resolver is not None:
        raise TlsconfError.single(doc.locate(resolver_path), _dotted(resolver_path), (
            f"certificates from certResolver {resolver!r} (ACME inside Traefik): the spec names "
            "certificate files; obtain them with an ACME client (acme_upstream) and list them"))
    reference, _ = _get(doc, router, path, "tls", "options")
    option = str(reference or "default").partition("@")[0].lower()
    subject = ctx.options.get(option) or ctx.options.get("default")
    if subject is None:
        raise TlsconfError.single(doc.locate(path), _dotted(path), "no TLS option to import")
    draft = common.SiteDraft(common.site_name(name.removeprefix("tlsconf_").replace("_", "-")),
                             hosts, doc.locate(path), subject, section=option)
    draft.set(("domains",), list(hosts), doc.locate(doc.get(router, path, "rule")[1]))
    entry_points, ep_path = doc.get(router, path, "entryPoints")
    names = [entry_points] if isinstance(entry_points, str) else list(entry_points or [])
    listen: dict[str, object] = {}
    redirect = False
    for ep in names:
        if str(ep).lower() in ctx.ports:
            address, port = ctx.ports[str(ep).lower()]
            listen = {"address": address, "https_port": port}
        if str(ep).lower() in ctx.redirects:
            _, http_port, redirect_at = ctx.redirects[str(ep).lower()]
            listen["http_port"] = http_port
            redirect = True
    if not listen:
        ctx.log.note(doc.locate(ep_path), "entry points are in the static configuration (not "
                     "given): listen on 0.0.0.0:443")
    draft.set(("listen",), listen or {"address": "0.0.0.0", "https_port": 443},
              doc.locate(ep_path))
    common.policy(draft, subject, ctx.log)
    _option_extras(ctx, draft, option)
    draft.set(("redirect_http",), redirect, redirect_at if redirect else doc.locate(path))
    draft.set(("hsts",), {"enabled": False}, doc.locate(path))
    service = _service(doc, router, path)
    pool = _upstreams(ctx, service, path)
    pool.into(draft, ("upstreams",), doc.locate(doc.get(router, path, "service")[1]))
    draft.set(("pool",), service, doc.locate(path))
    # Traefik passes WebSocket upgrades on every route, with no setting for it.
    draft.set(("websocket",), True, doc.locate(path))
    if pool.check:
        draft.set(("health_check",), pool.check, pool.check_at or doc.locate(path))
    if pool.balance:
        draft.set(("balance",), pool.balance, doc.locate(path))
    _middlewares(ctx, draft, router, path)
    _mark(ctx, path, "a site: domains, listen, tls, upstreams", f"sites[{len(ctx.sites)}]")
    return common.add(ctx.sites, draft)


def _option_extras(ctx: _Ctx, draft: common.SiteDraft, option: str) -> None:
    doc = ctx.doc
    opts, path = _get(doc, doc.data, (), "tls", "options", option)
    if opts is None:
        return
    _mark(ctx, path, f"tls (the policy of the sites using tls.options.{option})")
    alpn, alpn_path = doc.get(opts, path, "alpnProtocols")
    draft.set(("http2",), alpn is None or "h2" in list(alpn), doc.locate(alpn_path))
    tickets, tickets_path = doc.get(opts, path, "disableSessionTickets")
    if tickets is True:
        draft.set(("tls", "session_tickets"), False, doc.locate(tickets_path))
    auth, auth_path = doc.get(opts, path, "clientAuth")
    kind, _ = doc.get(auth, auth_path, "clientAuthType")
    files, _ = doc.get(auth, auth_path, "caFiles")
    if str(kind) in CLIENT_AUTH and isinstance(files, list) and files:
        draft.set(("tls", "client_auth"), {"ca": str(files[0]), "mode": CLIENT_AUTH[str(kind)]},
                  doc.locate(auth_path))
        if len(files) > 1:
            ctx.log.note(doc.locate(auth_path), "only the first CA file is kept")
    elif auth is not None:
        ctx.log.mark(doc.locate(auth_path), _dotted(auth_path), "dropped",
                     f"clientAuthType {kind!r} is not required or optional verification")


class _Pool(Struct):
    upstreams: list[dict[str, object]] = field(default_factory=list)
    where: list[Location] = field(default_factory=list)  # each upstream's url
    check: dict[str, object] | None = None
    check_at: Location | None = None
    balance: str | None = None

    def into(self, draft: common.SiteDraft, base: Path, at: Location) -> None:
        draft.set(base, self.upstreams, at)
        for n, where in enumerate(self.where):
            draft.origin((*base, n), where)


def _seconds(text: object) -> int | None:
    """A Go duration Traefik takes (`10s`, `1m`, `1m30s`, `500ms`) → whole seconds (>= 1)."""
    parts = re.findall(r"(\d+)(ms|s|m|h)", str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        return None
    total = sum(int(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u] for n, u in parts)
    return max(1, min(3600, round(total)))


def _weight(doc: ingest.Doc, node: Any, path: Path) -> int:
    value, value_path = doc.get(node, path, "weight")
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TlsconfError.single(doc.value(value_path), _dotted(value_path),
                                  f"weight {value!r}: a whole number of at least 0")
    return value


def _upstreams(ctx: _Ctx, name: str, used: Path, weight: int = 1) -> _Pool:
    """A service → its pool (upstreams, health check, balance)."""
    doc = ctx.doc
    service, path = _get(doc, doc.data, (), "http", "services", name)
    if service is None:
        raise TlsconfError.single(doc.locate(used), _dotted(used), (
            f"service {name!r} is not defined in this file (another provider's?): its "
            "servers are unknown"))
    failover, fo_path = doc.get(service, path, "failover")
    if failover is not None:
        main = _upstreams(ctx, str(doc.get(failover, fo_path, "service")[0]), fo_path)
        backup = _upstreams(ctx, str(doc.get(failover, fo_path, "fallback")[0]), fo_path)
        _mark(ctx, fo_path, "upstreams (fallback servers are backups)")
        main.upstreams += [{**u, "backup": True} for u in backup.upstreams]
        main.where += backup.where
        return main
    weighted, w_path = doc.get(service, path, "weighted")
    if weighted is not None:
        members, members_path = doc.get(weighted, w_path, "services")
        pool = _Pool()
        for index, item in enumerate(members if isinstance(members, list) else []):
            member, _ = doc.get(item, (*members_path, index), "name")
            got = _upstreams(ctx, str(member), w_path,
                             weight * _weight(doc, item, (*members_path, index)))
            pool.upstreams += got.upstreams
            pool.where += got.where
        _mark(ctx, w_path, "upstreams (each service's servers with its weight)")
        ctx.log.note(doc.locate(w_path), "weighted services flattened into one pool")
        return pool
    lb, lb_path = doc.get(service, path, "loadBalancer")
    servers, servers_path = doc.get(lb, lb_path, "servers")
    pool = _Pool()
    for index, item in enumerate(servers if isinstance(servers, list) else []):
        url, url_path = doc.get(item, (*servers_path, index), "url")
        match = re.fullmatch(r"http://([^/]+?)/?", str(url or ""))
        if match is None:
            raise TlsconfError.single(doc.value(url_path), _dotted(url_path), (
                f"server url {url!r}: the spec's upstreams are plain http://host:port"))
        share = _weight(doc, item, (*servers_path, index)) * weight
        if share == 0:
            _mark(ctx, (*servers_path, index), "weight 0 (takes no traffic)", fate="dropped")
            continue
        upstream: dict[str, object] = {"address": match.group(1)}
        if share != 1:
            upstream["weight"] = min(share, 256)
        pool.upstreams.append(upstream)
        pool.where.append(doc.locate(url_path))
    for key in lb if isinstance(lb, dict) else ():
        if str(key).lower() not in LB_KEYS:
            _mark(ctx, (*lb_path, key), f"{key}: no spec field (the spec's pools have weights, "
                  "backups, balance and health checks)", fate="dropped")
    check, check_path = doc.get(lb, lb_path, "healthCheck")
    if isinstance(check, dict):
        check_url, _ = doc.get(check, check_path, "path")
        every, every_path = doc.get(check, check_path, "interval")
        seconds = 30 if every is None else _seconds(every)  # Traefik's default: 30s
        if seconds is None:
            raise TlsconfError.single(doc.value(every_path), _dotted(every_path),
                                      f"interval {every!r}: a Go duration such as 10s or 1m")
        pool.check = {"path": str(check_url or "/"), "interval": seconds}
        pool.check_at = doc.locate(check_path)
        _mark(ctx, check_path, "health_check")
    strategy, strategy_path = doc.get(lb, lb_path, "strategy")
    if strategy is not None:
        pool.balance = "least_conn" if str(strategy).lower() == "p2c" else None
        _mark(ctx, strategy_path, "balance")
    pass_host, pass_path = doc.get(lb, lb_path, "passHostHeader")
    if pass_host is False:
        _mark(ctx, pass_path, "tlsconf always passes the Host header", fate="dropped")
    _mark(ctx, lb_path, "upstreams")
    return pool


def _middlewares(ctx: _Ctx, draft: common.SiteDraft, router: Any, path: Path) -> None:
    doc = ctx.doc
    names, _ = doc.get(router, path, "middlewares")
    table, table_path = _get(doc, doc.data, (), "http", "middlewares")
    for name in names if isinstance(names, list) else []:
        mw, mw_path = doc.get(table, table_path, str(name).partition("@")[0])
        headers, h_path = doc.get(mw, mw_path, "headers")
        if headers is None:
            continue
        seconds, s_path = doc.get(headers, h_path, "stsSeconds")
        if isinstance(seconds, int) and seconds > 0:
            sub, _ = doc.get(headers, h_path, "stsIncludeSubdomains")
            preload, _ = doc.get(headers, h_path, "stsPreload")
            draft.set(("hsts",), {"max_age": seconds, "include_subdomains": sub is True,
                                  "preload": preload is True}, doc.locate(s_path))
        custom, c_path = doc.get(headers, h_path, "customResponseHeaders")
        if isinstance(custom, dict) and custom:
            draft.set(("headers",), {str(k): str(v) for k, v in custom.items()},
                      doc.locate(c_path))
        _mark(ctx, mw_path, "hsts, headers")


def _plain(ctx: _Ctx, name: str, router: Any, path: Path) -> None:
    """A router without TLS: the redirect of the sites with its names, or their ACME path."""
    doc = ctx.doc
    rule = str(doc.get(router, path, "rule")[0] or "")
    hosts = set(ingest.domains(rule))
    targets = [d for d in ctx.sites if hosts & set(d.domains)] or (ctx.sites if not hosts
                                                                   else [])
    prefix = PATH.search(rule)
    if prefix and prefix.group(1) == ACME:
        acme = _upstreams(ctx, _service(doc, router, path), path)
        if not acme.upstreams:
            _mark(ctx, path, "its service has no server", fate="dropped")
            return
        for d in targets:
            d.set(("acme_upstream",), acme.upstreams[0]["address"], acme.where[0])
        _mark(ctx, path, "acme_upstream")
        return
    names, _ = doc.get(router, path, "middlewares")
    table, table_path = _get(doc, doc.data, (), "http", "middlewares")
    for mw_name in names if isinstance(names, list) else []:
        mw, mw_path = doc.get(table, table_path, str(mw_name).partition("@")[0])
        scheme, _ = _get(doc, mw, mw_path, "redirectScheme", "scheme")
        if scheme == "https":
            for d in targets:
                d.set(("redirect_http",), True, doc.locate(path))
            entry_points, _ = doc.get(router, path, "entryPoints")
            for ep in [entry_points] if isinstance(entry_points, str) else entry_points or []:
                if str(ep).lower() in ctx.ports:
                    for d in targets:
                        listen = dict(d.get(("listen",)))  # type: ignore[call-overload]
                        listen["http_port"] = ctx.ports[str(ep).lower()][1]
                        d.set(("listen",), listen, d.origins[("listen",)])
            _mark(ctx, mw_path, "redirect_http")
            _mark(ctx, path, "redirect_http")
            return
    _mark(ctx, path, "plain-HTTP routing: a tlsconf site's port 80 only redirects and "
          "answers ACME challenges", fate="dropped")


def _default_site(ctx: _Ctx, default_cert: str, default_path: Path) -> None:
    """Who answers clients without SNI (or with an unknown name): nobody with `sniStrict` on
    the default option; else the site of the store's default certificate, else — Traefik's
    own self-signed certificate, which a spec cannot name — the first site on the default
    option (or the first site)."""
    doc = ctx.doc
    strict, strict_path = _get(doc, doc.data, (), "tls", "options", "default", "sniStrict")
    if strict is True:
        return
    site = next((d for d in ctx.sites if default_cert and
                 d.get(("tls", "certificate")) == default_cert), None)
    where = doc.locate(default_path)
    if site is not None and site.section != "default" and any(
            d.section == "default" for d in ctx.sites):
        ctx.log.note(doc.locate(_get(doc, doc.data, (), "tls", "options", "default")[1]),
                     f"clients without SNI get tls.options.default with {site.name}'s "
                     f"certificate; the spec gives them {site.name}'s policy (default_server)")
    if site is None:
        site = next((d for d in ctx.sites if d.section == "default"), ctx.sites[0])
        where = doc.locate(strict_path if strict is not None else default_path)
        ctx.log.note(where, f"clients without SNI got Traefik's self-signed certificate; the "
                     f"spec serves them site {site.name} (default_server)")
    site.set(("default_server",), True, where)


def _unmatched(ctx: _Ctx, pairs: list[tuple[str, str, Path]], where: Path
               ) -> dict[int, tuple[str, str, Path]]:
    """Certificates whose files are not here to match by name: the only one serves every site
    (Traefik falls back to it, or it is the store's default); as many as sites go in order
    (tlsconf's own output lists them so); anything else cannot be decided."""
    doc = ctx.doc
    if len(pairs) == 1:
        ctx.log.note(doc.locate(pairs[0][2]), "the only certificate: every site gets it (its "
                     "file is not here to check its names)")
        return dict.fromkeys(range(len(ctx.sites)), pairs[0])
    if pairs and len(pairs) == len(ctx.sites):
        ctx.log.note(doc.locate(where), "certificates matched to sites in order (the files are "
                     "not here to match them by name)")
        return dict(enumerate(pairs))
    if not pairs:
        raise TlsconfError.single(doc.locate(where), "tls.certificates", (
            "no certificate in tls.certificates or tls.stores.default.defaultCertificate: "
            "Traefik serves its self-signed default (or an ACME certResolver's, which the spec "
            "cannot name); add the certificate files"))
    raise TlsconfError.single(doc.locate(where), "tls.certificates", (
        f"{len(pairs)} certificates for {len(ctx.sites)} sites, and the files are not here to "
        "match them by name: import where the certificates are"))


def _certificates(ctx: _Ctx) -> None:
    doc = ctx.doc
    certs, certs_path = _get(doc, doc.data, (), "tls", "certificates")
    pairs = [(str(c.get("certFile", "")), str(c.get("keyFile", "")), (*certs_path, i))
             for i, c in enumerate(certs if isinstance(certs, list) else [])
             if isinstance(c, dict)]
    default, default_path = _get(doc, doc.data, (), "tls", "stores", "default",
                                 "defaultCertificate")
    chosen: dict[int, tuple[str, str, Path]] = {}
    for index, draft in enumerate(ctx.sites):
        for cert, key, path in pairs:
            try:
                names = common.certificate_names(cert, doc.locate(path))
            except TlsconfError:
                continue
            if set(draft.domains) & set(names):
                chosen[index] = (cert, key, path)
                break
    default_cert = str(default.get("certFile", "")) if isinstance(default, dict) else ""
    if default_cert and not any(cert == default_cert for cert, _, _ in pairs):
        pairs.append((default_cert, str(default.get("keyFile", "")), default_path))
    if len(chosen) < len(ctx.sites):
        chosen = _unmatched(ctx, pairs, certs_path if certs is not None else default_path)
    for index, (cert, key, path) in chosen.items():
        draft = ctx.sites[index]
        draft.set(("tls", "certificate"), cert, doc.locate(path))
        draft.set(("tls", "key"), key, doc.locate(path))
        _mark(ctx, path, "tls.certificate, tls.key")
    _default_site(ctx, default_cert, default_path)
    if default is not None:
        _mark(ctx, default_path, "default_server")
