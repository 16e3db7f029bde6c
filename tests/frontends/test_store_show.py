"""Named stores and ``store show``: config files, precedence, redaction, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ipyartifacts as wandb
from ipyartifacts.core.client import get_client
from ipyartifacts.frontends.cli import cli
from tests._servers import S3, moto_endpoint, s3
from tests.helpers import write

__all__ = ["moto_endpoint", "s3"]


def run_cli(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def show_json(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run_cli(*args, "store", "show", "--json").stdout)
    return data


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    return home / "ipyartifacts" / "stores.toml"


def test_store_show_names_each_setting_and_its_source(
    config_home: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        config_home,
        '[stores.team]\ncatalog = "postgresql+psycopg://ml:hunter2@db:5432/art"\n'
        'blobs = "s3://user-bucket/store"\ncache_size = "5GB"\n',
    )
    write(work.parent / ".ipyartifacts.toml", '[stores.team]\nblobs = "s3://project-bucket/x"\n')
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("IPYARTIFACTS_BLOB_RETRIES", "3")

    data = show_json("--store", "team")
    settings = data["settings"]
    assert settings["name"] == {"value": "team", "source": "init(store=...) / --store"}
    assert settings["catalog"] == {
        "value": "postgresql+psycopg://ml:***@db:5432/art",
        "source": str(config_home),
    }
    assert settings["blobs"] == {
        "value": "s3://project-bucket/x",
        "source": str(work.parent / ".ipyartifacts.toml"),
    }
    assert settings["cache_size"]["source"] == str(config_home)
    assert settings["retries"] == {"value": "3", "source": "$IPYARTIFACTS_BLOB_RETRIES"}
    assert settings["AWS_SECRET_ACCESS_KEY"]["value"] == "*** (set)"
    assert settings["AWS_REGION"]["value"] == "eu-west-1"
    assert data["config_files"] == [str(config_home), str(work.parent / ".ipyartifacts.toml")]

    text = run_cli("--store", "team", "store", "show").stdout
    assert "hunter2" not in text
    assert "s3cr3t-value" not in text
    assert "team store" in text
    assert str(config_home) in text


def test_store_show_for_the_embedded_default(store: Path, config_home: Path) -> None:
    settings = show_json()["settings"]
    assert settings["root"] == {"value": str(store), "source": "$IPYARTIFACTS_STORE"}
    assert settings["blobs"]["value"] == str(store / "blobs")
    assert settings["catalog"]["source"] == "default (SQLite in the root)"
    assert "retries" not in settings  # only object stores retry


def test_the_config_default_applies_when_nothing_names_a_store(
    config_home: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IPYARTIFACTS_STORE")
    write(
        work / ".ipyartifacts.toml",
        f'default = "lab"\n[stores.lab]\ncatalog = "sqlite:///{work}/c.sqlite"\n'
        f'blobs = "{work}/blobs"\n',
    )
    settings = show_json()["settings"]
    assert settings["name"]["value"] == "lab"
    assert settings["name"]["source"].startswith("default in ")


def test_an_unknown_store_name_is_refused_with_the_names_defined(
    config_home: Path, work: Path
) -> None:
    write(config_home, '[stores.team]\ncatalog = "sqlite:///x.sqlite"\nblobs = "s3://b/p"\n')
    out = run_cli("--store", "taem", "store", "show", code=1).output
    assert "No store is named 'taem'" in out
    assert "team" in out
    assert "Traceback" not in out
    assert not (work / "taem").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[stores.team]\ncatalog = "sqlite:///x"\nblob = "s3://b"\n', "unknown setting(s) blob"),
        ('[stores.team]\nblobs = "s3://b/p"\n', "has no catalog URL"),
        ("[stores.team\n", "is not valid TOML"),
        ('[stores.team]\ncatalog = "sqlite:///x"\nblobs = "ftp://h/p"\n', "is not supported"),
    ],
)
def test_a_bad_config_file_is_one_clear_error(
    config_home: Path, content: str, message: str
) -> None:
    write(config_home, content)
    out = run_cli("--store", "team", "store", "show", code=1).output
    assert message in out
    assert str(config_home) in out
    assert "Traceback" not in out


def test_init_with_a_named_store_logs_into_its_bucket(
    s3: S3, config_home: Path, tmp_path: Path, work: Path
) -> None:
    write(
        config_home,
        f'[stores.team]\ncatalog = "sqlite:///{tmp_path}/team.sqlite"\n'
        f'blobs = "s3://{s3.bucket}/shared"\ncache_dir = "{tmp_path}/team-cache"\n',
    )
    write(work / "data" / "a.txt", b"team bytes")
    with wandb.init(project="p", store="team") as run:
        art = wandb.Artifact("ds", type="dataset")
        art.add_dir(str(work / "data"))
        run.log_artifact(art)
    client = get_client("team")
    assert client.blobs.url == f"s3://{s3.bucket}/shared"
    assert client.cache.path == str(tmp_path / "team-cache")
    listed = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix="shared/")
    assert len(listed["Contents"]) == 2  # the file and the manifest
    out = run_cli("--store", "team", "use", "p/ds:latest", "--root", str(work / "back")).stdout
    assert (work / "back" / "a.txt").read_bytes() == b"team bytes", out
