"""One judgement for `lint` and `render`: suppressions in every form, the settings file's
lookup and relative paths, unknown rule ids, certificate files judged one by one, library
warnings turned into findings, and private trust anchors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.pki import issue_leaf, make_ca
from test_certs_factory import dh_params_pem, make_pki, pem, write_private
from typer.testing import CliRunner

from tests.lint.baselines import NGINX, SPEC
from tests.lint.files import write
from tlsconf.certs.generate import key_pem
from tlsconf.cli import app

pytestmark = pytest.mark.usefixtures("tmp_cwd")
ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def readme_example() -> str:
    """The README's inline suppression of a spec line, exactly as documented."""
    lines = (ROOT / "README.md").read_text("utf-8").splitlines()
    (line,) = [x for x in lines if "protocols: [TLSv1.2]  # tlsconf: ignore[TLS103]" in x]
    return line.strip()


TLS12_ONLY = SPEC.replace("      profile: intermediate\n",
                          "      profile: intermediate\n      protocols: [TLSv1.2]\n")
TLS103 = "TLS103 [warning] TLSv1.3 is not enabled"
REASON = "the appliance has no TLS 1.3"
RENDERED = ["nginx/conf.d/00-tlsconf.conf", "nginx/conf.d/example.conf"]


def written(root: str) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


# --- render and lint: one judgement, one suppression mechanism ------------------------------


def test_without_a_suppression_render_refuses_and_writes_nothing() -> None:
    spec = write("site.tlsconf.yaml", TLS12_ONLY)
    code, out, err = run("render", "-o", "out", spec)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == f"site.tlsconf.yaml:8:18: {TLS103}"
    assert err.splitlines()[-1].startswith("refusing to render: 1 finding(s) at or above warning")
    assert not Path("out").exists()
    assert run("lint", spec) == (1, f"site.tlsconf.yaml:8:18: {TLS103}\n", "")


def test_readme_inline_suppression_lets_render_write() -> None:
    example = readme_example()
    assert example == f"protocols: [TLSv1.2]  # tlsconf: ignore[TLS103] {REASON}"
    spec = write("site.tlsconf.yaml", TLS12_ONLY.replace("protocols: [TLSv1.2]", example))
    reported = (f"site.tlsconf.yaml:8:18: TLS103 [warning] suppressed (site.tlsconf.yaml:8:29: "
                f"{REASON}): TLSv1.3 is not enabled\n")
    assert run("render", "-o", "out", spec) == (0, "", reported)
    assert written("out") == RENDERED
    # lint reports the suppressed finding the same way, and exits 0.
    assert run("lint", spec) == (0, "", reported)


def test_comment_on_the_line_above_file_level_and_settings_ignore_let_render_write() -> None:
    above = TLS12_ONLY.replace("      protocols: [TLSv1.2]\n",
                               f"      # tlsconf: ignore[tls13-disabled] {REASON}\n"
                               "      protocols: [TLSv1.2]\n")
    spec = write("above.tlsconf.yaml", above)
    code, _, err = run("render", "-o", "a", spec)
    assert code == 0 and err == (
        f"above.tlsconf.yaml:9:18: TLS103 [warning] suppressed (above.tlsconf.yaml:8:7: "
        f"{REASON}): TLSv1.3 is not enabled\n")
    assert written("a") == RENDERED
    whole = write("whole.tlsconf.yaml", f"# tlsconf: ignore-file[TLS103] {REASON}\n" + TLS12_ONLY)
    assert run("render", "-o", "b", whole)[0] == 0 and written("b") == RENDERED
    plain = write("plain.tlsconf.yaml", TLS12_ONLY)
    write(".tlsconf.yaml", f"ignore:\n  - {{rule: TLS103, path: plain.tlsconf.yaml, "
                           f"reason: {REASON}}}\n")
    code, _, err = run("render", "-o", "c", plain)
    assert code == 0 and written("c") == RENDERED
    assert err == (f"plain.tlsconf.yaml:8:18: TLS103 [warning] suppressed (.tlsconf.yaml: "
                   f"ignore[0]: {REASON}): TLSv1.3 is not enabled\n")
    assert run("lint", plain) == (0, "", err)


def test_render_honours_severity_overrides_and_fail_on_like_lint() -> None:
    spec = write("site.tlsconf.yaml", TLS12_ONLY)
    write(".tlsconf.yaml", "severity: {TLS103: info}\n")
    assert run("render", "-o", "out", spec)[0] == 0
    write(".tlsconf.yaml", "fail_on: info\nseverity: {TLS103: info}\n")
    assert run("render", "-o", "out2", spec)[0] == 1 and not Path("out2").exists()
    assert run("lint", spec)[0] == 1


def test_an_unknown_id_in_a_comment_is_a_finding_and_silences_nothing() -> None:
    spec = write("site.tlsconf.yaml", TLS12_ONLY.replace(
        "protocols: [TLSv1.2]", "protocols: [TLSv1.2]  # tlsconf: ignore[TLS13] typo"))
    unknown = ("site.tlsconf.yaml:8:29: TLS003 [warning] unknown rule id(s) 'TLS13' in "
               "suppression; known ids: see tlsconf rules")
    assert run("lint", spec) == (1, f"site.tlsconf.yaml:8:18: {TLS103}\n{unknown}\n", "")
    code, _, err = run("render", "-o", "out", spec)
    assert code == 1 and unknown in err.splitlines() and not Path("out").exists()
    whole = write("whole.tlsconf.yaml", "# tlsconf: ignore-file[TLS103, nope] reason\n"
                  + TLS12_ONLY)
    assert run("lint", whole)[:2] == (1, (
        "whole.tlsconf.yaml:1:1: TLS003 [warning] unknown rule id(s) 'nope' in suppression; "
        "known ids: see tlsconf rules\n"))


# --- the settings file ------------------------------------------------------------------------


WEAK_NGINX = NGINX.replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1 TLSv1.2 TLSv1.3;")


def test_ignore_globs_are_relative_to_the_settings_file(tmp_cwd: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write(".tlsconf.yaml", "ignore:\n  - {rule: TLS102, path: 'legacy/*.conf', reason: old}\n")
    write("legacy/a.conf", WEAK_NGINX)
    write("current/a.conf", WEAK_NGINX)
    assert run("lint", "legacy/a.conf")[0] == 0
    assert run("lint", str(tmp_cwd / "legacy" / "a.conf"))[0] == 0
    assert run("lint", "current/a.conf")[0] == 1
    monkeypatch.chdir(tmp_cwd / "legacy")
    assert run("lint", "a.conf")[0] == 0
    assert run("lint", "../current/a.conf")[0] == 1
    monkeypatch.chdir(tmp_cwd / "current")
    assert run("lint", "../legacy/a.conf")[0] == 0
    assert run("lint", "a.conf")[0] == 1
    # A glob without `/` matches the file name wherever the file is.
    write(str(tmp_cwd / ".tlsconf.yaml"),
          "ignore:\n  - {rule: TLS102, path: 'a.conf', reason: old}\n")
    assert run("lint", "a.conf")[0] == 0


def test_yml_settings_file_is_found_after_yaml(tmp_cwd: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    weak = str(tmp_cwd / write("a.conf", WEAK_NGINX))
    write("sub/.tlsconf.yml", "severity: {TLS102: info}\n")
    monkeypatch.chdir(tmp_cwd / "sub")
    code, out, _ = run("lint", weak)
    assert code == 0 and "TLS102 [info]" in out
    write(".tlsconf.yaml", "severity: {TLS102: warning}\n")  # same directory: .yaml first
    assert "TLS102 [warning]" in run("lint", weak)[1]


def test_unknown_rule_ids_in_the_settings_file_are_exit_2(tmp_cwd: Path) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    start = readme.index("  ```yaml\n  profile: intermediate\n") + len("  ```yaml\n")
    block = readme[start:readme.index("  ```", start)]
    settings = "".join(line[2:] + "\n" for line in block.splitlines())
    settings = settings.replace("TLS704", "TLS999").replace("  trust: [pki/company-ca.pem]", "")
    settings = "\n".join(x for x in settings.splitlines() if not x.startswith("trust:")) + "\n"
    write(".tlsconf.yaml", settings)
    nginx = write("a.conf", NGINX)
    message = ("tlsconf.ignore[0].rule: unknown rule id 'TLS999'; known ids: see tlsconf rules")
    expected = f".tlsconf.yaml:6:12: {message}\n"
    assert f"`{expected.strip()}`" in " ".join(readme.split())  # the README's example
    assert run("lint", nginx) == (2, "", expected)
    spec = write("site.tlsconf.yaml", SPEC)
    assert run("render", spec) == (2, "", expected)
    write(".tlsconf.yaml", "fail_on: error\nseverity: {TLS703: info, TLS9999: error}\n")
    assert run("lint", nginx) == (2, "", (
        ".tlsconf.yaml:2:26: tlsconf.severity.TLS9999: unknown rule id 'TLS9999'; "
        "known ids: see tlsconf rules\n"))
    write(".tlsconf.yaml", "severity: {legacy-tls-version: info}\n"
                           "ignore: [{rule: '*', path: x.conf, reason: all}]\n")
    assert run("lint", nginx)[0] == 0  # names and "*" are known
    Path(".tlsconf.yaml").unlink()
    write("pyproject.toml", "[tool.tlsconf]\n"
                            "ignore = [{rule = \"TLS1O2\", reason = \"letter O\"}]\n")
    assert run("lint", nginx) == (2, "", (
        "pyproject.toml:2:1: tlsconf.ignore[0].rule: unknown rule id 'TLS1O2'; "
        "known ids: see tlsconf rules\n"))


# --- certificates: each file on its own; library warnings -------------------------------------


def test_weak_dh_file_is_flagged_when_the_certificate_is_absent(tmp_cwd: Path) -> None:
    dh = tmp_cwd / "dh1024.pem"
    dh.write_bytes(dh_params_pem(1024))
    spec = write("site.tlsconf.yaml", SPEC.replace(
        "      profile: intermediate\n", f"      profile: intermediate\n      dhparam: {dh}\n"))
    assert not Path("/etc/ssl/example.pem").exists()
    finding = (f"site.tlsconf.yaml:8:16: TLS820 [error] {dh}: DH parameters are 1024 bits; "
               "use at least 2048 (or drop DHE suites)")
    assert run("lint", spec) == (1, finding + "\n", "")
    code, _, err = run("render", "-o", "out", spec)
    assert code == 1 and err.splitlines()[0] == finding and not Path("out").exists()
    dh.write_bytes(dh_params_pem(2048))
    assert run("lint", spec) == (0, "", "")


def _site(cert: Path, key: Path, domain: str = "app.example.com") -> str:
    return (f"sites:\n  - name: app\n    domains: [{domain}]\n"
            f"    tls: {{certificate: {cert}, key: {key}}}\n"
            '    upstreams: [{address: "127.0.0.1:8080"}]\n')


def test_cryptography_warnings_become_findings_never_stderr(tmp_cwd: Path) -> None:
    pki = make_pki()
    leaf = pki.leaf(serial=-1)
    cert = tmp_cwd / "site.pem"
    cert.write_bytes(pem(leaf.cert, pki.intermediate.cert, pki.root.cert))
    key = write_private(tmp_cwd / "site.key", key_pem(leaf.key).encode())
    spec = write("site.tlsconf.yaml", _site(cert, key))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    expected = (f"site.tlsconf.yaml:4:24: TLS821 [error] {cert}: the leaf certificate has serial "
                "number -1; RFC 5280 §4.1.2.2 requires a positive integer (strict clients and "
                "future versions of cryptography refuse it) — reissue it\n")
    for flags in ([], ["-W", "error"], ["-W", "always"]):
        done = subprocess.run([sys.executable, *flags, "-m", "tlsconf", "lint", spec],
                              capture_output=True, text=True, env=env, timeout=60)
        assert (done.returncode, done.stdout, done.stderr) == (1, expected, ""), flags
    done = subprocess.run([sys.executable, "-W", "error", "-m", "tlsconf", "cert", "inspect",
                           str(cert)], capture_output=True, text=True, env=env, timeout=60)
    assert done.stderr == "" and "-1" in done.stdout


# --- private CAs ------------------------------------------------------------------------------


def test_private_ca_is_declared_with_trust_or_ca_file(tmp_cwd: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ca = make_ca(tmp_cwd / "pki", name="Company Dev CA")
    leaf = issue_leaf(ca, tmp_cwd / "pki", "app", ["app.example.com"])
    spec = write("site.tlsconf.yaml", _site(leaf.leaf_path, leaf.key_path))
    incomplete = (
        f"site.tlsconf.yaml:4:24: TLS814 [error] {leaf.leaf_path}: the issuer of the leaf "
        "certificate (Company Dev CA) is neither in the file nor a trusted root; append the "
        "intermediate certificate(s) after the leaf, or, if a private CA issued it, declare "
        "that CA as a trust anchor (`trust: [ca.pem]` in .tlsconf.yaml, or --ca-file ca.pem)\n")
    assert run("lint", spec) == (1, incomplete, "")
    assert run("render", "-o", "out", spec)[0] == 1 and not Path("out").exists()
    ca_file = str(ca.cert_path.relative_to(tmp_cwd))
    assert run("lint", "--ca-file", ca_file, spec) == (0, "", "")
    assert run("render", "--ca-file", ca_file, "-o", "out", spec)[0] == 0
    assert written("out") == ["nginx/conf.d/00-tlsconf.conf", "nginx/conf.d/app.conf"]
    # `trust:` is relative to the settings file, wherever tlsconf runs from.
    write(".tlsconf.yaml", f"trust: [{ca_file}]\n")
    assert run("lint", spec) == (0, "", "")
    monkeypatch.chdir(tmp_cwd / "pki")
    assert run("lint", str(tmp_cwd / spec)) == (0, "", "")
    assert run("render", "-o", "out2", str(tmp_cwd / spec))[0] == 0


def test_unreadable_trust_anchors_are_bad_input(tmp_cwd: Path) -> None:
    spec = write("site.tlsconf.yaml", SPEC)
    assert run("lint", "--ca-file", "nope.pem", spec) == (
        2, "", "nope.pem: --ca-file: does not exist\n")
    write("not-a-ca.pem", "hello\n")
    assert run("render", "--ca-file", "not-a-ca.pem", spec) == (
        2, "", "not-a-ca.pem: --ca-file: is neither PEM nor a DER certificate\n")
    assert run("validate", "--ca-file", "nope.pem", spec) == (
        2, "", "nope.pem: --ca-file: does not exist\n")
    write(".tlsconf.yaml", "trust:\n  - certs/ca.pem\n")
    assert run("lint", spec) == (
        2, "", ".tlsconf.yaml:2:5: tlsconf.trust[0]: 'certs/ca.pem' does not exist\n")
