"""The post-quantum TLS 1.3 client: which group a server picks from the ones offered.

Python's `ssl` and sslyze's nassl are built on OpenSSL releases that cannot offer
`X25519MLKEM768`, so this one handshake is made with tlslite-ng (pure Python) and kyber-py
(ML-KEM): a ClientHello that offers exactly the groups asked for, each with a key share, as
browsers send X25519MLKEM768 and X25519. It is the only PQ client in the repository (the e2e
tests' `tests/support/tlsprobe.py` imports it). Both libraries come with `tlsconf[verify]` and
are imported only when a handshake is made.
"""

from __future__ import annotations

import socket
import sys
import warnings
from collections.abc import Iterable

# OpenSSL group name -> tlslite-ng's: the groups this client can offer.
TLSLITE_GROUPS = {
    "X25519MLKEM768": "x25519mlkem768",
    "X25519": "x25519",
    "prime256v1": "secp256r1",
    "secp384r1": "secp384r1",
    "secp521r1": "secp521r1",
}


def load() -> None:
    """Import tlslite-ng (it imports asyncore, deprecated in Python 3.11) without the warning.
    Call it before starting threads: `warnings.catch_warnings` is not thread-safe, so once
    tlslite is loaded this touches no filter (each handshake calls it again)."""
    if "tlslite" in sys.modules:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import tlslite  # noqa: F401


def tls13_group(host: str, port: int, sni: str | None, groups: Iterable[str], *,
                timeout: float = 10.0) -> str | None:
    """The group a TLS 1.3 server at host:port picks from `groups` (OpenSSL names, client
    preference order), or None when the server refuses the handshake. Every socket operation
    is bounded by `timeout`; a connection that cannot be made raises OSError."""
    load()
    from tlslite import HandshakeSettings, TLSConnection
    from tlslite.constants import GroupName
    from tlslite.errors import TLSError

    offered = [TLSLITE_GROUPS[g] for g in groups]
    settings = HandshakeSettings()
    settings.eccCurves = list(offered)
    settings.keyShares = list(offered)
    settings.minVersion = settings.maxVersion = (3, 4)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        connection = TLSConnection(sock)
        try:
            connection.handshakeClientCert(settings=settings, serverName=sni)
        except (TLSError, OSError):
            return None
        try:
            if connection.version != (3, 4):
                return None
            picked = str(GroupName.toStr(connection.ecdhCurve))
        finally:
            connection.close()
    by_tlslite = {v: k for k, v in TLSLITE_GROUPS.items()}
    return by_tlslite.get(picked, picked)
