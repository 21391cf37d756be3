"""HAProxy config → one subject per `bind ... ssl` line.

Line-based, like HAProxy: sections (`global`, `defaults`, `frontend`, `listen`, `backend`),
`#` comments (outside quotes), weak `"…"` and strong `'…'` quoting. A raw CR that is not part of
CRLF ends a line for HAProxy and silently drops the rest: such a file is refused (exit 2).
Settings: `ssl-default-bind-*` in `global`, overridden per `bind`; backend `server … ssl`
verification; redirects from `redirect scheme https`. `mode` (and `default_backend`) come
from the section, else its defaults section (`from NAME`, else the last `defaults` before it),
else tcp; HTTP rules apply to `mode http` only.

HSTS: `http-response` / `http-after-response` `set-header|add-header Strict-Transport-Security`
(or the pre-2.1 `rspadd`) in the frontend (or its defaults section), else in every backend
its requests can reach (`use_backend`, `default_backend`, its `defaults` section's
`default_backend`; a `listen` section answers itself). When the backends differ, the weakest
value is judged, at its line; when some reachable backends send it and one does not, TLS501
points at that one (when none does, at the frontend). Conditions are not evaluated (ACLs are
runtime): `if`/`unless` rules count as sent, except the two that say "not on TLS" —
`unless { ssl_fc }` and `if !{ ssl_fc }`. A backend named at runtime (`%[…]`) is not followed.
"""

from __future__ import annotations

import copy
import os
import re

from msgspec import Struct, field

from tlsconf import suites
from tlsconf.errors import Location, Problem, TlsconfError
from tlsconf.ingest.common import (
    TEMPLATE,
    SiteBuilder,
    column,
    config_origin,
    default_origin,
    parse_hsts,
)
from tlsconf.lint.model import ELSEWHERE, Subject
from tlsconf.policy import Origin

VERSIONS = {"SSLv3": "SSLv3", "TLSv1.0": "TLSv1", "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2",
            "TLSv1.3": "TLSv1.3"}
ORDER = ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
NO_FLAGS = {"no-sslv3": "SSLv3", "no-tlsv10": "TLSv1", "no-tlsv11": "TLSv1.1",
            "no-tlsv12": "TLSv1.2", "no-tlsv13": "TLSv1.3"}
SECTIONS = ("global", "defaults", "frontend", "backend", "listen", "resolvers", "peers",
            "userlist", "mailers", "program", "http-errors", "ring", "cache", "crt-store")


class Line(Struct):
    words: list[str]
    loc: Location


class Section(Struct):
    kind: str
    name: str
    loc: Location
    lines: list[Line] = field(default_factory=list)
    parent: str | None = None  # `from NAME`: the named defaults section it inherits from
    defaults: Section | None = None  # the defaults section in force (resolved by `ingest`)

    def value(self, keyword: str) -> str | None:
        """The first argument of the section's last `keyword` line, else its defaults'."""
        own = [line.words[1] for line in self.lines
               if line.words[0] == keyword and len(line.words) > 1]
        if own:
            return own[-1]
        return self.defaults.value(keyword) if self.defaults is not None else None

    @property
    def mode(self) -> str:
        """`mode`, own or inherited; HAProxy's default is tcp."""
        return self.value("mode") or "tcp"


def _words(text: str) -> list[str]:
    words: list[str] = []
    current = ""
    quote = ""
    started = False
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"' and i + 1 < len(text):
                i += 1
                current += text[i]
            else:
                current += c
        elif c in "\"'":
            quote, started = c, True
        elif c == "\\" and i + 1 < len(text):
            i += 1
            current += text[i]
            started = True
        elif c == "#":
            break
        elif c in " \t":
            if started:
                words.append(current)
            current, started = "", False
        else:
            current += c
            started = True
        i += 1
    if started:
        words.append(current)
    return words


def parse(path: str, data: bytes, text: str) -> list[Section]:
    cut = re.search(rb"\r(?!\n)", data)
    if cut:
        line = data.count(b"\n", 0, cut.start()) + 1
        raise TlsconfError.single(Location(path, line), "", "raw CR (carriage return) inside a "
                                  "line: HAProxy ends the line there and silently drops the rest")
    template = TEMPLATE.search(text)
    if template:
        line = text.count("\n", 0, template.start()) + 1
        raise TlsconfError.single(Location(path, line, column(text.split("\n"), line,
                                                               template.group())),
                                  "", f"templated config ({template.group()!r}): render it first")
    sections: list[Section] = []
    for number, raw in enumerate(text.split("\n"), 1):
        words = _words(raw.rstrip("\r"))
        if not words:
            continue
        loc = Location(path, number, len(raw) - len(raw.lstrip()) + 1)
        if words[0] in SECTIONS:
            # `defaults [NAME] [from PARENT]`, `frontend NAME [from PARENT]`
            rest = words[1:]
            parent = rest[rest.index("from") + 1] if "from" in rest[:2] and \
                rest.index("from") + 1 < len(rest) else None
            name = rest[0] if rest and rest[0] != "from" else ""
            sections.append(Section(words[0], name, loc, parent=parent))
        elif not sections:
            raise TlsconfError.single(loc, "", f"`{words[0]}` outside any section")
        else:
            sections[-1].lines.append(Line(words, loc))
    return sections


def option(words: list[str], name: str) -> str | None:
    if name in words:
        at = words.index(name)
        return words[at + 1] if at + 1 < len(words) else ""
    return None


def is_crt_list(path: str, text: str) -> bool:
    """A crt-list (named so, as HAProxy's docs and tlsconf name them), not a config."""
    if "crt-list" not in os.path.basename(path):
        return False
    first = next((line.split()[0] for line in text.split("\n")
                  if line.strip() and not line.lstrip().startswith("#")), "")
    return first not in SECTIONS


def ingest(path: str, data: bytes, text: str) -> tuple[Subject, ...]:
    if is_crt_list(path, text):
        return _crt_list_input(path, text)
    sections = parse(path, data, text)
    resolve_defaults(sections)
    out = [s for bind in binds(path, sections) for s in bind.subjects]
    if not out:
        unverified = _unverified(sections)
        if unverified:
            out.append(_upstreams(path, unverified))
    return tuple(out)


class Bind(Struct):
    """A `bind … ssl` line, its section, and its subjects (one per crt-list line, else one)."""

    section: Section
    line: Line
    subjects: tuple[Subject, ...]


def global_lines(sections: list[Section]) -> dict[str, Line]:
    """The last line of each keyword in the `global` sections."""
    glob: dict[str, Line] = {}
    for section in sections:
        if section.kind == "global":
            for line in section.lines:
                glob[line.words[0]] = line
    return glob


def _unverified(sections: list[Section]) -> list[Location]:
    glob = global_lines(sections)
    server_verify = glob.get("ssl-server-verify")
    server_verify_none = server_verify is not None and server_verify.words[1:2] == ["none"]
    # The token to change: a server's own `verify none`, else the global `ssl-server-verify
    # none` that every `server … ssl` without `verify required` relies on.
    unverified = [
        line.loc for s in sections if s.kind in ("backend", "listen", "defaults")
        for line in s.lines
        if line.words[0] in ("server", "default-server") and "ssl" in line.words
        and option(line.words, "verify") == "none"
    ]
    if server_verify_none and server_verify is not None:
        unverified.insert(0, server_verify.loc)
    return unverified


def binds(path: str, sections: list[Section]) -> list[Bind]:
    """Every `bind … ssl` of the parsed config (defaults resolved), with its subjects: what
    `ingest` judges, and what `tlsconf import` turns into sites."""
    glob = global_lines(sections)
    unverified = _unverified(sections)
    backends = {s.name: s for s in sections if s.kind in ("backend", "listen")}
    plain = [s for s in sections if s.kind in ("frontend", "listen")
             and any(line.words[0] == "bind" and "ssl" not in line.words for line in s.lines)]
    plain_redirects = all(redirects(s) for s in plain) if plain else None
    stapled = _stapled(sections)
    out: list[Bind] = []
    for section in sections:
        if section.kind not in ("frontend", "listen"):
            continue
        default_backend = section.defaults.value("default_backend") if section.defaults else None
        reach = reached(section, backends, default_backend)
        for line in section.lines:
            if line.words[0] == "bind" and "ssl" in line.words:
                bind = _site(section, line, glob, unverified, plain_redirects, reach)
                _staple(bind, stapled)
                name = option(line.words, "crt-list")
                found = (bind.build(),) if name is None else tuple(
                    _crt_list(bind, line, crt_list_path(path, name), stapled))
                out.append(Bind(section, line, found))
    return out


def _stapled(sections: list[Section]) -> dict[str, Location]:
    """The certificates a `crt-store` loads with `ocsp-update on` (HAProxy >= 3.0 fetches and
    staples their OCSP responses), with where."""
    return {option(line.words, "crt") or "": line.loc for s in sections if s.kind == "crt-store"
            for line in s.lines
            if line.words[0] == "load" and option(line.words, "ocsp-update") == "on"}


def _staple(b: SiteBuilder, stapled: dict[str, Location]) -> None:
    """Stapling on for a site whose certificate a crt-store loads with `ocsp-update on`."""
    if b.certificate and b.certificate in stapled:
        b.ocsp_stapling = True
        b.origins["ocsp_stapling"] = config_origin("crt-store load ocsp-update",
                                                   stapled[b.certificate])


def resolve_defaults(sections: list[Section]) -> None:
    """Each proxy's (and defaults section's) defaults: the one its `from` names, else the last
    `defaults` section before it, named or not (HAProxy: a defaults section applies to the
    sections that follow it until the next one)."""
    named: dict[str, Section] = {}
    current: Section | None = None
    for section in sections:
        if section.kind not in ("defaults", "frontend", "backend", "listen"):
            continue
        if section.parent is not None:
            parent = named.get(section.parent)
            if parent is None:
                raise TlsconfError.single(section.loc, section.kind, f"`from {section.parent}`: "
                                          "no defaults section of that name before it")
            section.defaults = parent
        elif section.kind != "defaults":
            section.defaults = current
        if section.kind == "defaults":
            current = section
            if section.name:
                named[section.name] = section


def _upstreams(path: str, unverified: list[Location]) -> Subject:
    """A config (or fragment) with no TLS bind but TLS to its servers: one subject for the
    upstream-verification rule; everything a listener would set is not judged here."""
    b = SiteBuilder("haproxy", f"upstream servers in {path}", unverified[0])
    for name in ("protocols", "ciphers", "hsts"):
        b.origins[name] = Origin(ELSEWHERE, "no TLS bind in this config", unverified[0])
    b.facts["serves_http"] = False
    b.facts["unverified_upstreams"] = tuple(unverified)
    return b.build()


def crt_list_path(cfg: str, name: str) -> str:
    """A relative crt-list is read from the config's directory (tlsconf writes
    `default-path config`; with HAProxy's default, `current`, that is where it runs from —
    the config's directory is the best guess a linter has)."""
    return name if os.path.isabs(name) else os.path.join(os.path.dirname(cfg), name)


def crt_list_lines(path: str, text: str) -> list[tuple[Location, list[str], list[str], str]]:
    """A crt-list as HAProxy reads it: (where, [ssl options], SNI filters, certificate) per
    line; `#` lines are comments, words are split on blanks, `[` and `]`."""
    out = []
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip() or raw.lstrip()[0] == "#":
            continue
        head, bracket, rest = raw.partition("[")
        options, closed, tail = rest.partition("]")
        if bracket and not closed:
            raise TlsconfError.single(Location(path, number, len(head) + 1), "",
                                      "crt-list line: `[` without `]`")
        words = head.split()
        if not words:
            raise TlsconfError.single(Location(path, number, 1), "",
                                      "crt-list line: must start with a certificate")
        filters = words[1:] + tail.split() if bracket else words[1:]
        out.append((Location(path, number, len(raw) - len(raw.lstrip()) + 1), options.split(),
                    filters, words[0]))
    return out


def _crt_list(bind: SiteBuilder, line: Line, path: str,
              stapled: dict[str, Location]) -> list[Subject]:
    """One subject per crt-list line: the bind's policy with the line's own options."""
    from tlsconf.source import decode, read_bytes

    try:
        text = decode(path, read_bytes(path))
    except TlsconfError as error:
        raise TlsconfError([Problem(line.loc, "bind crt-list", f"crt-list {path!r} cannot be "
                                    f"read: {error.problems[0].message}")]) from error
    out = []
    for loc, options, filters, certificate in crt_list_lines(path, text):
        b = copy.deepcopy(bind)
        b.name = f"{bind.name} crt-list {os.path.basename(path)}:{loc.line}"
        b.location = loc
        b.domains = tuple(f for f in filters if not f.startswith("!"))
        b.certificate = certificate
        _staple(b, stapled)
        b.origins["certificate"] = config_origin("crt-list certificate", loc)
        if any(option(options, o) is not None for o in ("ssl-min-ver", "ssl-max-ver")) \
                or any(flag in options for flag in NO_FLAGS):
            _protocols(b, [(options, loc, "crt-list line")], loc)
        if (value := option(options, "ciphers")) is not None:
            _cipher_string(b, value, config_origin("crt-list ciphers", loc))
        elif b.protocols == ("TLSv1.3",):
            # The listener's <= 1.2 list serves its other names; this one negotiates none of
            # it (not a dead list of this site's: TLS217 is for a list the site chose).
            b.ciphers = ()
        if (value := option(options, "ciphersuites")) is not None:
            b.ciphersuites = tuple(value.split(":"))
            b.origins["ciphersuites"] = config_origin("crt-list ciphersuites", loc)
        if (value := option(options, "curves")) is not None:
            b.curves = tuple(value.split(":"))
            b.origins["curves"] = config_origin("crt-list curves", loc)
        if (value := option(options, "ocsp-update")) is not None:
            # HAProxy >= 2.8 fetches and staples the certificate's OCSP response itself.
            b.ocsp_stapling = value == "on"
            b.origins["ocsp_stapling"] = config_origin("crt-list ocsp-update", loc)
        out.append(b.build())
    return out or [bind.build()]  # no certificate line: the bind's own policy is still judged


def reached(section: Section, backends: dict[str, Section],
             default_backend: str | None) -> list[Section]:
    """The backends a frontend's (or listen section's) requests can be sent to, in order."""
    names = [line.words[1] for line in section.lines
             if line.words[0] in ("use_backend", "default_backend") and len(line.words) > 1]
    if not any(line.words[0] == "default_backend" for line in section.lines):
        if section.kind == "listen":
            names.append(section.name)  # what no use_backend takes, the section serves itself
        elif default_backend is not None:
            names.append(default_backend)
    return [backends[n] for n in dict.fromkeys(names) if n in backends]


def hsts_line(section: Section) -> tuple[Line, str] | None:
    """The section's last rule that sets Strict-Transport-Security on TLS responses, and
    the header value."""
    found = None
    for line in section.lines:
        w = line.words
        if w[0] in ("http-response", "http-after-response") and len(w) >= 4 \
                and w[1] in ("set-header", "add-header") \
                and w[2].lower() == "strict-transport-security" and _on_tls(w[4:]):
            found = (line, w[3])
        elif w[0] == "rspadd" and len(w) >= 2 \
                and w[1].lower().startswith("strict-transport-security:") and _on_tls(w[2:]):
            found = (line, w[1].split(":", 1)[1].strip())
    if found is None and section.defaults is not None:
        return hsts_line(section.defaults)  # a (named) defaults section's rules are inherited
    return found


def _on_tls(condition: list[str]) -> bool:
    """False for the conditions that mean "not on a TLS connection"; True otherwise (an ACL
    tlsconf cannot evaluate narrows where the header goes, it does not remove it)."""
    joined = " ".join(condition).replace(" ", "")
    return joined not in ("unless{ssl_fc}", "unlessssl_fc", "if!{ssl_fc}", "if!ssl_fc")


def _hsts(b: SiteBuilder, section: Section, reached: list[Section]) -> None:
    own = hsts_line(section)
    if own is None and section.kind == "listen" and reached == [section]:
        reached = []
    if own is not None:
        chosen: tuple[Line, str] | None = own
    elif reached:
        found = [(hsts_line(backend), backend) for backend in reached]
        lacking = next((backend for line, backend in found if line is None), None)
        if lacking is not None and len(found) > 1 and any(line for line, _ in found):
            b.origins["hsts"] = config_origin(
                f"backend {lacking.name} sends no Strict-Transport-Security header",
                lacking.loc)
            return
        values = [(parse_hsts(line[1]), line) for line, _ in found if line is not None]
        chosen = min(values, key=lambda v: (v[0].max_age, v[0].include_subdomains,
                                            not v[0].preload))[1] if lacking is None else None
    else:
        chosen = None
    if chosen is None:
        b.origins["hsts"] = config_origin("no Strict-Transport-Security header", section.loc)
        return
    line, value = chosen
    b.hsts = parse_hsts(value)
    rule = line.words[0] if line.words[0] == "rspadd" else " ".join(line.words[:2])
    b.origins["hsts"] = config_origin(f"{rule} Strict-Transport-Security", line.loc)
    b.origins["hsts.max_age"] = b.origins["hsts"]


def redirects(section: Section) -> bool:
    for line in section.lines:
        w = line.words
        if w[:2] in (["http-request", "redirect"], ["redirect", "scheme"]) or w[0] == "redirect":
            joined = " ".join(w)
            if "scheme https" in joined or "https://" in joined:
                return True
    return False


def _site(section: Section, bind: Line, glob: dict[str, Line], unverified: list[Location],
          plain_redirects: bool | None, reached: list[Section]) -> SiteBuilder:
    w = bind.words
    _check_bind_address(bind)
    b = SiteBuilder("haproxy", f"{section.kind} {section.name} bind {w[1] if len(w) > 1 else ''}",
                    bind.loc)
    options = glob.get("ssl-default-bind-options")
    default_words = options.words[1:] if options else []
    _protocols(b, [(w, bind.loc, "bind"), (default_words, options.loc if options else None,
                                           "ssl-default-bind-options")], bind.loc)
    if (value := option(w, "ciphers")) is not None:
        _cipher_string(b, value, config_origin("bind ciphers", bind.loc))
    elif "ssl-default-bind-ciphers" in glob:
        line = glob["ssl-default-bind-ciphers"]
        _cipher_string(b, argument(line), config_origin("ssl-default-bind-ciphers", line.loc))
    else:
        b.set_cipher_string("DEFAULT", default_origin(
            "no ssl-default-bind-ciphers: OpenSSL's DEFAULT list (CBC and static-RSA suites)",
            bind.loc))
        b.facts["cipher_string"] = None
    if (value := option(w, "ciphersuites")) is not None:
        b.ciphersuites = tuple(value.split(":"))
        b.origins["ciphersuites"] = config_origin("bind ciphersuites", bind.loc)
    elif "ssl-default-bind-ciphersuites" in glob:
        line = glob["ssl-default-bind-ciphersuites"]
        b.ciphersuites = tuple(argument(line).split(":"))
        b.origins["ciphersuites"] = config_origin("ssl-default-bind-ciphersuites", line.loc)
    if (value := option(w, "curves")) is not None:
        b.curves = tuple(value.split(":"))
        b.origins["curves"] = config_origin("bind curves", bind.loc)
    elif "ssl-default-bind-curves" in glob:
        line = glob["ssl-default-bind-curves"]
        b.curves = tuple(argument(line).split(":"))
        b.origins["curves"] = config_origin("ssl-default-bind-curves", line.loc)
    if "tune.ssl.default-dh-param" in glob:
        line = glob["tune.ssl.default-dh-param"]
        if line.words[1:2] and line.words[1].isdigit():
            b.facts["dh_bits"] = int(line.words[1])
            b.where["dh_bits"] = line.loc
    if "allow-0rtt" in w or "allow-0rtt" in default_words:
        b.facts["early_data"] = True
        b.where["early_data"] = bind.loc if "allow-0rtt" in w else options.loc  # type: ignore[union-attr]
    if option(w, "tls-ticket-keys") is not None and "no-tls-tickets" not in w + default_words:
        b.facts["tickets_unrotated"] = True
        b.where["tickets_unrotated"] = bind.loc
    if "strict-sni" not in w:
        b.facts["unknown_sni_served"] = True
        b.where["sni"] = bind.loc
    b.certificate = option(w, "crt") or ""
    b.facts["serves_http"] = section.mode == "http"
    b.where["listener"] = bind.loc
    _hsts(b, section, reached)
    if any(line.words[0] == "bind" and "ssl" not in line.words
                            for line in section.lines):
        b.facts["http_redirect"] = redirects(section)
        b.where["redirect_http"] = section.loc
    else:
        b.facts["http_redirect"] = plain_redirects
        b.where["redirect_http"] = section.loc
    b.facts["unverified_upstreams"] = tuple(unverified)
    return b


def argument(line: Line) -> str:
    """The one argument of a `global` keyword; HAProxy refuses the file without it."""
    if len(line.words) < 2:
        raise TlsconfError.single(line.loc, line.words[0], "expects an argument (HAProxy "
                                  "refuses the line without one)")
    return line.words[1]


def _cipher_string(b: SiteBuilder, text: str, origin: Origin) -> None:
    """A cipher string OpenSSL cannot parse makes HAProxy refuse the config: exit 2 at it."""
    try:
        b.set_cipher_string(text, origin)
    except suites.CipherStringError as exc:
        assert origin.location is not None
        raise TlsconfError([Problem(origin.location, origin.detail,
                                    f"invalid cipher string: {exc}")]) from None


def _check_bind_address(bind: Line) -> None:
    """`bind *443` (no `:`): HAProxy refuses the file ("missing port specification"), so it is
    not judged as if it listened somewhere."""
    address = bind.words[1] if len(bind.words) > 1 else ""
    for part in address.split(","):
        if part.startswith("/") or "$" in part \
                or re.match(r"(unix|abns|abnsz|fd|sockpair)@", part):
            continue
        if ":" not in part.split("@", 1)[-1]:
            raise TlsconfError([Problem(bind.loc, "bind", f"address {part!r} has no port; "
                                        "allowed: [address]:port (`:443`, `*:443`, "
                                        "`[::]:443`), unix@/path, /path, fd@N")])


def _protocols(b: SiteBuilder, sources: list[tuple[list[str], Location | None, str]],
               bind_loc: Location) -> None:
    """Protocols from the first source (crt-list line, bind, ssl-default-bind-options) that
    sets any version option: HAProxy applies the most specific one."""
    for source, loc, detail in sources:
        low = option(source, "ssl-min-ver")
        high = option(source, "ssl-max-ver")
        flags = [v for flag, v in NO_FLAGS.items() if flag in source]
        if low is not None or high is not None or flags:
            for value in (low, high):
                if value is not None and value not in VERSIONS:
                    raise TlsconfError([Problem(loc or bind_loc, detail,
                                                f"unknown TLS version {value!r}; allowed: "
                                                f"{', '.join(VERSIONS)}")])
            first = ORDER.index(VERSIONS[low]) if low else ORDER.index("TLSv1.2")
            last = ORDER.index(VERSIONS[high]) if high else len(ORDER) - 1
            b.protocols = tuple(p for p in ORDER[first:last + 1] if p not in flags)
            b.origins["protocols"] = config_origin(detail, loc or bind_loc)
            if low is None and high is None and "TLSv1.3" in b.protocols \
                    and not {"TLSv1", "TLSv1.1"} <= set(flags):
                # `no-sslv3` alone (configs written for HAProxy < 2.2): whether TLS 1.0/1.1
                # are on is still the version's default, as with no option at all. (With an
                # upper bound below 1.3 the origin stays the config's: TLS 1.3 is off for sure.)
                only = " ".join(f for f in NO_FLAGS if NO_FLAGS[f] in flags)
                b.origins["protocols"] = default_origin(
                    f"no ssl-min-ver, and {detail} has only {only}: HAProxy's default depends "
                    "on its version (TLS 1.0 before 2.2)", loc or bind_loc)
            return
    b.protocols = ("TLSv1.2", "TLSv1.3")
    b.origins["protocols"] = default_origin(
        "no ssl-min-ver: HAProxy's default depends on its version (TLS 1.0 before 2.2)", bind_loc)



def _crt_list_input(path: str, text: str) -> tuple[Subject, ...]:
    """A crt-list given on its own is judged through the HAProxy config beside it whose
    `bind … crt-list` names it (its lines only have a policy on top of that bind's): the
    subjects of its lines. Without such a config it cannot be judged: an error, not clean."""
    import glob

    from tlsconf.source import decode, read_bytes

    crt_list_lines(path, text)  # a malformed line is an error whatever the config says
    target = os.path.normpath(path)
    directory = os.path.dirname(path)
    for cfg in sorted(glob.glob(os.path.join(glob.escape(directory or "."), "*.cfg"))):
        data = read_bytes(cfg)
        cfg_text = decode(cfg, data)
        names = re.findall(r"\bcrt-list\s+(\S+)", cfg_text)
        if not any(os.path.normpath(crt_list_path(cfg, n)) == target for n in names):
            continue
        return tuple(s for s in ingest(cfg, data, cfg_text)
                     if os.path.normpath(s.site.location.file) == target)
    raise TlsconfError.single(Location(path), "", "a crt-list is judged with the bind that "
                              "names it: no HAProxy config (*.cfg) beside it has `bind … "
                              "crt-list` naming this file; lint that config")
