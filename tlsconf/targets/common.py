"""Checks and helpers every target shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from tlsconf.errors import Problem, TlsconfError
from tlsconf.names import GROUPS_BY_NAME, parse_version
from tlsconf.policy import SitePolicy
from tlsconf.specfile import LoadedSpec


def by_listener(sites: tuple[SitePolicy, ...]) -> dict[tuple[str, int], list[SitePolicy]]:
    groups: dict[tuple[str, int], list[SitePolicy]] = defaultdict(list)
    for site in sites:
        groups[site.listener].append(site)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])))


PER_LISTENER_TLS = ("protocols", "ciphers", "ciphersuites", "curves", "prefer_server_ciphers",
                    "session_tickets", "session_timeout")


def require_one_policy_per_listener(
    sites: tuple[SitePolicy, ...], target: str, extra: tuple[str, ...] = ()
) -> None:
    """Refuse sites that share a listener but differ in settings `target` applies per listener.

    nginx picks protocols, ciphers, curves and the session cache from the listener's default
    server before SNI is known; silently mixing two policies on one socket is how a "modern"
    host ends up negotiating TLS 1.2. Refusing names both sites and the differing settings.
    """

    def differs(first: SitePolicy, other: SitePolicy) -> list[str]:
        return ([f for f in PER_LISTENER_TLS if getattr(first.tls, f) != getattr(other.tls, f)]
                + [f for f in extra if getattr(first, f) != getattr(other, f)])

    problems = listener_problems(
        by_listener(sites), differs,
        f"{target} applies these per listener, not per SNI name. Give the site its own listen "
        "port or address, or the same TLS settings.",
    )
    if problems:
        raise TlsconfError(problems)


def listener_problems(
    listeners: dict[tuple[str, int], list[SitePolicy]],
    differs: Callable[[SitePolicy, SitePolicy], list[str]],
    consequence: str,
) -> list[Problem]:
    """Per listener: each site whose per-listener settings (`differs(first, site)` names them)
    differ from the first site's, and each `default_server` after the first."""
    problems = []
    for (address, port), members in listeners.items():
        first = members[0]
        for other in members[1:]:
            differ = differs(first, other)
            if differ:
                problems.append(Problem(
                    other.location, f"sites[{other.index}]",
                    f"site {other.name!r} shares the listener {address}:{port} with "
                    f"{first.name!r} but differs in {', '.join(differ)}; {consequence}",
                ))
        defaults = [s for s in members if s.default_server]
        for extra_default in defaults[1:]:
            problems.append(Problem(
                extra_default.location, f"sites[{extra_default.index}].default_server",
                f"{defaults[0].name!r} is already the default server of {address}:{port}",
            ))
    return problems


def usable_curves(
    loaded: LoadedSpec, site: SitePolicy, openssl: str, target: str
) -> tuple[tuple[str, ...], list[Problem]]:
    """The site's groups that the target's OpenSSL can configure.

    Profile groups the OpenSSL is too old for (X25519MLKEM768 before 3.5) are left out — that
    is the profile's intent on an older library; a group the spec asks for explicitly is an
    error naming the field, never a silent drop.
    """
    have = parse_version(openssl)
    keep, problems = [], []
    origin = site.tls_origin("curves")
    for name in site.tls.curves:
        if have >= GROUPS_BY_NAME[name].openssl_min:
            keep.append(name)
        elif origin.kind == "spec":
            need = ".".join(map(str, GROUPS_BY_NAME[name].openssl_min))
            problems.append(
                Problem(
                    origin.location or site.location,
                    origin.detail,
                    f"{name} needs OpenSSL >= {need}; targets.{target}.openssl is {openssl}",
                )
            )
    if not keep and not problems:
        problems.append(
            Problem(
                site.location,
                f"sites[{site.index}].tls.curves",
                f"no group is usable with OpenSSL {openssl}",
            )
        )
    return tuple(keep), problems
