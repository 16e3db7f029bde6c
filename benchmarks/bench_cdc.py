"""Throughput of the FastCDC candidates on PyPI, beside BLAKE3, on one buffer.

Run in a virtualenv holding the candidates (the harness never makes them project
dependencies; only the chosen one is)::

    python -m venv /tmp/cdc && /tmp/cdc/bin/pip install pyfastcdc fastcdc pith-cdc blake3
    /tmp/cdc/bin/python benchmarks/bench_cdc.py --mib 1024 --reps 3

Each candidate cuts the same seeded random buffer with a 1 MiB average chunk
(256 KiB min, 4 MiB max); the order is interleaved (A B C A B C) so a loaded machine
slows them alike. Prints JSON: per tool the GiB/s of every repetition, their median,
and the chunk count (a sanity check that the parameters took).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

AVG, MIN, MAX = 1 << 20, 1 << 18, 1 << 22


def _pyfastcdc(buf: memoryview) -> int:
    from pyfastcdc import FastCDC

    return sum(1 for _ in FastCDC(AVG, min_size=MIN, max_size=MAX).cut_buf(buf))


def _fastcdc(buf: memoryview) -> int:
    import fastcdc

    return sum(1 for _ in fastcdc.fastcdc(buf, MIN, AVG, MAX, fat=False))


def _pith(buf: memoryview) -> int:
    import pith_cdc

    return len(pith_cdc.chunk(bytes(buf) if not isinstance(buf, bytes) else buf, MIN, AVG, MAX))


def _blake3(buf: memoryview) -> int:
    import blake3

    blake3.blake3(buf).hexdigest()
    return 0


def _blake3_mt(buf: memoryview) -> int:
    import blake3

    blake3.blake3(buf, max_threads=blake3.blake3.AUTO).hexdigest()
    return 0


TOOLS: dict[str, Callable[[memoryview], int]] = {
    "pyfastcdc": _pyfastcdc,
    "fastcdc": _fastcdc,
    "pith-cdc": _pith,
    "blake3 (1 thread)": _blake3,
    "blake3 (all cores)": _blake3_mt,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    import blake3

    data = blake3.blake3(b"seed 7").digest(length=args.mib << 20)  # seeded, incompressible
    results: dict[str, dict[str, object]] = {}
    for _ in range(args.reps):
        for name, fn in TOOLS.items():
            entry = results.setdefault(name, {"gib_s": [], "chunks": 0})
            try:
                start = time.perf_counter()
                entry["chunks"] = fn(data)  # type: ignore[arg-type]
                seconds = time.perf_counter() - start
            except ImportError as exc:
                entry["error"] = str(exc)
                continue
            entry["gib_s"].append(round(args.mib / 1024 / seconds, 3))  # type: ignore[union-attr]
    for entry in results.values():
        if entry["gib_s"]:
            entry["median_gib_s"] = statistics.median(entry["gib_s"])  # type: ignore[arg-type]
    print(json.dumps({"mib": args.mib, "load": os.getloadavg(), "tools": results}, indent=1))


if __name__ == "__main__":
    main()
