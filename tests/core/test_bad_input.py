"""Bad input gets one clear error: special files, runaway metadata. Never a hang or a flood."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from ipyartifacts.store import localfiles
from ipyartifacts.store.names import MAX_METADATA_DEPTH, check_metadata
from tests.helpers import write

# A guard against a regression hanging the suite, not a timing assertion: a refusal
# takes well under a second, a hang takes forever.
GUARD_SECONDS = 120


def cli(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IPYARTIFACTS_STORE": str(store)}
    return subprocess.run(
        [sys.executable, "-m", "ipyartifacts", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=GUARD_SECONDS,
        check=False,
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def stored_versions(store: Path) -> int:
    import sqlite3

    db = store / "catalog.sqlite"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM versions").fetchone()[0])


def temp_files(store: Path) -> list[str]:
    tmp = store / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []


@pytest.fixture
def fifo(work: Path) -> Path:
    path = work / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    yield path
    sock.close()


def _a_block_device() -> Path | None:
    for entry in sorted(Path("/dev").iterdir()):
        try:
            if stat.S_ISBLK(entry.stat().st_mode):
                return entry
        except OSError:
            continue
    return None


# -- special files given directly are refused, from their stat -----------------------------


def test_cli_log_of_a_fifo_is_refused_instead_of_hanging(fifo: Path, store: Path) -> None:
    line = one_error_line(cli("log", str(fifo), "-n", "p", "-t", "dataset", store=store))
    assert "a named pipe (FIFO)" in line
    assert "Only regular files and folders" in line
    assert stored_versions(store) == 0
    assert temp_files(store) == []


def test_cli_log_of_dev_zero_is_refused_and_writes_nothing(store: Path) -> None:
    line = one_error_line(cli("log", "/dev/zero", "-n", "z", "-t", "dataset", store=store))
    assert "'/dev/zero': it is a character device" in line
    assert stored_versions(store) == 0
    assert temp_files(store) == []
    assert sum(p.stat().st_size for p in (store / "blobs").rglob("*") if p.is_file()) == 0


def test_add_file_names_what_it_found(fifo: Path, unix_socket: Path) -> None:
    cases: list[tuple[Path, str]] = [
        (fifo, "a named pipe (FIFO)"),
        (Path("/dev/null"), "a character device"),
        (unix_socket, "a socket"),
    ]
    block = _a_block_device()
    if block is not None:
        cases.append((block, "a block device"))
    for path, kind in cases:
        art = wandb.Artifact("d", "dataset")
        with pytest.raises(errors.SpecialFileError) as info:
            art.add_file(path)
        assert info.value.kind == kind
        assert info.value.path == str(path)
        assert kind in str(info.value)
        assert len(art.manifest) == 0
    if block is None:
        pytest.skip("no block device visible in /dev here: the block case was not checked")


def test_immutable_policy_and_log_artifact_path_refuse_a_fifo(fifo: Path) -> None:
    art = wandb.Artifact("d", "dataset")
    with pytest.raises(errors.SpecialFileError, match="named pipe"):
        art.add_file(fifo, policy="immutable")
    run = wandb.init(project="p")
    with pytest.raises(errors.SpecialFileError, match="named pipe"):
        run.log_artifact(str(fifo), name="d", type="dataset")
    assert run.logged_artifacts() == []


def test_special_files_inside_a_folder_are_still_skipped(work: Path) -> None:
    folder = work / "data"
    write(folder / "a.txt", "a")
    os.mkfifo(folder / "pipe")
    (folder / "null").symlink_to("/dev/null")
    art = wandb.Artifact("d", "dataset")
    art.add_dir(folder)
    assert [e.path for e in art.manifest] == ["a.txt"]


def test_magic_log_of_a_fifo_is_one_usage_error(fifo: Path) -> None:
    from IPython.testing import globalipapp

    globalipapp.start_ipython()
    shell: Any = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "ipyartifacts")
    try:
        result = shell.run_cell(f"%artifact log {fifo} -n p -t dataset")
    finally:
        shell.run_line_magic("unload_ext", "ipyartifacts")
    error = result.error_in_exec
    assert type(error).__name__ == "UsageError"
    assert "a named pipe (FIFO)" in str(error)
    assert "\n" not in str(error)


# -- a swap between the check and the open cannot hang or read a device ---------------------


def _checks_then_swaps(monkeypatch: pytest.MonkeyPatch, swap: Any) -> None:
    """The check sees a regular file; ``swap`` replaces it right after."""
    real = localfiles.check_regular

    def check_then_swap(path: Any, st: Any = None) -> os.stat_result:
        result = real(path, st)
        swap(Path(path))
        return result

    monkeypatch.setattr(localfiles, "check_regular", check_then_swap)


def test_a_fifo_swapped_in_after_the_check_is_refused_not_waited_on(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(work / "f.bin", b"regular at check time")

    def to_fifo(path: Path) -> None:
        path.unlink()
        os.mkfifo(path)

    _checks_then_swaps(monkeypatch, to_fifo)
    with pytest.raises(errors.SpecialFileError, match="named pipe"):
        localfiles.open_regular(target)  # without O_NONBLOCK this open blocks forever


def test_a_symlink_to_a_device_swapped_in_after_the_check_is_not_followed(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(work / "f.bin", b"regular at check time")

    def to_device_link(path: Path) -> None:
        path.unlink()
        path.symlink_to("/dev/zero")

    _checks_then_swaps(monkeypatch, to_device_link)
    with pytest.raises(errors.SourceChangedError, match="became a symbolic link"):
        localfiles.open_regular(target)  # O_NOFOLLOW: the swapped-in link is not followed


def test_a_symlink_to_a_regular_file_is_still_followed(work: Path) -> None:
    real = write(work / "real.txt", "content")
    (work / "link.txt").symlink_to(real)
    art = wandb.Artifact("d", "dataset")
    entry = art.add_file(work / "link.txt")
    assert entry.size == len("content")


# -- metadata: bounded depth and size, never a RecursionError --------------------------------


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


def test_deep_metadata_is_refused_saying_the_limit() -> None:
    with pytest.raises(errors.InvalidMetadataError) as info:
        check_metadata(_nested(5000))
    assert f"the limit is {MAX_METADATA_DEPTH}" in str(info.value)
    assert len(str(info.value)) < 500
    deep_list: list[Any] = []
    for _ in range(5000):
        deep_list = [deep_list]
    with pytest.raises(errors.InvalidMetadataError, match="nested more than 100"):
        wandb.Artifact("d", "dataset", metadata={"x": deep_list})


def test_metadata_at_the_depth_limit_is_kept() -> None:
    value = _nested(MAX_METADATA_DEPTH)
    assert check_metadata(value) == value
    with pytest.raises(errors.InvalidMetadataError):
        check_metadata(_nested(MAX_METADATA_DEPTH + 1))


def test_metadata_that_contains_itself_is_refused() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(errors.InvalidMetadataError, match="contains itself"):
        check_metadata(loop)


def test_metadata_over_one_megabyte_is_refused() -> None:
    assert check_metadata({"blob": "x" * 1_000_000})["blob"] == "x" * 1_000_000
    with pytest.raises(errors.InvalidMetadataError, match="the limit is 1,048,576 bytes"):
        check_metadata({"blob": "x" * (1 << 20)})
    art = wandb.Artifact("d", "dataset")
    with pytest.raises(errors.InvalidMetadataError):
        art.metadata = {"rows": list(range(300_000))}


def test_deep_run_config_is_refused() -> None:
    with pytest.raises(errors.InvalidMetadataError, match="Config is nested"):
        wandb.init(project="p", config=_nested(1000))


def test_cli_deep_meta_is_one_line(work: Path, store: Path) -> None:
    src = write(work / "f.txt", "x")
    deep = "[" * 5000 + "]" * 5000
    proc = cli("log", str(src), "-n", "d", "-t", "dataset", "--meta", f"x={deep}", store=store)
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr
    assert "nested" in proc.stderr
    assert "100" in proc.stderr
    assert len(proc.stderr) < 1000
    assert stored_versions(store) == 0


# -- the small-file fast way (open_stat) leaves anything unusual to the careful way ---------


def test_open_stat_opens_only_the_regular_file_its_stat_saw(work: Path) -> None:
    target = write(work / "f.bin", b"regular")
    st = os.stat(target)
    opened = localfiles.open_stat(str(target), st)
    assert opened is not None
    fd, fst = opened
    os.close(fd)
    assert (fst.st_dev, fst.st_ino) == (st.st_dev, st.st_ino)

    link = work / "link.bin"
    link.symlink_to(target)  # stat follows it; the fast open never does
    assert localfiles.open_stat(str(link), os.stat(link)) is None

    keep = work / "old.bin"
    os.link(target, keep)  # holds the old inode, so the swapped-in file gets another
    os.replace(write(work / "new.bin", b"swapped in"), target)
    assert localfiles.open_stat(str(target), st) is None  # another file than its stat saw

    target.unlink()
    os.mkfifo(target)  # would block a plain open: refused at once
    assert localfiles.open_stat(str(target), st) is None
    assert localfiles.open_stat(str(work / "gone.bin"), st) is None


def test_a_file_swapped_after_its_stat_is_logged_as_what_was_read(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ipyartifacts.core.ingest as ingest_module

    for i in range(5):
        write(work / f"data/{i}.txt", f"file {i}")
    real = ingest_module.open_stat
    swapped: list[str] = []

    def swap_then_open(path: str, st: os.stat_result) -> Any:
        if path.endswith("3.txt") and not swapped:
            os.link(path, work / "held.txt")  # the stat's inode stays taken
            os.replace(write(work / "new.txt", "swapped in"), path)
            swapped.append(path)
        return real(path, st)

    monkeypatch.setattr(ingest_module, "open_stat", swap_then_open)
    art = wandb.Artifact("d", "dataset")
    art.add_dir(work / "data")
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    assert swapped
    out = Path(art.download(work / "out"))
    assert (out / "3.txt").read_text() == "swapped in"  # the careful way read it again
    assert (out / "2.txt").read_text() == "file 2"
    art.verify(out)


def test_a_small_file_that_grew_since_its_fstat_is_left_to_the_careful_way(
    work: Path,
) -> None:
    from ipyartifacts.store.blobs.local import LocalBlobStore

    blobs = LocalBlobStore(work / "store" / "blobs")
    target = write(work / "f.bin", b"0123456789")
    fd = os.open(target, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        with open(target, "ab") as more:
            more.write(b"grown")
        assert blobs.put_small_fd(fd, size, str(target)) is None
        os.lseek(fd, 0, os.SEEK_SET)
        digest, stored = blobs.put_small_fd(fd, size + 5, str(target)) or ("", 0)
    finally:
        os.close(fd)
    assert stored == 15
    assert blobs.path(digest).read_bytes() == b"0123456789grown"
