"""`tlsconf validate --live`: each target's real server started on loopback with the rendered
output (`validate.live`), verified while it runs (`tlsconf verify`'s engine, with that target's
limits), and stopped. The command's edge: this module prints, `cli.validate` exits.

Per target, on stdout: the start (`nginx: ok: nginx -t: OK; started on 127.0.0.1`), where the
listeners went (`nginx: listeners moved to loopback: 0.0.0.0:443 -> 127.0.0.1:41234, ...`),
verify's findings in its text format and a closing line (`nginx: verify: as specified (3
sites)` or `... 2 findings`); verify's notes on stderr. Exit status: 0 every server started and
serves the spec, 1 a server refused or failed to start or a finding at or above `fail_on`, 2 a
binary or the verify extra is missing, an endpoint could not be measured or the input is bad.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from tlsconf.config import Settings
    from tlsconf.lint import Report
    from tlsconf.policy import SitePolicy
    from tlsconf.specfile import LoadedSpec

EXTRA_MESSAGE = "validate --live needs the verify extra: pip install 'tlsconf[verify]'"


def run(loaded: LoadedSpec, sites: tuple[SitePolicy, ...], names: tuple[str, ...],
        timeout: float, settings: Settings) -> int:
    """Start, verify and stop each target in turn; the exit status."""
    from tlsconf.lint.formats import render
    from tlsconf.validate import live
    from tlsconf.verify.probe import MissingExtra, require_extra
    from tlsconf.verify.run import Options, Unreachable, verify

    try:
        require_extra()
    except MissingExtra:
        typer.echo(EXTRA_MESSAGE, err=True)
        return 2
    status = 0
    for name in names:

        def check(served: tuple[SitePolicy, ...], client: tuple[str, str] | None,
                  target: str = name) -> Report:
            options = Options(target=target, client_cert=client)
            return verify(loaded, served, options, settings)

        try:
            result = live(loaded, sites, name, check, timeout)
        except Unreachable as error:
            typer.echo(f"{name}: verify: {error}", err=True)
            status = 2
            continue
        outcome = result.outcome
        typer.echo(f"{name}: {'ok' if outcome.ok else 'FAILED'}: {outcome.summary}",
                   err=not outcome.ok)
        if outcome.details:
            typer.echo("    " + outcome.details.replace("\n", "\n    "), err=True)
        if outcome.missing_binary:
            status = 2
            continue
        if result.moves:
            typer.echo(f"{name}: listeners moved to loopback: {', '.join(result.moves)}")
        report = result.verified
        if report is None:
            status = max(status, 1)
            continue
        sys.stdout.write(render(report, "text"))
        for entry in report.suppressed:
            typer.echo(str(entry), err=True)
        for note in report.notes:
            typer.echo(f"note: {name}: {note}", err=True)
        failing = [f for f in report.findings if f.severity >= settings.fail_on]
        typer.echo(f"{name}: verify: " + (_count(len(report.findings), "finding")
                                          if report.findings
                                          else f"as specified ({_count(len(sites), 'site')})"))
        if failing:
            status = max(status, 1)
    return status


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
