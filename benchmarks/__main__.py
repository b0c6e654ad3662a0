"""`make bench`: the ingest benchmark, then the query benchmark, with every figure and its target.

    python -m benchmarks [--quick] [--sizes 10000,100000] [--seed S]

--quick (or CLIPPINGS_BENCH_QUICK=1) runs the 10,000-article size only; CLIPPINGS_BENCH_SIZES=10000,100000
sets the sizes. Corpora are generated once and cached under benchmarks/out/.
"""

from __future__ import annotations

import argparse
import os
import sys

from benchmarks import ingest_bench
from benchmarks.generate import DEFAULT_SEED

QUICK_SIZES = [10_000]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 articles only")
    parser.add_argument("--sizes", type=ingest_bench.parse_sizes, default=None, help="e.g. 10000,100000")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    sizes: list[int] = args.sizes or (
        ingest_bench.parse_sizes(os.environ["CLIPPINGS_BENCH_SIZES"])
        if os.environ.get("CLIPPINGS_BENCH_SIZES")
        else QUICK_SIZES
        if args.quick or os.environ.get("CLIPPINGS_BENCH_QUICK", "") not in ("", "0")
        else list(ingest_bench.DEFAULT_SIZES)
    )
    results = [ingest_bench.run_size(size, args.seed) for size in sizes]
    print(ingest_bench.report(results, args.seed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
