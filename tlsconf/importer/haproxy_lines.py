"""HAProxy import, the line-level half: a backend → an upstream pool (servers, balance, health
check, WebSocket tunnel, response headers), the fate of every other keyword line, and a
`use_backend` condition → its route (host, site, path, WebSocket; anything else: why not)."""

from __future__ import annotations

import re

from msgspec import Struct

from tlsconf.importer.entries import Log
from tlsconf.importer.sites import ACCESS_DROPPED, SiteDraft
from tlsconf.ingest.haproxy import Line, Section, option

BALANCE = {"roundrobin": "round_robin", "leastconn": "least_conn", "source": "ip_hash"}
OWN_HEADERS = ("x-forwarded-proto", "x-real-ip", "x-forwarded-for")
# Request checks a spec cannot express: dropping them opens the site to what they refused.
ACCESS = {"deny", "auth", "reject", "tarpit", "silent-drop"}
# A server's TLS options (the spec's upstreams are plain HTTP): flags, then those with a value.
SERVER_TLS_FLAGS = ("ssl", "check-ssl", "force-tlsv12", "force-tlsv13", "no-sslv3")
SERVER_TLS_VALUED = ("verify", "ca-file", "sni", "crt", "alpn", "ssl-min-ver", "ssl-max-ver",
                     "ciphers", "curves")


def seconds_of(text: str, unit: str) -> float | None:
    """HAProxy time (`2s`, `1500`, `1m`, `1d`; a bare number is in `unit`) → seconds, or None
    when HAProxy would refuse it."""
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", text)
    if not match:
        return None
    value = int(match.group(1))
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2) or unit]


def _interval(text: str) -> int:
    """A check's `inter` (milliseconds when bare) → whole seconds (at least 1), 2 s when it
    does not parse."""
    seconds = seconds_of(text, "ms")
    return 2 if seconds is None else max(1, min(3600, round(seconds)))


def _last(words: list[str], name: str) -> str | None:
    """The value of a server option's last occurrence (its own over `default-server`'s)."""
    at = [i for i, w in enumerate(words[:-1]) if w == name]
    return words[at[-1] + 1] if at else None


def servers(log: Log, backend: Section
            ) -> tuple[list[dict[str, object]], list[Line], int | None]:
    """The backend's `server` lines → upstreams (and their lines); the health-check interval
    when any has `check` (`inter`, HAProxy's default 2 s)."""
    out: list[dict[str, object]] = []
    used: list[Line] = []
    interval: int | None = None
    inherited: list[str] = []  # `default-server` options (defaults section, then backend)
    for line in (backend.defaults.lines if backend.defaults else []) + backend.lines:
        if line.words[0] == "default-server":
            inherited += line.words[1:]
    for line in backend.lines:
        if line.words[0] == "default-server":
            log.mark(line, "default-server", "mapped", "the options of the servers below")
            continue
        if line.words[0] != "server" or len(line.words) < 3:
            continue
        w = [*line.words[:3], *inherited, *line.words[3:]]  # a server's own options last
        upstream: dict[str, object] = {"address": w[2]}
        if ":" not in w[2].rsplit("]", 1)[-1]:
            log.drop(line, "server", f"address {w[2]!r} has no port: the spec needs host:port")
            continue
        weight = _last(w, "weight")
        if weight is not None and weight.isdigit() and int(weight) != 1:
            if int(weight) == 0:
                log.drop(line, "server", "weight 0 (takes no traffic)")
                continue
            upstream["weight"] = min(int(weight), 256)
        if "backup" in w:
            upstream["backup"] = True
        if "check" in w:
            inter = _last(w, "inter")
            found = _interval(inter) if inter else 2
            interval = found if interval is None else min(interval, found)
        if "ssl" in w:
            tls = [word for i, word in enumerate(w[3:], 3)
                   if word in SERVER_TLS_FLAGS + SERVER_TLS_VALUED
                   or w[i - 1] in SERVER_TLS_VALUED]
            log.note(line, "TLS to this server dropped (the spec's upstreams are plain "
                     "HTTP): " + " ".join(tls))
        out.append(upstream)
        used.append(line)
        log.mark(line, "server", "mapped", "upstreams")
    return out, used, interval


def health(log: Log, backend: Section, interval: int | None) -> dict[str, object] | None:
    """`option httpchk [METH] [URI]` (or `http-check send … uri URI`) with `check` servers."""
    chk = next((x for x in backend.lines if x.words[:2] == ["option", "httpchk"]), None)
    if chk is None:
        if interval is not None:
            for line in backend.lines:
                if line.words[0] == "server" and "check" in line.words:
                    log.note(line, "a TCP-connect `check` is dropped: the spec's health "
                             "checks are HTTP (add health_check)")
        return None
    path = "/"
    args = chk.words[2:]
    if len(args) >= 2 and args[1].startswith("/"):
        path = args[1]
    elif args and args[0].startswith("/"):
        path = args[0]
    log.mark(chk, "option httpchk", "mapped", "health_check")
    for line in backend.lines:
        if line.words[:2] == ["http-check", "send"]:
            uri = option(line.words, "uri")
            if uri:
                path = uri
            log.mark(line, "http-check send", "mapped", "health_check.path")
    if interval is None:
        log.note(chk, "no server has `check`: health_check as the spec renders it (interval 2s)")
    return {"path": path.split("?", 1)[0], "interval": interval or 2}


def pool(log: Log, draft: SiteDraft, backend: Section, use: Line | Section,
         paths: tuple[str, ...]) -> None:
    """The backend `use` sends to: the site's pool, or a `locations` entry per path."""
    if not paths and draft.has(("upstreams",)):
        log.note(use, f"an earlier rule already sends {draft.name}'s requests elsewhere (the "
                 "first match wins)")
        return
    upstreams, used, interval = servers(log, backend)
    if not upstreams:
        log.drop(use, use.words[0] if isinstance(use, Line) else use.kind,
                 f"backend {backend.name} has no server the spec can hold")
        return
    draft.backends.add(backend.name)
    websocket = any(x.words[:2] == ["timeout", "tunnel"] for x in backend.lines)
    if paths:
        for line in backend.lines:
            if line.words[0] in ("balance", "option", "http-check", "http-response",
                                 "http-after-response"):
                log.mark(line, line.words[0], "approximated", "a location takes its site's "
                         "balance, health check and response headers")
        locations = list(draft.get(("locations",)) or [])  # type: ignore[call-overload]
        for path in paths:
            entry: dict[str, object] = {"path": path, "upstreams": upstreams}
            if websocket:
                entry["websocket"] = True
            draft.origin(("locations", len(locations)), use.loc)
            for n, line in enumerate(used):
                draft.origin(("locations", len(locations), "upstreams", n), line.loc)
            locations.append(entry)
        draft.set(("locations",), locations, use.loc)
        return
    draft.set(("upstreams",), upstreams, backend.loc)
    for n, line in enumerate(used):
        draft.origin(("upstreams", n), line.loc)
    draft.set(("pool",), backend.name, backend.loc)
    for line in backend.lines:
        w = line.words
        if w[0] == "balance" and len(w) > 1:
            if w[1] in BALANCE:
                if w[1] != "roundrobin":
                    draft.set(("balance",), BALANCE[w[1]], line.loc)
                log.mark(line, "balance", "mapped", "balance")
            else:
                log.drop(line, "balance", f"balance {w[1]}: allowed are roundrobin, leastconn, "
                         "source (round_robin, least_conn, ip_hash)")
    check = health(log, backend, interval)
    if check is not None:
        chk = next(x for x in backend.lines if x.words[:2] == ["option", "httpchk"])
        draft.set(("health_check",), check, chk.loc)
    if websocket:
        draft.set(("websocket",), True, backend.loc)
    headers(log, draft, backend)


def header_lines(log: Log, section: Section) -> list[Line]:
    """The section's `http-response|http-after-response set-header NAME VALUE` lines a spec's
    `headers` can hold (fixed values on every response), each given its fate."""
    out = []
    for line in section.lines:
        w = line.words
        if w[0] in ("http-response", "http-after-response") and len(w) >= 4 \
                and w[1] in ("set-header", "add-header"):
            key = f"{w[0]} {w[1]}"
            if w[2].lower() == "strict-transport-security":
                log.mark(line, key, "mapped", "hsts")
            elif "%[" in w[3] or len(w) > 4:
                log.drop(line, key, "a dynamic or conditional header: the spec's headers are "
                         "fixed values on every response")
            else:
                out.append(line)
                log.mark(line, key, "mapped", "headers")
    return out


def headers(log: Log, draft: SiteDraft, section: Section,
            found: list[Line] | None = None) -> None:
    """The section's fixed response headers (`header_lines`, or those already `found`) are
    the site's `headers`."""
    kept = dict(draft.get(("headers",)) or {})  # type: ignore[call-overload]
    for line in header_lines(log, section) if found is None else found:
        kept[line.words[2]] = line.words[3]
        draft.set(("headers",), kept, line.loc)


def line_fate(log: Log, line: Line, section: Section, dropped: dict[str, str],
              own: str) -> None:
    """Every line that is not a bind, a route or a backend's: what became of it."""
    w = line.words
    key = w[0]
    if key.startswith("ssl-default-bind-"):
        log.mark(line, key, "mapped", "tls (every site on these binds)")
    elif key in ("redirect", "http-request") and "https" in " ".join(w) and (
            w[1:2] == ["redirect"] or key == "redirect"):
        log.mark(line, " ".join(w[:2]), "mapped", "redirect_http")
    elif key in ("http-response", "http-after-response") or key == "rspadd":
        if not log.has(line):
            log.drop(line, " ".join(w[:2]), "not a header of a site's responses")
    elif key == "http-request" and w[1:2] == ["set-header"] and len(w) > 2 \
            and w[2].lower() in OWN_HEADERS:
        log.mark(line, "http-request set-header", "approximated", own)
    elif key == "http-request" and len(w) > 1 and w[1].startswith("set-var(txn.") and \
            w[1][12:].startswith(("tls_site", "host_site")):
        log.mark(line, "http-request set-var", "approximated",
                 "site names and domains: " + own)
    elif key == "http-request" and w[1:3] == ["return", "status"]:
        log.mark(line, "http-request return", "approximated", own)
    elif w[:2] == ["option", "forwardfor"]:
        log.mark(line, "option forwardfor", "approximated", own)
    elif w == ["mode", "http"]:
        log.mark(line, key, "mapped", "a tlsconf site serves HTTP")
    elif key == "acl":
        log.mark(line, "acl", "mapped", "conditions of the routes that use it")
    elif key in ("http-request", "tcp-request") and set(w[1:4]) & ACCESS:
        log.drop(line, " ".join(w[:2]), ACCESS_DROPPED)
    elif key in dropped:
        log.drop(line, key, dropped[key])
    elif key == "tune.ssl.lifetime":
        log.mark(line, key, "mapped", "tls.session_timeout")
    elif key == "ssl-dh-param-file":
        log.mark(line, key, "mapped", "tls.dhparam")
    elif section.kind in ("backend", "listen") and key in (
            "balance", "server", "http-check", "default-server") and not log.has(line):
        log.drop(line, key, f"backend {section.name} is not used by an imported site")


# -- routing conditions -----------------------------------------------------------------------

# Fetches whose exact (`-m str`, the default) match names hosts: the SNI name or the Host.
HOST_FETCHES = ("ssl_fc_sni", "req.ssl_sni", "hdr(host)", "req.hdr(host)", "req.hdr(host),"
                "field(1,:)", "hdr(host),field(1,:)", "req.hdr(host),host_only")
SITE_VARS = ("var(txn.tls_site)", "var(txn.host_site)")
ACME = "/.well-known/acme-challenge/"


class Route(Struct):
    line: Line
    backend: str
    hosts: tuple[str, ...] = ()
    sni: bool = False  # a host condition on the SNI name (`ssl_fc_sni`), not the Host header
    sites: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    websocket: bool = False
    acme: bool = False


def acls(section: Section) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in section.lines:
        if line.words[0] == "acl" and len(line.words) > 2:
            out.setdefault(line.words[1], []).extend(["{", *line.words[2:], "}"])
    return out


Term = tuple[bool, str, str, list[str]]  # negated, fetch, match method (`-m`), values


def terms(words: list[str], acls: dict[str, list[str]]) -> list[Term]:
    """A condition's terms: (negated, fetch, match method, values without flags); named ACLs
    expanded. A term with `-f FILE` (values from a file) has method `file`."""
    out: list[Term] = []
    i = 0
    while i < len(words):
        negated = words[i].startswith("!")
        word = words[i].lstrip("!")
        if word == "{" or (negated and word == "" and words[i + 1:i + 2] == ["{"]):
            end = words.index("}", i) if "}" in words[i:] else len(words)
            body = words[i + 1:end] if word == "{" else words[i + 2:end]
            method, values = condition_values(body[1:])
            out.append((negated, body[0] if body else "", method, values))
            i = end + 1
        elif word in acls:
            for term in terms(acls[word], {}):
                out.append((negated != term[0], *term[1:]))
            i += 1
        else:
            out.append((negated, word, "", []))  # `or`, `if`, an unknown ACL: not understood
            i += 1
    return out


def condition_values(words: list[str]) -> tuple[str, list[str]]:
    """(match method, values) of a term's words after the fetch: `-m METHOD`, `-f` (file),
    flags (`-i`) left out, values lower-cased."""
    method, out, skip = "", [], ""
    for w in words:
        if skip:
            method = "file" if skip == "-f" else w
            skip = ""
        elif w in ("-m", "-f"):
            skip = w
        elif not w.startswith("-"):
            out.append(w.lower())
    return method, out


def route(line: Line, backend: str, cond: list[str], acls: dict[str, list[str]]
          ) -> Route | str:
    """A `use_backend` line's route, or why it cannot be imported."""
    if cond[:1] == ["unless"]:
        return f"`unless` conditions are not imported: {' '.join(cond)}"
    found = Route(line, backend)
    for negated, fetch, method, values in terms(cond[1:], acls):
        if negated:
            return f"negated condition not imported: {' '.join(cond)}"
        exact = method in ("", "str")
        if fetch in HOST_FETCHES and values and exact:
            found.hosts += tuple(values)
            found.sni = found.sni or fetch in ("ssl_fc_sni", "req.ssl_sni")
        elif fetch in SITE_VARS and values and exact:
            found.sites += tuple(values)
        elif values and ((fetch == "path_beg" and exact) or (fetch == "path" and method == "beg")):
            found.paths += tuple(values)
            found.acme = found.acme or ACME in values
        elif fetch.lower() in ("hdr(upgrade)", "req.hdr(upgrade)") and values == ["websocket"] \
                and exact:
            found.websocket = True
        else:
            return f"condition not understood: {' '.join(cond)}"
    return found
