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


STDIN = "-"  # the path that reads standard input
STDIN_NAME = "<stdin>"  # what findings and errors call it


def lint_paths(paths: Sequence[str], settings: Settings, kind: str | None = None,
               stdin: bytes | None = None) -> Report:
    """Lint files and directories (their configs, `discover`); `stdin`: the bytes of `-`."""
    from tlsconf.source import gc_paused

    with gc_paused():
        return _lint(paths, settings, kind, stdin)


def _inputs(paths: Sequence[str], kind: str | None, report: Report) -> list[tuple[str, bool]]:
    """Each input file, and whether it was found in a directory (in place of the directory)."""
    import os

    from tlsconf.lint.discover import configs_under

    inputs = []
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            found, problems = configs_under(path, kind)
            report.errors.extend(problems)
            inputs += [(name, True) for name in found]
        else:
            inputs.append((path, False))
    return inputs


def _lint(paths: Sequence[str], settings: Settings, kind: str | None,
          stdin: bytes | None) -> Report:
    import os

    from tlsconf.ingest import ingest_text, read
    from tlsconf.lint.engine import apply_suppressions, judge
    from tlsconf.lint.model import Subject
    from tlsconf.lint.suppress import Suppression, scan
    from tlsconf.progress import phase
    from tlsconf.source import Document

    report = Report()
    per_file: dict[str, tuple[tuple[Subject, ...], dict[str, str]]] = {}
    found_nginx: list[str] = []  # nginx files found in a directory
    manifests: list[tuple[str, tuple[Document, ...]]] = []  # k8s files: judged together
    for path, discovered in _inputs(paths, kind, report):
        name = STDIN_NAME if path == STDIN else path
        report.files.append(name)
        try:
            with phase(f"reading {name}", 0):
                found_kind, data, text = read(name, kind, stdin if path == STDIN else None)
                if found_kind == "k8s":
                    from tlsconf.ingest import k8s

                    manifests.append((name, k8s.load(name, text)))
                    found: tuple[Subject, ...] = ()
                    texts = {name: text}
                else:
                    found, texts = ingest_text(name, found_kind, data, text)
        except TlsconfError as error:
            report.errors.extend(error.problems)
            continue
        per_file[name] = found, texts
        if discovered and found_kind == "nginx":
            found_nginx.append(name)
    # A file found in a directory that another found nginx file includes is judged as part of
    # that file (with the http {} settings it inherits there), not a second time on its own.
    included = {os.path.realpath(read_name) for name in found_nginx
                for read_name in per_file[name][1] if read_name != name}
    subjects: list[Subject] = []
    suppressions: list[Suppression] = []
    for name, (found, texts) in per_file.items():
        if name in found_nginx and os.path.realpath(name) in included:
            report.files.remove(name)
            continue
        subjects.extend(found)
        for text_name, text in texts.items():
            suppressions.extend(scan(text_name, text))
    if manifests:
        from tlsconf.ingest import k8s

        try:
            subjects.extend(k8s.subjects(manifests))
        except TlsconfError as error:
            report.errors.extend(error.problems)
    report.sites = len(subjects)
    filtered = apply_suppressions(judge(subjects, settings), suppressions, settings)
    report.findings = filtered.findings
    report.suppressed = filtered.suppressed
    return report
