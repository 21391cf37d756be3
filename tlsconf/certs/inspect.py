"""`tlsconf cert inspect`: what a certificate file holds, as data, a table or JSON.

Only public certificate fields are shown; a private key in the same file is never read.
Text taken from a certificate is made printable before it reaches a terminal.
"""

from __future__ import annotations

import datetime as dt
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from msgspec import Struct
from msgspec.structs import asdict

from tlsconf.certs import chain, files, keys, san
from tlsconf.certs.issues import safe_text
from tlsconf.errors import Location, Problem, TlsconfError


class CertificateInfo(Struct, frozen=True):
    position: int  # 1-based, in the file
    role: str  # leaf, intermediate, root, unrelated
    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    key: str
    signature: str
    sha256: str
    serial: str


class FileInfo(Struct, frozen=True):
    path: str
    certificates: tuple[CertificateInfo, ...]
    chain_in_order: bool
    chain_complete: bool | None  # None: no system CA bundle to judge by
    chain: str  # the two above in words


def inspect_file(path: str, trust: chain.TrustStore | None = None) -> FileInfo:
    """Raises TlsconfError when the file is missing, unreadable or holds no certificate."""
    certs, issues = files.read_certificates(path)
    if issues:
        raise TlsconfError(Problem(Location(i.path), "", i.message) for i in issues)
    trust = chain.system_trust_store() if trust is None else trust
    shape = chain.layout(certs)
    infos = tuple(_describe(cert, i + 1, _role(certs, shape, i)) for i, cert in enumerate(certs))
    disorder = chain.order_problem(certs, shape)
    top = certs[shape.path[-1]]
    complete: bool | None
    if chain.self_signed(top):
        complete, end = True, "ends at a root in the file"
    elif not trust:
        complete, end = None, "completeness unknown: no system CA bundle"
    elif trust.has_issuer(top):
        complete, end = True, "ends at an issuer in the system trust store"
    else:
        complete = False
        end = f"incomplete: the issuer {chain.name_label(top.issuer)} was not found"
    order = disorder or ("in order" if len(certs) > 1 else "single certificate")
    return FileInfo(path, infos, disorder is None, complete, f"{order}; {end}")


def _role(certs: list[x509.Certificate], shape: chain.Layout, index: int) -> str:
    if index == shape.leaf:
        return "leaf (self-signed)" if chain.self_signed(certs[index]) else "leaf"
    if index in shape.unrelated:
        return "unrelated"
    return "root" if chain.self_signed(certs[index]) else "intermediate"


def _describe(cert: x509.Certificate, position: int, role: str) -> CertificateInfo:
    names = san.names(cert)
    oid = cert.signature_algorithm_oid
    return CertificateInfo(
        position=position,
        role=role,
        subject=safe_text(cert.subject.rfc4514_string()),
        issuer=safe_text(cert.issuer.rfc4514_string()),
        dns_names=tuple(safe_text(name) for name in names.dns),
        ip_addresses=tuple(str(ip) for ip in names.ips),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key=str(keys.describe(cert.public_key())),
        signature=getattr(oid, "_name", "") or oid.dotted_string,
        sha256=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        serial=f"{files.serial_number(cert):x}",
    )


def _days_left(info: CertificateInfo, now: dt.datetime) -> int:
    return (info.not_after - now).days


def as_json(reports: list[FileInfo], now: dt.datetime) -> str:
    def cert(info: CertificateInfo) -> dict[str, object]:
        data = asdict(info)
        data["not_before"] = info.not_before.isoformat().replace("+00:00", "Z")
        data["not_after"] = info.not_after.isoformat().replace("+00:00", "Z")
        data["days_left"] = _days_left(info, now)
        return data

    return json.dumps({"files": [
        {"path": r.path, "chain": {"in_order": r.chain_in_order, "complete": r.chain_complete,
                                   "summary": r.chain},
         "certificates": [cert(c) for c in r.certificates]}
        for r in reports
    ]}, indent=2) + "\n"


def as_table(reports: list[FileInfo], now: dt.datetime) -> str:
    lines: list[str] = []
    for report in reports:
        count = len(report.certificates)
        lines.append(f"{safe_text(report.path)}: {count} certificate{'s' * (count != 1)}; "
                     f"chain: {report.chain}")
        for info in report.certificates:
            left = _days_left(info, now)
            status = "EXPIRED" if left < 0 else f"{left} days left"
            if info.not_before > now:
                status = "NOT YET VALID"
            rows = [
                ("subject", info.subject),
                ("SANs", ", ".join([*info.dns_names, *info.ip_addresses]) or "none"),
                ("issuer", info.issuer),
                ("valid", f"{info.not_before:%Y-%m-%d %H:%M} to {info.not_after:%Y-%m-%d %H:%M}"
                          f" UTC ({status})"),
                ("key", info.key),
                ("signature", info.signature),
                ("SHA-256", info.sha256),
            ]
            lines.append(f"  #{info.position} {info.role}")
            lines.extend(f"    {label:<10} {value}" for label, value in rows)
    return "\n".join(lines) + "\n"
