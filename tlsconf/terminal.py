"""What a person at a terminal gets that a pipe, a file or CI does not: colour and a closing
summary line (`11 findings: 5 errors, 5 warnings, 1 info`, `wrote 8 files under deploy/`).

The policy, in one place:
- the summary goes to stderr, and only when stderr is a terminal: stdout stays exactly the
  report, and logs and pipes never get a byte more;
- colour only on a stream that is a terminal, never when `NO_COLOR` is set to a non-empty
  value (https://no-color.org: "when present and not an empty string, regardless of its
  value"), never for `TERM=dumb`;
- machine formats (json, sarif, github) get neither: they are read by programs, whatever the
  stream is.

The CLI passes the stream (and may pass the environment), so tests decide what is a terminal.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from tlsconf.findings import Finding

HUMAN_FORMATS = ("text",)
RESET = "\033[0m"
BOLD = "\033[1m"
STYLES = {"error": "\033[1;31m", "warning": "\033[33m", "info": "\033[36m"}  # red, yellow, cyan


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        return False


def colour_wanted(stream: TextIO, environ: Mapping[str, str] | None = None,
                  fmt: str = "text") -> bool:
    env = os.environ if environ is None else environ
    return (fmt in HUMAN_FORMATS and is_terminal(stream) and not env.get("NO_COLOR")
            and env.get("TERM") != "dumb")


def summary_wanted(stream: TextIO, fmt: str = "text") -> bool:
    return fmt in HUMAN_FORMATS and is_terminal(stream)


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{style}{text}{RESET}" if colour else text


def finding_line(finding: Finding, colour: bool) -> str:
    """`str(finding)`, with the location and rule in bold and the severity in its colour."""
    if not colour:
        return str(finding)
    severity = str(finding.severity)
    return (f"{_paint(str(finding.location), BOLD, True)}: {_paint(finding.rule_id, BOLD, True)} "
            f"[{_paint(severity, STYLES[severity], True)}] {finding.message}")


def findings_text(findings: Iterable[Finding], colour: bool) -> str:
    return "".join(f"{finding_line(f, colour)}\n" for f in findings)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word == "info" else f"{n} {word}s"


def lint_summary(findings: Iterable[Finding], suppressed: int = 0, colour: bool = False) -> str:
    """`11 findings: 5 errors, 5 warnings, 1 info` (severities with none left out), or
    `no findings`; `(2 suppressed)` when suppressions hid some."""
    by_severity: dict[str, int] = {}
    total = 0
    for finding in findings:
        by_severity[str(finding.severity)] = by_severity.get(str(finding.severity), 0) + 1
        total += 1
    if total:
        parts = [_paint(_count(by_severity[name], name), STYLES[name], colour)
                 for name in STYLES if by_severity.get(name)]
        text = f"{_count(total, 'finding')}: {', '.join(parts)}"
    else:
        text = "no findings"
    return f"{text} ({suppressed} suppressed)" if suppressed else text


def _dir(root: Path) -> str:
    shown = str(root)
    return shown if shown.endswith("/") else f"{shown}/"


def written_summary(root: Path, names: Iterable[str], unchanged: Iterable[str]) -> str:
    """`wrote 8 files under deploy/`, and `(7 unchanged)` for files already up to date."""
    total, same = len(set(names)), len(set(unchanged))
    text = f"wrote {_count(total - same, 'file')} under {_dir(root)}"
    return f"{text} ({same} unchanged)" if same else text
