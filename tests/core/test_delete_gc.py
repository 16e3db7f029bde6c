"""Deleting versions, and garbage collection of the blobs nothing live needs."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts.core.client import get_client
from ipyartifacts.store.hashing import hash_bytes
from tests._postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.helpers import write

HOUR = 3600.0


def _log(folder: Path, name: str = "ds", aliases: list[str] | None = None) -> wandb.Artifact:
    art = wandb.Artifact(name, "dataset")
    art.add_dir(folder)
    with wandb.init(project="p") as run:
        run.log_artifact(art, aliases=aliases)
    return art


def _blob(store: Path, data: bytes) -> Path:
    digest = hash_bytes(data)
    return store / "blobs" / digest[:2] / digest[2:]


def _age_all_blobs(store: Path, seconds: float = 2 * HOUR) -> None:
    old = time.time() - seconds
    for path in (store / "blobs").rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))


@pytest.fixture
def three_versions(work: Path) -> list[wandb.Artifact]:
    """v0: shared + only0; v1: shared + only1 (alias best); v2: shared + only2."""
    out = []
    for i in range(3):
        folder = work / f"v{i}"
        write(folder / "shared.txt", b"shared bytes")
        write(folder / "only.txt", f"only in v{i}".encode())
        out.append(_log(folder, aliases=["best"] if i == 1 else None))
    return out


# -- delete --------------------------------------------------------------------------


def test_delete_refuses_while_custom_aliases_point_at_it(
    three_versions: list[wandb.Artifact],
) -> None:
    v1 = wandb.Api().artifact("p/ds:v1")
    with pytest.raises(wandb.ArtifactStateError, match="'best'") as info:
        v1.delete()
    assert "delete_aliases=True" in str(info.value)
    assert wandb.Api().artifact("p/ds:best").version == "v1"  # nothing changed


def test_latest_alone_does_not_block_delete(three_versions: list[wandb.Artifact]) -> None:
    api = wandb.Api()
    v2 = api.artifact("p/ds:latest")
    v2.delete()
    assert v2.state == "DELETED"
    assert api.artifact("p/ds:latest").version == "v1"  # latest moved back


def test_delete_with_aliases_removes_them(three_versions: list[wandb.Artifact]) -> None:
    api = wandb.Api()
    api.artifact("p/ds:best").delete(delete_aliases=True)
    assert not api.artifact_exists("p/ds:best")
    assert not api.artifact_exists("p/ds:v1")
    with pytest.raises(wandb.ArtifactNotFoundError):
        api.artifact("p/ds:v1")
    history = three_versions[1].history()
    assert [(e.field, e.old, e.new) for e in history] == [
        ("alias", "best", None),
        ("state", "committed", "deleted"),
    ]


def test_deleted_versions_disappear_from_queries(three_versions: list[wandb.Artifact]) -> None:
    api = wandb.Api()
    api.artifact("p/ds:v0").delete()
    assert [a.version for a in api.artifacts("dataset", "p/ds")] == ["v2", "v1"]
    (coll,) = api.artifact_collections("p", "dataset")
    assert coll.version_count == 2
    runs_outputs = [a.version for r in api.runs("p") for a in r.logged_artifacts()]
    assert "v0" not in runs_outputs
    assert sorted(runs_outputs) == ["v1", "v2"]


def test_version_numbers_are_never_reused(work: Path, three_versions: list[wandb.Artifact]) -> None:
    wandb.Api().artifact("p/ds:v2").delete()
    # Logging v2's exact content again makes a new version, v3; it does not revive v2.
    again = _log(work / "v2")
    assert again.version == "v3"
    assert [a.version for a in wandb.Api().artifacts("dataset", "p/ds")] == ["v3", "v1", "v0"]


def test_deleted_version_object_refuses_edits_and_downloads(
    three_versions: list[wandb.Artifact], work: Path
) -> None:
    v0 = wandb.Api().artifact("p/ds:v0")
    v0.delete()
    v0.description = "too late"
    with pytest.raises(wandb.ArtifactStateError, match="deleted"):
        v0.save()
    with pytest.raises(wandb.ArtifactStateError, match="deleted"):
        v0.download(work / "out")
    v0.delete()  # deleting twice is harmless
    assert [e.field for e in v0.history()] == ["state"]


# -- gc --------------------------------------------------------------------------------


def test_gc_reclaims_only_blobs_no_live_version_needs(
    store: Path, three_versions: list[wandb.Artifact], work: Path
) -> None:
    api = wandb.Api()
    v0_manifest = three_versions[0]._record.manifest_digest  # type: ignore[union-attr]
    manifest_path = store / "blobs" / v0_manifest[:2] / v0_manifest[2:]
    manifest_size = manifest_path.stat().st_size
    api.artifact("p/ds:v0").delete()
    report = wandb.gc(grace=0)
    only0 = _blob(store, b"only in v0")
    assert not only0.exists()
    assert not manifest_path.exists()
    assert _blob(store, b"shared bytes").exists()
    assert _blob(store, b"only in v1").exists()
    assert report.blobs_removed == 2
    assert set(report.removed) == {hash_bytes(b"only in v0"), v0_manifest}
    assert report.bytes_freed == len(b"only in v0") + manifest_size
    assert report.live_versions == 2
    assert report.blobs_kept == 5  # shared, only1, only2, two manifests
    for version in ("v1", "v2"):
        art = api.artifact(f"p/ds:{version}")
        art.verify(art.download(work / version / "check"))
    again = wandb.gc(grace=0)
    assert again.blobs_removed == 0
    assert again.bytes_freed == 0


def test_gc_report_bytes_match_disk(store: Path, three_versions: list[wandb.Artifact]) -> None:
    def disk() -> int:
        return sum(p.stat().st_size for p in (store / "blobs").rglob("*") if p.is_file())

    before = disk()
    wandb.Api().artifact("p/ds:v2").delete()
    report = wandb.gc(grace=0)
    assert before - disk() == report.bytes_freed > 0
    assert report.bytes_kept == disk()


def test_dry_run_removes_nothing(store: Path, three_versions: list[wandb.Artifact]) -> None:
    wandb.Api().artifact("p/ds:v0").delete()
    dry = wandb.gc(grace=0, dry_run=True)
    assert dry.dry_run
    assert dry.blobs_removed == 2
    assert _blob(store, b"only in v0").exists()
    real = wandb.gc(grace=0)
    assert real.removed == dry.removed


def test_grace_period_protects_recent_blobs(
    store: Path, three_versions: list[wandb.Artifact]
) -> None:
    wandb.Api().artifact("p/ds:v0").delete()
    report = wandb.gc()  # default grace: one hour
    assert report.blobs_removed == 0
    assert report.blobs_in_grace == 2
    assert report.grace_seconds == HOUR
    _age_all_blobs(store)
    aged = wandb.gc(grace=timedelta(hours=1))
    assert aged.blobs_removed == 2
    assert not _blob(store, b"only in v0").exists()


def test_negative_grace_is_refused(three_versions: list[wandb.Artifact]) -> None:
    with pytest.raises(ValueError, match="negative"):
        wandb.gc(grace=-1)


def test_gc_removes_stale_temp_files_only(
    store: Path, three_versions: list[wandb.Artifact]
) -> None:
    stale = write(store / "tmp" / "put-stale", "partial")
    fresh = write(store / "tmp" / "put-fresh", "being written")
    old = time.time() - 2 * HOUR
    os.utime(stale, (old, old))
    report = wandb.gc()
    assert report.temp_files_removed == 1
    assert not stale.exists()
    assert fresh.exists()


def _stale(path: Path, seconds: float = 2 * HOUR) -> Path:
    old = time.time() - seconds
    os.utime(path, (old, old))
    return path


def test_default_gc_reports_the_temp_files_it_removed_and_kept(
    store: Path, three_versions: list[wandb.Artifact]
) -> None:
    tmp = store / "tmp"
    stale = [_stale(write(tmp / "put-a", b"x" * 100)), _stale(write(tmp / "put-b", b"y" * 20))]
    stale_dir = write(tmp / "table-dead" / "part.parquet", b"z" * 30).parent
    _stale(stale_dir)
    fresh = write(tmp / "put-live", b"being written")

    dry = wandb.gc(dry_run=True)
    assert (dry.temp_files_removed, dry.temp_bytes_removed) == (3, 150)
    assert all(p.exists() for p in [*stale, stale_dir])  # a dry run removes nothing

    report = wandb.gc()  # the default grace: one hour
    assert (report.temp_files_removed, report.temp_bytes_removed) == (3, 150)
    assert (report.temp_files_kept, report.temp_bytes_kept) == (1, len(b"being written"))
    assert not any(p.exists() for p in [*stale, stale_dir])
    assert fresh.read_bytes() == b"being written"
    assert report.to_dict()["temp_files_kept"] == 1
    assert "removed 3 stale temp file(s), 150 B; kept 1 recent temp file(s), 13 B" in str(report)


def test_gc_message_in_the_cli_shows_the_temp_files(store: Path, work: Path) -> None:
    from click.testing import CliRunner

    from ipyartifacts.frontends.cli import cli

    _stale(write(store / "tmp" / "put-dead", b"x" * 2000))
    write(store / "tmp" / "put-live", b"y")
    result = CliRunner().invoke(cli, ["gc"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "removed 1 stale temp file(s), 2.0 KB" in result.output
    assert "kept 1 recent temp file(s), 1 B" in result.output
    as_json = CliRunner().invoke(cli, ["gc", "--json"], catch_exceptions=False)
    data = json.loads(as_json.stdout)
    assert (data["temp_files_removed"], data["temp_files_kept"]) == (0, 1)


_FIFO_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ipyartifacts.core.client import get_client
    # log/add_file refuse a FIFO outright (tests/core/test_bad_input.py), so the writer hands
    # it to the blob store's streaming copy loop (the one files above SMALL_FILE take)
    # directly, opened as a plain stream: a source that delivers its bytes slowly, to be
    # killed mid-copy with its temp file written.
    with open(sys.argv[2], "rb") as stream:  # blocks until the test opens the FIFO
        get_client(sys.argv[1]).blobs._put_stream(Path(sys.argv[2]), stream, None)
    """
)


def test_gc_sweeps_the_temp_files_of_sigkilled_writers(store: Path, work: Path) -> None:
    """Writers killed mid-copy leave their temp files; gc keeps them while young, then
    removes them once older than the grace period."""
    wandb.Api()  # the store exists before the writers start
    env = {**os.environ, "IPYARTIFACTS_STORE": str(store)}
    for i in range(3):
        fifo = work / f"stream{i}"
        os.mkfifo(fifo)
        child = subprocess.Popen(
            [sys.executable, "-c", _FIFO_WRITER, str(store), str(fifo)], env=env
        )
        # Opening blocks until the child opened the FIFO, after it created its temp file.
        with open(fifo, "wb") as pipe:
            pipe.write(os.urandom(1 << 20))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL
    leftovers = list((store / "tmp").iterdir())
    assert len(leftovers) == 3
    size = sum(p.stat().st_size for p in leftovers)

    young = wandb.gc()
    assert (young.temp_files_removed, young.temp_files_kept) == (0, 3)
    assert young.temp_bytes_kept == size
    for path in leftovers:
        _stale(path)
    aged = wandb.gc()
    assert (aged.temp_files_removed, aged.temp_bytes_removed) == (3, size)
    assert aged.temp_files_kept == 0
    assert list((store / "tmp").iterdir()) == []
    assert not wandb.Api().artifact_exists("crash/piped")


def test_gc_puts_back_a_blob_a_killed_gc_had_moved_aside(store: Path, work: Path) -> None:
    """A GC killed between moving a blob aside and deleting it must not lose the blob."""
    art = _log(write(work / "d" / "a.txt", b"precious").parent)
    blob = _blob(store, b"precious")
    aside = store / "tmp" / f"gc-999999-{hash_bytes(b'precious')}"
    os.replace(blob, aside)
    _stale(aside)
    report = wandb.gc()
    assert blob.read_bytes() == b"precious"
    assert not aside.exists()
    assert report.temp_files_removed == 0
    art.verify(art.download(work / "out"))


def test_gc_stops_when_a_live_manifest_is_unreadable(
    store: Path, three_versions: list[wandb.Artifact]
) -> None:
    wandb.Api().artifact("p/ds:v0").delete()
    manifest = three_versions[2]._record.manifest_digest  # type: ignore[union-attr]
    path = store / "blobs" / manifest[:2] / manifest[2:]
    path.unlink()
    with pytest.raises(wandb.StoreError, match="ds:v2") as info:
        wandb.gc(grace=0)
    assert "without deleting anything" in str(info.value)
    assert _blob(store, b"only in v0").exists()


def test_api_gc_matches_module_gc(store: Path, three_versions: list[wandb.Artifact]) -> None:
    wandb.Api().artifact("p/ds:v0").delete()
    report = wandb.Api().gc(grace=0)
    assert report.blobs_removed == 2
    as_dict = report.to_dict()
    assert as_dict["removed"] == list(report.removed)
    assert "removed 2 blob(s)" in str(report)


# -- staging never leaks ----------------------------------------------------------------


def test_failed_ingest_leaves_no_temp_file(
    store: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ipyartifacts.store.blobs.local as local

    src = write(work / "big.bin", os.urandom(3 << 20))
    real = local.open_regular

    class Failing(io.BufferedReader):
        calls = 0

        def read(self, size: int | None = -1, /) -> bytes:
            Failing.calls += 1
            if Failing.calls == 2:
                raise OSError("disk on fire")
            return super().read(size)

    def failing(path):  # type: ignore[no-untyped-def]
        return Failing(real(path).detach())  # the source fails to read midway

    monkeypatch.setattr(local, "open_regular", failing)
    art = wandb.Artifact("x", "dataset")
    with pytest.raises(OSError, match="disk on fire"):
        art.add_file(src)
    assert list((store / "tmp").iterdir()) == []


def test_changed_source_leaves_no_temp_file(store: Path, work: Path) -> None:
    src = write(work / "a.txt", "before")
    art = wandb.Artifact("x", "dataset")
    art.add_file(src, policy="immutable")
    write(src, "after!")
    with wandb.init(project="p") as run, pytest.raises(wandb.SourceChangedError):
        run.log_artifact(art)
    assert list((store / "tmp").iterdir()) == []


# -- gc while another process logs ------------------------------------------------------


def test_a_blob_touched_after_listing_is_put_back(
    store: Path, three_versions: list[wandb.Artifact], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The move-recheck-delete step: a writer reuses an orphan just before GC moves it."""
    import ipyartifacts.core.gc as gc_mod

    wandb.Api().artifact("p/ds:v0").delete()
    _age_all_blobs(store)
    target = _blob(store, b"only in v0")
    real_replace = os.replace

    def writer_touches_first(src: object, dst: object) -> None:
        if Path(str(src)) == target:
            os.utime(target)  # what LocalBlobStore.touch does for a writer reusing it
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(gc_mod.os, "replace", writer_touches_first)
    report = wandb.gc(grace=timedelta(hours=1))
    assert target.exists()
    assert target.read_bytes() == b"only in v0"
    assert hash_bytes(b"only in v0") not in report.removed
    assert report.blobs_removed == 1  # the deleted version's manifest still went
    assert report.blobs_in_grace == 1
    assert list((store / "tmp").iterdir()) == []


_WRITER = textwrap.dedent(
    """
    import shutil, sys
    from pathlib import Path
    import ipyartifacts as wandb

    src, copies, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    copies.mkdir()
    with wandb.init(project="p", job_type="writer") as run:
        print("ready", flush=True)
        assert sys.stdin.readline().strip() == "go"
        for i in range(count):
            path = src / f"c{i}.bin"
            if i % 2:  # a fresh inode: read and stored again (put-if-absent finds the blob)
                path = Path(shutil.copy(path, copies / f"c{i}.bin"))
            art = wandb.Artifact("w", "dataset")
            art.add_file(path, name="data.bin")  # even i: stat-cache hit, blob reused
            run.log_artifact(art)
    print("done", flush=True)
    """
)


def test_gc_while_another_process_reuses_old_orphans(store: Path, work: Path) -> None:
    """Stress: a writer re-logs content whose blobs are old orphans while GC loops.

    Each blob the writer needs is either still there (the writer touches it: GC must keep
    it, or put it back if it had already moved it aside) or already reclaimed (the
    writer's touch fails and it stores the bytes again). Which happens depends on timing;
    whatever the interleaving, every version the writer logs must be whole.
    """
    count = 40
    src = work / "src"
    for i in range(count):
        write(src / f"c{i}.bin", os.urandom(2048) + bytes([i]))
    for i in range(count):  # log each, then delete it: its blob becomes an orphan
        art = wandb.Artifact("old", "dataset")
        art.add_file(src / f"c{i}.bin", name="data.bin")
        with wandb.init(project="p") as run:
            run.log_artifact(art)
        art.delete()
    for i in range(10):  # orphans nobody will reuse: GC must still reclaim those
        art = wandb.Artifact("junk", "dataset")
        art.add_file(write(work / "junk" / f"j{i}", os.urandom(100)))
        with wandb.init(project="p") as run:
            run.log_artifact(art)
        art.delete()
    _age_all_blobs(store)
    get_client(store).stat_cache.flush()

    env = {**os.environ, "IPYARTIFACTS_STORE": str(store)}
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(src), str(work / "copies"), str(count)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdin is not None
    assert writer.stdout.readline().strip() == "ready"  # imported and running: start together
    writer.stdin.write("go\n")
    writer.stdin.flush()
    removed = 0
    rounds = 0
    while True:
        finished = writer.poll() is not None
        removed += wandb.gc(grace=timedelta(hours=1)).blobs_removed
        rounds += 1
        if finished:
            break
    out, err = writer.communicate()
    assert writer.returncode == 0, err
    assert "done" in out
    assert removed >= 10  # the junk (and manifests of deleted versions) went
    api = wandb.Api()
    versions = api.artifacts("dataset", "p/w")
    assert len(versions) == count
    for art in versions:
        target = work / "check" / art.version
        art.verify(art.download(target))
    assert rounds >= 2


_STAGER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import ipyartifacts as wandb

    src, count = Path(sys.argv[1]), int(sys.argv[2])
    with wandb.init(project="p", job_type="writer") as run:
        drafts = []
        for i in range(count):
            art = wandb.Artifact("w", "dataset")
            art.add_file(src / f"c{i}.bin", name="data.bin")  # blob exists: reused
            drafts.append(art)
        print("staged", flush=True)
        assert sys.stdin.readline().strip() == "go"
        for art in drafts:
            run.log_artifact(art)
    print("done", flush=True)
    """
)


def test_gc_between_staging_and_commit_keeps_reused_blobs(store: Path, work: Path) -> None:
    """A writer stages drafts whose blobs are old orphans, GC runs, then the writer commits.

    Deterministic (a pipe handshake, no sleeps): reusing a blob refreshes it, so GC with
    a one-hour grace keeps it although it was unreferenced and hours old.
    """
    count = 5
    src = work / "src"
    for i in range(count):
        write(src / f"c{i}.bin", os.urandom(1024) + bytes([i]))
        art = wandb.Artifact("old", "dataset")
        art.add_file(src / f"c{i}.bin", name="data.bin")
        with wandb.init(project="p") as run:
            run.log_artifact(art)
        art.delete()
    _age_all_blobs(store)
    get_client(store).stat_cache.flush()
    env = {**os.environ, "IPYARTIFACTS_STORE": str(store)}
    writer = subprocess.Popen(
        [sys.executable, "-c", _STAGER, str(src), str(count)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdin is not None
    assert writer.stdout.readline().strip() == "staged"
    report = wandb.gc(grace=timedelta(hours=1))
    assert report.blobs_removed == count  # the deleted versions' manifests only
    assert report.blobs_in_grace == count  # the data blobs the writer reused
    writer.stdin.write("go\n")
    writer.stdin.flush()
    _out, err = writer.communicate()
    assert writer.returncode == 0, err
    for art in wandb.Api().artifacts("dataset", "p/w"):
        art.verify(art.download(work / "check" / art.version))


# -- the same lifecycle on a PostgreSQL catalog ------------------------------------------


@pytest.mark.postgres
def test_lifecycle_on_postgres(
    postgres_url: str,  # noqa: F811  (the fixture)
    monkeypatch: pytest.MonkeyPatch,
    store: Path,
    work: Path,
) -> None:
    """Edits, history, delete, TTL, queries and gc on PostgreSQL: the SQL is portable."""
    from datetime import datetime, timezone

    import ipyartifacts.api.artifact as artifact_mod
    import ipyartifacts.store.catalog._common as catalog_mod  # the catalog's one clock

    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", postgres_url)
    for i in range(4):
        write(work / f"v{i}" / "shared.txt", "shared")
        write(work / f"v{i}" / "only.txt", f"only {i}")
        art = wandb.Artifact("ds", "dataset", metadata={"i": i, "split": "train" if i else "val"})
        art.add_dir(work / f"v{i}")
        if i == 3:
            art.ttl = timedelta(hours=1)
        with wandb.init(project="team") as run:
            run.log_artifact(art, aliases=["best"] if i == 1 else None, tags=["t"] if i else None)
    api = wandb.Api()
    assert [a.version for a in api.artifacts("dataset", "team/ds", metadata={"i": {">=": 1}})] == [
        "v3",
        "v2",
        "v1",
    ]
    assert [a.version for a in api.artifacts("dataset", "team/ds", tags="t")] == ["v3", "v2", "v1"]
    assert [
        a.version for a in api.artifacts(None, "", metadata={"split": "val"}, project="team")
    ] == ["v0"]
    catalog = get_client(store).catalog
    assert [r.number for r in catalog.iter_versions("team", batch_size=1)] == [3, 2, 1, 0]
    assert [c.name for c in api.artifact_collections("team", "dataset")] == ["ds"]
    assert [t.name for t in api.artifact_types("team")] == ["dataset"]
    v2 = api.artifact("team/ds:v2")
    v2.description = "edited"
    v2.save()
    assert [(e.field, e.new) for e in v2.history()] == [("description", "edited")]
    with pytest.raises(wandb.ArtifactStateError, match="best"):
        api.artifact("team/ds:v1").delete()
    api.artifact("team/ds:v1").delete(delete_aliases=True)
    assert api.artifact("team/ds:latest").version == "v3"

    def later() -> datetime:
        return datetime.now(timezone.utc) + timedelta(hours=2)

    monkeypatch.setattr(catalog_mod, "utcnow", later)
    monkeypatch.setattr(artifact_mod, "_now", later)
    assert api.artifact("team/ds:latest").version == "v2"  # v3 expired
    assert api.artifact_collection("dataset", "team/ds").version_count == 2
    report = wandb.gc(grace=0)
    assert {hash_bytes(b"only 1"), hash_bytes(b"only 3")} <= set(report.removed)
    assert report.live_versions == 2
    for spec in ("team/ds:v0", "team/ds:v2"):
        art = api.artifact(spec)
        art.verify(art.download(work / "check" / art.version))


def test_asking_for_a_deleted_version_says_so(three_versions: list[wandb.Artifact]) -> None:
    api = wandb.Api()
    api.artifact("p/ds:v0").delete()
    with pytest.raises(wandb.ArtifactNotFoundError, match="v0 was deleted") as info:
        api.artifact("p/ds:v0")
    assert "Available: v1, v2" in str(info.value)


def test_a_whole_session_leaves_the_staging_folder_empty(store: Path, work: Path) -> None:
    """Logging, new_file (kept and abandoned), failures, a table diff and downloads."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for i in range(2):
        folder = work / f"s{i}"
        folder.mkdir()
        pq.write_table(pa.table({"id": [1, 2, 3 + i]}), folder / "t.parquet")
        art = wandb.Artifact("sess", "dataset")
        art.add_dir(folder)
        with art.new_file("notes.txt") as fh:
            fh.write(f"notes {i}")
        with pytest.raises(RuntimeError, match="changed my mind"):
            _abandon_new_file(art)
        with wandb.init(project="p") as run:
            run.log_artifact(art)
    bad = wandb.Artifact("sess", "dataset")
    changing = write(work / "changing.txt", "one")
    bad.add_file(changing, policy="immutable")
    write(changing, "two!")
    with wandb.init(project="p") as run, pytest.raises(wandb.SourceChangedError):
        run.log_artifact(bad)
    api = wandb.Api()
    assert api.diff("p/sess:v0", "p/sess:v1", key="id").table("t.parquet").rows_changed == 0
    api.artifact("p/sess:v1").download(work / "out")
    assert list((store / "tmp").iterdir()) == []  # before gc, which would sweep it anyway
    assert "abandoned.txt" not in api.artifact("p/sess:v1").manifest


def _abandon_new_file(art: wandb.Artifact) -> None:
    with art.new_file("abandoned.txt") as fh:
        fh.write("half")
        raise RuntimeError("changed my mind")
