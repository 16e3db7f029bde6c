"""The LRU-capped local file cache (in front of remote stores and references)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts.core.cache import ArtifactCache, parse_size
from ipyartifacts.store.hashing import hash_bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10GB", 10 * 1000**3),
        ("10 gb", 10 * 1000**3),
        ("512MiB", 512 * 1024**2),
        ("1.5KiB", 1536),
        ("2k", 2000),
        ("123", 123),
        ("0", 0),
        (4096, 4096),
    ],
)
def test_parse_size(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "ten GB", "10 XB", "-5", "1e3", True, -1])
def test_parse_size_refuses_nonsense(bad: object) -> None:
    with pytest.raises(ValueError, match="size"):
        parse_size(bad)  # type: ignore[arg-type]


def _writer(data: bytes, calls: list[int] | None = None):  # type: ignore[no-untyped-def]
    def fetch(dest: Path) -> None:
        if calls is not None:
            calls.append(1)
        dest.write_bytes(data)

    return fetch


def test_get_or_fetch_fetches_once_then_hits(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c", max_size="1MB")
    calls: list[int] = []
    first = cache.get_or_fetch("k", _writer(b"hello", calls))
    second = cache.get_or_fetch("k", _writer(b"other", calls))
    assert first == second
    assert first.read_bytes() == b"hello"
    assert calls == [1]
    assert "k" in cache
    assert cache.get("missing") is None
    assert cache.size() == 5
    assert len(cache) == 1
    assert first.stat().st_mode & 0o222 == 0  # cached files are read-only


def test_digest_is_verified_and_bad_bytes_are_not_cached(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c")
    good = b"expected bytes"
    with pytest.raises(wandb.IntegrityError, match="nothing was cached"):
        cache.get_or_fetch("k", _writer(b"tampered"), digest=hash_bytes(good))
    assert "k" not in cache
    assert list(cache.tmp.iterdir()) == []
    path = cache.get_or_fetch("k", _writer(good), digest=hash_bytes(good))
    assert path.read_bytes() == good


def test_failed_fetch_leaves_nothing(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c")

    def broken(dest: Path) -> None:
        dest.write_bytes(b"partial")
        raise ConnectionError("network went away")

    with pytest.raises(ConnectionError):
        cache.get_or_fetch("k", broken)
    assert "k" not in cache
    assert list(cache.tmp.iterdir()) == []
    assert cache.size() == 0


def test_least_recently_used_files_are_evicted(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c", max_size=3500)  # evicts down to 90%: 3150
    for key in ("a", "b", "c"):
        cache.get_or_fetch(key, _writer(key.encode() * 1000))
    _set_use_times(cache, {"a": 100, "b": 200, "c": 300})
    assert cache.get("a") is not None  # a is now the most recently used
    cache.get_or_fetch("d", _writer(b"d" * 1000))
    assert "b" not in cache  # the least recently used
    assert [k for k in "abcd" if k in cache] == ["a", "c", "d"]
    assert cache.size() == 3000


def _set_use_times(cache: ArtifactCache, times: dict[str, int]) -> None:
    for key, when in times.items():
        path = cache.get(key)
        assert path is not None
        os.utime(path, (when, when))


def test_a_file_larger_than_the_cap_is_still_served(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c", max_size=10)
    path = cache.get_or_fetch("big", _writer(b"x" * 100))
    assert path.read_bytes() == b"x" * 100
    assert cache.cleanup().size_after == 0  # and goes at the next cleanup


def test_cleanup_and_clear(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c", max_size="1MB")
    for i in range(10):
        cache.get_or_fetch(f"k{i}", _writer(bytes(100)))
    _set_use_times(cache, {f"k{i}": 1000 + i for i in range(10)})
    report = cache.cleanup(450)
    assert report.files_removed == 6
    assert report.bytes_freed == 600
    assert (report.size_before, report.size_after) == (1000, 400)
    assert [f"k{i}" in cache for i in range(10)] == [False] * 6 + [True] * 4
    assert cache.clear().size_after == 0
    assert len(cache) == 0


def test_lowering_the_cap_evicts_at_once(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c", max_size="1MB")
    for i in range(5):
        cache.get_or_fetch(f"k{i}", _writer(bytes(1000)))
    cache.max_size = "2KB"
    assert cache.max_size == 2000
    assert cache.size() <= 2000


def test_cap_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPYARTIFACTS_CACHE_SIZE", "3KiB")
    assert ArtifactCache(tmp_path / "c").max_size == 3072
    monkeypatch.setenv("IPYARTIFACTS_CACHE_SIZE", "lots")
    with pytest.raises(ValueError, match="IPYARTIFACTS_CACHE_SIZE"):
        ArtifactCache(tmp_path / "d")


def test_api_cache_lives_in_the_store_or_env_dir(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = wandb.Api()
    assert Path(api.cache.path) == store / "cache" / "files"
    assert api.cache.size() == 0
    monkeypatch.setenv("IPYARTIFACTS_CACHE_DIR", str(tmp_path / "elsewhere"))
    other = wandb.Api(store=str(tmp_path / "store2"))
    assert Path(other.cache.path) == tmp_path / "elsewhere"


def test_concurrent_fetches_of_one_key_fetch_once(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c")
    calls: list[int] = []
    entered = threading.Event()
    release = threading.Event()

    def slow(dest: Path) -> None:
        calls.append(1)
        entered.set()
        assert release.wait(10)
        dest.write_bytes(b"once")

    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_fetch("k", slow)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    assert entered.wait(10)
    release.set()
    for t in threads:
        t.join(10)
    assert calls == [1]
    assert len(set(results)) == 1
    assert len(results) == 4


def test_stale_partial_fetches_are_removed(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "c")
    stale = cache.tmp / "fetch-dead"
    stale.write_bytes(b"partial")
    os.utime(stale, (1, 1))
    fresh = cache.tmp / "fetch-live"
    fresh.write_bytes(b"in progress")
    cache.cleanup()
    assert not stale.exists()
    assert fresh.exists()


# -- the cache in front of a remote blob store ---------------------------------------------


class _RemoteView:
    """The local store seen as a remote one: no local paths, and every read is counted."""

    url = "memory://remote-for-tests"

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.reads: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def local_path(self, digest: str) -> None:
        return None

    def open(self, digest: str):  # type: ignore[no-untyped-def]
        self.reads.append(digest)
        return self._inner.open(digest)  # type: ignore[attr-defined]


def test_remote_blobs_are_read_once_through_the_cache(store: Path, work: Path) -> None:
    from ipyartifacts.core.client import get_client
    from tests.helpers import write

    for i in range(3):
        write(work / "data" / f"f{i}.txt", f"content {i}" * 100)
    art = wandb.Artifact("remote", "dataset")
    art.add_dir(work / "data")
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    client = get_client(store)
    remote = _RemoteView(client.blobs)
    client.blobs = remote  # type: ignore[assignment]
    data_digests = {e.digest for e in art.manifest}
    art.verify(art.download(work / "one"))
    art.verify(art.download(work / "two"))
    reads = [d for d in remote.reads if d in data_digests]
    assert sorted(reads) == sorted(data_digests)  # each fetched once, for two downloads
    # The data blobs, and the version's manifest (remote manifests are cached too).
    manifest_digest = client.resolve("p", "remote", "latest").manifest_digest
    manifest_size = len(client.blobs.open(manifest_digest).read())
    assert client.cache.size() == sum(e.size for e in art.manifest) + manifest_size
    client.cache.clear()
    art.download(work / "three")
    assert len([d for d in remote.reads if d in data_digests]) == 2 * len(data_digests)


def test_a_corrupt_remote_blob_is_not_cached_or_written(store: Path, work: Path) -> None:
    import io

    from ipyartifacts.core.client import get_client
    from tests.helpers import write

    write(work / "data" / "f.txt", "genuine")
    art = wandb.Artifact("remote", "dataset")
    art.add_dir(work / "data")
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    client = get_client(store)
    inner = client.blobs
    remote = _RemoteView(inner)
    digest = art.manifest["f.txt"].digest
    remote.open = lambda d: io.BytesIO(b"tampered") if d == digest else inner.open(d)  # type: ignore[method-assign]
    art.manifest  # noqa: B018  (load the manifest before swapping the store)
    client.blobs = remote  # type: ignore[assignment]
    with pytest.raises(wandb.IntegrityError):
        art.download(work / "out")
    assert not (work / "out" / "f.txt").exists()
    assert client.cache.size() == 0


_CACHE_USER = """
import sys
from pathlib import Path
from ipyartifacts.core.cache import ArtifactCache

root, worker, keys = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
cache = ArtifactCache(root, max_size=20_000)
bad = 0
for round in range(3):
    for i in range(keys):
        payload = (f"{i}:" * 400).encode()[:1000]
        with cache.open(f"key-{i}", lambda dest, p=payload: dest.write_bytes(p)) as fh:
            bad += fh.read() != payload
print(bad)
"""


def test_processes_sharing_a_cache_never_read_partial_files(tmp_path: Path) -> None:
    """Three processes fetch and read 40 keys thrice through a cache capped at half of them.

    Files are added and evicted under each other's feet; every read must still see whole,
    correct bytes, and the cache must end within its cap.
    """
    import subprocess
    import sys

    root = tmp_path / "shared"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CACHE_USER, str(root), str(n), "40"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "0"
    cache = ArtifactCache(root, max_size=20_000)
    assert cache.cleanup().size_after <= 20_000
    assert list(cache.tmp.iterdir()) == []
