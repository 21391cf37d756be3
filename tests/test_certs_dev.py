"""`tlsconf cert dev` output that every default target takes as written, the HAProxy key advice
that stops once followed, client certificates (`--client`), and the printed NSS trust command.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from support.fixtures import require_binary
from support.procs import free_port, start_nginx
from typer.testing import CliRunner

from tlsconf import policy
from tlsconf.cli import app
from tlsconf.cli_cert import cert_app
from tlsconf.specfile import parse_spec
from tlsconf.targets import haproxy

runner = CliRunner()


def cert(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(cert_app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("TLSCONF_DATA_DIR", str(path))
    return path


def spec_for(cert_path: Path, key_path: Path, extra: str = "") -> str:
    return ("sites:\n  - name: app\n    domains: [app.test]\n"
            f"    tls: {{certificate: {cert_path}, key: {key_path}{extra}}}\n"
            "    upstreams: [{address: 127.0.0.1:8080}]\n")


def key_warnings(text: str) -> list[str]:
    loaded = parse_spec("s.yaml", text.encode())
    rendered = haproxy.render(loaded, policy.resolve(loaded))
    return [f"{w.path}: {w.message}" for w in rendered.warnings]


# --- server certificates: the key where HAProxy < 3.0 looks -------------------------------
def test_dev_writes_the_key_where_haproxy_looks(tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "out"
    code, stdout, err = cert("dev", "-d", "app.test", "-o", out)
    assert code == 0, err
    assert sorted(os.listdir(out)) == ["app.test.key", "app.test.pem", "app.test.pem.key"]
    assert (out / "app.test.key").read_bytes() == (out / "app.test.pem.key").read_bytes()
    assert mode(out / "app.test.key") == mode(out / "app.test.pem.key") == 0o600
    assert mode(out / "app.test.pem") == 0o644
    assert (f"wrote {out}/app.test.key and {out}/app.test.pem.key (the same private key, mode "
            "0600; HAProxy < 3.0 reads the second)\n") in stdout
    # The spec can name either key file: HAProxy 2.6 finds the key, so no advice.
    assert key_warnings(spec_for(out / "app.test.pem", out / "app.test.key")) == []
    assert key_warnings(spec_for(out / "app.test.pem", out / "app.test.pem.key")) == []


ADVICE = ("sites[0].tls.key: HAProxy < 3.0 takes no key path: it reads the key from {c} itself "
          "or from {c}.key. Deploy the key there (e.g. `ln -s {k} {c}.key`) or make {c} one PEM "
          "with certificate, chain and key (mode 0600)")


def test_haproxy_key_advice_stops_once_followed(tmp_path: Path, data_dir: Path) -> None:
    assert cert("dev", "-d", "app.test", "-o", tmp_path)[0] == 0
    crt, key = tmp_path / "app.test.pem", tmp_path / "app.test.key"
    spec = spec_for(crt, key)
    (tmp_path / "app.test.pem.key").unlink()
    assert key_warnings(spec) == [ADVICE.format(c=crt, k=key)]
    (tmp_path / "app.test.pem.key").symlink_to(tmp_path / "gone.key")  # dangling: not followed
    assert key_warnings(spec) == [ADVICE.format(c=crt, k=key)]
    (tmp_path / "app.test.pem.key").unlink()
    (tmp_path / "app.test.pem.key").symlink_to(key)  # the advice, followed
    assert key_warnings(spec) == []
    (tmp_path / "app.test.pem.key").unlink()
    crt.write_bytes(crt.read_bytes() + key.read_bytes())  # the other way: one PEM with the key
    assert key_warnings(spec) == []
    # From 3.0 (crt-store) the key path is used as written: never the advice.
    assert key_warnings(spec_for(crt, key) + "targets: {haproxy: {version: '3.0'}}\n") == []


def test_haproxy_key_advice_without_files_on_this_machine() -> None:
    crt, key = Path("/nonexistent/app.pem"), Path("/nonexistent/app.key")
    assert key_warnings(spec_for(crt, key)) == [ADVICE.format(c=crt, k=key)]


# --- client certificates ------------------------------------------------------------------
def test_dev_client_certificate(tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "out"
    code, stdout, err = cert("dev", "--client", "alice@app.test", "-o", out)
    assert code == 0, err
    base = out / "alice_app.test-client"
    assert sorted(os.listdir(out)) == [
        "alice_app.test-client.key", "alice_app.test-client.p12", "alice_app.test-client.pem"]
    assert mode(Path(f"{base}.key")) == mode(Path(f"{base}.p12")) == 0o600
    assert mode(Path(f"{base}.pem")) == 0o644
    ca_pem = data_dir / "dev-ca" / "ca.pem"
    assert stdout.splitlines()[1:] == [
        f"wrote {base}.pem (client certificate + CA, valid until "
        f"{stdout.split('valid until ')[1][:10]}) for alice@app.test",
        f"wrote {base}.key (private key, mode 0600)",
        f"wrote {base}.p12 (certificate, CA and key for browsers and key stores, password "
        "'changeit', mode 0600)",
        f"A site admits it with `client_auth: {{ca: {ca_pem}, mode: required}}` in its tls.",
    ]
    leaf, ca = x509.load_pem_x509_certificates(Path(f"{base}.pem").read_bytes())
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice@app.test"
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["alice@app.test"]
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    verifier = (verification.PolicyBuilder().store(verification.Store([ca]))
                .build_client_verifier())
    assert verifier.verify(leaf, []).subjects == [x509.RFC822Name("alice@app.test")]
    with pytest.raises(verification.VerificationError):  # never a server certificate
        (verification.PolicyBuilder().store(verification.Store([ca]))
         .build_server_verifier(x509.DNSName("app.test")).verify(leaf, []))
    key = serialization.load_pem_private_key(Path(f"{base}.key").read_bytes(), None)
    assert key.public_key() == leaf.public_key()
    bundle = pkcs12.load_pkcs12(Path(f"{base}.p12").read_bytes(), b"changeit")
    assert bundle.cert is not None and bundle.cert.certificate == leaf
    assert bundle.cert.friendly_name == b"alice@app.test"
    assert [c.certificate for c in bundle.additional_certs] == [ca]
    assert bundle.key is not None and bundle.key.public_key() == leaf.public_key()


def test_dev_client_plain_name_and_refusals(tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "out"
    code, _, err = cert("dev", "--client", "build bot", "--name", "bot", "-o", out)
    assert code == 0, err
    leaf = x509.load_pem_x509_certificates((out / "bot.pem").read_bytes())[0]
    assert leaf.subject.rfc4514_string() == "CN=build bot,O=tlsconf development client"
    with pytest.raises(x509.ExtensionNotFound):
        leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert cert("dev", "--client", "alice", "-d", "app.test", "-o", out) == (
        2, "", "--client: a client certificate names no domains: give either --client or "
        "--domain/--spec, not both\n")
    assert cert("dev", "--client", "-x;rm", "-o", out) == (
        2, "", "--client: must be 1-64 letters, digits, spaces or . _ @ + -, starting with a "
        "letter or digit\n")
    assert sorted(os.listdir(out)) == ["bot.key", "bot.p12", "bot.pem"]


# --- the printed trust command ------------------------------------------------------------
def test_chromium_trust_command_creates_the_nss_database(tmp_path: Path, data_dir: Path) -> None:
    """The printed command, run as printed on a profile that never ran (no ~/.pki)."""
    certutil = require_binary("certutil")  # libnss3-tools (scripts/test installs it)
    code, stdout, _ = cert("dev", "-d", "app.test", "-o", tmp_path / "out")
    assert code == 0
    (line,) = [line for line in stdout.splitlines() if "Chrome/Chromium" in line]
    command = line.split(": ", 1)[1]
    ca = data_dir / "dev-ca" / "ca.pem"
    assert command == (f'mkdir -p "$HOME/.pki/nssdb" && certutil -d sql:"$HOME/.pki/nssdb" -A '
                       f"-t C,, -n 'tlsconf development CA' -i {ca}")
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": f"{Path(certutil).parent}:/usr/bin:/bin"}
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([certutil, "-d", f"sql:{home}/.pki/nssdb", "-L"], env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    assert [line.split() for line in listed.stdout.splitlines()[4:]] == [
        ["tlsconf", "development", "CA", "C,,"]]


# --- real servers ---------------------------------------------------------------------------
@pytest.mark.e2e
def test_dev_output_validates_on_every_default_target(tmp_path: Path, data_dir: Path) -> None:
    for binary in ("nginx", "haproxy", "traefik"):
        require_binary(binary)
    out = tmp_path / "out"
    assert cert("dev", "-d", "app.test", "-o", out)[0] == 0
    spec = tmp_path / "s.yaml"
    spec.write_text(spec_for(out / "app.test.pem", out / "app.test.key"))
    result = CliRunner().invoke(app, ["validate", str(spec), "--target", "all"])
    assert result.exit_code == 0, result.stderr
    assert [line.split(":")[:2] for line in result.stdout.splitlines()] == [
        ["nginx", " ok"], ["haproxy", " ok"], ["traefik", " ok"]]


@pytest.mark.e2e
def test_nginx_admits_the_dev_client_certificate(tmp_path: Path, data_dir: Path) -> None:
    require_binary("nginx")
    assert cert("dev", "-d", "app.test", "-o", tmp_path / "srv")[0] == 0
    assert cert("dev", "--client", "alice", "-o", tmp_path / "cli")[0] == 0
    ca = data_dir / "dev-ca" / "ca.pem"
    port = free_port()
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "mtls.conf").write_text(
        "server {\n"
        f"    listen 127.0.0.1:{port} ssl;\n"
        "    server_name app.test;\n"
        f"    ssl_certificate {tmp_path}/srv/app.test.pem;\n"
        f"    ssl_certificate_key {tmp_path}/srv/app.test.key;\n"
        f"    ssl_client_certificate {ca};\n"
        "    ssl_verify_client on;\n"
        "    return 200 \"$ssl_client_verify $ssl_client_s_dn\";\n"
        "}\n"
    )

    def get(client: tuple[Path, Path] | None) -> tuple[int, str]:
        context = ssl.create_default_context(cafile=str(ca))
        if client is not None:
            context.load_cert_chain(*client)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                context.wrap_socket(raw, server_hostname="app.test") as tls:
            connection = http.client.HTTPConnection("app.test", port, timeout=5)
            connection.sock = tls
            connection.request("GET", "/")
            response = connection.getresponse()
            return response.status, response.read().decode()

    with start_nginx(conf, tmp_path / "work", [port], timeout=15):
        client = (tmp_path / "cli" / "alice-client.pem", tmp_path / "cli" / "alice-client.key")
        assert get(client) == (200, "SUCCESS CN=alice,O=tlsconf development client")
        assert get(None)[0] == 400  # "No required SSL certificate was sent"
