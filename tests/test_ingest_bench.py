"""The ingest benchmark's report (benchmarks/ingest_bench.py): the median of several pairs, all listed."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from benchmarks.ingest_bench import Measurement, SizeResult, bare_insert, parse_repeat, repeats, report
from db import schema


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


def test_the_bare_insert_writes_every_article_in_batches_into_its_fts_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    count = schema.ARTICLE_BATCH * 2 + 3  # two full statements and a short one
    for i in range(count):
        (corpus / f"{i:03d}.txt").write_text(f"Headline {i}\n\nBody of article {i} about zeppelins.\n")
    statements: list[str] = []
    db = tmp_path / "bare.db"
    real_connect = sqlite3.connect

    def traced(path: Path, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(path, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced)
    assert bare_insert(corpus, db) == count
    monkeypatch.undo()
    # (the trace repeats a statement at each run of its trigger: count distinct texts)
    assert len({s for s in statements if s.startswith("INSERT INTO articles ")}) == 3
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT title, body FROM articles WHERE id = 5").fetchone() == (
            "Headline 4",
            "Body of article 4 about zeppelins.",
        )
        (found,) = conn.execute(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'zeppelins'"
        ).fetchone()
    assert found == count
