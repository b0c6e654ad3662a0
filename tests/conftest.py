"""Shared fixtures. Append new ones with str_replace edits; keep each block self-contained."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openapi import recorded_errors

from bot import create_bot
from bot.config import BUNDLED_CORPUS, Settings, load_settings
from bot.offline import DEFAULT_GUILD_ID, OfflineDiscord
from db.ingest.pipeline import run_ingest
from db.store import Store

MAX_FILE_BYTES = 2_000_000


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
