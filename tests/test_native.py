"""The compiled rules (db.ingest, db/ingest/native.py): used only when built from the current sources, and
exactly as the plain Python modules behave."""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import db.ingest
from benchmarks.generate import generate_article
from bot.config import BUNDLED_CORPUS
from db.ingest import MODULES, NATIVE_DIR, clean, extract, sources_digest

# The bundled corpus read (manifest, scan, each article) and extracted, and 60 generated articles extracted.
_SCRIPT = """
import sys
from pathlib import Path
from benchmarks.generate import generate_article
from db.ingest import clean, extract, reader

corpus = Path(sys.argv[1])
print(repr(reader.parse_manifest(corpus / "manifest.toml")), repr(reader.scan_corpus(corpus, 10**6)))
texts = [(p.name, reader.decode_article(p.read_bytes())) for p in sorted(corpus.glob("*.txt"))]
texts += [(a.file, a.text) for a in (generate_article(7, i) for i in range(60))]
for name, text in texts:
    article = clean.clean_article(name, text, None)
    print(repr(article), repr(extract.extract(article)))
print(extract.__file__)
"""


def _extractions(pure: bool) -> tuple[list[str], str]:
    env = {**os.environ, "CLIPPINGS_PURE_PYTHON": "1" if pure else ""}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(BUNDLED_CORPUS)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(db.ingest.__file__).parents[2],
    ).stdout.splitlines()
    return out[:-1], out[-1]


def test_compiled_rules_extract_exactly_what_the_python_rules_do() -> None:
    if not (NATIVE_DIR / sources_digest()).is_dir():
        pytest.skip("the rules are not compiled here (make native)")
    compiled, compiled_file = _extractions(pure=False)
    plain, plain_file = _extractions(pure=True)
    assert compiled_file.startswith(str(NATIVE_DIR)) and plain_file.endswith("extract.py")
    assert len(compiled) == 1 + len(list(BUNDLED_CORPUS.glob("*.txt"))) + 60
    assert compiled == plain


def test_the_compiled_rules_are_used_in_this_process_when_built() -> None:
    built = (NATIVE_DIR / sources_digest()).is_dir() and not os.environ.get("CLIPPINGS_PURE_PYTHON")
    assert str(extract.__file__).startswith(str(NATIVE_DIR)) == built
    assert str(clean.__file__).startswith(str(NATIVE_DIR)) == built
    article = clean.clean_article("x.txt", generate_article(7, 1).text, None)
    assert extract.extract(article).quotes


def test_a_changed_rule_changes_the_digest_so_an_old_build_is_not_used(tmp_path: Path) -> None:
    for name in MODULES:
        shutil.copy(Path(db.ingest.__file__).with_name(f"{name}.py"), tmp_path / f"{name}.py")
    assert sources_digest(tmp_path) == sources_digest()
    with (tmp_path / "extract.py").open("a") as rules:
        rules.write("# edited\n")
    assert sources_digest(tmp_path) != sources_digest()


def test_only_a_complete_build_is_used(tmp_path: Path) -> None:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    *first, last = MODULES
    for stem in ("clippings_rules__mypyc", *first):
        (tmp_path / f"{stem}{suffix}").touch()
    assert db.ingest.compiled_locations(tmp_path) is None
    (tmp_path / f"{last}{suffix}").touch()
    locations = db.ingest.compiled_locations(tmp_path)
    assert locations is not None
    assert locations[f"db.ingest.{last}"] == tmp_path / f"{last}{suffix}"
    assert set(locations) == {"clippings_rules__mypyc"} | {f"db.ingest.{name}" for name in MODULES}
