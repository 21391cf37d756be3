"""TLS0xx — about suppressions themselves. The engine raises these; they have no `check`."""

from __future__ import annotations

from collections.abc import Iterator

from tlsconf.findings import Severity
from tlsconf.lint.model import Hit, Subject
from tlsconf.rules.base import ALL_KINDS, Context, Rule

RULES: list[Rule] = []


def _none(subject: Subject, ctx: Context) -> Iterator[Hit]:
    return iter(())


# Caddy's JSON has no comments (suppress in .tlsconf.yaml's `ignore`).
COMMENTED = ALL_KINDS - {"caddy"}

RULES += [
    Rule(id="TLS001", name="suppression-without-reason", severity=Severity.WARNING,
         summary="A `# tlsconf: ignore[...]` comment without a reason.",
         why="A suppression is a decision; without the why, nobody can tell later whether it "
             "still holds.",
         bad="ssl_protocols TLSv1.2;  # tlsconf: ignore[TLS103]",
         good="ssl_protocols TLSv1.2;  # tlsconf: ignore[TLS103] appliance has no TLS 1.3",
         fix="Write the reason after the bracket.", references=(), check=_none,
         applies_to=COMMENTED),
    Rule(id="TLS002", name="unused-suppression", severity=Severity.INFO,
         summary="A suppression that matches no finding (reported with "
                 "--report-unused-suppressions).",
         why="Stale suppressions hide the next real problem on that line.",
         bad="ssl_protocols TLSv1.2 TLSv1.3;  # tlsconf: ignore[TLS102] legacy clients",
         good="ssl_protocols TLSv1.2 TLSv1.3;",
         fix="Remove the suppression.", references=(), check=_none,
         applies_to=COMMENTED),
    Rule(id="TLS003", name="unknown-rule-in-suppression", severity=Severity.WARNING,
         summary="A suppression names a rule id or name that does not exist.",
         why="A misspelt id silences nothing, so the finding it was meant for still fails "
             "the run — or, worse, the comment looks like a decision nobody took. (Unknown "
             "ids in the settings file's `ignore` and `severity` are errors: exit 2.)",
         bad="ssl_protocols TLSv1.2;  # tlsconf: ignore[TLS13] appliance has no TLS 1.3",
         good="ssl_protocols TLSv1.2;  # tlsconf: ignore[TLS103] appliance has no TLS 1.3",
         fix="Use an id or name from `tlsconf rules`.", references=(), check=_none,
         applies_to=COMMENTED),
]
