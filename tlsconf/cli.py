"""Command line: the only module that prints or exits.

Exit status: 0 success, 1 findings (weak settings, stale files), 2 bad input or usage. Heavy
modules are imported inside the commands so `--help` and `--version` stay fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from tlsconf import __version__
from tlsconf.errors import TlsconfError

app = typer.Typer(
    name="tlsconf",
    help="Declarative TLS termination for nginx, HAProxy and Traefik, and a TLS linter.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

TARGET_NAMES = ("nginx", "haproxy", "traefik")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tlsconf {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """tlsconf: one site spec → nginx, HAProxy and Traefik TLS configuration."""


def _fail(error: TlsconfError) -> NoReturn:
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(2)


@app.command()
def render(
    spec: Annotated[Path, typer.Argument(help="The site spec (YAML).", dir_okay=False)],
    target: Annotated[
        str, typer.Option("--target", "-t", help="nginx, haproxy, traefik, or all (with -o).")
    ] = "nginx",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write files under DIR/<target>/.")
    ] = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only this site (repeatable).")] = None,
    allow_weak: Annotated[
        bool, typer.Option("--allow-weak", help="Render settings weaker than the chosen profile.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace files tlsconf did not write.")
    ] = False,
    main_config: Annotated[
        bool, typer.Option("--main-config", help="nginx: also write a complete nginx.conf.")
    ] = False,
) -> None:
    """Render the spec for a target: to stdout, or atomically under -o DIR."""
    from tlsconf import judge, policy, targets
    from tlsconf.output import write_files
    from tlsconf.specfile import load_spec

    if target not in (*TARGET_NAMES, "all"):
        typer.echo(f"--target: unknown target {target!r}; allowed: {', '.join(TARGET_NAMES)}, all",
                   err=True)
        raise typer.Exit(2)
    if target == "all" and output is None:
        typer.echo("--target all: needs -o DIR (one directory per target)", err=True)
        raise typer.Exit(2)
    try:
        loaded = load_spec(str(spec))
        sites = policy.resolve(loaded)
        if site:
            unknown = sorted(set(site) - {s.name for s in sites})
            if unknown:
                typer.echo(f"--site: no site named {unknown[0]!r}; sites: "
                           f"{', '.join(s.name for s in sites)}", err=True)
                raise typer.Exit(2)
            sites = tuple(s for s in sites if s.name in site)
        weak = judge.weaknesses(sites)
        if weak and not allow_weak:
            for finding in weak:
                typer.echo(str(finding), err=True)
            typer.echo(
                f"refusing to render {len(weak)} setting(s) weaker than the chosen Mozilla "
                "profile; fix them or pass --allow-weak", err=True)
            raise typer.Exit(1)
        files: dict[str, str] = {}
        for name in TARGET_NAMES if target == "all" else (target,):
            rendered = targets.render(name, loaded, sites, main_config=main_config)
            for warning in rendered.warnings:
                typer.echo(f"{warning.location}: warning: {warning.path}: {warning.message}",
                           err=True)
            files.update(rendered.files)
        if output is None:
            sys.stdout.write(rendered.text())
        else:
            # Every target is rendered before anything is written: all or nothing.
            write_files(output, files, force=force)
    except TlsconfError as error:
        _fail(error)


@app.command()
def schema(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the schema.")] = Path(
        "schemas/tlsconf.schema.json"
    ),
    docs: Annotated[Path, typer.Option("--docs", help="Where to write the spec reference.")] = Path(
        "docs/spec.md"
    ),
    check: Annotated[bool, typer.Option("--check", help="Fail (exit 1) if a file is stale.")] = False,
) -> None:
    """Write the spec's JSON Schema and reference docs (both generated from the models)."""
    from tlsconf.schema import schema_text, spec_markdown

    wanted = {output: schema_text(), docs: spec_markdown()}
    if check:
        stale = [p for p, text in wanted.items()
                 if not p.is_file() or p.read_text("utf-8") != text]
        for path in stale:
            typer.echo(f"{path}: stale; run `tlsconf schema` to regenerate it", err=True)
        raise typer.Exit(1 if stale else 0)
    from tlsconf.output import write_files

    try:
        for path, text in wanted.items():
            write_files(path.parent, {path.name: text}, force=True)
    except TlsconfError as error:
        _fail(error)


@app.command()
def profiles() -> None:
    """Show the Mozilla profiles tlsconf resolves policies from."""
    from tlsconf.profiles import all_profiles

    rows = [("", *(p.name for p in all_profiles()))]
    table = {
        "guideline": lambda p: p.guideline,
        "protocols": lambda p: " ".join(p.protocols),
        "TLS<=1.2 ciphers": lambda p: str(len(p.ciphers)),
        "TLS 1.3 suites": lambda p: str(len(p.ciphersuites)),
        "groups": lambda p: " ".join(p.curves),
        "certificate": lambda p: "/".join(p.certificate_types),
        "HSTS max-age": lambda p: str(p.hsts_min_age),
        "server order": lambda p: "on" if p.server_preferred_order else "off",
        "max cert days": lambda p: str(p.maximum_certificate_lifespan),
    }
    for label, get in table.items():
        rows.append((label, *(get(p) for p in all_profiles())))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def main() -> None:
    import os

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug, not bad input: say so briefly, no traceback by default
        if os.environ.get("TLSCONF_DEBUG"):
            raise
        typer.echo(f"tlsconf: internal error: {type(exc).__name__}: {exc} "
                   "(set TLSCONF_DEBUG=1 for a traceback, and please report it)", err=True)
        sys.exit(3)
