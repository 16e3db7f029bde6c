"""The in-process change counter that displayed widgets watch."""

from __future__ import annotations

from pathlib import Path

import ipyartifacts
from ipyartifacts.store import changes
from tests.helpers import write


def test_every_committed_write_bumps_the_generation_and_reads_do_not(work: Path) -> None:
    write(work / "a.txt", "a")
    start = changes.generation()
    with ipyartifacts.init(project="gen") as run:
        art = ipyartifacts.Artifact("d", "dataset")
        art.add_file(str(work / "a.txt"))
        run.log_artifact(art)
    after_log = changes.generation()
    assert after_log > start
    logged = ipyartifacts.Api().artifact("gen/d:v0")
    _ = (logged.aliases, logged.used_by(), logged.logged_by(), ipyartifacts.Api().runs("gen"))
    assert changes.generation() == after_log  # reading changes nothing
    logged.aliases.append("best")
    logged.save()
    after_alias = changes.generation()
    assert after_alias > after_log
    logged.tags = ["reviewed"]
    logged.save()
    assert changes.generation() > after_alias
