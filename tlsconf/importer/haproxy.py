"""HAProxy config → a tlsconf spec, through the lint ingester's parse and TLS reduction.

`tlsconf.ingest.haproxy.binds` gives every `bind … ssl` with its resolved policy (one subject
per crt-list line, or per bind); this module adds what a spec needs beyond the policy:

* Sites: one per certificate (crt-list line, or each `crt` of a bind), named by tlsconf's own
  `set-var(txn.tls_site) str(NAME) if { ssl_fc_sni … }` lines when present, else after the
  first domain. Domains: the crt-list line's SNI filters, else the certificate's SANs (read
  from the file: without the file the site's names are unknown, exit 2). The first
  certificate of a listener is its `default_server` unless the bind has `strict-sni`.
* Routing: `use_backend B if COND` with COND an anonymous `{ … }` or named `acl`: a host
  (`ssl_fc_sni`, `hdr(host)`, `req.hdr(host)…`) picks the site serving that name — a name no
  certificate lists becomes a site of its own on the bind's first certificate —, a site name
  (`var(txn.tls_site) -m str NAME`, tlsconf's output), a path (`path_beg`) a `locations`
  entry, `hdr(Upgrade) -i websocket` turns `websocket` on. Anything else: the line is dropped
  (its condition named). `default_backend` (own or from defaults) is the site's pool.
* Pools: `balance` (roundrobin, leastconn, source), `server ADDR [weight N] [backup] [check
  inter T]`, `option httpchk [METH URI]` / `http-check send uri`; TLS to a server is dropped
  (the spec's upstreams are plain HTTP; the loss report says so).
* `http-request redirect scheme https` (or tlsconf's `redirect prefix https://…`), HSTS and
  other `set-header`s, `alpn h2`, `verify required|optional ca-file` (mTLS), `no-tls-tickets`,
  `prefer-client-ciphers`, `tune.ssl.lifetime`, and port 80's ACME backend
  (`path_beg /.well-known/acme-challenge/`).

Every keyword line is an `Entry`: mapped, approximated (how) or dropped (why) — a keyword this
module does not know is dropped as not understood.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from msgspec import Struct, field

from tlsconf.config import Settings
from tlsconf.errors import Location, TlsconfError
from tlsconf.importer import entries as report
from tlsconf.importer import haproxy_lines as lines
from tlsconf.importer import sites as common
from tlsconf.importer.model import Imported
from tlsconf.ingest import haproxy as ingest
from tlsconf.ingest import read
from tlsconf.ingest.common import parse_hsts
from tlsconf.ingest.haproxy import Line, Section, argument, option
from tlsconf.lint.model import Subject

# Keywords whose lines carry nothing a spec has, and why (what tlsconf renders instead).
DROPPED = {
    "log": "logging: tlsconf renders targets.haproxy.log", "chroot": "targets.haproxy.chroot",
    "stats": "targets.haproxy.stats_socket", "user": "targets.haproxy.user",
    "group": "targets.haproxy.group", "daemon": "targets.haproxy.daemon",
    "timeout": "tlsconf renders its own timeouts", "maxconn": "no spec field (limits)",
    "option": "no spec field", "nbthread": "process tuning: no spec field",
    "pidfile": "process setting: no spec field",
    "mode": "only mode http is imported (a tlsconf site serves HTTP)",
    "ssl-load-extra-files": "tlsconf renders its own (key beside the certificate)",
    "default-path": "tlsconf renders `default-path config`",
    "tune.ssl.default-dh-param": "no spec field: tlsconf's profiles use ECDHE (`dhparam` names "
                                 "a file)",
    "tune.ssl.keylog": "debugging: never rendered", "ca-base": "used to resolve ca-file paths",
    "crt-base": "used to resolve certificate paths",
    "ssl-server-verify": "TLS to upstreams is not in the spec (plain-HTTP upstreams)",
    "ssl-default-server-options": "TLS to upstreams is not in the spec",
    "ssl-default-server-ciphers": "TLS to upstreams is not in the spec",
    "ssl-default-server-ciphersuites": "TLS to upstreams is not in the spec",
}
OWN = "tlsconf renders it for every site"  # X-Forwarded-*, 421, 404 on unknown hosts
HAPROXY_SESSION_TIMEOUT = 300  # `tune.ssl.lifetime`'s default (seconds)


class _Context(Struct):
    path: str
    sections: list[Section]
    glob: dict[str, Line]
    backends: dict[str, Section]
    log: report.Log
    settings: Settings = field(default_factory=Settings)
    sites: list[common.SiteDraft] = field(default_factory=list)
    # Indexes kept as sites are added (`_add`), so each line is read in constant time: a
    # config of thousands of sites imports in linear time.
    by_section: dict[str, list[common.SiteDraft]] = field(default_factory=dict)
    by_name: dict[str, common.SiteDraft] = field(default_factory=dict)
    by_domain: dict[tuple[str, str], common.SiteDraft] = field(default_factory=dict)  # section
    served: dict[tuple[object, object], set[str]] = field(default_factory=dict)  # per listener
    redirect_at: list[Location | None] = field(default_factory=list)  # computed once
    crt_lists: dict[str, dict[int, list[str]]] = field(default_factory=dict)


def load(paths: Sequence[str], settings: Settings) -> Imported:
    configs = [p for p in paths if "crt-list" not in os.path.basename(p)]
    if len(configs) != 1:
        raise TlsconfError.single(Location(paths[0] if paths else "-"), "", (
            "import one HAProxy config at a time (its crt-lists are read through it); given "
            f"{len(configs)}"))
    path = configs[0]
    _, data, text = read(path, "haproxy")
    if ingest.is_crt_list(path, text):
        raise TlsconfError.single(Location(path), "", "a crt-list is imported through the "
                                  "config whose `bind … crt-list` names it: import that config")
    sections = ingest.parse(path, data, text)
    ingest.resolve_defaults(sections)
    log = report.Log()
    ctx = _Context(path, sections, ingest.global_lines(sections),
                   {s.name: s for s in sections if s.kind in ("backend", "listen")}, log,
                   settings)
    binds = ingest.binds(path, sections)
    subjects: list[Subject] = [s for b in binds for s in b.subjects]
    names = _site_names(sections)
    for bind in binds:
        _bind_sites(ctx, bind, names)
    if not ctx.sites:
        raise TlsconfError.single(Location(path), "", "no TLS site to import: no `bind … ssl` "
                                  "in a `mode http` frontend or listen section")
    for section in sections:
        _section_lines(ctx, section)
    for section in sections:
        if section.kind in ("frontend", "listen") and section.name in ctx.by_section:
            own = lines.header_lines(log, section)  # read once for all its sites
            hsts = ingest.hsts_line(section)
            for draft in ctx.by_section[section.name]:
                lines.headers(log, draft, section, own)
                _hsts(ctx, draft, section, hsts)
    _section_headers(ctx)
    log.finish([(s.loc, s.kind) for s in sections]
               + [(line.loc, line.words[0]) for s in sections for line in s.lines])
    common.settle(ctx.sites, ctx.log)
    assembled = common.assemble(ctx.sites)
    ctx.log.link(assembled.origins)
    return Imported(assembled.spec, assembled.origins, log.entries(),
                    common.findings(path, text, subjects, settings), assembled.notes)


# -- sites ------------------------------------------------------------------------------------


def _site_names(sections: list[Section]) -> dict[str, str]:
    """tlsconf's own output names each site: `set-var(txn.tls_site) str(NAME) if { ssl_fc_sni
    -i a b }` → a: NAME, b: NAME (the first line naming a domain)."""
    out: dict[str, str] = {}
    for section in sections:
        for line in section.lines:
            w = line.words
            match = re.fullmatch(r"set-var\(txn\.tls_site\)", w[1]) if len(w) > 3 else None
            name = re.fullmatch(r"str\(([a-z0-9-]+)\)", w[2]) if match else None
            if w[0] == "http-request" and name:
                terms = [t for t in lines.terms(w[4:], {}) if t[1] == "ssl_fc_sni"
                         and t[2] in ("", "str")]
                for domain in (n for t in terms for n in t[3]):
                    out.setdefault(domain, name.group(1))
    return out


def _bind_sites(ctx: _Context, bind: ingest.Bind, names: dict[str, str]) -> None:
    section, line, subjects = bind.section, bind.line, bind.subjects
    if section.mode != "http":
        ctx.log.drop(line, "bind", f"{section.kind} {section.name} is mode {section.mode}: a "
                     "tlsconf site serves HTTP")
        return
    address = line.words[1] if len(line.words) > 1 else ""
    if re.match(r"(quic[46]?|udp[46]?)@", address):
        ctx.log.drop(line, "bind", "QUIC (HTTP/3): tlsconf renders TCP listeners only")
        return
    listen = _listen(ctx, line, address)
    crts = [line.words[i + 1] for i, w in enumerate(line.words[:-1]) if w == "crt"]
    if option(line.words, "crt-list") is None and len(crts) > 1:
        subjects = tuple(common.with_certificate(subjects[0], c) for c in crts)
    first = True
    first_index = len(ctx.sites)
    for subject in subjects:
        cert = _cert_path(ctx, subject.site.tls.certificate, line)
        domains = subject.site.domains or common.certificate_names(cert, subject.site.location)
        earlier = ctx.served.get((listen["address"], listen["https_port"]), set())
        if earlier >= set(domains):
            ctx.log.drop(subject.site.location, "crt-list line" if subject.site.location.file
                         != ctx.path else "crt", "every name it lists is listed before it on "
                         "the listener: HAProxy never selects this certificate for them")
            continue
        name = next((names[d] for d in domains if d in names), "")
        draft = common.SiteDraft(common.site_name(name or domains[0]), domains,
                                 subject.site.location, subject, section=section.name)
        draft.set(("domains",), list(domains), subject.site.location)
        if subject.site.location.file != ctx.path:
            ctx.log.mark(subject.site.location, "crt-list line", "mapped",
                         "tls.certificate, domains (SNI filters), per-site TLS options",
                         f"sites[{len(ctx.sites)}]")
        draft.set(("listen",), dict(listen), line.loc)
        _tls(ctx, draft, subject, line, cert)
        if first and "strict-sni" not in line.words:
            draft.set(("default_server",), True, line.loc)
        first = False
        draft.set(("http2",), "h2" in (option(line.words, "alpn") or "").split(","), line.loc)
        redirect = subject.facts.http_redirect is True
        redirect_at = _redirect_line(ctx)
        draft.set(("redirect_http",), redirect, redirect_at or line.loc)
        if subject.facts.http_redirect is None:  # no plain-HTTP bind at all
            draft.notes[("redirect_http",)] = common.NO_PLAIN_HTTP
        if redirect and redirect_at and listen["https_port"] != 443:
            ctx.log.note(redirect_at, f"tlsconf redirects to port {listen['https_port']} (the "
                         "TLS listener); `redirect scheme https` keeps the Host's port (443 "
                         "when it names none)")
        _add(ctx, draft)
    ctx.log.mark(line, "bind", "mapped", "listen, tls, http2", f"sites[{first_index}].listen")


def _add(ctx: _Context, draft: common.SiteDraft) -> None:
    common.add(ctx.sites, draft)
    ctx.by_section.setdefault(draft.section, []).append(draft)
    ctx.by_name.setdefault(draft.name, draft)
    listen = draft.get(("listen",))
    where = (listen.get("address"), listen.get("https_port")) if isinstance(listen, dict) \
        else (None, None)
    for name in draft.domains:
        ctx.by_domain.setdefault((draft.section, name), draft)
        ctx.served.setdefault(where, set()).add(name)


def _redirect_line(ctx: _Context) -> Location | None:
    """Where the plain-HTTP listener redirects to https (the ingester judged that it does)."""
    if not ctx.redirect_at:
        ctx.redirect_at.append(_find_redirect(ctx))
    return ctx.redirect_at[0]


def _find_redirect(ctx: _Context) -> Location | None:
    for section in ctx.sections:
        if section.kind in ("frontend", "listen") and ingest.redirects(section):
            for line in section.lines:
                if line.words[0] in ("redirect", "http-request") and "https" in " ".join(
                        line.words) and "redirect" in line.words[:2]:
                    return line.loc
    return None


def _listen(ctx: _Context, line: Line, address: str) -> dict[str, object]:
    parts = address.split(",")
    host, _, port = parts[0].rpartition(":")
    host = host.strip("[]")
    if host in ("", "*"):
        host = "0.0.0.0"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise TlsconfError.single(line.loc, "bind", f"address {parts[0]!r}: the port must be a "
                                  "number from 1 to 65535 (a range or a variable is not a "
                                  "site's listener)")
    out: dict[str, object] = {"address": host, "https_port": int(port)}
    plain = _plain_port(ctx, line)
    if plain is not None:
        out["http_port"] = plain
    if len(parts) > 1:
        ctx.log.note(line, f"only the first address ({parts[0]}) is listened on; "
                     f"{', '.join(parts[1:])} dropped")
    return out


def _plain_port(ctx: _Context, bind: Line) -> int | None:
    """The port of a plain-HTTP bind: the TLS bind's own section first, then any other."""
    own = [s for s in ctx.sections if bind in s.lines]
    for section in own + [s for s in ctx.sections if s.kind in ("frontend", "listen")]:
        for line in section.lines:
            if line.words[0] == "bind" and "ssl" not in line.words and len(line.words) > 1:
                port = line.words[1].split(",")[0].rpartition(":")[2]
                if port.isdigit():
                    return int(port)
    return None


def _cert_path(ctx: _Context, cert: str, line: Line) -> str:
    """A relative certificate path is under `crt-base`, else the config's directory."""
    if not cert:
        raise TlsconfError.single(line.loc, "bind", "no `crt` or `crt-list`: no certificate")
    if cert.endswith("/") or os.path.isdir(cert):
        raise TlsconfError.single(line.loc, "bind", (
            f"crt {cert}: a directory of certificates (each one a site, its names in the "
            "file): list them in a crt-list to import them"))
    if os.path.isabs(cert):
        return cert
    return _under(ctx, "crt-base", cert)


def _under(ctx: _Context, keyword: str, path: str) -> str:
    """A relative `crt`/`ca-file` path under `crt-base`/`ca-base` (a bare keyword is exit 2 at
    its line, as HAProxy refuses it), else under the config's directory."""
    base = ctx.glob.get(keyword)
    root = argument(base) if base is not None else os.path.dirname(ctx.path)
    return os.path.normpath(os.path.join(os.path.abspath(root), path))


def _tls(ctx: _Context, draft: common.SiteDraft, subject: Subject, line: Line,
         cert: str) -> None:
    defaults = ctx.glob.get("ssl-default-bind-options")
    words = line.words + (defaults.words[1:] if defaults else [])
    key = cert + ".key" if os.path.exists(cert + ".key") else cert
    if key == cert:
        ctx.log.note(subject.site.location, f"tls.key is the certificate file: no {cert}.key "
                     "here, so HAProxy reads the key from the PEM")
    draft.set(("tls", "certificate"), cert, subject.site.location)
    draft.set(("tls", "key"), key, subject.site.location)
    # HAProxy enforces the server's order unless `prefer-client-ciphers`.
    common.policy(draft, subject, ctx.log, "prefer-client-ciphers" not in words,
                  None if subject.site.tls.curves else _default_groups(ctx, line))
    if draft.has(("tls", "prefer_server_ciphers")):  # where `prefer-client-ciphers` is not
        draft.origin(("tls", "prefer_server_ciphers"), defaults.loc if defaults else line.loc)
    if "no-tls-tickets" not in words:
        draft.set(("tls", "session_tickets"), True, line.loc)
    lifetime = ctx.glob.get("tune.ssl.lifetime")
    if lifetime is None:  # HAProxy's own 300 s, not the spec's default of a day
        draft.set(("tls", "session_timeout"), HAPROXY_SESSION_TIMEOUT, line.loc)
        draft.notes[("tls", "session_timeout")] = ("HAProxy's default (300 s): no "
                                                   "tune.ssl.lifetime")
    else:
        text = argument(lifetime)
        seconds = lines.seconds_of(text, "s")
        if seconds is None:
            raise TlsconfError.single(lifetime.loc, "tune.ssl.lifetime", (
                f"{text!r} is not a time (seconds, or a number with ms, s, m, h or d); HAProxy "
                "refuses the line"))
        if round(seconds) != 86400:
            draft.set(("tls", "session_timeout"), max(60, min(round(seconds), 604800)),
                      lifetime.loc)
    own = _crt_list_options(ctx, subject.site.location)
    verify = option(own, "verify") or option(line.words, "verify")
    ca = option(own, "ca-file") or option(line.words, "ca-file")
    if verify in ("required", "optional") and ca:
        if not os.path.isabs(ca):
            ca = _under(ctx, "ca-base", ca)
        draft.set(("tls", "client_auth"), {"ca": os.path.abspath(ca), "mode": verify}, line.loc)
    dh = ctx.glob.get("ssl-dh-param-file")
    if dh is not None and len(dh.words) > 1:
        draft.set(("tls", "dhparam"), dh.words[1], dh.loc)
        ctx.log.mark(dh, dh.words[0], "mapped", "tls.dhparam",
                     f"sites[{len(ctx.sites)}].tls.dhparam")


def _default_groups(ctx: _Context, line: Line) -> common.ServerGroups | None:
    """What HAProxy offers without `curves`: its OpenSSL's default groups (measured for 3.0;
    `openssl:` in the settings names another release, whose list is left to the profile)."""
    from tlsconf.names import (
        OPENSSL_30_DEFAULT_GROUPS,
        OPENSSL_DEFAULT_GROUPS_UNTIL,
        parse_version,
    )
    from tlsconf.targets.haproxy import DEFAULT_OPENSSL

    openssl = ctx.settings.openssl or parse_version(DEFAULT_OPENSSL)
    where = line.loc  # where `curves` would be
    if openssl >= OPENSSL_DEFAULT_GROUPS_UNTIL:
        ctx.log.note(where, "no curves: OpenSSL {}'s default groups are not known to tlsconf; "
                     "the spec leaves them to the profile".format(".".join(map(str, openssl))))
        return None
    return common.ServerGroups(OPENSSL_30_DEFAULT_GROUPS, "no curves: OpenSSL 3.0's default "
                               "groups", where)


def _crt_list_options(ctx: _Context, where: Location) -> list[str]:
    """The `[options]` of the crt-list line a subject comes from (none for a bind's own)."""
    if where.file == ctx.path:
        return []
    if where.file not in ctx.crt_lists:
        from tlsconf.source import decode, read_bytes

        text = decode(where.file, read_bytes(where.file))
        ctx.crt_lists[where.file] = {loc.line: options for loc, options, _, _ in
                                     ingest.crt_list_lines(where.file, text)}
    return ctx.crt_lists[where.file].get(where.line, [])


# -- routing ----------------------------------------------------------------------------------


def _section_lines(ctx: _Context, section: Section) -> None:
    mine = ctx.by_section.get(section.name, []) if section.kind in ("frontend", "listen") \
        else []
    acls = lines.acls(section)
    for line in section.lines:
        w = line.words
        key = w[0]
        if key == "bind":
            if "ssl" not in w:
                ctx.log.mark(line, key, "mapped", "listen.http_port")
            continue
        if key in ("use_backend", "default_backend") and len(w) > 1 and mine:
            if key == "default_backend":
                _default(ctx, mine, w[1], line)
            else:
                found = lines.route(line, w[1], w[2:], acls)
                if isinstance(found, str):
                    ctx.log.drop(line, key, found)
                else:
                    _apply(ctx, mine, found)
            continue
        if key in ("use_backend", "default_backend") and len(w) > 1 and \
                section.kind == "frontend" and \
                any(x.words[0] == "bind" and "ssl" not in x.words for x in section.lines):
            _acme(ctx, line, w, acls)
            continue
        lines.line_fate(ctx.log, line, section, DROPPED, OWN)
    if mine and section.kind == "listen" and not any(d.has(("upstreams",)) for d in mine):
        _default(ctx, mine, section.name, section)  # a listen section serves itself
    if mine and section.defaults is not None and not any(
            d.has(("upstreams",)) for d in mine):
        name = section.defaults.value("default_backend")
        if name:
            _default(ctx, mine, name, section.defaults)


def _hsts(ctx: _Context, draft: common.SiteDraft, section: Section,
          found: tuple[Line, str] | None) -> None:
    """The site's own Strict-Transport-Security: its frontend's rule (`found`), else its
    pool's."""
    main = ctx.backends.get(str(draft.get(("pool",)) or ""))
    if found is None and main is not None:
        found = ingest.hsts_line(main)
    if found is None:
        draft.set(("hsts",), {"enabled": False}, section.loc)
        draft.notes[("hsts",)] = "no Strict-Transport-Security header"
        return
    hsts = parse_hsts(found[1])
    draft.set(("hsts",), {"max_age": hsts.max_age, "include_subdomains": hsts.include_subdomains,
                          "preload": hsts.preload}, found[0].loc)


def _section_headers(ctx: _Context) -> None:
    """Each section's own entry, once every route is known: mapped when it serves an imported
    site (its frontend, a backend a site uses, port 80's redirect and ACME path)."""
    used = {name for d in ctx.sites for name in d.backends}
    for section in ctx.sections:
        serving = section.kind in ("global", "defaults") or (
            section.kind in ("frontend", "listen") and (section.name in ctx.by_section or any(
                x.words[0] == "bind" and "ssl" not in x.words for x in section.lines))) or (
            section.kind in ("backend", "listen") and section.name in used)
        ctx.log.mark(section, section.kind, "mapped" if serving else "dropped",
                     "the section of the lines below" if serving
                     else "no TLS site is served by it")


def _default(ctx: _Context, sites: list[common.SiteDraft], name: str,
             line: Line | Section) -> None:
    backend = ctx.backends.get(name)
    key = line.words[0] if isinstance(line, Line) else line.kind
    if backend is None:
        ctx.log.drop(line, key, f"no backend {name!r} in this config")
        return
    for draft in sites:
        if not draft.has(("upstreams",)):
            lines.pool(ctx.log, draft, backend, line, ())
    if isinstance(line, Line):
        ctx.log.mark(line, key, "mapped", "upstreams")


def _apply(ctx: _Context, sites: list[common.SiteDraft], route: lines.Route) -> None:
    backend = ctx.backends.get(route.backend)
    if backend is None:
        ctx.log.drop(route.line, "use_backend", f"no backend {route.backend!r} in this config")
        return
    section = sites[0].section
    if route.sites:
        named = [ctx.by_name[n] for n in route.sites if n in ctx.by_name]
        targets = [d for d in named if d.section == section and (not route.hosts or any(
            (section, h) in ctx.by_domain and ctx.by_domain[(section, h)] is d
            for h in route.hosts))]
    elif route.hosts:
        found = [ctx.by_domain.get((section, h)) for h in route.hosts]
        targets = list({id(d): d for d in found if d is not None}.values())
    else:
        targets = list(sites)
    if route.hosts and not targets and not route.sites:
        base = sites[0]
        draft = base.split(common.site_name(route.hosts[0]), route.hosts, route.line.loc)
        _add(ctx, draft)
        targets = [draft]
        ctx.log.note(route.line, f"names {', '.join(route.hosts)} no certificate lists: a site "
                     f"of their own on {base.name}'s certificate and policy")
    for draft in targets:
        if route.sni and draft.get(("default_server",)) is True:
            ctx.log.note(route.line, f"clients without SNI (or with another name) are served "
                         f"site {draft.name} (default_server), so they get this route too")
        if route.websocket:
            draft.set(("websocket",), True, route.line.loc)
            ctx.log.note(route.line, "WebSocket upgrades go to the site's upstreams (the spec "
                         f"routes by path, not by the Upgrade header); backend {route.backend} "
                         "is not imported for it")
            continue
        lines.pool(ctx.log, draft, backend, route.line, route.paths)
    if targets:
        field = f"locations {', '.join(route.paths)}" if route.paths else "upstreams"
        ctx.log.mark(route.line, "use_backend", "mapped",
                     f"{field} of {', '.join(d.name for d in targets)}",
                     f"sites[{targets[0].index}].{'locations' if route.paths else 'upstreams'}")
    else:
        ctx.log.drop(route.line, "use_backend", "no imported site serves the names or the "
                     "site it names")


def _acme(ctx: _Context, line: Line, w: list[str], acls: dict[str, list[str]]) -> None:
    """Port 80: the backend of the ACME path (http-01 challenges) is `acme_upstream`."""
    found = lines.route(line, w[1], w[2:], acls) if w[0] == "use_backend" else None
    backend = ctx.backends.get(w[1])
    acme_acl = any(lines.ACME in v for v in acls.values())
    if isinstance(found, str) or backend is None or not (
            (found is not None and found.acme) or acme_acl):
        ctx.log.drop(line, w[0], "plain-HTTP routing: a tlsconf site's port 80 only redirects "
                     "and answers ACME challenges")
        return
    server = next((x for x in backend.lines if x.words[0] == "server" and len(x.words) > 2),
                  None)
    if server is None:
        ctx.log.drop(line, w[0], f"backend {w[1]} has no server")
        return
    chosen = ctx.sites if found is None or not found.sites else [
        ctx.by_name[n] for n in found.sites if n in ctx.by_name]
    for draft in chosen:
        draft.set(("acme_upstream",), server.words[2], server.loc)
        draft.backends.add(backend.name)
    ctx.log.mark(line, w[0], "mapped", "acme_upstream")
