"""Progress reports from the core reach the front end's factory, and only inside its block."""

from __future__ import annotations

from pathlib import Path

import ipyartifacts as wandb
from ipyartifacts.core.progress import reporting
from tests.helpers import write


class Recorder:
    def __init__(self) -> None:
        self.tasks: list[dict[str, object]] = []

    def __call__(self, description: str, files: int, nbytes: int) -> Recorder.Task:
        task = {
            "description": description,
            "files": files,
            "bytes": nbytes,
            "done": [0, 0],
            "closed": False,
        }
        self.tasks.append(task)
        return Recorder.Task(task)

    class Task:
        def __init__(self, task: dict[str, object]) -> None:
            self.task = task

        def advance(self, files: int = 1, nbytes: int = 0) -> None:
            done = self.task["done"]
            assert isinstance(done, list)
            done[0] += files
            done[1] += nbytes

        def close(self) -> None:
            self.task["closed"] = True


def test_logging_and_downloading_report_files_and_bytes(work: Path) -> None:
    for i in range(12):
        write(work / "data" / f"{i}.bin", b"x" * (i + 1))
    total = sum(range(1, 13))
    recorder = Recorder()
    run = wandb.init(project="p")
    with reporting(recorder):
        art = wandb.Artifact("d", "dataset")
        art.add_dir(work / "data")
        run.log_artifact(art)
        art.download(work / "out")
    stored, downloaded = recorder.tasks
    assert stored["files"] == 12
    assert stored["bytes"] == total
    assert stored["done"] == [12, total]
    assert str(stored["description"]).startswith("Storing data")
    assert downloaded["done"] == [12, total]
    assert all(t["closed"] for t in recorder.tasks)


def test_nothing_is_reported_outside_the_block_or_for_cached_files(work: Path) -> None:
    write(work / "data/a.bin", b"abc")
    recorder = Recorder()
    run = wandb.init(project="p")
    art = wandb.Artifact("d", "dataset")
    art.add_dir(work / "data")
    run.log_artifact(art)
    assert recorder.tasks == []
    with reporting(recorder):
        art.download(work / "out")
        art.download(work / "out")  # already in place: reported as done, nothing copied
    assert [t["done"] for t in recorder.tasks] == [[1, 3], [1, 3]]
