"""Traefik documents as data → file text, through one safety check.

Traefik runs every dynamic configuration file through Go `text/template` before parsing it, so
`{{` anywhere — even inside a correctly quoted YAML string — is executed (`{{ env "SECRET" }}`
leaks the environment; an unbalanced `{{` drops the whole file). Rule literals are backtick
strings, and `@` in a router, service, middleware or TLS-options name selects another provider's
object (`api@internal` publishes the API). So no template is used: the renderer builds plain
dicts, `check_document` walks every key and leaf right before serialising, and anything outside
printable ASCII without braces and backticks (and without `@` in names) is refused. The only
exemption is `Rule`: rule strings tlsconf assembles itself from validated domains and paths,
where the backticks are tlsconf's own.

Serialisation is JSON, which is YAML 1.2 (and what Traefik's YAML reader accepts): every string
is double-quoted, so no scalar can change type between PyYAML-style YAML 1.1 resolution (Go's
`yaml` package) and YAML 1.2, the text is byte-identical across library versions (golden files
stay stable), and objects always break the line, so the text can never contain `{{`. The header
comments above the JSON document are plain YAML comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as _string  # json.dumps' own, for str

from tlsconf.escape import UnsafeValue, check_tree

# Keys whose string values (or list items) name Traefik objects: `@` would reach another
# provider's namespace.
NAME_KEYS = frozenset({"service", "middlewares", "options", "entryPoints", "to", "fallback"})
_SAFE = re.compile(r"[\x20-\x7e]*")
_PLAIN = re.compile(r"[\x20-\x3f\x41-\x5f\x61-\x7a\x7c\x7e]*")  # _SAFE without @ ` { }
_NEVER = "{}"  # Go template delimiters
_BACKTICK = "`"


class Rule(str):
    """A router rule tlsconf assembled from validated values; it carries its own backticks."""

    __slots__ = ()


def check_text(value: str, *, name: bool = False, rule: bool = False) -> None:
    """Refuse one string Traefik could read as more than a literal value."""
    if _PLAIN.fullmatch(value):  # the common case, in one scan: nothing below can apply
        return
    if not _SAFE.fullmatch(value):
        raise UnsafeValue(f"refusing to emit {value!r} into Traefik config: only printable ASCII")
    if any(c in value for c in _NEVER):
        raise UnsafeValue(f"refusing to emit {value!r}: Traefik executes {{{{ }}}} as a template")
    if not rule and _BACKTICK in value:
        raise UnsafeValue(f"refusing to emit {value!r}: backticks delimit Traefik rule literals")
    if name and "@" in value:
        raise UnsafeValue(f"refusing the name {value!r}: '@' selects another Traefik provider")


def check_document(document: object) -> None:
    """Walk a document and check every key and leaf (see the module docstring)."""
    check_tree(document, "Traefik config", _check_key, _check_leaf)


def _check_key(key: str) -> None:
    check_text(key, name=True)


def _check_leaf(text: str, parent: str | None) -> None:
    check_text(text, name=parent in NAME_KEYS, rule=isinstance(text, Rule))


def dump(header: str, document: Mapping[str, object]) -> str:
    """`header` (YAML comments) followed by the checked document as JSON."""
    check_document(document)
    body = _json(document, "")
    if "{{" in body:  # unreachable (objects always break the line); kept as a tripwire
        raise UnsafeValue("refusing Traefik config text containing '{{'")
    return header + body + "\n"


def _json(node: object, indent: str) -> str:
    """JSON with two-space indentation; short lists of scalars stay on one line. Concrete
    classes are tested before `Mapping` (an ABC check, slow over half a million nodes)."""
    if isinstance(node, str):
        return _string(node)
    inner = indent + "  "
    if isinstance(node, dict | Mapping):
        if not node:
            return "{}"
        members = [f"{inner}{_string(k)}: {_json(v, inner)}" for k, v in node.items()]
        return "{\n" + ",\n".join(members) + "\n" + indent + "}"
    if isinstance(node, list | tuple):
        items = [_json(item, inner) for item in node]
        flat = "[" + ", ".join(items) + "]"
        # A checked document holds only mappings, lists, tuples, str, bool and int.
        if len(flat) <= 72 and all(isinstance(i, str | bool | int) for i in node):
            return flat
        return "[\n" + ",\n".join(inner + i for i in items) + "\n" + indent + "]"
    return json.dumps(node, ensure_ascii=True)
