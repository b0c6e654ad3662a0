"""`make bench`: the ingest benchmark, then the query benchmark, with every figure and its target.

    python -m benchmarks [--quick] [--sizes 10000,100000] [--seed S] [--repeat N] [--invocations N]

The ingest benchmark runs at each size; the query benchmark then runs on the largest knowledge base
(the targets are stated for 100,000 articles). --quick (or CLIPPINGS_BENCH_QUICK=1) runs 10,000 articles
only; CLIPPINGS_BENCH_SIZES=10000,100000 sets the sizes. Corpora are generated once and cached under
benchmarks/out/; the databases are rebuilt on every run.
"""

from __future__ import annotations

import argparse
import os
import sys

from benchmarks import ingest_bench, load_bench, query_bench
from benchmarks.generate import DEFAULT_SEED

QUICK_SIZES = [10_000]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 articles only")
    parser.add_argument("--sizes", type=ingest_bench.parse_sizes, default=None, help="e.g. 10000,100000")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--repeat",
        type=ingest_bench.parse_repeat,
        default=ingest_bench.DEFAULT_REPEAT,
        help="ingest pairs per size below 100,000",
    )
    parser.add_argument("--invocations", type=int, default=query_bench.DEFAULT_INVOCATIONS)
    parser.add_argument("--skip-queries", action="store_true", help="the ingest benchmark only")
    args = parser.parse_args(argv)
    sizes: list[int] = args.sizes or (
        ingest_bench.parse_sizes(os.environ["CLIPPINGS_BENCH_SIZES"])
        if os.environ.get("CLIPPINGS_BENCH_SIZES")
        else QUICK_SIZES
        if args.quick or os.environ.get("CLIPPINGS_BENCH_QUICK", "") not in ("", "0")
        else list(ingest_bench.DEFAULT_SIZES)
    )
    results = [ingest_bench.run_size(size, args.seed, repeat=args.repeat) for size in sizes]
    print(ingest_bench.report(results, args.seed, args.repeat), flush=True)
    if not args.skip_queries:
        print(flush=True)
        print(query_bench.run_and_report(max(sizes), args.invocations, args.seed), flush=True)
        print(flush=True)
        print(load_bench.run_and_report(min(sizes), args.seed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
