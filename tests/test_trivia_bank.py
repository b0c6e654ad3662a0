"""The trivia question bank (db/trivia.py) on hand-built facts with invented names."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

from db.models import PartnershipInfo, QuoteInfo, Source, TimelineEvent
from db.trivia import (
    MIN_GAME_QUESTIONS,
    PersonRole,
    TriviaFacts,
    TriviaQuestion,
    build_questions,
    choose,
    excerpts,
    points_for,
    ranked,
)


def src(article_id: int, published: str = "2019-04-02", paragraph: int = 0) -> Source:
    return Source(
        article_id=article_id,
        file=f"{article_id:03}.txt",
        title=f"Article {article_id}",
        url=f"https://news.example/{article_id}",
        publisher="Example News",
        published=published,
        paragraph=paragraph,
    )


COMPANIES = (
    "Orbital Optics",
    "Vantor Mobile",
    "Kestrel Labs",
    "Pinewood Audio",
    "Halcyon Systems",
    "Brightwave",
    "Nimbus Devices",
    "Quillfeather",
)
PEOPLE = ("Mara Lindqvist", "Teodor Vance", "Ines Okafor", "Pavel Dorn", "Sunniva Holt", "Rafe Castell")
PRODUCTS = ("Vantor V7", "Kestrel K2", "Nimbus Air", "Brightwave One", "Halcyon Hub", "Pinewood Pod")

LINDQVIST = (
    "Our lenses have always been about patience and precision. Working with a phone maker lets us "
    "reach people who have never held a real camera, and that excites every engineer in Orbital Optics."
)
VANCE = (
    "We spent two years looking for a partner who shares our obsession with detail, and we found one. "
    "The next generation of our phones will carry optics we could never have built alone."
)
SHARED = "Nobody in this industry should underestimate how quickly the camera market is changing right now."
OKAFOR = (
    "Research takes time, and the best results come from teams that trust each other completely. "
    "This agreement gives both sides the room to experiment without fear of failure."
)


def facts() -> TriviaFacts:
    return TriviaFacts(
        quotes=(
            QuoteInfo(1, "Mara Lindqvist", LINDQVIST, "CEO", "Orbital Optics", (src(1), src(2))),
            QuoteInfo(2, "Teodor Vance", VANCE, "CEO", "Vantor Mobile", (src(1),)),
            QuoteInfo(3, "Ines Okafor", OKAFOR, "chair", "Kestrel Labs", (src(3),)),
            # The same words in two people's names: never asked.
            QuoteInfo(4, "Pavel Dorn", SHARED, None, None, (src(2),)),
            QuoteInfo(5, "Sunniva Holt", SHARED, None, None, (src(4),)),
        ),
        partnerships=(
            # Two sources agree on the start: asked.
            PartnershipInfo(
                1, "Orbital Optics", "Vantor Mobile", "2018-03", "2021", "ended", ("Vantor V7",), (src(1),)
            ),
            PartnershipInfo(2, "Vantor Mobile", "Orbital Optics", "2018", None, "active", (), (src(2),)),
            PartnershipInfo(
                3, "Orbital Optics", "Kestrel Labs", "2020", None, "active", ("Kestrel K2",), (src(3),)
            ),
            # Dated two ways by two sources: its years are not asked.
            PartnershipInfo(4, "Pinewood Audio", "Nimbus Devices", "2016", None, "active", (), (src(4),)),
            PartnershipInfo(5, "Nimbus Devices", "Pinewood Audio", "2017", None, "active", (), (src(5),)),
            # Two partners for Halcyon in 2019: "which company began ... with Halcyon in 2019" not asked.
            PartnershipInfo(6, "Halcyon Systems", "Brightwave", "2019", None, "active", (), (src(5),)),
            PartnershipInfo(7, "Halcyon Systems", "Quillfeather", "2019", None, "active", (), (src(5),)),
        ),
        roles=(
            PersonRole("Mara Lindqvist", "CEO", "Orbital Optics", src(1, "2018-03-01")),
            PersonRole("Teodor Vance", "CEO", "Vantor Mobile", src(1, "2018-03-01")),
            PersonRole("Ines Okafor", "chair of the board", "Kestrel Labs", src(3, "2020-01-10")),
            # Two roles at one organisation, stated two ways: "what was Dorn's role" is not asked.
            PersonRole("Pavel Dorn", "chief designer", "Brightwave", src(2, "2019-01-01")),
            PersonRole("Pavel Dorn", "head of research", "Brightwave", src(4, "2019-02-01")),
            PersonRole("Sunniva Holt", "treasurer", "Nimbus Devices", src(4, "2021-06-01")),
            PersonRole("Rafe Castell", "founder", "Quillfeather", src(5, "2016-06-01")),
        ),
        events=(
            TimelineEvent("2012", "Orbital Optics opens its first lens factory", ("Orbital Optics",), src(1)),
            TimelineEvent("2015-05", "Vantor Mobile ships its first phone", ("Vantor Mobile",), src(1)),
            TimelineEvent(
                "2018-03-14",
                "Orbital Optics and Vantor Mobile sign their deal",
                ("Orbital Optics", "Vantor Mobile"),
                src(2),
            ),
            TimelineEvent("2020", "Kestrel Labs moves to a new campus", ("Kestrel Labs",), src(3)),
            TimelineEvent("2021-11", "Vantor Mobile leaves the partnership", ("Vantor Mobile",), src(2)),
            # Overlapping spans: 2018 and 2018-03-14 cannot be ordered, so never one against the other.
            TimelineEvent("2018", "Brightwave changes its logo", ("Brightwave",), src(4)),
            # Dated two ways: left out.
            TimelineEvent("2013", "Nimbus Devices goes public", ("Nimbus Devices",), src(4)),
            TimelineEvent("2016", "Nimbus Devices goes public", ("Nimbus Devices",), src(5)),
        ),
        companies=COMPANIES,
        people=PEOPLE,
        products=PRODUCTS,
    )


def by_prompt(bank: list[TriviaQuestion], prompt: str) -> list[TriviaQuestion]:
    return [q for q in bank if q.prompt == prompt]


def test_every_question_has_one_right_answer_among_four_distinct_options() -> None:
    bank = build_questions(facts())
    assert len(bank) >= 20
    for q in bank:
        options = q.options()
        assert len(options) == 4
        assert len(set(options)) == 4
        assert options.count(q.answer) == 1
        assert q.answer not in q.distractors
        assert options[q.answer_index] == q.answer


def test_distractors_are_of_the_same_kind() -> None:
    f = facts()
    bank = build_questions(f)
    event_whats = {e.what for e in f.events}
    for q in bank:
        if q.kind == "quote":
            assert set(q.distractors) <= set(PEOPLE)
        elif q.kind == "partner":
            assert set(q.distractors) <= set(COMPANIES)
        elif q.kind == "year":
            assert all(re.fullmatch(r"\d{4}", d) for d in (q.answer, *q.distractors))
        elif q.kind == "product" and q.prompt.startswith("Which product"):
            assert set(q.distractors) <= set(PRODUCTS)
        elif q.kind == "first":
            assert {q.answer, *q.distractors} <= event_whats
    assert {q.kind for q in bank} == {"quote", "partner", "year", "role", "product", "first"}


def test_partner_questions_never_offer_a_second_partner() -> None:
    bank = build_questions(facts())
    [q] = by_prompt(bank, "Which company began a partnership with Orbital Optics in 2018?")
    assert q.answer == "Vantor Mobile"
    assert "Kestrel Labs" not in q.distractors  # also a partner of Orbital Optics (from 2020)
    assert q.source == src(1)
    [q] = by_prompt(bank, "Which company began a partnership with Kestrel Labs in 2020?")
    assert q.answer == "Orbital Optics"
    # Two partners in one year: not asked from that side, still asked from each partner's side.
    assert by_prompt(bank, "Which company began a partnership with Halcyon Systems in 2019?") == []
    [q] = by_prompt(bank, "Which company began a partnership with Brightwave in 2019?")
    assert q.answer == "Halcyon Systems"
    [q] = by_prompt(bank, "Which company began a partnership with Quillfeather in 2019?")
    assert q.answer == "Halcyon Systems"


def test_partnership_years_agreed_by_all_sources_are_asked_and_dated_two_ways_are_not() -> None:
    bank = build_questions(facts())
    [begin] = by_prompt(
        bank, "In what year did the partnership between Orbital Optics and Vantor Mobile begin?"
    )
    assert (begin.answer, begin.source) == ("2018", src(1))
    assert "2018" not in begin.distractors
    [end] = by_prompt(bank, "In what year did the partnership between Orbital Optics and Vantor Mobile end?")
    assert end.answer == "2021"
    assert not [q for q in bank if q.kind == "year" and "Pinewood Audio" in q.prompt]
    # Undated pair questions fall back to "has partnered with".
    assert not [
        q for q in bank if q.prompt == "Which company began a partnership with Pinewood Audio in 2016?"
    ]
    [q] = by_prompt(bank, "Which of these companies has partnered with Pinewood Audio?")
    assert q.answer == "Nimbus Devices"


def test_product_questions() -> None:
    f = facts()
    rumour = PartnershipInfo(
        8, "Orbital Optics", "Vantor Mobile", None, None, "rumoured", ("Nimbus Air",), (src(6),)
    )
    bank = build_questions(TriviaFacts(**{**f.__dict__, "partnerships": (*f.partnerships, rumour)}))
    for q in by_prompt(
        bank, "Which product came of the partnership between Orbital Optics and Vantor Mobile?"
    ):
        assert "Nimbus Air" not in (q.answer, *q.distractors)  # only rumoured: neither right nor wrong
    [q] = by_prompt(bank, "Which product came of the partnership between Orbital Optics and Vantor Mobile?")
    assert q.answer == "Vantor V7"
    assert "Kestrel K2" in PRODUCTS and q.answer not in q.distractors
    [q] = by_prompt(bank, "Which company worked with Kestrel Labs on the Kestrel K2?")
    assert q.answer == "Orbital Optics"
    assert "Vantor Mobile" in COMPANIES and q.source == src(3)
    # The product carries the answer's name: too easy, not asked from that side.
    assert by_prompt(bank, "Which company worked with Orbital Optics on the Kestrel K2?") == []
    [q] = by_prompt(bank, "Which company worked with Vantor Mobile on the Vantor V7?")
    assert q.answer == "Orbital Optics"
    assert "Kestrel Labs" not in q.distractors  # Orbital's other partner is never a wrong answer


def test_quote_questions_use_excerpts_that_never_name_the_speaker() -> None:
    bank = build_questions(facts())
    quotes = [q for q in bank if q.kind == "quote"]
    assert {q.answer for q in quotes} == {"Mara Lindqvist", "Teodor Vance", "Ines Okafor"}
    for q in quotes:
        excerpt = q.prompt.removeprefix("Who said: “").removesuffix("…”?")
        full = {"Mara Lindqvist": LINDQVIST, "Teodor Vance": VANCE, "Ines Okafor": OKAFOR}[q.answer]
        assert excerpt in full and excerpt != full.rstrip(".")
        assert 5 <= len(excerpt.split()) <= 12
        for part in q.answer.split():
            assert part.casefold() not in excerpt.casefold()
    # The quote given to two people is never asked.
    assert not [q for q in quotes if "underestimate" in q.prompt]
    [q] = by_prompt(bank, "Who said: “Our lenses have always been about patience and precision…”?")
    assert q.answer == "Mara Lindqvist"
    assert q.source == src(1)  # the first of its two sources
    assert q.detail is not None and q.detail.startswith("“Our lenses")


def test_excerpt_rules() -> None:
    text = "Sunniva and I built this from nothing, and it has grown beyond anything we imagined back then."
    got = excerpts(text, forbidden=["Sunniva Holt"])
    assert got == ["it has grown beyond anything we imagined back then"]
    # A short quote yields nothing: an excerpt would be the whole quote.
    assert excerpts("We are thrilled to work together.", forbidden=[]) == []


def test_role_questions_skip_ambiguous_roles() -> None:
    bank = build_questions(facts())
    [q] = by_prompt(bank, "Teodor Vance was CEO of which organisation?")
    assert q.answer == "Vantor Mobile"
    [q] = by_prompt(bank, "Who was CEO of Orbital Optics?")
    assert q.answer == "Mara Lindqvist"
    assert "Teodor Vance" in PEOPLE
    [q] = by_prompt(bank, "Who was chair of the board of Kestrel Labs?")
    assert q.answer == "Ines Okafor"
    # Two roles at one organisation: "what was his role there" is not asked.
    assert by_prompt(bank, "What was Pavel Dorn's role at Brightwave?") == []
    [q] = by_prompt(bank, "What was Ines Okafor's role at Kestrel Labs?")
    assert q.answer == "chair of the board"
    assert set(q.distractors) <= {"chief designer", "head of research", "treasurer", "founder", "CEO"}


def test_two_holders_of_one_role_are_told_apart_by_year() -> None:
    f = facts()
    later_ceo = PersonRole("Rafe Castell", "CEO", "Orbital Optics", src(9, "2023-05-05"))
    bank = build_questions(TriviaFacts(**{**f.__dict__, "roles": (*f.roles, later_ceo)}))
    assert by_prompt(bank, "Who was CEO of Orbital Optics?") == []
    [q] = by_prompt(bank, "Who was CEO of Orbital Optics in 2018?")
    assert q.answer == "Mara Lindqvist" and "Rafe Castell" not in q.distractors
    [q] = by_prompt(bank, "Who was CEO of Orbital Optics in 2023?")
    assert q.answer == "Rafe Castell" and "Mara Lindqvist" not in q.distractors


def test_first_event_questions_offer_only_later_events() -> None:
    bank = build_questions(facts())
    firsts = [q for q in bank if q.kind == "first"]
    assert firsts
    assert not [q for q in firsts if "goes public" in q.answer or "goes public" in " ".join(q.distractors)]
    [q] = [q for q in firsts if q.answer == "Orbital Optics opens its first lens factory"]
    assert (
        q.detail is not None
        and q.detail.splitlines()[0] == "2012 — Orbital Optics opens its first lens factory"
    )
    dated = {e.what: e.date for e in facts().events}
    for q in firsts:
        # The answer ends before each wrong answer begins: "2018" is never earlier than "2018-03-14".
        last = dated[q.answer] + "-99"
        assert all(dated[d] > last for d in q.distractors), q
    logo = [q for q in firsts if q.answer == "Brightwave changes its logo"]
    assert all("Orbital Optics and Vantor Mobile sign their deal" not in q.distractors for q in logo)


def test_the_bank_is_deterministic_whatever_the_input_order() -> None:
    f = facts()
    rng = random.Random(7)
    shuffled = TriviaFacts(
        quotes=tuple(rng.sample(f.quotes, len(f.quotes))),
        partnerships=tuple(rng.sample(f.partnerships, len(f.partnerships))),
        roles=tuple(rng.sample(f.roles, len(f.roles))),
        events=tuple(rng.sample(f.events, len(f.events))),
        companies=tuple(reversed(f.companies)),
        people=tuple(reversed(f.people)),
        products=tuple(reversed(f.products)),
    )
    first, second = build_questions(f), build_questions(shuffled)
    assert [(q.prompt, q.answer, q.options()) for q in first] == [
        (q.prompt, q.answer, q.options()) for q in second
    ]
    assert len({q.key for q in first}) == len(first)


def test_a_tiny_corpus_is_too_small_for_a_game() -> None:
    tiny = TriviaFacts(
        quotes=(QuoteInfo(1, "Mara Lindqvist", LINDQVIST, "CEO", "Orbital Optics", (src(1),)),),
        people=("Mara Lindqvist", "Teodor Vance"),
    )
    assert len(build_questions(tiny)) < MIN_GAME_QUESTIONS


def test_choose_avoids_asking_one_fact_twice() -> None:
    bank = build_questions(facts())
    picked = choose(bank, 8, rng=random.Random(1))
    assert len(picked) == 8
    assert len({q.fact for q in picked}) == 8
    assert len(choose(bank, len(bank) + 5, rng=random.Random(1))) == len(bank)


def test_scoring_and_ties() -> None:
    assert points_for(20, 20) == 20
    assert points_for(10, 20) == 15
    assert points_for(0, 20) == 10
    assert ranked([(1, 30), (2, 45), (3, 30), (4, 5)]) == [
        (1, 2, 45, False),
        (2, 1, 30, True),
        (2, 3, 30, True),
        (4, 4, 5, False),
    ]


# ---------------------------------------------------------------- the bank of the bundled corpus
#
# Every question built at ingest from the five bundled articles is checked against the gold annotations
# (tests/data/gold.json) of the article it cites, and its wrong answers against the whole gold file and the
# knowledge base: a wrong answer that the corpus makes right anywhere fails the test.

GOLD: dict[str, dict[str, Any]] = json.loads((Path(__file__).parent / "data" / "gold.json").read_text())
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[^\W_]+", text))


def _gold_names(key: str, aliases_key: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for article in GOLD.values():
        for canonical, aliases in article.get(aliases_key, {}).items():
            for alias in [canonical, *aliases]:
                names[fold(alias)] = canonical
    for article in GOLD.values():
        for item in article.get(key, []):
            name = item["speaker"] if key == "quotes" else item["name"]
            names.setdefault(fold(name), name)
            for alias in item.get("speaker_aliases", []):
                names.setdefault(fold(alias), name)
    return names


COMPANY = _gold_names("", "company_aliases")
PERSON = {**_gold_names("people", ""), **_gold_names("quotes", "")}


def company(name: str) -> str:
    return COMPANY.get(fold(name), fold(name))


def person(name: str) -> str:
    return PERSON.get(fold(name), fold(name))


def same_product(a: str, b: str) -> bool:
    """One product under two names ("Huawei P9" / "P9 series"): the same model number, or the same name."""
    models = [{w for w in fold(x).split() if any(c.isdigit() for c in w)} for x in (a, b)]
    return fold(a) == fold(b) or (bool(models[0]) and models[0] == models[1])


def role_words(role: str) -> set[str]:
    return set(fold(role).split()) - {"and", "of", "the", "at"}


def gold_partnerships(file: str | None = None) -> list[dict[str, Any]]:
    files = [file] if file else list(GOLD)
    return [p for f in files for p in GOLD[f]["partnerships"]]


def pair_of(p: dict[str, Any]) -> set[str]:
    return {company(c) for c in p["companies"]}


def year(date: str | None) -> str | None:
    return date[:4] if date else None


def gold_people(file: str | None = None) -> list[dict[str, Any]]:
    files = [file] if file else list(GOLD)
    return [p for f in files for p in GOLD[f]["people"]]


def holds(p: dict[str, Any], who: str, org: str, role: str | None = None) -> bool:
    if person(p["name"]) != person(who) or company(p["org"]) != company(org):
        return False
    return role is None or bool(role_words(role) & role_words(p["role"]))


def article_text(file: str) -> str:
    return fold((CORPUS / file).read_text(encoding="utf-8"))


async def check_quote(q: TriviaQuestion, store: Any) -> None:
    excerpt = q.prompt.removeprefix("Who said: “").removesuffix("…”?")
    assert fold(excerpt) in article_text(q.source.file), q.prompt
    assert person(q.answer) in {person(x["speaker"]) for x in GOLD[q.source.file]["quotes"]}, q.prompt
    assert not set(fold(q.answer).split()) & set(fold(excerpt).split()), "the excerpt names the speaker"
    for wrong in q.distractors:
        found = await store.resolve("person", wrong)
        assert found.match is not None
        said = await store.quotes_by(found.match.id)
        assert not [s for s in said if fold(excerpt) in fold(s.text)], (q.prompt, wrong)


def check_partner(q: TriviaQuestion) -> None:
    match = re.fullmatch(
        r"Which company began a partnership with (.+) in (\d{4})\?", q.prompt
    ) or re.fullmatch(r"Which of these companies has partnered with (.+)\?", q.prompt)
    assert match, q.prompt
    other, started = match.group(1), match.group(2) if match.lastindex == 2 else None
    stated = [
        p for p in gold_partnerships(q.source.file) if pair_of(p) == {company(other), company(q.answer)}
    ]
    assert stated, q.prompt
    if started:
        assert started in {year(p["started"]) for p in stated}, q.prompt
    for wrong in q.distractors:
        assert not [p for p in gold_partnerships() if pair_of(p) == {company(other), company(wrong)}], wrong


def check_year(q: TriviaQuestion) -> None:
    match = re.fullmatch(r"In what year did the partnership between (.+) and (.+) (begin|end)\?", q.prompt)
    assert match, q.prompt
    pair, field = (
        {company(match.group(1)), company(match.group(2))},
        "started" if match.group(3) == "begin" else "ended",
    )
    stated = [p for p in gold_partnerships(q.source.file) if pair_of(p) == pair]
    assert q.answer in {year(p[field]) for p in stated}, q.prompt
    everywhere = {year(p[field]) for p in gold_partnerships() if pair_of(p) == pair}
    assert not everywhere & set(q.distractors), q.prompt


def check_product(q: TriviaQuestion) -> None:
    made = re.fullmatch(r"Which product came of the partnership between (.+) and (.+)\?", q.prompt)
    if made:
        pair = {company(made.group(1)), company(made.group(2))}
        stated = [p for p in gold_partnerships(q.source.file) if pair_of(p) == pair]
        assert any(same_product(q.answer, x) for p in stated for x in p["products"]), q.prompt
        everywhere = [x for p in gold_partnerships() if pair_of(p) == pair for x in p["products"]]
        assert not [d for d in q.distractors if any(same_product(d, x) for x in everywhere)], q.prompt
        return
    maker = re.fullmatch(r"Which company worked with (.+) on the (.+)\?", q.prompt)
    assert maker, q.prompt
    other, product = maker.groups()
    stated = [
        p for p in gold_partnerships(q.source.file) if pair_of(p) == {company(other), company(q.answer)}
    ]
    assert any(same_product(product, x) for p in stated for x in p["products"]), q.prompt
    for wrong in q.distractors:
        assert not [p for p in gold_partnerships() if pair_of(p) == {company(other), company(wrong)}], wrong


def check_role(q: TriviaQuestion) -> None:
    where = re.fullmatch(r"(.+) was (.+) of which organisation\?", q.prompt)
    who = re.fullmatch(r"Who was (.+) of (.+?)(?: in \d{4})?\?", q.prompt)
    what = re.fullmatch(r"What was (.+)'s role at (.+)\?", q.prompt)
    if where:
        name, role = where.groups()
        assert [p for p in gold_people(q.source.file) if holds(p, name, q.answer, role)], q.prompt
        assert not [d for d in q.distractors for p in gold_people() if holds(p, name, d)], q.prompt
    elif who:
        role, org = who.groups()
        assert [p for p in gold_people(q.source.file) if holds(p, q.answer, org, role)], q.prompt
        assert not [d for d in q.distractors for p in gold_people() if holds(p, d, org, role)], q.prompt
    else:
        assert what, q.prompt
        name, org = what.groups()
        assert [p for p in gold_people(q.source.file) if holds(p, name, org, q.answer)], q.prompt
        assert not [d for d in q.distractors for p in gold_people() if holds(p, name, org, d)], q.prompt


async def check_first(q: TriviaQuestion, store: Any) -> None:
    timeline = await store.timeline(limit=10_000)
    stated = [e for e in timeline if fold(e.what) == fold(q.answer)]
    assert q.source.file in {e.source.file for e in stated}, q.answer
    last = max(e.date for e in stated) + "-99"  # sorts after every date within the answer's own date
    for wrong in q.distractors:
        dates = [e.date for e in timeline if fold(e.what) == fold(wrong)]
        assert dates and min(dates) > last, (q.answer, wrong)


async def test_the_bundled_corpus_yields_a_game_worth_of_questions(store: Any) -> None:
    bank = await store.trivia_questions()
    assert len({(q.prompt, q.answer) for q in bank}) >= 30
    assert len({q.kind for q in bank}) >= 4
    assert len(bank) >= MIN_GAME_QUESTIONS


async def test_every_bundled_question_is_stated_by_its_source_and_no_wrong_answer_is_right(
    store: Any,
) -> None:
    bank = await store.trivia_questions()
    assert bank
    for q in bank:
        assert len(q.distractors) == 3 and q.answer not in q.distractors
        assert q.source.file in GOLD and q.source.url
        if q.kind == "quote":
            await check_quote(q, store)
        elif q.kind == "partner":
            check_partner(q)
        elif q.kind == "year":
            check_year(q)
        elif q.kind == "product":
            check_product(q)
        elif q.kind == "role":
            check_role(q)
        else:
            await check_first(q, store)


async def test_questions_about_one_company(store: Any) -> None:
    bank = await store.trivia_questions()
    topic = max({t for q in bank for t in q.topics}, key=lambda t: sum(t in q.topics for q in bank))
    found = await store.resolve("company", topic)
    assert found.match is not None
    about = await store.trivia_questions(found.match.id)
    assert about and len(about) < len(bank)
    assert all(topic in q.topics for q in about)
