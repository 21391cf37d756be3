"""One endpoint → the `Behaviour` it shows for one site, and what the client could `Offered`.

The handshake matrix (versions, suites, groups, resumption, whether a client certificate is
asked for) is sslyze's (`scan.py`), X25519MLKEM768 offered alone is `pq.py`'s; the rest uses
the standard library's client API while sslyze runs:

- SNI: one handshake per site domain (`*.x` as `tlsconf-verify.x`), one without SNI and one
  for `verify-unknown.invalid`: refused, or the chain served (SHA-256 of each certificate, as
  sent, leaf first).
- ALPN: h2 and http/1.1 offered, h2 chosen or not.
- HTTP over TLS (`http.client`): `GET /` with the site's Host, then for a 4xx answer
  `GET /%zz` (an invalid percent-encoding: nginx answers 400 itself, from the site's server
  block, `add_header ... always` included) and, when that was not refused (HAProxy and Envoy
  pass it to the upstream), `GET /.well-known/tlsconf-verify/not-found` (the upstream's 404,
  with the headers the proxy adds). Each answer's Strict-Transport-Security is filed under its
  status class; a class no request got is left out, and compare notes it. docs/verify.md has
  the table measured on the five targets.
- Client certificates: sslyze says whether the server asks for one; "required" when, without
  one, the handshake or `GET /` is refused (handshake failure, closed connection, or 400, 403,
  495, 496 — nginx's `ssl_verify_client on` answers 400), "optional" when it is served.
  With `client_cert` the HTTP checks present it (so HSTS is measured on mTLS sites).
- Plain HTTP: `GET /verify` with the site's Host on the HTTP port: status and Location.

Every socket has `timeout`; sslyze's scan is joined with `deadline`. Only `host` is contacted.
A TCP connection that cannot be made, or a handshake that times out, is `Unreachable`.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import socket
import ssl
import threading
from collections.abc import Iterator, Sequence

from msgspec import Struct

from tlsconf.certs.issues import safe_text
from tlsconf.names import PROTOCOLS
from tlsconf.verify.behaviour import (
    NO_SNI,
    REDIRECT_PATH,
    UNKNOWN_SNI,
    Behaviour,
    HttpAnswer,
    Offered,
    Served,
)
from tlsconf.verify.scan import Matrix, Unreachable, bracket, scan

UNKNOWN_NAME = "verify-unknown.invalid"
# The requests for a 4xx answer, in turn until one gets it (see the module docstring).
CLIENT_ERROR_PATHS = ("/%zz", "/.well-known/tlsconf-verify/not-found")
REFUSED_STATUSES = frozenset({400, 403, 495, 496})  # "no client certificate" answers
PQ_GROUP = "X25519MLKEM768"
EXTRA = ("sslyze", "tlslite", "kyber_py")  # the modules `tlsconf[verify]` brings


class MissingExtra(Exception):
    pass


def require_extra() -> None:
    """Raise MissingExtra unless the verify extra's libraries can be imported."""
    import importlib.util

    missing = [m for m in EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingExtra(", ".join(missing))


class Plan(Struct, frozen=True):
    """What to measure for one site on one endpoint."""

    host: str  # the address connected to (never resolved from a spec name)
    port: int
    sni: str  # the name of the matrix's ClientHellos and of the HTTP Host header
    names: tuple[str, ...]  # the SNI cases besides none and unknown: the site's domains
    http_port: int | None = None  # None: no plain-HTTP check
    client_cert: tuple[str, str] | None = None  # (certificate, key) for the HTTP checks
    timeout: float = 5.0
    deadline: float = 60.0

    @property
    def endpoint(self) -> str:
        return f"{bracket(self.host)}:{self.port}"


def connect_host(address: str) -> str:
    """The address to connect to for a listen address: a wildcard means this host's loopback
    of that family (the one address a wildcard listener is sure to accept on)."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "*": "127.0.0.1"}.get(address, address)


def probe(plan: Plan) -> tuple[Behaviour, Offered]:
    """Measure `plan` on its endpoint. Raises Unreachable."""
    from tlsconf.verify import pq
    from tlsconf.verify import scan as sslyze_scan

    pq.load()  # both before the worker thread starts (scan.load says why)
    sslyze_scan.load()
    client = _Client(plan)
    client.reachable()
    box: dict[str, Matrix | BaseException] = {}

    def run() -> None:
        try:
            box["matrix"] = scan(plan.host, plan.port, plan.sni, timeout=plan.timeout,
                                 deadline=plan.deadline)
        except BaseException as exc:
            box["matrix"] = exc

    worker = threading.Thread(target=run, name="tlsconf-verify-scan", daemon=True)
    worker.start()  # a daemon: when a check below raises, the run ends without waiting for it
    sni = {name: client.served(name) for name in plan.names}
    sni[NO_SNI] = client.served(None)
    sni[UNKNOWN_SNI] = client.served(UNKNOWN_NAME)
    alpn = client.alpn_h2()
    pq_ok = client.pq_accepted()
    hsts, plain_served = client.https_answers(with_cert=False)
    cert_served = None
    if plan.client_cert is not None:
        hsts, cert_served = client.https_answers(with_cert=True)
    redirect = client.redirect()
    ids, tickets = client.resumes(tickets=False), client.resumes(tickets=True)
    worker.join(plan.deadline + plan.timeout)  # scan() itself gives up at the deadline
    matrix = box.get("matrix")
    if isinstance(matrix, BaseException) or matrix is None:
        raise matrix if isinstance(matrix, Unreachable) else Unreachable(
            f"{plan.endpoint}: the scan did not finish: {matrix!r}")
    groups = matrix.groups | ({PQ_GROUP} if pq_ok else frozenset())
    if not matrix.asks_client_cert:
        client_auth = "none"
    else:
        client_auth = "optional" if plain_served else "required"
    behaviour = Behaviour(
        protocols=matrix.protocols, ciphers=matrix.ciphers, ciphersuites=matrix.ciphersuites,
        groups=groups, sni=sni, client_auth=client_auth,
        # TLS 1.2 resumption: None where the server speaks no version below TLS 1.3.
        resumption_ids=ids if matrix.protocols - {"TLSv1.3"} else None,
        resumption_tickets=tickets if matrix.protocols - {"TLSv1.3"} else None,
        alpn_h2=alpn, redirect=redirect, hsts=hsts, client_cert_accepted=cert_served)
    offered = Offered(protocols=frozenset(PROTOCOLS), ciphers=matrix.offered_ciphers,
                      ciphersuites=matrix.offered_ciphersuites,
                      groups=matrix.offered_groups | {PQ_GROUP})
    return behaviour, offered


class _Client:
    """The standard-library checks of one plan. No certificate is verified: what is served
    is compared with the spec's files, not judged against a trust store."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def _context(self, alpn: Sequence[str] = (), with_cert: bool = False) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if alpn:
            ctx.set_alpn_protocols(list(alpn))
        if with_cert and self.plan.client_cert is not None:
            ctx.load_cert_chain(*self.plan.client_cert)
        return ctx

    def _tcp(self, port: int) -> socket.socket:
        try:
            return socket.create_connection((self.plan.host, port), timeout=self.plan.timeout)
        except OSError as error:
            raise Unreachable(f"{bracket(self.plan.host)}:{port}: cannot connect: "
                              f"{error.strerror or error}") from None

    def reachable(self) -> None:
        self._tcp(self.plan.port).close()

    @contextlib.contextmanager
    def _tls(self, sni: str | None, ctx: ssl.SSLContext, session: ssl.SSLSession | None = None
             ) -> Iterator[ssl.SSLSocket | None]:
        """A handshake with `sni` (resuming `session`); None when the server refuses it."""
        raw = self._tcp(self.plan.port)
        try:
            try:
                sock = ctx.wrap_socket(raw, server_hostname=sni, session=session)
            except TimeoutError:
                raise Unreachable(f"{self.plan.endpoint}: the handshake timed out after "
                                  f"{self.plan.timeout:g} s") from None
            except (ssl.SSLError, ConnectionError):
                yield None
                return
            with sock:
                yield sock
        finally:
            raw.close()

    def served(self, sni: str | None) -> Served:
        with self._tls(sni, self._context()) as sock:
            if sock is None:
                return Served(False)
            return Served(True, _chain(sock))

    def resumes(self, tickets: bool) -> bool | None:
        """TLS 1.2 resumption by session ID (the client sends no ticket) or by session ticket
        (one issued in the first handshake): the session resumed in the second handshake; None
        when no TLS 1.2 handshake completes. With the client certificate, if any: sslyze's
        resumption scan cannot present one, and wants a server to hand back the very ticket it
        was offered, which Go's crypto/tls (Traefik, Caddy) never does (measured: it sends a
        fresh one on each resumption)."""
        ctx = self._context(with_cert=True)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if not tickets:
            ctx.options |= ssl.OP_NO_TICKET
        with self._tls(self.plan.sni, ctx) as first:
            if first is None:
                return None
            session = first.session
        if session is None or (tickets and not session.has_ticket):
            return False
        with self._tls(self.plan.sni, ctx, session) as second:
            return bool(second is not None and second.session_reused)

    def alpn_h2(self) -> bool | None:
        with self._tls(self.plan.sni, self._context(("h2", "http/1.1"))) as sock:
            return None if sock is None else sock.selected_alpn_protocol() == "h2"

    def pq_accepted(self) -> bool:
        from tlsconf.verify.pq import tls13_group

        try:
            picked = tls13_group(self.plan.host, self.plan.port, self.plan.sni, [PQ_GROUP],
                                 timeout=self.plan.timeout)
        except OSError as error:
            raise Unreachable(f"{self.plan.endpoint}: cannot connect: {error}") from None
        return picked == PQ_GROUP

    def https_answers(self, with_cert: bool) -> tuple[dict[str, HttpAnswer], bool]:
        """HSTS by status class, and whether `GET /` was served (not refused)."""
        answers: dict[str, HttpAnswer] = {}
        served = False
        for path in ("/", *CLIENT_ERROR_PATHS):
            if path != "/" and "4xx" in answers:
                break  # one 4xx answer is the case measured
            answer = self._get(path, with_cert)
            if path == "/":
                served = answer is not None and answer.status not in REFUSED_STATUSES
            if answer is not None and answer.status // 100 in (2, 4):
                answers.setdefault(f"{answer.status // 100}xx", answer)
        return answers, served

    def _get(self, path: str, with_cert: bool) -> HttpAnswer | None:
        with self._tls(self.plan.sni, self._context(("http/1.1",), with_cert)) as sock:
            if sock is None:
                return None
            try:
                return _request(sock, path, self.plan.sni)
            except TimeoutError:  # slow is not refused: never a finding from a busy server
                raise self._slow(f"GET {path}") from None
            except (OSError, http.client.HTTPException):
                return None  # closed without an answer: refused (mTLS in TLS 1.3)

    def redirect(self) -> HttpAnswer | None:
        if self.plan.http_port is None:
            return None
        try:
            sock = socket.create_connection((self.plan.host, self.plan.http_port),
                                            timeout=self.plan.timeout)
        except TimeoutError:
            raise self._slow("connecting to the HTTP port", self.plan.http_port) from None
        except OSError:
            return HttpAnswer(0)  # nothing listens: no redirect
        with sock:
            try:
                return _request(sock, REDIRECT_PATH, self.plan.sni)
            except TimeoutError:
                raise self._slow(f"GET {REDIRECT_PATH}", self.plan.http_port) from None
            except (OSError, http.client.HTTPException):
                return HttpAnswer(0)

    def _slow(self, what: str, port: int | None = None) -> Unreachable:
        """No answer within the timeout: exit 2 (what was not measured is never judged)."""
        where = f"{bracket(self.plan.host)}:{port or self.plan.port}"
        return Unreachable(f"{where}: no answer to {what} within {self.plan.timeout:g} s "
                           "(raise --timeout for a slow server)")


def _request(sock: socket.socket, path: str, host: str) -> HttpAnswer:
    connection = http.client.HTTPConnection(host)
    connection.sock = sock
    connection.request("GET", path, headers={"Host": host, "Connection": "close",
                                             "User-Agent": "tlsconf-verify"})
    response = connection.getresponse()
    response.read(65536)
    hsts = response.headers.get_all("Strict-Transport-Security")
    location = response.getheader("Location")
    # What the server sends reaches messages and terminals: printable ASCII, bounded.
    return HttpAnswer(response.status, None if location is None else safe_text(location),
                      safe_text(", ".join(hsts)) if hsts else None)


def _chain(sock: ssl.SSLSocket) -> tuple[str, ...]:
    """SHA-256 of each certificate as sent, leaf first (the leaf alone where Python cannot
    give the chain)."""
    getter = getattr(getattr(sock, "_sslobj", None), "get_unverified_chain", None)
    if getter is not None:
        with contextlib.suppress(Exception):
            chain = getter() or []
            return tuple(hashlib.sha256(c.public_bytes(ssl._ssl.ENCODING_DER)).hexdigest()  # type: ignore[attr-defined]
                         for c in chain)
    leaf = sock.getpeercert(binary_form=True)
    return (hashlib.sha256(leaf).hexdigest(),) if leaf else ()
