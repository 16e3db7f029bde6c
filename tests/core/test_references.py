"""add_reference: file://, http(s)://, s3:// (moto) and gs:// (a GCS XML endpoint), for real.

Every reference is logged into the embedded store, then downloaded: unchanged targets
arrive byte for byte; changed ones raise ReferenceChangedError naming the URI, missing
ones ArtifactNotFoundError, and nothing is written in either case.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from ipyartifacts.core.client import get_client
from ipyartifacts.store.hashing import hash_bytes
from tests._servers import S3, Gcs, Site, gcs, moto_endpoint, s3, site
from tests.helpers import write

__all__ = ["gcs", "moto_endpoint", "s3", "site"]  # fixtures, re-exported for pytest


def log(art: wandb.Artifact) -> wandb.Artifact:
    run = wandb.run or wandb.init(project="refs")
    return run.log_artifact(art)


def fresh(logged: wandb.Artifact) -> wandb.Artifact:
    """The logged version read back from the catalog (nothing cached from the draft)."""
    return wandb.Api().artifact(f"refs/{logged.name}")


def files_under(root: Path) -> dict[str, bytes]:
    found = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


# -- file:// -------------------------------------------------------------------------------


def test_file_reference_records_checksum_and_copies_no_bytes(work: Path, store: Path) -> None:
    src = write(work / "data" / "big.bin", b"x" * 1000)
    art = wandb.Artifact("ref", "dataset")
    [entry] = art.add_reference(src.as_uri())
    assert entry.path == "big.bin"
    assert entry.ref == src.as_uri()
    assert entry.size == 1000
    assert entry.extra["blake3"] == hash_bytes(b"x" * 1000)
    logged = log(art)
    assert not get_client().blobs.exists(hash_bytes(b"x" * 1000)), "bytes were copied"
    out = Path(fresh(logged).download(work / "out"))
    assert (out / "big.bin").read_bytes() == b"x" * 1000


def test_file_directory_expands_to_one_entry_per_file(work: Path) -> None:
    write(work / "d/a.txt", "alpha")
    write(work / "d/sub/b.txt", "bravo")
    art = wandb.Artifact("ref", "dataset")
    art.add_reference((work / "d").as_uri(), name="stuff")
    art.add_reference((work / "d").as_uri())
    assert sorted(art.manifest.entries) == ["a.txt", "stuff/a.txt", "stuff/sub/b.txt", "sub/b.txt"]
    assert art.manifest["stuff/sub/b.txt"].ref == (work / "d/sub/b.txt").as_uri()
    out = Path(fresh(log(art)).download(work / "out"))
    assert files_under(out) == {
        "a.txt": b"alpha",
        "sub/b.txt": b"bravo",
        "stuff/a.txt": b"alpha",
        "stuff/sub/b.txt": b"bravo",
    }


@pytest.mark.parametrize(
    ("new", "what"),
    [(b"alpha-but-longer", "size"), (b"ALPHA", "BLAKE3 digest")],
    ids=["size-changed", "same-size-content-changed"],
)
def test_changed_local_file_is_refused(work: Path, new: bytes, what: str) -> None:
    src = write(work / "a.txt", b"alpha")
    art = wandb.Artifact("ref", "dataset")
    art.add_reference(src.as_uri())
    logged = fresh(log(art))
    src.write_bytes(new)
    with pytest.raises(errors.ReferenceChangedError) as info:
        logged.download(work / "out")
    assert info.value.uri == src.as_uri()
    assert src.as_uri() in str(info.value)
    assert what in str(info.value)
    assert isinstance(info.value, errors.IntegrityError)
    assert files_under(work / "out") == {}, "a mismatching file reached the destination"


def test_missing_local_file_names_the_uri(work: Path) -> None:
    src = write(work / "a.txt", b"alpha")
    art = wandb.Artifact("ref", "dataset")
    art.add_reference(src.as_uri())
    logged = fresh(log(art))
    src.unlink()
    with pytest.raises(errors.ArtifactNotFoundError, match=r"a\.txt no longer exists") as info:
        logged.download(work / "out")
    assert info.value.name == src.as_uri()


def test_reference_to_nothing_is_refused_at_add(work: Path) -> None:
    art = wandb.Artifact("ref", "dataset")
    with pytest.raises(errors.ArtifactNotFoundError, match="no such file"):
        art.add_reference((work / "nope").as_uri())
    (work / "empty").mkdir()
    with pytest.raises(errors.ArtifactNotFoundError, match="empty"):
        art.add_reference((work / "empty").as_uri())
    assert len(art.manifest) == 0


@pytest.mark.parametrize(
    ("uri", "match"),
    [
        ("data/a.txt", "as_uri"),
        ("ftp://host/a.txt", "expected a URI"),
        ("file://otherhost/a.txt", "not a local file URI"),
    ],
)
def test_unsupported_uris_are_refused(uri: str, match: str) -> None:
    art = wandb.Artifact("ref", "dataset")
    with pytest.raises(errors.InvalidPathError, match=match):
        art.add_reference(uri)


def test_max_objects_is_an_error_not_a_partial_artifact(work: Path) -> None:
    for i in range(3):
        write(work / f"d/{i}.txt", str(i))
    keep = write(work / "keep.txt", "keep")
    art = wandb.Artifact("ref", "dataset")
    art.add_file(keep)
    with pytest.raises(errors.TooManyObjectsError, match="max_objects=2") as info:
        art.add_reference((work / "d").as_uri(), max_objects=2)
    assert info.value.limit == 2
    assert list(art.manifest.entries) == ["keep.txt"]
    assert len(art.add_reference((work / "d").as_uri(), max_objects=3)) == 3


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_max_objects_must_be_a_positive_integer(work: Path, bad: Any) -> None:
    src = write(work / "a.txt", "a")
    with pytest.raises(ValueError, match="max_objects"):
        wandb.Artifact("ref", "dataset").add_reference(src.as_uri(), max_objects=bad)


def test_unchecked_reference_records_only_the_uri(work: Path) -> None:
    target = work / "later.txt"  # does not exist yet: nothing is read when adding
    art = wandb.Artifact("ref", "dataset")
    [entry] = art.add_reference(target.as_uri(), checksum=False)
    assert (entry.path, entry.size, entry.ref) == ("later.txt", 0, target.as_uri())
    assert entry.extra == {"checksum": False}
    logged = fresh(log(art))
    write(target, "whatever is there now")
    out = Path(logged.download(work / "out"))
    assert (out / "later.txt").read_text() == "whatever is there now"


def test_unchecked_folder_reference_fetches_the_whole_folder(work: Path) -> None:
    write(work / "d/a.txt", "alpha")
    art = wandb.Artifact("ref", "dataset")
    art.add_reference((work / "d").as_uri(), name="folder", checksum=False)
    assert list(art.manifest.entries) == ["folder"]
    logged = fresh(log(art))
    write(work / "d/sub/new.txt", "added after logging")
    out = Path(logged.download(work / "out"))
    assert files_under(out) == {
        "folder/a.txt": b"alpha",
        "folder/sub/new.txt": b"added after logging",
    }


def test_references_are_deterministic(work: Path) -> None:
    write(work / "d/a.txt", "alpha")
    write(work / "d/b.txt", "bravo")
    first = wandb.Artifact("ref", "dataset")
    first.add_reference((work / "d").as_uri())
    v0 = log(first)
    again = wandb.Artifact("ref", "dataset")
    again.add_reference((work / "d").as_uri())
    assert again.digest == v0.digest
    assert log(again).version == "v0", "identical references made a new version"
    write(work / "d/b.txt", "BRAVO")
    changed = wandb.Artifact("ref", "dataset")
    changed.add_reference((work / "d").as_uri())
    assert changed.digest != v0.digest


def test_same_content_elsewhere_is_a_different_reference(work: Path) -> None:
    a = write(work / "a/x.txt", "same")
    b = write(work / "b/x.txt", "same")
    one, two = wandb.Artifact("r", "dataset"), wandb.Artifact("r", "dataset")
    one.add_reference(a.as_uri())
    two.add_reference(b.as_uri())
    assert one.digest != two.digest


def test_conflicting_reference_adds_nothing(work: Path) -> None:
    write(work / "d/a.txt", "alpha")
    write(work / "d/b.txt", "bravo")
    art = wandb.Artifact("ref", "dataset")
    art.add_file(write(work / "other/b.txt", "mine"))
    with pytest.raises(errors.DuplicateEntryError) as info:
        art.add_reference((work / "d").as_uri())
    assert info.value.path == "b.txt"
    assert list(art.manifest.entries) == ["b.txt"]
    assert art.manifest["b.txt"].ref is None


def test_logged_artifact_refuses_references(work: Path) -> None:
    src = write(work / "a.txt", "alpha")
    art = wandb.Artifact("ref", "dataset")
    art.add_file(src)
    logged = log(art)
    with pytest.raises(errors.ArtifactStateError, match="logged"):
        logged.add_reference(src.as_uri())


def test_entry_download_of_a_reference(work: Path) -> None:
    src = write(work / "a.txt", "alpha")
    art = wandb.Artifact("ref", "dataset")
    art.add_reference(src.as_uri(), name="renamed.txt")
    path = fresh(log(art)).get_entry("renamed.txt").download(work / "out")
    assert Path(path).read_text() == "alpha"


# -- http(s):// ----------------------------------------------------------------------------


def test_http_reference_with_etag(site: Site, work: Path) -> None:
    site.files["data/train.csv"] = b"a,b\n1,2\n"
    art = wandb.Artifact("web", "dataset")
    [entry] = art.add_reference(site.url("data/train.csv"))
    assert entry.path == "train.csv"
    assert entry.size == 8
    assert entry.extra["etag"].startswith('"')
    assert "blake3" not in entry.extra
    assert [m for m, _ in site.requests] == ["HEAD"], "the body was read though an ETag exists"
    logged = fresh(log(art))
    out = Path(logged.download(work / "out"))
    assert (out / "train.csv").read_bytes() == b"a,b\n1,2\n"
    site.files["data/train.csv"] = b"a,b\n3,4\n"
    with pytest.raises(errors.ReferenceChangedError, match="ETag") as info:
        logged.download(work / "out2")
    assert info.value.uri == site.url("data/train.csv")
    assert files_under(work / "out2") == {}


def test_http_reference_without_etag_records_blake3(site: Site, work: Path) -> None:
    site.etags = False
    site.files["x.bin"] = b"0123456789"
    art = wandb.Artifact("web", "dataset")
    [entry] = art.add_reference(site.url("x.bin") + "?token=abc", name="x.bin")
    assert entry.extra == {"blake3": hash_bytes(b"0123456789")}
    logged = fresh(log(art))
    assert (Path(logged.download(work / "out")) / "x.bin").read_bytes() == b"0123456789"
    site.files["x.bin"] = b"9876543210"
    with pytest.raises(errors.ReferenceChangedError, match="BLAKE3"):
        logged.download(work / "out2")


def test_http_missing_target(site: Site, work: Path) -> None:
    art = wandb.Artifact("web", "dataset")
    with pytest.raises(errors.ArtifactNotFoundError, match="404"):
        art.add_reference(site.url("nope.txt"))
    site.files["gone.txt"] = b"soon gone"
    art.add_reference(site.url("gone.txt"))
    logged = fresh(log(art))
    del site.files["gone.txt"]
    with pytest.raises(errors.ArtifactNotFoundError) as info:
        logged.download(work / "out")
    assert site.url("gone.txt") in str(info.value)


def test_http_unchecked_reference_sends_no_request(site: Site, work: Path) -> None:
    art = wandb.Artifact("web", "dataset")
    art.add_reference(site.url("later.txt"), checksum=False)
    assert site.requests == []
    site.files["later.txt"] = b"now here"
    out = Path(fresh(log(art)).download(work / "out"))
    assert (out / "later.txt").read_bytes() == b"now here"


def test_http_url_without_file_name_needs_a_name(site: Site) -> None:
    with pytest.raises(errors.InvalidPathError, match="name="):
        wandb.Artifact("web", "dataset").add_reference(site.base + "/")


def test_unreachable_server_is_a_store_error(work: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connection refused
        with pytest.raises(errors.StoreError, match=f"127.0.0.1:{port}"):
            wandb.Artifact("web", "dataset").add_reference(f"http://127.0.0.1:{port}/x.txt")


# -- s3:// and gs:// -----------------------------------------------------------------------


@pytest.fixture(params=["s3", "gs"])
def bucket(request: pytest.FixtureRequest) -> S3 | Gcs:
    fixture = "s3" if request.param == "s3" else "gcs"
    store: S3 | Gcs = request.getfixturevalue(fixture)
    return store


def test_object_reference_records_etag_and_copies_no_bytes(bucket: S3 | Gcs, work: Path) -> None:
    bucket.put("models/weights.bin", b"w" * 300)
    art = wandb.Artifact("model", "model")
    [entry] = art.add_reference(bucket.uri("models/weights.bin"))
    assert entry.path == "weights.bin"
    assert entry.ref == bucket.uri("models/weights.bin")
    assert entry.size == 300
    assert entry.extra["etag"]
    logged = fresh(log(art))
    assert not get_client().blobs.exists(hash_bytes(b"w" * 300))
    out = Path(logged.download(work / "out"))
    assert (out / "weights.bin").read_bytes() == b"w" * 300


def test_prefix_expands_to_entries(bucket: S3 | Gcs, work: Path) -> None:
    bucket.put("data/a.txt", b"alpha")
    bucket.put("data/sub/b.txt", b"bravo")
    bucket.put("data2/not-me.txt", b"other prefix")
    bucket.put("top.txt", b"top")
    art = wandb.Artifact("ds", "dataset")
    art.add_reference(bucket.uri("data"), name="d")
    art.add_reference(bucket.uri("data/"), name="slash")
    assert sorted(art.manifest.entries) == [
        "d/a.txt",
        "d/sub/b.txt",
        "slash/a.txt",
        "slash/sub/b.txt",
    ]
    out = Path(fresh(log(art)).download(work / "out"))
    assert files_under(out) == {
        "d/a.txt": b"alpha",
        "d/sub/b.txt": b"bravo",
        "slash/a.txt": b"alpha",
        "slash/sub/b.txt": b"bravo",
    }


def test_whole_bucket_reference(bucket: S3 | Gcs) -> None:
    bucket.put("a.txt", b"a")
    bucket.put("x/b.txt", b"b")
    art = wandb.Artifact("ds", "dataset")
    art.add_reference(bucket.uri(""))
    assert sorted(art.manifest.entries) == ["a.txt", "x/b.txt"]


def test_changed_object_is_refused(bucket: S3 | Gcs, work: Path, request: Any) -> None:
    bucket.put("a.txt", b"alpha")
    art = wandb.Artifact("ds", "dataset")
    art.add_reference(bucket.uri("a.txt"))
    logged = fresh(log(art))
    bucket.put("a.txt", b"ALPHA!")
    if isinstance(bucket, Gcs):
        # GCS keeps generations: the recorded one is fetched, not the new bytes.
        out = Path(logged.download(work / "out"))
        assert (out / "a.txt").read_bytes() == b"alpha"
        return
    with pytest.raises(errors.ReferenceChangedError, match="ETag") as info:
        logged.download(work / "out")
    assert info.value.uri == bucket.uri("a.txt")
    assert files_under(work / "out") == {}


def test_deleted_object_is_not_found(bucket: S3 | Gcs, work: Path) -> None:
    bucket.put("a.txt", b"alpha")
    art = wandb.Artifact("ds", "dataset")
    art.add_reference(bucket.uri("a.txt"))
    logged = fresh(log(art))
    bucket.delete("a.txt")
    with pytest.raises(errors.ArtifactNotFoundError) as info:
        logged.download(work / "out")
    assert bucket.uri("a.txt") in str(info.value)
    assert info.value.name == bucket.uri("a.txt")


def test_nothing_at_uri_is_refused(bucket: S3 | Gcs) -> None:
    bucket.put("elsewhere.txt", b"x")
    with pytest.raises(errors.ArtifactNotFoundError, match="no object"):
        wandb.Artifact("ds", "dataset").add_reference(bucket.uri("missing"))


def test_prefix_past_max_objects_adds_nothing(bucket: S3 | Gcs) -> None:
    for i in range(4):
        bucket.put(f"p/{i}.txt", b"x")
    art = wandb.Artifact("ds", "dataset")
    with pytest.raises(errors.TooManyObjectsError) as info:
        art.add_reference(bucket.uri("p"), max_objects=3)
    assert info.value.uri == bucket.uri("p")
    assert len(art.manifest) == 0
    assert len(art.add_reference(bucket.uri("p"), max_objects=4)) == 4


def test_unchecked_prefix_fetches_what_is_there(bucket: S3 | Gcs, work: Path) -> None:
    bucket.put("p/a.txt", b"a")
    art = wandb.Artifact("ds", "dataset")
    [entry] = art.add_reference(bucket.uri("p"), name="p", checksum=False)
    assert entry.extra == {"checksum": False}
    logged = fresh(log(art))
    bucket.put("p/later/b.txt", b"b")
    out = Path(logged.download(work / "out"))
    assert files_under(out) == {"p/a.txt": b"a", "p/later/b.txt": b"b"}


def test_s3_versioned_bucket_pins_versions(s3: S3, work: Path) -> None:
    s3.enable_versioning()
    first = s3.put("v/a.txt", b"first")["VersionId"]
    s3.put("v/b.txt", b"bravo")
    single, listed = wandb.Artifact("one", "dataset"), wandb.Artifact("many", "dataset")
    [entry] = single.add_reference(s3.uri("v/a.txt"))
    assert entry.extra["version"] == first
    listed.add_reference(s3.uri("v"))
    assert listed.manifest["a.txt"].extra["version"] == first, "listing lost the version id"
    one, many = fresh(log(single)), fresh(log(listed))
    s3.put("v/a.txt", b"second version")
    assert (Path(one.download(work / "o1")) / "a.txt").read_bytes() == b"first"
    assert (Path(many.download(work / "o2")) / "a.txt").read_bytes() == b"first"
    s3.client.delete_object(Bucket=s3.bucket, Key="v/a.txt", VersionId=first)
    with pytest.raises(errors.ArtifactNotFoundError, match=f"version {first}"):
        one.download(work / "o3")


def test_gcs_records_generation(gcs: Gcs) -> None:
    generation = gcs.put("g/a.txt", b"alpha")
    [entry] = wandb.Artifact("ds", "dataset").add_reference(gcs.uri("g/a.txt"))
    assert entry.extra["version"] == str(generation)


# -- re-downloading, verify, connection settings -------------------------------------------


def test_verify_and_redownload_of_checksummed_references(s3: S3, site: Site, work: Path) -> None:
    src = write(work / "local.txt", "local")
    s3.put("obj.txt", b"object")  # a single-part upload: its ETag is the MD5
    site.files["web.txt"] = b"web"
    art = wandb.Artifact("mix", "dataset")
    art.add_reference(src.as_uri())
    art.add_reference(s3.uri("obj.txt"))
    art.add_reference(site.url("web.txt"))
    logged = fresh(log(art))
    root = Path(logged.download(work / "out"))
    logged.verify(root)  # an opaque ETag (web.txt) is unprovable, not "modified"
    inodes = {p: (root / p).stat().st_ino for p in ("local.txt", "obj.txt", "web.txt")}
    logged.download(root)
    assert (root / "local.txt").stat().st_ino == inodes["local.txt"], "unchanged file refetched"
    assert (root / "obj.txt").stat().st_ino == inodes["obj.txt"], "unchanged object refetched"
    # An opaque HTTP ETag proves nothing about local bytes: fetched (and checked) again.
    assert (root / "web.txt").stat().st_ino != inodes["web.txt"]
    (root / "obj.txt").write_bytes(b"OBJECT")
    with pytest.raises(errors.VerificationError) as info:
        logged.verify(root)
    assert "obj.txt" in info.value.modified
    logged.download(root)
    assert (root / "obj.txt").read_bytes() == b"object"


def test_unreachable_endpoint_fails_fast_naming_the_uri(
    s3: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{sock.getsockname()[1]}")
        started = time.monotonic()
        with pytest.raises(errors.StoreError) as info:
            wandb.Artifact("ds", "dataset").add_reference(s3.uri("a.txt"))
    assert s3.uri("a.txt") in str(info.value)
    assert "Traceback" not in str(info.value)
    assert time.monotonic() - started < 30


def test_credentials_from_an_aws_profile_file(
    s3: S3, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from obstore.auth.boto3 import Boto3CredentialProvider

    from ipyartifacts.core.references import objectstore as _objectstore

    s3.put("a.txt", b"alpha")
    creds = write(
        work / "aws-credentials", "[lab]\naws_access_key_id = k\naws_secret_access_key = s\n"
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(work / "no-config"))
    monkeypatch.setenv("AWS_PROFILE", "lab")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_METADATA_ENDPOINT", "http://127.0.0.1:9")  # never leave loopback
    assert isinstance(_objectstore._aws_profile_credentials(), Boto3CredentialProvider)
    [entry] = wandb.Artifact("ds", "dataset").add_reference(s3.uri("a.txt"))
    assert entry.size == 5


def test_allow_missing_references_skips_only_missing_ones(s3: S3, work: Path) -> None:
    s3.put("p/a.txt", b"alpha")
    s3.put("p/b.txt", b"bravo")
    s3.put("c.txt", b"charlie")
    art = wandb.Artifact("ds", "dataset")
    art.add_reference(s3.uri("p"))
    art.add_reference(s3.uri("c.txt"))
    logged = fresh(log(art))
    s3.delete("p/a.txt")
    with pytest.raises(errors.ArtifactNotFoundError):
        logged.download(work / "strict")
    out = Path(logged.download(work / "lenient", allow_missing_references=True))
    assert files_under(out) == {"b.txt": b"bravo", "c.txt": b"charlie"}
    s3.put("c.txt", b"CHANGED")
    with pytest.raises(errors.ReferenceChangedError):
        logged.download(work / "changed", allow_missing_references=True)


def test_references_are_fetched_concurrently(site: Site, work: Path) -> None:
    import threading

    from ipyartifacts.core.references.refs import FETCH_THREADS

    for i in range(FETCH_THREADS * 2):
        site.files[f"f{i}.txt"] = f"file {i}".encode()
    art = wandb.Artifact("web", "dataset")
    for i in range(FETCH_THREADS * 2):
        art.add_reference(site.url(f"f{i}.txt"))
    logged = fresh(log(art))
    # Each GET is held until FETCH_THREADS of them are in flight at once: one-at-a-time
    # fetching would break the barrier (timeout) and get 503s.
    site.barrier = threading.Barrier(FETCH_THREADS, timeout=20)
    out = Path(logged.download(work / "out"))
    assert files_under(out) == {f"f{i}.txt": f"file {i}".encode() for i in range(FETCH_THREADS * 2)}
