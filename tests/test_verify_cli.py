"""`tlsconf verify` without a server worth the name: what the spec predicts (`expect`), and every
way the command refuses (exit 2, the exact message, no traceback) — bad spec, bad option, an
unreadable certificate file, an endpoint that does not answer, the verify extra missing."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.pki import Leaf
from support.procs import free_port
from typer.testing import CliRunner

from tlsconf import policy
from tlsconf.cli import app
from tlsconf.specfile import load_spec
from tlsconf.verify.behaviour import NO_SNI, UNKNOWN_SNI, HttpAnswer, Served
from tlsconf.verify.expect import TARGET_LIMITS, Certificate, expect

runner = CliRunner()
INTERMEDIATE_ECDSA = frozenset({"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                                "ECDHE-ECDSA-CHACHA20-POLY1305"})


def spec_file(tmp: Path, leaf: Leaf, *, port: int = 8443, tls: str = "",
              extra: str = "") -> Path:
    path = tmp / "site.yaml"
    path.write_text(
        "sites:\n"
        "  - name: app\n"
        "    domains: [a.test, '*.a.test']\n"
        f"    listen: {{address: 0.0.0.0, https_port: {port}, http_port: 8080}}\n"
        f"    tls: {{{tls}certificate: {leaf.cert_path}, key: {leaf.key_path}}}\n"
        "    upstreams: [{address: 127.0.0.1:9000}]\n" + extra)
    return path


def expected(path: Path, target: str | None = None, site: int = 0):  # type: ignore[no-untyped-def]
    loaded = load_spec(str(path))
    sites = policy.resolve(loaded)
    return expect(sites[site], sites, loaded, target)


def chain(leaf: Leaf) -> tuple[str, ...]:
    from tlsconf.certs.files import read_certificates

    certs, _ = read_certificates(str(leaf.cert_path))
    return Certificate.of(certs).chain


def test_intermediate_with_an_ecdsa_certificate(pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Only the ECDSA suites can be served; the chain is the file's, leaf first; no SNI and
    unknown names are refused (no default server); a wildcard is probed with a fixed label."""
    leaf = pki.issue("app", ["a.test", "*.a.test"])
    behaviour = expected(spec_file(tmp_path, leaf))
    assert behaviour.protocols == {"TLSv1.2", "TLSv1.3"}
    assert behaviour.ciphers == INTERMEDIATE_ECDSA
    assert behaviour.groups == {"X25519MLKEM768", "X25519", "prime256v1", "secp384r1"}
    assert len(chain(leaf)) == 2  # issue_leaf writes the leaf and its CA
    assert behaviour.sni == {"a.test": Served(True, chain(leaf)),
                             "tlsconf-verify.a.test": Served(True, chain(leaf)),
                             NO_SNI: Served(False), UNKNOWN_SNI: Served(False)}
    assert (behaviour.client_auth, behaviour.resumption_ids, behaviour.resumption_tickets,
            behaviour.alpn_h2) == ("none", True, None, True)
    assert behaviour.redirect == HttpAnswer(301, "https://a.test:8443/verify")
    hsts = "max-age=63072000; includeSubDomains"
    assert {k: v.hsts for k, v in behaviour.hsts.items()} == {"2xx": hsts, "4xx": hsts}


def test_nginx_limits(pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """nginx 1.22 on OpenSSL 3.0 (the default targets): no X25519MLKEM768, tickets off, no DHE
    without ssl_dhparam (an RSA certificate would serve DHE-RSA otherwise)."""
    leaf = pki.issue("app", ["a.test", "*.a.test"], key_type="rsa")
    path = spec_file(tmp_path, leaf, tls="ciphers: [ECDHE-RSA-AES128-GCM-SHA256, "
                                          "DHE-RSA-AES128-GCM-SHA256], ")
    plain, nginx = expected(path), expected(path, "nginx")
    assert plain.ciphers == {"ECDHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES128-GCM-SHA256"}
    assert nginx.ciphers == {"ECDHE-RSA-AES128-GCM-SHA256"}
    assert nginx.groups == {"X25519", "prime256v1", "secp384r1"}
    assert nginx.resumption_tickets is False
    assert list(TARGET_LIMITS) == ["nginx", "haproxy", "traefik", "envoy", "caddy"]


def test_versions_and_groups_follow_what_can_be_negotiated(pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """TLS 1.1 listed with AEAD suites only cannot be negotiated; in TLS 1.2 alone an ECDSA
    P-256 certificate is served only to clients offering P-256; PQ groups need TLS 1.3."""
    leaf = pki.issue("app", ["a.test"])
    path = spec_file(tmp_path, leaf, tls="protocols: [TLSv1.1, TLSv1.2], ")
    behaviour = expected(path)
    assert behaviour.protocols == {"TLSv1.2"}
    assert behaviour.ciphersuites == frozenset()
    assert behaviour.groups == {"prime256v1"}


def test_the_default_server_answers_without_sni(pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    leaf, other = pki.issue("app", ["a.test"]), pki.issue("www", ["www.test"])
    path = spec_file(tmp_path, leaf, extra=(
        "  - name: www\n    domains: [www.test]\n    default_server: true\n"
        "    listen: {address: 0.0.0.0, https_port: 8443, http_port: 8080}\n"
        f"    tls: {{certificate: {other.cert_path}, key: {other.key_path}}}\n"
        "    upstreams: [{address: 127.0.0.1:9000}]\n"))
    behaviour = expected(path)
    assert behaviour.sni[NO_SNI] == behaviour.sni[UNKNOWN_SNI] == Served(True, chain(other))


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["verify", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_an_endpoint_that_does_not_answer_is_exit_2(pki, here: Path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()  # nothing listens there
    spec_file(here, pki.issue("app", ["a.test"]), port=port)
    assert run("site.yaml") == (
        2, "", f"tlsconf verify: 127.0.0.1:{port}: cannot connect: Connection refused\n")
    code, out, err = run("site.yaml", "--endpoint", f"[::1]:{port}")
    assert (code, out) == (2, "")
    assert err.startswith(f"tlsconf verify: [::1]:{port}: cannot connect: ")



@contextlib.contextmanager
def silent_tls_server(leaf: Leaf) -> Iterator[int]:
    """127.0.0.1:PORT completes every TLS handshake, then never answers a request (a server
    too busy to answer in time): each connection is held until the client closes it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(leaf.cert_path), str(leaf.key_path))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    done = threading.Event()

    def hold(conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(10)
            with ctx.wrap_socket(conn, server_side=True) as tls:
                while not done.is_set() and tls.recv(4096):
                    pass

    def accept() -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                conn, _ = listener.accept()
                threading.Thread(target=hold, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(5)
        listener.close()


def test_a_server_that_does_not_answer_in_time_is_exit_2_not_a_finding(pki, here: Path) -> None:  # type: ignore[no-untyped-def]
    """Handshakes complete but `GET /` gets no answer within --timeout: not measured, so exit 2
    (a busy server never turns into an HSTS or client-certificate finding)."""
    leaf = pki.issue("app", ["a.test"])
    with silent_tls_server(leaf) as port:
        spec_file(here, leaf, port=port)
        assert run("site.yaml", "--timeout", "0.5") == (
            2, "", f"tlsconf verify: 127.0.0.1:{port}: no answer to GET / within 0.5 s (raise "
                   "--timeout for a slow server)\n")

def test_bad_input_is_exit_2_with_its_place(pki, here: Path) -> None:  # type: ignore[no-untyped-def]
    leaf = pki.issue("app", ["a.test"])
    spec_file(here, leaf, tls="protocols: [TLSv9], ")
    assert run("site.yaml") == (2, "", (
        "site.yaml:5:23: sites[0].tls.protocols[0]: Input should be 'SSLv2', 'SSLv3', 'TLSv1', "
        "'TLSv1.1', 'TLSv1.2' or 'TLSv1.3', got 'TLSv9'\n"))
    spec_file(here, leaf)
    leaf.cert_path.write_text("not a certificate\n")
    assert run("site.yaml") == (2, "", "site.yaml:5:24: sites[0].tls.certificate: is neither "
                                       "PEM nor a DER certificate; verify compares the served "
                                       "chain with this file\n")


@pytest.mark.parametrize(("args", "message"), [
    (("--endpoint", "nope"), "--endpoint: 'nope' is not HOST:PORT (e.g. 127.0.0.1:8443, "
                             "[::1]:8443, example.com:443)"),
    (("--against", "127.0.0.1:0"), "--against: '127.0.0.1:0' is not HOST:PORT (e.g. "
                                   "127.0.0.1:8443, [::1]:8443, example.com:443)"),
    (("--client-cert", "c.pem"), "--client-cert and --client-key: give both or neither"),
    (("--site", "nope"), "--site: no site named 'nope'; sites: app"),
    (("--against-http-port", "80"), "--against-http-port needs --against (the server whose "
                                    "plain-HTTP port it is)"),
    (("--against-target", "nginx"), "--against-target needs --against and --target (the two "
                                     "servers' targets)"),
])
def test_bad_options_are_exit_2(pki, here: Path, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    spec_file(here, pki.issue("app", ["a.test"]))
    assert run("site.yaml", *args) == (2, "", message + "\n")


def test_the_missing_extra_is_named(pki, here: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sslyze" else real(name, *a))
    spec_file(here, pki.issue("app", ["a.test"]))
    assert run("site.yaml") == (
        2, "", "tlsconf verify needs the verify extra: pip install 'tlsconf[verify]'\n")


def test_what_a_server_sends_cannot_inject_into_messages() -> None:
    """Location and Strict-Transport-Security come from the server: printable ASCII, bounded."""
    import socket

    from tlsconf.verify.probe import _request

    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(b"HTTP/1.1 301 Moved\r\nLocation: https://a.test/\x1b[2J\x07\r\n"
                       b"Strict-Transport-Security: max-age=1\x1b]0;x\r\n"
                       b"Content-Length: 0\r\n\r\n")
        answer = _request(ours, "/verify", "a.test")
    assert answer == HttpAnswer(301, "https://a.test/\\u001b[2J\\u0007",
                                "max-age=1\\u001b]0;x")
