"""Offline checks of a site's certificate, key, DH parameter and CA files.

`check_certificate_files` reads the files (through `files`, which turns every read problem
into an issue) and runs `check_material`, which is pure. The leaf is found by how the
certificates relate, not by position, so a reversed chain is reported as one ordering
problem rather than as a key mismatch, a wrong SAN and an expired "leaf" at once.

A self-signed leaf is reported once: the leaf-profile and chain checks (CA:TRUE, serverAuth,
lifetime, order, completeness) are rules for CA-issued certificates and are skipped for it.
Expiry, key strength, signature hash, SANs and the key match still apply.

The lifetime cap depends on who issued the leaf. A chain that ends at a root of the system
store is publicly trusted, and CA/B Forum ballot SC-081v3 caps it by its notBefore date
(`PUBLIC_CAPS`: 398 days before 2026-03-15, 200 from then, 100 from 2027-03-15, 47 from
2029-03-15). Any other chain (a private CA declared with `trust:`/`--ca-file`, or a root in
the file that the system store lacks) keeps the flat `Thresholds.max_lifetime_days` (398):
no browser rule applies to it, and the flat cap still catches renewal that stopped.

Each file is judged on its own when it exists: with no certificate file (`cert_path` None,
a spec linted away from its server) the key, DH parameter and CA files that are here are
still checked, and only the checks that need the certificate are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID
from msgspec import Struct

from tlsconf.certs import chain, files, keys, san
from tlsconf.certs.issues import CertIssue, issue, safe_text
from tlsconf.findings import Severity
from tlsconf.profiles import Profile

MIN_RSA_BITS = 2048
MIN_DH_BITS = 2048
_T = TypeVar("_T", bound=x509.ExtensionType)
STRONG_CURVES = ("prime256v1", "secp384r1")
WEAK_HASHES = ("sha1", "md5")


class Thresholds(Struct, frozen=True):
    expiry_warning_days: int = 30
    expiry_error_days: int = 0  # 0: expiring soon is never more than a warning
    max_lifetime_days: int = 398  # the cap for leaves of private CAs (not publicly trusted)


SC081 = "CA/B Forum ballot SC-081v3"
# (first notBefore date, cap in days), newest first: the cap of a publicly trusted leaf is
# that of the latest date on or before its notBefore; before the first, 398 days.
PUBLIC_CAPS = ((dt.date(2029, 3, 15), 47), (dt.date(2027, 3, 15), 100),
               (dt.date(2026, 3, 15), 200))
PUBLIC_CAP_BEFORE = 398


def public_cap(not_before: dt.datetime) -> tuple[int, str]:
    """The SC-081v3 cap (days) for a publicly trusted leaf issued at `not_before`, and the
    period it belongs to in words (`from 2026-03-15`, `before 2026-03-15`)."""
    day = not_before.astimezone(dt.UTC).date()
    for since, days in PUBLIC_CAPS:
        if day >= since:
            return days, f"from {since}"
    return PUBLIC_CAP_BEFORE, f"before {PUBLIC_CAPS[-1][0]}"


DEFAULT_THRESHOLDS = Thresholds()


def check_certificate_files(
    cert_path: str | None,
    key_path: str | None,
    *,
    domains: Sequence[str],
    profile: Profile,
    now: dt.datetime | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    stapling: bool = False,
    dhparam_path: str | None = None,
    ca_paths: Sequence[str] = (),
    trust: chain.TrustStore | None = None,
) -> list[CertIssue]:
    """Every issue with a site's certificate, key, DH parameters and CA files.

    `key_path` may equal `cert_path` (a HAProxy bundle). `ca_paths` are CA bundles the site
    verifies others with (client certificates, OCSP responses): they must be readable and
    their certificates valid. `trust` finishes chains; by default the system CA bundle.
    Without `cert_path` the other files are judged alone. Never raises for bad files.
    """
    when = now or dt.datetime.now(dt.UTC)
    certs: list[x509.Certificate] = []
    found: list[CertIssue] = []
    if cert_path is not None:
        certs, found = files.read_certificates(cert_path)
    key: PrivateKeyTypes | None = None
    if key_path is not None:
        key, key_issues = files.read_private_key(key_path)
        found += key_issues
    if certs and cert_path is not None:
        found += check_material(
            certs, key, cert_path=cert_path, key_path=key_path or cert_path, domains=domains,
            profile=profile, now=when, thresholds=thresholds,
            stapling=stapling, trust=trust)
    if dhparam_path is not None:
        bits, dh_issues = files.read_dh_bits(dhparam_path)
        found += dh_issues
        if bits is not None and bits < MIN_DH_BITS:
            found.append(issue("dhparam-weak", dhparam_path,
                               f"DH parameters are {bits} bits; use at least {MIN_DH_BITS} "
                               "(or drop DHE suites)"))
    for ca_path in ca_paths:
        cas, ca_issues = files.read_certificates(ca_path)
        found += ca_issues
        for number, ca in enumerate(cas, 1):
            found += (issue(check, ca_path, f"CA certificate #{number} "
                            f"({chain.name_label(ca.subject)}) {message}")
                      for check, message in _validity(ca, when))
    return sorted(found)


def check_material(
    certs: Sequence[x509.Certificate],
    key: PrivateKeyTypes | None,
    *,
    cert_path: str,
    key_path: str,
    domains: Sequence[str],
    profile: Profile,
    now: dt.datetime,
    thresholds: Thresholds,
    stapling: bool,
    trust: chain.TrustStore | None = None,
) -> list[CertIssue]:
    """The checks on already-parsed certificates (file order) and key. `trust` finishes
    chains; None is the system CA bundle, read only when a chain needs an issuer the file
    lacks (a file that ends at its root never pays for indexing ~150 CA certificates)."""
    shape = chain.layout(certs)
    leaf = certs[shape.leaf]
    leaf_self_signed = chain.self_signed(leaf)
    # The certificates a client sees and checks: the leaf and the intermediates after it
    # (a self-signed root's own signature and key are never verified by anyone).
    checked = [i for i in shape.path if i == shape.leaf or not chain.self_signed(certs[i])]
    out: list[CertIssue] = []

    def add(check: str, message: str, severity: Severity | None = None,
            path: str = cert_path) -> None:
        out.append(issue(check, path, message, severity))

    for i in shape.path:
        for check, message in _validity(certs[i], now):
            add(check, f"{_which(certs, i, shape.leaf)} {message}")
    for i in checked:
        for message in _weak_key(certs[i], profile):
            add("cert-weak-key", f"{_which(certs, i, shape.leaf)} {message}")
        algorithm = certs[i].signature_hash_algorithm
        if algorithm is not None and algorithm.name in WEAK_HASHES:
            add("cert-weak-signature", f"{_which(certs, i, shape.leaf)} is signed with "
                f"{algorithm.name.upper()}; clients refuse it — reissue with SHA-256")
        serial = files.serial_number(certs[i])
        if serial <= 0:
            add("cert-serial-invalid", f"{_which(certs, i, shape.leaf)} has serial number "
                f"{serial}; RFC 5280 §4.1.2.2 requires a positive integer (strict clients and "
                "future versions of cryptography refuse it) — reissue it")
    out.extend(_leaf_checks(leaf, cert_path, domains, profile, now, thresholds, stapling))
    if key is not None and not keys.matches(key, leaf):
        add("cert-key-mismatch", f"private key does not belong to the leaf certificate in "
            f"{cert_path}", path=key_path)
    if leaf_self_signed:
        add("cert-self-signed", "the leaf certificate is self-signed; clients trust it only "
            "if told to — use a certificate from a CA (for development: `tlsconf cert dev`)")
        return out
    out.extend(_lifetime(leaf, cert_path, thresholds,
                         lambda: _publicly_trusted(certs[shape.path[-1]])))
    out.extend(_profile_checks(leaf, cert_path))
    disorder = chain.order_problem(certs, shape)
    if disorder:
        add("cert-chain-order", disorder)
    top = certs[shape.path[-1]]
    if chain.self_signed(top):
        return out
    store = chain.system_trust_store() if trust is None else trust
    if store and not store.has_issuer(top):
        add("cert-chain-incomplete",
            f"the issuer of {_which(certs, shape.path[-1], shape.leaf)} "
            f"({chain.name_label(top.issuer)}) is neither in the file nor a trusted root; "
            "append the intermediate certificate(s) after the leaf, or, if a private CA "
            "issued it, declare that CA as a trust anchor (`trust: [ca.pem]` in "
            ".tlsconf.yaml, or --ca-file ca.pem)")
    return out


def _leaf_checks(leaf: x509.Certificate, path: str, domains: Sequence[str], profile: Profile,
                 now: dt.datetime, thresholds: Thresholds, stapling: bool) -> Iterator[CertIssue]:
    left = leaf.not_valid_after_utc - now
    # At notAfter itself the leaf is expired (`_validity`), not also "expiring in 0 days".
    if dt.timedelta(0) < left < dt.timedelta(days=thresholds.expiry_warning_days):
        severity = (Severity.ERROR if left < dt.timedelta(days=thresholds.expiry_error_days)
                    else Severity.WARNING)
        yield issue("cert-expiring-soon", path, f"the leaf certificate expires in {left.days} "
                    f"day(s), on {_date(leaf.not_valid_after_utc)}; renew it", severity)
    info = keys.describe(leaf.public_key())
    if info.type not in profile.certificate_types:
        yield issue("cert-key-type-not-allowed", path,
                    f"the leaf has an {info} key; Mozilla {profile.name} allows "
                    f"{' or '.join(t.upper() for t in profile.certificate_types)} certificates")
    mismatch = san_mismatch(path, san.names(leaf), domains)
    if mismatch is not None:
        yield mismatch
    if stapling and not _ocsp_urls(leaf):
        yield issue("cert-stapling-without-ocsp-url", path,
                    "stapling does nothing: the certificate has no OCSP URL")
    if not stapling and _must_staple(leaf):
        yield issue("cert-must-staple-without-stapling", path,
                    "the leaf requires OCSP stapling (Must-Staple) but stapling is off; "
                    "clients that honour Must-Staple will refuse the connection")


def san_mismatch(path: str, sans: san.Names, domains: Sequence[str]) -> CertIssue | None:
    """cert-san-mismatch when the leaf's SANs miss one of `domains`."""
    missing = []
    for domain in domains:
        try:
            name = san.normalise(domain)
        except ValueError:
            name = domain
        if not san.covers(sans, name):
            missing.append(str(name))
    if not missing:
        return None
    return issue("cert-san-mismatch", path,
                 f"the leaf's subjectAltName ({safe_text(str(sans))}) does not cover "
                 f"{safe_text(', '.join(missing))} (the CN is ignored by clients)")


def leaf_names(certs: Sequence[x509.Certificate]) -> san.Names:
    """The SANs of the leaf among `certs` (found as check_material finds it)."""
    return san.names(certs[chain.layout(certs).leaf])


def _publicly_trusted(top: x509.Certificate) -> bool:
    """Does the chain's last certificate end at (or is it) a root of the system store?"""
    return chain.system_trust_store().has_issuer(top)


def _lifetime(leaf: x509.Certificate, path: str, thresholds: Thresholds,
              public: Callable[[], bool]) -> Iterator[CertIssue]:
    """The lifetime cap: SC-081v3's by notBefore for a publicly trusted leaf, the flat
    threshold for a private CA's. `public` is asked only for a leaf over the smaller cap, so
    a short-lived leaf in a file that ends at its root never reads the system store."""
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    cap, period = public_cap(leaf.not_valid_before_utc)
    if lifetime <= dt.timedelta(days=min(cap, thresholds.max_lifetime_days)):
        return
    if public():
        if lifetime > dt.timedelta(days=cap):
            yield issue("cert-lifetime-too-long", path,
                        f"the leaf (notBefore {leaf.not_valid_before_utc.date()}) is valid for "
                        f"{lifetime.days} days; {SC081} caps publicly trusted certificates "
                        f"issued {period} at {cap} days")
    elif lifetime > dt.timedelta(days=thresholds.max_lifetime_days):
        yield issue("cert-lifetime-too-long", path,
                    f"the leaf is valid for {lifetime.days} days; browsers refuse publicly "
                    f"trusted certificates valid for more than {thresholds.max_lifetime_days}")


def _profile_checks(leaf: x509.Certificate, path: str) -> Iterator[CertIssue]:
    constraints = _extension(leaf, x509.BasicConstraints)
    if constraints is not None and constraints.ca:
        yield issue("cert-leaf-is-ca", path, "the leaf certificate has CA:TRUE; clients refuse "
                    "a CA certificate as a server certificate")
    usage = _extension(leaf, x509.ExtendedKeyUsage)
    if usage is None or ExtendedKeyUsageOID.SERVER_AUTH not in usage:
        what = "has no extended key usage" if usage is None else "has an extended key usage"
        yield issue("cert-no-server-auth", path, f"the leaf {what} without serverAuth; "
                    "Apple clients and strict verifiers refuse it as a server certificate")


def _validity(cert: x509.Certificate, now: dt.datetime) -> Iterator[tuple[str, str]]:
    if cert.not_valid_after_utc <= now:
        yield "cert-expired", f"expired on {_date(cert.not_valid_after_utc)}"
    if cert.not_valid_before_utc > now:
        yield "cert-not-yet-valid", f"is not valid until {_date(cert.not_valid_before_utc)}"


def _weak_key(cert: x509.Certificate, profile: Profile) -> Iterator[str]:
    info = keys.describe(cert.public_key())
    minimum = max(MIN_RSA_BITS, profile.rsa_key_size or 0)
    if info.type == "rsa" and info.bits < minimum:
        yield f"has an RSA key of {info.bits} bits; use at least {minimum}"
    elif info.type == "dsa":
        yield "has a DSA key; clients no longer accept DSA certificates"
    elif info.type == "ecdsa" and info.curve not in STRONG_CURVES:
        yield f"has an {info} key; use P-256 or P-384 (clients refuse other curves)"


def _ocsp_urls(cert: x509.Certificate) -> list[str]:
    """The OCSP responder URLs of the Authority Information Access extension."""
    access = _extension(cert, x509.AuthorityInformationAccess)
    return [str(d.access_location.value) for d in access or ()
            if d.access_method == x509.oid.AuthorityInformationAccessOID.OCSP]


def _must_staple(cert: x509.Certificate) -> bool:
    features = _extension(cert, x509.TLSFeature)
    return features is not None and x509.TLSFeatureType.status_request in features


def _extension(cert: x509.Certificate, kind: type[_T]) -> _T | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _which(certs: Sequence[x509.Certificate], index: int, leaf: int) -> str:
    if index == leaf:
        return "the leaf certificate"
    return f"chain certificate #{index + 1} ({chain.name_label(certs[index].subject)})"


def _date(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")
