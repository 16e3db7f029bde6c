"""What making one log durable costs: ``os.sync()`` vs ``syncfs`` vs ``fsync`` per file.

    PYTHONPATH=src python benchmarks/bench_sync.py --files 10000 --reps 3

Each repetition writes ``--files`` new blobs of 1-64 KiB through the LocalBlobStore,
then flushes them one way (the three ways interleaved, A B C A B C, each on its own
fresh blobs). Prints JSON: seconds per way per repetition, medians, the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from ipyartifacts.store import durable
from ipyartifacts.store.blobs import LocalBlobStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    rng = random.Random(1)
    out: dict[str, list[float]] = {"os.sync": [], "syncfs": [], "fsync per file": []}
    loads = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for rep in range(args.reps):
            for way in out:
                blobs = LocalBlobStore(Path(tmp) / f"{way}-{rep}" / "blobs")
                for _ in range(args.files):
                    blobs.put_bytes(os.urandom(rng.randint(1024, 65536)))
                loads.append(os.getloadavg()[0])
                start = time.perf_counter()
                if way == "os.sync":
                    os.sync()
                elif way == "syncfs":
                    blobs.sync()
                else:
                    keep = durable.syncfs_function
                    durable.syncfs_function = lambda: None  # type: ignore[assignment]
                    try:
                        blobs.sync()
                    finally:
                        durable.syncfs_function = keep
                out[way].append(time.perf_counter() - start)
    medians = {way: statistics.median(v) for way, v in out.items()}
    print(
        json.dumps(
            {"files": args.files, "load": loads, "seconds": out, "median": medians}, indent=1
        )
    )


if __name__ == "__main__":
    main()
