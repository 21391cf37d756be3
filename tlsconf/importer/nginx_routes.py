"""A TLS server's locations and upstream pools, and its port-80 server → the site's
`upstreams`, `balance`, `health_check`, `websocket`, `locations`, `redirect_http`,
`acme_webroot` / `acme_upstream`.

tlsconf proxies every route to plain-HTTP upstreams with fixed request headers, so: a
`location /` that proxies is the site's default route (without one the server is not a site
tlsconf can render: the import fails with the reason); other plain-prefix locations that
proxy are `locations`; regex, exact and named locations, and locations serving files, are
dropped. `upstream` blocks become upstream lists with weights and backups; `least_conn` and
`ip_hash` the balance; `fail_timeout` (nginx's passive checks) the health-check interval.
"""

from __future__ import annotations

import re

from msgspec import Struct

from tlsconf.errors import Path
from tlsconf.grammar import abs_path, host_port, url_path
from tlsconf.importer.nginx_out import Out, seconds, valid
from tlsconf.ingest.nginx import Node, is_redirect
from tlsconf.lint.model import Subject

ACME = "/.well-known/acme-challenge/"
INTERVAL_MAX = 3600  # spec `health_check.interval`
BALANCE = {"least_conn": "least_conn", "ip_hash": "ip_hash"}
# The request headers tlsconf sends to every upstream, with the value it sends.
SENT = {"host": "$host", "x-real-ip": "$remote_addr",
        "x-forwarded-for": "$proxy_add_x_forwarded_for", "x-forwarded-proto": "$scheme"}
_URL = re.compile(r"http://(?P<host>\[[^\]]*\]|[^/:]+)(?::(?P<port>\d+))?(?P<uri>/.*)?")


class Pool(Struct):
    servers: list[dict[str, object]]  # the spec's upstream items
    balance: str | None
    interval: int | None  # health_check.interval, from fail_timeout
    name: str  # the upstream block's name, or the address proxy_pass names
    where: list[Node]  # the directive each item came from

    def place(self, out: Out, path: Path) -> None:
        for index, node in enumerate(self.where):
            out.at((*path, index), node)


class Routes:
    def __init__(self, http: Node, out: Out) -> None:
        self.out = out
        self.http = http
        self.blocks = {n.args[0]: n for n in http.get("upstream") if n.args}
        self.used: set[str] = set()

    def unused(self) -> None:
        for name, node in self.blocks.items():
            if name not in self.used:
                self.out.drop(node, "no imported location proxies to it")

    def site(self, server: Node, index: int) -> dict[str, object]:
        out = self.out
        site: dict[str, object] = {}
        routes: list[tuple[Node, str, Pool, bool]] = []
        refused: tuple[Node, str] | None = None
        paths: set[str] = set()
        for node in server.get("location"):
            path = node.args[-1] if node.args and node.args[0] not in ("=", "~", "~*") else ""
            if path and path in paths:
                out.error(node, "location", f"duplicate location {path!r}: nginx refuses it "
                          "(`nginx -t` fails on this config)")
            paths.add(path)
            route = self._location(node, server, index, sum(r[1] != "/" for r in routes))
            if not isinstance(route, str):
                routes.append(route)
            elif node.args == ["/"]:
                refused = (node, route)
        default = next((r for r in routes if r[1] == "/"), None)
        if default is None:
            where, what = refused or (server, "no `location /`")
            out.error(where, "location", f"{what}: a tlsconf site sends every path it does not "
                      "route elsewhere to its upstreams (a server that serves files or only "
                      "returns is not a site)")
            return site
        node, _, pool, websocket = default
        base = ("sites", index)
        site["upstreams"] = pool.servers
        out.at((*base, "upstreams"), node)
        pool.place(out, (*base, "upstreams"))
        if pool.balance:
            site["balance"] = pool.balance
            out.at((*base, "balance"), self.blocks[pool.name])
        if pool.interval:
            site["health_check"] = {"interval": pool.interval}
            out.at((*base, "health_check"), self.blocks[pool.name])
        if websocket:
            site["websocket"] = True
            out.at((*base, "websocket"), node)
        locations: list[dict[str, object]] = []
        for node, path, other, ws in routes:
            if path == "/":
                continue
            spec_path = f"sites[{index}].locations[{len(locations)}]"
            if other.balance != pool.balance and len(other.servers) > 1:
                out.approx(node, spec_path, "one balance method per site: "
                           f"{pool.balance or 'round_robin'} (the `location /` pool's)")
            if other.interval != pool.interval:
                out.approx(node, spec_path, "one health check per site: the `location /` "
                           "pool's (" + (f"{pool.interval}s" if pool.interval else "none") + ")")
            item: dict[str, object] = {"path": path}
            if other.name != pool.name:
                item["upstreams"] = other.servers
                other.place(out, (*base, "locations", len(locations), "upstreams"))
            if ws != websocket:
                item["websocket"] = ws
            out.at((*base, "locations", len(locations)), node)
            locations.append(item)
        if locations:
            site["locations"] = locations
        return site

    def _location(self, node: Node, server: Node, index: int,
                  number: int) -> tuple[Node, str, Pool, bool] | str:
        """A location that proxies (`number`: its index in the site's `locations`), or why it
        is not imported (recorded as its entry)."""
        args = node.args
        modifier, path = (args[0], args[1]) if len(args) == 2 else ("", args[0] if args else "")
        spec_path = f"sites[{index}]" + ("" if path == "/" else f".locations[{number}]")
        why = self._refused(node, modifier, path)
        pool: Pool | str = why or ""
        if why is None:
            pool = self._pool(node.get("proxy_pass")[-1], f"{spec_path}.upstreams")
        if isinstance(pool, str):
            self.out.drop(node, pool)
            return f"`location {path}` is not imported: {pool}"
        (self.out.approx(node, spec_path, "`^~`: a plain prefix in tlsconf (regex locations "
                         "are not imported, so nothing it outranks is lost)") if modifier
         else self.out.mapped(node, spec_path))
        websocket = self._headers(node, server, spec_path)
        return node, path, pool, websocket

    def _refused(self, node: Node, modifier: str, path: str) -> str | None:
        if path.startswith(ACME):
            return "tlsconf answers ACME http-01 on the port-80 server only"
        if modifier not in ("", "^~"):
            return f"a `{modifier}` location: tlsconf routes plain path prefixes"
        error = valid(url_path, path)
        if error is not None:
            return f"path {path!r} {error}"
        if not node.get("proxy_pass"):
            return "no proxy_pass (tlsconf routes paths to upstreams)"
        return None

    def _headers(self, location: Node, server: Node, spec_path: str) -> bool:
        """Whether the location passes WebSocket upgrades; entries for its header directives
        (its own, else the server's or http's: nginx's inheritance)."""
        out = self.out
        headers = location.get("proxy_set_header") or server.get("proxy_set_header") \
            or self.http.get("proxy_set_header")
        values = {h.args[0].lower(): h.args[1] for h in headers if len(h.args) == 2}
        websocket = values.get("upgrade") == "$http_upgrade" and "connection" in values
        for node in headers:
            name = node.args[0].lower() if node.args else ""
            value = node.args[1] if len(node.args) == 2 else ""
            if name in SENT and SENT[name] == value:
                out.mapped(node, spec_path, f"{spec_path}: tlsconf sends {name} {value}")
            elif name in SENT:
                out.approx(node, spec_path, f"tlsconf sends {SENT[name]}, not {value}")
            elif websocket and name in ("upgrade", "connection"):
                out.mapped(node, f"{spec_path}.websocket")
            else:
                out.drop(node, "tlsconf sends only Host, X-Real-IP, X-Forwarded-For and "
                         "X-Forwarded-Proto (and the WebSocket upgrade headers)")
        for node in location.get("proxy_http_version"):
            (out.mapped(node, f"{spec_path}.websocket") if websocket
             else out.approx(node, spec_path, "tlsconf keeps nginx's default HTTP/1.0 to "
                             "upstreams without WebSocket"))
        for node in location.get("proxy_read_timeout"):
            out.approx(node, spec_path, "tlsconf renders 3600s with WebSocket, nginx's default "
                       "otherwise")
        return websocket

    def _pool(self, node: Node, spec_path: str) -> Pool | str:
        """The upstreams `proxy_pass` names, or why tlsconf cannot render them."""
        out = self.out
        url = node.args[0] if node.args else ""
        match = _URL.fullmatch(url) if "$" not in url else None
        if match is None:
            why = (f"proxy_pass {url!r}: tlsconf proxies to plain-HTTP upstreams (`http://` "
                   "and an upstream name or host:port, no variables)")
            out.drop(node, why)
            return why
        host, port, uri = match.group("host"), match.group("port"), match.group("uri")
        how = f"the URI part {uri!r} is not rendered: tlsconf passes the request path " \
              "unchanged" if uri not in (None, "/") else ""
        (out.approx(node, spec_path, how) if how else out.mapped(node, spec_path))
        block = self.blocks.get(host) if port is None else None
        if block is None:
            address = f"{host}:{port or 80}"
            error = valid(host_port, address)
            if error is not None:
                out.drop(node, f"proxy_pass address {address!r} {error}")
                return f"proxy_pass address {address!r} {error}"
            return Pool([{"address": address}], None, None, address, [node])
        self.used.add(host)
        return self._block(block, host, spec_path)

    def _block(self, block: Node, name: str, spec_path: str) -> Pool | str:
        out = self.out
        servers: list[dict[str, object]] = []
        where: list[Node] = []
        balance: str | None = None
        interval: int | None = None
        out.mapped(block, spec_path)
        for child in block.children or []:
            if child.name in BALANCE:
                balance = BALANCE[child.name]
                out.mapped(child, spec_path.rsplit(".", 2)[0] + ".balance")
            elif child.name == "server":
                item, timeout = self._server(child, f"{spec_path}[{len(servers)}]")
                if item is not None:
                    servers.append(item)
                    where.append(child)
                interval = timeout or interval
        if not servers:
            out.drop(block, "no server tlsconf can render")
            return f"upstream {name!r} has no server tlsconf can render"
        if balance == "ip_hash" and any(s.get("backup") for s in servers):
            out.error(block, "upstream", "nginx refuses `backup` servers with ip_hash "
                      "(`nginx -t` fails on this config)")
        return Pool(servers, balance, interval, name, where)

    def _server(self, node: Node, spec_path: str) -> tuple[dict[str, object] | None,
                                                           int | None]:
        out = self.out
        address = node.args[0] if node.args else ""
        if address.startswith("unix:") or "down" in node.args[1:]:
            out.drop(node, "a unix socket or a `down` server: not a tlsconf upstream")
            return None, None
        if valid(host_port, address) is not None:
            address += ":80"
        error = valid(host_port, address)
        if error is not None:
            out.drop(node, f"{address!r} {error}")
            return None, None
        item: dict[str, object] = {"address": address}
        lost: list[str] = []
        timeout: int | None = None
        for arg in node.args[1:]:
            key, _, value = arg.partition("=")
            if key == "weight" and value.isascii() and value.isdigit() and 1 <= int(value) <= 256:
                if int(value) != 1:
                    item["weight"] = int(value)
            elif arg == "backup":
                item["backup"] = True
            elif key == "fail_timeout" and 1 <= (seconds(value) or 0) <= INTERVAL_MAX:
                timeout = seconds(value)
            elif arg != "max_fails=3":
                lost.append(arg)
        how = "not rendered as written: " + ", ".join(lost) if lost else ""
        if timeout is not None:  # what tlsconf's nginx output reads back as health_check
            how = "; ".join([f"fail_timeout is health_check.interval {timeout}s (nginx: "
                             "max_fails=3 passive checks; HAProxy, Traefik and Envoy also "
                             "check GET / actively)", *([how] if how else [])])
        (out.approx(node, spec_path, how) if how else out.mapped(node, spec_path))
        return item, timeout


def plain_section(out: Out, main: str, http: Node, server: Node, subject: Subject, index: int,
                  used: set[int]) -> dict[str, object]:
    """The site's port-80 server (the ingester found it: `where["redirect_http"]`): redirect,
    its port, the ACME route."""
    site: dict[str, object] = {}
    base = ("sites", index)
    where = subject.facts.where.get("redirect_http")
    candidate = next((s for s in [server, *http.get("server")] if s.loc == where), None)
    redirect = bool(subject.facts.http_redirect)
    if candidate is None:  # lint looks on port 80 only; a site's plain server may be elsewhere
        names = set(subject.site.domains)
        candidate = next((s for s in http.get("server") if s is not server
                          and not any("ssl" in n.args for n in s.get("listen"))
                          and names & {a for n in s.get("server_name") for a in n.args}), None)
        redirect = candidate is not None and is_redirect(candidate)
    site["redirect_http"] = redirect
    out.at((*base, "redirect_http"), candidate or server)
    if candidate is None:
        # Not served, not weak: lint does not judge a redirect the input has no listener for,
        # and with redirect_http false tlsconf renders no plain-HTTP listener either. The
        # spec's own judgement (TLS507 on redirect_http: false) is suppressed, with why.
        out.notes[(*base, "redirect_http")] = ("tlsconf: ignore[TLS507] the imported config "
                                               "serves no plain HTTP for these names")
        return site
    spec_path = f"sites[{index}].redirect_http"
    if candidate is not server:
        used.add(id(candidate))
        (out.mapped(candidate, spec_path) if redirect else
         out.approx(candidate, spec_path, "serves plain HTTP without redirecting: tlsconf "
                    "serves nothing there but ACME"))
        for node in candidate.get("server_name"):
            out.mapped(node, spec_path, f"{spec_path}: the site's names")
    for node in candidate.get("listen"):
        if "ssl" not in node.args and node.args:
            key = node.args[0].rpartition(":")[2]
            if key.isascii() and key.isdigit() and not 1 <= int(key) <= 65535:
                out.error(node, "listen", f"port {key} is not a TCP port (nginx refuses it)")
                continue
            out.mapped(node, f"sites[{index}].listen.http_port")
            if key.isascii() and key.isdigit() and int(key) != 80 and "listen" not in site:
                site["listen"] = {"http_port": int(key)}
                out.at((*base, "listen", "http_port"), node)
    for node in [candidate, *candidate.get("if"), *candidate.get("location")]:
        for child in node.get("return") + node.get("rewrite"):
            if redirect and any(a.startswith("https://") for a in child.args):
                out.mapped(child, spec_path)
                if node is not candidate:
                    out.mapped(node, spec_path)
    for node in candidate.get("location"):
        if node.args and node.args[-1].startswith(ACME.rstrip("/")):
            if "acme_webroot" in site or "acme_upstream" in site:
                out.drop(node, "a second ACME location: the first is imported")
            else:
                site.update(_acme(out, main, node, index))
    return site


def _acme(out: Out, main: str, node: Node, index: int) -> dict[str, object]:
    base = ("sites", index)
    for child in node.get("root"):
        value = out.file(main, child, f"sites[{index}].acme_webroot")
        if value is not None and valid(abs_path, value) is None:
            out.mapped(node, f"sites[{index}].acme_webroot")
            out.at((*base, "acme_webroot"), child)
            for extra in node.get("default_type") + node.get("try_files"):
                out.mapped(extra, f"sites[{index}].acme_webroot", "as tlsconf renders it")
            return {"acme_webroot": value}
    for child in node.get("proxy_pass"):
        match = _URL.fullmatch(child.args[0]) if child.args else None
        if match and match.group("port") and not match.group("uri"):
            address = f"{match.group('host')}:{match.group('port')}"
            if valid(host_port, address) is None:
                out.mapped(node, f"sites[{index}].acme_upstream")
                out.mapped(child, f"sites[{index}].acme_upstream")
                out.at((*base, "acme_upstream"), child)
                for extra in node.get("proxy_set_header"):
                    out.mapped(extra, f"sites[{index}].acme_upstream", "as tlsconf renders it")
                return {"acme_upstream": address}
    out.drop(node, "an ACME location that is neither `root DIR` nor `proxy_pass http://HOST:PORT`")
    return {}
