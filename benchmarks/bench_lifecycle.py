"""Table diffs, manifest diffs, file paging and gc: time and peak memory.

Run with a Python that has ipyartifacts installed::

    python benchmarks/bench_lifecycle.py --rows 2000000 --blobs 20000

Every measurement runs in a fresh subprocess with its own temporary store, so peak
memory is the step's own. Table-diff peaks are tracemalloc (numpy, Python) plus the
Arrow memory pool, compared with the in-memory size of one input table.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from _bytecode import compile_ipyartifacts

TABLE_DIFF = """
import json, sys, time, tracemalloc
from pathlib import Path
import numpy as np, pandas, pyarrow as pa, pyarrow.compute, pyarrow.csv, pyarrow.parquet as pq
import ipyartifacts as wandb

rows, budget, key, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] or None, Path(sys.argv[4])
if not (work / "o").exists():
    rng = np.random.default_rng(0)
    ids = np.arange(rows)
    names = pa.array([f"user-{i}" for i in ids])
    old = pa.table({"id": ids, "name": names, "score": rng.random(rows)})
    score = old["score"].to_numpy().copy()
    score[::100] += 1  # 1% of kept rows change; 50 rows go, 50 new ones come
    kept = slice(50, None)
    new = pa.table({
        "id": np.concatenate([ids[kept], np.arange(rows, rows + 50)]),
        "name": pa.concat_arrays([names[kept], pa.array([f"new-{i}" for i in range(50)])]),
        "score": np.concatenate([score[kept], np.zeros(50)]),
    })
    for sub, table in (("o", old), ("n", new)):
        (work / sub).mkdir(parents=True)
        pq.write_table(table, work / sub / "t.parquet", row_group_size=100_000)
    print(json.dumps({"table_mb": round(old.nbytes / 2**20, 1)}), file=sys.stderr)
    for sub in ("o", "n"):
        art = wandb.Artifact("t", "dataset")
        art.add_dir(work / sub)
        with wandb.init(project="bench") as run:
            run.log_artifact(art)
    sys.exit(0)
api = wandb.Api()
a, b = api.artifact("bench/t:v0"), api.artifact("bench/t:v1")
a.manifest, b.manifest
tracemalloc.start()
started = time.perf_counter()
t = api.diff(a, b, key=key, memory_budget=budget).table("t.parquet")
elapsed = time.perf_counter() - started
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"seconds": round(elapsed, 2), "peak_mb": round((peak + pa.default_memory_pool().max_memory()) / 2**20, 1),
                  "partitions": t.partitions, "added": t.rows_added, "removed": t.rows_removed,
                  "changed": t.rows_changed}))
"""

GC = """
import json, os, sys, time
import ipyartifacts as wandb
from ipyartifacts.core.client import get_client
from ipyartifacts.store.manifest import ManifestEntry

blobs = int(sys.argv[1])
client = get_client()
digests = [client.blobs.put_bytes(os.urandom(256)) for _ in range(blobs)]
per = 500
with wandb.init(project="bench") as run:
    for v in range(blobs // per):
        entries = [ManifestEntry(f"f{i}", digests[v * per + i], 256) for i in range(per)]
        client.commit(project="bench", name="ds", type="dataset", entries=entries,
                      description=None, metadata={}, run_id=run.id, aliases=[], tags=[])
api = wandb.Api()
for v in range(0, blobs // per, 2):
    api.artifact(f"bench/ds:v{v}").delete()
started = time.perf_counter(); report = wandb.gc(grace=0); first = time.perf_counter() - started
started = time.perf_counter(); again = wandb.gc(grace=0); second = time.perf_counter() - started
print(json.dumps({"blobs": blobs, "removed": report.blobs_removed, "gc_seconds": round(first, 2),
                  "nothing_to_do_seconds": round(second, 2)}))
"""

MANIFESTS = """
import json, sys, time
import ipyartifacts as wandb
from ipyartifacts.core.client import get_client
from ipyartifacts.store.manifest import ManifestEntry

n = int(sys.argv[1])
client = get_client()
one, two = client.blobs.put_bytes(b"1"), client.blobs.put_bytes(b"22")
with wandb.init(project="bench") as run:
    for entries in ([ManifestEntry(f"f/{i:07}", one, 1) for i in range(n)],
                    [ManifestEntry(f"f/{i:07}", two if i % 10 == 0 else one, 1) for i in range(n)]):
        client.commit(project="bench", name="wide", type="dataset", entries=entries,
                      description=None, metadata={}, run_id=run.id, aliases=[], tags=[])
api = wandb.Api()
started = time.perf_counter(); d = api.diff("bench/wide:v0", "bench/wide:v1"); diff_s = time.perf_counter() - started
client._manifests.clear()
art = api.artifact("bench/wide:v1")
started = time.perf_counter(); files = art.files(per_page=1000); files.page(0); page_s = time.perf_counter() - started
print(json.dumps({"files": n, "diff_seconds": round(diff_s, 2), "modified": len(d.modified),
                  "first_page_seconds": round(page_s, 2)}))
"""


def run(code: str, *args: str, store: Path) -> dict[str, object]:
    env = {"IPYARTIFACTS_STORE": str(store), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else json.loads(out.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--blobs", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    compile_ipyartifacts()
    results: dict[str, object] = {"python": platform.python_version(), "machine": platform.node()}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        store, work = base / "store", base / "work"
        results["table"] = run(TABLE_DIFF, str(args.rows), "0", "", str(work), store=store)
        for key in ("id", ""):
            for budget in (256 * 2**20, 16 * 2**20):
                label = f"table_diff key={key or None} budget={budget >> 20}MB"
                results[label] = run(
                    TABLE_DIFF, str(args.rows), str(budget), key, str(work), store=store
                )
        results["gc"] = run(GC, str(args.blobs), store=base / "gc-store")
        results["manifests"] = run(MANIFESTS, str(args.files), store=base / "m-store")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
