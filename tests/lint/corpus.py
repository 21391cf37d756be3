"""The real-world corpus (tests/corpus/): each excerpt is linted alone, as a copy in an empty
directory, so no sibling fixture is read as its conf.d context."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from tlsconf.cli import app

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
NOT_LINTED = "1 error(s): the input(s) above were not linted\n"
Outcome = tuple[int, list[str], str]  # exit status, stdout lines, stderr


def lint_alone(server: str, name: str, directory: Path, *options: str) -> Outcome:
    """`tlsconf lint --fail-on info [options] NAME` run in `directory` on a copy of the fixture."""
    import os

    shutil.copy(CORPUS / server / name, directory / name)
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        result = CliRunner().invoke(app, ["lint", "--fail-on", "info", *options, name])
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout.splitlines(), result.stderr


def fixtures(server: str) -> list[str]:
    return sorted(p.name for p in (CORPUS / server).iterdir() if p.name != "PROVENANCE.md")


def missing_provenance(server: str, provenance: Path) -> list[str]:
    """The fixtures of `server` that have no `| `name` |` row in `provenance`."""
    text = provenance.read_text("utf-8")
    return [name for name in fixtures(server) if f"| `{server}/{name}` |" not in text
            and f"| `{name}` |" not in text]


Expected = tuple[int, list[str], str | None]  # exit status, findings, the refusal (file:line: ...)


def check(server: str, name: str, expected: Expected, directory: Path) -> None:
    """Lint fixture `name` alone and compare it with its exact expectation."""
    code, findings, refusal = expected
    stderr = "" if refusal is None else f"{name}:{refusal}{NOT_LINTED}"
    assert lint_alone(server, name, directory, "--no-cert-checks") == (
        code, [f"{name}:{line}" for line in findings], stderr)
