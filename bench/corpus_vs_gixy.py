#!/usr/bin/env python3
"""The nginx part of the real-world corpus, graded by tlsconf and by gixy-ng: docs/corpus.md.

    .venv/bin/python bench/corpus_vs_gixy.py          # writes docs/corpus.md (about a minute)
    .venv/bin/python bench/corpus_vs_gixy.py --out -  # prints it instead

Run by hand, never by the test suite. gixy-ng is installed once into bench/.work/gixy-venv
(bench/run.py's installer: the only network access). Each fixture of tests/corpus/nginx is
copied alone into an empty directory and given to `tlsconf lint --no-cert-checks --fail-on
info` and to `gixy -f json`. What the file holds comes from the expectations of
tests/test_lint_corpus_nginx.py (EXPECTED, NOT_FLAGGED); the live tlsconf run must match them
exactly, or the script stops — the table is not a second, looser test.

Weaknesses are compared by family, the hundreds of tlsconf's rule ids (1 protocols, 2 cipher
suites, 3 key exchange, 4 session, 5 HSTS/redirect, 6 OCSP, 7 proxy/SNI): a file's family is
"present" when tlsconf's expectation has a warning or error in it (or NOT_FLAGGED lists it),
and gixy-ng "flags" it when one of its TLS-related plugins reports something there.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import GIXY_VERSION, gixy_binary  # noqa: E402  (bench/run.py's installer)

CORPUS = ROOT / "tests" / "corpus" / "nginx"
FAMILIES = {1: "protocols", 2: "ciphers", 3: "key exchange", 4: "session", 5: "HSTS/redirect",
            6: "OCSP", 7: "proxy/SNI"}
# gixy-ng 0.2.59's plugins that judge TLS or HSTS, and the family each speaks to.
GIXY_TLS = {"weak_ssl_tls": 2, "ssl_ecdh_curve": 3, "hsts_header": 5,
            "add_header_redefinition": 5, "ssl_stapling_without_resolver": 6,
            "ssl_stapling_letsencrypt": 6, "version_disclosure": 7}
FINDING = re.compile(r"^[^:]+:(\d+):\d+: TLS(\d)\d\d \[(\w+)\]")


class Graded(NamedTuple):
    name: str
    code: int  # tlsconf's exit status
    present: dict[int, list[str]]  # family -> tlsconf rule ids (or NOT_FLAGGED notes)
    missed: dict[int, list[str]]  # family -> what tlsconf does not report
    strong: bool  # no warning or error, reported or missed
    refusal: str  # why tlsconf refused it ("" when it was judged)
    gixy_code: int
    gixy: dict[int, list[str]]  # family -> `plugin:line` gixy-ng reported
    gixy_other: list[str]  # its non-TLS plugins


def expectations() -> tuple[dict[str, Any], dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(
        "corpus_nginx", ROOT / "tests" / "test_lint_corpus_nginx.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXPECTED, module.NOT_FLAGGED


def run_tlsconf(name: str, work: Path) -> tuple[int, list[str], str]:
    proc = subprocess.run([sys.executable, "-m", "tlsconf", "lint", "--no-cert-checks",
                           "--fail-on", "info", name], cwd=work, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


def run_gixy(gixy: Path, name: str, work: Path) -> tuple[int, list[dict[str, Any]]]:
    proc = subprocess.run([str(gixy), "-f", "json", name], cwd=work, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout or "[]")


def gixy_family(issue: dict[str, Any]) -> int | None:
    plugin = issue["plugin"]
    if plugin == "weak_ssl_tls":
        return 1 if "protocol" in issue["summary"].lower() else 2
    if plugin == "add_header_redefinition":
        said = (issue.get("reason", "") + issue.get("config", "")).lower()
        return 5 if "strict-transport-security" in said else None
    return GIXY_TLS.get(plugin)


def grade(name: str, expected: tuple[int, list[str], str | None],
          not_flagged: list[tuple[int, str, str]], gixy: Path) -> Graded:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copy(CORPUS / name, work / name)
        code, out, err = run_tlsconf(name, work)
        want_code, findings, refusal = expected
        want = (want_code, [f"{name}:{line}" for line in findings],
                "" if refusal is None else f"{name}:{refusal}"
                "1 error(s): the input(s) above were not linted\n")
        if (code, out, err) != want:
            raise SystemExit(f"{name}: tlsconf no longer matches tests/test_lint_corpus_nginx.py"
                             f"\n  got  {(code, out, err)!r}\n  want {want!r}")
        gixy_code, issues = run_gixy(gixy, name, work)
    present: dict[int, list[str]] = {}
    for line in out:
        match = FINDING.match(line)
        if match and match.group(3) in ("warning", "error"):
            rule = "TLS" + line.split(" TLS", 1)[1][:3]
            ids = present.setdefault(int(match.group(2)), [])
            if rule not in ids:
                ids.append(rule)
    missed: dict[int, list[str]] = {}
    strong = not present
    for family, severity, note in not_flagged:
        missed.setdefault(family, []).append(f"{note} [{severity}]")
        strong = strong and severity == "info"
    flagged: dict[int, list[str]] = {}
    other: list[str] = []
    for issue in issues:
        family = gixy_family(issue)
        label = f"{issue['plugin']}:{issue.get('line', '?')}"
        if family is None:
            if label not in other:
                other.append(label)
        elif label not in flagged.setdefault(family, []):
            flagged[family].append(label)
    reason = (refusal or "").split(": ", 1)[-1].strip()
    return Graded(name, code, present, missed, strong, reason, gixy_code, flagged, other)


def cell(families: dict[int, list[str]]) -> str:
    return "<br>".join(f"{FAMILIES[f]}: {', '.join(v)}" for f, v in sorted(families.items())
                       ) or "—"


def report(rows: list[Graded], gixy_version: str) -> str:
    readable = [r for r in rows if r.code != 2]
    refused = [r for r in rows if r.code == 2]
    pairs = [(r, f) for r in readable for f in sorted(set(r.present) | set(r.missed))]
    ours = sum(1 for r, f in pairs if f in r.present)
    theirs = sum(1 for r, f in pairs if f in r.gixy)
    weak = [r for r in readable if not r.strong]
    clean = [r for r in readable if r.strong]
    gixy_only = [(r, f) for r in readable for f in r.gixy if f not in r.present
                 and f not in r.missed]
    refused_judged = [r for r in refused if r.gixy or r.gixy_other]
    out = [
        "# The nginx corpus: tlsconf and gixy-ng side by side",
        "",
        "Generated by `bench/corpus_vs_gixy.py` (run by hand; do not edit). Each file is an",
        "excerpt of a public nginx config (`tests/corpus/nginx/`, provenance in",
        "`tests/corpus/PROVENANCE.md`), linted alone. *Present* is what the file holds, from the",
        "exact expectations in `tests/test_lint_corpus_nginx.py` (tlsconf's warnings and errors,",
        "plus what `NOT_FLAGGED` lists as missed); weaknesses are compared by family (the",
        "hundreds of tlsconf's rule ids). gixy-ng's TLS-related plugins: "
        + ", ".join(f"`{p}`" for p in GIXY_TLS) + " (`add_header_redefinition` only when",
        "the dropped header is Strict-Transport-Security); its other plugins are listed apart.",
        "",
        f"- {datetime.date.today().isoformat()}; tlsconf {tlsconf_version()}; {gixy_version}",
        "",
        "## Totals",
        "",
        f"- files: {len(rows)} — readable {len(readable)} ({len(weak)} with weaknesses, "
        f"{len(clean)} strong: no warning or error, reported or missed), unreadable "
        f"{len(refused)}",
        f"- strong files gixy-ng reports a TLS finding on: {sum(1 for r in clean if r.gixy)} "
        f"of {len(clean)}",
        f"- weakness families present in the readable files: {len(pairs)}; flagged by tlsconf "
        f"{ours}, by gixy-ng {theirs}",
        f"- files with weaknesses that gixy-ng reports nothing TLS-related on: "
        f"{sum(1 for r in weak if not r.gixy)} of {len(weak)}; that tlsconf reports nothing "
        f"on: {sum(1 for r in weak if not r.present)}",
        f"- families gixy-ng flags that tlsconf's expectation does not hold: {len(gixy_only)}"
        + (" (" + ", ".join(f"{r.name}: {FAMILIES[f]}" for r, f in gixy_only) + ")"
           if gixy_only else ""),
        f"- unreadable files: tlsconf exits 2 on {sum(1 for r in refused if r.code == 2)} of "
        f"{len(refused)}; gixy-ng exits {', '.join(str(r.gixy_code) for r in refused)} and "
        f"reports findings on {len(refused_judged)} of them (judging a config nginx would not "
        "load, or a template, as if it were one)",
        "",
        "## Per file",
        "",
        "| file | tlsconf | present (tlsconf's ids) | missed by tlsconf | gixy-ng | "
        "gixy-ng TLS findings | gixy-ng other |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        verdict = {0: "clean (0)", 1: "findings (1)", 2: "refused (2)"}[r.code]
        if r.code == 1 and not r.present:  # TLS704 alone
            verdict = "info only (1; 0 at the default --fail-on)"
        if r.refusal:
            verdict += ": " + r.refusal.replace("|", "\\|")
        out.append(f"| `{r.name}` | {verdict} | {cell(r.present)} | {cell(r.missed)} | "
                   f"exit {r.gixy_code} | {cell(r.gixy)} | {', '.join(r.gixy_other) or '—'} |")
    return "\n".join(out) + "\n"


def tlsconf_version() -> str:
    from importlib.metadata import version

    return version("tlsconf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "corpus.md"),
                        help="where to write the report (`-` prints it)")
    args = parser.parse_args()
    (ROOT / "bench" / ".work").mkdir(parents=True, exist_ok=True)
    gixy = gixy_binary()
    if gixy is None:
        return 1
    gixy_version = subprocess.run([str(gixy), "--version"], capture_output=True, text=True,
                                  timeout=60).stdout.strip()
    if GIXY_VERSION not in gixy_version:
        raise SystemExit(f"{gixy} is {gixy_version!r}, not gixy-ng {GIXY_VERSION}")
    expected, not_flagged = expectations()
    rows = [grade(name, expected[name], not_flagged.get(name, []), gixy)
            for name in sorted(expected)]
    text = report(rows, f"gixy-ng {GIXY_VERSION}")
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).write_text(text, "utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
