"""`versions` from the embedded catalog without SQLAlchemy: the same answer, or none."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from ipyartifacts.frontends import ops
from ipyartifacts.frontends.frontend import Frontend
from ipyartifacts.frontends.ops_quick import quick_versions
from ipyartifacts.store import quickread
from ipyartifacts.store.catalog.migrations import MIGRATIONS
from tests.helpers import write


def _fe(name: str, store: Path) -> Frontend:
    def no_run(*_args: Any) -> Any:
        raise AssertionError("listing versions starts no run")

    return Frontend(name=name, start_run=no_run, store=str(store))


def _log(
    work: Path, name: str, text: str, *, job: str | None = "train", **kwargs: Any
) -> wandb.Artifact:
    aliases = kwargs.pop("aliases", None)
    art = wandb.Artifact(name, "dataset", **kwargs)
    art.add_file(write(work / f"{name}-{text}.txt", text), name="f.txt")
    with wandb.init(project="p", job_type=job) as run:
        return run.log_artifact(art, aliases=aliases)


@pytest.fixture
def varied(work: Path, store: Path) -> Path:
    """A collection with what a listing shows: aliases, tags, runs, metadata, gaps."""
    _log(work, "d", "zero", description="first", metadata={"rows": 10, "split": "train"})
    one = _log(work, "d", "one", aliases=["best", "staging"], job="eval")
    one.tags = ["gold", "checked"]
    one.save()
    gone = _log(work, "d", "two")
    _log(work, "d", "three", metadata={"nested": {"lr": 0.1}})
    short = _log(work, "d", "four")
    _log(work, "d", "five", job=None)  # a run without a job type
    with wandb.init(project="p", job_type="again") as run:  # a second run logs v5 again
        again = wandb.Artifact("d", "dataset")
        again.add_file(write(work / "d-five-again.txt", "five"), name="f.txt")
        run.log_artifact(again)
    _log(work, "other", "x")  # another collection of the project
    gone.delete()
    wandb.finish()
    # v4 expired an hour ago: listed by neither path
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(store / "catalog.sqlite") as db:
        db.execute("UPDATE versions SET expires_at = ? WHERE id = ?", (past, short.id))
    return store


def test_the_schema_version_is_the_newest_migration() -> None:
    assert max(number for number, _name, _migrate in MIGRATIONS) == quickread.SCHEMA_VERSION


def test_the_quick_listing_is_the_full_listing(
    varied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = quick_versions(_fe("cli", varied), "p/d", None, None)
    assert quick is not None, "an embedded catalog at the newest schema is read quickly"
    full = ops.versions(_fe("magic", varied), "p/d")  # the magics take the full path
    assert quick == full
    assert [v.version for v in quick.versions] == ["v5", "v3", "v1", "v0"]
    assert quick.versions[0].aliases == ("latest",)
    assert quick.versions[2].aliases == ("best", "staging")
    assert quick.versions[2].tags == ("checked", "gold")
    assert quick.versions[2].created_by_run is not None
    assert quick.versions[2].created_by_run.endswith("(eval)")
    # v5 was logged again by a second run: it still shows the run that created it
    assert quick.versions[0].created_by_run.endswith("(run)")  # type: ignore[union-attr]
    assert quick.versions[3].metadata == {"rows": 10, "split": "train"}
    assert quick.versions[3].description == "first"
    assert ops.versions(_fe("cli", varied), "p/d:latest", "dataset") == full
    assert ops.versions(_fe("cli", varied), "d", project="p") == full
    monkeypatch.setenv("IPYARTIFACTS_PROJECT", "p")  # the default project, as the full path
    assert quick_versions(_fe("cli", varied), "d", None, None) == full


def test_anything_it_cannot_answer_exactly_goes_the_full_way(varied: Path, tmp_path: Path) -> None:
    fe = _fe("cli", varied)
    assert quick_versions(fe, "p/d", None, None) is not None
    assert quick_versions(fe, "p/nothing", None, None) is None  # the full path explains
    assert quick_versions(fe, "p/d", "model", None) is None  # another type: the full path says
    assert quick_versions(fe, "d", None, "elsewhere") is None
    assert quick_versions(fe, "d", None, None) is None  # the default project has none
    assert quick_versions(fe, "d", None, "wandb-registry-model") is None  # links
    url = f"sqlite:///{varied / 'catalog.sqlite'}"
    assert quickread.quick_versions("postgresql://u@h/db", "p", "d") is None
    empty = tmp_path / "empty"
    assert quickread.quick_versions(f"sqlite:///{empty / 'catalog.sqlite'}", "p", "d") is None
    assert not empty.exists(), "a read creates nothing"
    with sqlite3.connect(varied / "catalog.sqlite") as db:
        db.execute(
            "DELETE FROM ipa_schema_migrations WHERE version = ?", (quickread.SCHEMA_VERSION,)
        )
    assert quickread.quick_versions(url, "p", "d") is None  # older schema: the full path migrates
    (varied / "catalog.sqlite").write_bytes(b"not a database")
    assert quickread.quick_versions(url, "p", "d") is None


def test_the_full_way_still_explains_a_missing_artifact(varied: Path) -> None:
    from ipyartifacts import errors

    with pytest.raises(errors.ArtifactNotFoundError, match="No artifact named 'nothing'"):
        ops.versions(_fe("cli", varied), "p/nothing")


def test_the_cli_lists_versions_without_importing_sqlalchemy(varied: Path) -> None:
    probe = (
        "import sys\n"
        "from ipyartifacts.frontends.cli import main\n"
        f"sys.argv = ['ipyartifacts', '--store', {str(varied)!r}, 'versions', 'p/d']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('sqlalchemy loaded:', 'sqlalchemy' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "IPYARTIFACTS_STORE": str(varied)},
        timeout=120,
        check=False,
    )
    assert "p/d: 4 version(s)" in out.stdout, out.stderr
    assert "sqlalchemy loaded: False" in out.stdout
    assert "v5" in out.stdout
    assert "best, staging" in out.stdout


def test_the_quick_resolution_is_the_catalogs(varied: Path) -> None:
    from ipyartifacts.core.client import get_client

    url = f"sqlite:///{varied / 'catalog.sqlite'}"
    catalog = get_client(str(varied)).catalog
    for alias in ("latest", "v0", "v1", "v3", "v5", "best", "staging"):
        quick = quickread.quick_version(url, "p", "d", alias)
        full = catalog.resolve("p", "d", alias)
        assert quick is not None, alias
        assert (quick.id, quick.number, quick.manifest_digest, quick.digest) == (
            full.id,
            full.number,
            full.manifest_digest,
            full.digest,
        ), alias
        assert quick.aliases == full.aliases, alias
        assert quick.expires_at == full.expires_at, alias
    assert quickread.quick_version(url, "p", "d", "v1", "dataset") is not None
    # What the catalog refuses (with its explanation), the quick path leaves to it.
    for alias in ("v2", "v4", "v9", "nope"):  # deleted, expired, never, unknown alias
        assert quickread.quick_version(url, "p", "d", alias) is None, alias
    assert quickread.quick_version(url, "p", "d", "v1", "model") is None  # another type
    assert quickread.quick_version(url, "p", "nothing", "latest") is None


def test_the_cli_gets_a_version_without_importing_sqlalchemy(varied: Path, tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from ipyartifacts.frontends.cli import main\n"
        f"sys.argv = ['ipyartifacts', '--store', {str(varied)!r}, 'get', 'p/d:best',"
        f" '--root', {str(tmp_path / 'out')!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    print('exit', exc.code)\n"
        "print('sqlalchemy loaded:', 'sqlalchemy' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert "sqlalchemy loaded: False" in out.stdout, out.stdout + out.stderr
    assert str(tmp_path / "out") in out.stdout
    assert (tmp_path / "out" / "f.txt").read_text() == "one"  # v1, which 'best' names
    # The same download by the full path, to compare: the same files, the same answer.
    full = ops.use(_fe("magic", varied), "p/d:best", str(tmp_path / "full"), record=False)
    assert (tmp_path / "full" / "f.txt").read_text() == "one"
    assert str(full) == str(tmp_path / "full")
    # A name the quick path cannot resolve goes the full way and is explained there.
    missing = subprocess.run(
        [sys.executable, "-m", "ipyartifacts", "--store", str(varied), "get", "p/d:v2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode != 0
    assert "v2 was deleted" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr


def test_a_quick_get_refuses_a_corrupt_blob_as_the_full_path_does(
    varied: Path, tmp_path: Path
) -> None:
    from ipyartifacts.core.client import get_client

    record = get_client(str(varied)).catalog.resolve("p", "d", "latest")
    manifest = get_client(str(varied)).manifest(record)
    (entry,) = list(manifest)
    blob = varied / "blobs" / entry.digest[:2] / entry.digest[2:]
    blob.chmod(0o644)
    blob.write_text("evil")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ipyartifacts",
            "--store",
            str(varied),
            "get",
            "p/d",
            "--root",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode != 0
    assert "corrupt" in out.stderr, out.stderr
    assert "quarantine" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "out" / "f.txt").exists()
