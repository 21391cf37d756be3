"""The linter: paths → findings, one-way — ingest → rules → findings → (formatters).

`lint_paths` never fails open: a file that cannot be fully read is a `Problem` in the report
(exit 2 at the CLI), never a clean result.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from msgspec import Struct, field

from tlsconf.config import Settings
from tlsconf.errors import Problem, TlsconfError
from tlsconf.findings import Finding

if TYPE_CHECKING:
    from tlsconf.lint.engine import Suppressed
    from tlsconf.source import Document


class Report(Struct):
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    sites: int = 0
    notes: list[str] = field(default_factory=list)  # what the user should know (stderr, JSON)


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


STDIN = "-"  # the path that reads standard input
STDIN_NAME = "<stdin>"  # what findings and errors call it


def lint_paths(paths: Sequence[str], settings: Settings, kind: str | None = None,
               stdin: bytes | None = None) -> Report:
    """Lint files and directories (their configs, `discover`); `stdin`: the bytes of `-`."""
    from tlsconf.source import gc_paused

    with gc_paused():
        return _lint(paths, settings, kind, stdin)


def _named(files: list[str]) -> str:
    return files[0] if len(files) == 1 else f"the {len(files)} inputs"


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
    from tlsconf.judge import verdict
    from tlsconf.lint.model import Subject
    from tlsconf.lint.suppress import Suppression, scan
    from tlsconf.progress import phase
    report = Report()
    per_file: dict[str, tuple[tuple[Subject, ...], dict[str, str]]] = {}
    found_nginx: list[str] = []  # nginx files found in a directory (`ingest_all`'s `found`)
    manifests: list[tuple[str, tuple[Document, ...]]] = []  # k8s files: judged together
    configs: list[tuple[str, str | None]] = []  # nginx files: conf.d fragments with siblings
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
                elif found_kind == "nginx":
                    configs.append((name, text))
                    if discovered:
                        found_nginx.append(name)
                    continue
                else:
                    found, texts = ingest_text(name, found_kind, data, text)
        except TlsconfError as error:
            report.errors.extend(error.problems)
            continue
        per_file[name] = found, texts
    subjects: list[Subject] = []
    suppressions: list[Suppression] = []
    for found, texts in per_file.values():
        subjects.extend(found)
        for text_name, text in texts.items():
            suppressions.extend(scan(text_name, text))
    if configs:
        from tlsconf.ingest import nginx

        ingested = nginx.ingest_all(configs, found_nginx)
        subjects.extend(ingested.subjects)
        report.errors.extend(ingested.problems)
        for name in ingested.skipped:
            report.files.remove(name)
        for name, text in ingested.texts.items():
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
    # (Manifests are judged across files: an IngressRoute's policy may be a TLSOption beside
    # it, so one manifest without a subject is not "no TLS server".)
    if not subjects and not report.errors and report.files and not manifests:
        report.notes.append(f"no TLS server found in {_named(report.files)} (no `listen ... "
                            "ssl`, `bind ... ssl`, Traefik router with `tls`, ...)")
    filtered = verdict(subjects, suppressions, settings)
    report.findings = filtered.findings
    report.suppressed = filtered.suppressed
    return report
