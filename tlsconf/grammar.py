"""Allowlist grammar for every user value that can reach an output.

Each validator normalises first (lower-case, IDNA, canonical IP form), then full-matches an
allowlist and returns exactly the string the renderers will emit. Blocklists failed every
config generator that tried them (see ingress-nginx's CVE history); nothing here strips or
repairs a value: anything outside the grammar is refused with what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, Field

SITE_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PATH = re.compile(r"/[A-Za-z0-9._/+=,@:~ -]*")
_URL_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")
_HEADER_VALUE = re.compile(r"[\x20-\x7e]{1,4096}")
_HOST_PORT = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]]+)):(?P<port>[0-9]{1,5})")

# Headers tlsconf sets itself (or that must never be set from a spec): a user value for them
# would silently fight the rendered policy.
RESERVED_HEADERS = frozenset(
    {
        "strict-transport-security",
        "host",
        "connection",
        "upgrade",
        "content-length",
        "transfer-encoding",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-real-ip",
    }
)


def site_name(value: str) -> str:
    if not SITE_NAME.fullmatch(value):
        raise ValueError(
            "must be 1-32 characters of a-z, 0-9 and '-', starting and ending with a letter "
            "or digit"
        )
    return value


_ASCII_NAME = re.compile(
    r"(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z]"
    r"(?:[a-z0-9-]{0,61}[a-z0-9])?"
)


def domain(value: str) -> str:
    """Lower-case, IDNA A-label form; a wildcard only as the whole left-most label."""
    lowered = value.lower()
    # Fast path: a plain LDH name (no A-labels to verify) is already in its final form.
    if (
        len(lowered) <= 253
        and "--" not in lowered
        and _ASCII_NAME.fullmatch(lowered)
        and (not lowered.startswith("*.") or lowered.count(".") >= 2)
    ):
        return lowered
    import idna  # deferred: only needed for internationalised names

    text = value.strip()
    if text != value or not text:
        raise ValueError("must be a DNS name without surrounding spaces")
    if text.endswith("."):
        raise ValueError("must not end with a dot")
    wildcard = text.startswith("*.")
    rest = text[2:] if wildcard else text
    if "*" in rest:
        raise ValueError(
            "a wildcard is only allowed as the whole left-most label ('*.example.com')"
        )
    try:
        ascii_name = idna.encode(rest, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"is not a valid (internationalised) DNS name: {exc}") from None
    labels = ascii_name.split(".")
    if any(not _LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            "labels must be 1-63 letters, digits or '-', not starting or ending with '-'"
        )
    if labels[-1].isdigit():
        raise ValueError("must be a DNS name, not an IP address")
    if wildcard and len(labels) < 2:
        raise ValueError("a wildcard needs at least two labels after it ('*.example.com')")
    result = ("*." if wildcard else "") + ascii_name
    if len(result) > 253:
        raise ValueError("must be at most 253 characters")
    return result


def abs_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("must be an absolute path (starting with '/'); relative paths are refused")
    if len(value) > 1024:
        raise ValueError("must be at most 1024 characters")
    if not _PATH.fullmatch(value):
        raise ValueError(
            "may only contain letters, digits, spaces and . _ / + = , @ : ~ -"
            " (no quotes, $, ;, {, }, #, \\ or control characters)"
        )
    parts = value.split("/")
    if ".." in parts or "." in parts:
        raise ValueError("must not contain '.' or '..' segments")
    if value.endswith(" ") or "/ " in value or " /" in value:
        raise ValueError("must not have spaces at the start or end of a path segment")
    return value


def url_path(value: str) -> str:
    if len(value) > 1024:
        raise ValueError("must be at most 1024 characters")
    if not _URL_PATH.fullmatch(value):
        raise ValueError(
            "must start with '/' and contain only letters, digits and . _ ~ / - "
            "(a plain prefix: no regex, no modifiers, no query)"
        )
    if "//" in value or ".." in value.split("/") or "." in value.split("/"):
        raise ValueError("must not contain '//', '.' or '..' segments")
    return value


def header_name(value: str) -> str:
    if not _HEADER_NAME.fullmatch(value):
        raise ValueError("must be 1-64 characters of A-Z, a-z, 0-9 and '-'")
    if value.lower() in RESERVED_HEADERS:
        raise ValueError(
            f"is set by tlsconf itself (use the `hsts` field for Strict-Transport-Security); "
            f"reserved: {', '.join(sorted(RESERVED_HEADERS))}"
        )
    return value


def header_value(value: str) -> str:
    if not _HEADER_VALUE.fullmatch(value):
        raise ValueError("must be 1-4096 printable ASCII characters (no control characters)")
    if any(c in value for c in "$%{}`"):
        raise ValueError("must not contain $, %, {, } or ` (they are expanded by the proxies)")
    if value != value.strip():
        raise ValueError("must not start or end with a space")
    return value


def ip_address(value: str) -> str:
    """A literal IPv4 or IPv6 address, in canonical form (IPv6 without brackets)."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError("must be an IPv4 or IPv6 address (e.g. 0.0.0.0 or ::)") from None


def host_port(value: str) -> str:
    """`host:port`, host a DNS name, dotted IPv4 or bracketed IPv6; port 1-65535."""
    match = _HOST_PORT.fullmatch(value)
    if not match:
        raise ValueError(
            "must be HOST:PORT with HOST a DNS name, an IPv4 address or [IPv6] in brackets"
        )
    port = int(match["port"])
    if not 1 <= port <= 65535 or match["port"].startswith("0"):
        raise ValueError("port must be 1-65535 without leading zeros")
    if match["v6"] is not None:
        try:
            v6 = ipaddress.IPv6Address(match["v6"])
        except ValueError:
            raise ValueError("the bracketed host must be an IPv6 address") from None
        return f"[{v6}]:{port}"
    host = match["host"]
    if re.fullmatch(r"[0-9.]+", host):
        try:
            return f"{ipaddress.IPv4Address(host)}:{port}"
        except ValueError:
            raise ValueError("the host is not a valid dotted IPv4 address") from None
    if host == "localhost":
        return f"{host}:{port}"
    return f"{precise_domain(host)}:{port}"


def precise_domain(value: str) -> str:
    """A domain naming one host (an upstream, a backend's SNI name): no wildcard."""
    result = domain(value)
    if result.startswith("*."):
        raise ValueError("must name one host, not a wildcard")
    return result


def version_string(value: str) -> str:
    if not re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{1,3}){0,2}", value):
        raise ValueError("must be a version like '1.22' or '1.25.3'")
    return value


SiteName = Annotated[str, AfterValidator(site_name)]
Domain = Annotated[str, AfterValidator(domain)]
PreciseDomain = Annotated[str, AfterValidator(precise_domain)]
AbsPath = Annotated[str, AfterValidator(abs_path)]
UrlPath = Annotated[str, AfterValidator(url_path)]
HeaderName = Annotated[str, AfterValidator(header_name)]
HeaderValue = Annotated[str, AfterValidator(header_value)]
IPAddress = Annotated[str, AfterValidator(ip_address)]
HostPort = Annotated[str, AfterValidator(host_port)]
Version = Annotated[str, AfterValidator(version_string)]
Port = Annotated[int, Field(ge=1, le=65535)]
