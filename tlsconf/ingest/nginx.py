"""nginx config (with its includes) → one subject per TLS server.

crossplane parses (following includes; an unmatched glob is fine, a missing plain include is
fatal); the tree is indexed once — a dict of directives per block — and each server's effective
`ssl_*` value is its own or the `http` block's, so nothing is rescanned per server. Refused,
never judged: templated files (`{{ }}`, `<% %>`), crossplane errors (truncated files), and
directives whose arguments show a missing `;` (the next line swallowed into the argument).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator
from typing import Any, NamedTuple

from msgspec import Struct, field

from tlsconf import suites
from tlsconf.errors import Location, Problem, TlsconfError
from tlsconf.ingest.common import (
    TEMPLATE,
    SiteBuilder,
    column,
    config_origin,
    default_origin,
    expand_cipher_string,
    parse_hsts,
)
from tlsconf.ingest.nginx_vars import resolve_variables
from tlsconf.lint.model import ELSEWHERE, Subject
from tlsconf.names import PROTOCOLS
from tlsconf.policy import Origin

DEFAULT_CIPHERS = "HIGH:!aNULL:!MD5"
# nginx's ssl_protocols default before 1.23.4 ("now TLSv1.3 protocol is enabled by default",
# its changelog): Debian 12's 1.22 serves no TLS 1.3 where nothing sets it (measured).
LEGACY_DEFAULT = ("TLSv1", "TLSv1.1", "TLSv1.2")
# Directives whose name showing up as an *argument* means a missing `;` swallowed a line.
WATCHED = frozenset({
    "ssl_protocols", "ssl_ciphers", "ssl_conf_command", "ssl_ecdh_curve", "ssl_certificate",
    "ssl_certificate_key", "ssl_session_tickets", "ssl_session_ticket_key", "ssl_stapling",
    "ssl_dhparam", "ssl_early_data", "ssl_prefer_server_ciphers", "ssl_reject_handshake",
    "add_header", "listen", "server_name", "proxy_pass", "proxy_ssl_verify", "proxy_set_header",
    "resolver", "server_tokens", "include", "return", "rewrite", "location", "server",
})
ONE_ARG = frozenset({"ssl_ciphers", "ssl_ecdh_curve", "ssl_session_tickets", "ssl_stapling",
                     "ssl_dhparam", "ssl_early_data", "ssl_prefer_server_ciphers",
                     "ssl_reject_handshake", "server_tokens", "proxy_ssl_verify", "ssl",
                     "ssl_certificate", "ssl_certificate_key"})
OS_ERROR = re.compile(r"\[Errno \d+\] ([^:]+): '(.*)'")
REDIRECT_CODES = frozenset({"301", "302", "303", "307", "308"})


class Node(Struct):
    name: str
    args: list[str]
    loc: Location
    children: list[Node] | None = None
    index: dict[str, list[Node]] = field(default_factory=dict)

    def get(self, name: str) -> list[Node]:
        return self.index.get(name, [])


class _Reader:
    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = {}
        self.texts: dict[str, str] = {}
        self.problems: list[Problem] = []

    def read(self, path: str, text: str | None = None) -> list[str]:
        """The lines of `path` (read once; `text` when the caller has already read it)."""
        if path not in self.lines:
            from tlsconf.source import decode, read_bytes

            if text is None:
                text = decode(path, read_bytes(path))
            self.texts[path] = text
            self.lines[path] = text.splitlines()
            match = TEMPLATE.search(text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                self.problems.append(Problem(
                    Location(path, line, column(self.lines[path], line, match.group())), "",
                    f"templated file ({match.group()!r}): render the template first; "
                    "tlsconf does not judge a config it cannot read as nginx sees it"))
        return self.lines[path]


def ingest(path: str, text: str | None = None) -> tuple[tuple[Subject, ...], dict[str, str]]:
    """`text`: the file's content when the caller has already read and decoded it."""
    subjects, texts, problems, _ = ingest_all([(path, text)])
    if problems:
        raise TlsconfError(problems)
    return subjects, texts


class _Parsed(Struct):
    nodes: list[Node]
    texts: dict[str, str]  # the file and every file it includes

    @property
    def fragment(self) -> bool:
        """A file included inside `http {}` (conf.d): no `http` block of its own."""
        return not any(node.name in ("http", "events", "stream", "mail") for node in self.nodes)


class Ingested(NamedTuple):
    subjects: tuple[Subject, ...]
    texts: dict[str, str]  # every file read, by name (for suppression comments)
    problems: list[Problem]
    skipped: list[str]  # files found in a directory that another found file includes


def ingest_all(inputs: list[tuple[str, str | None]],
               found: Collection[str] = ()) -> Ingested:
    """The subjects of several nginx files, the texts read and the problems.

    `found`: the inputs met while searching a directory. One of them that another found file
    includes is judged as part of that file (with the `http {}` settings it inherits there),
    not a second time on its own (`lint /etc/nginx` reads conf.d/*.conf through nginx.conf).

    A conf.d fragment (`*.conf`, no `http` block: `include conf.d/*.conf;` reads it inside
    `http {}`) is judged inside the `http` block that include builds: with the other `*.conf`
    of its directory, read as context in nginx's include order, so a listener's catch-all or
    an `http`-level directive in a sibling (tlsconf's `00-tlsconf.conf`) counts for a site
    file linted alone. Only the servers of the files given are subjects; a sibling that
    cannot be read is a problem (the listener cannot be judged without it)."""
    problems: list[Problem] = []
    parsed: dict[str, _Parsed] = {}
    for path, text in inputs:
        if path not in parsed:
            try:
                parsed[path] = _parse(path, text)
            except TlsconfError as error:
                problems.extend(error.problems)
    included = {os.path.realpath(name) for path in found if path in parsed
                for name in parsed[path].texts if name != path}
    skipped = [path for path in parsed if path in found and os.path.realpath(path) in included]
    subjects: list[Subject] = []
    texts: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for path, item in parsed.items():
        if path in skipped:
            continue
        texts.update(item.texts)
        if item.fragment and path.endswith(".conf"):
            groups.setdefault(os.path.dirname(path), []).append(path)
        else:
            root = Node("main", [], Location(path, 1, 1), item.nodes, _index(item.nodes))
            sites = list(_Walker(path).sites(root))
            subjects.extend(sites or _snippet(path, item.nodes) or _inherited(path, item.nodes))
    for directory, paths in groups.items():
        subjects.extend(_fragments(directory, paths, parsed, problems))
    return Ingested(tuple(subjects), texts, problems, skipped)


def _fragments(directory: str, paths: list[str], parsed: dict[str, _Parsed],
               problems: list[Problem]) -> Iterator[Subject]:
    import glob

    from tlsconf.ingest import detect
    from tlsconf.source import decode, read_bytes

    given = {p: os.path.normpath(p) for p in paths}
    by_norm = {norm: p for p, norm in given.items()}
    order = list(paths)
    unread = False  # a sibling failed: the given files' listeners cannot be judged
    for sibling in sorted(glob.glob(os.path.join(glob.escape(directory or "."), "*.conf"))):
        norm = os.path.normpath(sibling)
        if norm in by_norm or not os.path.isfile(sibling):
            continue
        try:
            text = decode(sibling, read_bytes(sibling))
        except TlsconfError as error:
            problems.extend(error.problems)
            unread = True
            continue
        try:
            if detect(sibling, text) != "nginx":
                continue
        except TlsconfError:
            continue  # not a config nginx would read either
        try:
            item = _parse(sibling, text)
        except TlsconfError as error:
            problems.extend(error.problems)
            unread = True
            continue
        if item.fragment:
            parsed[sibling] = item
            order.append(sibling)
            given.setdefault(sibling, norm)
    if unread:
        return
    # nginx reads a glob's matches in sorted order; their top-level directives share one http.
    order.sort(key=lambda p: given[p])
    nodes = [node for p in order for node in parsed[p].nodes]
    owned = {file: p for p in paths for file in parsed[p].texts}
    root = Node("main", [], Location(paths[0], 1, 1), nodes, _index(nodes))
    judged: set[str] = set()
    for subject in _Walker(paths[0]).sites(root):
        if subject.site.location.file in owned:
            judged.add(owned[subject.site.location.file])
            yield subject
    for path in paths:  # a file with no TLS server of its own: its top-level TLS directives
        if path not in judged:
            yield from _snippet(path, parsed[path].nodes)


def _tls_directive(node: Node) -> bool:
    return node.name.startswith("ssl_") or (
        node.name == "add_header" and node.args[0].lower() == "strict-transport-security")


def _snippet(path: str, nodes: list[Node]) -> list[Subject]:
    """A file that holds TLS directives outside any server (an include-me TLS policy snippet,
    or a conf.d file's `http`-level settings with no server of its own) is one subject: the
    directives judged as if included in a server. What it leaves unset is its includer's
    (ELSEWHERE, not judged), and listener-level rules (catch-all, redirect, missing HSTS) need
    a listener it does not have. A file with nothing TLS at its top level yields nothing."""
    tls = [node for node in nodes if _tls_directive(node)]
    if not tls:
        return []
    server = Node("server", [], tls[0].loc, nodes, _index(nodes))
    empty = Node("http", [], tls[0].loc, [], {})
    return [_Walker(path)._site(server, empty, False, {}, {}, context="snippet")]


def _inherited(path: str, nodes: list[Node]) -> list[Subject]:
    """A config with an `http` block but no TLS server in it (Debian's stock nginx.conf, whose
    sites are in files not given): the `http`-level TLS directives every TLS server added there
    would inherit (`ssl_protocols TLSv1 TLSv1.1 ...`), judged as a snippet is."""
    return [subject for node in nodes if node.name == "http"
            for subject in _snippet(path, node.children or [])]


def _parse(path: str, text: str | None) -> _Parsed:
    """One file and its includes as nodes; raises on anything that is not fully read."""
    from tlsconf.ingest.nginx_lexer import crossplane_parse

    reader = _Reader()
    reader.read(path, text)
    if reader.problems:
        raise TlsconfError(reader.problems)
    # crossplane's parser with tlsconf's lexer (the same tokens, several times faster).
    # The text the caller read is the one parsed (stdin cannot be opened a second time).
    payload = crossplane_parse(path, preloaded=None if text is None else {path: text},
                               catch_errors=True, comments=False, check_ctx=False,
                               check_args=False)
    configs = payload["config"]
    for config in configs:
        reader.read(config["file"])
    problems = _parse_errors(payload, path, reader)
    if problems or reader.problems:
        raise TlsconfError(problems + reader.problems)
    tree = _tree(configs, 0, reader, (), problems)
    if problems:
        raise TlsconfError(problems)
    return _Parsed(tree, reader.texts)


def _parse_errors(payload: dict[str, Any], path: str, reader: _Reader) -> list[Problem]:
    """Every error crossplane reports — the run's list and each failed file's own — once,
    as `file:line:col: message` (crossplane's ` in FILE:LINE` suffix dropped)."""
    found: dict[tuple[str, int, str], None] = {}
    for error in payload["errors"]:
        found[(error.get("file") or path, error.get("line") or 0, error["error"])] = None
    for config in payload["config"]:
        if config.get("status") == "failed" or config.get("errors"):
            for error in config.get("errors") or [{"error": "parse failed", "line": 0}]:
                found[(config["file"], error.get("line") or 0, error["error"])] = None
    problems = []
    for file, line, message in found:
        message = re.sub(r" in \S+:\d+$", "", message)
        lines = reader.lines.get(file, [])
        text = lines[line - 1].split() if 0 < line <= len(lines) else []
        word = "}" if message.startswith('unexpected "}"') else (text[0] if text else "")
        field = ""
        if (unread := OS_ERROR.fullmatch(message)) is not None:
            # crossplane's OSError text for an `include` it cannot open
            field = "include"
            message = (f"{unread.group(2)!r}: {unread.group(1).lower()}: nginx refuses a plain "
                       "include it cannot read (only a glob may match nothing); lint the "
                       "config where its includes are")
        problems.append(Problem(Location(file, line, column(lines, line, word) if line else 0),
                                field, message))
    return problems


def _index(nodes: list[Node]) -> dict[str, list[Node]]:
    table: dict[str, list[Node]] = {}
    for node in nodes:
        table.setdefault(node.name, []).append(node)
    return table


def _tree(configs: list[dict[str, Any]], number: int, reader: _Reader, stack: tuple[int, ...],
          problems: list[Problem]) -> list[Node]:
    config = configs[number]
    return _nodes(config["parsed"], config["file"], configs, reader, (*stack, number), problems)


def _nodes(parsed: list[dict[str, Any]], file: str, configs: list[dict[str, Any]], reader: _Reader,
           stack: tuple[int, ...], problems: list[Problem]) -> list[Node]:
    out: list[Node] = []
    lines = reader.lines[file]
    for item in parsed:
        name, args, line = item["directive"], item.get("args", []), item["line"]
        loc = Location(file, line, column(lines, line, name))
        _check_args(name, args, loc, problems)
        if name == "include":  # kept as a leaf (the import reports it), then its files' nodes
            out.append(Node(name, args, loc))
            for number in item.get("includes", []):
                if number in stack:
                    problems.append(Problem(loc, "", "include cycle"))
                    continue
                out.extend(_tree(configs, number, reader, stack, problems))
            continue
        children = None
        if "block" in item:
            children = _nodes(item["block"], file, configs, reader, stack, problems)
        out.append(Node(name, args, loc, children, _index(children) if children else {}))
    return out


def _check_args(name: str, args: list[str], loc: Location, problems: list[Problem]) -> None:
    swallowed = None if WATCHED.isdisjoint(args) else next(a for a in args if a in WATCHED)
    if swallowed is not None and name not in ("add_header", "return", "rewrite", "location"):
        problems.append(Problem(loc, name, f"`{swallowed}` is an argument of `{name}`: a missing "
                                           "`;` swallowed the next line(s)"))
    elif name in ONE_ARG and len(args) != 1:
        problems.append(Problem(loc, name, f"takes one argument, got {len(args)} (a missing `;` "
                                           "swallows the next line)"))
    elif name == "ssl_protocols":
        unknown = [a for a in args if a not in PROTOCOLS]
        if unknown or not args:
            problems.append(Problem(loc, name, f"unknown protocol {unknown[0] if unknown else ''!r}"
                                               f"; allowed: {' '.join(PROTOCOLS)}"))
    elif name == "add_header" and not (2 <= len(args) <= 3
                                       and (len(args) == 2 or args[2] == "always")):
        problems.append(Problem(loc, name, "takes a name, a value and optionally `always` (a "
                                           "missing `;`?)"))
    elif name == "ssl_ciphers" and args:
        try:
            expand_cipher_string(args[0])
        except suites.CipherStringError as exc:
            problems.append(Problem(loc, name, f"invalid cipher string: {exc}"))


def _port(arg: str) -> tuple[str, int] | None:
    if arg.startswith("unix:"):
        return None
    if arg.isascii() and arg.isdigit():  # `²` is a digit to str.isdigit, not to int()
        return "*", int(arg)
    host, sep, port = arg.rpartition(":")
    if sep and port.isascii() and port.isdigit() and not arg.endswith("]"):
        return host or "*", int(port)
    return arg, 80


class _Walker:
    def __init__(self, main: str) -> None:
        self.main = main

    def sites(self, root: Node) -> Iterator[Subject]:
        https = root.get("http")
        scopes = https if https else [root]  # a conf.d file: its top level is inside http {}
        for http in scopes:
            yield from self._http(http)
        for context in ("stream", "mail"):
            for block in root.get(context):
                yield from self._tcp(block, context)

    def _tcp(self, block: Node, context: str) -> Iterator[Subject]:
        """`stream {}` / `mail {}` servers that speak TLS (`listen … ssl`, `ssl on`, or a
        certificate — `starttls` in mail): TLS rules apply, HTTP ones (HSTS, redirect,
        headers) do not, and there is no SNI routing to judge (one server per address)."""
        for server in block.get("server"):
            if any("ssl" in listen.args for listen in server.get("listen")) \
                    or self._flag(server, block, "ssl") or self._eff(server, block,
                                                                     "ssl_certificate"):
                yield self._site(server, block, False, {}, {}, context=context)

    def _http(self, http: Node) -> Iterator[Subject]:
        servers = http.get("server")
        listens = [(s, self._listens(s)) for s in servers]
        tls_default: dict[tuple[str, int], Node] = {}
        plain: dict[int, list[Node]] = {}
        plain_default: dict[int, Node] = {}
        for server, items in listens:
            for key, ssl, default in items:
                if ssl or self._flag(server, http, "ssl"):
                    if default or key not in tls_default:
                        tls_default[key] = server
                else:
                    plain.setdefault(key[1], []).append(server)
                    if default or key[1] not in plain_default:
                        plain_default[key[1]] = server
        defaults = {id(s) for s in tls_default.values()}
        for server, items in listens:
            if any(ssl for _, ssl, _ in items) or self._flag(server, http, "ssl"):
                yield self._site(server, http, id(server) in defaults, plain, plain_default)

    def _listens(self, server: Node) -> list[tuple[tuple[str, int], bool, bool]]:
        out = []
        for listen in server.get("listen") or [Node("listen", ["80"], server.loc)]:
            key = _port(listen.args[0]) if listen.args else None
            if key is not None:
                out.append((key, "ssl" in listen.args,
                            "default_server" in listen.args or "default" in listen.args))
        return out

    @staticmethod
    def _eff(server: Node, http: Node, name: str) -> list[Node]:
        return server.get(name) or http.get(name)

    def _flag(self, server: Node, http: Node, name: str) -> bool:
        found = self._eff(server, http, name)
        return bool(found) and found[-1].args[:1] == ["on"]

    def _site(self, server: Node, http: Node, is_default: bool, plain: dict[int, list[Node]],
              plain_default: dict[int, Node], context: str = "http") -> Subject:
        """`context`: http, stream, mail, or snippet (a file's top level: `server` is a stand-in
        holding its directives, `http` is empty, and an unset value is ELSEWHERE)."""
        names = [n for d in server.get("server_name") for n in d.args if n not in ("_", "")]
        where = f"{context} " if context in ("stream", "mail") else ""
        name = names[0] if names else (f"snippet {self.main}" if context == "snippet"
                                       else f"{where}server at {server.loc}")
        b = SiteBuilder("nginx", name, server.loc, tuple(names))
        snippet = context == "snippet"
        unset = _elsewhere if snippet else default_origin

        def eff(name: str) -> list[Node]:
            return self._eff(server, http, name)

        rejects = self._flag(server, http, "ssl_reject_handshake")
        if (found := eff("ssl_protocols")):
            b.protocols = tuple(found[-1].args)
            b.origins["protocols"] = config_origin("ssl_protocols", found[-1].loc)
        else:
            b.protocols = LEGACY_DEFAULT
            b.origins["protocols"] = unset(
                "no ssl_protocols: nginx before 1.23.4 enables TLSv1 and TLSv1.1", server.loc)
        if (found := eff("ssl_ciphers")):
            b.set_cipher_string(found[-1].args[0], config_origin("ssl_ciphers", found[-1].loc))
        else:
            b.set_cipher_string(DEFAULT_CIPHERS, unset(
                f"no ssl_ciphers: nginx's default {DEFAULT_CIPHERS} accepts static-RSA, CBC and "
                "CAMELLIA suites", server.loc))
            b.facts["cipher_string"] = None
        for command in eff("ssl_conf_command"):
            self._conf_command(b, command)
        if (found := eff("ssl_ecdh_curve")) and found[-1].args[0] != "auto":
            b.curves = tuple(found[-1].args[0].split(":"))
            b.origins["curves"] = config_origin("ssl_ecdh_curve", found[-1].loc)
        if (found := eff("ssl_session_tickets")):
            b.session_tickets = found[-1].args == ["on"]
            b.origins["session_tickets"] = config_origin("ssl_session_tickets", found[-1].loc)
        if (found := eff("ssl_session_ticket_key")) and not self._off(eff("ssl_session_tickets")):
            b.facts["tickets_unrotated"] = True
            b.where["tickets_unrotated"] = found[-1].loc
        if (found := eff("ssl_early_data")) and found[-1].args == ["on"]:
            b.facts["early_data"] = True
            b.where["early_data"] = found[-1].loc
        if (found := eff("ssl_stapling")) and found[-1].args == ["on"]:
            b.ocsp_stapling = True
            b.origins["ocsp_stapling"] = config_origin("ssl_stapling", found[-1].loc)
            b.resolvers = tuple(a for d in eff("resolver") for a in d.args)
        if (found := eff("ssl_dhparam")):
            bits = _dh_bits(found[-1].args[0], os.path.dirname(self.main))
            if bits is not None:
                b.facts["dh_bits"] = bits
                b.where["dh_bits"] = found[-1].loc
        if (found := eff("server_tokens")) and found[-1].args == ["on"]:
            b.facts["server_tokens_on"] = True
            b.where["server_tokens"] = found[-1].loc
        if (found := eff("ssl_certificate")):
            b.certificate = found[0].args[0]
            b.origins["certificate"] = config_origin("ssl_certificate", found[0].loc)
        if (found := eff("ssl_certificate_key")):
            b.key = found[0].args[0]
            b.origins["key"] = config_origin("ssl_certificate_key", found[0].loc)
        if is_default and not rejects:
            b.facts["unknown_sni_served"] = True
            b.where["sni"] = (server.get("listen") or [server])[0].loc
        if context in ("stream", "mail"):
            b.facts["serves_http"] = False
            # stream: `proxy_ssl on` is TLS to the upstream, verified only with proxy_ssl_verify
            if self._flag(server, http, "proxy_ssl") \
                    and not self._flag(server, http, "proxy_ssl_verify"):
                b.facts["unverified_upstreams"] = (eff("proxy_ssl")[-1].loc,)
            return b.build()
        b.facts["serves_http"] = not rejects and not snippet
        b.where["listener"] = next((listen.loc for listen in server.get("listen")
                                    if "ssl" in listen.args), server.loc)
        self._headers(b, server, http)
        if snippet and not b.hsts.enabled:
            b.origins["hsts"] = _elsewhere("no add_header Strict-Transport-Security", server.loc)
        self._proxy(b, server, http)
        if not rejects and not snippet:
            b.facts["http_redirect"] = self._redirects(server, names, plain, plain_default, b)
        return b.build()

    @staticmethod
    def _off(found: list[Node]) -> bool:
        return bool(found) and found[-1].args == ["off"]

    @staticmethod
    def _conf_command(b: SiteBuilder, command: Node) -> None:
        if len(command.args) < 2:
            return
        key, value = command.args[0], " ".join(command.args[1:])
        if key.lower() == "ciphersuites":
            b.ciphersuites = tuple(value.split(":"))
            b.origins["ciphersuites"] = config_origin("ssl_conf_command Ciphersuites", command.loc)
        elif key.lower() == "options":
            options = {o.strip() for o in re.split(r"[,\s]+", value) if o.strip()}
            if "Compression" in options:
                b.facts["compression"] = True
                b.where["compression"] = command.loc
            if options & {"UnsafeLegacyRenegotiation", "UnsafeLegacyServerConnect"}:
                b.facts["insecure_renegotiation"] = True
                b.where["insecure_renegotiation"] = command.loc

    def _headers(self, b: SiteBuilder, server: Node, http: Node) -> None:
        headers = server.get("add_header") or http.get("add_header")
        hsts = [h for h in headers if h.args[0].lower() == "strict-transport-security"]
        if hsts:
            value = resolve_variables(hsts[-1].args[1], server)
            b.hsts = parse_hsts(value or "")
            b.origins["hsts"] = config_origin("add_header Strict-Transport-Security", hsts[-1].loc)
            b.origins["hsts.max_age"] = b.origins["hsts"]
            if value is None:  # a variable no `set` here gives a value: not judged
                unknown = Origin(ELSEWHERE, "add_header Strict-Transport-Security with a "
                                 "variable this config does not set", hsts[-1].loc)
                b.origins["hsts.max_age"] = b.origins["hsts.preload"] = unknown
            if len(hsts[-1].args) < 3:
                b.facts["hsts_not_always"] = True
            dropped: list[Location] = []
            for child in server.children or []:
                if child.name in ("location", "if"):
                    _dropped(child, dropped)
            b.facts["hsts_dropped"] = tuple(dropped)
        else:
            b.origins["hsts"] = config_origin("no add_header Strict-Transport-Security", server.loc)

    def _proxy(self, b: SiteBuilder, server: Node, http: Node) -> None:
        unverified: list[Location] = []
        http_host: list[Location] = []
        verify = self._flag(server, http, "proxy_ssl_verify")
        for where in (http, server):
            for header in where.get("proxy_set_header"):
                if header.args[:1] and header.args[0].lower() == "host" \
                        and "$http_host" in header.args[1:]:
                    http_host.append(header.loc)

        def walk(node: Node, verify: bool) -> None:
            if node.get("proxy_ssl_verify"):
                verify = node.get("proxy_ssl_verify")[-1].args == ["on"]
            for child in node.children or []:
                if child.name in ("proxy_pass", "grpc_pass") and child.args and \
                        child.args[0].startswith(("https://", "grpcs://")):
                    own = node.get("grpc_ssl_verify") if child.name == "grpc_pass" else []
                    if not (own[-1].args == ["on"] if own else verify):
                        unverified.append(child.loc)
                elif child.name == "proxy_set_header" and node is not server and child.args[:1] \
                        and child.args[0].lower() == "host" and "$http_host" in child.args[1:]:
                    http_host.append(child.loc)
                elif child.children is not None and child.name in ("location", "if",
                                                                    "limit_except"):
                    walk(child, verify)

        walk(server, verify)
        b.facts["unverified_upstreams"] = tuple(unverified)
        b.facts["host_from_http_host"] = tuple(dict.fromkeys(http_host))

    def _redirects(self, server: Node, names: list[str], plain: dict[int, list[Node]],
                   plain_default: dict[int, Node], b: SiteBuilder) -> bool | None:
        own_plain = [key for key, ssl, _ in self._listens(server) if not ssl]
        if own_plain and not any(d.args == ["on"] for d in server.get("ssl")):
            candidate: Node | None = server
        else:
            wanted = set(names)
            candidate = next((s for s in plain.get(80, [])
                              if wanted & {n for d in s.get("server_name") for n in d.args}), None)
            if candidate is None:
                candidate = plain_default.get(80)
        if candidate is None:
            return None  # no plain-HTTP listener in this config: nothing to judge
        b.where["redirect_http"] = candidate.loc
        # A server with plain and TLS listeners whose every request is redirected to https
        # (server-level `return 301 https://…`, `location /`) redirects its plain HTTP too.
        return _is_redirect(candidate)


def _elsewhere(detail: str, location: Location) -> Origin:
    """A value a snippet leaves to the server that includes it: not judged here."""
    return Origin(ELSEWHERE, f"{detail} in this snippet (its includer's)", location)


def _is_redirect(block: Node) -> bool:
    def redirect(node: Node) -> bool:
        for d in node.get("return"):
            if d.args and d.args[0] in REDIRECT_CODES and d.args[-1].startswith("https://"):
                return True
        for d in node.get("rewrite"):
            if len(d.args) >= 2 and d.args[1].startswith("https://"):
                return True
        return False

    if redirect(block):
        return True
    for child in block.children or []:
        if child.name == "if" and redirect(child):
            return True
        if child.name == "location" and child.args[-1:] == ["/"] \
                and redirect(child):
            return True
    return False


def _dropped(node: Node, out: list[Location]) -> None:
    headers = node.get("add_header")
    if headers and not any(h.args[0].lower() == "strict-transport-security" for h in headers):
        out.append(headers[0].loc)
        return
    for child in node.children or []:
        if child.name in ("location", "if"):
            _dropped(child, out)


def _dh_bits(path: str, base: str) -> int | None:
    full = path if os.path.isabs(path) else os.path.join(base, path)
    try:
        with open(full, "rb") as handle:
            data = handle.read(65536)
        from cryptography.hazmat.primitives.serialization import load_pem_parameters

        params = load_pem_parameters(data)
        return int(params.parameter_numbers().p.bit_length())
    except (OSError, ValueError, TypeError, AttributeError):
        return None


# -- What `tlsconf import` reuses (tlsconf.importer.nginx): the same parse and reduction. ----

def parse_tree(path: str, text: str | None = None) -> tuple[list[Node], dict[str, str]]:
    """One file and its includes as nodes, and every text read (raises as lint does)."""
    parsed = _parse(path, text)
    return parsed.nodes, parsed.texts


def root_node(main: str, nodes: list[Node]) -> Node:
    """The top of a config (a conf.d fragment's top level is inside `http {}`)."""
    return Node("main", [], Location(main, 1, 1), nodes, _index(nodes))


def subjects_of(main: str, root: Node) -> list[Subject]:
    """The TLS servers under `root`, as lint judges them (each at its `server` location)."""
    return list(_Walker(main).sites(root))


def listen_key(arg: str) -> tuple[str, int] | None:
    """`listen`'s first argument → (address or `*`, port); None for a unix socket."""
    return _port(arg)


def is_redirect(server: Node) -> bool:
    """Does this server send every request to https (what lint calls a redirect)?"""
    return _is_redirect(server)
