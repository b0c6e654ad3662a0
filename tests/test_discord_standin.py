"""The Discord stand-in against a plain discord.py client in this process: it must speak the protocol
discord.py speaks (and reject what Discord rejects) before the product's own process is tested on it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.utils import _ActiveDecompressionContext
from discord.webhook.async_ import async_context, interaction_message_response_params
from discord_standin import DiscordStandIn
from openapi import response_errors

GREETING_COLOUR = 0x3366AA


class Greeter(discord.Client):
    """A tiny bot: the same plumbing the product uses (API base -> REST; GET /gateway/bot -> gateway)."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.guild = discord.Object(guild_id)
        self.slow_seconds = 0.0
        self.errors: list[BaseException] = []
        self.readies = 0
        self.runner: asyncio.Task[None] | None = None
        self.failure_expected = False
        self._add_commands()

    async def on_ready(self) -> None:
        self.readies += 1

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=self.guild)

    async def connect(self, *, reconnect: bool = True) -> None:
        _, url, _ = await self.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await super().connect(reconnect=reconnect)

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(name="greet", description="Greets someone", guild=self.guild)
        @app_commands.describe(name="Who to greet", times="How often")
        async def greet(interaction: discord.Interaction, name: str, times: int = 1) -> None:
            await asyncio.sleep(self.slow_seconds)
            embed = discord.Embed(title=f"Hello {name}", description="hi " * times, colour=GREETING_COLOUR)
            await interaction.response.send_message(
                embed=embed, allowed_mentions=discord.AllowedMentions.none()
            )

        @greet.autocomplete("name")
        async def greet_names(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            names = ["Ada", "Alan", "Grace"]
            return [
                app_commands.Choice(name=n, value=n) for n in names if n.lower().startswith(current.lower())
            ]

        @tree.command(name="later", description="Thinks first", guild=self.guild)
        async def later(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.edit_original_response(content="done thinking")
            await interaction.followup.send("and one more thing", ephemeral=True)

        @tree.command(name="twice", description="Answers twice (a bug)", guild=self.guild)
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("one")
            # discord.py refuses a second response itself, so go around it as a buggy bot could
            adapter = async_context.get()
            params = interaction_message_response_params(type=4, content="two")
            try:
                await adapter.create_interaction_response(
                    interaction.id, interaction.token, session=interaction._session, params=params
                )
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @tree.command(name="long", description="Too long for Discord", guild=self.guild)
        async def long(interaction: discord.Interaction) -> None:
            try:
                await interaction.response.send_message("x" * 2001)
            except discord.HTTPException as exc:
                self.errors.append(exc)
                await interaction.response.send_message("shorter")

        @tree.command(name="pages", description="Has a button", guild=self.guild)
        async def pages(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("page 1", view=Pager(interaction.user.id))


class Pager(discord.ui.View):
    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=None)
        self.owner_id = owner_id

    @discord.ui.button(label="Next", custom_id="pager:next")
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "Only the person who asked can turn pages.", ephemeral=True
            )
            return
        await interaction.response.edit_message(content="page 2", view=self)


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(heartbeat_interval_ms=500) as server:
        yield server


@pytest.fixture
async def bot(standin: DiscordStandIn) -> AsyncIterator[Greeter]:
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = standin.api_base
    client = Greeter(standin.guild_id)
    task = client.runner = asyncio.create_task(client.start(standin.token))
    try:
        await standin.wait_for(lambda: client.is_ready() or task.done(), 10, "the client to be ready")
        assert not task.done(), task.exception()
        yield client
    finally:
        await client.close()
        await asyncio.wait({task}, timeout=10)
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
        if not client.failure_expected:
            task.result()  # the client stopped cleanly


async def test_login_ready_and_sync(standin: DiscordStandIn, bot: Greeter) -> None:
    assert bot.user is not None and bot.user.id == standin.bot_user_id
    assert bot.application_id == standin.application_id
    assert [g.id for g in bot.guilds] == [standin.guild_id]
    assert [c["name"] for c in standin.commands[standin.guild_id]] == [
        "greet",
        "later",
        "twice",
        "long",
        "pages",
    ]
    greet = standin.find_command("greet")
    assert [
        (o["name"], o["type"], o.get("required", False), o.get("autocomplete", False))
        for o in greet["options"]
    ] == [
        ("name", 3, True, True),
        ("times", 4, False, False),
    ]
    paths = [r.path for r in standin.requests]
    assert paths[:2] == ["/users/@me", "/oauth2/applications/@me"]
    assert set(paths[2:4]) == {
        f"/applications/{standin.application_id}/guilds/{standin.guild_id}/commands",
        "/gateway/bot",
    }
    assert standin.identify_count == 1 and standin.resume_count == 0
    # zlib-stream here; zstd-stream where discord.py finds a zstd module (Python 3.14, zstandard)
    assert standin.connections[0].compress == _ActiveDecompressionContext.COMPRESSION_TYPE
    await standin.wait_for(lambda: standin.connections[0].heartbeats >= 2, 5, "two heartbeats")
    standin.assert_clean()


async def test_slash_command_and_autocomplete(standin: DiscordStandIn, bot: Greeter) -> None:
    record = await standin.dispatch_interaction(standin.command_payload("greet", {"name": "Ada", "times": 2}))
    assert [c.status for c in record.callbacks] == [200]
    assert record.embeds == [
        {"title": "Hello Ada", "description": "hi hi ", "color": GREETING_COLOUR, "type": "rich", "flags": 0}
    ]
    assert record.answer is not None and record.answer["allowed_mentions"] == {"parse": []}
    choices = await standin.dispatch_interaction(
        standin.command_payload("greet", {"name": "a"}, focused="name")
    )
    assert choices.choices == [{"name": "Ada", "value": "Ada"}, {"name": "Alan", "value": "Alan"}]
    standin.assert_clean()


async def test_deferred_edit_and_followup(standin: DiscordStandIn, bot: Greeter) -> None:
    record = await standin.dispatch_interaction(standin.command_payload("later"))
    assert record.callbacks[0].body == {"type": 5, "data": {"flags": 64}}
    assert record.content == "done thinking"
    await standin.wait_for(lambda: len(record.followups) == 1, 5, "the follow-up")
    assert record.followups[0]["content"] == "and one more thing"
    assert record.followups[0]["flags"] == 64
    assert record.original is not None and record.original["flags"] == 64
    standin.assert_clean()


async def test_button_only_for_the_invoker(standin: DiscordStandIn, bot: Greeter) -> None:
    record = await standin.dispatch_interaction(standin.command_payload("pages"))
    assert record.original is not None
    button = record.original["components"][0]["components"][0]
    assert button["custom_id"] == "pager:next"
    other = await standin.dispatch_interaction(
        standin.component_payload(record.original, "pager:next", user_id=standin.owner_id)
    )
    assert other.content == "Only the person who asked can turn pages." and other.ephemeral
    mine = await standin.dispatch_interaction(standin.component_payload(record.original, "pager:next"))
    assert mine.response_type == 7 and mine.content == "page 2"
    standin.assert_clean()


async def test_invalid_body_is_answered_50035_and_recorded(standin: DiscordStandIn, bot: Greeter) -> None:
    record = await standin.dispatch_interaction(standin.command_payload("long"))
    assert [c.status for c in record.callbacks] == [200]
    assert record.content == "shorter"
    (error,) = bot.errors
    assert isinstance(error, discord.HTTPException) and error.status == 400 and error.code == 50035
    assert error.text == "Invalid Form Body\nIn data.content: Must be 2000 or fewer in length."
    (failure,) = standin.failures
    assert failure.startswith("REST: invalid body for POST /interactions/")
    assert failure.endswith("/callback: data.content: BASE_TYPE_MAX_LENGTH: Must be 2000 or fewer in length.")


async def test_double_answer_is_rejected_and_recorded(standin: DiscordStandIn, bot: Greeter) -> None:
    await standin.dispatch_interaction(standin.command_payload("twice"))
    await standin.wait_for(lambda: bool(bot.errors), 5, "the second answer")
    (error,) = bot.errors
    assert isinstance(error, discord.HTTPException) and error.code == 40060
    assert any("answered twice" in f for f in standin.failures)


async def test_late_answer_is_rejected_and_recorded(standin: DiscordStandIn, bot: Greeter) -> None:
    standin.callback_deadline = 0.2
    bot.slow_seconds = 0.4
    record = await standin.send_interaction(standin.command_payload("greet", {"name": "Ada"}))
    await standin.wait_for(lambda: bool(record.callbacks), 5, "the late callback")
    assert [c.status for c in record.callbacks] == [404]
    assert any("answered after" in f for f in standin.failures)


async def test_gateway_close_resumes_and_replays(standin: DiscordStandIn, bot: Greeter) -> None:
    await standin.close_gateway(4000)
    # sent while the bot is away: Discord keeps it for the RESUME
    record = await standin.send_interaction(standin.command_payload("greet", {"name": "Grace"}))
    await standin.wait_answered(record, 10)
    assert record.embeds[0]["title"] == "Hello Grace"
    assert (standin.identify_count, standin.resume_count) == (1, 1)
    assert standin.connections[-1].path == "/resume-gateway"
    standin.assert_clean()


async def test_op7_reconnect_resumes(standin: DiscordStandIn, bot: Greeter) -> None:
    await standin.send_reconnect()
    await standin.wait_for(lambda: standin.resume_count == 1, 10, "RESUME")
    record = await standin.dispatch_interaction(standin.command_payload("greet", {"name": "Alan"}))
    assert record.embeds[0]["title"] == "Hello Alan"
    assert standin.identify_count == 1
    standin.assert_clean()


async def test_op9_identifies_again(standin: DiscordStandIn, bot: Greeter) -> None:
    await standin.invalidate_session()
    await standin.wait_for(
        lambda: standin.identify_count == 2 and bot.readies == 2, 10, "a new IDENTIFY and READY"
    )
    record = await standin.dispatch_interaction(standin.command_payload("greet", {"name": "Ada"}))
    assert record.embeds[0]["title"] == "Hello Ada"
    assert standin.resume_count == 0
    assert standin.connections[-1].path == "/gateway"
    standin.assert_clean()


async def test_callback_429_is_retried_after_retry_after(standin: DiscordStandIn, bot: Greeter) -> None:
    standin.fail_next_callbacks(429, retry_after=0.6)
    record = await standin.dispatch_interaction(standin.command_payload("greet", {"name": "Ada"}))
    assert [c.status for c in record.callbacks] == [429, 200]
    assert record.callbacks[1].at - record.callbacks[0].at >= 0.6
    standin.assert_clean()


async def test_callback_500_is_retried(standin: DiscordStandIn, bot: Greeter) -> None:
    standin.fail_next_callbacks(500)
    record = await standin.dispatch_interaction(standin.command_payload("greet", {"name": "Ada"}))
    assert [c.status for c in record.callbacks] == [500, 200]
    standin.assert_clean()


async def test_rejected_token_fails_login(standin: DiscordStandIn) -> None:
    saved = Route.BASE
    Route.BASE = standin.api_base
    client = discord.Client(intents=discord.Intents.default())
    standin.reject_token()  # as after "Reset Token" in the developer portal
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login(standin.token)
    finally:
        await client.close()
        Route.BASE = saved
    assert [(r.path, r.status) for r in standin.requests] == [("/users/@me", 401)]
    standin.assert_clean()


async def test_rejected_token_closes_the_gateway_with_4004(standin: DiscordStandIn, bot: Greeter) -> None:
    bot.failure_expected = True
    standin.reject_token()
    await standin.close_gateway(4000)
    assert bot.runner is not None
    with pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(bot.runner, 10)
    assert closed.value.code == 4004  # Authentication failed: discord.py does not reconnect
    assert standin.connections[-1].close_code == 4004
    assert standin.resume_count == 0


async def test_unknown_route_is_404_and_recorded(standin: DiscordStandIn, bot: Greeter) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/no/such/route"))
    assert standin.failures == ["REST: unknown route GET /no/such/route"]


async def test_command_payload_follows_the_synced_schema(standin: DiscordStandIn, bot: Greeter) -> None:
    with pytest.raises(ValueError, match="requires"):
        standin.command_payload("greet")
    with pytest.raises(LookupError, match="no option"):
        standin.command_payload("greet", {"nom": "Ada"})
    with pytest.raises(LookupError, match="was not synced"):
        standin.command_payload("partnership")


async def test_wait_for_is_bounded(standin: DiscordStandIn) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="never"):
        await standin.wait_for(lambda: False, 0.2, "never")
    assert time.monotonic() - started < 1.0


async def test_answers_have_the_shape_discord_documents(standin: DiscordStandIn, bot: Greeter) -> None:
    await standin.dispatch_interaction(standin.command_payload("greet", {"name": "Ada"}))
    await standin.dispatch_interaction(standin.command_payload("greet", {"name": "A"}, focused="name"))
    later = await standin.dispatch_interaction(standin.command_payload("later"))
    await standin.wait_for(lambda: len(later.followups) == 1, 5, "the follow-up")
    answered = [r for r in standin.requests if 200 <= r.status < 300]
    assert {r.operation for r in answered} >= {
        "/users/@me",
        "/oauth2/applications/@me",
        "/gateway/bot",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        "/webhooks/{webhook_id}/{webhook_token}",
    }
    problems = [p for r in answered for p in response_errors(r.method, r.path, r.status, r.response)]
    assert problems == []
