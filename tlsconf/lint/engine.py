"""Rules x subjects → findings: severity overrides, dedupe, suppressions. O(sites x rules)."""

from __future__ import annotations

from collections.abc import Iterable, Sized
from dataclasses import dataclass, field

from tlsconf import profiles
from tlsconf.config import Settings
from tlsconf.findings import Finding, Severity
from tlsconf.lint.model import Subject
from tlsconf.lint.suppress import Suppression
from tlsconf.rules import all_rules, get
from tlsconf.rules.base import Context, Rule
from tlsconf.source import gc_paused


def judging_profile(subject: Subject, settings: Settings) -> profiles.Profile:
    """`--profile`/`profile:` if given; else a spec site's own profile (old is judged as
    intermediate — TLS401 says why); else intermediate."""
    if settings.profile:
        return profiles.get(settings.profile)
    if subject.kind == "spec" and subject.site.tls.profile in ("modern", "intermediate"):
        return profiles.get(subject.site.tls.profile)
    return profiles.get("intermediate")


def severity_of(rule: Rule, settings: Settings) -> Severity:
    return settings.severity.get(rule.id) or settings.severity.get(rule.name) or rule.severity


@gc_paused()
def judge(subjects: Iterable[Subject], settings: Settings) -> list[Finding]:
    """Every rule over every subject, deduplicated (an `http`-level directive shared by 1000
    servers is one finding), sorted by position."""
    from tlsconf.progress import phase

    rules = all_rules()
    by_kind: dict[str, list[Rule]] = {}  # the rules for each input kind, in id order
    seen: set[tuple[object, ...]] = set()
    out: list[Finding] = []
    contexts: dict[str, Context] = {}
    with phase("judging", len(subjects) if isinstance(subjects, Sized) else 0) as tick:
        for subject in subjects:
            profile = judging_profile(subject, settings)
            ctx = contexts.get(profile.name) or contexts.setdefault(profile.name,
                                                                    Context(profile, settings))
            applicable = by_kind.get(subject.kind)
            if applicable is None:
                applicable = by_kind[subject.kind] = [r for r in rules
                                                      if subject.kind in r.applies_to]
            for rule in applicable:
                for hit in rule.check(subject, ctx):
                    location = hit.location or subject.locate(hit.field)
                    key = (location, rule.id, hit.message)
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append(Finding(location, rule.id, rule.name, severity_of(rule, settings),
                                       hit.message, hit.field))
            tick(1)
    return sorted(out)


@dataclass
class Filtered:
    findings: list[Finding]
    suppressed: int = 0
    unused: list[Suppression] = field(default_factory=list)


def apply_suppressions(findings: list[Finding], suppressions: list[Suppression],
                       settings: Settings) -> Filtered:
    used: set[Suppression] = set()
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        loc = finding.location
        hit = next((s for s in suppressions
                    if s.matches(finding.rule_id, finding.rule_name, loc)), None)
        if hit is None and any(i.matches(finding.rule_id, finding.rule_name, loc.file)
                               for i in settings.ignore):
            suppressed += 1
            continue
        if hit is not None:
            used.add(hit)
            suppressed += 1
            continue
        kept.append(finding)
    meta: list[Finding] = []
    no_reason = get("TLS001")
    unused_rule = get("TLS002")
    assert no_reason is not None and unused_rule is not None
    for s in suppressions:
        if not s.reason:
            meta.append(Finding(s.location, no_reason.id, no_reason.name,
                                severity_of(no_reason, settings),
                                "suppression without a reason: say why after the bracket"))
    unused = [s for s in suppressions if s not in used]
    if settings.report_unused_suppressions:
        for s in unused:
            ids = ",".join(sorted(s.rules)) if s.rules else "*"
            meta.append(Finding(s.location, unused_rule.id, unused_rule.name,
                                severity_of(unused_rule, settings),
                                f"unused suppression ignore[{ids}]: no such finding here"))
    return Filtered(sorted(kept + meta), suppressed, unused)
