"""Extraction (db/ingest/extract.py): the quality bar on the bundled articles against gold.json, then
each rule on invented articles (other companies, people and attribution styles) to show it is general."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

from db.ingest import extract as extract_module
from db.ingest.clean import clean_article
from db.ingest.extract import extract, find_dates, quote_spans
from db.ingest.names import company_key, group_names, person_key
from db.models import CleanArticle, Extraction, ManifestEntry, QuoteFact

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = json.loads((ROOT / "tests" / "data" / "gold.json").read_text(encoding="utf-8"))
MANIFEST = {
    entry["file"]: ManifestEntry(**entry)
    for entry in tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["article"]
}
FILES = sorted(GOLD)


@cache
def bundled(file: str) -> tuple[CleanArticle, Extraction]:
    article = clean_article(file, (CORPUS / file).read_text(encoding="utf-8"), MANIFEST[file])
    return article, extract(article)


def root(company: str) -> str:
    """The first word of a company's key: enough to tell the bundled corpus's companies apart."""
    return company_key(company).split()[0]


def pair(*companies: str) -> frozenset[str]:
    return frozenset(root(c) for c in companies)


def quote_by(extraction: Extraction, speaker: str, start: str) -> QuoteFact:
    """The one quote of `speaker` whose text starts with `start`."""
    found = [
        q
        for q in extraction.quotes
        if person_key(q.speaker) == person_key(speaker) and q.text.startswith(start)
    ]
    assert len(found) == 1, (speaker, start, extraction.quotes)
    return found[0]


# ---------------------------------------------------------------- the quality bar (gold.json)


def test_all_ten_gold_person_quotes_with_speaker_org_and_text() -> None:
    found = 0
    for file in FILES:
        _article, extraction = bundled(file)
        for gold in GOLD[file]["quotes"]:
            quote = quote_by(extraction, gold["speaker"], gold["starts_with"])
            assert gold["verbatim_check"] in quote.text
            assert quote.org is not None and root(quote.org) == root(gold["org"])
            found += 1
    assert found == 10


@pytest.mark.parametrize("file", FILES)
def test_no_person_quote_that_gold_does_not_list(file: str) -> None:
    _article, extraction = bundled(file)
    assert len(extraction.quotes) == len(GOLD[file]["quotes"])
    for quote in extraction.quotes:
        assert any(
            person_key(quote.speaker) == person_key(gold["speaker"])
            and quote.text.startswith(gold["starts_with"])
            for gold in GOLD[file]["quotes"]
        ), quote


def test_quote_boundaries_are_exact() -> None:
    _a, photo = bundled("004_7c3b7d351971b1ca.txt")
    assert quote_by(
        photo,
        "Matthias Harsch",
        "It is an honour to announce the long-term strategic cooperation with Xiaomi. We",
    ).text == (
        "It is an honour to announce the long-term strategic cooperation with Xiaomi. We will provide "
        "consumers in the field of mobile photography exceptional image quality, classic Leica aesthetics, "
        "unrestricted "
        "creativity, and will open a new era of mobile imaging."
    )
    assert quote_by(photo, "Lei Jun", "optical design").text == (
        "optical design as well as tuning aesthetic orientations. Xiaomi and Leica share the same ideas "
        "regarding mobile imaging. Xiaomi focuses on creating the ultimate user experience and has always "
        "hoped "
        "to explore the capabilities of smartphone photography to the extreme."
    )
    later = quote_by(photo, "Lei Jun", "Xiaomi focuses on creating")
    assert later.text.startswith("Xiaomi focuses on creating the ultimate user experience")
    assert later.text.endswith("in- depth collision and fusion")  # apostrophes in "other’s" did not end it
    assert "Xiaomi’s imaging strategy" in later.text
    _b, times = bundled("001_114326c08f6a0ddf.txt")
    assert quote_by(times, "Oliver Kaltner", "Smartphones").text == (
        "Smartphones make a very important contribution to the world of photography and open an important "
        "door "
        "for Leica to new target groups and fields of application"
    )
    article, prolonged = bundled("000_01170216c2f9fcf6.txt")
    assert quote_by(prolonged, "Andreas Kaufmann", "The legendary").text == article.paragraphs[6]
    assert quote_by(prolonged, "Oliver Kaltner", "The strategic alliance").paragraph == 4


def test_speakers_carry_the_role_the_attribution_gives() -> None:
    _a, photo = bundled("004_7c3b7d351971b1ca.txt")
    first = quote_by(photo, "Lei Jun", "optical design")
    assert (first.role, first.org) == ("CEO", "Xiaomi")
    second = quote_by(photo, "Lei Jun", "Xiaomi focuses")
    assert (second.role, second.org) == ("founder, chairman and CEO", "Xiaomi Group")
    _b, police = bundled("003_ab580fe8e59a1744.txt")
    kaufmann = quote_by(police, "Andreas Kaufmann", "The legendary")
    assert kaufmann.speaker == "Andreas Kaufmann"  # "Dr" is not part of the name
    assert kaufmann.role == "majority shareholder and chairman of the supervisory board"


def test_words_of_companies_are_organisation_quotes_never_a_persons() -> None:
    for file in FILES:
        _article, extraction = bundled(file)
        for gold in GOLD[file]["org_quotes"]:
            assert not any(gold["starts_with"] in q.text for q in extraction.quotes)
    _a, times = bundled("001_114326c08f6a0ddf.txt")
    assert [(frozenset(root(o) for o in q.orgs), q.text[:30]) for q in times.org_quotes] == [
        (pair("Huawei", "Leica"), "A co-operation with shared pre"),
        (pair("Huawei", "Leica"), "[Huawei and Leica aim] to crea"),
    ]
    _b, photo = bundled("004_7c3b7d351971b1ca.txt")
    by_org = {q.text[:30]: tuple(root(o) for o in q.orgs) for q in photo.org_quotes}
    assert by_org == {
        "Xiaomi and @leica_camera have ": ("xiaomi",),  # a company's tweet
        "We can confirm that the cooper": ("huawei",),  # an unnamed spokesperson
    }
    _c, police = bundled("003_ab580fe8e59a1744.txt")
    assert len(police.org_quotes) == 1  # the press release, given twice, is one quote
    assert police.org_quotes[0].text.startswith(
        "Today Huawei Consumer Business Group (BG) and Leica Camera AG"
    )


def test_reported_speech_and_scare_quotes_are_not_quotes() -> None:
    _a, times = bundled("001_114326c08f6a0ddf.txt")
    assert not any("nothing short of a legend" in q.text for q in times.quotes)
    assert not any("long-term commitment" in q.text for q in times.quotes + times.org_quotes)  # type: ignore[operator]


@pytest.mark.parametrize("file", FILES)
def test_roles_as_the_article_states_them(file: str) -> None:
    _article, extraction = bundled(file)
    roles = {(r.person, r.role, root(r.org or "")) for r in extraction.roles}
    for person in GOLD[file]["people"]:
        assert (person["name"], person["role"], root(person["org"])) in roles


EXPECTED_PARTNERSHIPS = {
    "000_01170216c2f9fcf6.txt": {pair("Huawei", "Leica"): ("2016-02", None, "announced", set())},
    "001_114326c08f6a0ddf.txt": {
        pair("Huawei", "Leica"): ("2016-02", None, "announced", set()),
        # "Initially, Leica worked with Panasonic": a past collaboration.
        pair("Panasonic", "Leica"): (None, None, "ended", {"Lumix CM1"}),
    },
    "002_4f05b41f0b0afc55.txt": {
        pair("Huawei", "Leica"): ("2016-02", None, "announced", set()),
        pair("Panasonic", "Leica"): (None, None, "active", {"Panasonic CM1"}),
    },
    "003_ab580fe8e59a1744.txt": {
        pair("Huawei", "Leica"): ("2016-02", None, "announced", set()),
        pair("Nokia", "Carl Zeiss"): (None, None, "active", {"Lumia 1020"}),
    },
    "004_7c3b7d351971b1ca.txt": {
        pair("Xiaomi", "Leica"): ("2022-05-23", None, "announced", {"Xiaomi 12 Ultra"}),
        pair("Huawei", "Leica"): ("2016", "2022-03-31", "ended", {"P9 series", "Huawei P50 series"}),
    },
}


@pytest.mark.parametrize("file", FILES)
def test_partnerships_with_dates_products_and_status_and_no_others(file: str) -> None:
    _article, extraction = bundled(file)
    got = {
        pair(*p.companies): (p.started, p.ended, p.status, set(p.products)) for p in extraction.partnerships
    }
    assert got == EXPECTED_PARTNERSHIPS[file]
    gold = {pair(*p["companies"]): (p["started"], p["ended"]) for p in GOLD[file]["partnerships"]}
    assert {k: v[:2] for k, v in got.items()} == gold


def test_companies_named_together_are_not_partners() -> None:
    _a, times = bundled("001_114326c08f6a0ddf.txt")
    assert pair("Huawei", "Xiaomi") not in {pair(*p.companies) for p in times.partnerships}
    _b, photo = bundled("004_7c3b7d351971b1ca.txt")
    assert not any("ZTE" in p.companies for p in photo.partnerships)
    _c, reviews = bundled("002_4f05b41f0b0afc55.txt")
    assert pair("Huawei", "Google") not in {pair(*p.companies) for p in reviews.partnerships}


@pytest.mark.parametrize("file", FILES)
def test_every_company_mention_is_a_company_gold_lists(file: str) -> None:
    _article, extraction = bundled(file)
    known = {root(c) for c in GOLD[file]["companies"]}
    for aliases in GOLD[file]["company_aliases"].values():
        known |= {root(a) for a in aliases}
    companies = [m.name for m in extraction.mentions if m.kind == "company"]
    assert companies and all(root(c) in known for c in companies), companies
    people = {m.name for m in extraction.mentions if m.kind == "person"}
    assert people == {p["name"] for p in GOLD[file]["people"]}


def test_company_surfaces_of_one_article_group_under_one_name() -> None:
    _a, police = bundled("003_ab580fe8e59a1744.txt")
    counts = [(m.name, "company", 1) for m in police.mentions if m.kind == "company"]
    groups = group_names(counts)  # type: ignore[arg-type]
    assert len(set(groups.values())) == 4  # Leica, Huawei, Carl Zeiss, Nokia
    assert groups[("Huawei Consumer Business Group (BG)", "company")] == groups[("Huawei", "company")]
    assert groups[("Leica Camera AG", "company")] == groups[("Leica", "company")]


def test_products_with_model_numbers() -> None:
    products = {m.name for m in bundled("004_7c3b7d351971b1ca.txt")[1].mentions if m.kind == "product"}
    assert products == {
        "Xiaomi 12 Ultra",
        "Qualcomm Snapdragon 8 Plus Gen 1",
        "P9 series",
        "Huawei P50 series",
    }
    assert {m.name for m in bundled("000_01170216c2f9fcf6.txt")[1].mentions if m.kind == "product"} == {
        "Galaxy S7",
        "LG G5",
    }


def test_dated_events_with_their_precision() -> None:
    events = {(e.date, e.what) for e in bundled("003_ab580fe8e59a1744.txt")[1].events}
    assert ("2012", "Huawei became the world's third-largest smartphone manufacturer") in events
    photo = bundled("004_7c3b7d351971b1ca.txt")[1].events
    ended = [e for e in photo if e.date == "2022-03-31"]
    assert len(ended) == 1 and ended[0].what.endswith("ended") and ended[0].precision == "day"
    assert any(e.date == "2022-05-20" and "banning Huawei" in e.what for e in photo)
    july = [e for e in photo if e.date == "2022-07"]  # "in July this year", published 2022
    assert july and all(e.precision == "month" for e in july)
    founded = [e for e in photo if e.date == "2010"]
    assert [(e.what, e.companies, e.precision) for e in founded] == [
        ("Xiaomi was founded", ("Xiaomi",), "year")
    ]


def test_extraction_is_deterministic() -> None:
    article, first = bundled("004_7c3b7d351971b1ca.txt")
    assert extract(article) == first


# ---------------------------------------------------------------- the rules on invented articles


def facts(*paragraphs: str, published: str | None = "2023-04-12") -> Extraction:
    return extract(CleanArticle("invented.txt", "An invented story", tuple(paragraphs), published))


def roles_of(extraction: Extraction) -> list[tuple[str, str, str | None]]:
    return [(r.person, r.role, r.org) for r in extraction.roles]


def speakers(extraction: Extraction) -> list[tuple[str, str]]:
    return [(q.speaker, q.text) for q in extraction.quotes]


@pytest.mark.parametrize(
    ("paragraphs", "speaker", "text"),
    [
        (('"We will win this market," Jane Doe said.',), "Jane Doe", "We will win this market"),
        (
            (
                "Priya Raman, the chief executive at Nimbus Cloud, said in a statement: "
                '"We are thrilled to grow."',
            ),
            "Priya Raman",
            "We are thrilled to grow.",
        ),
        (
            ('"Costs will keep falling." — Raj Patel, CFO of Vexa Labs',),
            "Raj Patel",
            "Costs will keep falling.",
        ),
        (
            ('"This changes everything for us," wrote Marcus Feld, Brindle\'s founder, in a blog post.',),
            "Marcus Feld",
            "This changes everything for us",
        ),
        (
            ('"We are not done yet," said Lena Brandt, Arcadia Motors\' chief executive, on Tuesday.',),
            "Lena Brandt",
            "We are not done yet",
        ),
        (
            ('According to Mia Wong, "the first units ship in June."',),
            "Mia Wong",
            "the first units ship in June.",
        ),
        (
            ('Tom Baker told reporters: "No jobs will be lost at the plant."',),
            "Tom Baker",
            "No jobs will be lost at the plant.",
        ),
        (
            (
                "‘Let’s go further, it’s the right time and the partners’ teams are ready,’ says Nora Lind, "
                "CTO of Fjordsoft.",
            ),
            "Nora Lind",
            "Let’s go further, it’s the right time and the partners’ teams are ready",
        ),
        (
            ("Orvel Inc's chief executive, Sam Reed, said, 'We won't stop until every home has one.'",),
            "Sam Reed",
            "We won't stop until every home has one.",
        ),
        (
            (
                "Omar Haddad, head of research at Brightline, explained:",
                "Demand has doubled since the spring.",
            ),
            "Omar Haddad",
            "Demand has doubled since the spring.",
        ),
        (
            (
                'Dr. Ana Ruiz, chief scientist at Vexa Labs GmbH, said: "The first results are promising.',
                '"We will publish the data next month."',
            ),
            "Ana Ruiz",
            "We will publish the data next month.",
        ),
    ],
)
def test_attribution_styles_beyond_the_bundled_corpus(
    paragraphs: tuple[str, ...], speaker: str, text: str
) -> None:
    extraction = facts(*paragraphs)
    assert (speaker, text) in speakers(extraction)
    assert all(q.speaker == speaker for q in extraction.quotes)


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            ('"We are not going to do that," Chief Executive Tim Cook told analysts on a call.',),
            [("Tim Cook", "Chief Executive", None, "We are not going to do that")],
        ),
        (
            ('"Orders are strong," said Jane Doe, a spokeswoman for Acme Robotics.',),
            [("Jane Doe", "spokeswoman", "Acme Robotics", "Orders are strong")],
        ),
        (
            ("“Nobody asked us,” said Maria Lopez, chief executive of Solaris Energy, in an interview.",),
            [("Maria Lopez", "chief executive", "Solaris Energy", "Nobody asked us")],
        ),
        (
            ("In a letter to investors, Solaris chairman Peter Grant wrote: “We have never been stronger.”",),
            [("Peter Grant", "chairman", "Solaris", "We have never been stronger.")],
        ),
        (('"It\'s a fair price," Mr. Smith said.',), [("Smith", None, None, "It's a fair price")]),
        (
            ('John Smith, 45, a teacher from Leeds, said: "Nobody asked us."',),
            [("John Smith", None, None, "Nobody asked us.")],
        ),
        (
            ("Jane Doe runs the bakery.", '"We are ready," Doe said, "and we will deliver."'),
            [("Jane Doe", None, None, "We are ready, and we will deliver.")],  # one quotation, interrupted
        ),
        (('"We will appeal," the lawyers said.', '"Prices will rise," analysts said.'), []),
    ],
)
def test_more_attribution_styles_with_roles(
    paragraphs: tuple[str, ...], expected: list[tuple[str, str | None, str | None, str]]
) -> None:
    assert [(q.speaker, q.role, q.org, q.text) for q in facts(*paragraphs).quotes] == expected


def test_an_unnamed_spokesperson_or_a_ministry_speaks_for_its_organisation() -> None:
    extraction = facts(
        '"Orders are strong," a spokeswoman for Acme Robotics said.',
        "“We remain committed to the region,” the Defence Ministry said.",
    )
    assert extraction.quotes == ()
    assert [(q.orgs, q.text) for q in extraction.org_quotes] == [
        (("Acme Robotics",), "Orders are strong"),
        (("Defence Ministry",), "We remain committed to the region"),
    ]


def test_a_surname_or_a_pronoun_later_refers_to_the_person_named_before() -> None:
    extraction = facts(
        'Jane Doe, president of Acme Robotics, said: "Our robots are ready for every warehouse."',
        '"Costs will fall as volumes rise," Doe said. "We are hiring," she added.',
    )
    assert speakers(extraction) == [
        ("Jane Doe", "Our robots are ready for every warehouse."),
        ("Jane Doe", "Costs will fall as volumes rise"),
        ("Jane Doe", "We are hiring"),
    ]
    assert (extraction.quotes[1].role, extraction.quotes[1].org) == ("president", "Acme Robotics")


def test_a_pronoun_after_a_quotation_is_the_person_named_in_the_sentence_before() -> None:
    extraction = facts(
        '"Demand is strong," Orla Brandt, chief executive of Acme Robotics, told reporters.',
        "Acme's finance chief, Pieter Vos, said the plant would cut costs. "
        '"We expect savings in the first year," he said.',
        'Brandt praised Jon Ekman of Nimbus Cloud. "He built our robots," she said.',
    )
    assert speakers(extraction) == [
        ("Orla Brandt", "Demand is strong"),
        ("Pieter Vos", "We expect savings in the first year"),
        ("Orla Brandt", "He built our robots"),
    ]


def test_where_a_speaker_was_is_not_part_of_the_name_and_a_quotation_can_go_on() -> None:
    extraction = facts(
        '"We chose the best lenses," said Acme president Wei Lan at a launch event in Shenzhen.',
        '"It is a milestone," Ms. Karin Holm said on Monday. "We will open a lab next year."',
        '"Prices will rise," said Jon Ekman, CEO of Nimbus Cloud. Orla Brandt disagreed. "They will not."',
        '"We have never worked this closely," said Ji-woo Park, Vexa\'s head of strategy.',
    )
    assert [(q.speaker, q.text, q.org) for q in extraction.quotes] == [
        ("Wei Lan", "We chose the best lenses", "Acme"),
        ("Karin Holm", "It is a milestone", None),
        ("Karin Holm", "We will open a lab next year.", None),
        ("Jon Ekman", "Prices will rise", "Nimbus Cloud"),
        ("Ji-woo Park", "We have never worked this closely", "Vexa"),  # a given name with a hyphen
    ]


def test_a_role_of_an_organisation_before_the_name_and_a_quotation_named_in_the_next_paragraph() -> None:
    extraction = facts(
        "The managing director of Brackley Rail, Sir Alan Pritchard, said: 'These trains will change it.'",
        "Ostova's UK boss, Dr Jana Novakova, said: 'We are proud to be chosen for this.'",
        '"Passengers have waited far too long. The old fleet breaks down every week.',
        '"This order puts that right," said Emma Clarke, chair of the Rail Users Association.',
        'A spokeswoman for the Department for Transport said: "We welcome the investment."',
    )
    assert [(q.speaker, q.role, q.org, q.text[:24]) for q in extraction.quotes] == [
        ("Alan Pritchard", "managing director", "Brackley Rail", "These trains will change"),
        ("Jana Novakova", "UK boss", "Ostova", "We are proud to be chose"),
        ("Emma Clarke", "chair", "Rail Users Association", "Passengers have waited f"),
        ("Emma Clarke", "chair", "Rail Users Association", "This order puts that rig"),
    ]
    assert [(q.orgs, q.text) for q in extraction.org_quotes] == [
        (("Department for Transport",), "We welcome the investment.")
    ]
    assert "Brackley Rail" not in {r.person for r in extraction.roles}


def test_an_interrupted_quotation_is_one_quotation() -> None:
    extraction = facts('"We are ready," said Jane Doe, CEO of Acme, "and demand is strong."')
    assert [(q.speaker, q.role, q.org, q.text) for q in extraction.quotes] == [
        ("Jane Doe", "CEO", "Acme", "We are ready, and demand is strong.")
    ]


def test_names_with_titles_initials_and_hyphens_and_a_title_that_goes_on_before_the_run() -> None:
    extraction = facts(
        '"We are ready to grow," said Dr. Hans-Peter Müller, chief scientist of Nimbus Cloud.',
        '"It works well," said John Q. Public, a customer.',
        'Orvel founder and CEO Mei Lin said: "This is a new chapter for us."',
    )
    assert [(q.speaker, q.role, q.org) for q in extraction.quotes] == [
        ("Hans-Peter Müller", "chief scientist", "Nimbus Cloud"),
        ("John Q. Public", None, None),
        ("Mei Lin", "founder and CEO", "Orvel"),
    ]


def test_a_role_ends_where_the_apposition_does() -> None:
    extraction = facts(
        'According to Mia Lund, an analyst at Fennick Securities, the deal is "a signal to the market".'
    )
    assert roles_of(extraction) == [("Mia Lund", "analyst", "Fennick Securities")]
    of_org = facts('"The brand matters in China," said Li Wen of Canalys.')
    assert [(q.speaker, q.role, q.org) for q in of_org.quotes] == [("Li Wen", None, "Canalys")]


def test_company_voices_are_organisation_quotes() -> None:
    extraction = facts(
        "Quillon Ltd makes delivery drones.",
        '"We do not comment on rumours," a Quillon spokesperson said.',
        "In a post on its account @quillon_hq said, ‘We are live in four cities today.’",
        '"The trial was a success," the company said.',
    )
    assert extraction.quotes == ()
    assert [(q.orgs, q.text) for q in extraction.org_quotes] == [
        (("Quillon",), "We do not comment on rumours"),
        (("Quillon",), "We are live in four cities today."),
        (("Quillon",), "The trial was a success"),
    ]


def test_reported_speech_fragments_and_scare_quotes_are_not_quotes() -> None:
    extraction = facts(
        "Jane Doe, CEO of Acme Robotics, said that the firm would open two plants.",
        'The firm calls the robot a "game changer" for the industry.',
        'Acme Robotics said the robot was "ready for prime time" and cheaper than rivals.',
    )
    assert extraction.quotes == ()


def test_quote_spans_tell_apostrophes_from_closing_marks() -> None:
    p = "‘It’s the partners’ plan and it works,’ she said, adding ‘the rest is noise’."
    assert [p[a + 1 : b] for a, b in quote_spans(p)] == [
        "It’s the partners’ plan and it works,",
        "the rest is noise",
    ]
    # An opening mark without its closing one: the quotation goes on in the next paragraph.
    assert quote_spans('He said: "It is done') == [(9, 20)]
    assert quote_spans('Size: 5" screen') == []  # an inch mark opens nothing


def test_roles_in_several_positions() -> None:
    extraction = facts(
        "Jane Doe, the chief executive at Acme Robotics, spoke first.",
        "Nimbus Cloud CEO Tim Baker and Brightline's head of research, Omar Haddad, followed.",
        "Dr. Ana Ruiz, chief scientist at Vexa Labs GmbH, closed the day.",
        "Sam Okoro, Quillon Robotics' chief technology officer, came too.",
        "Former Orvel chief executive Lars Eklund did not.",
        "Chief Executive Officer Tom Hale of Fjordsoft sent a video.",
        "Ines Moreau, a partner at consultancy Lumen Advisory, sent one too.",
        "Kai Berg, CTO of Tessel, and former Orvel chief executive Lena Voss came later.",
        "Rui Alves, founder, and chairman of Alves Holdings, left early.",
        "Dr. Stefan Oberg, chief executive of Lumetra since 2019, spoke last.",
        "Former Pellham CEO Marcus Feld sent flowers.",
        "Li Na, the company's chief financial officer, sent regrets.",
        "Former Tessel CTO Ida Holm, now an adviser to Vexa Labs, sent a card.",  # two roles, both stated
    )
    assert roles_of(extraction) == [
        ("Jane Doe", "chief executive", "Acme Robotics"),
        ("Tim Baker", "CEO", "Nimbus Cloud"),
        ("Omar Haddad", "head of research", "Brightline"),
        ("Ana Ruiz", "chief scientist", "Vexa Labs GmbH"),
        ("Sam Okoro", "chief technology officer", "Quillon Robotics"),
        ("Lars Eklund", "former chief executive", "Orvel"),
        ("Tom Hale", "Chief Executive Officer", "Fjordsoft"),
        ("Ines Moreau", "partner", "Lumen Advisory"),
        ("Kai Berg", "CTO", "Tessel"),
        ("Lena Voss", "former chief executive", "Orvel"),
        ("Rui Alves", "founder, and chairman", "Alves Holdings"),
        ("Stefan Oberg", "chief executive", "Lumetra"),  # when the role began is not part of it
        ("Marcus Feld", "former CEO", "Pellham"),
        ("Li Na", "chief financial officer", None),  # which company is not said
        ("Ida Holm", "adviser", "Vexa Labs"),
        ("Ida Holm", "former CTO", "Tessel"),
    ]
    assert not any(m.name.startswith("Former") for m in extraction.mentions)


def test_companies_come_from_cues_and_places_or_people_do_not() -> None:
    extraction = facts(
        "Chipmaker Nanoforge and Vexa Labs GmbH both showed new parts.",
        "Quillon, the Danish robotics company, said its new handset sells well in Norway.",
        "Canada announced new rules on Monday. Jane Doe's phone was not affected.",
        "The Orvel X5 Pro from Orvel goes on sale in May.",
        "Speaking at an event in Barcelona, Fjordsoft's president Liang Qiao said the company would grow.",
    )
    companies = {m.name for m in extraction.mentions if m.kind == "company"}
    assert companies == {"Nanoforge", "Vexa Labs GmbH", "Quillon", "Orvel", "Fjordsoft"}
    assert {m.name for m in extraction.mentions if m.kind == "product"} == {"Orvel X5 Pro"}


def test_partnership_cues_dates_products_and_status() -> None:
    extraction = facts(
        "Acme Robotics has teamed up with Nimbus Cloud to build warehouse robots, the companies said on "
        "3 March 2023.",
        "The partnership between Brightline and Quillon, which began in 2015, ended in June 2019.",
        "The new Orvel X5 handset from Orvel comes with Zento-branded lenses.",
        "Fjordsoft is reportedly in talks over a partnership with Vexa Labs.",
    )
    got = {pair(*p.companies): (p.started, p.ended, p.status, p.products) for p in extraction.partnerships}
    assert got == {
        pair("Acme", "Nimbus"): ("2023-03-03", None, "announced", ()),
        pair("Brightline", "Quillon"): ("2015", "2019-06", "ended", ()),
        pair("Orvel", "Zento"): (None, None, "active", ("Orvel X5",)),
        pair("Fjordsoft", "Vexa"): (None, None, "rumoured", ()),
    }


def test_a_partnership_ended_or_signed_with_its_date_later_in_the_clause() -> None:
    extraction = facts(
        "Brightline ended its partnership with Quillon in June 2019.",
        "Acme Robotics signed a cooperation agreement with Nimbus Cloud in March 2021.",
        "Fjordsoft terminated its alliance with Vexa Labs last year.",
    )
    got = {pair(*p.companies): (p.started, p.ended, p.status) for p in extraction.partnerships}
    assert got == {
        pair("Brightline", "Quillon"): (None, "2019-06", "ended"),
        pair("Acme", "Nimbus"): ("2021-03", None, "active"),
        pair("Fjordsoft", "Vexa"): (None, "2022", "ended"),
    }


def test_a_verb_of_partnering_dates_the_start_and_a_relative_clause_names_the_subject() -> None:
    extraction = facts(
        "In 2021, Brindle teamed up with Ondra Labs to build a folding phone.",
        "Arcadia Motors partnered with Quillon in May 2020 on batteries.",
        "Velmar, which partnered with Tobin Works in 2016, said sales rose.",
        "Sarnia, which has joined forces with Orvel Dynamics, is growing.",
        "Kestrel, which had partnered with Halden until 2019, now makes its own sensors.",
        "Mira Costa, who partnered with Pellham in 2018, left the company.",  # a person: no partnership
    )
    got = {pair(*p.companies): (p.started, p.ended, p.status) for p in extraction.partnerships}
    assert got == {
        pair("Brindle", "Ondra"): ("2021", None, "active"),
        pair("Arcadia", "Quillon"): ("2020-05", None, "active"),
        pair("Tobin", "Velmar"): ("2016", None, "active"),
        pair("Orvel", "Sarnia"): (None, None, "active"),
        pair("Halden", "Kestrel"): (None, "2019", "ended"),
    }


def test_said_in_a_statement_after_the_speakers_role_is_the_speakers() -> None:
    extraction = facts(
        '"We expect to double output," said Marcus Feld, Brindle\'s founder, in a statement.',
        '"The plant stays open," said a spokeswoman for Kestrel Systems, in a statement.',
    )
    assert speakers(extraction) == [("Marcus Feld", "We expect to double output")]
    org_quotes = [(q.orgs, q.text) for q in extraction.org_quotes]
    assert org_quotes == [(("Kestrel Systems",), "The plant stays open")]


def test_a_partnership_in_a_participle_clause_is_the_subjects_and_a_relative_clause_dates_it() -> None:
    extraction = facts(
        "Pixora's next phone will carry Lumetra optics, the phone maker said, ending a partnership with "
        "German lens specialist Aldric Optik that began in 2017."
    )
    partnerships = [(p.companies, p.started, p.status) for p in extraction.partnerships]
    assert partnerships == [(("Aldric Optik", "Pixora"), "2017", "ended")]
    assert [(e.date, e.what) for e in extraction.events] == [
        ("2017", "a partnership with German lens specialist Aldric Optik began")
    ]
    assert not extraction.roles  # a lens specialist is a company, not a person's role


def test_an_end_bound_to_one_partner_ends_only_that_partnership() -> None:
    extraction = facts(
        "Nordvik picked Lumetra as its camera partner on Tuesday, ending a six-year partnership with Optera.",
        "Velmar signed a deal with Ostrava Motors, having ended its collaboration with Kestrel Systems.",
    )
    got = {pair(*p.companies): p.status for p in extraction.partnerships}
    assert got == {
        pair("Lumetra", "Nordvik"): "active",
        pair("Nordvik", "Optera"): "ended",
        pair("Ostrava", "Velmar"): "active",
        pair("Kestrel", "Velmar"): "ended",
    }


def test_a_wire_story_role_at_a_company_in_a_city_a_described_partner_and_an_undated_dateline() -> None:
    extraction = facts(
        "MILAN (Wire) — Appliance maker Tessaro will put Quint Audio speakers in its fridges from 2025.",
        "Tessaro previously worked with Korean supplier Hanbit Sound, whose contract expired in 2023.",
        "\u201cIt's a smart move for both,\u201d said Luca Ferri, an analyst at Banca Orsini in Milan.",
    )
    roles = [(r.person, r.role, r.org) for r in extraction.roles]
    assert roles == [("Luca Ferri", "analyst", "Banca Orsini")]
    assert [(p.companies, p.ended, p.status) for p in extraction.partnerships] == [
        (("Hanbit Sound", "Tessaro"), "2023", "ended")
    ]
    assert extraction.events[0].what.startswith("Appliance maker Tessaro will put")  # no "MILAN (Wire) —"


def test_companies_named_together_before_a_verb_of_partnering() -> None:
    extraction = facts(
        "Brightline and Halden Labs teamed up to build batteries.",
        "Corvex has agreed to partner with Quillon on chips.",
        "Shares of Nordvik and Ostrava Motors rose as investors teamed up.",
        "Velmar and Kestrel Systems partnered with Optera on sensors.",
        "Tessaro, Marlow Audio and battery maker Zentri joined forces on Monday.",
        "Vantor, Inc. and Lumio joined forces in 2021.",
        "Shares of Arden, Belcor and Cresta rose as investors teamed up.",
        "Halvard Foods and Ostrava Farms have been partners since 2015.",
        "Lena Brandt and Omar Haddad have been partners at Lumen Advisory since 2015.",  # of a firm
        "Pellham and Sarnia are not partners.",
    )
    assert {pair(*p.companies) for p in extraction.partnerships} == {
        pair("Brightline", "Halden"),
        pair("Corvex", "Quillon"),
        pair("Kestrel", "Optera"),  # "A and B partnered with C": not A with B
        pair("Marlow", "Tessaro"),  # every two of a list
        pair("Tessaro", "Zentri"),
        pair("Marlow", "Zentri"),
        pair("Lumio", "Vantor"),  # not "Inc" with Lumio
        pair("Halvard", "Ostrava"),
    }
    started = {pair(*p.companies): p.started for p in extraction.partnerships}
    assert started[pair("Halvard", "Ostrava")] == "2015" and started[pair("Lumio", "Vantor")] == "2021"


def test_a_company_that_has_chosen_another_is_its_partner_but_one_chosen_for_an_award_is_not() -> None:
    extraction = facts(
        "Velmar has chosen Sarnia as its camera partner.",
        "Orvel was chosen Supplier of the Year by Brindle.",
    )
    assert {pair(*p.companies) for p in extraction.partnerships} == {pair("Sarnia", "Velmar")}


def test_a_partner_described_before_its_name() -> None:
    extraction = facts(
        "Brightline signed a licensing deal with U.S. biotech Quillon Inc on Monday.",
        "Acme Robotics formed a joint venture with the German carmaker Nimbus Motors AG.",
    )
    assert {pair(*p.companies) for p in extraction.partnerships} == {
        pair("Brightline", "Quillon"),
        pair("Acme", "Nimbus"),
    }


@pytest.mark.parametrize(
    ("headline", "partners"),
    [
        ("Acme Robotics and Nimbus Cloud agree sensor partnership", {pair("Acme", "Nimbus")}),
        ("Acme picks Nimbus Cloud as sensor partner for new robots", {pair("Acme", "Nimbus")}),
        ("Acme Robotics and Nimbus Cloud clash over patents", set()),
        ("Acme Robotics teams up with Vexa Labs", set()),  # a company the text never names
    ],
)
def test_a_partnership_only_the_headline_states(headline: str, partners: set[frozenset[str]]) -> None:
    paragraphs = (
        "Acme Robotics will buy its sensors from Nimbus Cloud from 2025, the two firms said on Monday.",
        "Nimbus Cloud shares rose 4% after the news.",
    )
    extraction = extract(CleanArticle("h.txt", headline, paragraphs, "2024-03-04"))
    assert {pair(*p.companies) for p in extraction.partnerships} == partners
    assert all(p.paragraph == 0 for p in extraction.partnerships)


def test_a_partnership_of_the_two_companies_a_sentence_names() -> None:
    extraction = facts(
        "Acme's chief executive, Jane Doe, spoke to reporters. Nimbus Cloud's shares rose.",
        "Acme's new robot uses a sensor made by Nimbus Cloud, the first fruit of a partnership the two firms "
        "unveiled last October.",
    )
    got = {pair(*p.companies): (p.started, p.status) for p in extraction.partnerships}
    assert got == {pair("Acme", "Nimbus"): ("2022-10", "announced")}


def test_a_one_digit_model_is_a_product_with_a_suffix_or_a_product_noun() -> None:
    extraction = facts(
        "Arkwell's new Vento 3 phone uses a sensor made by Luma.",
        "Arkwell also unveiled the Vento 3 Pro on Monday.",
        "Chapter 3 of the Arkwell report covers sales.",
    )
    products = {m.name for m in extraction.mentions if m.kind == "product"}
    assert products == {"Vento 3", "Vento 3 Pro"}


def test_hyphenated_model_codes_with_a_maker_a_suffix_or_a_product_noun() -> None:
    extraction = facts(
        "The Acme WR-200 will ship with the LX-900 camera and the NX-7 Pro.",
        "COVID-19 hit sales, and the F-35 programme grew.",
    )
    products = {m.name for m in extraction.mentions if m.kind == "product"}
    assert products == {"Acme WR-200", "LX-900", "NX-7 Pro"}


def test_a_wire_service_credit_is_not_part_of_an_event() -> None:
    extraction = facts(
        "OSLO, March 3 (Reuters) - Acme Robotics will open a robot plant in Norway in 2025, it said."
    )
    events = {(e.date, e.what) for e in extraction.events}
    assert ("2025", "Acme Robotics will open a robot plant in Norway") in events
    release = facts(
        "SAN JOSE, Calif., April 2, 2024 /PRNewswire/ -- Acme Robotics, Inc. (NASDAQ: ACMR), a leader in "
        "warehouse robots, today announced a strategic partnership with Nimbus Cloud."
    )
    assert [(e.date, e.what) for e in release.events] == [
        ("2024-04-02", "Acme Robotics today announced a strategic partnership with Nimbus Cloud")
    ]
    assert [(p.started, p.status) for p in release.partnerships] == [("2024-04-02", "announced")]


def test_partnerships_that_parted_ways_or_are_only_talked_about_and_deals_that_are_not_partnerships() -> None:
    extraction = facts(
        "Brightline Ltd and Quillon Inc are companies. Acme Robotics Inc and Nimbus Cloud Ltd are too.",
        "Brightline and Quillon parted ways in 2020 after a five-year partnership.",
        "Acme Robotics is said to be in talks with Nimbus Cloud about a partnership.",
        "Acme Robotics agreed to acquire Quillon for $2 billion. Nimbus Cloud sued Brightline in 2022.",
        "Carmaker Orvel and battery maker Vexa Labs said they would jointly develop cells, in a deal that "
        "could be worth $2 billion.",
    )
    got = {pair(*p.companies): (p.ended, p.status) for p in extraction.partnerships}
    assert got == {
        pair("Brightline", "Quillon"): ("2020", "ended"),
        pair("Acme", "Nimbus"): (None, "rumoured"),
        pair("Orvel", "Vexa"): (None, "active"),  # "could be worth" is no rumour
    }


def test_companies_in_one_sentence_without_a_partnership_cue_are_not_partners() -> None:
    extraction = facts(
        "Acme Robotics outsold its rival, Nimbus Cloud, in 2022.",
        "Regulators fined Acme Robotics and Nimbus Cloud last year.",
        "Acme Robotics and Nimbus Cloud are fierce rivals in the warehouse market.",
        "Quillon Ltd and Vexa Labs GmbH both lost money.",
        "Sales at Quillon Ltd and Vexa Labs GmbH, the two leaders, rose after the holiday deals.",
    )
    assert extraction.partnerships == ()


def test_a_dateline_dates_the_announcement_and_relative_dates_use_the_publication_date() -> None:
    extraction = facts(
        "Acme Robotics and Nimbus Cloud announce a strategic cooperation. Oslo, 11 April 2023. "
        "The first robot from the two companies will launch in September this year.",
        "It was first shown last year.",
    )
    assert [(p.started, p.status) for p in extraction.partnerships] == [("2023-04-11", "announced")]
    assert {(e.date, e.precision) for e in extraction.events} >= {("2023-09", "month"), ("2022", "year")}
    events = {(e.date, e.what) for e in extraction.events}
    assert ("2023-04-11", "Acme Robotics and Nimbus Cloud announce a strategic cooperation") in events


def test_last_this_and_next_month_are_dated_from_the_publication() -> None:
    text = "They met last May, again this October and will meet next January."
    assert [date for *_, date in find_dates(text, "2024-11-02")] == ["2024-05", "2024-10", "2025-01"]
    assert [date for *_, date in find_dates("It was unveiled last October.", "2024-02-20")] == ["2023-10"]
    assert find_dates("It was unveiled last October.", None) == []


def test_events_read_as_short_clauses() -> None:
    extraction = facts(
        "In 2012, Acme Robotics Inc. became the largest maker of warehouse robots and in 2019 it opened "
        "a plant.",
        "Founded in 2001, Nimbus Cloud Ltd now employs 3,000 people.",
        "Jane Doe, who became chief executive of Acme Robotics in 2019, said sales would double in 2025.",
        "Brightline, which Acme Robotics bought in 2021, makes the grippers.",
    )
    assert [(e.date, e.what, e.companies) for e in extraction.events] == [
        ("2012", "Acme Robotics Inc. became the largest maker of warehouse robots", ("Acme Robotics",)),
        ("2019", "Acme Robotics opened a plant", ("Acme Robotics",)),
        ("2001", "Nimbus Cloud was founded", ("Nimbus Cloud",)),
        ("2019", "Jane Doe became chief executive of Acme Robotics", ("Acme Robotics",)),
        ("2025", "Jane Doe said sales would double", ("Acme Robotics",)),
        ("2021", "Brightline, which Acme Robotics bought", ("Acme Robotics",)),
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Initially, Acme Robotics Inc worked with Nimbus Cloud Ltd on sensors.",
        "Acme Robotics previously partnered with Nimbus Cloud.",
        "Acme Robotics Inc had worked with Nimbus Cloud Ltd for years.",
        "Acme Robotics Inc used to work with Nimbus Cloud Ltd.",
        "Acme Robotics formerly partnered with Nimbus Cloud.",
    ],
)
def test_a_partnership_told_in_the_past_has_ended(sentence: str) -> None:
    assert [p.status for p in facts(sentence).partnerships] == ["ended"]


def test_a_past_range_dates_a_partnership_and_ends_it_but_a_future_one_does_not() -> None:
    past = facts("Acme Robotics partnered with Nimbus Cloud between March 2012 and June 2015.")
    assert [(p.started, p.ended, p.status) for p in past.partnerships] == [("2012-03", "2015-06", "ended")]
    assert [e.what for e in past.events] == ["Acme Robotics partnered with Nimbus Cloud"]
    future = facts("Acme Robotics partnered with Nimbus Cloud from 2022 to 2026.")
    assert [(p.started, p.ended, p.status) for p in future.partnerships] == [("2022", None, "active")]
    plans = facts(
        "Acme Robotics has teamed up with Nimbus Cloud; initially the companies will build sensors."
    )
    assert [p.status for p in plans.partnerships] == ["active"]


def test_a_model_named_by_its_maker_and_by_its_series_is_one_product() -> None:
    extraction = facts(
        "The Orbit X5 handset from Acme Robotics goes on sale in May.",
        "Reviewers liked the Acme X5 more than the Nimbus Z2.",
    )
    assert {m.name for m in extraction.mentions if m.kind == "product"} == {"Orbit X5", "Nimbus Z2"}
    rivals = facts("The Acme X5 and the Nimbus X5 are rivals; Acme Robotics and Nimbus Cloud make them.")
    assert {m.name for m in rivals.mentions if m.kind == "product"} == {"Acme X5", "Nimbus X5"}


def test_events_are_whole_clauses_without_a_dangling_word() -> None:
    extraction = facts(
        "Nimbus Cloud announced a tie-up with Acme Robotics, which began in 2016 with the X5 series.",
        "The first robot maker to list on the exchange in 2014, Acme Robotics soared in 2015.",
        "Acme Robotics Inc has teamed up with Nimbus Cloud Ltd in a new long-term strategic partnership to "
        "build warehouse robots, the first of which is scheduled to launch in July 2024.",
    )
    assert [(e.date, e.what) for e in extraction.events] == [
        ("2016", "a tie-up with Acme Robotics began"),
        ("2014", "Acme Robotics was the first robot maker to list on the exchange"),
        ("2015", "Acme Robotics soared"),
        (
            "2024-07",
            "Acme Robotics Inc has teamed up with Nimbus Cloud Ltd in a new long-term strategic partnership "
            "to build warehouse robots",
        ),
    ]


def test_bundled_events_read_as_clauses() -> None:
    photo = {e.what for e in bundled("004_7c3b7d351971b1ca.txt")[1].events}
    assert "a tie-up with Huawei began" in photo
    police = {e.what for e in bundled("003_ab580fe8e59a1744.txt")[1].events}
    assert (
        "Huawei was the first Chinese brand to appear on the prestigious Interbrand Best Global Brands list"
        in police
    )


# ---------------------------------------------------------------- shortcuts that must not change a result


def _bundled_sentences() -> list[str]:
    return [
        p[s:e]
        for file in FILES
        for p in bundled(file)[0].paragraphs
        for s, e in extract_module.sentence_bounds(p)
    ]


def test_cue_word_tests_agree_with_their_patterns() -> None:
    """A cue's plain strings only skip texts where its pattern cannot match."""
    cues = [v for v in vars(extract_module).values() if isinstance(v, extract_module._Cue)]
    assert len(cues) >= 6
    invented = [
        "Previously, Acme had worked with Nimbus.",
        "The firms no longer cooperate; the deal ended in May.",
        "Initially, the partners built drones.",
        "Rumours say Acme is in talks with Nimbus, reportedly since 2020.",
        "Acme today unveiled a new long-term strategic partnership with Nimbus.",
        "It was the last model; the alliance dissolved and came to an end.",
        "Acme ANNOUNCED it; the tie-up began in 2016 and formerly ran until 2019.",
        "Sales of the recently reached target were stated, confirmed and signed.",
        "The firms parted ways; a partnership the two firms signed ended, as did the two companies' deal.",
    ]
    for text in invented + _bundled_sentences():
        for cue in cues:
            assert cue.found(text) == (cue.pattern.search(text) is not None), (cue.pattern.pattern, text)


def test_a_clause_loses_every_dangling_word_at_its_end() -> None:
    reference = re.compile(
        r"(?:\s+(?:between|from|in|on|at|of|with|by|to|for|and|or|but|since|which|that|who|the|a|an))+$",
        re.IGNORECASE,
    )
    for text in (
        "Acme teamed up with Nimbus between",
        "a tie-up with Acme which began in the",
        "Acme AND THE",
        "with the",
        "Acme opened a centre in Straße",
        "Acme sold ſince",  # a long s is an s to the pattern
        "Acme",
        "",
    ):
        assert extract_module._without_dangling(text) == reference.sub("", text), text


def test_known_companies_are_looked_up_again_after_one_is_added() -> None:
    ctx = extract_module._Ctx(("Acme Widgets Ltd works with Nimbus.",), None)
    assert ctx.known_company("Acme") is None
    ctx.add_company("Acme Widgets Ltd", 0)
    assert ctx.known_company("Acme") == "Acme Widgets Ltd"
    ctx.add_company("Acme Widgets", 0)
    assert ctx.known_company("Acme Widgets Ltd") == "Acme Widgets"
