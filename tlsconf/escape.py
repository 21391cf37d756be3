"""One escaper per target: the only way a user-derived value reaches an output.

Templates are rendered with `finalize` set to the target's escaper, so every `{{ value }}` goes
through it; only `Raw` values — constants tlsconf itself chose from closed vocabularies
(`on`, `off`, keywords) — pass untouched. The escapers re-check the character set as a second
line of defence after the field grammar and refuse rather than repair.
"""

from __future__ import annotations

import re


class Raw(str):
    """A tlsconf-chosen token (never user input) that is emitted verbatim."""

    __slots__ = ()


class UnsafeValue(ValueError):
    """A value reached an escaper that the field grammar should have refused."""


_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_NGINX_BARE = re.compile(r"[A-Za-z0-9._:/\[\]=@+,*-]+")


def _check(value: str, forbidden: str) -> None:
    if not _PRINTABLE.fullmatch(value) or any(c in value for c in forbidden):
        raise UnsafeValue(f"refusing to emit {value!r}: outside the allowed characters")


def nginx(value: object) -> str:
    """nginx token: bare when it is plainly safe, else double-quoted with `\\` and `"` escaped.

    `$` is refused outright: nginx expands variables inside quotes and has no escape for it.
    """
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise UnsafeValue(f"refusing to emit a {type(value).__name__} into nginx config")
    _check(value, "$")
    if value and _NGINX_BARE.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
