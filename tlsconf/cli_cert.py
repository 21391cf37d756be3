"""`tlsconf cert ...`: inspect certificates, make a key and CSR, a development certificate,
or a HAProxy bundle. Registered in `cli` as `app.add_typer(cert_app, name="cert")`.

Only typer and the standard library are imported here; the `tlsconf.certs` modules (and
`cryptography`) load inside the commands so the rest of the CLI starts fast. Exit status:
0 done, 2 bad input (printed as `file: message`, no traceback).
"""

import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from tlsconf.cli_help import App, choice

if TYPE_CHECKING:
    from tlsconf.certs.generate import PrivateKey

cert_app = App(
    name="cert",
    help="Certificates: inspect them, make a key and CSR, a development certificate, or a "
    "HAProxy bundle.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")


class KeyType(StrEnum):
    ecdsa = "ecdsa"
    rsa = "rsa"


class Format(StrEnum):
    table = "table"
    json = "json"


Domains = Annotated[
    list[str] | None,
    typer.Option("--domain", "-d", metavar="NAME", help="A name for the SAN (repeatable): DNS "
                 "name, wildcard `*.example.com` or IP address."),
]
SpecOption = Annotated[
    Path | None, typer.Option("--spec", metavar="SPEC", dir_okay=False,
                              help="Take the domains of --site from this spec.")
]
SiteOption = Annotated[
    str | None, typer.Option("--site", metavar="NAME", help="The site of --spec.")
]
KeyTypeOption = Annotated[
    KeyType, typer.Option("--key-type", **choice(tuple(KeyType)), help="Private key type.")
]
KeySize = Annotated[
    int | None, typer.Option("--key-size", metavar="BITS", help="ecdsa: 256 (default) or 384; "
                             "rsa: 2048 (default), 3072 or 4096.")
]
NameOption = Annotated[
    str | None, typer.Option("--name", metavar="NAME", help="Base name of the files written "
                             "(default: the site name or the first domain).")
]


def _usage(option: str, message: str) -> NoReturn:
    typer.echo(f"{option}: {message}", err=True)
    raise typer.Exit(2)


def _names(domains: list[str] | None, spec: Path | None, site: str | None) -> tuple[list[str], str]:
    """The normalised names to certify, and the default base name of the files."""
    from tlsconf.certs.generate import normalise_names

    if spec is not None or site is not None:
        if spec is None or site is None:
            _usage("--spec", "--spec and --site go together")
        if domains:
            _usage("--domain", "give either --domain or --spec/--site, not both")
        from tlsconf.specfile import load_spec

        sites = load_spec(str(spec)).spec.sites
        chosen = next((s for s in sites if s.name == site), None)
        if chosen is None:
            _usage("--site", f"no site named {site!r}; sites: {', '.join(s.name for s in sites)}")
        return list(chosen.domains), chosen.name
    try:
        names = normalise_names(domains or [])
    except ValueError as error:
        _usage("--domain", str(error))
    return names, names[0].replace("*", "_wildcard").replace(":", "-")


def _base_name(name: str | None, default: str) -> str:
    if name is not None and not _FILE_NAME.fullmatch(name):
        _usage("--name", "must be 1-64 letters, digits, '.', '_' or '-', not starting with '.'")
    return name or default


def _key(key_type: KeyType, key_size: int | None) -> "PrivateKey":
    from tlsconf.certs.generate import new_key

    try:
        return new_key(key_type.value, key_size)
    except ValueError as error:
        _usage("--key-size", str(error))


@cert_app.command()
def inspect(
    paths: Annotated[list[Path], typer.Argument(metavar="CERT...", dir_okay=False,
                                                help="Certificate files (PEM or DER).")],
    output_format: Annotated[
        Format, typer.Option("--format", **choice(tuple(Format)), help="Output format.")
    ] = Format.table,
) -> None:
    """Show subject, SANs, issuer, validity, key, signature, SHA-256 fingerprint and chain
    order of each certificate in each file."""
    import datetime as dt

    from tlsconf.certs.inspect import as_json, as_table, inspect_file
    from tlsconf.cli import _fail
    from tlsconf.errors import TlsconfError

    reports, failed = [], []
    for path in paths:
        try:
            reports.append(inspect_file(str(path)))
        except TlsconfError as error:
            failed.append(error)
    now = dt.datetime.now(dt.UTC)
    if reports:
        render = as_json if output_format is Format.json else as_table
        typer.echo(render(reports, now), nl=False)
    if failed:
        _fail(TlsconfError(p for error in failed for p in error.problems))


@cert_app.command()
def csr(
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Directory to write "
                                         "NAME.key (0600) and NAME.csr in.", file_okay=False)],
    domain: Domains = None,
    spec: SpecOption = None,
    site: SiteOption = None,
    key_type: KeyTypeOption = KeyType.ecdsa,
    key_size: KeySize = None,
    name: NameOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
) -> None:
    """Make a new private key and a CSR with every domain in its SAN (ECDSA P-256 unless
    told otherwise)."""
    from tlsconf.certs.files import write_new
    from tlsconf.certs.generate import build_csr, key_pem
    from tlsconf.cli import _fail
    from tlsconf.errors import TlsconfError

    try:
        names, default = _names(domain, spec, site)
        base = _base_name(name, default)
        key = _key(key_type, key_size)
        request = build_csr(key, names)
        from cryptography.hazmat.primitives.serialization import Encoding

        write_new(output, {f"{base}.key": key_pem(key),
                           f"{base}.csr": request.public_bytes(Encoding.PEM).decode()},
                  private=frozenset({f"{base}.key"}), force=force)
    except TlsconfError as error:
        _fail(error)
    typer.echo(f"wrote {output / base}.key (private key, mode 0600)")
    typer.echo(f"wrote {output / base}.csr (CSR for {', '.join(names)})")


@cert_app.command()
def dev(
    domain: Domains = None,
    spec: SpecOption = None,
    site: SiteOption = None,
    client: Annotated[
        str | None, typer.Option("--client", metavar="NAME", help="Issue a client certificate "
                                 "(clientAuth only, CN=NAME) instead, with a PKCS#12 copy.")
    ] = None,
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="DIR", file_okay=False,
        help="Directory to write NAME.pem (leaf + CA), NAME.key and NAME.pem.key (0600) in.",
    )] = Path("."),
    key_type: KeyTypeOption = KeyType.ecdsa,
    key_size: KeySize = None,
    name: NameOption = None,
    days: Annotated[
        int, typer.Option("--days", metavar="DAYS", help="Validity, at most 90 days.")
    ] = 90,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", metavar="DIR", envvar="TLSCONF_DATA_DIR",
                                  file_okay=False,
                                  help="Where the development CA lives (default "
                                  "$XDG_DATA_HOME/tlsconf or ~/.local/share/tlsconf).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Also issue for public-looking names; "
                                        "replace existing files.")] = False,
) -> None:
    """Issue a development certificate from a local CA (created once), like mkcert.

    Without --force only local names are accepted: localhost and names under .localhost,
    .test, .example, .invalid, .local, .internal and .home.arpa, and private, loopback or
    link-local IP addresses. The key is written twice, as NAME.key and as NAME.pem.key (where
    HAProxy < 3.0 looks for it), so the files work as written with every target.
    """
    import datetime as dt

    from tlsconf.certs import devca
    from tlsconf.certs.files import write_new
    from tlsconf.certs.generate import (
        CLIENT_NAME,
        P12_PASSWORD,
        build_dev_client,
        build_dev_leaf,
        cert_pem,
        key_pem,
        pkcs12_bytes,
    )
    from tlsconf.cli import _fail
    from tlsconf.errors import TlsconfError

    if not 1 <= days <= 90:
        _usage("--days", "development certificates are valid 1 to 90 days")
    if client is not None:
        if domain or spec is not None or site is not None:
            _usage("--client", "a client certificate names no domains: give either --client or "
                   "--domain/--spec, not both")
        if not CLIENT_NAME.fullmatch(client):
            _usage("--client", "must be 1-64 letters, digits, spaces or . _ @ + -, starting "
                   "with a letter or digit")
    files: dict[str, str | bytes]
    try:
        if client is None:
            names, default = _names(domain, spec, site)
            public = [n for n in names if not devca.is_local_name(n)]
            if public and not force:
                _usage("--domain", f"{', '.join(public)} look(s) public; a development CA only "
                       "certifies localhost, .localhost, .test, .example, .invalid, .local, "
                       ".internal, .home.arpa names and private IPs unless you pass --force")
        else:
            default = re.sub(r"[^A-Za-z0-9._-]", "_", client)[:57] + "-client"
        base = _base_name(name, default)
        now = dt.datetime.now(dt.UTC)
        ca = devca.load_or_create(devca.data_dir(str(data_dir) if data_dir else None), now)
        key = _key(key_type, key_size)
        if client is None:
            leaf = build_dev_leaf(ca.key, ca.cert, key, names, now, days)
            files = {f"{base}.pem": cert_pem(leaf, ca.cert), f"{base}.key": key_pem(key),
                     f"{base}.pem.key": key_pem(key)}
            private = frozenset({f"{base}.key", f"{base}.pem.key"})
        else:
            leaf = build_dev_client(ca.key, ca.cert, key, client, now, days)
            files = {f"{base}.pem": cert_pem(leaf, ca.cert), f"{base}.key": key_pem(key),
                     f"{base}.p12": pkcs12_bytes(key, leaf, ca.cert, client)}
            private = frozenset({f"{base}.key", f"{base}.p12"})
        write_new(output, files, private=private, force=force)
    except TlsconfError as error:
        _fail(error)
    if ca.created:
        typer.echo(f"created the development CA {ca.cert_path} (key {ca.key_path}, mode 0600)")
    until = f"{leaf.not_valid_after_utc:%Y-%m-%d}"
    if client is not None:
        typer.echo(f"wrote {output / base}.pem (client certificate + CA, valid until {until}) "
                   f"for {client}")
        typer.echo(f"wrote {output / base}.key (private key, mode 0600)")
        typer.echo(f"wrote {output / base}.p12 (certificate, CA and key for browsers and key "
                   f"stores, password {P12_PASSWORD!r}, mode 0600)")
        typer.echo("A site admits it with `client_auth: {ca: "
                   f"{ca.cert_path.resolve()}, mode: required}}` in its tls.")
        return
    typer.echo(f"wrote {output / base}.pem (certificate + CA, valid until {until}) for "
               f"{', '.join(names)}")
    typer.echo(f"wrote {output / base}.key and {output / base}.pem.key (the same private key, "
               "mode 0600; HAProxy < 3.0 reads the second)")
    typer.echo(devca.trust_instructions(ca))


@cert_app.command()
def bundle(
    cert: Annotated[Path, typer.Option("--cert", metavar="FILE", dir_okay=False,
                                       help="PEM certificate file (leaf first, then the chain).")],
    key: Annotated[
        Path, typer.Option("--key", metavar="FILE", help="PEM private key file.", dir_okay=False)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", dir_okay=False,
                                         help="The bundle to write (0600).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write the single PEM HAProxy < 3.0 needs (leaf, chain, key; mode 0600), after
    checking that the key belongs to the certificate."""
    from tlsconf.certs.bundle import build_bundle
    from tlsconf.certs.files import write_new
    from tlsconf.cli import _fail
    from tlsconf.errors import TlsconfError

    try:
        text, notes = build_bundle(str(cert), str(key))
        (path,) = write_new(output.parent, {output.name: text},
                            private=frozenset({output.name}), force=force)
    except TlsconfError as error:
        _fail(error)
    for note in notes:
        typer.echo(note, err=True)
    typer.echo(f"wrote {path} (certificate chain + private key, mode 0600)")
