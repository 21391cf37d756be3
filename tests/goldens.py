"""Golden-file comparison shared by every target's render tests.

`TLSCONF_UPDATE_GOLDEN=1 pytest ...` rewrites the files; review them with `git diff` before
committing — a golden file is a reviewed expectation, never a snapshot taken on trust.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(files: dict[str, str], directory: Path) -> None:
    """`files` (relative name → text) must equal the tree under `directory`, file for file."""
    if os.environ.get("TLSCONF_UPDATE_GOLDEN") == "1":
        for name, text in files.items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        for stale in directory.rglob("*"):
            if stale.is_file() and str(stale.relative_to(directory)) not in files:
                stale.unlink()
    expected = {
        str(p.relative_to(directory)): p.read_text(encoding="utf-8")
        for p in directory.rglob("*")
        if p.is_file()
    }
    assert sorted(files) == sorted(expected), f"file set differs from {directory}"
    for name in sorted(files):
        assert files[name] == expected[name], f"{directory / name} differs (see diff above)"
