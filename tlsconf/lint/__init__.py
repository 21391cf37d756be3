"""The linter: paths → findings, one-way — ingest → rules → findings → (formatters).

`lint_paths` never fails open: a file that cannot be fully read is a `Problem` in the report
(exit 2 at the CLI), never a clean result.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tlsconf.config import Settings
from tlsconf.errors import Problem, TlsconfError
from tlsconf.findings import Finding

if TYPE_CHECKING:
    from tlsconf.lint.engine import Suppressed
    from tlsconf.source import Document


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    sites: int = 0


def _beside(manifests: list[tuple[str, tuple[Document, ...]]]) -> tuple[
        list[tuple[str, tuple[Document, ...]]], list[Problem]]:
    """The other manifests of the given ones' directories (`kubectl apply -f DIR` applies them
    together: an IngressRoute or a Gateway in one file, its TLSOption or policy in another),
    read as context — only subjects of the given files are judged. A context file that cannot
    be read is a problem: without it the given files cannot be judged."""
    import glob

    from tlsconf.ingest import detect, k8s
    from tlsconf.source import decode, read_bytes

    given = {os.path.normpath(path) for path, _ in manifests}
    seen = set(given)
    context: list[tuple[str, tuple[Document, ...]]] = []
    problems: list[Problem] = []
    for directory in dict.fromkeys(os.path.dirname(path) for path, _ in manifests):
        pattern = os.path.join(glob.escape(directory or "."), "*")
        for path in sorted(glob.glob(pattern + ".yaml") + glob.glob(pattern + ".yml")):
            if os.path.normpath(path) in seen or not os.path.isfile(path):
                continue
            seen.add(os.path.normpath(path))
            try:
                text = decode(path, read_bytes(path))
                if detect(path, text) == "k8s":
                    context.append((path, k8s.load(path, text)))
            except TlsconfError as error:
                problems.extend(error.problems)
    return context, problems


def lint_paths(paths: Sequence[str], settings: Settings, kind: str | None = None) -> Report:
    from tlsconf.source import gc_paused

    with gc_paused():
        return _lint(paths, settings, kind)


def _lint(paths: Sequence[str], settings: Settings, kind: str | None) -> Report:
    from tlsconf.ingest import ingest_text, read
    from tlsconf.judge import verdict
    from tlsconf.lint.model import Subject
    from tlsconf.lint.suppress import Suppression, scan
    from tlsconf.progress import phase
    report = Report()
    subjects: list[Subject] = []
    suppressions: list[Suppression] = []
    manifests: list[tuple[str, tuple[Document, ...]]] = []  # k8s files: judged together
    configs: list[tuple[str, str | None]] = []  # nginx files: conf.d fragments with siblings
    for path in paths:
        report.files.append(path)
        try:
            with phase(f"reading {path}", 0):
                found_kind, data, text = read(path, kind)
                if found_kind == "k8s":
                    from tlsconf.ingest import k8s

                    manifests.append((path, k8s.load(path, text)))
                    found: tuple[Subject, ...] = ()
                    texts = {path: text}
                elif found_kind == "nginx":
                    configs.append((path, text))
                    continue
                else:
                    found, texts = ingest_text(path, found_kind, data, text)
        except TlsconfError as error:
            report.errors.extend(error.problems)
            continue
        subjects.extend(found)
        for name, text in texts.items():
            suppressions.extend(scan(name, text))
    if configs:
        from tlsconf.ingest import nginx

        found, texts, problems = nginx.ingest_all(configs)
        subjects.extend(found)
        report.errors.extend(problems)
        for name, text in texts.items():
            suppressions.extend(scan(name, text))
    if manifests:
        from tlsconf.ingest import k8s

        context, problems = _beside(manifests)
        report.errors.extend(problems)
        given = {os.path.normpath(path) for path, _ in manifests}
        if not problems:
            try:
                subjects.extend(s for s in k8s.subjects(manifests + context)
                                if os.path.normpath(s.site.location.file) in given)
            except TlsconfError as error:
                report.errors.extend(error.problems)
    report.sites = len(subjects)
    filtered = verdict(subjects, suppressions, settings)
    report.findings = filtered.findings
    report.suppressed = filtered.suppressed
    return report
