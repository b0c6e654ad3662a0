"""The ingest pipeline on real folders and real SQLite files: incremental, idempotent, bad input skipped,
and the knowledge base it builds from the bundled corpus answers as gold.json and the manifest say."""

from __future__ import annotations

import io
import json
import multiprocessing
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from conftest import check_knowledge_base
from synthetic import synthetic_article, write_corpus

from bot.config import BUNDLED_CORPUS
from db import schema
from db.ingest import pipeline
from db.ingest.pipeline import REMOVAL_GUARD, CorpusError, TooManyRemovals, run_ingest
from db.models import FileFailure, IngestReport
from db.store import Store, write_export

MAX = 2_000_000
FILES = sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt"))


def ingest(db: Path, corpus: Path, **kwargs: object) -> IngestReport:
    return run_ingest(db, corpus, max_file_bytes=MAX, aliases_path=corpus / "aliases.toml", **kwargs)  # type: ignore[arg-type]


def export(db: Path) -> dict:
    out = io.StringIO()
    write_export(db, out)
    return json.loads(out.getvalue())


def articles(db: Path) -> dict[str, tuple[int, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return {
            file: (id_, title) for file, id_, title in conn.execute("SELECT file, id, title FROM articles")
        }


# ---------------------------------------------------------------- incremental and idempotent


def test_bundled_corpus_then_a_second_run_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    first = ingest(db, BUNDLED_CORPUS)
    assert (first.added, first.updated, first.unchanged, first.removed, first.failed, first.warnings) == (
        FILES,
        [],
        [],
        [],
        [],
        [],
    )
    before = export(db)
    second = ingest(db, BUNDLED_CORPUS)
    assert (second.added, second.updated, second.unchanged, second.removed, second.failed) == (
        [],
        [],
        FILES,
        [],
        [],
    )
    assert second.warnings == []
    assert export(db) == before
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT added, unchanged, articles FROM ingest_log ORDER BY id").fetchall() == [
            (5, 0, 5),
            (0, 5, 5),
        ]
    check_knowledge_base(db)


def test_changed_rules_extract_or_derive_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "kb.db"
    ingest(db, BUNDLED_CORPUS)
    before = export(db)
    rebuilds: list[int] = []
    real_rebuild = pipeline.derive.rebuild
    monkeypatch.setattr(pipeline.derive, "rebuild", lambda *a: rebuilds.append(1) or real_rebuild(*a))
    processed: list[str] = []
    real_process = pipeline.process_file
    monkeypatch.setattr(
        pipeline, "process_file", lambda name, *a: processed.append(name) or real_process(name, *a)
    )

    monkeypatch.setattr(pipeline, "DERIVED_VERSION", "another derivation")
    report = ingest(db, BUNDLED_CORPUS)
    assert (report.unchanged, report.warnings, processed, rebuilds) == (FILES, [], [], [1])

    monkeypatch.setattr(pipeline, "PIPELINE_VERSION", "other extraction rules")
    report = ingest(db, BUNDLED_CORPUS)
    assert report.unchanged == FILES and report.added == report.updated == []
    assert report.warnings == ["the extraction rules changed: extracted 5 unchanged articles again"]
    assert (processed, rebuilds) == (FILES, [1, 1])
    assert ingest(db, BUNDLED_CORPUS).warnings == []
    assert export(db) == before


def test_the_derivation_leaves_the_schema_as_the_migrations_make_it(tmp_path: Path) -> None:
    """It writes the derived tables without their indexes and builds those afterwards."""
    schema_sql = (
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name"
    )
    with closing(schema.connect(tmp_path / "empty.db")) as conn:
        schema.migrate(conn, schema.KB_MIGRATIONS)
        expected = conn.execute(schema_sql).fetchall()
    ingest(tmp_path / "kb.db", BUNDLED_CORPUS)
    with closing(sqlite3.connect(tmp_path / "kb.db")) as conn:
        assert conn.execute(schema_sql).fetchall() == expected


def test_changed_added_and_removed_files(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    ingest(db, corpus_copy)
    ids = articles(db)
    changed, removed = FILES[2], FILES[1]
    text = (corpus_copy / changed).read_text(encoding="utf-8")
    text = text.replace("an unexpected partnership", "a long-rumoured partnership")
    (corpus_copy / changed).write_text(text, encoding="utf-8")
    (corpus_copy / removed).unlink()
    (corpus_copy / "zz_new.txt").write_text(synthetic_article(1), encoding="utf-8")
    (corpus_copy / "manifest.toml").write_text(
        (corpus_copy / "manifest.toml")
        .read_text(encoding="utf-8")
        .replace(f'file = "{removed}"', 'file = "x.txt"')
    )
    report = ingest(db, corpus_copy)
    assert report.added == ["zz_new.txt"]
    assert report.updated == [changed]
    assert report.removed == [removed]
    assert report.unchanged == [f for f in FILES if f not in (changed, removed)]
    assert report.failed == [FileFailure("x.txt", "listed in manifest.toml but there is no such file")]
    after = articles(db)
    assert set(after) == {*FILES, "zz_new.txt"} - {removed}
    assert after[changed][0] == ids[changed][0]  # an updated article keeps its id
    assert after["zz_new.txt"][0] > max(i for i, _ in ids.values())  # ids are never reused
    body = next(a["body"] for a in export(db)["articles"] if a["file"] == changed)
    assert "German camera maker Leica have announced a long-rumoured partnership." in body
    assert all(s["file"] != removed for q in export(db)["quotes"] for s in q["sources"])
    check_knowledge_base(db)


def test_a_changed_manifest_entry_counts_as_updated(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    ingest(db, corpus_copy)
    manifest = corpus_copy / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    old_title = "Huawei enlists Leica to boost its smartphone camera tech"
    manifest.write_text(text.replace(old_title, "A corrected headline"), encoding="utf-8")
    report = ingest(db, corpus_copy)
    assert report.updated == ["002_4f05b41f0b0afc55.txt"] and report.added == report.removed == []
    assert articles(db)["002_4f05b41f0b0afc55.txt"][1] == "A corrected headline"


def test_an_unchanged_manifest_is_not_parsed_again(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "kb.db"
    parsed: list[Path] = []
    real = pipeline.parse_manifest
    monkeypatch.setattr(
        pipeline, "parse_manifest", lambda path, digest: parsed.append(path) or real(path, digest)
    )
    manifest = corpus_copy / "manifest.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8") + '\n[[article]]\nfile = "gone.txt"\n', encoding="utf-8"
    )
    first = ingest(db, corpus_copy)
    second = ingest(db, corpus_copy)
    assert parsed == [manifest]  # the second run used the parse cached in the knowledge base
    missing = FileFailure("gone.txt", "listed in manifest.toml but there is no such file")
    assert first.failed == second.failed == [missing]
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("Tech Times", "TechTimes"), encoding="utf-8"
    )
    third = ingest(db, corpus_copy)
    assert parsed == [manifest, manifest]
    assert third.updated == ["001_114326c08f6a0ddf.txt"]


def test_a_first_load_of_many_files_with_a_manifest(tmp_path: Path) -> None:
    from benchmarks.generate import generate_article
    from benchmarks.generate import write_corpus as write_generated

    corpus, db = tmp_path / "corpus", tmp_path / "kb.db"
    count = pipeline.POOL_THRESHOLD + 12  # enough for the worker processes, which start before the scan
    write_generated(corpus, count, seed=5, workers=1)
    with (corpus / "manifest.toml").open("a", encoding="utf-8") as manifest:
        manifest.write('\n[[article]]\nfile = "gone.txt"\ntitle = "Not here"\n')
    report = ingest(db, corpus)
    assert len(report.added) == count
    assert report.failed == [FileFailure("gone.txt", "listed in manifest.toml but there is no such file")]
    first = generate_article(5, 0)
    assert articles(db)[first.file][1] == first.title
    with closing(sqlite3.connect(db)) as conn:
        (url,) = conn.execute("SELECT url FROM articles WHERE file = ?", (first.file,)).fetchone()
    assert url == first.url
    assert ingest(db, corpus).unchanged == sorted(report.added)  # the cached parse matches the files


def test_bad_files_are_reported_and_the_rest_loads(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00")
    (corpus_copy / "latin1.txt").write_bytes("Un caf\xe9 pour Arvenza".encode("latin-1"))
    (corpus_copy / "empty.txt").write_text("\n \n", encoding="utf-8")
    (corpus_copy / "huge.txt").write_text("word " * 1000, encoding="utf-8")
    shutil.copy(corpus_copy / FILES[0], corpus_copy / "zz_copy.txt")
    (corpus_copy / "manifest.toml").write_text(
        '[[article]]\nfile = "a.txt"\ntitle = "broken\n', encoding="utf-8"
    )
    report = run_ingest(tmp_path / "kb.db", corpus_copy, max_file_bytes=4_000, aliases_path=None)
    reasons = {f.file: f.reason for f in report.failed}
    assert reasons["binary.txt"] == "binary file (it contains NUL bytes), not text"
    assert reasons["latin1.txt"] == "not UTF-8 text (byte 0xe9 at offset 6)"
    assert reasons["empty.txt"] == "empty file (no text)"
    assert reasons["huge.txt"] == "too large: 5,000 bytes, over the limit of 4,000"
    assert reasons["zz_copy.txt"] == f"the same text as {FILES[0]}: a duplicate, skipped"
    assert "line 3" in reasons["manifest.toml"] and "without a manifest" in reasons["manifest.toml"]
    big = [f for f in FILES if (corpus_copy / f).stat().st_size > 4_000]
    assert sorted(report.added) == sorted(set(FILES) - set(big))
    assert {reasons[f] for f in big} == {
        f"too large: {(corpus_copy / f).stat().st_size:,} bytes, over the limit of 4,000" for f in big
    }
    # Without the manifest, titles come from the text.
    assert articles(tmp_path / "kb.db")[FILES[0]][1].startswith("Huawei & Leica Camera")


def test_a_new_file_with_the_text_of_a_kept_one_is_a_duplicate(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    shutil.copy(corpus_copy / FILES[0], corpus_copy / "zz_copy.txt")
    first = ingest(db, corpus_copy)
    assert first.added == FILES  # new files are read by the workers: the first by name is kept
    assert first.failed == [FileFailure("zz_copy.txt", f"the same text as {FILES[0]}: a duplicate, skipped")]
    shutil.copy(corpus_copy / FILES[3], corpus_copy / "000_copy.txt")
    second = ingest(db, corpus_copy)
    assert second.added == [] and second.unchanged == FILES  # the one loaded before is kept
    assert second.failed == [
        FileFailure("000_copy.txt", f"the same text as {FILES[3]}: a duplicate, skipped"),
        FileFailure("zz_copy.txt", f"the same text as {FILES[0]}: a duplicate, skipped"),
    ]
    assert set(articles(db)) == set(FILES)


def test_a_file_that_breaks_keeps_its_previous_version(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    ingest(db, corpus_copy)
    before = export(db)
    (corpus_copy / FILES[3]).write_bytes(b"\xff\xfe garbage \x00")
    report = ingest(db, corpus_copy)
    assert report.failed == [FileFailure(FILES[3], "binary file (it contains NUL bytes), not text")]
    assert report.warnings == [f"{FILES[3]}: kept the version loaded before"]
    assert report.removed == [] and report.updated == []
    assert export(db) == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b" \n\t\n", "empty file (no text)"),
        (b"x" * (MAX + 1), f"too large: {MAX + 1:,} bytes, over the limit of {MAX:,}"),
    ],
    ids=["empty", "too large"],
)
def test_a_file_that_fails_the_scan_keeps_its_previous_version_too(
    corpus_copy: Path, tmp_path: Path, content: bytes, reason: str
) -> None:
    db = tmp_path / "kb.db"
    ingest(db, corpus_copy)
    before = export(db)
    (corpus_copy / FILES[3]).write_bytes(content)
    report = ingest(db, corpus_copy)
    assert report.failed == [FileFailure(FILES[3], reason)]
    assert report.warnings == [f"{FILES[3]}: kept the version loaded before"]
    assert report.removed == [] and report.updated == [] and report.added == []
    assert export(db) == before


def test_aliases_file_changes_rebuild_the_names(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    ingest(db, corpus_copy)
    (corpus_copy / "aliases.toml").write_text(
        '[aliases]\n"Oliver Kaltner" = "Olli Kaltner"\n', encoding="utf-8"
    )
    report = ingest(db, corpus_copy)
    assert report.unchanged == FILES and report.added == report.updated == []
    speakers = {q["speaker"] for q in export(db)["quotes"]}
    assert "Olli Kaltner" in speakers and "Oliver Kaltner" not in speakers
    (corpus_copy / "aliases.toml").write_text("[aliases\n", encoding="utf-8")
    report = ingest(db, corpus_copy)
    assert [f.file for f in report.failed] == ["aliases.toml"]
    assert "Oliver Kaltner" in {q["speaker"] for q in export(db)["quotes"]}


def test_new_articles_are_written_in_batches_with_the_ids_autoincrement_gives(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(tmp_path / "generated", range(20))
    monkeypatch.setattr("db.schema.ARTICLE_BATCH", 1)
    ingest(tmp_path / "one_by_one.db", tmp_path / "generated")
    monkeypatch.setattr("db.schema.ARTICLE_BATCH", 7)
    ingest(tmp_path / "batched.db", tmp_path / "generated")
    assert export(tmp_path / "batched.db") == export(tmp_path / "one_by_one.db")
    check_knowledge_base(tmp_path / "batched.db")

    db = tmp_path / "kb.db"
    ingest(db, corpus_copy)
    assert sorted(id_ for id_, _ in articles(db).values()) == [1, 2, 3, 4, 5]
    (corpus_copy / FILES[-1]).unlink()  # the article with the highest id
    ingest(db, corpus_copy)
    (corpus_copy / "zz_new.txt").write_text(synthetic_article(1), encoding="utf-8")
    ingest(db, corpus_copy)
    assert articles(db)["zz_new.txt"][0] == 6  # never the id of a removed article


def test_many_files_go_through_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    count = pipeline.POOL_THRESHOLD + 12
    write_corpus(tmp_path / "corpus", range(count))
    calls: list[tuple[int, int, str]] = []
    pooled = ingest(tmp_path / "pooled.db", tmp_path / "corpus", progress=lambda *a: calls.append(a))
    assert len(pooled.added) == count
    assert [c[0] for c in calls] == list(range(1, count + 1)) and {c[1] for c in calls} == {count}
    assert calls[-1][2] == f"gen_{count - 1:05d}.txt"
    monkeypatch.setattr(pipeline, "POOL_THRESHOLD", 10**9)
    inline = ingest(tmp_path / "inline.db", tmp_path / "corpus")
    assert inline.added == pooled.added
    assert export(tmp_path / "pooled.db") == export(tmp_path / "inline.db")
    assert len(export(tmp_path / "pooled.db")["articles"]) == count
    check_knowledge_base(tmp_path / "pooled.db")


def test_a_broken_pool_leaves_the_rest_to_the_ingest_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    count = pipeline.POOL_THRESHOLD + 12
    write_corpus(tmp_path / "corpus", range(count))
    locate = pipeline.ParsedManifest.locate
    located = 0

    def kill_the_workers_at_the_fortieth_task(manifest: pipeline.ParsedManifest, name: str) -> object:
        nonlocal located
        located += 1
        # Two chunks are out, both workers are started and the first chunk is not done. (Killed before all
        # of them are started, Python 3.11 can start one after the pool is found broken, then wait for it
        # forever.)
        if located == 2 * pipeline._CHUNKSIZE + 8:
            for worker in multiprocessing.active_children():
                worker.kill()
        return locate(manifest, name)

    monkeypatch.setattr(pipeline, "_workers", lambda: 2)
    monkeypatch.setattr(pipeline.ParsedManifest, "locate", kill_the_workers_at_the_fortieth_task)
    broken = ingest(tmp_path / "broken.db", tmp_path / "corpus")
    assert "worker processes failed; processing the remaining files here" in caplog.messages
    monkeypatch.setattr(pipeline.ParsedManifest, "locate", locate)
    monkeypatch.setattr(pipeline, "POOL_THRESHOLD", 10**9)
    inline = ingest(tmp_path / "inline.db", tmp_path / "corpus")
    assert broken.added == inline.added and len(broken.added) == count and broken.failed == []
    assert export(tmp_path / "broken.db") == export(tmp_path / "inline.db")


def test_progress_counts_unchanged_files_too(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    ingest(db, BUNDLED_CORPUS)
    calls: list[tuple[int, int, str]] = []
    ingest(db, BUNDLED_CORPUS, progress=lambda *a: calls.append(a))
    assert calls == [(i + 1, 5, name) for i, name in enumerate(FILES)]


def test_removing_more_than_allowed_stops_before_writing(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    ingest(db, corpus_copy)
    before = export(db)
    for name in FILES[:3]:
        (corpus_copy / name).unlink()
    with pytest.raises(TooManyRemovals) as stopped:
        ingest(db, corpus_copy, max_removed_fraction=REMOVAL_GUARD)
    assert (stopped.value.removed, stopped.value.total) == (FILES[:3], 5)
    assert str(stopped.value) == (
        "this would remove 3 of the 5 articles loaded (files missing from the corpus folder); "
        "nothing was changed"
    )
    assert export(db) == before
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM ingest_log").fetchone() == (1,)
    (corpus_copy / FILES[0]).write_text(
        (BUNDLED_CORPUS / FILES[0]).read_text(encoding="utf-8"), encoding="utf-8"
    )
    # Two of five is within the guard; without the guard anything goes.
    assert ingest(db, corpus_copy, max_removed_fraction=REMOVAL_GUARD).removed == FILES[1:3]
    assert ingest(db, BUNDLED_CORPUS, max_removed_fraction=REMOVAL_GUARD).added == FILES[1:3]
    (corpus_copy / FILES[0]).unlink()
    assert ingest(db, corpus_copy).removed == FILES[:3]


# ---------------------------------------------------------------- fatal problems: one clear line


def test_missing_corpus_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"^corpus folder not found: .*nowhere$"):
        ingest(tmp_path / "kb.db", tmp_path / "nowhere")
    assert not (tmp_path / "kb.db").exists()


def test_corpus_path_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(CorpusError, match=r"^the corpus path is not a folder: "):
        ingest(tmp_path / "kb.db", tmp_path / "file")


def test_database_path_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"^the database path is not a file: "):
        ingest(tmp_path, BUNDLED_CORPUS)


def test_database_folder_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where a folder should be")
    with pytest.raises(CorpusError, match=r"^cannot create the folder for the database .*kb\.db: "):
        ingest(tmp_path / "blocker" / "sub" / "kb.db", BUNDLED_CORPUS)


def test_database_file_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    db.write_text("these are notes, not SQLite " * 100)
    with pytest.raises(CorpusError, match=r"kb\.db is not a Clippings database \(file is not a database\)$"):
        ingest(db, BUNDLED_CORPUS)
    assert db.read_text().startswith("these are notes")


def test_database_busy_with_another_ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "kb.db"
    ingest(db, BUNDLED_CORPUS)
    monkeypatch.setattr("db.schema.BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(CorpusError, match=r"is busy: another ingest is running$"):
            ingest(db, BUNDLED_CORPUS)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ingest(db, BUNDLED_CORPUS).unchanged == FILES


# ---------------------------------------------------------------- what the bundled corpus gives


async def test_leica_partnerships(store: Store) -> None:
    leica = await store.resolve("company", "leica")
    assert leica.match is not None
    for text in ("leica camera ag", "LEICA", "Leica", "Leica Camera"):
        assert await store.resolve("company", text) == leica, text
    deals = {p.partner: p for p in await store.partnerships(leica.match.id)}
    huawei = deals["Huawei"]
    assert huawei.ended == "2022-03-31" and huawei.status == "ended"
    assert huawei.started is not None and huawei.started.startswith("2016")
    assert "004_7c3b7d351971b1ca.txt" in {s.file for s in huawei.sources}
    xiaomi = deals["Xiaomi"]
    assert xiaomi.started == "2022-05-23" and xiaomi.ended is None
    assert [s.url for s in xiaomi.sources] == [
        "https://www.amateurphotographer.co.uk/latest/photo-news/leica-teams-up-with-xiaomi-in-new-smartphone"
        "-imaging-deal-166607"
    ]
    # "Lumix CM1" in one article and "Panasonic CM1" in another: one product, under its series' name.
    assert deals["Panasonic"].products == ("Lumix CM1",)


async def test_kaltner_quote_has_three_sources(store: Store) -> None:
    kaltner = await store.resolve("person", "kaltnr")
    assert kaltner.match is not None and kaltner.match.name == "Oliver Kaltner"
    [quote] = await store.quotes_by(kaltner.match.id)
    assert quote.text.startswith("The strategic alliance between HUAWEI and Leica Camera demonstrates")
    assert "push the envelope of the technologically possible" in quote.text
    assert (quote.role, quote.org) == ("CEO", "Leica Camera AG")
    assert [s.file for s in quote.sources] == [
        "000_01170216c2f9fcf6.txt",
        "001_114326c08f6a0ddf.txt",
        "003_ab580fe8e59a1744.txt",
    ]
    assert [q.id for q in await store.quotes_by(kaltner.match.id, "smartphones")] == [quote.id]
    assert await store.quotes_by(kaltner.match.id, "bicycle") == []


async def test_search_on_the_bundled_corpus(store: Store) -> None:
    hits = await store.search("Kaltner’s")
    assert {h.source.file for h in hits if h.kind == "article"} == {
        "000_01170216c2f9fcf6.txt",
        "001_114326c08f6a0ddf.txt",
        "003_ab580fe8e59a1744.txt",
    }
    quote = next(h for h in hits if h.kind == "quote")
    assert quote.speaker == "Oliver Kaltner"
    for text in ('"', "NEAR(leica", "AND OR NOT", "*", "-huawei", "((", "🙂", "ليكا", "x" * 6000):
        assert isinstance(await store.search(text), list)


async def test_article_card_of_the_bundled_corpus(store: Store) -> None:
    article_id, _ = await store.resolve_article("004_7c3b7d351971b1ca.txt")
    assert article_id is not None
    card = await store.article(article_id)
    assert card is not None
    assert card.source.title == "Leica teams up with Xiaomi in new smartphone imaging deal"
    assert (card.source.publisher, card.source.published) == ("Amateur Photographer", "2022-05-24")
    assert card.lead.startswith("Leica has teamed up with Xiaomi")
    assert {"Matthias Harsch", "Lei Jun"} <= set(card.people)
