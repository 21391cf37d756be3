"""Shared pytest configuration: the e2e support fixtures, and the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["support.fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
