"""Input detection and the ingester registry: bytes → subjects (+ the texts read, for
suppression comments). Detected from the extension and content; `--kind` overrides.

Kubernetes manifests (`k8s`) are the one kind read across files: `read` gives a file's kind and
text, `ingest_text` the subjects of every other kind, and `k8s.subjects` those of all the
manifests of a run together (an IngressRoute in one file names a TLSOption in another).
"""

from __future__ import annotations

import re
from pathlib import Path

from tlsconf.errors import Location, TlsconfError
from tlsconf.lint.model import Subject

KINDS = ("spec", "nginx", "haproxy", "traefik", "envoy", "caddy", "k8s")
_HAPROXY_SECTION = re.compile(r"^(global|defaults|frontend|backend|listen)\b", re.MULTILINE)
# A block nginx knows (also the http-context ones a conf.d file may hold alone: `map`, `geo`,
# `split_clients`, `types`), or an ssl_* or add_header directive (a TLS policy snippet).
_NGINX_HINT = re.compile(r"^\s*(?:(?:http|server|events|stream|mail|upstream|location|types)\s*\{"
                         r"|(?:map|geo|split_clients)\s[^;{}]*\{|(?:ssl_\w+|add_header)\s)",
                         re.MULTILINE)
# A manifest of a group tlsconf reads (anywhere, also as a List item), or any object at column 0.
_K8S_GROUP = re.compile(r"^[\s-]*apiVersion\s*:\s*[\"']?(traefik\.io|traefik\.containo\.us|"
                        r"gateway\.networking\.k8s\.io|gateway\.envoyproxy\.io)/", re.MULTILINE)
_K8S_API = re.compile(r"^apiVersion\s*:", re.MULTILINE)
_K8S_KIND = re.compile(r"^kind\s*:", re.MULTILINE)
_SPEC = re.compile(r"^sites\s*:", re.MULTILINE)
# Traefik dynamic configuration: a top-level tls/http/tcp section (YAML key or TOML table).
_TRAEFIK_YAML = re.compile(r"^(tls|http|tcp)\s*:", re.MULTILINE)
_TRAEFIK_TOML = re.compile(r"^\s*\[\[?\s*(tls|http|tcp)\s*[.\]]", re.MULTILINE)
# Envoy's bootstrap (YAML or JSON) and Caddy's native JSON: told by their top-level keys. JSON
# is read only for these kinds (a package.json beside the configs is not linted). In YAML the
# key is bare at column 0 or quoted (JSON-style, as tlsconf renders it); a manifest (a ConfigMap
# holding an Envoy bootstrap in a block string) stays a manifest.
_ENVOY = re.compile(r'^(?:static_?[rR]esources|\s*[{,]?\s*"static_?[rR]esources")\s*:',
                    re.MULTILINE)
_CADDY_APPS = re.compile(r'"apps"\s*:')
_CADDY_APP = re.compile(r'"(?:http|tls)"\s*:')
CONFIG_SUFFIXES = (".yaml", ".yml", ".toml", ".conf", ".cfg")


def caddyfile_name(path: str) -> bool:
    """`Caddyfile`, `Caddyfile.prod`, `site.caddyfile`: what `caddy adapt` reads."""
    name = Path(path).name
    return name == "Caddyfile" or name.startswith("Caddyfile.") or \
        name.lower().endswith(".caddyfile")


def _json_kind(head: str) -> str | None:
    if _ENVOY.search(head):
        return "envoy"
    if _CADDY_APPS.search(head) and _CADDY_APP.search(head):
        return "caddy"
    return None


def detect(path: str, head: str) -> str:
    suffix = Path(path).suffix.lower()
    if caddyfile_name(path):
        return "caddy"
    if suffix == ".json":
        found = _json_kind(head)
        if found is None:
            raise TlsconfError.single(Location(path), "", "a JSON file that is neither an Envoy "
                                      "bootstrap (`static_resources`) nor a Caddy config "
                                      "(`apps`): pass --kind")
        return found
    if suffix in (".yaml", ".yml"):
        if _SPEC.search(head):
            return "spec"
        if _ENVOY.search(head) and not (_K8S_API.search(head) and _K8S_KIND.search(head)):
            return "envoy"
        if _K8S_GROUP.search(head) or (_K8S_API.search(head) and _K8S_KIND.search(head)):
            return "k8s"
        return "traefik"
    if suffix == ".toml":
        return "traefik"
    if _NGINX_HINT.search(head) or _nginx_path(Path(path)):
        return "nginx"
    if _HAPROXY_SECTION.search(head) or "haproxy" in Path(path).name or suffix == ".cfg" \
            or "crt-list" in Path(path).name:
        return "haproxy"
    raise TlsconfError.single(Location(path), "", "cannot tell the input kind (spec, nginx, "
                                                  "haproxy, traefik, envoy, caddy, k8s): pass "
                                                  "--kind")


def _nginx_path(path: Path) -> bool:
    """`nginx` in the file name, or a `.conf` under a directory named like nginx — the
    tlsconf-lint hook's `files:` (`nginx.*\\.conf`, `/nginx/.*\\.conf`), so every file the hook
    passes has a kind (tlsconf's `nginx/conf.d/00-tlsconf.conf` may hold only a `map`)."""
    return "nginx" in path.name or (path.suffix == ".conf"
                                    and any("nginx" in part for part in path.parts[:-1]))


def found_kind(path: str, head: str, kind: str | None = None) -> str | None:
    """The kind of a file met while searching a directory, or None when it is not a config
    tlsconf reads. Stricter than `detect`, which guesses the kind of a file the user named:
    here the content must show it (a spec's `sites:`, a manifest of a group tlsconf reads,
    Traefik's `tls`/`http`/`tcp` sections, nginx blocks or `ssl_*` directives, HAProxy
    sections, Envoy's `static_resources`, Caddy's `apps`; a Caddyfile by its name), so a
    README, a CI workflow, pyproject.toml, package.json or a Deployment next to the
    configs is not linted. With `kind`, only files of that kind are taken (for `k8s`, any
    YAML object with apiVersion and kind)."""
    name = Path(path).name
    suffix = Path(path).suffix.lower()
    found: str | None = None
    if caddyfile_name(path):
        found = "caddy"
    elif suffix == ".json":
        found = _json_kind(head)
    elif suffix in (".yaml", ".yml"):
        if _SPEC.search(head):
            found = "spec"
        elif _ENVOY.search(head) and not (_K8S_API.search(head) and _K8S_KIND.search(head)):
            found = "envoy"
        elif _K8S_GROUP.search(head) or (kind == "k8s" and _K8S_API.search(head)
                                          and _K8S_KIND.search(head)):
            found = "k8s"
        elif _TRAEFIK_YAML.search(head):
            found = "traefik"
    elif suffix == ".toml":
        found = "traefik" if _TRAEFIK_TOML.search(head) else None
    elif suffix in ("", ".conf", ".cfg", ".nginx") or "nginx" in name or "haproxy" in name:
        if _NGINX_HINT.search(head):
            found = "nginx"
        elif _HAPROXY_SECTION.search(head) and (
                suffix in ("", ".cfg", ".conf") or "haproxy" in name):
            found = "haproxy"
    return found if kind is None or found == kind else None


def read(path: str, kind: str | None = None, data: bytes | None = None) -> tuple[str, bytes, str]:
    """The file's kind (`kind`, else detected), bytes (`data` when already read, e.g. from
    stdin) and decoded text."""
    from tlsconf.source import decode, read_bytes

    if data is None:
        data = read_bytes(path)
    text = decode(path, data)
    kind = kind or detect(path, text)
    if kind not in KINDS:
        raise TlsconfError.single(Location(path), "",
                                  f"unknown kind {kind!r}; allowed: {', '.join(KINDS)}")
    return kind, data, text


def ingest(path: str, kind: str | None = None) -> tuple[str, tuple[Subject, ...], dict[str, str]]:
    """One file's subjects (a manifest file on its own) and the texts read."""
    kind, data, text = read(path, kind)
    subjects, texts = ingest_text(path, kind, data, text)
    return kind, subjects, texts


def _is_json_object(text: str) -> bool:
    """Caddy JSON rather than a Caddyfile (which may also start with a `{` options block)."""
    import json

    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def ingest_text(path: str, kind: str, data: bytes,
                text: str) -> tuple[tuple[Subject, ...], dict[str, str]]:
    if kind == "spec":
        from tlsconf.ingest import spec

        return spec.ingest(path, data), {path: text}
    if kind == "nginx":
        from tlsconf.ingest import nginx

        return nginx.ingest(path, text)
    if kind == "haproxy":
        from tlsconf.ingest import haproxy

        return haproxy.ingest(path, data, text), {path: text}
    if kind == "traefik":
        from tlsconf.ingest import traefik

        return traefik.ingest(path, text), {path: text}
    if kind == "envoy":
        from tlsconf.ingest import envoy

        return envoy.ingest(path, text), {path: text}
    if kind == "caddy":
        from tlsconf.ingest import caddy

        if caddyfile_name(path) or (not path.lower().endswith(".json")
                                    and not _is_json_object(text)):
            return caddy.ingest_caddyfile(path, text), {path: text}
        return caddy.ingest(path, text), {path: text}
    from tlsconf.ingest import k8s

    return k8s.ingest(path, text), {path: text}
