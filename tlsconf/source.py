"""YAML bytes → plain data with a position for every value.

The file is checked before it is parsed (size, strict UTF-8, no NUL or Unicode line
separators), then read as a stream of parser events — libyaml's C parser, through PyYAML's
binding — and built into plain dicts, lists and scalars in one pass that records where each
value and key starts. That single pass is what refuses what a spec never needs and an attacker
loves: anchors and aliases (alias bombs), explicit tags (`!!python/...`), merge keys,
directives, several documents, duplicate keys and deep nesting. Plain scalars are resolved with
the YAML 1.2 core schema (so `on`/`no` stay strings).

One parser decides for every file, whatever its size: the same text always gives the same data,
positions and errors. The libyaml 0.2 that PyYAML's wheels bundle reads a `:` inside a plain
scalar in `[ ]` or `{ }` as YAML 1.2 does (`{address: 10.0.0.1:8080}` is one value); the older
libyaml inside ruamel.yaml.clib refused it, which is why that one is not used. (Before, a refusal
sent files under 256 KiB to ruamel's slow pure-Python parser, so meaning depended on size.)

`load` takes one document (a spec); `load_stream` takes a stream of `---`-separated documents
(Kubernetes manifests) through the same pass and the same refusals, one `Document` each, with
positions in the file; empty documents are skipped.
"""

from __future__ import annotations

import functools
import gc
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from msgspec import Struct, field

from tlsconf.errors import Location, Path, Problem, TlsconfError, format_path

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 24
# What libyaml still refuses of YAML 1.2 in flow style is a plain scalar with a `:` right before
# `,`, `[`, `]`, `{`, `}` or `?` (`[a:]`): it fails closed, and the error says how to write it.
COLON_HINT = (
    " (inside [ ] or { }, a plain value cannot have ':' right before , [ ] { } or ?;"
    " quote it)"
)

# Every character YAML does not print (C0 but TAB/LF/CR, DEL, C1, U+FFFE/U+FFFF: libyaml's reader
# would refuse them without a position), plus NEL and the Unicode line separators (line breaks
# for YAML 1.1 readers, not for 1.2) and a BOM inside the file.
_FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_NULL = re.compile(r"~|null|Null|NULL")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_INT_OCT = re.compile(r"0o[0-7]+")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


class Document(Struct):
    """Plain data from one YAML file and the 1-based (line, col) of every value and key."""

    name: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> Location:
        """The position of `path`'s value (or key), else of its nearest located ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            mark = table.get(probe) or self.values.get(probe)
            if mark is not None:
                return Location(self.name, *mark)
            probe = probe[:-1]
        return Location(self.name, *self.values.get((), (1, 1)))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large input is built, judged or rendered.

    10,000 sites are millions of long-lived objects and nothing cyclic worth collecting; with
    the collector on, its repeated passes over them cost as much as the work itself (a lint of
    5000 nginx servers took twice as long). Reference counting still frees everything; the
    collector resumes on exit (nested uses leave it to the outermost). What was allocated
    meanwhile goes straight to the oldest generation (freeze, then unfreeze: no pass over it),
    as if it had survived the young collections — else the first collection after resuming
    walks all of it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:  # no freeze/unfreeze: it leaked every call's garbage into the oldest generation
            gc.enable()


# The limit `read_bytes` applies when its caller gives none: `--max-bytes` of the command that
# runs (`byte_limit`), else DEFAULT_MAX_BYTES.
_MAX_BYTES: ContextVar[int] = ContextVar("tlsconf_max_bytes", default=DEFAULT_MAX_BYTES)


@contextmanager
def byte_limit(max_bytes: int) -> Iterator[None]:
    """Every file read inside the block (specs, configs, includes) is limited to `max_bytes`."""
    token = _MAX_BYTES.set(max_bytes)
    try:
        yield
    finally:
        _MAX_BYTES.reset(token)


def read_bytes(path: str, max_bytes: int | None = None) -> bytes:
    """Read a regular file, refusing it before reading when it is over the limit."""
    if max_bytes is None:
        max_bytes = _MAX_BYTES.get()
    where = Location(path)
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise TlsconfError.single(
                    where, "", f"file is {size} bytes; the limit is {max_bytes} (--max-bytes)"
                )
            # As many bytes as fstat announced and one more (a file that grew, or one that is
            # not regular, is read on up to the limit): no buffer of `max_bytes` for a small file.
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(max_bytes + 1 - len(data))
    except FileNotFoundError:
        raise TlsconfError.single(where, "", "no such file") from None
    except IsADirectoryError:
        raise TlsconfError.single(where, "", "is a directory, not a spec file") from None
    except PermissionError:
        raise TlsconfError.single(where, "", "permission denied") from None
    if len(data) > max_bytes:
        raise TlsconfError.single(where, "", f"file is larger than the limit of {max_bytes} bytes")
    return data


def decode(name: str, data: bytes) -> str:
    """Strict UTF-8 with no NUL, C0/C1 controls (but TAB/LF/CR) or Unicode line separators."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data[: exc.start].decode("utf-8", "replace"))
        raise TlsconfError.single(
            Location(name, line, col), "", f"invalid UTF-8 (byte 0x{data[exc.start]:02x})"
        ) from None
    bad = _FORBIDDEN_CHARS.search(text)
    if bad:
        line, col = _position(text[: bad.start()])
        raise TlsconfError.single(
            Location(name, line, col),
            "",
            f"character U+{ord(bad.group()):04X} is not allowed (control characters, NUL and "
            "Unicode line separators are refused)",
        )
    return text


def _position(prefix: str) -> tuple[int, int]:
    line = prefix.count("\n") + 1
    return line, len(prefix) - (prefix.rfind("\n") + 1) + 1


def load(name: str, text: str) -> Document:
    """Parse one YAML document into a `Document`; every refusal is a `TlsconfError`."""
    return _parse(name, text, stream=False).document()


def load_stream(name: str, text: str) -> tuple[Document, ...]:
    """Parse every `---`-separated document of `text`, in order, with the refusals of `load`.

    Each document's top level must be a mapping; empty documents (`---` with nothing but
    comments after it) are skipped, so an empty file is an empty tuple. Positions are the
    file's, whatever document a value is in.
    """
    return tuple(_parse(name, text, stream=True).finished)


def _parse(name: str, text: str, stream: bool) -> _Builder:
    try:
        return _build(name, _events(text), stream)
    except _SyntaxError as error:
        raise _syntax_error(name, error) from None


def _syntax_error(name: str, error: _SyntaxError) -> TlsconfError:
    exc = error.cause
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
    if problem == "exceeded maximum nesting depth":  # libyaml's own limit, 1000: ours is lower
        return TlsconfError.single(where, "", f"nesting deeper than {MAX_DEPTH} levels is not "
                                   "allowed")
    hint = COLON_HINT if problem == "found unexpected ':'" else ""
    return TlsconfError.single(where, "", f"YAML syntax error: {problem}{hint}")


class _SyntaxError(Exception):
    def __init__(self, cause: Exception) -> None:
        self.cause = cause


def _build(name: str, events: Iterator[Any], stream: bool) -> _Builder:
    builder = _Builder(name, stream)
    try:
        builder.run(events)
    except _Refused as refused:
        raise TlsconfError([refused.problem]) from None
    except TlsconfError:
        raise
    except Exception as exc:  # the parser's own errors
        raise _SyntaxError(exc) from None
    return builder


def load_file(path: str, max_bytes: int | None = None) -> tuple[Document, bytes]:
    data = read_bytes(path, max_bytes)
    return load(path, decode(path, data)), data


def _events(text: str) -> Iterator[Any]:
    """The parser events of `text`: libyaml's, else (a PyYAML built without a libyaml that
    reads flow-style colons as YAML 1.2) PyYAML's pure-Python parser, the same grammar."""
    parser = _c_parser()
    return _c_events(text, parser) if parser is not None else _pure_events(text)


@functools.cache
def _c_parser() -> Any:
    """PyYAML's libyaml parser class, if it reads `[a:b]` as one value (libyaml 0.2; probed
    once, so a PyYAML linked against an older libyaml falls back instead of reading YAML 1.1)."""
    try:
        from yaml._yaml import CParser  # libyaml: several times faster than the pure parser
    except ImportError:  # pragma: no cover - exercised only without libyaml
        return None
    try:
        for _event in _c_events("[a:b]", CParser):
            pass
    except Exception:  # pragma: no cover - an old libyaml: YAML 1.1 flow scalars
        return None
    return CParser


def _c_events(text: str, parser_class: Any = None) -> Iterator[Any]:
    from yaml.events import StreamEndEvent

    parser = (parser_class or _c_parser())(text)
    while True:
        event = parser.get_event()
        yield event
        if type(event) is StreamEndEvent:
            return


def _pure_events(text: str) -> Iterator[Any]:
    import yaml

    yield from yaml.parse(text, Loader=yaml.SafeLoader)


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _Builder:
    """Turns parser events into plain data, refusing every construct a spec does not need."""

    def __init__(self, name: str, stream: bool = False) -> None:
        self.name = name
        self.stream = stream  # several documents allowed (`load_stream`)
        self.finished: list[Document] = []  # the stream's non-empty documents so far
        self.doc = Document(name, None)
        self.documents = 0
        # Stack of open containers: (container, path, pending key or None, key mark).
        self.stack: list[list[Any]] = []
        self.root: Any = None
        self.has_root = False

    def refuse(self, event: Any, message: str, path: Path = ()) -> None:
        mark = event.start_mark
        where = Location(self.name, mark.line + 1, mark.column + 1)
        raise _Refused(Problem(where, format_path(path), message))

    def document(self) -> Document:
        if not self.has_root or self.root is None:
            raise TlsconfError.single(
                Location(self.name, 1, 1), "", "the file is empty; expected a mapping with `sites`"
            )
        self.doc.data = self.root
        return self.doc

    def _end_document(self) -> None:
        """Stream mode: keep the document just read (unless empty) and start a fresh one."""
        if self.has_root and self.root is not None:
            self.doc.data = self.root
            self.finished.append(self.doc)
        self.doc = Document(self.name, None)
        self.root, self.has_root = None, False

    def run(self, events: Iterator[Any]) -> None:
        """`feed` every event — unrolled for the events a spec is made of (scalars and
        collections), which are most of the time of loading 10,000 sites: the same values,
        positions and refusals, in the same order, as `feed`."""
        stack = self.stack
        values = self.doc.values
        keys = self.doc.keys
        kinds = _EVENT_KINDS
        resolve = _resolve
        for event in events:
            cls = type(event)
            kind = kinds.get(cls)
            if kind is None:
                kind = kinds[cls] = _KIND_NAMES.get(cls.__name__, _OTHER)
            if kind == _SCALAR:
                if event.anchor or event.tag is not None:
                    self.feed(event)  # refused there, with feed's message
                    continue
                text = event.value
                plain = event.style in (None, "")
                value = resolve(text) if plain else text
                mark = event.start_mark
                if not stack:
                    self.feed(event)  # a scalar document: refused there
                    continue
                top = stack[-1]
                container, path, key = top
                if type(container) is dict:
                    if key is None:  # a mapping key
                        if (plain and text == "<<") or type(value) is not str or \
                                value in container:
                            self.feed(event)  # refused there
                            continue
                        top[2] = value
                        keys[(*path, value)] = (mark.line + 1, mark.column + 1)
                        continue
                    container[key] = value
                    top[2] = None
                    values[(*path, key)] = (mark.line + 1, mark.column + 1)
                else:
                    values[(*path, len(container))] = (mark.line + 1, mark.column + 1)
                    container.append(value)
            elif kind >= _MAP and stack and not event.anchor and (
                    event.tag is None or event.implicit is True
                    or (isinstance(event.implicit, tuple) and event.implicit[0])) \
                    and len(stack) < MAX_DEPTH:
                top = stack[-1]
                container, path, key = top
                new: Any = {} if kind == _MAP else []
                mark = event.start_mark
                if type(container) is dict:
                    if key is None:
                        self.feed(event)  # refused there
                        continue
                    child: Path = (*path, key)
                    container[key] = new
                    top[2] = None
                else:
                    child = (*path, len(container))
                    container.append(new)
                values[child] = (mark.line + 1, mark.column + 1)
                stack.append([new, child, None])
            elif kind == _END:
                stack.pop()
            else:
                self.feed(event)
                values = self.doc.values  # a new document (stream mode) has its own tables
                keys = self.doc.keys

    def feed(self, event: Any) -> None:
        kind = type(event).__name__
        if kind in ("StreamStartEvent", "StreamEndEvent"):
            return
        if kind == "DocumentEndEvent":
            if self.stream:
                self._end_document()
            return
        if kind == "DocumentStartEvent":
            self.documents += 1
            if self.documents > 1 and not self.stream:
                self.refuse(event, "only one YAML document is allowed per file")
            if getattr(event, "version", None) or getattr(event, "tags", None):
                self.refuse(event, "YAML directives (%YAML, %TAG) are not allowed")
            return
        if kind == "AliasEvent":
            self.refuse(
                event,
                "YAML aliases (*name) are not allowed; repeat the value or use `defaults`",
                self._path(),
            )
        if getattr(event, "anchor", None):
            self.refuse(
                event,
                "YAML anchors (&name) are not allowed; repeat the value or use `defaults`",
                self._path(),
            )
        if kind == "ScalarEvent":
            self._scalar(event)
        elif kind in ("MappingStartEvent", "SequenceStartEvent"):
            self._check_tag(event)
            if len(self.stack) >= MAX_DEPTH:
                self.refuse(event, f"nesting deeper than {MAX_DEPTH} levels is not allowed")
            container: Any = {} if kind == "MappingStartEvent" else []
            path = self._place(event, container)
            self.stack.append([container, path, None])
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            self.stack.pop()

    def _check_tag(self, event: Any) -> None:
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        if tag is not None and not (
            implicit is True or (isinstance(implicit, tuple) and implicit[0])
        ):
            self.refuse(event, f"explicit YAML tags ({tag}) are not allowed", self._path())

    def _path(self) -> Path:
        if not self.stack:
            return ()
        container, path, key = self.stack[-1]
        if isinstance(container, dict):
            return (*path, key) if key is not None else path
        return (*path, len(container))

    def _place(self, event: Any, value: Any) -> Path:
        """Attach `value` to the open container (or make it the root); return its path."""
        mark = (event.start_mark.line + 1, event.start_mark.column + 1)
        if not self.stack:
            if self.stream and value is None:
                return ()  # an empty document in a stream: skipped
            if not isinstance(value, dict):
                self.refuse(event, "each document's top level must be a mapping" if self.stream
                            else "the top level must be a mapping with `sites`")
            self.root, self.has_root = value, True
            self.doc.values[()] = mark
            return ()
        top = self.stack[-1]
        container, path, key = top
        if isinstance(container, list):
            child: Path = (*path, len(container))
            container.append(value)
        else:
            if key is None:
                self.refuse(event, "mapping keys must be strings, not mappings or lists", path)
            child = (*path, key)
            container[key] = value
            top[2] = None
        self.doc.values[child] = mark
        return child

    def _scalar(self, event: Any) -> None:
        self._check_tag(event)
        plain = event.style in (None, "")
        value = _resolve(event.value) if plain else event.value
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top[0], dict) and top[2] is None:
            # A mapping key.
            if plain and event.value == "<<":
                self.refuse(event, "YAML merge keys (<<) are not allowed; use `defaults`", top[1])
            if not isinstance(value, str):
                self.refuse(event, f"mapping keys must be strings, got {event.value!r}", top[1])
            if value in top[0]:
                self.refuse(event, f"duplicate key {value!r}", (*top[1], value))
            top[2] = value
            self.doc.keys[(*top[1], value)] = (
                event.start_mark.line + 1,
                event.start_mark.column + 1,
            )
            return
        self._place(event, value)


_OTHER, _SCALAR, _END, _MAP, _SEQ = range(5)
_KIND_NAMES = {"ScalarEvent": _SCALAR, "MappingStartEvent": _MAP, "SequenceStartEvent": _SEQ,
               "MappingEndEvent": _END, "SequenceEndEvent": _END}
_EVENT_KINDS: dict[type, int] = {}  # event class → kind, by the class's name as `feed` reads it
# The first characters of every plain scalar the core schema does not read as a string.
_SPECIAL_START = frozenset("0123456789+-.~nNtTfF")


def _resolve(text: str) -> Any:
    """YAML 1.2 core schema for plain scalars."""
    if text and text[0] not in _SPECIAL_START:
        return text  # most scalars (names, paths, addresses): none of the forms below
    if text == "" or _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        return int(text)
    if _INT_OCT.fullmatch(text):
        return int(text[2:], 8)
    if _INT_HEX.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    if text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        return float("inf")
    if text in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if text in (".nan", ".NaN", ".NAN"):
        return float("nan")
    return text
