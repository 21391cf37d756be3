"""New private keys, certificate signing requests, and development certificates.

Everything is built with `cryptography`; nothing here touches the disk (see `files`).
Names are validated and normalised first (`san.normalise`: lower-case A-labels, canonical
IP addresses), so a CSR or certificate holds exactly the names the user meant.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tlsconf.certs import san

KeyType = Literal["ecdsa", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
KEY_SIZES: dict[str, tuple[int, ...]] = {"ecdsa": (256, 384), "rsa": (2048, 3072, 4096)}
_CURVES = {256: ec.SECP256R1, 384: ec.SECP384R1}
MAX_DEV_DAYS = 90
BACKDATE = dt.timedelta(hours=1)  # tolerate a little clock skew between machines


def new_key(key_type: KeyType = "ecdsa", size: int | None = None) -> PrivateKey:
    """ECDSA P-256 unless told otherwise; ECDSA P-384 or RSA 2048/3072/4096 on request."""
    sizes = KEY_SIZES[key_type]
    size = size or sizes[0]
    if size not in sizes:
        raise ValueError(f"{key_type} keys come in {', '.join(map(str, sizes))} bits, not {size}")
    if key_type == "ecdsa":
        return ec.generate_private_key(_CURVES[size]())
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def key_pem(key: PrivateKeyTypes) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def cert_pem(*certs: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs)


def normalise_names(names: Sequence[str]) -> list[str]:
    """Validated, normalised, de-duplicated names in their given order. Raises ValueError."""
    out: list[str] = []
    for name in names:
        try:
            value = str(san.normalise(name))
        except ValueError as error:
            raise ValueError(f"{name!r}: {error}") from None
        if value not in out:
            out.append(value)
    if not out:
        raise ValueError("at least one domain is needed")
    return out


def _general_names(names: Sequence[str]) -> list[x509.GeneralName]:
    result: list[x509.GeneralName] = []
    for name in names:
        value = san.normalise(name)
        result.append(x509.DNSName(value) if isinstance(value, str) else x509.IPAddress(value))
    return result


def _hash(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def _subject(common_name: str, organisation: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)]
    if len(common_name) <= 64:  # the X.520 upper bound; the SAN carries the names anyway
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def build_csr(key: PrivateKey, names: Sequence[str]) -> x509.CertificateSigningRequest:
    """A CSR with every name in the SAN (CN = the first name, for CAs that still want one)."""
    subject = [x509.NameAttribute(NameOID.COMMON_NAME, names[0])] if len(names[0]) <= 64 else []
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name(subject))
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .sign(key, _hash(key))
    )


def _key_usage(*, sign_certs: bool, encipher: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=encipher,
        data_encipherment=False, key_agreement=False, key_cert_sign=sign_certs,
        crl_sign=sign_certs, encipher_only=False, decipher_only=False,
    )


def build_dev_ca(key: PrivateKey, name: str, now: dt.datetime) -> x509.Certificate:
    """A self-signed root that may sign leaves only (path length 0), valid ten years."""
    subject = _subject(name, "tlsconf development CA")
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign_certs=True, encipher=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(key, _hash(key))
    )


def build_dev_leaf(
    ca_key: PrivateKey, ca_cert: x509.Certificate, key: PrivateKey, names: Sequence[str],
    now: dt.datetime, days: int = MAX_DEV_DAYS,
) -> x509.Certificate:
    """A server certificate for `names`, shaped like a publicly trusted one, ≤ 90 days."""
    if not 1 <= days <= MAX_DEV_DAYS:
        raise ValueError(f"development certificates are valid 1 to {MAX_DEV_DAYS} days")
    not_before = now - BACKDATE
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_subject(names[0], "tlsconf development certificate"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign_certs=False, encipher=isinstance(key, rsa.RSAPrivateKey)),
                       critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, _hash(ca_key))
    )


# A client certificate's name (its CN): what people and services call themselves, no controls.
CLIENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,63}")
P12_PASSWORD = "changeit"  # mkcert's: a development key store, not a secret


def build_dev_client(
    ca_key: PrivateKey, ca_cert: x509.Certificate, key: PrivateKey, name: str,
    now: dt.datetime, days: int = MAX_DEV_DAYS,
) -> x509.Certificate:
    """A client certificate for `name` (the CN, and the SAN's e-mail address when it is one):
    clientAuth and no serverAuth, so no TLS client takes it for a server; ≤ 90 days."""
    if not CLIENT_NAME.fullmatch(name):
        raise ValueError("a client name is 1-64 letters, digits, spaces or . _ @ + -, "
                         "starting with a letter or digit")
    if not 1 <= days <= MAX_DEV_DAYS:
        raise ValueError(f"development certificates are valid 1 to {MAX_DEV_DAYS} days")
    not_before = now - BACKDATE
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tlsconf development client"),
            x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign_certs=False, encipher=isinstance(key, rsa.RSAPrivateKey)),
                       critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
    )
    if re.fullmatch(r"[^@\s]+@[^@\s]+", name):
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(name)]), critical=False)
    return builder.sign(ca_key, _hash(ca_key))


def pkcs12_bytes(key: PrivateKey, cert: x509.Certificate, ca_cert: x509.Certificate,
                 name: str) -> bytes:
    """`cert`, its key and its CA as PKCS#12 with password P12_PASSWORD, encrypted with 3DES and
    a SHA-1 MAC: what macOS's keychain and older Windows still require to import it."""
    from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

    encryption = (PrivateFormat.PKCS12.encryption_builder()
                  .kdf_rounds(50000)
                  .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
                  .hmac_hash(hashes.SHA1())
                  .build(P12_PASSWORD.encode()))
    return pkcs12.serialize_key_and_certificates(name.encode(), key, cert, [ca_cert], encryption)
