"""Each certificate flaw triggers exactly its own check; good material triggers none."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID
from test_certs_factory import (
    PKI,
    certificate,
    checks_of,
    dh_params_pem,
    make_pki,
    new_key,
    pem,
    run_checks,
    write_private,
    write_set,
)

from tlsconf.certs import chain
from tlsconf.certs.checks import Thresholds, check_certificate_files
from tlsconf.certs.generate import key_pem
from tlsconf.certs.issues import CHECKS
from tlsconf.findings import Severity
from tlsconf.profiles import get as get_profile

DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def pki() -> PKI:
    return make_pki()


def test_good_material_triggers_nothing(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf(["app.example.com", "www.example.com"])
    full = [leaf.cert, pki.intermediate.cert]
    assert run_checks(tmp_path / "a", full, leaf.key, domains=["app.example.com",
                      "www.example.com"], trust=pki.trust) == []
    # With the root in the file, no trust store is needed to see the chain is complete.
    assert run_checks(tmp_path / "b", [*full, pki.root.cert], leaf.key) == []
    rsa_leaf = pki.leaf(key=new_key("rsa", 3072))
    assert run_checks(tmp_path / "c", [rsa_leaf.cert, pki.intermediate.cert], rsa_leaf.key,
                      trust=pki.trust) == []
    p384 = pki.leaf(key=new_key("ecdsa", 384), days=398)
    for profile in ("modern", "intermediate"):
        assert run_checks(tmp_path / profile, [p384.cert, pki.intermediate.cert], p384.key,
                          trust=pki.trust, profile=profile) == []


def test_support_pki_leaf_is_clean(tmp_path: Path) -> None:
    """The e2e tests' PKI (leaf + root in one file) passes with the system trust store."""
    from support.pki import issue_leaf, make_ca

    leaf = issue_leaf(make_ca(tmp_path / "ca"), tmp_path, "site", ["app.test", "*.app.test"])
    issues = check_certificate_files(str(leaf.cert_path), str(leaf.key_path),
                                     domains=["app.test", "x.app.test"],
                                     profile=get_profile("modern"))
    assert issues == []


@pytest.mark.parametrize(
    ("flaw", "expected"),
    [
        ({"start": -100 * DAY, "days": 90}, "cert-expired"),
        ({"start": -80 * DAY, "days": 90}, "cert-expiring-soon"),
        ({"start": 2 * DAY, "days": 90}, "cert-not-yet-valid"),
        ({"days": 400}, "cert-lifetime-too-long"),
        ({"ca": True}, "cert-leaf-is-ca"),
        ({"eku": [ExtendedKeyUsageOID.CLIENT_AUTH]}, "cert-no-server-auth"),
        ({"eku": None}, "cert-no-server-auth"),
        ({"sign_hash": "sha1"}, "cert-weak-signature"),
        ({"sign_hash": "md5"}, "cert-weak-signature"),
        ({"must_staple": True}, "cert-must-staple-without-stapling"),
        ({"serial": -1}, "cert-serial-invalid"),
        ({"serial": 0}, "cert-serial-invalid"),
    ],
)
def test_leaf_flaw_triggers_its_check_only(pki: PKI, tmp_path: Path, flaw: dict[str, Any],
                                           expected: str) -> None:
    leaf = pki.leaf(**flaw)
    issues = run_checks(tmp_path, [leaf.cert, pki.intermediate.cert], leaf.key, trust=pki.trust)
    assert checks_of(issues) == [expected], issues
    assert all(issue.path.endswith("site.pem") for issue in issues)


@pytest.mark.parametrize(
    ("key", "profile", "expected"),
    [
        (("rsa", 1024), "intermediate", "cert-weak-key"),
        (("ecdsa", 521), "intermediate", "cert-weak-key"),
        (("rsa", 2048), "modern", "cert-key-type-not-allowed"),
        (("ecdsa", 256), "old", "cert-key-type-not-allowed"),
    ],
)
def test_key_strength_and_type(pki: PKI, tmp_path: Path, key: tuple[str, int], profile: str,
                               expected: str) -> None:
    leaf = pki.leaf(key=new_key(*key))
    issues = run_checks(tmp_path, [leaf.cert, pki.intermediate.cert], leaf.key, trust=pki.trust,
                        profile=profile)
    assert checks_of(issues) == [expected], issues


def test_weak_intermediate_is_found_but_the_root_signature_is_not_judged(tmp_path: Path) -> None:
    root = certificate(new_key("rsa"), "Old Root", ca=True, eku=None, days=3650,
                       sign_hash="sha1")
    inter = certificate(new_key("rsa", 1024), "Weak Intermediate", issuer=root, ca=True,
                        eku=None, sign_hash="sha1")
    leaf = certificate(new_key(), "app.example.com", issuer=inter, sans=["app.example.com"])
    issues = run_checks(tmp_path, [leaf.cert, inter.cert, root.cert], leaf.key)
    assert checks_of(issues) == ["cert-weak-key", "cert-weak-signature"]
    assert all("Weak Intermediate" in issue.message for issue in issues)


def test_expiry_thresholds(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf(start=-80 * DAY, days=90)  # about 10 days left
    full = [leaf.cert, pki.intermediate.cert]
    (soon,) = run_checks(tmp_path / "a", full, leaf.key, trust=pki.trust)
    assert soon.severity is Severity.WARNING and "expires in 9 day(s)" in soon.message
    (urgent,) = run_checks(tmp_path / "b", full, leaf.key, trust=pki.trust,
                           thresholds=Thresholds(expiry_error_days=14))
    assert urgent.check == "cert-expiring-soon" and urgent.severity is Severity.ERROR
    assert run_checks(tmp_path / "c", full, leaf.key, trust=pki.trust,
                      thresholds=Thresholds(expiry_warning_days=7)) == []


def test_lifetime_boundary_and_threshold(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf(days=398)
    full = [leaf.cert, pki.intermediate.cert]
    assert run_checks(tmp_path / "a", full, leaf.key, trust=pki.trust) == []
    issues = run_checks(tmp_path / "b", full, leaf.key, trust=pki.trust,
                        thresholds=Thresholds(max_lifetime_days=90))
    assert checks_of(issues) == ["cert-lifetime-too-long"]


def test_mismatched_key(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    issues = run_checks(tmp_path, [leaf.cert, pki.intermediate.cert], new_key(), trust=pki.trust)
    assert checks_of(issues) == ["cert-key-mismatch"]
    assert issues[0].path.endswith("site.key")


def test_wrong_san_is_found_and_cn_is_ignored(pki: PKI, tmp_path: Path) -> None:
    leaf = certificate(new_key(), "app.example.com", issuer=pki.intermediate,
                       sans=["other.example.com"])
    issues = run_checks(tmp_path, [leaf.cert, pki.intermediate.cert], leaf.key, trust=pki.trust,
                        domains=["app.example.com", "other.example.com"])
    assert checks_of(issues) == ["cert-san-mismatch"]
    assert "does not cover app.example.com " in issues[0].message
    no_san = certificate(new_key(), "app.example.com", issuer=pki.intermediate)
    issues = run_checks(tmp_path / "b", [no_san.cert, pki.intermediate.cert], no_san.key,
                        trust=pki.trust)
    assert checks_of(issues) == ["cert-san-mismatch"]


@pytest.mark.parametrize(
    ("sans", "domain", "covered"),
    [
        (["*.example.com"], "a.example.com", True),
        (["*.example.com"], "example.com", False),  # the wildcard needs a label
        (["*.example.com"], "a.b.example.com", False),  # and covers exactly one
        (["*.example.com"], "*.example.com", True),
        (["a.example.com"], "*.example.com", False),
        (["*.a.example.com"], "a.example.com", False),
        (["f*.example.com"], "foo.example.com", False),  # no partial-label wildcards
        (["*.com"], "example.com", False),  # a wildcard needs two labels after it
        (["xn--bcher-kva.example.com"], "bücher.example.com", True),  # IDN → A-label
        (["*.example.com"], "xn--bcher-kva.example.com", True),
        (["APP.Example.COM"], "app.example.com", True),
        (["127.0.0.1"], "127.0.0.1", True),  # an IP SAN
        (["app.example.com"], "10.0.0.1", False),
    ],
)
def test_san_matching(pki: PKI, tmp_path: Path, sans: list[str], domain: str,
                      covered: bool) -> None:
    leaf = certificate(new_key(), "x", issuer=pki.intermediate, sans=sans)
    issues = run_checks(tmp_path, [leaf.cert, pki.intermediate.cert], leaf.key, trust=pki.trust,
                        domains=[domain])
    assert checks_of(issues) == ([] if covered else ["cert-san-mismatch"])



def test_reversed_chain_is_one_ordering_problem(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    issues = run_checks(tmp_path / "a", [pki.intermediate.cert, leaf.cert], leaf.key,
                        trust=pki.trust)
    assert checks_of(issues) == ["cert-chain-order"]
    assert "#2, #1" in issues[0].message
    issues = run_checks(tmp_path / "b", [pki.root.cert, pki.intermediate.cert, leaf.cert],
                        leaf.key)
    assert checks_of(issues) == ["cert-chain-order"]


def test_unrelated_certificate_in_the_chain(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    stranger = certificate(new_key(), "Stranger CA", ca=True, eku=None)
    issues = run_checks(tmp_path, [leaf.cert, pki.intermediate.cert, stranger.cert], leaf.key,
                        trust=pki.trust)
    assert checks_of(issues) == ["cert-chain-order"]
    assert "#3 (Stranger CA) are not part" in issues[0].message


def test_incomplete_chain(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    issues = run_checks(tmp_path, [leaf.cert], leaf.key, trust=pki.trust)
    assert checks_of(issues) == ["cert-chain-incomplete"]
    assert "Factory Intermediate" in issues[0].message
    # The intermediate itself in the trust store (some stores hold intermediates): complete.
    store = chain.TrustStore.from_certificates([pki.intermediate.cert])
    assert run_checks(tmp_path / "b", [leaf.cert], leaf.key, trust=store) == []


def test_system_trust_store_is_read_only_when_a_chain_needs_it(
        pki: PKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexing the system CA bundle is start-up cost of every lint: a file that ends at its own
    root is judged without it, a file that stops before a root still gets it."""
    reads: list[str] = []

    def system_store() -> chain.TrustStore:
        reads.append("read")
        return pki.trust

    monkeypatch.setattr(chain, "system_trust_store", system_store)
    leaf = pki.leaf()
    profile = get_profile("intermediate")
    rooted = write_set(tmp_path / "rooted", [leaf.cert, pki.intermediate.cert, pki.root.cert],
                       leaf.key)
    assert check_certificate_files(*map(str, rooted), domains=["app.example.com"],
                                   profile=profile) == []
    assert reads == []
    short = write_set(tmp_path / "short", [leaf.cert, pki.intermediate.cert], leaf.key)
    assert check_certificate_files(*map(str, short), domains=["app.example.com"],
                                   profile=profile) == []
    assert reads == ["read"]
    bare = write_set(tmp_path / "bare", [leaf.cert], leaf.key)
    issues = check_certificate_files(*map(str, bare), domains=["app.example.com"],
                                     profile=profile)
    assert (checks_of(issues), reads) == (["cert-chain-incomplete"], ["read", "read"])


def test_self_signed_leaf_is_reported_once(tmp_path: Path) -> None:
    # Shaped like `openssl req -x509` output: CA:TRUE, no EKU, ten years.
    own = certificate(new_key(), "app.example.com", sans=["app.example.com"], ca=True, eku=None,
                      days=3650)
    issues = run_checks(tmp_path, [own.cert], own.key)
    assert checks_of(issues) == ["cert-self-signed"]
    # ...but what matters for any certificate still counts.
    weak = certificate(new_key("rsa", 1024), "app.example.com", sans=["x.example.com"])
    issues = run_checks(tmp_path / "b", [weak.cert], new_key())
    assert checks_of(issues) == ["cert-key-mismatch", "cert-san-mismatch", "cert-self-signed",
                                 "cert-weak-key"]


def test_must_staple_with_stapling_is_fine(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf(must_staple=True, ocsp_url="http://ocsp.example.net")
    assert run_checks(tmp_path, [leaf.cert, pki.intermediate.cert], leaf.key, trust=pki.trust,
                      stapling=True) == []


@pytest.mark.parametrize(("mode", "severity"),
                         [(0o600, None), (0o400, None), (0o640, "error"), (0o644, "error"),
                          (0o602, "error")])
def test_key_file_permissions(pki: PKI, tmp_path: Path, mode: int, severity: str | None) -> None:
    leaf = pki.leaf()
    issues = run_checks(tmp_path, [leaf.cert, pki.intermediate.cert], leaf.key, trust=pki.trust,
                        key_mode=mode)
    if severity is None:
        assert issues == []
    else:
        assert checks_of(issues) == ["key-file-permissions"]
        assert f"mode {mode:04o}" in issues[0].message


def test_dh_parameters(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    weak = tmp_path / "dh1024.pem"
    weak.write_bytes(dh_params_pem(1024))
    strong = tmp_path / "dh2048.pem"
    strong.write_bytes(dh_params_pem(2048))
    full = [leaf.cert, pki.intermediate.cert]
    issues = run_checks(tmp_path / "a", full, leaf.key, trust=pki.trust, dhparam_path=str(weak))
    assert checks_of(issues) == ["dhparam-weak"]
    assert issues[0].path == str(weak) and "1024 bits" in issues[0].message
    assert run_checks(tmp_path / "b", full, leaf.key, trust=pki.trust,
                      dhparam_path=str(strong)) == []
    issues = run_checks(tmp_path / "c", full, leaf.key, trust=pki.trust,
                        dhparam_path=str(tmp_path / "none.pem"))
    assert checks_of(issues) == ["cert-file-unreadable"]


def test_non_positive_serial_is_a_finding_not_a_warning(pki: PKI, tmp_path: Path) -> None:
    """cryptography warns (CryptographyDeprecationWarning) on loading and on every read of a
    zero or negative serial; with warnings as errors the check still runs and none escapes."""
    import warnings

    leaf = pki.leaf(serial=-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        issues = run_checks(tmp_path, [leaf.cert, pki.intermediate.cert], leaf.key,
                            trust=pki.trust)
    assert [(i.check, i.message) for i in issues] == [(
        "cert-serial-invalid",
        "the leaf certificate has serial number -5; RFC 5280 §4.1.2.2 requires a positive "
        "integer (strict clients and future versions of cryptography refuse it) — reissue it")]


def test_files_are_judged_without_the_certificate(pki: PKI, tmp_path: Path) -> None:
    """No certificate file: the key and DH files that are here are still judged."""
    leaf = pki.leaf()
    key = write_private(tmp_path / "site.key", key_pem(leaf.key).encode(), 0o644)
    weak = tmp_path / "dh1024.pem"
    weak.write_bytes(dh_params_pem(1024))
    issues = check_certificate_files(None, str(key), domains=(), profile=get_profile(
        "intermediate"), dhparam_path=str(weak))
    assert [(i.check, i.path) for i in issues] == [("dhparam-weak", str(weak)),
                                                   ("key-file-permissions", str(key))]


def test_bundle_file_as_cert_and_key(pki: PKI, tmp_path: Path) -> None:
    """A HAProxy bundle names one file for both; the leaf is found among the blocks."""
    from tlsconf.certs.generate import key_pem

    leaf = pki.leaf()
    bundle = write_private(tmp_path / "bundle.pem",
                           pem(leaf.cert, pki.intermediate.cert) + key_pem(leaf.key).encode())
    issues = check_certificate_files(str(bundle), str(bundle), domains=["app.example.com"],
                                     profile=get_profile("intermediate"), trust=pki.trust)
    assert issues == []
    os.chmod(bundle, 0o644)
    issues = check_certificate_files(str(bundle), str(bundle), domains=["app.example.com"],
                                     profile=get_profile("intermediate"), trust=pki.trust)
    assert checks_of(issues) == ["key-file-permissions"]


SECRET_MARK = "NOT-A-REAL-SECRET-7f3a"


@pytest.mark.parametrize(
    ("cert_bytes", "key_bytes", "cert_check", "key_check"),
    [
        (None, None, "cert-file-unreadable", "cert-file-unreadable"),
        (b"junk " + SECRET_MARK.encode(), b"junk " + SECRET_MARK.encode(),
         "cert-file-invalid", "cert-file-invalid"),
        (b"-----BEGIN CERTIFICATE-----\n" + SECRET_MARK.encode() + b"\n-----END CERTIFICATE-----\n",
         b"-----BEGIN PRIVATE KEY-----\n" + SECRET_MARK.encode() + b"\n-----END PRIVATE KEY-----\n",
         "cert-file-invalid", "cert-file-invalid"),
    ],
)
def test_bad_files_are_issues_naming_the_path_never_contents(
    tmp_path: Path, cert_bytes: bytes | None, key_bytes: bytes | None, cert_check: str,
    key_check: str,
) -> None:
    cert_path, key_path = tmp_path / "c.pem", tmp_path / "k.pem"
    if cert_bytes is not None:
        cert_path.write_bytes(cert_bytes)
    if key_bytes is not None:
        write_private(key_path, key_bytes)
    issues = check_certificate_files(str(cert_path), str(key_path), domains=["a.example.com"],
                                     profile=get_profile("intermediate"),
                                     dhparam_path=str(key_path))
    by_path = {(i.path, i.check) for i in issues}
    assert (str(cert_path), cert_check) in by_path
    assert (str(key_path), key_check) in by_path
    assert all(SECRET_MARK not in str(issue) for issue in issues)


def test_unreadable_and_special_files(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    profile = get_profile("intermediate")
    for path, words in ((fifo, "not a regular file"), (tmp_path, "not a regular file")):
        (issue,) = check_certificate_files(str(path), None, domains=[], profile=profile)
        assert issue.check == "cert-file-unreadable" and words in issue.message
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.pem"
        locked.write_bytes(b"x")
        locked.chmod(0)
        (issue,) = check_certificate_files(str(locked), None, domains=[], profile=profile)
        assert "permission denied" in issue.message


def test_encrypted_key_is_info_not_a_crash(pki: PKI, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    leaf = pki.leaf()
    key_path = write_private(tmp_path / "enc.key", leaf.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase")))
    cert_path = tmp_path / "c.pem"
    cert_path.write_bytes(pem(leaf.cert, pki.intermediate.cert))
    (issue,) = check_certificate_files(str(cert_path), str(key_path), domains=["app.example.com"],
                                       profile=get_profile("intermediate"), trust=pki.trust)
    assert issue.check == "cert-key-encrypted" and issue.severity is Severity.INFO


def test_der_certificate_is_read(pki: PKI, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    leaf = pki.leaf()
    der = tmp_path / "leaf.der"
    der.write_bytes(leaf.cert.public_bytes(Encoding.DER))
    issues = check_certificate_files(str(der), None, domains=["app.example.com"],
                                     profile=get_profile("intermediate"), trust=pki.trust)
    assert checks_of(issues) == ["cert-chain-incomplete"]


def test_catalogue_is_kebab_case_and_every_check_has_a_test() -> None:
    import re

    source = Path(__file__).read_text()
    for name, check in CHECKS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) and check.name == name
        assert f'"{name}"' in source, f"no test mentions {name}"


def test_ca_files_must_be_readable_and_valid(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    cert_path = tmp_path / "c.pem"
    cert_path.write_bytes(pem(leaf.cert, pki.intermediate.cert))
    old_ca = certificate(new_key(), "Old Client CA", ca=True, eku=None, start=-30 * DAY, days=10)
    cas = tmp_path / "clients.pem"
    cas.write_bytes(pem(pki.root.cert, old_ca.cert))
    issues = check_certificate_files(str(cert_path), None, domains=["app.example.com"],
                                     profile=get_profile("intermediate"), trust=pki.trust,
                                     ca_paths=[str(cas), str(tmp_path / "gone.pem")])
    assert [(i.check, Path(i.path).name) for i in issues] == [
        ("cert-expired", "clients.pem"), ("cert-file-unreadable", "gone.pem")]
    assert "CA certificate #2 (Old Client CA) expired" in issues[0].message


def test_stapling_on_a_certificate_without_an_ocsp_url(pki: PKI, tmp_path: Path) -> None:
    """Stapling needs the responder the certificate names (AIA OCSP); Let's Encrypt's
    certificates have had none since 2025."""
    bare = pki.leaf()
    (found,) = run_checks(tmp_path / "a", [bare.cert, pki.intermediate.cert], bare.key,
                          trust=pki.trust, stapling=True)
    assert (found.check, found.severity, found.message) == (
        "cert-stapling-without-ocsp-url", Severity.WARNING,
        "stapling does nothing: the certificate has no OCSP URL")
    # Must not trigger: stapling off, or a certificate that names its responder.
    assert run_checks(tmp_path / "b", [bare.cert, pki.intermediate.cert], bare.key,
                      trust=pki.trust, stapling=False) == []
    named = pki.leaf(ocsp_url="http://ocsp.example.net")
    assert run_checks(tmp_path / "c", [named.cert, pki.intermediate.cert], named.key,
                      trust=pki.trust, stapling=True) == []
