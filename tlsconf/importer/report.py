"""The loss report of an import: text or JSON, always complete.

Text: one line per source key or directive, in file order —
`FILE:LINE:COL: KEY: mapped → sites[0].tls.protocols`, `…: approximated: how`,
`…: dropped: why` — then the lint findings on the input (the linter's own lines) and a summary
count. Every text that came from the input is passed through `write.printable`, so a
directive name with an escape sequence cannot reach the terminal raw. JSON carries the same
entries and findings (the linter's finding objects) with the counts.
"""

from __future__ import annotations

import json
from typing import Any

from tlsconf import __version__
from tlsconf.importer.model import FATES, Entry, Imported
from tlsconf.importer.write import printable

FORMATS = ("text", "json")


def counts(imported: Imported) -> dict[str, int]:
    out: dict[str, int] = dict.fromkeys(FATES, 0)
    for entry in imported.entries:
        out[entry.fate] += 1
    return out


def _line(entry: Entry) -> str:
    where = printable(str(entry.location))
    key = printable(entry.key) if entry.key else "''"  # a map's empty-string key
    if entry.fate == "mapped":
        return f"{where}: {key}: mapped → {printable(entry.spec_path or entry.detail)}"
    return f"{where}: {key}: {entry.fate}: {printable(entry.detail)}"


def summary(imported: Imported) -> str:
    n = counts(imported)
    total = sum(n.values())
    findings = len(imported.findings)
    return (f"{total} source entries: {n['mapped']} mapped, {n['approximated']} approximated, "
            f"{n['dropped']} dropped; {findings} lint finding{'' if findings == 1 else 's'} "
            "on the input")


def text(imported: Imported) -> str:
    # one line per distinct text: a server line two pools share reads once
    lines = list(dict.fromkeys(_line(e) for e in sorted(imported.entries)))
    lines += [printable(str(f)) for f in imported.findings]
    lines.append(summary(imported))
    return "".join(f"{line}\n" for line in lines)


def _entry(entry: Entry) -> dict[str, Any]:
    where = entry.location
    return {"file": where.file, "line": where.line, "column": where.col, "key": entry.key,
            "fate": entry.fate, "detail": entry.detail, "spec_path": entry.spec_path}


def as_json(imported: Imported, kind: str, files: list[str]) -> str:
    from tlsconf.lint.formats import finding_data

    data = {
        "version": 1,
        "tool": f"tlsconf {__version__}",
        "kind": kind,
        "files": files,
        "entries": [_entry(e) for e in sorted(imported.entries)],
        "findings": [finding_data(f) for f in imported.findings],
        "counts": {**counts(imported), "findings": len(imported.findings)},
        "lossy": imported.lossy(),
    }
    return json.dumps(data, indent=2) + "\n"


def render(imported: Imported, fmt: str, kind: str, files: list[str]) -> str:
    return text(imported) if fmt == "text" else as_json(imported, kind, files)
