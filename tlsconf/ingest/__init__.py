"""Input detection and the ingester registry: bytes → subjects (+ the texts read, for
suppression comments). Detected from the extension and content; `--kind` overrides."""

from __future__ import annotations

import re
from pathlib import Path

from tlsconf.errors import Location, TlsconfError
from tlsconf.lint.model import Subject

KINDS = ("spec", "nginx", "haproxy", "traefik")
_HAPROXY_SECTION = re.compile(r"^(global|defaults|frontend|backend|listen)\b", re.MULTILINE)
_NGINX_HINT = re.compile(r"^\s*(http|server|events|stream|upstream|location)\s*\{|^\s*ssl_\w+\s",
                         re.MULTILINE)


def detect(path: str, head: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "spec" if re.search(r"^sites\s*:", head, re.MULTILINE) else "traefik"
    if suffix == ".toml":
        return "traefik"
    if _NGINX_HINT.search(head) or "nginx" in Path(path).name:
        return "nginx"
    if _HAPROXY_SECTION.search(head) or "haproxy" in Path(path).name or suffix == ".cfg":
        return "haproxy"
    raise TlsconfError.single(Location(path), "", "cannot tell the input kind (spec, nginx, "
                                                  "haproxy, traefik): pass --kind")


def ingest(path: str, kind: str | None = None) -> tuple[str, tuple[Subject, ...], dict[str, str]]:
    from tlsconf.source import decode, read_bytes

    data = read_bytes(path)
    text = decode(path, data)
    kind = kind or detect(path, text)
    if kind == "spec":
        from tlsconf.ingest import spec

        return kind, spec.ingest(path, data), {path: text}
    if kind == "nginx":
        from tlsconf.ingest import nginx

        subjects, texts = nginx.ingest(path, text)
        return kind, subjects, texts
    if kind == "haproxy":
        from tlsconf.ingest import haproxy

        return kind, haproxy.ingest(path, data, text), {path: text}
    if kind == "traefik":
        from tlsconf.ingest import traefik

        return kind, traefik.ingest(path, text), {path: text}
    raise TlsconfError.single(Location(path), "",
                              f"unknown kind {kind!r}; allowed: {', '.join(KINDS)}")
