"""The one place certificate material is read from disk or written to it.

Reading never raises for a bad file: a missing, unreadable, oversized or unparseable file
becomes a `CertIssue` naming the path, with a message that never quotes the file. Files are
opened non-blocking and must be regular files (a FIFO or /dev/zero cannot hang the linter).
cryptography's warnings about what it parses (CryptographyDeprecationWarning for a negative
or zero serial number, and any other it emits while loading) are caught here, where the
library is called, and never reach the terminal; the checks report what matters about the
material as findings (`cert-serial-invalid`). Writing goes through
`tlsconf.output.write_files` (atomic, no symlinks) and, for key material, creates files
0600 from birth; an existing file is never replaced without `force`.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from tlsconf.certs.issues import CertIssue, issue
from tlsconf.errors import Location, Problem, TlsconfError
from tlsconf.output import write_files

MAX_BYTES = 1 << 20  # no certificate, key or DH file comes near 1 MiB
ENCRYPTED = "is an encrypted private key"
_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 .]{1,40})-----\r?\n(.*?)-----END \1-----", re.S)


def read_file(path: str) -> bytes | CertIssue:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return issue("cert-file-unreadable", path, "does not exist")
    except PermissionError:
        return issue("cert-file-unreadable", path, "cannot be read: permission denied")
    except OSError as error:
        return issue("cert-file-unreadable", path, f"cannot be read: {error.strerror}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return issue("cert-file-unreadable", path, "is not a regular file")
        if info.st_size > MAX_BYTES:
            return issue("cert-file-invalid", path, "is larger than 1 MiB; not a PEM or DER file")
        chunks, size = [], 0
        while size <= MAX_BYTES and (chunk := os.read(fd, MAX_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError as error:
        return issue("cert-file-unreadable", path, f"cannot be read: {error.strerror}")
    finally:
        os.close(fd)


@contextmanager
def library_warnings() -> Iterator[None]:
    """Silence the warnings cryptography emits about the material it parses or reads back."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def serial_number(cert: x509.Certificate) -> int:
    """The certificate's serial (reading a non-positive one warns each time)."""
    with library_warnings():
        return int(cert.serial_number)


def pem_blocks(data: bytes) -> Iterator[tuple[str, bytes]]:
    """(label, whole block) for every PEM block in `data`."""
    for match in _PEM.finditer(data):
        yield match.group(1).decode("ascii"), match.group(0)


def parse_certificates(data: bytes, *, skip_invalid: bool = False) -> list[x509.Certificate]:
    """Every certificate in PEM `data` (other blocks ignored), or the one DER certificate.

    Raises ValueError naming the position of a certificate that does not parse.
    """
    with library_warnings():
        if b"-----BEGIN" not in data:
            return [x509.load_der_x509_certificate(data)]
        certs = []
        blocks = [block for label, block in pem_blocks(data) if label == "CERTIFICATE"]
        for number, block in enumerate(blocks, 1):
            try:
                certs.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                if not skip_invalid:
                    raise ValueError(f"certificate #{number} in the file cannot be "
                                     "parsed") from None
        return certs


def read_certificates(path: str) -> tuple[list[x509.Certificate], list[CertIssue]]:
    data = read_file(path)
    if isinstance(data, CertIssue):
        return [], [data]
    try:
        certs = parse_certificates(data)
    except ValueError as error:
        message = str(error) if b"-----BEGIN" in data else "is neither PEM nor a DER certificate"
        return [], [issue("cert-file-invalid", path, message)]
    if not certs:
        return [], [issue("cert-file-invalid", path, "holds no PEM certificate")]
    return certs, []


def parse_private_key(data: bytes) -> PrivateKeyTypes:
    """The one private key in PEM or DER `data` (other PEM blocks ignored).

    Raises ValueError with a message fit for users (never quoting the data).
    """
    with library_warnings():
        return _parse_private_key(data)


def _parse_private_key(data: bytes) -> PrivateKeyTypes:
    if b"-----BEGIN" not in data:
        try:
            return serialization.load_der_private_key(data, password=None)
        except TypeError:
            raise ValueError(ENCRYPTED) from None
        except (ValueError, UnsupportedAlgorithm):
            raise ValueError("is neither PEM nor a DER private key") from None
    keys = [(label, block) for label, block in pem_blocks(data) if label.endswith("PRIVATE KEY")]
    if not keys:
        raise ValueError("holds no PEM private key")
    if len(keys) > 1:
        raise ValueError(f"holds {len(keys)} private keys; one is expected")
    try:
        return serialization.load_pem_private_key(keys[0][1], password=None)
    except TypeError:  # what cryptography raises for an encrypted key without a password
        raise ValueError(ENCRYPTED) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError("holds a private key that cannot be parsed") from None


def read_private_key(path: str) -> tuple[PrivateKeyTypes | None, list[CertIssue]]:
    """The key, and its file's problems (mode included, once the file is known to hold one)."""
    data = read_file(path)
    if isinstance(data, CertIssue):
        return None, [data]
    try:
        return parse_private_key(data), permission_issues(path)
    except ValueError as error:
        if str(error) != ENCRYPTED:
            return None, [issue("cert-file-invalid", path, str(error))]
    # Valid for nginx with ssl_password_file; only the checks that need the key are skipped.
    message = "is an encrypted private key; the checks that need the key were skipped"
    return None, [*permission_issues(path), issue("cert-key-encrypted", path, message)]


def permission_issues(path: str) -> list[CertIssue]:
    """A private key must be readable by its owner only (0600 or 0400)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return []
    loose = mode & 0o066
    if not loose:
        return []
    who = " and ".join(w for w, bits in (("group", 0o060), ("others", 0o006)) if loose & bits)
    return [issue("key-file-permissions", path,
                  f"mode {stat.S_IMODE(mode):04o} lets {who} read or write the private key; "
                  "chmod 600 it")]


def bundle_key_path(cert_path: str) -> str:
    """Where HAProxy finds the key for `crt FILE`: in FILE, else in FILE.key (HAProxy >= 2.2)."""
    data = read_file(cert_path)
    in_file = isinstance(data, bytes) and any(
        label.endswith("PRIVATE KEY") for label, _ in pem_blocks(data))
    beside = cert_path + ".key"
    return beside if not in_file and os.path.lexists(beside) else cert_path


def read_dh_bits(path: str) -> tuple[int | None, list[CertIssue]]:
    """The size in bits of the DH prime in a PEM DH parameters file."""
    data = read_file(path)
    if isinstance(data, CertIssue):
        return None, [data]
    blocks = [block for label, block in pem_blocks(data) if label.endswith("DH PARAMETERS")]
    if not blocks:
        return None, [issue("cert-file-invalid", path, "holds no PEM DH parameters")]
    try:
        with library_warnings():
            params = serialization.load_pem_parameters(blocks[0])
    except (ValueError, TypeError):
        return None, [issue("cert-file-invalid", path, "holds DH parameters that cannot be parsed")]
    if not isinstance(params, dh.DHParameters):
        return None, [issue("cert-file-invalid", path, "holds no DH parameters")]
    return params.parameter_numbers().p.bit_length(), []


def write_new(root: Path, files: Mapping[str, str | bytes], *,
              private: frozenset[str] = frozenset(), force: bool = False) -> list[Path]:
    """Write `files` (PEM text, or bytes) under `root` atomically; names in `private` are
    created 0600.

    Unlike rendered configs, keys and certificates are never replaced silently, even when
    tlsconf wrote them: an existing destination needs `force`.
    """
    if not force:
        existing = [root / name for name in sorted(files) if os.path.lexists(root / name)]
        if existing:
            raise TlsconfError(
                Problem(Location(str(path)), "", "already exists; pass --force to replace it")
                for path in existing
            )
    return write_files(root, files, force=True, modes={name: 0o600 for name in private})
