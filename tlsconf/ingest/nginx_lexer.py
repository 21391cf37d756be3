"""A faster drop-in for crossplane's nginx lexer: the same `(token, line, quoted)` stream.

crossplane parses nginx configs (a fixed design choice), but its lexer walks the file one
character at a time through three stacked generators, which is most of the time of a lint of a
large config. `lex` below yields exactly what `crossplane.lexer.lex` yields — the same tokens,
line numbers and quoted flags, the same quirks, the same `NgxParserSyntaxError`s at the same
point of the stream — scanning runs of ordinary characters with regular expressions instead.
`tests/test_nginx_lexer.py` compares the two on a corpus and on generated inputs.

The quirks kept, all of crossplane's: a backslash and the character after it are one unit
(`\\"` does not open or close a quote, `\\#` does not start a comment); the file ends silently
inside a quoted string, a comment or a `${...}` (what was pending is dropped), and a token not
followed by whitespace or `{`, `}`, `;` at the very end of the file is dropped; a comment ends
at the first newline, escaped or not; `${` inside a token is read up to `}` or whitespace, and
the character after it then joins the token whatever it is (unless it is `{`, `}` or `;`).

`crossplane_parse` runs `crossplane.parse` with this lexer. A file that may hold a directive
with an external lexer (crossplane registers its Lua plugin's `*_by_lua_block` by default) is
read by crossplane's own lexer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

Token = tuple[str, int, bool]

_SPACE = re.compile(r"\s+")  # `\s` on str patterns is exactly str.isspace()
# What joins a token that has started: anything but whitespace and `{`, `}`, `;`, where a
# backslash takes the next character with it and `$` (or `\$`) before `{` stops the run.
_RUN = re.compile(r"(?:[^\s{};\\$]+|\$(?!\{)|\\[^$]|\\\$(?!\{))+")


# A line holding none of these is plain words, `{`, `}` and `;` (crossplane splits it on
# whitespace and those three, and the newline ends its last word).
_NOT_PLAIN = re.compile(r"[\\\"'#]|\$\{")
_PLAIN_TOKEN = re.compile(r"[{};]|[^\s{};]+")


def tokens(text: str) -> tuple[list[Token], int | None]:
    """Tokens of `text` (already decoded with universal newlines, as crossplane reads it).

    Returns the tokens crossplane's `_lex_file_object` yields and, when brace balancing
    fails, the index in that list where crossplane's `_balance_braces` raises (see `lex`).
    Plain lines (most of a config) are split whole; a line with a quote, a backslash, a `#`
    or `${` goes to `_scan`, crossplane's algorithm, until a line starts with nothing pending.
    """
    out: list[Token] = []
    n = len(text)
    pos = 0
    line = 1
    find = text.find
    not_plain = _NOT_PLAIN.search
    split = _PLAIN_TOKEN.findall
    while True:
        end = find("\n", pos)
        if end < 0:  # the last line has no newline: a word at its very end is dropped
            _scan(text, pos, line, n, out)
            break
        if not_plain(text, pos, end) is None:
            if end > pos:
                out += [(token, line, False) for token in split(text, pos, end)]
            pos = end + 1
            line += 1
            continue
        pos, line = _scan(text, pos, line, end, out)
        if pos < 0:  # the stream ended there (a quote, comment or `${` left open)
            break
    return out, _balance(out)


def _scan(text: str, pos: int, line: int, stop: int, out: list[Token]) -> tuple[int, int]:
    """crossplane's lexer from `pos` (a line start, nothing pending) to the first line start
    after `stop` with nothing pending: returns that position and its line, or (-1, 0) when
    the stream ends first."""
    emit = out.append
    n = len(text)
    counted = pos  # text[:counted] has had its newlines counted into `line`
    count = text.count
    space = _SPACE.match
    run = _RUN.match

    while True:
        # Top of crossplane's loop with an empty token buffer: skip whitespace, then dispatch.
        if pos > stop and text[pos - 1] == "\n":
            return pos, line + count("\n", counted, pos)
        m = space(text, pos)
        if m is not None:
            end = m.end()
            newline = text.find("\n", max(pos, stop), end)
            if newline >= 0:  # a line starts inside the whitespace: hand back there
                return newline + 1, line + count("\n", counted, newline + 1)
            pos = end
        if pos >= n:
            return -1, 0
        char = text[pos]
        if char == "#":  # a comment runs to the first unit ending in a newline
            end = text.find("\n", pos)
            if end < 0:
                return -1, 0  # no newline: crossplane drops the comment and stops
            cut = end - 1 if _escaped(text, pos, end) else end  # `\` + newline: one unit
            line += count("\n", counted, pos)
            counted = pos
            emit((text[pos:cut], line, False))
            pos = end + 1
            continue
        if char == '"' or char == "'":
            start = pos + 1
            end = text.find(char, start)
            while end >= 0 and _escaped(text, start, end):
                end = text.find(char, end + 1)  # an escaped quote: part of the string
            if end < 0:
                return -1, 0  # unterminated: crossplane stops, dropping it
            line += count("\n", counted, pos)
            counted = pos
            body = text[start:end]
            if "\\" in body:
                body = body.replace("\\" + char, char)
            emit((body, line, True))
            pos = end + 1
            continue
        if char == "{" or char == "}" or char == ";":
            line += count("\n", counted, pos)
            counted = pos
            emit((char, line, False))
            pos += 1
            continue
        # An unquoted token. Its line is the one its first unit ends on.
        first = pos + 2 if char == "\\" else pos + 1
        if first > n:
            return -1, 0  # a lone backslash at the very end: crossplane's stream ends there
        line += count("\n", counted, first)
        counted = first
        token_line = line
        token = ""
        while True:
            m = run(text, pos)
            if m is not None:
                token += m.group()
                pos = m.end()
            if pos >= n:
                return -1, 0  # the file ends inside the token: dropped
            char = text[pos]
            if char == "$":  # `$` before `{`
                token += char
                pos += 1
                continue
            if char == "\\":  # `\$` before `{`, or a lone backslash at the very end
                if pos + 1 >= n:
                    return -1, 0
                token += text[pos : pos + 2]
                pos += 2
                continue
            if char == "{" and token[-1] == "$":
                token, pos, ended = _dollar_brace(text, pos, token)
                if ended is None:
                    return -1, 0
                if not ended:
                    continue
                pos -= 1  # ended by `{`, `}` or `;`: emitted below
                char = text[pos]
            # Whitespace, or one of `{`, `}`, `;`: the token is complete.
            emit((token, token_line, False))
            if char in "{};":
                line += count("\n", counted, pos)
                counted = pos
                emit((char, line, False))
                pos += 1
            break


def _escaped(text: str, start: int, end: int) -> bool:
    """Is text[end] the second half of a `\\x` unit? Units pair up from `start` (a unit
    boundary), so it is when an odd number of backslashes runs up to it."""
    before = end
    while before > start and text[before - 1] == "\\":
        before -= 1
    return (end - before) % 2 == 1


def _unit(text: str, pos: int) -> str:
    return text[pos : pos + 2] if text[pos] == "\\" else text[pos]


def _dollar_brace(text: str, pos: int, token: str) -> tuple[str, int, bool | None]:
    """crossplane's `${var}` branch, one unit at a time (rare): returns the token, the
    position after what was read, and whether the token ended (at `{`, `}` or `;`, which is
    at the position before) — None when the file ends inside it."""
    n = len(text)
    char = _unit(text, pos)
    while token[-1] != "}" and not char.isspace():
        token += char
        pos += len(char)
        if pos >= n or (text[pos] == "\\" and pos + 1 >= n):
            return token, pos, None
        char = _unit(text, pos)
    # The unit after `}` (or the whitespace) is handled without crossplane's whitespace test:
    # a quote or whitespace joins the token; only `{`, `}` and `;` end it.
    if char in ("{", "}", ";"):
        return token, pos + 1, True
    return token + char, pos + len(char), False


def _balance(out: list[Token]) -> int | None:
    """Where crossplane's `_balance_braces` would raise: the index of the first unmatched
    `}` (raised before it is yielded), len(out) for an unclosed `{` at the end, else None."""
    depth = 0
    for index, (token, _, quoted) in enumerate(out):
        if quoted:
            continue
        if token == "}":
            depth -= 1
            if depth < 0:
                return index
        elif token == "{":
            depth += 1
    return len(out) if depth > 0 else None


def lex(filename: str, terminators: bool = False,
        preloaded: Mapping[str, str] | None = None) -> Iterator[Token]:
    """`crossplane.lexer.lex`, faster: the same tokens and the same errors at the same point.

    `terminators`: also refuse, as nginx does, a `}` right after a directive's arguments
    (see `unterminated`; not checked in files read by crossplane's own lexer).
    `preloaded`: texts already read (and decoded) by the caller, by file name — stdin has no
    file to open."""
    from crossplane.errors import NgxParserSyntaxError
    from crossplane.lexer import EXTERNAL_LEXERS
    from crossplane.lexer import lex as crossplane_lex

    if preloaded is not None and filename in preloaded:
        # As open() in text mode would give it: universal newlines.
        text = preloaded[filename].replace("\r\n", "\n").replace("\r", "\n")
    else:
        # Read exactly as crossplane does: UTF-8 with replacement characters, universal newlines.
        with open(filename, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    if any(name in text for name in EXTERNAL_LEXERS):
        # A directive crossplane lexes with an extension (its Lua plugin's `*_by_lua_block`
        # is registered by default) may be in this file: crossplane's own lexer reads it.
        # A token is a substring of the file, so a file without the names has no such token.
        yield from crossplane_lex(filename)
        return
    found, fail = tokens(text)
    if terminators:
        bad = unterminated(found if fail is None else found[:fail])
        if bad is not None and bad < len(found):
            yield from found[:bad]
            raise NgxParserSyntaxError('unexpected "}": the directive before it lacks its ";"',
                                       filename, found[bad][1])
        if bad is not None and fail is None:
            yield from found
            raise NgxParserSyntaxError('unexpected end of file, expecting ";" or "}"', filename,
                                       found[-1][1])
    if fail is None:
        yield from found
        return
    yield from found[:fail]
    if fail < len(found):
        raise NgxParserSyntaxError('unexpected "}"', filename, found[fail][1])
    raise NgxParserSyntaxError('unexpected end of file, expecting "}"', filename, found[-1][1])


def unterminated(found: list[Token]) -> int | None:
    """Index of the first `}` that ends a directive's arguments (`ssl_protocols TLSv1.3 }`),
    or `len(found)` when the file ends inside a directive (`ssl_protocols TLSv1.3` at EOF).

    nginx refuses both; crossplane's parser takes the `}` as the directive's terminator and
    silently loses the block end (the directives after it land in the wrong block), and drops
    a directive cut by the end of the file. Comments between the arguments and the `}` do not
    count."""
    def ends_a_directive(at: int) -> bool:
        """Is the last non-comment token before `at` an argument (not `{`, `}`, `;`)?"""
        while at >= 0 and not found[at][2] and found[at][0].startswith("#"):
            at -= 1
        return at >= 0 and (found[at][2] or found[at][0] not in ("{", "}", ";"))

    # Only the tokens before each `}` and at the end matter: a scan of those is several
    # times faster than a state machine over every token of a 5000-server file.
    for at in [i for i, (token, _, quoted) in enumerate(found) if token == "}" and not quoted]:
        if ends_a_directive(at - 1):
            return at
    return len(found) if ends_a_directive(len(found) - 1) else None


def crossplane_parse(filename: str, preloaded: Mapping[str, str] | None = None,
                     **options: Any) -> dict[str, Any]:
    """`crossplane.parse(filename, **options)` with `lex` as its lexer (checking terminators,
    reading `preloaded` texts instead of their files)."""
    import crossplane.parser

    original = crossplane.parser.lex
    crossplane.parser.lex = functools.partial(lex, terminators=True, preloaded=preloaded)
    try:
        result: dict[str, Any] = crossplane.parser.parse(filename, **options)
    finally:
        crossplane.parser.lex = original
    return result
