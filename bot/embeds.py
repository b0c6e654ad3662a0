"""Rendering: query dataclasses (db/models.py) in, Discord embeds out. Pure functions, no I/O.

Every answer names its sources (linked title, publisher, date). Discord's limits are kept by building
pages to fit (whole items per page, text shortened at a word boundary with "…"), never by cutting a
finished message. Corpus and user text is Markdown-escaped, and mentions are defused on top of the
AllowedMentions.none() the cogs send with.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar, overload
from urllib.parse import quote as _url_quote

import discord

from db.models import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ArticleCard,
    AuditEntry,
    CompanyProfile,
    CorpusStats,
    IngestReport,
    PartnershipInfo,
    PersonProfile,
    QuoteInfo,
    RoleInfo,
    SearchHit,
    Source,
    TimelineEvent,
)
from db.trivia import (
    KIND_LABELS,
    LeaderboardRow,
    MemberStats,
    PlayerScore,
    ScoreLine,
    TriviaQuestion,
    TriviaSettings,
    ranked,
)

T = TypeVar("T")

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
EMBEDS_PER_MESSAGE = 10
URL_MAX = 2048
CONTENT_MAX = 2000

# Longer URLs are not inlined as Markdown links (they would crowd out the text); embed titles take up to 2048.
_LINK_URL_MAX = 600
# Room kept free on every page for the footer that pagination adds afterwards.
_FOOTER_RESERVE = 120

COLOURS: dict[str, discord.Colour] = {
    "partnership": discord.Colour(0x1F8B4C),
    "quote": discord.Colour(0x9B59B6),
    "person": discord.Colour(0x3498DB),
    "company": discord.Colour(0xE67E22),
    "article": discord.Colour(0x607D8B),
    "search": discord.Colour(0xF1C40F),
    "timeline": discord.Colour(0x1ABC9C),
    "meta": discord.Colour(0x5865F2),
    "trivia": discord.Colour(0xE91E63),
    "admin": discord.Colour(0x2ECC71),
    "admin_problem": discord.Colour(0xE74C3C),
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_STATUS = {"announced": "Announced", "active": "Active", "ended": "Ended", "rumoured": "Rumoured"}
_MENTION = re.compile(r"@(everyone|here|[!&]?\d+)")
_CHANNEL_MENTION = re.compile(r"<#(\d+)>")
_SPACES = re.compile(r"\s+")
# Every character escape() can act on; text without any is returned as it is, without the regexes.
_SPECIAL = re.compile(r"[_\\~|*`>#\[\]@<-]")
# A URL that quote() below would leave as it is (letters, digits and the characters it keeps).
_PLAIN_URL = re.compile(r"[A-Za-z0-9:/?#@!$&'*+,;=%~\-._\[\]]*")
_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# ---------------------------------------------------------------- text


def escape(text: str) -> str:
    """Markdown-escaped text with mentions defused (a zero-width space after the @)."""
    if not _SPECIAL.search(text):
        return text
    text = discord.utils.escape_markdown(text)
    # escape_markdown leaves brackets alone; escaped they cannot open a masked link.
    text = text.replace("[", "\\[").replace("]", "\\]")
    text = _MENTION.sub("@\u200b\\1", text)
    return _CHANNEL_MENTION.sub("<#\u200b\\1>", text)


def plain(text: str) -> str:
    """Text for places Discord shows without Markdown (author, footer, button labels): one line."""
    return _MENTION.sub("@\u200b\\1", _SPACES.sub(" ", text).strip())


def shorten(text: str, limit: int, *, mark: str = "…") -> str:
    """`text` if it fits in `limit` characters, else its longest prefix ending at a word boundary + "…".

    A single word longer than half the limit is cut inside the word: there is no better boundary.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(mark):
        return mark[:limit]
    cut = text[: limit - len(mark) + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
    cut = cut[:space] if space > limit // 2 else cut[: limit - len(mark)]
    return cut.rstrip(" \t\n,;:-–—") + mark


def fit(text: str, limit: int) -> str:
    """Escaped `text` shortened so that the *escaped* form fits in `limit` (escapes add characters)."""
    out = escape(text)
    if len(out) <= limit:
        return out
    budget = _largest_budget(lambda b: escape(shorten(text, b)), limit)
    return escape(shorten(text, budget)) if budget else ""


def _largest_budget(render: Callable[[int], str], limit: int) -> int:
    """The largest budget ≤ limit for which render(budget) fits in `limit` (0 if none does)."""
    low, high, best = 1, limit, 0
    while low <= high:
        middle = (low + high) // 2
        if len(render(middle)) <= limit:
            best, low = middle, middle + 1
        else:
            high = middle - 1
    return best


def fit_plain(text: str, limit: int) -> str:
    return shorten(plain(text), limit)


def highlight(snippet: str, limit: int) -> str:
    """A search snippet escaped, with the matched words (HIGHLIGHT_START/END) in bold, within `limit`."""

    def render(raw: str) -> str:
        if raw.count(HIGHLIGHT_START) > raw.count(HIGHLIGHT_END):
            raw += HIGHLIGHT_END
        out = escape(_SPACES.sub(" ", raw).strip())
        out = out.replace(HIGHLIGHT_START, "**").replace(HIGHLIGHT_END, "**")
        return out.replace("****", "")

    out = render(snippet)
    if len(out) <= limit:
        return out
    budget = _largest_budget(lambda b: render(shorten(snippet, b)), limit)
    return render(shorten(snippet, budget)) if budget else ""


def one_line(text: str) -> str:
    return " ".join(text.split())  # runs of whitespace (as \s matches it) to one space; none at either end


# ---------------------------------------------------------------- dates


@functools.lru_cache(maxsize=8192)  # a few thousand dates at most, one per source an answer lists
def format_date(iso: str | None) -> str:
    """'2016' → '2016', '2016-02' → 'Feb 2016', '2016-02-25' → '25 Feb 2016'; anything else as given.

    Plain text: callers escape it where it goes into Markdown.
    """
    if not iso:
        return ""
    parts = iso.strip().split("-")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return iso.strip()
    if len(numbers) == 1:
        return f"{numbers[0]:04d}"
    if len(numbers) > 3 or not 1 <= numbers[1] <= 12:
        return iso.strip()
    month = _MONTHS[numbers[1] - 1]
    if len(numbers) == 2:
        return f"{month} {numbers[0]:04d}"
    return f"{numbers[2]} {month} {numbers[0]:04d}"


def format_span(started: str | None, ended: str | None) -> str:
    """'2016 – 31 Mar 2022', 'since 23 May 2022', 'until 31 Mar 2022', or '' when no date is known."""
    if started and ended:
        return f"{format_date(started)} – {format_date(ended)}"
    if started:
        return f"since {format_date(started)}"
    if ended:
        return f"until {format_date(ended)}"
    return ""


def format_timestamp(iso: str | None) -> str:
    """An ingest timestamp: '25 Feb 2016, 14:03 UTC' and a Discord relative time; 'never' when None."""
    if not iso:
        return "never"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return escape(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} UTC"
    return f"{text} (<t:{int(moment.timestamp())}:R>)"


# ---------------------------------------------------------------- links and sources


def safe_url(url: str | None, max_len: int = URL_MAX) -> str | None:
    """An http(s) URL usable in an embed and inside a Markdown link, or None."""
    if not url:
        return None
    url = url.strip()
    if not _HTTP_URL.match(url):
        return None
    if not _PLAIN_URL.fullmatch(url):  # most URLs need no quoting, and quote() is slow
        url = _url_quote(url, safe=":/?#@!$&'*+,;=%~-._[]")
        url = url.replace("(", "%28").replace(")", "%29")
    return url if len(url) <= max_len else None


# The links of the sources shown last: an answer lists up to hundreds (a large company's partnerships),
# mostly the same ones again when the same name is asked for again.
@functools.lru_cache(maxsize=16384)
def link(label: str, url: str | None, limit: int = 200) -> str:
    """A Markdown link with an escaped label of at most `limit` characters; the plain label without URL."""
    text = fit(one_line(label), limit) or "untitled"
    target = safe_url(url, _LINK_URL_MAX)
    return f"[{text}]({target})" if target else text


def source_meta(source: Source) -> str:
    """'Publisher, 25 Feb 2016' (either part may be missing)."""
    return _meta(source.publisher, source.published)


@functools.lru_cache(maxsize=16384)
def _meta(publisher: str | None, published: str | None) -> str:
    parts = [one_line(publisher) if publisher else "", format_date(published)]
    return fit(", ".join(p for p in parts if p), 150)


def source_line(source: Source, title_limit: int = 200) -> str:
    """'[Title](url) — Publisher, 25 Feb 2016'."""
    meta = source_meta(source)
    head = link(source.title, source.url, title_limit)
    return f"{head} — {meta}" if meta else head


def short_source(source: Source) -> str:
    """'[Publisher, 25 Feb 2016](url)': a compact link for lists where the title would be too long."""
    label_parts = [one_line(source.publisher) if source.publisher else "", format_date(source.published)]
    label = ", ".join(p for p in label_parts if p) or one_line(source.title)
    return link(label, source.url, 100)


def unique_sources(sources: Iterable[Source]) -> list[Source]:
    seen: set[int] = set()
    out: list[Source] = []
    for source in sources:
        if source.article_id not in seen:
            seen.add(source.article_id)
            out.append(source)
    return out


def _more(count: int, noun: str) -> str:
    return f"…and {count} more" + (f" {noun}" + ("" if count == 1 else "s") if noun else "")


def join_items(
    items: Sequence[T], limit: int, *, sep: str = "\n", noun: str = "", render: Callable[[T], str] = str
) -> str:
    """As many whole items as fit in `limit` (joined by `sep`), then '…and N more <noun>s' for the rest.

    Items are rendered only until the first one that does not fit: a list of thousands costs what is shown.
    """
    out: list[str] = []
    length = 0  # len(sep.join(out)), kept as we go instead of joining again for every item
    for index, raw in enumerate(items):
        item = render(raw)
        rest = len(items) - index - 1
        tail = len(sep) + len(_more(rest, noun)) if rest else 0
        grown = length + (len(sep) if out else 0) + len(item)
        if grown + tail > limit:
            break
        out.append(item)
        length = grown
    left = len(items) - len(out)
    if not left:
        return sep.join(out)
    while out and length + len(sep) + len(_more(left, noun)) > limit:
        removed = out.pop()
        length -= len(removed) + (len(sep) if out else 0)
        left += 1
    return sep.join([*out, _more(left, noun)])


def join_lines(lines: Sequence[str], limit: int, *, noun: str = "") -> str:
    return join_items(lines, limit, noun=noun)


def sources_text(sources: Sequence[Source], limit: int = FIELD_VALUE_MAX) -> str:
    """Linked sources within `limit`: full titles when they all fit, else '[Publisher, date](url)' links."""
    items = unique_sources(sources)
    if not items:
        return "not recorded"
    lines: list[str] = []
    length = -1  # of "\n".join(lines)
    for source in items:  # rendered until they stop fitting: a fact can have thousands of sources
        lines.append(source_line(source))
        length += len(lines[-1]) + 1
        if length > limit:
            return join_items(items, limit, sep=" · ", noun="source", render=short_source)
    return "\n".join(lines)


def sources_field(sources: Sequence[Source]) -> tuple[str, str]:
    """('Source' | 'Sources (n)', linked sources) for an embed field, within the field limits."""
    items = unique_sources(sources)
    return _sources_name(items), sources_text(items)


def _sources_name(items: Sequence[Source]) -> str:
    return "Source" if len(items) <= 1 else f"Sources ({len(items)})"


def add_list_field(
    embed: discord.Embed,
    name: str,
    items: Sequence[T],
    *,
    max_fields: int = 1,
    sep: str = "\n",
    noun: str = "",
    render: Callable[[T], str] = str,
) -> None:
    """Add `items` as a field, continued in up to `max_fields` fields while the embed has room; what
    does not fit is counted ('…and N more'). Adds nothing when the embed is already full. Only the items
    shown are rendered, each once."""
    rendered: dict[int, str] = {}

    def item_at(index: int) -> str:
        if index not in rendered:
            rendered[index] = render(items[index])
        return rendered[index]

    start = 0
    for number in range(max_fields):
        label = name if number == 0 else f"{name} (continued)"
        room = EMBED_TOTAL_MAX - _FOOTER_RESERVE - len(embed) - len(label)
        if start >= len(items) or len(embed.fields) >= FIELDS_MAX or room < 60:
            return
        limit = min(FIELD_VALUE_MAX, room)
        taken: list[str] = []
        length = 0
        while start + len(taken) < len(items):
            item = item_at(start + len(taken))
            grown = length + (len(sep) if taken else 0) + len(item)
            if grown > limit:
                break
            taken.append(item)
            length = grown
        more = start + len(taken) < len(items)
        last_chance = number == max_fields - 1 or len(embed.fields) == FIELDS_MAX - 1 or room - limit < 160
        if more and (last_chance or not taken):
            value = join_items(range(start, len(items)), limit, sep=sep, noun=noun, render=item_at)
            embed.add_field(name=label, value=value, inline=False)
            return
        embed.add_field(name=label, value=sep.join(taken), inline=False)
        start += len(taken)


def _title_target(sources: Sequence[Source]) -> str | None:
    """The URL for an embed title: the first source that has one."""
    for source in sources:
        url = safe_url(source.url)
        if url:
            return url
    return None


# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class Block:
    """One item of a list answer: either a description paragraph or an embed field."""

    text: str
    name: str | None = None  # set → rendered as a field named so


def _new_page(title: str, colour: discord.Colour, url: str | None = None, intro: str = "") -> discord.Embed:
    embed = discord.Embed(title=title, colour=colour, url=url)
    if intro:
        embed.description = intro
    return embed


def paginate(
    blocks: Sequence[Block],
    make_page: Callable[[], discord.Embed],
    *,
    per_page: int,
    total_label: str = "",
) -> list[discord.Embed]:
    """Put as many whole blocks on each page as fit Discord's limits (and at most `per_page`)."""
    pages: list[discord.Embed] = []
    page = make_page()
    count = 0
    for block in blocks:
        # an item that does not fit even an empty page is bounded by its builder; it goes alone
        if count and (count >= per_page or not _fits(page, block)):
            pages.append(page)
            page = make_page()
            count = 0
        _add(page, block)
        count += 1
    if count or not pages:
        pages.append(page)
    for number, embed in enumerate(pages):
        _set_footer(embed, number, len(pages), total_label)
    return pages


def _set_footer(page: discord.Embed, number: int, count: int, total_label: str) -> None:
    """'Page 2 of 5 · <total_label>' (the page part only when there are several)."""
    footer = " · ".join(p for p in (f"Page {number + 1} of {count}" if count > 1 else "", total_label) if p)
    if footer:
        page.set_footer(text=fit_plain(footer, _FOOTER_RESERVE))


def _fits(page: discord.Embed, block: Block) -> bool:
    room = EMBED_TOTAL_MAX - _FOOTER_RESERVE - len(page)
    if block.name is not None:
        return len(page.fields) < FIELDS_MAX and len(block.name) + len(block.text) <= room
    current = page.description or ""
    added = len(block.text) + (2 if current else 0)
    return len(current) + added <= DESCRIPTION_MAX and added <= room


def _add(page: discord.Embed, block: Block) -> None:
    if block.name is not None:
        page.add_field(name=block.name, value=block.text, inline=False)
    else:
        current = page.description or ""
        page.description = f"{current}\n\n{block.text}" if current else block.text


# ---------------------------------------------------------------- answers


# Partnerships per page: this many fields of the largest size (name 256, value 1,024) always fit one embed
# with its title and footer, so the pages are counted without rendering them, and built when shown.
_PARTNERSHIPS_PER_PAGE = (EMBED_TOTAL_MAX - _FOOTER_RESERVE - TITLE_MAX) // (FIELD_NAME_MAX + FIELD_VALUE_MAX)


def partnership_pages(company: str, items: Sequence[PartnershipInfo]) -> Sequence[discord.Embed]:
    """/partnership: one field per partner with dates, status, products and linked sources."""
    all_sources = [s for item in items for s in item.sources]
    url = _title_target(all_sources) if len({s.article_id for s in all_sources}) == 1 else None
    title = fit(f"Partnerships of {one_line(company)}", TITLE_MAX)
    total_label = f"{len(items)} {'partnership' if len(items) == 1 else 'partnerships'}"
    per_page = _PARTNERSHIPS_PER_PAGE
    count = max(1, -(-len(items) // per_page))

    def build(number: int) -> discord.Embed:
        page = _new_page(title, COLOURS["partnership"], url)
        for item in items[number * per_page : (number + 1) * per_page]:
            span = fit(format_span(item.started, item.ended), 60) or "dates not stated"
            name = f"{fit(one_line(item.partner), FIELD_NAME_MAX - 64)} · {span}"
            head = _STATUS.get(item.status, item.status.capitalize())
            if item.products:
                head += " · " + fit(", ".join(item.products), 300)
            value = f"{head}\n{sources_text(item.sources, FIELD_VALUE_MAX - len(head) - 1)}"
            page.add_field(name=name, value=value, inline=False)
        _set_footer(page, number, count, total_label)
        return page

    return LazyPages(count, build)


def speaker_line(quote: QuoteInfo) -> str:
    """'**Jane Doe**, CEO, Example Optics AG' — the speaker and their role at the time."""
    parts = [f"**{fit(one_line(quote.speaker), 200)}**"]
    if quote.role:
        parts.append(fit(one_line(quote.role), 200))
    if quote.org and (not quote.role or quote.org.casefold() not in quote.role.casefold()):
        parts.append(fit(one_line(quote.org), 200))
    return ", ".join(parts)


def split_text(text: str, limit: int) -> list[str]:
    """`text` escaped, in consecutive parts of at most `limit` characters split between words.

    Every part but the last ends with "…"; nothing of the text is dropped.
    """
    parts: list[str] = []
    rest = text.strip()
    while rest:
        whole = escape(rest)
        if len(whole) <= limit:
            parts.append(whole)
            break
        raw = _fitting_prefix(rest, limit)
        parts.append(escape(raw) + "…")
        rest = rest[len(raw) :].strip()
    return parts


def _fitting_prefix(text: str, limit: int) -> str:
    """The longest word-boundary prefix of `text` whose escaped form plus "…" fits in `limit`."""

    def prefix(budget: int) -> str:
        return shorten(text, budget).removesuffix("…")

    budget = _largest_budget(lambda b: escape(prefix(b)) + "…", limit)
    return prefix(budget) or text[:1]


class LazyPages(Sequence[discord.Embed]):
    """Pages built when first shown; how many there are is known up front."""

    def __init__(self, count: int, build: Callable[[int], discord.Embed]) -> None:
        self._count = count
        self._build = build
        self._built: dict[int, discord.Embed] = {}

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> discord.Embed: ...

    @overload
    def __getitem__(self, index: slice) -> list[discord.Embed]: ...

    def __getitem__(self, index: int | slice) -> discord.Embed | list[discord.Embed]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        if index not in self._built:
            self._built[index] = self._build(index)
        return self._built[index]


def quote_pages(quotes: Sequence[QuoteInfo], *, about: str | None = None) -> Sequence[discord.Embed]:
    """/quote: one quote per page (a very long quote continues on the next page), verbatim and sourced.

    A page is built when it is first shown (someone quoted 200 times has 200 pages): a quote is built at
    once only when it may need more than one page.
    """
    at: list[tuple[int, int]] = []  # (quote, part) on each page
    split: dict[int, list[discord.Embed]] = {}
    for number, quote in enumerate(quotes):
        text = quote.text.strip()
        if text and _fits_one_page(quote, len(escape(text))):
            at.append((number, 0))
        else:
            split[number] = _quote_embeds(quotes, number, about)
            at.extend((number, part) for part in range(len(split[number])))

    def build(page: int) -> discord.Embed:
        number, part = at[page]
        return (split.get(number) or _quote_embeds(quotes, number, about))[part]

    return LazyPages(len(at), build)


def _attribution(quote: QuoteInfo) -> str:
    return f"— {speaker_line(quote)}"


_ATTRIBUTION_MAX = len("— **") + 200 + len("**, ") + 200 + len(", ") + 200  # speaker_line's parts at most


def _fits_one_page(quote: QuoteInfo, text_length: int) -> bool:
    """Whether a quote whose escaped text is this long fits one page, whatever its title and sources
    render to. Checked first against the longest attribution and sources label it could have: cheap,
    and enough for most quotes (someone quoted 200 times is not rendered 200 times to count pages)."""
    sources_label_max = len(f"Sources ({len(quote.sources)})")
    if text_length <= _quote_room(TITLE_MAX, sources_label_max, FIELD_VALUE_MAX, _ATTRIBUTION_MAX):
        return True
    field_name = _sources_name(unique_sources(quote.sources))
    return text_length <= _quote_room(TITLE_MAX, len(field_name), FIELD_VALUE_MAX, len(_attribution(quote)))


def _quote_room(title: int, field_name: int, field_value: int, attribution: int) -> int:
    """Characters left for the quote's text on a page, given the lengths of everything else on it."""
    fixed = title + field_name + field_value + attribution + _FOOTER_RESERVE + 8
    return min(DESCRIPTION_MAX - attribution - 8, EMBED_TOTAL_MAX - fixed)


def _quote_embeds(quotes: Sequence[QuoteInfo], index: int, about: str | None) -> list[discord.Embed]:
    """The page (or pages, for a very long quote) of quotes[index]."""
    quote = quotes[index]
    sources = unique_sources(quote.sources)
    field_name, field_value = sources_field(sources)
    attribution = _attribution(quote)
    first = sources[0] if sources else None
    title = fit(one_line(first.title), TITLE_MAX) if first else fit(one_line(quote.speaker), TITLE_MAX)
    room = _quote_room(len(title), len(field_name), len(field_value), len(attribution))
    parts = split_text(quote.text, room)
    pages: list[discord.Embed] = []
    for part_index, part in enumerate(parts):
        opening = "“" if part_index == 0 else "…"
        closing = "”" if part_index == len(parts) - 1 else ""
        embed = discord.Embed(
            title=title,
            url=_title_target(sources),
            colour=COLOURS["quote"],
            description=f"{opening}{part}{closing}\n\n{attribution}",
        )
        embed.add_field(name=field_name, value=field_value, inline=False)
        footer = [f"Quote {index + 1} of {len(quotes)}"] if len(quotes) > 1 else []
        if len(parts) > 1:
            footer.append(f"part {part_index + 1} of {len(parts)}")
        if about:
            footer.append(f"about “{shorten(plain(about), 60)}”")
        if footer:
            embed.set_footer(text=fit_plain(" · ".join(footer), _FOOTER_RESERVE))
        pages.append(embed)
    return pages


def _role_lines(roles: Sequence[RoleInfo]) -> list[str]:
    """One line per distinct (role, organisation), oldest first, each with its linked sources."""
    grouped: dict[tuple[str, str], list[Source]] = {}
    labels: dict[tuple[str, str], str] = {}
    for info in roles:
        key = (one_line(info.role).casefold(), one_line(info.org or "").casefold())
        grouped.setdefault(key, []).append(info.source)
        label = one_line(info.role) + (f", {one_line(info.org)}" if info.org else "")
        labels.setdefault(key, label)
    lines = []
    for key, sources in grouped.items():
        links = " · ".join(short_source(s) for s in unique_sources(sources)[:4])
        extra = len(unique_sources(sources)) - 4
        more = f" · +{extra}" if extra > 0 else ""
        lines.append(f"**{fit(labels[key], 200)}** — {links}{more}")
    return lines


def _partnership_line(item: PartnershipInfo, *, with_company: bool) -> str:
    who = f"{one_line(item.company)} – {one_line(item.partner)}" if with_company else one_line(item.partner)
    parts = [
        f"**{fit(who, 150)}**",
        fit(format_span(item.started, item.ended), 60),
        _STATUS.get(item.status, item.status),
    ]
    sources = unique_sources(item.sources)
    if sources:
        parts.append(short_source(sources[0]) + (f" +{len(sources) - 1}" if len(sources) > 1 else ""))
    return " · ".join(p for p in parts if p)


def _aliases_line(name: str, aliases: Sequence[str]) -> str:
    others = [a for a in aliases if a.casefold() != name.casefold()]
    if not others:
        return ""
    return "Also written: " + fit(", ".join(one_line(a) for a in others), 500)


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def person_embed(profile: PersonProfile) -> discord.Embed:
    """/person: roles over time, quotes, partnerships of their organisations, articles."""
    embed = discord.Embed(
        title=fit(one_line(profile.name), TITLE_MAX),
        colour=COLOURS["person"],
        url=_title_target(profile.articles) if len(profile.articles) == 1 else None,
    )
    intro = [
        _aliases_line(profile.name, profile.aliases),
        f"Quoted {_count(profile.quote_count, 'time')} · in {_count(len(profile.articles), 'article')}",
    ]
    embed.description = "\n".join(line for line in intro if line)
    add_list_field(embed, "Roles", _role_lines(profile.roles), noun="role")
    add_list_field(
        embed,
        "Partnerships of their organisations",
        profile.partnerships,
        noun="partnership",
        render=lambda p: _partnership_line(p, with_company=True),
    )
    _add_articles(embed, profile.articles)
    return embed


def company_embed(profile: CompanyProfile) -> discord.Embed:
    """/company: partnerships, people and their roles, products, quotes, articles."""
    embed = discord.Embed(
        title=fit(one_line(profile.name), TITLE_MAX),
        colour=COLOURS["company"],
        url=_title_target(profile.articles) if len(profile.articles) == 1 else None,
    )
    intro = [
        _aliases_line(profile.name, profile.aliases),
        f"{_count(profile.quote_count, 'quote')} · in {_count(len(profile.articles), 'article')}",
    ]
    embed.description = "\n".join(line for line in intro if line)
    add_list_field(
        embed,
        "Partnerships",
        profile.partnerships,
        noun="partnership",
        render=lambda p: _partnership_line(p, with_company=False),
    )
    add_list_field(embed, "People", profile.people, noun="person", render=_person_line)
    add_list_field(
        embed, "Products", profile.products, sep=", ", noun="product", render=lambda p: fit(one_line(p), 100)
    )
    _add_articles(embed, profile.articles)
    return embed


def _add_articles(embed: discord.Embed, articles: Sequence[Source]) -> None:
    if not articles:
        return
    add_list_field(
        embed,
        f"Articles ({len(articles)})",
        articles,
        max_fields=3,
        noun="article",
        render=lambda s: source_line(s, 120),
    )


def _person_line(item: tuple[str, RoleInfo]) -> str:
    person, role = item
    who, what = fit(one_line(person), 100), fit(one_line(role.role), 150)
    return f"**{who}** — {what} · {short_source(role.source)}"


def article_embed(card: ArticleCard) -> discord.Embed:
    """/article: title linked to the URL, byline, lead paragraph, people, companies, quotes."""
    source = card.source
    embed = discord.Embed(
        title=fit(one_line(source.title), TITLE_MAX),
        url=safe_url(source.url),
        colour=COLOURS["article"],
    )
    byline = [f"By {fit(one_line(card.author), 100)}" if card.author else ""]
    byline.append(source_meta(source))
    head = " · ".join(p for p in byline if p)
    lead = fit(card.lead.strip(), 1500) if card.lead.strip() else ""
    embed.description = "\n\n".join(p for p in (head, lead) if p) or None
    if card.people:
        embed.add_field(
            name=f"People ({len(card.people)})",
            value=join_items([fit(one_line(p), 100) for p in card.people], 400, sep=", "),
            inline=False,
        )
    if card.companies:
        embed.add_field(
            name=f"Companies ({len(card.companies)})",
            value=join_items([fit(one_line(c), 100) for c in card.companies], 400, sep=", "),
            inline=False,
        )
    if card.quotes:
        lines = [f"“{fit(one_line(q.text), 220)}” — {speaker_line(q)}" for q in card.quotes]
        embed.add_field(
            name=f"Quotes ({len(card.quotes)})",
            value=join_lines(lines, FIELD_VALUE_MAX, noun="quote"),
            inline=False,
        )
    embed.set_footer(text=fit_plain(f"File: {source.file}", 200))
    return embed


def search_pages(query: str, hits: Sequence[SearchHit], *, more: bool = False) -> list[discord.Embed]:
    """/search: ranked hits with bold matched words, several per page."""
    blocks: list[Block] = []
    for rank, hit in enumerate(hits, 1):
        meta = source_meta(hit.source)
        if hit.kind == "quote":
            who = fit(one_line(hit.speaker or "unknown speaker"), 100)
            head = f"**{rank}.** Quote by **{who}** in {link(hit.source.title, hit.source.url, 150)}"
            body = f"“{highlight(hit.snippet, 600)}”"
        else:
            head = f"**{rank}.** {link(hit.title or hit.source.title, hit.source.url, 150)}"
            body = highlight(hit.snippet, 600)
        if meta:
            head += f" — {meta}"
        blocks.append(Block(f"{head}\n{body}" if body else head))
    title = fit(f"Search: “{one_line(query)}”", TITLE_MAX)
    label = f"{len(hits)}{'+' if more else ''} {'result' if len(hits) == 1 else 'results'}"
    return paginate(blocks, lambda: _new_page(title, COLOURS["search"]), per_page=5, total_label=label)


def timeline_pages(
    events: Sequence[TimelineEvent], company: str | None = None, *, more: bool = False
) -> list[discord.Embed]:
    """/timeline: dated events, oldest first, each at its precision and linked to its source."""
    blocks: list[Block] = []
    for event in events:
        when = fit(format_date(event.date), 60)
        what = fit(one_line(event.what), 400)
        who = ""
        if company is None and event.companies:
            who = " (" + fit(", ".join(one_line(c) for c in event.companies), 200) + ")"
        blocks.append(Block(f"**{when}** · {what}{who} — {short_source(event.source)}"))
    title = fit(f"Timeline of {one_line(company)}" if company else "Timeline", TITLE_MAX)
    label = f"the first {len(events)} events" if more else _count(len(events), "event")
    return paginate(blocks, lambda: _new_page(title, COLOURS["timeline"]), per_page=12, total_label=label)


@dataclass(frozen=True)
class HelpEntry:
    usage: str  # "/quote person: [about:]"
    description: str
    example: str | None = None  # "/quote person:Some Name"


def help_pages(entries: Sequence[HelpEntry]) -> list[discord.Embed]:
    """/help: every command, its options and an example."""
    blocks = []
    for entry in entries:
        text = f"`{shorten(entry.usage, 200)}` — {fit(one_line(entry.description), 300)}"
        if entry.example:
            text += f"\nExample: `{shorten(entry.example.replace('`', 'ˋ'), 200)}`"
        blocks.append(Block(text))
    intro = "Names autocomplete as you type. Answers link to the articles they come from."
    return paginate(
        blocks,
        lambda: _new_page("Commands", COLOURS["meta"], intro=intro),
        per_page=12,
        total_label=_count(len(entries), "command"),
    )


def about_embed(stats: CorpusStats, *, version: str, library: str) -> discord.Embed:
    """/about: corpus size, last ingest, version."""
    embed = discord.Embed(
        title="About Clippings",
        colour=COLOURS["meta"],
        description="Answers questions from a folder of news articles, each answer linked to its sources.",
    )
    counts = [
        _count(stats.articles, "article"),
        _count(stats.quotes, "quote"),
        _count(stats.people, "person", "people"),
        _count(stats.companies, "company", "companies"),
        _count(stats.partnerships, "partnership"),
        _count(stats.events, "dated event"),
    ]
    embed.add_field(name="Corpus", value="\n".join(counts), inline=True)
    embed.add_field(name="Last ingest", value=format_timestamp(stats.last_ingest), inline=True)
    embed.add_field(
        name="Version", value=f"Clippings {escape(version)}\ndiscord.py {escape(library)}", inline=True
    )
    return embed


# ---------------------------------------------------------------- short replies (plain content)


def not_found_message(kind: str, name: str, suggestions: Sequence[str]) -> str:
    """'No company called “x”. Did you mean: A, B, C?' — the name and suggestions escaped."""
    shown = fit(one_line(name), 100)
    if suggestions:
        names = ", ".join(f"**{fit(one_line(s), 100)}**" for s in suggestions[:3])
        return f"No {kind} called “{shown}”. Did you mean: {names}?"
    return f"No {kind} called “{shown}” in the clippings."


# ---------------------------------------------------------------- trivia
#
# Members appear as <@id> mentions: embeds show them as names and never ping anyone.

TRIVIA_LETTERS = ("A", "B", "C", "D")
BUTTON_LABEL_MAX = 80
TRIVIA_PERIODS = {"week": "this week", "month": "this month", "all": "of all time"}
_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def _relative(moment: datetime) -> str:
    return f"<t:{int(moment.timestamp())}:R>"


def _points_text(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def trivia_button_label(index: int, option: str) -> str:
    """'A · option' within Discord's 80-character button label."""
    prefix = f"{TRIVIA_LETTERS[index]} · "
    return prefix + fit_plain(one_line(option), BUTTON_LABEL_MAX - len(prefix))


def _trivia_options(
    options: Sequence[str], right: int | None = None, counts: Sequence[int] | None = None
) -> str:
    lines = []
    for i, option in enumerate(options):
        mark = "" if right is None else ("✅ " if i == right else "▫️ ")
        count = f" — {counts[i]}" if counts is not None else ""
        lines.append(f"{mark}**{TRIVIA_LETTERS[i]}.** {fit(one_line(option), 300)}{count}")
    return "\n".join(lines)


def trivia_intro_embed(
    *, starter_id: int, count: int, seconds: float, topic: str | None, available: int, requested: int
) -> discord.Embed:
    about = f" about **{fit(one_line(topic), 100)}**" if topic else ""
    embed = discord.Embed(
        title="Trivia from the clippings",
        colour=COLOURS["trivia"],
        description=(
            f"<@{starter_id}> started a game{about}: **{count}** questions, **{seconds:g} s** each.\n"
            "Everyone may answer each question once with the buttons; a right answer earns 10 points, "
            "plus up to 10 more the faster it comes. Every answer comes with the article that proves it."
        ),
    )
    if available < requested:
        embed.add_field(
            name="Note", value=f"Only {available} questions are available, so the game has {count}."
        )
    embed.set_footer(text="/trivia stop ends the game (its starter or Manage Messages).")
    return embed


def trivia_question_embed(
    number: int, total: int, question: TriviaQuestion, options: Sequence[str], deadline: datetime
) -> discord.Embed:
    embed = discord.Embed(
        title=f"Question {number} of {total}",
        colour=COLOURS["trivia"],
        description=f"**{fit(one_line(question.prompt), 1000)}**\n\n{_trivia_options(options)}",
    )
    embed.add_field(name="Time", value=f"Answers close {_relative(deadline)}.", inline=False)
    embed.set_footer(text=KIND_LABELS[question.kind])
    return embed


def trivia_reveal_embed(
    number: int,
    total: int,
    question: TriviaQuestion,
    options: Sequence[str],
    picks: Mapping[int, tuple[int, int]],
    streaks: Mapping[int, int],
) -> discord.Embed:
    """The question with its right answer, who got it (points, streak), and the source."""
    right = options.index(question.answer)
    counts = [sum(1 for choice, _ in picks.values() if choice == i) for i in range(len(options))]
    embed = discord.Embed(
        title=f"Question {number} of {total} — answer",
        colour=COLOURS["trivia"],
        description=f"**{fit(one_line(question.prompt), 1000)}**\n\n"
        + _trivia_options(options, right, counts),
    )
    winners = sorted(
        ((user, points) for user, (choice, points) in picks.items() if choice == right), key=lambda w: -w[1]
    )
    if winners:
        lines = []
        for user, points in winners:
            streak = streaks.get(user, 0)
            fire = f" · 🔥 {streak} in a row" if streak >= 2 else ""
            lines.append(f"<@{user}> +{points}{fire}")
        value = join_items(lines, FIELD_VALUE_MAX)
    elif picks:
        value = "Nobody got it."
    else:
        value = "Nobody answered."
    embed.add_field(name=f"Right answer: {fit(one_line(question.answer), 200)}", value=value, inline=False)
    if question.detail:
        embed.add_field(name="From the source", value=fit(question.detail, FIELD_VALUE_MAX), inline=False)
    embed.add_field(name="Source", value=source_line(question.source), inline=False)
    return embed


def _trivia_rank(rank: int, points: int) -> str:
    """'🥇 1.' for the first three places with points, '4.' otherwise; tied players share a rank."""
    medal = _MEDALS.get(rank) if points > 0 else None
    return f"{medal} {rank}." if medal else f"{rank}."


def trivia_scoreboard_embed(scores: Sequence[ScoreLine], *, ending: str, asked: int) -> discord.Embed:
    """The end of a game: everyone's points, ties shown as ties."""
    embed = discord.Embed(title="Trivia — final scores", colour=COLOURS["trivia"])
    by_user = {s.user_id: s for s in scores}
    lines = []
    for rank, user, points, tied in ranked((s.user_id, s.points) for s in scores):
        line = by_user[user]
        tie = " (tie)" if tied else ""
        streak = f", best streak {line.best_streak}" if line.best_streak >= 2 else ""
        lines.append(
            f"{_trivia_rank(rank, points)} <@{user}> — **{_points_text(points)}**{tie} "
            f"({line.right}/{asked} right{streak})"
        )
    top = [u for r, u, p, _ in ranked((s.user_id, s.points) for s in scores) if r == 1 and p > 0]
    if not lines:
        summary = "Nobody answered a question."
    elif not top:
        summary = "Nobody scored."
    elif len(top) == 1:
        summary = f"<@{top[0]}> wins!"
    else:
        summary = "A tie between " + ", ".join(f"<@{u}>" for u in top) + "!"
    body = [summary, "", *lines] if lines else [summary]
    embed.description = join_items([*body, "", ending], 4000)
    return embed


def trivia_interrupted_embed(scores: Sequence[PlayerScore]) -> discord.Embed:
    """What the last question of a game cut by a restart shows afterwards."""
    embed = discord.Embed(
        title="Trivia — game ended",
        colour=COLOURS["trivia"],
        description="This game ended when the bot restarted. Points earned before that are kept.",
    )
    if scores:
        lines = [
            f"{_trivia_rank(rank, points)} <@{user}> — {_points_text(points)}" + (" (tie)" if tied else "")
            for rank, user, points, tied in ranked((s.user_id, s.points) for s in scores)
        ]
        embed.add_field(name="Scores", value=join_items(lines, FIELD_VALUE_MAX), inline=False)
    embed.set_footer(text="/trivia start begins a new game.")
    return embed


def trivia_leaderboard_embed(rows: Sequence[LeaderboardRow], period: str) -> discord.Embed:
    embed = discord.Embed(
        title=f"Trivia leaderboard — {TRIVIA_PERIODS.get(period, period)}", colour=COLOURS["trivia"]
    )
    if not rows:
        embed.description = "No trivia points yet. Start a game with /trivia start."
        return embed
    lines = []
    for rank, user, points, tied in ranked((r.user_id, r.total) for r in rows):
        row = next(r for r in rows if r.user_id == user)
        wins = f"{row.wins} win" + ("" if row.wins == 1 else "s")
        games = f"{row.games} game" + ("" if row.games == 1 else "s")
        lines.append(
            f"{_trivia_rank(rank, points)} <@{user}> — **{_points_text(points)}**"
            + (" (tie)" if tied else "")
            + f" · {wins} · {games} · {row.average:.1f} per game"
        )
    embed.description = join_items(lines, 4000)
    embed.set_footer(text="A win: the top score (ties share it) of a game played to its last question.")
    return embed


def trivia_stats_embed(user_id: int, stats: MemberStats) -> discord.Embed:
    embed = discord.Embed(
        title="Trivia stats", colour=COLOURS["trivia"], description=f"<@{user_id}> in this server"
    )
    if stats.answered == 0:
        embed.description = f"<@{user_id}> has not answered a trivia question in this server yet."
        return embed
    share = round(100 * stats.right / stats.answered)
    embed.add_field(name="Points", value=f"{stats.total} ({stats.average:.1f} per game)", inline=True)
    embed.add_field(name="Games", value=f"{stats.games} played, {stats.wins} won", inline=True)
    embed.add_field(name="Answers", value=f"{stats.right} of {stats.answered} right ({share}%)", inline=True)
    embed.add_field(name="Best streak", value=f"{stats.best_streak} in a row", inline=True)
    if stats.rank is not None:
        embed.add_field(name="Rank", value=f"#{stats.rank} in this server", inline=True)
    return embed


def trivia_settings_embed(settings: TriviaSettings, *, changed: bool) -> discord.Embed:
    title = "Trivia settings saved" if changed else "Trivia settings"
    embed = discord.Embed(title=title, colour=COLOURS["trivia"])
    embed.add_field(name="Questions per game", value=str(settings.questions), inline=True)
    embed.add_field(name="Seconds per question", value=f"{settings.seconds:g}", inline=True)
    embed.set_footer(text="/trivia start can still ask for other values for one game.")
    return embed


# ---------------------------------------------------------------- moderators: refresh, rollback, stats

_ADMIN_LIST_MAX = 900  # per list field: five lists, a description and a footer stay under 6,000 in all
_FAILURE_REASON_MAX = 200


def _totals_line(stats: CorpusStats) -> str:
    return ", ".join(
        [
            _count(stats.articles, "article"),
            _count(stats.quotes, "quote"),
            _count(stats.people, "person", "people"),
            _count(stats.companies, "company", "companies"),
            _count(stats.partnerships, "partnership"),
            _count(stats.events, "dated event"),
        ]
    )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def busy_message(command: str, user_id: int, started: datetime) -> str:
    """'A refresh is already running, started by @someone at <time>.'"""
    return (
        f"A {command} is already running, started by <@{user_id}> at "
        f"{discord.utils.format_dt(started, 'f')}. Try again when it has finished."
    )


def refresh_progress(done: int, total: int, file: str) -> str:
    """'Refreshing… 37 of 200 files (18%), last: name.txt'."""
    share = f" ({done * 100 // total}%)" if total else ""
    return f"Refreshing… {done} of {_count(total, 'file')}{share}, last: {fit(one_line(file), 200)}"


def report_counts(report: IngestReport) -> str:
    """'1 added, 2 updated, 3 unchanged, 0 removed, 1 failed' (the audit log's line for a refresh)."""
    return (
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed"
    )


def _files_field(embed: discord.Embed, label: str, files: Sequence[str]) -> None:
    value = join_items([fit(one_line(f), 200) for f in files], _ADMIN_LIST_MAX, noun="file") or "none"
    embed.add_field(name=f"{label}: {len(files)}", value=value, inline=False)


def refresh_summary_embed(report: IngestReport, totals: CorpusStats, seconds: float) -> discord.Embed:
    """/refresh: what changed (each failure with its file and reason), how long it took, the new totals."""
    changed = bool(report.added or report.updated or report.removed)
    title = "Refresh done" if not report.failed else "Refresh done, some files failed"
    embed = discord.Embed(
        title=title,
        colour=COLOURS["admin"] if not report.failed else COLOURS["admin_problem"],
        description=f"Took {_duration(seconds)}. The knowledge base now holds {_totals_line(totals)}.",
    )
    _files_field(embed, "Added", report.added)
    _files_field(embed, "Updated", report.updated)
    embed.add_field(name=f"Unchanged: {len(report.unchanged)}", value=_count(len(report.unchanged), "file"))
    _files_field(embed, "Removed", report.removed)
    failures = [
        f"{fit(one_line(f.file), 200)}: {fit(one_line(f.reason), _FAILURE_REASON_MAX)}" for f in report.failed
    ]
    embed.add_field(
        name=f"Failed: {len(report.failed)}",
        value=join_items(failures, _ADMIN_LIST_MAX, noun="file") or "none",
        inline=False,
    )
    if report.warnings:
        notes = [fit(one_line(w), _FAILURE_REASON_MAX) for w in report.warnings]
        embed.add_field(name="Notes", value=join_items(notes, 500, noun="note"), inline=False)
    footer = (
        "The data from before is kept: /rollback restores it."
        if changed
        else "Nothing changed; the last backup is still the one /rollback restores."
    )
    embed.set_footer(text=footer)
    return embed


def refresh_stopped_embed(removed: Sequence[str], total: int) -> discord.Embed:
    """The >50% removal guard: nothing was changed; run again with confirm: True if it is meant."""
    embed = discord.Embed(
        title="Refresh stopped: nothing was changed",
        colour=COLOURS["admin_problem"],
        description=(
            f"This refresh would remove {len(removed)} of the {_count(total, 'article')}, more than half. "
            "If the corpus folder is meant to look like that, run `/refresh confirm: True`."
        ),
    )
    _files_field(embed, "Would remove", removed)
    return embed


def refresh_failed_embed(reason: str) -> discord.Embed:
    return discord.Embed(
        title="Refresh failed: nothing was changed",
        colour=COLOURS["admin_problem"],
        description=f"{fit(one_line(reason), 1000)}\nLookups keep answering from the data they had.",
    )


def rollback_failed_embed(reason: str) -> discord.Embed:
    return discord.Embed(
        title="Rollback failed: nothing was changed",
        colour=COLOURS["admin_problem"],
        description=f"{fit(one_line(reason), 1000)}\nLookups keep answering from the data they had.",
    )


def no_backup_embed() -> discord.Embed:
    return discord.Embed(
        title="Nothing to roll back",
        colour=COLOURS["admin_problem"],
        description="There is no backup yet: one is made before each refresh that changes something.",
    )


def rollback_embed(totals: CorpusStats, taken: datetime | None) -> discord.Embed:
    """/rollback: the backup is back in place; another /rollback undoes this one."""
    when = f" taken {discord.utils.format_dt(taken, 'f')}" if taken else ""
    return discord.Embed(
        title="Rolled back",
        colour=COLOURS["admin"],
        description=(
            f"Restored the backup{when}. The knowledge base now holds {_totals_line(totals)}.\n"
            "The data it replaced became the backup: run /rollback again to undo this."
        ),
    )


@dataclass(frozen=True)
class DatabaseSizes:
    """Bytes on disk (with the write-ahead log); None for a file that does not exist."""

    knowledge: int | None
    members: int | None
    backup: int | None
    backup_taken: datetime | None


def _bytes(n: int | None) -> str:
    if n is None:
        return "none"
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def _audit_line(entry: AuditEntry) -> str:
    try:
        at = datetime.fromisoformat(entry.at)
        when = discord.utils.format_dt(at if at.tzinfo else at.replace(tzinfo=UTC), "f")
    except ValueError:
        when = escape(entry.at)
    detail = f": {fit(one_line(entry.detail), 150)}" if entry.detail else ""
    return f"{when} /{entry.command} by <@{entry.user_id}>, {entry.outcome}{detail}"


def stats_embed(
    totals: CorpusStats,
    recent: Sequence[AuditEntry],
    sizes: DatabaseSizes,
    started: datetime,
    command_counts: Mapping[str, int],
) -> discord.Embed:
    """/stats: corpus totals, the last refreshes, database sizes, uptime, how often each command ran."""
    embed = discord.Embed(title="Clippings statistics", colour=COLOURS["admin"])
    embed.add_field(
        name="Corpus",
        value=f"{_totals_line(totals)}\nLast ingest: {format_timestamp(totals.last_ingest)}",
        inline=False,
    )
    embed.add_field(
        name="Last refreshes",
        value=join_items([_audit_line(e) for e in recent], 1000) or "none yet",
        inline=False,
    )
    backup_when = f", taken {discord.utils.format_dt(sizes.backup_taken, 'R')}" if sizes.backup_taken else ""
    embed.add_field(
        name="Databases",
        value=(
            f"Knowledge base: {_bytes(sizes.knowledge)}\n"
            f"Backup: {_bytes(sizes.backup)}{backup_when}\n"
            f"Members' data: {_bytes(sizes.members)}"
        ),
        inline=False,
    )
    embed.add_field(
        name="Uptime",
        value=f"Up since {discord.utils.format_dt(started, 'f')} ({discord.utils.format_dt(started, 'R')})",
        inline=False,
    )
    ranked = sorted(command_counts.items(), key=lambda item: (-item[1], item[0]))
    lines = [f"/{escape(name)}: {count}" for name, count in ranked]
    embed.add_field(
        name="Commands run since the start",
        value=join_items(lines, 1000, sep=" · ", noun="command") or "none yet",
        inline=False,
    )
    return embed
