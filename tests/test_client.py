"""The bot: how it is built, what setup_hook does, and the one error handler on the command tree."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from discord import app_commands
from discord.ext import commands
from openapi import command_errors, recorded_errors

import bot.client
from bot import create_bot
from bot.client import INTERNAL_ERROR, ClippingsTree, Refusal, setup_logging, use_api_base
from bot.config import BUNDLED_CORPUS, SettingsError, load_settings
from bot.offline import EPHEMERAL, MODERATOR_PERMISSIONS, InvocationError, OfflineDiscord
from db.store import Store


class Year(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> int:
        return int(value)


def _bot() -> commands.Bot:
    """A bot with the product's tree (ClippingsTree) and commands that fail in every way a command can."""
    bot = commands.Bot(
        command_prefix=commands.when_mentioned, intents=discord.Intents(guilds=True), tree_cls=ClippingsTree
    )
    tree = bot.tree

    @tree.command(description="Once a minute")
    @app_commands.checks.cooldown(1, 60.0)
    async def once(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("done")

    @tree.command(description="Moderators only")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def moderate(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("moderated")

    @tree.command(description="A year")
    async def year(interaction: discord.Interaction, value: app_commands.Transform[int, Year]) -> None:
        await interaction.response.send_message(f"year {value}")

    @tree.command(description="Fails")
    async def broken(interaction: discord.Interaction) -> None:
        raise RuntimeError("the database caught fire")

    @tree.command(description="Fails after deferring")
    async def broken_late(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        raise RuntimeError("late fire")

    @tree.command(description="Refuses politely")
    async def stop(interaction: discord.Interaction) -> None:
        raise Refusal("Only the member who started the game can stop it.")

    @tree.command(description="Only in servers")
    @app_commands.guild_only()
    async def here(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("here")

    @tree.command(description="Moderators only, hidden from the others")
    @app_commands.default_permissions(manage_messages=True)
    @app_commands.checks.has_permissions(manage_messages=True)
    async def purge(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("purged")

    return bot


@pytest.fixture
async def stand_in() -> AsyncIterator[OfflineDiscord]:
    async with OfflineDiscord(_bot()) as offline:
        yield offline
        assert recorded_errors(offline.requests) == []


# ---------------------------------------------------------------- the error handler


async def test_a_cooldown_says_when_to_try_again(stand_in: OfflineDiscord) -> None:
    assert (await stand_in.invoke("/once")).message.content == "done"
    result = await stand_in.invoke("/once")
    [reply] = result.requests
    assert reply.json["type"] == 4
    assert reply.json["data"]["flags"] == EPHEMERAL
    match = re.fullmatch(
        r"You are going a little fast; try again <t:(\d+):R>\.", reply.json["data"]["content"]
    )
    assert match is not None
    assert abs(int(match.group(1)) - (time.time() + 60)) <= 2


async def test_a_missing_permission_is_named(stand_in: OfflineDiscord) -> None:
    refused = await stand_in.invoke("/moderate")
    assert refused.message.ephemeral
    assert refused.message.content == "You need the Manage Server permission to use this."
    allowed = await stand_in.invoke("/moderate", permissions=MODERATOR_PERMISSIONS)
    assert allowed.message.content == "moderated"


async def test_a_value_that_cannot_be_read_is_quoted_back(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/year value:soon*ish")
    assert result.message.ephemeral
    assert result.message.content == r"That is not a valid year: soon\*ish"


async def test_a_refusal_shows_its_own_words(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/stop")
    assert (result.message.content, result.message.ephemeral) == (
        "Only the member who started the game can stop it.",
        True,
    )


async def test_a_server_only_command_is_not_offered_in_a_dm(stand_in: OfflineDiscord) -> None:
    with pytest.raises(InvocationError, match=r"^/here works only in servers$"):
        await stand_in.invoke("/here", guild_id=None)
    assert (await stand_in.invoke("/here")).message.content == "here"


async def test_a_moderator_command_is_hidden_unless_a_server_admin_shows_it(stand_in: OfflineDiscord) -> None:
    with pytest.raises(InvocationError, match=r"^/purge is shown only to members who may manage messages"):
        await stand_in.invoke("/purge")
    assert (await stand_in.invoke("/purge", permissions=MODERATOR_PERMISSIONS)).message.content == "purged"
    # A server admin can let everyone see it; then the bot's own check answers.
    refused = await stand_in.invoke("/purge", overridden=True)
    assert refused.message.content == "You need the Manage Messages permission to use this."


async def test_an_unexpected_error_is_logged_with_its_traceback(
    stand_in: OfflineDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        result = await stand_in.invoke("/broken")
    assert (result.message.content, result.message.ephemeral) == (INTERNAL_ERROR, True)
    assert result.errors == []
    [record] = caplog.records
    assert record.getMessage() == "Unexpected error in /broken"
    assert record.exc_info is not None and str(record.exc_info[1]) == "the database caught fire"


async def test_after_deferring_the_error_comes_as_a_follow_up(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/broken_late")
    defer, follow_up = result.requests
    assert defer.json == {"type": 5}
    assert (follow_up.method, follow_up.path.count("/webhooks/")) == ("POST", 1)
    assert follow_up.json["content"] == INTERNAL_ERROR
    assert follow_up.json["flags"] == EPHEMERAL
    # The follow-up fills the public "thinking" message (Discord keeps the deferral's visibility).
    assert result.message.content == INTERNAL_ERROR
    assert not result.message.loading


async def test_an_interaction_that_expired_is_logged_not_raised(
    stand_in: OfflineDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.client"):
        result = await stand_in.invoke("/moderate", age=5)
    assert [r.status for r in result.requests] == [404]  # the refusal could not be sent any more
    assert result.errors == []
    assert result.messages == []
    assert [r.getMessage() for r in caplog.records] == [
        f"Interaction {result.interaction_id} for /moderate expired before the error could be shown"
    ]


async def test_a_command_whose_own_answer_expired_is_not_answered_again(
    stand_in: OfflineDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.client"):
        result = await stand_in.invoke("/once", age=5)
    assert [r.status for r in result.requests] == [404]
    assert result.errors == []
    assert [r.getMessage() for r in caplog.records] == [
        f"Interaction {result.interaction_id} for /once expired before it was answered"
    ]


async def test_after_fifteen_minutes_nothing_is_sent(
    stand_in: OfflineDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.client"):
        result = await stand_in.invoke("/moderate", age=16 * 60)
    assert result.requests == []
    assert result.errors == []
    assert "expired before the error could be shown" in caplog.records[0].getMessage()


# ---------------------------------------------------------------- the bot itself


def _settings(tmp_path: Path, corpus_db: Path, **extra: str) -> object:
    env = {
        "CLIPPINGS_DB": str(corpus_db),
        "CLIPPINGS_USER_DB": str(tmp_path / "members.db"),
        "CLIPPINGS_CORPUS": str(BUNDLED_CORPUS),
        **extra,
    }
    return load_settings(env, dotenv=False)


async def test_the_bot_asks_for_no_privileged_intent_and_pings_nobody(store: Store, tmp_path: Path) -> None:
    settings = load_settings({"CLIPPINGS_USER_DB": str(tmp_path / "m.db")}, dotenv=False)
    built = create_bot(settings, store)
    assert built.intents.value == discord.Intents(guilds=True).value
    assert built.allowed_mentions is not None
    assert built.allowed_mentions.to_dict() == {"parse": []}
    assert built.ws is None  # built, never connected
    assert built.store is store
    assert isinstance(built.tree, ClippingsTree)


async def test_setup_hook_loads_every_cog_and_logs_one_that_fails(
    corpus_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bot.client, "EXTENSIONS", ("cogs.lookup", "cogs.not_there", "cogs.meta"))
    settings = _settings(tmp_path, corpus_db)
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        async with OfflineDiscord(create_bot(settings)) as stand_in:  # type: ignore[arg-type]
            names = {c.name for c in stand_in.bot.tree.get_commands()}
            assert {"quote", "partnership", "help", "about"} <= names
            assert "search" not in names
            assert (await stand_in.invoke("/about")).errors == []
    assert [r.getMessage() for r in caplog.records] == [
        "Could not load cogs.not_there; the other commands still work"
    ]


async def test_an_empty_database_is_built_from_the_corpus_on_first_start(tmp_path: Path) -> None:
    settings = load_settings(
        {"CLIPPINGS_DB": str(tmp_path / "new" / "kb.db"), "CLIPPINGS_CORPUS": str(BUNDLED_CORPUS)},
        dotenv=False,
    )
    async with OfflineDiscord(create_bot(settings)) as stand_in:
        stats = await stand_in.bot.store.stats()  # type: ignore[attr-defined]
    assert stats.articles == 5
    assert (tmp_path / "new" / "kb.db").is_file()


async def test_the_development_guild_gets_the_commands_at_start(corpus_db: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path, corpus_db, CLIPPINGS_DEV_GUILD_ID="4242")
    async with OfflineDiscord(create_bot(settings)) as stand_in:  # type: ignore[arg-type]
        [put] = stand_in.requests
        assert (put.method, put.path) == (
            "PUT",
            f"/applications/{stand_in.bot.application_id}/guilds/4242/commands",
        )
        assert {c["name"] for c in put.json} >= {"quote", "partnership", "search", "help"}
        assert command_errors(put.json) == []
        # The commands now exist in that guild, with the ids Discord gave them.
        assert stand_in.command_payload("/help", guild_id=4242)["data"]["guild_id"] == "4242"


async def test_the_api_base_moves_rest_and_interaction_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    use_api_base("http://127.0.0.1:9/api/v10/")
    route = discord.http.Route(
        "POST", "/interactions/{webhook_id}/{webhook_token}/callback", webhook_id=1, webhook_token="t"
    )
    assert route.url == "http://127.0.0.1:9/api/v10/interactions/1/t/callback"


def test_the_token_never_reaches_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    token = "MTE4NDAwMDAwMDAwMDAwMDAwMQ.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
    try:
        setup_logging("INFO", secret=token)
        logging.getLogger("discord.http").info("sending %s", f"Authorization: Bot {token}")
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    err = capsys.readouterr().err
    assert "Authorization: Bot [token]" in err
    assert token not in err


def test_an_unknown_log_level_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="CLIPPINGS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR"):
        setup_logging("LOUD")


async def test_a_server_error_from_discord_is_logged_without_the_token(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def fail(request: web.Request) -> web.Response:
        return web.Response(status=500)

    app = web.Application()
    app.router.add_post("/api/v10/interactions/{id}/{token}/callback", fail)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    built = create_bot(load_settings({"CLIPPINGS_USER_DB": str(tmp_path / "m.db")}, dotenv=False), store)
    token = "aW50ZXJhY3Rpb246MTE4NDAwMDAwMDAwMDAwMDAwMTpzZWNyZXQ"
    try:
        with caplog.at_level(logging.WARNING, logger="bot.client"):
            async with (
                aiohttp.ClientSession(trace_configs=[built.http.http_trace]) as session,
                session.post(server.make_url(f"/api/v10/interactions/1/{token}/callback")) as response,
            ):
                assert response.status == 500
    finally:
        await server.close()
    assert [r.getMessage() for r in caplog.records] == [
        "Discord answered 500 to POST /api/v10/interactions/1/<token>/callback; retrying"
    ]
