"""The release story holds together: one version everywhere (pyproject, `tlsconf --version`, the
README's pre-commit `rev:`, the newest CHANGELOG entry, whose commit is where the tag is cut),
the project URLs point where the README's pre-commit snippet does, and the wheel ships the
vendored CRDs with every licence."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def readme_pre_commit() -> tuple[str, str]:
    """(repo, rev) of the README's pre-commit snippet."""
    block = (ROOT / "README.md").read_text().split("# .pre-commit-config.yaml\n", 1)[1]
    repo = re.search(r"- repo: (\S+)\n\s+rev: (\S+)\n", block)
    assert repo is not None
    return repo.group(1), repo.group(2)


def changelog_versions() -> list[str]:
    return re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d\d-\d\d$",
                      (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)


def test_one_version_in_pyproject_cli_readme_and_changelog() -> None:
    version = PROJECT["version"]
    cli = subprocess.run([sys.executable, "-m", "tlsconf", "--version"], capture_output=True,
                         text=True, timeout=60, check=True)
    assert cli.stdout == f"tlsconf {version}\n"
    assert readme_pre_commit()[1] == f"v{version}"
    assert changelog_versions()[0] == version


def test_the_changelog_links_each_release_to_its_tag() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text
    for version in changelog_versions():
        assert (f"[{version}]: https://github.com/tlsconf/tlsconf/releases/tag/v{version}\n"
                in text), version


def test_project_urls_point_at_the_pre_commit_repository() -> None:
    repo, _ = readme_pre_commit()
    assert PROJECT["urls"] == {
        "Homepage": repo,
        "Repository": repo,
        "Issues": f"{repo}/issues",
        "Changelog": f"{repo}/blob/main/CHANGELOG.md",
    }


def test_the_test_extra_installs_the_k8s_extra() -> None:
    extras = PROJECT["optional-dependencies"]
    assert set(extras["k8s"]) <= set(extras["test"])


def test_the_wheel_ships_the_crds_provenance_and_every_licence(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "--disable-pip-version-check", "-w", str(tmp_path), str(ROOT)],
                   capture_output=True, text=True, timeout=300, check=True)
    (wheel,) = tmp_path.glob("tlsconf-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = ROOT / "tlsconf" / "data" / "k8s"
    shipped = {f"tlsconf/{p.relative_to(ROOT / 'tlsconf')}" for p in data.rglob("*") if p.is_file()}
    assert len(shipped) == 12  # nine CRD files, PROVENANCE.md, two licence texts
    assert shipped <= names
    dist_info = f"tlsconf-{PROJECT['version']}.dist-info"
    assert sorted(n for n in names if n.startswith(f"{dist_info}/licenses/")) == [
        f"{dist_info}/licenses/LICENSE",
        f"{dist_info}/licenses/tlsconf/data/k8s/licenses/Apache-2.0.txt",
        f"{dist_info}/licenses/tlsconf/data/k8s/licenses/MIT-traefik.txt",
    ]
    metadata = zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: MPL-2.0\n" in metadata
    assert "Provides-Extra: k8s\n" in metadata
    assert "Project-URL: Changelog, https://github.com/tlsconf/tlsconf/blob/main/CHANGELOG.md\n" \
        in metadata
    assert (ROOT / "LICENSE").read_text().startswith("Mozilla Public License Version 2.0\n")
