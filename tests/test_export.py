"""`write_export`: the knowledge base as one JSON document, exactly, and the shape on the bundled corpus."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from test_store import ARTICLES, build_kb

from db.store import write_export


def export(db: Path) -> dict[str, Any]:
    out = io.StringIO()
    write_export(db, out)
    return json.loads(out.getvalue())


def src(article_id: int, file: str) -> dict[str, Any]:
    return {"article_id": article_id, "file": file, "url": f"https://example.org/{file}"}


A, B, C = src(1, "a.txt"), src(2, "b.txt"), src(3, "c.txt")


def test_export_of_a_small_knowledge_base(tmp_path: Path) -> None:
    build_kb(tmp_path / "kb.db", ARTICLES)
    document = export(tmp_path / "kb.db")
    assert list(document) == [
        "articles",
        "quotes",
        "org_quotes",
        "partnerships",
        "people",
        "companies",
        "events",
    ]
    assert document["articles"] == [
        {
            "id": i,
            "file": article.file,
            "title": article.title,
            "url": article.url,
            "publisher": "Example Wire",
            "published": article.published,
            "body": "\n\n".join(article.paragraphs),
        }
        for i, (article, _) in enumerate(ARTICLES, start=1)
    ]
    proud = "We are proud to build the next generation of sensors with Belmoro, and to ship them worldwide."
    assert document["quotes"] == [
        {
            "speaker": "Jonas Quell",
            "speaker_role": "CEO",
            "speaker_org": "Belmoro Systems",
            "text": "Corvane Labs brings the optics we need.",
            "sources": [C],
        },
        {
            "speaker": "Tilda Brennholt",
            "speaker_role": "CEO",
            "speaker_org": "Arvenza",
            "text": proud,
            "sources": [A, B],
        },
        {
            "speaker": "Tilda Brennholt",
            "speaker_role": "former CEO",
            "speaker_org": "Arvenza",
            "text": "It was a good run,",
            "sources": [C],
        },
    ]
    assert document["org_quotes"] == [
        {
            "organisation": ["Belmoro Systems"],
            "text": "Belmoro is delighted to work with a partner this ambitious.",
            "sources": [B],
        },
    ]
    assert document["partnerships"] == [
        {
            "companies": ["Arvenza", "Belmoro Systems"],
            "started": "2019-06-03",
            "ended": "2023-01-31",
            "status": "ended",
            "products": ["Kestrel X1", "Kestrel X2"],
            "sources": [A, B, C],
        },
        {
            "companies": ["Belmoro Systems", "Corvane Labs"],
            "started": "2023-02",
            "ended": None,
            "status": "announced",
            "products": [],
            "sources": [C],
        },
    ]
    assert document["people"] == [
        {"name": "Ada Quell", "roles": [{"role": "analyst", "org": None, "source": C}]},
        {"name": "Jonas Quell", "roles": [{"role": "CEO", "org": "Belmoro Systems", "source": C}]},
        {
            "name": "Tilda Brennholt",
            "roles": [
                {"role": "CEO", "org": "Arvenza", "source": A},
                {"role": "former CEO", "org": "Arvenza", "source": C},
            ],
        },
    ]
    assert document["companies"] == [
        {"name": "Arvenza", "aliases": []},
        {"name": "Belmoro Systems", "aliases": ["Belmoro", "Belmoro Systems AG"]},
        {"name": "Corvane Labs", "aliases": ["Corvane"]},
    ]
    assert document["events"] == [
        {"date": "2018", "precision": "year", "what": "Corvane Labs is founded", "sources": [C]},
        {
            "date": "2019-06-03",
            "precision": "day",
            "what": "Arvenza and Belmoro Systems announce a partnership",
            "sources": [A],
        },
        {
            "date": "2023-01-31",
            "precision": "day",
            "what": "The Arvenza and Belmoro partnership ends",
            "sources": [C],
        },
        {
            "date": "2023-02",
            "precision": "month",
            "what": "Belmoro Systems turns to Corvane Labs",
            "sources": [C],
        },
    ]


def test_export_of_an_empty_knowledge_base(tmp_path: Path) -> None:
    build_kb(tmp_path / "kb.db", [])
    assert export(tmp_path / "kb.db") == {
        "articles": [],
        "quotes": [],
        "org_quotes": [],
        "partnerships": [],
        "people": [],
        "companies": [],
        "events": [],
    }


def test_export_of_the_bundled_corpus(corpus_db: Path) -> None:
    document = export(corpus_db)
    files = {a["id"]: (a["file"], a["url"]) for a in document["articles"]}
    assert len(files) == 5
    first = document["articles"][0]
    assert first == {
        "id": 1,
        "file": "000_01170216c2f9fcf6.txt",
        "title": "Huawei & Leica Camera to reinvent Smartphone Photography after a recent partnership",
        "url": "https://techprolonged.com/2016/02/huawei-partners-leica-camera-to-reinvent-smartphone-photography/",
        "publisher": "TechProlonged",
        "published": "2016-02",
        "body": first["body"],
    }
    assert "Load More" not in first["body"]

    def check_sources(sources: list[dict[str, Any]]) -> None:
        assert sources
        for source in sources:
            assert set(source) == {"article_id", "file", "url"}
            assert files[source["article_id"]] == (source["file"], source["url"])

    for quote in document["quotes"]:
        assert set(quote) == {"speaker", "speaker_role", "speaker_org", "text", "sources"}
        check_sources(quote["sources"])
    kaltner = [q for q in document["quotes"] if q["speaker"] == "Oliver Kaltner"]
    assert [[s["file"] for s in q["sources"]] for q in kaltner] == [
        ["000_01170216c2f9fcf6.txt", "001_114326c08f6a0ddf.txt", "003_ab580fe8e59a1744.txt"]
    ]
    for said in document["org_quotes"]:
        assert set(said) == {"organisation", "text", "sources"} and said["organisation"]
        check_sources(said["sources"])
    for deal in document["partnerships"]:
        assert set(deal) == {"companies", "started", "ended", "status", "products", "sources"}
        check_sources(deal["sources"])
    huawei = next(p for p in document["partnerships"] if "Huawei" in p["companies"])
    assert (huawei["ended"], huawei["status"]) == ("2022-03-31", "ended")
    for person in document["people"]:
        assert set(person) == {"name", "roles"}
        for role in person["roles"]:
            assert set(role) == {"role", "org", "source"}
            check_sources([role["source"]])
    people = {p["name"]: p["roles"] for p in document["people"]}
    assert {"role": "CEO", "org": "Leica Camera AG"} in [
        {"role": r["role"], "org": r["org"]} for r in people["Oliver Kaltner"]
    ]
    companies = {c["name"]: set(c["aliases"]) | {c["name"]} for c in document["companies"]}
    leica = next(names for names in companies.values() if "Leica Camera" in names)
    assert {"Leica", "Leica Camera", "Leica Camera AG"} <= leica
    for event in document["events"]:
        assert set(event) == {"date", "precision", "what", "sources"}
        assert event["precision"] == {4: "year", 7: "month", 10: "day"}[len(event["date"])]
        check_sources(event["sources"])
