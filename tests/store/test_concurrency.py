"""Real processes: concurrent writers and a writer killed with SIGKILL."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from ipyartifacts.store.hashing import hash_file
from tests.helpers import write

WRITERS = 8


def _writer(store: str, index: int, barrier: Any, results: Any) -> None:
    import ipyartifacts as wandb

    src = Path(store).parent / f"writer-{index}.txt"
    src.write_text(f"content from writer {index}\n" * 100)
    run = wandb.init(project="race", store=store)
    art = wandb.Artifact("shared", "dataset")
    art.add_file(src, name="data.txt")
    barrier.wait()
    run.log_artifact(art)
    results.put((index, art.version, art.digest))
    run.finish()


def test_concurrent_writers_get_distinct_consecutive_versions(store: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(str(store), i, barrier, results)) for i in range(WRITERS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    got = [results.get(timeout=10) for _ in range(WRITERS)]
    versions = sorted(int(v[1:]) for _i, v, _d in got)
    assert versions == list(range(WRITERS)), "no duplicate number, no lost version"
    assert len({d for _i, _v, d in got}) == WRITERS
    stored = wandb.Api(store=store).artifacts("dataset", "race/shared")
    assert sorted(a.version for a in stored) == sorted(f"v{n}" for n in range(WRITERS))
    for art in stored:
        out = Path(art.download(store.parent / "out" / art.version))
        assert (out / "data.txt").read_text().startswith("content from writer")


CHILD = textwrap.dedent(
    """
    import sys
    import ipyartifacts as wandb
    store, src = sys.argv[1], sys.argv[2]
    run = wandb.init(project="crash", store=store)
    art = wandb.Artifact("big", "dataset")
    art.add_dir(src, policy="immutable")   # hashed now, copied into the store during the log
    print("logging", flush=True)
    run.log_artifact(art)
    print("done", flush=True)
    """
)


def _check_store_consistent(store: Path) -> list[wandb.Artifact]:
    with sqlite3.connect(store / "catalog.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for digest_dir in (store / "blobs").iterdir():
        for blob in digest_dir.iterdir():
            assert hash_file(blob)[0] == digest_dir.name + blob.name, (
                "a blob is only ever visible whole"
            )
    versions = wandb.Api(store=store).artifacts("dataset", "crash/big")
    for art in versions:
        root = store.parent / "verify" / art.version
        art.download(root)
        art.verify(root)
    return versions


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.05, 0.12])
def test_sigkill_during_log_leaves_no_partial_version(
    tmp_path: Path, store: Path, delay: float
) -> None:
    src = tmp_path / "src"
    for i in range(800):
        write(src / f"part-{i:04}.bin", os.urandom(20_000))
    # v0 exists before the crash, so we can check it survives untouched.
    with wandb.init(project="crash", store=store) as run:
        first = wandb.Artifact("big", "dataset")
        first.add_file(write(tmp_path / "seed.txt", "seed"))
        run.log_artifact(first)

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store), str(src)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "logging"
    time.sleep(delay)  # vary where in the log the kill lands; not used to synchronise
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    versions = _check_store_consistent(store)
    assert [a.version for a in versions][-1] == "v0"
    assert len(versions) <= 2  # v1 exists only if the kill landed after the commit
    if len(versions) == 2:
        assert versions[0].file_count == 800

    # The next log works and gets the next number.
    with wandb.init(project="crash", store=store) as run:
        again = wandb.Artifact("big", "dataset")
        again.add_dir(src)
        again.add_file(write(tmp_path / "extra.txt", "more"))
        run.log_artifact(again)
    assert again.version == f"v{len(versions)}"
    _check_store_consistent(store)


def test_sigkill_while_a_blob_is_half_written(tmp_path: Path, store: Path) -> None:
    """A writer blocked mid-copy (reading a FIFO) is killed: its partial blob never appears."""
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    # log/add_file refuse a FIFO outright (see tests/core/test_bad_input.py), so the child
    # hands it to the blob store's streaming copy loop (files above SMALL_FILE) directly,
    # opened as a plain stream: a source that delivers its bytes slowly, killed halfway.
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from ipyartifacts.core.client import get_client
        with open(sys.argv[2], "rb") as stream:
            get_client(sys.argv[1]).blobs._put_stream(Path(sys.argv[2]), stream, None)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(store), str(fifo)])
    with open(fifo, "wb") as pipe:  # blocks until the child opens the FIFO for reading
        pipe.write(os.urandom(4 * 1024 * 1024))  # returns once the child has consumed most of it
        pipe.flush()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert list((store / "blobs").rglob("*")) == [] or all(
        hash_file(b)[0] == b.parent.name + b.name
        for b in (store / "blobs").rglob("*")
        if b.is_file()
    )
    assert not wandb.Api(store=store).artifact_exists("crash/piped")
    leftovers = list((store / "tmp").iterdir())
    assert len(leftovers) == 1, "the half-written temp file stays out of blobs/ (gc removes it)"
    with wandb.init(project="crash", store=store) as run:
        art = wandb.Artifact("piped", "dataset")
        art.add_file(write(tmp_path / "ok.bin", b"fine"), name="stream.bin")
        run.log_artifact(art)
    assert art.version == "v0"
