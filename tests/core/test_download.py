"""Downloading, checkout, verify, single files and entries; corruption is caught."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ipyartifacts as wandb
from ipyartifacts import errors
from tests.helpers import write


@pytest.fixture
def logged(work: Path) -> wandb.Artifact:
    write(work / "src/a.txt", "alpha")
    write(work / "src/sub/b.txt", "bravo")
    write(work / "src/sub/deeper/c.txt", "charlie")
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_dir(work / "src")
    return run.log_artifact(art)


def blob_file(store: Path, digest: str) -> Path:
    return store / "blobs" / digest[:2] / digest[2:]


def test_default_root_is_wandbs(logged: wandb.Artifact, work: Path) -> None:
    # W&B downloads to ./artifacts/<name>:v<N> on POSIX (``-`` for ``:`` on Windows).
    root = logged.download()
    assert Path(root) == Path("artifacts") / ("d-v0" if os.name == "nt" else "d:v0")
    assert (work / root / "sub/deeper/c.txt").read_text() == "charlie"


def test_artifact_dir_env(
    logged: wandb.Artifact, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPYARTIFACTS_ARTIFACT_DIR", str(work / "elsewhere"))
    assert Path(logged.download()) == work / "elsewhere" / "d:v0"


def test_path_prefix_downloads_a_subset(logged: wandb.Artifact, work: Path) -> None:
    root = Path(logged.download(work / "out", path_prefix="sub/"))
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert found == ["sub/b.txt", "sub/deeper/c.txt"]


def test_files_already_right_are_not_rewritten(logged: wandb.Artifact, work: Path) -> None:
    root = Path(logged.download(work / "out"))
    before = {p: p.stat().st_ino for p in root.rglob("*.txt")}
    write(root / "a.txt", "tampered")
    logged.download(root)
    after = {p: p.stat().st_ino for p in root.rglob("*.txt")}
    assert (root / "a.txt").read_text() == "alpha"
    assert before[root / "a.txt"] != after[root / "a.txt"], "the wrong file is replaced"
    unchanged = [p for p in before if p.name != "a.txt"]
    assert all(before[p] == after[p] for p in unchanged), "right files must be left alone"


def test_checkout_removes_extra_files(logged: wandb.Artifact, work: Path) -> None:
    root = work / "co"
    write(root / "stray.txt", "x")
    write(root / "junk/deep/y.txt", "y")
    logged.checkout(root)
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert found == ["a.txt", "sub", "sub/b.txt", "sub/deeper", "sub/deeper/c.txt"]
    logged.verify(root)


def test_verify_reports_missing_modified_and_extra(logged: wandb.Artifact, work: Path) -> None:
    root = Path(logged.download(work / "v"))
    logged.verify(root)
    (root / "a.txt").unlink()
    write(root / "sub/b.txt", "BRAVO")
    write(root / "new.txt", "n")
    with pytest.raises(errors.VerificationError) as info:
        logged.verify(root)
    assert info.value.missing == ["a.txt"]
    assert info.value.modified == ["sub/b.txt"]
    assert info.value.extra == ["new.txt"]
    assert "checkout" in str(info.value)


def test_verify_catches_same_size_same_mtime_edit(logged: wandb.Artifact, work: Path) -> None:
    root = Path(logged.download(work / "v"))
    target = root / "a.txt"
    st = target.stat()
    os.chmod(target, 0o644)
    target.write_text("ALPHA")  # same size
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime
    with pytest.raises(errors.VerificationError):
        logged.verify(root)


def test_file_for_single_file_artifacts(work: Path) -> None:
    run = wandb.init(project="p")
    art = wandb.Artifact("model", "model")
    art.add_file(write(work / "weights.bin", b"\x01\x02"))
    run.log_artifact(art)
    path = Path(art.file(work / "m"))
    assert path == work / "m" / "weights.bin"
    assert path.read_bytes() == b"\x01\x02"


def test_file_refuses_multi_file_artifacts(logged: wandb.Artifact) -> None:
    with pytest.raises(errors.ArtifactStateError, match="3 files"):
        logged.file()


def test_get_entry_download(logged: wandb.Artifact, work: Path) -> None:
    entry = logged.get_entry("sub/b.txt")
    assert entry.size == 5
    path = Path(entry.download(work / "one"))
    assert path.read_text() == "bravo"
    assert sorted(p.name for p in (work / "one").rglob("*") if p.is_file()) == ["b.txt"]
    with pytest.raises(errors.ArtifactNotFoundError, match=r"It has: a\.txt"):
        logged.get_entry("nope.txt")


def test_corrupt_blob_is_detected_and_never_copied(
    logged: wandb.Artifact, work: Path, store: Path
) -> None:
    digest = logged.manifest["sub/b.txt"].digest
    blob = blob_file(store, digest)
    os.chmod(blob, 0o644)
    blob.write_bytes(b"BRAVO")  # bit rot, same size
    root = work / "dl"
    with pytest.raises(errors.IntegrityError, match="corrupt") as info:
        logged.download(root)
    assert info.value.path == "sub/b.txt"
    assert not (root / "sub/b.txt").exists()
    assert not any(p.name.startswith(".ipa-") for p in root.rglob("*")), "no temp file left behind"
    assert (store / "quarantine" / digest).exists()
    # Logging the original bytes again repairs the store.
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_dir(work / "src")
    run.log_artifact(art)
    assert art.version == "v0"
    wandb.Api().artifact("p/d:v0").download(root)
    assert (root / "sub/b.txt").read_text() == "bravo"


def test_blobs_are_read_only_on_disk(logged: wandb.Artifact, store: Path) -> None:
    digest = logged.manifest["a.txt"].digest
    assert blob_file(store, digest).stat().st_mode & 0o222 == 0


def _many(work: Path, n: int = 600) -> wandb.Artifact:
    """Enough files in several folders for two placing workers (download._halves)."""
    for i in range(n):
        write(work / "many" / f"d{i // 100}" / f"f{i:04}.txt", f"payload {i}\n")
    run = wandb.init(project="p")
    art = wandb.Artifact("many", "dataset")
    art.add_dir(work / "many")
    return run.log_artifact(art)


def test_two_workers_place_every_file_and_report_each_once(work: Path) -> None:
    from ipyartifacts.core import download
    from ipyartifacts.core.progress import reporting
    from tests.core.test_progress import Recorder

    art = _many(work)
    assert len(list(art.manifest)) >= download._LOCAL_PARALLEL_MIN
    first, second = download._halves(list(art.manifest))
    assert first[-1].path.rpartition("/")[0] != second[0].path.rpartition("/")[0]
    recorder = Recorder()
    with reporting(recorder):
        art.download(work / "out")
    (task,) = recorder.tasks
    assert task["done"] == [600, art.size]
    for i in range(600):
        assert (work / "out" / f"d{i // 100}" / f"f{i:04}.txt").read_text() == f"payload {i}\n"
    art.verify(work / "out")


def test_a_corrupt_blob_in_the_second_half_stops_both_workers(work: Path, store: Path) -> None:
    art = _many(work)
    last = max(art.manifest, key=lambda e: e.path)
    blob = blob_file(store, last.digest)
    blob.chmod(0o644)
    blob.write_bytes(b"evil")
    with pytest.raises(errors.IntegrityError, match="corrupt"):
        art.download(work / "out")
    assert not (work / "out" / last.path).exists()
    leftovers = list((work / "out").rglob(".ipa-*"))
    assert leftovers == [], "no temp file is left by either worker"
