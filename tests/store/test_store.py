"""The embedded store: catalog migrations, blobs, stat cache, streaming."""

from __future__ import annotations

import os
import sqlite3
import time
import tracemalloc
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from ipyartifacts.core import ingest as _ingest
from ipyartifacts.core.client import get_client
from ipyartifacts.store.blobs import BlobStore, LocalBlobStore
from ipyartifacts.store.catalog.migrations import MIGRATIONS
from ipyartifacts.store.hashing import hash_file
from ipyartifacts.store.statcache import StatCache
from tests.helpers import write

HOUR_NS = 3600 * 10**9


def age(path: Path, seconds: int = 3600) -> None:
    """Backdate a file so its timestamps are not "racy"."""
    past = time.time_ns() - seconds * 10**9
    os.utime(path, ns=(past, past))


def test_store_layout_and_migrations_recorded(store: Path) -> None:
    get_client()
    assert (store / "catalog.sqlite").is_file()
    assert (store / "blobs").is_dir()
    with sqlite3.connect(store / "catalog.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT version, name FROM ipa_schema_migrations").fetchall()
    assert rows == [(n, name) for n, name, _ in MIGRATIONS]


def test_reopening_a_store_applies_nothing_twice(store: Path) -> None:
    from ipyartifacts.store.catalog import Catalog

    url = f"sqlite:///{store / 'cat.sqlite'}"
    store.mkdir(parents=True, exist_ok=True)
    Catalog(url).close()
    Catalog(url).close()
    with sqlite3.connect(store / "cat.sqlite") as db:
        assert db.execute("SELECT count(*) FROM ipa_schema_migrations").fetchone()[0] == len(
            MIGRATIONS
        )


def test_init_store_argument_overrides_env(tmp_path: Path, work: Path) -> None:
    other = tmp_path / "explicit"
    with wandb.init(project="p", store=other) as run:
        assert Path(run.store) == other.resolve()
        art = wandb.Artifact("d", "dataset")
        art.add_file(write(work / "f", "x"))
        run.log_artifact(art)
    assert (other / "catalog.sqlite").exists()
    assert wandb.Api(store=other).artifact_exists("p/d")
    assert not wandb.Api().artifact_exists("p/d")


def test_unwritable_store_is_a_clear_error(tmp_path: Path) -> None:
    blocker = write(tmp_path / "file", "not a dir")
    with pytest.raises(errors.StoreError, match="IPYARTIFACTS_STORE"):
        wandb.init(store=blocker / "store")


def test_local_blob_store_follows_the_protocol(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    assert isinstance(blobs, BlobStore)
    digest = blobs.put_bytes(b"hello")
    assert blobs.exists(digest)
    assert (tmp_path / "blobs" / digest[:2] / digest[2:]).read_bytes() == b"hello"
    with blobs.open(digest) as f:
        assert f.read() == b"hello"
    assert [d for d, _s, _m in blobs.iter_blobs()] == [digest]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_put_file_failure_leaves_no_partial_blob(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    src = write(tmp_path / "src.bin", b"x" * 1000)
    with pytest.raises(errors.SourceChangedError):
        blobs.put_file(src, expected="0" * 64)
    assert list(blobs.iter_blobs()) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_unchanged_files_are_not_reread(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(50):
        age(write(work / f"data/{i:02}.txt", f"row {i}"))
    run = wandb.init(project="p")
    first = wandb.Artifact("d", "dataset")
    first.add_dir(work / "data")
    run.log_artifact(first)

    reads: list[Path] = []
    real_put, real_hash = LocalBlobStore.put_file, _ingest.hash_file
    real_small = LocalBlobStore.put_small_fd

    def spy_put(self: LocalBlobStore, source: Path, expected: str | None = None) -> tuple[str, int]:
        reads.append(Path(source))
        return real_put(self, source, expected)

    def spy_small(  # the small-file way: an open fd, read whole
        self: LocalBlobStore, fd: int, size: int, source: str, expected: str | None = None
    ) -> tuple[str, int] | None:
        reads.append(Path(source))
        return real_small(self, fd, size, source, expected)

    def spy_hash(path: str | Path) -> tuple[str, int]:
        reads.append(Path(path))
        return real_hash(path)

    monkeypatch.setattr(LocalBlobStore, "put_file", spy_put)
    monkeypatch.setattr(LocalBlobStore, "put_small_fd", spy_small)
    monkeypatch.setattr(_ingest, "hash_file", spy_hash)

    again = wandb.Artifact("d", "dataset")
    again.add_dir(work / "data")
    run.log_artifact(again)
    assert reads == []
    assert again.version == "v0"

    write(work / "data/07.txt", "changed")
    third = wandb.Artifact("d", "dataset")
    third.add_dir(work / "data")
    run.log_artifact(third)
    assert reads == [work / "data/07.txt"], "exactly the changed file is read, once"
    assert third.version == "v1"


def test_a_racily_clean_file_is_rehashed(tmp_path: Path) -> None:
    f = write(tmp_path / "f", "abc")
    st = os.stat(f)
    cache = StatCache(tmp_path / "sc.sqlite")
    cache.record(st, "d" * 64, hashed_ns=st.st_mtime_ns + 1_000)
    cache.flush()
    assert cache.lookup(st) is None, "hashed within the timestamp granularity: not trusted"
    cache.record(st, "d" * 64, hashed_ns=st.st_mtime_ns + HOUR_NS)
    cache.flush()
    assert cache.lookup(st) == "d" * 64


def test_lookup_many_answers_as_lookup_does_for_each_file(tmp_path: Path) -> None:
    cache = StatCache(tmp_path / "sc.sqlite")
    files = [write(tmp_path / f"f{i}", f"content {i}") for i in range(1203)]  # > 2 batches
    stats = [os.stat(f) for f in files]
    for i, st in enumerate(stats):
        if i % 3:  # every third file unknown
            cache.record(st, f"{i:064x}", hashed_ns=st.st_mtime_ns + HOUR_NS)
    cache.record(stats[4], "f" * 64, hashed_ns=stats[4].st_mtime_ns + 1)  # racy: not trusted
    cache.flush()
    write(files[5], "changed!")  # its row no longer describes it
    stats[5] = os.stat(files[5])
    asked: list[os.stat_result | None] = [*stats, None, stats[1]]  # a gap and a repeat
    expected = [cache.lookup(st) if st is not None else None for st in asked]
    assert cache.lookup_many(asked) == expected
    assert expected[1] == expected[-1] == f"{1:064x}"
    assert [expected[0], expected[4], expected[5]] == [None, None, None]


def test_coarse_timestamps_get_a_wider_racy_window(tmp_path: Path) -> None:
    f = write(tmp_path / "f", "abc")
    whole = (int(time.time()) - 10) * 10**9
    os.utime(f, ns=(whole, whole))
    st = os.stat(f)
    fake = st  # every timestamp on a whole second, as on FAT or HFS+
    cache = StatCache(tmp_path / "sc.sqlite")
    assert fake.st_mtime_ns % 10**9 == 0
    cache.record(fake, "e" * 64, hashed_ns=fake.st_mtime_ns + 10**9)
    cache.flush()
    assert cache.lookup(fake) is None
    cache.record(fake, "e" * 64, hashed_ns=fake.st_mtime_ns + 3 * 10**9)
    cache.flush()
    assert cache.lookup(fake) == "e" * 64


def test_same_size_edit_with_restored_mtime_is_noticed(work: Path) -> None:
    f = write(work / "f.txt", "aaaa")
    age(f)
    run = wandb.init(project="p")
    a = wandb.Artifact("d", "dataset")
    a.add_file(f)
    run.log_artifact(a)
    st = f.stat()
    f.write_text("bbbb")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # ctime still moves
    b = wandb.Artifact("d", "dataset")
    b.add_file(f)
    run.log_artifact(b)
    assert b.version == "v1"


def test_a_corrupt_stat_cache_only_costs_rehashing(work: Path, store: Path) -> None:
    f = write(work / "f.txt", "x")
    run = wandb.init(project="p")
    a = wandb.Artifact("d", "dataset")
    a.add_file(f)
    run.log_artifact(a)
    cache_file = store / "cache" / "statcache.sqlite"
    assert cache_file.exists()
    cache = StatCache(cache_file)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{cache_file}{suffix}").unlink(missing_ok=True)
    cache_file.write_bytes(b"garbage, not a database" * 100)
    assert cache.lookup(f.stat()) is None
    b = wandb.Artifact("d", "dataset")
    b.add_file(f)
    run.log_artifact(b)
    assert b.version == "v0"


def test_hashing_streams_large_files(tmp_path: Path) -> None:
    big = tmp_path / "sparse.bin"
    with open(big, "wb") as f:
        f.truncate(256 * 1024 * 1024)  # sparse: 256 MiB without using the disk
    tracemalloc.start()
    try:
        digest, size = hash_file(big)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == 256 * 1024 * 1024
    assert len(digest) == 64
    assert peak < 16 * 1024 * 1024, f"hashing held {peak} bytes at once"


def test_ingesting_a_new_file_reads_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write(tmp_path / "new.bin", os.urandom(3 * 1024 * 1024))
    opened: list[int] = []
    real_open = os.open

    # Sources are opened with os.open (non-blocking, regular files only: store/localfiles).
    def spy_open(file: object, flags: int, *args: object, **kwargs: object) -> int:
        if str(file) == str(src):
            opened.append(flags & os.O_ACCMODE)
        return real_open(file, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("os.open", spy_open)
    digest, size = get_client().ingest(src)
    assert opened == [os.O_RDONLY]
    assert (digest, size) == hash_file(src)


def test_small_files_are_written_read_only_and_only_when_new(tmp_path: Path) -> None:
    from ipyartifacts.store.blobs.local import SMALL_FILE

    blobs = LocalBlobStore(tmp_path / "store" / "blobs")
    source = write(tmp_path / "a.bin", b"small and new")
    digest, size = blobs.put_file(source)
    blob = blobs.path(digest)
    assert (blob.read_bytes(), size) == (b"small and new", 13)
    assert blob.stat().st_mode & 0o777 == 0o444  # created read-only: no chmod needed
    age(blob)
    before = blob.stat().st_ino
    other = LocalBlobStore(tmp_path / "store" / "blobs")  # another writer: no remembered touch
    assert other.put_file(write(tmp_path / "b.bin", b"small and new")) == (digest, 13)
    assert blob.stat().st_ino == before, "a present blob is touched, never written again"
    assert blob.stat().st_mtime > time.time() - 60
    assert list((tmp_path / "store" / "tmp").iterdir()) == []

    # A file that grew past SMALL_FILE after its stat: what was read heads the stream.
    grown = write(tmp_path / "grown.bin", os.urandom(SMALL_FILE + 5))
    with open(grown, "rb") as stream:
        assert blobs._put_small(grown, stream, None) == hash_file(grown)
    assert blobs.path(hash_file(grown)[0]).read_bytes() == grown.read_bytes()
