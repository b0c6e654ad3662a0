"""The two SQLite databases, their pragmas and their ordered migrations.

Knowledge base (settings.db_path): articles and what they state, rebuilt by ingestion.
Members' data (settings.user_db_path): what people create (trivia scores, per-server settings, audit
log); a refresh or a rollback of the knowledge base never touches it.

Each database carries its version in `PRAGMA user_version`: version N means the first N migrations of
its list have run. To change a schema, append a migration; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000

# Apostrophes (straight and curly) separate tokens, so "Brennholt's" and "Brennholt’s" index "brennholt".
# unicode61 already treats them as separators; naming them keeps that true if tokenchars ever change.
FTS_TOKENIZE = "unicode61 remove_diacritics 2 separators '''’'"
# Articles written by one INSERT (db.store, and the ingest benchmark's bare insert). FTS5 writes out what it
# has indexed at the end of every statement (it is a savepoint): one article per statement costs a small index
# segment per article, merged again and again, and makes the whole insert about twice as slow. 64 rows of 12
# values stay under any SQLite's 999 variables.
ARTICLE_BATCH = 64

_KB_V1 = f"""
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,          -- sha256 of the file's bytes
    manifest_hash TEXT NOT NULL,         -- sha256 of its manifest entry ('' when none)
    title TEXT NOT NULL,
    url TEXT,
    publisher TEXT,
    author TEXT,
    published TEXT,                      -- ISO date at its precision
    body TEXT NOT NULL,                  -- paragraphs joined by a blank line
    paragraph_offsets TEXT NOT NULL,     -- JSON list: where each paragraph starts in body
    ingested_at TEXT NOT NULL
);
CREATE INDEX articles_published ON articles(published, id);
-- What an ingest compares, without reading the article rows (bodies) of a large corpus.
CREATE INDEX articles_known ON articles(file, content_hash, manifest_hash);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body, content='articles', content_rowid='id', tokenize="{FTS_TOKENIZE}"
);
-- Ranking: a word in the title counts three times a word in the body.
INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(3.0, 1.0)');
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- What each article states, as extracted (names as written). Replaced when the article changes.
CREATE TABLE raw_quotes (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    text TEXT NOT NULL,
    role TEXT,
    org TEXT,
    style TEXT NOT NULL DEFAULT ''
);
CREATE INDEX raw_quotes_article ON raw_quotes(article_id);
CREATE TABLE raw_org_quotes (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    orgs TEXT NOT NULL,                  -- JSON list of names
    text TEXT NOT NULL
);
CREATE INDEX raw_org_quotes_article ON raw_org_quotes(article_id);
CREATE TABLE raw_roles (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    person TEXT NOT NULL,
    role TEXT NOT NULL,
    org TEXT
);
CREATE INDEX raw_roles_article ON raw_roles(article_id);
CREATE TABLE raw_mentions (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX raw_mentions_article ON raw_mentions(article_id);
CREATE TABLE raw_partnerships (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    company_a TEXT NOT NULL,
    company_b TEXT NOT NULL,
    started TEXT,
    ended TEXT,
    status TEXT NOT NULL,
    products TEXT NOT NULL               -- JSON list of names
);
CREATE INDEX raw_partnerships_article ON raw_partnerships(article_id);
CREATE TABLE raw_events (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    date TEXT NOT NULL,
    what TEXT NOT NULL,
    companies TEXT NOT NULL              -- JSON list of names
);
CREATE INDEX raw_events_article ON raw_events(article_id);

-- Derived from the raw facts of the whole corpus; rebuilt in the ingest transaction when anything changed.
-- A cache, so without foreign-key clauses: they would make emptying these tables row by row (ten times
-- slower on a large corpus); every row is built from existing articles and entities, and the tests check
-- that no row points nowhere. Entity ids stay the same across rebuilds for the same (kind, name).
CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('company', 'person', 'product')),
    name TEXT NOT NULL,
    mentions INTEGER NOT NULL DEFAULT 0, -- articles that name it
    UNIQUE (kind, name)
);
CREATE TABLE aliases (
    entity_id INTEGER NOT NULL,
    key TEXT NOT NULL,                   -- folded surface name
    alias TEXT NOT NULL,                 -- surface name as written
    curated INTEGER NOT NULL DEFAULT 0,  -- 1: from the moderators' aliases file
    PRIMARY KEY (entity_id, key)
) WITHOUT ROWID;
CREATE INDEX aliases_key ON aliases(key);
CREATE TABLE mentions (
    entity_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,          -- first paragraph that names it
    PRIMARY KEY (entity_id, article_id)
) WITHOUT ROWID;
CREATE INDEX mentions_article ON mentions(article_id, paragraph);

CREATE TABLE quotes (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL,
    speaker TEXT NOT NULL,               -- the person's name, so a search for it finds the quote
    text TEXT NOT NULL,                  -- the longest wording seen
    role TEXT,                           -- as the earliest source states it
    org TEXT,
    first_published TEXT
);
CREATE INDEX quotes_person ON quotes(person_id, first_published);
CREATE VIRTUAL TABLE quotes_fts USING fts5(
    text, speaker, content='quotes', content_rowid='id', tokenize="{FTS_TOKENIZE}"
);
INSERT INTO quotes_fts (quotes_fts, rank) VALUES ('rank', 'bm25(1.0, 2.0)');
CREATE TABLE quote_sources (
    quote_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    role TEXT,
    org TEXT,
    PRIMARY KEY (quote_id, article_id, paragraph)
) WITHOUT ROWID;
CREATE INDEX quote_sources_article ON quote_sources(article_id);

CREATE TABLE org_quotes (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    first_published TEXT
);
CREATE TABLE org_quote_orgs (
    org_quote_id INTEGER NOT NULL,
    entity_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (org_quote_id, entity_id)
) WITHOUT ROWID;
CREATE INDEX org_quote_orgs_entity ON org_quote_orgs(entity_id);
CREATE TABLE org_quote_sources (
    org_quote_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    PRIMARY KEY (org_quote_id, article_id, paragraph)
) WITHOUT ROWID;
CREATE INDEX org_quote_sources_article ON org_quote_sources(article_id);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL,
    org_id INTEGER,
    org TEXT,                            -- as the article writes it
    role TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    published TEXT
);
CREATE INDEX roles_person ON roles(person_id, published);
CREATE INDEX roles_org ON roles(org_id, published);
CREATE INDEX roles_article ON roles(article_id);

CREATE TABLE partnerships (
    id INTEGER PRIMARY KEY,
    company_a INTEGER NOT NULL,
    company_b INTEGER NOT NULL,
    started TEXT,
    ended TEXT,
    status TEXT NOT NULL CHECK (status IN ('announced', 'active', 'ended', 'rumoured')),
    CHECK (company_a < company_b),
    UNIQUE (company_a, company_b)
);
CREATE INDEX partnerships_b ON partnerships(company_b);
CREATE TABLE partnership_sources (
    partnership_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    PRIMARY KEY (partnership_id, article_id, paragraph)
) WITHOUT ROWID;
CREATE INDEX partnership_sources_article ON partnership_sources(article_id);
CREATE TABLE partnership_products (
    partnership_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (partnership_id, product_id)
) WITHOUT ROWID;
CREATE INDEX partnership_products_product ON partnership_products(product_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL,
    precision TEXT NOT NULL CHECK (precision IN ('year', 'month', 'day')),
    what TEXT NOT NULL
);
CREATE INDEX events_date ON events(date, id);
CREATE TABLE event_sources (
    event_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    PRIMARY KEY (event_id, article_id, paragraph)
) WITHOUT ROWID;
CREATE INDEX event_sources_article ON event_sources(article_id);
CREATE TABLE event_companies (
    event_id INTEGER NOT NULL,
    entity_id INTEGER NOT NULL,
    PRIMARY KEY (entity_id, event_id)
) WITHOUT ROWID;
CREATE INDEX event_companies_event ON event_companies(event_id);

CREATE TABLE ingest_log (
    id INTEGER PRIMARY KEY,
    finished_at TEXT NOT NULL,           -- ISO timestamp, UTC
    seconds REAL NOT NULL,
    added INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    articles INTEGER NOT NULL            -- articles in the knowledge base afterwards
);
"""

_USER_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE guild_settings (
    guild_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
) WITHOUT ROWID;
"""

_KB_V2 = """
-- The trivia question bank (db/trivia.py), rebuilt from the derived facts in the ingest transaction
-- whenever they change. A cache like the derived tables, so without foreign-key clauses.
CREATE TABLE trivia_questions (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,            -- stable across rebuilds: what members' answers refer to
    kind TEXT NOT NULL,
    prompt TEXT NOT NULL,
    answer TEXT NOT NULL,
    distractors TEXT NOT NULL,           -- JSON list of the three wrong answers
    article_id INTEGER NOT NULL,         -- the source that states the answer
    paragraph INTEGER,
    fact TEXT NOT NULL,                  -- the fact asked about: a game asks each fact once
    detail TEXT
);
CREATE TABLE trivia_topics (
    entity_id INTEGER NOT NULL,          -- a company the question is about
    question_id INTEGER NOT NULL,
    PRIMARY KEY (entity_id, question_id)
) WITHOUT ROWID;
"""

_USER_V2 = """
-- Trivia: one row per game and one per answer, written as they happen; scores are sums of answers.
CREATE TABLE trivia_games (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    started_by INTEGER,                  -- NULL once that member asked to be forgotten
    questions INTEGER NOT NULL,
    seconds REAL NOT NULL,
    topic TEXT,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'finished', 'stopped', 'idle', 'failed', 'interrupted')),
    message_id INTEGER,                  -- the question on screen, closed after a restart
    started_at REAL NOT NULL,            -- unix time
    ended_at REAL
);
CREATE INDEX trivia_games_guild ON trivia_games(guild_id, started_at);
CREATE INDEX trivia_games_running ON trivia_games(status) WHERE status = 'running';
CREATE TABLE trivia_answers (
    game_id INTEGER NOT NULL REFERENCES trivia_games(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,             -- the question's place in its game, from 1
    user_id INTEGER NOT NULL,
    guild_id INTEGER NOT NULL,
    question_key TEXT NOT NULL,
    correct INTEGER NOT NULL,
    points INTEGER NOT NULL,
    answered_at REAL NOT NULL,           -- unix time
    PRIMARY KEY (game_id, number, user_id)
) WITHOUT ROWID;
CREATE INDEX trivia_answers_member ON trivia_answers(guild_id, user_id);
CREATE INDEX trivia_answers_user ON trivia_answers(user_id);
CREATE VIEW trivia_scores AS
    SELECT game_id, guild_id, user_id, SUM(points) AS points, SUM(correct) AS correct, COUNT(*) AS answered
    FROM trivia_answers GROUP BY game_id, user_id;
"""

_USER_V3 = """
-- The moderators' audit log: who ran /refresh, /rollback or /stats, when, and what came of it.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,                    -- ISO timestamp, UTC
    guild_id INTEGER,
    user_id INTEGER NOT NULL,
    user_name TEXT NOT NULL,             -- as it was then
    command TEXT NOT NULL,
    outcome TEXT NOT NULL,               -- done, stopped, failed, refused
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_command ON audit_log(command, id);
"""

# Append only. Each entry is one SQL script run in its own transaction.
# Version 3: the timeline's partnership starts and ends, read in date order without a sort.
_KB_V3 = """
CREATE INDEX partnerships_started ON partnerships(started, id) WHERE started IS NOT NULL;
CREATE INDEX partnerships_ended ON partnerships(ended, id) WHERE ended IS NOT NULL;
"""

# Version 4: the comparable form of each quotation (db.ingest.names.quote_key), computed with the extraction
# so that grouping quotes does not compute it again for the whole corpus. Rows written before: NULL.
_KB_V4 = """
ALTER TABLE raw_quotes ADD COLUMN text_key TEXT;
ALTER TABLE raw_org_quotes ADD COLUMN text_key TEXT;
"""

# Version 5: every name an article's raw facts use (mentions, speakers, organisations, partners, products),
# once per article, with where it first appears and how often: what the names are grouped from and the
# mentions built from, without going through every raw table again. Replaces raw_mentions.
_KB_V5 = """
CREATE TABLE raw_names (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    paragraph INTEGER NOT NULL,          -- the first paragraph that names it
    count INTEGER NOT NULL,              -- how often the raw facts name it
    PRIMARY KEY (article_id, kind, name)
) WITHOUT ROWID;
INSERT INTO raw_names (article_id, kind, name, paragraph, count)
SELECT article_id, kind, name, MIN(paragraph), COUNT(*) FROM (
    SELECT article_id, paragraph, name, kind FROM raw_mentions
    UNION ALL SELECT article_id, paragraph, speaker, 'person' FROM raw_quotes
    UNION ALL SELECT article_id, paragraph, org, 'company' FROM raw_quotes WHERE org IS NOT NULL
    UNION ALL SELECT article_id, paragraph, person, 'person' FROM raw_roles
    UNION ALL SELECT article_id, paragraph, org, 'company' FROM raw_roles WHERE org IS NOT NULL
    UNION ALL SELECT article_id, paragraph, company_a, 'company' FROM raw_partnerships
    UNION ALL SELECT article_id, paragraph, company_b, 'company' FROM raw_partnerships
    UNION ALL SELECT p.article_id, p.paragraph, j.value, 'product'
        FROM raw_partnerships p, json_each(p.products) j
    UNION ALL SELECT e.article_id, e.paragraph, j.value, 'company' FROM raw_events e, json_each(e.companies) j
    UNION ALL SELECT o.article_id, o.paragraph, j.value, 'company' FROM raw_org_quotes o, json_each(o.orgs) j
)
WHERE kind IN ('company', 'person', 'product')
GROUP BY article_id, kind, name;
DROP TABLE raw_mentions;
"""

# Version 6: the CHECK constraints of entities, partnerships and events written with "=" and OR instead of
# "IN (...)": SQLite builds the lookup table of an IN list again for every row it checks, which was half the
# cost of writing an event. The tables are rebuilt with the same columns, rows and indexes.
_KB_V6 = """
CREATE TABLE entities_v6 (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind = 'company' OR kind = 'person' OR kind = 'product'),
    name TEXT NOT NULL,
    mentions INTEGER NOT NULL DEFAULT 0, -- articles that name it
    UNIQUE (kind, name)
);
INSERT INTO entities_v6 (id, kind, name, mentions) SELECT id, kind, name, mentions FROM entities;
DROP TABLE entities;
ALTER TABLE entities_v6 RENAME TO entities;

CREATE TABLE partnerships_v6 (
    id INTEGER PRIMARY KEY,
    company_a INTEGER NOT NULL,
    company_b INTEGER NOT NULL,
    started TEXT,
    ended TEXT,
    status TEXT NOT NULL
        CHECK (status = 'announced' OR status = 'active' OR status = 'ended' OR status = 'rumoured'),
    CHECK (company_a < company_b),
    UNIQUE (company_a, company_b)
);
INSERT INTO partnerships_v6 (id, company_a, company_b, started, ended, status)
SELECT id, company_a, company_b, started, ended, status FROM partnerships;
DROP TABLE partnerships;
ALTER TABLE partnerships_v6 RENAME TO partnerships;
CREATE INDEX partnerships_b ON partnerships(company_b);
CREATE INDEX partnerships_started ON partnerships(started, id) WHERE started IS NOT NULL;
CREATE INDEX partnerships_ended ON partnerships(ended, id) WHERE ended IS NOT NULL;

CREATE TABLE events_v6 (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL,
    precision TEXT NOT NULL CHECK (precision = 'year' OR precision = 'month' OR precision = 'day'),
    what TEXT NOT NULL
);
INSERT INTO events_v6 (id, date, precision, what) SELECT id, date, precision, what FROM events;
DROP TABLE events;
ALTER TABLE events_v6 RENAME TO events;
CREATE INDEX events_date ON events(date, id);
"""

KB_MIGRATIONS: list[str] = [_KB_V1, _KB_V2, _KB_V3, _KB_V4, _KB_V5, _KB_V6]
USER_MIGRATIONS: list[str] = [_USER_V1, _USER_V2, _USER_V3]


class SchemaError(RuntimeError):
    """The database cannot be used by this version of the program (one line, for the user)."""


def configure(conn: sqlite3.Connection) -> None:
    """Pragmas every connection needs: WAL, foreign keys, a busy timeout."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")


def connect(path: Path) -> sqlite3.Connection:
    """A configured connection in autocommit mode: transactions are opened explicitly (BEGIN ...)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        configure(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[str]) -> int:
    """Run the migrations this database has not had yet; return its version afterwards.

    Each migration runs in its own write transaction together with the version bump, so a crash leaves the
    database at the previous version, and two processes migrating at once apply each step once.
    """
    while True:
        current = version(conn)
        if current > len(migrations):
            raise SchemaError(
                f"the database is at schema version {current}, newer than this program knows "
                f"({len(migrations)}); upgrade clippings"
            )
        if current == len(migrations):
            return current
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version(conn) == current:  # another process may have migrated while we waited
                for statement in _statements(migrations[current]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """Split a script into complete statements (triggers contain semicolons)."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out
