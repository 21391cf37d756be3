"""`tlsconf import`: existing proxy configs → a tlsconf spec and its loss report.

Thin over `tlsconf.importer`: the kind (`--kind`, else detected as `lint` detects it), the
importer's `Imported`, the YAML writer, the report. Without `-o` the spec goes to stdout and
the report to stderr; with `-o FILE` the spec is written atomically (never through a symlink,
an existing file only with `--force`) and the report goes to stdout. Exit 0, 1 with
`--strict` when anything was approximated or dropped, 2 when an input cannot be read or
imported (nothing written, no partial spec).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tlsconf.cli_help import MAX_BYTES, choice, max_bytes_option
from tlsconf.errors import TlsconfError

if TYPE_CHECKING:
    from collections.abc import Sequence

# tlsconf.importer.IMPORTERS, without importing it for --help (a test ties the two).
IMPORT_KINDS = ("nginx", "haproxy", "traefik", "ingress-nginx")
REPORT_FORMATS = ("text", "json")  # tlsconf.importer.report.FORMATS
# What `tlsconf.ingest.detect` calls each importable kind.
_DETECTED = {"nginx": "nginx", "haproxy": "haproxy", "traefik": "traefik",
             "k8s": "ingress-nginx"}


def detect_kind(paths: "Sequence[str]") -> str:
    """The one importable kind of every input (`tlsconf.ingest.detect`, as lint tells it)."""
    from tlsconf.errors import Location, Problem
    from tlsconf.ingest import read

    kinds: dict[str, str] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            found = read(path)[0]
        except TlsconfError as error:
            problems.extend(error.problems)
            continue
        if found not in _DETECTED:
            problems.append(Problem(Location(path), "--kind", (
                f"a {found} input cannot be imported; import reads "
                f"{', '.join(IMPORT_KINDS)} (pass --kind if this is one of them)")))
        else:
            kinds[path] = _DETECTED[found]
    if problems:
        raise TlsconfError(problems)
    if len(set(kinds.values())) > 1:
        raise TlsconfError([Problem(Location(path), "--kind", (
            f"detected as {kind}, but the other inputs are not: import one kind at a time "
            "(or pass --kind)")) for path, kind in kinds.items()])
    return next(iter(kinds.values()))


def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="The configs to import (one kind).",
                       dir_okay=False),
    ],
    kind: Annotated[
        str | None,
        typer.Option("--kind", **choice(IMPORT_KINDS), show_default="detected",
                     help="The input kind."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE",
                     help="Write the spec here (atomically); the report then goes to stdout."),
    ] = None,
    report_format: Annotated[
        str, typer.Option("--report-format", **choice(REPORT_FORMATS),
                          help="The loss report's format.")
    ] = "text",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when anything was approximated or dropped.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing -o FILE.")
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", metavar="FILE",
                                  help="Settings file for the lint findings on the input.")
    ] = None,
    max_bytes: Annotated[int, max_bytes_option()] = MAX_BYTES,
) -> None:
    """Import nginx/HAProxy/Traefik/ingress-nginx configs as a spec, with a loss report."""
    import sys

    from tlsconf.cli import _choice_of, _fail, _settings
    from tlsconf.importer import IMPORTERS, loader, write
    from tlsconf.importer import report as loss
    from tlsconf.output import write_files
    from tlsconf.source import byte_limit

    _choice_of("--kind", "kind", kind, tuple(IMPORTERS))
    _choice_of("--report-format", "format", report_format, loss.FORMATS)
    names = [str(p) for p in paths]
    try:
        settings = _settings(config)
        with byte_limit(max_bytes):
            kind = kind or detect_kind(names)
            imported = loader(kind)(names, settings)
    except TlsconfError as error:
        _fail(error)
    text = write.to_yaml(imported, kind, names)
    try:
        write.check(text, str(output) if output else "<imported spec>")
    except TlsconfError as error:  # a bug in an importer: say so, write nothing
        for problem in error.problems:
            typer.echo(f"tlsconf: internal error: the imported spec does not validate: "
                       f"{problem}", err=True)
        raise typer.Exit(3) from None
    report = loss.render(imported, report_format, kind, names)
    if output is None:
        sys.stdout.write(text)
        sys.stderr.write(report)
    else:
        try:
            write_files(output.parent, {output.name: text}, force=force)
        except TlsconfError as error:
            _fail(error)
        sys.stdout.write(report)
    if strict and imported.lossy():
        raise typer.Exit(1)
