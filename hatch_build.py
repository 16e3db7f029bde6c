"""Hatch build hook: bundle the widget front ends (js/) into src/ipyartifacts/static/.

Runs for wheels and editable installs. Needs node and npm only when the bundles are missing
or older than their sources; then it runs ``npm ci`` (when node_modules is missing or older
than the lockfile) and ``npm run build``. Without npm it fails loudly instead of shipping a
package whose widgets cannot render.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent
JS = ROOT / "js"
STATIC = ROOT / "src" / "ipyartifacts" / "static"
SOURCE_SUFFIXES = {".ts", ".css", ".mjs", ".json"}


def _sources() -> list[Path]:
    files = [p for p in JS.glob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES]
    files += [p for p in (JS / "lib").rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES]
    return files


def _expected_outputs() -> list[Path]:
    entries = [p for p in JS.glob("*.ts") if not p.name.endswith(".d.ts")]
    # Every widget imports the shared stylesheet, so each entry yields a .js and a .css.
    return [STATIC / f"{p.stem}{suffix}" for p in entries for suffix in (".js", ".css")]


def up_to_date() -> bool:
    """True when every bundle exists and is newer than every front-end source file."""
    outputs = _expected_outputs()
    if not outputs or not all(p.is_file() for p in outputs):
        return False
    newest_source = max(p.stat().st_mtime for p in _sources())
    return min(p.stat().st_mtime for p in outputs) >= newest_source


def build_js(force: bool = False) -> None:
    """Install the front-end toolchain (if needed) and bundle the widgets."""
    if not force and up_to_date():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "ipyartifacts: building the notebook widgets needs Node.js and npm, which were not "
            "found on PATH. Install Node.js 18+ (with npm) and build again."
        )
    lock = JS / "package-lock.json"
    marker = JS / "node_modules" / ".package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True)
    subprocess.run([npm, "run", "build"], cwd=JS, check=True)
    missing = [str(p) for p in _expected_outputs() if not p.is_file()]
    if missing:
        raise RuntimeError(f"ipyartifacts: the widget build did not produce {missing}")


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Bundle the front ends before hatchling collects files for a wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        build_js()
