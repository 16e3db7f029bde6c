"""Path safety: logical paths are validated when added and when read; downloads stay in their root."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ipyartifacts as wandb
from ipyartifacts import errors
from ipyartifacts.store.manifest import Manifest
from ipyartifacts.store.paths import (
    _ANY_PROBLEM,
    _describe,
    safe_destination,
    validate_logical_path,
)
from tests.helpers import write

UNSAFE = [
    "",
    "..",
    "../x",
    "a/../../x",
    "a/..",
    "./x",
    "/etc/passwd",
    "C:\\x",
    "C:x",
    "c:/x",
    "\\\\srv\\share\\x",
    "a\\b",
    "a//b",
    "a/",
    "nul\x00byte",
    "new\nline",
    "tab\tx",
    "del\x7f",
    "%2e%2e/x",
    "%2E%2E%2Fx",
    "..%2fx",
    "a/%2e%2e/%2e%2e/x",
    "%252e%252e%252fx",
    "%2fetc/passwd",
    "%5c%5csrv",
]

SAFE = [
    "a",
    "a/b/c.txt",
    "with space.txt",
    "ünïcode/文件.bin",
    "100%.txt",
    "a..b",
    "...",
    ".hidden",
    "a%20b",
]


@pytest.mark.parametrize("path", UNSAFE)
def test_unsafe_logical_paths_are_refused(path: str) -> None:
    with pytest.raises(errors.InvalidPathError) as info:
        validate_logical_path(path)
    assert "Invalid path" in str(info.value)
    assert info.value.path == path


@pytest.mark.parametrize("path", SAFE)
def test_safe_logical_paths_are_kept(path: str) -> None:
    assert validate_logical_path(path) == path


segment = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=12
)


@given(st.lists(segment, min_size=1, max_size=5))
def test_any_accepted_path_stays_inside_the_root(
    tmp_path_factory: pytest.TempPathFactory, segments: list[str]
) -> None:
    path = "/".join(segments)
    root = tmp_path_factory.getbasetemp() / "root"
    root.mkdir(exist_ok=True)
    try:
        validate_logical_path(path)
    except errors.InvalidPathError:
        return
    dest = safe_destination(root, path)
    real_root = Path(os.path.realpath(root))
    assert dest.is_relative_to(real_root)
    assert dest != real_root


@given(st.text(alphabet=st.sampled_from("ab./\\:C%2e\x00\n"), max_size=12))
def test_fast_check_agrees_with_the_explicit_one(path: str) -> None:
    fast_ok = bool(path) and _ANY_PROBLEM.search(path) is None
    assert fast_ok == (_describe(path) is None)


@given(
    st.sampled_from(["..", ".", "", "%2e%2e", "%2E.", ".%2e", "a\\..", "C:"]),
    st.lists(segment, max_size=3),
)
def test_traversal_segments_anywhere_are_refused(bad: str, rest: list[str]) -> None:
    for position in range(len(rest) + 1):
        parts = [*rest[:position], bad, *rest[position:]]
        with pytest.raises(errors.InvalidPathError):
            validate_logical_path("/".join(parts))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(st.sampled_from(UNSAFE))
def test_adding_an_unsafe_name_is_refused(work: Path, bad: str) -> None:
    src = write(work / "f.txt", "x")
    art = wandb.Artifact("d", "dataset")
    with pytest.raises(errors.InvalidPathError):
        art.add_file(src, name=bad)
    assert len(art.manifest) == 0


@pytest.mark.parametrize("bad", ["../../evil", "/abs", "a\\b", "x/%2e%2e/%2e%2e/y"])
def test_manifests_from_a_shared_store_are_validated_again(bad: str) -> None:
    digest = "0" * 64
    body = {"format": 1, "entries": {bad: {"digest": digest, "size": 1}}}
    with pytest.raises(errors.InvalidPathError):
        Manifest.from_bytes(json.dumps(body).encode())


def test_tampered_manifest_in_store_never_writes_outside_root(work: Path, store: Path) -> None:
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_file(write(work / "f.txt", "payload"), name="ok.txt")
    run.log_artifact(art)
    # Someone with write access to the shared store rewrites the manifest blob.
    manifest_blob = (
        store / "blobs" / art._record.manifest_digest[:2] / art._record.manifest_digest[2:]
    )  # type: ignore[union-attr]
    body = json.loads(manifest_blob.read_bytes())
    body["entries"] = {"../../escaped.txt": body["entries"]["ok.txt"]}
    os.chmod(manifest_blob, 0o644)
    manifest_blob.write_bytes(json.dumps(body).encode())
    fresh = wandb.Api().artifact("p/d")
    with pytest.raises(errors.ArtifactError):
        fresh.download(work / "out")
    assert not (work / "escaped.txt").exists()
    assert not (work.parent / "escaped.txt").exists()


def test_symlink_inside_root_pointing_outside_is_refused(work: Path, tmp_path: Path) -> None:
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_file(write(work / "f.txt", "payload"), name="sub/f.txt")
    run.log_artifact(art)
    outside = tmp_path / "outside"
    outside.mkdir()
    root = work / "root"
    root.mkdir()
    (root / "sub").symlink_to(outside, target_is_directory=True)
    with pytest.raises(errors.InvalidPathError, match="outside the download root"):
        art.download(root)
    assert list(outside.iterdir()) == []


def test_symlinked_file_target_pointing_outside_is_refused(work: Path, tmp_path: Path) -> None:
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_file(write(work / "f.txt", "payload"))
    run.log_artifact(art)
    victim = write(tmp_path / "victim.txt", "keep me")
    root = work / "root"
    root.mkdir()
    (root / "f.txt").symlink_to(victim)
    with pytest.raises(errors.InvalidPathError):
        art.download(root)
    assert victim.read_text() == "keep me"
