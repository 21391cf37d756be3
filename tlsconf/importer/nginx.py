"""nginx configs → a tlsconf spec (`tlsconf import --kind nginx`).

The lint ingester reads the files (`tlsconf.ingest.nginx`: crossplane with tlsconf's lexer,
includes followed, the same refusals) and reduces each TLS server to its resolved policy (the
`Subject` lint judges); the importer takes that policy — so lint and import never disagree on
what a server negotiates — and adds what a spec needs beyond it from the same nodes: names,
listener and certificate (here), the TLS section (`nginx_tls`), the port-80 server, upstream
pools and locations (`nginx_routes`).

Every directive of the files is an `Entry` (one per site that inherits it from `http {}`):
mapped, approximated or dropped with the reason. A TLS server that cannot become a site (no
server name the spec can hold, no `location /` to an upstream, a certificate path with a
variable) fails the import with that reason (exit 2): a spec missing a site is never written.
Conf.d fragments (no `http` block: what `tlsconf render` writes) are read together, in sorted
order, as the one `http {}` that `include conf.d/*.conf;` builds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from tlsconf.config import Settings
from tlsconf.errors import Location, Problem, TlsconfError
from tlsconf.grammar import abs_path, domain, header_name, header_value, ip_address
from tlsconf.importer.model import Imported
from tlsconf.importer.nginx_out import Out, valid
from tlsconf.importer.nginx_routes import Routes, plain_section
from tlsconf.importer.nginx_tls import tls_section
from tlsconf.ingest.nginx import Node, listen_key, parse_tree, root_node, subjects_of
from tlsconf.lint.model import Subject
from tlsconf.spec import system_name

CONTEXTS = frozenset({"http", "events", "stream", "mail"})
HSTS_MAX_AGE = 2**31 - 1  # spec `hsts.max_age`


def load(paths: Sequence[str], settings: Settings) -> Imported:
    roots: list[tuple[str, list[Node]]] = []
    fragments: list[tuple[str, list[Node]]] = []
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    parsed: set[str] = set()
    included: set[str] = set()  # files another input includes: read there, not again alone
    for path in paths:
        if os.path.realpath(path) in parsed:  # the same file named twice
            continue
        parsed.add(os.path.realpath(path))
        try:
            nodes, read = parse_tree(path)
        except TlsconfError as error:
            problems.extend(error.problems)
            continue
        texts.update(read)
        included.update(os.path.realpath(name) for name in read if name != path)
        top = {node.name for node in nodes}
        (roots if top & CONTEXTS else fragments).append((path, nodes))
    if problems:
        raise TlsconfError(problems)
    roots = [(path, nodes) for path, nodes in roots if os.path.realpath(path) not in included]
    fragments = [(path, nodes) for path, nodes in fragments
                 if os.path.realpath(path) not in included]
    if fragments:  # nginx reads `include conf.d/*.conf` in sorted order, into one http {}
        fragments.sort(key=lambda item: os.path.normpath(item[0]))
        roots.append((fragments[0][0], [n for _, nodes in fragments for n in nodes]))
    importer = _Importer(Out())
    subjects: list[Subject] = []
    for main, nodes in roots:
        subjects += importer.root(main, nodes)
    out = importer.out
    if not out.problems and not importer.sites:
        out.fail(Location(paths[0]), "", "no TLS server to import (no `listen ... ssl` in an "
                 "`http` server): a spec holds TLS sites; lint a TLS snippet instead")
    if out.problems:
        raise TlsconfError(out.problems)
    from tlsconf.judge import verdict
    from tlsconf.lint.suppress import scan

    suppressions = [s for name, text in texts.items() for s in scan(name, text)]
    findings = verdict(subjects, suppressions, settings).findings
    out.rest(importer.roots)
    return Imported(importer.spec, out.origins, out.entries(), list(findings), out.notes)


class _Importer:
    def __init__(self, out: Out) -> None:
        self.out = out
        self.sites: list[dict[str, object]] = []
        self.spec: dict[str, object] = {"sites": self.sites}
        self.roots: list[Node] = []  # every file's top: each directive in them is an entry
        self.names: set[str] = set()
        self.claimed: dict[tuple[object, object], dict[str, int]] = {}  # listener → name → site

    def root(self, main: str, nodes: list[Node]) -> list[Subject]:
        root = root_node(main, nodes)
        self.roots.append(root)
        subjects = subjects_of(main, root)
        by_loc = {s.site.location: s for s in subjects}
        for node in nodes:
            if node.name in ("stream", "mail"):
                self.out.drop(node, f"tlsconf imports HTTP servers, not `{node.name}` ones")
            elif node.name in ("events", "worker_processes", "worker_rlimit_nofile",
                               "daemon", "master_process", "load_module"):
                self.out.drop(node, "process settings: `render --main-config` writes its own")
        https = root.get("http")
        if https:
            self._process(root, https[0])
        for http in https or [root]:
            if https:
                self.out.mapped(http, "sites", "the context of the sites")
            self._http(main, http, by_loc)
        return subjects

    def _process(self, root: Node, http: Node) -> None:
        """A main config's process settings → `targets.nginx` (what `render --main-config`
        writes): user, pid, error_log, and http's access_log (`off`: null)."""
        target: dict[str, object] = {}
        found = [(n, ("user", system_name)) for n in root.get("user")] + \
            [(n, (n.name, abs_path)) for n in root.get("pid") + root.get("error_log")] + \
            [(n, ("access_log", abs_path)) for n in http.get("access_log")]
        for node, (field, check) in found:
            path = f"targets.nginx.{field}"
            value = node.args[0] if node.args else ""
            if field == "access_log" and value == "off":
                target[field] = None
            elif valid(check, value) is not None:
                self.out.drop(node, f"{value!r} {valid(check, value)} ({path})")
                continue
            else:
                target[field] = value
            extra = node.args[1:]
            (self.out.approx(node, path, "not rendered: " + " ".join(extra)) if extra
             else self.out.mapped(node, path))
            self.out.at(("targets", "nginx", field), node)
        if target:
            self.spec.setdefault("targets", {"nginx": target})
        for node in http.get("server_tokens"):
            (self.out.mapped(node, "targets.nginx", "`render --main-config` writes "
                             "server_tokens off") if node.args == ["off"]
             else self.out.drop(node, "`render --main-config` writes server_tokens off"))

    def _http(self, main: str, http: Node, by_loc: dict[Location, Subject]) -> None:
        routes = Routes(http, self.out)
        for node in http.get("map"):
            if node.args == ["$http_upgrade", "$connection_upgrade"]:
                self.out.mapped(node, "websocket", "the Connection header tlsconf renders for "
                                "WebSocket")
                for child in node.children or []:
                    self.out.mapped(child, "websocket", "part of that map")
        used: set[int] = set()  # the plain-HTTP servers some site's redirect/ACME came from
        for server in http.get("server"):
            subject = by_loc.get(server.loc)
            if subject is None:
                continue
            if not subject.facts.serves_http:  # `ssl_reject_handshake on`: a catch-all
                self._catch_all(server, subject, [s for s in by_loc.values()
                                                  if s.facts.serves_http])
                continue
            before = len(self.out.problems)
            site = self._site(main, http, server, subject, len(self.sites), routes, used)
            if len(self.out.problems) == before:
                self.sites.append(site)
        for server in http.get("server"):
            if server.loc not in by_loc and id(server) not in used:
                self.out.drop(server, "a plain-HTTP server no TLS site redirects from: tlsconf "
                              "serves port 80 only to redirect to https (and for ACME)")
        routes.unused()

    def _catch_all(self, server: Node, subject: Subject, sites: list[Subject]) -> None:
        """A server refusing unknown names is what tlsconf renders on a listener without a
        default_server site, with the sites' policy: its own policy is not kept."""
        key = subject.site.tls.handshake_key()[:4]
        if any(s.site.tls.handshake_key()[:4] != key for s in sites):
            self.out.approx(server, "sites", "a catch-all refusing unknown names: tlsconf "
                            "renders one with the sites' TLS policy, not this server's own "
                            "(which nginx applies to the listener before SNI is known)")
        else:
            self.out.mapped(server, "sites", "a catch-all refusing unknown names: what tlsconf "
                            "renders on a listener without a default_server site")
        for child in server.children or []:
            self.out.mapped(child, "sites", "part of the catch-all")

    def _site(self, main: str, http: Node, server: Node, subject: Subject, index: int,
              routes: Routes, used: set[int]) -> dict[str, object]:
        out = self.out
        base = ("sites", index)
        site: dict[str, object] = {}
        out.mapped(server, f"sites[{index}]")
        listen = self._listen(server, index)
        domains = self._domains(server, index, (listen.get("address"), listen.get("https_port")))
        if not domains:
            out.error(server, "server_name", "no server name the spec can hold (a DNS name or "
                      "`*.example.com`): a tlsconf site needs its domains; add a server_name")
            return site
        site["name"] = self._name(domains[0])
        site["domains"] = domains
        out.at((*base, "name"), server)
        listens = server.get("listen")
        if subject.facts.unknown_sni_served:
            site["default_server"] = True
            out.at((*base, "default_server"), listens[0] if listens else server)
        site["listen"] = listen
        site["tls"] = tls_section(out, main, server, http, subject, index)
        site.update(self._headers(server, http, subject, index))
        plain = plain_section(out, main, http, server, subject, index, used)
        site["listen"].update(plain.pop("listen", {}))  # type: ignore[attr-defined]
        site.update(plain)
        http2 = server.get("http2") or http.get("http2")
        for node in http2:
            out.mapped(node, f"sites[{index}].http2")
        site["http2"] = any("http2" in n.args for n in listens) or \
            (bool(http2) and http2[-1].args == ["on"])
        on_listen = [n for n in listens if "http2" in n.args]
        out.at((*base, "http2"), (on_listen or http2 or [server])[-1])
        site.update(routes.site(server, index))
        return site

    def _domains(self, server: Node, index: int, listener: tuple[object, object]) -> list[str]:
        """The server's names the spec can hold; one an earlier server on the same listener
        lists stays that server's, as nginx keeps it ("conflicting server name ... ignored")."""
        found: list[str] = []
        claimed = self.claimed.setdefault(listener, {})
        for node in server.get("server_name"):
            skipped: list[str] = []
            for name in node.args:
                if name in claimed:
                    self.out.approx(node, f"sites[{index}].domains", f"{name} is served by "
                                    f"sites[{claimed[name]}], the server before this one on "
                                    "the listener (nginx ignores it here)")
            for name in node.args:
                if name in ("", "_") or name in claimed:
                    continue
                # `.example.com` is nginx's short form of both names
                names = [name[1:], f"*{name}"] if name.startswith(".") else [name]
                if any(n.startswith("~") or valid(domain, n) is not None for n in names):
                    skipped.append(name)
                    continue
                found += [d for d in map(domain, names) if d not in found]
            path = f"sites[{index}].domains"
            if skipped:
                self.out.approx(node, path, "not imported (a regex or not a DNS name): "
                                + " ".join(skipped))
            else:
                self.out.mapped(node, path)
            self.out.at(("sites", index, "domains"), node)
        for name in (a for n in server.get("server_name") for a in n.args):
            claimed.setdefault(name, index)
        return found

    def _name(self, first: str) -> str:
        text = re.sub(r"[^a-z0-9]+", "-", first.replace("*.", "wildcard.")).strip("-")
        text = text[:28].strip("-") or "site"
        name, n = text, 2
        while name in self.names:
            name, n = f"{text}-{n}", n + 1
        self.names.add(name)
        return name

    def _listen(self, server: Node, index: int) -> dict[str, object]:
        path = f"sites[{index}].listen"
        listen: dict[str, object] = {}
        known = {"ssl", "http2", "default_server", "default"}
        for node in [n for n in server.get("listen") if "ssl" in n.args]:
            key = listen_key(node.args[0]) if node.args else None
            if listen or key is None:
                self.out.approx(node, path, "tlsconf listens on one address per site: this "
                                "listener is not rendered")
                continue
            if not 1 <= key[1] <= 65535:
                self.out.error(node, "listen", f"port {key[1]} is not a TCP port (nginx "
                               "refuses it)")
                continue
            address = {"*": "0.0.0.0", "[::]": "::"}.get(key[0], key[0].strip("[]"))
            if valid(ip_address, address) is not None:
                self.out.approx(node, path, f"{address!r} is not an IP address: the spec "
                                "listens on 0.0.0.0")
                address = "0.0.0.0"
            listen = {"address": address, "https_port": key[1]}
            extra = [a for a in node.args[1:] if a not in known]
            if extra:
                self.out.approx(node, path, "arguments not rendered: " + " ".join(extra))
            else:
                self.out.mapped(node, path)
            self.out.at(("sites", index, "listen"), node)
        return listen

    def _headers(self, server: Node, http: Node, subject: Subject,
                 index: int) -> dict[str, object]:
        """HSTS (the value lint resolved) and the other `add_header`s of the server (or, when
        it has none, of `http`: nginx's inheritance)."""
        out: dict[str, object] = {}
        base = ("sites", index)
        headers: dict[str, str] = {}
        for node in server.get("add_header") or http.get("add_header"):
            name, value = ([*node.args, "", ""])[:2]
            how = "" if "always" in node.args[2:] else \
                "tlsconf sends it with `always` (on error responses too)"
            is_hsts = name.lower() == "strict-transport-security"
            path = f"sites[{index}].hsts" if is_hsts else f"sites[{index}].headers.{name}"
            error = None if is_hsts else valid(header_name, name) or valid(header_value, value)
            if error is None and "$" in value and not is_hsts:
                error = "a variable: tlsconf sends fixed values"
            if error is not None:
                self.out.drop(node, f"header {name!r}: {error}")
                continue
            if is_hsts and "$" in value:  # the value lint resolved from this config's `set`
                how = ("the value of its variable as this config sets it, sent unconditionally"
                       + (f"; {how}" if how else ""))
            (self.out.approx(node, path, how) if how else self.out.mapped(node, path))
            if is_hsts:
                self.out.at((*base, "hsts"), node)
            else:
                headers[name] = value
                self.out.at((*base, "headers", name), node)
        hsts = subject.site.hsts
        where = subject.locate("hsts")
        if hsts.enabled and hsts.max_age > HSTS_MAX_AGE:
            self.out.fail(where, "add_header", f"Strict-Transport-Security max-age="
                          f"{hsts.max_age} is beyond {HSTS_MAX_AGE} (what the spec and "
                          "browsers take)")
        elif hsts.enabled:
            preload = hsts.preload and hsts.include_subdomains
            if preload != hsts.preload:
                self.out.add(where, "add_header", "approximated", "`preload` not kept: it "
                             "needs includeSubDomains (the spec, and the preload list, refuse "
                             "it without)", f"sites[{index}].hsts")
            out["hsts"] = {"max_age": hsts.max_age, "include_subdomains": hsts.include_subdomains,
                           "preload": preload}
        else:
            out["hsts"] = {"enabled": False}
            self.out.at((*base, "hsts"), server)
            self.out.notes[(*base, "hsts")] = "no add_header Strict-Transport-Security"
        if headers:
            out["headers"] = headers
        return out
