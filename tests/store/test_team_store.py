"""A team store for real: a PostgreSQL catalog and an S3 bucket (moto), many processes at once.

Every writer is its own "machine": its own local root (stat cache, file cache), the same
catalog and bucket. What each one logged is checked from yet another machine whose cache
starts empty, so every byte read comes back from the bucket and is verified on arrival.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

import ipyartifacts as wandb
from ipyartifacts.store.hashing import hash_bytes
from tests._faultproxy import FaultProxy, _Handler
from tests._postgres import postgres_server, postgres_url
from tests._servers import S3, moto_endpoint, s3
from tests.store.test_pg_concurrency import _errors, _run_workers

__all__ = ["moto_endpoint", "postgres_server", "postgres_url", "s3"]  # fixtures

pytestmark = pytest.mark.postgres

WORKERS, LOGS = 16, 25
MiB = 1024 * 1024


def _team_env(s3: S3, postgres_url: str) -> dict[str, str]:
    """What a process needs to reach the team store (a forkserver child inherits none of it)."""
    names = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")
    env = {name: os.environ[name] for name in names}
    env["IPYARTIFACTS_DATABASE_URL"] = postgres_url
    env["IPYARTIFACTS_BLOB_URL"] = f"s3://{s3.bucket}/team"
    return env


@pytest.fixture
def team(s3: S3, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = _team_env(s3, postgres_url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _machine(tmp: Path, name: str) -> Path:
    return tmp / f"machine-{name}"


def _enter(env: dict[str, str], tmp: str) -> None:
    os.environ.update(env)
    os.chdir(tmp)


def _bucket_keys(s3: S3) -> list[str]:
    pages = s3.client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


# -- many writers ----------------------------------------------------------------------


def _logger(
    index: int, barrier: Any, results: Any, env: dict[str, str], tmp: str, logs: int, same: bool
) -> None:
    _enter(env, tmp)
    import ipyartifacts as wandb

    folder = Path(tmp) / f"src-{index}"
    folder.mkdir()
    run = wandb.init(project="race", store=_machine(Path(tmp), str(index)))
    versions, errors = [], []
    barrier.wait()
    for n in range(logs):
        src = folder / f"{n}.txt"
        src.write_text("same\n" if same else f"{index}-{n}\n")
        art = wandb.Artifact("shared", "dataset")
        art.add_file(src, name="data.txt")
        try:
            run.log_artifact(art)
            versions.append(art.version)
        except Exception as exc:  # report, so the test can count failures
            errors.append(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")
    run.finish()
    results.put((index, versions, errors))


def test_400_logs_from_16_processes_get_400_consecutive_downloadable_versions(
    team: dict[str, str], tmp_path: Path, s3: S3
) -> None:
    got = _run_workers(_logger, WORKERS, team, str(tmp_path), LOGS, False)
    errors = _errors(got)
    total = WORKERS * LOGS
    assert errors == [], f"{len(errors)} of {total} logs failed, first: {errors[0]}"
    expected = {
        version: f"{index}-{n}\n".encode()
        for index, versions, _e in got
        for n, version in enumerate(versions)
    }
    assert sorted(int(v[1:]) for v in expected) == list(range(total)), "consecutive, none lost"

    reader = _machine(tmp_path, "reader")  # a second client, its cache empty
    api = wandb.Api(store=reader)
    stored = api.artifacts("dataset", "race/shared")
    assert sorted(a.version for a in stored) == sorted(expected)
    for art in stored:
        out = Path(art.download(tmp_path / "out" / art.version))
        assert (out / "data.txt").read_bytes() == expected[art.version], art.version
    assert not any(k.startswith("team/tmp/") for k in _bucket_keys(s3)), "no upload left over"


def test_400_identical_logs_from_16_processes_make_one_version(
    team: dict[str, str], tmp_path: Path
) -> None:
    got = _run_workers(_logger, WORKERS, team, str(tmp_path), LOGS, True)
    errors = _errors(got)
    assert errors == [], f"{len(errors)} of {WORKERS * LOGS} logs failed, first: {errors[0]}"
    assert {v for _i, versions, _e in got for v in versions} == {"v0"}
    api = wandb.Api(store=_machine(tmp_path, "reader"))
    assert [a.version for a in api.artifacts("dataset", "race/shared")] == ["v0"]
    out = Path(api.artifact("race/shared:v0").download(tmp_path / "out"))
    assert (out / "data.txt").read_bytes() == b"same\n"


def _mover(
    index: int, barrier: Any, results: Any, env: dict[str, str], tmp: str, moves: int
) -> None:
    _enter(env, tmp)
    import ipyartifacts as wandb

    api = wandb.Api(store=_machine(Path(tmp), f"mover-{index}"))
    errors = []
    barrier.wait()
    for _n in range(moves):
        try:
            art = api.artifact(f"race/shared:v{index}")
            art.aliases = ["best"]
            art.save()
        except Exception as exc:
            errors.append(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")
    results.put((index, [], errors))


def test_8_processes_moving_one_alias_leave_one_holder(
    team: dict[str, str], tmp_path: Path
) -> None:
    workers, moves = 8, 20
    with wandb.init(project="race", store=_machine(tmp_path, "seed")) as run:
        for i in range(workers):
            art = wandb.Artifact("shared", "dataset")
            (tmp_path / f"seed-{i}.txt").write_text(f"seed {i}")
            art.add_file(tmp_path / f"seed-{i}.txt", name="data.txt")
            run.log_artifact(art)
    got = _run_workers(_mover, workers, team, str(tmp_path), moves)
    errors = _errors(got)
    assert errors == [], f"{len(errors)} of {workers * moves} saves failed, first: {errors[0]}"
    api = wandb.Api(store=_machine(tmp_path, "reader"))
    arts = api.artifacts("dataset", "race/shared")
    holders = [a.version for a in arts if "best" in a.aliases]
    assert len(holders) == 1, holders
    best = api.artifact("race/shared:best")
    assert best.version == holders[0]
    out = Path(best.download(tmp_path / "out"))
    assert (out / "data.txt").read_text() == f"seed {int(holders[0][1:])}"


# -- a writer killed mid-log -----------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import ipyartifacts as wandb

    src, root = Path(sys.argv[1]), sys.argv[2]
    run = wandb.init(project="crash", store=root)
    art = wandb.Artifact("big", "dataset")
    print("ready", flush=True)  # from here on, bytes are hashed and sent
    art.add_file(src, name="big.bin")
    run.log_artifact(art)
    run.finish()
    print("done", flush=True)
    """
)


class _Watch(_Handler):
    """Pass-through proxy handler that holds each part of a multipart upload until released.

    So a kill is sure to land while the parts are on their way, not after the upload.
    """

    parts: threading.Event
    release: threading.Event

    def _handle(self) -> None:
        if self.command == "PUT" and "partNumber=" in self.path:
            self.parts.set()
            self.release.wait(60)
        super()._handle()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


@pytest.fixture
def watched(moto_endpoint: str) -> Any:
    proxy = FaultProxy(moto_endpoint, rate=0.0)
    parts, release = threading.Event(), threading.Event()
    attrs = {"proxy": proxy, "parts": parts, "release": release}
    proxy.server.RequestHandlerClass = type("W", (_Watch,), attrs)
    try:
        yield proxy, parts, release
    finally:
        release.set()
        proxy.close()


def _seen_versions(tmp_path: Path, name: str) -> list[str]:
    api = wandb.Api(store=_machine(tmp_path, name))
    try:
        return sorted(a.version for a in api.artifacts("dataset", "crash/big"))
    except Exception as exc:  # no collection yet
        if type(exc).__name__ == "ArtifactNotFoundError":
            return []
        raise


@pytest.mark.parametrize("when", ["0ms", "50ms", "150ms", "during-parts"])
def test_a_writer_killed_mid_log_leaves_no_partial_version(
    team: dict[str, str], tmp_path: Path, s3: S3, watched: Any, when: str
) -> None:
    proxy, parts, release = watched
    if when != "during-parts":
        release.set()  # parts pass at once; the kill lands wherever the clock puts it
    first = os.urandom(MiB)  # v0: a small version that must stay as it is
    (tmp_path / "first.bin").write_bytes(first)
    with wandb.init(project="crash", store=_machine(tmp_path, "seed")) as run:
        art = wandb.Artifact("big", "dataset")
        art.add_file(tmp_path / "first.bin", name="big.bin")
        run.log_artifact(art)
    big = os.urandom(20 * MiB)  # above the multipart threshold: three parts
    (tmp_path / "big.bin").write_bytes(big)

    env = {**os.environ, **team, "AWS_ENDPOINT_URL": proxy.url}
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path / "big.bin"), str(_machine(tmp_path, "w"))],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n", writer.stderr.read() if writer.stderr else ""
        if when == "during-parts":
            assert parts.wait(timeout=120), "the writer never sent a part"
        else:
            threading.Event().wait(int(when.removesuffix("ms")) / 1000)  # not a sync point
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
        release.set()  # the held parts reach the server now, from a writer that is gone
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == -signal.SIGKILL

    seen = _seen_versions(tmp_path, f"after-{when}")
    assert seen in (["v0"], ["v0", "v1"]), seen
    if when == "during-parts":  # killed before its bytes were all sent: nothing of it shows
        assert seen == ["v0"]
        digest = hash_bytes(big)
        assert f"team/{digest[:2]}/{digest[2:]}" not in _bucket_keys(s3), "upload never completed"
    api = wandb.Api(store=_machine(tmp_path, f"check-{when}"))
    out = Path(api.artifact("crash/big:v0").download(tmp_path / "v0"))
    assert (out / "big.bin").read_bytes() == first
    if seen == ["v0", "v1"]:  # the kill came after the commit: then it is whole
        out = Path(api.artifact("crash/big:v1").download(tmp_path / "v1"))
        assert (out / "big.bin").read_bytes() == big

    again = os.urandom(10 * MiB)  # the next log works, from yet another machine
    (tmp_path / "again.bin").write_bytes(again)
    with wandb.init(project="crash", store=_machine(tmp_path, "next")) as run:
        art = wandb.Artifact("big", "dataset")
        art.add_file(tmp_path / "again.bin", name="big.bin")
        run.log_artifact(art)
    assert art.version == f"v{len(seen)}"
    out = Path(wandb.Api(store=_machine(tmp_path, "last")).artifact("crash/big:latest").download(
        tmp_path / "last"
    ))  # fmt: skip
    assert (out / "big.bin").read_bytes() == again
