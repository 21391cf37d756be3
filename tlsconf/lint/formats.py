"""Findings → text, JSON, SARIF 2.1.0 (GitHub code scanning) or GitHub workflow annotations."""

from __future__ import annotations

import json
from typing import Any

from tlsconf import __version__
from tlsconf.findings import Finding, Severity
from tlsconf.lint import Report

FORMATS = ("text", "json", "sarif", "github")
DOCS = "https://github.com/tlsconf/tlsconf/blob/main/docs/rules.md"
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub maps security-severity to critical (>=9), high (>=7), medium (>=4), low.
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}


def render(report: Report, fmt: str) -> str:
    return {"text": text, "json": as_json, "sarif": sarif, "github": github}[fmt](report)


def text(report: Report) -> str:
    return "".join(f"{f}\n" for f in report.findings)


def finding_data(f: Finding) -> dict[str, Any]:
    """One finding as JSON data (lint and the import report share it)."""
    return {"file": f.location.file, "line": f.location.line, "column": f.location.col,
            "rule": f.rule_id, "name": f.rule_name, "severity": str(f.severity),
            "message": f.message, "field": f.path, "items": list(f.items),
            "value": _builtins(f.value)}


def _builtins(value: object) -> object:
    """A resolved value as JSON data: tuples as lists, records as objects, paths as text."""
    import msgspec

    return msgspec.to_builtins(value, enc_hook=str)


def as_json(report: Report) -> str:
    data = {
        "version": 1,
        "tool": f"tlsconf {__version__}",
        "files": report.files,
        "findings": [finding_data(f) for f in report.findings],
        "errors": [{"file": p.location.file, "line": p.location.line, "message": p.message}
                   for p in report.errors],
        "suppressed": len(report.suppressed),
        "notes": report.notes,
    }
    return json.dumps(data, indent=2) + "\n"


def sarif(report: Report) -> str:
    from tlsconf.rules import all_rules

    rules = all_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in report.findings:
        region: dict[str, int] = {"startLine": max(f.location.line, 1)}
        if f.location.col > 0:
            region["startColumn"] = f.location.col
        results.append({
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "properties": {"field": f.path, "items": list(f.items), "value": _builtins(f.value)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.location.file)},
                "region": region,
            }}],
        })
    driver = {
        "name": "tlsconf",
        "version": __version__,
        "informationUri": DOCS,
        "rules": [{
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.why},
            "help": {"text": f"{r.why}\nFix: {r.fix}",
                     "markdown": f"{r.why}\n\n**Fix:** {r.fix}"},
            "helpUri": f"{DOCS}#{r.id.lower()}-{r.name}",
            "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
            "properties": {"security-severity": SECURITY_SEVERITY[r.severity],
                           "tags": ["security", "tls", r.family]},
        } for r in rules],
    }
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "results": results,
            "invocations": [{
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [{
                    "level": "error", "message": {"text": p.message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": _uri(p.location.file)},
                        "region": {"startLine": max(p.location.line, 1)}}}],
                } for p in report.errors],
            }],
        }],
    }
    return json.dumps(log, indent=2) + "\n"


def _uri(path: str) -> str:
    """Relative to the working directory when inside it (what code scanning expects)."""
    import os
    from pathlib import Path
    from urllib.parse import quote

    full = Path(os.path.abspath(path))
    try:
        return quote(full.relative_to(Path.cwd()).as_posix())
    except ValueError:
        return full.as_uri()


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(report: Report) -> str:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for f in report.findings:
        props = f"file={_escape(f.location.file, True)},line={f.location.line}"
        if f.location.col:
            props += f",col={f.location.col}"
        props += f",title={_escape(f'{f.rule_id} {f.rule_name}', True)}"
        lines.append(f"::{level[f.severity]} {props}::{_escape(f.message)}\n")
    return "".join(lines)
