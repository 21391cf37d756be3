"""A YAML/JSON document read with positions, for the ingesters of proxies whose config is one
tree of keys (Envoy's bootstrap, Caddy's JSON): typed lookups that refuse a value of the wrong
shape at its position (exit 2, never a silent skip)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from msgspec import structs

from tlsconf.errors import Location, Path, TlsconfError
from tlsconf.source import Document, load


def camel(key: str) -> str:
    """`static_resources` → `staticResources` (proto JSON takes both spellings)."""
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Tree:
    """One document; `aliases` also finds a key by its lowerCamelCase name (Envoy)."""

    def __init__(self, name: str, text: str, *, aliases: bool = False) -> None:
        self.name = name
        try:
            self.document: Document = load(name, text)
        except TlsconfError as error:
            if not text.lstrip().startswith("{"):
                raise
            # JSON is read with the YAML parser (a JSON text is YAML): say which the file is.
            raise TlsconfError(structs.replace(p, message=p.message.replace(
                "YAML syntax error", "JSON syntax error", 1)) for p in error.problems) from None
        self.data: Any = self.document.data
        self.aliases = aliases

    def get(self, node: Any, path: Path, key: str) -> tuple[Any, Path]:
        """The value of `key` in the mapping `node` at `path` (None when absent)."""
        if isinstance(node, dict):
            if key in node:
                return node[key], (*path, key)
            other = camel(key)
            if self.aliases and other in node:
                return node[other], (*path, other)
        return None, (*path, key)

    def locate(self, path: Path) -> Location:
        return self.document.locate(path, key=True)

    def value(self, path: Path) -> Location:
        return self.document.locate(path)

    def refuse(self, path: Path, message: str, *, at_value: bool = False) -> TlsconfError:
        where = self.value(path) if at_value else self.locate(path)
        return TlsconfError.single(where, dotted(path), message)

    def mapping(self, node: Any, path: Path, key: str) -> tuple[dict[str, Any] | None, Path]:
        value, found = self.get(node, path, key)
        if value is not None and not isinstance(value, dict):
            raise self.refuse(found, f"expected a mapping, found {_kind(value)}")
        return value, found

    def sequence(self, node: Any, path: Path, key: str) -> tuple[list[Any], Path]:
        value, found = self.get(node, path, key)
        if value is not None and not isinstance(value, list):
            raise self.refuse(found, f"expected a list, found {_kind(value)}")
        return value or [], found

    def string(self, node: Any, path: Path, key: str) -> tuple[str | None, Path]:
        value, found = self.get(node, path, key)
        if value is not None and not isinstance(value, str):
            raise self.refuse(found, f"expected a string, found {_kind(value)}", at_value=True)
        return value, found

    def strings(self, node: Any, path: Path, key: str) -> tuple[list[tuple[str, Path]], Path]:
        """A list of strings, each with its own path."""
        items, found = self.sequence(node, path, key)
        out = []
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise self.refuse((*found, index), f"expected a string, found {_kind(item)}",
                                  at_value=True)
            out.append((item, (*found, index)))
        return out, found

    def items(self, items: list[Any], path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
        """The mappings of a list, each with its path; any other item is refused."""
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.refuse((*path, index), f"expected a mapping, found {_kind(item)}")
            yield item, (*path, index)


def dotted(path: Path) -> str:
    """`("a", 0, "b")` → `a[0].b`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "a mapping", list: "a list", str: "a string", int: "a number",
            float: "a number"}.get(type(value), "null" if value is None else type(value).__name__)
