"""`tlsconf verify`: prove a running endpoint serves what the spec says. Registered in `cli`
as a top-level command; the engine (tlsconf/verify/) and its TLS clients (sslyze, tlslite-ng:
the `verify` extra) load inside the command, so `--help` and `lint` never pay for them.

Exit status as lint's: 0 no finding at or above `fail_on`, 1 findings, 2 bad input, an
unreachable endpoint or the extra missing (never a clean result for what was not measured).
"""

import sys
from pathlib import Path
from typing import Annotated

import typer

from tlsconf.cli_help import choice
from tlsconf.errors import TlsconfError

FORMAT_NAMES = ("text", "json", "sarif", "github")  # tlsconf.lint.formats.FORMATS
TARGET_NAMES = ("nginx", "haproxy", "traefik", "envoy", "caddy")  # expect.TARGET_LIMITS' keys
EXTRA_MESSAGE = "tlsconf verify needs the verify extra: pip install 'tlsconf[verify]'"


def verify(
    spec: Annotated[
        Path, typer.Argument(metavar="SPEC", help="The site spec (YAML).", dir_okay=False)
    ],
    site: Annotated[
        list[str] | None,
        typer.Option("--site", metavar="NAME", help="Only this site (repeatable)."),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", metavar="HOST:PORT", show_default="the site's listen "
                     "address (a wildcard as loopback) and https_port",
                     help="The TLS endpoint to verify."),
    ] = None,
    against: Annotated[
        str | None,
        typer.Option("--against", metavar="HOST:PORT",
                     help="Differential mode: report every difference from this endpoint."),
    ] = None,
    sni: Annotated[
        str | None,
        typer.Option("--sni", metavar="NAME", show_default="the site's first domain",
                     help="The server name of the handshake matrix and the HTTP Host."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", "-t", **choice(TARGET_NAMES), show_default="none: the spec's "
                     "policy as resolved", help="Predict what this server does with the spec."),
    ] = None,
    against_target: Annotated[
        str | None,
        typer.Option("--against-target", **choice(TARGET_NAMES), show_default="none",
                     help="Differential mode: the server at --against; with --target, the "
                          "differences their targets document are info, not findings."),
    ] = None,
    http_port: Annotated[
        int | None,
        typer.Option("--http-port", min=1, max=65535, metavar="PORT",
                     show_default="the site's http_port",
                     help="The plain-HTTP port of the endpoint (the redirect check)."),
    ] = None,
    against_http_port: Annotated[
        int | None,
        typer.Option("--against-http-port", min=1, max=65535, metavar="PORT",
                     show_default="none: the redirect is not compared",
                     help="Differential mode: the plain-HTTP port of the server at --against."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", **choice(FORMAT_NAMES), help="The report format.")
    ] = "text",
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, metavar="SECONDS",
                            help="Seconds for each connection.")
    ] = 5.0,
    client_cert: Annotated[
        Path | None, typer.Option("--client-cert", metavar="FILE",
                                  help="A client certificate (PEM) for the HTTP checks of "
                                       "mTLS sites; with --client-key.")
    ] = None,
    client_key: Annotated[
        Path | None, typer.Option("--client-key", metavar="FILE", help="Its private key.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", metavar="FILE",
                                  help="Settings file (severity, ignore, fail_on).")
    ] = None,
) -> None:
    """Verify running servers against the spec: versions, suites, groups (X25519MLKEM768
    too), SNI, certificate chain, client certificates, resumption, redirect, HSTS, ALPN.
    Exit 0 as specified, 1 findings, 2 errors."""
    from tlsconf.cli import _choice_of, _fail, _load_sites, _settings
    from tlsconf.cli import _usage as usage

    _choice_of("--format", "format", fmt, FORMAT_NAMES)
    _choice_of("--target", "target", target, TARGET_NAMES)
    _choice_of("--against-target", "target", against_target, TARGET_NAMES)
    if against_target is not None and (against is None or target is None):
        usage("--against-target needs --against and --target (the two servers' targets)")
    if against_http_port is not None and against is None:
        usage("--against-http-port needs --against (the server whose plain-HTTP port it is)")
    if (client_cert is None) != (client_key is None):
        usage("--client-cert and --client-key: give both or neither")
    from tlsconf.verify.probe import MissingExtra, require_extra

    try:
        require_extra()
    except MissingExtra:
        usage(EXTRA_MESSAGE)
    from tlsconf.lint.formats import render
    from tlsconf.verify.expect import TARGET_LIMITS
    from tlsconf.verify.run import Options, Unreachable, parse_endpoint
    from tlsconf.verify.run import verify as run

    if target is not None and target not in TARGET_LIMITS:
        usage(f"--target: tlsconf verify knows no limits of {target} yet; known: "
              f"{', '.join(TARGET_LIMITS)}")
    try:
        settings = _settings(config)
        loaded, sites = _load_sites(spec, site)
        options = Options(
            endpoint=parse_endpoint("--endpoint", endpoint) if endpoint else None,
            against=parse_endpoint("--against", against) if against else None,
            sni=sni, target=target, against_target=against_target, timeout=timeout,
            http_port=http_port, against_http_port=against_http_port,
            client_cert=(str(client_cert), str(client_key))
            if client_cert and client_key else None)
        report = run(loaded, sites, options, settings)
    except TlsconfError as error:
        _fail(error)
    except Unreachable as error:
        typer.echo(f"tlsconf verify: {error}", err=True)
        raise typer.Exit(2) from None
    sys.stdout.write(render(report, fmt))
    if fmt == "text":  # as lint: what was suppressed in text, notes whatever the format
        for entry in report.suppressed:
            typer.echo(str(entry), err=True)
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    if any(f.severity >= settings.fail_on for f in report.findings):
        raise typer.Exit(1)
