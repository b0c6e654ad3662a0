"""Benchmarks behind `make bench`: a synthetic corpus generator, the ingest and the query benchmarks.

Generated corpora and databases live under benchmarks/out/ (gitignored) and are reused between runs.
"""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
PROJECT_ROOT = BENCH_DIR.parent
