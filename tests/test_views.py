"""bot/views.py through the offline stand-in: paging buttons, the invoker-only rule, time-outs, errors.

A small bot with one command that pages N embeds drives the generic Paginator; the product's own
paged answers (/timeline, /search, /quote) are driven in test_commands.py.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from openapi import recorded_errors

from bot.client import INTERNAL_ERROR, ClippingsTree
from bot.offline import DEFAULT_USER_ID, OfflineDiscord, OfflineMessage
from bot.views import EXPIRED, NOT_YOURS, ExpiredButton, Paginator, setup_views

OTHER_USER = DEFAULT_USER_ID + 1


def pages(count: int) -> list[discord.Embed]:
    return [discord.Embed(title=f"Page {n} title", description=f"Body {n}") for n in range(1, count + 1)]


class BrokenPaginator(Paginator):
    async def show(self, interaction: discord.Interaction[Any], index: int) -> None:
        raise RuntimeError("the page could not be built")


def make_bot() -> commands.Bot:
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents(guilds=True),
        tree_cls=ClippingsTree,
        allowed_mentions=discord.AllowedMentions.none(),
    )

    @bot.tree.command(description="Page through some embeds")
    async def book(
        interaction: discord.Interaction, count: app_commands.Range[int, 1, 9], private: bool = False
    ) -> None:
        await Paginator(pages(count), interaction.user.id).start(interaction, ephemeral=private)

    @bot.tree.command(description="Buttons that fail")
    async def broken(interaction: discord.Interaction) -> None:
        await BrokenPaginator(pages(3), interaction.user.id).start(interaction)

    setup_views(bot)
    return bot


@pytest.fixture
async def offline() -> AsyncIterator[OfflineDiscord]:
    async with OfflineDiscord(make_bot()) as stand_in:
        yield stand_in
    assert recorded_errors(stand_in.requests) == []


def labels(message: OfflineMessage) -> list[tuple[str, bool]]:
    return [(b.label, b.disabled) for b in message.buttons]


def title(message: OfflineMessage) -> str:
    return str(message.embeds[0]["title"])


async def test_one_page_has_no_buttons(offline: OfflineDiscord) -> None:
    result = await offline.invoke("/book count:1")
    assert title(result.message) == "Page 1 title"
    assert result.message.buttons == []


async def test_previous_and_next_move_through_three_pages(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/book count:3")).message
    assert labels(message) == [("‹ Previous", True), ("Page 1 of 3", True), ("Next ›", False)]
    await offline.click(message, "Next ›")
    assert title(message) == "Page 2 title"
    assert labels(message) == [("‹ Previous", False), ("Page 2 of 3", True), ("Next ›", False)]
    await offline.click(message, "Next ›")
    assert title(message) == "Page 3 title"
    assert labels(message) == [("‹ Previous", False), ("Page 3 of 3", True), ("Next ›", True)]
    await offline.click(message, "‹ Previous")
    assert title(message) == "Page 2 title"


async def test_longer_lists_have_first_and_last(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/book count:5")).message
    assert [label for label, _ in labels(message)] == [
        "« First",
        "‹ Previous",
        "Page 1 of 5",
        "Next ›",
        "Last »",
    ]
    await offline.click(message, "Last »")
    assert title(message) == "Page 5 title"
    assert labels(message)[3:] == [("Next ›", True), ("Last »", True)]
    await offline.click(message, "« First")
    assert title(message) == "Page 1 title"


async def test_every_button_answers_to_the_expired_handler_pattern(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/book count:5")).message
    pattern = ExpiredButton.__discord_ui_compiled_template__
    assert all(b.custom_id and pattern.fullmatch(b.custom_id) for b in message.buttons)


async def test_someone_else_cannot_turn_the_pages(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/book count:3")).message
    result = await offline.click(message, "Next ›", user_id=OTHER_USER)
    assert result.errors == []
    assert result.message.ephemeral
    assert result.message.content == NOT_YOURS
    assert title(message) == "Page 1 title"
    await offline.click(message, "Next ›")  # the owner still can
    assert title(message) == "Page 2 title"


async def test_buttons_switch_off_when_they_time_out(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/book count:3")).message
    await offline.click(message, "Next ›")
    result = await offline.time_out_views()
    assert result.errors == []
    assert [(r.method, r.path.rsplit("/", 2)[-2:]) for r in result.requests] == [
        ("PATCH", ["messages", "@original"])
    ]
    assert labels(message) == [("‹ Previous", True), ("Page 2 of 3", True), ("Next ›", True)]
    assert title(message) == "Page 2 title"


async def test_a_click_after_the_time_out_says_so(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/book count:3")).message
    as_seen_before = OfflineMessage(copy.deepcopy(message.data))  # a client that still shows live buttons
    await offline.time_out_views()
    result = await offline.click(as_seen_before, "Next ›")
    assert result.errors == []
    assert result.message.ephemeral
    assert result.message.content == EXPIRED
    assert title(message) == "Page 1 title"


async def test_a_live_view_is_not_answered_twice(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/book count:3")).message
    result = await offline.click(message, "Next ›")
    callbacks = [r for r in result.requests if r.path.endswith("/callback")]
    assert len(callbacks) == 1
    assert callbacks[0].json["type"] == 7  # the page was updated in place, nothing else was said


async def test_an_ephemeral_answer_pages_too(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/book count:2 private:true")).message
    assert message.ephemeral
    await offline.click(message, "Next ›")
    assert title(message) == "Page 2 title"


async def test_a_failing_button_gives_a_short_message_not_an_exception(offline: OfflineDiscord) -> None:
    message = (await offline.invoke("/broken")).message
    result = await offline.click(message, "Next ›")
    assert result.errors == []
    assert result.message.ephemeral
    assert result.message.content == INTERNAL_ERROR
    assert title(message) == "Page 1 title"


def test_a_paginator_needs_pages() -> None:
    with pytest.raises(ValueError, match="at least one page"):
        Paginator([], owner_id=1)
