"""The download-link server extension: what it serves, and the config that enables it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ipyartifacts
from ipyartifacts.widgets import FileBrowser
from ipyartifacts.widgets._server import _jupyter_server_extension_points, blob_path
from tests.helpers import write

ROOT = Path(__file__).resolve().parents[2]


def test_blob_path_serves_only_blobs_of_an_existing_store(work: Path, store: Path) -> None:
    write(work / "a.txt", "hello")
    with ipyartifacts.init(project="srv") as run:
        art = ipyartifacts.Artifact("a", type="t")
        art.add_file(str(work / "a.txt"))
        run.log_artifact(art)
    entry = ipyartifacts.Api().artifact("srv/a:latest").manifest.entries["a.txt"]
    path = blob_path(str(store), entry.digest)
    assert path is not None
    assert path.read_bytes() == b"hello"
    assert blob_path(str(store), entry.digest.upper()) is None
    assert blob_path(str(store), "../" + entry.digest[3:]) is None
    assert blob_path(str(work), entry.digest) is None  # not a store: nothing is created there
    assert not (work / "catalog.sqlite").exists()
    assert blob_path("relative/store", entry.digest) is None
    assert blob_path(str(store), "0" * 64) is None


def test_file_preview_links_to_the_extension(work: Path, store: Path) -> None:
    write(work / "dir" / "b c.txt", "x")
    with ipyartifacts.init(project="srv") as run:
        art = ipyartifacts.Artifact("b", type="t")
        art.add_dir(str(work / "dir"))
        run.log_artifact(art)
    widget = FileBrowser(ipyartifacts.Api().artifact("srv/b:latest"))
    response, _ = widget.handle_request({"id": 1, "type": "preview", "path": "b c.txt"})
    href = response["href"]
    assert href.startswith("ipyartifacts/blob/")
    assert "name=b+c.txt" in href
    assert f"store={str(store).replace('/', '%2F')}" in href


def test_shipped_config_enables_the_extension() -> None:
    fragment = ROOT / "jupyter-config" / "jupyter_server_config.d" / "ipyartifacts.json"
    config = json.loads(fragment.read_text())
    (module,) = config["ServerApp"]["jpserver_extensions"]
    assert config["ServerApp"]["jpserver_extensions"][module] is True
    assert _jupyter_server_extension_points() == [{"module": module}]
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shared = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert shared["jupyter-config/jupyter_server_config.d"] == "etc/jupyter/jupyter_server_config.d"
