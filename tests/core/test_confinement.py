"""Downloads, checkouts and verifies stay inside their root even while the tree changes.

The adversary is a separate process that keeps swapping ``root/sub`` between the real
folder and a symlink to a folder outside the root, while a version downloads (or checks
out, or verifies) into ``root``. Whatever it catches, nothing may be written, deleted or
read outside the root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
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


def test_a_planted_symlink_at_an_intermediate_folder_is_refused(
    wide: wandb.Artifact, tmp_path: Path
) -> None:
    outside = plant(tmp_path / "outside")
    root = tmp_path / "root"
    root.mkdir()
    (root / "sub").symlink_to(outside, target_is_directory=True)
    with pytest.raises(errors.InvalidPathError, match="symbolic link") as info:
        wide.download(root)
    # Two workers place the two halves: the first of them to meet the link reports it.
    assert info.value.path.startswith("sub/d"), info.value.path
    assert f"{str(root / 'sub')!r} is a symbolic link" in str(info.value)
    assert "outside the download root" in str(info.value)
    assert everything_under(outside) == [], "nothing (not even a temp file) written through it"


def test_a_symlinked_deeper_folder_is_refused_too(wide: wandb.Artifact, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "d3").symlink_to(outside, target_is_directory=True)
    with pytest.raises(errors.InvalidPathError, match=r"sub/d3'? is a symbolic link"):
        wide.download(root)
    assert list(outside.iterdir()) == []
    assert not any(p.name.startswith(".ipa-") for p in root.rglob("*")), "temp files removed"


def _extras(work: Path) -> wandb.Artifact:
    write(work / "only/keep.txt", "keep\n")
    run = wandb.init(project="p")
    art = wandb.Artifact("small", "dataset")
    art.add_dir(work / "only")
    return run.log_artifact(art)


def test_checkout_never_deletes_through_a_swapped_symlink(work: Path, tmp_path: Path) -> None:
    art = _extras(work)
    outside = plant(tmp_path / "outside")
    victims = [outside / f"d{i % 10}" / f"x{i:04}.txt" for i in range(300)]
    for trial in range(10):
        for victim in victims:
            write(victim, "precious")
        root = tmp_path / f"co{trial}"
        for victim in victims:  # the same names, inside the root: extras to delete
            write(root / "sub" / victim.relative_to(outside), "extra")
        with racing(root, outside), contextlib.suppress(errors.ArtifactError):
            art.checkout(root)
        survivors = [v for v in victims if v.exists()]
        assert len(survivors) == len(victims), f"trial {trial}: deleted outside the root"
    art.checkout(root)  # with nobody racing, the extras go (parked copies included)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == ["keep.txt"]


def test_checkout_unlinks_a_symlinked_folder_instead_of_emptying_it(
    work: Path, tmp_path: Path
) -> None:
    art = _extras(work)
    outside = tmp_path / "outside"
    victim = write(outside / "x.txt", "precious")
    root = tmp_path / "co"
    root.mkdir()
    (root / "sub").symlink_to(outside, target_is_directory=True)
    art.checkout(root)
    assert victim.read_text() == "precious"
    assert not (root / "sub").is_symlink()
    art.verify(root)


class _Opens:
    """Linux inotify on one folder tree: did anyone open a file in it? (ctypes, no deps)."""

    IN_OPEN, IN_ACCESS = 0x20, 0x01

    def __init__(self, folders: list[Path]) -> None:
        import ctypes

        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK)
        if self.fd < 0:
            pytest.skip("inotify is not available here")
        for folder in folders:
            self.libc.inotify_add_watch(self.fd, os.fsencode(folder), self.IN_OPEN | self.IN_ACCESS)

    def files_opened(self) -> int:
        opened = 0
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return opened
            offset = 0
            while offset < len(data):
                _wd, mask, _cookie, size = struct.unpack_from("iIII", data, offset)
                if not mask & 0x40000000:  # IN_ISDIR: listing a folder is not reading a file
                    opened += 1
                offset += 16 + size

    def close(self) -> None:
        os.close(self.fd)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux inotify")
def test_verify_never_reads_outside_the_root(wide: wandb.Artifact, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    wide.download(outside)  # a perfect copy, outside: reading it would hide the damage
    root = Path(wide.download(tmp_path / "root"))
    for path in (root / "sub").rglob("*.txt"):
        path.write_text("tampered")
    watch = _Opens([outside / "sub", *(outside / "sub").iterdir()])
    try:
        for _trial in range(5):
            with racing(root, outside / "sub"), contextlib.suppress(errors.ArtifactError):
                wide.verify(root)
        assert watch.files_opened() == 0, "verify read files outside the root"
        (outside / "sub" / "d0" / "f0000.txt").read_bytes()
        assert watch.files_opened() > 0, "the watch itself works"
    finally:
        watch.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux inotify")
def test_verify_calls_links_modified_and_never_follows_them(
    wide: wandb.Artifact, tmp_path: Path
) -> None:
    outside = Path(wide.download(tmp_path / "outside"))
    root = Path(wide.download(tmp_path / "root"))
    (root / "top.txt").unlink()
    (root / "top.txt").symlink_to(outside / "top.txt")  # same bytes, but a link
    shutil.rmtree(root / "sub" / "d1")
    (root / "sub" / "d1").symlink_to(outside / "sub" / "d1", target_is_directory=True)
    watch = _Opens([outside, outside / "sub" / "d1"])
    try:
        with pytest.raises(errors.VerificationError) as info:
            wide.verify(root)
        assert watch.files_opened() == 0
    finally:
        watch.close()
    assert info.value.modified == ["top.txt"]
    assert len(info.value.missing) == 150
    assert info.value.missing[0] == "sub/d1/f0001.txt"
    assert info.value.extra == ["sub/d1"]


_MODES = textwrap.dedent(
    """
    import os, subprocess, sys
    from pathlib import Path
    os.umask(int(sys.argv[1], 8))
    import ipyartifacts as wandb
    work = Path(sys.argv[2])
    src = work / "src"
    (src / "deep").mkdir(parents=True)
    (src / "deep" / "f.txt").write_text("x")
    run = wandb.init(project="p")
    art = wandb.Artifact("m", "dataset")
    art.add_dir(src)
    run.log_artifact(art)
    root = Path(art.download(work / "out"))
    subprocess.run(["touch", str(work / "touched")], check=True)
    subprocess.run(["mkdir", str(work / "made")], check=True)
    subprocess.run(["cp", str(work / "touched"), str(work / "copied")], check=True)
    def mode(p):
        return oct(os.stat(p).st_mode & 0o777)
    print(mode(root / "deep" / "f.txt"), mode(root / "deep"), mode(work / "copied"),
          mode(work / "made"))
    """
)


@pytest.mark.parametrize("umask", ["022", "077", "002"])
def test_downloaded_modes_are_what_cp_and_mkdir_give(
    umask: str, tmp_path: Path, store: Path
) -> None:
    work = tmp_path / f"modes{umask}"
    work.mkdir()
    env = {**os.environ, "IPYARTIFACTS_STORE": str(store)}
    out = subprocess.run(
        [sys.executable, "-c", _MODES, umask, str(work)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    mask = int(umask, 8)
    assert out == [oct(0o666 & ~mask), oct(0o777 & ~mask), oct(0o666 & ~mask), oct(0o777 & ~mask)]


def test_the_path_based_fallback_refuses_the_same_links(
    wide: wandb.Artifact, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.store import placement

    monkeypatch.setattr(placement, "HAVE_DIR_FD", False)  # what Windows gets
    root = Path(wide.download(tmp_path / "root"))
    wide.verify(root)
    write(root / "sub" / "stray.txt", "x")
    wide.checkout(root)
    wide.verify(root)
    outside = plant(tmp_path / "outside")
    other = tmp_path / "other"
    other.mkdir()
    (other / "sub").symlink_to(outside, target_is_directory=True)
    with pytest.raises(errors.InvalidPathError, match="symbolic link"):
        wide.download(other)
    assert everything_under(outside) == []


def test_a_folder_the_placer_made_is_not_searched_but_still_never_followed(
    tmp_path: Path,
) -> None:
    from ipyartifacts.store.placement import Placer

    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    (tmp_path / "root" / "old").mkdir(parents=True)
    with Placer(tmp_path / "root") as placer:
        assert not placer.made("top.txt"), "the root was there before"
        assert not placer.made("old/x.txt"), "and so was old/"
        placer.write("new/a.txt", lambda out: out.write(b"a"))
        assert placer.made("new/b.txt"), "new/ was made by this placer"
        # Someone racing the download plants a link, and a folder, where files go next.
        os.symlink(outside, tmp_path / "root" / "new" / "b.txt")
        (tmp_path / "root" / "new" / "c.txt").mkdir()
        placer.write("new/b.txt", lambda out: out.write(b"b"))
        with pytest.raises(errors.InvalidPathError, match="in the way"):
            placer.write("new/c.txt", lambda out: out.write(b"c"))
        # In a folder that was there before, the link is looked for, and refused.
        os.symlink(outside, tmp_path / "root" / "old" / "x.txt")
        with pytest.raises(errors.InvalidPathError, match="symbolic link"):
            placer.write("old/x.txt", lambda out: out.write(b"x"))
    assert outside.read_text() == "keep", "the link was replaced, never written through"
    assert not (tmp_path / "root" / "new" / "b.txt").is_symlink()
    assert (tmp_path / "root" / "new" / "b.txt").read_bytes() == b"b"
    assert sorted(p.name for p in (tmp_path / "root" / "new").iterdir()) == [
        "a.txt",
        "b.txt",
        "c.txt",
    ], "no temp file is left behind by the refusal"


def test_a_held_folder_outlives_its_eviction_and_is_closed_after(tmp_path: Path) -> None:
    from ipyartifacts.store import placement

    with placement.Placer(tmp_path / "root") as placer:
        with placer.folder(["held"], "held/x", create=True) as held:
            for i in range(placement.FD_CACHE_SIZE + 10):  # evicts held/ from the cache
                placer.write(f"f{i}/x.txt", lambda out: out.write(b"x"))
            if isinstance(held, int):  # still open: a file is created through it
                fd = os.open("x", os.O_WRONLY | os.O_CREAT, 0o666, dir_fd=held)
                os.close(fd)
        assert (tmp_path / "root" / "held" / "x").exists()
        if isinstance(held, int):
            with pytest.raises(OSError, match="Bad file descriptor"):  # closed by its last user
                os.fstat(held)
