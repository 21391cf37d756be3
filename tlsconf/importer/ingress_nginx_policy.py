"""One site's TLS, HSTS, redirect, client-certificate and backend-TLS settings as ingress-nginx
serves them (controller ConfigMap, then the Ingress's annotations, then ingress-nginx's
defaults), the spec fields they become, and the lint findings on them.

A value ingress-nginx takes from its defaults is located at the Ingress (a `server-default`
origin for the linter); a value a key sets is located at that key's value. The report entry of
a ConfigMap key names `sites[*]`: it applies to every site.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from msgspec import Struct, field

from tlsconf import profiles
from tlsconf.config import Settings
from tlsconf.errors import Location, Path, short_repr
from tlsconf.findings import Finding
from tlsconf.grammar import precise_domain
from tlsconf.importer import ingress_nginx_keys as keys
from tlsconf.importer.ingress_nginx_keys import Value, Values
from tlsconf.importer.model import Entry
from tlsconf.importer.profile import Policy as ProfilePolicy
from tlsconf.importer.profile import choose
from tlsconf.ingest.common import SiteBuilder, config_origin, default_origin
from tlsconf.policy import HSTSPolicy

SECRETS = "/etc/tlsconf/secrets"  # where a Secret's keys would be mounted (`<ns>/<name>/`)
RENDERED_REDIRECT = 301  # what every tlsconf target sends
CLIENT_MODES = {"on": "required", "optional": "optional", "optional_no_ca": "optional"}


class Setting(Struct, frozen=True):
    """A resolved value and the key that set it (None: ingress-nginx's default)."""

    value: Any
    source: Value | None = None


class Policy(Struct):
    """What one site gets; `fields` are the spec's (under the site), `origins` where each was
    written in the input, `entries` the report lines that are not one key's."""

    protocols: Setting
    ciphers: Setting  # list of suite names
    cipher_string: Setting
    curves: Setting  # list, or None for OpenSSL's default
    prefer: Setting  # bool or None
    hsts: HSTSPolicy
    hsts_at: Value | None
    redirect: Setting
    session_tickets: Setting
    ticket_key: bool
    where: Location  # the Ingress
    fields: dict[str, Any] = field(default_factory=dict)
    origins: dict[Path, Location] = field(default_factory=dict)
    notes: dict[Path, str] = field(default_factory=dict)  # the profile's label
    entries: list[Entry] = field(default_factory=list)
    backend_tls: dict[str, Any] | None = None  # Service.tls, hostname "" for the default


def _pick(annotations: Values, controller: Values, name: str) -> Value | None:
    return annotations.get(name) or controller.get(name)


def read(controller: Values, annotations: Values, index: int, where: Location, ns: str,
         secret: str) -> Policy:
    """The site `index` (its Ingress's annotations, the controller ConfigMap)."""
    site = f"sites[{index}]"
    cm = controller.get
    protocols = keys.protocols(cm("ssl-protocols"))
    cipher_value = _pick(annotations, controller, "ssl-ciphers")
    suites, unknown = keys.ciphers(cipher_value)
    curve_value = cm("ssl-ecdh-curve")
    curves = keys.curves(curve_value) if curve_value is not None else None
    prefer_value = _pick(annotations, controller, "ssl-prefer-server-ciphers")
    prefer = keys.boolean(prefer_value, "false") if prefer_value is not None else None
    tickets_value = cm("ssl-session-tickets")
    tickets = keys.boolean(tickets_value, "false") if tickets_value is not None else None
    max_age = cm("hsts-max-age")
    hsts = HSTSPolicy(keys.boolean(cm("hsts"), keys.DEFAULTS["hsts"]),
                      keys.integer(max_age, 0, 2**31 - 1) if max_age is not None
                      else int(keys.DEFAULTS["hsts-max-age"]),
                      keys.boolean(cm("hsts-include-subdomains"),
                                   keys.DEFAULTS["hsts-include-subdomains"]),
                      keys.boolean(cm("hsts-preload"), keys.DEFAULTS["hsts-preload"]))
    ssl_redirect = _pick(annotations, controller, "ssl-redirect")
    force = _pick(annotations, controller, "force-ssl-redirect")
    redirect = keys.boolean(ssl_redirect, "true") or keys.boolean(force, "false")
    policy = Policy(
        Setting(protocols, cm("ssl-protocols")), Setting(suites, cipher_value),
        Setting(":".join(suites) if not unknown else None, cipher_value),
        Setting(curves, curve_value), Setting(prefer, prefer_value), hsts,
        cm("hsts-max-age") or cm("hsts"), Setting(redirect, ssl_redirect or force),
        Setting(tickets, tickets_value), cm("ssl-session-ticket-key") is not None, where)
    tls = _tls(policy, controller, annotations, site, unknown, ns, secret)
    _session(policy, controller, site, tls)
    _client_auth(policy, annotations, site, tls, ns)
    policy.fields["tls"] = tls
    _hsts(policy, controller, site)
    _redirect(policy, controller, annotations, ssl_redirect, force, site)
    if not keys.boolean(cm("use-http2"), "true"):
        policy.fields["http2"] = False
        _origin(policy, ("http2",), cm("use-http2"))
    controller.note("use-http2", "mapped", "HTTP/2 (ALPN h2)", "sites[*].http2")
    _backend(policy, annotations, site, ns)
    return policy


DEFAULT_OF = {("tls", "protocols"): "ssl-protocols", ("tls", "ciphers"): "ssl-ciphers",
              ("hsts", "max_age"): "hsts-max-age",
              ("tls", "session_timeout"): "ssl-session-timeout (10m)"}
INGRESS_SESSION_TIMEOUT = 600  # `ssl-session-timeout`'s default, 10m (configmap.md)


def _origin(policy: Policy, path: Path, source: Value | None) -> None:
    """Where a written value comes from: the key's value, or the Ingress for a default (said
    in the comment: `ingress-nginx's default ssl-ciphers`)."""
    policy.origins[path] = source.value_at if source is not None else policy.where
    if source is None and path in DEFAULT_OF:
        policy.notes[path] = f"ingress-nginx's default {DEFAULT_OF[path]}"


def _tls(policy: Policy, controller: Values, annotations: Values, site: str,
         unknown: tuple[str, ...], ns: str, secret: str) -> dict[str, Any]:
    base = f"{SECRETS}/{ns}/{secret}"
    tls: dict[str, Any] = {"certificate": f"{base}/tls.crt", "key": f"{base}/tls.key"}
    protocols = policy.protocols.value
    legacy = any(p != "TLSv1.3" for p in protocols)
    curves = policy.curves.value
    choice = choose(ProfilePolicy(
        protocols=tuple(protocols), ciphers=tuple(policy.ciphers.value) if legacy else None,
        curves=tuple(curves) if curves is not None else None,
        prefer_server_ciphers=policy.prefer.value))
    tls["profile"] = choice.profile
    policy.origins[("tls", "profile")] = policy.where
    policy.notes[("tls", "profile")] = choice.label
    sources = {"protocols": policy.protocols.source, "ciphers": policy.ciphers.source,
               "curves": policy.curves.source, "prefer_server_ciphers": policy.prefer.source}
    for name, value in choice.overrides.items():
        tls[name] = value
        _origin(policy, ("tls", name), sources[name])
    controller.note("ssl-protocols", "mapped", choice.label if "protocols" not in
                    choice.overrides else "the versions", "sites[*].tls.protocols")
    source = policy.ciphers.source
    owner = annotations if source is not None and source is annotations.get("ssl-ciphers") \
        else controller
    at = site if owner is annotations else "sites[*]"
    if not legacy:
        owner.note("ssl-ciphers", "dropped", "ssl-protocols enables TLS 1.3 only: TLS <= 1.2 "
                                             "suites are never used")
    else:
        written = source.text.split(":") if source is not None else []
        if source is not None and (unknown or written != policy.ciphers.value):
            skipped = f"; OpenSSL skips {', '.join(short_repr(u) for u in unknown)}" \
                if unknown else ""
            owner.note("ssl-ciphers", "approximated", f"the cipher string expanded with "
                       f"tlsconf's suite table to {len(policy.ciphers.value)} suites{skipped}",
                       f"{at}.tls.ciphers")
        elif owner is annotations and controller.get("ssl-ciphers") is not None:
            owner.note("ssl-ciphers", "approximated", "per-Ingress suites (over the "
                       "ConfigMap's): Gateway implementations that set TLS per listener or "
                       "port (Traefik, NGINX Gateway Fabric) refuse sites that differ",
                       f"{at}.tls.ciphers")
        else:
            owner.note("ssl-ciphers", "mapped", "the suites, in order", f"{at}.tls.ciphers")
    controller.note("ssl-ecdh-curve", "approximated" if curves is None else "mapped",
                    "auto is the OpenSSL build's list (X25519, P-256, X448, P-521, P-384 and "
                    "FFDHE on 3.0): the spec uses the profile's groups"
                    if curves is None else "the groups, in order",
                    "sites[*].tls.curves")
    if policy.prefer.value is not None:
        for values in (annotations, controller):
            values.note("ssl-prefer-server-ciphers", "mapped", "server cipher order",
                        f"{site}.tls.prefer_server_ciphers")
    return tls


def _session(policy: Policy, controller: Values, site: str, tls: dict[str, Any]) -> None:
    timeout = controller.get("ssl-session-timeout")
    if timeout is None:  # ingress-nginx's own 10m, not the spec's default of a day
        tls["session_timeout"] = INGRESS_SESSION_TIMEOUT
        _origin(policy, ("tls", "session_timeout"), None)
    else:
        value = keys.seconds(timeout)
        if not 60 <= value <= 604800:
            raise keys.refuse(timeout, f"{value} seconds: the spec's session_timeout is 60 "
                                       "seconds to 7 days")
        tls["session_timeout"] = value
        _origin(policy, ("tls", "session_timeout"), timeout)
        controller.note("ssl-session-timeout", "mapped", "seconds", "sites[*].tls.session_timeout")
    tickets = policy.session_tickets
    if tickets.value is not None:
        tls["session_tickets"] = tickets.value
        _origin(policy, ("tls", "session_tickets"), tickets.source)
        controller.note("ssl-session-tickets", "mapped" if tickets.value else "approximated",
                        "tickets on" if tickets.value else "tickets off: resumption through "
                        "the session cache where the target has one (Go-based Traefik and "
                        "Caddy have none: no resumption there)", "sites[*].tls.session_tickets")


def _client_auth(policy: Policy, annotations: Values, site: str, tls: dict[str, Any],
                 ns: str) -> None:
    secret = annotations.get("auth-tls-secret")
    mode_value = annotations.get("auth-tls-verify-client")
    mode = mode_value.text.strip() if mode_value is not None else "on"
    if mode_value is not None and mode not in (*CLIENT_MODES, "off"):
        raise keys.refuse(mode_value, f"{short_repr(mode)}: allowed values are on, off, "
                                      "optional and optional_no_ca")
    if secret is None or mode == "off":
        annotations.note("auth-tls-secret", "dropped", "auth-tls-verify-client is off: no "
                                                       "client certificates are asked for")
        for name in ("auth-tls-verify-client", "auth-tls-verify-depth", "auth-tls-match-cn"):
            annotations.note(name, "dropped", "no auth-tls-secret: ingress-nginx ignores it"
                             if secret is None else "auth-tls-verify-client is off")
        return
    name = keys.secret_ref(secret, ns)
    tls["client_auth"] = {"ca": f"{SECRETS}/{ns}/{name}/ca.crt", "mode": CLIENT_MODES[mode]}
    _origin(policy, ("tls", "client_auth"), secret)
    _origin(policy, ("kubernetes", "client_ca"), secret)
    policy.fields["client_ca"] = name
    annotations.note("auth-tls-secret", "mapped", "its ca.crt is the client CA: a ConfigMap "
                     "(Gateway API frontend validation) or Secret (Traefik) of that name",
                     f"{site}.kubernetes.client_ca")
    if mode == "optional_no_ca":
        annotations.note("auth-tls-verify-client", "approximated", "optional_no_ca accepted any "
                         "certificate; optional refuses one the CA did not sign",
                         f"{site}.tls.client_auth.mode")
    else:
        annotations.note("auth-tls-verify-client", "mapped", CLIENT_MODES[mode],
                         f"{site}.tls.client_auth.mode")
    annotations.note("auth-tls-verify-depth", "dropped", "no spec field: the Gateway accepts "
                     "chains of any length to the CA (ingress-nginx's default was 1)")
    annotations.note("auth-tls-match-cn", "approximated", "WEAKER: Gateway API and Traefik "
                     "cannot match the subject, so every certificate the CA signs is accepted; "
                     "give these clients a CA of their own", f"{site}.tls.client_auth")


def _hsts(policy: Policy, controller: Values, site: str) -> None:
    hsts = policy.hsts
    out: dict[str, Any] = {}
    for name in ("hsts", "hsts-max-age", "hsts-include-subdomains", "hsts-preload"):
        controller.note(name, "mapped", "Strict-Transport-Security on every route",
                        "sites[*].hsts" if name == "hsts" else
                        f"sites[*].hsts.{name.removeprefix('hsts-').replace('-', '_')}")
    if not hsts.enabled:
        policy.fields["hsts"] = {"enabled": False}
        _origin(policy, ("hsts", "enabled"), controller.get("hsts"))
        return
    if hsts.preload and (not hsts.include_subdomains or hsts.max_age < 31536000):
        source = controller.get("hsts-preload")
        assert source is not None
        raise keys.refuse(source, "preload needs hsts-include-subdomains true and hsts-max-age "
                                  ">= 31536000 (the spec, and the browsers' preload list)")
    if hsts.max_age != profiles.get(policy.fields["tls"]["profile"]).hsts_min_age:
        out["max_age"] = hsts.max_age
        _origin(policy, ("hsts", "max_age"), controller.get("hsts-max-age"))
    if not hsts.include_subdomains:
        out["include_subdomains"] = False
        _origin(policy, ("hsts", "include_subdomains"), controller.get("hsts-include-subdomains"))
    if hsts.preload:
        out["preload"] = True
        _origin(policy, ("hsts", "preload"), controller.get("hsts-preload"))
    if out:
        policy.fields["hsts"] = out


def _redirect(policy: Policy, controller: Values, annotations: Values, ssl_redirect: Value | None,
              force: Value | None, site: str) -> None:
    if not policy.redirect.value:
        policy.fields["redirect_http"] = False
        _origin(policy, ("redirect_http",), ssl_redirect)
    for values, at in ((annotations, site), (controller, "sites[*]")):
        for name in ("ssl-redirect", "force-ssl-redirect"):
            values.note(name, "mapped", "port 80 redirects to https" if policy.redirect.value
                        else "no redirect", f"{at}.redirect_http")
    code_value = controller.get("http-redirect-code")
    code = keys.integer(code_value, 300, 399) if code_value else 308
    if not policy.redirect.value:
        return  # the key is reported by a site that redirects, else dropped as unused
    if code == RENDERED_REDIRECT:
        controller.note("http-redirect-code", "mapped", "301", "sites[*].redirect_http")
        return
    if code_value is not None:
        controller.note("http-redirect-code", "approximated", f"ingress-nginx redirected with "
                        f"{code}; tlsconf's targets send {RENDERED_REDIRECT}",
                        "sites[*].redirect_http")
    elif not any(e.key == "http-redirect-code (default 308)" for e in controller.entries):
        controller.entries.append(Entry(policy.where, "http-redirect-code (default 308)",
                                        "approximated", f"ingress-nginx redirected with 308; "
                                        f"tlsconf's targets send {RENDERED_REDIRECT}",
                                        "sites[*].redirect_http"))


def _backend(policy: Policy, annotations: Values, site: str, ns: str) -> None:
    protocol_value = annotations.get("backend-protocol")
    protocol = protocol_value.text.strip().upper() if protocol_value is not None else "HTTP"
    if protocol not in ("HTTP", "HTTPS"):
        assert protocol_value is not None
        raise keys.refuse(protocol_value, f"backend-protocol {short_repr(protocol)}: the spec "
                                          "proxies HTTP and HTTPS only (not gRPC or FastCGI)")
    proxy = [n for n in ("proxy-ssl-secret", "proxy-ssl-verify", "proxy-ssl-name",
                         "proxy-ssl-server-name") if annotations.get(n) is not None]
    if protocol == "HTTP":
        annotations.note("backend-protocol", "mapped", "plain HTTP to the Services",
                         f"{site}.upstreams")
        for name in proxy:
            annotations.note(name, "dropped", "backend-protocol is HTTP: ingress-nginx ignores "
                                              "it")
        return
    name_value = annotations.get("proxy-ssl-name")
    hostname = ""
    if name_value is not None:
        try:
            hostname = precise_domain(name_value.text.strip())
        except ValueError as exc:
            raise keys.refuse(name_value, f"{short_repr(name_value.text)} {exc}") from None
    tls: dict[str, Any] = {"hostname": hostname}
    verify = annotations.get("proxy-ssl-verify")
    for name in ("proxy-ssl-verify", "proxy-ssl-server-name"):
        value = annotations.get(name)
        if value is not None and value.text.strip() not in ("on", "off"):
            raise keys.refuse(value, f"{short_repr(value.text)}: allowed values are on and off")
    secret = annotations.get("proxy-ssl-secret")
    if secret is not None:
        tls["ca_configmap"] = keys.secret_ref(secret, ns)
    policy.backend_tls = tls
    annotations.note("backend-protocol", "mapped", "HTTPS: a BackendTLSPolicy per Service",
                     "kubernetes.services")
    verified = verify is not None and verify.text.strip() == "on"
    annotations.note("proxy-ssl-verify", "mapped" if verified else "approximated",
                     "the certificate is verified" if verified else "STRICTER: ingress-nginx "
                     "did not verify the Service's certificate; BackendTLSPolicy always does",
                     "kubernetes.services")
    annotations.note("proxy-ssl-name", "mapped", "the name sent and verified",
                     "kubernetes.services")
    annotations.note("proxy-ssl-server-name", "mapped", "BackendTLSPolicy always sends the "
                     "hostname as SNI", "kubernetes.services")
    annotations.note("proxy-ssl-secret", "approximated", "its ca.crt verifies the Service: "
                     "BackendTLSPolicy reads a ConfigMap (key ca.crt) of the same name; the "
                     "client certificate in it is not carried", "kubernetes.services")
    if not verified and verify is None:
        policy.entries.append(Entry(policy.where, "proxy-ssl-verify (default off)",
                                    "approximated", "STRICTER: ingress-nginx did not verify the "
                                    "Service's certificate; BackendTLSPolicy always does",
                                    "kubernetes.services"))


def lint(policies: Sequence[Policy], names: Sequence[str], hosts: Sequence[Sequence[str]],
         settings: Settings) -> list[Finding]:
    """The linter's findings on the input: one `nginx` subject per site."""
    from tlsconf.judge import verdict

    subjects = []
    for policy, name, domains in zip(policies, names, hosts, strict=True):
        b = SiteBuilder("nginx", name, policy.where, tuple(domains))

        def origin(setting: Setting, key: str, default: str, where: Location = policy.where
                   ) -> Any:
            source = setting.source
            if source is not None:
                return config_origin(source.key, source.value_at)
            return default_origin(f"ingress-nginx's default {key}: {default}", where)

        b.protocols = tuple(policy.protocols.value)
        b.origins["protocols"] = origin(policy.protocols, "ssl-protocols",
                                        keys.DEFAULTS["ssl-protocols"])
        b.set_cipher_string(policy.cipher_string.value or ":".join(policy.ciphers.value),
                            origin(policy.ciphers, "ssl-ciphers", "8 suites, 2 of them DHE"))
        if policy.curves.value is not None:
            b.curves = tuple(policy.curves.value)
            b.origins["curves"] = origin(policy.curves, "ssl-ecdh-curve", "auto")
        if policy.prefer.value is not None:
            b.prefer_server_ciphers = policy.prefer.value
            b.origins["prefer_server_ciphers"] = origin(policy.prefer, "", "")
        b.session_tickets = bool(policy.session_tickets.value)
        b.hsts = policy.hsts
        b.origins["hsts"] = (config_origin(policy.hsts_at.key, policy.hsts_at.value_at)
                             if policy.hsts_at is not None else default_origin(
                                 "ingress-nginx's default HSTS: max-age=31536000; "
                                 "includeSubDomains", policy.where))
        b.facts["http_redirect"] = policy.redirect.value
        if policy.redirect.source is not None:
            b.where["redirect_http"] = policy.redirect.source.value_at
        b.facts["tickets_unrotated"] = policy.ticket_key and bool(policy.session_tickets.value)
        subjects.append(b.build())
    return verdict(subjects, [], settings).findings
