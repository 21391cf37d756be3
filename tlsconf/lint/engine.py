"""Rules x subjects → findings: severity overrides, dedupe, suppressions. O(sites x rules).

`tlsconf.judge.verdict` is the one entry point `lint` and `render` share."""

from __future__ import annotations

from collections.abc import Iterable, Sized

from msgspec import Struct, field

from tlsconf import profiles
from tlsconf.config import Settings
from tlsconf.findings import Finding, Severity
from tlsconf.lint.model import ELSEWHERE, Subject
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
    now = settings.now()  # one instant for the whole run
    with phase("judging", len(subjects) if isinstance(subjects, Sized) else 0) as tick:
        for subject in subjects:
            profile = judging_profile(subject, settings)
            ctx = contexts.get(profile.name) or contexts.setdefault(profile.name,
                                                                    Context(profile, settings, now))
            applicable = by_kind.get(subject.kind)
            if applicable is None:
                applicable = by_kind[subject.kind] = [r for r in rules
                                                      if subject.kind in r.applies_to]
            families = subject.facts.families
            for rule in applicable:
                if families is not None and rule.family not in families:
                    continue
                for hit in rule.check(subject, ctx):
                    if subject.origin_kind(hit.field) == ELSEWHERE:
                        continue  # a value this input does not set (a snippet's includer's)
                    location = hit.location or subject.locate(hit.field)
                    key = (location, rule.id, hit.message)
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append(Finding(location, rule.id, rule.name, severity_of(rule, settings),
                                       hit.message, hit.field, hit.items,
                                       subject.value(hit.field)))
            tick(1)
    return sorted(out)


class Suppressed(Struct, frozen=True):
    """A finding a suppression silenced, the reason given, and which suppression it was."""

    finding: Finding
    reason: str
    by: str  # `file:line:col` of the comment, or `settings-file: ignore[N]`

    def __str__(self) -> str:
        f = self.finding
        return (f"{f.location}: {f.rule_id} [{f.severity}] suppressed ({self.by}: {self.reason}): "
                f"{f.message}")


class Filtered(Struct):
    findings: list[Finding]
    suppressed: list[Suppressed] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)

    def blocking(self, threshold: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity >= threshold]


def apply_suppressions(findings: list[Finding], suppressions: list[Suppression],
                       settings: Settings) -> Filtered:
    """The three suppression forms, in this order: a comment on or above the line, a
    file-level comment, the settings file's ignore list. Then the findings about the
    suppressions themselves: no reason (TLS001), unused (TLS002, when asked), unknown rule
    ids (TLS003; such an id silences nothing)."""
    used: set[Suppression] = set()
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    line_level = [s for s in suppressions if not s.file_level]
    file_level = [s for s in suppressions if s.file_level]
    for finding in findings:
        loc = finding.location
        hit = (next((s for s in line_level if s.matches(finding.rule_id, finding.rule_name, loc)),
                    None)
               or next((s for s in file_level
                        if s.matches(finding.rule_id, finding.rule_name, loc)), None))
        if hit is not None:
            used.add(hit)
            suppressed.append(Suppressed(finding, hit.reason, str(hit.location)))
            continue
        number, entry = next(((n, i) for n, i in enumerate(settings.ignore)
                              if i.matches(finding.rule_id, finding.rule_name, loc.file)),
                             (0, None))
        if entry is not None:
            suppressed.append(Suppressed(finding, entry.reason,
                                         f"{settings.source or 'settings'}: ignore[{number}]"))
            continue
        kept.append(finding)
    meta: list[Finding] = []

    def report(rule_id: str, suppression: Suppression, message: str) -> None:
        found = get(rule_id)
        assert found is not None
        meta.append(Finding(suppression.location, found.id, found.name,
                            severity_of(found, settings), message))

    unknown: set[Suppression] = set()
    for s in suppressions:
        if not s.reason:
            report("TLS001", s, "suppression without a reason: say why after the bracket")
        strangers = sorted(r for r in s.rules or () if r != "*" and get(r) is None)
        if strangers:
            unknown.add(s)
            report("TLS003", s, f"unknown rule id(s) {', '.join(map(repr, strangers))} in "
                                "suppression; known ids: see tlsconf rules")
    unused = [s for s in suppressions if s not in used]
    if settings.report_unused_suppressions:
        for s in unused:
            if s in unknown and not any(get(r) for r in s.rules or ()):
                continue  # nothing it names exists: TLS003 says so already
            ids = ",".join(sorted(s.rules)) if s.rules else "*"
            report("TLS002", s, f"unused suppression ignore[{ids}]: no such finding here")
    return Filtered(sorted(kept + meta), suppressed, unused)
