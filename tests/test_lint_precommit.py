"""The pre-commit hooks, run by pre-commit itself on a scratch repository (`pre-commit
try-repo` installs tlsconf from this working tree into pre-commit's own virtualenv)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lint.baselines import NGINX, SPEC
from tlsconf.targets import TARGETS

ROOT = Path(__file__).resolve().parents[1]


def _precommit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home")}
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    pytest.importorskip("pre_commit", reason="pip install pre-commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def _hook_repo(tmp: Path) -> Path:
    """A committed copy of this working tree: what pre-commit would clone at a tag."""
    repo = tmp / "hooks-repo"
    ignore = shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", ".mypy_cache",
                                    ".ruff_cache", "tests", "bench", ".benchmarks")
    shutil.copytree(ROOT, repo, ignore=ignore)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "hooks"], cwd=repo, check=True)
    return repo


def test_lint_and_render_check_hooks(scratch: Path) -> None:
    hooks = _hook_repo(scratch.parent)
    (scratch / "nginx.conf").write_text(NGINX, "utf-8")
    (scratch / "site.tlsconf.yaml").write_text(SPEC, "utf-8")
    subprocess.run(["git", "add", "."], cwd=scratch, check=True)
    ok = _precommit("try-repo", str(hooks), "tlsconf-lint", "--all-files", cwd=scratch)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    weak = NGINX.replace("TLSv1.2 TLSv1.3", "TLSv1 TLSv1.2 TLSv1.3")
    (scratch / "nginx.conf").write_text(weak, "utf-8")
    bad = _precommit("try-repo", str(hooks), "tlsconf-lint", "--all-files", cwd=scratch)
    assert bad.returncode == 1 and "nginx.conf:2:5: TLS102 [error]" in bad.stdout

    render = [sys.executable, "-m", "tlsconf", "render", "-o", "rendered", "site.tlsconf.yaml"]
    subprocess.run(render, cwd=scratch, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    (scratch / "nginx.conf").unlink()
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks, check=True,
                         capture_output=True, text=True).stdout.strip()
    (scratch / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: tlsconf-render-check\n"
        "    args: [-o, rendered, site.tlsconf.yaml]\n", "utf-8")
    subprocess.run(["git", "add", "-A"], cwd=scratch, check=True)
    fresh = _precommit("run", "--all-files", cwd=scratch)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    stale = next((scratch / "rendered").rglob("example.conf"))
    stale.write_text(stale.read_text("utf-8").replace("TLSv1.2 TLSv1.3", "TLSv1.2"), "utf-8")
    result = _precommit("run", "--all-files", cwd=scratch)
    assert result.returncode == 1 and "+    ssl_protocols TLSv1.2 TLSv1.3;" in result.stdout


def _readme_block(first_line: str) -> str:
    """The README's fenced yaml block that starts with `first_line`."""
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    (block,) = [b for b in blocks if b.startswith(first_line + "\n")]
    return block


def _statuses(output: str) -> dict[str, str]:
    return dict(re.findall(r"^(tlsconf [a-z -]+?)\.{2,}.*?(Passed|Failed)$", output, re.MULTILINE))


def test_readme_recipe_verbatim(scratch: Path) -> None:
    """The README's Quick start spec and pre-commit recipe, as written (only `repo`/`rev`
    point at this working tree): clean output passes both hooks; a hand edit of committed
    output fails render-check (and lint); a weak spec fails tlsconf-lint."""
    import yaml

    hooks = _hook_repo(scratch.parent)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks, check=True,
                         capture_output=True, text=True).stdout.strip()
    recipe = _readme_block("# .pre-commit-config.yaml")
    config = yaml.safe_load(recipe)
    (check,) = [h for h in config["repos"][0]["hooks"] if h["id"] == "tlsconf-render-check"]
    args = check["args"]
    spec = Path(args[-1])
    out = Path(args[args.index("-o") + 1])
    quick = _readme_block("# site.tlsconf.yaml")
    assert spec.name == "site.tlsconf.yaml"  # the Quick start's file, where the recipe has it
    (scratch / spec).parent.mkdir(parents=True)
    (scratch / spec).write_text(quick, "utf-8")
    (scratch / ".pre-commit-config.yaml").write_text(
        recipe.replace("https://github.com/tlsconf/tlsconf", str(hooks))
        .replace("rev: v0.1.0", f"rev: {rev}"), "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "tlsconf", "render", *args], cwd=scratch, check=True,
                   env=env)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "add", "-A"], cwd=scratch, check=True)
    clean = _precommit("run", "--all-files", cwd=scratch)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert _statuses(clean.stdout) == {"tlsconf lint": "Passed",
                                       "tlsconf render --check": "Passed"}
    subprocess.run([*git, "commit", "-q", "-m", "deploy"], cwd=scratch, check=True)

    # a hand edit of committed output, staged on its own: what `git commit` would check
    site = scratch / out / "nginx" / "conf.d" / "mydomain.conf"
    site.write_text(site.read_text("utf-8").replace("max-age=63072000", "max-age=300"), "utf-8")
    subprocess.run(["git", "add", str(site)], cwd=scratch, check=True)
    edited = _precommit("run", cwd=scratch)
    assert edited.returncode == 1
    assert _statuses(edited.stdout) == {"tlsconf lint": "Failed",
                                        "tlsconf render --check": "Failed"}
    assert re.search(r"^\+.*max-age=63072000", edited.stdout, re.MULTILINE)
    assert f"{out}/nginx/conf.d/mydomain.conf:" in edited.stdout and "TLS503" in edited.stdout
    subprocess.run([*git, "checkout", "-q", "HEAD", "--", "."], cwd=scratch, check=True)

    # a weak spec
    (scratch / spec).write_text(quick.replace("tls: {", "tls: {protocols: [TLSv1.1, TLSv1.2], "),
                                "utf-8")
    subprocess.run(["git", "add", str(spec)], cwd=scratch, check=True)
    weak = _precommit("run", cwd=scratch)
    assert weak.returncode == 1
    assert _statuses(weak.stdout)["tlsconf lint"] == "Failed"
    assert f"{spec}:" in weak.stdout and "TLS102 [error] TLSv1.1 enabled" in weak.stdout


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_render_check_hook_runs_on_every_file_every_target_writes(
        target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand edit of any committed output file (under `-o DIR`) triggers the render-check
    hook: its `files:` covers each target's output layout (`DIR/<target>/...`)."""
    import yaml
    from typer.testing import CliRunner

    from tlsconf.cli import app

    root = Path(__file__).resolve().parent.parent
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (pattern,) = [h["files"] for h in hooks if h["id"] == "tlsconf-render-check"]
    k8s = target in ("gateway-api", "traefik-crd")
    spec = root / ("tests/golden/k8s/specs/shop.yaml" if k8s else "examples/seed.yaml")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["render", str(spec), "--target", target, "-o", "deploy"])
    assert result.exit_code == 0, result.stderr
    written = sorted(str(p) for p in Path("deploy").rglob("*") if p.is_file())
    assert written and [p for p in written if not re.search(pattern, p)] == []
