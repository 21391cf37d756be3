"""Is a resolved site weaker than its Mozilla profile? `render` refuses such sites without
`--allow-weak`; the linter reports the same findings (one judgement, two callers)."""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf import profiles
from tlsconf.findings import Finding, Severity
from tlsconf.policy import SitePolicy

LEGACY = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")


def baseline(site: SitePolicy) -> profiles.Profile:
    """The profile a site is judged against: its own, except `old`, which is itself weak."""
    return profiles.get("intermediate" if site.tls.profile == "old" else site.tls.profile)


def weaknesses(sites: tuple[SitePolicy, ...]) -> list[Finding]:
    return sorted(f for site in sites for f in _site(site))


def _site(site: SitePolicy) -> Iterator[Finding]:
    base = baseline(site)
    tls = site.tls

    def finding(rule: str, name: str, field: str, message: str) -> Finding:
        origin = site.tls_origin(field)
        location = origin.location or site.origins.get("profile", origin).location or site.location
        return Finding(location, rule, name, Severity.ERROR, message, f"sites[{site.index}].{field}")

    if tls.profile == "old":
        yield finding("TLS401", "old-profile", "profile",
                      "the Mozilla `old` profile enables TLS 1.0/1.1, 3DES and static-RSA suites")
    for protocol in tls.protocols:
        if protocol not in base.protocols:
            yield finding("TLS101" if protocol in LEGACY else "TLS102",
                          "legacy-protocol" if protocol in LEGACY else "protocol-not-in-profile",
                          "protocols", f"{protocol} is enabled; Mozilla {base.name} allows "
                          f"{', '.join(base.protocols)}")
    if any(p != "TLSv1.3" for p in tls.protocols):
        for cipher in tls.ciphers:
            if cipher not in base.ciphers:
                yield finding("TLS201", "cipher-not-in-profile", "ciphers",
                              f"cipher {cipher} is not in Mozilla {base.name}")
    for suite in tls.ciphersuites:
        if suite not in base.ciphersuites:
            yield finding("TLS202", "tls13-suite-not-in-profile", "ciphersuites",
                          f"TLS 1.3 suite {suite} is not in Mozilla {base.name}")
    for curve in tls.curves:
        if curve not in base.curves:
            yield finding("TLS301", "curve-not-in-profile", "curves",
                          f"group {curve} is not in Mozilla {base.name}")
    if not site.hsts.enabled:
        yield finding("TLS501", "hsts-missing", "hsts", "HSTS is turned off")
    elif site.hsts.max_age < base.hsts_min_age:
        yield finding("TLS502", "hsts-short-max-age", "hsts.max_age",
                      f"HSTS max-age {site.hsts.max_age} is below Mozilla {base.name}'s "
                      f"{base.hsts_min_age}")
