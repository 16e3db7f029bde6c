"""Widget benchmarks: a 10M-row Parquet preview, bytes per page, lineage layout, bundle sizes.

``.venv/bin/python benchmarks/bench_widgets.py`` prints one JSON summary:

- ``preview``: a fresh process builds ``TablePreview(path)`` over a generated 10,000,000-row
  Parquet file (int64, float64, string, timestamp; 100k-row groups) and answers page requests
  through the widget's own message handler (``handle_request``, as the front end's custom
  messages are answered): the first page (cold: nothing read yet), the next page, a page
  near the end (offset 9,990,000), and one spanning two row groups. Each reports seconds
  and the Arrow IPC bytes sent. Peak memory is the process's maximum RSS (over its
  baseline after imports) and Arrow's memory pool maximum: they show the file is never
  loaded whole.
- ``peers``: in fresh processes too, the naive notebook way to look at the same file,
  ``pandas.read_parquet(path)`` then ``df.head(100)``, and ``pyarrow.parquet.read_table``.
- ``lineage_layout``: ``node benchmarks/bench_lineage_layout.mjs`` (dagre layout the
  LineageGraph front end runs, at 100 / 500 / 1000 nodes).
- ``bundles``: bytes and gzip bytes of every built front end in ``src/ipyartifacts/static``
  (minified by ``js/build.mjs``; sent with every widget instance).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "src" / "ipyartifacts" / "static"
JS = ROOT / "js"

PAGE_SIZE = 100  # the front end's PAGE_SIZE (js/lib/table_view.ts)


def make_parquet(path: Path, rows: int, group: int) -> None:
    """Write ``rows`` rows of typed columns, one ``group``-row row group at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    words = pa.array([f"customer-{i:05d}" for i in range(20_000)])
    start = np.datetime64("2024-01-01T00:00:00", "us")
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("score", pa.float64()),
            ("customer", pa.string()),
            ("note", pa.string()),
            ("at", pa.timestamp("us", tz="UTC")),
        ]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for first in range(0, rows, group):
            n = min(group, rows - first)
            ids = np.arange(first, first + n, dtype=np.int64)
            note = pc.binary_join_element_wise(
                "order ", pc.cast(pa.array(rng.integers(0, 10**9, n)), pa.string()), ""
            )
            table = pa.table(
                {
                    "id": ids,
                    "score": rng.normal(50, 15, n),
                    "customer": words.take(pa.array(rng.integers(0, len(words), n))),
                    "note": note,
                    "at": pa.array(start + ids * 1_000_000, pa.timestamp("us")).cast(
                        pa.timestamp("us", tz="UTC")
                    ),
                },
                schema=schema,
            )
            writer.write_table(table, row_group_size=group)


# Each measurement runs in its own process so its peak memory is its own. After the imports,
# writing 5 to /proc/self/clear_refs resets the kernel's peak RSS (VmHWM), so the peak below
# is the step's own high-water mark over what the process already held.
_MEMORY = r"""
def _status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024

def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status("VmRSS")

def memory(base, pa):
    return {
        "rss_before_mb": round(base, 1),
        "peak_rss_mb": round(_status("VmHWM"), 1),
        "peak_rss_over_baseline_mb": round(_status("VmHWM") - base, 1),
        "arrow_pool_peak_mb": round(pa.default_memory_pool().max_memory() / 2**20, 1),
    }
"""
_PREVIEW = r"""
import json, sys, time
t0 = time.perf_counter()
import pyarrow as pa
from ipyartifacts.widgets import TablePreview
imported = time.perf_counter() - t0
base = reset_peak()
path, rows, page = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def request(widget, offset, rid):
    start = time.perf_counter()
    response, buffers = widget.handle_request(
        {"type": "page", "id": rid, "offset": offset, "limit": page, "sort": [], "filter": []}
    )
    seconds = time.perf_counter() - start
    assert response["type"] == "page" and response["count"] == min(page, rows - offset), response
    got = pa.ipc.open_stream(buffers[0]).read_all()
    assert got.column("id")[0].as_py() == offset, got.column("id")[0]
    return {"offset": offset, "seconds": round(seconds, 4), "ipc_bytes": len(buffers[0])}

start = time.perf_counter()
widget = TablePreview(path)
construct = time.perf_counter() - start
first = request(widget, 0, 1)
out = {
    "import_seconds": round(imported, 3),
    "construct_seconds": round(construct, 4),
    "first_page": first,
    "first_page_total_seconds": round(construct + first["seconds"], 4),
    "next_page": request(widget, page, 2),
    "deep_page": request(widget, rows - 10_000, 3),
    "across_row_groups": request(widget, 100_000 - page // 2, 4),
    "deep_page_again": request(widget, rows - 10_000 + page, 5),
    **memory(base, pa),
    "arrow_allocated_now_mb": round(pa.total_allocated_bytes() / 2**20, 1),
}
print(json.dumps(out))
"""

_PANDAS = r"""
import json, sys, time
import pandas as pd, pyarrow as pa
base = reset_peak()
start = time.perf_counter()
df = pd.read_parquet(sys.argv[1])
head = df.head(100)
seconds = time.perf_counter() - start
assert len(df) == int(sys.argv[2]) and len(head) == 100
print(json.dumps({
    "seconds": round(seconds, 3),
    **memory(base, pa),
    "frame_mb": round(df.memory_usage(deep=True).sum() / 2**20, 1),
    "pandas": pd.__version__,
}))
"""

_ARROW = r"""
import json, sys, time
import pyarrow as pa, pyarrow.parquet as pq
base = reset_peak()
start = time.perf_counter()
table = pq.read_table(sys.argv[1])
seconds = time.perf_counter() - start
assert table.num_rows == int(sys.argv[2])
print(json.dumps({
    "seconds": round(seconds, 3),
    **memory(base, pa),
    "table_mb": round(table.nbytes / 2**20, 1),
    "pyarrow": pa.__version__,
}))
"""


def run_child(code: str, *args: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter and return the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY + code, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{out.stderr}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# Rebuilds each widget entry in memory with js/build.mjs's options and splits the output
# bytes by package (esbuild metafile): what of each bundle is ours, what is a library.
_BUNDLE_SPLIT = r"""
import { createRequire } from "node:module";
import { readdirSync } from "node:fs";
import { join } from "node:path";
const js = process.argv[1];
const { build } = createRequire(join(js, "package.json"))("esbuild");
const split = {};
for (const entry of readdirSync(js).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))) {
  const result = await build({
    entryPoints: [join(js, entry)], outdir: "out", bundle: true, format: "esm",
    target: "es2020", minify: true, legalComments: "none", metafile: true, write: false,
    logLevel: "error",
  });
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith(".js")) continue;
    const parts = { total: output.bytes };
    for (const [input, info] of Object.entries(output.inputs)) {
      const at = input.lastIndexOf("node_modules/");
      const rest = at < 0 ? [] : input.slice(at + 13).split("/");
      const name = at < 0 ? "own code" : rest[0].startsWith("@") ? rest.slice(0, 2).join("/") : rest[0];
      parts[name] = (parts[name] ?? 0) + info.bytesInOutput;
    }
    split[entry.replace(/\.ts$/, ".js")] = parts;
  }
}
console.log(JSON.stringify(split));
"""


def bundles() -> dict[str, object]:
    """Size of each built front-end file, raw (minified) and gzipped, and what is in it."""
    files = sorted(p for p in STATIC.iterdir() if p.suffix in {".js", ".css"})
    if not files:
        raise SystemExit(f"no bundles in {STATIC}: run `npm --prefix js run build`")
    sources = list(JS.glob("*.ts")) + [p for p in (JS / "lib").rglob("*") if p.is_file()]
    newest_source = max(p.stat().st_mtime for p in sources)
    stale = [p.name for p in files if p.stat().st_mtime < newest_source]
    sizes = {
        p.name: {"bytes": p.stat().st_size, "gzip_bytes": len(gzip.compress(p.read_bytes(), 6))}
        for p in files
    }
    out = subprocess.run(
        ["node", "--input-type=module", "-e", _BUNDLE_SPLIT, str(JS)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {"files": sizes, "stale": stale, "contents": json.loads(out.stdout)}


def lineage_layout(repeats: int) -> dict[str, object]:
    """Time the lineage layout in node (see bench_lineage_layout.mjs)."""
    script = Path(__file__).with_name("bench_lineage_layout.mjs")
    out = subprocess.run(
        ["node", str(script), "--repeats", str(repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--group", type=int, default=100_000, help="rows per row group")
    parser.add_argument("--repeats", type=int, default=5, help="timed layouts per graph")
    parser.add_argument("--build", action="store_true", help="run `npm run build` first")
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()

    if args.build:
        subprocess.run(["npm", "--prefix", str(JS), "run", "build"], check=True)
    summary: dict[str, object] = {
        "machine": {
            "arch": platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "bundles": bundles(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.parquet"
        start = time.perf_counter()
        make_parquet(path, args.rows, args.group)
        summary["parquet"] = {
            "rows": args.rows,
            "row_group_rows": args.group,
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "write_seconds": round(time.perf_counter() - start, 1),
        }
        count = str(args.rows)
        preview = run_child(_PREVIEW, str(path), count, str(PAGE_SIZE))
        summary["preview"] = preview
        if not args.skip_peers:
            peers = {
                "pandas.read_parquet + head(100)": run_child(_PANDAS, str(path), count),
                "pyarrow.parquet.read_table": run_child(_ARROW, str(path), count),
            }
            first = preview["first_page_total_seconds"]
            rss = preview["peak_rss_over_baseline_mb"]
            assert isinstance(first, float)
            assert isinstance(rss, float)
            for peer in peers.values():
                seconds, peak = peer["seconds"], peer["peak_rss_over_baseline_mb"]
                assert isinstance(seconds, float)
                assert isinstance(peak, float)
                peer["time_ratio_vs_first_page"] = round(seconds / first, 1)
                peer["rss_ratio_vs_preview"] = round(peak / max(rss, 1.0), 1)
            summary["peers"] = peers
    summary["lineage_layout"] = lineage_layout(args.repeats)
    summary["machine"]["load_average_after"] = [  # type: ignore[index]
        round(x, 2) for x in os.getloadavg()
    ]
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
