"""Big files stored as content-defined chunks: round trips, dedup, gc, corruption."""

from __future__ import annotations

import os
import time
from pathlib import Path

import blake3
import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from ipyartifacts.core import client as _client
from ipyartifacts.core.client import get_client
from ipyartifacts.store import chunks
from ipyartifacts.store.chunks import ChunkList, ChunkParams, read_chunk_list
from ipyartifacts.store.hashing import hash_bytes, hash_file

# Small enough for fast tests, same shape as the defaults (64 MiB / 256 KiB / 1 MiB / 4 MiB).
SMALL = ChunkParams(threshold=1 << 20, min_size=16 << 10, avg_size=64 << 10, max_size=256 << 10)
MIB = 1 << 20


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "DEFAULT_PARAMS", SMALL)


def _random(seed: str, n: int) -> bytes:
    return bytes(blake3.blake3(seed.encode()).digest(length=n))


def _write_old(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    past = time.time_ns() - 3600 * 10**9  # not racy: the stat cache may trust it
    os.utime(path, ns=(past, past))
    return path


def _log(path: Path, name: str = "big") -> wandb.Artifact:
    art = wandb.Artifact(name, "dataset")
    art.add_file(str(path))
    with wandb.init(project="p") as run:
        return run.log_artifact(art)


def _stored_bytes(store: Path) -> int:
    return sum(p.stat().st_size for p in (store / "blobs").rglob("*") if p.is_file())


def _new_process() -> None:
    """Forget this process's clients, as a fresh CLI process would start."""
    wandb.finish()
    _client._clients.clear()


def test_a_big_file_round_trips_as_chunks_under_its_own_digest(work: Path, store: Path) -> None:
    data = _random("v1", 4 * MIB + 12345)
    src = _write_old(work / "big.bin", data)
    logged = _log(src)
    entry = logged.manifest["big.bin"]
    assert entry.digest == hash_file(src)[0] == hash_bytes(data)  # the file's own BLAKE3
    assert entry.chunks is not None
    assert not (store / "blobs" / entry.digest[:2] / entry.digest[2:]).exists()  # not whole
    listing = read_chunk_list(get_client().blobs, entry.chunks)
    assert len(listing.chunks) > 10
    assert listing.size == len(data)
    _new_process()
    root = work / "out"
    wandb.Api().artifact("p/big:v0").download(root)
    assert (root / "big.bin").read_bytes() == data


def test_a_1mib_insert_stores_about_1mib_more(work: Path, store: Path) -> None:
    v1 = _random("v1", 8 * MIB)
    middle = 3 * MIB + 777
    v2 = v1[:middle] + _random("insert", MIB) + v1[middle:]
    src = _write_old(work / "big.bin", v1)
    first = _log(src)
    after_v1 = _stored_bytes(store)
    _write_old(src, v2)
    second = _log(src)
    assert second.version == "v1"
    grown = _stored_bytes(store) - after_v1
    # the insert itself, plus at most the chunks cut across its two edges (max 256 KiB
    # each), plus the small chunk list and manifest
    assert MIB <= grown <= MIB + 2 * SMALL.max_size + 64 * 1024, grown
    a = read_chunk_list(get_client().blobs, first.manifest["big.bin"].chunks or "")
    b = read_chunk_list(get_client().blobs, second.manifest["big.bin"].chunks or "")
    assert len(set(a.chunks) & set(b.chunks)) >= len(a.chunks) - 3  # boundaries held
    _new_process()
    root = work / "out"
    wandb.Api().artifact("p/big:v1").download(root)
    assert hash_file(root / "big.bin")[0] == hash_bytes(v2)


def test_relogging_an_unchanged_big_file_reads_nothing(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _write_old(work / "big.bin", _random("v1", 2 * MIB))
    _log(src)
    _new_process()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged big file was read again")

    monkeypatch.setattr(chunks, "put_chunked", refuse)
    again = _log(src)
    assert again.version == "v0"  # same content: no new version, and no bytes read


def test_gc_keeps_chunks_a_live_list_names_and_drops_dead_ones(work: Path, store: Path) -> None:
    v1 = _random("v1", 4 * MIB)
    v2 = v1[: 2 * MIB] + _random("tail", 2 * MIB)  # shares its first half with v1
    src = _write_old(work / "big.bin", v1)
    first = _log(src)
    _write_old(src, v2)
    second = _log(src)
    blobs = get_client().blobs
    a = read_chunk_list(blobs, first.manifest["big.bin"].chunks or "")
    b = read_chunk_list(blobs, second.manifest["big.bin"].chunks or "")
    only_v1 = {d for d, _n in a.chunks} - {d for d, _n in b.chunks}
    assert only_v1
    wandb.gc(grace=0)
    assert all(blobs.exists(d) for d, _n in b.chunks)  # live: named by v1's list
    assert all(blobs.exists(d) for d, _n in a.chunks)  # v0 is still live too
    wandb.Api().artifact("p/big:v0").delete()
    wandb.gc(grace=0)
    assert not any(blobs.exists(d) for d in only_v1)
    assert all(blobs.exists(d) for d, _n in b.chunks)
    _new_process()
    root = work / "out"
    wandb.Api().artifact("p/big:v1").download(root)
    assert (root / "big.bin").read_bytes() == v2


def test_a_corrupt_chunk_is_refused_quarantined_and_repaired_by_relogging(
    work: Path, store: Path
) -> None:
    data = _random("v1", 3 * MIB)
    src = _write_old(work / "big.bin", data)
    logged = _log(src)
    listing = read_chunk_list(get_client().blobs, logged.manifest["big.bin"].chunks or "")
    bad = listing.chunks[len(listing.chunks) // 2][0]
    path = store / "blobs" / bad[:2] / bad[2:]
    os.chmod(path, 0o644)
    rotten = bytearray(path.read_bytes())
    rotten[100] ^= 0xFF  # bit rot, same size
    path.write_bytes(bytes(rotten))
    _new_process()
    root = work / "out"
    with pytest.raises(errors.IntegrityError, match="corrupt"):
        wandb.Api().artifact("p/big:v0").download(root)
    assert not (root / "big.bin").exists()  # nothing unverified reached the destination
    assert (store / "quarantine" / bad).exists()
    _new_process()
    _log(src)  # the same file again: its missing chunk is noticed and stored again
    _new_process()
    wandb.Api().artifact("p/big:v0").download(root)
    assert (root / "big.bin").read_bytes() == data


def test_a_file_below_the_threshold_stays_one_blob(work: Path, store: Path) -> None:
    data = _random("small", SMALL.threshold - 1)
    logged = _log(_write_old(work / "f.bin", data))
    entry = logged.manifest["f.bin"]
    assert entry.chunks is None
    assert (store / "blobs" / entry.digest[:2] / entry.digest[2:]).read_bytes() == data


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"format":"ipyartifacts.chunks/1","digest":"x","size":1,"chunks":[]}',
        b'{"format":"other","digest":"' + b"a" * 64 + b'","size":0,"chunks":[]}',
        b'{"format":"ipyartifacts.chunks/1","digest":"' + b"a" * 64 + b'","size":5,'
        b'"chunks":[["' + b"b" * 64 + b'",4]]}',
    ],
)
def test_a_malformed_chunk_list_is_refused(body: bytes) -> None:
    with pytest.raises(errors.IntegrityError):
        ChunkList.from_bytes(body, "c" * 64)


def test_a_chunk_the_store_refuses_mid_file_fails_the_put_and_stores_no_list(
    work: Path, store: Path
) -> None:
    from ipyartifacts.store.blobs.local import LocalBlobStore

    blobs = LocalBlobStore(work / "side" / "blobs")
    src = _write_old(work / "big.bin", _random("pipeline", 3 * MIB))
    stored: list[str] = []
    real = blobs.put_bytes

    def failing(data: bytes, digest: str | None = None) -> str:
        if len(stored) == 5:  # the storing thread fails while later chunks are being cut
            raise errors.StoreIOError("disk on fire", phase="store a chunk", store=blobs.url)
        stored.append(real(data, digest))
        return stored[-1]

    blobs.put_bytes = failing  # type: ignore[method-assign]
    with pytest.raises(errors.StoreIOError, match="disk on fire"):
        chunks.put_chunked(blobs, src, SMALL)
    names = {p.name for p in (work / "side" / "blobs").rglob("*") if p.is_file()}
    assert len(names) == 5  # the five chunks before it, and no chunk list naming the rest
    assert list((work / "side" / "tmp").iterdir()) == []

    blobs.put_bytes = real  # type: ignore[method-assign]
    digest, size, key = chunks.put_chunked(blobs, src, SMALL)  # a retry completes it
    assert (digest, size) == hash_file(src)
    listing = read_chunk_list(blobs, key)
    assert b"".join(blobs.path(d).read_bytes() for d, _n in listing.chunks) == src.read_bytes()


def test_a_chunk_list_of_other_bytes_is_refused_on_fetch(work: Path, store: Path) -> None:
    """A fetch trusts each verified chunk instead of rehashing the whole file, so the list
    must be the one the file was logged as: its file digest and size are checked."""
    import dataclasses

    from ipyartifacts.core.download import place_entries

    one = _log(_write_old(work / "one.bin", _random("one", 3 * MIB)), "one")
    other = _log(_write_old(work / "other.bin", _random("other", 3 * MIB + 7)), "other")
    entry = one.manifest["one.bin"]
    swapped = dataclasses.replace(entry, chunks=other.manifest["other.bin"].chunks)
    with pytest.raises(errors.IntegrityError, match="corrupt"):
        place_entries(get_client(), [swapped], work / "out")
    assert not (work / "out" / "one.bin").exists()
    assert place_entries(get_client(), [entry], work / "fine") == 1
    assert (work / "fine" / "one.bin").read_bytes() == (work / "one.bin").read_bytes()
