"""Building drafts: new_file, remove, add_dir include/exclude globs and .artifactignore."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ipyartifacts as wandb
from ipyartifacts import errors
from ipyartifacts.core import filters as _filters
from tests.helpers import write


def log(art: wandb.Artifact) -> wandb.Artifact:
    run = wandb.run or wandb.init(project="build")
    logged = run.log_artifact(art)
    return wandb.Api().artifact(f"build/{logged.name}")


def temp_files(store: Path) -> list[str]:
    tmp = store / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []


# -- new_file ------------------------------------------------------------------------------


def test_new_file_text_and_binary(work: Path, store: Path) -> None:
    art = wandb.Artifact("notes", "dataset")
    with art.new_file("notes.txt", mode="w") as f:
        f.write("naïve café\n")
    with art.new_file("raw/data.bin", mode="xb") as f:
        f.write(b"\x00\x01\x02")
    with art.new_file("latin.txt", encoding="latin-1") as f:
        f.write("é")
    assert temp_files(store) == [], "temp files were left behind"
    out = Path(log(art).download(work / "out"))
    assert (out / "notes.txt").read_bytes() == "naïve café\n".encode()
    assert (out / "raw/data.bin").read_bytes() == b"\x00\x01\x02"
    assert (out / "latin.txt").read_bytes() == b"\xe9"


def test_new_file_x_refuses_existing_path_and_w_replaces(work: Path) -> None:
    art = wandb.Artifact("notes", "dataset")
    art.add_file(write(work / "notes.txt", "old"))
    with pytest.raises(errors.DuplicateEntryError) as info, art.new_file("notes.txt"):
        pass
    assert info.value.path == "notes.txt"
    with art.new_file("notes.txt", mode="w") as f:
        f.write("new")
    out = Path(log(art).download(work / "out"))
    assert (out / "notes.txt").read_text() == "new"


def test_new_file_adds_nothing_when_the_block_raises(store: Path) -> None:
    art = wandb.Artifact("notes", "dataset")

    def write_then_fail() -> None:
        with art.new_file("half.txt") as f:
            f.write("half written")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail()
    assert len(art.manifest) == 0
    assert temp_files(store) == []


@pytest.mark.parametrize("mode", ["r", "a", "w+", "rb", "x+b", ""])
def test_new_file_bad_modes(mode: str) -> None:
    with pytest.raises(ValueError, match="mode"):
        wandb.Artifact("notes", "dataset").new_file("a.txt", mode=mode)


def test_new_file_binary_with_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="encoding"):
        wandb.Artifact("notes", "dataset").new_file("a.bin", mode="wb", encoding="utf-8")


@pytest.mark.parametrize("name", ["../up.txt", "/abs.txt", "a//b.txt", ""])
def test_new_file_bad_names(name: str) -> None:
    with pytest.raises(errors.InvalidPathError):
        wandb.Artifact("notes", "dataset").new_file(name)


def test_new_file_on_logged_artifact(work: Path) -> None:
    art = wandb.Artifact("notes", "dataset")
    art.add_file(write(work / "a.txt", "a"))
    logged = log(art)
    with pytest.raises(errors.ArtifactStateError, match="logged"):
        logged.new_file("b.txt")


# -- remove --------------------------------------------------------------------------------


@pytest.fixture
def tree(work: Path) -> Path:
    for rel in ["images/a.png", "images/sub/b.png", "images2/c.png", "labels.csv"]:
        write(work / "src" / rel, rel)
    return work / "src"


@pytest.mark.parametrize(
    ("target", "left"),
    [
        ("labels.csv", ["images/a.png", "images/sub/b.png", "images2/c.png"]),
        ("images", ["images2/c.png", "labels.csv"]),
        ("images/", ["images2/c.png", "labels.csv"]),
        ("images/sub", ["images/a.png", "images2/c.png", "labels.csv"]),
    ],
)
def test_remove_file_or_subtree(tree: Path, work: Path, target: str, left: list[str]) -> None:
    art = wandb.Artifact("imgs", "dataset")
    art.add_dir(tree)
    art.remove(target)
    assert list(art.manifest.entries) == left
    out = Path(log(art).download(work / "out"))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == left


def test_remove_an_entry_object(tree: Path) -> None:
    art = wandb.Artifact("imgs", "dataset")
    entry = art.add_file(tree / "labels.csv")
    art.remove(entry)
    assert len(art.manifest) == 0


def test_remove_missing_path_hints(tree: Path) -> None:
    art = wandb.Artifact("imgs", "dataset")
    art.add_dir(tree)
    with pytest.raises(errors.ArtifactNotFoundError, match=r"Did you mean 'labels\.csv'") as info:
        art.remove("label.csv")
    assert info.value.name == "label.csv"
    assert len(art.manifest) == 4


def test_removed_immutable_file_is_not_stored(tree: Path, store: Path) -> None:
    art = wandb.Artifact("imgs", "dataset")
    entry = art.add_file(tree / "labels.csv", policy="immutable")
    art.remove("labels.csv")
    (tree / "labels.csv").write_text("changed after removal: must not matter")
    art.add_file(tree / "images2/c.png")
    log(art)
    assert not (store / "blobs" / entry.digest[:2] / entry.digest[2:]).exists()


def test_remove_on_logged_artifact(tree: Path) -> None:
    art = wandb.Artifact("imgs", "dataset")
    art.add_dir(tree)
    logged = log(art)
    with pytest.raises(errors.ArtifactStateError, match="logged"):
        logged.remove("labels.csv")


# -- add_dir include / exclude / .artifactignore -------------------------------------------


@pytest.fixture
def project(work: Path) -> Path:
    root = work / "proj"
    for rel in [
        "train.csv",
        "data/val.csv",
        "data/deep/test.csv",
        "data/readme.md",
        "logs/run.log",
        "logs/keep.txt",
        "model.pt",
        "tmp/scratch.csv",
    ]:
        write(root / rel, rel)
    return root


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        (None, None, None),  # everything
        ("*.csv", None, ["data/deep/test.csv", "data/val.csv", "tmp/scratch.csv", "train.csv"]),
        (
            ["*.csv", "*.pt"],
            "tmp/",
            ["data/deep/test.csv", "data/val.csv", "model.pt", "train.csv"],
        ),
        ("data/*.csv", None, ["data/val.csv"]),
        ("data/**/*.csv", None, ["data/deep/test.csv", "data/val.csv"]),
        ("/train.csv", None, ["train.csv"]),
        (None, ["logs/", "*.csv"], ["data/readme.md", "model.pt"]),
        (None, ["*", "!*/", "!*.md"], ["data/readme.md"]),
        # as in git: a file inside an excluded folder cannot be re-included
        (None, ["*", "!*.md"], []),
        ("*.nothing", None, []),
    ],
)
def test_include_exclude(
    project: Path,
    include: str | list[str] | None,
    exclude: str | list[str] | None,
    expected: list[str] | None,
) -> None:
    art = wandb.Artifact("proj", "dataset")
    art.add_dir(project, include=include, exclude=exclude)
    everything = sorted(
        p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()
    )
    assert list(art.manifest.entries) == (everything if expected is None else expected)


def test_include_with_folder_prefix(project: Path) -> None:
    art = wandb.Artifact("proj", "dataset")
    art.add_dir(project, name="files", include="*.md")
    assert list(art.manifest.entries) == ["files/data/readme.md"]


def test_bad_pattern_type(project: Path) -> None:
    with pytest.raises(TypeError, match="include"):
        wandb.Artifact("proj", "dataset").add_dir(project, include=[1])  # type: ignore[list-item]


def test_artifactignore(project: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / ".artifactignore", "# build outputs\n*.log\n!keep.log\ntmp/\nmodel.pt\n")
    write(project / "logs/keep.log", "kept by negation")
    write(project / "data/.artifactignore", "readme.md\n/deep/\n")
    write(project / "tmp/huge/x.bin", "never walked")
    scanned: list[str] = []
    real_scandir = os.scandir

    def spy(path: str | os.PathLike[str]) -> os._ScandirIterator[str]:  # type: ignore[name-defined]
        scanned.append(Path(path).relative_to(project).as_posix())
        return real_scandir(path)

    monkeypatch.setattr(_filters.os, "scandir", spy)
    art = wandb.Artifact("proj", "dataset")
    art.add_dir(project)
    assert list(art.manifest.entries) == [
        "data/val.csv",
        "logs/keep.log",
        "logs/keep.txt",
        "train.csv",
    ]
    assert "tmp" not in scanned, "an ignored folder was walked"
    assert "data/deep" not in scanned
    out = Path(log(art).download(work / "out"))
    assert not (out / ".artifactignore").exists()


def test_artifactignore_and_filters_combine(project: Path) -> None:
    write(project / ".artifactignore", "data/\n")
    art = wandb.Artifact("proj", "dataset")
    art.add_dir(project, include="*.csv", exclude="tmp/")
    assert list(art.manifest.entries) == ["train.csv"]


def test_symlinked_folders_are_not_followed(project: Path) -> None:
    (project / "loop").symlink_to(project, target_is_directory=True)
    (project / "link.csv").symlink_to(project / "train.csv")
    art = wandb.Artifact("proj", "dataset")
    art.add_dir(project, include="*.csv", exclude="tmp/")
    assert list(art.manifest.entries) == [
        "data/deep/test.csv",
        "data/val.csv",
        "link.csv",
        "train.csv",
    ]


PATTERNS = ["*.csv", "a/", "a/*", "**/b", "b", "*", "a/**/c.csv", "/c.csv", "?.txt", "b/*.txt"]
NAMES = ["a", "b", "c.csv", "d.txt", "e"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    paths=st.sets(
        st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map(tuple), min_size=1, max_size=8
    ),
    pattern=st.sampled_from(PATTERNS),
)
def test_include_and_exclude_of_one_pattern_partition_the_files(
    tmp_path_factory: pytest.TempPathFactory, paths: set[tuple[str, ...]], pattern: str
) -> None:
    root = tmp_path_factory.mktemp("tree")
    made = set()
    for parts in sorted(paths, key=len):
        target = root.joinpath(*parts)
        # a name already used as a file cannot also be a folder, and vice versa
        if (
            any(root.joinpath(*parts[:i]).is_file() for i in range(1, len(parts)))
            or target.exists()
        ):
            continue
        write(target, "/".join(parts))
        made.add("/".join(parts))
    kept = set(_filters.select_files(root, include=pattern))
    dropped = set(_filters.select_files(root, exclude=pattern))
    assert kept | dropped == made
    assert not kept & dropped, f"{pattern!r} both includes and excludes {kept & dropped}"
