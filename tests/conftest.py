"""Shared fixtures. Append new ones with str_replace edits; keep each block self-contained."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
from openapi import recorded_errors

from bot import create_bot
from bot.config import BUNDLED_CORPUS, Settings, load_settings
from bot.offline import DEFAULT_GUILD_ID, OfflineDiscord
from db.ingest.pipeline import run_ingest
from db.store import Store

MAX_FILE_BYTES = 2_000_000


# Every reference between derived tables (which carry no foreign-key clauses, see db/schema.py).
DERIVED_REFERENCES = (
    ("aliases", "entity_id", "entities"),
    ("mentions", "entity_id", "entities"),
    ("mentions", "article_id", "articles"),
    ("quotes", "person_id", "entities"),
    ("quote_sources", "quote_id", "quotes"),
    ("quote_sources", "article_id", "articles"),
    ("org_quote_orgs", "org_quote_id", "org_quotes"),
    ("org_quote_orgs", "entity_id", "entities"),
    ("org_quote_sources", "org_quote_id", "org_quotes"),
    ("org_quote_sources", "article_id", "articles"),
    ("roles", "person_id", "entities"),
    ("roles", "org_id", "entities"),
    ("roles", "article_id", "articles"),
    ("partnerships", "company_a", "entities"),
    ("partnerships", "company_b", "entities"),
    ("partnership_sources", "partnership_id", "partnerships"),
    ("partnership_sources", "article_id", "articles"),
    ("partnership_products", "partnership_id", "partnerships"),
    ("partnership_products", "product_id", "entities"),
    ("event_sources", "event_id", "events"),
    ("event_sources", "article_id", "articles"),
    ("event_companies", "event_id", "events"),
    ("event_companies", "entity_id", "entities"),
)


def check_knowledge_base(db: Path) -> None:
    """SQLite's integrity and foreign-key checks, and no derived row pointing at a missing row."""
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        for table, column, parent in DERIVED_REFERENCES:
            orphans = conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL "
                f"AND {column} NOT IN (SELECT id FROM {parent})"
            ).fetchone()[0]
            assert orphans == 0, f"{table}.{column}: {orphans} rows point at no {parent} row"


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus ingested once per test session into a real SQLite file. Treat it as read-only:
    tests that change a knowledge base copy the corpus (see `corpus_copy`) and ingest their own."""
    path = tmp_path_factory.mktemp("corpus_db") / "clippings.db"
    run_ingest(path, BUNDLED_CORPUS, max_file_bytes=MAX_FILE_BYTES, aliases_path=None)
    return path


@pytest.fixture
async def store(corpus_db: Path, tmp_path: Path) -> AsyncIterator[Store]:
    """A Store over the session's bundled-corpus knowledge base, with its own empty members' database."""
    opened = await Store.open(corpus_db, tmp_path / "members.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus folder (articles + manifest) that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, target, ignore=shutil.ignore_patterns("aliases.toml"))
    return target


@pytest.fixture
async def offline(corpus_db: Path, tmp_path: Path) -> AsyncIterator[OfflineDiscord]:
    """The real bot (create_bot, its setup_hook and cogs) on the bundled corpus, driven through the
    offline stand-in. After the test, every request it sent must satisfy Discord's OpenAPI spec and the
    6,000-character embed total, and every answer of the stand-in the spec's response schema."""
    settings = load_settings(
        {
            "CLIPPINGS_DB": str(corpus_db),
            "CLIPPINGS_USER_DB": str(tmp_path / "members.db"),
            "CLIPPINGS_CORPUS": str(BUNDLED_CORPUS),
        },
        dotenv=False,
    )
    async with OfflineDiscord(create_bot(settings)) as stand_in:
        yield stand_in
    assert recorded_errors(stand_in.requests) == []


# ---------------------------------------------------------------- moderators: /refresh, /rollback, /stats

ADMIN_OWNER_ID = 1184000000000000777  # in CLIPPINGS_OWNER_IDS of `admin_settings`
OTHER_GUILD_ID = 1184000000000000101  # a server that is not an admin server


@pytest.fixture
def admin_settings(tmp_path: Path, corpus_copy: Path) -> Settings:
    """Settings over a private knowledge base built from `corpus_copy` (the bot ingests it at start-up),
    with the stand-in's default server as the admin server and ADMIN_OWNER_ID as the bot's owner."""
    return load_settings(
        {
            "CLIPPINGS_DB": str(tmp_path / "data" / "clippings.db"),
            "CLIPPINGS_USER_DB": str(tmp_path / "data" / "members.db"),
            "CLIPPINGS_CORPUS": str(corpus_copy),
            "CLIPPINGS_ADMIN_GUILD_IDS": str(DEFAULT_GUILD_ID),
            "CLIPPINGS_OWNER_IDS": str(ADMIN_OWNER_ID),
        },
        dotenv=False,
    )


@pytest.fixture
async def admin_offline(admin_settings: Settings) -> AsyncIterator[OfflineDiscord]:
    """The real bot on `admin_settings` through the offline stand-in; every request checked afterwards."""
    async with OfflineDiscord(create_bot(admin_settings, sync_dev_guild=False)) as stand_in:
        yield stand_in
    assert recorded_errors(stand_in.requests) == []
