"""The offline stand-in itself: payloads, recording, answers, buttons, rendering.

These tests drive a small bot whose commands exist only here, so that each mechanism of the stand-in is
pinned down on its own; the product's commands are driven through the `offline` fixture elsewhere. Every
request recorded here is checked against Discord's OpenAPI spec as well.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Literal

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from openapi import command_errors, recorded_errors

from bot.client import ClippingsTree
from bot.console import Console
from bot.offline import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_USER_ID,
    EPHEMERAL,
    InvocationError,
    OfflineDiscord,
    parse_invocation,
    render,
)
from bot.views import EXPIRED, NOT_YOURS, Paginator, setup_views

FRUIT = ["apple", "apricot", "banana", "cherry"]


def _pages() -> list[discord.Embed]:
    pages = []
    for n in (1, 2, 3):
        embed = discord.Embed(
            title=f"Page {n} title", url=f"https://example.org/{n}", description=f"Body {n}"
        )
        embed.add_field(name="Source", value=f"Example *{n}*", inline=False)
        embed.set_footer(text=f"footer {n}")
        pages.append(embed)
    return pages


def _bot() -> commands.Bot:
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents(guilds=True),
        tree_cls=ClippingsTree,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    tree = bot.tree
    setup_views(bot)

    @tree.command(description="Repeat some text")
    @app_commands.describe(text="What to say", times="How often", loud="Shout it", who="Whom to greet")
    async def echo(
        interaction: discord.Interaction,
        text: str,
        times: app_commands.Range[int, 1, 3] = 1,
        loud: bool = False,
        who: discord.Member | None = None,
    ) -> None:
        said = " ".join([text.upper() if loud else text] * times)
        greeting = f" to {who.id}" if who is not None else ""
        await interaction.response.send_message(f"{said}{greeting}")

    @tree.command(description="Three pages with buttons")
    async def pages(interaction: discord.Interaction) -> None:
        await Paginator(_pages(), interaction.user.id).start(interaction)

    @tree.command(description="Think first, answer after")
    async def later(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"first: {text}")
        await interaction.followup.send("second")

    async def fruit(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f.title(), value=f) for f in FRUIT if f.startswith(current.lower())]

    @tree.command(description="Pick a fruit")
    @app_commands.autocomplete(thing=fruit)
    async def pick(interaction: discord.Interaction, thing: str, note: str | None = None) -> None:
        await interaction.response.send_message(f"picked {thing}")

    @tree.command(description="Post in the channel")
    async def announce(interaction: discord.Interaction, text: str) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.channel.send(f"announcement: {text}")
        await interaction.response.send_message("posted", ephemeral=True)

    @tree.command(description="A choice of colours")
    async def paint(interaction: discord.Interaction, colour: Literal["red", "green"]) -> None:
        await interaction.response.send_message(f"painted {colour}")

    background: set[asyncio.Task[None]] = set()

    @tree.command(description="Answer now, post again a moment later")
    async def soon(interaction: discord.Interaction) -> None:
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)

        async def later() -> None:
            await asyncio.sleep(0.05)
            await channel.send("a moment later")

        task = asyncio.create_task(later())
        background.add(task)
        task.add_done_callback(background.discard)
        await interaction.response.send_message("now")

    settings = app_commands.Group(name="settings", description="Settings")

    @settings.command(name="show", description="Show one setting")
    async def show(interaction: discord.Interaction, key: str) -> None:
        await interaction.response.send_message(f"setting {key}")

    tree.add_command(settings)
    return bot


@pytest.fixture
async def stand_in() -> AsyncIterator[OfflineDiscord]:
    async with OfflineDiscord(_bot()) as offline:
        yield offline
        assert recorded_errors(offline.requests) == []


# ---------------------------------------------------------------- reading what a user types


async def test_named_and_positional_options_become_typed_discord_options(stand_in: OfflineDiscord) -> None:
    invocation = stand_in.parse("/echo hello world times:2 loud:yes who:<@42>")
    assert invocation.name == "echo"
    assert list(invocation.options) == [
        {"name": "text", "type": 3, "value": "hello world"},
        {"name": "times", "type": 4, "value": 2},
        {"name": "loud", "type": 5, "value": True},
        {"name": "who", "type": 6, "value": "42"},
    ]
    assert invocation.resolved["users"]["42"]["id"] == "42"
    assert "42" in invocation.resolved["members"]


async def test_quoted_values_keep_their_spaces_and_colons(stand_in: OfflineDiscord) -> None:
    invocation = stand_in.parse('/echo text:"a: b  c"')
    assert invocation.options[0]["value"] == "a: b  c"


async def test_subcommands_nest_their_options(stand_in: OfflineDiscord) -> None:
    invocation = stand_in.parse("/settings show key:colour")
    assert invocation.qualified_name == "settings show"
    assert list(invocation.options) == [
        {"name": "show", "type": 1, "options": [{"name": "key", "type": 3, "value": "colour"}]}
    ]


async def test_choices_accept_the_name_and_send_the_value(stand_in: OfflineDiscord) -> None:
    assert stand_in.parse("/paint colour:Green").options[0]["value"] == "green"
    with pytest.raises(InvocationError, match="must be one of red, green"):
        stand_in.parse("/paint colour:blue")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("echo hi", "A command starts with /"),
        ("/ecoh hi", "There is no command /ecoh. Did you mean /echo?"),
        ("/echo texx:hi", "/echo has no option texx: (did you mean text:?)"),
        ("/echo times:2", "/echo needs text:"),
        ("/echo hi times:two", "times: needs a whole number, not 'two'"),
        ("/echo hi times:9", "times: must be at most 3"),
        ("/echo hi loud:maybe", "loud: needs true or false, not 'maybe'"),
        ("/echo hi who:bob", "who: needs a user id or mention, not 'bob'"),
        ("/echo text:a text:b", "/echo: text: is given twice"),
        ("/settings hide", "/settings needs one of: show"),
    ],
)
async def test_what_discord_would_not_send_is_refused_with_a_clear_message(
    stand_in: OfflineDiscord, text: str, message: str
) -> None:
    with pytest.raises(InvocationError) as refused:
        parse_invocation(stand_in.bot.tree, text)
    assert str(refused.value).startswith(message)


# ---------------------------------------------------------------- running commands


async def test_a_command_answers_through_the_interaction_callback(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/echo hi times:2 who:<@42>")
    assert result.errors == []
    [callback] = result.requests
    assert callback.method == "POST"
    assert callback.path.startswith(f"/interactions/{result.interaction_id}/")
    assert callback.path.endswith("/callback")
    assert callback.via == "webhook"
    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "hi hi to 42"
    assert callback.json["data"]["allowed_mentions"] == {"parse": []}
    assert result.message.content == "hi hi to 42"
    assert not result.message.ephemeral


async def test_forget_drops_what_was_recorded_and_commands_still_run(stand_in: OfflineDiscord) -> None:
    await stand_in.invoke("/echo one")
    stand_in.forget()
    assert (stand_in.requests, stand_in.messages) == ([], {})
    result = await stand_in.invoke("/echo two")
    assert result.message.content == "two"
    assert [r.path for r in stand_in.requests] == [r.path for r in result.requests]


async def test_the_payload_is_what_discord_sends(stand_in: OfflineDiscord) -> None:
    payload = stand_in.command_payload("/echo hi", user_id=7, channel_id=8, guild_id=9)
    assert payload["type"] == 2
    assert payload["data"]["name"] == "echo"
    assert payload["data"]["options"] == [{"name": "text", "type": 3, "value": "hi"}]
    assert payload["member"]["user"]["id"] == "7"
    assert (payload["channel_id"], payload["guild_id"]) == ("8", "9")


async def test_a_deferred_answer_fills_the_thinking_message_then_follows_up(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/later hello")
    assert [r.json.get("type") for r in result.requests[:1]] == [5]
    assert result.requests[0].json["data"] == {"flags": EPHEMERAL}
    assert [r.method for r in result.requests] == ["POST", "POST", "POST"]
    first, second = result.messages
    assert (first.content, first.ephemeral, first.loading) == ("first: hello", True, False)
    assert second.content == "second"


async def test_messages_sent_to_the_channel_go_through_the_http_client(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/announce news")
    post = next(r for r in result.requests if r.via == "http")
    assert (post.method, post.path) == ("POST", f"/channels/{DEFAULT_CHANNEL_ID}/messages")
    assert post.json["content"] == "announcement: news"
    assert [m.content for m in result.messages] == ["announcement: news", "posted"]


async def test_waiting_for_what_a_background_task_sends(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/soon")
    assert [m.content for m in result.messages] == ["now"]
    posted = await stand_in.wait_for_request(lambda r: r.via == "http")
    assert posted.json["content"] == "a moment later"
    assert stand_in.messages[int(posted.response["id"])].content == "a moment later"
    with pytest.raises(TimeoutError):
        await stand_in.wait_for_request(lambda r: r.method == "DELETE", timeout=0.05)


async def test_a_command_in_a_direct_message(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/echo psst", guild_id=None, channel_id=555)
    assert result.message.content == "psst"
    assert "guild_id" not in result.message.data


async def test_autocomplete_returns_the_bots_choices(stand_in: OfflineDiscord) -> None:
    assert await stand_in.autocomplete("/pick", "thing", "ap") == [("Apple", "apple"), ("Apricot", "apricot")]
    callback = stand_in.requests[-1]
    assert callback.json == {
        "type": 8,
        "data": {"choices": [{"name": "Apple", "value": "apple"}, {"name": "Apricot", "value": "apricot"}]},
    }
    with pytest.raises(InvocationError, match="note: does not autocomplete"):
        await stand_in.autocomplete("/pick", "note", "x")


# ---------------------------------------------------------------- buttons


async def test_the_invoker_pages_forward_and_the_message_changes_in_place(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/pages")
    message = result.message
    assert [b.label for b in message.buttons] == ["‹ Previous", "Page 1 of 3", "Next ›"]
    assert [b.disabled for b in message.buttons] == [True, True, False]
    click = await stand_in.click(message, "Next ›")
    assert click.requests[0].json["type"] == 7
    assert click.message is message
    assert message.embeds[0]["title"] == "Page 2 title"
    assert [b.disabled for b in message.buttons] == [False, True, False]


async def test_another_member_gets_a_private_not_yours(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/pages")
    click = await stand_in.click(result.message, 3, user_id=DEFAULT_USER_ID + 1)
    assert click.message.ephemeral
    assert click.message.content == NOT_YOURS
    assert result.message.embeds[0]["title"] == "Page 1 title"


async def test_buttons_switch_off_when_the_view_times_out(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/pages")
    timed_out = await stand_in.time_out_views()
    assert timed_out.requests[0].method == "PATCH"
    assert timed_out.requests[0].path.endswith("/messages/@original")
    assert all(b.disabled for b in result.message.buttons)
    with pytest.raises(InvocationError, match="is switched off"):
        await stand_in.click(result.message, "Next ›")
    # A client that has not seen the edit yet can still send the click; the bot says the buttons expired.
    late = await stand_in.click(result.message, "Next ›", stale=True)
    assert (late.message.content, late.message.ephemeral) == (EXPIRED, True)


async def test_pressing_a_button_that_does_not_exist(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/pages")
    with pytest.raises(InvocationError, match="No button 'Later'; the buttons are"):
        await stand_in.click(result.message, "Later")
    with pytest.raises(InvocationError, match="There are 3 buttons; press 1 to 3"):
        await stand_in.click(result.message, 4)


# ---------------------------------------------------------------- Discord's limits and answers


async def test_an_answer_after_three_seconds_is_refused_as_discord_does(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/echo late", age=4)
    assert [(r.status, r.response) for r in result.requests] == [(404, None)]
    assert result.messages == []
    assert result.errors == []  # the tree's error handler logged it


async def test_the_command_sync_body_satisfies_discords_command_schema(stand_in: OfflineDiscord) -> None:
    synced = await stand_in.sync()
    put = stand_in.requests[-1]
    assert (put.method, put.path) == ("PUT", f"/applications/{stand_in.bot.application_id}/commands")
    assert sorted(c.name for c in synced) == [
        "announce",
        "echo",
        "later",
        "pages",
        "paint",
        "pick",
        "settings",
        "soon",
    ]
    assert command_errors(put.json) == []
    # Once synced, payloads carry the ids Discord gave the commands.
    payload = stand_in.command_payload("/echo hi")
    assert payload["data"]["id"] == str(next(c.id for c in synced if c.name == "echo"))


async def test_render_shows_what_a_member_reads(stand_in: OfflineDiscord) -> None:
    result = await stand_in.invoke("/pages")
    assert render(result.message) == (
        "== Page 1 title == <https://example.org/1>\n"
        "Body 1\n"
        "* Source\n"
        "  Example *1*\n"
        "-- footer 1\n"
        "[1: ‹ Previous (switched off)] [2: Page 1 of 3 (switched off)] [3: Next ›]"
    )
    private = await stand_in.click(result.message, 3, user_id=1)
    assert render(private.message) == f"(only you can see this)\n{NOT_YOURS}"


# ---------------------------------------------------------------- the product's bot (the `offline` fixture)


async def test_the_real_bot_answers_help_through_the_callback(offline: OfflineDiscord) -> None:
    result = await offline.invoke("/help")
    assert result.errors == []
    [callback] = result.requests
    assert callback.json["type"] == 4
    assert callback.json["data"]["allowed_mentions"] == {"parse": []}
    assert result.message.ephemeral
    assert result.message.embeds[0]["title"] == "Commands"
    assert "`/quote person: [about:]`" in result.message.embeds[0]["description"]


async def test_the_real_bot_autocompletes_a_person(offline: OfflineDiscord) -> None:
    assert ("Oliver Kaltner", "Oliver Kaltner") in await offline.autocomplete("/quote", "person", "kal")


async def test_the_real_bots_pages_answer_only_their_owner(offline: OfflineDiscord) -> None:
    result = await offline.invoke("/search query:camera")
    first_page = result.message.embeds[0]["footer"]["text"]
    assert first_page.startswith("Page 1 of 2")
    refused = await offline.click(result.message, "Next ›", user_id=DEFAULT_USER_ID + 5)
    assert refused.message.ephemeral
    assert refused.message.content == NOT_YOURS
    moved = await offline.click(result.message, "Next ›")
    assert moved.message is result.message
    assert result.message.embeds[0]["footer"]["text"].startswith("Page 2 of 2")


async def test_the_real_command_tree_satisfies_discords_command_schema(offline: OfflineDiscord) -> None:
    synced = await offline.sync()
    put = offline.requests[-1]
    assert put.method == "PUT"
    assert {c.name for c in synced} >= {
        "partnership",
        "quote",
        "person",
        "company",
        "search",
        "article",
        "help",
    }
    assert command_errors(put.json) == []


async def test_console_tab_completes_commands_options_and_names(offline: OfflineDiscord) -> None:
    console = Console(offline, io.StringIO())
    asked: list[tuple[str, str, str]] = []

    def ask_bot(text: str, option: str, typed: str) -> list[str]:
        asked.append((text, option, typed))
        return ["Oliver Kaltner"]

    assert console.completions("/qu", ask_bot) == ["/quote "]
    assert console.completions("/quote ", ask_bot) == ["person:", "about:"]
    assert console.completions("/quote person:kal ab", ask_bot) == ["about:"]
    assert console.completions("/quote person:kal", ask_bot) == ["person:Oliver Kaltner"]
    assert asked == [("/quote", "person", "kal")]
    assert console.completions("pr", ask_bot) == ["press "]
