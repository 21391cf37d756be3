"""Is a resolved site weaker than its profile? One judgement, two callers: `render` refuses
error-level findings without `--allow-weak`, and `tlsconf lint` reports all of them. Both run
the rule registry (`tlsconf.rules`) over the same resolved policy."""

from __future__ import annotations

from tlsconf.config import Settings
from tlsconf.findings import Finding, Severity
from tlsconf.policy import SitePolicy
from tlsconf.specfile import LoadedSpec


def weaknesses(sites: tuple[SitePolicy, ...], loaded: LoadedSpec | None = None,
               settings: Settings | None = None) -> list[Finding]:
    from tlsconf.ingest.spec import subjects_of
    from tlsconf.lint.engine import judge
    from tlsconf.lint.model import ProxyFacts, Subject

    if loaded is not None:
        subjects = subjects_of(loaded, sites)
    else:
        subjects = tuple(Subject("spec", s, ProxyFacts(http_redirect=s.redirect_http))
                         for s in sites)
    return judge(subjects, settings or Settings())


def blocking(findings: list[Finding], threshold: Severity = Severity.ERROR) -> list[Finding]:
    return [f for f in findings if f.severity >= threshold]
