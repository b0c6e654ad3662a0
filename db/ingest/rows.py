"""One article and its facts as the rows the ingest writes: built in the worker processes (compiled with
the rules, see db.ingest), written by db.store.KnowledgeWriter.save_article in the ingest process."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

from db.ingest.names import quote_key
from db.models import ENTITY_KINDS, CleanArticle, Extraction


class ArticleRows(NamedTuple):
    """One article as save_article writes it: plain tuples, so that sending it to the ingest process and
    writing it there cost little."""

    article: tuple[str, str, str | None, str | None, str | None, str | None, str, str]
    # (file, title, url, publisher, author, published, body, paragraph offsets as JSON)
    facts: tuple[list[tuple[Any, ...]], ...]  # the rows of each raw table (see store._RAW_INSERTS)


def json_names(names: Sequence[str]) -> str:
    """The JSON list of the names, exactly as json.dumps writes it (a tenth of its time)."""
    return "[" + ", ".join([encode_basestring_ascii(name) for name in names]) + "]"


def _fold_spaces(name: str | None) -> str:
    """The name with its spaces folded ("" for None)."""
    return " ".join((name or "").split())


def _names(names: Iterable[str]) -> list[str]:
    return [clean for name in names if (clean := _fold_spaces(name))]


def _paragraph_offsets(paragraphs: Sequence[str]) -> str:
    offsets, position = [], 0
    for paragraph in paragraphs:
        offsets.append(str(position))
        position += len(paragraph) + 2  # the blank line that joins them in CleanArticle.body
    return "[" + ", ".join(offsets) + "]"


def _named(names: dict[tuple[str, str], list[int]], kind: str, name: str | None, paragraph: int) -> None:
    """Count one use of a name: where it first appears and how often."""
    if name:
        seen = names.get((kind, name))
        if seen is None:
            names[kind, name] = [paragraph, 1]
        else:
            seen[0] = min(seen[0], paragraph)
            seen[1] += 1


def article_rows(article: CleanArticle, ex: Extraction) -> ArticleRows:
    """The rows of one article and its raw facts (names with their spaces folded, empty facts dropped),
    with every name they use (raw_names: where it first appears and how often)."""
    names: dict[tuple[str, str], list[int]] = {}  # (kind, name) -> [first paragraph, how often]
    for m in ex.mentions:
        if m.kind in ENTITY_KINDS:
            _named(names, m.kind, _fold_spaces(m.name), m.paragraph)
    quotes: list[tuple[Any, ...]] = []
    for q in ex.quotes:
        if (speaker := _fold_spaces(q.speaker)) and q.text.strip():
            org = _fold_spaces(q.org) or None
            quotes.append((q.paragraph, speaker, q.text, q.role, org, q.style, quote_key(q.text)))
            _named(names, "person", speaker, q.paragraph)
            _named(names, "company", org, q.paragraph)
    org_quotes: list[tuple[Any, ...]] = []
    for oq in ex.org_quotes:
        if oq.text.strip() and (orgs := _names(oq.orgs)):
            org_quotes.append((oq.paragraph, json_names(orgs), oq.text, quote_key(oq.text)))
            for org in orgs:
                _named(names, "company", org, oq.paragraph)
    roles: list[tuple[Any, ...]] = []
    for r in ex.roles:
        if (person := _fold_spaces(r.person)) and (role := r.role.strip()):
            org = _fold_spaces(r.org) or None
            roles.append((r.paragraph, person, role, org))
            _named(names, "person", person, r.paragraph)
            _named(names, "company", org, r.paragraph)
    partnerships: list[tuple[Any, ...]] = []
    for p in ex.partnerships:
        if (a := _fold_spaces(p.companies[0])) and (b := _fold_spaces(p.companies[1])):
            products = _names(p.products)
            partnerships.append((p.paragraph, a, b, p.started, p.ended, p.status, json_names(products)))
            _named(names, "company", a, p.paragraph)
            _named(names, "company", b, p.paragraph)
            for product in products:
                _named(names, "product", product, p.paragraph)
    events: list[tuple[Any, ...]] = []
    for e in ex.events:
        if (what := e.what.strip()) and e.date:
            companies = _names(e.companies)
            events.append((e.paragraph, e.date, what, json_names(companies)))
            for company in companies:
                _named(names, "company", company, e.paragraph)
    name_rows: list[tuple[Any, ...]] = [
        (kind, name, first, count) for (kind, name), (first, count) in names.items()
    ]
    return ArticleRows(
        (
            article.file,
            article.title,
            article.url,
            article.publisher,
            article.author,
            article.published,
            article.body,
            _paragraph_offsets(article.paragraphs),
        ),
        (quotes, org_quotes, roles, name_rows, partnerships, events),
    )
