"""A team store over S3: log v1, log v2, cold fetch; ipyartifacts beside DVC (dvc-s3).

Run from the repository root with a Python that has ipyartifacts and moto installed::

    python benchmarks/bench_team_store.py                  # 2,000 small files + 256 MiB
    python benchmarks/bench_team_store.py --small 200 --big-mib 16   # a quick check

A moto S3 server runs on 127.0.0.1, behind a pass-through proxy (tests/_faultproxy.py
with no faults) that counts requests and request bytes per step. Each step runs in a
fresh subprocess; "cold fetch" uses a new local root (ipyartifacts) or a new checkout
with an empty cache (DVC), so every byte comes back from the bucket. The catalog is a
shared SQLite file: the figures are about the bucket traffic, which a PostgreSQL
catalog does not change.

DVC runs in its own virtualenv, created here on first use
(``~/.cache/ipyartifacts-bench/venvs/dvc``, ``pip install dvc dvc-s3``); it is never a
project dependency. If it cannot be installed or cannot talk to moto, that is printed
and the ipyartifacts figures stand alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _bytecode import compile_ipyartifacts

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV = Path.home() / ".cache" / "ipyartifacts-bench" / "venvs" / "dvc"

LOG = """
import sys
import ipyartifacts as wandb
data, machine = sys.argv[1], sys.argv[2]
run = wandb.init(project="bench", store=machine)
art = wandb.Artifact("data", "dataset")
art.add_dir(data)
run.log_artifact(art)
run.finish()
print(art.version)
"""

FETCH = """
import sys
import ipyartifacts as wandb
out, machine = sys.argv[1], sys.argv[2]
print(wandb.Api(store=machine).artifact("bench/data:latest").download(out))
"""


def _counting_proxy(upstream: str) -> Any:
    from tests._faultproxy import FaultProxy, _Handler

    proxy = FaultProxy(upstream, rate=0.0)
    lock = threading.Lock()
    tally: Counter[str] = Counter()

    class Received:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def write(self, data: bytes) -> int:
            with lock:
                tally["bytes_received"] += len(data)
            return int(self.inner.write(data))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    class Counting(_Handler):
        def setup(self) -> None:
            super().setup()
            self.wfile = Received(self.wfile)  # type: ignore[assignment]

        def _body(self) -> bytes:
            body = super()._body()
            with lock:
                tally["requests"] += 1
                tally[self.command] += 1
                tally["bytes_sent"] += len(body)
            return body

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _Handler._handle

    Counting.proxy = proxy
    proxy.server.RequestHandlerClass = Counting
    return proxy, tally


def _step(tally: Counter[str], cmd: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    tally.clear()
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr[-2000:]}")
    return {
        "seconds": round(seconds, 2),
        "requests": tally["requests"],
        "by_method": {m: tally[m] for m in ("GET", "HEAD", "PUT", "POST", "DELETE") if tally[m]},
        "mib_sent": round(tally["bytes_sent"] / 2**20, 1),
        "mib_received": round(tally["bytes_received"] / 2**20, 1),
    }


def _make(kind: str, root: Path, small: int, big_mib: int) -> None:
    rng = random.Random(2026)
    if kind == "small":
        for i in range(small):
            path = root / f"d{i % 20:02d}" / f"f{i:05d}.bin"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(rng.randbytes(rng.randint(1024, 64 * 1024)))
    else:
        root.mkdir(parents=True, exist_ok=True)
        with open(root / "big.bin", "wb") as stream:
            for _ in range(big_mib):
                stream.write(rng.randbytes(2**20))


def _change(kind: str, root: Path) -> None:
    """v2: 1% of the small files rewritten; the big file gets its first MiB rewritten."""
    rng = random.Random(7)
    if kind == "small":
        files = sorted(root.rglob("*.bin"))
        for path in files[:: max(1, len(files) // max(1, len(files) // 100))][: len(files) // 100]:
            path.write_bytes(rng.randbytes(path.stat().st_size))
    else:
        with open(root / "big.bin", "r+b") as stream:
            stream.write(rng.randbytes(2**20))


def _ipyartifacts(kind: str, tmp: Path, tally: Counter[str], env: dict[str, str]) -> dict[str, Any]:
    env = {**env, "IPYARTIFACTS_DATABASE_URL": f"sqlite:///{tmp / f'{kind}-catalog.sqlite'}"}
    env["IPYARTIFACTS_BLOB_URL"] = f"s3://bench/ipa-{kind}"
    data, py = tmp / f"data-{kind}", sys.executable
    out = {"log v1": _step(tally, [py, "-c", LOG, str(data), str(tmp / f"{kind}-a")], env, tmp)}
    _change(kind, data)
    out["log v2"] = _step(tally, [py, "-c", LOG, str(data), str(tmp / f"{kind}-a")], env, tmp)
    fetch = [py, "-c", FETCH, str(tmp / f"{kind}-out"), str(tmp / f"{kind}-b")]
    out["cold fetch"] = _step(tally, fetch, env, tmp)
    return out


def _dvc_ready() -> str | None:
    dvc = VENV / "bin" / "dvc"
    check = [str(VENV / "bin" / "python"), "-c", "import dvc_s3"]
    if dvc.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return None
    try:
        if not (VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "dvc", "dvc-s3"]
        subprocess.run(pip, check=True, capture_output=True, text=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"DVC could not be installed in {VENV}: {exc}"
    return None


def _dvc(kind: str, tmp: Path, tally: Counter[str], env: dict[str, str], url: str) -> Any:
    dvc = str(VENV / "bin" / "dvc")
    repo = tmp / f"dvc-{kind}"
    repo.mkdir()
    shutil.move(str(tmp / f"data-{kind}"), repo / "data")
    remote = f"s3://bench/dvc-{kind}"
    for cmd in (
        [dvc, "init", "--no-scm", "-q"],
        [dvc, "remote", "add", "-d", "s3", remote],
        [dvc, "remote", "modify", "s3", "endpointurl", url],
    ):
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True)
    out: dict[str, Any] = {}
    for step in ("log v1", "log v2"):
        if step == "log v2":
            _change(kind, repo / "data")
        add = _step(tally, [dvc, "add", "-q", "data"], env, repo)
        push = _step(tally, [dvc, "push", "-q"], env, repo)
        out[step] = {
            "seconds": round(add["seconds"] + push["seconds"], 2),
            "requests": add["requests"] + push["requests"],
            "by_method": push["by_method"],
            "mib_sent": push["mib_sent"],
            "mib_received": round(add["mib_received"] + push["mib_received"], 1),
        }
    clone = tmp / f"dvc-{kind}-clone"  # a new checkout: the .dvc files, an empty cache
    clone.mkdir()
    shutil.copytree(repo / ".dvc", clone / ".dvc", ignore=shutil.ignore_patterns("cache", "tmp"))
    shutil.copy(repo / "data.dvc", clone / "data.dvc")
    out["cold fetch"] = _step(tally, [dvc, "pull", "-q"], env, clone)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2000, help="number of 1-64 KiB files")
    parser.add_argument("--big-mib", type=int, default=256, help="size of the one big file")
    parser.add_argument("--no-dvc", action="store_true")
    args = parser.parse_args()
    compile_ipyartifacts()

    import boto3
    from moto.server import ThreadedMotoServer
    from tests._servers import _free_port

    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    proxy, tally = _counting_proxy(f"http://127.0.0.1:{port}")
    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env = {
        **os.environ, **creds, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": proxy.url, "PYTHONPATH": str(ROOT / "src"),
    }  # fmt: skip
    boto3.client("s3", endpoint_url=proxy.url, region_name="us-east-1", **{
        k.lower(): v for k, v in creds.items()
    }).create_bucket(Bucket="bench")  # fmt: skip
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
        "load": os.getloadavg()[0],
    }
    note = None if not args.no_dvc else "skipped (--no-dvc)"
    if note is None:
        note = _dvc_ready()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-team-") as name:
            tmp = Path(name)
            for kind, label in (
                ("small", f"{args.small} small files"),
                ("big", f"{args.big_mib} MiB"),
            ):
                _make(kind, tmp / f"data-{kind}", args.small, args.big_mib)
                results[f"ipyartifacts: {label}"] = _ipyartifacts(kind, tmp, tally, env)
                shutil.rmtree(tmp / f"data-{kind}")
                _make(kind, tmp / f"data-{kind}", args.small, args.big_mib)  # same v1 for DVC
                if note is None:
                    try:
                        results[f"dvc: {label}"] = _dvc(kind, tmp, tally, env, proxy.url)
                    except (RuntimeError, subprocess.CalledProcessError) as exc:
                        note = f"DVC could not talk to moto: {exc}"
    finally:
        proxy.close()
        moto.stop()
    results["dvc"] = note or "ok"
    results["load after"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))
    print(
        textwrap.dedent(
            "(seconds per step; requests, MiB sent to and received from S3, headers included)"
        )
    )


if __name__ == "__main__":
    main()
