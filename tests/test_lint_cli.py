"""`tlsconf lint` / `tlsconf rules` / `render --check` end to end: outputs, exit codes, never
failing open on broken inputs, suppressions and the settings file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.lint.baselines import (
    HAPROXY,
    INTERMEDIATE_CIPHERS,
    NGINX,
    NGINX_MODERN,
    SPEC,
    TRAEFIK,
    TRAEFIK_TOML,
)
from tests.lint.files import write
from tlsconf.cli import app

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


WEAK_NGINX = NGINX.replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1 TLSv1.2 TLSv1.3;")


def test_text_output_and_exit_1() -> None:
    code, out, _ = run("lint", write("nginx.conf", WEAK_NGINX))
    assert code == 1
    assert out == ("nginx.conf:2:5: TLS102 [error] TLSv1 enabled (deprecated by RFC 8996; "
                   "Mozilla intermediate allows TLSv1.2 TLSv1.3)\n")


def test_clean_inputs_exit_0() -> None:
    files = [write("nginx.conf", NGINX), write("modern/nginx.conf", NGINX_MODERN),
             write("haproxy.cfg", HAPROXY), write("traefik.yml", TRAEFIK),
             write("traefik.toml", TRAEFIK_TOML), write("site.tlsconf.yaml", SPEC)]
    assert run("lint", *files) == (0, "", "")


def test_fail_on_threshold() -> None:
    weak = write("nginx.conf", NGINX.replace("server_tokens off;", "server_tokens on;"))
    assert run("lint", weak)[0] == 0  # info is below the default threshold (warning)
    assert run("lint", "--fail-on", "info", weak)[0] == 1


def test_json_output() -> None:
    code, out, _ = run("lint", "--format", "json", write("nginx.conf", WEAK_NGINX))
    data = json.loads(out)
    assert code == 1
    assert data["findings"] == [{
        "file": "nginx.conf", "line": 2, "column": 5, "rule": "TLS102",
        "name": "legacy-tls-version", "severity": "error", "field": "protocols",
        "message": "TLSv1 enabled (deprecated by RFC 8996; Mozilla intermediate allows "
                   "TLSv1.2 TLSv1.3)",
        "items": ["TLSv1"], "value": ["TLSv1", "TLSv1.2", "TLSv1.3"]}]


# Six suites without forward secrecy: the text names four, the data all six.
STATIC_RSA = ("AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA256", "AES256-SHA256",
              "AES128-SHA", "AES256-SHA")
MANY_WEAK = NGINX.replace(f"ssl_ciphers {INTERMEDIATE_CIPHERS};",
                          f"ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:{':'.join(STATIC_RSA)};")


def test_json_and_sarif_carry_every_item_and_the_resolved_value() -> None:
    path = write("nginx.conf", MANY_WEAK)
    findings = {f["rule"]: f for f in json.loads(run("lint", "--format", "json", path)[1])
                ["findings"]}
    assert MANY_WEAK != NGINX
    fs = findings["TLS208"]
    assert fs["message"] == ("suites without forward secrecy (static RSA/DH key exchange) enabled: "
                             "AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA256, AES256-SHA256 "
                             "and 2 more")
    assert fs["items"] == list(STATIC_RSA)
    assert fs["value"] == ["ECDHE-RSA-AES128-GCM-SHA256", *STATIC_RSA]
    results = json.loads(run("lint", "--format", "sarif", path)[1])["runs"][0]["results"]
    sarif = next(r for r in results if r["ruleId"] == "TLS208")
    assert sarif["properties"] == {"field": "ciphers", "items": list(STATIC_RSA),
                                   "value": ["ECDHE-RSA-AES128-GCM-SHA256", *STATIC_RSA]}


def test_json_value_of_a_record_is_an_object_and_a_fact_has_none() -> None:
    hsts = NGINX.replace("max-age=63072000", "max-age=300")
    assert hsts != NGINX
    findings = json.loads(run("lint", "--format", "json", write("nginx.conf", hsts))[1])[
        "findings"]
    assert [(f["rule"], f["field"], f["items"], f["value"]) for f in findings] == [
        ("TLS503", "hsts.max_age", [], 300)]


def test_github_output() -> None:
    _, out, _ = run("lint", "--format", "github", write("nginx.conf", WEAK_NGINX))
    assert out.startswith("::error file=nginx.conf,line=2,col=5,title=TLS102 legacy-tls-version::")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("trunc.conf", NGINX[: NGINX.index("    server {\n        listen 80")],
     "unexpected end of file"),
    ("inc.conf", NGINX.replace("    server_tokens off;\n", "    include missing.conf;\n"),
     "no such file or directory"),
    ("semi.conf", NGINX.replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_ciphers HIGH # old\n"
                                "    ssl_protocols TLSv1.2 TLSv1.3;"), "missing `;`"),
    ("tmpl.conf", NGINX.replace("server_tokens off;", "server_tokens {{ tokens }};"), "templated"),
    ("erb.conf", NGINX.replace("server_tokens off;", "server_tokens <%= @tokens %>;"), "templated"),
    ("haproxy.cfg", HAPROXY.replace("    bind :80\n", "    bind :80\r    bind :8080\n"),
     "raw CR"),
    ("traefik.yml", TRAEFIK.replace("sniStrict: true", 'sniStrict: {{ env "X" }}'), "templated"),
    ("traefik2.yml", TRAEFIK.replace("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                     "ECDHE-RSA-AES128-GCM-SHA256"), "invalid CipherSuite"),
])
def test_broken_inputs_exit_2(name: str, text: str, message: str) -> None:
    code, out, err = run("lint", write(name, text))
    assert code == 2, (out, err)
    assert message in err and out == ""


# Every error crossplane reports is exit 2 at file:line:col, nothing on stdout; crossplane
# itself takes a `}` right after a directive's arguments as its terminator (and silently loses
# the block end), nginx refuses it: tlsconf refuses it too.
@pytest.mark.parametrize(("text", "error"), [
    (NGINX.replace("return 301 https://$host$request_uri;", "return 301 https://$host"),
     'nginx.conf:29:5: unexpected "}": the directive before it lacks its ";"'),
    (NGINX.replace("server_tokens off;", "server_tokens off; # c\n    server { listen 443 ssl }"),
     'nginx.conf:10:29: unexpected "}": the directive before it lacks its ";"'),
    (NGINX.replace("server_tokens off;", "server_tokens off;\n    }"),
     'nginx.conf:31:1: unexpected "}"'),
    (NGINX.replace("    server_tokens off;\n", "    include missing.conf;\n"),
     "nginx.conf:9:5: include: 'missing.conf': no such file or directory: nginx refuses a "
     "plain include it cannot read (only a glob may match nothing); lint the config where its "
     "includes are"),
])
def test_parse_errors_exit_2_at_their_line(text: str, error: str) -> None:
    assert run("lint", write("nginx.conf", text)) == (
        2, "", f"{error}\n1 error(s): the input(s) above were not linted\n")


def test_unmatched_include_glob_is_fine() -> None:
    text = NGINX.replace("    server_tokens off;\n",
                         "    server_tokens off;\n    include none/*.conf;\n")
    assert run("lint", write("nginx.conf", text))[0] == 0


def test_includes_are_followed_and_point_at_the_included_file() -> None:
    write("conf.d/tls.conf", "ssl_protocols TLSv1.1 TLSv1.2 TLSv1.3;\n")
    text = NGINX.replace("    ssl_protocols TLSv1.2 TLSv1.3;\n", "    include conf.d/*.conf;\n")
    code, out, _ = run("lint", write("nginx.conf", text))
    assert code == 1 and out.startswith("conf.d/tls.conf:1:1: TLS102 [error] TLSv1.1 enabled")


def test_http_level_setting_is_one_finding_for_many_servers() -> None:
    servers = "".join(f"    server {{ listen 443 ssl; server_name s{i}.example; }}\n"
                      for i in range(50))
    text = f"http {{\n    ssl_protocols TLSv1 TLSv1.2 TLSv1.3;\n{servers}}}\n"
    _, out, _ = run("lint", "--fail-on", "error", write("nginx.conf", text))
    assert out.count("TLS102") == 1


def test_lowercase_traefik_keys() -> None:
    text = TRAEFIK.replace("minVersion: VersionTLS12", "minversion: VersionTLS10")
    _, out, _ = run("lint", write("traefik.yml", text))
    assert "traefik.yml:22:7: TLS102 [error]" in out


def test_suppression_on_and_above_the_line_and_file_level() -> None:
    on = WEAK_NGINX.replace("TLSv1.3;", "TLSv1.3;  # tlsconf: ignore[TLS102] old clients", 1)
    assert run("lint", write("a.conf", on)) == (0, "", (
        "a.conf:2:5: TLS102 [error] suppressed (a.conf:2:43: old clients): TLSv1 enabled "
        "(deprecated by RFC 8996; Mozilla intermediate allows TLSv1.2 TLSv1.3)\n"))
    above = WEAK_NGINX.replace(
        "    ssl_protocols", "    # tlsconf: ignore[legacy-tls-version] old\n    ssl_protocols", 1)
    assert run("lint", write("b.conf", above))[0] == 0
    whole = "# tlsconf: ignore-file[TLS102] legacy appliance\n" + WEAK_NGINX
    assert run("lint", write("c.conf", whole))[0] == 0
    other = WEAK_NGINX.replace("TLSv1.3;", "TLSv1.3;  # tlsconf: ignore[TLS103] wrong id", 1)
    assert run("lint", write("d.conf", other))[0] == 1


def test_settings_file_ignore_severity_profile() -> None:
    weak = write("nginx.conf", WEAK_NGINX)
    write(".tlsconf.yaml", "ignore:\n  - {rule: TLS102, path: '*.conf', reason: legacy}\n")
    assert run("lint", weak)[0] == 0
    write(".tlsconf.yaml", "severity: {TLS102: info}\n")
    code, out, _ = run("lint", weak)
    assert code == 0 and "TLS102 [info]" in out
    write(".tlsconf.yaml", "profile: old\n")
    assert run("lint", weak) == (0, "", "")
    write(".tlsconf.yaml", "fail_on: error\nhsts_min_age: 100\nprofil: old\n")
    code, _, err = run("lint", weak)
    assert code == 2 and "unknown setting 'profil'" in err


def test_pyproject_settings() -> None:
    Path(".tlsconf.yaml").unlink(missing_ok=True)
    write("pyproject.toml", "[tool.tlsconf]\nprofile = \"old\"\n")
    assert run("lint", write("nginx.conf", WEAK_NGINX))[0] == 0


def test_ignore_entry_needs_a_reason() -> None:
    write(".tlsconf.yaml", "ignore: [TLS102]\n")
    code, _, err = run("lint", write("nginx.conf", NGINX))
    assert code == 2 and "reason" in err


def test_usage_errors_exit_2() -> None:
    f = write("nginx.conf", NGINX)
    assert run("lint", "--format", "xml", f)[0] == 2
    assert run("lint", "--fail-on", "fatal", f)[0] == 2
    assert run("lint", "--profile", "ancient", f)[0] == 2
    assert run("lint", "missing.conf")[0] == 2
    assert run("lint", "--kind", "nginx", write("x.txt", "garbage {"))[0] == 2


def test_kind_override() -> None:
    f = write("edge.txt", WEAK_NGINX)
    assert run("lint", "--kind", "nginx", f)[0] == 1


def test_rules_list_explain_and_docs(tmp_path: Path) -> None:
    code, out, _ = run("rules")
    assert code == 0 and out.splitlines()[3].startswith("TLS101  ssl-protocol-enabled")
    code, out, _ = run("rules", "TLS204")
    assert code == 0 and "Why it is bad:" in out and "RFC 7465" in out
    assert run("rules", "rc4-cipher")[1] == out
    assert run("rules", "TLS999")[0] == 2
    assert run("rules", "--markdown", "-o", "rules.md")[0] == 0
    assert run("rules", "--markdown", "-o", "rules.md", "--check")[0] == 0
    Path("rules.md").write_text("stale", "utf-8")
    assert run("rules", "--markdown", "-o", "rules.md", "--check")[0] == 1


def test_committed_rules_doc_is_current() -> None:
    from tlsconf.lint.docs import markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
    assert doc.read_text("utf-8") == markdown(), "run `tlsconf rules --markdown -o docs/rules.md`"


def test_render_refuses_error_findings_and_check_mode() -> None:
    old = write("site.tlsconf.yaml", SPEC.replace("profile: intermediate", "profile: old"))
    code, _, err = run("render", old)
    assert code == 1 and "TLS401 [error]" in err
    spec = write("ok.tlsconf.yaml", SPEC)
    assert run("render", "-o", "out", spec)[0] == 0
    assert run("render", "--check", "-o", "out", spec) == (0, "", "")
    conf = next(Path("out").rglob("example.conf"))
    conf.write_text(conf.read_text("utf-8").replace("TLSv1.2 TLSv1.3", "TLSv1.2"), "utf-8")
    code, out, err = run("render", "--check", "-o", "out", spec)
    assert code == 1 and "+    ssl_protocols TLSv1.2 TLSv1.3;" in out and "stale" in err
    assert run("render", "--check", spec)[0] == 2


def test_help_does_not_import_heavy_modules() -> None:
    code = ("import sys; from typer.testing import CliRunner; from tlsconf.cli import app; "
            "CliRunner().invoke(app, ['--help']); "
            "print(sorted(m for m in ('jinja2', 'crossplane', 'pydantic', 'tlsconf.spec', "
            "'tlsconf.rules', 'tlsconf.lint') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
