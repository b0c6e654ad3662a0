"""What every command family shares: checking user text, short ephemeral replies, name autocomplete,
and turning a name into an entity (or a "did you mean" answer)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import unicodedata
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ClippingsBot
from bot.embeds import not_found_message, shorten
from db.models import EntityKind, EntityRef

log = logging.getLogger(__name__)

NAME_MAX = 100  # Discord's limit for an autocomplete choice, so a chosen name always fits
QUERY_MAX = 200
CHOICES_MAX = 25
NONE = discord.AllowedMentions.none()
# Discord takes the first answer to a command for 3 seconds after the user sent it. A slow answer (a search
# behind many others) that is not ready this long after is deferred ("thinking…") and sent as a follow-up.
ANSWER_WITHIN = 2.0

Interaction = discord.Interaction[ClippingsBot]

_cog_numbers = itertools.count(1)
T = TypeVar("T")


class FamilyCog(commands.Cog):
    """A command family: holds the bot, and a number that keeps its cooldowns apart from other bots'."""

    def __init__(self, bot: ClippingsBot) -> None:
        self.bot = bot
        self.number = next(_cog_numbers)


def per_user(interaction: discord.Interaction[Any]) -> Hashable:
    """The cooldown key: the user, within this bot. discord.py keeps one cooldown table per decorated
    function, shared by every bot in the process (tests, benchmarks); the cog's number separates them."""
    binding = getattr(interaction.command, "binding", None)
    return (getattr(binding, "number", 0), interaction.user.id)


def clean_text(value: str | None) -> str:
    """User text with control characters dropped and runs of whitespace folded to one space."""
    if not value:
        return ""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)
    return " ".join(kept.split())


def input_problem(value: str, *, what: str, max_len: int) -> str | None:
    """The message for text a command cannot use (empty, too long), or None when it is fine.

    Discord enforces the lengths declared with app_commands.Range, but a client can send anything.
    """
    if not value:
        return f"Please type {what}."
    if len(value) > max_len:
        return f"That is too long for {what}: {len(value):,} characters; the most is {max_len}."
    return None


def cooldown(rate: int, per: float) -> Callable[[T], T]:
    """A per-user cooldown: `rate` uses in `per` seconds (the tree's error handler tells the user when)."""
    return app_commands.checks.cooldown(rate, per, key=per_user)


async def in_time(interaction: Interaction, work: Awaitable[T]) -> T:
    """The result of `work`; when it is not ready ANSWER_WITHIN seconds after the user sent the command,
    the interaction is deferred meanwhile, so that it cannot expire (reply/send/Paginator follow up)."""
    task = asyncio.ensure_future(work)
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout=max(0.0, ANSWER_WITHIN - age))
    except TimeoutError:
        try:
            await interaction.response.defer(thinking=True)
        except BaseException:
            task.cancel()  # expired: nobody will see the answer
            raise
        return await task


async def _answer(interaction: Interaction, **message: Any) -> None:
    """The first answer, or the follow-up that fills the message of a deferred (in_time) command."""
    if interaction.response.is_done():
        await interaction.followup.send(**message, allowed_mentions=NONE)
    else:
        await interaction.response.send_message(**message, allowed_mentions=NONE)


async def reply(interaction: Interaction, message: str) -> None:
    """A short answer only the user sees (unless the command was deferred: then it fills that message)."""
    await _answer(interaction, content=message, ephemeral=True)


async def send(interaction: Interaction, embed: discord.Embed) -> None:
    await _answer(interaction, embed=embed)


def choices(names: list[str]) -> list[app_commands.Choice[str]]:
    out: list[app_commands.Choice[str]] = []
    for name in names:
        label = shorten(" ".join(name.split()), NAME_MAX)
        if label:
            out.append(app_commands.Choice(name=label, value=label))
    return out[:CHOICES_MAX]


def _complete(interaction: Interaction, kind: EntityKind, current: str) -> list[app_commands.Choice[str]]:
    try:
        return choices(interaction.client.store.complete(kind, clean_text(current[:NAME_MAX]), CHOICES_MAX))
    except Exception:
        # Autocomplete errors are only logged by discord.py; the user would see "loading options failed".
        log.exception("Autocomplete for %s failed", kind)
        return []


async def company_names(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    return _complete(interaction, "company", current)


async def person_names(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    return _complete(interaction, "person", current)


async def article_titles(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Titles as labels, the article id as the value (a typed title or file name works as well)."""
    try:
        found = interaction.client.store.complete_articles(clean_text(current[:NAME_MAX]), CHOICES_MAX)
    except Exception:
        log.exception("Autocomplete for articles failed")
        return []
    out: list[app_commands.Choice[str]] = []
    for label, value in found[:CHOICES_MAX]:
        name = shorten(" ".join(label.split()), NAME_MAX)
        if name and value:
            out.append(app_commands.Choice(name=name, value=value[:NAME_MAX]))
    return out


async def resolve(
    interaction: Interaction, kind: EntityKind, raw: str | None, *, what: str
) -> EntityRef | None:
    """The entity a user's name means; otherwise answer the user (bad input or "did you mean") and None."""
    name = clean_text(raw)
    problem = input_problem(name, what=what, max_len=NAME_MAX)
    if problem:
        await reply(interaction, problem)
        return None
    found = await interaction.client.store.resolve(kind, name)
    if found.match is None:
        await reply(interaction, not_found_message(kind, name, found.suggestions))
        return None
    return found.match
