"""A local development CA, like mkcert: created once in the user's data directory, then used
to issue short-lived leaves for local names.

Where it lives: `--data-dir`, else `$TLSCONF_DATA_DIR`, else `$XDG_DATA_HOME/tlsconf`, else
`~/.local/share/tlsconf`; the CA is `dev-ca/ca.pem` and `dev-ca/ca.key` (0600, in a 0700
directory). It is never replaced: to start over, delete the directory (and un-trust the CA).

Which names it issues for without `--force` — names no public CA can certify, so a development
certificate never stands in for a real site by accident:
`localhost` and names under the special-use suffixes .localhost, .test, .example, .invalid
(RFC 2606/6761), .local (mDNS, RFC 6762), .internal (ICANN, 2024) and .home.arpa (RFC 8375),
plus IP literals in private, loopback or link-local ranges (as Python's `ipaddress` defines
them). Every other name — anything under a public TLD — is "public-looking".

What it writes for a server, `NAME.pem` (leaf + CA), `NAME.key` and the same key again as
`NAME.pem.key`, works as written with every default target: nginx and Traefik take the key path
from the spec, HAProxy before 3.0 takes none and reads `<certificate>.key`. A client
certificate (`--client NAME`, mkcert's `-client`) has CN=NAME and only the clientAuth usage, so
no TLS client accepts it as a server certificate; `NAME-client.p12` carries it with its key for
browsers and key stores (password `changeit`, as mkcert's, with the legacy 3DES/SHA-1
encryption macOS and older Windows still require).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import shlex
import socket
from pathlib import Path

from cryptography import x509
from msgspec import Struct

from tlsconf.certs import files, generate, keys, san
from tlsconf.certs.issues import CertIssue
from tlsconf.errors import Location, Problem, TlsconfError

ENV = "TLSCONF_DATA_DIR"
LOCAL_SUFFIXES = ("localhost", "test", "example", "invalid", "local", "internal", "home.arpa")
CA_CERT, CA_KEY = "ca.pem", "ca.key"


class DevCA(Struct, frozen=True):
    key: generate.PrivateKey
    cert: x509.Certificate
    cert_path: Path
    key_path: Path
    created: bool


def data_dir(override: str | None = None) -> Path:
    if override:
        return Path(override)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec says to ignore a relative value
        return Path(xdg) / "tlsconf"
    return Path.home() / ".local" / "share" / "tlsconf"


def is_local_name(name: str) -> bool:
    """May a development certificate name `name` without --force? (see the module doc)"""
    value = san.normalise(name)
    if not isinstance(value, str):
        return value.is_private or value.is_loopback or value.is_link_local
    host = value.removeprefix("*.")
    return any(host == suffix or host.endswith("." + suffix) for suffix in LOCAL_SUFFIXES)


def _fail(path: Path, message: str) -> TlsconfError:
    return TlsconfError.single(Location(str(path)), "", message)


def _raise_issues(issues: list[CertIssue]) -> None:
    if issues:
        raise TlsconfError(Problem(Location(i.path), "", i.message) for i in issues)


def load_or_create(directory: Path, now: dt.datetime) -> DevCA:
    ca_dir = directory / "dev-ca"
    cert_path, key_path = ca_dir / CA_CERT, ca_dir / CA_KEY
    present = [os.path.lexists(p) for p in (cert_path, key_path)]
    if all(present):
        return _load(cert_path, key_path, now)
    if any(present):
        missing = key_path if present[0] else cert_path
        raise _fail(missing, f"is missing but {ca_dir} holds half a CA; delete {ca_dir} to "
                    "start over (and remove the old CA from your trust stores)")
    for private_dir in (directory, ca_dir):  # 0700 from the start, whatever the umask
        private_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = generate.new_key("ecdsa")
    cert = generate.build_dev_ca(key, _ca_name(), now)
    files.write_new(ca_dir, {CA_CERT: generate.cert_pem(cert), CA_KEY: generate.key_pem(key)},
                    private=frozenset({CA_KEY}))
    return DevCA(key, cert, cert_path, key_path, created=True)


def _load(cert_path: Path, key_path: Path, now: dt.datetime) -> DevCA:
    certs, issues = files.read_certificates(str(cert_path))
    key, key_issues = files.read_private_key(str(key_path))
    _raise_issues(issues + key_issues)  # a loose CA key mode is refused, not just reported
    assert key is not None
    if len(certs) != 1 or not isinstance(key, generate.PrivateKey):
        raise _fail(cert_path, "is not a tlsconf development CA (one certificate, EC/RSA key)")
    cert = certs[0]
    if not keys.matches(key, cert):
        raise _fail(key_path, f"does not belong to {cert_path}")
    if cert.not_valid_after_utc <= now + dt.timedelta(days=generate.MAX_DEV_DAYS):
        raise _fail(cert_path, f"expires on {cert.not_valid_after_utc:%Y-%m-%d}, before a new "
                    f"certificate would; delete {cert_path.parent} to create a new CA")
    return DevCA(key, cert, cert_path, key_path, created=False)


def _ca_name() -> str:
    try:
        who = f"{getpass.getuser()}@{socket.gethostname()}"
    except (OSError, KeyError):
        who = socket.gethostname()
    who = re.sub(r"[^A-Za-z0-9._@-]", "-", who)
    return f"tlsconf development CA {who}"[:64]


def trust_instructions(ca: DevCA) -> str:
    path = shlex.quote(str(ca.cert_path.resolve()))
    return "\n".join((
        f"To trust the development CA ({path}):",
        f"  Debian/Ubuntu: sudo cp {path} /usr/local/share/ca-certificates/tlsconf-dev-ca.crt"
        " && sudo update-ca-certificates",
        f"  Fedora/RHEL:   sudo cp {path} /etc/pki/ca-trust/source/anchors/tlsconf-dev-ca.pem"
        " && sudo update-ca-trust",
        "  macOS:         sudo security add-trusted-cert -d -r trustRoot"
        f" -k /Library/Keychains/System.keychain {path}",
        f"  Windows:       certutil -addstore -f ROOT {path}",
        "  Firefox:       Settings > Privacy & Security > Certificates > View Certificates >"
        " Authorities > Import",
        # A profile that never ran has no NSS database directory: certutil then fails with
        # SEC_ERROR_BAD_DATABASE; in an existing empty directory it creates the database.
        '  Chrome/Chromium on Linux: mkdir -p "$HOME/.pki/nssdb" && certutil -d'
        f' sql:"$HOME/.pki/nssdb" -A -t C,, -n \'tlsconf development CA\' -i {path}',
        f"  curl, Python:  curl --cacert {path} ...  /  SSL_CERT_FILE={path}",
        f"Keep {shlex.quote(str(ca.key_path.resolve()))} private: whoever holds it can"
        " impersonate any site to a machine that trusts this CA.",
    ))

