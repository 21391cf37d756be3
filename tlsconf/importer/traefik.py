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
from collections.abc import Sequence
from typing import Any

from msgspec import Struct, field

from tlsconf.config import Settings
from tlsconf.errors import Location, Path, TlsconfError
from tlsconf.importer import sites as common
from tlsconf.importer.entries import Log
from tlsconf.importer.model import Imported
from tlsconf.importer.traefik_pools import get, keys, mark, service_pool
from tlsconf.ingest import read
from tlsconf.ingest import traefik as ingest
from tlsconf.ingest.structured import dotted as _dotted
from tlsconf.lint.model import Subject

PATH = re.compile(r"PathPrefix\s*\(\s*`([^`]*)`\s*\)")
# tlsconf's own rendering of a one-label wildcard (`*.blog.example.com`).
WILDCARD = re.compile(r"HostRegexp\(`\^\[a-z0-9\]\(\[a-z0-9-\]\*\[a-z0-9\]\)\?"
                      r"((?:\\\.[a-z0-9-]+)+)\$`\)")
ACME = "/.well-known/acme-challenge/"
OTHER_MATCHER = re.compile(r"\b([A-Z][A-Za-z]*)\s*\(")
# Traefik's `headers` options that are one fixed response header: (name, value when `true`).
HEADER_KEYS = {
    "framedeny": ("X-Frame-Options", "DENY"),
    "customframeoptionsvalue": ("X-Frame-Options", ""),
    "contenttypenosniff": ("X-Content-Type-Options", "nosniff"),
    "browserxssfilter": ("X-XSS-Protection", "1; mode=block"),
    "contentsecuritypolicy": ("Content-Security-Policy", ""),
    "referrerpolicy": ("Referrer-Policy", ""),
    "permissionspolicy": ("Permissions-Policy", ""),
}
# Sections a spec has no place for, and why.
NOT_SITES = {
    "tcp": "TCP routers and services: a tlsconf site serves HTTP",
    "udp": "UDP routers and services: a tlsconf site serves HTTP",
    "http.serversTransports": "TLS to upstreams: the spec's upstreams are plain HTTP",
    "serversTransport": "TLS to upstreams: the spec's upstreams are plain HTTP",
}
# Middlewares that refuse requests (authentication, client addresses).
ACCESS = {"basicauth", "digestauth", "forwardauth", "ipallowlist", "ipwhitelist"}
CLIENT_AUTH = {"RequireAndVerifyClientCert": "required", "VerifyClientCertIfGiven": "optional"}


class _Ctx(Struct):
    doc: ingest.Doc
    log: Log
    options: dict[str, Subject]
    settings: Settings
    ports: dict[str, tuple[str, int]] = field(default_factory=dict)
    # entry point → (the TLS entry point it redirects to, its port, where): static redirections
    redirects: dict[str, tuple[str, int, Location]] = field(default_factory=dict)
    sites: list[common.SiteDraft] = field(default_factory=list)


def load(paths: Sequence[str], settings: Settings) -> Imported:
    docs = []
    for path in paths:
        _, _, text = read(path, "traefik")
        docs.append(ingest.read_doc(path, text))
    dynamic = [d for d in docs if get(d, d.data, (), "http")[0] is not None
               or get(d, d.data, (), "tls")[0] is not None]
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
    # By option name (a name may hold spaces; only the undefined default's has a suffix).
    options = {s.site.name.removeprefix("tls.options.").removesuffix(ingest.DEFAULT_SUFFIX)
               .lower(): s
               for s in subjects if s.site.name.startswith("tls.options.")}
    ctx = _Ctx(doc, Log(), options, settings)
    for static in docs:
        _entry_points(ctx, static)
    _routers(ctx)
    if not ctx.sites:
        raise TlsconfError.single(Location(doc.name), "http.routers", (
            "no TLS site to import: no HTTP router with `tls` and a `Host()` rule in this file "
            "(TLS options and middlewares alone are imported with the routers that use them)"))
    _certificates(ctx)
    default, default_path = get(doc, doc.data, (), "tls", "options", "default")
    if default is not None and all(d.section != "default" for d in ctx.sites):
        mark(ctx.doc, ctx.log, default_path, "clients without SNI get the default site's "
             "policy (tlsconf renders tls.options.default from it)", fate="approximated")
    for section, why in NOT_SITES.items():
        found, found_path = get(doc, doc.data, (), *section.split("."))
        if found is not None:
            mark(doc, ctx.log, found_path, why, fate="dropped")
    for static in docs:
        for key in ("global", "log", "providers", "api", "accessLog", "metrics", "ping"):
            found, found_path = static.get(static.data, (), key)
            if found is not None:  # (the corpus has static keys in dynamic files too)
                for sub in (found_path, *keys(static, found, found_path)):
                    ctx.log.drop(static.locate(sub), _dotted(sub), "static setting: tlsconf "
                                 "renders its own traefik.yml")
        _parents(ctx, static)
        ctx.log.finish([(static.locate(p), _dotted(p)) for p in keys(static, static.data, ())])
    common.settle(ctx.sites, ctx.log)
    assembled = common.assemble(ctx.sites)
    ctx.log.link(assembled.origins)
    findings = common.findings(doc.name, doc.text, list(subjects), settings)
    return Imported(assembled.spec, assembled.origins, ctx.log.entries(), findings,
                    assembled.notes)


def _parents(ctx: _Ctx, doc: ingest.Doc) -> None:
    """A key whose children were mapped is mapped too (`http.routers` holds the routers)."""
    for path in reversed(list(keys(doc, doc.data, ()))):
        parent = path[:-1]
        while parent and isinstance(parent[-1], int):
            parent = parent[:-1]
        entry = ctx.log.at.get(doc.locate(path))
        if parent and entry is not None and entry[2] != "dropped":
            ctx.log.mark(doc.locate(parent), _dotted(parent), "mapped", "holds the keys below")


def _entry_points(ctx: _Ctx, doc: ingest.Doc) -> None:
    table, table_path = get(doc, doc.data, (), "entryPoints")
    for name, entry in table.items() if isinstance(table, dict) else ():
        address, address_path = doc.get(entry, (*table_path, name), "address")
        host, _, port = str(address or "").rpartition(":")
        if port.isdigit():
            ctx.ports[str(name).lower()] = (host.strip("[]") or "0.0.0.0", int(port))
            ctx.log.mark(doc.locate(address_path), _dotted(address_path), "mapped",
                         "listen (address, https_port / http_port)")
        redirect, r_path = get(doc, entry, (*table_path, name), "http", "redirections",
                                "entryPoint")
        to, _ = doc.get(redirect, r_path, "to")
        scheme, _ = doc.get(redirect, r_path, "scheme")
        if to is not None and scheme == "https" and port.isdigit():
            ctx.redirects[str(to).lower()] = (str(name).lower(), int(port), doc.locate(r_path))
            for sub in (r_path, *keys(doc, redirect, r_path)):
                ctx.log.mark(doc.locate(sub), _dotted(sub), "mapped", "redirect_http")


def _routers(ctx: _Ctx) -> None:
    doc = ctx.doc
    routers, routers_path = get(doc, doc.data, (), "http", "routers")
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
            mark(ctx.doc, ctx.log, path, "no Host() rule: a tlsconf site serves named domains",
                  fate="dropped")
            continue
        if hosts in by_hosts:
            mark(ctx.doc, ctx.log, path, f"the same names as the router of site "
                 f"{by_hosts[hosts].name}, which is imported for them", fate="dropped")
            continue
        _other_matchers(ctx, rule, path)
        draft = _site(ctx, str(name), router, path, hosts)
        by_hosts[hosts] = draft
    for _name, router, path, hosts in later:
        target = by_hosts.get(hosts) or next(
            (d for d in ctx.sites if hosts and set(hosts) <= set(d.domains)), None) or next(
            (d for d in ctx.sites if _service(doc, router, path) == d.get(("pool",))), None)
        if target is None:
            mark(ctx.doc, ctx.log, path, "a path or wildcard route of no site", fate="dropped")
            continue
        prefix = PATH.search(str(doc.get(router, path, "rule")[0]))
        if prefix is None:  # the wildcard router of a site (tlsconf's output): its domain
            target.domains += tuple(h for h in hosts if h not in target.domains)
            target.set(("domains",), list(target.domains), target.origins[("domains",)])
            mark(ctx.doc, ctx.log, path, "domains (HostRegexp of one label)")
            continue
        pool = service_pool(ctx.doc, ctx.log, _service(doc, router, path), path)
        locations = list(target.get(("locations",)) or [])  # type: ignore[call-overload]
        at = len(locations)
        target.origin(("locations", at), doc.locate(path))
        for n, where in enumerate(pool.where):
            target.origin(("locations", at, "upstreams", n), where)
        mark(ctx.doc, ctx.log, path, "locations", f"sites[{target.index}].locations[{at}]")
        locations.append({"path": prefix.group(1), "upstreams": pool.upstreams})
        target.set(("locations",), locations, doc.locate(path))
    for name, router, path in plain:
        _plain(ctx, name, router, path)
    plain_hosts = [set(ingest.domains(doc.get(r, p, "rule")[0])) for _, r, p in plain]
    for draft in ctx.sites:
        if draft.get(("redirect_http",)) is False and not any(
                not hosts or hosts & set(draft.domains) for hosts in plain_hosts):
            draft.notes[("redirect_http",)] = common.NO_PLAIN_HTTP


def _other_matchers(ctx: _Ctx, rule: Any, path: Path) -> None:
    """Matchers beyond Host(), HostRegexp() and PathPrefix() (Headers, Method, ClientIP…) are
    not in a spec: the site takes every request for its names."""
    others = sorted(set(OTHER_MATCHER.findall(str(rule or ""))) - {"Host", "HostRegexp",
                                                                    "PathPrefix", "HostSNI"})
    if others:
        ctx.log.note(ctx.doc.locate(path), f"rule matchers {', '.join(others)} are not "
                     "imported: the site takes every request for its names")


def _service(doc: ingest.Doc, router: Any, path: Path) -> str:
    service, _ = doc.get(router, path, "service")
    return str(service or "")


def _site(ctx: _Ctx, name: str, router: Any, path: Path, hosts: tuple[str, ...]
          ) -> common.SiteDraft:
    doc = ctx.doc
    resolver, resolver_path = get(doc, router, path, "tls", "certResolver")
    if resolver is not None:
        raise TlsconfError.single(doc.locate(resolver_path), _dotted(resolver_path), (
            f"certificates from certResolver {resolver!r} (ACME inside Traefik): the spec names "
            "certificate files; obtain them with an ACME client (acme_upstream) and list them"))
    acme_names, acme_path = get(doc, router, path, "tls", "domains")
    if acme_names is not None:
        mark(doc, ctx.log, acme_path, "the names a certResolver requests: the spec's domains "
             "come from the rule", fate="dropped")
    reference, reference_path = get(doc, router, path, "tls", "options")
    option, _, provider = str(reference or "default").partition("@")
    option = option.lower()
    if provider not in ("", "file"):
        raise TlsconfError.single(doc.value(reference_path), _dotted(reference_path), (
            f"TLS option {reference!r} is another provider's: its policy is not in this file "
            "(import the file that defines it, or name an option of this one)"))
    subject = ctx.options.get(option) or ctx.options.get("default")
    if subject is None:
        raise TlsconfError.single(doc.locate(path), _dotted(path), "no TLS option to import")
    draft = common.SiteDraft(common.site_name(name.removeprefix("tlsconf_").replace("_", "-")),
                             hosts, doc.locate(path), subject, section=option)
    draft.set(("domains",), list(hosts), doc.locate(doc.get(router, path, "rule")[1]))
    entry_points, ep_path = doc.get(router, path, "entryPoints")
    names = [entry_points] if isinstance(entry_points, str) else list(entry_points or [])
    if not names and ctx.ports:  # Traefik: every entry point; the TLS one is the site's
        names = [next((ep for ep in ctx.ports if ep in ctx.redirects), None)
                 or next((ep for ep, (_, port) in ctx.ports.items() if port == 443), None)
                 or next(iter(ctx.ports))]
        ctx.log.note(doc.locate(path), f"no entryPoints: Traefik serves it on every entry "
                     f"point; the site listens on {names[0]}'s address")
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
    common.policy(draft, subject, ctx.log, None,
                  None if subject.site.tls.curves else _go_groups(ctx, option, subject))
    _option_extras(ctx, draft, option)
    draft.set(("redirect_http",), redirect, redirect_at if redirect else doc.locate(path))
    draft.set(("hsts",), {"enabled": False}, doc.locate(path))
    draft.notes[("hsts",)] = "no headers middleware with stsSeconds"
    service = _service(doc, router, path)
    pool = service_pool(ctx.doc, ctx.log, service, path)
    pool.into(draft, ("upstreams",), doc.locate(doc.get(router, path, "service")[1]))
    draft.set(("pool",), service, doc.locate(path))
    # Traefik passes WebSocket upgrades on every route, with no setting for it.
    draft.set(("websocket",), True, doc.locate(path))
    if pool.check:
        draft.set(("health_check",), pool.check, pool.check_at or doc.locate(path))
    if pool.balance:
        draft.set(("balance",), pool.balance, doc.locate(path))
    _middlewares(ctx, draft, router, path)
    mark(ctx.doc, ctx.log, path, "a site: domains, listen, tls, upstreams",
         f"sites[{len(ctx.sites)}]")
    return common.add(ctx.sites, draft)


def _go_groups(ctx: _Ctx, option: str, subject: Subject) -> common.ServerGroups:
    """What Traefik offers without `curvePreferences`: Go's default groups (X25519MLKEM768
    from Traefik 3.5)."""
    from tlsconf.names import GO_DEFAULT_GROUPS, GROUPS_BY_NAME, parse_version
    from tlsconf.targets.traefik import DEFAULT_VERSION

    version = ctx.settings.traefik_version or parse_version(DEFAULT_VERSION)
    groups = tuple(g for g in GO_DEFAULT_GROUPS if version >= GROUPS_BY_NAME[g].traefik_min)
    opts, path = get(ctx.doc, ctx.doc.data, (), "tls", "options", option)
    where = ctx.doc.locate(path) if opts is not None else subject.site.location
    return common.ServerGroups(groups, "no curvePreferences: Go's default groups (Traefik "
                               f"{'.'.join(map(str, version))})", where)


def _option_extras(ctx: _Ctx, draft: common.SiteDraft, option: str) -> None:
    doc = ctx.doc
    opts, path = get(doc, doc.data, (), "tls", "options", option)
    if opts is None:
        return
    mark(ctx.doc, ctx.log, path, f"tls (the policy of the sites using tls.options.{option})")
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


def _middlewares(ctx: _Ctx, draft: common.SiteDraft, router: Any, path: Path) -> None:
    """The router's middlewares (chains expanded in place, as the ingester reads them)."""
    doc = ctx.doc
    names, names_path = doc.get(router, path, "middlewares")
    table, table_path = get(doc, doc.data, (), "http", "middlewares")
    elsewhere: list[str] = []
    for mw, mw_path in ingest.chain(doc, names if isinstance(names, list) else [], table,
                                    table_path, elsewhere):
        _middleware(ctx, draft, mw, mw_path)
    _chains(ctx, names if isinstance(names, list) else [], table, table_path, 0)
    if elsewhere:
        ctx.log.note(doc.locate(names_path), "not in this file, not imported: "
                     + ", ".join(elsewhere))


def _chains(ctx: _Ctx, names: list[Any], table: Any, table_path: Path, depth: int) -> None:
    """`chain` middlewares are mapped: their members are imported in their place."""
    for name in names:
        mw, mw_path = ctx.doc.get(table, table_path, str(name).partition("@")[0])
        members, _ = get(ctx.doc, mw, mw_path, "chain", "middlewares")
        if isinstance(members, list) and depth < ingest.CHAIN_DEPTH:
            mark(ctx.doc, ctx.log, mw_path, "a chain: its members, in its place")
            _chains(ctx, members, table, table_path, depth + 1)


def _middleware(ctx: _Ctx, draft: common.SiteDraft, mw: Any, path: Path) -> None:
    doc = ctx.doc
    kind = next(iter(mw), "") if isinstance(mw, dict) else ""
    headers, h_path = doc.get(mw, path, "headers")
    if str(kind).lower() in ACCESS:
        mark(doc, ctx.log, path, f"{kind}: {common.ACCESS_DROPPED}", fate="dropped")
        return
    if headers is None:
        mark(doc, ctx.log, path, f"{kind}: no spec field", fate="dropped")
        return
    seconds, s_path = doc.get(headers, h_path, "stsSeconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
        sub, sub_path = doc.get(headers, h_path, "stsIncludeSubdomains")
        preload, preload_path = doc.get(headers, h_path, "stsPreload")
        draft.set(("hsts",), {"max_age": seconds, "include_subdomains": sub is True,
                              "preload": preload is True}, doc.locate(s_path))
        draft.notes.pop(("hsts",), None)
        for value, key_path in ((seconds, s_path), (sub, sub_path), (preload, preload_path)):
            if value is not None:
                mark(doc, ctx.log, key_path, "hsts")
    found = dict(draft.get(("headers",)) or {})  # type: ignore[call-overload]
    for key, value in headers.items() if isinstance(headers, dict) else ():
        key_path = (*h_path, key)
        name = HEADER_KEYS.get(str(key).lower())
        if str(key).lower() == "customresponseheaders" and isinstance(value, dict):
            found.update({str(k): str(v) for k, v in value.items()})
            draft.origin(("headers",), doc.locate(key_path))
            mark(doc, ctx.log, key_path, "headers")
        elif name is not None and value not in (None, False, ""):
            found[name[0]] = name[1] if value is True else str(value)
            draft.origin(("headers",), doc.locate(key_path))
            mark(doc, ctx.log, key_path, f"headers.{name[0]}")
        elif str(key).lower() == "forcestsheader":
            mark(doc, ctx.log, key_path, "hsts (tlsconf sends it on every TLS response)",
                 fate="approximated")
        elif not str(key).lower().startswith("sts"):
            mark(doc, ctx.log, key_path, f"{key}: no spec field (the spec's headers are fixed "
                 "response headers)", fate="dropped")
    if found:
        draft.set(("headers",), found, draft.origins.get(("headers",), doc.locate(h_path)))
    mark(doc, ctx.log, path, "hsts, headers")


def _plain(ctx: _Ctx, name: str, router: Any, path: Path) -> None:
    """A router without TLS: the redirect of the sites with its names, or their ACME path."""
    doc = ctx.doc
    rule = str(doc.get(router, path, "rule")[0] or "")
    hosts = set(ingest.domains(rule))
    targets = [d for d in ctx.sites if hosts & set(d.domains)] or (ctx.sites if not hosts
                                                                   else [])
    prefix = PATH.search(rule)
    if prefix and prefix.group(1) == ACME:
        acme = service_pool(ctx.doc, ctx.log, _service(doc, router, path), path)
        if not acme.upstreams:
            mark(ctx.doc, ctx.log, path, "its service has no server", fate="dropped")
            return
        for d in targets:
            d.set(("acme_upstream",), acme.upstreams[0]["address"], acme.where[0])
        mark(ctx.doc, ctx.log, path, "acme_upstream")
        return
    names, _ = doc.get(router, path, "middlewares")
    table, table_path = get(doc, doc.data, (), "http", "middlewares")
    for mw_name in names if isinstance(names, list) else []:
        mw, mw_path = doc.get(table, table_path, str(mw_name).partition("@")[0])
        scheme, _ = get(doc, mw, mw_path, "redirectScheme", "scheme")
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
            mark(ctx.doc, ctx.log, mw_path, "redirect_http")
            mark(ctx.doc, ctx.log, path, "redirect_http")
            return
    mark(ctx.doc, ctx.log, path, "plain-HTTP routing: a tlsconf site's port 80 only redirects and "
          "answers ACME challenges", fate="dropped")


def _default_site(ctx: _Ctx, default_cert: str, default_path: Path) -> None:
    """Who answers clients without SNI (or with an unknown name): nobody with `sniStrict` on
    the default option; else the site of the store's default certificate, else — Traefik's
    own self-signed certificate, which a spec cannot name — the first site on the default
    option (or the first site)."""
    doc = ctx.doc
    strict, strict_path = get(doc, doc.data, (), "tls", "options", "default", "sniStrict")
    if strict is True:
        return
    site = next((d for d in ctx.sites if default_cert and
                 d.get(("tls", "certificate")) == default_cert), None)
    where = doc.locate(default_path)
    if site is not None and site.section != "default" and any(
            d.section == "default" for d in ctx.sites):
        ctx.log.note(doc.locate(get(doc, doc.data, (), "tls", "options", "default")[1]),
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
    certs, certs_path = get(doc, doc.data, (), "tls", "certificates")
    pairs = [(str(c.get("certFile", "")), str(c.get("keyFile", "")), (*certs_path, i))
             for i, c in enumerate(certs if isinstance(certs, list) else [])
             if isinstance(c, dict)]
    default, default_path = get(doc, doc.data, (), "tls", "stores", "default",
                                 "defaultCertificate")
    # Each certificate's names, read once (a file that is not here names nothing): the first
    # certificate a name (or its one-label wildcard) is on serves it, as Traefik picks.
    serves: dict[str, tuple[str, str, Path]] = {}
    for cert, key, path in pairs:
        try:
            names = common.certificate_names(cert, doc.locate(path))
        except TlsconfError:
            continue
        for name in names:
            serves.setdefault(name, (cert, key, path))
    chosen: dict[int, tuple[str, str, Path]] = {}
    for index, draft in enumerate(ctx.sites):
        for name in draft.domains:
            found = serves.get(name) or serves.get("*." + name.partition(".")[2])
            if found is not None:
                chosen[index] = found
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
        mark(ctx.doc, ctx.log, path, "tls.certificate, tls.key")
    _default_site(ctx, default_cert, default_path)
    if default is not None:
        mark(ctx.doc, ctx.log, default_path, "default_server")
