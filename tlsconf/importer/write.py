"""`Imported` → the spec as YAML text, each value commented with where it came from.

ruamel.yaml in round-trip mode builds the document, so every value is quoted by the emitter
(a hostile server name or path stays one string: nothing an input holds can add a key, a
comment or a document) and each value gets an end-of-line `# from FILE:LINE` comment. The only
text that is not a YAML value — the header and those comments — goes through `printable`, so a
file name with a newline cannot start a line of its own. The result is checked by tlsconf's own
spec loader (`check`): an import whose spec the loader refuses is a bug, never written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from tlsconf import __version__
from tlsconf.errors import Location, Path
from tlsconf.importer.model import Imported

# Short lists of scalars are written in flow style on their key's line (`[TLSv1.2, TLSv1.3]`).
FLOW_WIDTH = 72


def printable(text: str) -> str:
    """`text` with every character outside printable ASCII escaped (`\\n`, `\\x1b`, `\\u2028`):
    safe inside a comment or a report line."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(c if c.isascii() and c.isprintable() else repr(c)[1:-1] for c in text)


def header(kind: str, paths: Sequence[str]) -> str:
    names = ", ".join(printable(p) for p in paths)
    return (
        f"# Imported by tlsconf {__version__} from {kind}: {names}\n"
        "# Review every value before rendering: `# from FILE:LINE` names the source of each, the\n"
        "# loss report lists what was approximated or dropped, and weak settings are kept as\n"
        "# written (render refuses them until you decide).\n"
    )


def to_yaml(imported: Imported, kind: str, paths: Sequence[str]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt", pure=True)
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 1 << 20  # one value, one line: no folding that would move a comment
    document = _node(imported.spec)
    comments: set[str] = set()
    for path in sorted({*imported.origins, *imported.notes}, key=_sort_key):
        parts = [printable(imported.notes[path])] if path in imported.notes else []
        if path in imported.origins:
            parts.append(f"from {_where(imported.origins[path])}")
        comments.add(_comment(document, path, "# " + "; ".join(parts)))
    out = io.StringIO()
    yaml.dump(document, out)
    return header(kind, paths) + "".join(_spaced(line, comments)
                                         for line in out.getvalue().splitlines(keepends=True))


def _spaced(line: str, comments: set[str]) -> str:
    """Two spaces before each end-of-line comment (ruamel puts one after some values). Only
    a line that ends with one of the comments written is touched: every value is on one line
    (plain or quoted; a quoted one ends with its quote), so that suffix is the comment."""
    body = line.rstrip("\n")
    for comment in comments:
        if body.endswith(f" {comment}") and not body.endswith(f"  {comment}"):
            return body[: -len(comment) - 1] + "  " + comment + line[len(body):]
    return line


def _sort_key(path: Path) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:09d}") if isinstance(p, int) else (1, p) for p in path)


def _where(location: Location) -> str:
    return printable(f"{location.file}:{location.line}" if location.line else location.file)


def _node(value: object) -> Any:
    """Builtins → ruamel's commented containers (mapping order kept)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _node(item)
        return mapping
    if isinstance(value, list | tuple):
        seq = CommentedSeq([_node(item) for item in value])
        if all(isinstance(item, str | int | float | bool) for item in value) \
                and len(", ".join(str(item) for item in value)) <= FLOW_WIDTH:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise TypeError(f"not spec data: {type(value).__name__}")


def _comment(document: Any, path: Path, text: str) -> str:
    """The end-of-line comment of the value at `path`: on its key's line, or for a mapping in
    a list on its first key's line. A value that already has a comment keeps it; a path the
    spec does not hold is a bug in the importer."""
    from ruamel.yaml.comments import CommentedMap

    parent = document
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    value = parent[key]
    if not isinstance(parent, CommentedMap) and isinstance(value, CommentedMap) and value:
        parent, key = value, next(iter(value))
    if key not in parent.ca.items:
        parent.yaml_add_eol_comment(text, key)
    return text


def check(text: str, name: str = "<imported spec>") -> None:
    """The spec loader's verdict on the written text: raises `TlsconfError` (file:line:col)
    when it refuses it."""
    from tlsconf.specfile import parse_spec

    parse_spec(name, text.encode("utf-8"))
