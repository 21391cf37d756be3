"""What kind of key a certificate or key file holds, and whether a key belongs to a certificate."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
)
from msgspec import Struct

# cryptography's curve name → (OpenSSL name used by the profiles, NIST name for people).
CURVES = {
    "secp256r1": ("prime256v1", "P-256"),
    "secp384r1": ("secp384r1", "P-384"),
    "secp521r1": ("secp521r1", "P-521"),
}


class KeyInfo(Struct, frozen=True):
    type: str  # "ecdsa", "rsa", "dsa", "ed25519", "ed448" or "unknown" (profile vocabulary)
    bits: int
    curve: str | None = None  # OpenSSL name, as in the profiles: prime256v1, secp384r1...

    def __str__(self) -> str:
        if self.type == "ecdsa":
            nist = next((n for o, n in CURVES.values() if o == self.curve), self.curve)
            return f"ECDSA {nist}"
        if self.type in ("rsa", "dsa"):
            return f"{self.type.upper()} {self.bits}"
        return self.type.capitalize() if self.type != "unknown" else "unknown key type"


def describe(key: CertificatePublicKeyTypes | PrivateKeyTypes) -> KeyInfo:
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        curve = CURVES.get(key.curve.name, (key.curve.name, ""))[0]
        return KeyInfo("ecdsa", key.key_size, curve)
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return KeyInfo("rsa", key.key_size)
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return KeyInfo("dsa", key.key_size)
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return KeyInfo("ed25519", 256)
    if isinstance(key, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return KeyInfo("ed448", 456)
    return KeyInfo("unknown", 0)


def _spki(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def matches(key: PrivateKeyTypes, certificate: x509.Certificate) -> bool:
    """Does `key` belong to `certificate`? (Same SubjectPublicKeyInfo.)"""
    public = key.public_key()
    try:
        return _spki(public) == _spki(certificate.public_key())  # type: ignore[arg-type]
    except (ValueError, TypeError):  # a key type that cannot sit in a certificate (DH, X25519)
        return False
