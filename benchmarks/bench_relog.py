"""Logging a 10,000-file dataset, then re-logging it unchanged; peers measured in the same run.

Run with a Python that has ipyartifacts installed (and, to compare, wandb and dvc)::

    python benchmarks/bench_relog.py --files 10000

Each tool runs in a fresh subprocess with its own temporary store, on the same
files. Reported: seconds per step, and ratios (re-log / bare directory walk, peers /
ipyartifacts), which stay meaningful on a noisy shared machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _bytecode import compile_ipyartifacts

WALK = """
import os, sys, time
t = time.perf_counter(); n = 0
for dirpath, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        os.stat(os.path.join(dirpath, f)); n += 1
print(time.perf_counter() - t)
"""

IPYARTIFACTS = """
import sys, time
import ipyartifacts as wandb
data, store = sys.argv[1], sys.argv[2]
run = wandb.init(project="bench", store=store)
times = []
for _ in range(2):
    t = time.perf_counter()
    art = wandb.Artifact("dataset", "dataset")
    art.add_dir(data)
    run.log_artifact(art)
    times.append(time.perf_counter() - t)
assert art.version == "v0", art.version
run.finish()
print(times[0], times[1])
"""

WANDB = """
import os, sys, time
os.environ["WANDB_MODE"] = "offline"
os.environ["WANDB_SILENT"] = "true"
os.environ["WANDB_DIR"] = sys.argv[2]
os.environ["WANDB_CACHE_DIR"] = os.path.join(sys.argv[2], "cache")
os.environ["WANDB_DATA_DIR"] = os.path.join(sys.argv[2], "data")
import wandb
data = sys.argv[1]
run = wandb.init(project="bench")
times = []
for _ in range(2):
    t = time.perf_counter()
    art = wandb.Artifact("dataset", "dataset")
    art.add_dir(data)
    run.log_artifact(art)
    times.append(time.perf_counter() - t)
run.finish()
print(times[0], times[1])
"""

DVC = """
import os, shutil, subprocess, sys, time
data, work = sys.argv[1], sys.argv[2]
os.chdir(work)
subprocess.run([sys.executable, "-m", "dvc", "init", "--no-scm", "-q"], check=True)
shutil.copytree(data, "data")  # dvc tracks paths inside its repo; copy2 keeps mtimes
times = []
for _ in range(2):
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dvc", "add", "-q", "data"], check=True)
    times.append(time.perf_counter() - t)
print(times[0], times[1])
"""


def make_dataset(root: Path, files: int, size: int) -> None:
    past = time.time_ns() - 3600 * 10**9
    for i in range(files):
        folder = root / f"shard-{i // 500:03}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"sample-{i:06}.bin"
        path.write_bytes(os.urandom(size))
        os.utime(path, ns=(past, past))


def timed(code: str, *args: str) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(x) for x in out.stdout.split()]


def available(module: str) -> bool:
    probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
    return probe.returncode == 0


def hashing(mib: int) -> dict[str, float]:
    import blake3

    data = os.urandom(mib * 1024 * 1024)
    out = {}
    for name, make in (("blake3", blake3.blake3), ("md5", hashlib.md5), ("sha256", hashlib.sha256)):
        t = time.perf_counter()
        h = make()
        for i in range(0, len(data), 1 << 20):
            h.update(data[i : i + (1 << 20)])
        h.hexdigest()
        out[name] = mib / 1024 / (time.perf_counter() - t)  # GiB/s
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=2048, help="bytes per file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    compile_ipyartifacts()

    results: dict[str, object] = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "files": args.files,
        "bytes_per_file": args.size,
    }
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        make_dataset(data, args.files, args.size)
        walk = min(timed(WALK, str(data))[0] for _ in range(3))
        results["walk_s"] = walk
        ours = timed(IPYARTIFACTS, str(data), str(Path(tmp) / "ipa-store"))
        results["ipyartifacts"] = {
            "first_s": ours[0],
            "relog_s": ours[1],
            "relog_over_walk": ours[1] / walk,
        }
        for name, code in (("wandb", WANDB), ("dvc", DVC)):
            if not available(name):
                results[name] = "not installed"
                continue
            work = Path(tmp) / name
            work.mkdir()
            try:
                first, again = timed(code, str(data), str(work))
            except subprocess.CalledProcessError as exc:
                results[name] = f"failed: {exc.stderr.strip().splitlines()[-1:]}"
                continue
            results[name] = {
                "first_s": first,
                "relog_s": again,
                "first_over_ipyartifacts": first / ours[0],
                "relog_over_ipyartifacts": again / ours[1],
            }
            shutil.rmtree(work, ignore_errors=True)
    results["hash_GiB_per_s"] = hashing(512)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
