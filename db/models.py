"""Dataclasses passed between the layers: ingestion -> Store -> cogs/embeds.

Dates are ISO strings at the precision known: "2016", "2016-02" or "2016-02-25".
`Precision` says which; `precision_of()` derives it from the string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Precision = Literal["year", "month", "day"]
EntityKind = Literal["company", "person", "product"]
ENTITY_KINDS: tuple[EntityKind, ...] = ("company", "person", "product")
PartnershipStatus = Literal["announced", "active", "ended", "rumoured"]


def precision_of(date: str) -> Precision:
    """The precision of an ISO date string: YYYY, YYYY-MM or YYYY-MM-DD."""
    return {4: "year", 7: "month"}.get(len(date), "day")  # type: ignore[return-value]


# ---------------------------------------------------------------- ingestion side


@dataclass(frozen=True)
class ManifestEntry:
    file: str
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class CleanArticle:
    """An article after cleaning: the article's own text, split in paragraphs (0-based)."""

    file: str
    title: str
    paragraphs: tuple[str, ...]
    published: str | None = None
    url: str | None = None
    publisher: str | None = None
    author: str | None = None

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class QuoteFact:
    """A direct quotation attributed to a named person."""

    speaker: str
    text: str
    paragraph: int
    role: str | None = None
    org: str | None = None
    style: str = ""


@dataclass(frozen=True)
class OrgQuoteFact:
    """Words of one or more organisations (a statement, a tweet, an unnamed spokesperson)."""

    orgs: tuple[str, ...]
    text: str
    paragraph: int


@dataclass(frozen=True)
class RoleFact:
    """A person's role at an organisation, as one article states it."""

    person: str
    role: str
    org: str | None
    paragraph: int


@dataclass(frozen=True)
class MentionFact:
    """A named entity mentioned in the article (first paragraph it appears in)."""

    name: str
    kind: EntityKind
    paragraph: int


@dataclass(frozen=True)
class PartnershipFact:
    companies: tuple[str, str]
    paragraph: int
    started: str | None = None
    ended: str | None = None
    status: PartnershipStatus = "announced"
    products: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventFact:
    date: str
    what: str
    paragraph: int
    companies: tuple[str, ...] = ()

    @property
    def precision(self) -> Precision:
        return precision_of(self.date)


@dataclass(frozen=True)
class Extraction:
    """Everything one article states, as extracted by db.ingest.extract.extract()."""

    quotes: tuple[QuoteFact, ...] = ()
    org_quotes: tuple[OrgQuoteFact, ...] = ()
    roles: tuple[RoleFact, ...] = ()
    mentions: tuple[MentionFact, ...] = ()
    partnerships: tuple[PartnershipFact, ...] = ()
    events: tuple[EventFact, ...] = ()


# ---------------------------------------------------------------- query side


@dataclass(frozen=True)
class Source:
    """An article that states a fact, and the paragraph where it does (0-based, None for the whole)."""

    article_id: int
    file: str
    title: str
    url: str | None
    publisher: str | None
    published: str | None
    paragraph: int | None = None


@dataclass(frozen=True)
class EntityRef:
    id: int
    name: str
    kind: EntityKind


@dataclass(frozen=True)
class Resolution:
    """The answer to "which entity does this name mean": a match, or up to three suggestions."""

    match: EntityRef | None
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartnershipInfo:
    id: int
    company: str
    partner: str
    started: str | None
    ended: str | None
    status: PartnershipStatus
    products: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class QuoteInfo:
    id: int
    speaker: str
    text: str
    role: str | None
    org: str | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class OrgQuoteInfo:
    id: int
    orgs: tuple[str, ...]
    text: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class RoleInfo:
    role: str
    org: str | None
    source: Source


@dataclass(frozen=True)
class PersonProfile:
    id: int
    name: str
    aliases: tuple[str, ...]
    roles: tuple[RoleInfo, ...]  # oldest first
    quote_count: int
    articles: tuple[Source, ...]  # newest first
    partnerships: tuple[PartnershipInfo, ...]  # of the organisations the person held roles at


@dataclass(frozen=True)
class CompanyProfile:
    id: int
    name: str
    aliases: tuple[str, ...]
    partnerships: tuple[PartnershipInfo, ...]
    people: tuple[tuple[str, RoleInfo], ...]  # (person name, latest role at this company)
    products: tuple[str, ...]
    quote_count: int  # the company's own words plus quotes by its people
    articles: tuple[Source, ...]  # newest first


@dataclass(frozen=True)
class ArticleCard:
    source: Source
    author: str | None
    lead: str
    people: tuple[str, ...]
    companies: tuple[str, ...]
    quotes: tuple[QuoteInfo, ...]


@dataclass(frozen=True)
class SearchHit:
    """One full-text hit. `snippet` marks matched words with HIGHLIGHT_START/END (see below)."""

    kind: Literal["article", "quote"]
    title: str
    snippet: str
    source: Source
    speaker: str | None = None


# Control characters that cannot occur in cleaned text: the renderer escapes Markdown first,
# then turns these into bold markers.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"


@dataclass(frozen=True)
class TimelineEvent:
    date: str
    what: str
    companies: tuple[str, ...]
    source: Source

    @property
    def precision(self) -> Precision:
        return precision_of(self.date)


@dataclass(frozen=True)
class CorpusStats:
    articles: int
    quotes: int
    people: int
    companies: int
    partnerships: int
    events: int
    last_ingest: str | None  # ISO timestamp, UTC


@dataclass
class FileFailure:
    file: str
    reason: str


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[FileFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class AuditEntry:
    """One line of the moderators' audit log (members' database): who ran what, when, with what outcome."""

    at: str  # ISO timestamp, UTC
    guild_id: int | None
    user_id: int
    user_name: str
    command: str  # "refresh", "rollback", "stats"
    outcome: str  # "done", "stopped", "failed", "refused"
    detail: str = ""
