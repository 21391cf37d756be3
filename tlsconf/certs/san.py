"""Does a certificate's subjectAltName cover a domain? RFC 6125 / CA/Browser Forum rules.

- Only the SAN counts; the subject CN is ignored (browsers stopped reading it in 2017).
- A wildcard is the whole left-most label of a name with at least two labels after it:
  `*.example.com` covers `a.example.com`, not `example.com` nor `a.b.example.com`.
  Partial-label wildcards (`f*.example.com`, `xn--*.example.com`) cover nothing.
- Names compare in lower-case A-label form; a configured IDN is converted first.
- A configured wildcard (`*.example.com`) is covered only by the same wildcard SAN.
- An IP literal is covered only by an IP address SAN (never by a DNS SAN).
"""

from __future__ import annotations

import ipaddress

from cryptography import x509
from msgspec import Struct

from tlsconf.grammar import domain as normalise_dns

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Names(Struct, frozen=True):
    dns: tuple[str, ...]
    ips: tuple[IPAddress, ...]

    def __str__(self) -> str:
        return ", ".join([*self.dns, *(str(ip) for ip in self.ips)]) or "none"


def names(cert: x509.Certificate) -> Names:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return Names((), ())
    ips = san.get_values_for_type(x509.IPAddress)
    return Names(tuple(san.get_values_for_type(x509.DNSName)),
                 tuple(ip for ip in ips if not isinstance(ip, ipaddress.IPv4Network
                                                          | ipaddress.IPv6Network)))


def normalise(name: str) -> str | IPAddress:
    """A configured name → an IP address or the lower-case A-label DNS name.

    Raises ValueError when `name` is neither.
    """
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return normalise_dns(name)


def _dns_covers(pattern: str, name: str) -> bool:
    pattern = pattern.lower().removesuffix(".")
    if not pattern.isascii() or not pattern:
        return False
    if pattern == name:
        return True
    if name.startswith("*.") or not pattern.startswith("*."):
        return False
    base = pattern[2:]
    if "*" in base or "." not in base:
        return False
    label, _, rest = name.partition(".")
    return bool(label) and rest == base


def covers(sans: Names, name: str | IPAddress) -> bool:
    if isinstance(name, str):
        return any(_dns_covers(pattern, name) for pattern in sans.dns)
    return name in sans.ips
