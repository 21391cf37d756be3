"""CLI conventions users know from ruff and hadolint: --help that names values and choices,
-h, shell completion, a closing summary and colour on a terminal only, `lint DIR` and `lint -`,
file headers for multi-file renders to stdout, `schema --print`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tlsconf import cli
from tlsconf.cli import app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = EXAMPLES / "seed.yaml"


def help_text(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.stderr
    return result.stdout


# --- --help --------------------------------------------------------------------------------


def test_lint_help_shows_metavars_choices_and_defaults() -> None:
    text = help_text("lint")
    assert text.startswith("Usage: tlsconf lint [OPTIONS] PATH...\n")
    assert ("\nArguments:\n  PATH...  Specs and nginx/HAProxy/Traefik/Envoy/Caddy/Kubernetes "
            "configs;") in text
    assert ("  -f, --format [text|json|sarif|github]\n"
            "                                  The report format.  [default: text]\n") in text
    assert ("  --fail-on [info|warning|error]  Exit 1 for findings at or above this severity.  "
            "[default:\n                                  (settings file, else warning)]\n") in text
    assert "  --profile [modern|intermediate|old]\n" in text
    assert "  --kind [spec|nginx|haproxy|traefik|envoy|caddy|k8s]\n" in text
    assert "  --config FILE " in text
    assert "  -o, --output FILE " in text
    assert ("  --max-bytes BYTES               Refuse input files larger than this.  "
            "[default: 16777216; x>=1]\n") in text
    assert "  -h, --help                      Show this message and exit.\n" in text


def test_render_help_shows_every_target() -> None:
    text = help_text("render")
    assert text.startswith("Usage: tlsconf render [OPTIONS] SPEC\n")
    assert "\nArguments:\n  SPEC  The site spec (YAML).  [required]\n" in text
    assert ("  -t, --target [nginx|haproxy|traefik|envoy|caddy|gateway-api|traefik-crd|all]\n"
            "                                  all: nginx, haproxy and traefik, with -o.  "
            "[default: nginx]\n") in text
    assert "  --impl [traefik|envoy-gateway|nginx-gateway-fabric]\n" in text
    assert "  -o, --output DIR " in text and "  --site NAME " in text


def test_root_help_offers_completion_and_h() -> None:
    text = help_text()
    assert ("Options:\n"
            "  --version             Show the version.\n"
            "  --install-completion  Install completion for the current shell.\n") in text
    assert "  --show-completion " in text
    assert "  -h, --help            Show this message and exit.\n" in text


def _commands() -> list[list[str]]:
    import typer
    from typer.core import TyperGroup

    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    found = []
    ctx = typer.Context(root)
    for name in root.list_commands(ctx):
        command = root.get_command(ctx, name)
        if isinstance(command, TyperGroup):
            found += [[name, sub] for sub in command.list_commands(typer.Context(command))]
        else:
            found.append([name])
    return found


def test_no_help_text_names_a_python_type() -> None:
    commands = _commands()
    assert ["cert", "inspect"] in commands and ["lint"] in commands and len(commands) >= 10
    for command in commands:
        text = help_text(*command)
        # typer's own rendering would say `<list[Path]>`, `<str>`, `<path>`, `{spec}`.
        assert re.findall(r"(?<!/)<[a-z][\w\[\], |-]*>|\{\w+\}", text) == [], command
        short = CliRunner().invoke(app, [*command, "-h"], terminal_width=100)
        assert short.exit_code == 0 and short.stdout == text


def test_choice_lists_match_their_sources() -> None:
    from tlsconf.ingest import KINDS
    from tlsconf.lint.formats import FORMATS
    from tlsconf.profiles import PROFILE_NAMES

    assert cli.FORMAT_NAMES == FORMATS
    assert cli.KIND_NAMES == KINDS
    assert tuple(PROFILE_NAMES) == cli.PROFILE_NAMES
    assert cli.SEVERITY_NAMES == ("info", "warning", "error")


def test_shell_completion_offers_the_choices() -> None:
    def complete(words: str) -> list[str]:
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("tlsconf"))],
            capture_output=True, text=True, timeout=60,
            env={"_TLSCONF_COMPLETE": "complete_bash", "COMP_WORDS": words,
                 "COMP_CWORD": str(len(words.split(" ")) - 1), "PATH": "/usr/bin:/bin"},
            check=False)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    assert complete("tlsconf render x --target tr") == ["traefik", "traefik-crd"]
    assert complete("tlsconf lint --format ") == ["text", "json", "sarif", "github"]
    assert complete("tlsconf cert inspect --format j") == ["json"]
    assert "validate" in complete("tlsconf v")


def test_show_completion_prints_a_script() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert result.exit_code == 0
    assert "_tlsconf_completion()" in result.stdout


# --- render to stdout, schema --print / --check --------------------------------------------


def test_a_multi_file_render_names_each_file_on_stdout() -> None:
    result = CliRunner().invoke(app, ["render", str(SEED), "--target", "traefik"])
    assert result.exit_code == 0, result.stderr
    headers = [line for line in result.stdout.splitlines() if line.startswith("==> ")]
    assert headers == ["==> traefik/dynamic/tlsconf.yml <==", "==> traefik/traefik.yml <=="]
    # Each file's text follows its header verbatim, a blank line before the next header.
    from tlsconf import policy, targets
    from tlsconf.specfile import load_spec

    loaded = load_spec(str(SEED))
    files = targets.render("traefik", loaded, policy.resolve(loaded)).files
    assert result.stdout == (f"==> traefik/dynamic/tlsconf.yml <==\n"
                             f"{files['traefik/dynamic/tlsconf.yml']}\n"
                             f"==> traefik/traefik.yml <==\n{files['traefik/traefik.yml']}")


def test_a_single_file_render_is_printed_as_it_is() -> None:
    from tlsconf.render import Rendered

    assert Rendered({"haproxy/haproxy.cfg": "# Generated by tlsconf\n"}).text() == (
        "# Generated by tlsconf\n")
    assert Rendered({"b": "B\n", "a": "A\n"}).text() == "==> a <==\nA\n\n==> b <==\nB\n"


def test_schema_print_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tlsconf.schema import schema_text

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["schema", "--print"])
    assert result.exit_code == 0 and result.stdout == schema_text() and result.stderr == ""
    assert list(tmp_path.iterdir()) == []
    both = CliRunner().invoke(app, ["schema", "--print", "--check"])
    assert (both.exit_code, both.stderr) == (2, "--print: cannot be combined with --check\n")


def test_schema_check_says_missing_or_stale(tmp_path: Path) -> None:
    stale, missing = tmp_path / "s.json", tmp_path / "spec.md"
    stale.write_text("{}\n")
    result = CliRunner().invoke(
        app, ["schema", "--check", "-o", str(stale), "--docs", str(missing)])
    assert result.exit_code == 1
    assert result.stderr == (f"{stale}: stale; run `tlsconf schema` to regenerate it\n"
                             f"{missing}: missing; run `tlsconf schema` to generate it\n")


# --- a terminal: summary and colour --------------------------------------------------------

WEAK_NGINX = ("server {\n    listen 443 ssl;\n    server_name a.example;\n"
              "    ssl_certificate /nonexistent/a.pem;\n"
              "    ssl_certificate_key /nonexistent/a.key;\n"
              "    ssl_protocols TLSv1 TLSv1.2;\n}\n")


def on_terminal(args: list[str], cwd: Path, *, stdout_tty: bool = True, stderr_tty: bool = True,
                env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the installed CLI with stdout and/or stderr on a pseudo-terminal (the others are
    pipes); outputs with the terminal's CRLF turned back into LF."""
    import os
    import pty
    import select

    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "TERM")}
    environ.update({"TERM": "xterm-256color", **(env or {})})
    ends = [pty.openpty() if tty else os.pipe() for tty in (stdout_tty, stderr_tty)]
    proc = subprocess.Popen([str(Path(sys.executable).with_name("tlsconf")), *args], cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=ends[0][1], stderr=ends[1][1],
                            env=environ)
    for _, write_end in ends:
        os.close(write_end)
    chunks: dict[int, bytes] = {read_end: b"" for read_end, _ in ends}
    open_ends = set(chunks)
    try:
        while open_ends:
            ready, _, _ = select.select(list(open_ends), [], [], 60)
            assert ready, "no output within 60 s"
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the terminal's other end is closed
                    data = b""
                if data:
                    chunks[fd] += data
                else:
                    open_ends.discard(fd)
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
        for fd in chunks:
            os.close(fd)
    out, err = (chunks[read_end].decode().replace("\r\n", "\n") for read_end, _ in ends)
    return code, out, err


def test_lint_on_a_terminal_colours_and_summarises(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(WEAK_NGINX)
    code, out, err = on_terminal(["lint", "--no-cert-checks", "--fail-on", "info", "nginx.conf"],
                                 tmp_path)
    assert code == 1
    assert "\033[1mnginx.conf:6:5\033[0m: \033[1mTLS102\033[0m [\033[1;31merror\033[0m] TLSv1 " \
           "enabled" in out
    assert err == ("5 findings: \033[1;31m1 error\033[0m, \033[33m3 warnings\033[0m, "
                   "\033[36m1 info\033[0m\n")


def test_no_color_and_pipes_get_no_colour(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nginx.conf").write_text(WEAK_NGINX)
    args = ["lint", "--no-cert-checks", "--fail-on", "info", "nginx.conf"]
    plain = CliRunner().invoke(app, args).stdout
    assert "\033" not in plain and plain.count("\n") == 5
    for env in ({"NO_COLOR": "1"}, {"NO_COLOR": "anything"}, {"TERM": "dumb"}):
        code, out, err = on_terminal(args, tmp_path, env=env)
        assert (code, out, err) == (1, plain, "5 findings: 1 error, 3 warnings, 1 info\n"), env
    # stdout piped, stderr a terminal: the report is plain, the summary coloured.
    code, out, err = on_terminal(args, tmp_path, stdout_tty=False)
    assert (code, out) == (1, plain) and err.startswith("5 findings: \033[1;31m1 error")
    # stderr piped (CI, pre-commit): no summary at all.
    assert on_terminal(args, tmp_path, stderr_tty=False)[2] == ""


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_machine_formats_get_neither_summary_nor_colour(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nginx.conf").write_text(WEAK_NGINX)
    args = ["lint", "--no-cert-checks", "--format", fmt, "nginx.conf"]
    code, out, err = on_terminal(args, tmp_path)
    assert (code, out, err) == (1, CliRunner().invoke(app, args).stdout, "")


def test_a_clean_lint_and_an_unreadable_one_on_a_terminal(tmp_path: Path) -> None:
    code, out, err = on_terminal(["lint", str(SEED)], tmp_path)
    assert (code, out, err) == (0, "", "no findings\n")
    (tmp_path / "broken.conf").write_text("server {\n")
    code, out, err = on_terminal(["lint", "broken.conf"], tmp_path)
    assert code == 2 and "findings" not in err  # never a count for what was not read
    assert err.endswith("1 error(s): the input(s) above were not linted\n")


def test_render_on_a_terminal_says_what_it_wrote(tmp_path: Path) -> None:
    args = ["render", str(SEED), "--target", "traefik", "-o", "deploy"]
    assert on_terminal(args, tmp_path) == (0, "", "wrote 2 files under deploy/\n")
    assert on_terminal(args, tmp_path) == (0, "", "wrote 0 files under deploy/ (2 unchanged)\n")
    assert on_terminal(args, tmp_path, stderr_tty=False) == (0, "", "")


def test_summary_texts() -> None:
    from tlsconf import terminal
    from tlsconf.errors import Location
    from tlsconf.findings import Finding, Severity

    def finding(severity: Severity) -> Finding:
        return Finding(Location("f", 1, 1), "TLS100", "x", severity, "m")

    eleven = [finding(Severity.ERROR)] * 5 + [finding(Severity.WARNING)] * 5 + [
        finding(Severity.INFO)]
    assert terminal.lint_summary(eleven) == "11 findings: 5 errors, 5 warnings, 1 info"
    assert terminal.lint_summary([finding(Severity.WARNING)], suppressed=2) == (
        "1 finding: 1 warning (2 suppressed)")
    assert terminal.lint_summary([finding(Severity.INFO)] * 2) == "2 findings: 2 info"
    assert terminal.lint_summary([]) == "no findings"
    assert terminal.written_summary(Path("deploy"), ["a", "b", "c"], ["b"]) == (
        "wrote 2 files under deploy/ (1 unchanged)")
    assert terminal.written_summary(Path("/"), ["a"], []) == "wrote 1 file under /"


def test_colour_policy() -> None:
    import io

    from tlsconf import terminal

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    assert terminal.colour_wanted(tty, {"TERM": "xterm"})
    assert terminal.colour_wanted(tty, {"NO_COLOR": ""})  # empty: not set, per no-color.org
    assert not terminal.colour_wanted(tty, {"NO_COLOR": "0"})
    assert not terminal.colour_wanted(tty, {"TERM": "dumb"})
    assert not terminal.colour_wanted(pipe, {})
    assert not terminal.colour_wanted(tty, {}, fmt="json")
    assert terminal.summary_wanted(tty) and not terminal.summary_wanted(pipe)
    assert not terminal.summary_wanted(tty, "sarif")


# --- lint DIR, lint - ----------------------------------------------------------------------


def lint_json(*args: str, stdin: str | None = None) -> tuple[int, dict[str, object], str]:
    import json

    result = CliRunner().invoke(app, ["lint", "--format", "json", *args], input=stdin)
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def _tree(root: Path) -> None:
    from tests.lint.baselines import HAPROXY, K8S, NGINX, SPEC, TRAEFIK, TRAEFIK_TOML

    weak = NGINX.replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1 TLSv1.2 TLSv1.3;")
    files = {
        "site.tlsconf.yaml": SPEC, "nginx/nginx.conf": NGINX, "haproxy/haproxy.cfg": HAPROXY,
        "traefik/dynamic.yml": TRAEFIK, "traefik/dynamic.toml": TRAEFIK_TOML,
        "k8s/policy.yaml": K8S,
        # Not configs: ignored.
        "README.md": "server {\n    ssl_protocols TLSv1;\n}\n", "pyproject.toml": "[project]\n",
        "docker-compose.yml": "services:\n  web: {image: nginx}\n",
        "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n",
        "notes.txt": "backend b\n", "static/traefik.yml": "entryPoints:\n  web: {address: ':80'}\n",
        # Skipped directories and files, whatever they hold.
        ".git/nginx.conf": weak, ".venv/nginx.conf": weak, "node_modules/x/nginx.conf": weak,
        "env/pyvenv.cfg": "home = /usr\n", "env/nginx.conf": weak, ".hidden.conf": weak,
        "__pycache__/nginx.conf": weak,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_lint_dir_finds_the_configs_sorted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _tree(tmp_path / "repo")
    code, report, err = lint_json("repo")
    assert (code, err, report["findings"], report["errors"]) == (0, "", [], [])
    assert report["files"] == [
        "repo/site.tlsconf.yaml", "repo/haproxy/haproxy.cfg", "repo/k8s/policy.yaml",
        "repo/nginx/nginx.conf", "repo/traefik/dynamic.toml", "repo/traefik/dynamic.yml"]
    monkeypatch.chdir(tmp_path / "repo")
    assert lint_json(".")[1]["files"] == [
        "site.tlsconf.yaml", "haproxy/haproxy.cfg", "k8s/policy.yaml", "nginx/nginx.conf",
        "traefik/dynamic.toml", "traefik/dynamic.yml"]
    # --kind takes only the files of that kind.
    assert lint_json("--kind", "traefik", ".")[1]["files"] == [
        "traefik/dynamic.toml", "traefik/dynamic.yml"]


def test_lint_dir_judges_what_it_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.lint.baselines import NGINX

    monkeypatch.chdir(tmp_path)
    _tree(tmp_path / "repo")
    weak = NGINX.replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1 TLSv1.2 TLSv1.3;")
    (tmp_path / "repo/nginx/nginx.conf").write_text(weak)
    result = CliRunner().invoke(app, ["lint", "repo"])
    assert (result.exit_code, result.stdout) == (1, (
        "repo/nginx/nginx.conf:2:5: TLS102 [error] TLSv1 enabled (deprecated by RFC 8996; "
        "Mozilla intermediate allows TLSv1.2 TLSv1.3)\n"))


def test_a_found_include_is_judged_where_it_is_included(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.lint.baselines import NGINX

    monkeypatch.chdir(tmp_path)
    head, servers = NGINX.split("    server {", 1)
    (tmp_path / "etc/conf.d").mkdir(parents=True)
    (tmp_path / "etc/nginx.conf").write_text(f"{head}    include conf.d/*.conf;\n}}\n")
    (tmp_path / "etc/conf.d/site.conf").write_text(
        "server {" + servers.rstrip().removesuffix("}").replace("ssl_protocols", "x"))
    code, report, err = lint_json("etc")
    assert report["files"] == ["etc/nginx.conf"], err
    # The servers inherit ssl_protocols and the rest from http {}: clean, as nginx sees them.
    assert (code, report["findings"]) == (0, [])
    # Named on its own, the file is judged on its own, as before.
    code, report, _ = lint_json("etc/conf.d/site.conf")
    assert code == 1 and report["files"] == ["etc/conf.d/site.conf"]


def test_lint_dir_never_fails_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty/.git").mkdir(parents=True)
    (tmp_path / "empty/README.md").write_text("# nothing to lint\n")
    result = CliRunner().invoke(app, ["lint", "empty"])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", (
        "empty: no spec or nginx/HAProxy/Traefik/Envoy/Caddy/Kubernetes config found in this "
        "directory\n"
        "1 error(s): the input(s) above were not linted\n"))
    # A file that may be a config but cannot be read is reported, not skipped.
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken/site.conf").symlink_to(tmp_path / "missing.conf")
    (tmp_path / "broken/notes.md").symlink_to(tmp_path / "missing.md")  # not a config: ignored
    result = CliRunner().invoke(app, ["lint", "broken"])
    assert (result.exit_code, result.stderr) == (2, (
        "broken/site.conf: no such file\n1 error(s): the input(s) above were not linted\n"))
    # A file found that is a config but is broken is exit 2, as when named.
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut/nginx.conf").write_text("http {\n    server {\n")
    assert CliRunner().invoke(app, ["lint", "cut"]).exit_code == 2


def test_lint_stdin_needs_kind_and_names_stdin(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.lint.baselines import NGINX, SPEC

    monkeypatch.chdir(tmp_path)
    weak = NGINX.replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1 TLSv1.2 TLSv1.3;")
    result = CliRunner().invoke(app, ["lint", "-"], input=weak)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "-: reading stdin needs --kind (spec, nginx, haproxy, traefik, envoy, caddy, "
               "k8s)\n")
    result = CliRunner().invoke(app, ["lint", "--kind", "nginx", "-"], input=weak)
    assert (result.exit_code, result.stdout) == (1, (
        "<stdin>:2:5: TLS102 [error] TLSv1 enabled (deprecated by RFC 8996; "
        "Mozilla intermediate allows TLSv1.2 TLSv1.3)\n"))
    code, report, _ = lint_json("--kind", "spec", "-", stdin=SPEC)
    assert (code, report["files"], report["findings"]) == (0, ["<stdin>"], [])
    # Settings (and their path globs) come from the current directory; comments still work.
    (tmp_path / ".tlsconf.yaml").write_text(
        "ignore:\n  - {rule: TLS102, path: '<stdin>', reason: the old clients of the lab}\n")
    code, report, _ = lint_json("--kind", "nginx", "-", stdin=weak)
    assert (code, report["findings"], report["suppressed"]) == (0, [], 1)
    (tmp_path / ".tlsconf.yaml").unlink()
    commented = weak.replace("TLSv1 TLSv1.2 TLSv1.3;",
                             "TLSv1 TLSv1.2 TLSv1.3;  # tlsconf: ignore[TLS102] lab clients")
    assert lint_json("--kind", "nginx", "-", stdin=commented)[0] == 0
    # Bounded like a file; read once.
    big = CliRunner().invoke(app, ["lint", "--kind", "nginx", "--max-bytes", "10", "-"],
                             input=weak)
    assert (big.exit_code, big.stderr) == (
        2, "<stdin>: input is larger than the limit of 10 bytes (--max-bytes)\n")
    twice = CliRunner().invoke(app, ["lint", "--kind", "nginx", "-", "-"], input=weak)
    assert (twice.exit_code, twice.stderr) == (2, "-: stdin can only be read once\n")
