"""The handshake matrix of one endpoint, measured with sslyze's Python API.

One `ServerScanRequest` per (endpoint, SNI): the cipher-suite scans of every version (SSL 2.0 …
TLS 1.3: each suite sslyze's clients — nassl's legacy OpenSSL 1.0.2 and modern 1.1.1 — can
put in a ClientHello, one handshake each), the groups accepted each offered alone (at the
highest version the server speaks), and from the connectivity test whether the server asks for a
client certificate. (Session resumption is the probe's, with the standard library: sslyze's
cannot present a client certificate to a site that requires one, and judges Go's tickets by a
rule Go does not follow; see probe.py.) Suite names become
tlsconf's (`tlsconf.suites`: OpenSSL names); what sslyze tried and was refused is the `Offered`
universe. sslyze cannot offer X25519MLKEM768 — `pq.py` does that handshake.

Bounds: sslyze's own network timeout on every connection (`timeout`, no retries) and the whole
scan in a worker thread joined with `deadline`; a scan that cannot connect is `Unreachable`.
"""

from __future__ import annotations

import sys
import threading
import warnings
from typing import Any

from msgspec import Struct

from tlsconf.names import PROTOCOLS

# sslyze's scan command (and result attribute) per protocol, oldest first.
SUITE_SCANS = {"SSLv2": "ssl_2_0_cipher_suites", "SSLv3": "ssl_3_0_cipher_suites",
               "TLSv1": "tls_1_0_cipher_suites", "TLSv1.1": "tls_1_1_cipher_suites",
               "TLSv1.2": "tls_1_2_cipher_suites", "TLSv1.3": "tls_1_3_cipher_suites"}
CONCURRENT_CONNECTIONS = 8  # to one endpoint at a time


class Unreachable(Exception):
    """The endpoint could not be reached or the scan could not finish (exit 2, never a clean
    result)."""


class Matrix(Struct, frozen=True):
    protocols: frozenset[str]
    ciphers: frozenset[str]  # TLS <= 1.2, OpenSSL names
    ciphersuites: frozenset[str]
    groups: frozenset[str]  # OpenSSL names
    offered_ciphers: frozenset[str]
    offered_ciphersuites: frozenset[str]
    offered_groups: frozenset[str]
    asks_client_cert: bool


def _name(suite: Any) -> str:
    """sslyze's suite (IANA name) by tlsconf's name: OpenSSL's for TLS <= 1.2."""
    from tlsconf.suites import lookup

    known = lookup(suite.name)
    if known is not None and known.openssl:
        return known.openssl
    return str(suite.openssl_name or suite.name)


def _group(name: str) -> str:
    """sslyze's curve name (`secp256r1`) by tlsconf's (OpenSSL's group name, `prime256v1`)."""
    from tlsconf.names import CURVE_ALIASES

    return CURVE_ALIASES.get(name, name)


def load() -> None:
    """Import sslyze, with the warnings it and its dependencies raise on import silenced. Call
    it before starting threads: `warnings.catch_warnings` is process-wide, not thread-safe,
    so once sslyze is loaded this touches no filter (scan() calls it again in its thread)."""
    if "sslyze" in sys.modules:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import sslyze  # noqa: F401


def scan(host: str, port: int, sni: str, *, timeout: float, deadline: float) -> Matrix:
    """Scan host:port with ClientHellos naming `sni`."""
    load()
    from sslyze.plugins.scan_commands import ScanCommand
    from sslyze.scanner.models import ServerScanRequest
    from sslyze.scanner.scanner import Scanner
    from sslyze.server_setting import ServerNetworkConfiguration, ServerNetworkLocation
    commands = {ScanCommand(value) for value in SUITE_SCANS.values()}
    commands |= {ScanCommand.ELLIPTIC_CURVES}
    request = ServerScanRequest(
        server_location=ServerNetworkLocation(sni, port, ip_address=host),
        network_configuration=ServerNetworkConfiguration(
            tls_server_name_indication=sni, network_timeout=max(1, round(timeout)),
            network_max_retries=0),
        scan_commands=commands,
    )
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            scanner = Scanner(per_server_concurrent_connections_limit=CONCURRENT_CONNECTIONS)
            scanner.queue_scans([request])
            results.extend(scanner.get_results())
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)

    worker = threading.Thread(target=run, name="tlsconf-verify-sslyze", daemon=True)
    worker.start()
    worker.join(deadline)
    where = f"{bracket(host)}:{port}"
    if worker.is_alive():
        raise Unreachable(f"{where}: the scan did not finish within {deadline:.0f} s")
    if errors:
        raise Unreachable(f"{where}: the scan failed: {type(errors[0]).__name__}: {errors[0]}")
    if len(results) != 1 or results[0].scan_result is None:
        trace = results[0].connectivity_error_trace if results else None
        reason = str(getattr(trace, "exc_value", None) or trace or "no result")
        raise Unreachable(f"{where}: cannot complete a TLS handshake (sni {sni}): {reason}")
    return _matrix(results[0])


def bracket(host: str) -> str:
    """An address as it stands before `:PORT`: IPv6 in brackets."""
    return f"[{host}]" if ":" in host else host


def _attempt(result: Any, attribute: str) -> Any:
    from sslyze.scanner.scan_command_attempt import ScanCommandAttemptStatusEnum

    attempt = getattr(result.scan_result, attribute)
    if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
        raise Unreachable(f"sslyze's {attribute} scan did not complete: {attempt.error_reason}")
    return attempt.result


def _matrix(result: Any) -> Matrix:
    from sslyze.server_connectivity import ClientAuthRequirementEnum

    protocols, ciphers, suites13 = set(), set(), set()
    offered, offered13 = set(), set()
    for protocol, attribute in SUITE_SCANS.items():
        suites = _attempt(result, attribute)
        accepted = {_name(s.cipher_suite) for s in suites.accepted_cipher_suites}
        tried = accepted | {_name(s.cipher_suite) for s in suites.rejected_cipher_suites}
        if accepted:
            protocols.add(protocol)
        if protocol == "TLSv1.3":
            suites13 |= accepted
            offered13 |= tried
        else:
            ciphers |= accepted
            offered |= tried
    curves = _attempt(result, "elliptic_curves")
    accepted_groups = {_group(c.name) for c in curves.supported_curves or ()}
    tried_groups = accepted_groups | {_group(c.name) for c in curves.rejected_curves or ()}
    asks = result.connectivity_result.client_auth_requirement != ClientAuthRequirementEnum.DISABLED
    return Matrix(
        protocols=frozenset(p for p in PROTOCOLS if p in protocols),
        ciphers=frozenset(ciphers), ciphersuites=frozenset(suites13),
        groups=frozenset(accepted_groups),
        offered_ciphers=frozenset(offered), offered_ciphersuites=frozenset(offered13),
        offered_groups=frozenset(tried_groups),
        asks_client_cert=asks,
    )
