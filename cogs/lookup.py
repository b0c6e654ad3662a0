"""Looking things up by name: /partnership, /quote, /person, /company, /article, /timeline."""

from __future__ import annotations

from discord import app_commands

from bot import embeds
from bot.client import ClippingsBot
from bot.views import Paginator, setup_views
from cogs.common import (
    NAME_MAX,
    FamilyCog,
    Interaction,
    article_titles,
    clean_text,
    company_names,
    cooldown,
    in_time,
    input_problem,
    person_names,
    reply,
    resolve,
    send,
)

ARTICLE_MAX = 300  # a typed title may be longer than an autocomplete value
ABOUT_MAX = 100
TIMELINE_MAX = 120  # events shown, oldest first: ten pages
HEAVY_RATE, HEAVY_PER = 5, 30.0  # per user: the heavier commands, five in half a minute


class Lookup(FamilyCog):
    @app_commands.command(
        name="partnership",
        description="A company's partnerships: partners, dates, products and sources.",
        extras={"examples": {"company": "company"}},
    )
    @app_commands.describe(company="The company (type to search the names)")
    @app_commands.autocomplete(company=company_names)
    async def partnership(
        self, interaction: Interaction, company: app_commands.Range[str, 1, NAME_MAX]
    ) -> None:
        found = await resolve(interaction, "company", company, what="a company name")
        if found is None:
            return
        items = await self.bot.store.partnerships(found.id)
        if not items:
            await reply(interaction, f"No partnerships of {embeds.fit(found.name, 100)} are recorded.")
            return
        pages = embeds.partnership_pages(found.name, items)
        await Paginator(pages, interaction.user.id).start(interaction)

    @app_commands.command(
        name="quote",
        description="A person's quotes, verbatim, with their role and the source.",
        extras={"examples": {"person": "person"}},
    )
    @app_commands.describe(
        person="Who said it (type to search the names)", about="Only quotes with this word"
    )
    @app_commands.autocomplete(person=person_names)
    async def quote(
        self,
        interaction: Interaction,
        person: app_commands.Range[str, 1, NAME_MAX],
        about: app_commands.Range[str, 1, ABOUT_MAX] | None = None,
    ) -> None:
        topic = clean_text(about) if about is not None else None
        if topic is not None:
            problem = input_problem(topic, what="a word to look for", max_len=ABOUT_MAX)
            if problem:
                await reply(interaction, problem)
                return
        found = await resolve(interaction, "person", person, what="a person's name")
        if found is None:
            return
        quotes = await self.bot.store.quotes_by(found.id, topic)
        if not quotes:
            who = embeds.fit(found.name, 100)
            if topic:
                await reply(interaction, f"No quotes from {who} about “{embeds.fit(topic, 100)}”.")
            else:
                await reply(interaction, f"No quotes from {who} are recorded.")
            return
        pages = embeds.quote_pages(quotes, about=topic)
        await Paginator(pages, interaction.user.id).start(interaction)

    @app_commands.command(
        name="person",
        description="A person: roles over time, quotes, articles.",
        extras={"examples": {"name": "person"}},
    )
    @app_commands.describe(name="The person (type to search the names)")
    @app_commands.autocomplete(name=person_names)
    async def person(self, interaction: Interaction, name: app_commands.Range[str, 1, NAME_MAX]) -> None:
        found = await resolve(interaction, "person", name, what="a person's name")
        if found is None:
            return
        profile = await self.bot.store.person(found.id)
        if profile is None:
            await reply(interaction, embeds.not_found_message("person", found.name, ()))
            return
        await send(interaction, embeds.person_embed(profile))

    @app_commands.command(
        name="company",
        description="A company: partnerships, people, products, articles.",
        extras={"examples": {"name": "company"}},
    )
    @app_commands.describe(name="The company (type to search the names)")
    @app_commands.autocomplete(name=company_names)
    async def company(self, interaction: Interaction, name: app_commands.Range[str, 1, NAME_MAX]) -> None:
        found = await resolve(interaction, "company", name, what="a company name")
        if found is None:
            return
        profile = await self.bot.store.company(found.id)
        if profile is None:
            await reply(interaction, embeds.not_found_message("company", found.name, ()))
            return
        await send(interaction, embeds.company_embed(profile))

    @app_commands.command(
        name="article",
        description="An article: its source, lead, people, companies and quotes.",
        extras={"examples": {"article": "article"}},
    )
    @app_commands.describe(article="The article's title (type to search) or its file name")
    @app_commands.autocomplete(article=article_titles)
    @cooldown(HEAVY_RATE, HEAVY_PER)
    async def article(
        self, interaction: Interaction, article: app_commands.Range[str, 1, ARTICLE_MAX]
    ) -> None:
        text = clean_text(article)
        problem = input_problem(text, what="an article title", max_len=ARTICLE_MAX)
        if problem:
            await reply(interaction, problem)
            return
        article_id, suggestions = await self.bot.store.resolve_article(text)
        card = await self.bot.store.article(article_id) if article_id is not None else None
        if card is None:
            await reply(interaction, embeds.not_found_message("article", text, suggestions))
            return
        await send(interaction, embeds.article_embed(card))

    @app_commands.command(
        name="timeline",
        description="Dated events in order, each linked to its source.",
        extras={"examples": {"company": "company"}},
    )
    @app_commands.describe(company="Only events of this company (leave empty for all)")
    @app_commands.autocomplete(company=company_names)
    @cooldown(HEAVY_RATE, HEAVY_PER)
    async def timeline(
        self, interaction: Interaction, company: app_commands.Range[str, 1, NAME_MAX] | None = None
    ) -> None:
        name: str | None = None
        company_id: int | None = None
        if company is not None:
            found = await resolve(interaction, "company", company, what="a company name")
            if found is None:
                return
            name, company_id = found.name, found.id
        events = await in_time(interaction, self.bot.store.timeline(company_id, limit=TIMELINE_MAX + 1))
        if not events:
            whose = f" of {embeds.fit(name, 100)}" if name else ""
            await reply(interaction, f"No dated events{whose} are recorded.")
            return
        pages = embeds.timeline_pages(events[:TIMELINE_MAX], name, more=len(events) > TIMELINE_MAX)
        await Paginator(pages, interaction.user.id).start(interaction)


async def setup(bot: ClippingsBot) -> None:
    setup_views(bot)
    await bot.add_cog(Lookup(bot))
