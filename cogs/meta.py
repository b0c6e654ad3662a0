"""About the bot itself: /help (built from the command tree) and /about."""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Any

import discord
from discord import app_commands

from bot import embeds
from bot.client import ClippingsBot
from bot.views import Paginator, setup_views
from cogs.common import FamilyCog, Interaction, send


@functools.cache  # looking it up reads the installed packages' metadata: half a millisecond
def version() -> str:
    try:
        return importlib.metadata.version("clippings")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def usage(command: app_commands.Command[Any, ..., Any]) -> str:
    """'/quote person: [about:]'."""
    options = [f"{p.name}:" if p.required else f"[{p.name}:]" for p in command.parameters]
    return " ".join([f"/{command.qualified_name}", *options])


def sample_value(parameter: app_commands.Parameter) -> str | None:
    """A value any command accepts for this option, from its own definition (choices, ranges)."""
    if parameter.choices:
        return str(parameter.choices[0].name)
    kind = parameter.type
    if kind in (discord.AppCommandOptionType.integer, discord.AppCommandOptionType.number):
        return str(parameter.min_value if parameter.min_value is not None else 1)
    if kind is discord.AppCommandOptionType.boolean:
        return "true"
    return None


class Meta(FamilyCog):
    async def _example_values(self) -> dict[str, str]:
        """A real name of each kind from the database, for the examples in /help."""
        store = self.bot.store
        values: dict[str, str] = {}
        for kind in ("company", "person"):
            names = store.complete(kind, "", 1)
            if names:
                values[kind] = names[0]
        articles = store.complete_articles("", 1)
        card = await store.article(int(articles[0][1])) if articles and articles[0][1].isdigit() else None
        if card is not None:
            values["article"] = card.source.title
        if "company" in values:
            values["word"] = values["company"].split()[0]
        return values

    def _example(self, command: app_commands.Command[Any, ..., Any], values: dict[str, str]) -> str | None:
        """'/quote person:<a real name>': required options always, optional ones when a value is known."""
        wanted: dict[str, str] = command.extras.get("examples", {})
        parts = [f"/{command.qualified_name}"]
        for parameter in command.parameters:
            value = values.get(wanted.get(parameter.name, "")) or (
                sample_value(parameter) if parameter.required else None
            )
            if value:
                parts.append(f"{parameter.name}:{value}")
            elif parameter.required:
                return None
        return " ".join(parts)

    async def entries(self, guild: discord.abc.Snowflake | None) -> list[embeds.HelpEntry]:
        """Every slash command this server has, with its options and an example."""
        found: dict[str, app_commands.Command[Any, ..., Any]] = {}
        scopes: list[discord.abc.Snowflake | None] = [None] if guild is None else [None, guild]
        for scope in scopes:
            for command in self.bot.tree.walk_commands(guild=scope):
                if isinstance(command, app_commands.Command):
                    found.setdefault(command.qualified_name, command)
        values = await self._example_values()
        out = []
        for name in sorted(found):
            command = found[name]
            root = command.root_parent or command
            note = " (moderators)" if root.default_permissions is not None else ""
            out.append(
                embeds.HelpEntry(usage(command), command.description + note, self._example(command, values))
            )
        return out

    @app_commands.command(name="help", description="Every command, with an example.")
    async def help(self, interaction: Interaction) -> None:
        pages = embeds.help_pages(await self.entries(interaction.guild))
        await Paginator(pages, interaction.user.id).start(interaction, ephemeral=True)

    @app_commands.command(name="about", description="What the bot knows: corpus size, last ingest, version.")
    async def about(self, interaction: Interaction) -> None:
        stats = await self.bot.store.stats()
        await send(interaction, embeds.about_embed(stats, version=version(), library=discord.__version__))


async def setup(bot: ClippingsBot) -> None:
    setup_views(bot)
    await bot.add_cog(Meta(bot))
