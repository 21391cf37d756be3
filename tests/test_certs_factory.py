"""Certificates made at test time for the certificate tests, with every flaw on request, and
a few tests that the factory makes what it says (so a check test cannot pass vacuously).

Other `test_certs_*` modules import from here. Unlike `support/pki.py` (well-formed test
PKI for the end-to-end server tests), this builds broken material on purpose: expired,
SHA-1/MD5-signed, RSA 1024, CA:TRUE leaves, Must-Staple, weak DH parameters...

`cryptography` refuses to sign with SHA-1 or MD5, so such certificates are signed with
SHA-256 and re-signed by hand: the signature algorithm OID is swapped in the TBS bytes and
the signature recomputed with the legacy hash (RSA issuers only).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tlsconf.certs import chain, generate
from tlsconf.certs.checks import check_certificate_files
from tlsconf.certs.issues import CertIssue
from tlsconf.profiles import get as get_profile

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
SERVER_AUTH = (ExtendedKeyUsageOID.SERVER_AUTH,)
_SHA256_RSA = bytes.fromhex("06092a864886f70d01010b")
_LEGACY_RSA = {"sha1": (bytes.fromhex("06092a864886f70d010105"), hashes.SHA1()),
               "md5": (bytes.fromhex("06092a864886f70d010104"), hashes.MD5())}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_key(kind: str = "ecdsa", size: int = 0) -> Key:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=size or 2048)
    curves: dict[int, ec.EllipticCurve] = {0: ec.SECP256R1(), 256: ec.SECP256R1(),
                                           384: ec.SECP384R1(), 521: ec.SECP521R1()}
    return ec.generate_private_key(curves[size])


@dataclass
class Issued:
    cert: x509.Certificate
    key: Key


def certificate(
    key: Key,
    cn: str,
    *,
    issuer: Issued | None = None,
    sans: Sequence[str] = (),
    start: dt.timedelta = dt.timedelta(hours=-1),
    days: float = 90,
    ca: bool | None = False,
    eku: Sequence[x509.ObjectIdentifier] | None = SERVER_AUTH,
    sign_hash: str = "sha256",
    must_staple: bool = False,
    serial: int | None = None,
    ocsp_url: str | None = None,
) -> Issued:
    """A certificate for `key`, signed by `issuer` (self-signed when None).

    Validity: from now + `start` for `days`. `ca=None` leaves out BasicConstraints.
    `ocsp_url` adds an Authority Information Access OCSP entry.
    `serial` may be zero or negative (RFC 5280 forbids it; the builder refuses it, so the
    certificate is re-encoded and re-signed by hand, with an RSA issuer).
    """
    signer = issuer.key if issuer else key
    not_before = now() + start
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            signer.public_key()), False)
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(_raw_names(sans)), False)
    if must_staple:
        builder = builder.add_extension(
            x509.TLSFeature([x509.TLSFeatureType.status_request]), False)
    if ocsp_url is not None:
        builder = builder.add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                   x509.UniformResourceIdentifier(ocsp_url))]), False)
    cert = builder.sign(signer, hashes.SHA256())
    if serial is not None:
        cert = _with_serial(cert, signer, serial)
    if sign_hash != "sha256":
        cert = _resign(cert, signer, sign_hash)
    return Issued(cert, key)


def _raw_names(names: Sequence[str]) -> list[x509.GeneralName]:
    """SAN entries exactly as given (not normalised), so malformed names can be tested."""
    out: list[x509.GeneralName] = []
    for name in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _with_serial(cert: x509.Certificate, key: Key, serial: int) -> x509.Certificate:
    """`cert` with another serial number (any integer), re-signed with SHA-256 by `key`."""
    assert isinstance(key, rsa.RSAPrivateKey), "a hand-made serial needs an RSA issuer"
    old = cert.serial_number
    tbs = cert.tbs_certificate_bytes
    encoded = _der(0x02, old.to_bytes((old.bit_length() + 8) // 8, "big"))
    assert tbs.count(encoded) == 1
    size = (serial.bit_length() + 8) // 8 if serial else 1
    body = tbs.replace(encoded, _der(0x02, serial.to_bytes(size, "big", signed=True)), 1)
    header = 2 + (body[1] & 0x7F if body[1] & 0x80 else 0)
    tbs = _der(0x30, body[header:])
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    der = _der(0x30, tbs + _der(0x30, _SHA256_RSA + b"\x05\x00") + _der(0x03, b"\x00" + signature))
    with warnings.catch_warnings():  # cryptography warns about the serial it was asked for
        warnings.simplefilter("ignore")
        return x509.load_der_x509_certificate(der)


def _resign(cert: x509.Certificate, key: Key, name: str) -> x509.Certificate:
    assert isinstance(key, rsa.RSAPrivateKey), "legacy hashes need an RSA issuer"
    oid, algorithm = _LEGACY_RSA[name]
    tbs = cert.tbs_certificate_bytes
    assert tbs.count(_SHA256_RSA) == 1
    tbs = tbs.replace(_SHA256_RSA, oid)
    signature = key.sign(tbs, padding.PKCS1v15(), algorithm)
    der = _der(0x30, tbs + _der(0x30, oid + b"\x05\x00") + _der(0x03, b"\x00" + signature))
    return x509.load_der_x509_certificate(der)


@dataclass
class PKI:
    """Root (RSA) → intermediate (RSA, so leaves can be re-signed with SHA-1) → leaves."""

    root: Issued
    intermediate: Issued

    @property
    def trust(self) -> chain.TrustStore:
        return chain.TrustStore.from_certificates([self.root.cert])

    def leaf(self, domains: Sequence[str] = ("app.example.com",), *,
             key: Key | None = None, **kw: object) -> Issued:
        return certificate(key or new_key(), domains[0] if domains else "leaf",
                           issuer=self.intermediate, sans=domains, **kw)  # type: ignore[arg-type]


def make_pki() -> PKI:
    root = certificate(new_key("rsa"), "Factory Root", ca=True, eku=None, days=3650)
    inter = certificate(new_key("rsa"), "Factory Intermediate", issuer=root, ca=True, eku=None,
                        days=1825)
    return PKI(root, inter)


def pem(*certs: x509.Certificate) -> bytes:
    return generate.cert_pem(*certs).encode("ascii")


def write_private(path: Path, data: bytes, mode: int = 0o600) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def write_set(directory: Path, certs: Sequence[x509.Certificate], key: Key,
              *, key_mode: int = 0o600, name: str = "site") -> tuple[Path, Path]:
    """Write a certificate file (in the given order) and a key file; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / f"{name}.pem"
    cert_path.write_bytes(pem(*certs))
    key_path = write_private(directory / f"{name}.key", generate.key_pem(key).encode(), key_mode)
    return cert_path, key_path


def run_checks(directory: Path, certs: Sequence[x509.Certificate], key: Key, *,
               domains: Sequence[str] = ("app.example.com",), profile: str = "intermediate",
               trust: chain.TrustStore | None = None, key_mode: int = 0o600,
               **kw: object) -> list[CertIssue]:
    cert_path, key_path = write_set(directory, certs, key, key_mode=key_mode)
    return check_certificate_files(str(cert_path), str(key_path), domains=domains,
                                   profile=get_profile(profile),
                                   trust=trust if trust is not None else chain.TrustStore(),
                                   **kw)  # type: ignore[arg-type]


def checks_of(issues: Sequence[CertIssue]) -> list[str]:
    return sorted(issue.check for issue in issues)


# DH groups from their RFC definitions (generating a 2048-bit safe prime takes a minute).
def _pi_bits(bits: int) -> int:
    """floor(2**bits * pi) by Machin's formula in integer fixed point."""
    one = 1 << (bits + 32)

    def atan_inv(x: int) -> int:
        total = term = one // x
        n, sign = 1, -1
        while term:
            term //= x * x
            n += 2
            total += sign * (term // n)
            sign = -sign
        return total

    return (16 * atan_inv(5) - 4 * atan_inv(239)) >> 32


def dh_params_pem(bits: int) -> bytes:
    """RFC 2409 group 2 (1024 bits) or RFC 3526 group 14 (2048 bits), as PKCS#3 PEM."""
    if bits == 1024:
        p = 2**1024 - 2**960 - 1 + 2**64 * (_pi_bits(894) + 129093)
    else:
        p = 2**2048 - 2**1984 - 1 + 2**64 * (_pi_bits(1918) + 124476)
    params = dh.DHParameterNumbers(p, 2).parameters()
    return params.parameter_bytes(serialization.Encoding.PEM, serialization.ParameterFormat.PKCS3)


# --- the factory makes what it says -------------------------------------------------------


def test_legacy_signatures_are_real() -> None:
    pki = make_pki()
    for name in ("sha1", "md5"):
        leaf = pki.leaf(sign_hash=name)
        assert leaf.cert.signature_hash_algorithm is not None
        assert leaf.cert.signature_hash_algorithm.name == name
        assert chain.issued_by(leaf.cert, pki.intermediate.cert)
        assert not chain.issued_by(leaf.cert, pki.root.cert)


def test_pki_chains_and_dh_groups() -> None:
    pki = make_pki()
    leaf = pki.leaf()
    assert chain.issued_by(leaf.cert, pki.intermediate.cert)
    assert chain.issued_by(pki.intermediate.cert, pki.root.cert)
    assert chain.self_signed(pki.root.cert)
    assert pki.trust.has_issuer(pki.intermediate.cert)
    assert b"BEGIN DH PARAMETERS" in dh_params_pem(1024)
    # OpenSSL recognises RFC 3526 group 14 (so the prime is right) and writes it as X9.42.
    assert b"BEGIN X9.42 DH PARAMETERS" in dh_params_pem(2048)


def test_hand_made_serials_are_real() -> None:
    pki = make_pki()
    for serial in (-1, 0, -(2**64)):
        leaf = pki.leaf(serial=serial)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert leaf.cert.serial_number == serial
        assert chain.issued_by(leaf.cert, pki.intermediate.cert)
