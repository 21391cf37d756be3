"""One escaper per target: the only way a user-derived value reaches an output.

Templates are rendered with `finalize` set to the target's escaper, so every `{{ value }}` goes
through it; only `Raw` values — constants tlsconf itself chose from closed vocabularies
(`on`, `off`, keywords) — pass untouched. The escapers re-check the character set as a second
line of defence after the field grammar and refuse rather than repair.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping


class Raw(str):
    """A tlsconf-chosen token (never user input) that is emitted verbatim."""

    __slots__ = ()


class UnsafeValue(ValueError):
    """A value reached an escaper that the field grammar should have refused."""


_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_NGINX_BARE = re.compile(r"[A-Za-z0-9._:/\[\]=@+,*-]+")


def _check(value: str, forbidden: str = "") -> None:
    """Printable ASCII only, and not the one character `forbidden` (if any) names."""
    if not _PRINTABLE.fullmatch(value) or (forbidden and forbidden in value):
        raise UnsafeValue(f"refusing to emit {value!r}: outside the allowed characters")


def nginx(value: object) -> str:
    """nginx token: bare when it is plainly safe, else double-quoted with `\\` and `"` escaped.

    `$` is refused outright: nginx expands variables inside quotes and has no escape for it.
    """
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str) and _NGINX_BARE.fullmatch(value):  # plainly safe: no `$`
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise UnsafeValue(f"refusing to emit a {type(value).__name__} into nginx config")
    _check(value, "$")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# HAProxy (configuration manual §2.2-2.3, checked on 2.6.12): outside quotes `#` starts a comment
# even mid-word and `\` escapes; inside "..." (weak quoting) `\` escapes and `$NAME`/`${NAME}`
# are expanded from the environment, so `$` is written `\$`. Verified with `haproxy -c`, a
# running haproxy and curl: `"a#b c"` is one argument `a#b c` (`#` is literal inside double
# quotes), `"\${HOME} $HOME"` gives `${HOME} /root`, `"\"q\" back\\slash"` gives `"q" back\slash`.
# `%[...]`/`%{...}` in log-format arguments (set-header values, redirect targets) are evaluated
# in every quoting context; only `%%` escapes them. A raw CR silently ends the line, so every
# control character is refused, as is non-ASCII.
_HAPROXY_BARE = re.compile(r"[A-Za-z0-9._:/\[\]=@+,~^*-]+")


def haproxy(value: object) -> str:
    """One HAProxy argument: bare when plainly safe, else weakly double-quoted and escaped.

    `%` is refused: it is literal in plain arguments but evaluated in log-format ones, and a
    value cannot know which it lands in. Log-format values go through `haproxy_log_format`,
    which returns an already escaped `Raw`.
    """
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str) and _HAPROXY_BARE.fullmatch(value):  # plainly safe: no `%`
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise UnsafeValue(f"refusing to emit a {type(value).__name__} into HAProxy config")
    _check(value, "%")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def haproxy_log_format(value: str) -> Raw:
    """A HAProxy log-format argument (header value): quoted, escaped, and `%` written `%%`."""
    if not isinstance(value, str) or isinstance(value, Raw):
        raise UnsafeValue("haproxy_log_format takes a user value (str), not a Raw token")
    _check(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return Raw('"' + escaped.replace("%", "%%") + '"')


_HAPROXY_CRT_LIST = re.compile(r"[A-Za-z0-9._:/=@+,~*-]+")


def haproxy_crt_list(value: object) -> str:
    """A word of a HAProxy crt-list line: bare or refused.

    crt-list lines are split on spaces with no quoting or escaping at all (2.6.12: a quoted
    path is looked up with its quotes, `\\ ` is not an escape, and a quoted `ca-file` inside
    `[...]` makes `haproxy -c` spin forever), and `[`/`]` delimit the options.
    """
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not _HAPROXY_CRT_LIST.fullmatch(value):
        raise UnsafeValue(f"refusing to emit {value!r} into a HAProxy crt-list line")
    return value


def check_tree(
    node: object,
    where: str,
    on_key: Callable[[str], None],
    on_text: Callable[[str, str | None], None],
    parent: str | None = None,
) -> None:
    """Walk data about to be serialised as YAML/JSON (a Traefik document, a manifest): mapping
    keys must be str, leaves str, bool or int. `on_key(key)` judges every key, `on_text(text,
    parent)` every string leaf with the key it sits under (list items inherit it); both raise
    `UnsafeValue`. `where` names the output in the refusals."""
    if isinstance(node, str):
        on_text(node, parent)
    elif isinstance(node, dict | Mapping):  # concrete classes before the (slow) ABC check
        for key, value in node.items():
            if not isinstance(key, str):
                raise UnsafeValue(f"refusing a {type(key).__name__} key in {where}")
            on_key(key)
            check_tree(value, where, on_key, on_text, key)
    elif isinstance(node, list | tuple):
        for item in node:
            check_tree(item, where, on_key, on_text, parent)
    elif not isinstance(node, bool | int):
        raise UnsafeValue(f"refusing a {type(node).__name__} value in {where}")
