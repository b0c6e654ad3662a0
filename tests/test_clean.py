"""Cleaning (db/ingest/clean.py): the bundled articles against gold.json, then each rule on invented text."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from db.ingest.clean import clean_article, split_trailing_date
from db.models import CleanArticle, ManifestEntry

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = json.loads((ROOT / "tests" / "data" / "gold.json").read_text(encoding="utf-8"))
MANIFEST = {
    entry["file"]: ManifestEntry(**entry)
    for entry in tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["article"]
}


def bundled(file: str, *, with_manifest: bool = True) -> CleanArticle:
    raw = (CORPUS / file).read_text(encoding="utf-8")
    return clean_article(file, raw, MANIFEST[file] if with_manifest else None)


@pytest.mark.parametrize("file", sorted(GOLD))
def test_no_gold_boilerplate_line_is_left(file: str) -> None:
    article = bundled(file)
    body = article.body
    for line in GOLD[file]["boilerplate_lines"]:
        assert line.replace("\u00a0", " ") not in body
    assert "\u00a0" not in body
    assert all(p == p.strip() and "  " not in p for p in article.paragraphs)


def test_everything_after_a_comment_prompt_or_related_list_is_gone() -> None:
    reviews = bundled("002_4f05b41f0b0afc55.txt")
    assert (
        reviews.paragraphs[-1]
        == "Could this be the brand boost that Huawei needs to extend its reach into the West?"
    )
    assert not any("journalism" in p or "newsletter" in p or "Editorial" in p for p in reviews.paragraphs)
    photo = bundled("004_7c3b7d351971b1ca.txt")
    assert photo.paragraphs[-1].startswith("Xiaomi and Leica share the same ideas regarding mobile imaging.")
    assert not any("P20 Pro" in p or "Xiaomi 12 Pro series" in p for p in photo.paragraphs)


@pytest.mark.parametrize(
    ("file", "count", "first", "last"),
    [
        ("000_01170216c2f9fcf6.txt", 8, "We have seen a huge push", "If you are not familiar with the Leica"),
        ("001_114326c08f6a0ddf.txt", 13, "Huawei wants to strengthen", '"Smartphones make a very important'),
        ("002_4f05b41f0b0afc55.txt", 10, "Chinese smartphone maker Huawei", "Could this be the brand boost"),
        ("003_ab580fe8e59a1744.txt", 13, "If you've heard of Leica", "More details on the culmination"),
        (
            "004_7c3b7d351971b1ca.txt",
            18,
            "Leica has teamed up with Xiaomi",
            "Xiaomi and Leica share the same",
        ),
    ],
)
def test_every_real_paragraph_is_kept(file: str, count: int, first: str, last: str) -> None:
    paragraphs = bundled(file).paragraphs
    assert len(paragraphs) == count
    assert paragraphs[0].startswith(first)
    assert paragraphs[-1].startswith(last)


def test_the_attribution_lines_and_subheadings_are_paragraphs_of_their_own() -> None:
    assert bundled("000_01170216c2f9fcf6.txt").paragraphs[3] == "Oliver Kaltner, CEO of Leica Camera AG said"
    assert "Press Release" in bundled("003_ab580fe8e59a1744.txt").paragraphs
    assert (
        bundled("004_7c3b7d351971b1ca.txt")
        .paragraphs[13]
        .startswith(
            "On 23 May 2022 a Huawei spokesperson told the website Android Authority, ‘We can confirm"
        )
    )  # the stray space before the comma is folded away


@pytest.mark.parametrize("file", sorted(GOLD))
def test_titles_and_dates_as_gold_and_the_manifest_give_them(file: str) -> None:
    article = bundled(file)
    expected_title = GOLD[file]["title"] or MANIFEST[file].title
    assert article.title == expected_title
    assert article.published == MANIFEST[file].published
    assert article.published is not None and article.published.startswith(GOLD[file]["published"])
    assert (article.url, article.publisher, article.author) == (
        MANIFEST[file].url,
        MANIFEST[file].publisher,
        MANIFEST[file].author,
    )


def test_without_a_manifest_the_headline_and_its_trailing_date_come_from_the_text() -> None:
    article = bundled("004_7c3b7d351971b1ca.txt", with_manifest=False)
    assert article.title == "Leica teams up with Xiaomi in new smartphone imaging deal"
    assert article.published == "2022-05-24"
    blurb_first = bundled("002_4f05b41f0b0afc55.txt", with_manifest=False)
    assert blurb_first.title == "Huawei enlists Leica to boost its smartphone camera tech"
    assert blurb_first.url is None and blurb_first.published is None


def test_a_first_line_that_is_a_paragraph_is_kept_and_the_title_is_derived() -> None:
    article = bundled("003_ab580fe8e59a1744.txt", with_manifest=False)
    assert article.paragraphs[0].startswith("If you've heard of Leica, then you probably know your way")
    assert article.title.startswith("If you've heard of Leica")
    assert len(article.title) <= 91 and article.title.endswith("…")


# ---------------------------------------------------------------- the rules on invented pages

PAGE = """Zephyr Motors unveils a solar scooter
Zephyr Motors is supported by its readers. We may earn a commission when you buy through links.

Zephyr Motors on Tuesday showed a scooter that charges from panels in its floor.
(embedly:9f8e7d6c)
The company said deliveries start in spring.
Sign up for our weekly newsletter
Load More Stories
© 2031 Example Media Group. All rights reserved.

Zephyr has sold electric bicycles since 2019 and now employs 400 people.
Tell us what you think in the comments below!
Marta Quell is a reporter at Example Media.
Why you can trust our reviews
Trending
"""


def test_site_furniture_is_removed_by_general_rules() -> None:
    article = clean_article("zephyr.txt", PAGE, None)
    assert article.title == "Zephyr Motors unveils a solar scooter"
    assert article.paragraphs == (
        "Zephyr Motors on Tuesday showed a scooter that charges from panels in its floor.",
        "The company said deliveries start in spring.",
        "Zephyr has sold electric bicycles since 2019 and now employs 400 people.",
    )


def test_bylines_timestamps_and_breadcrumbs_go_but_look_alike_paragraphs_stay() -> None:
    page = (
        "Home > Business > Technology\n\nOrbit Labs opens a lab in Lyon\n\n"
        "By Jane Doe and Sam Lee | Reporters\n\n"
        "Updated: 12 March 2024, 09:14 GMT\n\nOrbit Labs opened a research lab in Lyon on Monday.\n\n"
        "By 2030, the company wants to employ 500 people there.\n\n"
        "Copyright law was not part of the talks, the firm said.\n\n"
        "Reporting by Jane Doe found no wrongdoing.\n\n"
        "Reporting by Jane Doe in Lyon; Additional reporting by Sam Lee; Editing by Kim Ode\n"
    )
    article = clean_article("b.txt", page, None)
    assert article.title == "Orbit Labs opens a lab in Lyon"
    assert article.paragraphs == (
        "Orbit Labs opened a research lab in Lyon on Monday.",
        "By 2030, the company wants to employ 500 people there.",
        "Copyright law was not part of the talks, the firm said.",
        "Reporting by Jane Doe found no wrongdoing.",
    )


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("March 14, 2024", "2024-03-14"),
        ("Published: Thursday, 14 March 2024, 10:32 GMT", "2024-03-14"),
        ("Posted on May 5, 2021 | 3:45 pm", "2021-05-05"),
        ("2024-03-14", "2024-03-14"),
        ("Updated: 12 March 2024, 09:14 GMT", None),  # when it changed, not when it appeared
    ],
)
def test_a_date_line_under_the_headline_dates_the_article_and_goes(line: str, published: str | None) -> None:
    page = f"Orbit Labs opens a lab in Lyon\n\nBy Jane Doe\n\n{line}\n\nOrbit Labs opened a lab in Lyon.\n"
    article = clean_article("d.txt", page, None)
    assert (article.title, article.published) == ("Orbit Labs opens a lab in Lyon", published)
    assert article.paragraphs == ("Orbit Labs opened a lab in Lyon.",)
    dated = clean_article("d.txt", page, ManifestEntry("d.txt", published="2024-03-15"))
    assert dated.published == "2024-03-15"  # the manifest wins


def test_menus_reading_times_captions_tags_and_cookie_notices_go() -> None:
    page = (
        "Skip to main content\n\nMenu\n\nAcme and Nimbus team up on robots\n\n5 min read\n\n"
        "By Jane Doe, Senior Technology Reporter\n\nPublished 12 March 2024\n\nShare this article\n\n"
        "Acme Robotics has teamed up with Nimbus Cloud to build warehouse robots.\n\n"
        "(Image credit: Acme Robotics)\n\nThe robots will ship in 2025.\n\nPhoto: Acme Robotics\n\n"
        "We use cookies to improve your experience. By continuing you agree to our cookie policy.\n\n"
        "Topics: Robotics, Cloud, Warehouses\n\nMost Popular\n\nHow to choose a robot vacuum\n"
    )
    article = clean_article("m.txt", page, None)
    assert (article.title, article.published) == ("Acme and Nimbus team up on robots", "2024-03-12")
    assert article.paragraphs == (
        "Acme Robotics has teamed up with Nimbus Cloud to build warehouse robots.",
        "The robots will ship in 2025.",
    )


def test_a_press_release_is_dated_by_its_dateline_and_ends_before_its_about_and_contact_blocks() -> None:
    page = (
        "Acme Robotics Announces Partnership with Nimbus Cloud\n\n"
        "SAN JOSE, Calif., April 2, 2024 /PRNewswire/ -- Acme Robotics, Inc. today announced a partnership "
        "with Nimbus Cloud.\n\nThe first joint product will ship in the third quarter.\n\n"
        "About Acme Robotics\n\nAcme Robotics, Inc. designs robots for warehouses.\n\n"
        "Media Contact:\n\nSam Lee\n\nSOURCE Acme Robotics, Inc.\n"
    )
    article = clean_article("pr.txt", page, None)
    assert article.published == "2024-04-02"
    assert article.paragraphs[-1] == "The first joint product will ship in the third quarter."
    assert len(article.paragraphs) == 2
    about = "Acme makes robots.\n\nAbout the deal, Acme said little.\n\nIt ships in May.\n"
    assert len(clean_article("a.txt", about, None).paragraphs) == 3  # "About the deal" is no company block


def test_a_related_list_ends_the_article_and_short_navigation_lines_at_the_end_go() -> None:
    page = (
        "Quillon buys a chip start-up\n\nQuillon agreed to buy Nanoforge for $2bn, it said on Monday.\n\n"
        "More from Tech:\n\nQuillon shares rise\n\nWhat the deal means for you\n"
    )
    assert clean_article("q.txt", page, None).paragraphs == (
        "Quillon agreed to buy Nanoforge for $2bn, it said on Monday.",
    )
    tail = "Headline here\n\nA real paragraph that ends properly.\n\nShare this\nTop Stories\nHome\n"
    assert clean_article("t.txt", tail, None).paragraphs == ("A real paragraph that ends properly.",)


def test_spaces_line_breaks_and_hard_wrapped_paragraphs_are_folded() -> None:
    raw = (
        "A\u00a0headline\r\n\r\nThe first  paragraph was wrapped\r\nat a fixed width by the site\r\n"
        "and goes on here .\r\n\r\nSecond\u200b paragraph , with a stray space.\r\n"
    )
    article = clean_article("w.txt", raw, None)
    assert article.title == "A headline"
    assert article.paragraphs == (
        "The first paragraph was wrapped at a fixed width by the site and goes on here .",
        "Second paragraph, with a stray space.",
    )


def test_manifest_values_win_over_the_text() -> None:
    raw = "Orbit Labs raises funds March 3, 2021\n\nOrbit Labs raised money from investors.\n"
    entry = ManifestEntry(
        "o.txt", title="Orbit Labs closes its round", published="2021-03-04", url="https://x.test/o"
    )
    article = clean_article("o.txt", raw, entry)
    assert (article.title, article.published, article.url) == (
        "Orbit Labs closes its round",
        "2021-03-04",
        "https://x.test/o",
    )
    assert article.paragraphs == ("Orbit Labs raised money from investors.",)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Orbit Labs raises funds May 24, 2022", ("Orbit Labs raises funds", "2022-05-24")),
        ("Orbit Labs raises funds | 3 Sept 2021", ("Orbit Labs raises funds", "2021-09-03")),
        ("Orbit Labs raises funds - 2020-01-31", ("Orbit Labs raises funds", "2020-01-31")),
        ("Orbit Labs raises funds in 2021", ("Orbit Labs raises funds in 2021", None)),
        ("May 24, 2022", ("May 24, 2022", None)),
    ],
)
def test_a_date_at_the_end_of_a_headline_moves_to_published(
    line: str, expected: tuple[str, str | None]
) -> None:
    assert split_trailing_date(line) == expected


def test_an_empty_or_boilerplate_only_page_gives_an_article_without_paragraphs() -> None:
    article = clean_article("e.txt", "\n\n© 2020 Somebody. All rights reserved.\n", None)
    assert article.paragraphs == ()
    assert article.title == "e.txt"
