"""Downloads, checkouts and verifies stay inside their root even while the tree changes.

The adversary is a separate process that keeps swapping ``root/sub`` between the real
folder and a symlink to a folder outside the root, while a version downloads (or checks
out, or verifies) into ``root``. Whatever it catches, nothing may be written, deleted or
read outside the root.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from tests.helpers import write

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="symlink swapping needs POSIX symlinks"
)

FILES = 1500
TRIALS = 20
ATTEMPTS = 4

# Swap root/sub for a symlink to `outside` and back, as fast as it can, forever. The real
# folder is parked *inside* the root while the link is up (a folder moved out of the
# root by someone else takes its contents with it; that is not a download escaping).
_RACER = textwrap.dedent(
    """
    import os, sys
    root, outside = sys.argv[1], sys.argv[2]
    sub = os.path.join(root, "sub")
    n = 0
    ready = False
    while True:
        n += 1
        park = os.path.join(root, f".park{n}")
        try:
            os.rename(sub, park)
        except OSError:
            park = None
        try:
            os.symlink(outside, sub, target_is_directory=True)
        except OSError:
            pass
        if not ready:
            print("ready", flush=True)
            ready = True
        try:
            if os.path.islink(sub):
                os.unlink(sub)
        except OSError:
            pass
        if park is not None:
            try:
                os.rename(park, sub)
            except OSError:
                pass
    """
)


@contextlib.contextmanager
def racing(root: Path, outside: Path) -> Iterator[None]:
    """Run the swapping process on ``root/sub`` for the duration of the block."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _RACER, str(root), str(outside)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        yield
    finally:
        proc.kill()
        proc.wait()


def everything_under(folder: Path) -> list[Path]:
    """What is under ``folder`` besides the ten empty ``d<N>`` folders planted there."""
    planted = {folder / f"d{i}" for i in range(10)}
    return [p for p in folder.rglob("*") if p not in planted]


def plant(outside: Path) -> Path:
    """An outside folder shaped like ``sub/`` so that writes through the link would land."""
    for i in range(10):
        (outside / f"d{i}").mkdir(parents=True)
    return outside


@pytest.fixture
def wide(work: Path) -> wandb.Artifact:
    """A logged version of FILES small files, all under ``sub/`` (in 10 folders)."""
    src = work / "src"
    for i in range(FILES):
        write(src / "sub" / f"d{i % 10}" / f"f{i:04}.txt", f"payload {i}\n")
    write(src / "top.txt", "top\n")
    run = wandb.init(project="p")
    art = wandb.Artifact("wide", "dataset")
    art.add_dir(src)
    return run.log_artifact(art)


def test_swapping_a_folder_for_a_symlink_never_writes_outside(
    wide: wandb.Artifact, tmp_path: Path
) -> None:
    outside = plant(tmp_path / "outside")
    escaped: list[int] = []
    for trial in range(TRIALS):
        root = tmp_path / f"root{trial}"
        (root / "sub").mkdir(parents=True)
        with racing(root, outside):
            for _attempt in range(ATTEMPTS):  # a refusal stops a download; go on with it
                try:
                    wide.download(root)
                    break
                except errors.ArtifactError:  # a clear refusal; never a raw OSError
                    continue
        escaped.append(len(everything_under(outside)))
        for stray in sorted(everything_under(outside), reverse=True):  # trials independent
            stray.rmdir() if stray.is_dir() and not stray.is_symlink() else stray.unlink()
    assert escaped == [0] * TRIALS, f"files (or temp files) written outside, per trial: {escaped}"
