"""The manifest through the whole ingest: entries read by the worker processes, and the manifest parse
cached in the knowledge base."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from synthetic import write_corpus

from db.ingest import pipeline
from db.ingest.pipeline import run_ingest
from db.models import IngestReport

MAX = 2_000_000


def ingest(db: Path, corpus: Path) -> IngestReport:
    return run_ingest(db, corpus, max_file_bytes=MAX, aliases_path=None)


def stored(db: Path) -> dict[str, tuple[str, str | None, str | None]]:
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT file, title, url, published FROM articles")
        return {file: (title, url, published) for file, title, url, published in rows}


def write_manifest(corpus: Path, count: int) -> None:
    # Listed in reverse order, one entry with CRLF line ends.
    blocks = [
        f'[[article]]\nfile = "gen_{i:05d}.txt"\ntitle = "Clipping {i}"\nurl = "https://example.org/{i}"\n'
        f'published = "2021-03-{i % 28 + 1:02d}"\n'
        for i in reversed(range(count))
    ]
    blocks[1] = blocks[1].replace("\n", "\r\n")
    (corpus / "manifest.toml").write_bytes("\n".join(blocks).encode())


def test_the_workers_read_the_manifest_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    count = pipeline.POOL_THRESHOLD + 4
    corpus = tmp_path / "corpus"
    write_corpus(corpus, range(count))
    write_manifest(corpus, count)
    pooled = ingest(tmp_path / "pooled.db", corpus)
    assert len(pooled.added) == count and pooled.failed == pooled.warnings == []
    values = stored(tmp_path / "pooled.db")
    for i in range(count):
        expected = (f"Clipping {i}", f"https://example.org/{i}", f"2021-03-{i % 28 + 1:02d}")
        assert values[f"gen_{i:05d}.txt"] == expected
    monkeypatch.setattr(pipeline, "POOL_THRESHOLD", 10**9)
    ingest(tmp_path / "inline.db", corpus)
    assert stored(tmp_path / "inline.db") == values
    assert ingest(tmp_path / "pooled.db", corpus).unchanged == pooled.added


def test_the_cached_manifest_is_read_from_another_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "a" / "corpus"
    write_corpus(corpus, range(3))
    write_manifest(corpus, 3)
    db = tmp_path / "kb.db"
    monkeypatch.chdir(tmp_path / "a")
    ingest(db, Path("corpus"))
    (corpus / "gen_00001.txt").write_text("Clipping one, rewritten\n\nA new text for it.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = ingest(db, Path("a/corpus"))  # the same manifest: its parse comes from the knowledge base
    assert report.updated == ["gen_00001.txt"]
    assert stored(db)["gen_00001.txt"] == ("Clipping 1", "https://example.org/1", "2021-03-02")
