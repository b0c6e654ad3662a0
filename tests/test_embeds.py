"""bot/embeds.py on hand-built dataclasses: what a user reads, and Discord's limits at the extremes."""

from __future__ import annotations

import re

import discord
import pytest

from bot import embeds
from db.models import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ArticleCard,
    CompanyProfile,
    CorpusStats,
    PartnershipInfo,
    PersonProfile,
    QuoteInfo,
    RoleInfo,
    SearchHit,
    Source,
    TimelineEvent,
)


def source(
    n: int = 1, *, url: str | None = "default", publisher: str | None = "Daily Lens", date: str | None = None
):
    return Source(
        article_id=n,
        file=f"{n:03d}_file.txt",
        title=f"Optics firm signs deal number {n}",
        url=f"https://news.example.com/story-{n}" if url == "default" else url,
        publisher=publisher,
        published=date or "2019-03-07",
    )


def assert_within_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    for field in data.get("fields", []):
        assert 0 < len(field["name"]) <= 256
        assert 0 < len(field["value"]) <= 1024
    assert len(data.get("footer", {}).get("text", "")) <= 2048
    assert len(data.get("author", {}).get("name", "")) <= 256
    assert len(embed) <= 6000
    assert len(data.get("url", "")) <= 2048


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


# ---------------------------------------------------------------- text helpers


@pytest.mark.parametrize(
    ("iso", "shown"),
    [("2016", "2016"), ("2016-02", "Feb 2016"), ("2016-02-25", "25 Feb 2016"), ("2022-03-31", "31 Mar 2022")],
)
def test_dates_are_shown_at_their_precision(iso: str, shown: str) -> None:
    assert embeds.format_date(iso) == shown


def test_an_unparseable_date_is_shown_as_given_and_escaped_where_it_is_shown() -> None:
    assert embeds.format_date("spring *2015*") == "spring *2015*"
    event = TimelineEvent("spring *2015*", "Launch", (), source(1, date="late_2015"))
    [page] = embeds.timeline_pages([event])
    assert (page.description or "").startswith(
        "**spring \\*2015\\*** · Launch — [Daily Lens, late\\_2015](https://news.example.com/story-1)"
    )


@pytest.mark.parametrize(
    ("started", "ended", "shown"),
    [
        ("2016", "2022-03-31", "2016 – 31 Mar 2022"),
        ("2022-05-23", None, "since 23 May 2022"),
        (None, "2022-03-31", "until 31 Mar 2022"),
        (None, None, ""),
    ],
)
def test_partnership_spans(started: str | None, ended: str | None, shown: str) -> None:
    assert embeds.format_span(started, ended) == shown


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    assert embeds.shorten("The quick brown fox jumps", 14) == "The quick…"
    assert embeds.shorten("short", 14) == "short"
    long_word = "x" * 50
    assert embeds.shorten(long_word, 10) == "x" * 9 + "…"


def test_escape_neutralises_markdown_links_and_mentions() -> None:
    text = embeds.escape("*bold* __under__ [click](https://evil.example) @everyone @here <@&123> <@42> <#99>")
    assert "\\*bold\\*" in text
    assert "\\_\\_under\\_\\_" in text
    assert "\\[click\\]" in text
    assert "@everyone" not in text and "@\u200beveryone" in text
    assert "@here" not in text
    assert "<@&123>" not in text and "<@\u200b&123>" in text
    assert "<@42>" not in text
    assert "<#99>" not in text


def test_fit_keeps_the_escaped_text_within_the_limit() -> None:
    text = "*" * 300 + " tail"
    # one 300-character "word": cut inside it, and never between a backslash and the star it escapes
    assert embeds.fit(text, 100) == "\\*" * 49 + "…"


def test_snippet_highlights_become_bold_after_escaping() -> None:
    snippet = f"the {HIGHLIGHT_START}lens{HIGHLIGHT_END} *maker* {HIGHLIGHT_START}Wetzlar{HIGHLIGHT_END}"
    assert embeds.highlight(snippet, 200) == "the **lens** \\*maker\\* **Wetzlar**"


def test_a_shortened_snippet_never_leaves_bold_open() -> None:
    snippet = "word " * 50 + f"{HIGHLIGHT_START}match " + "more " * 50 + HIGHLIGHT_END
    out = embeds.highlight(snippet, 300)
    assert len(out) <= 300
    assert out.count("**") % 2 == 0


def test_links_are_markdown_with_escaped_titles_and_safe_urls() -> None:
    assert embeds.link("A [b] c", "https://x.example/a_(b)") == "[A \\[b\\] c](https://x.example/a_%28b%29)"
    assert embeds.link("No url", None) == "No url"
    assert embeds.link("Bad scheme", "javascript:alert(1)") == "Bad scheme"


def test_a_source_line_names_publisher_and_date() -> None:
    line = embeds.source_line(source(3, date="2016-02-25"))
    assert (
        line
        == "[Optics firm signs deal number 3](https://news.example.com/story-3) — Daily Lens, 25 Feb 2016"
    )


def test_a_source_without_url_is_a_plain_title() -> None:
    line = embeds.source_line(source(4, url=None, publisher=None, date="2016"))
    assert line == "Optics firm signs deal number 4 — 2016"


def test_forty_sources_fit_one_field_as_short_links_with_a_count_of_the_rest() -> None:
    name, value = embeds.sources_field([source(n) for n in range(1, 41)])
    assert name == "Sources (40)"
    assert len(value) <= 1024
    links = value.split(" · ")
    assert links[0] == "[Daily Lens, 7 Mar 2019](https://news.example.com/story-1)"
    assert links[-1] == f"…and {40 - (len(links) - 1)} more sources"
    assert len(links) - 1 >= 15


def test_sources_that_fit_are_shown_with_their_titles() -> None:
    name, value = embeds.sources_field([source(1), source(1), source(2, url=None)])
    assert name == "Sources (2)"
    assert value == (
        "[Optics firm signs deal number 1](https://news.example.com/story-1) — Daily Lens, 7 Mar 2019\n"
        "Optics firm signs deal number 2 — Daily Lens, 7 Mar 2019"
    )


def test_join_items_keeps_whole_items() -> None:
    assert embeds.join_items(["alpha", "beta", "gamma"], 100, sep=", ") == "alpha, beta, gamma"
    out = embeds.join_items(["alpha", "beta", "gamma", "delta"], 24, sep=", ")
    assert out == "alpha, beta, …and 2 more"


# ---------------------------------------------------------------- answers


def partnership(
    n: int, partner: str, started: str | None, ended: str | None, sources: int = 1
) -> PartnershipInfo:
    return PartnershipInfo(
        id=n,
        company="Lumen Optik",
        partner=partner,
        started=started,
        ended=ended,
        status="ended" if ended else "active",
        products=("Phone X1", "Phone X2") if n == 1 else (),
        sources=tuple(source(n * 100 + i) for i in range(sources)),
    )


def test_partnership_page_names_each_partner_with_dates_and_sources() -> None:
    pages = embeds.partnership_pages(
        "Lumen Optik",
        [
            partnership(1, "Handset Co", "2016", "2022-03-31"),
            partnership(2, "Phone Maker", "2022-05-23", None),
        ],
    )
    assert len(pages) == 1
    page = pages[0]
    assert page.title == "Partnerships of Lumen Optik"
    assert page.colour == embeds.COLOURS["partnership"]
    assert [f.name for f in page.fields] == [
        "Handset Co · 2016 – 31 Mar 2022",
        "Phone Maker · since 23 May 2022",
    ]
    assert (page.fields[0].value or "").splitlines()[0] == "Ended · Phone X1, Phone X2"
    assert (
        "[Optics firm signs deal number 100](https://news.example.com/story-100) — Daily Lens, 7 Mar 2019"
        in (page.fields[0].value or "")
    )
    assert "(https://news.example.com/story-200)" in (page.fields[1].value or "")


def test_many_partnerships_page_with_a_footer() -> None:
    items = [partnership(n, f"Partner {n}", "2010", None, sources=40) for n in range(1, 31)]
    pages = embeds.partnership_pages("Lumen Optik", items)
    # four per page: four fields of the largest size always fit under 6,000 characters
    assert [len(p.fields) for p in pages] == [4] * 7 + [2]
    for number, page in enumerate(pages, 1):
        assert_within_limits(page)
        assert page.footer.text == f"Page {number} of 8 · 30 partnerships"
    few = embeds.partnership_pages("Lumen Optik", [partnership(n, f"P{n}", None, None) for n in range(1, 14)])
    assert [len(p.fields) for p in few] == [4, 4, 4, 1]
    assert few[0].fields[0].name == "P1 · dates not stated"


def test_partnership_pages_of_the_largest_fields_fit_and_are_built_when_shown() -> None:
    long = "<Ünïcode & *partner*> " * 40
    items = [
        PartnershipInfo(
            id=n,
            company="Lumen Optik",
            partner=long + str(n),
            started="2010-01-01",
            ended="2011-02-03",
            status="some status",
            products=(long,) * 5,
            sources=tuple(
                Source(
                    article_id=n * 100 + i,
                    file="f.txt",
                    title=long,
                    url=f"https://news.example.com/{long}/{i}",
                    publisher=long,
                    published="2019-03-07",
                )
                for i in range(60)
            ),
        )
        for n in range(1, 10)
    ]
    pages = embeds.partnership_pages("L" * 400, items)
    assert len(pages) == 3
    assert isinstance(pages, embeds.LazyPages) and not pages._built
    for page in pages:
        assert_within_limits(page)
    assert [len(p.fields) for p in pages] == [4, 4, 1]
    assert pages[0].title == embeds.fit("Partnerships of " + "L" * 400, 256)


def quote(text: str, sources: int = 3) -> QuoteInfo:
    return QuoteInfo(
        id=1,
        speaker="Greta Lindqvist",
        text=text,
        role="CEO",
        org="Lumen Optik AG",
        sources=tuple(source(n, date=f"2016-02-{20 + n}") for n in range(1, sources + 1)),
    )


def test_a_quote_page_is_verbatim_with_speaker_role_and_every_source() -> None:
    [page] = embeds.quote_pages([quote("We see further together.")])
    assert page.title == "Optics firm signs deal number 1"
    assert page.url == "https://news.example.com/story-1"
    assert page.colour == embeds.COLOURS["quote"]
    assert page.description == "“We see further together.”\n\n— **Greta Lindqvist**, CEO, Lumen Optik AG"
    assert page.fields[0].name == "Sources (3)"
    assert page.fields[0].value == "\n".join(
        f"[Optics firm signs deal number {n}](https://news.example.com/story-{n})"
        f" — Daily Lens, {20 + n} Feb 2016"
        for n in (1, 2, 3)
    )


def test_a_5000_character_quote_continues_on_a_second_page_without_losing_a_word() -> None:
    text = " ".join(f"word{n}" for n in range(900))  # about 5,800 characters
    pages = embeds.quote_pages([quote(text)])
    assert len(pages) == 2
    for page in pages:
        assert_within_limits(page)
        assert page.fields[0].name == "Sources (3)"
    first, second = (p.description or "" for p in pages)
    assert first.startswith("“word0 word1")
    assert first.split("\n\n")[0].endswith("…")
    assert second.startswith("…")
    shown = words(first.split("\n\n—")[0]) + words(second.split("\n\n—")[0])
    assert shown == words(text)
    assert pages[0].footer.text == "part 1 of 2"


def test_quotes_with_forty_sources_stay_inside_the_limits() -> None:
    pages = embeds.quote_pages([quote("x " * 2500, sources=40), quote("Short one.", sources=40)])
    for page in pages:
        assert_within_limits(page)
    assert pages[-1].footer.text == "Quote 2 of 2"
    assert (pages[-1].fields[0].value or "").endswith("more sources")


def test_quote_pages_are_counted_at_once_and_built_when_shown() -> None:
    long = " ".join(f"word{n}" for n in range(900))  # two pages
    quotes = [quote(f"Quote number {n}.") for n in range(1, 200)] + [quote(long)]
    pages = embeds.quote_pages(quotes)
    assert len(pages) == 201
    assert pages[0].footer.text == "Quote 1 of 200"
    assert [p.footer.text for p in pages[-2:]] == [
        "Quote 200 of 200 · part 1 of 2",
        "Quote 200 of 200 · part 2 of 2",
    ]
    assert pages[198].description == "“Quote number 199.”\n\n— **Greta Lindqvist**, CEO, Lumen Optik AG"
    assert pages[5] is pages[5]  # built once
    with pytest.raises(IndexError):
        pages[201]


def test_a_quote_as_long_as_its_page_allows_is_one_page() -> None:
    # Longer than what surely fits (with the longest attribution a quote can have): counted exactly.
    short = quote("x")
    surely = embeds._quote_room(
        embeds.TITLE_MAX, len("Sources (3)"), embeds.FIELD_VALUE_MAX, embeds._ATTRIBUTION_MAX
    )
    room = embeds._quote_room(
        embeds.TITLE_MAX, len("Sources (3)"), embeds.FIELD_VALUE_MAX, len(embeds._attribution(short))
    )
    assert surely < room
    text = " ".join(["word"] * (room // 5))
    [page] = embeds.quote_pages([quote(text)])
    assert_within_limits(page)
    assert (page.description or "").startswith(f"“{text}”")


def test_quote_markdown_is_escaped() -> None:
    [page] = embeds.quote_pages([quote("Use **all** the _light_ @everyone")])
    assert "\\*\\*all\\*\\* the \\_light\\_ @\u200beveryone" in (page.description or "")


def test_search_pages_rank_hits_with_bold_matches() -> None:
    hits = [
        SearchHit(
            "article",
            "Optics firm signs deal number 1",
            f"a new {HIGHLIGHT_START}lens{HIGHLIGHT_END}",
            source(1),
        ),
        SearchHit(
            "quote",
            "Optics firm signs deal number 2",
            f"the {HIGHLIGHT_START}lens{HIGHLIGHT_END} matters",
            source(2),
            speaker="Greta Lindqvist",
        ),
    ]
    [page] = embeds.search_pages("lens", hits)
    assert page.title == "Search: “lens”"
    assert page.description == (
        "**1.** [Optics firm signs deal number 1](https://news.example.com/story-1)"
        " — Daily Lens, 7 Mar 2019\n"
        "a new **lens**\n\n"
        "**2.** Quote by **Greta Lindqvist** in [Optics firm signs deal number 2](https://news.example.com/story-2)"
        " — Daily Lens, 7 Mar 2019\n“the **lens** matters”"
    )
    assert page.footer.text == "2 results"


def test_forty_long_hits_page_five_at_a_time() -> None:
    snippet = ("many words here " * 60) + f"{HIGHLIGHT_START}hit{HIGHLIGHT_END}"
    hits = [SearchHit("article", f"Title {n} " + "long " * 80, snippet, source(n)) for n in range(40)]
    pages = embeds.search_pages("*" * 200, hits, more=True)
    assert len(pages) == 8
    for number, page in enumerate(pages, 1):
        assert_within_limits(page)
        assert page.footer.text == f"Page {number} of 8 · 40+ results"


def test_timeline_lines_show_precision_and_link() -> None:
    events = [
        TimelineEvent("2012", "Phone maker becomes third largest", ("Handset Co",), source(1)),
        TimelineEvent("2016-02", "Trade show", (), source(2, date="2016-02-20")),
        TimelineEvent("2022-03-31", "Cooperation ended", ("Handset Co", "Lumen Optik"), source(3)),
    ]
    [page] = embeds.timeline_pages(events)
    assert page.description == (
        "**2012** · Phone maker becomes third largest (Handset Co) — "
        "[Daily Lens, 7 Mar 2019](https://news.example.com/story-1)\n\n"
        "**Feb 2016** · Trade show — [Daily Lens, 20 Feb 2016](https://news.example.com/story-2)\n\n"
        "**31 Mar 2022** · Cooperation ended (Handset Co, Lumen Optik) — "
        "[Daily Lens, 7 Mar 2019](https://news.example.com/story-3)"
    )
    [capped] = embeds.timeline_pages(events, more=True)
    assert capped.footer.text == "the first 3 events"
    [filtered] = embeds.timeline_pages(events[:1], "Handset Co")
    assert filtered.title == "Timeline of Handset Co"
    assert "(Handset Co)" not in (filtered.description or "")


def test_person_profile_lists_roles_partnerships_and_articles() -> None:
    profile = PersonProfile(
        id=7,
        name="Greta Lindqvist",
        aliases=("Lindqvist", "Greta Lindqvist"),
        roles=(
            RoleInfo("CEO", "Lumen Optik AG", source(1, date="2016-02")),
            RoleInfo("CEO", "Lumen Optik AG", source(2, date="2016-02-25")),
            RoleInfo("Chair", "Lumen Optik AG", source(3, date="2020")),
        ),
        quote_count=4,
        articles=(source(3), source(2), source(1)),
        partnerships=(partnership(1, "Handset Co", "2016", "2022-03-31"),),
    )
    embed = embeds.person_embed(profile)
    assert embed.title == "Greta Lindqvist"
    assert embed.description == "Also written: Lindqvist\nQuoted 4 times · in 3 articles"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Roles"] == (
        "**CEO, Lumen Optik AG** — [Daily Lens, Feb 2016](https://news.example.com/story-1) · "
        "[Daily Lens, 25 Feb 2016](https://news.example.com/story-2)\n"
        "**Chair, Lumen Optik AG** — [Daily Lens, 2020](https://news.example.com/story-3)"
    )
    assert fields["Partnerships of their organisations"] == (
        "**Lumen Optik – Handset Co** · 2016 – 31 Mar 2022 · Ended · "
        "[Daily Lens, 7 Mar 2019](https://news.example.com/story-100)"
    )
    assert (fields["Articles (3)"] or "").startswith(
        "[Optics firm signs deal number 3](https://news.example.com/story-3)"
    )


def test_huge_profiles_stay_inside_the_limits() -> None:
    many = tuple(source(n) for n in range(300))
    person = PersonProfile(
        id=1,
        name="N" * 400,
        aliases=tuple(f"Alias {n}" for n in range(200)),
        roles=tuple(RoleInfo(f"Role {n} " + "r" * 200, "Org " * 50, source(n)) for n in range(100)),
        quote_count=10_000,
        articles=many,
        partnerships=tuple(partnership(n, "P" * 300, "2001", "2002", sources=20) for n in range(100)),
    )
    company = CompanyProfile(
        id=2,
        name="C" * 400,
        aliases=tuple(f"Alias {n}" for n in range(200)),
        partnerships=person.partnerships,
        people=tuple((f"Person {n} " * 20, RoleInfo("Boss " * 60, None, source(n))) for n in range(100)),
        products=tuple(f"Product {n} " * 10 for n in range(300)),
        quote_count=5,
        articles=many,
    )
    for embed in (embeds.person_embed(person), embeds.company_embed(company)):
        assert_within_limits(embed)
        names = [f.name for f in embed.fields]
        first = names.index("Articles (300)")
        assert names[first + 1 :] == ["Articles (300) (continued)"] * (len(names) - first - 1)
        assert len(names) > first + 1
        assert re.search(r"…and \d+ more articles$", embed.fields[-1].value or "")


def test_article_card() -> None:
    card = ArticleCard(
        source=source(5, date="2022-05-24"),
        author="Sam Writer",
        lead="Lumen Optik and Phone Maker announced a *long-term* deal.",
        people=("Greta Lindqvist", "Wei Chen"),
        companies=("Lumen Optik", "Phone Maker"),
        quotes=(quote("We see further together.", sources=1),),
    )
    embed = embeds.article_embed(card)
    assert embed.title == "Optics firm signs deal number 5"
    assert embed.url == "https://news.example.com/story-5"
    assert embed.description == (
        "By Sam Writer · Daily Lens, 24 May 2022\n\n"
        "Lumen Optik and Phone Maker announced a \\*long-term\\* deal."
    )
    fields = {f.name: f.value for f in embed.fields}
    assert fields["People (2)"] == "Greta Lindqvist, Wei Chen"
    assert fields["Companies (2)"] == "Lumen Optik, Phone Maker"
    assert fields["Quotes (1)"] == "“We see further together.” — **Greta Lindqvist**, CEO, Lumen Optik AG"
    assert embed.footer.text == "File: 005_file.txt"


def test_a_huge_article_card_stays_inside_the_limits() -> None:
    card = ArticleCard(
        source=source(5),
        author="A" * 500,
        lead="lead " * 3000,
        people=tuple(f"Person {n}" for n in range(500)),
        companies=tuple(f"Company {n}" for n in range(500)),
        quotes=tuple(quote("q " * 3000) for _ in range(50)),
    )
    embed = embeds.article_embed(card)
    assert_within_limits(embed)
    assert (embed.fields[0].value or "").endswith("more")


def test_not_found_suggests_up_to_three_escaped_names() -> None:
    message = embeds.not_found_message("company", "lieca_*", ["Lumen_Optik", "B", "C", "D"])
    assert message == "No company called “lieca\\_\\*”. Did you mean: **Lumen\\_Optik**, **B**, **C**?"
    assert (
        embeds.not_found_message("person", "@everyone", [])
        == "No person called “@\u200beveryone” in the clippings."
    )


def test_help_and_about() -> None:
    entries = [
        embeds.HelpEntry(f"/cmd{n} name:", f"Does thing {n}.", f"/cmd{n} name:Example") for n in range(30)
    ]
    pages = embeds.help_pages(entries)
    assert len(pages) == 3
    assert (pages[0].description or "").splitlines()[2:4] == [
        "`/cmd0 name:` — Does thing 0.",
        "Example: `/cmd0 name:Example`",
    ]
    about = embeds.about_embed(
        CorpusStats(5, 9, 1, 12, 1, 10, "2024-06-01T10:30:00+00:00"), version="0.1.0", library="2.7.1"
    )
    fields = {f.name: f.value for f in about.fields}
    assert fields["Corpus"] == "5 articles\n9 quotes\n1 person\n12 companies\n1 partnership\n10 dated events"
    assert fields["Last ingest"] == "1 Jun 2024, 10:30 UTC (<t:1717237800:R>)"
    assert fields["Version"] == "Clippings 0.1.0\ndiscord.py 2.7.1"
