"""Traefik dynamic configuration (YAML or TOML) → subjects.

What Traefik does with the file decides what is judged (measured on Traefik 3.7):

* Keys are matched case-insensitively (`minversion` works); *values* are not: `minVersion`
  and `maxVersion` take exactly `VersionTLS10` … `VersionTLS13` (Traefik's own map lookup), and
  anything else (`foobar`, `versiontls13`, `TLS12`) loads without a warning and falls back to
  Go's default — TLS106 at the value.
* A TLS option with a key Traefik does not know (`sslProtocols`) makes Traefik drop the whole
  file: exit 2, naming the key.
* Every `tls.options.<name>` is one subject, named `tls.options.<name>`, with the domains of
  the routers that use it, whether a router names it or not; `default` always (clients
  without SNI get it), and an option a router names but the file does not define is Go's
  defaults at that reference.
* Each TLS router of `http` is a subject judged only for HSTS (its policy is its option's):
  the `headers` middlewares it names (through `chain`s too); none with `stsSeconds` > 0 is
  TLS501 at the router's `middlewares` (else the router), naming its entry points and the
  middlewares it names that this file does not define (another provider's or another file's:
  not judged, and said so).
  A router is a TLS router when it has a `tls` key; TLS and middlewares an entry point adds
  in the static configuration are not in a dynamic file (suppress TLS501 there, with a reason).
* Every `http.middlewares.<n>.headers` with `stsSeconds` is judged wherever it is defined
  (short max-age, preload), attached to a router or not. `stsSeconds: 0` sends no header.
  `forceSTSHeader` is not judged: on a TLS router Traefik sends the header without it.
* Every `http.serversTransports.<n>` and `tcp.serversTransports.<n>.tls`: `insecureSkipVerify:
  true` is TLS701; `minVersion`/`maxVersion`/`cipherSuites` (Traefik 3.8) are judged with the
  protocol and cipher rules at their usual severities — the upstream leg carries the same
  requests, cookies and credentials as the client leg.
* A Traefik v1 file (`[entryPoints.<x>.tls]`, `[entryPoints.<x>.redirect]`, `[[tls]]`,
  `[frontends]`, `[backends]`, `[acme]`, `defaultEntryPoints`) and a file with Go template
  markers (`{{`: the file provider evaluates templates itself) cannot be judged: exit 2.

`apply_options` maps one TLS option; `ingest.k8s` reuses it for the `TLSOption` CRD, whose
`spec` has the same keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol

from tlsconf import suites
from tlsconf.errors import Location, Path, TlsconfError
from tlsconf.ingest.common import SiteBuilder, config_origin, default_origin, mark_unknown_versions
from tlsconf.lint.model import Subject
from tlsconf.policy import HSTSPolicy

# Traefik's `MinVersion`/`MaxVersion` maps: exact, case-sensitive keys.
VERSIONS = {"VersionTLS10": "TLSv1", "VersionTLS11": "TLSv1.1", "VersionTLS12": "TLSv1.2",
            "VersionTLS13": "TLSv1.3"}
ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
GO_DEFAULT_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
)
TEMPLATE = re.compile(r"\{\{")
# Go's names: the IANA ones, but two CHACHA20 suites without `_SHA256` (Traefik takes both).
GO_SUITES = {s.go: s for s in suites.SUITES if s.go}
HOST = re.compile(r"\bHost(?:SNI)?\s*\(([^)]*)\)")
V1_FORMAT = ("Traefik v1 format is not supported; migrate with traefik-migration-tool / see "
             "the v2+ docs (https://doc.traefik.io/traefik/migrate/v1-to-v2/)")
HSTS_ONLY = frozenset({"HSTS"})
# The keys of a TLS option Traefik 3.7 knows (measured: all load); any other key makes the file
# provider drop the whole file ("field not found"), so nothing in it would be in force.
OPTION_KEYS = ("alpnProtocols", "cipherSuites", "clientAuth", "curvePreferences",
               "disableSessionTickets", "maxVersion", "minVersion", "preferServerCipherSuites",
               "sniStrict")
CHAIN_DEPTH = 16  # Traefik refuses recursive chains; a bound keeps a cycle from looping here


class Doc:
    """Case-insensitive access with positions (of keys, and of values down to list items)."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._lowered: dict[int, dict[str, str]] = {}  # the data is never changed: ids hold
        if name.lower().endswith(".toml"):
            import tomllib

            try:
                self.data: Any = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise TlsconfError.single(Location(name), "", f"TOML syntax error: {exc}") from None
            self.keys, self.values = _toml_positions(text)
            self.document = None
        else:
            from tlsconf.source import load

            self.document = load(name, text)
            self.data = self.document.data

    def get(self, node: Any, path: Path, key: str) -> tuple[Any, Path]:
        if isinstance(node, dict):
            key = key.lower()
            real = self._lower(node).get(key)
            if real is not None:
                return node[real], (*path, real)
        return None, (*path, key)

    def _lower(self, node: dict[Any, Any]) -> dict[str, str]:
        """`node`'s keys by their lower-case form (the first of two spellings wins, as a scan
        in order would), built once per mapping: a table of thousands of routers is looked up
        in constant time."""
        found = self._lowered.get(id(node))
        if found is None:
            found = {}
            for real in node:
                if isinstance(real, str):
                    found.setdefault(real.lower(), real)
            self._lowered[id(node)] = found
        return found

    def locate(self, path: Path) -> Location:
        """Where the key of `path` is (a list item: the item), else its nearest ancestor."""
        return self._find(path, key=True)

    def value(self, path: Path) -> Location:
        """Where the value of `path` starts."""
        return self._find(path, key=False)

    def _find(self, path: Path, *, key: bool) -> Location:
        if self.document is not None:
            return self.document.locate(path, key=key)
        probe = tuple(p.lower() if isinstance(p, str) else p for p in path)
        while probe:
            mark = (self.keys if key else self.values).get(probe) or self.keys.get(probe)
            if mark is not None:
                return Location(self.name, *mark)
            probe = probe[:-1]
        return Location(self.name, 1, 1)


def _split_key(text: str) -> tuple[str, ...]:
    """`http.routers."a.b"` → ("http", "routers", "a.b"), lower-cased."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.\s]+)', text)
    return tuple((d or s or b).lower() for d, s, b in parts)


# Linear on any line (no two quantifiers compete for the same characters): tomllib accepted
# the file, these only find where things are.
_KEY = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+)"""
_HEADER = re.compile(r"(\s*)(\[\[?)([^\]\[]*)\]")
_PAIR = re.compile(rf"(\s*)({_KEY}(?:[ \t]*\.[ \t]*{_KEY})*)[ \t]*=[ \t]*(.*)$")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')


def _toml_positions(text: str) -> tuple[dict[Path, tuple[int, int]], dict[Path, tuple[int, int]]]:
    """(key, value) 1-based positions of every table, key and array item of a TOML file that
    `tomllib` accepted, paths lower-cased (Traefik's keys are case-insensitive). A line scan,
    enough for what ingest locates: headers, `key = value` lines, items of (multi-line) arrays
    of scalars; inside inline tables the enclosing key is the position."""
    keys: dict[Path, tuple[int, int]] = {}
    values: dict[Path, tuple[int, int]] = {}
    table: Path = ()
    tables_seen: dict[Path, int] = {}
    array: Path | None = None
    depth = items = 0
    for number, line in enumerate(text.splitlines(), 1):
        if array is not None:
            depth, items = _array_items(values, array, line, 0, number, depth, items)
            if depth <= 0:
                array = None
            continue
        header = _HEADER.match(line)
        if header:
            names = _split_key(header.group(3))
            for end in range(1, len(names)):  # implicit parent tables: their first mention
                keys.setdefault(names[:end], (number, len(header.group(1)) + 1))
            if header.group(2) == "[[":
                index = tables_seen.get(names, -1) + 1
                tables_seen[names] = index
                table = (*names, index)
                keys.setdefault(names, (number, len(header.group(1)) + 1))
            else:
                table = names
            keys[table] = (number, len(header.group(1)) + 1)
            continue
        pair = _PAIR.match(line)
        if not pair:
            continue
        path = (*table, *_split_key(pair.group(2)))
        keys[path] = (number, len(pair.group(1)) + 1)
        values[path] = (number, pair.start(3) + 1)
        if pair.group(3).startswith("["):
            depth, items = _array_items(values, path, line, pair.start(3), number, 0, 0)
            array = path if depth > 0 else None
    return keys, values


def _array_items(values: dict[Path, tuple[int, int]], path: Path, line: str, start: int,
                 number: int, depth: int, items: int) -> tuple[int, int]:
    """Record the positions of the scalar items of an array on one line; (depth, count)."""
    at = start
    while at < len(line):
        char = line[at]
        if char == "#":
            break
        string = _STRING.match(line, at)
        if string:
            if depth == 1:
                values[(*path, items)] = (number, at + 1)
            at = string.end()
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth <= 0:
                return 0, items
        elif char == ",":
            if depth == 1:
                items += 1
        elif depth == 1 and not char.isspace() and (*path, items) not in values:
            values[(*path, items)] = (number, at + 1)
        at += 1
    return depth, items


def ingest(path: str, text: str) -> tuple[Subject, ...]:
    return subjects(read_doc(path, text))


def read_doc(path: str, text: str) -> Doc:
    """The dynamic configuration with positions; templates and v1 files refused."""
    match = TEMPLATE.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        raise TlsconfError.single(Location(path, line, col), "", (
            "templated file: the Traefik file provider evaluates Go templates itself; tlsconf "
            "cannot judge a template — lint the evaluated file"))
    doc = Doc(path, text)
    _refuse_v1(doc)
    return doc


def subjects(doc: Doc) -> tuple[Subject, ...]:
    """One subject per TLS option (`tls.options.<name>`, `default` always), per TLS router
    (HSTS), per `headers` middleware with HSTS, per servers transport."""
    top: Path = ()
    tls, tls_path = doc.get(doc.data, top, "tls")
    options, options_path = doc.get(tls, tls_path, "options")
    http, http_path = doc.get(doc.data, top, "http")
    middlewares, mw_path = doc.get(http, http_path, "middlewares")
    builders: dict[str, SiteBuilder] = {}
    routers: list[Subject] = []
    for section in ("http", "tcp"):
        block, block_path = doc.get(doc.data, top, section)
        table, routers_path = doc.get(block, block_path, "routers")
        for name, router in _items(table):
            router_path = (*routers_path, name)
            router_tls, router_tls_path = doc.get(router, router_path, "tls")
            if router_tls is None:
                continue
            reference, _ = doc.get(router_tls, router_tls_path, "options")
            option_name, _, provider = str(reference or "default").partition("@")
            if provider in ("", "file"):  # another provider's option is not in this file
                b = builders.get(option_name.lower())
                if b is None:
                    b = builders[option_name.lower()] = _option(
                        doc, options, options_path, option_name, doc.locate(router_tls_path))
                rule, _ = doc.get(router, router_path, "rule")
                b.domains += tuple(d for d in domains(rule) if d not in b.domains)
            if section == "http":
                routers.append(_router(doc, name, router, router_path, middlewares, mw_path))
    for name, _opts in _items(options):
        if name.lower() not in builders:
            builders[name.lower()] = _option(doc, options, options_path, name, None)
    if (options is not None or builders) and "default" not in builders:
        where = doc.locate(options_path) if options is not None else doc.locate(top)
        builders["default"] = _option(doc, options, options_path, "default", where)
    subjects = [b.build() for b in builders.values()]
    subjects += routers
    subjects += _middlewares(doc, middlewares, mw_path)
    subjects += _transports(doc)
    return tuple(subjects)


def _items(table: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(table, dict):
        for name, value in table.items():
            yield str(name), value


def domains(rule: Any) -> list[str]:
    out: list[str] = []
    for args in HOST.findall(rule if isinstance(rule, str) else ""):
        out += [n for pair in re.findall(r"`([^`]*)`|\"([^\"]*)\"", args) for n in pair if n]
    return [n.lower() for n in dict.fromkeys(out) if n != "*"]


def _refuse_v1(doc: Doc) -> None:
    """Traefik v1 keys at places where v2+ has none: refuse the file, never judge it as v2 (a
    v1 file read as v2 has no routers and no options, and would look clean)."""
    data = doc.data
    tls, tls_path = doc.get(data, (), "tls")
    if isinstance(tls, list):  # `[[tls]]`; v2+ has a `tls` table
        raise TlsconfError.single(doc.locate(tls_path), "tls", V1_FORMAT)
    entry_points, ep_path = doc.get(data, (), "entryPoints")
    for name, entry in _items(entry_points):
        for key in ("tls", "redirect"):  # v2+: entryPoints.<x>.http.tls / http.redirections
            found, found_path = doc.get(entry, (*ep_path, name), key)
            if found is not None:
                raise TlsconfError.single(doc.locate(found_path), f"entryPoints.{name}.{key}",
                                          V1_FORMAT)
    for key in ("frontends", "backends", "defaultEntryPoints", "acme"):
        found, found_path = doc.get(data, (), key)
        if found is not None:
            raise TlsconfError.single(doc.locate(found_path), key, V1_FORMAT)


DEFAULT_SUFFIX = " (clients without SNI)"  # the name of an undefined default option's subject


def _option(doc: Doc, options: Any, options_path: Path, option_name: str,
            use_loc: Location | None) -> SiteBuilder:
    """The subject of `tls.options.<option_name>`; `use_loc` is where it is referenced (for an
    option the file does not define)."""
    opts, path = doc.get(options, options_path, option_name)
    is_default = option_name.lower() == "default"
    label = f"tls.options.{path[-1]}"
    if opts is None:
        where = use_loc or doc.locate(options_path)
        b = SiteBuilder("traefik", label + (DEFAULT_SUFFIX if is_default else ""),
                        where)
        undefined_options(b, f"{label} is not defined", where, is_default=is_default)
    else:
        known = {k.lower() for k in OPTION_KEYS}
        for key in opts if isinstance(opts, dict) else ():
            if str(key).lower() not in known:
                raise TlsconfError.single(doc.locate((*path, key)), f"{label}.{key}", (
                    "unknown key: Traefik drops the whole file (\"field not found\"); allowed: "
                    + ", ".join(OPTION_KEYS)))
        b = SiteBuilder("traefik", label, doc.locate(path))
        apply_options(doc, b, opts, path, label, is_default=is_default)
    b.facts["serves_http"] = False  # HSTS is judged on the routers
    return b


class Reader(Protocol):
    """Key lookup with positions: this module's `Doc` (case-insensitive, as Traefik's file
    provider reads keys) or a Kubernetes manifest (exact keys, as the API server keeps them)."""

    def get(self, node: Any, path: Path, key: str) -> tuple[Any, Path]: ...

    def locate(self, path: Path) -> Location: ...

    def value(self, path: Path) -> Location: ...


def undefined_options(b: SiteBuilder, detail: str, use_loc: Location, *,
                      is_default: bool) -> None:
    """A TLS option that is referenced (or implied, `default`) but not defined: Go's defaults."""
    b.set_cipher_string(":".join(GO_DEFAULT_CIPHERS), default_origin(
        f"{detail}: Go's defaults (CBC suites included)", use_loc))
    b.facts["cipher_string"] = None
    b.origins["protocols"] = default_origin(f"{detail}: Go's defaults (minimum TLS 1.2)", use_loc)
    b.facts["unknown_sni_served"] = is_default
    b.where["sni"] = use_loc


def apply_options(doc: Reader, b: SiteBuilder, opts: Any, path: Path, label: str, *,
                  is_default: bool) -> None:
    """One Traefik TLS option (`tls.options.<name>` of the file provider, or a `TLSOption`
    CRD's `spec`: the same keys) at `path` → `b`. `label` names it in default origins."""
    if not apply_versions(doc, b, opts, path):
        b.origins["protocols"] = default_origin(
            f"{label} has no minVersion: Go's default (TLS 1.2)", doc.locate(path))
    if not apply_ciphers(doc, b, opts, path):
        b.set_cipher_string(":".join(GO_DEFAULT_CIPHERS), default_origin(
            f"{label} has no cipherSuites: Go's defaults include CBC suites", doc.locate(path)))
        b.facts["cipher_string"] = None
    curves, curves_path = doc.get(opts, path, "curvePreferences")
    if curves:
        b.curves = tuple(str(c) for c in curves)
        b.origins["curves"] = config_origin("curvePreferences", doc.locate(curves_path))
    no_tickets, no_tickets_path = doc.get(opts, path, "disableSessionTickets")
    if isinstance(no_tickets, bool):
        b.session_tickets = not no_tickets
        b.origins["session_tickets"] = config_origin("disableSessionTickets",
                                                     doc.locate(no_tickets_path))
    strict, strict_path = doc.get(opts, path, "sniStrict")
    if is_default and strict is not True:
        b.facts["unknown_sni_served"] = True
        b.where["sni"] = doc.locate(strict_path if strict is not None else path)


def apply_versions(doc: Reader, b: SiteBuilder, opts: Any, path: Path) -> bool:
    """`minVersion`/`maxVersion` → `b.protocols` (Go's 1.2 and 1.3 for a value Traefik does not
    know, which it ignores); unknown values → `protocol_unknown` at the value. False when
    neither key is set."""
    low, low_path = doc.get(opts, path, "minVersion")
    high, high_path = doc.get(opts, path, "maxVersion")
    first = ORDER.index(VERSIONS.get(low, "TLSv1.2") if isinstance(low, str) else "TLSv1.2")
    last = ORDER.index(VERSIONS.get(high, "TLSv1.3") if isinstance(high, str) else "TLSv1.3")
    b.protocols = ORDER[first:last + 1]
    mark_unknown_versions(doc, b, ((low, low_path), (high, high_path)), VERSIONS)
    if low is None and high is None:
        return False
    b.origins["protocols"] = config_origin(
        "minVersion" if low is not None else "maxVersion",
        doc.locate(low_path if low is not None else high_path))
    return True


def apply_ciphers(doc: Reader, b: SiteBuilder, opts: Any, path: Path) -> bool:
    """`cipherSuites` → `b.ciphers`, each suite's list item located (`ciphers:<name>`) so a
    finding about one suite points at its line. False when the key is unset or empty."""
    ciphers, ciphers_path = doc.get(opts, path, "cipherSuites")
    if not ciphers:
        return False
    found = []
    for index, value in enumerate(ciphers if isinstance(ciphers, list) else [ciphers]):
        item_path = (*ciphers_path, index)
        suite = GO_SUITES.get(str(value)) or suites.lookup(str(value))
        if suite is None or suite.go is None or str(value) not in (suite.iana, suite.go):
            raise TlsconfError.single(doc.value(item_path), "cipherSuites",
                                      f"Traefik refuses cipher suite {value!r} (invalid "
                                      "CipherSuite): use Go's IANA names")
        name = suite.openssl or suite.iana
        found.append(name)
        b.where.setdefault(f"ciphers:{name}", doc.value(item_path))
    b.ciphers = tuple(found)
    b.origins["ciphers"] = config_origin("cipherSuites", doc.locate(ciphers_path))
    return True


def _router(doc: Doc, name: str, router: Any, router_path: Path, middlewares: Any,
            mw_path: Path) -> Subject:
    """An HTTP TLS router, judged for HSTS only: the `headers` middlewares it names."""
    b = SiteBuilder("traefik", f"http.routers.{name}", doc.locate(router_path))
    b.facts["families"] = HSTS_ONLY
    rule, _ = doc.get(router, router_path, "rule")
    b.domains = tuple(domains(rule))
    names, names_path = doc.get(router, router_path, "middlewares")
    entry_points, ep_path = doc.get(router, router_path, "entryPoints")
    if isinstance(entry_points, str):  # Traefik takes one name as a one-item list
        entry_points = [entry_points]
    if isinstance(entry_points, list) and entry_points:
        b.where["listener"] = doc.locate(ep_path)
        b.facts["listener"] = ", ".join(str(e) for e in entry_points)
    elsewhere: list[str] = []
    for mw, path in chain(doc, names if isinstance(names, list) else [], middlewares, mw_path,
                           elsewhere):
        if _headers_hsts(doc, b, mw, path):
            return b.build()
    b.facts["hsts_elsewhere"] = tuple(elsewhere)
    b.origins["hsts"] = config_origin("no headers middleware with stsSeconds",
                                      doc.locate(names_path if names else router_path))
    return b.build()


def chain(doc: Doc, names: list[Any], middlewares: Any, mw_path: Path, elsewhere: list[str],
           depth: int = 0) -> Iterator[tuple[Any, Path]]:
    """The middlewares `names` refer to in this file (`@file` or no provider), in order, with
    the members of `chain` middlewares in their place; the names this file does not define
    (another provider's, or another file's of the same provider) go to `elsewhere`."""
    for name in names:
        base, _, provider = str(name).partition("@")
        mw, path = doc.get(middlewares, mw_path, base)
        if provider not in ("", "file") or mw is None:
            elsewhere.append(str(name))
            continue
        members_of, chain_path = doc.get(mw, path, "chain")
        members, _ = doc.get(members_of, chain_path, "middlewares")
        if isinstance(members, list) and depth < CHAIN_DEPTH:
            yield from chain(doc, members, middlewares, mw_path, elsewhere, depth + 1)
        else:
            yield mw, path


def _headers_hsts(doc: Doc, b: SiteBuilder, mw: Any, path: Path) -> bool:
    """A `headers` middleware's HSTS (`stsSeconds` > 0: Traefik sends none for 0) → `b`."""
    headers, headers_path = doc.get(mw, path, "headers")
    seconds, seconds_path = doc.get(headers, headers_path, "stsSeconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        return False
    sub, _ = doc.get(headers, headers_path, "stsIncludeSubdomains")
    preload, preload_path = doc.get(headers, headers_path, "stsPreload")
    b.hsts = HSTSPolicy(True, seconds, sub is True, preload is True)
    b.origins["hsts"] = config_origin("headers.stsSeconds", doc.locate(seconds_path))
    b.origins["hsts.max_age"] = config_origin("headers.stsSeconds", doc.value(seconds_path))
    if preload is True:
        b.origins["hsts.preload"] = config_origin("headers.stsPreload", doc.locate(preload_path))
    return True


def _middlewares(doc: Doc, middlewares: Any, mw_path: Path) -> Iterator[Subject]:
    """Every `headers` middleware with HSTS, judged where it is defined (used or not)."""
    for name, mw in _items(middlewares):
        b = SiteBuilder("traefik", f"http.middlewares.{name}", doc.locate((*mw_path, name)))
        b.facts["families"] = HSTS_ONLY
        b.facts["serves_http"] = False  # a router without HSTS is the router's finding
        if _headers_hsts(doc, b, mw, (*mw_path, name)):
            yield b.build()


def _transports(doc: Doc) -> Iterator[Subject]:
    """Servers transports (the upstream leg): verification, and versions and suites where set."""
    found: list[tuple[str, Any, Path]] = []
    for section, sub in (("http", ""), ("tcp", "tls")):
        block, block_path = doc.get(doc.data, (), section)
        table, table_path = doc.get(block, block_path, "serversTransports")
        for name, transport in _items(table):
            path = (*table_path, name)
            if sub:
                transport, path = doc.get(transport, path, sub)
            found.append((f"{section}.serversTransports.{name}", transport, path))
    static, static_path = doc.get(doc.data, (), "serversTransport")  # static configuration
    found.append(("serversTransport", static, static_path))
    for label, transport, path in found:
        if not isinstance(transport, dict):
            continue
        b = SiteBuilder("traefik", label, doc.locate(path))
        families = {"proxy hygiene"}
        if apply_versions(doc, b, transport, path):
            families.add("protocols")
        if apply_ciphers(doc, b, transport, path):
            families.add("ciphers")
        skip, skip_path = doc.get(transport, path, "insecureSkipVerify")
        if skip is True:
            b.facts["unverified_upstreams"] = (doc.locate(skip_path),)
        b.facts["serves_http"] = False
        b.facts["families"] = frozenset(families)
        yield b.build()
