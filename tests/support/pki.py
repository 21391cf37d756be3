"""Throwaway PKI for end-to-end tests, built with ``cryptography`` (never the openssl CLI).

Why the details matter: sslyze's Mozilla checker and ``cryptography``'s strict
(webpki-style) path validator both look at these certificates, so they are
shaped like real publicly-trusted ones:

* CA: self-signed, ``BasicConstraints CA:TRUE`` (critical), ``KeyUsage keyCertSign|cRLSign``
  (critical), SKI/AKI.
* Leaf: SANs (DNS, or IP for IP literals), ``EKU serverAuth`` (``clientAuth`` for client
  certs), ``KeyUsage digitalSignature`` (+ ``keyEncipherment`` for RSA keys, which
  the "old" profile's RSA key exchange needs), ``BasicConstraints CA:FALSE``, SKI/AKI,
  SHA-256 signature. With the default ECDSA P-256 CA the signature is
  ``ecdsa-with-SHA256`` (required by Mozilla *modern*); Mozilla *old* (5.7) only
  accepts ``sha256WithRSAEncryption`` signatures, so use ``make_ca(key_type="rsa")``.
* Validity starts one hour in the past (clock skew between us and the servers)
  and the *whole* lifespan is ``days`` (default 90, the Mozilla modern maximum).

Private keys are created 0600 from the first byte (``os.open(..., 0o600)``), the
way tlsconf itself must write them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KeyType = Literal["ecdsa", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

MAX_LEAF_DAYS = 90  # Mozilla "modern" maximum_certificate_lifespan
BACKDATE = dt.timedelta(hours=1)


@dataclass
class CA:
    """A test root CA. ``cert_path`` is a PEM with just the CA certificate (use as cafile)."""

    name: str
    key_type: KeyType
    cert: x509.Certificate
    key: PrivateKey
    cert_path: Path
    key_path: Path


@dataclass
class Leaf:
    """An issued end-entity certificate.

    ``cert_path`` is the *full chain* PEM: leaf first, then the chain (the CA), which is
    what nginx ``ssl_certificate`` / Traefik ``certFile`` want. ``leaf_path`` holds
    only the leaf; ``key_path`` the private key (mode 0600).
    """

    name: str
    domains: list[str]
    key_type: KeyType
    cert: x509.Certificate
    key: PrivateKey
    ca: CA
    cert_path: Path
    key_path: Path
    leaf_path: Path
    chain: list[x509.Certificate] = field(default_factory=list)  # [leaf, CA]

    @property
    def fingerprint(self) -> bytes:
        """SHA-256 over the leaf DER, handy to compare with a probed peer certificate."""
        return self.cert.fingerprint(hashes.SHA256())

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_key(key_type: KeyType, rsa_bits: int = 2048) -> PrivateKey:
    if key_type == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    raise ValueError(f"key_type must be 'ecdsa' or 'rsa', not {key_type!r}")


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` with mode 0600 from creation (no world-readable window)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT leaves an already-existing file's mode alone
        os.write(fd, data)
    finally:
        os.close(fd)
    return path


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _san(domains: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for d in domains:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(d)))
        except ValueError:
            names.append(x509.DNSName(d))
    return names


def make_ca(dir: Path, name: str = "tlsconf test CA", key_type: KeyType = "ecdsa",
            not_before: dt.datetime | None = None) -> CA:
    """Create a self-signed root CA in ``dir`` (``<slug>.pem`` / ``<slug>.key``), valid for
    ten years from ``not_before`` (default: an hour ago)."""
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    key = _new_key(key_type, 2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tlsconf tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = _now() if not_before is None else not_before + BACKDATE
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    slug = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-").lower() or "ca"
    cert_path = dir / f"{slug}.pem"
    cert_path.write_bytes(_cert_pem(cert))
    key_path = write_private(dir / f"{slug}.key", _key_pem(key))
    return CA(name, key_type, cert, key, cert_path, key_path)


def issue_leaf(
    ca: CA,
    dir: Path,
    name: str,
    domains: list[str],
    key_type: KeyType = "ecdsa",
    rsa_bits: int = 2048,
    days: int = MAX_LEAF_DAYS,
    client: bool = False,
    not_before: dt.datetime | None = None,
    ocsp_url: str | None = None,
) -> Leaf:
    """Issue a leaf for ``domains`` signed by ``ca``; files are ``dir/<name>.{pem,key,leaf.pem}``.

    ``days`` is the total lifespan (notBefore = now - 1h, notAfter = notBefore + days),
    so the default 90 passes Mozilla modern's ``maximum_certificate_lifespan`` check.
    ``client=True`` makes a clientAuth certificate (for mTLS tests). ``not_before`` sets
    the start of validity instead (dated checks: the CA/B Forum lifetime caps);
    ``ocsp_url`` adds an Authority Information Access OCSP entry.
    """
    if not client and not domains:
        raise ValueError("a server certificate needs at least one domain (SAN)")
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    key = _new_key(key_type, rsa_bits)
    cn = domains[0] if domains else name
    if not_before is None:
        not_before = _now() - BACKDATE
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn[:64])]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=key_type == "rsa",
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if domains:
        builder = builder.add_extension(x509.SubjectAlternativeName(_san(domains)), critical=False)
    if ocsp_url is not None:
        builder = builder.add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                   x509.UniformResourceIdentifier(ocsp_url))]), critical=False)
    cert = builder.sign(ca.key, hashes.SHA256())

    leaf_path = dir / f"{name}.leaf.pem"
    leaf_path.write_bytes(_cert_pem(cert))
    cert_path = dir / f"{name}.pem"
    cert_path.write_bytes(_cert_pem(cert, ca.cert))
    key_path = write_private(dir / f"{name}.key", _key_pem(key))
    return Leaf(
        name=name,
        domains=list(domains),
        key_type=key_type,
        cert=cert,
        key=key,
        ca=ca,
        cert_path=cert_path,
        key_path=key_path,
        leaf_path=leaf_path,
        chain=[cert, ca.cert],
    )


def haproxy_bundle(leaf: Leaf, path: Path) -> Path:
    """Write HAProxy's single-file ``crt``: leaf, chain, then key -- mode 0600."""
    return write_private(Path(path), _cert_pem(*leaf.chain) + _key_pem(leaf.key))


def ca_bundle(path: Path, *cas: CA) -> Path:
    """Concatenate several CA certificates into one cafile (e.g. the ECDSA and RSA test CAs)."""
    Path(path).write_bytes(_cert_pem(*(ca.cert for ca in cas)))
    return Path(path)
