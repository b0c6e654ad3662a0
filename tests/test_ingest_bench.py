"""The ingest benchmark's report (benchmarks/ingest_bench.py): the median of several pairs, all listed."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.ingest_bench import Measurement, SizeResult, parse_repeat, repeats, report


def _run(seconds: float, articles: int = 10_000) -> Measurement:
    detail = {"self_cpu_s": seconds / 2, "pipeline_version": "v"}
    return Measurement(articles, seconds, 100.0, 100.0, 150.0, 120.0, 4, seconds * 1.5, 0.0, detail)


def test_the_median_pair_stands_for_the_size_and_every_pair_is_listed() -> None:
    bare = _run(5.0)
    pairs = [(bare, _run(5.0 / ratio)) for ratio in (0.30, 0.36, 0.34)]
    result = SizeResult(10_000, pairs, _run(0.5), 160.0)
    assert [round(r, 2) for r in result.ratios] == [0.30, 0.36, 0.34]
    assert result.full is result.pairs[2][1] and round(result.ratio, 2) == 0.34
    text = report([result], seed=1, repeat=3)
    assert "full/bare of each pair at 10,000, in order: 0.30, 0.36, 0.34" in text
    assert "full/bare rate at 10,000: 0.34 (the median pair) (target >= 0.33): met" in text
    assert "--repeat 3" in text and "10,000: 3 pairs" in text


def test_an_even_number_of_pairs_takes_the_lower_middle_one() -> None:
    bare = _run(5.0)
    result = SizeResult(10_000, [(bare, _run(5.0 / 0.31)), (bare, _run(5.0 / 0.35))], _run(0.5), 160.0)
    assert round(result.ratio, 2) == 0.31
    assert "0.31 (the median pair) (target >= 0.33): MISSED" in report([result], seed=1, repeat=2)


def test_large_sizes_run_one_pair() -> None:
    assert repeats(10_000, 3) == 3 and repeats(100_000, 3) == 1


def test_the_number_of_pairs_is_at_least_one() -> None:
    assert parse_repeat("5") == 5
    for bad in ("0", "-1", "x", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_repeat(bad)
