"""Command line: the only module that prints or exits.

Exit status: 0 success, 1 findings (weak settings, stale files), 2 bad input or usage. Heavy
modules are imported inside the commands so `--help` and `--version` stay fast.
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from tlsconf import __version__
from tlsconf.cli_help import HELP_OPTION_NAMES, MAX_BYTES, App, choice
from tlsconf.errors import TlsconfError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from tlsconf.config import Settings
    from tlsconf.errors import Problem
    from tlsconf.lint.engine import Suppressed
    from tlsconf.policy import SitePolicy
    from tlsconf.profiles import Profile
    from tlsconf.specfile import LoadedSpec

app = App(
    name="tlsconf",
    help="Declarative TLS termination for nginx, HAProxy and Traefik, and a TLS linter.",
    no_args_is_help=True,
    context_settings={"help_option_names": HELP_OPTION_NAMES},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

TARGET_NAMES = ("nginx", "haproxy", "traefik")  # what `--target all` renders: single hosts
OTHER_TARGET_NAMES = ("envoy", "caddy")  # single hosts too, but not in `all` (no distro package)
K8S_TARGET_NAMES = ("gateway-api", "traefik-crd")
IMPL_NAMES = ("traefik", "envoy-gateway", "nginx-gateway-fabric")
# The choices of lint's options, for --help and completion without importing the linter (a
# test ties each to its source: lint.formats.FORMATS, ingest.KINDS, profiles.PROFILE_NAMES).
FORMAT_NAMES = ("text", "json", "sarif", "github")
KIND_NAMES = ("spec", "nginx", "haproxy", "traefik", "envoy", "caddy", "k8s")
PROFILE_NAMES = ("modern", "intermediate", "old")
SEVERITY_NAMES = ("info", "warning", "error")


CONFIG_HELP = ("Settings file (default: .tlsconf.yaml, .tlsconf.yml or [tool.tlsconf] in "
               "pyproject.toml, found upward).")
AS_OF_HELP = ("Judge dated rules and certificate validity as of this day (YYYY-MM-DD, "
              "00:00 UTC).")
CA_FILE_HELP = ("A private CA (PEM) that anchors certificate chains, like `trust:` in the "
                "settings file (repeatable).")


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
    spec: Annotated[
        Path, typer.Argument(metavar="SPEC", help="The site spec (YAML).", dir_okay=False)
    ],
    target: Annotated[
        str,
        typer.Option(
            "--target",
            "-t",
            **choice((*TARGET_NAMES, *OTHER_TARGET_NAMES, *K8S_TARGET_NAMES, "all")),
            help="all: nginx, haproxy and traefik, with -o.",
        ),
    ] = "nginx",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="DIR", help="Write files under DIR/<target>/."),
    ] = None,
    site: Annotated[
        list[str] | None,
        typer.Option("--site", metavar="NAME", help="Only this site (repeatable)."),
    ] = None,
    allow_weak: Annotated[
        bool, typer.Option("--allow-weak", help="Render settings weaker than the chosen profile.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace files tlsconf did not write.")
    ] = False,
    main_config: Annotated[
        bool, typer.Option("--main-config", help="nginx: also write a complete nginx.conf.")
    ] = False,
    impl: Annotated[
        str | None,
        typer.Option(
            "--impl",
            **choice(IMPL_NAMES),
            help="gateway-api: the Gateway implementation that carries the TLS policy.",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 with a diff when the files "
            "under -o DIR differ from what the spec renders now.",
        ),
    ] = False,
    max_bytes: Annotated[
        int,
        typer.Option(
            "--max-bytes", min=1, metavar="BYTES", help="Refuse input files larger than this."
        ),
    ] = MAX_BYTES,
    config: Annotated[
        Path | None, typer.Option("--config", metavar="FILE", help=CONFIG_HELP)
    ] = None,
    ca_file: Annotated[
        list[Path] | None, typer.Option("--ca-file", metavar="FILE", help=CA_FILE_HELP)
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="DATE", show_default="now", help=AS_OF_HELP)
    ] = None,
) -> None:
    """Render the spec for a target: to stdout, or atomically under -o DIR."""
    from tlsconf import targets, terminal
    from tlsconf.output import write_files

    if target not in (*TARGET_NAMES, *OTHER_TARGET_NAMES, *K8S_TARGET_NAMES, "all"):
        allowed = ", ".join((*TARGET_NAMES, *OTHER_TARGET_NAMES, *K8S_TARGET_NAMES))
        typer.echo(f"--target: unknown target {target!r}; allowed: {allowed}, all", err=True)
        raise typer.Exit(2)
    if impl is not None and (target != "gateway-api" or impl not in IMPL_NAMES):
        typer.echo(
            f"--impl: {impl!r} needs --target gateway-api and one of: {', '.join(IMPL_NAMES)}",
            err=True,
        )
        raise typer.Exit(2)
    day = _as_of(as_of)
    if target == "all" and output is None:
        typer.echo("--target all: needs -o DIR (one directory per target)", err=True)
        raise typer.Exit(2)
    if check and output is None:
        typer.echo("--check: needs -o DIR (the committed rendered files)", err=True)
        raise typer.Exit(2)
    try:
        from tlsconf.progress import reporting

        with reporting([spec]):  # a progress line on a terminal, for big specs
            loaded, sites = _load_judged(spec, site, allow_weak, max_bytes,
                                         settings=_settings(config, ca_file, day))
        files: dict[str, str] = {}
        names = TARGET_NAMES if target == "all" else (target,)
        for name in names:
            with reporting([spec]):
                rendered = targets.render(name, loaded, sites, main_config=main_config, impl=impl)
            _warn(rendered.warnings, sites)
            files.update(rendered.files)
        # Each rendered target owns its subdirectory: tlsconf's files there that this render
        # no longer produces (a removed site, --impl or --main-config) are removed. Other
        # targets' directories are left alone, and so is everything with --site (a part).
        owned = () if site else tuple(f"{name}/" for name in names)
        if check:
            assert output is not None
            _check_rendered(output, files, owned)
        elif output is None:
            sys.stdout.write(rendered.text())
        else:
            # Every target is rendered before anything is written: all or nothing.
            unchanged: set[str] = set()
            write_files(output, files, force=force, owned=owned, unchanged_out=unchanged)
            _summary(lambda: terminal.written_summary(output, files, unchanged))
    except TlsconfError as error:
        _fail(error)


def _summary(line: "Callable[[], str]", fmt: str = "text") -> None:
    """The closing line for a person at a terminal (tlsconf.terminal has the policy)."""
    from tlsconf import terminal

    if terminal.summary_wanted(sys.stderr, fmt):
        typer.echo(line(), err=True)


def _warn(warnings: "Sequence[Problem]", sites: "Sequence[SitePolicy]") -> None:
    """Each distinct warning once, with a count of the sites it also applies to: 10,000 sites
    sharing one warning get one line, not 10,000 identical paragraphs."""
    from tlsconf.render import summarize_warnings

    for line in summarize_warnings(warnings, sites):
        typer.echo(line, err=True)


def _as_of(text: str | None) -> "dt.date | None":
    """`--as-of DATE`: a calendar day, YYYY-MM-DD; anything else is a usage error (exit 2)."""
    import datetime as dt
    import re

    if text is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        typer.echo(f"--as-of: {text!r} is not a date; use YYYY-MM-DD (e.g. 2026-04-06)",
                   err=True)
        raise typer.Exit(2) from None


def _settings(config: Path | None, ca_files: "Sequence[Path] | None" = None,
              as_of: "dt.date | None" = None) -> "Settings":
    """The settings file (`--config`, else found upward from here), with the `--ca-file`
    anchors added to its `trust` and the `--as-of` day. A CA file that cannot be read is bad
    input."""
    import os

    from msgspec import structs

    from tlsconf.config import find_config, load_settings, trust_problem
    from tlsconf.errors import Location

    if config is None:
        config = find_config(Path.cwd())
        if config is not None and config.is_relative_to(Path.cwd()):
            config = config.relative_to(Path.cwd())  # messages name it as the user would
    settings = load_settings(config)
    if as_of is not None:
        settings = structs.replace(settings, as_of=as_of)
    anchors = []
    for ca_file in ca_files or ():
        path = os.path.abspath(ca_file)
        problem = trust_problem(path)
        if problem is not None:
            raise TlsconfError.single(Location(str(ca_file)), "--ca-file", problem)
        anchors.append(path)
    if not anchors:
        return settings
    return structs.replace(settings, trust=(*settings.trust, *anchors))


def _report_suppressed(suppressed: "Sequence[Suppressed]") -> None:
    """What a suppression silenced, on stderr: the same lines for `lint` and `render`."""
    for entry in suppressed:
        typer.echo(str(entry), err=True)


def _load_sites(spec: Path, site: list[str] | None, max_bytes: int = MAX_BYTES,
                ) -> "tuple[LoadedSpec, tuple[SitePolicy, ...]]":
    """Load, validate and resolve the spec; only the `--site` sites (exit 2 for a name the
    spec does not have)."""
    from tlsconf import policy
    from tlsconf.specfile import load_spec

    loaded = load_spec(str(spec), max_bytes=max_bytes)
    sites = policy.resolve(loaded)
    if site:
        unknown = sorted(set(site) - {s.name for s in sites})
        if unknown:
            typer.echo(
                f"--site: no site named {unknown[0]!r}; sites: {', '.join(s.name for s in sites)}",
                err=True,
            )
            raise typer.Exit(2)
        sites = tuple(s for s in sites if s.name in site)
    return loaded, sites


def _load_judged(
    spec: Path, site: list[str] | None, allow_weak: bool, max_bytes: int = MAX_BYTES,
    settings: "Settings | None" = None,
) -> "tuple[LoadedSpec, tuple[SitePolicy, ...]]":
    """Load, validate and resolve the spec, then refuse it (exit 1) when it has findings at
    or above `fail_on` after suppressions — `tlsconf.judge.verdict`, the judgement of
    `tlsconf lint` — unless `allow_weak`."""
    from tlsconf import judge

    loaded, sites = _load_sites(spec, site, max_bytes)
    if settings is None:
        settings = _settings(None)
    result = judge.spec_verdict(loaded, sites, settings)
    _report_suppressed(result.suppressed)
    weak = result.blocking(settings.fail_on)
    if weak and not allow_weak:
        for finding in result.findings:
            typer.echo(str(finding), err=True)
        typer.echo(
            f"refusing to render: {len(weak)} finding(s) at or above {settings.fail_on} "
            "(settings weaker than the chosen Mozilla profile); fix them, suppress them "
            "with a reason, or pass --allow-weak",
            err=True,
        )
        raise typer.Exit(1)
    return loaded, sites


@app.command()
def validate(
    spec: Annotated[
        Path, typer.Argument(metavar="SPEC", help="The site spec (YAML).", dir_okay=False)
    ],
    target: Annotated[
        str,
        typer.Option(
            "--target",
            "-t",
            **choice((*TARGET_NAMES, *OTHER_TARGET_NAMES, "all", *K8S_TARGET_NAMES)),
            help="all: nginx, haproxy and traefik.",
        ),
    ] = "all",
    site: Annotated[
        list[str] | None,
        typer.Option("--site", metavar="NAME", help="Only this site (repeatable)."),
    ] = None,
    allow_weak: Annotated[
        bool, typer.Option("--allow-weak", help="Validate settings weaker than the profile.")
    ] = False,
    impl: Annotated[
        str | None,
        typer.Option(
            "--impl",
            **choice(IMPL_NAMES),
            help="gateway-api: the Gateway implementation that carries the TLS policy.",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Seconds per server check.")
    ] = 30.0,
    config: Annotated[
        Path | None, typer.Option("--config", metavar="FILE", help=CONFIG_HELP)
    ] = None,
    ca_file: Annotated[
        list[Path] | None, typer.Option("--ca-file", metavar="FILE", help=CA_FILE_HELP)
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="DATE", show_default="now", help=AS_OF_HELP)
    ] = None,
) -> None:
    """Render into a scratch directory and run the real server's own check on it (nginx -t,
    haproxy -c, Traefik on 127.0.0.1); missing certificate files get placeholders. Kubernetes
    targets are checked offline against the CRDs shipped with tlsconf (needs tlsconf[k8s])."""
    from tlsconf.validate import validate as run_check
    from tlsconf.validate import validate_manifests

    if target not in (*TARGET_NAMES, *OTHER_TARGET_NAMES, *K8S_TARGET_NAMES, "all"):
        allowed = ", ".join((*TARGET_NAMES, *OTHER_TARGET_NAMES, *K8S_TARGET_NAMES))
        typer.echo(f"--target: unknown target {target!r}; allowed: {allowed}, all", err=True)
        raise typer.Exit(2)
    if impl is not None and (target != "gateway-api" or impl not in IMPL_NAMES):
        typer.echo(
            f"--impl: {impl!r} needs --target gateway-api and one of: {', '.join(IMPL_NAMES)}",
            err=True,
        )
        raise typer.Exit(2)
    day = _as_of(as_of)
    try:
        loaded, sites = _load_judged(spec, site, allow_weak,
                                     settings=_settings(config, ca_file, day))
        if target in K8S_TARGET_NAMES:
            outcomes = [validate_manifests(loaded, sites, target, impl)]
        else:
            outcomes = [
                run_check(loaded, sites, name, timeout)
                for name in (TARGET_NAMES if target == "all" else (target,))
            ]
    except TlsconfError as error:
        _fail(error)
    for outcome in outcomes:
        typer.echo(
            f"{outcome.target}: {'ok' if outcome.ok else 'FAILED'}: {outcome.summary}",
            err=not outcome.ok,
        )
        if outcome.details:
            typer.echo("    " + outcome.details.replace("\n", "\n    "), err=True)
    if any(o.missing_binary or o.unchecked for o in outcomes):
        raise typer.Exit(2)
    raise typer.Exit(0 if all(o.ok for o in outcomes) else 1)


def _check_rendered(output: Path, files: dict[str, str], owned: tuple[str, ...]) -> None:
    """`render --check`: exit 1 with a unified diff when committed files are stale, and a
    `stale: would delete` line for each file a render would remove."""
    import difflib

    from tlsconf.output import stale_files

    stale = 0
    for name in stale_files(output, files, owned):
        stale += 1
        sys.stdout.write(f"stale: would delete {name}\n")
    for name in sorted(files):
        path = output / name
        current = path.read_text("utf-8") if path.is_file() else ""
        if current != files[name]:
            stale += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    files[name].splitlines(keepends=True),
                    f"{path} (committed)",
                    f"{path} (rendered from the spec)",
                )
            )
    if stale:
        typer.echo(
            f"{stale} rendered file(s) under {output} are stale; run `tlsconf render` "
            f"with -o {output}",
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def lint(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="Specs and nginx/HAProxy/Traefik/Envoy/Caddy/Kubernetes configs; a directory is "
            "searched "
            "for them; - reads stdin (with --kind).",
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", "-f", **choice(FORMAT_NAMES), help="The report format.")
    ] = "text",
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            **choice(SEVERITY_NAMES),
            show_default="settings file, else warning",
            help="Exit 1 for findings at or above this severity.",
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            **choice(PROFILE_NAMES),
            show_default="a spec site's own, else intermediate",
            help="Judge against this Mozilla profile.",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", **choice(KIND_NAMES), show_default="detected",
            help="The input kind.",
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", metavar="FILE", help=CONFIG_HELP)
    ] = None,
    ca_file: Annotated[
        list[Path] | None, typer.Option("--ca-file", metavar="FILE", help=CA_FILE_HELP)
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="DATE", show_default="now", help=AS_OF_HELP)
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the report here."),
    ] = None,
    no_cert_checks: Annotated[
        bool,
        typer.Option(
            "--no-cert-checks",
            help="Skip the certificate family (TLS8xx), for repos that do not hold certificates.",
        ),
    ] = False,
    report_unused: Annotated[
        bool,
        typer.Option(
            "--report-unused-suppressions", help="Report suppressions that match nothing (TLS002)."
        ),
    ] = False,
    max_bytes: Annotated[
        int,
        typer.Option(
            "--max-bytes", min=1, metavar="BYTES", help="Refuse input files larger than this."
        ),
    ] = MAX_BYTES,
) -> None:
    """Lint specs and proxy configs for weak TLS. Exit 0 clean, 1 findings, 2 errors."""
    from msgspec import structs

    from tlsconf import terminal
    from tlsconf.findings import Severity
    from tlsconf.ingest import KINDS
    from tlsconf.lint import lint_paths
    from tlsconf.lint.formats import FORMATS
    from tlsconf.lint.formats import render as format_report
    from tlsconf.profiles import PROFILE_NAMES

    def usage(message: str) -> NoReturn:
        typer.echo(message, err=True)
        raise typer.Exit(2)

    if fmt not in FORMATS:
        usage(f"--format: unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    if kind is not None and kind not in KINDS:
        usage(f"--kind: unknown kind {kind!r}; allowed: {', '.join(KINDS)}")
    if profile is not None and profile not in PROFILE_NAMES:
        usage(f"--profile: unknown profile {profile!r}; allowed: {', '.join(PROFILE_NAMES)}")
    day = _as_of(as_of)
    try:
        settings = _settings(config, ca_file, day)
    except TlsconfError as error:
        _fail(error)
    changes: dict[str, object] = {}
    if fail_on is not None:
        try:
            changes["fail_on"] = Severity.parse(fail_on)
        except KeyError:
            usage(f"--fail-on: unknown severity {fail_on!r}; allowed: info, warning, error")
    if profile is not None:
        changes["profile"] = profile
    if report_unused:
        changes["report_unused_suppressions"] = True
    if no_cert_checks:
        changes["certificates"] = False
    settings = structs.replace(settings, **changes)
    from tlsconf.progress import reporting
    from tlsconf.source import byte_limit

    names = [str(p) for p in paths]
    stdin = None
    if "-" in names:
        if kind is None:
            usage(f"-: reading stdin needs --kind ({', '.join(KINDS)})")
        if names.count("-") > 1:
            usage("-: stdin can only be read once")
        stdin = _read_stdin(max_bytes)
    with byte_limit(max_bytes), reporting(paths):  # a progress line on a terminal, for big inputs
        report = lint_paths(names, settings, kind, stdin)
    if output is None and terminal.colour_wanted(sys.stdout, fmt=fmt):
        text = terminal.findings_text(report.findings, colour=True)
    else:
        text = format_report(report, fmt)
    if output is not None:
        _write_one(output, text)
    else:
        sys.stdout.write(text)
    if fmt == "text":
        _report_suppressed(report.suppressed)
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    for problem in report.errors:
        typer.echo(str(problem), err=True)
    if report.errors:  # no summary: what was not read has no count of findings
        typer.echo(f"{len(report.errors)} error(s): the input(s) above were not linted", err=True)
        raise typer.Exit(2)
    _summary(lambda: terminal.lint_summary(report.findings, len(report.suppressed),
                                           terminal.colour_wanted(sys.stderr, fmt=fmt)), fmt)
    if any(f.severity >= settings.fail_on for f in report.findings):
        raise typer.Exit(1)


def _read_stdin(max_bytes: int) -> bytes:
    """All of stdin, refused (exit 2) past `max_bytes` as a file would be."""
    from tlsconf.lint import STDIN_NAME

    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        typer.echo(f"{STDIN_NAME}: input is larger than the limit of {max_bytes} bytes "
                   "(--max-bytes)", err=True)
        raise typer.Exit(2)
    return data


@app.command()
def rules(
    rule_id: Annotated[
        str | None, typer.Argument(metavar="RULE", help="Explain one rule (id or name).")
    ] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="The docs/rules.md page.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to this file.")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if -o FILE is stale.")] = False,
) -> None:
    """List the lint rules, explain one, or generate docs/rules.md."""
    from tlsconf.lint import docs
    from tlsconf.rules import get

    if rule_id is not None:
        found = get(rule_id)
        if found is None:
            typer.echo(f"unknown rule {rule_id!r}; see `tlsconf rules`", err=True)
            raise typer.Exit(2)
        text = docs.explain(found)
    else:
        text = docs.markdown() if markdown else docs.table()
    if check:
        if output is None:
            typer.echo("--check: needs -o FILE", err=True)
            raise typer.Exit(2)
        current = output.read_text("utf-8") if output.is_file() else None
        if current != text:
            typer.echo(f"{output}: stale; run `tlsconf rules --markdown -o {output}`", err=True)
            raise typer.Exit(1)
        return
    if output is not None:
        _write_one(output, text)
    else:
        sys.stdout.write(text)


@app.command()
def schema(
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="Where to write the schema.")
    ] = Path("schemas/tlsconf.schema.json"),
    docs: Annotated[
        Path, typer.Option("--docs", metavar="FILE", help="Where to write the spec reference.")
    ] = Path("docs/spec.md"),
    check: Annotated[
        bool, typer.Option("--check", help="Fail (exit 1) if a file is missing or stale.")
    ] = False,
    print_schema: Annotated[
        bool, typer.Option("--print", help="Print the JSON Schema to stdout; write nothing.")
    ] = False,
) -> None:
    """Write the spec's JSON Schema and reference docs (both generated from the models)."""
    from tlsconf.schema import schema_text, spec_markdown

    if print_schema:
        if check:
            typer.echo("--print: cannot be combined with --check", err=True)
            raise typer.Exit(2)
        sys.stdout.write(schema_text())
        return
    wanted = {output: schema_text(), docs: spec_markdown()}
    if check:
        bad = 0
        for path, text in wanted.items():
            if not path.is_file():
                typer.echo(f"{path}: missing; run `tlsconf schema` to generate it", err=True)
            elif path.read_text("utf-8") != text:
                typer.echo(f"{path}: stale; run `tlsconf schema` to regenerate it", err=True)
            else:
                continue
            bad += 1
        raise typer.Exit(1 if bad else 0)
    for path, text in wanted.items():
        _write_one(path, text)


@app.command()
def gates(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="The Markdown tables of README's section.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE",
                     help="Rewrite the section between the gates markers of this file."),
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if -o FILE is stale.")] = False,
) -> None:
    """Show each target's version gates and where it offers post-quantum key exchange."""
    from tlsconf import gates as registry

    if output is None:
        if check:
            typer.echo("--check: needs -o FILE", err=True)
            raise typer.Exit(2)
        sys.stdout.write(registry.markdown() if markdown else registry.text())
        return
    current = output.read_text("utf-8") if output.is_file() else ""
    wanted = registry.replace_section(current)
    if wanted is None:
        typer.echo(f"{output}: needs one {registry.BEGIN} line and one {registry.END} line",
                   err=True)
        raise typer.Exit(2)
    if check:
        if current != wanted:
            typer.echo(f"{output}: stale; run `tlsconf gates --markdown -o {output}`", err=True)
            raise typer.Exit(1)
        return
    _write_one(output, wanted)


def _write_one(path: Path, text: str) -> None:
    """A report or generated doc the user names: replaced atomically (it is expected to exist
    and to be replaced), never through a symlink."""
    from tlsconf.output import write_files

    try:
        write_files(path.parent, {path.name: text}, force=True)
    except TlsconfError as error:
        _fail(error)


@app.command()
def profiles() -> None:
    """Show the Mozilla profiles tlsconf resolves policies from."""
    from tlsconf.profiles import all_profiles

    rows = [("", *(p.name for p in all_profiles()))]
    table: dict[str, Callable[[Profile], str]] = {
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
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _register_subcommands() -> None:
    from tlsconf.cli_cert import cert_app  # typer only at import: keeps --help fast
    from tlsconf.cli_import import import_command
    from tlsconf.cli_verify import verify  # typer only at import, too

    app.command("import")(import_command)
    app.add_typer(cert_app, name="cert", help="Certificates: inspect, CSR, dev CA, bundles.")
    app.command(name="verify")(verify)


_register_subcommands()


def _invoked_app(args: "Sequence[str]") -> typer.Typer:
    """`app` with only the command (or command group) `args` start with; all of `app` when
    they start with no command name (`--help`, `--version`, a typo typer suggests a fix for).
    Typer builds the parameters of every registered command before it parses anything, and
    that is a measurable part of a pre-commit lint; what the invoked command parses, prints
    and exits with does not depend on its siblings."""
    import copy

    from typer.main import get_command_name

    name = args[0] if args else None
    commands = [
        info for info in app.registered_commands
        if info.callback is not None
        and (info.name or get_command_name(info.callback.__name__)) == name
    ]
    groups = [info for info in app.registered_groups if info.name == name]
    if not commands and not groups:
        return app
    invoked = copy.copy(app)
    invoked.registered_commands, invoked.registered_groups = commands, groups
    return invoked


def _no_plugin_discovery() -> None:
    """With plugins disabled, pydantic's plugin loader returns none without looking, but
    importing that module imports importlib.metadata (email, zipfile, csv, ...: ~30 M
    instructions, a few ms of every run) for the scan it then skips. Stand in for it with a
    loader that returns none, as the disabled one does — unless the real one is loaded already."""
    import types

    name = "pydantic.plugin._loader"  # imported by pydantic on the first validator it builds
    if name not in sys.modules:
        loader = types.ModuleType(name, "pydantic plugins disabled by tlsconf.cli.main")
        loader.get_plugins = tuple  # type: ignore[attr-defined]  # get_plugins() -> ()
        sys.modules[name] = loader


def main() -> None:
    import os

    # Specs are validated by tlsconf's models exactly as shipped: third-party pydantic plugins
    # found in the environment (entry points) neither observe nor alter that validation, and
    # the entry-point scan they need is skipped (a measurable part of every pre-commit run).
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
    _no_plugin_discovery()
    from tlsconf.source import gc_paused

    try:
        # One command is one batch: nothing cyclic worth collecting is made, and between the
        # phases that pause the collector themselves its full passes over a 10,000-site spec's
        # objects cost ~1 s of a 4 s render. Reference counting still frees what is dropped.
        with gc_paused():
            _invoked_app(sys.argv[1:])()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug, not bad input: say so briefly, no traceback by default
        if os.environ.get("TLSCONF_DEBUG"):
            raise
        typer.echo(
            f"tlsconf: internal error: {type(exc).__name__}: {exc} "
            "(set TLSCONF_DEBUG=1 for a traceback, and please report it)",
            err=True,
        )
        sys.exit(3)
