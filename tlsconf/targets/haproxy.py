"""HAProxy target: one complete `haproxy.cfg` plus one crt-list per HTTPS listener.

Layout under `haproxy/` (deploy the directory as a whole, e.g. to /etc/haproxy/):

- `haproxy.cfg` — `global` (the TLS settings every site agrees on, as `ssl-default-bind-*`;
  `default-path config`, so the crt-lists are found next to the config wherever it is
  deployed), `defaults` (`mode http`, timeouts), a `crt-store` (HAProxy >= 3.0 only), one
  `frontend https_<address>_<port>` per HTTPS listener, one `frontend http_<address>_<port>`
  per plain-HTTP listener (301 to https, ACME http-01 to `acme_upstream`), and one `backend`
  per route (`Route.pool`) and per ACME upstream.
- `crt-list-<address>_<port>.txt` — one line per site: its certificate, the TLS settings of
  that site which differ from the listener's (`[ssl-min-ver … ciphers … verify required
  ca-file …]`) and its domains as SNI filters. The `default_server` site comes first (HAProxy
  serves the first certificate to clients without SNI or with an unknown name); without one
  the bind has `strict-sni` and such handshakes are refused, as on nginx. IPv6 addresses are
  written with `-` for `:` (`::` gives `ipv6---_443`).

Certificates and keys. HAProxy before 3.0 reads one PEM with certificate, chain and key, or
(>= 2.2) finds the key in `<certificate>.key` next to it. The crt-list names
`tls.certificate`, so the key must be at `<certificate>.key` (a symlink is fine) or inside the
certificate file; a warning names `tls.key` when it is elsewhere and this machine has neither
(so it stops once the key is deployed there). From 3.0 a `crt-store` loads
`crt <certificate> key <key>`, so separate files work as written. crt-list lines cannot quote or
escape anything, so certificate and client CA paths with spaces are refused.

What is per SNI name and what is not (measured on HAProxy 2.6.12 / OpenSSL 3.0):

- per crt-list line: `ssl-min-ver`/`ssl-max-ver`, `ciphers`, `ciphersuites`, `verify` +
  `ca-file`, `alpn`. Sites with different profiles can share a listener.
- per listener (bind): `curves` (a crt-list `curves` is silently ignored: the group list of the
  connection's initial context is used), `no-tls-tickets`, `prefer-client-ciphers`. Sites
  that differ in these need their own listener; the difference is refused.
- per process: `tune.ssl.lifetime` (session timeout) and `ssl-dh-param-file`.
- Clients without SNI get the bind line's protocol range, not the first crt-list line's, so the
  bind carries the default site's settings.

Sessions: HAProxy's shared session cache resumes a session under any SNI name and on any
listener (its session id context is the same everywhere), TLS 1.2 and 1.3 alike, which would
let a session from a public site skip a `verify required` site's client certificate. Every
backend of such a site therefore answers 421 to a request whose session carries no verified
client certificate, and all sites with `client_auth` must share one CA file. The frontends also
answer 421 when the Host of a request does not belong to the site whose certificate and TLS
policy the connection negotiated (HTTP/2 connection reuse, resumed sessions), so a request is
only ever served under its own site's policy.

Upstreams: a host name in `upstreams` or `acme_upstream` is resolved once, at start-up, and
HAProxy refuses to start when it does not resolve (as nginx does); use addresses or names the
host can always resolve. Health checks send `GET <path>` (HTTP/1.0) every `interval` seconds.

Wildcard domains: `*.example.com` matches exactly one label (`a.example.com`, not
`a.b.example.com`), in SNI routing as in HAProxy's certificate selection; exact names of other
sites take precedence over a wildcard, as in HAProxy's SNI lookup.
"""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from msgspec import Struct

from tlsconf.errors import Problem, TlsconfError
from tlsconf.escape import Raw, haproxy_log_format
from tlsconf.escape import haproxy as escape
from tlsconf.escape import haproxy_crt_list as escape_crt_list
from tlsconf.names import PROTOCOLS, parse_version, protocol_rank
from tlsconf.policy import SitePolicy
from tlsconf.render import LineLimits, Rendered, environment, guidelines_of, header_lines
from tlsconf.specfile import LoadedSpec
from tlsconf.targets.common import by_listener, listener_problems, usable_curves

NAME = "haproxy"
DEFAULT_VERSION = "2.6"
DEFAULT_OPENSSL = "3.0"

# Version gates (HAProxy release that introduced what tlsconf relies on).
MIN_VERSION = (2, 2)  # ssl-min-ver in crt-list, CERT.key, http-after-response, return, strcmp
DEFAULT_PATH = (2, 4)  # `default-path config`: relative crt-list paths next to haproxy.cfg
OCSP_UPDATE = (2, 8)  # `ocsp-update on`: HAProxy fetches and refreshes OCSP responses itself
CRT_STORE = (3, 0)  # `crt-store` with `load crt … key …`: no combined PEM needed
# OpenSSL gate: from 3.0 the default security level refuses TLS 1.0/1.1 handshakes (SHA-1
# signatures); a policy that enables them needs `@SECLEVEL=0` in its cipher string.
LEGACY_SECLEVEL = (3, 0)

BALANCE = {"round_robin": Raw("roundrobin"), "least_conn": Raw("leastconn"),
           "ip_hash": Raw("source")}
VERSION_NAMES = {"SSLv3": "SSLv3", "TLSv1": "TLSv1.0", "TLSv1.1": "TLSv1.1",
                 "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3"}
ALPN = {True: "h2,http/1.1", False: "http/1.1"}
# TLS settings a crt-list line can override, in output order.
PER_SNI = ("ssl-min-ver", "ssl-max-ver", "ciphers", "ciphersuites", "alpn")
# TLS settings HAProxy only applies per bind line.
PER_LISTENER = ("curves", "no-tls-tickets", "prefer-client-ciphers")
_FIELDS = {"curves": "curves", "no-tls-tickets": "session_tickets",
           "prefer-client-ciphers": "prefer_server_ciphers"}
# What HAProxy 2.6.12 reads on one line (measured with `haproxy -c`): haproxy.cfg has no length
# limit (a 2 MB line passes) but at most 64 words ("too many words, truncating after word
# 64"); a crt-list line holds at most 65534 bytes ("line too long, limit is 65535 characters",
# its LF included) and 2048 words ("too many args").
CFG_LIMITS = LineLimits("HAProxy", words=64, hash_anywhere=True)
CRT_LIST_LIMITS = LineLimits("HAProxy", line=65534, words=2048, hash_anywhere=True)


def line_limits(name: str) -> LineLimits:
    return CRT_LIST_LIMITS if name.rsplit("/", 1)[-1].startswith("crt-list-") else CFG_LIMITS


class _Versions(Struct, frozen=True):
    haproxy: tuple[int, ...]
    openssl: tuple[int, ...]
    openssl_text: str


def render(loaded: LoadedSpec, sites: tuple[SitePolicy, ...]) -> Rendered:
    versions = _versions(loaded)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    settings: dict[str, dict[str, Any]] = {}
    key_deployed = functools.cache(_key_deployed)  # sites often share one certificate
    for site in sites:
        curves, curve_problems = usable_curves(loaded, site, versions.openssl_text, "haproxy")
        problems += curve_problems
        problems += _site_problems(site)
        warnings += _site_warnings(site, versions, key_deployed)
        settings[site.name] = _tls_settings(site, curves, versions)
    if problems:
        raise TlsconfError(problems)
    listeners = by_listener(sites)
    _check_shared(sites, listeners, settings)
    if versions.haproxy < DEFAULT_PATH:
        warnings.append(Problem(
            loaded.locate(("targets", "haproxy", "version")), "targets.haproxy.version",
            "HAProxy < 2.4 has no `default-path config`: it looks for the crt-list files in its "
            "working directory, so start it from the directory that holds haproxy.cfg",
        ))

    global_tls = _global_tls(sites, settings)
    header = Raw(header_lines(guidelines_of({s.tls.guideline for s in sites})))
    files: dict[str, str] = {}
    https = []
    crt_env = environment("haproxy", escape_crt_list)
    for (address, port), members in listeners.items():
        frontend, lines = _https_context(address, port, members, settings, global_tls, versions)
        https.append(frontend)
        files[f"haproxy/{frontend['crt_list']}"] = crt_env.get_template("crt-list.txt.j2").render(
            header=header, listener=Raw(_slug(address, port)), lines=lines
        )
    context = {
        "header": header,
        "process": loaded.spec.targets.haproxy,  # Debian's user, chroot, logging...
        "default_path": versions.haproxy >= DEFAULT_PATH,
        "global": global_tls,
        "extra_files": Raw("key ocsp issuer" if any(s.tls.ocsp_stapling for s in sites) else "key"),
        "session_timeout": sites[0].tls.session_timeout,
        "dhparam": next((s.tls.dhparam for s in sites if s.tls.dhparam), None),
        "crt_store": _crt_store(sites, versions),
        "https": https,
        "http": _http_contexts(sites),
        "backends": [b for site in sites for b in _backends(site)],
    }
    files["haproxy/haproxy.cfg"] = environment("haproxy", escape).get_template(
        "haproxy.cfg.j2").render(**context)
    return Rendered(dict(sorted(files.items())), tuple(warnings))


def _versions(loaded: LoadedSpec) -> _Versions:
    wanted = loaded.spec.targets.haproxy
    version = parse_version(wanted.version or DEFAULT_VERSION)
    if version < MIN_VERSION:
        raise TlsconfError.single(
            loaded.locate(("targets", "haproxy", "version")), "targets.haproxy.version",
            f"HAProxy {wanted.version} is not supported: tlsconf needs >= 2.2 (crt-list "
            "`ssl-min-ver`, keys in CERT.key, `http-after-response`); 2.0 and older are "
            "end-of-life",
        )
    openssl = wanted.openssl or DEFAULT_OPENSSL
    return _Versions(version, parse_version(openssl), openssl)


def _field(site: SitePolicy, name: str) -> str:
    return f"sites[{site.index}].{name}"


def _site_problems(site: SitePolicy) -> list[Problem]:
    out = []
    tls = site.tls

    def problem(name: str, message: str) -> None:
        origin = site.tls_origin(name.removeprefix("tls."))
        location = origin.location if origin.kind == "spec" and origin.location else site.location
        out.append(Problem(location, _field(site, name), message))

    ranks = sorted(protocol_rank(p) for p in set(tls.protocols))
    if "SSLv2" in tls.protocols:
        problem("tls.protocols", "HAProxy cannot enable SSLv2")
    elif ranks != list(range(ranks[0], ranks[-1] + 1)):
        missing = [PROTOCOLS[r] for r in range(ranks[0], ranks[-1]) if r not in ranks]
        problem("tls.protocols",
                f"HAProxy enables a contiguous range of versions (ssl-min-ver … ssl-max-ver); "
                f"{', '.join(tls.protocols)} leaves out {', '.join(missing)}. Enable the "
                "versions in between or drop the outer ones")
    if not tls.ciphers and any(p != "TLSv1.3" for p in tls.protocols):
        problem("tls.ciphers", "no TLS <= 1.2 cipher suite is left, but the protocols include "
                "TLS <= 1.2: list ciphers or use only TLSv1.3")
    for name, path in (("tls.certificate", tls.certificate),
                       ("tls.client_auth.ca", tls.client_auth.ca if tls.client_auth else None)):
        if path is not None and " " in path:
            problem(name, f"{path!r} contains a space; HAProxy crt-list lines cannot quote or "
                    "escape a path. Use a path without spaces")
    if site.acme_webroot and not site.acme_upstream:
        out.append(Problem(
            site.location, _field(site, "acme_webroot"),
            "HAProxy cannot serve files: set `acme_upstream` (the host:port of certbot "
            "--standalone, lego or another http-01 responder) instead of `acme_webroot`",
        ))
    return out


def _key_deployed(certificate: str) -> bool:
    """Does HAProxy < 3.0 find a key for `certificate` on this machine: a file at
    `<certificate>.key` (a symlink to one counts), or a private key inside the certificate?"""
    if os.path.isfile(certificate + ".key"):
        return True
    from tlsconf.certs import files  # read_file: regular files only, bounded, non-blocking

    data = files.read_file(certificate)
    return isinstance(data, bytes) and any(
        label.endswith("PRIVATE KEY") for label, _ in files.pem_blocks(data))


def _site_warnings(site: SitePolicy, versions: _Versions,
                   key_deployed: Callable[[str], bool] = _key_deployed) -> list[Problem]:
    out = []
    tls = site.tls
    if versions.haproxy < CRT_STORE and tls.key != tls.certificate + ".key" \
            and not key_deployed(tls.certificate):
        out.append(Problem(
            site.location, _field(site, "tls.key"),
            f"HAProxy < 3.0 takes no key path: it reads the key from {tls.certificate} itself "
            f"or from {tls.certificate}.key. Deploy the key there (e.g. `ln -s {tls.key} "
            f"{tls.certificate}.key`) or make {tls.certificate} one PEM with certificate, "
            "chain and key (mode 0600)",
        ))
    if tls.ocsp_stapling and versions.haproxy < OCSP_UPDATE:
        out.append(Problem(
            site.location, _field(site, "tls.ocsp_stapling"),
            f"HAProxy < 2.8 staples only a DER response it finds at {tls.certificate}.ocsp at "
            "start-up and never fetches or refreshes it: renew it (openssl ocsp) and reload, "
            "or push it with `set ssl ocsp-response` on the runtime API",
        ))
    if tls.session_tickets:
        out.append(Problem(
            site.location, _field(site, "tls.session_tickets"),
            "HAProxy makes TLS ticket keys at start-up and keeps them until it is reloaded: "
            "reload it regularly (e.g. daily) so that resumed sessions keep forward secrecy",
        ))
    if _legacy(site) and versions.openssl >= LEGACY_SECLEVEL:
        out.append(Problem(
            site.location, _field(site, "tls.protocols"),
            "TLS 1.0/1.1 need `@SECLEVEL=0` in the cipher string on OpenSSL >= 3.0; it is "
            "appended, which also lifts OpenSSL's minimum key sizes for this site",
        ))
    if site.acme_webroot and site.acme_upstream:
        out.append(Problem(
            site.location, _field(site, "acme_webroot"),
            "HAProxy cannot serve files; ACME http-01 goes to `acme_upstream` only",
        ))
    return out


def _legacy(site: SitePolicy) -> bool:
    return any(protocol_rank(p) < protocol_rank("TLSv1.2") for p in site.tls.protocols)


def _tls_settings(site: SitePolicy, curves: tuple[str, ...], versions: _Versions
                  ) -> dict[str, Any]:
    """The site's TLS policy as HAProxy option values (None: does not apply to this site)."""
    tls = site.tls
    ranks = sorted(protocol_rank(p) for p in tls.protocols)
    below_13 = any(p != "TLSv1.3" for p in tls.protocols)
    ciphers = ":".join(tls.ciphers) if below_13 and tls.ciphers else None
    if ciphers and _legacy(site) and versions.openssl >= LEGACY_SECLEVEL:
        ciphers += ":@SECLEVEL=0"
    return {
        "ssl-min-ver": Raw(VERSION_NAMES[PROTOCOLS[ranks[0]]]),
        "ssl-max-ver": Raw(VERSION_NAMES[PROTOCOLS[ranks[-1]]]),
        "ciphers": ciphers,
        "ciphersuites": ":".join(tls.ciphersuites) if "TLSv1.3" in tls.protocols else None,
        "alpn": Raw(ALPN[site.http2]),
        "curves": ":".join(curves),
        # HAProxy never rotates ticket keys by itself: tickets stay off unless asked for.
        "no-tls-tickets": not tls.session_tickets,
        "prefer-client-ciphers": not tls.prefer_server_ciphers,
    }


def _check_shared(sites: tuple[SitePolicy, ...],
                  listeners: dict[tuple[str, int], list[SitePolicy]],
                  settings: dict[str, dict[str, Any]]) -> None:
    """Refuse what HAProxy can only apply per listener or per process but the sites differ in."""
    problems = []
    for name, directive in (("session_timeout", "tune.ssl.lifetime"),
                            ("dhparam", "ssl-dh-param-file")):
        setters = [s for s in sites if getattr(s.tls, name) is not None]
        for site in setters[1:]:
            if getattr(site.tls, name) != getattr(setters[0].tls, name):
                problems.append(Problem(
                    site.location, _field(site, f"tls.{name}"),
                    f"HAProxy has one {name} per process ({directive}); site {site.name!r} "
                    f"differs from {setters[0].name!r}: use the same value",
                ))
    with_ca = [s for s in sites if s.tls.client_auth]
    for site in with_ca[1:]:
        assert site.tls.client_auth and with_ca[0].tls.client_auth
        if site.tls.client_auth.ca != with_ca[0].tls.client_auth.ca:
            problems.append(Problem(
                site.location, _field(site, "tls.client_auth.ca"),
                f"HAProxy resumes a TLS session under any site of the process, so a client "
                f"certificate accepted by {with_ca[0].name!r} would be accepted by "
                f"{site.name!r} too: every site with client_auth must use the same CA file "
                "(or run separate HAProxy instances)",
            ))
    https = {listener for listener in listeners}
    for site in sites:
        if (site.address, site.http_port) in https and (site.redirect_http or site.acme_upstream):
            problems.append(Problem(
                site.location, _field(site, "listen.http_port"),
                f"{_listen(site.address, site.http_port)} is also an HTTPS listener",
            ))
    problems += listener_problems(
        listeners,
        lambda head, other: [_FIELDS[k] for k in PER_LISTENER
                             if settings[other.name][k] != settings[head.name][k]],
        "HAProxy applies these per bind line, not per SNI name. Give the site its own listen "
        "port or address, or the same settings",
    )
    if problems:
        raise TlsconfError(problems)


def _unanimous(sites: tuple[SitePolicy, ...], settings: dict[str, dict[str, Any]], key: str
               ) -> Any:
    values = {settings[s.name][key] for s in sites} - {None}
    return values.pop() if len(values) == 1 else None


def _global_tls(sites: tuple[SitePolicy, ...], settings: dict[str, dict[str, Any]]
                ) -> dict[str, Any]:
    """`ssl-default-bind-*`: what every site agrees on (None: set per bind or crt-list line)."""
    values = {key: _unanimous(sites, settings, key) for key in (*PER_SNI, *PER_LISTENER)}
    values.pop("alpn")  # `ssl-default-bind-alpn` only exists from 2.5: alpn goes on the bind
    options = [Raw(f"{k} {values[k]}") for k in ("ssl-min-ver", "ssl-max-ver") if values[k]]
    options += [Raw(k) for k in ("no-tls-tickets", "prefer-client-ciphers") if values[k] is True]
    values["options"] = options
    return values


def _listen(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _slug(address: str, port: int) -> str:
    return (f"ipv6-{address.replace(':', '-')}" if ":" in address else address) + f"_{port}"


def _option(key: str, value: Any = None) -> dict[str, Any]:
    return {"key": Raw(key), "value": value}


def _https_context(address: str, port: int, members: list[SitePolicy],
                   settings: dict[str, dict[str, Any]], global_tls: dict[str, Any],
                   versions: _Versions) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    default = next((s for s in members if s.default_server), None)
    reference = settings[(default or members[0]).name]
    # The bind line: what the global defaults do not already say, from the default site (its
    # range and ciphers are what clients without SNI negotiate) or the first one.
    bind: dict[str, Any] = {}
    for key in (*PER_SNI, *PER_LISTENER):
        value = reference[key]
        if key == "alpn" or (global_tls.get(key) is None and value is not None):
            bind[key] = value
    options = []
    for key, value in bind.items():
        if key in ("no-tls-tickets", "prefer-client-ciphers"):
            if value:
                options.append(_option(key))
        else:
            options.append(_option(key, value))
    if default is None:
        options.append(_option("strict-sni"))

    def effective(key: str) -> Any:
        return bind[key] if key in bind else global_tls.get(key)

    lines = []
    for site in ([default] if default else []) + [s for s in members if s is not default]:
        own = settings[site.name]
        line_options = [_option(k, own[k]) for k in PER_SNI
                        if own[k] is not None and own[k] != effective(k)]
        if site.tls.client_auth:
            line_options += [_option("verify", Raw(site.tls.client_auth.mode)),
                             _option("ca-file", site.tls.client_auth.ca)]
        if site.tls.ocsp_stapling and OCSP_UPDATE <= versions.haproxy < CRT_STORE:
            line_options.append(_option("ocsp-update", Raw("on")))
        lines.append({"certificate": site.tls.certificate, "options": line_options,
                      "filters": list(site.domains)})
    slug = _slug(address, port)
    frontend = {
        "name": f"https_{slug}",
        "bind": _listen(address, port),
        "crt_list": f"crt-list-{slug}.txt",
        "options": options,
        "sites": [_site_names(s) for s in members],
        "default": default.name if default else None,
        "routes": [
            {"site": s.name, "pool": r.pool, "path": None if r.path == "/" else r.path}
            for s in members for r in s.routes
        ],
    }
    return frontend, lines


def _site_names(site: SitePolicy) -> dict[str, Any]:
    exact = [d for d in site.domains if not d.startswith("*.")]
    wildcards = [
        # One label only, like HAProxy's certificate wildcards; `[.]` keeps `\` out of it.
        "^[^.]+" + "".join(f"[.]{label}" for label in d[2:].split(".")) + "$"
        for d in site.domains if d.startswith("*.")
    ]
    return {"name": site.name, "exact": exact, "wildcards": wildcards}


def _http_contexts(sites: tuple[SitePolicy, ...]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, int], list[SitePolicy]] = defaultdict(list)
    for site in sites:
        groups[(site.address, site.http_port)].append(site)
    out = []
    for (address, port), members in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        # Sites without redirect or ACME still claim their names here (and get 404).
        if not any(s.redirect_http or s.acme_upstream for s in members):
            continue
        defaults = [s for s in members if s.default_server]
        out.append({
            "name": f"http_{_slug(address, port)}",
            "bind": _listen(address, port),
            "sites": [
                {
                    **_site_names(s),
                    "redirect": s.redirect_http,
                    "port_suffix": Raw("" if s.https_port == 443 else f":{s.https_port}"),
                    "acme": bool(s.acme_upstream),
                }
                for s in members
            ],
            # Requests for unknown names go to the default site of the port, if exactly one.
            "default": defaults[0].name if len(defaults) == 1 else None,
            "acme_sites": [s.name for s in members if s.acme_upstream],
        })
    return out


def _backends(site: SitePolicy) -> list[dict[str, Any]]:
    headers: list[dict[str, str]] = []
    if site.hsts.enabled:
        headers.append({"name": Raw("Strict-Transport-Security"),
                        "value": haproxy_log_format(site.hsts.header_value)})
    headers += [{"name": n, "value": haproxy_log_format(v)} for n, v in site.headers]
    check = site.health_check
    auth = site.tls.client_auth
    out = []
    for route in sorted(site.routes, key=lambda r: (len(r.pool), r.pool)):
        out.append({
            "name": route.pool,
            "site": site.name,
            "path": route.path,
            "balance": BALANCE[site.balance],
            "check_path": check.path if check else None,
            "check_inter": Raw(f"{check.interval}s") if check else None,
            "websocket": route.websocket,
            "require_client_cert": bool(auth and auth.mode == "required"),
            "headers": headers,
            "servers": [
                {"name": Raw(f"s{i + 1}"), "address": u.address, "weight": u.weight,
                 "backup": u.backup}
                for i, u in enumerate(route.upstreams)
            ],
        })
    if site.acme_upstream:
        out.append({
            "name": f"tlsconf_{site.name}_acme",
            "site": site.name,
            "path": "/.well-known/acme-challenge/",
            "balance": None,
            "check_path": None,
            "check_inter": None,
            "websocket": False,
            "require_client_cert": False,
            "headers": [],
            "servers": [{"name": Raw("acme"), "address": site.acme_upstream, "weight": 1,
                         "backup": False}],
        })
    return out


def _crt_store(sites: tuple[SitePolicy, ...], versions: _Versions) -> list[dict[str, Any]]:
    if versions.haproxy < CRT_STORE:
        return []
    loads: dict[str, dict[str, Any]] = {}
    problems = []
    for site in sites:
        tls = site.tls
        seen = loads.get(tls.certificate)
        if seen is not None:
            if seen["key"] != tls.key:
                problems.append(Problem(site.location, _field(site, "tls.key"),
                                        f"{tls.certificate} is loaded with another key already"))
            seen["ocsp_update"] = seen["ocsp_update"] or tls.ocsp_stapling
            continue
        loads[tls.certificate] = {"certificate": tls.certificate, "key": tls.key,
                                  "ocsp_update": tls.ocsp_stapling}
    if problems:
        raise TlsconfError(problems)
    return list(loads.values())

