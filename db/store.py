"""All SQL of the project: the async `Store` the bot queries, the ingest's `KnowledgeWriter`, the export.

The knowledge base is read through a few connections: lookups on the event loop's thread, the heavier
reads each on a connection with its own thread. Every query method runs in one call inside one read
transaction, so an ingest that commits meanwhile is seen entirely or not at all (WAL snapshots).
The members' database is written through aiosqlite.
Name lookups and autocomplete use in-memory indexes (db/index.py) rebuilt by `reload()`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, TextIO, TypeVar

import aiosqlite

from db import schema
from db.index import ArticleIndex, ArticleRow, EntityRow, NameIndex
from db.ingest.names import fold, quote_key
from db.ingest.rows import ArticleRows
from db.models import (
    ENTITY_KINDS,
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ArticleCard,
    AuditEntry,
    CompanyProfile,
    CorpusStats,
    EntityKind,
    IngestReport,
    OrgQuoteInfo,
    PartnershipInfo,
    PartnershipStatus,
    PersonProfile,
    QuoteInfo,
    Resolution,
    RoleInfo,
    SearchHit,
    Source,
    TimelineEvent,
)
from db.trivia import (
    LeaderboardRow,
    MemberStats,
    PersonRole,
    PlayerScore,
    RunningGame,
    TriviaFacts,
    TriviaQuestion,
    TriviaSettings,
)

HEAVY_READERS = 2  # connections for searches and the whole timeline: at most this many run at once
# A search that finds at most this many articles and quotes together costs what a lookup costs (each article
# found costs about 0.1 ms, mostly for its snippet): it is answered at once (see search()).
FEW_MATCHES = 25
# Per reader: the question banks last asked for, kept until the data changes (see _Reader). Few: every
# object kept is one more for each full garbage collection to walk.
KEPT_RESULTS = 64
TRIVIA_BUDGET = 3000  # derived facts sampled for the trivia bank: bounds its time and memory on any corpus
TRIVIA_COMMON = 50  # quotes sharing an excerpt's words beyond which it is not asked (see said_elsewhere)
_FLUSH_ROWS = 20_000  # raw facts or derived rows queued before they are written
_ARTICLE_COLUMNS = (
    "id, file, content_hash, manifest_hash, title, url, publisher, author, published, body, "
    "paragraph_offsets, ingested_at"
)
_RAW_TABLES = ("raw_quotes", "raw_org_quotes", "raw_roles", "raw_names", "raw_partnerships", "raw_events")
# Emptied and written again by every derivation (db.ingest.derive).
_DERIVED_TABLES = (
    "quote_sources",
    "quotes",
    "org_quote_sources",
    "org_quote_orgs",
    "org_quotes",
    "roles",
    "partnership_products",
    "partnership_sources",
    "partnerships",
    "event_companies",
    "event_sources",
    "events",
    "mentions",
    "aliases",
    "entities",
)
PROFILE_ARTICLES = 25  # newest articles listed on a profile
PROFILE_PEOPLE = 25
MAX_SEARCH_TERMS = 16
RANK_WINDOW = 2_000  # search ranks at most this many of the newest matches (see _rank_floor)
_MAX_TERM = 64
_SNIPPET_TOKENS = 24

T = TypeVar("T")


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# ------------------------------------------------------------------------------------------------ search


_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"(?<=[^\W_])['’]s\b")


def fts_query(text: str, *, any_word: bool = False) -> str | None:
    """Any user text as a safe FTS5 query: each word a quoted token, everything else dropped.

    Quote marks, `*`, `-`, `NEAR(`, `AND`/`OR`/`NOT`, brackets, emoji and control characters never reach
    FTS5 as syntax: only runs of letters and digits survive, each inside double quotes. None when no word
    is left (nothing to search for).
    """
    # "Brennholt's" searches for Brennholt: the index splits at the apostrophe; a lone "s" matches everywhere.
    words = _WORD.findall(_POSSESSIVE.sub("", unicodedata.normalize("NFKC", text)))
    terms = [f'"{w[:_MAX_TERM]}"' for w in words[:MAX_SEARCH_TERMS]]
    if not terms:
        return None
    return (" OR " if any_word else " ").join(terms)


# ------------------------------------------------------------------------------------------------ rows

_SOURCE_COLUMNS = "a.id, a.file, a.title, a.url, a.publisher, a.published"


def _source(row: Sequence[Any], offset: int = 0, paragraph: int | None = None) -> Source:
    # Positional: lookups build hundreds of these, and keyword arguments cost a third more.
    return Source(
        row[offset],
        row[offset + 1],
        row[offset + 2],
        row[offset + 3],
        row[offset + 4],
        row[offset + 5],
        paragraph,
    )


# ------------------------------------------------------------------------------------------------ ingest


_RAW_INSERTS = (
    "INSERT INTO raw_quotes (article_id, paragraph, speaker, text, role, org, style, text_key) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO raw_org_quotes (article_id, paragraph, orgs, text, text_key) VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO raw_roles (article_id, paragraph, person, role, org) VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO raw_names (article_id, kind, name, paragraph, count) VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO raw_partnerships (article_id, paragraph, company_a, company_b, started, ended, status, "
    "products) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO raw_events (article_id, paragraph, date, what, companies) VALUES (?, ?, ?, ?, ?)",
)


@dataclass(frozen=True)
class KnownArticle:
    id: int
    content_hash: str
    manifest_hash: str


class QuoteRow(NamedTuple):
    person_id: int
    speaker: str
    text: str
    article_id: int
    paragraph: int
    role: str | None
    org: str | None
    published: str | None
    key: str  # quote_key(text)


class OrgQuoteRow(NamedTuple):
    org_ids: str  # comma-separated entity ids, ascending: the grouping key
    text: str
    article_id: int
    paragraph: int
    published: str | None
    key: str  # quote_key(text)


class PartnershipRow(NamedTuple):
    company_a: int  # the smaller entity id
    company_b: int
    started: str | None
    ended: str | None
    status: PartnershipStatus
    product_ids: tuple[int, ...]
    article_id: int
    paragraph: int
    published: str | None


class KnowledgeWriter:
    """The ingest's side of the knowledge base: one plain sqlite3 connection, one write transaction.

    Used only by db.ingest.pipeline (synchronously, in a worker thread or the CLI). Everything between
    begin() and commit() is one transaction: a crash or a kill before commit leaves the old data whole.
    """

    def __init__(self, db_path: Path) -> None:
        self._pending: dict[str, list[Sequence[Any]]] = {}
        self._pending_rows = 0
        self._articles: list[tuple[Any, ...]] = []  # new article rows, written before the raw facts
        self._next_article: int | None = None  # the id the next new article gets (see _new_article_id)
        self._began_at = ""  # when the transaction began (see begin): the time of every article it writes
        self._ids: dict[str, int] = {}
        self._changed = False  # articles or derived tables written in this transaction
        self._unbuilt: list[tuple[str, str, str]] = []  # derived tables' indexes (table, name, sql) to create
        self.conn = schema.connect(db_path)
        try:
            schema.migrate(self.conn, schema.KB_MIGRATIONS)
            # 16 MiB: larger caches cost memory (sorts use as much again) and saved no measurable time.
            self.conn.execute("PRAGMA cache_size = -16384")
            # A bulk ingest grows the WAL to the size of everything it wrote; give the space back afterwards.
            self.conn.execute("PRAGMA journal_size_limit = 67108864")
            self.conn.create_function("quote_key", 1, quote_key, deterministic=True)
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self._next_article = None
        self._began_at = utc_now()

    def commit(self) -> None:
        self.flush()
        self.conn.execute("COMMIT")
        if self._changed:
            # Fresh statistics for the query planner, estimated from a sample of each index (as SQLite
            # advises for optimize): exact ones cost 0.15 s at 10,000 articles and plan no better.
            self.conn.execute("PRAGMA analysis_limit = 1000")
            self.conn.execute("PRAGMA optimize")
        self._changed = False

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self._articles.clear()
        self._pending.clear()
        self._pending_rows = 0

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def known_articles(self) -> dict[str, KnownArticle]:
        rows = self.conn.execute("SELECT file, id, content_hash, manifest_hash FROM articles")
        return {file: KnownArticle(id_, content, manifest) for file, id_, content, manifest in rows}

    def article_count(self) -> int:
        self.flush()
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def remove_articles(self, ids: Iterable[int]) -> None:
        """Articles and (by cascade) their raw facts; the derived tables are rebuilt afterwards."""
        for article_id in ids:
            self._changed = True
            self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    def save_article(
        self, rows: ArticleRows, *, content_hash: str, manifest_hash: str, article_id: int | None
    ) -> int:
        """Insert a new article (article_id None) or replace one in place, keeping its id.

        A new article and the raw facts are queued and written in batches (see flush), before anything
        reads them."""
        self._changed = True
        file, title, url, publisher, author, published, body, offsets = rows.article
        values = (
            file,
            content_hash,
            manifest_hash,
            title,
            url,
            publisher,
            author,
            published,
            body,
            offsets,
            self._began_at,
        )
        conn = self.conn
        if article_id is None:
            article_id = self._new_article_id()
            self._articles.append((article_id, *values))
            if len(self._articles) >= schema.ARTICLE_BATCH:
                self._insert_articles()
        else:
            self.flush()
            conn.execute(
                "UPDATE articles SET file = ?, content_hash = ?, manifest_hash = ?, title = ?, url = ?, "
                "publisher = ?, author = ?, published = ?, body = ?, paragraph_offsets = ?, ingested_at = ? "
                "WHERE id = ?",
                (*values, article_id),
            )
            for table in _RAW_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
        for sql, facts in zip(_RAW_INSERTS, rows.facts, strict=True):
            if facts:
                self._queue(sql, [(article_id, *fact) for fact in facts])
        self._maybe_flush()
        return article_id

    def log_ingest(self, report: IngestReport) -> None:
        self.conn.execute(
            "INSERT INTO ingest_log (finished_at, seconds, added, updated, unchanged, removed, failed, "
            "articles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                utc_now(),
                round(report.seconds, 3),
                len(report.added),
                len(report.updated),
                len(report.unchanged),
                len(report.removed),
                len(report.failed),
                self.article_count(),
            ),
        )

    # ---------------------------------------------------------------- derived tables (see db.ingest.derive)

    def start_derived(self) -> None:
        """Temporary tables of the rebuild: when each article was published and where that puts it in time
        (article_dates: small rows, where the article rows hold whole bodies), the canonical name of each
        surface name (add_names), then entity ids."""
        self.flush()  # the raw facts still queued
        conn = self.conn
        for table in ("article_dates", "name_groups", "entity_ids", "name_map"):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        conn.execute(
            "CREATE TEMP TABLE article_dates (id INTEGER PRIMARY KEY, published TEXT, "
            "position INTEGER NOT NULL)"
        )
        conn.execute(
            "INSERT INTO temp.article_dates (id, published, position) "
            "SELECT id, published, row_number() OVER (ORDER BY coalesce(published, '9999'), id) FROM articles"
        )
        conn.execute(
            "CREATE TEMP TABLE name_groups (surface TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, "
            "surface_key TEXT NOT NULL, name_key TEXT NOT NULL, PRIMARY KEY (surface, kind)) WITHOUT ROWID"
        )

    def name_counts(self) -> Iterator[tuple[str, EntityKind, int]]:
        """Every (surface name, kind) the raw facts use, with how often, by kind."""
        rows = self.conn.execute(
            "SELECT name, kind, SUM(count) FROM raw_names GROUP BY kind, name ORDER BY kind, name"
        )
        return ((name, kind, count) for name, kind, count in rows)

    def add_names(self, kind: EntityKind, names: Iterable[tuple[str, str]]) -> None:
        """(surface, canonical name) pairs of one kind, with their folded forms (the alias keys): folded here,
        where the grouping has just folded most of them (names.fold caches), not by SQL calling Python."""
        self.conn.executemany(
            "INSERT INTO temp.name_groups (surface, kind, name, surface_key, name_key) "
            "VALUES (?, ?, ?, ?, ?)",
            ((surface, kind, name, fold(surface), fold(name)) for surface, name in names),
        )

    def assign_entity_ids(self) -> None:
        """Entity ids: the same (kind, name) keeps its id across rebuilds; new ones never reuse an old id
        and are numbered in (kind, name) order."""
        conn = self.conn
        (first_new,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM entities").fetchone()
        first_new = max(int(self.meta("next_entity_id") or 1), first_new)
        conn.execute(
            "CREATE TEMP TABLE entity_ids (kind TEXT NOT NULL, name TEXT NOT NULL, id INTEGER NOT NULL, "
            "name_key TEXT NOT NULL, PRIMARY KEY (kind, name)) WITHOUT ROWID"
        )
        conn.execute(
            """
            INSERT INTO temp.entity_ids (kind, name, id, name_key)
            SELECT kind, name, coalesce(old_id, ? - 1 + row_number() OVER (
                PARTITION BY old_id IS NULL ORDER BY kind, name)), name_key
            FROM (
                SELECT g.kind, g.name, g.name_key, e.id AS old_id
                FROM (SELECT DISTINCT kind, name, name_key FROM temp.name_groups) g
                LEFT JOIN entities e ON e.kind = g.kind AND e.name = g.name
            )
            """,
            (first_new,),
        )
        (next_id,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM temp.entity_ids").fetchone()
        self.set_meta("next_entity_id", str(max(first_new, next_id)))

    def entities(self) -> Iterator[tuple[int, str]]:
        """The entities of this rebuild (id, name), in (kind, name) order."""
        return iter(self.conn.execute("SELECT id, name FROM temp.entity_ids ORDER BY kind, name"))

    def clear_derived(self) -> None:
        self._changed = True
        self._ids.clear()
        conn = self.conn
        conn.execute("INSERT INTO quotes_fts (quotes_fts) VALUES ('delete-all')")
        for table in _DERIVED_TABLES:
            conn.execute(f"DELETE FROM {table}")
        # The rows go in without the secondary indexes, which are built afterwards from the whole tables
        # (_build_indexes): kept up to date row by row, an index is written at random places.
        self._unbuilt = conn.execute(
            "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({', '.join('?' * len(_DERIVED_TABLES))})",
            _DERIVED_TABLES,
        ).fetchall()
        for _, name, _ in self._unbuilt:
            conn.execute(f"DROP INDEX {name}")

    def _build_indexes(self, *tables: str) -> None:
        """Create the indexes of these tables (all of them: no argument) that clear_derived dropped."""
        for table, _, sql in self._unbuilt:
            if not tables or table in tables:
                self.conn.execute(sql)
        self._unbuilt = [u for u in self._unbuilt if tables and u[0] not in tables]

    def write_entities(self, curated: Iterable[tuple[int, str, str]]) -> None:
        """Entities, the entity of each surface name (temp.name_map) and the aliases: an entity's own name
        first, then its surface names (of two that fold alike, the first in order); then the moderators'
        aliases (entity id, folded key, alias), which win."""
        conn = self.conn
        conn.execute(
            "INSERT INTO entities (id, kind, name) SELECT id, kind, name FROM temp.entity_ids ORDER BY id"
        )
        conn.execute(
            "CREATE TEMP TABLE name_map (surface TEXT NOT NULL, kind TEXT NOT NULL, "
            "entity_id INTEGER NOT NULL, surface_key TEXT NOT NULL, PRIMARY KEY (surface, kind)) "
            "WITHOUT ROWID"
        )
        conn.execute(
            "INSERT INTO temp.name_map (surface, kind, entity_id, surface_key) "
            "SELECT g.surface, g.kind, i.id, g.surface_key FROM temp.name_groups g "
            "JOIN temp.entity_ids i ON i.kind = g.kind AND i.name = g.name"
        )
        conn.execute(
            "INSERT INTO aliases (entity_id, key, alias, curated) "
            "SELECT id, name_key, name, 0 FROM temp.entity_ids WHERE true ORDER BY kind, name "
            "ON CONFLICT (entity_id, key) DO NOTHING"
        )
        conn.execute(
            "INSERT INTO aliases (entity_id, key, alias, curated) "
            "SELECT entity_id, surface_key, surface, 0 FROM temp.name_map "
            "WHERE true ORDER BY kind, surface "
            "ON CONFLICT (entity_id, key) DO NOTHING"
        )
        conn.executemany(
            "INSERT INTO aliases (entity_id, key, alias, curated) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (entity_id, key) DO UPDATE SET alias = excluded.alias, curated = 1",
            curated,
        )
        conn.execute("DROP TABLE temp.name_groups")
        conn.execute("DROP TABLE temp.entity_ids")
        self._build_indexes("aliases")

    def write_mentions_and_roles(self) -> None:
        """Mentions from every raw fact that names an entity; roles as each article states them."""
        conn = self.conn
        conn.execute(
            """
            INSERT INTO mentions (entity_id, article_id, paragraph)
            SELECT nm.entity_id, r.article_id, MIN(r.paragraph) FROM raw_names r
            JOIN temp.name_map nm ON nm.surface = r.name AND nm.kind = r.kind
            GROUP BY nm.entity_id, r.article_id
            """
        )
        conn.execute(
            "UPDATE entities SET mentions = (SELECT COUNT(*) FROM mentions m WHERE m.entity_id = entities.id)"
        )
        conn.execute(
            """
            INSERT INTO roles (person_id, org_id, org, role, article_id, paragraph, published)
            SELECT np.entity_id, no.entity_id, r.org, r.role, r.article_id, MIN(r.paragraph), a.published
            FROM (
                SELECT article_id, paragraph, person, role, org FROM raw_roles
                UNION ALL
                SELECT article_id, paragraph, speaker, role, org FROM raw_quotes WHERE role IS NOT NULL
            ) r
            JOIN temp.name_map np ON np.surface = r.person AND np.kind = 'person'
            LEFT JOIN temp.name_map no ON no.surface = r.org AND no.kind = 'company'
            JOIN temp.article_dates a ON a.id = r.article_id
            GROUP BY np.entity_id, r.article_id, r.role COLLATE NOCASE, no.entity_id
            """
        )
        self._build_indexes("mentions", "roles")  # quote_rows reads roles by article

    def quote_rows(self) -> Iterator[QuoteRow]:
        """Every person quote with its speaker's entity, ordered by speaker; the role falls back to the
        role the same article gives the speaker elsewhere."""
        rows = self.conn.execute(
            """
            SELECT nm.entity_id, e.name, q.text, q.article_id, q.paragraph,
                   COALESCE(q.role, r.role), COALESCE(q.org, r.org), a.published,
                   coalesce(q.text_key, quote_key(q.text))
            FROM raw_quotes q
            JOIN temp.name_map nm ON nm.surface = q.speaker AND nm.kind = 'person'
            JOIN entities e ON e.id = nm.entity_id
            JOIN temp.article_dates a ON a.id = q.article_id
            LEFT JOIN roles r ON r.id = (
                SELECT r2.id FROM roles r2
                WHERE r2.article_id = q.article_id AND r2.person_id = nm.entity_id
                ORDER BY r2.paragraph LIMIT 1
            )
            ORDER BY nm.entity_id
            """
        )
        return (QuoteRow(*row) for row in rows)

    def org_quote_rows(self) -> Iterator[OrgQuoteRow]:
        """Every organisation quote with its organisations as a key, ordered by that key."""
        rows = self.conn.execute(
            """
            SELECT (SELECT group_concat(entity_id) FROM (
                        SELECT DISTINCT nm.entity_id FROM json_each(o.orgs) j
                        JOIN temp.name_map nm ON nm.surface = j.value AND nm.kind = 'company'
                        ORDER BY nm.entity_id)) AS org_ids,
                   o.text, o.article_id, o.paragraph, a.published, coalesce(o.text_key, quote_key(o.text))
            FROM raw_org_quotes o JOIN temp.article_dates a ON a.id = o.article_id
            WHERE org_ids IS NOT NULL
            ORDER BY org_ids
            """
        )
        return (OrgQuoteRow(*row) for row in rows)

    def partnership_rows(self) -> Iterator[PartnershipRow]:
        """Every stated partnership between two different entities, ordered by the pair."""
        rows = self.conn.execute(
            """
            SELECT min(na.entity_id, nb.entity_id), max(na.entity_id, nb.entity_id), p.started, p.ended,
                   p.status,
                   (SELECT group_concat(entity_id) FROM (
                        SELECT nm.entity_id FROM json_each(p.products) j
                        JOIN temp.name_map nm ON nm.surface = j.value AND nm.kind = 'product'
                        ORDER BY j.key)),
                   p.article_id, p.paragraph, a.published
            FROM raw_partnerships p
            JOIN temp.name_map na ON na.surface = p.company_a AND na.kind = 'company'
            JOIN temp.name_map nb ON nb.surface = p.company_b AND nb.kind = 'company'
            JOIN temp.article_dates a ON a.id = p.article_id
            WHERE na.entity_id != nb.entity_id
            ORDER BY 1, 2, a.published, p.article_id
            """
        )
        for a, b, started, ended, status, products, article_id, paragraph, published in rows:
            yield PartnershipRow(
                a, b, started, ended, status, _ids(products), article_id, paragraph, published
            )

    def write_events(self) -> None:
        """Dated events, all in SQL: the same date and words (ignoring case) in several articles are one
        event with several sources, worded as the earliest article words it, with every company named;
        events are numbered in order of date, then earliest source, then words."""
        conn = self.conn
        conn.execute("DROP TABLE IF EXISTS temp.event_rows")
        conn.execute(
            "CREATE TEMP TABLE event_rows (event_id INTEGER PRIMARY KEY, date TEXT NOT NULL, "
            "what TEXT NOT NULL, sources TEXT NOT NULL, companies TEXT)"
        )
        # With one MIN() in a GROUP BY, SQLite takes the other bare columns (what) from that row: the wording
        # of the earliest article. Rows inserted in this order get the event ids 1, 2, 3...
        # Each group carries what its sources and companies are written from, so that they are not looked up
        # again (at random) in raw_events: its sources as integers, article id * 2^32 + paragraph; the names
        # of its companies as one JSON list, made of each raw list without its brackets. COLLATE NOCASE folds
        # case as lower() does (ASCII letters) without making a lowered copy of every row to sort.
        conn.execute(
            """
            INSERT INTO temp.event_rows (date, what, sources, companies)
            SELECT date, what, sources, companies FROM (
                SELECT e.date AS date, e.what AS what,
                       group_concat((e.article_id << 32) + e.paragraph) AS sources,
                       '[' || group_concat(nullif(substr(e.companies, 2, length(e.companies) - 2), '')) || ']'
                           AS companies,
                       MIN(o.position) AS first
                FROM raw_events e JOIN temp.article_dates o ON o.id = e.article_id
                GROUP BY e.date, e.what COLLATE NOCASE
            )
            ORDER BY date, first, what COLLATE NOCASE
            """
        )
        conn.execute(
            """
            INSERT INTO events (id, date, precision, what)
            SELECT event_id, date,
                   CASE length(date) WHEN 4 THEN 'year' WHEN 7 THEN 'month' ELSE 'day' END, what
            FROM temp.event_rows
            """
        )
        conn.execute(
            "INSERT OR IGNORE INTO event_sources (event_id, article_id, paragraph) "
            "SELECT k.event_id, s.value >> 32, s.value & 4294967295 "
            "FROM temp.event_rows k, json_each('[' || k.sources || ']') s"
        )
        conn.execute(
            """
            INSERT OR IGNORE INTO event_companies (event_id, entity_id)
            SELECT k.event_id, nm.entity_id FROM temp.event_rows k, json_each(k.companies) j
            JOIN temp.name_map nm ON nm.surface = j.value AND nm.kind = 'company'
            WHERE k.companies IS NOT NULL
            ORDER BY nm.entity_id, k.event_id  -- the primary key's order: appended, not inserted at random
            """
        )
        conn.execute("DROP TABLE temp.event_rows")

    # Raw facts and derived rows are queued and written with executemany, parents before children (the
    # order in which each add_* queues them); derived ids are assigned here because clear_derived() emptied
    # the tables.

    def _queue(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = self._pending.setdefault(sql, [])
        before = len(batch)
        batch.extend(rows)
        self._pending_rows += len(batch) - before

    def _next_id(self, table: str) -> int:
        self._ids[table] = self._ids.get(table, 0) + 1
        return self._ids[table]

    def _maybe_flush(self) -> None:
        if self._pending_rows >= _FLUSH_ROWS:
            self.flush()

    def _new_article_id(self) -> int:
        """The id AUTOINCREMENT would give: one more than any the table has ever had."""
        if self._next_article is None:
            (self._next_article,) = self.conn.execute(
                "SELECT max((SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'articles'), "
                "(SELECT coalesce(max(id), 0) FROM articles)) + 1"
            ).fetchone()
        self._next_article += 1
        return self._next_article - 1

    def _insert_articles(self) -> None:
        """The queued new articles, in one statement (see schema.ARTICLE_BATCH)."""
        if self._articles:
            row = f"({', '.join(['?'] * len(self._articles[0]))})"
            self.conn.execute(
                f"INSERT INTO articles ({_ARTICLE_COLUMNS}) VALUES {', '.join([row] * len(self._articles))}",
                [value for article in self._articles for value in article],
            )
            self._articles.clear()

    def flush(self) -> None:
        self._insert_articles()  # before the raw facts that refer to them
        for sql, rows in self._pending.items():
            self.conn.executemany(sql, rows)
        self._pending.clear()
        self._pending_rows = 0

    def add_quote(
        self,
        person_id: int,
        speaker: str,
        text: str,
        role: str | None,
        org: str | None,
        first_published: str | None,
        sources: Iterable[tuple[int, int, str | None, str | None]],
    ) -> int:
        """A quote and its sources (article id, paragraph, role, org)."""
        quote_id = self._next_id("quotes")
        self._queue(
            "INSERT INTO quotes (id, person_id, speaker, text, role, org, first_published) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(quote_id, person_id, speaker, text, role, org, first_published)],
        )
        self._queue(
            "INSERT OR IGNORE INTO quote_sources (quote_id, article_id, paragraph, role, org) "
            "VALUES (?, ?, ?, ?, ?)",
            ((quote_id, *source) for source in sources),
        )
        self._maybe_flush()
        return quote_id

    def add_org_quote(
        self,
        org_ids: Sequence[int],
        text: str,
        first_published: str | None,
        sources: Iterable[tuple[int, int]],
    ) -> int:
        quote_id = self._next_id("org_quotes")
        self._queue(
            "INSERT INTO org_quotes (id, text, first_published) VALUES (?, ?, ?)",
            [(quote_id, text, first_published)],
        )
        self._queue(
            "INSERT OR IGNORE INTO org_quote_orgs (org_quote_id, entity_id, position) VALUES (?, ?, ?)",
            ((quote_id, entity_id, i) for i, entity_id in enumerate(org_ids)),
        )
        self._queue(
            "INSERT OR IGNORE INTO org_quote_sources (org_quote_id, article_id, paragraph) VALUES (?, ?, ?)",
            ((quote_id, *source) for source in sources),
        )
        self._maybe_flush()
        return quote_id

    def add_partnership(
        self,
        company_a: int,
        company_b: int,
        started: str | None,
        ended: str | None,
        status: PartnershipStatus,
        product_ids: Sequence[int],
        sources: Iterable[tuple[int, int]],
    ) -> int:
        partnership_id = self._next_id("partnerships")
        self._queue(
            "INSERT INTO partnerships (id, company_a, company_b, started, ended, status) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(partnership_id, company_a, company_b, started, ended, status)],
        )
        self._queue(
            "INSERT OR IGNORE INTO partnership_products (partnership_id, product_id, position) "
            "VALUES (?, ?, ?)",
            ((partnership_id, product_id, i) for i, product_id in enumerate(product_ids)),
        )
        self._queue(
            "INSERT OR IGNORE INTO partnership_sources (partnership_id, article_id, paragraph) "
            "VALUES (?, ?, ?)",
            ((partnership_id, *source) for source in sources),
        )
        self._maybe_flush()
        return partnership_id

    def finish_derived(self) -> None:
        self.flush()
        self._build_indexes()
        self.conn.execute("INSERT INTO quotes_fts (quotes_fts) VALUES ('rebuild')")
        self.conn.execute("DROP TABLE IF EXISTS temp.name_map")
        self.conn.execute("DROP TABLE IF EXISTS temp.article_dates")

    # ---------------------------------------------------------------- trivia question bank

    def trivia_facts(self, budget: int = TRIVIA_BUDGET) -> TriviaFacts:
        """The facts the question bank is built from (db.trivia.build_questions), with canonical names.

        On a large corpus, a sample: companies in a fixed pseudo-random order until about `budget`
        derived facts are gathered (the bundled corpus fits whole). Everything about a chosen company
        comes along (all its partnerships, every role there, its events), and the chosen people's roles
        elsewhere as context, so that no wrong answer is right elsewhere. Partnerships come one per
        stating article, so that a partnership dated two ways is seen as such.
        """
        conn = self.conn
        for table in ("trivia_focus", "trivia_pairs", "trivia_people"):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
            conn.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY)")
        ids = [i for (i,) in conn.execute("SELECT id FROM entities WHERE kind = 'company'")]
        ids.sort(key=lambda i: ((i * 2654435761) % 4294967296, i))  # Knuth's multiplicative hash
        gathered = 0
        for company_id in ids:
            if gathered >= budget:
                break
            (weight,) = conn.execute(
                "SELECT (SELECT COUNT(*) FROM partnerships WHERE company_a = ?1 OR company_b = ?1) "
                "+ (SELECT COUNT(*) FROM roles WHERE org_id = ?1) "
                "+ (SELECT COUNT(*) FROM event_companies WHERE entity_id = ?1)",
                (company_id,),
            ).fetchone()
            if weight:
                conn.execute("INSERT INTO temp.trivia_focus (id) VALUES (?)", (company_id,))
                gathered += weight
        focus = "SELECT id FROM temp.trivia_focus"
        conn.execute(
            "INSERT INTO temp.trivia_pairs (id) SELECT id FROM partnerships "
            f"WHERE company_a IN ({focus}) OR company_b IN ({focus})"
        )
        conn.execute(
            "INSERT OR IGNORE INTO temp.trivia_people (id) "
            f"SELECT person_id FROM roles WHERE org_id IN ({focus})"
        )
        entity_of: dict[tuple[str, str], tuple[int, str] | None] = {}

        def entity(kind: str, surface: str) -> tuple[int, str] | None:
            """The entity a surface name means (through the aliases), cached."""
            key = (kind, fold(surface))
            if key not in entity_of:
                entity_of[key] = conn.execute(
                    "SELECT e.id, e.name FROM aliases al JOIN entities e ON e.id = al.entity_id "
                    "WHERE al.key = ? AND e.kind = ? ORDER BY al.curated DESC, e.mentions DESC LIMIT 1",
                    (key[1], kind),
                ).fetchone()
            return entity_of[key]

        def name(kind: str, surface: str) -> str:
            found = entity(kind, surface)
            return found[1] if found else surface

        pairs = {
            pair_id: (a_id, b_id, a, b)
            for pair_id, a_id, b_id, a, b in conn.execute(
                "SELECT p.id, p.company_a, p.company_b, ea.name, eb.name FROM partnerships p "
                "JOIN entities ea ON ea.id = p.company_a JOIN entities eb ON eb.id = p.company_b "
                "WHERE p.id IN (SELECT id FROM temp.trivia_pairs) ORDER BY p.id"
            )
        }
        partnerships: list[PartnershipInfo] = []
        for (
            pair_id,
            company_a,
            company_b,
            started,
            ended,
            status,
            products,
            paragraph,
            *source,
        ) in conn.execute(
            f"""
            SELECT ps.partnership_id, r.company_a, r.company_b, r.started, r.ended, r.status, r.products,
                   r.paragraph, {_SOURCE_COLUMNS}
            FROM partnership_sources ps
            JOIN raw_partnerships r ON r.article_id = ps.article_id AND r.paragraph = ps.paragraph
            JOIN articles a ON a.id = ps.article_id
            WHERE ps.partnership_id IN (SELECT id FROM temp.trivia_pairs)
            ORDER BY ps.partnership_id, a.published, a.id, r.paragraph
            """
        ):
            a_id, b_id, a, b = pairs[pair_id]
            stated = {
                found[0] for found in (entity("company", company_a), entity("company", company_b)) if found
            }
            if stated != {a_id, b_id}:
                continue  # another partnership stated in the same paragraph
            made = tuple(dict.fromkeys(name("product", p) for p in json.loads(products)))
            source = _source(source, paragraph=paragraph)
            partnerships.append(PartnershipInfo(pair_id, a, b, started, ended, status, made, (source,)))
        context_partnerships = [
            PartnershipInfo(pair_id, a, b, None, None, "active", tuple(products.split("\x1f")), ())
            for pair_id, a, b, products in conn.execute(
                """
                SELECT p.id, ea.name, eb.name,
                       (SELECT group_concat(e.name, char(31)) FROM partnership_products pp
                        JOIN entities e ON e.id = pp.product_id WHERE pp.partnership_id = p.id)
                FROM partnerships p
                JOIN entities ea ON ea.id = p.company_a JOIN entities eb ON eb.id = p.company_b
                WHERE p.id IN (
                    SELECT other.partnership_id FROM partnership_products mine
                    JOIN partnership_products other ON other.product_id = mine.product_id
                    WHERE mine.partnership_id IN (SELECT id FROM temp.trivia_pairs)
                ) AND p.id NOT IN (SELECT id FROM temp.trivia_pairs)
                ORDER BY p.id
                """
            )
        ]
        role_sql = f"""
            SELECT ep.name, r.role, eo.name, r.paragraph, {_SOURCE_COLUMNS}
            FROM roles r JOIN entities ep ON ep.id = r.person_id
            JOIN entities eo ON eo.id = r.org_id JOIN articles a ON a.id = r.article_id
            WHERE {{where}} ORDER BY a.published, a.id, r.paragraph
        """
        roles, context_roles = (
            [
                PersonRole(person, role, org, _source(source, paragraph=paragraph))
                for person, role, org, paragraph, *source in conn.execute(role_sql.format(where=where))
            ]
            for where in (
                f"r.org_id IN ({focus})",
                f"r.person_id IN (SELECT id FROM temp.trivia_people) AND r.org_id NOT IN ({focus})",
            )
        )
        quotes: dict[int, list[Any]] = {}
        for quote_id, speaker, text, role, org, paragraph, *source in conn.execute(
            f"""
            SELECT q.id, e.name, q.text, q.role, q.org, s.paragraph, {_SOURCE_COLUMNS}
            FROM quotes q JOIN entities e ON e.id = q.person_id
            JOIN quote_sources s ON s.quote_id = q.id JOIN articles a ON a.id = s.article_id
            WHERE q.person_id IN (SELECT id FROM temp.trivia_people)
            ORDER BY q.id, a.published, a.id, s.paragraph
            """
        ):
            entry = quotes.setdefault(
                quote_id, [speaker, text, role, name("company", org) if org else None, []]
            )
            entry[4].append(_source(source, paragraph=paragraph))
        event_ids = f"SELECT event_id FROM event_companies WHERE entity_id IN ({focus})"
        companies: dict[int, list[str]] = defaultdict(list)
        for event_id, company in conn.execute(
            "SELECT ec.event_id, e.name FROM event_companies ec JOIN entities e ON e.id = ec.entity_id "
            f"WHERE ec.event_id IN ({event_ids}) ORDER BY e.name"
        ):
            companies[event_id].append(company)
        events = [
            TimelineEvent(date, what, tuple(companies[event_id]), _source(source, paragraph=paragraph))
            for event_id, date, what, paragraph, *source in conn.execute(
                f"""
                SELECT ev.id, ev.date, ev.what, s.paragraph, {_SOURCE_COLUMNS}
                FROM events ev JOIN event_sources s ON s.event_id = ev.id
                JOIN articles a ON a.id = s.article_id
                WHERE ev.id IN ({event_ids})
                ORDER BY ev.date, ev.id, a.published, a.id
                """
            )
        ]
        names = {
            "company": [a for _, _, a, _ in pairs.values()] + [b for _, _, _, b in pairs.values()],
            "person": [r.person for r in roles] + [q[0] for q in quotes.values()],
            "product": [p for info in (*partnerships, *context_partnerships) for p in info.products],
        }
        names["company"] += [r.org or "" for r in (*roles, *context_roles)] + [
            c for e in events for c in e.companies
        ]
        years = [y for (y,) in conn.execute("SELECT DISTINCT substr(published, 1, 4) FROM articles")]
        return TriviaFacts(
            quotes=tuple(
                QuoteInfo(quote_id, speaker, text, role, org, tuple(sources))
                for quote_id, (speaker, text, role, org, sources) in quotes.items()
            ),
            partnerships=tuple(partnerships),
            roles=tuple(roles),
            events=tuple(events),
            companies=tuple(sorted(set(names["company"]) - {""})),
            people=tuple(sorted(set(names["person"]))),
            products=tuple(sorted(set(names["product"]) - {""})),
            years=tuple(y for y in years if y),
            context_partnerships=tuple(context_partnerships),
            context_roles=tuple(context_roles),
        )

    def said_elsewhere(self, words: str, speaker: str) -> bool:
        """Does the knowledge base give these words (a quote excerpt) to someone other than `speaker`?

        The quotes holding the excerpt's three longest words are read and checked for the whole excerpt
        (a phrase query would read the long lists of words like "the"). Words found in more than
        TRIVIA_COMMON quotes count as said elsewhere: a stock phrase makes a poor question.
        """
        terms = sorted(set(re.findall(r"[^\W_]+", words)), key=lambda t: (-len(t), t))[:3]
        if not terms:
            return False
        rows = self.conn.execute(
            "SELECT e.name, q.text FROM (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ? LIMIT ?) m "
            "JOIN quotes q ON q.id = m.rowid JOIN entities e ON e.id = q.person_id",
            (" AND ".join(f'text : "{t}"' for t in terms), TRIVIA_COMMON + 1),
        ).fetchall()
        wanted = fold(words)
        holders = [name for name, text in rows if wanted in fold(text)]
        return len(rows) > TRIVIA_COMMON or any(n != speaker for n in holders)

    def write_trivia(self, questions: Sequence[TriviaQuestion]) -> None:
        """Replace the question bank; each question's topics are linked to the companies of those names."""
        conn = self.conn
        conn.execute("DELETE FROM trivia_topics")
        conn.execute("DELETE FROM trivia_questions")
        companies = dict(conn.execute("SELECT name, id FROM entities WHERE kind = 'company'").fetchall())
        for q in questions:
            cursor = conn.execute(
                "INSERT INTO trivia_questions (key, kind, prompt, answer, distractors, article_id, "
                "paragraph, fact, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    q.key,
                    q.kind,
                    q.prompt,
                    q.answer,
                    json.dumps(list(q.distractors)),
                    q.source.article_id,
                    q.source.paragraph,
                    q.fact,
                    q.detail,
                ),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO trivia_topics (question_id, entity_id) VALUES (?, ?)",
                ((cursor.lastrowid, companies[name]) for name in q.topics if name in companies),
            )


def _ids(joined: str | None) -> tuple[int, ...]:
    """Entity ids from group_concat() (comma-separated), without repeats, in order."""
    return tuple(dict.fromkeys(int(x) for x in joined.split(","))) if joined else ()


# ------------------------------------------------------------------------------------------------ export


def write_export(db_path: Path, out: TextIO) -> None:
    """The whole knowledge base as one JSON document, written piece by piece (never all in memory).

    Keys: articles, quotes, org_quotes, partnerships, people, companies, events; a source is
    {"article_id", "file", "url"}; an org quote's "organisation" is a list (a statement can be joint).
    Opens the database read-only; raises sqlite3.Error if it cannot.
    """
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("BEGIN")  # one snapshot for the whole document
        conn.execute("SELECT 1 FROM articles LIMIT 1")
        sections = {
            "articles": _export_articles(conn),
            "quotes": _export_quotes(conn),
            "org_quotes": _export_org_quotes(conn),
            "partnerships": _export_partnerships(conn),
            "people": _export_people(conn),
            "companies": _export_companies(conn),
            "events": _export_events(conn),
        }
        out.write("{")
        for n, (name, items) in enumerate(sections.items()):
            out.write(f"{',' if n else ''}\n  {json.dumps(name)}: [")
            for i, item in enumerate(items):
                out.write(("," if i else "") + "\n    " + json.dumps(item, ensure_ascii=False))
            out.write("\n  ]")
        out.write("\n}\n")
    finally:
        conn.close()


def _sources_by(conn: sqlite3.Connection, sql: str, key_id: int) -> list[dict[str, Any]]:
    return [{"article_id": a, "file": f, "url": u} for a, f, u in conn.execute(sql, (key_id,))]


def _export_articles(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    rows = conn.execute("SELECT id, file, title, url, publisher, published, body FROM articles ORDER BY id")
    for id_, file, title, url, publisher, published, body in rows:
        yield {
            "id": id_,
            "file": file,
            "title": title,
            "url": url,
            "publisher": publisher,
            "published": published,
            "body": body,
        }


_EXPORT_SOURCES = (
    "SELECT DISTINCT a.id, a.file, a.url FROM {table} s JOIN articles a ON a.id = s.article_id "
    "WHERE s.{key} = ? ORDER BY a.published, a.id"
)


def _export_quotes(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    sql = _EXPORT_SOURCES.format(table="quote_sources", key="quote_id")
    rows = conn.execute(
        "SELECT q.id, e.name, q.role, q.org, q.text FROM quotes q JOIN entities e ON e.id = q.person_id "
        "ORDER BY e.name, q.first_published, q.id"
    ).fetchall()
    for id_, speaker, role, org, text in rows:
        yield {
            "speaker": speaker,
            "speaker_role": role,
            "speaker_org": org,
            "text": text,
            "sources": _sources_by(conn, sql, id_),
        }


def _export_org_quotes(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    sql = _EXPORT_SOURCES.format(table="org_quote_sources", key="org_quote_id")
    for id_, text in conn.execute("SELECT id, text FROM org_quotes ORDER BY first_published, id").fetchall():
        orgs = [
            n
            for (n,) in conn.execute(
                "SELECT e.name FROM org_quote_orgs o JOIN entities e ON e.id = o.entity_id "
                "WHERE o.org_quote_id = ? ORDER BY o.position",
                (id_,),
            )
        ]
        yield {"organisation": orgs, "text": text, "sources": _sources_by(conn, sql, id_)}


def _export_partnerships(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    sql = _EXPORT_SOURCES.format(table="partnership_sources", key="partnership_id")
    rows = conn.execute(
        "SELECT p.id, ea.name, eb.name, p.started, p.ended, p.status FROM partnerships p "
        "JOIN entities ea ON ea.id = p.company_a JOIN entities eb ON eb.id = p.company_b ORDER BY p.id"
    ).fetchall()
    for id_, a, b, started, ended, status in rows:
        products = [
            n
            for (n,) in conn.execute(
                "SELECT e.name FROM partnership_products pp JOIN entities e ON e.id = pp.product_id "
                "WHERE pp.partnership_id = ? ORDER BY pp.position",
                (id_,),
            )
        ]
        yield {
            "companies": sorted([a, b]),
            "started": started,
            "ended": ended,
            "status": status,
            "products": products,
            "sources": _sources_by(conn, sql, id_),
        }


def _export_people(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    for id_, name in conn.execute(
        "SELECT id, name FROM entities WHERE kind = 'person' ORDER BY name"
    ).fetchall():
        roles = [
            {"role": role, "org": org, "source": {"article_id": a, "file": f, "url": u}}
            for role, org, a, f, u in conn.execute(
                "SELECT r.role, r.org, a.id, a.file, a.url FROM roles r "
                "JOIN articles a ON a.id = r.article_id WHERE r.person_id = ? ORDER BY r.published, a.id",
                (id_,),
            )
        ]
        yield {"name": name, "roles": roles}


def _export_companies(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    for id_, name in conn.execute(
        "SELECT id, name FROM entities WHERE kind = 'company' ORDER BY name"
    ).fetchall():
        aliases = [
            a
            for (a,) in conn.execute(
                "SELECT alias FROM aliases WHERE entity_id = ? AND alias != ? ORDER BY alias", (id_, name)
            )
        ]
        yield {"name": name, "aliases": aliases}


def _export_events(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    sql = _EXPORT_SOURCES.format(table="event_sources", key="event_id")
    for id_, date, precision, what in conn.execute(
        "SELECT id, date, precision, what FROM events ORDER BY date, id"
    ).fetchall():
        yield {"date": date, "precision": precision, "what": what, "sources": _sources_by(conn, sql, id_)}


# ------------------------------------------------------------------------------------------------ Store


@dataclass(frozen=True)
class _Indexes:
    names: dict[EntityKind, NameIndex]
    articles: ArticleIndex


class _Reader:
    """One read connection to the knowledge base, and the one thread that uses it (None: the event loop's).

    A whole query method runs in one call, inside one read transaction: one snapshot for every statement
    of it. Results that stay the same until the data changes (totals, timelines) are kept for the data
    version they were read at.
    """

    def __init__(self, db_path: Path, thread_name: str | None = None) -> None:
        self.conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout = {schema.BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA query_only = ON")
        self.thread = ThreadPoolExecutor(1, thread_name_prefix=thread_name) if thread_name else None
        self._version = -1
        self._kept: dict[Hashable, Any] = {}

    def run(self, query: Callable[[sqlite3.Connection], T], key: Hashable | None) -> T:
        """`query(conn)` in one read transaction; with a `key`, the kept result while the data is the same."""
        self.conn.execute("BEGIN")
        try:
            # Changes when another connection commits (an ingest, a rollback). The first statement of the
            # transaction, it also starts the snapshot: the version is that of the data read below.
            version = self.conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                self._version, self._kept = version, {}
            if key is None:
                return query(self.conn)
            kept: T = self._kept.pop(key) if key in self._kept else query(self.conn)
            self._kept[key] = kept  # the newest last
            if len(self._kept) > KEPT_RESULTS:
                del self._kept[next(iter(self._kept))]  # the least recently asked for
            return kept
        finally:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        if self.thread is None:
            self.conn.close()
            return
        self.thread.submit(self.conn.close).result()
        self.thread.shutdown()


class Store:
    """The knowledge base and the members' data, for the bot. Open with `await Store.open(...)`.

    Lookups run at once on the event loop's thread, through their own reader: they take a millisecond or
    two, less than handing them to another thread and back can take on a busy machine. The heavier reads
    (searches, the whole timeline, reloads) run on HEAVY_READERS readers with their own threads: a lookup
    never waits for one, and however many users search at once, at most HEAVY_READERS searches run at a time.
    """

    def __init__(
        self,
        db_path: Path,
        user_db_path: Path,
        light: _Reader,
        heavy: list[_Reader],
        user: aiosqlite.Connection,
    ) -> None:
        self.db_path = db_path
        self.user_db_path = user_db_path
        self._light = light
        self._readers = [light, *heavy]
        self._heavy: asyncio.Queue[_Reader] = asyncio.Queue()
        for reader in heavy:
            self._heavy.put_nowait(reader)
        self._user = user
        self._user_lock = asyncio.Lock()
        self._indexes = _Indexes({k: NameIndex(k, ()) for k in ENTITY_KINDS}, ArticleIndex(()))

    # ---------------------------------------------------------------- lifecycle

    @classmethod
    async def open(cls, db_path: Path, user_db_path: Path) -> Store:
        """Create folders, migrate both databases, open the readers, load the name indexes."""
        await asyncio.to_thread(_prepare, db_path, schema.KB_MIGRATIONS)
        await asyncio.to_thread(_prepare, user_db_path, schema.USER_MIGRATIONS)
        readers: list[_Reader] = []
        user: aiosqlite.Connection | None = None
        try:
            readers.append(await asyncio.to_thread(_Reader, db_path))
            for n in range(HEAVY_READERS):
                readers.append(await asyncio.to_thread(_Reader, db_path, f"clippings-read-{n}"))
            user = await aiosqlite.connect(user_db_path, isolation_level=None)
            await user.execute(f"PRAGMA busy_timeout = {schema.BUSY_TIMEOUT_MS}")
            await user.execute("PRAGMA foreign_keys = ON")
            store = cls(db_path, user_db_path, readers[0], readers[1:], user)
            await store.reload()
        except BaseException:
            for reader in readers:
                with suppress(Exception):
                    reader.close()
            if user is not None:
                with suppress(Exception):
                    await user.close()
            raise
        return store

    async def close(self) -> None:
        """Wait briefly for running queries, then close every connection."""
        for _ in self._readers[1:]:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._heavy.get(), timeout=5)
        for reader in self._readers:
            with suppress(Exception):
                await asyncio.to_thread(reader.close)
        with suppress(Exception):
            await self._user.close()

    async def reload(self) -> None:
        """Re-read the name indexes (after an ingest committed)."""
        self._indexes = await self._read(_load_indexes, heavy=True)
        # The indexes' large dicts cost every full garbage collection ~100 ms at 100k articles, though they
        # hold no cycles: exempt what lives now. Unfreezing first lets the replaced indexes be collected.
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    async def _read(
        self, query: Callable[[sqlite3.Connection], T], *, heavy: bool = False, key: Hashable | None = None
    ) -> T:
        """`query(conn)` in one read transaction (see _Reader.run): a lookup at once, on this thread; a
        heavy query on a free heavy reader's thread."""
        if not heavy:
            return self._light.run(query, key)
        reader = await self._heavy.get()
        try:
            return await asyncio.get_running_loop().run_in_executor(reader.thread, reader.run, query, key)
        finally:
            self._heavy.put_nowait(reader)

    # ---------------------------------------------------------------- names

    async def resolve(self, kind: EntityKind, name: str) -> Resolution:
        """Exact folded name → alias → surname/short name → a typo or two; else up to 3 suggestions."""
        return self._indexes.names[kind].resolve(name)

    def complete(self, kind: EntityKind, prefix: str, limit: int = 25) -> list[str]:
        """Names for autocomplete (in memory); "" gives the most mentioned."""
        return self._indexes.names[kind].complete(prefix, limit)

    async def resolve_article(self, text: str) -> tuple[int | None, tuple[str, ...]]:
        """An article id, file name or title → its id; otherwise up to 3 similar titles."""
        return self._indexes.articles.resolve(text)

    def complete_articles(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        """(label ≤ 100 chars, article id as text) for autocomplete; "" gives the newest."""
        return self._indexes.articles.complete(prefix, limit)

    # ---------------------------------------------------------------- queries

    async def stats(self) -> CorpusStats:
        return await self._read(_stats, key="stats")

    async def partnerships(self, company_id: int) -> list[PartnershipInfo]:
        """The company's partnerships, oldest first; `partner` is the other company."""
        return await self._read(lambda conn: _partnerships(conn, [company_id]))

    async def quotes_by(self, person_id: int, about: str | None = None) -> list[QuoteInfo]:
        """The person's quotes, oldest first; `about` keeps those containing its words (ignored if none)."""
        match = fts_query(about) if about else None
        where = "q.person_id = ?"
        params: list[Any] = [person_id]
        if match:
            # A quote's speaker column holds its person's name: asking for that name too makes FTS5 walk
            # only entries of their quotes, however common the word is (20 ms -> 0.5 ms at 100,000 articles).
            name = fts_query(self._indexes.names["person"].name(person_id) or "")
            where += " AND q.id IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?)"
            params.append(f"speaker : ({name}) AND ({match})" if name else match)
        return await self._read(lambda conn: _quotes(conn, where, params))

    async def org_quotes(self, company_id: int) -> list[OrgQuoteInfo]:
        """Words of the company itself (statements, tweets, spokespeople), oldest first."""
        return await self._read(lambda conn: _org_quotes(conn, company_id))

    async def person(self, person_id: int) -> PersonProfile | None:
        return await self._read(lambda conn: _person(conn, person_id))

    async def company(self, company_id: int) -> CompanyProfile | None:
        return await self._read(lambda conn: _company(conn, company_id))

    async def article(self, article_id: int) -> ArticleCard | None:
        return await self._read(lambda conn: _article(conn, article_id))

    async def search(self, query: str, *, limit: int = 10, offset: int = 0) -> list[SearchHit]:
        """Articles and quotes matching every word of `query` (any word, if none match all), best first.

        Any text is safe: see fts_query(). Snippets mark matches with HIGHLIGHT_START/END.
        """
        limit, offset = max(0, min(limit, 100)), max(0, offset)
        match = fts_query(query)
        if match is None or limit == 0:
            return []
        any_word = fts_query(query, any_word=True) or match

        def run(conn: sqlite3.Connection) -> list[tuple[float, SearchHit]]:
            hits = _search(conn, match, limit + offset)
            if not hits and " " in match:
                hits = _search(conn, any_word, limit + offset)
            return hits

        def at_once(conn: sqlite3.Connection) -> list[tuple[float, SearchHit]] | None:
            """The hits if there are few matches (a lookup's work), else None. Counting them, only up
            to one more than FEW_MATCHES, takes a tenth of a millisecond even for a word in every article."""
            found = _matches(conn, match, FEW_MATCHES + 1)
            if not found and " " in match:  # run() searches for any of the words instead
                found = _matches(conn, any_word, FEW_MATCHES + 1)
            return run(conn) if found <= FEW_MATCHES else None

        hits = await self._read(at_once)
        if hits is None:
            hits = await self._read(run, heavy=True)
        return [hit for _, hit in sorted(hits, key=lambda h: h[0])][offset : offset + limit]

    async def timeline(self, company_id: int | None = None, *, limit: int = 100) -> list[TimelineEvent]:
        """Dated events, oldest first (all, or those naming one company), with the start and end of every
        partnership that has them, unless an extracted event on that date already names both companies."""
        limit = max(0, limit)
        if company_id is not None:  # milliseconds
            return list(await self._read(lambda conn: _timeline(conn, company_id, limit)))
        # A tenth of a second at 100,000 articles, and the same answer for everyone until the data changes.
        events = await self._read(
            lambda conn: _timeline(conn, None, limit), heavy=True, key=("timeline", limit)
        )
        return list(events)

    # ---------------------------------------------------------------- members' data

    async def guild_settings(self, guild_id: int) -> dict[str, str]:
        rows = await self._user.execute_fetchall(
            "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return {key: value for key, value in rows}

    async def set_guild_setting(self, guild_id: int, key: str, value: str) -> None:
        async with self._user_lock:
            await self._user.execute(
                "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                (guild_id, key, value),
            )

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append one line to the moderators' audit log."""
        async with self._user_lock:
            await self._user.execute(
                "INSERT INTO audit_log (at, guild_id, user_id, user_name, command, outcome, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.at,
                    entry.guild_id,
                    entry.user_id,
                    entry.user_name,
                    entry.command,
                    entry.outcome,
                    entry.detail,
                ),
            )

    async def audit_log(self, *, commands: Sequence[str] = (), limit: int = 10) -> list[AuditEntry]:
        """The newest entries first; only those of `commands` when given."""
        where = f"WHERE command IN ({', '.join('?' * len(commands))})" if commands else ""
        rows = await self._user.execute_fetchall(
            "SELECT at, guild_id, user_id, user_name, command, outcome, detail FROM audit_log "
            f"{where} ORDER BY id DESC LIMIT ?",
            (*commands, limit),
        )
        return [AuditEntry(*row) for row in rows]

    # ---------------------------------------------------------------- trivia

    async def trivia_questions(self, topic_id: int | None = None) -> list[TriviaQuestion]:
        """The question bank (all, or the questions about one company), in a fixed order."""
        bank = await self._read(
            lambda conn: tuple(_trivia_questions(conn, topic_id)), key=("trivia", topic_id)
        )
        return list(bank)

    async def trivia_settings(self, guild_id: int) -> TriviaSettings:
        saved = await self.guild_settings(guild_id)
        default = TriviaSettings()
        return TriviaSettings(
            questions=int(saved.get("trivia.questions", default.questions)),
            seconds=int(saved.get("trivia.seconds", default.seconds)),
        )

    async def set_trivia_settings(
        self, guild_id: int, *, questions: int | None = None, seconds: int | None = None
    ) -> TriviaSettings:
        """Save the given values (the others stay). Seconds may be as low as 1 here (tests); the command
        asks members for more."""
        if questions is not None:
            await self.set_guild_setting(guild_id, "trivia.questions", str(max(1, questions)))
        if seconds is not None:
            await self.set_guild_setting(guild_id, "trivia.seconds", str(max(1, seconds)))
        return await self.trivia_settings(guild_id)

    async def _user_write(self, sql: str, params: Sequence[Any]) -> int:
        """One statement on the members' database; returns lastrowid (INSERT) or the rows changed."""
        async with self._user_lock:
            cursor = await self._user.execute(sql, params)
            if sql.lstrip().upper().startswith("INSERT"):
                return int(cursor.lastrowid or 0)
            return int(cursor.rowcount)

    async def trivia_start_game(
        self,
        *,
        guild_id: int,
        channel_id: int,
        started_by: int,
        questions: int,
        seconds: float,
        topic: str | None,
        started_at: float,
    ) -> int:
        return await self._user_write(
            "INSERT INTO trivia_games (guild_id, channel_id, started_by, questions, seconds, topic, "
            "started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, channel_id, started_by, questions, seconds, topic, started_at),
        )

    async def trivia_game_message(self, game_id: int, message_id: int) -> None:
        await self._user_write("UPDATE trivia_games SET message_id = ? WHERE id = ?", (message_id, game_id))

    async def trivia_record_answer(
        self,
        *,
        game_id: int,
        guild_id: int,
        user_id: int,
        number: int,
        question_key: str,
        correct: bool,
        points: int,
        answered_at: float,
    ) -> bool:
        """Write one answer with its points (at once: a restart loses nothing). False if already answered."""
        changed = await self._user_write(
            "INSERT OR IGNORE INTO trivia_answers (game_id, number, user_id, guild_id, question_key, "
            "correct, points, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (game_id, number, user_id, guild_id, question_key, int(correct), points, answered_at),
        )
        return changed > 0

    async def trivia_end_game(self, game_id: int, status: str, ended_at: float) -> None:
        await self._user_write(
            "UPDATE trivia_games SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
            (status, ended_at, game_id),
        )

    async def trivia_running_games(self) -> list[RunningGame]:
        rows = await self._user.execute_fetchall(
            "SELECT id, guild_id, channel_id, message_id FROM trivia_games WHERE status = 'running' "
            "ORDER BY id"
        )
        return [RunningGame(*row) for row in rows]

    async def trivia_game_scores(self, game_id: int) -> list[PlayerScore]:
        rows = await self._user.execute_fetchall(
            "SELECT user_id, points, correct, answered FROM trivia_scores WHERE game_id = ? "
            "ORDER BY points DESC, user_id",
            (game_id,),
        )
        return [PlayerScore(*row) for row in rows]

    async def trivia_leaderboard(
        self, guild_id: int, *, since: float | None = None, limit: int = 10
    ) -> list[LeaderboardRow]:
        """Members by points in games started since `since` (None: ever): wins, games, total points.

        A win is the top score (ties share it, zero never wins) of a game played to its last question.
        """
        rows = await self._user.execute_fetchall(
            """
            WITH s AS (
                SELECT sc.game_id, sc.user_id, sc.points, g.status,
                       MAX(sc.points) OVER (PARTITION BY sc.game_id) AS top
                FROM trivia_scores sc JOIN trivia_games g ON g.id = sc.game_id
                WHERE g.guild_id = ? AND (? IS NULL OR g.started_at >= ?)
            )
            SELECT user_id,
                   SUM(status = 'finished' AND points = top AND points > 0) AS wins,
                   COUNT(*) AS games,
                   SUM(points) AS total
            FROM s GROUP BY user_id
            ORDER BY total DESC, wins DESC, user_id
            LIMIT ?
            """,
            (guild_id, since, since, max(1, limit)),
        )
        return [LeaderboardRow(*row) for row in rows]

    async def trivia_member_stats(self, guild_id: int, user_id: int) -> MemberStats:
        board = {row.user_id: row for row in await self.trivia_leaderboard(guild_id, limit=1_000_000)}
        answers = list(
            await self._user.execute_fetchall(
                "SELECT game_id, number, correct FROM trivia_answers WHERE guild_id = ? AND user_id = ? "
                "ORDER BY game_id, number",
                (guild_id, user_id),
            )
        )
        best = streak = 0
        last: tuple[int, int] | None = None
        for game_id, number, correct in answers:
            follows = last is not None and last == (game_id, number - 1)
            streak = (streak + 1 if follows else 1) if correct else 0
            best = max(best, streak)
            last = (game_id, number) if correct else None
        mine = board.get(user_id)
        if mine is None:
            return MemberStats(user_id)
        rank = 1 + sum(1 for row in board.values() if row.total > mine.total)
        return MemberStats(
            user_id=user_id,
            games=mine.games,
            wins=mine.wins,
            total=mine.total,
            answered=len(answers),
            right=sum(int(c) for _, _, c in answers),
            best_streak=best,
            rank=rank,
        )

    async def trivia_forget_member(self, user_id: int) -> int:
        """Remove a member's trivia answers everywhere (and their name from games they started)."""
        async with self._user_lock:
            await self._user.execute("BEGIN IMMEDIATE")
            try:
                cursor = await self._user.execute("DELETE FROM trivia_answers WHERE user_id = ?", (user_id,))
                removed = cursor.rowcount
                await self._user.execute(
                    "UPDATE trivia_games SET started_by = NULL WHERE started_by = ?", (user_id,)
                )
                await self._user.execute("COMMIT")
            except BaseException:
                await self._user.execute("ROLLBACK")
                raise
        return int(removed)


def _prepare(path: Path, migrations: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = schema.connect(path)
    try:
        schema.migrate(conn, migrations)
    finally:
        conn.close()


def _load_indexes(conn: sqlite3.Connection) -> _Indexes:
    aliases: dict[int, list[str]] = defaultdict(list)
    for entity_id, alias in conn.execute("SELECT entity_id, alias FROM aliases"):
        aliases[entity_id].append(alias)
    by_kind: dict[EntityKind, list[EntityRow]] = {k: [] for k in ENTITY_KINDS}
    for id_, kind, name, mentions in conn.execute("SELECT id, kind, name, mentions FROM entities"):
        by_kind[kind].append(EntityRow(id_, kind, name, mentions, tuple(aliases[id_])))
    articles = conn.execute("SELECT id, title, file, published FROM articles")
    return _Indexes(
        {kind: NameIndex(kind, rows) for kind, rows in by_kind.items()},
        ArticleIndex(ArticleRow(*row) for row in articles),
    )


def _grouped(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> dict[int, list[Any]]:
    """The values of (key, value) rows grouped by key, in query order."""
    out: dict[int, list[Any]] = defaultdict(list)
    for key, value in conn.execute(sql, params):
        out[key].append(value)
    return out


def _sources(
    conn: sqlite3.Connection, table: str, key: str, ids_sql: str, params: Sequence[Any]
) -> dict[int, list[Source]]:
    """The sources of every fact whose id `ids_sql` selects, oldest article first."""
    rows = conn.execute(
        f"SELECT s.{key}, {_SOURCE_COLUMNS}, s.paragraph FROM {table} s "
        f"JOIN articles a ON a.id = s.article_id WHERE s.{key} IN ({ids_sql}) "
        "ORDER BY a.published, a.id, s.paragraph",
        params,
    )
    out: dict[int, list[Source]] = defaultdict(list)
    for fact_id, *source in rows:  # Source's fields, in order
        out[fact_id].append(Source(*source))
    return out


def _count(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int:
    return int(conn.execute(sql, params).fetchone()[0])


def _entity(conn: sqlite3.Connection, entity_id: int, kind: EntityKind) -> str | None:
    row = conn.execute("SELECT name FROM entities WHERE id = ? AND kind = ?", (entity_id, kind)).fetchone()
    return row[0] if row else None


def _aliases(conn: sqlite3.Connection, entity_id: int, name: str) -> tuple[str, ...]:
    rows = conn.execute(
        "SELECT alias FROM aliases WHERE entity_id = ? AND alias != ? ORDER BY alias", (entity_id, name)
    )
    return tuple(r[0] for r in rows)


def _mentioning(conn: sqlite3.Connection, entity_id: int) -> tuple[Source, ...]:
    rows = conn.execute(
        f"SELECT {_SOURCE_COLUMNS}, m.paragraph FROM mentions m JOIN articles a ON a.id = m.article_id "
        "WHERE m.entity_id = ? ORDER BY a.published DESC, a.id DESC LIMIT ?",
        (entity_id, PROFILE_ARTICLES),
    )
    return tuple(Source(*row) for row in rows)


def _distinct_roles(conn: sqlite3.Connection, rows: Iterable[Sequence[Any]]) -> tuple[RoleInfo, ...]:
    """Each (role, organisation) of the (role, org, paragraph, article_id, org_id) rows once, with the
    earliest article that states it; oldest first. Only the articles of those are read."""
    seen: set[tuple[str, Any]] = set()
    first: list[tuple[str, str | None, int, int]] = []
    for role, org, paragraph, article_id, org_id in rows:
        key = (role.casefold(), org_id if org_id is not None else (org or "").casefold())
        if key not in seen:
            seen.add(key)
            first.append((role, org, paragraph, article_id))
    if not first:
        return ()
    articles = {
        row[0]: row
        for row in conn.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM articles a WHERE a.id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted({article_id for *_, article_id in first})),),
        )
    }
    return tuple(
        RoleInfo(role, org, _source(articles[article_id], paragraph=paragraph))
        for role, org, paragraph, article_id in first
    )


def _stats(conn: sqlite3.Connection) -> CorpusStats:
    row = conn.execute(
        """
        SELECT (SELECT COUNT(*) FROM articles),
               (SELECT COUNT(*) FROM quotes),
               (SELECT COUNT(*) FROM entities WHERE kind = 'person'),
               (SELECT COUNT(*) FROM entities WHERE kind = 'company'),
               (SELECT COUNT(*) FROM partnerships),
               (SELECT COUNT(*) FROM events),
               (SELECT finished_at FROM ingest_log ORDER BY id DESC LIMIT 1)
        """
    ).fetchone()
    return CorpusStats(*row)


def _org_quotes(conn: sqlite3.Connection, company_id: int) -> list[OrgQuoteInfo]:
    rows = conn.execute(
        "SELECT id, text FROM org_quotes WHERE id IN "
        "(SELECT org_quote_id FROM org_quote_orgs WHERE entity_id = ?) ORDER BY first_published, id",
        (company_id,),
    ).fetchall()
    orgs = _grouped(
        conn,
        "SELECT o.org_quote_id, e.name FROM org_quote_orgs o JOIN entities e ON e.id = o.entity_id "
        "WHERE o.org_quote_id IN (SELECT org_quote_id FROM org_quote_orgs WHERE entity_id = ?) "
        "ORDER BY o.position",
        (company_id,),
    )
    sources = _sources(
        conn,
        "org_quote_sources",
        "org_quote_id",
        "SELECT org_quote_id FROM org_quote_orgs WHERE entity_id = ?",
        (company_id,),
    )
    return [OrgQuoteInfo(id_, tuple(orgs[id_]), text, tuple(sources[id_])) for id_, text in rows]


def _person(conn: sqlite3.Connection, person_id: int) -> PersonProfile | None:
    entity = _entity(conn, person_id, "person")
    if entity is None:
        return None
    aliases = _aliases(conn, person_id, entity)
    role_rows = conn.execute(
        "SELECT role, org, paragraph, article_id, org_id FROM roles WHERE person_id = ? "
        "ORDER BY published, article_id",
        (person_id,),
    ).fetchall()
    roles = _distinct_roles(conn, role_rows)
    quote_count = _count(conn, "SELECT COUNT(*) FROM quotes WHERE person_id = ?", (person_id,))
    articles = _mentioning(conn, person_id)
    org_ids = list(dict.fromkeys(r[-1] for r in role_rows if r[-1] is not None))
    partnerships = _partnerships(conn, org_ids)
    return PersonProfile(person_id, entity, aliases, roles, quote_count, articles, tuple(partnerships))


def _company(conn: sqlite3.Connection, company_id: int) -> CompanyProfile | None:
    entity = _entity(conn, company_id, "company")
    if entity is None:
        return None
    aliases = _aliases(conn, company_id, entity)
    partnerships = _partnerships(conn, [company_id])
    # The latest role of each person at this company (MAX picks the row; the other columns follow it).
    people_rows = conn.execute(
        f"""
        SELECT e.name, r.role, r.org, r.paragraph, {_SOURCE_COLUMNS}
        FROM (SELECT person_id, role, org, paragraph, article_id,
                     MAX(coalesce(published, '') || printf(' %012d', article_id)) AS latest
              FROM roles WHERE org_id = ? GROUP BY person_id ORDER BY latest DESC LIMIT ?) r
        JOIN entities e ON e.id = r.person_id JOIN articles a ON a.id = r.article_id
        ORDER BY r.latest DESC
        """,
        (company_id, PROFILE_PEOPLE),
    )
    people = [
        (name, RoleInfo(role, org, _source(source, paragraph=paragraph)))
        for name, role, org, paragraph, *source in people_rows
    ]
    quote_count = _count(
        conn,
        "SELECT (SELECT COUNT(*) FROM org_quote_orgs WHERE entity_id = ?) "
        "+ (SELECT COUNT(*) FROM quotes "
        "WHERE person_id IN (SELECT person_id FROM roles WHERE org_id = ?))",
        (company_id, company_id),
    )
    articles = _mentioning(conn, company_id)
    products = tuple(dict.fromkeys(p for info in partnerships for p in info.products))
    return CompanyProfile(
        company_id, entity, aliases, tuple(partnerships), tuple(people), products, quote_count, articles
    )


def _article(conn: sqlite3.Connection, article_id: int) -> ArticleCard | None:
    row = conn.execute(
        f"SELECT {_SOURCE_COLUMNS}, a.author, a.body, a.paragraph_offsets FROM articles a WHERE a.id = ?",
        (article_id,),
    ).fetchone()
    if row is None:
        return None
    named = conn.execute(
        "SELECT e.kind, e.name FROM mentions m JOIN entities e ON e.id = m.entity_id "
        "WHERE m.article_id = ? AND e.kind IN ('person', 'company') ORDER BY m.paragraph, e.name",
        (article_id,),
    ).fetchall()
    quotes = _quotes(conn, "q.id IN (SELECT quote_id FROM quote_sources WHERE article_id = ?)", [article_id])
    quotes.sort(key=lambda q: min(s.paragraph or 0 for s in q.sources if s.article_id == article_id))
    body, offsets = row[7], json.loads(row[8])
    lead = body[: offsets[1] - 2] if len(offsets) > 1 else body
    return ArticleCard(
        source=_source(row),
        author=row[6],
        lead=lead,
        people=tuple(n for k, n in named if k == "person"),
        companies=tuple(n for k, n in named if k == "company"),
        quotes=tuple(quotes),
    )


def _partnerships(conn: sqlite3.Connection, company_ids: Sequence[int]) -> list[PartnershipInfo]:
    """Partnerships of the given companies, each from its company's side, oldest first."""
    out: list[PartnershipInfo] = []
    seen: set[int] = set()
    for company_id in company_ids:
        rows = conn.execute(
            """
            SELECT p.id, p.company_a, ea.name, eb.name, p.started, p.ended, p.status
            FROM partnerships p
            JOIN entities ea ON ea.id = p.company_a
            JOIN entities eb ON eb.id = p.company_b
            WHERE p.company_a = ? OR p.company_b = ?
            """,
            (company_id, company_id),
        ).fetchall()
        ids_sql = "SELECT id FROM partnerships WHERE company_a = ? OR company_b = ?"
        products = _grouped(
            conn,
            "SELECT pp.partnership_id, e.name FROM partnership_products pp "
            f"JOIN entities e ON e.id = pp.product_id WHERE pp.partnership_id IN ({ids_sql}) "
            "ORDER BY pp.position",
            (company_id, company_id),
        )
        sources = _sources(conn, "partnership_sources", "partnership_id", ids_sql, (company_id, company_id))
        infos = []
        for id_, a, name_a, name_b, started, ended, status in rows:
            if id_ in seen:
                continue
            seen.add(id_)
            company, partner = (name_a, name_b) if a == company_id else (name_b, name_a)
            infos.append(
                PartnershipInfo(
                    id_,
                    company,
                    partner,
                    started,
                    ended,
                    status,
                    tuple(products[id_]),
                    tuple(sources[id_]),
                )
            )
        infos.sort(key=lambda p: (p.started or p.ended or "9999", p.partner))
        out.extend(infos)
    return out


def _timeline(conn: sqlite3.Connection, company_id: int | None, limit: int) -> tuple[TimelineEvent, ...]:
    where, params = (
        ("", [])
        if company_id is None
        else ("WHERE ev.id IN (SELECT event_id FROM event_companies WHERE entity_id = ?)", [company_id])
    )
    rows = conn.execute(
        f"""
        SELECT ev.id, ev.date, ev.what, s.paragraph, {_SOURCE_COLUMNS}
        FROM (SELECT ev.id, ev.date, ev.what FROM events ev {where}
              ORDER BY ev.date, ev.id LIMIT ?) ev
        JOIN event_sources s ON s.event_id = ev.id
        JOIN articles a ON a.id = s.article_id
        ORDER BY ev.date, ev.id, a.published, a.id, s.paragraph
        """,
        (*params, limit),
    ).fetchall()
    companies = _grouped(
        conn,
        "SELECT ec.event_id, e.name FROM event_companies ec JOIN entities e ON e.id = ec.entity_id "
        "WHERE ec.event_id IN (SELECT value FROM json_each(?)) ORDER BY e.name",
        (json.dumps(sorted({row[0] for row in rows})),),
    )
    events: list[TimelineEvent] = []
    last_id = None
    for id_, date, what, paragraph, *source in rows:
        if id_ != last_id:  # the earliest source of each event
            last_id = id_
            events.append(
                TimelineEvent(date, what, tuple(companies[id_]), _source(source, paragraph=paragraph))
            )
    milestones = _milestones(conn, company_id, limit)
    # Both lists are in date order and each is cut at `limit`, so the first `limit` of the merge are
    # exact; the sort is stable, so on equal dates the extracted events come first, in their own order.
    return tuple(sorted(events + milestones, key=lambda e: e.date)[:limit])


def _milestones(conn: sqlite3.Connection, company_id: int | None, limit: int) -> list[TimelineEvent]:
    """The first `limit` partnership starts and ends (of one company's partnerships, or all), oldest first.

    Skipped when an extracted event on the same date names both companies: the article already says it.
    The source is the earliest article that states that date for the partnership, else its first source.
    """
    mine, params = (
        ("", [])
        if company_id is None
        else (
            "AND p.id IN (SELECT id FROM partnerships WHERE company_a = ? "
            "UNION ALL SELECT id FROM partnerships WHERE company_b = ?)",
            [company_id, company_id],
        )
    )
    rows: list[Any] = []
    # One query per date column: all partnerships walk its (date, id) index and stop after `limit` rows;
    # one company's are few, found by company and sorted.
    for column, ending in (("started", 0), ("ended", 1)):
        rows.extend(
            conn.execute(
                f"""
                SELECT p.id, p.{column}, {ending}, ea.name, eb.name
                FROM partnerships p
                JOIN entities ea ON ea.id = p.company_a
                JOIN entities eb ON eb.id = p.company_b
                WHERE p.{column} IS NOT NULL {mine} AND NOT EXISTS (
                    -- A day: few events share it; look them up by date.
                    SELECT 1 FROM events ev
                    JOIN event_companies x ON x.event_id = ev.id AND x.entity_id = p.company_a
                    JOIN event_companies y ON y.event_id = ev.id AND y.entity_id = p.company_b
                    WHERE length(p.{column}) = 10 AND ev.date = p.{column}
                ) AND NOT EXISTS (
                    -- A month or a year: thousands of events share it; look at the company's events,
                    -- and read an event's date only when it names the partner too (CROSS JOIN: this order).
                    SELECT 1 FROM event_companies x
                    CROSS JOIN event_companies y ON y.event_id = x.event_id AND y.entity_id = p.company_b
                    CROSS JOIN events ev ON ev.id = x.event_id
                    WHERE length(p.{column}) < 10 AND x.entity_id = p.company_a AND +ev.date = p.{column})
                ORDER BY p.{column}, p.id
                LIMIT ?
                """,
                (*params, limit),
            )
        )
    rows.sort(key=lambda row: (row[1], row[0], row[2]))
    del rows[limit:]
    if not rows:
        return []
    # Each source row with the dates its article states for a partnership in that paragraph.
    source_rows = conn.execute(
        f"""
        SELECT s.partnership_id, s.paragraph, r.started, r.ended, {_SOURCE_COLUMNS}
        FROM partnership_sources s
        JOIN articles a ON a.id = s.article_id
        LEFT JOIN raw_partnerships r ON r.article_id = s.article_id AND r.paragraph = s.paragraph
        WHERE s.partnership_id IN (SELECT value FROM json_each(?))
        ORDER BY a.published, a.id, s.paragraph
        """,
        (json.dumps(sorted({row[0] for row in rows})),),
    )
    sources: dict[int, list[tuple[str | None, str | None, Source]]] = defaultdict(list)
    for partnership_id, paragraph, started, ended, *source in source_rows:
        sources[partnership_id].append((started, ended, _source(source, paragraph=paragraph)))
    out = []
    for id_, date, ending, name_a, name_b in rows:
        candidates = sources[id_]
        if not candidates:
            continue
        stated = (s for started, ended, s in candidates if (ended if ending else started) == date)
        names = tuple(sorted((name_a, name_b)))
        what = f"Partnership of {names[0]} and {names[1]} {'ends' if ending else 'begins'}"
        out.append(TimelineEvent(date, what, names, next(stated, candidates[0][2])))
    return out


def _quotes(conn: sqlite3.Connection, where: str, params: Sequence[Any]) -> list[QuoteInfo]:
    rows = conn.execute(
        f"SELECT q.id, e.name, q.text, q.role, q.org FROM quotes q JOIN entities e ON e.id = q.person_id "
        f"WHERE {where} ORDER BY q.first_published, q.id",
        params,
    ).fetchall()
    sources = _sources(conn, "quote_sources", "quote_id", f"SELECT q.id FROM quotes q WHERE {where}", params)
    return [
        QuoteInfo(id_, speaker, text, role, org, tuple(sources[id_]))
        for id_, speaker, text, role, org in rows
    ]


def _matches(conn: sqlite3.Connection, match: str, most: int) -> int:
    """How many articles and quotes `match` finds together, each kind counted only up to `most`."""
    row = conn.execute(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ?1 LIMIT ?2))"
        " + (SELECT COUNT(*) FROM (SELECT 1 FROM quotes_fts WHERE quotes_fts MATCH ?1 LIMIT ?2))",
        (match, most),
    ).fetchone()
    return int(row[0])


def _rank_floor(conn: sqlite3.Connection, fts: str, match: str, window: int) -> int:
    """The smallest rowid among the `window` newest matches (0 when there are fewer).

    bm25 ranking costs time for every matching row: a word in every article would make a search of
    100,000 articles take a second. Ranking only rows from this rowid up keeps each search bounded, and
    exact whenever a query matches no more than `window` rows.
    """
    row = conn.execute(
        f"SELECT rowid FROM {fts} WHERE {fts} MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (match, window - 1),
    ).fetchone()
    return int(row[0]) if row else 0


def _search(conn: sqlite3.Connection, match: str, limit: int) -> list[tuple[float, SearchHit]]:
    """Up to `limit` article hits and `limit` quote hits with their bm25 rank (lower is better)."""
    window = max(RANK_WINDOW, limit)
    hits: list[tuple[float, SearchHit]] = []
    article_rows = conn.execute(
        f"""
        SELECT articles_fts.rank, snippet(articles_fts, 1, ?, ?, '…', {_SNIPPET_TOKENS}), {_SOURCE_COLUMNS}
        FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
        WHERE articles_fts MATCH ? AND articles_fts.rowid >= ?
        ORDER BY articles_fts.rank LIMIT ?
        """,
        (HIGHLIGHT_START, HIGHLIGHT_END, match, _rank_floor(conn, "articles_fts", match, window), limit),
    )
    for rank, snippet, *source in article_rows:
        src = _source(source)
        hits.append((rank, SearchHit("article", src.title, snippet, src)))
    quote_rows = conn.execute(
        f"""
        SELECT quotes_fts.rank, snippet(quotes_fts, 0, ?, ?, '…', {_SNIPPET_TOKENS}), q.speaker, s.paragraph,
               {_SOURCE_COLUMNS}
        FROM quotes_fts
        JOIN quotes q ON q.id = quotes_fts.rowid
        JOIN quote_sources s ON s.quote_id = q.id AND s.article_id = (
            SELECT s2.article_id FROM quote_sources s2 JOIN articles a2 ON a2.id = s2.article_id
            WHERE s2.quote_id = q.id ORDER BY a2.published, a2.id LIMIT 1)
        JOIN articles a ON a.id = s.article_id
        WHERE quotes_fts MATCH ? AND quotes_fts.rowid >= ?
        ORDER BY quotes_fts.rank LIMIT ?
        """,
        (HIGHLIGHT_START, HIGHLIGHT_END, match, _rank_floor(conn, "quotes_fts", match, window), limit),
    )
    seen: set[tuple[str, int]] = set()
    for rank, snippet, speaker, paragraph, *source in quote_rows:
        src = _source(source, paragraph=paragraph)
        key = (snippet, src.article_id)
        if key not in seen:  # a quote with several paragraphs in one article: once
            seen.add(key)
            hits.append((rank, SearchHit("quote", speaker, snippet, src, speaker)))
    return hits


def _trivia_questions(conn: sqlite3.Connection, topic_id: int | None) -> list[TriviaQuestion]:
    where, params = (
        ("", ())
        if topic_id is None
        else ("WHERE q.id IN (SELECT question_id FROM trivia_topics WHERE entity_id = ?)", (topic_id,))
    )
    rows = conn.execute(
        f"""
        SELECT q.id, q.kind, q.prompt, q.answer, q.distractors, q.fact, q.detail, q.paragraph,
               {_SOURCE_COLUMNS}
        FROM trivia_questions q JOIN articles a ON a.id = q.article_id {where} ORDER BY q.id
        """,
        params,
    ).fetchall()
    topics = _grouped(
        conn,
        f"SELECT t.question_id, e.name FROM trivia_topics t JOIN entities e ON e.id = t.entity_id "
        f"WHERE t.question_id IN (SELECT q.id FROM trivia_questions q {where}) ORDER BY e.name",
        params,
    )
    return [
        TriviaQuestion(
            kind=kind,
            prompt=prompt,
            answer=answer,
            distractors=tuple(json.loads(distractors)),
            source=_source(source, paragraph=paragraph),
            topics=tuple(topics.get(qid, ())),
            fact=fact,
            detail=detail,
        )
        for qid, kind, prompt, answer, distractors, fact, detail, paragraph, *source in rows
    ]
