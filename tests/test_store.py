"""Schema, migrations, derived tables and every Store query, on a knowledge base built from hand-made
extractions with invented names (so these tests do not depend on the extraction rules)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
from conftest import check_knowledge_base

from db import schema
from db.ingest import derive
from db.ingest.rows import article_rows, json_names
from db.models import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    CleanArticle,
    EntityRef,
    EventFact,
    Extraction,
    MentionFact,
    OrgQuoteFact,
    PartnershipFact,
    QuoteFact,
    Resolution,
    RoleFact,
)
from db.store import HEAVY_READERS, KnowledgeWriter, Store, fts_query

# ---------------------------------------------------------------- migrations


def test_fresh_databases_are_at_the_latest_version(tmp_path: Path) -> None:
    conn = schema.connect(tmp_path / "kb.db")
    assert schema.migrate(conn, schema.KB_MIGRATIONS) == len(schema.KB_MIGRATIONS)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(schema.KB_MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == schema.BUSY_TIMEOUT_MS
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "articles",
        "articles_fts",
        "quotes",
        "quotes_fts",
        "quote_sources",
        "entities",
        "aliases",
        "mentions",
        "partnerships",
        "partnership_sources",
        "partnership_products",
        "events",
        "event_sources",
        "roles",
        "org_quotes",
        "ingest_log",
    } <= tables
    user = schema.connect(tmp_path / "members.db")
    assert schema.migrate(user, schema.USER_MIGRATIONS) == len(schema.USER_MIGRATIONS)
    assert {r[0] for r in user.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
        "meta",
        "guild_settings",
    }


def test_only_new_migrations_run(tmp_path: Path) -> None:
    conn = schema.connect(tmp_path / "kb.db")
    schema.migrate(conn, schema.KB_MIGRATIONS)
    conn.execute("INSERT INTO meta (key, value) VALUES ('kept', 'yes')")
    later = [*schema.KB_MIGRATIONS, "CREATE TABLE extra (x INTEGER);\nINSERT INTO extra VALUES (7);"]
    assert schema.migrate(conn, later) == len(later)
    assert schema.migrate(conn, later) == len(later)  # a second run does nothing
    assert conn.execute("SELECT x FROM extra").fetchall() == [(7,)]
    assert conn.execute("SELECT value FROM meta WHERE key = 'kept'").fetchone() == ("yes",)


def test_failed_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = schema.connect(tmp_path / "kb.db")
    schema.migrate(conn, schema.KB_MIGRATIONS)
    broken = [*schema.KB_MIGRATIONS, "CREATE TABLE half (x);\nTHIS IS NOT SQL;"]
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(conn, broken)
    assert schema.version(conn) == len(schema.KB_MIGRATIONS)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchall() == []


def test_v6_rewrites_the_check_constraints_and_keeps_rows_and_indexes(tmp_path: Path) -> None:
    conn = schema.connect(tmp_path / "kb.db")
    schema.migrate(conn, schema.KB_MIGRATIONS[:5])
    conn.execute("INSERT INTO entities (id, kind, name, mentions) VALUES (3, 'company', 'Arvenza', 2)")
    conn.execute("INSERT INTO entities (id, kind, name, mentions) VALUES (4, 'company', 'Belmoro', 1)")
    conn.execute("INSERT INTO partnerships VALUES (7, 3, 4, '2016', NULL, 'active')")
    conn.execute("INSERT INTO events VALUES (9, '2016-04', 'month', 'Arvenza opened a lab')")
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = conn.execute(indexes).fetchall()
    schema.migrate(conn, schema.KB_MIGRATIONS)
    assert conn.execute("SELECT * FROM entities ORDER BY id").fetchall() == [
        (3, "company", "Arvenza", 2),
        (4, "company", "Belmoro", 1),
    ]
    assert conn.execute("SELECT * FROM partnerships").fetchall() == [(7, 3, 4, "2016", None, "active")]
    assert conn.execute("SELECT * FROM events").fetchall() == [
        (9, "2016-04", "month", "Arvenza opened a lab")
    ]
    assert conn.execute(indexes).fetchall() == before
    for bad in (
        "INSERT INTO entities (kind, name) VALUES ('place', 'Oslo')",
        "INSERT INTO partnerships (company_a, company_b, status) VALUES (3, 5, 'maybe')",
        "INSERT INTO partnerships (company_a, company_b, status) VALUES (4, 3, 'active')",
        "INSERT INTO events (date, precision, what) VALUES ('2016', 'week', 'x')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(bad)


def test_database_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    conn = schema.connect(tmp_path / "kb.db")
    conn.execute(f"PRAGMA user_version = {len(schema.KB_MIGRATIONS) + 1}")
    with pytest.raises(schema.SchemaError, match="newer than this program knows"):
        schema.migrate(conn, schema.KB_MIGRATIONS)


def test_fts_tokenizer_finds_possessives_and_folds_accents(tmp_path: Path) -> None:
    conn = schema.connect(tmp_path / "kb.db")
    conn.execute(f'CREATE VIRTUAL TABLE t USING fts5(x, tokenize="{schema.FTS_TOKENIZE}")')
    conn.executemany(
        "INSERT INTO t VALUES (?)", [("Brennholt's plan",), ("Brennholt’s view",), ("Zoë Müller",)]
    )
    assert conn.execute("SELECT COUNT(*) FROM t WHERE t MATCH ?", (fts_query("brennholt"),)).fetchone() == (
        2,
    )
    assert conn.execute("SELECT COUNT(*) FROM t WHERE t MATCH ?", (fts_query("muller zoe"),)).fetchone() == (
        1,
    )


# ---------------------------------------------------------------- a hand-built knowledge base


def _article(file: str, title: str, published: str, *paragraphs: str) -> CleanArticle:
    return CleanArticle(
        file=file,
        title=title,
        paragraphs=paragraphs,
        published=published,
        url=f"https://example.org/{file}",
        publisher="Example Wire",
        author="Ines Morlan",
    )


PROUD = "We are proud to build the next generation of sensors with Belmoro, and to ship them worldwide."

ARTICLES: list[tuple[CleanArticle, Extraction]] = [
    (
        _article(
            "a.txt",
            "Arvenza and Belmoro Systems team up on sensors",
            "2019-06-03",
            "Arvenza and Belmoro Systems AG announced a partnership in 2019 to build the Kestrel X1.",
            f'"{PROUD}" said Tilda Brennholt, CEO of Arvenza.',
        ),
        Extraction(
            quotes=(QuoteFact("Tilda Brennholt", PROUD, 1, "CEO", "Arvenza"),),
            roles=(RoleFact("Tilda Brennholt", "CEO", "Arvenza", 1),),
            mentions=(
                MentionFact("Arvenza", "company", 0),
                MentionFact("Belmoro Systems AG", "company", 0),
                MentionFact("Tilda Brennholt", "person", 1),
            ),
            partnerships=(
                PartnershipFact(
                    ("Arvenza", "Belmoro Systems AG"), 0, started="2019", products=("Kestrel X1",)
                ),
            ),
            events=(
                EventFact(
                    "2019-06-03",
                    "Arvenza and Belmoro Systems announce a partnership",
                    0,
                    ("Arvenza", "Belmoro Systems AG"),
                ),
            ),
        ),
    ),
    (
        _article(
            "b.txt",
            "ARVENZA picks Belmoro",
            "2019-06-04",
            "ARVENZA and Belmoro started working together on 3 June 2019.",
            "Brennholt said they want to build the next generation of sensors with Belmoro.",
            "Belmoro said in a statement: 'Belmoro is delighted to work with a partner this ambitious.'",
        ),
        Extraction(
            quotes=(QuoteFact("Brennholt", "build the next generation of sensors with Belmoro", 1),),
            org_quotes=(
                OrgQuoteFact(("Belmoro",), "Belmoro is delighted to work with a partner this ambitious.", 2),
            ),
            mentions=(MentionFact("ARVENZA", "company", 0), MentionFact("Belmoro", "company", 0)),
            partnerships=(PartnershipFact(("ARVENZA", "Belmoro"), 0, started="2019-06-03", status="active"),),
        ),
    ),
    (
        _article(
            "c.txt",
            "Belmoro ends Arvenza deal, turns to Corvane Labs",
            "2023-02-10",
            "Belmoro Systems said its deal with Arvenza ended on 31 January 2023 after the Kestrel X2.",
            "'It was a good run,' said Tilda Brennholt, former CEO of Arvenza.",
            "Jonas Quell, CEO of Belmoro Systems, said: 'Corvane Labs brings the optics we need.'",
            "Ada Quell, an analyst, said Corvane and Arvenza compete for the same customers.",
        ),
        Extraction(
            quotes=(
                QuoteFact("Tilda Brennholt", "It was a good run,", 1, "former CEO", "Arvenza"),
                QuoteFact(
                    "Jonas Quell", "Corvane Labs brings the optics we need.", 2, "CEO", "Belmoro Systems"
                ),
            ),
            roles=(
                RoleFact("Tilda Brennholt", "former CEO", "Arvenza", 1),
                RoleFact("Jonas Quell", "CEO", "Belmoro Systems", 2),
                RoleFact("Ada Quell", "analyst", None, 3),
            ),
            mentions=(
                MentionFact("Belmoro Systems", "company", 0),
                MentionFact("Arvenza", "company", 0),
                MentionFact("Corvane Labs", "company", 2),
                MentionFact("Corvane", "company", 3),
                MentionFact("Kestrel X2", "product", 0),
            ),
            partnerships=(
                PartnershipFact(
                    ("Belmoro Systems", "Arvenza"),
                    0,
                    ended="2023-01-31",
                    status="ended",
                    products=("Kestrel X2",),
                ),
                PartnershipFact(("Belmoro Systems", "Corvane Labs"), 2, started="2023-02"),
            ),
            events=(
                EventFact(
                    "2023-01-31",
                    "The Arvenza and Belmoro partnership ends",
                    0,
                    ("Arvenza", "Belmoro Systems"),
                ),
                EventFact(
                    "2023-02", "Belmoro Systems turns to Corvane Labs", 2, ("Belmoro Systems", "Corvane Labs")
                ),
                EventFact("2018", "Corvane Labs is founded", 3, ("Corvane Labs",)),
            ),
        ),
    ),
]


def build_kb(
    path: Path, articles: list[tuple[CleanArticle, Extraction]], aliases: dict[str, str] | None = None
) -> None:
    writer = KnowledgeWriter(path)
    try:
        writer.begin()
        known = writer.known_articles()
        for article, extraction in articles:
            old = known.get(article.file)
            writer.save_article(
                article_rows(article, extraction),
                content_hash=article.file,
                manifest_hash="",
                article_id=old.id if old else None,
            )
        derive.rebuild(writer, aliases or {})
        writer.commit()
    finally:
        writer.rollback()
        writer.close()


def test_names_and_offsets_are_written_as_json_dumps_writes_them() -> None:
    names = ["Acme", 'Say "hi"', "Zoë Ltd", "back\\slash", "tab\there", "日本", "emoji \U0001f600", ""]
    assert json_names(names) == json.dumps(names)
    assert json_names([]) == json.dumps([])
    article = CleanArticle("a.txt", "Title", ("One.", "Two two.", "3"))
    row = article_rows(article, Extraction()).article
    assert json.loads(row[7]) == [0, 6, 16] and row[7] == json.dumps([0, 6, 16])
    assert [row[6][i : i + 3] for i in json.loads(row[7])] == ["One", "Two", "3"]


@pytest.fixture
async def kb(tmp_path: Path) -> AsyncIterator[Store]:
    build_kb(tmp_path / "kb.db", ARTICLES)
    opened = await Store.open(tmp_path / "kb.db", tmp_path / "members.db")
    try:
        yield opened
    finally:
        await opened.close()


async def _id(store: Store, kind: str, name: str) -> int:
    resolution = await store.resolve(kind, name)  # type: ignore[arg-type]
    assert resolution.match is not None, resolution
    return resolution.match.id


async def test_open_creates_folders_and_both_databases(tmp_path: Path) -> None:
    opened = await Store.open(tmp_path / "new" / "kb.db", tmp_path / "other" / "members.db")
    try:
        assert (tmp_path / "new" / "kb.db").is_file() and (tmp_path / "other" / "members.db").is_file()
        stats = await opened.stats()
        assert (stats.articles, stats.quotes, stats.last_ingest) == (0, 0, None)
        assert await opened.search("anything") == []
        assert opened.complete("person", "") == []
        assert await opened.resolve("company", "Arvenza") == Resolution(None)
    finally:
        await opened.close()


async def test_resolve_folds_case_aliases_surnames_and_typos(kb: Store) -> None:
    tilda = await _id(kb, "person", "Tilda Brennholt")
    for text in (
        "tilda brennholt",
        "TILDA BRENNHOLT",
        "Brennholt",
        "brenholt",
        "Tilda Brenholtt",
        "Dr. Tilda Brennholt",
    ):
        assert (await kb.resolve("person", text)).match == EntityRef(tilda, "Tilda Brennholt", "person"), text
    belmoro = await _id(kb, "company", "Belmoro Systems")
    for text in (
        "belmoro systems ag",
        "BELMORO",
        "Belmoro",
        "Belmoro Systems AG",
        "belmoro sytems",
        "Systems",
    ):
        match = (await kb.resolve("company", text)).match
        assert match is not None and match.id == belmoro, text
    arvenza = await kb.resolve("company", "arvenza")
    assert arvenza.match is not None and arvenza.match.name == "Arvenza"


async def test_resolve_suggests_when_ambiguous_or_unknown(kb: Store) -> None:
    assert await kb.resolve("person", "Quell") == Resolution(None, ("Ada Quell", "Jonas Quell"))
    assert await kb.resolve("person", "Zzyzx Qwerty") == Resolution(None, ())
    corv = await kb.resolve("company", "Corvana Lab Group")
    assert corv.match is None and corv.suggestions[0] == "Corvane Labs"
    assert await kb.resolve("company", "") == Resolution(None)
    assert await kb.resolve("company", "x" * 5000) == Resolution(None, ())
    assert (await kb.resolve("product", "kestrel x1")).match is not None


async def test_complete(kb: Store) -> None:
    assert kb.complete("company", "") == ["Arvenza", "Belmoro Systems", "Corvane Labs"]
    assert kb.complete("company", "bel") == ["Belmoro Systems"]
    assert kb.complete("company", "lab") == ["Corvane Labs"]  # a later word
    assert kb.complete("person", "bren") == ["Tilda Brennholt"]
    assert kb.complete("person", "QUE") == ["Ada Quell", "Jonas Quell"]
    assert kb.complete("person", "") == ["Tilda Brennholt", "Ada Quell", "Jonas Quell"]
    assert kb.complete("company", "", limit=1) == ["Arvenza"]
    assert kb.complete("person", "🙂") == []


async def test_partnerships_merge_sources_dates_and_products(kb: Store) -> None:
    arvenza = await _id(kb, "company", "Arvenza")
    [deal] = await kb.partnerships(arvenza)
    assert (deal.company, deal.partner) == ("Arvenza", "Belmoro Systems")
    # "2019" and "2019-06-03" are the same start, the second more precise.
    assert (deal.started, deal.ended, deal.status) == ("2019-06-03", "2023-01-31", "ended")
    assert deal.products == ("Kestrel X1", "Kestrel X2")
    assert [(s.file, s.paragraph) for s in deal.sources] == [("a.txt", 0), ("b.txt", 0), ("c.txt", 0)]
    assert deal.sources[0].url == "https://example.org/a.txt"
    belmoro = await _id(kb, "company", "Belmoro")
    deals = await kb.partnerships(belmoro)
    assert [(d.company, d.partner, d.started, d.status) for d in deals] == [
        ("Belmoro Systems", "Arvenza", "2019-06-03", "ended"),
        ("Belmoro Systems", "Corvane Labs", "2023-02", "announced"),
    ]
    assert await kb.partnerships(999_999) == []


async def test_quotes_by_groups_one_quote_from_several_articles(kb: Store) -> None:
    tilda = await _id(kb, "person", "Brennholt")
    quotes = await kb.quotes_by(tilda)
    assert [q.text for q in quotes] == [PROUD, "It was a good run,"]
    first = quotes[0]
    assert (first.speaker, first.role, first.org) == ("Tilda Brennholt", "CEO", "Arvenza")
    assert [(s.file, s.paragraph, s.published) for s in first.sources] == [
        ("a.txt", 1, "2019-06-03"),
        ("b.txt", 1, "2019-06-04"),
    ]
    assert (quotes[1].role, quotes[1].org) == ("former CEO", "Arvenza")
    assert [q.text for q in await kb.quotes_by(tilda, "SENSORS")] == [PROUD]
    assert [q.text for q in await kb.quotes_by(tilda, "run")] == ["It was a good run,"]
    assert await kb.quotes_by(tilda, "elephant") == []
    assert len(await kb.quotes_by(tilda, '🙂 "*')) == 2  # no word to filter by


async def test_org_quotes(kb: Store) -> None:
    belmoro = await _id(kb, "company", "Belmoro")
    [said] = await kb.org_quotes(belmoro)
    assert said.orgs == ("Belmoro Systems",)
    assert said.text == "Belmoro is delighted to work with a partner this ambitious."
    assert [(s.file, s.paragraph) for s in said.sources] == [("b.txt", 2)]
    assert await kb.org_quotes(await _id(kb, "company", "Arvenza")) == []


async def test_person_profile(kb: Store) -> None:
    tilda = await _id(kb, "person", "Tilda Brennholt")
    profile = await kb.person(tilda)
    assert profile is not None
    assert profile.name == "Tilda Brennholt" and profile.aliases == ("Brennholt",)
    assert [(r.role, r.org, r.source.file) for r in profile.roles] == [
        ("CEO", "Arvenza", "a.txt"),
        ("former CEO", "Arvenza", "c.txt"),
    ]
    assert profile.quote_count == 2
    assert [s.file for s in profile.articles] == ["c.txt", "b.txt", "a.txt"]
    assert [(p.company, p.partner) for p in profile.partnerships] == [("Arvenza", "Belmoro Systems")]
    assert await kb.person(await _id(kb, "company", "Arvenza")) is None  # not a person


async def test_company_profile(kb: Store) -> None:
    belmoro = await _id(kb, "company", "Belmoro")
    profile = await kb.company(belmoro)
    assert profile is not None
    assert profile.name == "Belmoro Systems"
    assert profile.aliases == ("Belmoro", "Belmoro Systems AG")
    assert [p.partner for p in profile.partnerships] == ["Arvenza", "Corvane Labs"]
    assert [(name, info.role, info.source.file) for name, info in profile.people] == [
        ("Jonas Quell", "CEO", "c.txt")
    ]
    assert profile.products == ("Kestrel X1", "Kestrel X2")
    assert profile.quote_count == 2  # its own statement and its CEO's quote
    assert [s.file for s in profile.articles] == ["c.txt", "b.txt", "a.txt"]
    assert await kb.company(999_999) is None


async def test_article_card(kb: Store) -> None:
    article_id, _ = await kb.resolve_article("c.txt")
    assert article_id is not None
    card = await kb.article(article_id)
    assert card is not None
    assert card.source.title == "Belmoro ends Arvenza deal, turns to Corvane Labs"
    assert card.author == "Ines Morlan" and card.source.publisher == "Example Wire"
    assert card.lead == ARTICLES[2][0].paragraphs[0]
    assert card.people == ("Tilda Brennholt", "Jonas Quell", "Ada Quell")
    assert card.companies == ("Arvenza", "Belmoro Systems", "Corvane Labs")
    assert [q.speaker for q in card.quotes] == ["Tilda Brennholt", "Jonas Quell"]
    assert await kb.article(999_999) is None


async def test_resolve_and_complete_articles(kb: Store) -> None:
    assert await kb.resolve_article("1") == (1, ())
    assert await kb.resolve_article("#2") == (2, ())
    assert await kb.resolve_article("b") == (2, ())  # file name without .txt
    assert await kb.resolve_article("arvenza picks belmoro") == (2, ())
    assert await kb.resolve_article("ARVENZA picks Belmoro · 2019-06-04") == (2, ())  # an autocomplete label
    missing = await kb.resolve_article("Arvenza and Belmoro team up")
    assert missing[0] is None and missing[1][0] == "Arvenza and Belmoro Systems team up on sensors"
    assert await kb.resolve_article("   ") == (None, ())
    assert kb.complete_articles("") == [
        ("Belmoro ends Arvenza deal, turns to Corvane Labs · 2023-02-10", "3"),
        ("ARVENZA picks Belmoro · 2019-06-04", "2"),
        ("Arvenza and Belmoro Systems team up on sensors · 2019-06-03", "1"),
    ]
    assert [v for _, v in kb.complete_articles("arvenza p")] == ["2"]
    assert [v for _, v in kb.complete_articles("corv")] == ["3"]
    assert [v for _, v in kb.complete_articles("3")] == ["3"]


async def test_search_ranks_articles_and_quotes_with_highlights(kb: Store) -> None:
    hits = await kb.search("sensors")
    assert {(h.kind, h.source.file) for h in hits} == {
        ("article", "a.txt"),
        ("article", "b.txt"),
        ("quote", "a.txt"),
    }
    quote = next(h for h in hits if h.kind == "quote")
    assert quote.speaker == "Tilda Brennholt" and quote.title == "Tilda Brennholt"
    assert f"{HIGHLIGHT_START}sensors{HIGHLIGHT_END}" in quote.snippet
    assert all(f"{HIGHLIGHT_START}" in h.snippet for h in hits)
    brennholt = await kb.search("Brennholt’s")  # the speaker's name finds the quotes too
    assert {(h.kind, h.source.file) for h in brennholt} == {
        ("article", "a.txt"),
        ("article", "b.txt"),
        ("article", "c.txt"),
        ("quote", "a.txt"),
        ("quote", "c.txt"),
    }
    page1 = await kb.search("Belmoro", limit=2)
    page2 = await kb.search("Belmoro", limit=2, offset=2)
    assert len(page1) == 2 and page1 != page2
    assert await kb.search("   ") == []
    assert await kb.search("Belmoro", limit=0) == []


async def test_search_ranks_only_the_newest_matches_of_a_very_common_word(
    kb: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("db.store.RANK_WINDOW", 1)
    # "Arvenza" is in all three articles (and in no quote): with a window of one, the newest is ranked.
    assert [h.source.file for h in await kb.search("Arvenza", limit=1)] == ["c.txt"]
    # The window is never smaller than the page asked for, and a rarer word is ranked over all its matches.
    assert {h.source.file for h in await kb.search("Arvenza", limit=3)} == {"a.txt", "b.txt", "c.txt"}
    assert [h.source.file for h in await kb.search("Kestrel X1", limit=1)] == ["a.txt"]


HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "-",
    "- Belmoro",
    "Belmoro*",
    "NEAR(",
    "NEAR(Belmoro Arvenza, 2)",
    "AND",
    "Belmoro AND",
    "OR OR OR",
    "NOT Belmoro",
    "(((",
    "Belmoro)",
    "{col}: x",
    "title:Belmoro",
    "^Belmoro",
    "Belmoro + Arvenza",
    "🙂🔥",
    "مرحبا بالعالم",
    "שלום",
    "\u202eBelmoro\u202c",
    "Robert'); DROP TABLE articles;--",
    "x" * 6000,
    "\x00\x01\x02",
    "@everyone <@&123>",
    "**bold** _it_ `code`",
]


async def test_search_survives_any_text(kb: Store) -> None:
    for text in HOSTILE:
        hits = await kb.search(text)
        assert all(h.kind in ("article", "quote") for h in hits), text
        await kb.quotes_by(1, text)
    assert (await kb.stats()).articles == 3


async def test_search_finds_words_inside_hostile_text(kb: Store) -> None:
    # No article has every word ("near" is in none), so any word counts, the rarest weighing most.
    hits = await kb.search('NEAR("Corvane" AND *Labs')
    assert (hits[0].kind, hits[0].source.file) == ("article", "c.txt")
    assert {h.source.file for h in await kb.search("\u202eCorvane\u202c")} == {"c.txt"}


async def test_timeline(kb: Store) -> None:
    events = await kb.timeline()
    assert [(e.date, e.precision) for e in events] == [
        ("2018", "year"),
        ("2019-06-03", "day"),
        ("2023-01-31", "day"),
        ("2023-02", "month"),
    ]
    assert events[1].companies == ("Arvenza", "Belmoro Systems")
    assert (events[1].source.file, events[1].source.paragraph) == ("a.txt", 0)
    corvane = await _id(kb, "company", "Corvane Labs")
    assert [e.what for e in await kb.timeline(corvane)] == [
        "Corvane Labs is founded",
        "Belmoro Systems turns to Corvane Labs",
    ]
    assert len(await kb.timeline(limit=2)) == 2


async def test_timeline_adds_partnership_starts_and_ends_no_event_states(tmp_path: Path) -> None:
    build_kb(tmp_path / "kb.db", ARTICLES[1:])  # a.txt's event about the 3 June 2019 start is gone
    store = await Store.open(tmp_path / "kb.db", tmp_path / "members.db")
    try:
        events = await store.timeline()
        assert [(e.date, e.what) for e in events] == [
            ("2018", "Corvane Labs is founded"),
            ("2019-06-03", "Partnership of Arvenza and Belmoro Systems begins"),
            # the end and the Corvane Labs start are extracted events naming both companies: not repeated
            ("2023-01-31", "The Arvenza and Belmoro partnership ends"),
            ("2023-02", "Belmoro Systems turns to Corvane Labs"),
        ]
        assert events[1].companies == ("Arvenza", "Belmoro Systems")
        assert (events[1].source.file, events[1].source.paragraph) == ("b.txt", 0)
        corvane = await _id(store, "company", "Corvane Labs")
        assert [e.date for e in await store.timeline(corvane)] == ["2018", "2023-02"]
        assert [e.what for e in await store.timeline(limit=2)] == [e.what for e in events[:2]]
    finally:
        await store.close()


async def test_bundled_timeline_shows_partnership_milestones(store: Store) -> None:
    leica = await _id(store, "company", "Leica")
    events = await store.timeline(leica)
    assert [e.date for e in events] == sorted(e.date for e in events)
    # gold (004): the Huawei partnership ended on 31 March 2022, which the Amateur Photographer article states
    [end] = [e for e in events if e.date == "2022-03-31"]
    assert end.companies == ("Huawei", "Leica")
    assert end.what == "Partnership of Huawei and Leica ends"
    assert (end.source.publisher, end.source.file) == ("Amateur Photographer", "004_7c3b7d351971b1ca.txt")
    # gold (004): the press release's dateline dates its title; that event stands for the partnership's start
    [xiaomi] = [e for e in events if e.date == "2022-05-23"]
    announced = "Xiaomi and Leica Camera announce long-term strategic cooperation"
    assert (xiaomi.what, xiaomi.companies) == (announced, ("Leica", "Xiaomi"))
    assert xiaomi.source.publisher == "Amateur Photographer"
    xiaomi_side = await store.timeline(await _id(store, "company", "Xiaomi"))
    assert announced in [e.what for e in xiaomi_side if e.date == "2022-05-23"]
    assert all("Huawei" not in e.companies for e in xiaomi_side if e.what.startswith("Partnership of"))
    assert await store.timeline(leica, limit=4) == events[:4]


async def test_stats(kb: Store) -> None:
    stats = await kb.stats()
    assert (
        stats.articles,
        stats.quotes,
        stats.people,
        stats.companies,
        stats.partnerships,
        stats.events,
    ) == (
        3,
        3,
        3,
        3,
        2,
        4,
    )


def test_derived_rows_all_point_somewhere(tmp_path: Path) -> None:
    build_kb(tmp_path / "kb.db", ARTICLES)
    build_kb(tmp_path / "kb.db", ARTICLES[1:])  # a rebuild after an article changed
    check_knowledge_base(tmp_path / "kb.db")


async def test_entity_ids_survive_a_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    build_kb(path, ARTICLES[:2])
    first = await Store.open(path, tmp_path / "members.db")
    arvenza = await _id(first, "company", "Arvenza")
    await first.close()
    build_kb(path, ARTICLES)
    second = await Store.open(path, tmp_path / "members.db")
    try:
        assert await _id(second, "company", "Arvenza") == arvenza
        assert await _id(second, "company", "Corvane") not in (arvenza,)
    finally:
        await second.close()


async def test_curated_aliases_merge_and_rename(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    build_kb(path, ARTICLES, aliases={"Corvane": "Arvenza", "Kestrel Sensor Line": "Kestrel X1"})
    store = await Store.open(path, tmp_path / "members.db")
    try:
        corvane = await store.resolve("company", "Corvane")
        assert corvane.match is not None and corvane.match.name == "Arvenza"
        assert (await store.resolve("product", "kestrel sensor line")).match is not None
    finally:
        await store.close()


async def test_reload_sees_a_committed_ingest(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    build_kb(path, ARTICLES[:1])
    store = await Store.open(path, tmp_path / "members.db")
    try:
        assert (await store.resolve("company", "Corvane Labs")).match is None
        build_kb(path, ARTICLES)
        assert (await store.stats()).articles == 3  # queries see the commit at once
        await store.reload()
        assert (await store.resolve("company", "Corvane Labs")).match is not None
    finally:
        await store.close()


async def test_kept_results_follow_every_commit(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    build_kb(path, ARTICLES[:2])
    store = await Store.open(path, tmp_path / "members.db")
    try:
        arvenza = await _id(store, "company", "Arvenza")
        for _ in range(4):  # every reader keeps its own copy
            assert [p.ended for p in await store.partnerships(arvenza)] == [None]
            assert (await store.stats()).articles == 2
            assert [e.date for e in await store.timeline(arvenza)] == ["2019-06-03"]
        build_kb(path, ARTICLES)  # a commit from another connection: no reload needed for these
        for _ in range(4):
            assert [p.ended for p in await store.partnerships(arvenza)] == ["2023-01-31"]
            assert (await store.stats()).articles == 3
            assert [e.date for e in await store.timeline(arvenza)] == ["2019-06-03", "2023-01-31"]
    finally:
        await store.close()


async def test_a_query_sees_one_snapshot_while_an_ingest_commits(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    build_kb(path, ARTICLES[:1])
    store = await Store.open(path, tmp_path / "members.db")
    try:

        def count_around_an_ingest(conn: sqlite3.Connection) -> list[int]:
            counts = [conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]]
            build_kb(path, ARTICLES)  # commits on its own connection while this read transaction is open
            counts.append(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
            return counts

        assert await store._read(count_around_an_ingest) == [1, 1]
        assert (await store.stats()).articles == 3
    finally:
        await store.close()


async def test_concurrent_queries_use_the_pool(kb: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("db.store.FEW_MATCHES", 0)  # every search on the heavy readers' threads
    arvenza = await _id(kb, "company", "Arvenza")
    results = await asyncio.gather(
        *(kb.partnerships(arvenza) for _ in range(50)), *(kb.search("Belmoro") for _ in range(50))
    )
    assert all(r == results[0] for r in results[:50])
    assert all(r == results[50] for r in results[50:])


async def test_lookups_and_searches_with_few_matches_never_wait_for_a_heavy_reader(
    kb: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("db.store.FEW_MATCHES", 2)  # "Arvenza" is in three articles: a heavy search
    arvenza = await _id(kb, "company", "Arvenza")
    taken = [await kb._heavy.get() for _ in range(HEAVY_READERS)]  # every heavy reader busy
    heavy = asyncio.ensure_future(kb.search("Arvenza"))
    deals, few, any_word = await asyncio.wait_for(
        asyncio.gather(kb.partnerships(arvenza), kb.search("Corvane"), kb.search("Corvane zzzz")), 5
    )
    assert [d.partner for d in deals] == ["Belmoro Systems"]
    assert {h.source.file for h in few} == {h.source.file for h in any_word} == {"c.txt"}
    await asyncio.sleep(0.05)
    assert not heavy.done()
    for reader in taken:
        kb._heavy.put_nowait(reader)
    assert {h.source.file for h in await heavy} == {"a.txt", "b.txt", "c.txt"}


async def test_guild_settings_live_in_the_members_database(kb: Store) -> None:
    assert await kb.guild_settings(42) == {}
    await kb.set_guild_setting(42, "trivia_seconds", "20")
    await kb.set_guild_setting(42, "trivia_seconds", "25")
    assert await kb.guild_settings(42) == {"trivia_seconds": "25"}
    with closing(sqlite3.connect(kb.user_db_path)) as conn:
        assert conn.execute("SELECT guild_id, key, value FROM guild_settings").fetchall() == [
            (42, "trivia_seconds", "25")
        ]
    with closing(sqlite3.connect(kb.db_path)) as conn:
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'guild_settings'").fetchall() == []


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('NEAR("a" AND b*) -c') == '"NEAR" "a" "AND" "b" "c"'
    assert fts_query("Brennholt’s plan", any_word=True) == '"Brennholt" OR "plan"'
    assert fts_query("🙂 ... ---") is None
    assert fts_query(" ".join(f"w{i}" for i in range(40))).count('"') == 2 * 16
