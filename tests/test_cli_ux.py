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
    assert "\nArguments:\n  PATH...  Specs and nginx/HAProxy/Traefik/Kubernetes configs;" in text
    assert ("  -f, --format [text|json|sarif|github]\n"
            "                                  The report format.  [default: text]\n") in text
    assert ("  --fail-on [info|warning|error]  Exit 1 for findings at or above this severity.  "
            "[default:\n                                  (settings file, else warning)]\n") in text
    assert "  --profile [modern|intermediate|old]\n" in text
    assert "  --kind [spec|nginx|haproxy|traefik|k8s]\n" in text
    assert "  --config FILE " in text
    assert "  -o, --output FILE " in text
    assert ("  --max-bytes BYTES               Refuse input files larger than this.  "
            "[default: 16777216; x>=1]\n") in text
    assert "  -h, --help                      Show this message and exit.\n" in text


def test_render_help_shows_every_target() -> None:
    text = help_text("render")
    assert text.startswith("Usage: tlsconf render [OPTIONS] SPEC\n")
    assert "\nArguments:\n  SPEC  The site spec (YAML).  [required]\n" in text
    assert ("  -t, --target [nginx|haproxy|traefik|gateway-api|traefik-crd|all]\n"
            "                                  all: the first three, with -o.  "
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
