"""``store copy`` to a real team store: a PostgreSQL catalog and an S3 bucket (moto).

The team store is named in a ``stores.toml`` in the platform config directory, the way
a team would name it, and the copy runs through the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from ipyartifacts.core.client import get_client
from tests._postgres import postgres_server, postgres_url
from tests._servers import S3, moto_endpoint, s3
from tests.core.test_copy import _files, _history, _versions
from tests.helpers import write

__all__ = ["moto_endpoint", "postgres_server", "postgres_url", "s3"]  # fixtures

pytestmark = pytest.mark.postgres


def _cli(*args: str, cwd: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "ipyartifacts.frontends.cli", *args, "--json"],
        cwd=cwd, env=dict(os.environ), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _bucket_keys(s3: S3) -> list[str]:
    pages = s3.client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def test_cli_copy_embedded_to_named_team_store_to_fresh_embedded(
    tmp_path: Path,
    work: Path,
    store: Path,
    s3: S3,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    write(
        tmp_path / "config" / "ipyartifacts" / "stores.toml",
        f'[stores.team]\ncatalog = "{postgres_url}"\nblobs = "s3://{s3.bucket}/team"\n',
    )
    runs = _history(work)
    wandb.finish()
    fresh = tmp_path / "fresh"

    first = _cli("store", "copy", str(store), "team", cwd=work)
    assert (first["versions_copied"], first["runs_copied"]) == (5, 3)
    assert first["blobs_copied"] > 0
    team = get_client("team")
    assert type(team.blobs).__name__ == "ObjectBlobStore"
    stored = _bucket_keys(s3)
    assert len(stored) == first["blobs_copied"], "every blob went to the bucket, once"
    assert all(k.startswith("team/") and "/tmp/" not in k for k in stored)

    back = _cli("store", "copy", "team", str(fresh), cwd=work)
    assert back["versions_copied"] == 5
    src = get_client(store)
    assert _versions(team) == _versions(src)
    assert _versions(get_client(fresh)) == _versions(src)

    api, there = wandb.Api(store=store), wandb.Api(store=fresh)
    for _vid, spec, *_rest in _versions(src):
        a = api.artifact(spec).download(tmp_path / "a" / spec.replace("/", "_"))
        b = there.artifact(spec).download(tmp_path / "b" / spec.replace("/", "_"))
        assert _files(Path(b)) == _files(Path(a)), spec
    train = there.run(runs["train"])
    assert [a.qualified_name for a in train.used_artifacts()] == ["p/ds:v0"]
    assert [a.qualified_name for a in train.logged_artifacts()] == ["p/model:v0"]
    assert there.artifact("p/ds:v1").logged_by().id == runs["prep"]  # type: ignore[union-attr]
    assert there.artifact("p/ds:gold").version == "v0"

    for src_name, dst_name in ((str(store), "team"), ("team", str(fresh))):
        again = _cli("store", "copy", src_name, dst_name, cwd=work)
        assert (again["versions_copied"], again["blobs_copied"], again["runs_copied"]) == (0, 0, 0)
        assert again["versions_unchanged"] == 5
    assert _bucket_keys(s3) == stored, "the second run sent nothing"
