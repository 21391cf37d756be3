"""Writing lint inputs in the current directory (a test's `tmp_cwd`)."""

from __future__ import annotations

from pathlib import Path


def write(name: str, text: str) -> str:
    """Write `text` to the relative path `name` (making its folders) and return `name`."""
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(text, "utf-8")
    return name
