"""The linter: paths → findings, one-way — ingest → rules → findings → (formatters).

`lint_paths` never fails open: a file that cannot be fully read is a `Problem` in the report
(exit 2 at the CLI), never a clean result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tlsconf.config import Settings
from tlsconf.errors import Problem, TlsconfError
from tlsconf.findings import Finding


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    suppressed: int = 0
    sites: int = 0


def lint_paths(paths: Sequence[str], settings: Settings, kind: str | None = None) -> Report:
    from tlsconf.source import gc_paused

    with gc_paused():
        return _lint(paths, settings, kind)


def _lint(paths: Sequence[str], settings: Settings, kind: str | None) -> Report:
    from tlsconf.ingest import ingest
    from tlsconf.lint.engine import apply_suppressions, judge
    from tlsconf.lint.model import Subject
    from tlsconf.lint.suppress import Suppression, scan
    from tlsconf.progress import phase

    report = Report()
    subjects: list[Subject] = []
    suppressions: list[Suppression] = []
    for path in paths:
        report.files.append(path)
        try:
            with phase(f"reading {path}", 0):
                _, found, texts = ingest(path, kind)
        except TlsconfError as error:
            report.errors.extend(error.problems)
            continue
        subjects.extend(found)
        for name, text in texts.items():
            suppressions.extend(scan(name, text))
    report.sites = len(subjects)
    filtered = apply_suppressions(judge(subjects, settings), suppressions, settings)
    report.findings = filtered.findings
    report.suppressed = filtered.suppressed
    return report
