"""Building artifacts: add_dir filters, tables, and S3 references, timed on this machine.

    python benchmarks/bench_building.py [--files 10000] [--rows 1000000] [--objects 1000]

Reported (seconds, best of ``--repeat``):

- ``walk`` (os.walk of the tree) vs ``select`` (our walk with include/exclude globs and
  an ``.artifactignore``): what filtering costs per file.
- ``table add`` / ``table get`` of a ``rows`` x 4 table (Parquet, zstd), and its size.
- ``s3 add_reference`` of a prefix of ``objects`` objects on a local moto server
  (listing), and ``download`` of them (GET + ETag/size/MD5 checks per object).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def make_tree(root: Path, files: int) -> None:
    for i in range(files):
        folder = root / f"d{i % 100:02d}" / ("logs" if i % 10 == 0 else "data")
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".log" if i % 10 == 0 else (".csv" if i % 2 else ".json")
        (folder / f"f{i}{suffix}").write_bytes(b"x" * 64)
    (root / ".artifactignore").write_text("*.log\n!keep.log\n")


def bench_filters(tmp: Path, files: int, repeat: int) -> None:
    from ipyartifacts.core.filters import select_files

    root = tmp / "tree"
    make_tree(root, files)

    def walk() -> int:
        return sum(len(names) for _d, _s, names in os.walk(root))

    n_all = walk()
    chosen = select_files(root, include=["*.csv", "*.json"], exclude="d00/")
    t_walk = best(walk, repeat)
    t_select = best(lambda: select_files(root, include=["*.csv", "*.json"], exclude="d00/"), repeat)
    print(f"files={n_all} selected={len(chosen)}")
    print(f"walk   {t_walk:.3f}s")
    print(
        f"select {t_select:.3f}s  ({(t_select - t_walk) / n_all * 1e6:.1f} us/file over the walk)"
    )


def bench_tables(rows: int, repeat: int) -> None:
    import pyarrow as pa

    import ipyartifacts as wandb

    table = pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "x": pa.array([i * 0.5 for i in range(rows)]),
            "label": pa.array([f"label-{i % 1000}" for i in range(rows)]),
            "flag": pa.array([i % 3 == 0 for i in range(rows)]),
        }
    )
    art = wandb.Artifact("bench-table", "dataset")
    t_add = best(lambda: art.add(table, "t", overwrite=True), repeat)
    run = wandb.init(project="bench")
    logged = run.log_artifact(art)
    t_get = best(lambda: logged.get("t"), repeat)
    size = logged.manifest["t.parquet"].size
    print(f"table rows={rows} arrow={table.nbytes / 1e6:.1f}MB parquet={size / 1e6:.1f}MB")
    print(f"table add {t_add:.3f}s  get {t_get:.3f}s")
    run.finish()


def bench_s3(tmp: Path, objects: int) -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    import ipyartifacts as wandb

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_REGION="us-east-1",
        )
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        client.create_bucket(Bucket="bench-bucket")
        for i in range(objects):
            client.put_object(Bucket="bench-bucket", Key=f"p/{i:06d}.bin", Body=b"y" * 1024)
        run = wandb.init(project="bench")
        art = wandb.Artifact("bench-refs", "dataset")
        started = time.perf_counter()
        art.add_reference("s3://bench-bucket/p", name="p")
        t_add = time.perf_counter() - started
        logged = run.log_artifact(art)
        started = time.perf_counter()
        logged.download(tmp / "refs")
        t_get = time.perf_counter() - started
        started = time.perf_counter()
        logged.download(tmp / "refs")
        t_again = time.perf_counter() - started
        print(
            f"s3 objects={objects} add_reference {t_add:.3f}s  download {t_get:.3f}s  "
            f"re-download (MD5 ETags match, nothing fetched) {t_again:.3f}s"
        )
        run.finish()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--objects", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["IPYARTIFACTS_STORE"] = str(tmp / "store")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
        bench_filters(tmp, args.files, args.repeat)
        bench_tables(args.rows, args.repeat)
        bench_s3(tmp, args.objects)


if __name__ == "__main__":
    main()
