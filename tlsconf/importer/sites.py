"""What the HAProxy and Traefik importers share: a site being collected (`SiteDraft`), its TLS
policy as a profile plus overrides (from the lint subject: the very values lint judges), the
spec assembled in output order with an origin per value, and the lint findings on the input."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from msgspec import Struct, field, structs

from tlsconf.config import Settings
from tlsconf.errors import Location, Path, Problem, TlsconfError, format_path
from tlsconf.findings import Finding
from tlsconf.grammar import (
    abs_path,
    domain,
    header_name,
    header_value,
    host_port,
    ip_address,
    url_path,
)
from tlsconf.importer.entries import Log
from tlsconf.importer.nginx_out import valid
from tlsconf.importer.profile import Policy, choose
from tlsconf.lint.model import SERVER_DEFAULT, Subject
from tlsconf.names import cipher_name, curve_name, tls13_suite_name

# A request check (authentication, client addresses) the spec cannot hold: dropping it opens
# the site to what it refused, so the loss report says it loudly.
ACCESS_DROPPED = ("ACCESS CONTROL DROPPED: the spec has no request checks, so the rendered "
                  "site accepts what this refused; put the check in front of tlsconf's output "
                  "or in the application")
# A site's keys in the order the spec documents them (docs/spec.md).
ORDER = ("name", "domains", "default_server", "listen", "tls", "hsts", "redirect_http",
         "acme_upstream", "http2", "upstreams", "balance", "health_check", "websocket",
         "headers", "locations")
TLS_ORDER = ("certificate", "key", "profile", "protocols", "ciphers", "ciphersuites", "curves",
             "prefer_server_ciphers", "session_tickets", "session_timeout", "ocsp_stapling",
             "client_auth", "dhparam")


class SiteDraft(Struct):
    """A site while an importer collects it: values by their path inside the site."""

    name: str
    domains: tuple[str, ...]
    location: Location
    subject: Subject
    section: str = ""  # the source's grouping (HAProxy frontend, Traefik TLS option)
    values: dict[Path, object] = field(default_factory=dict)
    origins: dict[Path, Location] = field(default_factory=dict)
    backends: set[str] = field(default_factory=set)  # pools it uses (HAProxy backends)
    notes: dict[Path, str] = field(default_factory=dict)  # a value's comment beside its origin
    profile: str = "intermediate"
    index: int = -1  # its place in `sites` (`add`)

    def set(self, path: Path, value: object, where: Location) -> None:
        self.values[path] = value
        self.origins[path] = where

    def origin(self, path: Path, where: Location) -> None:
        """Where a value inside one set (a list item, a nested key) comes from."""
        self.origins[path] = where

    def has(self, path: Path) -> bool:
        return path in self.values

    def get(self, path: Path) -> object:
        return self.values.get(path)

    def split(self, name: str, domains: tuple[str, ...], where: Location) -> SiteDraft:
        """A site on the same certificate and policy serving other names."""
        out = copy.deepcopy(self)
        out.name, out.domains, out.location = name, domains, where
        for path in [p for p in out.values if p[0] in ("upstreams", "locations", "balance",
                                                       "health_check", "default_server")]:
            del out.values[path]
        out.set(("domains",), list(domains), where)
        return out


def add(sites: list[SiteDraft], draft: SiteDraft) -> SiteDraft:
    draft.index = len(sites)
    sites.append(draft)
    return draft


def with_certificate(subject: Subject, certificate: str) -> Subject:
    """The subject of one more `crt` on the same bind: its policy, another certificate."""
    tls = structs.replace(subject.site.tls, certificate=certificate)
    return structs.replace(subject, site=structs.replace(subject.site, tls=tls))


def site_name(domain: str) -> str:
    """A spec site name from a domain: `*.blog.example.com` → `wildcard-blog-example-com`."""
    text = domain.lower().replace("*.", "wildcard.")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:32].strip("-")
    return text or "site"


def certificate_names(path: str, where: Location) -> tuple[str, ...]:
    """The DNS names of a certificate file (its SANs), the site's domains when the config
    names none (no SNI filter): refused when the file cannot be read here."""
    from tlsconf.certs.files import read_certificates
    from tlsconf.certs.san import names

    certs, issues = read_certificates(path)
    dns = names(certs[0]).dns if certs else ()
    if not dns:
        why = issues[0].message if issues else "it has no DNS name in its subjectAltName"
        raise TlsconfError.single(where, "crt", (
            f"the site's domains are unknown: no SNI filter (crt-list) or Host rule names them, "
            f"and certificate {path} cannot give them ({why}); import where the certificates "
            "are, or list the names in a crt-list"))
    return tuple(d.lower() for d in dict.fromkeys(dns))


class ServerGroups(Struct, frozen=True):
    """The groups a server offers when the config names none, and what to say about them."""

    groups: tuple[str, ...]
    detail: str  # `no curves: OpenSSL 3.0's default groups`
    where: Location  # the line that would name them


def policy(draft: SiteDraft, subject: Subject, log: Log,
           prefer_server_ciphers: bool | None = None,
           default_groups: ServerGroups | None = None) -> None:
    """The subject's TLS values → `tls.profile` and the overrides that differ from it (the
    shared chooser, `tlsconf.importer.profile`). A value the input leaves to the server is
    stated as the server's default (the ingester's reading, which lint judges), and the loss
    report says so where it is left unset. Suites of a version the site does not enable are
    not compared (they negotiate nothing)."""
    for name in ("protocols", "ciphers"):
        origin = subject.site.origins.get(name)
        if origin is not None and origin.kind == SERVER_DEFAULT and origin.location:
            log.note(origin.location, f"{name} not set ({origin.detail}): the spec states "
                     "that default")
    tls = subject.site.tls
    below_13 = bool(set(tls.protocols) - {"TLSv1.3"})
    curves = tls.curves or (default_groups.groups if default_groups else None)
    choice = choose(Policy(tls.protocols, tls.ciphers if below_13 else None,
                           tls.ciphersuites if "TLSv1.3" in tls.protocols else None,
                           curves, prefer_server_ciphers))
    draft.profile = choice.profile
    at = subject.site.location
    draft.set(("tls", "profile"), choice.profile, at)
    draft.notes[("tls", "profile")] = choice.label
    for name, value in choice.overrides.items():
        origin = subject.site.origins.get(name)
        draft.set(("tls", name), value, origin.location if origin and origin.location else at)
        if origin is not None and origin.kind == SERVER_DEFAULT:  # the server leaves it unset
            draft.notes[("tls", name)] = origin.detail
    if not tls.curves and default_groups is not None:
        if "curves" in choice.overrides:
            draft.origin(("tls", "curves"), default_groups.where)
            draft.notes[("tls", "curves")] = default_groups.detail
        log.note(default_groups.where, f"{default_groups.detail}: the spec states them")
    if tls.ocsp_stapling:
        origin = subject.site.origins.get("ocsp_stapling")
        log.note(origin.location if origin and origin.location else at, (
            "OCSP stapling is not imported: the spec asks for it with the DNS resolvers nginx "
            "needs (tls.ocsp_stapling with tls.resolvers); add both to keep it"))


# The spec grammar each imported value must pass (else the import is refused at its source).
GRAMMAR: dict[Path, Callable[[str], str]] = {
    ("tls", "certificate"): abs_path, ("tls", "key"): abs_path, ("tls", "dhparam"): abs_path,
    ("listen", "address"): ip_address, ("acme_upstream",): host_port,
    ("health_check", "path"): url_path,
}


# The names of the policy's lists (a server refuses a name its TLS library does not know).
LIST_GRAMMAR: dict[str, Callable[[str], str]] = {
    "ciphers": cipher_name, "ciphersuites": tls13_suite_name, "curves": curve_name,
}


def check(drafts: list[SiteDraft]) -> None:
    """Every value the spec loader would refuse, refused here at the source line that gave
    it (exit 2, nothing written): a spec tlsconf cannot load is never written."""
    problems: list[Problem] = []

    def test(grammar: Callable[[str], str], value: object, path: Path, draft: SiteDraft,
             field_: str) -> None:
        error = valid(grammar, str(value))
        if error is not None:
            where = draft.origins.get(path) or draft.origins.get(path[:1]) or draft.location
            problems.append(Problem(where, field_, f"{value!r}: {error}"))

    for draft in drafts:
        if not draft.get(("upstreams",)):
            problems.append(Problem(draft.location, "upstreams", (
                f"site {draft.name} ({', '.join(draft.domains)}): no backend server reaches "
                "it (a default backend or service with plain-HTTP servers)")))
        if not draft.domains or len(draft.domains) > 100:
            problems.append(Problem(draft.origins.get(("domains",), draft.location), "domains",
                                    f"site {draft.name} has {len(draft.domains)} names; a site "
                                    "serves 1 to 100"))
        for name in draft.domains:
            test(domain, name, ("domains",), draft, "domains")
        listen = draft.get(("listen",))
        for port in ("https_port", "http_port"):
            value = listen.get(port) if isinstance(listen, dict) else None
            if value is not None and not (isinstance(value, int) and 1 <= value <= 65535):
                problems.append(Problem(draft.origins[("listen",)], f"listen.{port}",
                                        f"{value!r}: a port from 1 to 65535"))
        hsts = draft.get(("hsts",))
        if isinstance(hsts, dict) and not 0 <= int(hsts.get("max_age", 0)) <= 2**31 - 1:
            problems.append(Problem(draft.origins[("hsts",)], "hsts.max_age", (
                f"max-age={hsts['max_age']}: allowed 0 to {2**31 - 1}")))
        ciphers = draft.get(("tls", "ciphers"))
        protocols = draft.get(("tls", "protocols"))
        if protocols == []:
            problems.append(Problem(draft.origins[("tls", "protocols")], "protocols", (
                "no TLS version is enabled (the lowest allowed is above the highest): no "
                "handshake succeeds")))
        if ciphers == [] and not (isinstance(protocols, list) and protocols == ["TLSv1.3"]):
            problems.append(Problem(draft.origins[("tls", "ciphers")], "ciphers", (
                "the cipher list selects no TLS <= 1.2 suite while TLS 1.2 or lower is on "
                "(the server falls back to its build's defaults): list the suites")))
        for path, value in draft.values.items():
            for key, grammar in GRAMMAR.items():
                node = _inside(value, key[len(path):]) if path == key[:len(path)] else None
                if node is not None:
                    test(grammar, node, key, draft, format_path(key))
        for n, upstream in enumerate(_list(draft.get(("upstreams",)))):
            test(host_port, upstream["address"], ("upstreams", n), draft, "upstreams.address")
        for k, location in enumerate(_list(draft.get(("locations",)))):
            test(url_path, location["path"], ("locations", k), draft, "locations.path")
            if not location["upstreams"]:
                problems.append(Problem(draft.origins.get(("locations", k), draft.location),
                                        "locations.upstreams", f"path {location['path']}: no "
                                        "backend server (a pool with plain-HTTP servers)"))
            for n, upstream in enumerate(location["upstreams"]):
                test(host_port, upstream["address"], ("locations", k, "upstreams", n), draft,
                     "locations.upstreams.address")
        headers = draft.get(("headers",))
        for name, value in (headers.items() if isinstance(headers, dict) else ()):
            test(header_name, name, ("headers",), draft, "headers")
            test(header_value, value, ("headers",), draft, "headers")
        for field_, grammar in LIST_GRAMMAR.items():
            for n, item in enumerate(_strings(draft.get(("tls", field_)))):
                test(grammar, item, ("tls", field_), draft, f"tls.{field_}[{n}]")
        auth = draft.get(("tls", "client_auth"))
        if isinstance(auth, dict):
            test(abs_path, auth["ca"], ("tls", "client_auth"), draft, "tls.client_auth.ca")
    if problems:
        raise TlsconfError(problems)


def _exists(node: object, path: Path) -> bool:
    """Does `path` name a value inside `node` (dict keys, list indexes)?"""
    for part in path:
        if isinstance(node, list) and isinstance(part, int):
            if not 0 <= part < len(node):
                return False
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def _inside(value: object, path: Path) -> object:
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _list(value: object) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else []


def settle(drafts: list[SiteDraft], log: Log) -> None:
    """What the spec cannot hold twice or at all, settled the way the server does, each in the
    loss report: a name a site before it serves on the same listener (the server picks the
    first certificate listing it), a location path listed again (the first rule matches),
    `preload` without `includeSubDomains` (no preload list takes it)."""
    served: dict[tuple[object, object, str], str] = {}
    for draft in drafts:
        listen = draft.get(("listen",))
        where = (listen.get("address"), listen.get("https_port")) if isinstance(listen, dict) \
            else (None, None)
        kept = []
        for name in draft.domains:
            first = served.setdefault((*where, name), draft.name)
            if first == draft.name and name not in kept:
                kept.append(name)
            elif first != draft.name:
                log.note(draft.origins[("domains",)], f"{name} is served by {first} (listed "
                         f"first on the listener), not by {draft.name}")
        draft.domains = tuple(kept)
        draft.set(("domains",), kept, draft.origins[("domains",)])
        firsts = {str(loc["path"]): loc for loc in reversed(_list(draft.get(("locations",))))}
        locations = [loc for loc in _list(draft.get(("locations",)))
                     if firsts[str(loc["path"])] is loc]
        if len(locations) != len(_list(draft.get(("locations",)))):
            draft.set(("locations",), locations, draft.origins[("locations",)])
            log.note(draft.origins[("locations",)], "a path routed twice: the first rule wins")
        hsts = draft.get(("hsts",))
        if isinstance(hsts, dict) and hsts.get("preload") and not hsts.get("include_subdomains"):
            hsts["preload"] = False
            log.note(draft.origins[("hsts",)], "preload without includeSubDomains is not "
                     "imported (the preload list refuses it)")


# The spec's own judgement of `redirect_http: false` where the input serves no plain HTTP (lint
# does not judge a redirect the input has no listener for; tlsconf then renders none either).
NO_PLAIN_HTTP = "tlsconf: ignore[TLS507] the imported config serves no plain HTTP for these names"


class Assembled(Struct):
    spec: dict[str, object]
    origins: dict[Path, Location]
    notes: dict[Path, str]


def assemble(drafts: list[SiteDraft]) -> Assembled:
    """The spec (`sites` in source order, unique names), each value's origin and notes."""
    check(drafts)
    sites: list[dict[str, Any]] = []
    origins: dict[Path, Location] = {}
    notes: dict[Path, str] = {}
    used: set[str] = set()
    for index, draft in enumerate(drafts):
        name = draft.name
        n = 2
        while name in used:
            suffix = f"-{n}"
            name = draft.name[:32 - len(suffix)] + suffix
            n += 1
        used.add(name)
        site: dict[str, Any] = {"name": name}
        origins[("sites", index, "name")] = draft.location
        for path, value in sorted(draft.values.items(), key=lambda kv: _rank(kv[0])):
            if path[0] == "pool":
                continue  # the source's name of the site's pool, not a spec field
            node = site
            for part in path[:-1]:
                node = node.setdefault(str(part), {})
            node[str(path[-1])] = value
        for path, where in sorted(draft.origins.items(), key=lambda kv: _rank(kv[0])):
            if _exists(site, path):  # (a value settled away leaves its origin behind)
                origins[("sites", index, *path)] = where
        notes.update({("sites", index, *path): text for path, text in draft.notes.items()
                      if _exists(site, path)})
        sites.append(site)
    return Assembled({"sites": sites}, origins, notes)


def _rank(path: Path) -> tuple[int, int]:
    head = str(path[0])
    first = ORDER.index(head) if head in ORDER else len(ORDER)
    second = TLS_ORDER.index(str(path[1])) if head == "tls" and len(path) > 1 else 0
    return first, second


def findings(path: str, text: str, subjects: list[Subject], settings: Settings) -> list[Finding]:
    """What `tlsconf lint` says about the input (suppression comments honoured)."""
    from tlsconf.judge import verdict
    from tlsconf.lint.suppress import scan

    return verdict(subjects, scan(path, text), settings).findings
