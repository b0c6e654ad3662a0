"""The trivia question bank: questions built from the facts the knowledge base states.

Pure and deterministic: the same facts always give the same questions, with the same options in the
same order. Every question has exactly one right answer, stated by the source it cites, and three wrong
answers of the same kind drawn from the corpus that the corpus does not also make right. Facts the corpus
states two ways (a quote under two names, a partnership begun in two different years) are not asked.

The game-side records (scores, leaderboards) live here too, as plain dataclasses the Store returns.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from db.models import PartnershipInfo, QuoteInfo, Source, TimelineEvent

TriviaKind = Literal["quote", "partner", "year", "role", "product", "first"]

KIND_LABELS: dict[TriviaKind, str] = {
    "quote": "Who said it?",
    "partner": "Partners",
    "year": "When?",
    "role": "Who's who",
    "product": "Products",
    "first": "What came first?",
}

OPTION_COUNT = 4
MIN_GAME_QUESTIONS = 3  # fewer than this is not a game: the cog says so instead of starting one

EXCERPT_MIN_WORDS = 5
EXCERPT_MAX_WORDS = 12
EXCERPTS_PER_QUOTE = 3
EVENT_MAX_CHARS = 160
DETAIL_MAX_CHARS = 600


# ---------------------------------------------------------------- input and output


@dataclass(frozen=True)
class PersonRole:
    """One statement of a person's role at an organisation (names already canonical)."""

    person: str
    role: str
    org: str | None
    source: Source


@dataclass(frozen=True)
class TriviaFacts:
    """What the knowledge base states, with canonical names (one name per entity).

    `partnerships` may hold one item per stating source or merged items: both work, but only per-source
    items let the builder notice a partnership the corpus dates two ways. The name pools hold every
    company, person and product of the corpus; wrong answers are drawn from them.
    """

    quotes: tuple[QuoteInfo, ...] = ()
    partnerships: tuple[PartnershipInfo, ...] = ()
    roles: tuple[PersonRole, ...] = ()
    events: tuple[TimelineEvent, ...] = ()
    companies: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    years: tuple[str, ...] = ()  # extra years the corpus mentions (e.g. publication years)
    # Known but never asked about (the corpus was sampled): they only keep wrong answers wrong.
    context_partnerships: tuple[PartnershipInfo, ...] = ()
    context_roles: tuple[PersonRole, ...] = ()


@dataclass(frozen=True)
class TriviaQuestion:
    kind: TriviaKind
    prompt: str
    answer: str
    distractors: tuple[str, ...]
    source: Source
    topics: tuple[str, ...] = ()  # the companies the question is about
    fact: str = ""  # the fact it is built from: a game avoids asking one fact twice
    detail: str | None = None  # shown with the answer: the full quote, the dates of the events, ...

    @property
    def key(self) -> str:
        """A stable id (survives rebuilding the bank): what the members' database records answers against."""
        return hashlib.sha256(f"{self.kind}\x00{self.prompt}\x00{self.answer}".encode()).hexdigest()[:16]

    def options(self) -> tuple[str, ...]:
        """The answer and the distractors in a fixed order, shuffled by a seed drawn from the question."""
        shuffled = [self.answer, *self.distractors]
        _rng(self.prompt, self.answer, "options").shuffle(shuffled)
        return tuple(shuffled)

    @property
    def answer_index(self) -> int:
        return self.options().index(self.answer)


# ---------------------------------------------------------------- game records (members' database)


@dataclass(frozen=True)
class TriviaSettings:
    questions: int = 10
    seconds: int = 20


@dataclass(frozen=True)
class RunningGame:
    """A game the members' database still marks as running (the bot stopped in the middle of it)."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int | None


@dataclass(frozen=True)
class PlayerScore:
    user_id: int
    points: int
    right: int
    answered: int


@dataclass(frozen=True)
class LeaderboardRow:
    user_id: int
    wins: int
    games: int
    total: int

    @property
    def average(self) -> float:
        return self.total / self.games if self.games else 0.0


@dataclass(frozen=True)
class MemberStats:
    user_id: int
    games: int = 0
    wins: int = 0
    total: int = 0
    answered: int = 0
    right: int = 0
    best_streak: int = 0
    rank: int | None = None  # by total points in the server, all time

    @property
    def average(self) -> float:
        return self.total / self.games if self.games else 0.0


@dataclass
class ScoreLine:
    """One player's standing in a game in progress."""

    user_id: int
    points: int = 0
    right: int = 0
    streak: int = 0
    best_streak: int = 0
    answered: int = 0
    answers: dict[int, int] = field(default_factory=dict)  # question number -> option picked


def points_for(seconds_left: float, seconds: float) -> int:
    """10 points for a right answer, plus up to 10 more the faster it came."""
    if seconds <= 0:
        return 10
    share = min(max(seconds_left / seconds, 0.0), 1.0)
    return 10 + round(10 * share)


def ranked(scores: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, bool]]:
    """(user, points) -> (rank, user, points, tied) by points, ties sharing a rank ("1, 1, 3")."""
    ordered = sorted(scores, key=lambda s: (-s[1], s[0]))
    counts: dict[int, int] = defaultdict(int)
    for _, points in ordered:
        counts[points] += 1
    result: list[tuple[int, int, int, bool]] = []
    for position, (user, points) in enumerate(ordered, start=1):
        rank = position if not result or result[-1][2] != points else result[-1][0]
        result.append((rank, user, points, counts[points] > 1))
    return result


# ---------------------------------------------------------------- helpers


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("\x00".join(parts).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    text = text.translate(_QUOTE_MARKS)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_WORD.findall(text.casefold()))


@lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> frozenset[str]:
    return frozenset(_fold(text).split())


_ROLE_FILLER = frozenset({"and", "of", "the", "at", "for", "in", "a", "an", "its", "to"})


def _role_words(role: str) -> frozenset[str]:
    return _tokens(role) - _ROLE_FILLER


def _overlapping(a: str, b: str) -> bool:
    """Two roles that share a word ("CEO" and "founder and CEO"): one may be the other, so never both."""
    return bool(_role_words(a) & _role_words(b))


def same_name(a: str, b: str) -> bool:
    """Could `a` and `b` name one thing? True when one's words contain the other's ("X" and "X Group")."""
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return _fold(a) == _fold(b)
    return ta <= tb or tb <= ta


_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _year(date: str | None) -> str | None:
    if date and _ISO_DATE.match(date):
        return date[:4]
    return None


def _span(date: str) -> tuple[str, str]:
    """The first and last day an ISO date at any precision can mean, as comparable strings."""
    parts = date.split("-")
    first = "-".join([*parts, *["01"] * (3 - len(parts))])
    last = "-".join([*parts, *(["12", "31"][len(parts) - 1 :])])
    return first, last


def _pool(names: Iterable[str]) -> list[str]:
    """A candidate pool: distinct non-empty names in a fixed order."""
    return sorted({n for n in names if n.strip()})


_SAMPLE = 48  # candidates drawn at random from a large pool before it is shuffled whole


class _Tail(Sequence[str]):
    """`items[start:]` without the copy (the events after one event, for each event)."""

    def __init__(self, items: Sequence[str], start: int) -> None:
        self.items, self.start = items, start

    def __len__(self) -> int:
        return max(0, len(self.items) - self.start)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return self.items[self.start + index]


def _draw(rng: random.Random, pool: Sequence[str]) -> Iterator[str]:
    """The pool in a random order, lazily: a large pool is not shuffled for three names."""
    size = len(pool)
    if size > _SAMPLE:
        for _ in range(_SAMPLE):
            yield pool[rng.randrange(size)]
    rest = [pool[i] for i in range(size)]
    rng.shuffle(rest)
    yield from rest


def _pick(
    seed: tuple[str, ...],
    pool: Sequence[str],
    *,
    avoid: Sequence[str],
    equivalent: bool = True,
    preferred: Sequence[str] = (),
    family: Mapping[str, str] | None = None,
) -> tuple[str, ...] | None:
    """Three distinct wrong answers from a pool (see `_pool`), none naming the same thing as `avoid` or
    each other, or None.

    `preferred` candidates (e.g. other speakers) are used before the rest of the pool. Candidates of one
    `family` (e.g. two names of one partnership's product) are used together only when nothing else is left.
    """
    rng = _rng(*seed, "distractors")
    chosen: list[str] = []
    for spread in (True, False):
        for group in (preferred, pool):
            for name in _draw(rng, group):
                if name in chosen:
                    continue
                blocked = [*avoid, *chosen]
                if equivalent:
                    if any(same_name(name, other) for other in blocked):
                        continue
                elif any(_fold(name) == _fold(other) for other in blocked):
                    continue
                if (
                    spread
                    and family
                    and name in family
                    and any(family.get(c) == family[name] for c in chosen)
                ):
                    continue
                chosen.append(name)
                if len(chosen) == OPTION_COUNT - 1:
                    return tuple(chosen)
    return None


def _first_source(sources: Iterable[Source]) -> Source | None:
    ordered = sorted(sources, key=lambda s: (s.article_id, s.paragraph if s.paragraph is not None else -1))
    return ordered[0] if ordered else None


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


# ---------------------------------------------------------------- quotes


_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_CLAUSE_END = re.compile(r"(?<=[,–—-])\s+")
_JOINERS = frozenset({"and", "but", "or", "so", "while", "whereas"})


def _excerpt_candidates(text: str) -> list[str]:
    """Clauses of a quote, cut to a few words, in the order they appear."""
    found: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        clauses = [c for c in _CLAUSE_END.split(sentence) if c.strip()]
        for clause in clauses:
            words = clause.split()
            if words and words[0] in _JOINERS:
                words = words[1:]
            if len(words) < EXCERPT_MIN_WORDS:
                continue
            piece = " ".join(words[:EXCERPT_MAX_WORDS]).strip(" ,;:–—-\"'‘’“”")
            if piece.endswith((".", "!", "?")) and len(words) <= EXCERPT_MAX_WORDS:
                piece = piece[:-1]
            if len(piece.split()) >= EXCERPT_MIN_WORDS:
                found.append(piece)
    return found


def excerpts(text: str, *, forbidden: Iterable[str] = (), avoid: Iterable[str] = ()) -> list[str]:
    """Up to three few-word excerpts of a quote: never the whole quote, never a `forbidden` word
    (the speaker's name); excerpts without an `avoid` word (the speaker's organisation) come first."""
    banned = {w for name in forbidden for w in _tokens(name) if len(w) > 1}
    hints = {w for name in avoid for w in _tokens(name) if len(w) > 2}
    total = len(_fold(text).split())
    clean: list[tuple[bool, int, str]] = []
    for position, piece in enumerate(_excerpt_candidates(text)):
        words = _tokens(piece)
        if words & banned or len(_fold(piece).split()) > total - 3:
            continue
        clean.append((bool(words & hints), position, piece))
    clean.sort()
    chosen = sorted(clean[:EXCERPTS_PER_QUOTE], key=lambda c: c[1])
    return [piece for _, _, piece in chosen]


class _Sayings:
    """Every quote's folded text in one string, to find quickly who else said some words."""

    def __init__(self, quotes: Sequence[QuoteInfo]) -> None:
        texts = [_fold(q.text) for q in quotes]
        self.speakers = [q.speaker for q in quotes]
        self.starts: list[int] = []
        offset = 0
        for text in texts:
            self.starts.append(offset)
            offset += len(text) + 1
        self.all = "\n".join(texts)

    def by_someone_else(self, words: str, speaker: str) -> bool:
        at = self.all.find(words)
        while at >= 0:
            if not same_name(self.speakers[bisect_right(self.starts, at) - 1], speaker):
                return True
            at = self.all.find(words, at + 1)
        return False


SaidElsewhere = Callable[[str, str], bool]  # (words, speaker) -> does the corpus give them to another?


def _quote_questions(facts: TriviaFacts, said_elsewhere: SaidElsewhere | None = None) -> list[TriviaQuestion]:
    quotes = sorted(facts.quotes, key=lambda q: (_fold(q.speaker), _fold(q.text)))
    sayings = _Sayings(quotes)
    speakers = _pool(q.speaker for q in quotes)
    people = _pool(facts.people)
    questions: list[TriviaQuestion] = []
    for q in quotes:
        source = _first_source(q.sources)
        if source is None:
            continue
        for piece in excerpts(q.text, forbidden=[q.speaker], avoid=[q.org] if q.org else []):
            if sayings.by_someone_else(_fold(piece), q.speaker) or (
                said_elsewhere is not None and said_elsewhere(piece, q.speaker)
            ):
                continue  # the same words are given to someone else too: not asked
            prompt = f"Who said: “{piece}…”?"
            distractors = _pick((prompt, q.speaker), people, avoid=[q.speaker], preferred=speakers)
            if distractors is None:
                continue
            who = q.speaker + (f", {q.role}" if q.role else "") + (f" of {q.org}" if q.org else "")
            questions.append(
                TriviaQuestion(
                    kind="quote",
                    prompt=prompt,
                    answer=q.speaker,
                    distractors=distractors,
                    source=source,
                    topics=(q.org,) if q.org else (),
                    fact=f"quote:{_fold(q.speaker)}:{_fold(q.text)[:60]}",
                    detail=_clip(f"“{q.text}” — {who}", DETAIL_MAX_CHARS),
                )
            )
    return questions


# ---------------------------------------------------------------- partnerships


@dataclass
class _Pair:
    names: tuple[str, str]
    starts: dict[str, Source] = field(default_factory=dict)  # year -> first source stating it
    ends: dict[str, Source] = field(default_factory=dict)
    products: dict[str, Source] = field(default_factory=dict)
    rumoured_products: set[str] = field(default_factory=set)  # never offered as a wrong answer either
    sources: list[Source] = field(default_factory=list)
    confirmed: bool = False  # stated as a fact (not only as a rumour)


@dataclass
class _Links:
    """Who partnered with whom and which products came of which pair, as far as the corpus says."""

    partners: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # folded name -> names
    makers: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # folded product -> pairs

    def link(self, a: str, b: str, products: Iterable[str]) -> None:
        self.partners[_fold(a)].add(b)
        self.partners[_fold(b)].add(a)
        for product in set(map(_fold, products)):
            self.makers[product] += 1


def _pairs(facts: TriviaFacts) -> tuple[list[_Pair], _Links]:
    """Partnerships grouped by their two companies; and every link the corpus states, asked or not."""
    grouped: dict[frozenset[str], _Pair] = {}
    ordered = sorted(
        facts.partnerships,
        key=lambda p: (_fold(p.company), _fold(p.partner), [s.article_id for s in p.sources]),
    )
    for p in ordered:
        if same_name(p.company, p.partner):
            continue
        key = frozenset((_fold(p.company), _fold(p.partner)))
        names = (p.company, p.partner) if _fold(p.company) <= _fold(p.partner) else (p.partner, p.company)
        pair = grouped.setdefault(key, _Pair(names=names))
        source = _first_source(p.sources)
        if source is None:
            continue
        pair.sources.append(source)
        if p.status == "rumoured":
            pair.rumoured_products.update(p.products)
            continue
        pair.confirmed = True
        for date, bucket in ((p.started, pair.starts), (p.ended, pair.ends)):
            year = _year(date)
            if year and year not in bucket:
                bucket[year] = source
        for product in p.products:
            pair.products.setdefault(product, source)
    links = _Links()
    for pair in grouped.values():
        links.link(*pair.names, [*pair.products, *pair.rumoured_products])
    for p in facts.context_partnerships:
        if frozenset((_fold(p.company), _fold(p.partner))) not in grouped:
            links.link(p.company, p.partner, p.products)
    return [grouped[k] for k in sorted(grouped, key=sorted)], links


def _partnership_questions(facts: TriviaFacts) -> list[TriviaQuestion]:
    pairs, links = _pairs(facts)
    years = _pool(_years(facts))
    companies = _pool(facts.companies)
    products = _pool(facts.products)
    families = {prod: "+".join(p.names) for p in pairs for prod in p.products}
    started_in: dict[tuple[str, str], int] = defaultdict(int)  # (folded company, year) -> partners
    for pair in pairs:
        if pair.confirmed:
            for name in pair.names:
                for year in pair.starts:
                    started_in[(_fold(name), year)] += 1
    questions: list[TriviaQuestion] = []
    for pair in pairs:
        if not pair.confirmed:
            continue
        a, b = pair.names
        fact = f"partnership:{_fold(a)}:{_fold(b)}"
        source = _first_source(pair.sources)
        assert source is not None
        start = next(iter(pair.starts)) if len(pair.starts) == 1 else None
        # Which company partnered with X: asked from either side.
        for company, partner in ((a, b), (b, a)):
            others = sorted(links.partners[_fold(company)])
            if start is not None:
                if started_in[(_fold(company), start)] > 1:
                    continue  # two partners that year: not asked that way
                prompt = f"Which company began a partnership with {company} in {start}?"
                cited = pair.starts[start]
            else:
                prompt = f"Which of these companies has partnered with {company}?"
                cited = source
            distractors = _pick((prompt, partner), companies, avoid=[company, partner, *others])
            if distractors is not None:
                questions.append(TriviaQuestion("partner", prompt, partner, distractors, cited, (a, b), fact))
        # When it began and ended.
        for label, bucket in (("begin", pair.starts), ("end", pair.ends)):
            if len(bucket) != 1:
                continue  # unknown, or dated two ways
            ((year, cited),) = bucket.items()
            prompt = f"In what year did the partnership between {a} and {b} {label}?"
            distractors = _pick((prompt, year), years, avoid=[year], equivalent=False)
            if distractors is not None:
                questions.append(
                    TriviaQuestion("year", prompt, year, distractors, cited, (a, b), f"{fact}:{label}")
                )
        # Products: which came of it, and who made it with whom.
        for product, cited in sorted(pair.products.items(), key=lambda kv: _fold(kv[0])):
            prompt = f"Which product came of the partnership between {a} and {b}?"
            avoid = [*pair.products, *pair.rumoured_products]
            distractors = _pick((prompt, product), products, avoid=avoid, family=families)
            made = f"{fact}:{_fold(product)}"
            if distractors is not None:
                questions.append(TriviaQuestion("product", prompt, product, distractors, cited, (a, b), made))
            if links.makers[_fold(product)] != 1:
                continue  # one product from two partnerships: not asked that way
            for company, partner in ((a, b), (b, a)):
                if _tokens(partner) & _tokens(product):
                    continue  # the product carries the answer's name
                prompt = f"Which company worked with {company} on the {product}?"
                others = sorted(links.partners[_fold(company)])
                distractors = _pick((prompt, partner), companies, avoid=[company, partner, *others])
                if distractors is not None:
                    questions.append(
                        TriviaQuestion("product", prompt, partner, distractors, cited, (a, b), made)
                    )
    return questions


def _years(facts: TriviaFacts) -> set[str]:
    found: set[str] = set()
    for p in facts.partnerships:
        found.update(y for y in (_year(p.started), _year(p.ended)) if y)
        found.update(y for s in p.sources if (y := _year(s.published)))
    found.update(y for e in facts.events if (y := _year(e.date)))
    found.update(y for y in map(_year, facts.years) if y)
    return found


# ---------------------------------------------------------------- roles


def _unique_roles(roles: Iterable[PersonRole]) -> list[PersonRole]:
    """One statement per (person, role, organisation), from its first source, in a fixed order."""
    ordered = sorted(
        (r for r in roles if r.org and r.role.strip()),
        key=lambda r: (_fold(r.person), _fold(r.org or ""), _fold(r.role), r.source.article_id),
    )
    unique: dict[tuple[str, str, str], PersonRole] = {}
    for r in ordered:
        unique.setdefault((_fold(r.person), _fold(r.role), _fold(r.org or "")), r)
    return list(unique.values())


def _role_questions(facts: TriviaFacts) -> list[TriviaQuestion]:
    stated = _unique_roles(facts.roles)
    known = _unique_roles([*facts.roles, *facts.context_roles])
    by_person: dict[str, list[PersonRole]] = defaultdict(list)
    by_org: dict[str, list[PersonRole]] = defaultdict(list)
    for x in known:
        by_person[_fold(x.person)].append(x)
        by_org[_fold(x.org or "")].append(x)
    role_pool = _pool(r.role for r in stated)
    companies = _pool(facts.companies)
    people = _pool(facts.people)
    questions: list[TriviaQuestion] = []
    for r in stated:
        org = r.org or ""
        fact = f"role:{_fold(r.person)}:{_fold(org)}"
        mine = by_person[_fold(r.person)]
        # Which organisation: not when the person holds a like role somewhere else too.
        if not any(not same_name(x.org or "", org) and _overlapping(x.role, r.role) for x in mine):
            prompt = f"{r.person} was {r.role} of which organisation?"
            distractors = _pick((prompt, org), companies, avoid=[org, *(x.org or "" for x in mine)])
            if distractors is not None:
                questions.append(TriviaQuestion("role", prompt, org, distractors, r.source, (org,), fact))
        # Which role: not when the corpus gives the person two roles there.
        here = [x for x in mine if same_name(x.org or "", org)]
        if all(_fold(x.role) == _fold(r.role) for x in here):
            prompt = f"What was {r.person}'s role at {org}?"
            wrong = [role for role in role_pool if not _overlapping(role, r.role)]
            distractors = _pick((prompt, r.role), wrong, avoid=[r.role], equivalent=False)
            if distractors is not None and not any(
                _overlapping(d, e) for i, d in enumerate(distractors) for e in distractors[i + 1 :]
            ):
                questions.append(TriviaQuestion("role", prompt, r.role, distractors, r.source, (org,), fact))
        # Who held it: one person that year; the wrong answers held no like role there at any time.
        year = _year(r.source.published)
        holders = [x for x in by_org[_fold(org)] if _overlapping(x.role, r.role)]
        same_time = [x for x in holders if _year(x.source.published) == year]
        if any(not same_name(x.person, r.person) for x in same_time):
            continue
        when = ""
        if any(not same_name(x.person, r.person) for x in holders):
            if year is None:
                continue  # two holders and no date to tell them apart
            when = f" in {year}"
        prompt = f"Who was {r.role} of {org}{when}?"
        distractors = _pick((prompt, r.person), people, avoid=[r.person, *(x.person for x in holders)])
        if distractors is not None:
            questions.append(TriviaQuestion("role", prompt, r.person, distractors, r.source, (org,), fact))
    return questions


# ---------------------------------------------------------------- events


# Words that point outside the sentence ("our two companies", "we"): such an event means nothing alone.
_CONTEXT_WORDS = frozenset({"i", "we", "us", "our", "ours", "my", "you", "your"})
_CONTEXT_PHRASES = ("the two companies", "both companies", "both parties", "the two firms")


def _self_contained(what: str) -> bool:
    folded = _fold(what)
    return (
        bool(folded)
        and not (set(folded.split()) & _CONTEXT_WORDS)
        and not any(p in folded for p in _CONTEXT_PHRASES)
    )


def _sentence(text: str) -> str:
    """The text with its first letter in upper case (an event shown as an option)."""
    text = text.strip()
    return text[:1].upper() + text[1:]


def _event_questions(facts: TriviaFacts) -> list[TriviaQuestion]:
    by_what: dict[str, list[TimelineEvent]] = defaultdict(list)
    for e in facts.events:
        if _year(e.date) and _self_contained(e.what) and len(e.what) <= EVENT_MAX_CHARS:
            by_what[_fold(e.what)].append(e)
    events: list[tuple[TimelineEvent, tuple[str, str]]] = []
    for key in sorted(by_what):
        stated = sorted(by_what[key], key=lambda e: (len(e.date), e.date, e.source.article_id))
        spans = [_span(e.date) for e in stated]
        # Dated two ways (spans that do not overlap): not asked.
        if max(s[0] for s in spans) > min(s[1] for s in spans):
            continue
        # The most precise statement, and the span all statements agree on.
        events.append((stated[-1], (max(s[0] for s in spans), min(s[1] for s in spans))))
    events.sort(key=lambda x: (x[1][0], _fold(x[0].what)))
    firsts = [span[0] for _, span in events]
    whats = [e.what for e, _ in events]
    by_text = {e.what: e for e, _ in events}
    questions: list[TriviaQuestion] = []
    prompt = "Which of these happened first?"
    for event, (_, last) in events:
        later = _Tail(whats, bisect_right(firsts, last))  # begun after this one surely ended
        distractors = _pick((prompt, event.what), later, avoid=[event.what], equivalent=False)
        if distractors is None:
            continue
        shown = (event, *(by_text[d] for d in distractors))
        ordered = sorted(shown, key=lambda e: _span(e.date))
        detail = "\n".join(f"{e.date} — {_sentence(e.what)}" for e in ordered)
        topics = tuple(dict.fromkeys(c for e in shown for c in e.companies))
        questions.append(
            TriviaQuestion(
                "first",
                prompt,
                _sentence(event.what),
                tuple(_sentence(d) for d in distractors),
                event.source,
                topics,
                f"event:{_fold(event.what)[:60]}",
                detail,
            )
        )
    return questions


# ---------------------------------------------------------------- the bank


def build_questions(
    facts: TriviaFacts, *, said_elsewhere: SaidElsewhere | None = None
) -> list[TriviaQuestion]:
    """Every question the facts support, in a fixed order; one per (prompt, answer).

    `said_elsewhere` looks up quotes beyond `facts` (a sampled corpus): words it gives to someone else
    are not asked about.
    """
    seen: set[tuple[str, str]] = set()
    bank: list[TriviaQuestion] = []
    made = [
        _quote_questions(facts, said_elsewhere),
        _partnership_questions(facts),
        _role_questions(facts),
        _event_questions(facts),
    ]
    for q in (q for group in made for q in group):
        key = (_fold(q.prompt), _fold(q.answer))
        if key not in seen:
            seen.add(key)
            bank.append(q)
    return bank


def choose(
    bank: Sequence[TriviaQuestion], count: int, *, rng: random.Random | None = None
) -> list[TriviaQuestion]:
    """`count` questions for one game: in random order, no fact asked twice while others remain."""
    rng = rng or random.Random()
    pool = list(bank)
    rng.shuffle(pool)
    picked: list[TriviaQuestion] = []
    facts_used: set[str] = set()
    for q in pool:
        if len(picked) < count and q.fact not in facts_used:
            picked.append(q)
            facts_used.add(q.fact)
    for q in pool:
        if len(picked) < count and q not in picked:
            picked.append(q)
    return picked
