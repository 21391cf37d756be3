"""Traefik dynamic configuration (YAML or TOML) → one subject per TLS router.

Keys are matched case-insensitively, as Traefik does (`minversion` works). A router's TLS
policy is its `tls.options` entry, else `default`; a `default` that is not defined is Go's
defaults (server-default origin). Clients without SNI always get `default`, so it is judged
even when no router names it. Templated files (`{{ … }}`: Traefik runs Go templates first)
are refused. `apply_options` maps one TLS option; `ingest.k8s` reuses it for the `TLSOption`
CRD, whose `spec` has the same keys.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from tlsconf import suites
from tlsconf.errors import Location, Path, TlsconfError
from tlsconf.ingest.common import SiteBuilder, config_origin, default_origin
from tlsconf.lint.model import Subject
from tlsconf.policy import HSTSPolicy

VERSIONS = {"versiontls10": "TLSv1", "versiontls11": "TLSv1.1", "versiontls12": "TLSv1.2",
            "versiontls13": "TLSv1.3"}
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


class _Doc:
    """Case-insensitive access with positions (YAML: exact; TOML: the key's line)."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.lines = text.splitlines()
        if name.lower().endswith(".toml"):
            import tomllib

            try:
                self.data: Any = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise TlsconfError.single(Location(name), "", f"TOML syntax error: {exc}") from None
            self.document = None
        else:
            from tlsconf.source import load

            self.document = load(name, text)
            self.data = self.document.data

    def get(self, node: Any, path: Path, key: str) -> tuple[Any, Path]:
        if isinstance(node, dict):
            key = key.lower()
            for real in node:
                if isinstance(real, str) and real.lower() == key:
                    return node[real], (*path, real)
        return None, (*path, key)

    def locate(self, path: Path) -> Location:
        if self.document is not None:
            return self.document.locate(path, key=True)
        start = 0  # TOML: the key's first line after the nearest table header naming its parent
        keys = [p for p in path if isinstance(p, str)]
        for number, line in enumerate(self.lines, 1):
            stripped = line.strip().lower()
            if stripped.startswith("[") and keys[:-1] and keys[-2].lower() in stripped:
                start = number
        for number in range(start + 1 if start else 1, len(self.lines) + 1):
            if keys and re.match(rf"\s*{re.escape(keys[-1])}\s*=", self.lines[number - 1], re.I):
                return Location(self.name, number, 1)
        return Location(self.name, start or 1, 1)


def ingest(path: str, text: str) -> tuple[Subject, ...]:
    match = TEMPLATE.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise TlsconfError.single(Location(path, line), "", "templated file: Traefik executes "
                                  "Go templates before parsing; render it first")
    doc = _Doc(path, text)
    top: Path = ()
    tls, tls_path = doc.get(doc.data, top, "tls")
    options, options_path = doc.get(tls, tls_path, "options")
    http, http_path = doc.get(doc.data, top, "http")
    unverified = _unverified(doc, http, http_path)
    middlewares, mw_path = doc.get(http, http_path, "middlewares")
    subjects = []
    used: set[str] = set()
    for section in ("http", "tcp"):
        block, block_path = doc.get(doc.data, top, section)
        routers, routers_path = doc.get(block, block_path, "routers")
        for name, router in (routers or {}).items():
            router_path = (*routers_path, name)
            router_tls, router_tls_path = doc.get(router, router_path, "tls")
            if router_tls is None:
                continue
            option_name, _ = doc.get(router_tls, router_tls_path, "options")
            option_name = str(option_name or "default").split("@")[0]
            used.add(option_name)
            b = _site(doc, f"router {name}", doc.locate(router_path), options, options_path,
                      option_name, doc.locate(router_tls_path))
            b.facts["serves_http"] = section == "http"
            if section == "http":
                _hsts(doc, b, router, router_path, middlewares, mw_path)
            b.facts["unverified_upstreams"] = unverified
            subjects.append(b.build())
    if (options is not None or subjects) and "default" not in used:  # what no-SNI clients get
        where = doc.locate(options_path) if options is not None else doc.locate(top)
        b = _site(doc, "tls.options.default (clients without SNI)", where, options,
                  options_path, "default", where)
        b.facts["serves_http"] = False
        subjects.append(b.build())
    return tuple(subjects)


def _site(doc: _Doc, name: str, loc: Location, options: Any, options_path: Path,
          option_name: str, use_loc: Location) -> SiteBuilder:
    b = SiteBuilder("traefik", name, loc)
    opts, path = doc.get(options, options_path, option_name)
    if opts is None:
        undefined_options(b, f"tls.options.{option_name} is not defined", use_loc,
                          is_default=option_name == "default")
    else:
        apply_options(doc, b, opts, path, f"tls.options.{option_name}",
                      is_default=option_name == "default")
    return b


class Reader(Protocol):
    """Key lookup with positions: this module's `_Doc` (case-insensitive, as Traefik's file
    provider reads keys) or a Kubernetes manifest (exact keys, as the API server keeps them)."""

    def get(self, node: Any, path: Path, key: str) -> tuple[Any, Path]: ...

    def locate(self, path: Path) -> Location: ...


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
    low, low_path = doc.get(opts, path, "minVersion")
    high, high_path = doc.get(opts, path, "maxVersion")
    unknown = [str(v) for v in (low, high) if v is not None and str(v).lower() not in VERSIONS]
    first = ORDER.index(VERSIONS.get(str(low).lower(), "TLSv1.2"))
    last = ORDER.index(VERSIONS.get(str(high).lower(), "TLSv1.3"))
    b.protocols = ORDER[first:last + 1]
    if low is not None or high is not None:
        b.origins["protocols"] = config_origin(
            "minVersion", doc.locate(low_path if low is not None else high_path))
    else:
        b.origins["protocols"] = default_origin(
            f"{label} has no minVersion: Go's default (TLS 1.2)", doc.locate(path))
    if unknown:
        b.facts["protocol_unknown"] = tuple(unknown)
        b.where["protocol_unknown"] = doc.locate(low_path if low is not None and str(low) in unknown
                                                 else high_path)
    ciphers, ciphers_path = doc.get(opts, path, "cipherSuites")
    if ciphers:
        found = []
        for value in ciphers:
            suite = GO_SUITES.get(str(value)) or suites.lookup(str(value))
            if suite is None or suite.go is None or str(value) not in (suite.iana, suite.go):
                raise TlsconfError.single(doc.locate(ciphers_path), "cipherSuites",
                                          f"Traefik refuses cipher suite {value!r} (invalid "
                                          "CipherSuite): use Go's IANA names")
            found.append(suite.openssl or suite.iana)
        b.ciphers = tuple(found)
        b.origins["ciphers"] = config_origin("cipherSuites", doc.locate(ciphers_path))
    else:
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


def _hsts(doc: _Doc, b: SiteBuilder, router: Any, router_path: Path, middlewares: Any,
          mw_path: Path) -> None:
    names, names_path = doc.get(router, router_path, "middlewares")
    for name in names or []:
        mw, path = doc.get(middlewares, mw_path, str(name).split("@")[0].lower())
        headers, headers_path = doc.get(mw, path, "headers")
        seconds, seconds_path = doc.get(headers, headers_path, "stsseconds")
        if isinstance(seconds, int) and seconds > 0:
            sub, _ = doc.get(headers, headers_path, "stsincludesubdomains")
            preload, _ = doc.get(headers, headers_path, "stspreload")
            b.hsts = HSTSPolicy(True, seconds, sub is True, preload is True)
            b.origins["hsts"] = config_origin("headers.stsSeconds", doc.locate(seconds_path))
            b.origins["hsts.max_age"] = b.origins["hsts"]
            return
    b.origins["hsts"] = config_origin("no headers middleware with stsSeconds",
                                      doc.locate(names_path if names else router_path))


def _unverified(doc: _Doc, http: Any, http_path: Path) -> tuple[Location, ...]:
    out = []
    transports, transports_path = doc.get(http, http_path, "serverstransports")
    for name, transport in (transports or {}).items():
        skip, skip_path = doc.get(transport, (*transports_path, name), "insecureskipverify")
        if skip is True:
            out.append(doc.locate(skip_path))
    static, static_path = doc.get(doc.data, (), "serverstransport")
    skip, skip_path = doc.get(static, static_path, "insecureskipverify")
    if skip is True:
        out.append(doc.locate(skip_path))
    return tuple(out)
