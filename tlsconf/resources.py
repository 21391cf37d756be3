"""Where the shipped templates and schemas live: inside the installed package, or at the top of a
source checkout (editable installs and running from the repository)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def shipped_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tlsconf installation is incomplete: no {name}/ directory")
