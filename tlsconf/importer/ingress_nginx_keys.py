"""What ingress-nginx's controller ConfigMap keys and Ingress annotations mean, and their defaults.

Facts are from ingress-nginx's own documentation and code (the last release, v1.x, before the
project stopped in March 2026):

* docs/user-guide/nginx-configuration/configmap.md and internal/ingress/controller/config/
  config.go: `ssl-protocols` "TLSv1.2 TLSv1.3"; `ssl-ciphers` the eight suites of
  `DEFAULT_CIPHERS` (six ECDHE AEAD suites and two DHE-RSA GCM ones); `ssl-ecdh-curve` "auto"
  (OpenSSL's default groups); `hsts` "true", `hsts-max-age` "31536000" (config.go's
  `hstsMaxAge`; older copies of the table said 15724800), `hsts-include-subdomains` "true",
  `hsts-preload` "false"; `ssl-session-cache` "true" (10m), `ssl-session-tickets` "false",
  `ssl-session-timeout` "10m"; `ssl-redirect` "true", `force-ssl-redirect` "false",
  `http-redirect-code` 308; `use-http2` "true". Every value is a string (a ConfigMap's `data`
  is string → string); booleans are Go's `strconv.ParseBool` words.
* docs/user-guide/nginx-configuration/annotations.md: `ssl-redirect` (default true when the
  Ingress has TLS), `force-ssl-redirect`, `backend-protocol` (HTTP, HTTPS, AUTO_HTTP, GRPC,
  GRPCS, FCGI; default HTTP), `proxy-ssl-*` (verification off by default, depth 1),
  `auth-tls-secret` (`namespace/name`, key `ca.crt`), `auth-tls-verify-client` (on, the default;
  off; optional; optional_no_ca), `auth-tls-verify-depth` (default 1), `auth-tls-match-cn`, the
  server-level `ssl-ciphers` and `ssl-prefer-server-ciphers`, and the `*-snippet` annotations
  (raw nginx directives).

This module only reads values and says what they become; `ingress_nginx` builds the spec.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from msgspec import Struct, field

from tlsconf import suites
from tlsconf.errors import Location, TlsconfError, short_repr
from tlsconf.importer.model import Entry, Fate
from tlsconf.ingest.common import expand_cipher_string
from tlsconf.names import PROTOCOLS

PREFIX = "nginx.ingress.kubernetes.io/"
CONTROLLER = "ingress-nginx-controller"  # the Helm chart's and the static manifests' name
CONTROLLER_LABELS = {"app.kubernetes.io/name": "ingress-nginx",
                     "app.kubernetes.io/component": "controller"}
DEFAULT_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                   "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                   "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                   "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384")
DEFAULTS: dict[str, str] = {
    "ssl-protocols": "TLSv1.2 TLSv1.3",
    "ssl-ciphers": DEFAULT_CIPHERS,
    "ssl-ecdh-curve": "auto",
    "hsts": "true",
    "hsts-max-age": "31536000",
    "hsts-include-subdomains": "true",
    "hsts-preload": "false",
    "ssl-redirect": "true",
    "force-ssl-redirect": "false",
    "http-redirect-code": "308",
    "use-http2": "true",
    "backend-protocol": "HTTP",
    "proxy-ssl-verify": "off",
    "auth-tls-verify-client": "on",
    "auth-tls-verify-depth": "1",
}
TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})  # Go's strconv.ParseBool
FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
SNIPPETS = frozenset({"configuration-snippet", "server-snippet", "auth-snippet",
                      "stream-snippet", "modsecurity-snippet", "main-snippet", "http-snippet",
                      "location-snippet", "global-auth-snippet"})
_TIME = re.compile(r"([0-9]+)(ms|s|m|h|d|w|M|y)?")
_TIME_UNITS = {None: 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

# ConfigMap keys and annotations read elsewhere than by their own handler, or dropped with a
# specific reason (anything else is dropped as "not a TLS or routing setting").
DROPPED: dict[str, str] = {
    "ssl-ciphers": "every site's Ingress sets its own (nginx.ingress.kubernetes.io/ssl-ciphers)",
    "http-redirect-code": "no site redirects port 80 (ssl-redirect off)",
    "ssl-session-cache": "every tlsconf target keeps a session cache or tickets on",
    "ssl-session-cache-size": "the cache size is the proxy's (Mozilla's 10m on nginx)",
    "ssl-session-ticket-key": "a static ticket key: Gateway implementations rotate their own",
    "ssl-buffer-size": "no spec field: the proxy's default record size applies",
    "ssl-dh-param": "a Secret with DH parameters: Gateway API has no place for it (and Go "
                    "and BoringSSL have no DHE)",
    "ssl-early-data": "the spec never turns 0-RTT on (replayable requests)",
    "ssl-reject-handshake": "clients without SNI or with an unknown name: the spec refuses them "
                            "unless a site is `default_server`",
    "enable-ocsp": "OCSP stapling is a setting of the proxy's installation (most public CAs "
                   "stopped OCSP in 2025)",
    "no-tls-redirect-locations": "ACME http-01 keeps working through cert-manager's solver "
                                 "route (kubernetes.issuer) or `acme_upstream`",
    "ssl-passthrough": "TLS passthrough: the spec terminates TLS",
    "auth-tls-error-page": "no spec field: a failed client certificate is refused in the "
                           "handshake",
    "auth-tls-pass-certificate-to-upstream": "no spec field: the ssl-client-cert header is "
                                             "not sent",
    "proxy-ssl-protocols": "no spec field: the proxy's defaults apply to backend connections",
    "proxy-ssl-ciphers": "no spec field: the proxy's defaults apply to backend connections",
    "proxy-ssl-verify-depth": "no spec field: BackendTLSPolicy verifies chains of any length",
    "proxy-ssl-location-only": "no spec field",
    "rewrite-target": "the Gateway forwards the original path: add an HTTPRoute URLRewrite "
                      "filter by hand",
    "app-root": "no spec field: add an HTTPRoute RequestRedirect by hand",
    "server-alias": "aliases are not imported: add them to the site's domains (and its "
                    "certificate) by hand",
}
_OPEN = ("WEAKER: {} is not carried, so the migrated routes answer every client; add the "
         "Gateway implementation's equivalent before applying")
for _name, _what in (("auth-type", "authentication"), ("auth-secret", "authentication"),
                     ("auth-url", "external authentication"),
                     ("auth-signin", "external authentication"),
                     ("global-auth-url", "external authentication"),
                     ("whitelist-source-range", "the client address allowlist"),
                     ("allowlist-source-range", "the client address allowlist"),
                     ("denylist-source-range", "the client address denylist"),
                     ("block-cidrs", "the client address blocklist"),
                     ("block-user-agents", "the user-agent blocklist"),
                     ("limit-rps", "rate limiting"), ("limit-rpm", "rate limiting"),
                     ("limit-connections", "the connection limit"),
                     ("enable-modsecurity", "the ModSecurity WAF")):
    DROPPED[_name] = _OPEN.format(_what)


class Value(Struct, frozen=True):
    """One key as written: its value and where the key and the value are."""

    key: str  # as written: `nginx.ingress.kubernetes.io/ssl-redirect`, `ssl-ciphers`
    text: str
    key_at: Location
    value_at: Location


class Values(Struct):
    """The keys of one ConfigMap's `data` or one Ingress's ingress-nginx annotations (by their
    short name), and the loss report of each once read."""

    label: str  # how the report names the key: `ConfigMap ssl-ciphers`, or the annotation
    found: dict[str, Value] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    read: set[str] = field(default_factory=set)

    def get(self, name: str) -> Value | None:
        return self.found.get(name)

    def note(self, name: str, fate: Fate, detail: str, spec_path: str = "") -> None:
        """The key `name` (if written) became `spec_path` / was approximated / dropped."""
        value = self.found.get(name)
        if value is None or name in self.read:
            return
        self.read.add(name)
        self.entries.append(Entry(value.key_at, self.key(name), fate, detail,
                                  spec_path if fate != "dropped" else ""))

    def key(self, name: str) -> str:
        return f"{self.label}{name}"

    def rest(self, other: Callable[[str], str]) -> None:
        """Every key not read yet: dropped, with `other(name)` as the reason."""
        for name in self.found:
            if name in SNIPPETS:
                self.note(name, "dropped", "a snippet of raw nginx directives: never executed "
                                           "or copied; port what it does by hand")
            else:
                self.note(name, "dropped", DROPPED.get(name) or other(name))


def refuse(value: Value, message: str) -> TlsconfError:
    return TlsconfError.single(value.value_at, value.key, message)


def boolean(value: Value | None, default: str) -> bool:
    text = value.text if value is not None else default
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    assert value is not None
    raise refuse(value, f"{short_repr(text)} is not a boolean: ingress-nginx reads true/false "
                        "(or 1/0, t/f, True/False, TRUE/FALSE) and ignores anything else")


def integer(value: Value, low: int, high: int) -> int:
    text = value.text.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise refuse(value, f"{short_repr(value.text)}: expected a whole number from {low} to "
                            f"{high}")
    return int(text)


def seconds(value: Value) -> int:
    """An nginx time (`10m`, `1h`, `300`): seconds."""
    match = _TIME.fullmatch(value.text.strip())
    if match is None or match.group(2) not in _TIME_UNITS:
        raise refuse(value, f"{short_repr(value.text)} is not an nginx time: a number with s, "
                            "m, h, d or w (e.g. 10m)")
    return int(match.group(1)) * _TIME_UNITS[match.group(2)]


def protocols(value: Value | None) -> list[str]:
    text = value.text if value is not None else DEFAULTS["ssl-protocols"]
    words = text.split()
    unknown = [w for w in words if w not in PROTOCOLS]
    if value is not None and (unknown or not words):
        raise refuse(value, f"unknown protocol {short_repr(unknown[0] if unknown else '')}; "
                            f"allowed: {' '.join(PROTOCOLS)}, separated by spaces")
    return list(dict.fromkeys(words))


def ciphers(value: Value | None) -> tuple[list[str], tuple[str, ...]]:
    """The suites an OpenSSL cipher string selects (tlsconf's table, never the local
    OpenSSL), and the words OpenSSL would skip."""
    text = value.text if value is not None else DEFAULT_CIPHERS
    try:
        names, unknown = expand_cipher_string(text)
    except suites.CipherStringError as exc:
        assert value is not None
        raise refuse(value, f"invalid cipher string: {exc}") from None
    if not names:
        assert value is not None
        raise refuse(value, "the cipher string selects no suite tlsconf knows; list suites by "
                            "OpenSSL name, separated by ':'")
    return list(names), unknown


def curves(value: Value) -> list[str] | None:
    """`ssl-ecdh-curve`: the groups, or None for `auto` (OpenSSL's default list)."""
    from tlsconf.names import curve_name

    if value.text.strip() == "auto":
        return None
    out = []
    for word in value.text.split(":"):
        try:
            out.append(curve_name(word.strip()))
        except ValueError as exc:
            raise refuse(value, f"group {short_repr(word)}: {exc}") from None
    return out


def secret_ref(value: Value, namespace: str) -> str:
    """`namespace/name` (or `name`) of a Secret an annotation names, in the Ingress's
    namespace: the spec looks Secrets and client CAs up in `kubernetes.namespace`."""
    from tlsconf.spec import k8s_name

    ns, _, name = value.text.strip().rpartition("/")
    if ns and ns != namespace:
        raise refuse(value, f"the Secret is in namespace {short_repr(ns)}, the Ingress in "
                            f"{namespace!r}: the spec reads Secrets from the namespace of its "
                            "objects; copy the Secret there")
    try:
        return k8s_name(name)
    except ValueError as exc:
        raise refuse(value, f"Secret name {short_repr(name)} {exc}") from None
