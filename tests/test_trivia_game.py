"""Whole trivia games through the offline stand-in: several members clicking right, wrong, twice and too
late; stops; two channels at once; a restart in the middle of a game; leaderboards and stats afterwards.

The server's default answer time is set through the Store to one or two seconds (the /trivia-settings
command itself asks for at least ten), so a game takes a few seconds.
"""

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from openapi import recorded_errors

from bot import create_bot
from bot.config import BUNDLED_CORPUS, Settings, load_settings
from bot.embeds import escape, trivia_button_label
from bot.offline import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    MODERATOR_PERMISSIONS,
    InvocationError,
    OfflineDiscord,
    OfflineMessage,
)
from db.ingest.pipeline import run_ingest
from db.trivia import TriviaQuestion

GUILD = DEFAULT_GUILD_ID
CHANNEL = DEFAULT_CHANNEL_ID
OTHER_CHANNEL = DEFAULT_CHANNEL_ID + 1
ALICE, BOB, CAROL, MOD = 4001, 4002, 4003, 4004

T = TypeVar("T")


async def until(check: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Wait until `check()` gives something (the game runs as its own task)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        await asyncio.sleep(0.01)
    raise AssertionError("timed out waiting for the game")


def title(message: OfflineMessage) -> str:
    return str(message.embeds[0].get("title", "")) if message.embeds else ""


def description(message: OfflineMessage) -> str:
    return str(message.embeds[0].get("description", "")) if message.embeds else ""


def field(message: OfflineMessage, prefix: str) -> dict[str, Any]:
    return next(f for f in message.embeds[0]["fields"] if f["name"].startswith(prefix))


def in_channel(offline: OfflineDiscord, channel: int) -> list[OfflineMessage]:
    return [m for m in offline.messages.values() if int(m.data["channel_id"]) == channel and not m.ephemeral]


async def question(offline: OfflineDiscord, number: int, channel: int = CHANNEL) -> OfflineMessage:
    """Question `number` of the game in `channel`, once it is on screen with its buttons."""
    return await until(
        lambda: next(
            (
                m
                for m in in_channel(offline, channel)
                if title(m).startswith(f"Question {number} of ") and m.buttons
            ),
            None,
        )
    )


async def revealed(message: OfflineMessage) -> OfflineMessage:
    await until(lambda: title(message).endswith("— answer") and not message.buttons)
    return message


async def scoreboard(offline: OfflineDiscord, channel: int = CHANNEL) -> OfflineMessage:
    return await until(
        lambda: next((m for m in in_channel(offline, channel) if title(m) == "Trivia — final scores"), None)
    )


def asked(message: OfflineMessage, bank: list[TriviaQuestion]) -> TriviaQuestion:
    """The bank's question this message shows: same prompt, same options in the same order."""
    labels = [b.label for b in message.buttons]
    for q in bank:
        if labels == [trivia_button_label(i, option) for i, option in enumerate(q.options())]:
            prompt = re.sub(r"\\(.)", r"\1", description(message))
            if q.prompt in prompt:
                return q
    raise AssertionError(f"no bank question with the options {labels}")


def right_button(q: TriviaQuestion) -> int:
    return q.answer_index + 1


def wrong_button(q: TriviaQuestion) -> int:
    return 1 if q.answer_index != 0 else 2


def sent_with(payload: dict[str, Any], **values: Any) -> dict[str, Any]:
    """A command payload with option values a modified client might send (outside the declared ranges)."""
    options = payload["data"]["options"]
    while options and options[0]["type"] in (1, 2):
        options = options[0].get("options", [])
    for option in options:
        if option["name"] in values:
            option["value"] = values[option["name"]]
    return payload


def reply_to(result: Any) -> OfflineMessage:
    """The interaction's own answer (the game's first question may follow in the same breath)."""
    return result.messages[0]


def snapshot(message: OfflineMessage) -> OfflineMessage:
    """The message as a member's screen still shows it (buttons and all) after the bot changed it."""
    return OfflineMessage(copy.deepcopy(message.data))


def settings_for(tmp_path: Path, db: Path) -> Settings:
    return load_settings(
        {
            "CLIPPINGS_DB": str(db),
            "CLIPPINGS_USER_DB": str(tmp_path / "members.db"),
            "CLIPPINGS_CORPUS": str(BUNDLED_CORPUS),
        },
        dotenv=False,
    )


@pytest.fixture
async def quick(offline: OfflineDiscord) -> AsyncIterator[OfflineDiscord]:
    """The stand-in, with this server's games set to 3 questions of 2 seconds each."""
    await offline.bot.store.set_trivia_settings(GUILD, questions=3, seconds=2)  # type: ignore[attr-defined]
    yield offline


# ---------------------------------------------------------------- one whole game


async def test_a_whole_game_with_right_wrong_double_and_late_clicks(quick: OfflineDiscord) -> None:
    store = quick.bot.store  # type: ignore[attr-defined]
    bank = await store.trivia_questions()

    started = await quick.invoke("/trivia start", user_id=ALICE)
    intro = reply_to(started)
    assert not intro.ephemeral
    assert title(intro) == "Trivia from the clippings"
    assert description(intro).startswith(f"<@{ALICE}> started a game: **3** questions, **2 s** each.")

    # Question 1: Alice right, Bob wrong, Alice again, Carol too late.
    first = await question(quick, 1)
    q1 = asked(first, bank)
    assert title(first) == "Question 1 of 3"
    assert re.fullmatch(r"Answers close <t:\d+:R>\.", field(first, "Time")["value"])
    on_screen = snapshot(first)
    alice = await quick.click(first, right_button(q1), user_id=ALICE)
    letter = "ABCD"[q1.answer_index]
    assert alice.message.ephemeral
    assert alice.message.content.startswith(f"Your answer: **{letter}**. The right one is shown <t:")
    # Points are written as they are earned, before the question closes.
    [saved] = await store.trivia_leaderboard(GUILD)
    assert saved.user_id == ALICE and 10 <= saved.total <= 20
    bob = await quick.click(first, wrong_button(q1), user_id=BOB)
    assert bob.message.content.startswith(f"Your answer: **{'ABCD'[wrong_button(q1) - 1]}**.")
    again = await quick.click(first, wrong_button(q1), user_id=ALICE)
    assert again.message.ephemeral and again.message.content == "You already answered this question."

    await revealed(first)
    assert title(first) == "Question 1 of 3 — answer"
    right = field(first, "Right answer: ")
    assert right["name"] == f"Right answer: {escape(q1.answer)}"
    assert right["value"] == f"<@{ALICE}> +{saved.total}"
    assert q1.source.url is not None and q1.source.url in field(first, "Source")["value"]
    assert f"✅ **{letter}.**" in description(first)
    late = await quick.click(on_screen, right_button(q1), user_id=CAROL)
    assert late.message.ephemeral and late.message.content == "Too late: this question is closed."

    # Question 2: both players answer, so it closes at once; Alice's streak shows.
    second = await question(quick, 2)
    q2 = asked(second, bank)
    opened = time.monotonic()
    await quick.click(second, right_button(q2), user_id=ALICE)
    await quick.click(second, right_button(q2), user_id=BOB)
    await revealed(second)
    assert time.monotonic() - opened < 1.5
    winners = field(second, "Right answer: ")["value"].splitlines()
    assert len(winners) == 2
    assert [w for w in winners if w.startswith(f"<@{ALICE}> +") and w.endswith("· 🔥 2 in a row")]
    assert [w for w in winners if w.startswith(f"<@{BOB}> +") and "🔥" not in w]

    # Question 3: nobody answers.
    third = await question(quick, 3)
    await revealed(third)
    assert field(third, "Right answer: ")["value"] == "Nobody answered."

    board = await scoreboard(quick)
    text = description(board)
    totals = {r.user_id: r.total for r in await store.trivia_leaderboard(GUILD)}
    alice_total, bob_total = totals[ALICE], totals[BOB]
    assert alice_total > bob_total > 0
    assert text.startswith(f"<@{ALICE}> wins!")
    assert f"🥇 1. <@{ALICE}> — **{alice_total} points** (2/3 right, best streak 2)" in text
    assert f"🥈 2. <@{BOB}> — **{bob_total} points** (1/3 right)" in text
    assert text.endswith("All questions asked.")

    # The leaderboard and stats afterwards.
    leaders = (await quick.invoke("/trivia leaderboard period:week")).message
    assert title(leaders) == "Trivia leaderboard — this week"
    lines = description(leaders).splitlines()
    assert (
        lines[0]
        == f"🥇 1. <@{ALICE}> — **{alice_total} points** · 1 win · 1 game · {alice_total:.1f} per game"
    )
    assert lines[1] == f"🥈 2. <@{BOB}> — **{bob_total} points** · 0 wins · 1 game · {bob_total:.1f} per game"
    stats = (await quick.invoke(f"/trivia stats member:{BOB}", user_id=ALICE)).message
    values = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
    assert values["Answers"] == "1 of 2 right (50%)"
    assert values["Games"] == "1 played, 0 won"
    assert values["Rank"] == "#2 in this server"


async def test_a_second_start_in_the_channel_points_to_the_running_game(quick: OfflineDiscord) -> None:
    await quick.invoke("/trivia start", user_id=ALICE)
    first = await question(quick, 1)
    again = await quick.invoke("/trivia start", user_id=BOB)
    assert again.message.ephemeral
    link = f"https://discord.com/channels/{GUILD}/{CHANNEL}/{first.id}"
    assert (
        again.message.content == f"A trivia game is already running in this channel. [Go to the game]({link})"
    )
    await quick.invoke("/trivia stop", user_id=ALICE)
    await scoreboard(quick)


async def test_three_questions_without_answers_end_the_game(offline: OfflineDiscord) -> None:
    await offline.bot.store.set_trivia_settings(GUILD, questions=10, seconds=1)  # type: ignore[attr-defined]
    await offline.invoke("/trivia start", user_id=ALICE)
    board = await scoreboard(offline)
    shown = [m for m in in_channel(offline, CHANNEL) if title(m).startswith("Question ")]
    assert [title(m) for m in shown] == [f"Question {n} of 10 — answer" for n in (1, 2, 3)]
    assert (
        description(board)
        == "Nobody answered a question.\n\nNobody answered 3 questions in a row, so the game ended."
    )


# ---------------------------------------------------------------- stopping


async def test_only_the_starter_or_a_moderator_may_stop_a_game(offline: OfflineDiscord) -> None:
    await offline.bot.store.set_trivia_settings(GUILD, questions=5, seconds=30)  # type: ignore[attr-defined]
    await offline.invoke("/trivia start", user_id=ALICE)
    first = await question(offline, 1)
    refused = await offline.invoke("/trivia stop", user_id=BOB)
    assert refused.message.ephemeral
    assert refused.message.content == (
        f"Only <@{ALICE}>, who started this game, or someone with Manage Messages can stop it."
    )
    assert first.buttons  # still running

    stopped = await offline.invoke("/trivia stop", user_id=MOD, permissions=MODERATOR_PERMISSIONS)
    assert not stopped.message.ephemeral
    assert stopped.message.content == f"Trivia stopped by <@{MOD}>; the scores follow."
    await revealed(first)
    board = await scoreboard(offline)
    assert description(board).endswith(f"Stopped by <@{MOD}>.")
    nothing = await offline.invoke("/trivia stop", user_id=ALICE)
    assert nothing.message.content == "No trivia game is running in this channel."


async def test_the_starter_may_stop_their_own_game(offline: OfflineDiscord) -> None:
    await offline.bot.store.set_trivia_settings(GUILD, questions=5, seconds=30)  # type: ignore[attr-defined]
    await offline.invoke("/trivia start", user_id=ALICE)
    first = await question(offline, 1)
    await offline.click(first, 1, user_id=BOB)
    await offline.invoke("/trivia stop", user_id=ALICE)
    board = await scoreboard(offline)
    assert description(board).endswith(f"Stopped by <@{ALICE}>.")
    assert f"<@{BOB}>" in description(board)


# ---------------------------------------------------------------- two channels


async def test_two_games_in_two_channels_at_once(quick: OfflineDiscord) -> None:
    store = quick.bot.store  # type: ignore[attr-defined]
    bank = await store.trivia_questions()
    await quick.invoke("/trivia start", user_id=ALICE, channel_id=CHANNEL)
    await quick.invoke("/trivia start", user_id=BOB, channel_id=OTHER_CHANNEL)
    for number in (1, 2, 3):
        here, there = await question(quick, number, CHANNEL), await question(quick, number, OTHER_CHANNEL)
        await quick.click(here, right_button(asked(here, bank)), user_id=ALICE)
        await quick.click(there, wrong_button(asked(there, bank)), user_id=BOB)
        await quick.click(there, right_button(asked(there, bank)), user_id=CAROL)
        await revealed(here)
        await revealed(there)
    here_board, there_board = await scoreboard(quick, CHANNEL), await scoreboard(quick, OTHER_CHANNEL)
    assert description(here_board).startswith(f"<@{ALICE}> wins!")
    assert f"<@{BOB}>" not in description(here_board)
    assert description(there_board).startswith(f"<@{CAROL}> wins!")
    assert f"2. <@{BOB}> — **0 points** (0/3 right)" in description(there_board).splitlines()
    rows = {r.user_id: r for r in await store.trivia_leaderboard(GUILD)}
    assert (rows[ALICE].wins, rows[CAROL].wins, rows[BOB].wins) == (1, 1, 0)
    assert rows[BOB].total == 0 and rows[ALICE].games == rows[BOB].games == 1


# ---------------------------------------------------------------- restarts


async def test_a_restart_mid_game_closes_the_old_question_and_keeps_the_scores(
    corpus_db: Path, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, corpus_db)
    first_run = OfflineDiscord(create_bot(settings))
    await first_run.start()
    store = first_run.bot.store  # type: ignore[attr-defined]
    await store.set_trivia_settings(GUILD, questions=5, seconds=60)
    bank = await store.trivia_questions()
    await first_run.invoke("/trivia start", user_id=ALICE)
    first = await question(first_run, 1)
    q1 = asked(first, bank)
    await first_run.click(first, right_button(q1), user_id=ALICE)
    [earned] = await store.trivia_leaderboard(GUILD)
    on_screen = snapshot(first)

    # The process dies: the game's task ends without closing anything.
    cog = first_run.bot.get_cog("Trivia")
    game = cog.games[CHANNEL]  # type: ignore[union-attr]
    game.task.cancel()
    await asyncio.gather(game.task, return_exceptions=True)
    assert first.buttons  # nobody closed it

    second_run = OfflineDiscord(create_bot(settings))
    second_run.messages.update(first_run.messages)  # Discord still has the old messages
    await second_run.start()
    try:
        assert not first.buttons
        assert title(first) == "Trivia — game ended"
        assert (
            description(first)
            == "This game ended when the bot restarted. Points earned before that are kept."
        )
        assert field(first, "Scores")["value"] == f"🥇 1. <@{ALICE}> — {earned.total} points"
        stale = await second_run.click(on_screen, right_button(q1), user_id=BOB)
        assert stale.message.content == "This trivia game has ended. Start a new one with /trivia start."
        leaders = (await second_run.invoke("/trivia leaderboard")).message
        assert description(leaders).startswith(
            f"🥇 1. <@{ALICE}> — **{earned.total} points** · 0 wins · 1 game"
        )
        assert await second_run.bot.store.trivia_running_games() == []  # type: ignore[attr-defined]
        again = await second_run.invoke("/trivia start", user_id=BOB)
        assert title(reply_to(again)) == "Trivia from the clippings"
        await second_run.invoke("/trivia stop", user_id=BOB)
        await scoreboard(second_run)
    finally:
        await second_run.close()
        await first_run.close()
    assert recorded_errors(first_run.requests + second_run.requests) == []


async def test_a_bot_shutting_down_closes_its_games(corpus_db: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, corpus_db)
    stand_in = OfflineDiscord(create_bot(settings))
    await stand_in.start()
    await stand_in.bot.store.set_trivia_settings(GUILD, questions=5, seconds=60)  # type: ignore[attr-defined]
    await stand_in.invoke("/trivia start", user_id=ALICE)
    first = await question(stand_in, 1)
    await stand_in.close()
    assert not first.buttons
    assert title(first) == "Trivia — game ended"
    assert recorded_errors(stand_in.requests) == []


# ---------------------------------------------------------------- settings, forget-me, small corpora


async def test_moderators_set_the_defaults_and_members_cannot(offline: OfflineDiscord) -> None:
    with pytest.raises(InvocationError):  # hidden from members (default_member_permissions)
        await offline.invoke("/trivia-settings questions:5", user_id=BOB)
    # A server admin may show the command to everyone; the bot still checks.
    refused = await offline.invoke("/trivia-settings questions:5", user_id=BOB, overridden=True)
    assert refused.message.content == "You need the Manage Server permission to use this."
    saved = await offline.invoke(
        "/trivia-settings questions:5 seconds:15", user_id=MOD, permissions=MODERATOR_PERMISSIONS
    )
    assert saved.message.ephemeral and title(saved.message) == "Trivia settings saved"
    values = {f["name"]: f["value"] for f in saved.message.embeds[0]["fields"]}
    assert values == {"Questions per game": "5", "Seconds per question": "15"}
    with pytest.raises(InvocationError):  # Discord's client enforces the declared range...
        await offline.invoke("/trivia-settings seconds:5", user_id=MOD, permissions=MODERATOR_PERMISSIONS)
    too_fast = await offline.dispatch(  # ...and the bot checks it again for any other client.
        sent_with(
            offline.command_payload(
                "/trivia-settings seconds:10", user_id=MOD, permissions=MODERATOR_PERMISSIONS
            ),
            seconds=5,
        )
    )
    assert too_fast.message.content == "Each question takes 10 to 120 seconds."
    started = await offline.invoke("/trivia start", user_id=ALICE)
    assert description(reply_to(started)).startswith(
        f"<@{ALICE}> started a game: **5** questions, **15 s** each."
    )
    await offline.invoke("/trivia stop", user_id=ALICE)
    await scoreboard(offline)
    definition = next(c for c in offline.bot.tree.get_commands() if c.name == "trivia-settings")
    assert definition.default_permissions is not None and definition.default_permissions.manage_guild


async def test_start_options_are_checked(offline: OfflineDiscord) -> None:
    with pytest.raises(InvocationError):
        await offline.invoke("/trivia start seconds:3")
    quick = await offline.dispatch(sent_with(offline.command_payload("/trivia start seconds:10"), seconds=3))
    assert quick.message.content == "Each question takes 10 to 120 seconds."
    many = await offline.dispatch(
        sent_with(offline.command_payload("/trivia start questions:25"), questions=99)
    )
    assert many.message.content == "A game has 3 to 25 questions."
    unknown = await offline.invoke("/trivia start topic:Nonexistent Widgets Incorporated")
    assert unknown.message.ephemeral and unknown.message.content.startswith("No company called")
    with pytest.raises(InvocationError):  # a server-only command
        await offline.invoke("/trivia start", guild_id=None)
    assert not [m for m in offline.messages.values() if m.buttons]


async def test_a_game_about_one_company_asks_only_about_it(offline: OfflineDiscord) -> None:
    store = offline.bot.store  # type: ignore[attr-defined]
    bank = await store.trivia_questions()
    topic = max({t for q in bank for t in q.topics}, key=lambda t: sum(t in q.topics for q in bank))
    await store.set_trivia_settings(GUILD, questions=3, seconds=1)
    started = await offline.invoke(f"/trivia start topic:{topic}", user_id=ALICE)
    assert f"started a game about **{topic}**" in description(reply_to(started))
    for number in (1, 2, 3):
        shown = await question(offline, number)
        assert topic in asked(shown, bank).topics
        await revealed(shown)
    await scoreboard(offline)


async def test_forget_me_asks_first_then_removes_everything(quick: OfflineDiscord) -> None:
    store = quick.bot.store  # type: ignore[attr-defined]
    bank = await store.trivia_questions()
    await quick.invoke("/trivia start", user_id=ALICE)
    first = await question(quick, 1)
    await quick.click(first, right_button(asked(first, bank)), user_id=BOB)
    await quick.invoke("/trivia stop", user_id=ALICE)
    await scoreboard(quick)
    assert [r.user_id for r in await store.trivia_leaderboard(GUILD)] == [BOB]

    asking = await quick.invoke("/trivia forget-me", user_id=BOB)
    prompt = asking.message
    assert prompt.ephemeral and prompt.content.startswith("This removes all your trivia answers and points")
    cancelled = await quick.click(prompt, "Cancel", user_id=BOB)
    assert cancelled.message.content == "Nothing was deleted." and not cancelled.message.buttons
    assert [r.user_id for r in await store.trivia_leaderboard(GUILD)] == [BOB]

    prompt = (await quick.invoke("/trivia forget-me", user_id=BOB)).message
    done = await quick.click(prompt, "Delete my trivia data", user_id=BOB)
    assert done.message.content == "Done: your trivia data is gone (1 answer removed, in every server)."
    assert await store.trivia_leaderboard(GUILD) == []
    stats = (await quick.invoke("/trivia stats", user_id=BOB)).message
    assert description(stats) == f"<@{BOB}> has not answered a trivia question in this server yet."


async def test_a_corpus_too_small_for_a_game_says_so(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("A short note\n\nThe weather was fine and nothing else happened.\n")
    db = tmp_path / "small.db"
    run_ingest(db, corpus, max_file_bytes=100_000, aliases_path=None)
    async with OfflineDiscord(create_bot(settings_for(tmp_path, db))) as stand_in:
        answer = await stand_in.invoke("/trivia start", user_id=ALICE)
        assert answer.message.ephemeral
        assert answer.message.content == (
            "The clippings hold only 0 trivia questions; a game needs at least 3. "
            "Add articles (and run an ingest) to play."
        )
        assert not [m for m in stand_in.messages.values() if m.buttons]
    assert recorded_errors(stand_in.requests) == []
