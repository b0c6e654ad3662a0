"""A deterministic synthetic news corpus for the benchmarks.

    python -m benchmarks.generate OUT_DIR --articles N [--seed S] [--workers W]

Every article is a function of (seed, index) alone, so the corpus is the same byte for byte whatever the
number of worker processes, and each worker writes its own files (nothing holds the corpus in memory).
Articles are 600-1,200 words of invented business news: a headline, a dated partnership announcement,
quotes in the attribution styles real articles use, products, an ended earlier tie-up, rivals named together
(not partners), dated history and filler. Names come from pools of a few thousand invented people and
companies so that names recur across articles. `generate_article` also returns what the article states
(quotes with their speakers, partnerships, rival pairs) so tests can check extraction against it.

Articles come in stories of STORY_SIZE: the articles of one story report the same deal, often with the
same press-release quote (sometimes shortened), as several outlets do.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from benchmarks import OUT_DIR

# Bump whenever the output changes: cached corpora are keyed by it.
GENERATOR_VERSION = 1
DEFAULT_SEED = 1
STORY_SIZE = 3
MIN_WORDS = 600
MAX_WORDS = 1200
_CHUNK = 250  # articles per worker task

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "Daniel", "Elena", "Farid", "Greta", "Hiroshi", "Ingrid", "Jonas", "Kenji",
    "Laura", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Stefan", "Tomás", "Ulrike", "Victor",
    "Wen", "Xavier", "Yusuf", "Zoe", "Amelia", "Bruno", "Chiara", "Dmitri", "Esther", "Felix", "Gabriel",
    "Hanna", "Isaac", "Julia", "Karim", "Lina", "Marco", "Nora", "Oscar", "Paula", "Rafael", "Sofia",
    "Theo", "Ute", "Vera", "William", "Yara", "Adrian", "Beatriz", "Conor", "Daria", "Emil", "Fatima",
    "Georg", "Helena", "Ivan", "Jana", "Klaus", "Leonie", "Magnus", "Nina", "Olga", "Pedro", "Rita",
    "Samuel", "Tanja", "Aiko", "Bilal", "Clara", "David", "Eva", "Frank", "Grace", "Henrik", "Irene",
    "Jakob", "Katrin", "Lars", "Maya", "Niklas", "Petra", "Ruth", "Simon", "Tobias", "Alice", "Benedikt",
    "Camille", "Diego", "Elif", "Fabian", "Gloria", "Hugo", "Ines", "Joel", "Kira", "Lucas", "Marta",
    "Noah", "Pia", "Rui", "Sven", "Teresa", "Valentin", "Wanda", "Yasmin", "Zeynep", "Arjun", "Mei",
    "Sanjay", "Ayesha", "Kwame", "Amara", "Chidi", "Ngozi", "Tariq", "Leila", "Renée", "Jürgen", "Søren",
)  # fmt: skip

# Invented names are built from these syllables; none of the results is a real company or a common word.
_SYLLABLES = (
    "ar", "bel", "cor", "dan", "el", "fen", "gal", "hol", "is", "jor", "kel", "lum", "mor", "nor", "ost",
    "pel", "quin", "ros", "sal", "tor", "ul", "ven", "wyn", "zan", "bra", "cel", "dro", "fal", "gri", "hen",
    "kor", "lan", "mir", "nev", "ori", "pra", "ril", "sto", "tam", "vok", "zel", "ama", "bri", "dal", "eno",
    "fir", "gon", "ith", "kal", "lor", "mes", "nak", "ovi", "per", "rad", "sen", "tiv", "var", "wel", "yor",
)  # fmt: skip
_SURNAME_ENDINGS = (
    "son", "berg", "mann", "ová", "ez", "ski", "holt", "ard", "ini", "ley", "ford", "er", "sen", "ić", "ami",
    "ow", "ens", "aki", "ez", "ston", "well", "hoff", "ier", "etti", "ström", "ado", "ian", "ek",
)  # fmt: skip
_COMPANY_ENDINGS = ("a", "ex", "ix", "on", "ia", "tek", "ics", "ora", "io", "um", "is", "ent", "yx", "", "")
_DESCRIPTORS = (
    "Optics", "Systems", "Mobile", "Labs", "Electronics", "Imaging", "Semiconductor", "Networks", "Robotics",
    "Energy", "Motors", "Audio", "Devices", "Technologies", "Photonics", "Instruments", "Telecom", "Cloud",
)  # fmt: skip
_LEGAL = ("AG", "Inc.", "Ltd")
_RESEARCH_DESCRIPTORS = ("Research", "Insights", "Analytics", "Market Intelligence")

CEO_ROLES = ("CEO", "chief executive officer", "president and CEO", "founder and CEO", "managing director")
OTHER_ROLES = (
    "chief technology officer", "CTO", "chief operating officer", "chief marketing officer",
    "head of product", "head of global partnerships", "vice president of mobile imaging",
    "vice president of engineering", "director of research", "chairman of the supervisory board",
    "general manager", "co-founder", "chief financial officer", "head of design",
)  # fmt: skip
ANALYST_ROLES = ("analyst", "senior analyst", "research director", "principal analyst")

FIELDS = (
    "mobile imaging", "smartphone photography", "electric mobility", "battery technology",
    "wireless audio", "augmented reality", "satellite connectivity", "industrial robotics",
    "home automation", "wearable health", "cloud gaming", "autonomous driving", "chip design",
    "solar storage", "medical imaging", "smart glasses", "drone cameras", "computational optics",
)  # fmt: skip
CITIES = (
    "Munich", "Shenzhen", "Austin", "Lyon", "Osaka", "Eindhoven", "Bangalore", "Tallinn", "Porto", "Seoul",
    "Toronto", "Gdansk", "Wetzlar", "Kraków", "Dublin", "Taipei", "Zürich", "Nairobi", "Valencia", "Oulu",
)  # fmt: skip
COUNTRIES = (
    "Germany", "China", "the United States", "France", "Japan", "India", "Canada", "Brazil", "Poland",
    "South Korea", "the United Kingdom", "Italy", "Spain", "Kenya", "Finland", "Taiwan", "Mexico",
)  # fmt: skip
MODELS = ("Vista", "Nova", "Pulse", "Aero", "Orbit", "Prism", "Edge", "Flux", "Spark", "Atlas", "Echo")
MODEL_SUFFIXES = ("", "", " Pro", " Ultra", " Plus", " Lite", " Max")
PUBLISHER_FIRST = ("Daily", "Tech", "Gadget", "Circuit", "Signal", "Lens", "Pixel", "Silicon", "Wire")
PUBLISHER_SECOND = ("Ledger", "Review", "Times", "Post", "Report", "Insider", "Journal", "Digest", "Herald")

_VALUES = (
    "uncompromising quality", "precision", "craftsmanship", "innovation", "reliability", "openness",
    "sustainability", "simplicity", "performance", "design", "trust", "speed", "privacy", "durability",
)  # fmt: skip
_STRENGTHS = (
    "optical engineering", "software", "manufacturing at scale", "sensor design", "industrial design",
    "supply chain expertise", "signal processing", "materials science", "retail reach", "brand heritage",
)  # fmt: skip
_DEALS = ("partnership", "agreement", "collaboration", "alliance", "cooperation")
_UNITS = ("device", "product", "market", "price range", "country", "generation")

QUOTE_SENTENCES = (
    "We are {delighted} to {join} {P} in {field}.",
    "This {deal} brings together two companies that share a commitment to {value} and {value2}.",
    "Our customers expect {value}, and together with {P} we will deliver it in every {unit}.",
    "{P} has a long history of {strength}, and we have spent years building our own {strength2}.",
    "Together we will set a new standard for {field} and open a new chapter for both brands.",
    "We believe the first products will show what is possible when {strength} meets {strength2}.",
    "It is an honour to work with a team that has done so much for {field}.",
    "The market for {field} is growing fast, and we intend to lead it.",
    "We see enormous potential in combining our {strength} with the engineering of {P}.",
    "Nothing about this {deal} is short term; we are building something for the next decade.",
    "We’re proud of what our engineers have achieved, and this {deal} lets them go further.",
    "Our goal has always been to bring {value} to more people, and this {deal} takes us a big step closer.",
    "Customers will see the results of this work in our products within months, not years.",
    "It’s a great day for everyone who cares about {field}.",
)  # fmt: skip
ANALYST_SENTENCES = (
    "Neither company could have built this alone, and both know it.",
    "The real test is whether customers will pay more for {field}.",
    "We expect at least {num} million units in the first year if the pricing is right.",
    "Deals like this one tend to last only as long as both brands gain from them.",
    "The timing matters, because the {field} market is consolidating quickly.",
    "It is a sensible move for {A}, and a risky one for {B}.",
)  # fmt: skip
STATEMENT_SENTENCES = (
    "Both companies remain committed to {value} and to the customers who rely on it.",
    "We can confirm that the cooperation between our two companies continues as planned.",
    "Further details about the first products will be shared in {month}.",
    "The agreement covers research, design, co-engineering and marketing.",
)  # fmt: skip

# Background sentences. Slots: A, B (the partners), R (a rival), C (another company), prod, field, city,
# country, num, pct, year, month, code, value, strength. None of them states a partnership or a quote.
FILLER = (
    "The {field} market grew by {pct} per cent last year, according to figures from industry trackers.",
    "{A} employs about {num},000 people and sells its products in more than {num2} countries.",
    "Analysts expect demand for {field} to keep rising as prices fall and components improve.",
    "The {prod} was widely praised for its {strength}, although its battery life drew criticism.",
    "Shipments in {country} fell by {pct} per cent in the second quarter as consumers held back.",
    "{B} has invested heavily in {strength} over the past decade, opening a new facility in {city}.",
    "Most of the development work will take place in {city}, where both teams already have offices.",
    "Prices for the first devices have not been announced, but the companies promise competitive pricing.",
    "The project is known internally by the codename {code}, according to people familiar with the plans.",
    "Component shortages have slowed several launches this year, and {field} has not been spared.",
    "{A} reported revenue of {num}.{num3} billion euros for its last financial year, up {pct} per cent.",
    "The company has not said how many units it expects to ship in the first year.",
    "Reviewers have long pointed to {strength} as the area where {A} trails its largest competitors.",
    "Retail partners in {country} will receive the first units, followed by a wider rollout later.",
    "Regulators in {country} are reviewing new rules on {field} that could affect future products.",
    "Earlier this year {C} cut its forecast for {field}, citing weaker demand in {country}.",
    "The new factory near {city} is expected to produce {num} million components a year by {year}.",
    "Industry observers see {value} as the deciding factor for buyers in the premium segment.",
    "Software updates will be delivered over the air for at least {num2} years, the company says.",
    "The move follows a difficult year in which {A} lost market share in {country} and {country2}.",
    "Sales of the {prod} reportedly exceeded expectations in the months after its launch.",
    "Engineers from both companies will share test labs, tooling and early prototypes.",
    "Customers have asked for better {strength} for years, and competitors have responded slowly.",
    "The details of the financial arrangement were not disclosed.",
    "The companies will also explore joint marketing and retail distribution in {country}.",
    "According to market research, premium devices now account for {pct} per cent of sales.",
    "Several startups in {city} are working on similar technology, backed by venture funding.",
    "{C} is expected to present a competing product at a trade show in {city} next month.",
    "The first prototypes were shown to a small group of partners and journalists behind closed doors.",
    "The launch event is planned for {month}, with availability in {country} shortly afterwards.",
    "Investors welcomed the news, and shares rose by {pct} per cent in early trading.",
    "Supply of the new sensor is limited, which could restrict volumes at the start.",
    "Both firms have faced criticism over repair costs and the availability of spare parts.",
    "A growing number of buyers now compare {strength} before anything else, surveys suggest.",
    "The companies plan to publish a joint roadmap covering the next {num2} product generations.",
    "{A} first entered the {field} business with a modest product line that sold mainly online.",
    "The technology relies on a new generation of sensors produced in {country}.",
    "Power consumption remains the main engineering challenge for devices of this kind.",
    "Several details, including the exact launch markets, are still being negotiated.",
    "The team in {city} has grown from a handful of engineers to several hundred in {num2} years.",
    "Unlike many of its peers, {B} still designs most of its components in-house.",
    "The agreement is expected to run for at least {num2} years, with an option to extend it.",
    "Demand from enterprise customers has been a bright spot, especially in {country}.",
    "Critics argue that the segment is already crowded and that margins will shrink.",
    "Early benchmarks suggest a clear improvement over the previous generation in low light.",
    "The new models will be assembled in {country}, close to the main suppliers.",
    "{C} and several smaller firms have tried similar approaches with mixed results.",
    "Both management teams met in {city} several times before the announcement, insiders say.",
    "The {field} segment has attracted more than {num} billion dollars of investment since {year2}.",
    "Battery capacity, weight and heat remain the usual compromises in this category.",
    "Trade tensions have made it harder to plan production more than a few months ahead.",
    "Buyers in {country} tend to replace their devices every {num2} years on average.",
    "The new line-up is aimed squarely at professionals and demanding enthusiasts.",
    "A spokesperson declined to comment on pricing or on the number of engineers involved.",
    "Independent repair shops in {city} say spare parts are still hard to find.",
    "The first reviews are expected shortly before the devices reach stores in {month}.",
    "Both brands will appear on the packaging, a detail that matters a great deal to collectors.",
    "The deal also covers training programmes for retail staff in {country} and {country2}.",
    "{A} has recently hired several senior engineers from competitors to strengthen its {strength}.",
    "Observers note that earlier attempts to combine {strength} and {field} struggled to find buyers.",
    "Production volumes will depend on how quickly suppliers in {country} can scale up.",
    "Online retailers reported a surge of interest in the hours after the announcement.",
    "The companies did not say whether existing products will receive any of the new features.",
    "The research centre in {city} will double in size over the next {num2} years.",
    "Much of the software will be shared with other products in the range.",
    "The pricing is likely to follow the pattern of the {prod}, which started high and fell quickly.",
    "Industry veterans recall that similar deals in the past produced only a handful of products.",
    "Market share figures for the last quarter put {A} in {rank} place in {country}.",
    "The announcement came a day before a major industry conference in {city}.",
    "{B} has been building its presence in {country} for several years, mostly through online sales.",
    "Testing will take place at facilities in {city} and {city2} over the coming months.",
    "Several operators in {country} have already expressed interest in carrying the new devices.",
    "The companies say sustainability targets are part of the agreement, including recycled materials.",
    "Earlier products in the category were criticised for being expensive and fragile.",
    "Patent filings suggest that work on the technology began at least {num2} years ago.",
    "The {code} team reportedly includes specialists in optics, firmware and industrial design.",
    "Retail prices in {country} are usually higher because of import duties and taxes.",
    "The partners will present their first results to developers at an event in {city}.",
    "A limited edition is also planned, according to a listing spotted by enthusiasts.",
)  # fmt: skip

LEAD_TEMPLATES = (
    "On {date}, {A} announced a long-term strategic partnership with {B} to work together on {field}.",
    "{A} has announced a long-term strategic partnership with {B}, the two companies said on {date}.",
    "{A} and {B} have signed a multi-year agreement to develop {field} products, the companies "
    "confirmed on {date}.",
    "{B} is teaming up with {A} in a new {field} deal that was announced on {date}.",
)
HEADLINE_TEMPLATES = (
    "{A} and {B} announce long-term strategic partnership",
    "{A} teams up with {B} on {field}",
    "{A} taps {B} to boost its {field} ambitions",
    "{B} partners with {A} in new {field} deal",
    "{A} and {B} join forces to reinvent {field}",
    "What the {A} and {B} deal means for {field}",
)
PRODUCT_TEMPLATES = (
    "The first product of the partnership, the {prod}, is expected in {launch}.",
    "The first device to come out of the deal will be the {prod}, scheduled for {launch}.",
)
ENDED_TEMPLATES = (
    "{A}’s previous partnership with {C}, which began in {began} with the {old} series, ended on {ended}.",
    "The tie-up between {A} and {C} ended on {ended}. It began in {began} and produced the {old}.",
)
RIVAL_TEMPLATES = (
    "{A} and {R} remain fierce rivals in the {field} market, where both lost ground last year.",
    "Regulators in {country} fined {R} and {C} over data handling in {year}.",
    "In the sales charts {A} still trails {R}, which sold {num} million units last year.",
)
EVENT_TEMPLATES = (
    "In {year}, {X} opened a research centre in {city}.",
    "{X} was founded in {year} in {city}.",
    "In {month_year}, {X} launched the {prod}, its first product for {field}.",
    "On {day}, {X} reported record quarterly revenue after strong sales of the {prod}.",
    "In {month_year}, {X} moved its headquarters to {city}.",
)


@dataclass(frozen=True)
class Company:
    short: str  # "Norvatek"
    full: str  # "Norvatek Optics"
    legal: str  # "Norvatek Optics AG", or the full name when it has no legal suffix


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    company: Company


@dataclass(frozen=True)
class Pools:
    companies: tuple[Company, ...]
    research_firms: tuple[Company, ...]
    staff: tuple[tuple[Person, Person], ...]  # per company: its chief executive and one other executive
    analysts: tuple[Person, ...]
    publishers: tuple[tuple[str, str], ...]  # (name, domain)


@dataclass(frozen=True)
class ExpectedQuote:
    speaker: str
    role: str
    org: str  # as the attribution writes it
    text: str  # the quoted words, without closing punctuation or quote marks
    style: str


@dataclass(frozen=True)
class ExpectedPartnership:
    companies: tuple[str, str]  # short names
    started: str | None
    ended: str | None
    status: str
    products: tuple[str, ...]


@dataclass(frozen=True)
class GeneratedArticle:
    file: str
    text: str
    title: str
    url: str
    publisher: str
    published: str
    quotes: tuple[ExpectedQuote, ...]
    partnerships: tuple[ExpectedPartnership, ...]
    not_partners: tuple[tuple[str, str], ...]  # companies named together that are not partners

    @property
    def words(self) -> int:
        return len(self.text.split())

    def manifest_entry(self) -> str:
        def s(value: str) -> str:
            return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string

        return (
            f"[[article]]\nfile = {s(self.file)}\ntitle = {s(self.title)}\nurl = {s(self.url)}\n"
            f"publisher = {s(self.publisher)}\npublished = {s(self.published)}\n\n"
        )


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts))


@lru_cache(maxsize=4)
def build_pools(seed: int) -> Pools:
    """The invented names for a corpus: 2,000 companies with two executives each, analysts, publishers."""
    rng = random.Random(f"pools/{seed}")
    used: set[str] = set(w.lower() for w in FIRST_NAMES)

    def fresh(make: Callable[[], str]) -> str:
        while True:
            name = make()
            if name.lower() not in used and len(name) >= 4:
                used.add(name.lower())
                return name

    def company(descriptors: tuple[str, ...], legal_share: float) -> Company:
        short = fresh(lambda: (_word(rng, rng.choice((1, 2, 2))) + rng.choice(_COMPANY_ENDINGS)).capitalize())
        full = f"{short} {rng.choice(descriptors)}" if rng.random() < 0.7 else short
        legal = f"{full} {rng.choice(_LEGAL)}" if rng.random() < legal_share else full
        return Company(short, full, legal)

    companies = tuple(company(_DESCRIPTORS, 0.5) for _ in range(2000))
    firms = tuple(company(_RESEARCH_DESCRIPTORS, 0.3) for _ in range(60))
    surnames = [
        fresh(lambda: (_word(rng, rng.choice((1, 1, 2))) + rng.choice(_SURNAME_ENDINGS)).capitalize())
        for _ in range(3000)
    ]
    people: set[str] = set()

    def person_name() -> str:
        while True:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(surnames)}"
            if name not in people:
                people.add(name)
                return name

    staff = tuple(
        (Person(person_name(), rng.choice(CEO_ROLES), c), Person(person_name(), rng.choice(OTHER_ROLES), c))
        for c in companies
    )
    analysts = tuple(Person(person_name(), rng.choice(ANALYST_ROLES), rng.choice(firms)) for _ in range(300))
    publishers = tuple(
        sorted(
            {
                (f"{'The ' if rng.random() < 0.3 else ''}{a} {b}", f"{a}{b}".lower() + ".example")
                for a in PUBLISHER_FIRST
                for b in PUBLISHER_SECOND
                if rng.random() < 0.5
            }
        )
    )
    return Pools(companies, firms, staff, analysts, publishers)


def _day(d: date, rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def _product(rng: random.Random, brand: Company) -> str:
    number = rng.choice((str(rng.randint(2, 60)), f"{rng.choice('XSMG')}{rng.randint(1, 12)}"))
    return f"{brand.short} {rng.choice(MODELS)} {number}{rng.choice(MODEL_SUFFIXES)}"


def _quote(rng: random.Random, partner: Company, field: str, code: str, sentences: int) -> tuple[str, ...]:
    values, strengths = rng.sample(_VALUES, 2), rng.sample(_STRENGTHS, 2)
    slots = {
        "P": partner.short,
        "field": field,
        "delighted": rng.choice(("delighted", "proud", "excited", "thrilled")),
        "join": rng.choice(("work with", "partner with", "join forces with", "collaborate with")),
        "deal": rng.choice(_DEALS),
        "value": values[0],
        "value2": values[1],
        "strength": strengths[0],
        "strength2": strengths[1],
        "unit": rng.choice(_UNITS),
    }
    chosen = rng.sample(QUOTE_SENTENCES, sentences - 1)
    # A sentence no other quote has, so that different quotes never fold to the same text.
    chosen.insert(
        rng.randint(1, len(chosen)),
        f"By {rng.randint(2025, 2032)}, we expect {rng.randint(2, 90)} million devices to use what we "
        f"call {code}.",
    )
    return tuple(t.format(**slots) for t in chosen)


@dataclass(frozen=True)
class _Story:
    a: Company
    b: Company
    rival: Company
    other: Company
    field: str
    day: date
    code: str
    product: str
    launch: str
    press: tuple[tuple[Person, tuple[str, ...]], ...]  # (speaker, sentences)
    ended: tuple[Company, int, date, str] | None  # (earlier partner of A, began, ended, its product)


@lru_cache(maxsize=8)
def _story(seed: int, number: int) -> _Story:
    pools = build_pools(seed)
    rng = random.Random(f"story/{seed}/{number}")
    ia, ib, ir, ic, ie = rng.sample(range(len(pools.companies)), 5)
    a, b = pools.companies[ia], pools.companies[ib]
    field = rng.choice(FIELDS)
    day = date(2012, 1, 1) + timedelta(days=rng.randint(0, 12 * 365))
    code = "Project " + _word(rng, 2).capitalize()
    month = day.month - 1 + rng.randint(2, 8)
    launch = f"{MONTHS[month % 12]} {day.year + month // 12}"
    speakers = (pools.staff[ia][rng.randint(0, 1)], pools.staff[ib][rng.randint(0, 1)])
    press = tuple(
        (p, _quote(rng, b if p.company is a else a, field, code, rng.randint(3, 4))) for p in speakers
    )
    ended = None
    if rng.random() < 0.5:
        began = day.year - rng.randint(3, 7)
        end_day = date(began + 1, 1, 1) + timedelta(days=rng.randint(0, (day.year - began - 1) * 365))
        ended = (pools.companies[ie], began, end_day, _product(rng, a))
    rival, other = pools.companies[ir], pools.companies[ic]
    return _Story(a, b, rival, other, field, day, code, _product(rng, a), launch, press, ended)


def _role_at(person: Person, org: str) -> str:
    if " of " in person.role or person.role in ANALYST_ROLES:
        return f"{person.role} at {org}"
    return f"{person.role} of {org}"


def _render_quote(rng: random.Random, person: Person, text: str, lead_in: str) -> tuple[list[str], str, str]:
    """One quote in one of the attribution styles: (paragraphs, style, org as written)."""
    org = rng.choice((person.company.legal, person.company.full))
    bare = text.rstrip(".")
    style = rng.choice(("colon", "says_after", "org_possessive", "adds_after", "said_line"))
    if style == "colon":
        open_q, close_q = rng.choice((('"', '"'), ("“", "”")))
        return [f"{lead_in}{person.name}, {_role_at(person, org)}, said: {open_q}{text}{close_q}"], style, org
    if style == "says_after":
        open_q, close_q = rng.choice((('"', '"'), ("“", "”")))
        end = "" if org.endswith(".") else "."
        paragraph = f"{lead_in}{open_q}{bare},{close_q} says {person.name}, {_role_at(person, org)}{end}"
        return [paragraph], style, org
    if style == "org_possessive":
        org = person.company.short
        return [f"{lead_in}{org}’s {person.role}, {person.name}, said, ‘{text}’"], style, org
    if style == "adds_after":
        end = "" if org.endswith(".") else "."
        return [f"{lead_in}‘{bare},’ adds {person.name}, {_role_at(person, org)}{end}"], style, org
    return [f"{person.name}, {_role_at(person, org)} said", text], style, org


def _filler(rng: random.Random, story: _Story, pools: Pools, deck: list[str]) -> str:
    if not deck:  # a shuffled deck, so that sentences rarely repeat within an article
        deck.extend(FILLER)
        rng.shuffle(deck)
    return deck.pop().format(
        A=story.a.short,
        B=story.b.short,
        C=rng.choice(pools.companies).short,
        prod=story.product,
        field=story.field,
        city=rng.choice(CITIES),
        city2=rng.choice(CITIES),
        rank=rng.choice(("second", "third", "fourth", "fifth")),
        year2=story.day.year - rng.randint(3, 9),
        country=rng.choice(COUNTRIES),
        country2=rng.choice(COUNTRIES),
        num=rng.randint(2, 95),
        num2=rng.randint(3, 12),
        num3=rng.randint(1, 9),
        pct=rng.randint(2, 40),
        year=story.day.year + rng.randint(1, 4),
        month=rng.choice(MONTHS),
        code=story.code,
        value=rng.choice(_VALUES),
        strength=rng.choice(_STRENGTHS),
    )


def generate_article(seed: int, index: int) -> GeneratedArticle:
    """Article `index` of the corpus with this seed (a pure function of both)."""
    pools = build_pools(seed)
    story = _story(seed, index // STORY_SIZE)
    rng = random.Random(f"article/{seed}/{index}")
    a, b = (story.a, story.b) if rng.random() < 0.5 else (story.b, story.a)
    publisher, domain = rng.choice(pools.publishers)
    published = story.day + timedelta(days=rng.randint(0, 2))
    quotes: list[ExpectedQuote] = []
    deck: list[str] = []
    not_partners: list[tuple[str, str]] = []

    title = rng.choice(HEADLINE_TEMPLATES).format(A=a.short, B=b.short, field=story.field)
    title = title[0].upper() + title[1:]
    headline = title
    if rng.random() < 0.1:  # some sites print the date after the headline
        headline = f"{title} {MONTHS[published.month - 1]} {published.day}, {published.year}"

    lead = rng.choice(LEAD_TEMPLATES).format(
        A=a.legal, B=b.legal, date=_day(story.day, rng), field=story.field
    )
    units: list[list[str]] = [[lead + " " + _filler(rng, story, pools, deck)]]

    def add_quote(person: Person, sentences: tuple[str, ...], lead_in: str = "") -> None:
        text = " ".join(sentences)
        paragraphs, style, org = _render_quote(rng, person, text, lead_in)
        units.append(paragraphs)
        quotes.append(ExpectedQuote(person.name, person.role, org, text.rstrip("."), style))

    for person, sentences in story.press:
        if rng.random() < 0.8:
            if rng.random() < 0.25:  # outlets shorten press quotes
                sentences = sentences[: max(2, len(sentences) - 1)]
            lead_in = _filler(rng, story, pools, deck) + " " if rng.random() < 0.3 else ""
            add_quote(person, sentences, lead_in)
    if rng.random() < 0.5:
        analyst = rng.choice(pools.analysts)
        slots = {"A": a.short, "B": b.short, "field": story.field, "num": rng.randint(2, 30)}
        picked = tuple(t.format(**slots) for t in rng.sample(ANALYST_SENTENCES, 2))
        add_quote(analyst, (*picked, f"My guess is that {story.code} ships before anyone expects."))

    partnerships = [
        ExpectedPartnership((story.a.short, story.b.short), story.day.isoformat(), None, "announced",
                            (story.product,))
    ]  # fmt: skip
    units.append(
        [rng.choice(PRODUCT_TEMPLATES).format(prod=story.product, launch=story.launch)
         + " " + _filler(rng, story, pools, deck)]
    )  # fmt: skip
    if story.ended is not None:
        other, began, ended, old = story.ended
        units.append(
            [rng.choice(ENDED_TEMPLATES).format(
                A=story.a.short, C=other.short, began=began, ended=_day(ended, rng), old=old)]
        )  # fmt: skip
        partnerships.append(
            ExpectedPartnership((story.a.short, other.short), str(began), ended.isoformat(), "ended", (old,))
        )
    rival_line = rng.choice(RIVAL_TEMPLATES)
    units.append(
        [rival_line.format(
            A=a.short, R=story.rival.short, C=story.other.short, field=story.field,
            country=rng.choice(COUNTRIES), year=story.day.year - 1, num=rng.randint(5, 90))]
    )  # fmt: skip
    named = (a.short, story.rival.short) if "{A}" in rival_line else (story.rival.short, story.other.short)
    not_partners.append(named)

    history = []
    for _ in range(rng.randint(2, 3)):
        template = rng.choice(EVENT_TEMPLATES)
        when = story.day - timedelta(days=rng.randint(200, 3000))
        who = rng.choice((a, b))
        history.append(
            template.format(
                X=who.short, year=when.year, city=rng.choice(CITIES),
                month_year=f"{MONTHS[when.month - 1]} {when.year}", day=_day(when, rng),
                prod=_product(rng, who), field=story.field,
            )
        )  # fmt: skip
    units.append([" ".join(history)])
    if rng.random() < 0.3:
        statement = " ".join(
            t.format(value=rng.choice(_VALUES), month=rng.choice(MONTHS))
            for t in rng.sample(STATEMENT_SENTENCES, 2)
        )
        units.append([f"In a joint statement, the companies said: “{statement}”"])
    if rng.random() < 0.3:
        # Reported speech: not a quote.
        units.append(
            [f"{story.press[0][0].name} said the company expects the first products to sell well in "
             f"{rng.choice(COUNTRIES)}."]
        )  # fmt: skip

    # Filler paragraphs between the units (never before the lead) until the article reaches its length.
    target = rng.randint(MIN_WORDS + 20, MAX_WORDS - 40)
    words = len(headline.split()) + sum(len(p.split()) for unit in units for p in unit)
    while words < target:
        filler: list[str] = []
        for _ in range(rng.randint(3, 6)):
            sentence = _filler(rng, story, pools, deck)
            filler.append(sentence)
            words += len(sentence.split())
            if words >= target:
                break
        units.insert(rng.randint(1, len(units)), [" ".join(filler)])

    text = headline + "\n\n" + "\n\n".join(p for unit in units for p in unit) + "\n"
    slug = "-".join(title.lower().split())[:60]
    return GeneratedArticle(
        file=f"{index:06d}_{rng.getrandbits(48):012x}.txt",
        text=text,
        title=title,
        url=f"https://www.{domain}/{published.year}/{published.month:02d}/{slug}-{index}",
        publisher=publisher,
        published=published.isoformat(),
        quotes=tuple(quotes),
        partnerships=tuple(partnerships),
        not_partners=tuple(not_partners),
    )


MANIFEST_HEADER = "# Synthetic corpus from benchmarks/generate.py (version {v}, seed {s}, {n} articles).\n\n"


def _write_chunk(task: tuple[str, int, int, int]) -> tuple[str, int]:
    out_dir, seed, start, stop = task
    entries = []
    size = 0
    for index in range(start, stop):
        article = generate_article(seed, index)
        data = article.text.encode("utf-8")
        with open(os.path.join(out_dir, article.file), "wb") as f:
            f.write(data)
        size += len(data)
        entries.append(article.manifest_entry())
    return "".join(entries), size


def write_corpus(out_dir: Path, articles: int, seed: int = DEFAULT_SEED, workers: int | None = None) -> int:
    """Write `articles` files and manifest.toml into `out_dir`; returns the bytes of article text written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    starts = range(0, articles, _CHUNK)
    tasks = [(str(out_dir), seed, start, min(start + _CHUNK, articles)) for start in starts]
    workers = workers or os.cpu_count() or 1
    total = 0
    with open(out_dir / "manifest.toml", "w", encoding="utf-8") as manifest:
        manifest.write(MANIFEST_HEADER.format(v=GENERATOR_VERSION, s=seed, n=articles))
        results: Iterator[tuple[str, int]]
        if workers == 1 or len(tasks) <= 1:
            results = map(_write_chunk, tasks)
            for entries, size in results:
                manifest.write(entries)
                total += size
        else:
            with multiprocessing.Pool(workers) as pool:
                for entries, size in pool.imap(_write_chunk, tasks):
                    manifest.write(entries)
                    total += size
    return total


def corpus_dir(articles: int, seed: int = DEFAULT_SEED) -> Path:
    return OUT_DIR / f"corpus-{articles}-seed{seed}-v{GENERATOR_VERSION}"


def cached_corpus(articles: int, seed: int = DEFAULT_SEED, *, quiet: bool = False) -> Path:
    """The corpus for (articles, seed, generator version) under benchmarks/out/, generated on first use."""
    final = corpus_dir(articles, seed)
    if (final / "manifest.toml").is_file():
        return final
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    started = time.perf_counter()
    if not quiet:
        print(f"generating {articles:,} articles into {final} ...", file=sys.stderr, flush=True)
    write_corpus(partial, articles, seed)
    partial.rename(final)  # only a complete corpus gets the final name
    if not quiet:
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description="A synthetic corpus.")
    parser.add_argument("out_dir", type=Path, help="folder to write (must be empty or missing)")
    parser.add_argument("--articles", type=int, required=True, help="number of articles")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: every core)")
    args = parser.parse_args(argv)
    if args.articles < 0:
        parser.error("--articles must be 0 or more")
    if args.out_dir.exists() and any(args.out_dir.iterdir()):
        print(f"generate: {args.out_dir} is not empty; choose an empty or new folder", file=sys.stderr)
        return 2
    started = time.perf_counter()
    size = write_corpus(args.out_dir, args.articles, args.seed, args.workers)
    seconds = time.perf_counter() - started
    print(f"{args.articles:,} articles, {size / 1e6:.1f} MB, in {seconds:.1f} s -> {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
