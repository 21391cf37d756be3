"""Resolved TLS policies → Traefik `tls.options` (Go crypto/tls), behind Traefik version gates.

Go is not OpenSSL: it takes IANA suite names, has no DHE, no SSLv3, no session cache (resumption
is by tickets only) and a fixed set of TLS 1.3 suites; it rotates ticket keys itself. What Go
cannot do the way the spec asks is an error naming the field; what the *profile* asks for and
Go or the target version cannot do is left out, as the profile's intent on that server —
silently for groups (as for nginx on an old OpenSSL), with a warning for cipher suites.

Traefik picks `tls.options` per SNI name from the routers' `Host()` rules. A client without SNI,
with an unknown name, or with a name only a `HostRegexp()` rule matches (every wildcard domain)
gets `tls.options.default` — Go's defaults unless it is set — so `default_options` always sets
it to a policy of the spec and refuses specs where that would change a site's policy.
"""

from __future__ import annotations

from collections.abc import Iterable

from tlsconf import suites
from tlsconf.errors import Problem
from tlsconf.names import GROUPS_BY_NAME, PROTOCOLS, protocol_rank
from tlsconf.policy import SitePolicy

# Version gates (Traefik release that introduced the setting).
DISABLE_SESSION_TICKETS = (3, 4)  # tls.options.*.disableSessionTickets
POST_QUANTUM_GROUPS = GROUPS_BY_NAME["X25519MLKEM768"].traefik_min  # (3, 5): X25519MLKEM768
OCSP_STAPLING = (3, 5)  # static `ocsp: {}`

GO_VERSIONS = {
    "TLSv1": "VersionTLS10",
    "TLSv1.1": "VersionTLS11",
    "TLSv1.2": "VersionTLS12",
    "TLSv1.3": "VersionTLS13",
}
# Go's crypto/tls negotiates exactly these TLS 1.3 suites; they cannot be configured.
GO_TLS13_SUITES = tuple(s.iana for s in suites.TLS13_SUITES if s.go)
CLIENT_AUTH = {"required": "RequireAndVerifyClientCert", "optional": "VerifyClientCertIfGiven"}
# nginx verifies stapled responses against this file; Traefik checks them against the chain.
# (`resolvers`, which the spec requires with stapling, are simply not needed: Go resolves.)
NGINX_ONLY = ("trusted_ca",)


def dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def _problem(site: SitePolicy, field: str, message: str) -> Problem:
    """A problem at `sites[i].tls.<field>`, located where the value was written."""
    origin = site.tls_origin(field)
    location = origin.location if origin.kind == "spec" and origin.location else site.location
    return Problem(location, f"sites[{site.index}].tls.{field}", message)


def site_options(
    site: SitePolicy, version: tuple[int, ...]
) -> tuple[dict[str, object], list[Problem], list[Problem]]:
    """The site's `tls.options` entry, the errors that make it impossible, and adaptations."""
    tls = site.tls
    problems: list[Problem] = []
    warnings: list[Problem] = []
    options: dict[str, object] = {}
    options.update(_versions(site, problems))
    legacy = any(p != "TLSv1.3" for p in tls.protocols)
    if legacy:
        options["cipherSuites"] = _cipher_suites(site, problems, warnings)
    _check_tls13_suites(site, problems)
    options["curvePreferences"] = _curves(site, version, problems)
    options["alpnProtocols"] = ["h2", "http/1.1"] if site.http2 else ["http/1.1"]
    if tls.client_auth is not None:
        options["clientAuth"] = {
            "caFiles": [tls.client_auth.ca],
            "clientAuthType": CLIENT_AUTH[tls.client_auth.mode],
        }
    # Go rotates ticket keys itself (daily) and has no server-side session cache: tickets are
    # its only resumption mechanism, for TLS 1.2 and 1.3. They stay on unless the spec says no.
    tickets = True if tls.session_tickets is None else tls.session_tickets
    if version >= DISABLE_SESSION_TICKETS:
        options["disableSessionTickets"] = not tickets
    elif not tickets:
        problems.append(
            _problem(
                site,
                "session_tickets",
                f"turning session tickets off needs Traefik >= {dotted(DISABLE_SESSION_TICKETS)} "
                f"(disableSessionTickets); targets.traefik.version is {dotted(version)}",
            )
        )
    if tls.ocsp_stapling and version < OCSP_STAPLING:
        problems.append(
            _problem(
                site,
                "ocsp_stapling",
                f"OCSP stapling needs Traefik >= {dotted(OCSP_STAPLING)}; targets.traefik.version "
                f"is {dotted(version)}",
            )
        )
    warnings += _ignored(site)
    return options, problems, warnings


def _versions(site: SitePolicy, problems: list[Problem]) -> dict[str, str]:
    ranks = sorted({protocol_rank(p) for p in site.tls.protocols})
    names = [PROTOCOLS[r] for r in ranks]
    unsupported = [p for p in names if p not in GO_VERSIONS]
    if unsupported:
        problems.append(
            _problem(
                site, "protocols", f"Go's crypto/tls (Traefik) has no {', '.join(unsupported)}"
            )
        )
        return {}
    if ranks != list(range(ranks[0], ranks[-1] + 1)):
        problems.append(
            _problem(
                site,
                "protocols",
                f"Traefik takes a minimum and a maximum version; {', '.join(names)} leaves a gap",
            )
        )
        return {}
    return {"minVersion": GO_VERSIONS[names[0]], "maxVersion": GO_VERSIONS[names[-1]]}


def _cipher_suites(site: SitePolicy, problems: list[Problem], warnings: list[Problem]) -> list[str]:
    keep: list[str] = []
    missing: list[str] = []
    for name in site.tls.ciphers:
        suite = suites.lookup(name)
        go = suite.go if suite is not None else None
        if go is None:
            missing.append(name)
        elif go not in keep:
            keep.append(go)
    if missing and site.tls_origin("ciphers").kind == "spec":
        problems.append(
            _problem(
                site,
                "ciphers",
                f"Go's crypto/tls (Traefik) cannot negotiate {', '.join(missing)}; remove them",
            )
        )
    elif missing:
        warnings.append(
            _problem(
                site,
                "ciphers",
                f"left out {', '.join(missing)} from the Mozilla {site.tls.profile} suites: Go's "
                "crypto/tls cannot negotiate them (Mozilla's own Go list omits them too)",
            )
        )
    if not keep and not missing:
        problems.append(
            _problem(
                site,
                "ciphers",
                "TLS <= 1.2 is enabled but no cipher suite is listed; Traefik would refuse every "
                "TLS 1.2 handshake",
            )
        )
    elif not keep:
        problems.append(
            _problem(site, "ciphers", "no listed cipher suite is usable with Go's crypto/tls")
        )
    return keep


def _check_tls13_suites(site: SitePolicy, problems: list[Problem]) -> None:
    if "TLSv1.3" not in site.tls.protocols or site.tls_origin("ciphersuites").kind != "spec":
        return
    if set(site.tls.ciphersuites) != set(GO_TLS13_SUITES):
        problems.append(
            _problem(
                site,
                "ciphersuites",
                f"Go's crypto/tls (Traefik) always negotiates exactly {', '.join(GO_TLS13_SUITES)} "
                "in TLS 1.3 and cannot be configured; remove the override",
            )
        )


def _curves(site: SitePolicy, version: tuple[int, ...], problems: list[Problem]) -> list[str]:
    origin = site.tls_origin("curves")
    keep: list[str] = []
    refused = False
    for name in site.tls.curves:
        group = GROUPS_BY_NAME[name]
        if group.go is None:
            reason = "Go's crypto/tls (Traefik) cannot use it"
        elif version < group.traefik_min:
            reason = (
                f"it needs Traefik >= {dotted(group.traefik_min)}; targets.traefik.version "
                f"is {dotted(version)}"
            )
        else:
            keep.append(group.go)
            continue
        if origin.kind == "spec":
            refused = True
            problems.append(_problem(site, "curves", f"{name}: {reason}"))
    if not keep and not refused:
        problems.append(_problem(site, "curves", "no group is usable with Traefik"))
    return keep


def _ignored(site: SitePolicy) -> list[Problem]:
    """Spec settings Go has no knob for: said once, never silently dropped."""
    tls = site.tls
    out = []
    if site.tls_origin("session_timeout").kind == "spec":
        out.append(
            _problem(
                site,
                "session_timeout",
                "ignored: Go's crypto/tls sets the session ticket lifetime itself",
            )
        )
    if site.tls_origin("prefer_server_ciphers").kind == "spec":
        out.append(
            _problem(
                site,
                "prefer_server_ciphers",
                "ignored: Go's crypto/tls (>= 1.17) chooses the suite order itself; Traefik's "
                "preferServerCipherSuites is deprecated",
            )
        )
    if tls.dhparam is not None:
        out.append(_problem(site, "dhparam", "ignored: Go's crypto/tls has no DHE suites"))
    for name in NGINX_ONLY:
        if getattr(tls, name):
            out.append(
                _problem(site, name, "ignored: Traefik verifies OCSP responses against the chain")
            )
    return out


def default_options(
    sites: tuple[SitePolicy, ...], options: dict[str, dict[str, object]]
) -> tuple[dict[str, object], SitePolicy, list[Problem]]:
    """`tls.options.default`, the site whose certificate is the default one, and problems.

    With a `default_server` site, clients without (known) SNI get that site. Otherwise they are
    refused (`sniStrict`, as nginx's catch-all server refuses them), and the options still carry
    a policy of the spec: the wildcard sites' (they get `default` for real), the one all sites
    share, or the strictest one.
    """
    problems: list[Problem] = []
    chosen = [s for s in sites if s.default_server]
    for extra in chosen[1:]:
        problems.append(
            Problem(
                extra.location,
                f"sites[{extra.index}].default_server",
                f"{chosen[0].name!r} is already the default server: Traefik has one default "
                "certificate and one tls.options.default for every entry point",
            )
        )
    wildcard = [s for s in sites if any(d.startswith("*.") for d in s.domains)]
    if chosen:
        source, strict = chosen[0], False
    elif wildcard:
        source, strict = wildcard[0], True
    else:
        source, strict = _strictest(sites), True
    default = dict(options[source.name])
    for site in wildcard:
        if options[site.name] != default:
            problems.append(
                Problem(
                    site.location,
                    f"sites[{site.index}].domains",
                    f"Traefik applies TLS options by exact Host() name only: the wildcard names of "
                    f"{site.name!r} get tls.options.default, which is the policy of "
                    f"{source.name!r}; give both sites the same TLS settings, or move the wildcard "
                    "names to a Traefik instance of their own",
                )
            )
    default["sniStrict"] = strict
    return default, chosen[0] if chosen else sites[0], problems


def _strictest(sites: Iterable[SitePolicy]) -> SitePolicy:
    """Highest minimum protocol, then fewest TLS <= 1.2 suites, then spec order."""

    def key(site: SitePolicy) -> tuple[int, int, int]:
        lowest = min(protocol_rank(p) for p in site.tls.protocols)
        legacy = len(site.tls.ciphers) if lowest < protocol_rank("TLSv1.3") else 0
        return (-lowest, legacy, site.index)

    return min(sites, key=key)
