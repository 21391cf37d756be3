"""A spec file → a validated `Spec`, or every problem with its file:line:col.

`defaults:` is merged into each site at the data level before validation, remembering which
values came from `defaults`, so an error in a defaulted value points at the line in `defaults`.
After pydantic, the cross-field rules that need exact positions (unique names and domains,
duplicate location prefixes) run here.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

from msgspec import Struct, field
from pydantic import BaseModel, ValidationError

from tlsconf.errors import Path, Problem, TlsconfError, format_path, short_repr
from tlsconf.source import DEFAULT_MAX_BYTES, Document, decode, gc_paused, load, read_bytes
from tlsconf.spec import DEFAULTABLE, Spec


class LoadedSpec(Struct, frozen=True):
    spec: Spec
    document: Document
    data: bytes  # the file as read
    origins: dict[Path, Path] = field(default_factory=dict)  # merged path → path in the file

    def source_path(self, path: Path) -> Path:
        """Where a value of the merged spec was written (in its site or in `defaults`)."""
        if not self.origins:
            return path
        for cut in range(len(path), 1, -1):
            origin = self.origins.get(path[:cut])
            if origin is not None:
                return origin + path[cut:]
        return path

    def locate(self, path: Path, *, key: bool = False) -> Any:
        return self.document.locate(self.source_path(path), key=key)


def load_spec(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedSpec:
    data = read_bytes(path, max_bytes)
    return parse_spec(path, data)


@gc_paused()
def parse_spec(name: str, data: bytes) -> LoadedSpec:
    from tlsconf.progress import phase

    with phase(f"reading {name}", 0):
        return _parse_spec(name, data)


def _parse_spec(name: str, data: bytes) -> LoadedSpec:
    document = load(name, decode(name, data))
    merged, origins = _merge_defaults(document)
    loaded = LoadedSpec(Spec.model_construct(sites=[]), document, data, origins)
    try:
        spec = Spec.model_validate(merged)
    except ValidationError as exc:
        raise TlsconfError(_problems(loaded, merged, exc)) from None
    loaded = LoadedSpec(spec, document, data, origins)
    problems = list(_semantic_problems(loaded))
    if problems:
        raise TlsconfError(problems)
    return loaded


def _merge_defaults(document: Document) -> tuple[dict[str, Any], dict[Path, Path]]:
    data = document.data
    top = {k: v for k, v in data.items() if k != "defaults"}
    defaults = data.get("defaults")
    if defaults is None:
        return top, {}
    if not isinstance(defaults, dict):
        raise TlsconfError.single(
            document.locate(("defaults",)), "defaults", "must be a mapping of site fields"
        )
    problems = [
        Problem(
            document.locate(("defaults", key), key=True),
            f"defaults.{key}",
            f"not a defaultable site field; allowed: {', '.join(DEFAULTABLE)}",
        )
        for key in defaults
        if key not in DEFAULTABLE
    ]
    if problems:
        raise TlsconfError(problems)
    sites = top.get("sites")
    if not isinstance(sites, list):
        return top, {}
    origins: dict[Path, Path] = {}
    merged_sites = []
    for index, site in enumerate(sites):
        if not isinstance(site, dict):
            merged_sites.append(site)
            continue
        merged_sites.append(_merge(defaults, site, ("defaults",), ("sites", index), origins))
    top["sites"] = merged_sites
    return top, origins


def _merge(
    default: dict[str, Any],
    own: dict[str, Any],
    dpath: Path,
    opath: Path,
    origins: dict[Path, Path],
) -> dict[str, Any]:
    out = dict(own)
    for key, value in default.items():
        if key not in own:
            out[key] = value
            origins[(*opath, key)] = (*dpath, key)
        elif isinstance(value, dict) and isinstance(own[key], dict):
            out[key] = _merge(value, own[key], (*dpath, key), (*opath, key), origins)
    return out


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Path, Any, bool]:
    """Follow a pydantic `loc` through the data, dropping type tags: (path, value, found)."""
    path: list[str | int] = []
    node = data
    found = True
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and not _is_type_tag(part):
            path.append(part)  # a missing field
            found = False
            break
    return tuple(path), node, found


def _is_type_tag(part: str) -> bool:
    return "[" in part or part in ("str", "int", "bool", "float", "list", "dict", "none")


def _problems(loaded: LoadedSpec, data: Any, exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        is_key = bool(loc) and loc[-1] == "[key]"
        path, value, found = _data_path(data, loc[:-1] if is_key else loc)
        if is_key:
            value = path[-1]
        kind = error["type"]
        message = str(error["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
            message = f"{short_repr(value)} {message}"
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "extra_forbidden":
            allowed = _allowed_fields(path[:-1])
            message = f"unknown field; allowed: {', '.join(allowed)}"
        elif kind.endswith("_type") or kind in ("literal_error", "enum") or found:
            message = f"{message}, got {short_repr(value)}"
        source = loaded.source_path(path)
        key = kind == "extra_forbidden" or is_key
        where = loaded.document.locate(source if found or key else source[:-1], key=key)
        problems.append(Problem(where, format_path(source), message))
    return problems


def _allowed_fields(path: Path) -> list[str]:
    """Field names of the model that sits at `path` in a Spec."""
    model: type[BaseModel] = Spec
    for part in path:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        nested = _model_in(info.annotation)
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None or get_args(annotation):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _semantic_problems(loaded: LoadedSpec) -> list[Problem]:
    spec = loaded.spec
    out: list[Problem] = []

    def add(path: Path, message: str, *, key: bool = False) -> None:
        source = loaded.source_path(path)
        out.append(Problem(loaded.document.locate(source, key=key), format_path(source), message))

    names: dict[str, int] = {}
    domains: dict[tuple[str, str, int], int] = {}
    for i, site in enumerate(spec.sites):
        if site.name in names:
            add(
                ("sites", i, "name"),
                f"{site.name!r} is already the name of sites[{names[site.name]}]; names must "
                f"be unique",
            )
        names.setdefault(site.name, i)
        for j, name in enumerate(site.domains):
            key = (name, site.listen.address, site.listen.https_port)
            if key in domains and domains[key] != i:
                add(
                    ("sites", i, "domains", j),
                    f"{name!r} is already served by sites[{domains[key]}] on the same listener",
                )
            elif name in site.domains[:j]:
                add(("sites", i, "domains", j), f"{name!r} is listed twice")
            domains.setdefault(key, i)
        seen: set[str] = set()
        for j, location in enumerate(site.locations):
            if location.path in seen:
                add(
                    ("sites", i, "locations", j, "path"),
                    f"{location.path!r} is listed twice; each prefix once",
                )
            seen.add(location.path)
        if site.tls.ciphers == []:
            from tlsconf import profiles

            protocols = (
                site.tls.protocols or profiles.get(site.tls.profile or "intermediate").protocols
            )
            if any(p != "TLSv1.3" for p in protocols):
                add(
                    ("sites", i, "tls", "ciphers"),
                    "is empty but a TLS version below 1.3 is "
                    "enabled; the server would fall back to its build's default ciphers. List "
                    "the suites, or set protocols: [TLSv1.3]",
                )
        if site.acme_webroot and site.acme_upstream:
            add(("sites", i, "acme_upstream"), "set either acme_webroot or acme_upstream, not both")
        if site.hsts.preload and not site.hsts.include_subdomains:
            add(("sites", i, "hsts", "preload"), "preload needs include_subdomains: true")
        if site.tls.ocsp_stapling and not site.tls.resolvers:
            add(
                ("sites", i, "tls", "ocsp_stapling"),
                "OCSP stapling needs `tls.resolvers` (DNS servers to reach the responder)",
            )
    return out
