"""Full-text search: /search."""

from __future__ import annotations

from discord import app_commands

from bot import embeds
from bot.client import ClippingsBot
from bot.views import Paginator, setup_views
from cogs.common import (
    QUERY_MAX,
    FamilyCog,
    Interaction,
    clean_text,
    cooldown,
    in_time,
    input_problem,
    reply,
)

RESULTS_MAX = 40  # ranked hits fetched once and paged in memory
SEARCH_RATE, SEARCH_PER = 5, 30.0  # per user: five searches in half a minute


class Search(FamilyCog):
    @app_commands.command(
        name="search",
        description="Search the articles and quotes; matched words are shown in bold.",
        extras={"examples": {"query": "word"}},
    )
    @app_commands.describe(query="Words to look for (any text: quote marks and symbols are searched as text)")
    @cooldown(SEARCH_RATE, SEARCH_PER)
    async def search(self, interaction: Interaction, query: app_commands.Range[str, 1, QUERY_MAX]) -> None:
        text = clean_text(query)
        problem = input_problem(text, what="a search", max_len=QUERY_MAX)
        if problem:
            await reply(interaction, problem)
            return
        hits = await in_time(interaction, self.bot.store.search(text, limit=RESULTS_MAX + 1))
        if not hits:
            await reply(interaction, f"Nothing in the clippings matches “{embeds.fit(text, 100)}”.")
            return
        more = len(hits) > RESULTS_MAX
        pages = embeds.search_pages(text, hits[:RESULTS_MAX], more=more)
        await Paginator(pages, interaction.user.id).start(interaction)


async def setup(bot: ClippingsBot) -> None:
    setup_views(bot)
    await bot.add_cog(Search(bot))
