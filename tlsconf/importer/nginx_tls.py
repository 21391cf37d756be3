"""A TLS server's `ssl_*` directives → the site's `tls` section.

The policy (protocols, suites, groups, tickets, stapling) is the one lint resolved for the
server (`Subject.site.tls`: nginx's defaults where a directive is absent, `http {}`'s where the
server inherits it), expressed as a Mozilla profile plus the fewest overrides
(`tlsconf.importer.profile`). The rest — certificate and key, client verification, the
stapling chain, DH parameters, session timeout — is read from the directives themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from tlsconf.grammar import ip_address
from tlsconf.importer.nginx_out import Out, seconds, valid
from tlsconf.importer.profile import Policy, choose
from tlsconf.ingest.nginx import Node
from tlsconf.lint.model import SERVER_DEFAULT, Subject

# TLS directives the spec has no field for, and why (others get the generic reason).
UNREPRESENTABLE = {
    "ssl_early_data": "tlsconf never enables TLS 1.3 early data (0-RTT requests can be replayed)",
    "ssl_session_ticket_key": "tlsconf never renders static ticket keys",
    "ssl_buffer_size": "tlsconf keeps nginx's default",
    "ssl_verify_depth": "tlsconf keeps nginx's default verification depth",
    "ssl_password_file": "tlsconf reads unencrypted keys only",
    "ssl_crl": "tlsconf renders no CRL",
    "ssl_ocsp": "tlsconf renders no client-certificate OCSP check",
}
POLICY_DIRECTIVES = {"protocols": ("ssl_protocols",), "ciphers": ("ssl_ciphers",),
                     "curves": ("ssl_ecdh_curve",),
                     "prefer_server_ciphers": ("ssl_prefer_server_ciphers",)}
Eff = Callable[[str], list[Node]]  # a directive's nodes: the server's, else http's
SESSION_MIN, SESSION_MAX = 60, 604800  # spec `tls.session_timeout`
NGINX_SESSION_TIMEOUT = 300  # `ssl_session_timeout`'s default (5m)


def tls_section(out: Out, main: str, server: Node, http: Node, subject: Subject,
                index: int) -> dict[str, object]:
    def eff(name: str) -> list[Node]:
        return server.get(name) or http.get(name)

    spec_base = f"sites[{index}].tls"
    base = ("sites", index, "tls")
    tls: dict[str, object] = {}
    for field, name in (("certificate", "ssl_certificate"), ("key", "ssl_certificate_key")):
        nodes = eff(name)
        if not nodes:
            out.error(server, name, f"no {name}: a tlsconf site serves one certificate and key "
                      "(add them to the server)")
            continue
        value = out.file(main, nodes[0], f"{spec_base}.{field}")
        if value is not None:
            tls[field] = value
            out.at((*base, field), nodes[0])
        for extra in nodes[1:]:
            out.drop(extra, "tlsconf serves one certificate per site (the first is imported)")

    policy = subject.site.tls
    prefer = eff("ssl_prefer_server_ciphers")
    # nginx's default cipher string on a TLS 1.3-only server selects nothing that is used:
    # not an override (the spec's modern profile has no TLS <= 1.2 list either).
    unset = not eff("ssl_ciphers")
    dead = unset and not any(p in ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2")
                             for p in policy.protocols)
    choice = choose(Policy(
        protocols=policy.protocols, ciphers=None if dead else policy.ciphers,
        ciphersuites=policy.ciphersuites,
        curves=policy.curves or None,
        prefer_server_ciphers=bool(prefer) and prefer[-1].args == ["on"]))
    if choice.overrides.get("ciphers") == [] and not dead:
        out.error(eff("ssl_ciphers")[-1] if eff("ssl_ciphers") else server, "ssl_ciphers",
                  "selects no TLS <= 1.2 suite while a version below TLS 1.3 is enabled "
                  "(OpenSSL refuses such a list: `nginx -t` fails)")
    tls["profile"] = choice.profile
    out.at((*base, "profile"), server)
    out.notes[(*base, "profile")] = choice.label
    tls.update(choice.overrides)
    for field in choice.overrides:
        origin = subject.site.origins.get(field)
        if origin is not None and origin.kind == SERVER_DEFAULT:  # the server leaves it unset
            out.notes[(*base, field)] = origin.detail
        if origin is not None and origin.location is not None:
            out.origin((*base, field), origin.location)
        else:
            out.at((*base, field), server)
    for field, names in POLICY_DIRECTIVES.items():
        for name in names:
            for node in eff(name):
                _policy_entry(out, node, field, spec_base, choice.overrides, choice.label)
    for node in eff("ssl_conf_command"):
        if node.args[:1] and node.args[0].lower() == "ciphersuites":
            _policy_entry(out, node, "ciphersuites", spec_base, choice.overrides, choice.label)
        else:
            out.drop(node, "tlsconf renders only `ssl_conf_command Ciphersuites`")
    for node in eff("ssl_session_tickets"):
        out.mapped(node, f"{spec_base}.session_tickets")
        tls["session_tickets"] = node.args == ["on"]
        out.at((*base, "session_tickets"), node)
    _session(out, eff, tls, spec_base, base)
    _stapling(out, main, eff, tls, spec_base, base)
    _client_auth(out, main, eff, tls, spec_base, base)
    for node in eff("ssl_dhparam"):
        value = out.file(main, node, f"{spec_base}.dhparam")
        if value is not None:
            tls["dhparam"] = value
            out.at((*base, "dhparam"), node)
    for name, why in UNREPRESENTABLE.items():
        for node in eff(name):
            out.drop(node, why)
    for node in server.get("ssl") or http.get("ssl"):
        out.mapped(node, f"sites[{index}]", "TLS on this server (deprecated `ssl on`)")
    return tls


def _policy_entry(out: Out, node: Node, field: str, spec_base: str,
                  overrides: dict[str, object], label: str) -> None:
    path = f"{spec_base}.{field}"
    if field in overrides:
        out.mapped(node, path)
    elif field == "curves" and node.args == ["auto"]:
        out.approx(node, f"{spec_base}.profile", "`auto` (OpenSSL's default groups): the spec "
                   "uses the profile's")
    else:
        out.mapped(node, f"{spec_base}.profile", f"{spec_base}.profile: equal to {label}")


def _session(out: Out, eff: Eff, tls: dict[str, object], spec_base: str,
             base: tuple[str | int, ...]) -> None:
    if not eff("ssl_session_timeout"):  # nginx's own 5m, not the spec's default of a day
        tls["session_timeout"] = NGINX_SESSION_TIMEOUT
        out.notes[(*base, "session_timeout")] = "nginx's default (5m): no ssl_session_timeout"
    for node in eff("ssl_session_timeout"):
        value = seconds(node.args[0]) if node.args else None
        if value is None or not SESSION_MIN <= value <= SESSION_MAX:
            out.drop(node, f"{' '.join(node.args)!r}: the spec allows {SESSION_MIN} to "
                     f"{SESSION_MAX} seconds")
            continue
        tls["session_timeout"] = value
        out.mapped(node, f"{spec_base}.session_timeout")
        out.at((*base, "session_timeout"), node)
    for node in eff("ssl_session_cache"):
        out.approx(node, spec_base, "tlsconf always renders a shared session cache "
                   "(shared:tlsconf:10m), so resumption works on every profile")


def _stapling(out: Out, main: str, eff: Eff, tls: dict[str, object], spec_base: str,
              base: tuple[str | int, ...]) -> None:
    stapling = eff("ssl_stapling")
    on = bool(stapling) and stapling[-1].args == ["on"]
    for node in stapling:
        out.mapped(node, f"{spec_base}.ocsp_stapling")
        tls["ocsp_stapling"] = on
        out.at((*base, "ocsp_stapling"), node)
    resolvers: list[str] = []
    for node in eff("resolver"):
        if not on:
            out.drop(node, "only used for OCSP stapling by tlsconf, which is off here")
            continue
        bare = [a[1:-1] if a.startswith("[") and a.endswith("]") else a for a in node.args]
        ips = [a for a in bare if valid(ip_address, a) is None]  # `[::1]`: nginx's IPv6 form
        rest = [a for a, b in zip(node.args, bare, strict=True) if b not in ips]
        resolvers += [a for a in ips if a not in resolvers]
        if rest:
            out.approx(node, f"{spec_base}.resolvers", "not rendered as written: "
                       + " ".join(rest) + " (tlsconf renders valid=300s)")
        else:
            out.mapped(node, f"{spec_base}.resolvers")
        out.at((*base, "resolvers"), node)
    if resolvers:
        tls["resolvers"] = resolvers
    elif on:  # nginx cannot reach the responder: it staples nothing
        tls["ocsp_stapling"] = False
        for node in stapling:
            out.approx(node, f"{spec_base}.ocsp_stapling", "off: without a `resolver` IP "
                       "address nginx cannot reach the OCSP responder and staples nothing")
    for node in eff("resolver_timeout"):
        out.approx(node, f"{spec_base}.resolvers", "tlsconf renders resolver_timeout 5s")
    verify = eff("ssl_stapling_verify")
    trusted = eff("ssl_trusted_certificate")
    for node in trusted:
        value = out.file(main, node, f"{spec_base}.trusted_ca")
        if value is not None:
            tls["trusted_ca"] = value
            out.at((*base, "trusted_ca"), node)
    for node in verify:
        if node.args == ["on"] and trusted:
            out.mapped(node, f"{spec_base}.trusted_ca", "verified with trusted_ca")
        else:
            out.approx(node, f"{spec_base}.trusted_ca", "tlsconf verifies stapled responses "
                       "exactly when trusted_ca is set")


def _client_auth(out: Out, main: str, eff: Eff, tls: dict[str, object], spec_base: str,
                 base: tuple[str | int, ...]) -> None:
    verify = eff("ssl_verify_client")
    cas = eff("ssl_client_certificate")
    mode = verify[-1].args[0] if verify and verify[-1].args else "off"
    path = f"{spec_base}.client_auth"
    if mode not in ("on", "optional") or not cas:
        for node in verify + cas:
            (out.mapped(node, spec_base, "client certificates off (tlsconf's default)")
             if mode == "off" else out.drop(node, f"ssl_verify_client {mode}"
                                            + ("" if cas else " without ssl_client_certificate")
                                            + ": not a mode tlsconf renders (on, optional)"))
        return
    ca = out.file(main, cas[0], f"{path}.ca")
    if ca is None:
        return
    tls["client_auth"] = {"ca": ca, "mode": "required" if mode == "on" else "optional"}
    out.at((*base, "client_auth"), verify[-1])
    for node in verify:
        out.mapped(node, f"{path}.mode")
