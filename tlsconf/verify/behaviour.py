"""What a TLS endpoint does, as one record: predicted from a spec or measured on a server.

`tlsconf verify` is a comparison of two `Behaviour`s. `expect` predicts one from a site's
resolved policy (and, with a target, the limits that target documents); `probe` measures one on
a running endpoint; `compare` turns every field where two behaviours differ into a finding with
a stable TLS9xx id. The differential mode (`--against`) compares two measured behaviours, and
the per-target differences it tolerates are `compare(expect(site, a), expect(site, b))`. So the
data flows one way: spec → policy → expected behaviour; endpoint → measured behaviour; both →
differences → findings.

Every set is relative to what the probing client could offer (`Offered`): a suite the client
cannot offer is neither accepted nor refused, and is left out of both sides before comparing.
Names are tlsconf's own vocabulary (`tlsconf.names`, `tlsconf.suites`): protocol names as in
`names.PROTOCOLS`, TLS <= 1.2 suites by OpenSSL name, TLS 1.3 suites and groups by their
OpenSSL/IANA names (`X25519MLKEM768`, `prime256v1`).
"""

from __future__ import annotations

from msgspec import Struct

NO_SNI = "(no SNI)"  # key of `Behaviour.sni` for a ClientHello without server_name
REDIRECT_PATH = "/verify"  # the plain-HTTP request of the redirect check
UNKNOWN_SNI = "(unknown SNI)"  # key for a name no site serves (`verify-unknown.invalid`)


class Offered(Struct, frozen=True):
    """What the probing client can put in a ClientHello: the universe each set is judged in."""

    protocols: frozenset[str]
    ciphers: frozenset[str]  # TLS <= 1.2 suites (OpenSSL names) offerable at some version
    ciphersuites: frozenset[str]  # TLS 1.3 suites
    groups: frozenset[str]  # groups offerable alone in a TLS 1.3 ClientHello


class Served(Struct, frozen=True):
    """The answer to one ClientHello's server_name: refused, or the chain sent."""

    accepted: bool
    chain: tuple[str, ...] = ()  # SHA-256 of each certificate as sent (hex), leaf first


class HttpAnswer(Struct, frozen=True):
    status: int
    location: str | None = None  # the Location header, verbatim
    hsts: str | None = None  # the Strict-Transport-Security header, verbatim


class Behaviour(Struct, frozen=True):
    """One site's observable TLS and HTTP behaviour on one endpoint. A field is None when it
    was not predicted or not measured (e.g. resumption behind a target that documents none);
    `compare` skips a field None on either side and says so."""

    protocols: frozenset[str]
    ciphers: frozenset[str]  # TLS <= 1.2 suites accepted at any enabled version <= 1.2
    ciphersuites: frozenset[str]  # TLS 1.3 suites accepted
    groups: frozenset[str]  # groups accepted when offered alone (TLS 1.3)
    # SNI case → what was served: each site domain, NO_SNI and UNKNOWN_SNI.
    sni: dict[str, Served]
    client_auth: str | None  # "required" | "optional" | "none"
    resumption_ids: bool | None  # a session ID resumes (TLS 1.2)
    resumption_tickets: bool | None  # a session ticket resumes
    alpn_h2: bool | None  # h2 is chosen when the client offers h2 and http/1.1
    # The plain-HTTP port's answer to GET http://<first domain>/verify: status and Location.
    redirect: HttpAnswer | None
    # HTTPS answers by status class ("2xx", "4xx"): the HSTS header each carried.
    hsts: dict[str, HttpAnswer]
    # `GET /` presenting the client certificate given to verify (`--client-cert`) is served;
    # None: no certificate given (or no client_auth in the spec, for the prediction).
    client_cert_accepted: bool | None = None
