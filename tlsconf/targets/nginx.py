"""nginx target: conf.d-style files included inside `http {}`, plus an optional main config.

Layout under `nginx/`: `conf.d/00-tlsconf.conf` (the WebSocket map and, per listener without a
`default_server` site, a catch-all server that refuses unknown SNI names while carrying the
listener's TLS policy — nginx negotiates protocols and ciphers with the default server's
settings), `conf.d/<site>.conf` per site, and `nginx.conf` with `--main-config`.
"""

from __future__ import annotations

from tlsconf.errors import Path as ErrorPath
from tlsconf.errors import Problem, TlsconfError, format_path, short_repr
from tlsconf.escape import Raw
from tlsconf.escape import nginx as escape
from tlsconf.names import NGINX_TICKET_KEY_ROTATION, parse_version
from tlsconf.policy import SitePolicy
from tlsconf.progress import phase
from tlsconf.render import (
    LineLimits,
    Rendered,
    TemplateContext,
    environment,
    guidelines_of,
    header_lines,
)
from tlsconf.source import gc_paused
from tlsconf.specfile import LoadedSpec
from tlsconf.targets.common import by_listener, require_one_policy_per_listener, usable_curves

NAME = "nginx"
DEFAULT_VERSION = "1.22"
DEFAULT_OPENSSL = "3.0"

# Version gates (nginx release that introduced the behaviour).
HTTP2_DIRECTIVE = (1, 25, 1)  # `http2 on;` replaces `listen ... http2`
REJECT_HANDSHAKE = (1, 19, 4)  # `ssl_reject_handshake on;`
TICKET_KEY_ROTATION = NGINX_TICKET_KEY_ROTATION  # before it, keys never rotate: tickets stay off
SSL_CONF_COMMAND = (1, 19, 4)  # `ssl_conf_command Ciphersuites ...`
# OpenSSL 3's default security level refuses TLS 1.0/1.1 (SHA-1 handshakes) whatever
# ssl_protocols says; a spec that enables them (with --allow-weak) must get them.
SECLEVEL_0_OPENSSL = (3, 0)
BALANCE = {"round_robin": None, "least_conn": Raw("least_conn"), "ip_hash": Raw("ip_hash")}
COMMON = "00-tlsconf"  # conf.d/00-tlsconf.conf: the shared file, so no site may be named so
# nginx refuses a parameter longer than this as written in the file, quotes and escapes
# included ("too long parameter", measured on 1.22: 4094 bare or 4095 quoted bytes pass).
MAX_TOKEN = 4094
# nginx reads a config with no limit on a line's length or words, only on each token's (a
# comment counts as one token from `#` to the end of the line: 4095 bytes pass, 4096 not).
LINE_LIMITS = LineLimits("nginx", token=MAX_TOKEN)
ON_OFF = {True: Raw("on"), False: Raw("off")}


def line_limits(name: str) -> LineLimits:
    return LINE_LIMITS


@gc_paused()
def render(
    loaded: LoadedSpec, sites: tuple[SitePolicy, ...], main_config: bool = False
) -> Rendered:
    versions = loaded.spec.targets.nginx
    version = parse_version(versions.version or DEFAULT_VERSION)
    openssl = versions.openssl or DEFAULT_OPENSSL
    http2_directive = version >= HTTP2_DIRECTIVE
    # Before `http2 on;`, HTTP/2 is a property of the listening socket, not of a server.
    require_one_policy_per_listener(sites, "nginx", extra=() if http2_directive else ("http2",))
    problems: list[Problem] = []
    warnings: list[Problem] = []
    contexts = {}
    for site in sites:
        curves, curve_problems = usable_curves(loaded, site, openssl, "nginx")
        problems += curve_problems
        problems += _tls13_problems(site, version, openssl)
        problems += _capability_problems(loaded, site)
        if site.health_check is not None:
            warnings.append(
                Problem(
                    site.location,
                    f"sites[{site.index}].health_check",
                    "nginx open source has no active health checks; passive checks "
                    f"(max_fails=3 fail_timeout={site.health_check.interval}s) are used instead",
                )
            )
        contexts[site.name] = _site_context(site, curves, version, openssl, http2_directive)
        problems += _token_problems(loaded, site, contexts[site.name])
    if problems:
        raise TlsconfError(problems)
    env = environment("nginx", escape)
    # A site file's header names its own guideline only: its bytes depend on nothing else.
    site_headers = {g: Raw(header_lines(g)) for g in {s.tls.guideline for s in sites}}
    header = Raw(header_lines(guidelines_of({s.tls.guideline for s in sites})))
    template = env.get_template("site.conf.j2")  # compiled once, for every site
    files = {}
    with phase("rendering nginx", len(sites)) as tick:
        for site in sites:
            files[f"nginx/conf.d/{site.name}.conf"] = template.render(
                header=site_headers[site.tls.guideline], site=contexts[site.name]
            )
            tick(1)
    listeners = [
        _listener_context(members, contexts[members[0].name], version)
        for members in by_listener(sites).values()
    ]
    files[f"nginx/conf.d/{COMMON}.conf"] = env.get_template("common.conf.j2").render(
        header=header, listeners=listeners
    )
    if main_config:
        files["nginx/nginx.conf"] = env.get_template("nginx.conf.j2").render(
            header=Raw(header_lines(None)), process=versions)
    return Rendered(files, tuple(warnings))


def _tls13_problems(site: SitePolicy, version: tuple[int, ...], openssl: str) -> list[Problem]:
    """TLS 1.3 needs OpenSSL >= 1.1.1; choosing its suites needs nginx >= 1.19.4."""
    out = []
    if "TLSv1.3" in site.tls.protocols and parse_version(openssl) < (1, 1, 1):
        origin = site.tls_origin("protocols")
        out.append(
            Problem(
                origin.location or site.location,
                f"sites[{site.index}].tls.protocols",
                f"TLSv1.3 needs OpenSSL >= 1.1.1; targets.nginx.openssl is {openssl}",
            )
        )
    origin = site.tls_origin("ciphersuites")
    if version < SSL_CONF_COMMAND and origin.kind == "spec":
        out.append(
            Problem(
                origin.location or site.location,
                origin.detail,
                "choosing TLS 1.3 suites needs nginx >= 1.19.4 (ssl_conf_command); "
                "remove the override or raise targets.nginx.version",
            )
        )
    return out


def _capability_problems(loaded: LoadedSpec, site: SitePolicy) -> list[Problem]:
    out = []
    if site.balance == "ip_hash":
        for route in site.routes:
            for upstream in route.upstreams:
                if upstream.backup:
                    out.append(
                        Problem(
                            site.location,
                            f"sites[{site.index}].upstreams",
                            "nginx cannot combine `balance: ip_hash` with `backup: true` "
                            "upstreams; "
                            "use round_robin or least_conn, or drop backup",
                        )
                    )
                    return out
    return out


def _token_problems(loaded: LoadedSpec, site: SitePolicy, context: TemplateContext
                    ) -> list[Problem]:
    """Values nginx would refuse: too long once written, or a site file named like the shared
    file (which would silently replace the site's configuration)."""
    out = []

    def problem(*parts: str, message: str) -> None:
        path: ErrorPath = ("sites", site.index, *parts)
        out.append(Problem(loaded.locate(path), format_path(loaded.source_path(path)), message))

    if site.name == COMMON:
        problem("name", message=f"{COMMON!r} is reserved: nginx/conf.d/{COMMON}.conf is "
                "tlsconf's shared file")
    long_values = [(("headers", name), value) for name, value in site.headers]
    if context["tls"]["ciphers"]:
        long_values.append((("tls", "ciphers"), context["tls"]["ciphers"]))
    for parts, value in long_values:
        written = len(escape(value))
        if written > MAX_TOKEN:
            problem(*parts, message=f"{short_repr(value)} is {written} bytes once written for "
                    f"nginx, which refuses a parameter longer than {MAX_TOKEN} bytes")
    return out


def _listen(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _tls_context(
    site: SitePolicy, curves: tuple[str, ...], version: tuple[int, ...], openssl: str
) -> TemplateContext:
    tls = site.tls
    legacy = any(p != "TLSv1.3" for p in tls.protocols)
    ciphers = ":".join(tls.ciphers) if legacy and tls.ciphers else None
    below_12 = any(p in ("SSLv3", "TLSv1", "TLSv1.1") for p in tls.protocols)
    if ciphers and below_12 and parse_version(openssl) >= SECLEVEL_0_OPENSSL:
        ciphers += ":@SECLEVEL=0"
    tickets = tls.session_tickets
    if tickets is None:
        tickets = version >= TICKET_KEY_ROTATION
    return TemplateContext({
        "protocols": list(tls.protocols),
        "ciphers": ciphers,
        # Before ssl_conf_command the profile's suites are OpenSSL's defaults anyway.
        "ciphersuites": (
            ":".join(tls.ciphersuites)
            if "TLSv1.3" in tls.protocols and version >= SSL_CONF_COMMAND
            else None
        ),
        "curves": ":".join(curves),
        "prefer_server_ciphers": ON_OFF[tls.prefer_server_ciphers],
        "session_timeout": Raw(f"{tls.session_timeout}s"),
        "session_tickets": ON_OFF[tickets],
        "dhparam": tls.dhparam,
    })


def _site_context(
    site: SitePolicy,
    curves: tuple[str, ...],
    version: tuple[int, ...],
    openssl: str,
    http2_directive: bool,
) -> TemplateContext:
    tls = site.tls
    hsts = site.hsts
    return TemplateContext({
        "name": site.name,
        "server_names": list(site.domains),
        "listen_https": _listen(site.address, site.https_port),
        "listen_http": _listen(site.address, site.http_port),
        "default_server": site.default_server,
        "http2_listen": site.http2 and not http2_directive,
        "http2_directive": ON_OFF[site.http2] if http2_directive else None,
        "tls": _tls_context(site, curves, version, openssl),
        "certificate": tls.certificate,
        "key": tls.key,
        "stapling": tls.ocsp_stapling,
        "stapling_verify": tls.ocsp_stapling and tls.trusted_ca is not None,
        # nginx reads an unbracketed IPv6 resolver as host:port ("invalid port in resolver").
        "resolvers": [f"[{r}]" if ":" in r else r for r in tls.resolvers],
        "trusted_ca": tls.trusted_ca,
        "verify_client": (
            Raw("on" if tls.client_auth.mode == "required" else "optional")
            if tls.client_auth
            else None
        ),
        "client_ca": tls.client_auth.ca if tls.client_auth else None,
        "hsts": hsts.header_value if hsts.enabled else None,
        "headers": [TemplateContext(name=n, value=v) for n, v in site.headers],
        "http_server": site.redirect_http or bool(site.acme_webroot or site.acme_upstream),
        "redirect": site.redirect_http,
        "port_suffix": Raw("" if site.https_port == 443 else f":{site.https_port}"),
        "acme_webroot": site.acme_webroot,
        "acme_upstream": site.acme_upstream,
        "routes": [TemplateContext(path=r.path, pool=r.pool, websocket=r.websocket)
                   for r in site.routes],
        "pools": [
            TemplateContext(
                name=r.pool,
                method=BALANCE[site.balance],
                servers=[
                    TemplateContext(address=u.address, weight=u.weight, backup=u.backup)
                    for u in r.upstreams
                ],
                fail_timeout=Raw(f"{site.health_check.interval}s")
                if site.health_check
                else None,
            )
            for r in sorted(site.routes, key=lambda r: r.pool)
        ],
    })


def _listener_context(
    members: list[SitePolicy], first: TemplateContext, version: tuple[int, ...]
) -> TemplateContext:
    return TemplateContext({
        "listen": first["listen_https"],
        "catch_all": not any(s.default_server for s in members) and version >= REJECT_HANDSHAKE,
        "http2_listen": first["http2_listen"] and any(s.http2 for s in members),
        "tls": first["tls"],
        "sites": len(members),
    })
