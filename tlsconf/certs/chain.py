"""Which certificate in a file is the leaf, in what order the rest follow, and whether the
chain reaches a trust anchor — offline, from the file and the system's CA bundle.

Trust anchors are the system bundle plus the private CAs a user declares (`trust:` in the
settings file, `--ca-file`): a company or development CA is an anchor like any root.

"Issued by" means the issuer's subject is the certificate's issuer name *and* the issuer's
key verifies the signature. `Certificate.verify_directly_issued_by` refuses SHA-1 and MD5
signatures, which are exactly the chains the checks must still be able to lay out, so the
signature is verified with the issuer's public key directly.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from msgspec import Struct, field

from tlsconf.certs.issues import safe_text


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    algorithm = cert.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            params = cert.signature_algorithm_parameters
            pad = params if isinstance(params, padding.PSS) else padding.PKCS1v15()
            key.verify(cert.signature, cert.tbs_certificate_bytes, pad, algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
        elif isinstance(key, dsa.DSAPublicKey) and algorithm is not None:
            key.verify(cert.signature, cert.tbs_certificate_bytes, algorithm)
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def self_signed(cert: x509.Certificate) -> bool:
    return issued_by(cert, cert)


class Layout(Struct, frozen=True):
    """How the certificates of one file relate. Indices are positions in the file."""

    leaf: int
    path: tuple[int, ...]  # leaf, its issuer, that one's issuer... as far as the file goes
    unrelated: tuple[int, ...]  # certificates that are not on the leaf's path


def name_label(name: x509.Name) -> str:
    """A certificate name for messages: its CN (or the whole DN), made safe to print."""
    common = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return safe_text(str(common[0].value) if common else name.rfc4514_string())


def order_problem(certs: Sequence[x509.Certificate], shape: Layout) -> str | None:
    """What is wrong with the order of `certs`, in words; None when it is right."""
    parts = []
    if shape.path != tuple(range(len(shape.path))):
        order = ", ".join(f"#{i + 1}" for i in shape.path)
        parts.append(f"the chain runs {order} in the file; write the leaf first, then each "
                     "issuer")
    if shape.unrelated:
        listed = ", ".join(f"#{i + 1} ({name_label(certs[i].subject)})" for i in shape.unrelated)
        parts.append(f"certificate(s) {listed} are not part of the leaf's chain")
    return "; ".join(parts) or None


def layout(certs: Sequence[x509.Certificate]) -> Layout:
    """Find the leaf (the first certificate that issued none of the others) and its path."""
    count = len(certs)
    issues_another = [
        any(j != i and issued_by(certs[j], certs[i]) for j in range(count)) for i in range(count)
    ]
    leaf = next((i for i in range(count) if not issues_another[i]), 0)
    path = [leaf]
    while not self_signed(certs[path[-1]]):
        issuer = next(
            (j for j in range(count) if j not in path and issued_by(certs[path[-1]], certs[j])),
            None,
        )
        if issuer is None:
            break
        path.append(issuer)
    unrelated = tuple(i for i in range(count) if i not in path)
    return Layout(leaf, tuple(path), unrelated)


class TrustStore(Struct, frozen=True):
    """CA certificates to finish a chain with, indexed by subject."""

    by_subject: dict[x509.Name, list[x509.Certificate]] = field(default_factory=dict)

    @classmethod
    def from_certificates(cls, certs: Sequence[x509.Certificate]) -> TrustStore:
        store = cls()
        for cert in certs:
            store.by_subject.setdefault(cert.subject, []).append(cert)
        return store

    @classmethod
    def from_file(cls, path: str | Path) -> TrustStore:
        from tlsconf.certs.files import parse_certificates

        try:
            data = Path(path).read_bytes()
        except OSError:
            return cls()
        with warnings.catch_warnings():  # old roots with non-positive serials: not our concern
            warnings.simplefilter("ignore")
            return cls.from_certificates(parse_certificates(data, skip_invalid=True))

    def __bool__(self) -> bool:
        return bool(self.by_subject)

    def joined(self, other: TrustStore) -> TrustStore:
        store = TrustStore()
        for source in (self, other):
            for name, certs in source.by_subject.items():
                store.by_subject.setdefault(name, []).extend(certs)
        return store

    def has_issuer(self, cert: x509.Certificate) -> bool:
        return any(issued_by(cert, ca) for ca in self.by_subject.get(cert.issuer, ()))


@cache
def system_trust_store() -> TrustStore:
    """The CA bundle OpenSSL uses on this machine (honours SSL_CERT_FILE); empty if none."""
    import ssl  # only here: importing it costs more start-up than most chains need

    cafile = ssl.get_default_verify_paths().cafile
    return TrustStore.from_file(cafile) if cafile else TrustStore()


def anchors(paths: Sequence[str]) -> TrustStore:
    """The CA certificates in the PEM files `paths` (declared private trust anchors).

    Raises ValueError saying what is wrong with the first file that is missing, unreadable
    or holds no certificate: an anchor that silently failed to load would make every chain
    it finishes look incomplete.
    """
    return _anchors(tuple((p, _signature(p)) for p in paths))


def with_anchors(paths: Sequence[str]) -> TrustStore:
    """The system store joined with the anchors in `paths` (the system store alone if none)."""
    if not paths:
        return system_trust_store()
    return _joined(tuple((p, _signature(p)) for p in paths))


@lru_cache(maxsize=16)
def _joined(files: tuple[tuple[str, tuple[int, ...]], ...]) -> TrustStore:
    return system_trust_store().joined(_anchors(files))


def _signature(path: str) -> tuple[int, ...]:
    try:
        info = os.stat(path)
    except OSError:
        return ()
    return (info.st_ino, info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=64)
def _anchors(files: tuple[tuple[str, tuple[int, ...]], ...]) -> TrustStore:
    from tlsconf.certs.files import read_certificates

    certs: list[x509.Certificate] = []
    for path, _ in files:
        found, problems = read_certificates(path)
        if problems:
            raise ValueError(problems[0].message)
        certs.extend(found)
    return TrustStore.from_certificates(certs)
