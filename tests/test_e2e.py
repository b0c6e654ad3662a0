"""The bot as a process, as users run it (`clippings run`), against the Discord stand-in on loopback:
login, READY, command sync, commands over the gateway, reconnects, rate limits, a bad token and SIGTERM.

One bot process serves the first tests in order (each leaves it connected); the token and shutdown
tests start their own. Every wait is bounded.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from discord_standin import BotProcess, DiscordStandIn, InteractionRecord, bot_env, make_token

pytestmark = pytest.mark.asyncio(loop_scope="module")

START_TIMEOUT = 30.0
READY_LINE = re.compile(r"Ready as \S+ in 1 servers; 5 articles, \d+ quotes, \d+ partnerships")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(heartbeat_interval_ms=1000) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module")
async def own_standin() -> AsyncIterator[DiscordStandIn]:
    """A stand-in for a test that runs its own bot process."""
    async with DiscordStandIn(heartbeat_interval_ms=1000) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(standin: DiscordStandIn, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    workdir = tmp_path_factory.mktemp("bot")
    process = BotProcess(bot_env(standin, workdir), workdir)
    await process.start()
    try:
        await process.wait_line(READY_LINE, START_TIMEOUT)
        yield process
    finally:
        await process.kill()
    assert standin.token not in process.log


async def ask(standin: DiscordStandIn, command: str, **options: object) -> InteractionRecord:
    return await standin.dispatch_interaction(standin.command_payload(command, options), timeout=10)


def assert_partnerships_of_leica(embeds: list[dict[str, object]]) -> None:
    (embed,) = embeds
    assert embed["title"] == "Partnerships of Leica"
    fields = embed["fields"]
    assert isinstance(fields, list)
    assert fields[0]["name"].startswith("Huawei · Feb 2016")
    assert (
        "(https://techprolonged.com/2016/02/huawei-partners-leica-camera-to-reinvent-smartphone-photography/)"
        in (fields[0]["value"])
    )


# ---------------------------------------------------------------- one bot, in order


async def test_start_logs_in_syncs_and_says_ready(standin: DiscordStandIn, bot: BotProcess) -> None:
    calls = [(r.method, r.path, r.status) for r in standin.requests]
    sync = f"/applications/{standin.application_id}/guilds/{standin.guild_id}/commands"
    assert calls[:2] == [("GET", "/users/@me", 200), ("GET", "/oauth2/applications/@me", 200)]
    assert ("PUT", sync, 200) in calls
    assert not [
        c for c in calls if c[0] == "PUT" and c[1] == f"/applications/{standin.application_id}/commands"
    ]
    names = [c["name"] for c in standin.commands[standin.guild_id]]
    assert {"partnership", "quote", "person", "company", "article", "timeline", "search", "help"} <= set(
        names
    )
    assert standin.identify_count == 1
    assert standin.connections[0].compress == "zlib-stream"
    assert bot.lines_matching(f"Synced {len(names)} commands to the development guild {standin.guild_id}")
    standin.assert_clean()


async def test_slash_command_answered_through_the_callback(standin: DiscordStandIn, bot: BotProcess) -> None:
    record = await ask(standin, "partnership", company="leica")
    assert [c.status for c in record.callbacks] == [200]
    assert_partnerships_of_leica(record.embeds)
    assert record.answer is not None and record.answer["allowed_mentions"] == {"parse": []}
    standin.assert_clean()


async def test_autocomplete_answered_with_choices(standin: DiscordStandIn, bot: BotProcess) -> None:
    payload = standin.command_payload("partnership", {"company": "lei"}, focused="company")
    record = await standin.dispatch_interaction(payload)
    assert record.response_type == 8
    assert [c["name"] for c in record.choices][:1] == ["Leica"]
    standin.assert_clean()


async def test_gateway_closed_bot_resumes_and_gets_the_missed_command(
    standin: DiscordStandIn, bot: BotProcess
) -> None:
    identifies, resumes = standin.identify_count, standin.resume_count
    await standin.close_gateway(4000)
    # Dispatched while the bot is away: Discord replays it after the RESUME.
    record = await standin.send_interaction(standin.command_payload("partnership", {"company": "leica"}))
    await standin.wait_answered(record, 15)
    assert_partnerships_of_leica(record.embeds)
    assert (standin.identify_count, standin.resume_count) == (identifies, resumes + 1)
    assert standin.connections[-1].path == "/resume-gateway"
    standin.assert_clean()


async def test_op7_reconnect_bot_resumes(standin: DiscordStandIn, bot: BotProcess) -> None:
    identifies, resumes = standin.identify_count, standin.resume_count
    await standin.send_reconnect()
    await standin.wait_for(lambda: standin.resume_count == resumes + 1 and standin.connected, 15, "RESUME")
    record = await ask(standin, "partnership", company="leica")
    assert_partnerships_of_leica(record.embeds)
    assert standin.identify_count == identifies
    standin.assert_clean()


async def test_op9_invalid_session_bot_identifies_again(standin: DiscordStandIn, bot: BotProcess) -> None:
    identifies, resumes = standin.identify_count, standin.resume_count
    readies = len(bot.lines_matching(READY_LINE))
    await standin.invalidate_session()
    # discord.py waits 5 seconds before identifying again, as Discord asks.
    await standin.wait_for(
        lambda: standin.identify_count == identifies + 1 and standin.connected, 20, "IDENTIFY"
    )
    await bot.wait_line(READY_LINE, 10, count=readies + 1)
    record = await ask(standin, "partnership", company="leica")
    assert_partnerships_of_leica(record.embeds)
    assert standin.resume_count == resumes
    standin.assert_clean()


async def test_rate_limited_callback_is_answered_after_retry_after(
    standin: DiscordStandIn, bot: BotProcess
) -> None:
    standin.fail_next_callbacks(429, retry_after=1.0)
    record = await ask(standin, "partnership", company="leica")
    first, second = record.callbacks
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0
    assert_partnerships_of_leica(record.embeds)
    assert bot.lines_matching(r"WARNING .*rate limited\. Retrying in 1\.00 seconds")
    standin.assert_clean()


async def test_server_error_on_callback_is_logged_and_the_bot_keeps_serving(
    standin: DiscordStandIn, bot: BotProcess
) -> None:
    standin.fail_next_callbacks(500)
    record = await ask(standin, "partnership", company="leica")
    assert [c.status for c in record.callbacks] == [500, 200]  # discord.py retries once after a second
    assert_partnerships_of_leica(record.embeds)
    assert bot.lines_matching(r"WARNING .*Discord answered 500")
    following = await ask(standin, "partnership", company="leica")
    assert [c.status for c in following.callbacks] == [200]
    standin.assert_clean()


async def test_no_errors_and_no_secrets_in_the_log(standin: DiscordStandIn, bot: BotProcess) -> None:
    assert "Traceback" not in bot.log
    assert not bot.lines_matching(r" (ERROR|CRITICAL) ")
    assert standin.token not in bot.log
    assert bot.lines_matching(r"Discord answered 500 to POST /api/v10/interactions/\d+/<token>/callback")
    leaked = [r.id for r in standin.interactions.values() if r.token in bot.log]
    assert leaked == []  # interaction tokens let anyone answer in the bot's name for 15 minutes


# ---------------------------------------------------------------- own processes


async def test_rejected_token_one_clear_line_and_exit_2(own_standin: DiscordStandIn, tmp_path: Path) -> None:
    standin = own_standin
    wrong = make_token(standin.bot_user_id)
    process = BotProcess(bot_env(standin, tmp_path, token=wrong), tmp_path)
    await process.start()
    try:
        assert await process.wait_exit(20) == 2
    finally:
        await process.kill()
    (line,) = [line for line in process.stderr if line.startswith("clippings:")]
    assert line.startswith("clippings: Discord rejected DISCORD_TOKEN (reset or mistyped).")
    assert "Traceback" not in process.log
    assert wrong not in process.log and process.stdout == []
    assert [(r.path, r.status) for r in standin.requests] == [("/users/@me", 401)]
    standin.assert_clean()


async def test_token_reset_while_running_one_clear_line_and_exit_2(
    own_standin: DiscordStandIn, tmp_path: Path
) -> None:
    standin = own_standin
    process = BotProcess(bot_env(standin, tmp_path), tmp_path)
    await process.start()
    try:
        await process.wait_line(READY_LINE, START_TIMEOUT)
        standin.reject_token()  # "Reset Token" in the developer portal
        await standin.close_gateway(4000)  # the RESUME that follows is refused: close code 4004
        assert await process.wait_exit(20) == 2
    finally:
        await process.kill()
    assert standin.connections[-1].close_code == 4004
    (line,) = [line for line in process.stderr if line.startswith("clippings:")]
    assert line.startswith("clippings: Discord rejected DISCORD_TOKEN (reset or mistyped).")
    assert "Traceback" not in process.log
    assert standin.token not in process.log


async def test_sigterm_exits_0_within_5s_and_closes_the_database(
    own_standin: DiscordStandIn, tmp_path: Path
) -> None:
    standin = own_standin
    process = BotProcess(bot_env(standin, tmp_path), tmp_path)
    await process.start()
    try:
        await process.wait_line(READY_LINE, START_TIMEOUT)
        await ask(standin, "partnership", company="leica")  # the database has been read
        assert process.proc is not None
        process.proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert await process.wait_exit(5) == 0
        assert time.monotonic() - started < 5
    finally:
        await process.kill()
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(("-wal", "-shm", "-journal")))
    assert leftovers == []  # nothing for the next start to recover or roll back
    for name in ("clippings.db", "members.db"):
        with sqlite3.connect(tmp_path / name) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        db.close()
    assert "Traceback" not in process.log
