"""The synthetic benchmark corpus: deterministic, the right size, a valid manifest, and extractable.

The last tests ingest a small generated corpus with the real pipeline and check that every quote and
partnership the generator wrote comes out with its invented speaker or companies, and nothing else: the
benchmarks measure extraction on the attribution styles that real articles use, so those styles must work.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from benchmarks.generate import (
    DEFAULT_SEED,
    MAX_WORDS,
    MIN_WORDS,
    GeneratedArticle,
    generate_article,
    main,
    write_corpus,
)
from db.ingest.names import fold
from db.ingest.reader import read_manifest

if TYPE_CHECKING:
    from db.store import Store

SMALL = 30


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_the_same_bytes_whatever_the_number_of_workers(tmp_path: Path) -> None:
    write_corpus(tmp_path / "one", 300, seed=7, workers=1)
    write_corpus(tmp_path / "two", 300, seed=7, workers=2)
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert len(one) == 301  # 300 articles (two worker tasks) and the manifest
    assert one == two


def test_another_seed_gives_another_corpus() -> None:
    assert generate_article(1, 5).text != generate_article(2, 5).text
    assert generate_article(1, 5) == generate_article(1, 5)


def test_every_article_has_600_to_1200_words() -> None:
    counts = [generate_article(DEFAULT_SEED, i).words for i in range(300)]
    assert min(counts) >= MIN_WORDS
    assert max(counts) <= MAX_WORDS
    assert max(counts) - min(counts) > 300  # lengths vary across the range


def test_the_manifest_parses_and_describes_every_file(tmp_path: Path) -> None:
    write_corpus(tmp_path, 40, seed=3, workers=1)
    entries, failures, warnings = read_manifest(tmp_path / "manifest.toml")
    assert (failures, warnings) == ([], [])
    files = sorted(p.name for p in tmp_path.glob("*.txt"))
    assert sorted(entries) == files
    raw = tomllib.loads((tmp_path / "manifest.toml").read_text(encoding="utf-8"))
    assert len(raw["article"]) == 40
    first = generate_article(3, 0)
    entry = entries[first.file]
    assert (entry.title, entry.url, entry.publisher, entry.published) == (
        first.title, first.url, first.publisher, first.published
    )  # fmt: skip
    for entry in entries.values():
        assert entry.published is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.published)
        assert entry.url is not None and entry.url.startswith("https://www.")
        headline = (tmp_path / entry.file).read_text(encoding="utf-8").split("\n", 1)[0]
        assert headline.startswith(entry.title or "?")


def test_the_corpus_uses_every_attribution_style_and_recurring_names() -> None:
    articles = [generate_article(DEFAULT_SEED, i) for i in range(200)]
    styles = Counter(q.style for a in articles for q in a.quotes)
    assert set(styles) == {"colon", "says_after", "org_possessive", "adds_after", "said_line"}
    speakers = Counter(q.speaker for a in articles for q in a.quotes)
    assert max(speakers.values()) >= 3  # press quotes recur across the articles of a story
    assert sum(1 for a in articles for p in a.partnerships if p.status == "ended") >= 20


def test_the_cli_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    assert main([str(tmp_path), "--articles", "3"]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert main([str(tmp_path / "new"), "--articles", "3", "--seed", "4"]) == 0
    assert len(list((tmp_path / "new").glob("*.txt"))) == 3


# ---------------------------------------------------------------- through the real ingest pipeline


def _bare(text: str) -> str:
    return fold(text).rstrip(" .,")


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[GeneratedArticle]]:
    from db.ingest.pipeline import run_ingest

    root = tmp_path_factory.mktemp("synthetic")
    write_corpus(root / "corpus", SMALL, seed=DEFAULT_SEED, workers=1)
    report = run_ingest(root / "kb.db", root / "corpus", max_file_bytes=2_000_000, aliases_path=None)
    assert (len(report.added), report.failed) == (SMALL, [])
    return root, [generate_article(DEFAULT_SEED, i) for i in range(SMALL)]


async def _store(root: Path) -> Store:
    from db.store import Store

    return await Store.open(root / "kb.db", root / "members.db")


async def test_every_generated_quote_comes_out_with_its_speaker(
    small_corpus: tuple[Path, list[GeneratedArticle]],
) -> None:
    root, articles = small_corpus
    store = await _store(root)
    try:
        # The longest wording of each quote, per speaker: what the knowledge base should hold.
        longest: dict[str, set[str]] = {}
        for article in articles:
            for q in article.quotes:
                texts = longest.setdefault(q.speaker, set())
                if not any(_bare(q.text) in t for t in texts):
                    texts -= {t for t in texts if t in _bare(q.text)}
                    texts.add(_bare(q.text))
        misses = []
        for article in articles:
            for q in article.quotes:
                resolution = await store.resolve("person", q.speaker)
                if resolution.match is None or resolution.match.name != q.speaker:
                    misses.append(f"{article.file} [{q.style}]: speaker {q.speaker} not found ({resolution})")
                    continue
                stored = await store.quotes_by(resolution.match.id)
                here = [s for s in stored if article.file in {src.file for src in s.sources}]
                if not any(_bare(q.text) in _bare(s.text) for s in here):
                    misses.append(f"{article.file} [{q.style}]: {q.speaker}: {q.text[:50]!r} missing")
                for s in here:
                    if _bare(s.text) not in longest[q.speaker]:
                        misses.append(f"{article.file}: {q.speaker}: wrong boundaries {s.text[:80]!r}")
        assert not misses, "\n".join(misses)
        stats = await store.stats()
        assert stats.quotes == sum(len(texts) for texts in longest.values())
    finally:
        await store.close()


async def test_every_generated_partnership_comes_out_with_dates_and_products_and_rivals_do_not(
    small_corpus: tuple[Path, list[GeneratedArticle]],
) -> None:
    root, articles = small_corpus
    store = await _store(root)
    try:

        async def name(company: str) -> tuple[int, str]:
            resolution = await store.resolve("company", company)
            if resolution.match is None:
                return 0, f"(no company {company})"
            return resolution.match.id, resolution.match.name

        expected = {}
        for article in articles:
            for p in article.partnerships:
                expected[frozenset(p.companies)] = p
        misses = []
        for p in expected.values():
            a_id, _ = await name(p.companies[0])
            _, b_name = await name(p.companies[1])
            found = [info for info in await store.partnerships(a_id) if info.partner == b_name]
            facts = [(info.started, info.ended, info.status, info.products) for info in found]
            wanted = (p.started, p.ended, p.status, p.products)
            if facts != [wanted]:
                misses.append(f"{' & '.join(p.companies)} ({b_name}): {facts} instead of {wanted}")
        for article in articles:
            for pair in article.not_partners:
                if frozenset(pair) in expected:  # two stories may have picked the same pair
                    continue
                a_id, _ = await name(pair[0])
                _, b_name = await name(pair[1])
                if a_id and b_name in {info.partner for info in await store.partnerships(a_id)}:
                    misses.append(f"{article.file}: {' & '.join(pair)} are rivals, not partners")
        assert not misses, "\n".join(misses)
        assert (await store.stats()).partnerships == len(expected)
    finally:
        await store.close()
