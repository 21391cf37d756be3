"""The nginx importer's collector: entries and origins by directive node, and the value
checks every part of it shares (the spec's own grammar, nginx's time syntax, file paths)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator

from tlsconf.errors import Path
from tlsconf.grammar import abs_path
from tlsconf.importer.collect import Collector
from tlsconf.ingest.nginx import Node

_TIME = re.compile(r"(\d+)(ms|s|m|h|d|w|M|y)?")
_SECONDS = {None: 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000,
            "y": 31536000}
NOT_RENDERED = "tlsconf renders no equivalent"


def valid(check: Callable[[str], str], value: str) -> str | None:
    """The spec grammar's complaint about `value`, or None when the spec accepts it."""
    try:
        check(value)
    except ValueError as error:
        return str(error)
    return None


def seconds(text: str) -> int | None:
    """nginx's time syntax (`1d`, `86400s`, `10m`, `1h30m`) → seconds (None: not a time, or
    milliseconds)."""
    total, pos = 0, 0
    while pos < len(text):
        match = _TIME.match(text, pos)
        if match is None or match.group(2) == "ms":
            return None
        total += int(match.group(1)) * _SECONDS[match.group(2)]
        pos = match.end()
    return total if text else None


def walk(node: Node) -> Iterator[Node]:
    """Every directive under `node`, depth first."""
    for child in node.children or []:
        yield child
        yield from walk(child)


class Out(Collector):
    def mapped(self, node: Node, path: str, detail: str = "") -> None:
        self.add(node.loc, node.name, "mapped", detail or path, path)

    def approx(self, node: Node, path: str, how: str) -> None:
        self.add(node.loc, node.name, "approximated", how, path)

    def drop(self, node: Node, why: str) -> None:
        self.add(node.loc, node.name, "dropped", why)

    def at(self, path: Path, node: Node) -> None:
        self.origin(path, node.loc)

    def error(self, node: Node, field: str, message: str) -> None:
        self.fail(node.loc, field, message)

    def file(self, main: str, node: Node, spec_path: str) -> str | None:
        """A directive's file argument as the spec's absolute path; a relative one resolved
        against the config's directory (nginx uses its prefix, often that directory). None,
        with the reason recorded as a problem, when the spec cannot hold it."""
        value = node.args[0] if node.args else ""
        if "$" in value or value.startswith("data:"):
            self.error(node, node.name, f"{value!r}: a variable or inline data; the spec needs "
                       f"a file path ({spec_path})")
            return None
        if value.startswith("/"):
            self.mapped(node, spec_path)
        else:
            value = os.path.normpath(os.path.join(os.path.abspath(os.path.dirname(main)), value))
            self.approx(node, spec_path, f"relative path, resolved against {main}'s directory "
                        "(nginx resolves it against its prefix)")
        error = valid(abs_path, value)
        if error is not None:
            self.error(node, node.name, f"{value!r} {error}")
            return None
        return value

    def rest(self, roots: list[Node]) -> None:
        """Every directive no part of the importer used: dropped (one inside a block that is
        not imported says so)."""
        def visit(node: Node, lost: Node | None) -> None:
            for child in node.children or []:
                if lost is not None:
                    self.fill(child.loc, child.name, f"inside the `{lost.name}` at line "
                              f"{lost.loc.line}, which is not imported")
                else:
                    self.fill(child.loc, child.name, NOT_RENDERED)
                dropped = (child.loc, child.name, "dropped", "") in self.found
                visit(child, lost or (child if dropped else None))

        for root in roots:
            visit(root, None)
