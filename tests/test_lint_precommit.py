"""The pre-commit hooks, run by pre-commit itself on a scratch repository (`pre-commit
try-repo` installs tlsconf from this working tree into pre-commit's own virtualenv)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lint.baselines import NGINX, SPEC

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
