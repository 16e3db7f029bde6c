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
    MAX_PATH_LENGTH,
    MAX_SEGMENT_LENGTH,
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


# -- length limits: what a filesystem can hold (255 bytes a name, 4096 a path, in UTF-8) ------


@pytest.mark.parametrize(
    "path",
    [
        "a" * 255,
        "é" * 127,  # 254 bytes
        "文" * 85,  # 255 bytes
        "/".join(["d" * 254] * 16),  # 16 * 255 - 1 = 4079 bytes
        "/".join(["x" * 200] * 20)[: MAX_PATH_LENGTH - 1] + "y",  # exactly 4096 bytes
    ],
)
def test_paths_within_the_byte_limits_are_kept(path: str) -> None:
    assert len(path.encode()) <= MAX_PATH_LENGTH
    assert validate_logical_path(path) == path


@pytest.mark.parametrize(
    ("path", "bytes_"),
    [
        ("a" * 256, 256),
        ("é" * 128, 256),  # 128 characters, 256 bytes
        ("😀" * 64, 256),  # 64 characters, 256 bytes
        ("ok/" + "b" * 300 + "/c.txt", 300),
    ],
    ids=["ascii", "two-byte", "four-byte", "middle-segment"],
)
def test_a_segment_over_255_bytes_is_refused_naming_it(path: str, bytes_: int) -> None:
    with pytest.raises(errors.InvalidPathError) as info:
        validate_logical_path(path)
    message = str(info.value)
    assert f"is {bytes_} bytes long" in message
    assert "limit is 255 bytes" in message
    long_segment = max(path.split("/"), key=len)
    assert repr(long_segment[:40] + "...") in message  # names the segment, shortened
    assert info.value.path == path
    assert len(message) < 400  # a long path never floods the message


def test_a_path_over_4096_bytes_is_refused() -> None:
    path = "/".join(["s" * 100] * 41)  # 41 * 101 - 1 = 4140 bytes, every segment fine
    with pytest.raises(errors.InvalidPathError, match="limit is 4096 bytes") as info:
        validate_logical_path(path)
    assert "4,140 bytes" in str(info.value)
    assert len(str(info.value)) < 400
    multibyte = "/".join(["é" * 100] * 21)  # 2,100 characters but 4,220 bytes
    with pytest.raises(errors.InvalidPathError, match="limit is 4096 bytes"):
        validate_logical_path(multibyte)


long_segment = st.text(alphabet=st.sampled_from("aé文😀"), min_size=60, max_size=300)


@given(st.lists(long_segment, min_size=1, max_size=3))
def test_fast_and_explicit_checks_agree_on_lengths(segments: list[str]) -> None:
    from ipyartifacts.store.paths import _problem

    path = "/".join(segments)
    fits = len(path.encode()) <= MAX_PATH_LENGTH and all(
        len(s.encode()) <= MAX_SEGMENT_LENGTH for s in segments
    )
    assert (_problem(path) is None) == fits
    assert (_describe(path) is None) == fits


def test_adding_a_too_long_name_is_refused_at_add_time(work: Path) -> None:
    src = write(work / "f.txt", "x")
    art = wandb.Artifact("d", "dataset")
    with pytest.raises(errors.InvalidPathError, match="limit is 255 bytes"):
        art.add_file(src, name="n" * 256)
    with pytest.raises(errors.InvalidPathError, match="limit is 255 bytes"):
        art.new_file("é" * 200 + ".txt")
    assert len(art.manifest) == 0


def test_a_hostile_manifest_with_a_too_long_segment_is_refused() -> None:
    body = {"format": 1, "entries": {"a/" + "z" * 256: {"digest": "0" * 64, "size": 1}}}
    with pytest.raises(errors.InvalidPathError, match="limit is 255 bytes"):
        Manifest.from_bytes(json.dumps(body).encode())


def test_a_255_byte_name_round_trips_through_a_real_filesystem(work: Path) -> None:
    name = "文" * 85  # 255 bytes: the longest name the filesystem takes
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_file(write(work / "f.txt", "payload"), name=f"sub/{name}")
    run.log_artifact(art)
    out = Path(wandb.Api().artifact("p/d").download(work / "out"))
    assert (out / "sub" / name).read_text() == "payload"
