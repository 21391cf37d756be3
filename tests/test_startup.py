"""Start-up work that `tlsconf lint` of a spec must not do: every pre-commit run pays for it.

The bench (bench/run.py) reports the time; these tests pin the mechanisms — what is imported
and what is built — so a change that brings the work back fails here, on any machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.pki import issue_leaf, make_ca

# Runs the console entry point in a fresh interpreter, then reports what the run left behind.
HARNESS = """
import json, sys
import typer.main
from tlsconf.cli import main
built = []
build = typer.main.get_command_from_info
def recording(command_info, **kwargs):
    built.append(command_info.callback.__name__)
    return build(command_info, **kwargs)
typer.main.get_command_from_info = recording
sys.argv = ["tlsconf", "lint", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
import tokenize
from tlsconf import suites
print(json.dumps({"code": code, "modules": sorted(sys.modules), "commands_built": built,
                  "tokenizer_compiled": tokenize._compile.cache_info().currsize,
                  "cipher_string_tables": suites._tables.cache_info().currsize}))
"""


@pytest.fixture(scope="module")
def spec_with_certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-site spec whose certificate file holds the leaf and the CA that issued it."""
    root = tmp_path_factory.mktemp("startup")
    leaf = issue_leaf(make_ca(root / "ca"), root, "app", ["app.test"])
    spec = root / "site.yaml"
    spec.write_text(
        "sites:\n"
        "  - name: app\n"
        "    domains: [app.test]\n"
        f"    tls: {{certificate: {leaf.cert_path}, key: {leaf.key_path}}}\n"
        "    upstreams: [{address: 127.0.0.1:8080}]\n",
        "utf-8",
    )
    return spec


@pytest.fixture(scope="module")
def report(spec_with_certificate: Path) -> dict[str, object]:
    """What `tlsconf lint SPEC` imported and built, from a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", HARNESS, str(spec_with_certificate)],
                          capture_output=True, text=True, timeout=120,
                          cwd=spec_with_certificate.parent, check=False)
    assert proc.returncode == 0, proc.stderr
    found: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    return found


def _imported_without_tlsconf() -> set[str]:
    """What a fresh interpreter holds after importing the dependencies a lint needs anyway:
    an environment's `.pth` files and some dependency versions bring in `importlib.resources`
    or `asyncio` (and `ssl`) themselves; only what tlsconf adds is judged."""
    code = ("import json, sys, pydantic.main, pydantic.types, typer, yaml._yaml, "
            "cryptography.x509; print(json.dumps(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_lint_of_a_spec_imports_only_what_it_uses(report: dict[str, object]) -> None:
    assert report["code"] == 0  # clean, with every certificate check run
    unneeded = {
        "ssl",  # the system CA bundle's path: only for chains that stop before a root
        # The entry-point scan for pydantic plugins, which main() disables, and what it needs.
        "importlib.metadata",
        "importlib.resources",  # the Mozilla data is read next to tlsconf.profiles
    } - _imported_without_tlsconf()
    assert sorted(unneeded & set(report["modules"])) == []  # type: ignore[arg-type]


def test_building_the_spec_models_compiles_no_tokenizer(report: dict[str, object]) -> None:
    # pydantic takes the signature of each default_factory; a builtin's (list's) is parsed
    # with the tokenizer, whose regular expressions take ~2 ms to compile.
    assert report["tokenizer_compiled"] == 0


def test_a_spec_reads_no_cipher_string_so_its_tables_are_not_built(
        report: dict[str, object]) -> None:
    # A spec names suites one by one (suites.lookup); OpenSSL cipher strings come only from
    # proxy configs, and their alias and selector tables are built on the first one.
    assert report["cipher_string_tables"] == 0


def test_typer_builds_only_the_invoked_command(report: dict[str, object]) -> None:
    assert report["commands_built"] == ["lint"]


@pytest.mark.parametrize("args", [
    ["lint", "--help"], ["lint"], ["lint", "--bogus", "x"], ["cert", "--help"], ["cert"],
    ["render", "--help"], ["profiles"], ["rules", "TLS101"], ["--help"], [], ["nope"],
    ["lnt", "x"], ["--version"],
])
def test_the_invoked_app_answers_as_the_whole_app(args: list[str]) -> None:
    """Output and exit status are those of the app with every command registered."""
    from typer.testing import CliRunner

    from tlsconf.cli import _invoked_app, app

    whole, invoked = CliRunner().invoke(app, args), CliRunner().invoke(_invoked_app(args), args)
    assert (invoked.exit_code, invoked.output) == (whole.exit_code, whole.output)


def test_the_invoked_app_holds_only_the_named_command() -> None:
    from tlsconf.cli import _invoked_app, app

    def names(invoked: object) -> tuple[list[str], list[str | None]]:
        return ([c.callback.__name__ for c in invoked.registered_commands],  # type: ignore
                [g.name for g in invoked.registered_groups])  # type: ignore

    assert names(_invoked_app(["lint", "x.yaml"])) == (["lint"], [])
    assert names(_invoked_app(["cert", "inspect", "x.pem"])) == ([], ["cert"])
    assert all(_invoked_app(args) is app for args in ([], ["--version", "lint"], ["lnt"]))
    assert len(app.registered_commands) == 9  # the whole app is left as it was


def test_spec_model_annotations_need_no_evaluation() -> None:
    """pydantic parses each postponed (string) annotation at start-up; the spec's models are
    built on every run that reads a spec, so theirs are objects already."""
    import pydantic

    from tlsconf import spec

    models = [m for m in vars(spec).values() if isinstance(m, type)
              and issubclass(m, pydantic.BaseModel) and m.__module__ == spec.__name__]
    postponed = sorted(f"{m.__name__}.{name}" for m in models
                       for name, annotation in vars(m).get("__annotations__", {}).items()
                       if isinstance(annotation, str))
    assert len(models) >= 18
    assert postponed == []


def test_record_types_are_structs_not_dataclasses() -> None:
    """A frozen dataclass compiles six generated methods with exec() when its class is created
    (~0.6 ms each on CPython 3.11); the ~40 record types a lint of a spec creates cost ~22 ms
    that way, an eighth of the import floor. msgspec.Struct builds them in C (~0.02 ms each)."""
    root = Path(__file__).resolve().parent.parent / "tlsconf"
    users = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                   if "dataclass" in p.read_text("utf-8"))
    assert users == []


def test_the_console_script_is_the_process_entry_point() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml")
                            .read_text("utf-8"))["project"]
    assert project["scripts"] == {"tlsconf": "tlsconf.process:run"}


def _collector_after(entry: str, argv: list[str]) -> tuple[str, object]:
    """Run `entry` ("tlsconf.process:run" or "tlsconf.cli:main") with `argv` in a fresh
    interpreter; its stdout before the last line, and the last line: [exit status, the
    collector enabled?, objects frozen]."""
    module, name = entry.split(":")
    code = ("import gc, json, sys\n"
            f"sys.argv = ['tlsconf', *{argv!r}]\n"
            f"from {module} import {name}\n"
            f"try:\n    {name}()\n    status = 0\n"
            "except SystemExit as done:\n    status = done.code or 0\n"
            "print(json.dumps([status, gc.isenabled(), gc.get_freeze_count()]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert (proc.returncode, proc.stderr) == (0, "")
    *out, last = proc.stdout.splitlines()
    return "\n".join(out), json.loads(last)


def test_a_process_runs_without_the_collector_and_freezes_before_finalization() -> None:
    """The run's exit status is main()'s; the collector stays off, and everything is frozen
    when the interpreter finalizes (its full collection then walks nothing)."""
    out, (status, enabled, frozen) = _collector_after("tlsconf.process:run", ["profiles"])
    assert (status, enabled, frozen > 10000) == (0, False, True)
    assert out.startswith(" " * 18 + "modern")


def test_main_itself_leaves_the_collector_as_it_found_it() -> None:
    """Harnesses call main() many times in one interpreter: it must not freeze or disable."""
    assert _collector_after("tlsconf.cli:main", ["--version"])[1] == [0, True, 0]
