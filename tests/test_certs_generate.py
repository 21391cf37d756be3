"""`tlsconf cert csr|dev|bundle|inspect` through the typer app: what they write, with which
modes, what they refuse, and that what they write parses back (real servers: test_certs_e2e)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification
from test_certs_factory import PKI, checks_of, make_pki, new_key, pem, write_private
from typer.testing import CliRunner

from tlsconf.certs import chain, devca
from tlsconf.certs.checks import check_certificate_files
from tlsconf.certs.generate import key_pem
from tlsconf.cli_cert import cert_app
from tlsconf.profiles import get as get_profile

runner = CliRunner()


def cert(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(cert_app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """Keys must be 0600 whatever the umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("TLSCONF_DATA_DIR", str(path))
    return path


# --- csr ---------------------------------------------------------------------------------


def test_csr_default_ecdsa_with_every_domain(tmp_path: Path, loose_umask: None) -> None:
    code, out, err = cert("csr", "-d", "App.Example.com", "-d", "*.example.com", "-d",
                          "bücher.example", "-d", "192.0.2.10", "-o", tmp_path / "out")
    assert code == 0, err
    key_path = tmp_path / "out" / "app.example.com.key"
    csr_path = tmp_path / "out" / "app.example.com.csr"
    assert mode(key_path) == 0o600 and mode(csr_path) == 0o644
    assert f"wrote {key_path}" in out and "BEGIN" not in out
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    assert csr.is_signature_valid
    assert csr.public_key() == key.public_key()
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["app.example.com", "*.example.com",
                                                     "xn--bcher-kva.example"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("192.0.2.10")]


@pytest.mark.parametrize(("args", "bits"), [((), 2048), (("--key-size", "3072"), 3072),
                                            (("--key-size", "4096"), 4096)])
def test_csr_rsa_sizes(tmp_path: Path, args: tuple[str, ...], bits: int) -> None:
    code, _, err = cert("csr", "-d", "a.example.com", "--key-type", "rsa", *args, "-o", tmp_path)
    assert code == 0, err
    key = serialization.load_pem_private_key((tmp_path / "a.example.com.key").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == bits


def test_csr_p384(tmp_path: Path) -> None:
    code, _, err = cert("csr", "-d", "a.example.com", "--key-size", "384", "-o", tmp_path)
    assert code == 0, err
    csr = x509.load_pem_x509_csr((tmp_path / "a.example.com.csr").read_bytes())
    assert csr.signature_hash_algorithm is not None
    assert csr.signature_hash_algorithm.name == "sha384"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("-d", "a.example.com", "--key-type", "rsa", "--key-size", "1024"), "--key-size: rsa"),
        (("-d", "a.example.com", "--key-size", "521"), "--key-size: ecdsa"),
        (("-d", "bad_name.example.com"), "--domain: 'bad_name.example.com'"),
        (("-d", "a.*.example.com"), "--domain:"),
        ((), "--domain: at least one domain"),
        (("-d", "a.example.com", "--name", "../x"), "--name:"),
        (("--spec", "x.yaml"), "--spec: --spec and --site go together"),
    ],
)
def test_csr_bad_input_is_exit_2_and_writes_nothing(tmp_path: Path, args: tuple[str, ...],
                                                    words: str) -> None:
    code, _, err = cert("csr", *args, "-o", tmp_path / "out")
    assert code == 2 and words in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_csr_never_overwrites_without_force(tmp_path: Path) -> None:
    assert cert("csr", "-d", "a.example.com", "-o", tmp_path)[0] == 0
    key_path = tmp_path / "a.example.com.key"
    before = key_path.read_bytes()
    code, _, err = cert("csr", "-d", "a.example.com", "-o", tmp_path)
    assert code == 2 and f"{key_path}: already exists; pass --force" in err
    assert key_path.read_bytes() == before
    assert cert("csr", "-d", "a.example.com", "-o", tmp_path, "--force")[0] == 0
    assert key_path.read_bytes() != before and mode(key_path) == 0o600


def test_csr_never_writes_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("precious")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.example.com.key").symlink_to(target)
    code, _, err = cert("csr", "-d", "a.example.com", "-o", tmp_path / "out", "--force")
    assert code == 2 and "symlink" in err
    assert target.read_text() == "precious"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.example.com.key"]


def test_csr_from_a_spec_site(tmp_path: Path) -> None:
    spec = tmp_path / "site.yaml"
    spec.write_text(
        "sites:\n"
        "  - name: shop\n"
        "    domains: [shop.example.com, www.shop.example.com]\n"
        "    tls: {certificate: /etc/ssl/shop.pem, key: /etc/ssl/shop.key}\n"
        "    upstreams: [{address: 127.0.0.1:8080}]\n"
    )
    code, _, err = cert("csr", "--spec", spec, "--site", "shop", "-o", tmp_path / "out")
    assert code == 0, err
    csr = x509.load_pem_x509_csr((tmp_path / "out" / "shop.csr").read_bytes())
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["shop.example.com", "www.shop.example.com"]
    code, _, err = cert("csr", "--spec", spec, "--site", "nope", "-o", tmp_path / "out")
    assert code == 2 and "--site: no site named 'nope'; sites: shop" in err
    spec.write_text("sites: [")
    code, _, err = cert("csr", "--spec", spec, "--site", "shop", "-o", tmp_path / "out")
    assert code == 2 and str(spec) in err and "Traceback" not in err


# --- dev ---------------------------------------------------------------------------------


def _verify(leaf: x509.Certificate, ca: x509.Certificate, name: str) -> None:
    """Strict (webpki) verification, as a browser would, for DNS name or IP `name`."""
    try:
        subject: verification.Subject = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        subject = x509.DNSName(name)
    verifier = (verification.PolicyBuilder().store(verification.Store([ca]))
                .build_server_verifier(subject))
    verifier.verify(leaf, [])


def test_dev_creates_ca_once_and_issues_verifiable_leaves(
    tmp_path: Path, data_dir: Path, loose_umask: None,
) -> None:
    out = tmp_path / "out"
    code, stdout, err = cert("dev", "-d", "app.test", "-d", "*.app.test", "-d", "127.0.0.1",
                             "-d", "::1", "-o", out)
    assert code == 0, err
    ca_dir = data_dir / "dev-ca"
    assert mode(data_dir) == 0o700 and mode(ca_dir) == 0o700
    assert mode(ca_dir / "ca.key") == 0o600 and mode(out / "app.test.key") == 0o600
    assert "created the development CA" in stdout
    assert "update-ca-certificates" in stdout and "security add-trusted-cert" in stdout
    assert "PRIVATE KEY" not in stdout
    leaf, ca_cert = x509.load_pem_x509_certificates((out / "app.test.pem").read_bytes())
    ca_file = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
    assert ca_cert == ca_file
    for name in ("app.test", "x.app.test", "127.0.0.1", "::1"):
        _verify(leaf, ca_cert, name)
    with pytest.raises(verification.VerificationError):
        _verify(leaf, ca_cert, "a.b.app.test")
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert lifetime <= dt.timedelta(days=90)
    key = serialization.load_pem_private_key((out / "app.test.key").read_bytes(), None)
    assert key.public_key() == leaf.public_key()

    # A second leaf: same CA (created once), no "created" line.
    code, stdout, err = cert("dev", "-d", "other.localhost", "-o", out, "--key-type", "rsa")
    assert code == 0, err and "created" not in stdout
    other, again = x509.load_pem_x509_certificates((out / "other.localhost.pem").read_bytes())
    assert again == ca_file
    _verify(other, ca_file, "other.localhost")
    # What it writes passes tlsconf's own checks under the strictest profile it fits.
    assert check_certificate_files(str(out / "app.test.pem"), str(out / "app.test.key"),
                                   domains=["app.test", "x.app.test"],
                                   profile=get_profile("modern")) == []


def test_dev_refuses_public_names_without_force(tmp_path: Path, data_dir: Path) -> None:
    code, _, err = cert("dev", "-d", "app.test", "-d", "www.example.com", "-o", tmp_path)
    assert code == 2 and "www.example.com look(s) public" in err
    assert not data_dir.exists() and not any(tmp_path.glob("*.pem"))
    code, _, err = cert("dev", "-d", "www.example.com", "-o", tmp_path, "--force")
    assert code == 0, err


def test_dev_days_are_capped(tmp_path: Path, data_dir: Path) -> None:
    code, _, err = cert("dev", "-d", "app.test", "--days", "91", "-o", tmp_path)
    assert code == 2 and "--days" in err
    code, _, err = cert("dev", "-d", "app.test", "--days", "7", "-o", tmp_path)
    assert code == 0, err
    leaf = x509.load_pem_x509_certificates((tmp_path / "app.test.pem").read_bytes())[0]
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == dt.timedelta(days=7)


def test_dev_refuses_half_a_ca_and_a_loose_ca_key(tmp_path: Path, data_dir: Path) -> None:
    assert cert("dev", "-d", "app.test", "-o", tmp_path / "a")[0] == 0
    key = data_dir / "dev-ca" / "ca.key"
    key.chmod(0o644)
    code, _, err = cert("dev", "-d", "app.test", "-o", tmp_path / "b")
    assert code == 2 and f"{key}: mode 0644" in err
    key.unlink()
    code, _, err = cert("dev", "-d", "app.test", "-o", tmp_path / "b")
    assert code == 2 and "holds half a CA" in err
    assert not key.exists()  # never silently re-created: the old CA may be trusted somewhere


@pytest.mark.parametrize(
    ("name", "local"),
    [
        ("localhost", True), ("app.localhost", True), ("app.test", True), ("*.app.test", True),
        ("x.example", True), ("x.invalid", True), ("printer.local", True),
        ("svc.internal", True), ("nas.home.arpa", True), ("127.0.0.1", True),
        ("10.1.2.3", True), ("192.168.0.1", True), ("::1", True), ("fd00::1", True),
        ("example.com", False), ("app.test.com", False), ("localhost.example.com", False),
        ("8.8.8.8", False), ("2001:4860::8888", False), ("testing", False),
    ],
)
def test_local_name_rule(name: str, local: bool) -> None:
    assert devca.is_local_name(name) is local


def test_data_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TLSCONF_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert devca.data_dir() == tmp_path / ".local" / "share" / "tlsconf"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert devca.data_dir() == tmp_path / ".local" / "share" / "tlsconf"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert devca.data_dir() == tmp_path / "xdg" / "tlsconf"
    monkeypatch.setenv("TLSCONF_DATA_DIR", str(tmp_path / "env"))
    assert devca.data_dir() == tmp_path / "env"
    assert devca.data_dir(str(tmp_path / "opt")) == tmp_path / "opt"


# --- bundle ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki() -> PKI:
    return make_pki()


def test_bundle_leaf_chain_key_0600(pki: PKI, tmp_path: Path, loose_umask: None) -> None:
    leaf = pki.leaf()
    cert_path = tmp_path / "full.pem"
    cert_path.write_bytes(pem(leaf.cert, pki.intermediate.cert))
    key_path = write_private(tmp_path / "k.pem", key_pem(leaf.key).encode(), 0o644)
    out = tmp_path / "haproxy" / "site.pem"
    code, stdout, err = cert("bundle", "--cert", cert_path, "--key", key_path, "-o", out)
    assert code == 0, err
    assert mode(out) == 0o600 and "PRIVATE KEY" not in stdout
    data = out.read_bytes()
    assert x509.load_pem_x509_certificates(data) == [leaf.cert, pki.intermediate.cert]
    assert data.index(b"PRIVATE KEY") > data.rindex(b"END CERTIFICATE")
    key = serialization.load_pem_private_key(data, None)
    assert key.public_key() == leaf.cert.public_key()
    # The bundle itself is lint-clean (cert and key from the same file).
    assert check_certificate_files(str(out), str(out), domains=["app.example.com"],
                                   profile=get_profile("intermediate"), trust=pki.trust) == []
    code, _, err = cert("bundle", "--cert", cert_path, "--key", key_path, "-o", out)
    assert code == 2 and "already exists" in err


def test_bundle_refuses_a_mismatched_key(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    cert_path = tmp_path / "full.pem"
    cert_path.write_bytes(pem(leaf.cert, pki.intermediate.cert))
    key_path = write_private(tmp_path / "other.key", key_pem(new_key()).encode())
    out = tmp_path / "bundle.pem"
    code, _, err = cert("bundle", "--cert", cert_path, "--key", key_path, "-o", out)
    assert code == 2 and f"{key_path}: does not belong to the leaf certificate" in err
    assert not out.exists() and "PRIVATE" not in err


def test_bundle_puts_a_reversed_chain_in_order(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    cert_path = tmp_path / "reversed.pem"
    cert_path.write_bytes(pem(pki.root.cert, pki.intermediate.cert, leaf.cert))
    key_path = write_private(tmp_path / "k.pem", key_pem(leaf.key).encode())
    out = tmp_path / "bundle.pem"
    code, _, err = cert("bundle", "--cert", cert_path, "--key", key_path, "-o", out)
    assert code == 0 and "out of order" in err
    assert x509.load_pem_x509_certificates(out.read_bytes()) == [
        leaf.cert, pki.intermediate.cert, pki.root.cert]


def test_bundle_missing_inputs(tmp_path: Path) -> None:
    code, _, err = cert("bundle", "--cert", tmp_path / "c.pem", "--key", tmp_path / "k.pem",
                        "-o", tmp_path / "b.pem")
    assert code == 2
    assert f"{tmp_path / 'c.pem'}: does not exist" in err
    assert f"{tmp_path / 'k.pem'}: does not exist" in err


# --- inspect -----------------------------------------------------------------------------


def test_inspect_table_and_json(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf(["app.example.com", "10.0.0.1"])
    bundle = write_private(tmp_path / "bundle.pem",
                           pem(leaf.cert, pki.intermediate.cert) + key_pem(leaf.key).encode())
    code, out, err = cert("inspect", bundle)
    assert code == 0, err
    assert "2 certificates; chain: in order" in out
    for text in ("#1 leaf", "#2 intermediate", "CN=app.example.com", "app.example.com, 10.0.0.1",
                 "CN=Factory Intermediate", "ECDSA P-256", "sha256WithRSAEncryption",
                 leaf.cert.fingerprint(hashes.SHA256()).hex(":").upper()):
        assert text in out, text
    assert "PRIVATE" not in out and key_pem(leaf.key).splitlines()[1] not in out

    code, out, _ = cert("inspect", "--format", "json", bundle)
    data = json.loads(out)
    (report,) = data["files"]
    assert report["chain"]["in_order"] is True
    first = report["certificates"][0]
    assert first["role"] == "leaf" and first["dns_names"] == ["app.example.com"]
    assert first["ip_addresses"] == ["10.0.0.1"] and first["key"] == "ECDSA P-256"
    assert first["not_after"].endswith("Z") and 80 < first["days_left"] <= 90


def test_inspect_reports_order_and_bad_files(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf()
    reversed_path = tmp_path / "reversed.pem"
    reversed_path.write_bytes(pem(pki.intermediate.cert, leaf.cert))
    junk = tmp_path / "junk.pem"
    junk.write_text("hello SECRET-ish text")
    code, out, err = cert("inspect", reversed_path, tmp_path / "missing.pem", junk)
    assert code == 2
    assert "chain: the chain runs #2, #1 in the file" in out and "#2 leaf" in out
    assert f"{tmp_path / 'missing.pem'}: does not exist" in err
    assert f"{junk}: is neither PEM nor a DER certificate" in err and "SECRET" not in err


def test_inspect_sanitises_certificate_text(tmp_path: Path) -> None:
    from test_certs_factory import certificate

    evil = certificate(new_key(), "evil\x1b[31m\u202e", sans=["app.example.com"])
    path = tmp_path / "evil.pem"
    path.write_bytes(pem(evil.cert))
    code, out, _ = cert("inspect", path)
    assert code == 0 and "\x1b" not in out and "\u202e" not in out and "\\u001b" in out


def test_trust_store_ignores_unparseable_entries(tmp_path: Path) -> None:
    root = make_pki().root
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
                       + pem(root.cert))
    store = chain.TrustStore.from_file(bundle)
    assert list(store.by_subject) == [root.cert.subject]
    assert not chain.TrustStore.from_file(tmp_path / "none.pem")


def test_checks_never_crash_on_junk(tmp_path: Path) -> None:
    path = tmp_path / "x.pem"
    path.write_bytes(os.urandom(2048))
    issues = check_certificate_files(str(path), str(path), domains=["a.example.com"],
                                     profile=get_profile("intermediate"))
    assert checks_of(issues) == ["cert-file-invalid", "cert-file-invalid"]
