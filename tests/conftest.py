"""Shared pytest configuration: the e2e support fixtures, the repository root, and `tmp_cwd`."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["support.fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside its `tmp_path`: relative paths it writes and reads land there. A
    module that wants it for every test says `pytestmark = pytest.mark.usefixtures("tmp_cwd")`."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
