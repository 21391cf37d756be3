"""How HAProxy reads its configuration: an independent tokenizer for the hardening tests.

Follows the configuration manual §2.2 ("Quoting and escaping") and the code it describes
(`parse_line()` in src/tools.c, `readcfgfile()` in src/cfgparse.c), not tlsconf's escaper:

- The file is read line by line (LF). Inside a line, a raw CR or NUL ends it: the rest is
  silently dropped (`haproxy -c` still passes), which is reported in `Line.dropped`.
- Outside quotes, `#` starts a comment anywhere, even in the middle of a word, and white space
  separates words.
- `"…"` is weak quoting: `\\` escapes and `$NAME` / `${NAME}` / `${NAME-default}` are expanded
  from the environment. `'…'` is strong quoting: nothing is special until the next `'`.
- A backslash outside single quotes: `\\ `, `\\\\`, `\\#`, `\\'`, `\\"` give the character,
  `\\t`, `\\n`, `\\r` and `\\xNN` a control character, `\\$` a `$` inside double quotes only;
  any other backslash stays a backslash.
- At most 64 words a line (`MAX_LINE_ARGS`): HAProxy refuses more.

Environment expansions are not performed: each one is recorded in `Word.expansions` (and left
in the text as `${NAME}`), so a test can assert that no value reaches the environment.

crt-list files have their own, much simpler rules (`crtlist_parse_file()` /
`crtlist_parse_line()` in src/ssl_crtlist.c): a line whose first byte is `#`, CR or LF is
skipped; otherwise it is split on white space with no quoting or escaping at all; `[` and
`]` (each at most once, never before the first word) delimit the SSL options; the first word
is the certificate, the words after `]` are the SNI filters. `#` elsewhere is an ordinary
character. (A `[` never closed, which HAProxy silently reads as filters, is reported here as an
error: tlsconf never writes one.)

`log_format_text` decodes the log-format arguments (`set-header` values, `return … hdr`):
`%%` is `%`, and any other `%` sequence is evaluated per request (`LogFormatExpression`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LINE_ARGS = 64
# Keywords that open a section (everything after them until the next one belongs to it).
SECTIONS = frozenset({
    "global", "defaults", "frontend", "backend", "listen", "crt-store", "resolvers", "peers",
    "userlist", "program", "http-errors", "ring", "cache", "mailers", "log-forward", "traces",
})
_SPACE = " \t\x0b\x0c"  # isspace() in the C locale, minus CR and LF which end a line
_HEX = "0123456789abcdefABCDEF"


class TokenError(ValueError):
    """HAProxy would refuse the line (unmatched quote, bad escape, bad variable name...)."""


class LogFormatExpression(ValueError):
    """A log-format argument holds something HAProxy evaluates per request."""


@dataclass(frozen=True)
class Word:
    text: str
    expansions: tuple[str, ...] = ()  # environment variables HAProxy would expand in it
    quoted: bool = False  # some part of it was inside quotes


@dataclass(frozen=True)
class Line:
    number: int
    words: tuple[Word, ...]
    comment: str | None = None  # text after an unquoted `#`
    dropped: str | None = None  # text after a raw CR or NUL, which HAProxy ignores

    @property
    def args(self) -> list[str]:
        return [w.text for w in self.words]


@dataclass
class Section:
    keyword: str
    args: list[str]
    lines: list[Line] = field(default_factory=list)


def tokenize_line(text: str, number: int = 1) -> Line:
    """One configuration line (without its LF) → its words, as `parse_line()` splits them."""
    words: list[Word] = []
    current: list[str] = []
    expansions: list[str] = []
    in_word = quoted = False
    squote = dquote = False
    comment = dropped = None
    i = 0
    n = len(text)

    def finish() -> None:
        nonlocal in_word, quoted
        if in_word:
            words.append(Word("".join(current), tuple(expansions), quoted))
        current.clear()
        expansions.clear()
        in_word = quoted = False

    while i < n:
        c = text[i]
        if c in "\r\x00":
            dropped = text[i + 1:]
            break
        if c == "\n":  # callers split on LF; a stray one ends the line all the same
            dropped = text[i + 1:]
            break
        if c == "#" and not squote and not dquote:
            comment = text[i + 1:]
            break
        if c == '"' and not squote:
            dquote = not dquote
            in_word = quoted = True
            i += 1
            continue
        if c == "'" and not dquote:
            squote = not squote
            in_word = quoted = True
            i += 1
            continue
        if c == "\\" and not squote:
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt in (" ", "\\", "#", "'", '"'):
                current.append(nxt)
                i += 2
            elif nxt in ("t", "n", "r"):
                current.append({"t": "\t", "n": "\n", "r": "\r"}[nxt])
                i += 2
            elif nxt == "$" and dquote:
                current.append("$")
                i += 2
            elif nxt == "x":
                digits = text[i + 2:i + 4]
                if len(digits) != 2 or any(d not in _HEX for d in digits):
                    raise TokenError(f"line {number}: invalid \\x escape at column {i + 1}")
                current.append(chr(int(digits, 16)))
                i += 4
            else:
                current.append("\\")
                i += 1
            in_word = True
            continue
        if c in _SPACE and not squote and not dquote:
            finish()
            i += 1
            continue
        if c == "$" and dquote:
            i = _expansion(text, i, number, current, expansions)
            in_word = True
            continue
        current.append(c)
        in_word = True
        i += 1
    if (squote or dquote) and dropped is None:
        raise TokenError(f"line {number}: unmatched quote")
    finish()
    if len(words) > MAX_LINE_ARGS:
        raise TokenError(f"line {number}: {len(words)} words; HAProxy reads at most "
                         f"{MAX_LINE_ARGS}")
    return Line(number, tuple(words), comment, dropped)


def _expansion(text: str, i: int, number: int, current: list[str],
               expansions: list[str]) -> int:
    """`$NAME`, `${NAME}` or `${NAME-default}` inside double quotes: record it, skip it."""
    i += 1
    brace = i < len(text) and text[i] == "{"
    if brace:
        i += 1
    start = i
    if i >= len(text) or not (text[i].isascii() and (text[i].isalpha() or text[i] in "_.")):
        raise TokenError(f"line {number}: invalid environment variable name at column {i + 1}")
    if text[i] == ".":
        i += 1
    while i < len(text) and text[i].isascii() and (text[i].isalnum() or text[i] == "_"):
        i += 1
    name = text[start:i]
    if brace:
        if text.startswith("[*]", i):
            i += 3
        if i < len(text) and text[i] == "-":
            end = text.find("}", i)
            if end < 0:
                raise TokenError(f"line {number}: unmatched brace")
            i = end
        if i >= len(text) or text[i] != "}":
            raise TokenError(f"line {number}: unmatched brace")
        i += 1
    expansions.append(name)
    current.append("${" + name + "}")
    return i


def tokenize(text: str) -> list[Line]:
    """Every non-empty line of a configuration (comment-only lines included, as empty lines
    with a comment, so a test can see what a comment swallowed)."""
    out = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = tokenize_line(raw, number)
        if line.words or line.comment is not None or line.dropped:
            out.append(line)
    return out


def sections(text: str) -> list[Section]:
    """The configuration as sections of directive lines (comment-only lines left out)."""
    out: list[Section] = []
    for line in tokenize(text):
        if not line.words:
            continue
        keyword = line.words[0].text
        if keyword in SECTIONS:
            out.append(Section(keyword, line.args[1:]))
        elif not out:
            raise TokenError(f"line {line.number}: {keyword!r} outside any section")
        else:
            out[-1].lines.append(line)
    return out


@dataclass(frozen=True)
class CrtListEntry:
    number: int
    certificate: str
    options: tuple[str, ...]
    filters: tuple[str, ...]


def crt_list(text: str) -> list[CrtListEntry]:
    """A crt-list file, as `crtlist_parse_file()` reads it."""
    out = []
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw or raw[0] in "#\r":
            continue
        if "\x00" in raw:
            raise TokenError(f"crt-list line {number}: NUL byte")
        args: list[str] = []
        ssl_b = ssl_e = 0
        current = ""
        for c in raw + " ":  # a final separator closes the last word
            if c in _SPACE + "\r[]":
                if current:
                    args.append(current)
                    current = ""
                if c == "[":
                    if ssl_b:
                        raise TokenError(f"crt-list line {number}: too many '['")
                    if not args:
                        raise TokenError(f"crt-list line {number}: must start with a certificate")
                    ssl_b = len(args)
                elif c == "]":
                    if ssl_e:
                        raise TokenError(f"crt-list line {number}: too many ']'")
                    if not ssl_b:
                        raise TokenError(f"crt-list line {number}: missing '['")
                    ssl_e = len(args)
            else:
                current += c
        if not args:
            continue
        if ssl_b and not ssl_e:
            raise TokenError(f"crt-list line {number}: missing ']'")
        options = tuple(args[ssl_b:ssl_e]) if ssl_b else ()
        filters = tuple(args[ssl_e:] if ssl_b else args[1:])
        out.append(CrtListEntry(number, args[0], options, filters))
    return out


def log_format_text(arg: str) -> str:
    """The literal text of a log-format argument; `LogFormatExpression` if HAProxy would
    evaluate any part of it (`%[…]`, `%{…}…`, `%X`)."""
    out = []
    i = 0
    while i < len(arg):
        if arg[i] == "%":
            if arg[i + 1:i + 2] == "%":
                out.append("%")
                i += 2
                continue
            raise LogFormatExpression(f"{arg!r}: '%' at {i} starts a log-format expression")
        out.append(arg[i])
        i += 1
    return "".join(out)
