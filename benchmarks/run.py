"""The speed harness: ipyartifacts beside DVC, MLflow, W&B (offline) and the floor.

One command (see BENCHMARKS.md)::

    python benchmarks/run.py            # 10,000 files of 1-64 KiB + one 1 GiB file, 3 reps
    python benchmarks/run.py --quick    # 1,000 files + 64 MiB, 3 reps
    python benchmarks/run.py --tools ipyartifacts,floor --ops log_small,fetch_small

Every operation is a fresh process, as users run it, timed from outside (start-up
included), with the child's peak RSS from ``wait4``. Tools are interleaved within each
repetition (A B C A B C), so a loaded machine slows them alike: read the ratios.
Peers live in their own virtualenvs under ``~/.cache/ipyartifacts-bench/venvs/`` (made on
first use, never project dependencies); ipyartifacts runs from this checkout.

Operations (``--ops``): ``log_small`` (v1 of the small-file tree into an empty store),
``relog_small`` (the same tree again, unchanged), ``fetch_small`` (v1 into an empty
folder, verified), ``update_small`` (v2: 100 files rewritten), ``versions`` (list
versions), then the same for the big file (``log_big``, ``relog_big``, ``fetch_big``,
``update_big``: 1 MiB overwritten in the middle). Stored bytes after v1+v2 are
recorded as ``store_bytes``. The floor: ``cp -r``, read+BLAKE3 in one process, and
read+BLAKE3+write into a content-addressed folder in one process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _bytecode import compile_ipyartifacts

REPO = Path(__file__).resolve().parent.parent
VENVS = Path(os.environ.get("IPYARTIFACTS_BENCH_CACHE", "~/.cache/ipyartifacts-bench")).expanduser()
PEER_PACKAGES = {"dvc": ["dvc"], "mlflow": ["mlflow"], "wandb": ["wandb"]}
SMALL_OPS = ["log_small", "relog_small", "fetch_small", "update_small", "versions"]
BIG_OPS = ["log_big", "relog_big", "fetch_big", "update_big"]
TOOLS = ["floor", "ipyartifacts", "dvc", "mlflow", "wandb"]

# -- datasets -------------------------------------------------------------------------


def _bytes(seed: str, n: int) -> bytes:
    import blake3

    return blake3.blake3(seed.encode()).digest(length=n)  # seeded and incompressible


def make_small(root: Path, files: int, seed: int) -> None:
    rng = random.Random(seed)
    past = time.time_ns() - 3600 * 10**9  # an hour old: no racy stat-cache entries
    for i in range(files):
        folder = root / f"shard-{i // 500:03}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"sample-{i:06}.bin"
        path.write_bytes(_bytes(f"{seed}/{i}", rng.randint(1024, 65536)))
        os.utime(path, ns=(past, past))


def update_small(root: Path, seed: int, changed: int = 100) -> None:
    """v2 of the small tree, in place: ``changed`` files rewritten (same sizes)."""
    files = sorted(p for p in root.rglob("*.bin"))
    for i, path in enumerate(random.Random(seed + 1).sample(files, min(changed, len(files)))):
        path.write_bytes(_bytes(f"{seed}/v2/{i}", path.stat().st_size))


def make_big(path: Path, mib: int, seed: int) -> None:
    import blake3

    xof = blake3.blake3(f"big {seed}".encode())
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for i in range(mib):
            out.write(xof.digest(length=1 << 20, seek=i << 20))
    past = time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(past, past))


def update_big(path: Path, seed: int) -> None:
    """v2 of the big file, in place: 1 MiB overwritten in the middle."""
    with open(path, "r+b") as out:
        out.seek(path.stat().st_size // 2)
        out.write(_bytes(f"big {seed} v2", 1 << 20))


# -- the tools, as fresh processes ------------------------------------------------------

IPA_LOG = """
import sys
from ipyartifacts.frontends.cli import main
sys.argv = ["ipyartifacts", "--store", sys.argv[2], "log", sys.argv[1], "--name", "data",
            "--type", "dataset", "--project", "bench"]
main()
"""

# The floors' walk: every file under a folder, or the file itself.
_FLOOR_FILES = """
import os, sys, blake3
def files(top):
    if os.path.isfile(top):
        yield top
    for dirpath, _dirs, names in os.walk(top):
        for name in names:
            yield os.path.join(dirpath, name)
"""

FLOOR_HASH = (
    _FLOOR_FILES
    + """
for path in files(sys.argv[1]):
    h = blake3.blake3()
    with open(path, "rb") as f:
        while b := f.read(1 << 20):
            h.update(b)
    h.hexdigest()
"""
)

# Both writing floors: each file read whole and hashed, then written (below) into dst.
_FLOOR_READ = (
    _FLOOR_FILES
    + """
src, dst = sys.argv[1], sys.argv[2]
made = set()
for path in files(src):
    with open(path, "rb") as f:
        data = f.read()
    d = blake3.blake3(data).hexdigest()
"""
)

FLOOR_CAS = (
    _FLOOR_READ
    + """    if d[:2] not in made:
        os.makedirs(os.path.join(dst, d[:2]), exist_ok=True); made.add(d[:2])
    with open(os.path.join(dst, d[:2], d[2:]), "wb") as out:
        out.write(data)
"""
)

# The fetch floor: the same read + BLAKE3 + write, into the files' own folder layout (a
# fetch must recreate it; on ext4 here, files in 20 folders of 500 cost more to create
# than in 256 fan-out folders: `cp -r` of the tree is slower than FLOOR_CAS).
FLOOR_PLACE = (
    _FLOOR_READ
    + """    rel = os.path.basename(path) if os.path.isfile(src) else os.path.relpath(path, src)
    out_path = os.path.join(dst, rel)
    folder = os.path.dirname(out_path)
    if folder not in made:
        os.makedirs(folder, exist_ok=True); made.add(folder)
    with open(out_path, "wb") as out:
        out.write(data)
"""
)

WANDB_LOG = """
import os, sys
os.environ.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=sys.argv[2],
                  WANDB_CACHE_DIR=os.path.join(sys.argv[2], "cache"),
                  WANDB_DATA_DIR=os.path.join(sys.argv[2], "data"))
import wandb
run = wandb.init(project="bench")
art = wandb.Artifact("data", "dataset")
art.add_dir(sys.argv[1]) if os.path.isdir(sys.argv[1]) else art.add_file(sys.argv[1])
run.log_artifact(art)
run.finish()
"""

MLFLOW_LOG = """
import os, sys
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # a file store, like the others' local stores
import mlflow
mlflow.set_tracking_uri("file://" + os.path.join(sys.argv[2], "mlruns"))
with mlflow.start_run() as run:
    if os.path.isdir(sys.argv[1]):
        mlflow.log_artifacts(sys.argv[1], "data")
    else:
        mlflow.log_artifact(sys.argv[1], "data")
open(os.path.join(sys.argv[2], "last-run"), "w").write(run.info.run_id)
"""

MLFLOW_FETCH = """
import os, sys
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # a file store, like the others' local stores
import mlflow
mlflow.set_tracking_uri("file://" + os.path.join(sys.argv[1], "mlruns"))
run_id = open(os.path.join(sys.argv[1], "first-run")).read()
mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="data", dst_path=sys.argv[2])
"""


def venv_python(tool: str) -> Path | None:
    """The peer's own interpreter, making its virtualenv on first use (None if that fails)."""
    venv = VENVS / "venvs" / tool
    python = venv / "bin" / "python"
    probe = [str(python), "-c", f"import {tool}, blake3"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"[bench] making {venv} ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES[tool], "blake3"]
        subprocess.run(pip, check=True)
    except subprocess.CalledProcessError:
        return None
    return python if subprocess.run(probe, capture_output=True).returncode == 0 else None


def version_of(python: Path, module: str) -> str:
    out = subprocess.run(
        [str(python), "-c", f"import {module}; print({module}.__version__)"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    return out.stdout.strip() or "?"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src")
    env.pop("IPYARTIFACTS_STORE", None)
    return env


def timed(argv: list[str], cwd: Path | None = None) -> dict[str, float]:
    """Run a fresh process; its wall seconds and peak RSS (MB), or raise on failure.

    Every step starts with no dirty pages (an untimed ``sync`` first), so no step pays
    for the write-back of the one before; after it, a timed ``sync`` says how long its
    output took to reach the disk (``flush_s``): ipyartifacts flushes before it commits,
    the peers leave it to the kernel. ``durable_s`` is the two together.
    """
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed:\n{err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime  # CPU seconds: far steadier than wall time under load
    flushed = time.perf_counter()
    os.sync()
    flush = time.perf_counter() - flushed
    return {
        "s": seconds,
        "cpu_s": cpu,
        "rss_mb": usage.ru_maxrss / 1024,
        "flush_s": flush,
        "durable_s": seconds + flush,
    }


def du(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
    return total


Step = Callable[[], dict[str, float] | None]


class Sides:
    """The v1 datasets of one run (each tool logs its own copy; v2 edits that copy)."""

    def __init__(self, root: Path, files: int, mib: int, seed: int) -> None:
        self.seed = seed
        self.small, self.big = root / "small" / "data", root / "big" / "big.bin"
        make_small(self.small, files, seed)
        make_big(self.big, mib, seed)

    def source(self, kind: str) -> Path:
        return self.big if kind == "big" else self.small

    def working_copy(self, work: Path, kind: str) -> Path:
        """``work/<kind>/<name>``: a copy with v1's mtimes (copy2), made once, untimed."""
        src = self.source(kind)
        dst = work / kind / src.name
        if not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(src, dst) if src.is_dir() else shutil.copy2(src, dst)
        return dst

    def make_v2(self, path: Path, kind: str) -> None:
        update_big(path, self.seed) if kind == "big" else update_small(path, self.seed)


# Deleting many files here slows the next step that creates many: this machine's ext4 has
# no journal, and without one the inode allocator steps over every inode freed in the
# last 30-60 s, one buffer lookup each (``recently_deleted()`` in ``find_inode_bit``;
# 60% of a create-heavy step's CPU under ``perf``; BENCHMARKS.md). So nothing with many
# files is deleted while the run lasts: it is moved into ``TRASH`` (a rename keeps its
# inodes in use) and deleted at the end. Big files are deleted at once (one inode each).
TRASH: list[Path] = []  # the run's trash folder, set by main()
_BIG = 1 << 20


def _clear(path: Path) -> None:
    """Move ``path`` out of the way without freeing its inodes now (see above)."""
    if not path.exists():
        return
    if path.is_dir():
        for dirpath, _dirs, names in os.walk(path):
            for name in names:
                file = Path(dirpath, name)
                with contextlib.suppress(OSError):
                    if not file.is_symlink() and file.stat().st_size >= _BIG:
                        file.unlink()
    trash = TRASH[0]
    trash.mkdir(exist_ok=True)
    path.rename(trash / f"{len(list(trash.iterdir()))}-{path.name}")


def steps_for(tool: str, python: Path, sides: Sides, work: Path, ops: list[str]) -> dict[str, Step]:
    """The operations of one tool for one repetition, in their order, in a fresh ``work``.

    The order per size is log, relog, fetch (of v1), then update (v2 edited in place into
    the tool's working copy, then logged); ``store_bytes`` is measured after update.
    """
    py = str(python)
    steps: dict[str, Step] = {}
    for op in ops:
        k = "big" if op.endswith("_big") else "small"
        verb = op.rsplit("_", 1)[0]
        home = work / k  # the working copy's folder (the repo, for DVC)
        fetched = work / f"fetched-{k}"

        def copy(k: str = k) -> Path:
            return sides.working_copy(work, k)

        def v2(k: str = k) -> Path:
            path = copy(k)
            sides.make_v2(path, k)
            return path

        step: Step | None = None
        if tool == "floor" and verb == "log":
            src = sides.source(k)
            steps["floor_hash_" + k] = lambda src=src: timed([py, "-c", FLOOR_HASH, str(src)])
            steps["floor_cas_" + k] = lambda src=src, k=k: timed(
                [py, "-c", FLOOR_CAS, str(src), str(work / f"cas-{k}")]
            )
            steps["floor_place_" + k] = lambda src=src, k=k: timed(
                [py, "-c", FLOOR_PLACE, str(src), str(work / f"place-{k}")]
            )
            steps["floor_cp_" + k] = lambda src=src, k=k: timed(
                ["cp", "-r", str(src), str(work / f"cp-{k}")]
            )
        elif tool == "ipyartifacts":
            store = work / f"store-{k}"
            if verb in ("log", "relog"):

                def step(copy=copy, store=store):
                    return timed([py, "-c", IPA_LOG, str(copy()), str(store)])
            elif verb == "update":

                def step(v2: Callable[[], Path] = v2, store: Path = store) -> dict[str, float]:
                    out = timed([py, "-c", IPA_LOG, str(v2()), str(store)])
                    out["store_bytes"] = du(store / "blobs")
                    return out

            elif verb == "fetch":

                def step(store=store, fetched=fetched):
                    return timed(
                        [
                            py,
                            "-m",
                            "ipyartifacts",
                            "--store",
                            str(store),
                            "get",
                            "bench/data:v0",
                            "--root",
                            str(fetched),
                        ]
                    )
            elif verb == "versions":

                def step(store=store):
                    return timed(
                        [py, "-m", "ipyartifacts", "--store", str(store), "versions", "bench/data"]
                    )
        elif tool == "wandb" and verb in ("log", "relog", "update"):
            out = work / f"wandb-{k}"
            get = v2 if verb == "update" else copy

            def step(get=get, out=out):
                return timed([py, "-c", WANDB_LOG, str(get()), str(out)])
        elif tool == "mlflow" and verb in ("log", "relog", "update"):
            out = work / f"mlflow-{k}"
            get = v2 if verb == "update" else copy

            def step(
                get: Callable[[], Path] = get, out: Path = out, first: bool = verb == "log"
            ) -> dict[str, float]:
                result = timed([py, "-c", MLFLOW_LOG, str(get()), str(out)])
                if first:
                    shutil.copyfile(out / "last-run", out / "first-run")
                return result

        elif tool == "mlflow" and verb == "fetch":
            out = work / f"mlflow-{k}"

            def step(out=out, fetched=fetched):
                return timed([py, "-c", MLFLOW_FETCH, str(out), str(fetched)])
        elif tool == "dvc" and verb in ("log", "relog", "update"):
            get = v2 if verb == "update" else copy

            def step(
                get: Callable[[], Path] = get, home: Path = home, verb: str = verb
            ) -> dict[str, float]:
                target = get()
                if not (home / ".dvc").exists():
                    subprocess.run(
                        [py, "-m", "dvc", "init", "--no-scm", "-q"], cwd=home, check=True
                    )
                out = timed([py, "-m", "dvc", "add", "-q", target.name], cwd=home)
                if verb == "update":
                    out["store_bytes"] = du(home / ".dvc" / "cache")
                return out

        elif tool == "dvc" and verb == "fetch":

            def step(copy: Callable[[], Path] = copy, home: Path = home) -> dict[str, float]:
                _clear(copy())  # checkout of v1 (what the .dvc file names) into an empty place
                return timed([py, "-m", "dvc", "checkout", "-q"], cwd=home)

        if step is not None:
            steps[op] = step
    return steps


def summarise(
    raw: dict[str, dict[str, list[dict[str, float]]]],
) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    for tool, ops in raw.items():
        for op, runs in ops.items():
            secs = [r["s"] for r in runs]
            cpu = [r.get("cpu_s", 0.0) for r in runs]
            entry = {"median_s": statistics.median(secs), "min_s": min(secs), "n": len(secs)}
            entry["median_cpu_s"] = statistics.median(cpu)
            durable = [r.get("durable_s", r["s"]) for r in runs]
            entry["median_durable_s"] = statistics.median(durable)
            entry["peak_rss_mb"] = max(r["rss_mb"] for r in runs)
            stored = [r["store_bytes"] for r in runs if "store_bytes" in r]
            if stored:
                entry["store_bytes"] = stored[-1]
            out.setdefault(tool, {})[op] = entry
    return out


FLOOR_OF = {
    "log_small": "floor_cas_small",
    "fetch_small": "floor_place_small",
    "log_big": "floor_hash_big",
    "fetch_big": "floor_cp_big",
}


def table(
    summary: dict[str, dict[str, dict[str, float]]],
    ops: list[str],
    tools: list[str],
    key: str = "median_s",
) -> str:
    """A markdown table of ``key`` (wall or CPU medians) with ratios to floor and peers."""
    peers = [t for t in tools if t not in ("floor", "ipyartifacts") and t in summary]
    head = ["operation", "ipyartifacts", "floor", "x floor"] + [
        f"{p} (x ipyartifacts)" for p in peers
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ours = summary.get("ipyartifacts", {})
    floor = summary.get("floor", {})
    for op in ops:
        mine = ours.get(op, {}).get(key)
        cells = [op, f"{mine:.3f} s" if mine else "-"]
        ref = floor.get(FLOOR_OF.get(op, ""), {}).get(key)
        cells += [f"{ref:.3f} s ({FLOOR_OF[op][6:]})" if ref else "-"]
        cells += [f"{mine / ref:.2f}x" if mine and ref else "-"]
        for peer in peers:
            theirs = summary[peer].get(op, {}).get(key)
            cells.append(f"{theirs:.3f} s ({theirs / mine:.1f}x)" if theirs and mine else "n/a")
        lines.append("| " + " | ".join(cells) + " |")
    for op, entry in sorted(floor.items()):
        lines.append(f"| {op} | | {entry[key]:.3f} s | | " + " | ".join("" for _ in peers) + "|")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 files and 64 MiB")
    parser.add_argument("--files", type=int, default=None)
    parser.add_argument("--mib", type=int, default=None, help="size of the big file")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--ops", default=",".join(SMALL_OPS + BIG_OPS))
    parser.add_argument("--label", default=None, help="name of the results file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    files = args.files or (1000 if args.quick else 10_000)
    mib = args.mib or (64 if args.quick else 1024)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    ops = [o.strip() for o in args.ops.split(",") if o.strip()]
    order = {op: i for i, op in enumerate(SMALL_OPS + BIG_OPS)}
    ops.sort(key=order.__getitem__)

    pythons: dict[str, Path] = {"ipyartifacts": Path(sys.executable), "floor": Path(sys.executable)}
    versions = {"python": platform.python_version()}
    for tool in tools:
        if tool in PEER_PACKAGES:
            python = venv_python(tool)
            if python is None:
                print(f"[bench] {tool}: cannot make its virtualenv; skipped", file=sys.stderr)
                continue
            pythons[tool] = python
            versions[tool] = version_of(python, tool)
    versions["ipyartifacts"] = version_of(Path(sys.executable), "ipyartifacts")
    tools = [t for t in tools if t in pythons]

    compile_ipyartifacts(_env())  # as its wheel install would: the peers are bytecode too
    base = Path(tempfile.mkdtemp(prefix="ipa-bench-", dir=os.environ.get("TMPDIR")))
    TRASH[:] = [base / "trash"]
    raw: dict[str, dict[str, list[dict[str, float]]]] = {}
    small_bytes = 0
    loads: list[float] = []
    failures: dict[str, str] = {}
    try:
        print(f"[bench] making datasets in {base} ...", file=sys.stderr)
        sides = Sides(base / "data", files, mib, args.seed)
        small_bytes = sum(p.stat().st_size for p in sides.small.rglob("*") if p.is_file())
        for rep in range(args.reps):
            for tool in tools:
                work = base / f"work-{tool}-{rep}"
                work.mkdir()
                for op, step in steps_for(tool, pythons[tool], sides, work, ops).items():
                    loads.append(os.getloadavg()[0])
                    try:
                        result = step()
                    except Exception as exc:  # a peer failing is a result, not a crash
                        failures[f"{tool}/{op}"] = str(exc)[-500:]
                        continue
                    if result is not None:
                        raw.setdefault(tool, {}).setdefault(op, []).append(result)
                        print(
                            f"[bench] rep {rep} {tool:12} {op:16} {result['s']:8.3f} s",
                            file=sys.stderr,
                        )
                _clear(work)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    summary = summarise(raw)
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}",
        "load_avg": {
            "min": min(loads, default=0),
            "median": statistics.median(loads or [0]),
            "max": max(loads, default=0),
        },
        "files": files,
        "small_bytes": small_bytes,
        "big_mib": mib,
        "reps": args.reps,
        "versions": versions,
        "summary": summary,
        "raw": raw,
        "failures": failures,
    }
    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    label = args.label or time.strftime("%Y%m%d-%H%M%S")
    (results / f"{label}.json").write_text(json.dumps(report, indent=1))
    print(f"load average {report['load_avg']}; versions {versions}")
    print("\nwall seconds, median of", args.reps)
    print(table(summary, list(ops), tools))
    print(
        "\nwall seconds until the output is on disk (the step + a sync after), median of", args.reps
    )
    print(table(summary, list(ops), tools, key="median_durable_s"))
    print("\nCPU seconds (user + sys), median of", args.reps)
    print(table(summary, list(ops), tools, key="median_cpu_s"))
    for tool, entries in summary.items():
        for op, entry in entries.items():
            if "store_bytes" in entry:
                print(f"stored after v1+v2 ({tool}, {op}): {entry['store_bytes'] / 2**20:.1f} MiB")
    if failures:
        print("failures:", json.dumps(failures, indent=1))


if __name__ == "__main__":
    main()
