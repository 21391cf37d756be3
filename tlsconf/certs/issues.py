"""The certificate checks tlsconf runs, and the problem record they produce.

Every check has a stable kebab-case name (never reused), a default severity and a one-line
reason; the lint rules map one-to-one onto this catalogue. A `CertIssue` names the file it is
about and says what is wrong in words: it never carries file contents or key bytes.
"""

from __future__ import annotations

from msgspec import Struct

from tlsconf.findings import Severity


class Check(Struct, frozen=True):
    name: str
    severity: Severity
    summary: str


CHECKS: dict[str, Check] = {
    check.name: check
    for check in (
        Check("cert-file-unreadable", Severity.WARNING,
              "a certificate, key or DH parameter file is missing or cannot be read"),
        Check("cert-file-invalid", Severity.ERROR,
              "a file does not hold what it should (certificate, private key, DH parameters)"),
        Check("cert-key-encrypted", Severity.INFO,
              "the private key is encrypted, so the checks that need it were skipped"),
        Check("cert-expired", Severity.ERROR, "a certificate has expired"),
        Check("cert-expiring-soon", Severity.WARNING,
              "the leaf certificate expires within the warning threshold"),
        Check("cert-not-yet-valid", Severity.ERROR, "a certificate is not valid yet"),
        Check("cert-weak-key", Severity.ERROR,
              "RSA key under 2048 bits, a DSA key, or an EC curve other than P-256/P-384"),
        Check("cert-key-type-not-allowed", Severity.WARNING,
              "the certificate's key type is not one the site's Mozilla profile allows"),
        Check("cert-weak-signature", Severity.ERROR,
              "a certificate in the chain is signed with SHA-1 or MD5"),
        Check("cert-key-mismatch", Severity.ERROR,
              "the private key does not belong to the certificate"),
        Check("cert-san-mismatch", Severity.ERROR,
              "the certificate's SANs do not cover a configured domain"),
        Check("cert-self-signed", Severity.ERROR, "the leaf certificate is self-signed"),
        Check("cert-chain-order", Severity.ERROR,
              "the certificate file is not leaf first, then each issuer in turn"),
        Check("cert-chain-incomplete", Severity.ERROR,
              "an intermediate certificate is missing from the certificate file"),
        Check("cert-lifetime-too-long", Severity.WARNING,
              "the leaf certificate is valid for longer than the CA/B Forum cap for its "
              "notBefore date (398, 200, 100 or 47 days; 398 for private CAs)"),
        Check("cert-leaf-is-ca", Severity.ERROR, "the leaf certificate has CA:TRUE"),
        Check("cert-no-server-auth", Severity.ERROR,
              "the leaf certificate's extended key usage lacks serverAuth"),
        Check("key-file-permissions", Severity.ERROR,
              "the private key file is readable or writable by group or others"),
        Check("cert-must-staple-without-stapling", Severity.ERROR,
              "an OCSP Must-Staple certificate is served without OCSP stapling"),
        Check("cert-stapling-without-ocsp-url", Severity.WARNING,
              "OCSP stapling is on for a certificate with no OCSP URL"),
        Check("dhparam-weak", Severity.ERROR, "DH parameters are smaller than 2048 bits"),
        Check("cert-serial-invalid", Severity.ERROR,
              "a certificate's serial number is zero or negative (RFC 5280 §4.1.2.2)"),
    )
}


class CertIssue(Struct, frozen=True, order=True):
    path: str  # the file the issue is about
    check: str  # a name from CHECKS
    severity: Severity
    message: str  # about the material, never quoting it

    def __str__(self) -> str:
        return f"{self.path}: {self.check} [{self.severity}] {self.message}"


def issue(check: str, path: str, message: str, severity: Severity | None = None) -> CertIssue:
    """A CertIssue with the check's default severity unless told otherwise."""
    return CertIssue(path, check, severity or CHECKS[check].severity, message)


def safe_text(text: str, limit: int = 200) -> str:
    """Text taken from a certificate (a name, a SAN) made fit for a terminal: printable ASCII
    (anything else escaped) and bounded."""
    safe = "".join(c if " " <= c <= "~" else f"\\u{ord(c):04x}" for c in text)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."
