"""Helpers every config ingester shares: building the resolved policy from directive values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from msgspec import Struct, field

from tlsconf import suites
from tlsconf.errors import Location
from tlsconf.lint.model import CONFIG, SERVER_DEFAULT, ProxyFacts, Subject
from tlsconf.policy import HSTSPolicy, Origin, SitePolicy, TLSPolicy

# Template markers (Jinja/Go `{{ }}` and `{% %}`, ERB `<% %>`, `@@VAR@@` placeholders): a file
# holding one is not the config the server reads — render it first, never judge it.
TEMPLATE = re.compile(r"\{\{|\{%|<%|@@[A-Za-z_][A-Za-z0-9_]*@@")
TLS13_DEFAULT = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")


def config_origin(detail: str, location: Location) -> Origin:
    return Origin(CONFIG, detail, location)


def default_origin(detail: str, location: Location) -> Origin:
    return Origin(SERVER_DEFAULT, detail, location)


class SiteBuilder(Struct):
    """Mutable while an ingester collects a site's values; `build()` freezes it."""

    kind: str
    name: str
    location: Location
    domains: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ("TLSv1.2", "TLSv1.3")
    ciphers: tuple[str, ...] = ()
    ciphersuites: tuple[str, ...] = TLS13_DEFAULT
    curves: tuple[str, ...] = ()
    prefer_server_ciphers: bool = False
    session_tickets: bool | None = None
    ocsp_stapling: bool = False
    resolvers: tuple[str, ...] = ()
    certificate: str = ""
    key: str = ""
    hsts: HSTSPolicy = field(default_factory=lambda: HSTSPolicy(False, 0, False, False))
    origins: dict[str, Origin] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)
    where: dict[str, Location] = field(default_factory=dict)

    def set_cipher_string(self, text: str, origin: Origin) -> None:
        """Expand an OpenSSL cipher string with tlsconf's own table (never the local OpenSSL)."""
        self.ciphers, unknown = expand_cipher_string(text)
        self.origins["ciphers"] = origin
        self.facts["cipher_string"] = text
        self.facts["cipher_unknown"] = unknown

    def build(self) -> Subject:
        tls = TLSPolicy(
            profile="", guideline="", protocols=self.protocols, ciphers=self.ciphers,
            ciphersuites=self.ciphersuites, curves=self.curves,
            prefer_server_ciphers=self.prefer_server_ciphers, session_timeout=0,
            session_tickets=self.session_tickets, ocsp_stapling=self.ocsp_stapling,
            resolvers=self.resolvers, trusted_ca=None, client_auth=None, dhparam=None,
            certificate=self.certificate, key=self.key,
        )
        site = SitePolicy(
            index=0, name=self.name, location=self.location, domains=self.domains, address="",
            https_port=443, http_port=80, tls=tls, hsts=self.hsts, redirect_http=False,
            acme_webroot=None, acme_upstream=None, http2=False, routes=(), balance="",
            health_check=None, headers=(), default_server=False, origins=dict(self.origins),
        )
        facts = ProxyFacts(**self.facts, where=dict(self.where))  # type: ignore[arg-type]
        return Subject(self.kind, site, facts)


def mark_unknown_versions(doc: Any, b: SiteBuilder, values: Iterable[tuple[object, Any]],
                          names: Mapping[str, str]) -> None:
    """Version values (with their document paths) the server does not know, and silently
    ignores (Go-based servers: Traefik, Caddy): the `protocol_unknown` fact, located at each
    value (`doc.value(path)`)."""
    unknown = [(v, p) for v, p in values
               if v is not None and not (isinstance(v, str) and v in names)]
    if unknown:
        b.facts["protocol_unknown"] = tuple(str(v) for v, _ in unknown)
        b.where["protocol_unknown"] = doc.value(unknown[0][1])
        for v, p in unknown:
            b.where.setdefault(f"protocol_unknown:{v}", doc.value(p))


@lru_cache(maxsize=256)
def expand_cipher_string(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(suite names, words OpenSSL skips) of a cipher string, computed once per distinct
    string: an `http`-level `ssl_ciphers` shared by 5000 servers is expanded once, not 5000
    times. Raises `suites.CipherStringError` like `suites.expand` (errors are not cached)."""
    names = tuple(s.openssl or s.iana for s in suites.expand(text))
    return names, suites.unknown_tokens(text)


def parse_hsts(value: str) -> HSTSPolicy:
    """`max-age=63072000; includeSubDomains; preload` → HSTSPolicy (unparsable age: 0)."""
    max_age = 0
    include = preload = False
    for part in value.split(";"):
        token = part.strip()
        lower = token.lower()
        if lower.startswith("max-age="):
            digits = token.split("=", 1)[1].strip().strip('"')
            max_age = int(digits) if digits.isdigit() else 0
        elif lower == "includesubdomains":
            include = True
        elif lower == "preload":
            preload = True
    return HSTSPolicy(True, max_age, include, preload)


def column(lines: list[str], line: int, word: str) -> int:
    """1-based column of `word` on a 1-based line (1 when not found)."""
    if 0 < line <= len(lines):
        found = lines[line - 1].find(word)
        if found >= 0:
            return found + 1
    return 1
