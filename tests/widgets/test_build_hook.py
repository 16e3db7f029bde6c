"""The hatch build hook that bundles js/ into the package: skip when fresh, fail loudly without npm."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hatch_build_under_test", ROOT / "hatch_build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundles_are_built_and_fresh(hook: ModuleType) -> None:
    outputs = hook._expected_outputs()
    assert {p.name for p in outputs} >= {"table_preview.js", "table_preview.css"}
    assert hook.up_to_date(), "run `pip install -e .` or `npm --prefix js run build`"


def test_stale_when_a_source_is_newer(hook: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    newest = max(p.stat().st_mtime for p in hook._expected_outputs())
    source = hook._sources()[0]
    real_stat = Path.stat

    def stat(self: Path, **kwargs: object) -> os.stat_result:
        result = real_stat(self, **kwargs)  # type: ignore[arg-type]
        if self == source:
            values = list(result)
            values[8] = int(newest) + 10  # st_mtime
            return os.stat_result(values)
        return result

    monkeypatch.setattr(Path, "stat", stat)
    assert not hook.up_to_date()


def test_missing_npm_fails_loudly(hook: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hook.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"needs Node\.js and npm"):
        hook.build_js(force=True)
