"""TLS client probes for e2e tests: "what does this server on 127.0.0.1:PORT accept?"

Built on Python's ``ssl`` (the system OpenSSL 3.0) plus, where Python has no API,
``openssl s_client`` from the same OpenSSL. Design decisions:

* **Refused vs broken.** ``handshake`` returns ``None`` only when the *server* refuses
  (alert, reset, EOF during the handshake). Problems on our side raise instead:
  ``ClientCannotOffer`` when the local OpenSSL cannot even offer the requested
  version/cipher (so "not accepted" is never a silent client limitation), connection
  refused / timeouts propagate, and certificate verification errors raise
  ``ssl.SSLCertVerificationError``.
* **Offering legacy protocols.** OpenSSL 3.0 refuses to *offer* TLS 1.0/1.1 and
  SHA-1/legacy suites at the default security level, so every context uses
  ``@SECLEVEL=0`` in its cipher string and ``OP_LEGACY_SERVER_CONNECT``.
  ``version`` pins min = max.
* **TLS 1.3 cipher suites.** Python (≤3.12) cannot set TLS 1.3 suites, so
  ``accepted_tls13_suites`` runs ``openssl s_client -tls1_3 -ciphersuites X`` once per
  suite (stdin closed, 10 s timeout); exit status 0 + the echoed suite = accepted.
  Same for ``negotiated_group`` (parses ``-brief`` output).
* **TLS 1.3 post-handshake surprises.** Session tickets, and a server's *rejection of
  a missing/bad client certificate*, arrive after the client considers the handshake
  done. ``resumes`` therefore does an HTTP round trip before reading ``sock.session``,
  and ``handshake(..., settle=0.5)`` waits for a late alert (use it for mTLS checks).
* **Post-quantum groups.** The local OpenSSL 3.0 cannot offer ``X25519MLKEM768``:
  ``tls13_group`` handshakes with tlsconf's own PQ client (``tlsconf.verify.pq``: tlslite-ng
  + kyber-py) instead, offering exactly the groups asked for, and reports the one picked.
* **TLS 1.2 + ECDSA + groups.** In TLS 1.2 the client's supported_groups also limit
  the ECDSA *certificate* curve: offering only ``secp384r1`` to a P-256 cert fails.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .procs import LOCALHOST, find_binary
from .upstream import read_ws_frame, websocket_accept, ws_frame

VERSIONS: dict[str, ssl.TLSVersion] = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
TLS13_SUITES = (
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256",
    "TLS_AES_128_CCM_8_SHA256",
)
_S_CLIENT_VERSION_FLAG = {
    "TLSv1": "-tls1",
    "TLSv1.1": "-tls1_1",
    "TLSv1.2": "-tls1_2",
    "TLSv1.3": "-tls1_3",
}
# OpenSSL reasons that mean "our client could not build a ClientHello", not "server said no".
_LOCAL_REASONS = {"NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_CIPHER_MATCH"}
_ALL_LEGACY = "ALL:@SECLEVEL=0"
# Python exposes ssl.OP_LEGACY_SERVER_CONNECT only from 3.12; OpenSSL's value is 1 << 2.
OP_LEGACY_SERVER_CONNECT = getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)


class ClientCannotOffer(ValueError):
    """The local OpenSSL cannot offer the requested version/cipher at all."""


@dataclass
class Result:
    """A completed handshake."""

    version: str  # "TLSv1.2"
    cipher: str  # OpenSSL name (IANA-style TLS_* for TLS 1.3)
    bits: int
    peer_cert_der: bytes | None
    peer_chain_der: list[bytes] = field(default_factory=list)  # as sent, leaf first
    alpn: str | None = None
    session_reused: bool = False

    @property
    def peer_cert(self) -> x509.Certificate:
        assert self.peer_cert_der, "server sent no certificate"
        return x509.load_der_x509_certificate(self.peer_cert_der)

    @property
    def peer_dns_names(self) -> list[str]:
        san = self.peer_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        return list(san.value.get_values_for_type(x509.DNSName))

    @property
    def peer_key_type(self) -> str:
        key = self.peer_cert.public_key()
        if isinstance(key, ec.EllipticCurvePublicKey):
            return "ecdsa"
        if isinstance(key, rsa.RSAPublicKey):
            return "rsa"
        return type(key).__name__


def client_context(
    *,
    version: str | None = None,
    cipher: str | None = None,
    cafile: str | os.PathLike[str] | None = None,
    client_cert: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
    groups: str | Iterable[str] | None = None,
    alpn: Iterable[str] | None = None,
    check_hostname: bool = True,
) -> ssl.SSLContext:
    """An ``SSLContext`` able to offer anything the local OpenSSL supports.

    No ``cafile`` → no verification at all. With ``cafile`` → chain is verified, and the
    hostname too when ``check_hostname`` (callers turn it off when there is no SNI).
    ``groups``: Python only exposes ``set_ecdh_curve`` (a single group).
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.options |= OP_LEGACY_SERVER_CONNECT
    if version is not None:
        if version not in VERSIONS:
            raise ValueError(f"version must be one of {list(VERSIONS)}, not {version!r}")
        with warnings.catch_warnings():  # TLSVersion.TLSv1/TLSv1_1 are deprecated (on purpose)
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ctx.maximum_version = VERSIONS[version]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    try:
        ctx.set_ciphers(f"{cipher}:@SECLEVEL=0" if cipher else _ALL_LEGACY)
    except ssl.SSLError as exc:
        raise ClientCannotOffer(f"local OpenSSL does not know cipher {cipher!r}") from exc
    if cafile is not None:
        ctx.load_verify_locations(cafile=str(cafile))
        ctx.check_hostname = check_hostname
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if client_cert is not None:
        ctx.load_cert_chain(str(client_cert[0]), str(client_cert[1]))
    if groups is not None:
        group_list = [groups] if isinstance(groups, str) else list(groups)
        if len(group_list) != 1:
            raise ValueError("Python's ssl can pin exactly one group; use negotiated_group()")
        ctx.set_ecdh_curve(group_list[0])
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


@contextlib.contextmanager
def tls_connect(
    port: int,
    sni: str | None,
    ctx: ssl.SSLContext,
    *,
    timeout: float = 5.0,
    session: ssl.SSLSession | None = None,
) -> Iterator[ssl.SSLSocket]:
    """Connect to 127.0.0.1:port and handshake; SSL errors propagate unchanged."""
    raw = socket.create_connection((LOCALHOST, port), timeout=timeout)
    try:
        sock = ctx.wrap_socket(raw, server_hostname=sni, session=session)
    except BaseException:
        raw.close()
        raise
    try:
        yield sock
    finally:
        sock.close()


def _is_local_error(exc: ssl.SSLError) -> bool:
    return (getattr(exc, "reason", None) or "") in _LOCAL_REASONS


def _result(sock: ssl.SSLSocket) -> Result:
    name, _proto, bits = sock.cipher() or ("", "", 0)
    chain: list[bytes] = []
    sslobj = getattr(sock, "_sslobj", None)
    get_chain = getattr(sslobj, "get_unverified_chain", None)  # private in 3.11/3.12
    if get_chain is not None:
        with contextlib.suppress(Exception):
            chain = [c.public_bytes(ssl._ssl.ENCODING_DER) for c in get_chain() or []]  # type: ignore[attr-defined]
    return Result(
        version=sock.version() or "",
        cipher=name,
        bits=bits or 0,
        peer_cert_der=sock.getpeercert(binary_form=True),
        peer_chain_der=chain,
        alpn=sock.selected_alpn_protocol(),
        session_reused=bool(sock.session_reused),
    )


def handshake(
    port: int,
    sni: str | None,
    *,
    version: str | None = None,
    cipher: str | None = None,
    cafile: str | os.PathLike[str] | None = None,
    client_cert: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
    groups: str | Iterable[str] | None = None,
    alpn: Iterable[str] | None = None,
    timeout: float = 5.0,
    settle: float = 0.0,
) -> Result | None:
    """One handshake with 127.0.0.1:port; ``None`` if the server refuses it.

    ``sni=None`` sends no SNI extension (and disables hostname checks). ``cipher`` is an
    OpenSSL ≤TLS1.2 name (for 1.3 suites see ``accepted_tls13_suites``). ``settle`` > 0
    waits that long for a post-handshake alert (TLS 1.3 client-certificate rejection).
    """
    if cipher is not None and version == "TLSv1.3":
        raise ValueError("TLS 1.3 suites cannot be pinned via Python; use accepted_tls13_suites")
    ctx = client_context(
        version=version,
        cipher=cipher,
        cafile=cafile,
        client_cert=client_cert,
        groups=groups,
        alpn=alpn,
        check_hostname=sni is not None,
    )
    try:
        with tls_connect(port, sni, ctx, timeout=timeout) as sock:
            result = _result(sock)
            if settle > 0:
                sock.settimeout(settle)
                try:
                    if sock.recv(1) == b"":
                        return None  # server closed right after the handshake
                except TimeoutError:
                    pass
            return result
    except ssl.SSLCertVerificationError:
        raise
    except ssl.SSLError as exc:
        if _is_local_error(exc):
            raise ClientCannotOffer(
                f"cannot offer version={version} cipher={cipher}: {exc}"
            ) from exc
        return None
    except (ConnectionResetError, BrokenPipeError):
        return None


def accepted_protocols(port: int, sni: str | None, **kw: Any) -> list[str]:
    """Which of TLSv1 … TLSv1.3 the server completes a handshake with (one each)."""
    return [v for v in VERSIONS if handshake(port, sni, version=v, **kw) is not None]


def local_ciphers() -> list[str]:
    """Every ≤TLS1.2 cipher the local OpenSSL knows (``ALL:COMPLEMENTOFALL@SECLEVEL=0``)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    return [c["name"] for c in ctx.get_ciphers() if c["protocol"] != "TLSv1.3"]


def accepted_ciphers(
    port: int,
    sni: str | None,
    version: str = "TLSv1.2",
    candidates: Iterable[str] | None = None,
    **kw: Any,
) -> list[str]:
    """The ≤TLS1.2 ciphers the server accepts at ``version``, one handshake per candidate.

    Candidates the local client cannot offer at that version (e.g. GCM at TLSv1, PSK
    without a PSK identity) or does not know at all (Debian's OpenSSL 3.0 has no 3DES/RC4:
    ``DES-CBC3-SHA`` can never be seen here -- use sslyze for that) are skipped, so
    intersect with ``local_ciphers()`` when absence matters. Order follows ``candidates``.
    """
    if version == "TLSv1.3":
        raise ValueError("use accepted_tls13_suites() for TLS 1.3")
    accepted = []
    for name in local_ciphers() if candidates is None else candidates:
        try:
            result = handshake(port, sni, version=version, cipher=name, **kw)
        except ClientCannotOffer:
            continue
        if result is not None:
            accepted.append(result.cipher)
    return accepted


# -- openssl s_client helpers --------------------------------------------------------
def s_client(
    port: int, sni: str | None, *args: str, timeout: float = 10.0
) -> subprocess.CompletedProcess[str]:
    """Run ``openssl s_client -connect 127.0.0.1:port`` with stdin closed (bounded)."""
    openssl = find_binary("openssl")
    if openssl is None:
        raise FileNotFoundError("openssl binary not found")
    argv = [openssl, "s_client", "-connect", f"{LOCALHOST}:{port}"]
    argv += ["-servername", sni] if sni else ["-noservername"]
    return subprocess.run(
        [*argv, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _brief_field(output: str, label: str) -> str | None:
    m = re.search(rf"^{re.escape(label)}:\s*(.+)$", output, re.MULTILINE)
    return m.group(1).strip() if m else None


def accepted_tls13_suites(
    port: int, sni: str | None, candidates: Iterable[str] = TLS13_SUITES
) -> list[str]:
    """TLS 1.3 suites the server accepts (one ``s_client -ciphersuites X`` each)."""
    accepted = []
    for suite in candidates:
        proc = s_client(port, sni, "-tls1_3", "-ciphersuites", suite, "-brief")
        out = proc.stdout + proc.stderr
        if proc.returncode == 0 and _brief_field(out, "Ciphersuite") == suite:
            accepted.append(suite)
    return accepted


def negotiated_group(
    port: int, sni: str | None, version: str = "TLSv1.3", groups: str | None = None
) -> str | None:
    """The key-exchange group the server picks (e.g. ``X25519``, ``prime256v1``).

    ``groups`` is passed to ``s_client -groups`` (colon list, client preference order).
    Returns None if the handshake fails. Parses OpenSSL 3.2+'s "Negotiated TLS1.3
    group" and 3.0's "Server Temp Key: X25519, 253 bits" / "ECDH, prime256v1, 256 bits".
    """
    args = [_S_CLIENT_VERSION_FLAG[version], "-brief"]
    if groups:
        args += ["-groups", groups]
    proc = s_client(port, sni, *args)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        return None
    group = _brief_field(out, "Negotiated TLS1.3 group")
    if group:
        return group
    temp = _brief_field(out, "Server Temp Key")
    if not temp:
        return None
    parts = [p.strip() for p in temp.split(",")]
    if parts[0] in ("ECDH", "DH") and len(parts) >= 3:
        return parts[1]
    if parts[0] == "DH":
        return f"DH-{parts[1].split()[0]}"
    return parts[0]


# -- post-quantum key exchange (tlslite-ng + kyber-py: tlsconf.verify.pq) --------------------------
def tls13_group(
    port: int, sni: str | None, groups: Iterable[str], *, timeout: float = 10.0
) -> str | None:
    """The group a TLS 1.3 server on 127.0.0.1:port picks from ``groups`` (OpenSSL names,
    client preference order), or ``None`` when it refuses: tlsconf's own PQ client
    (``tlsconf.verify.pq``), since the local OpenSSL 3.0 cannot offer X25519MLKEM768."""
    from tlsconf.verify.pq import tls13_group as pq_group

    return pq_group(LOCALHOST, port, sni, groups, timeout=timeout)


# -- resumption --------------------------------------------------------------------------
def _http_roundtrip(sock: ssl.SSLSocket, host: str) -> None:
    """Send a tiny request and drain the reply so TLS 1.3 tickets get processed."""
    sock.sendall(f"HEAD / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    with contextlib.suppress(TimeoutError, ssl.SSLError, OSError):
        while sock.recv(65536):
            pass


def resumes(
    port: int,
    sni: str | None,
    version: str = "TLSv1.2",
    *,
    cafile: str | os.PathLike[str] | None = None,
    timeout: float = 5.0,
) -> bool:
    """Does a second connection resume the first one's session?

    Both connections share one context. The first does an HTTP round trip (``HEAD /``,
    which reaches the backend) before ``sock.session`` is read: TLS 1.3 tickets arrive
    after the handshake, so the session is only resumable once the client has read
    past them. The second connection only handshakes.
    """
    ctx = client_context(version=version, cafile=cafile, check_hostname=sni is not None)
    host = sni or LOCALHOST
    with tls_connect(port, sni, ctx, timeout=timeout) as first:
        _http_roundtrip(first, host)
        session = first.session
    if session is None:
        return False
    with tls_connect(port, sni, ctx, timeout=timeout, session=session) as second:
        return bool(second.session_reused)


# -- HTTP over TLS / plain -----------------------------------------------------------
class Headers:
    """Case-insensitive response headers keeping every value of repeated headers."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = list(items)

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [v for k, v in self._items if k.lower() == key]

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.get_all(name)
        return values[0] if values else default

    def __getitem__(self, name: str) -> str:
        values = self.get_all(name)
        if not values:
            raise KeyError(name)
        return values[0]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.get_all(name))

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass
class Response:
    status: int
    reason: str
    headers: Headers
    body: bytes
    tls: Result | None = None  # the handshake, for https_get

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _request(
    sock: socket.socket,
    method: str,
    path: str,
    host: str,
    headers: dict[str, str] | None,
    body: bytes | None,
) -> tuple[int, str, Headers, bytes]:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    extra = dict(headers or {})
    if body is not None:
        extra.setdefault("Content-Length", str(len(body)))
    extra.setdefault("Connection", "close")
    lines += [f"{k}: {v}" for k, v in extra.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
    resp = http.client.HTTPResponse(sock, method=method)
    try:
        resp.begin()
        data = resp.read()
    finally:
        resp.close()
    return resp.status, resp.reason, Headers(resp.getheaders()), data


def https_get(
    port: int,
    sni: str | None,
    path: str = "/",
    host: str | None = None,
    cafile: str | os.PathLike[str] | None = None,
    client_cert: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
    headers: dict[str, str] | None = None,
    *,
    method: str = "GET",
    body: bytes | None = None,
    version: str | None = None,
    timeout: float = 5.0,
) -> Response:
    """One raw HTTP/1.1 request over TLS (``Connection: close``; redirects not followed).

    ``host`` defaults to ``sni``; pass a different one to test SNI/Host mismatches.
    """
    ctx = client_context(
        version=version, cafile=cafile, client_cert=client_cert, check_hostname=sni is not None
    )
    with tls_connect(port, sni, ctx, timeout=timeout) as sock:
        tls = _result(sock)
        status, reason, hdrs, data = _request(
            sock, method, path, host or sni or LOCALHOST, headers, body
        )
    return Response(status, reason, hdrs, data, tls)


def http_get(
    port: int,
    path: str = "/",
    host: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    method: str = "GET",
    timeout: float = 5.0,
) -> Response:
    """Plain-HTTP request (port-80-style checks, e.g. the HTTPS redirect)."""
    with socket.create_connection((LOCALHOST, port), timeout=timeout) as sock:
        status, reason, hdrs, data = _request(sock, method, path, host or LOCALHOST, headers, None)
    return Response(status, reason, hdrs, data)


def websocket_echo(
    port: int,
    sni: str | None,
    path: str = "/",
    host: str | None = None,
    message: bytes = b"hello",
    *,
    tls: bool = True,
    cafile: str | os.PathLike[str] | None = None,
    timeout: float = 5.0,
) -> bytes:
    """Upgrade to WebSocket through the proxy, send one text frame, return the echo.

    Raises ``AssertionError`` with the response head if the upgrade is not a valid 101.
    Works against ``support.upstream.Upstream`` behind the proxy.
    """
    key = base64.b64encode(os.urandom(16)).decode()
    raw = socket.create_connection((LOCALHOST, port), timeout=timeout)
    sock: socket.socket = raw
    try:
        if tls:
            ctx = client_context(cafile=cafile, check_hostname=sni is not None)
            sock = ctx.wrap_socket(raw, server_hostname=sni)
        req = (
            f"GET {path} HTTP/1.1\r\nHost: {host or sni or LOCALHOST}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        sock.sendall(req.encode())
        rfile = sock.makefile("rb")
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = rfile.readline(65537)
            if not line:
                break
            head += line
        text = head.decode("latin-1")
        assert text.startswith("HTTP/1.1 101"), f"no 101 upgrade:\n{text}"
        assert websocket_accept(key) in text, f"bad Sec-WebSocket-Accept:\n{text}"
        sock.sendall(ws_frame(0x1, message, mask=os.urandom(4)))
        frame = read_ws_frame(rfile)
        assert frame is not None, "connection closed before the echo"
        with contextlib.suppress(OSError):
            sock.sendall(ws_frame(0x8, b"\x03\xe8", mask=os.urandom(4)))
        return frame[1]
    finally:
        sock.close()
        if sock is not raw:
            raw.close()


def peer_chain_pem(port: int, sni: str | None) -> list[str]:
    """The certificate chain exactly as served (``s_client -showcerts``), leaf first."""
    proc = s_client(port, sni, "-showcerts")
    return re.findall(
        r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", proc.stdout, re.DOTALL
    )


def read_pem_certs(path: str | os.PathLike[str]) -> list[x509.Certificate]:
    """Load every certificate of a PEM file (e.g. to compare with ``peer_chain_der``)."""
    return x509.load_pem_x509_certificates(Path(path).read_bytes())


def get_on_session(
    port: int, ctx: ssl.SSLContext, sni: str, session: ssl.SSLSession | None = None
) -> tuple[int | None, ssl.SSLSession | None, bool]:
    """(status or None if the TLS connection failed, session, resumed?) of one `GET /`,
    offering `session`: for cross-site resumption checks (mTLS must not be skipped)."""
    try:
        with tls_connect(port, sni, ctx, session=session) as sock:
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {sni}\r\nConnection: close\r\n\r\n".encode())
            response = http.client.HTTPResponse(sock)  # type: ignore[arg-type]
            response.begin()
            response.read()
            return response.status, sock.session, sock.session_reused
    except (ssl.SSLError, OSError):
        return None, None, False
