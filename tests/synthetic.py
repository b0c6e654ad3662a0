"""Invented news articles for ingest tests that need many files (names are made up, none from the corpus)."""

from __future__ import annotations

import random
from pathlib import Path

COMPANIES = (
    "Arvenza",
    "Belmoro Systems",
    "Corvane Labs",
    "Delquist Optics",
    "Estravo",
    "Fenwyck Audio",
    "Galtaro Mobile",
    "Hesterline Robotics",
)
PEOPLE = (
    ("Tilda Brennholt", "CEO"),
    ("Jonas Quell", "chief technology officer"),
    ("Mira Sandoval", "CEO"),
    ("Pavel Oster", "head of imaging"),
    ("Nuria Calvet", "president"),
)
MONTHS = ("January", "March", "May", "July", "September", "November")
FILLER = (
    "Analysts expect the first devices to reach shops within a year, starting with the home market.",
    "The two firms did not disclose the financial terms of the agreement or how many engineers are involved.",
    "Sensor makers have been racing to improve low-light performance as phone cameras replace compact ones.",
    "Supply of the newest chips remains tight, and several launches were delayed by months last season.",
    "Retail partners said early orders were strong, particularly in markets where premium phones sell well.",
    "Industry observers noted that similar tie-ups in the past produced a handful of well-reviewed models.",
)


def synthetic_article(index: int, version: int = 1) -> str:
    """A deterministic invented article of about 3 KB; `version` changes its text."""
    rnd = random.Random(index * 7919 + version * 104_729)
    first, second = rnd.sample(COMPANIES, 2)
    person, role = rnd.choice(PEOPLE)
    day, month, year = rnd.randint(1, 28), rnd.choice(MONTHS), rnd.randint(2012, 2023)
    paragraphs = [
        f"{first} and {second} team up on sensors, report {index}",
        f"{first} and {second} announced a long-term partnership on {day} {month} {year} to build imaging "
        f"sensors for phones, the companies said in a statement (edition {version}).",
        f'"We are excited to work with {second} on sensor line {index} and to bring it to customers '
        f'everywhere," said {person}, {role} of {first}.',
    ]
    paragraphs += [
        f"{rnd.choice(FILLER)} {rnd.choice(FILLER)} (item {index}.{n}.{version})" for n in range(14)
    ]
    return "\n\n".join(paragraphs) + "\n"


def write_corpus(folder: Path, indexes: range, version: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in indexes:
        (folder / f"gen_{i:05d}.txt").write_text(synthetic_article(i, version), encoding="utf-8")
