"""Every rule: inputs that must trigger it (at the right line) and inputs that must not, for
each input kind it applies to; a meta-test fails when a rule lacks either, or lacks docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lint.baselines import BASELINES, FILENAMES
from tests.lint.cases import CASES, Case
from tlsconf.config import Settings
from tlsconf.lint import lint_paths
from tlsconf.rules import all_rules


@pytest.fixture(scope="session")
def dhparams(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dh

    out = {}
    folder = tmp_path_factory.mktemp("dh")
    for bits in (512, 1024):
        params = dh.generate_parameters(generator=2, key_size=bits)
        path = folder / f"dh{bits}.pem"
        path.write_bytes(params.parameter_bytes(serialization.Encoding.PEM,
                                                serialization.ParameterFormat.PKCS3))
        out[f"dh{bits}"] = str(path)
    return out


def build(case: Case, dhparams: dict[str, str]) -> str:
    text = BASELINES[case.kind]
    for old, new in case.edits:
        assert old in text, f"edit target not in the {case.kind} baseline: {old!r}"
        text = text.replace(old, new, 1)
    for key, value in dhparams.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case: Case, tmp_path: Path, dhparams: dict[str, str],
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / FILENAMES[case.kind]
    path.write_text(build(case, dhparams), "utf-8")
    settings = Settings(profile=case.profile, report_unused_suppressions=case.report_unused,
                        openssl=case.openssl, traefik_version=case.traefik, as_of=case.as_of)
    report = lint_paths([str(path)], settings)
    assert report.errors == []
    lines = [f.location.line for f in report.findings if f.rule_id == case.rule]
    if case.line is None:
        assert lines == [], [str(f) for f in report.findings]
    else:
        assert case.line in lines, [str(f) for f in report.findings]


@pytest.mark.parametrize("kind", sorted(BASELINES))
def test_baselines_are_clean(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / FILENAMES[kind]
    path.write_text(BASELINES[kind], "utf-8")
    report = lint_paths([str(path)], Settings(openssl=(3, 0)))
    assert (report.errors, [str(f) for f in report.findings]) == ([], [])


def test_every_rule_has_cases_and_docs() -> None:
    missing = []
    for rule in all_rules():
        if rule.family == "certificates":
            # Their inputs are generated certificates: tests/test_certs_rules.py has, per rule,
            # a spec where only that rule fires and a clean site where none does.
            from test_certs_rules import CASES as CERT_CASES

            if rule.name not in CERT_CASES:
                missing.append(f"{rule.id}: no certificate case")
            continue
        if rule.family == "live verification":
            # Judged on running servers: tests/test_verify_rules.py has, per rule, a drifted
            # behaviour that triggers it (one finding, its message) and the clean one.
            from test_verify_rules import CASES as VERIFY_CASES

            if rule.name not in VERIFY_CASES:
                missing.append(f"{rule.id}: no verify case")
            continue
        for kind in sorted(rule.applies_to):
            cases = [c for c in CASES if c.rule == rule.id and c.kind == kind]
            if not any(c.line for c in cases):
                missing.append(f"{rule.id} {kind}: no triggering case")
            if not any(c.line is None for c in cases):
                missing.append(f"{rule.id} {kind}: no non-triggering case")
        for field in ("summary", "why", "bad", "good", "fix"):
            if not getattr(rule, field).strip():
                missing.append(f"{rule.id}: no {field}")
        if not rule.references and not rule.id.startswith("TLS0"):
            missing.append(f"{rule.id}: no references")
    known = {r.id for r in all_rules()}
    missing += [f"case for unknown rule {c.rule}" for c in CASES if c.rule not in known]
    assert missing == []


def test_ids_and_names_are_well_formed() -> None:
    import re

    for rule in all_rules():
        assert re.fullmatch(r"TLS[0-9]\d\d", rule.id)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)


def test_a_rule_over_proxy_facts_must_name_a_real_fact() -> None:
    """`flag`/`located` (the table-driven session and proxy rules) refuse a misspelt fact when
    the rule is declared, not silently at lint time."""
    from tlsconf.rules.base import flag, located

    for make in (flag, located):
        with pytest.raises(ValueError, match="no fact 'server_token_on'"):
            make("server_token_on", "server_tokens", "message")
