"""Shared fixtures: every test gets its own store directory and working directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import ipyartifacts


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh store and cwd for each test; no run or env leaks between tests."""
    for var in list(os.environ):
        if var.startswith("IPYARTIFACTS_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("IPYARTIFACTS_STORE", str(tmp_path / "store"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield
    ipyartifacts.finish()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """The test's store directory (also in $IPYARTIFACTS_STORE)."""
    return tmp_path / "store"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The test's working directory (the cwd)."""
    return tmp_path / "work"
