"""The corpus reader: every kind of bad input becomes a clear failure or warning, never an exception."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest

from db.ingest.reader import (
    BadFile,
    EntryAt,
    ParsedManifest,
    content_hash,
    decode_article,
    manifest_digest,
    manifest_hash,
    parse_manifest,
    read_aliases,
    read_entry,
    read_manifest,
    scan_corpus,
)
from db.ingest.reader import _parse_whole as _parse_whole  # the whole-file parser, for comparison
from db.models import FileFailure, ManifestEntry

ARTICLE = "Arvenza signs a deal\n\nArvenza and Belmoro Systems agreed to build sensors together.\n"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# ---------------------------------------------------------------- decode_article


def test_decode_plain_utf8_text() -> None:
    assert decode_article(ARTICLE.encode()) == ARTICLE


def test_decode_strips_bom_crlf_and_control_characters() -> None:
    raw = "\ufeffTitle\r\n\r\nBody \x02with\x03 markers\x07.\r\n".encode()
    assert decode_article(raw) == "Title\n\nBody with markers.\n"
    every_control = "".join(map(chr, range(1, 32))) + "\x7f"
    assert decode_article(f"Café {every_control}ok".encode()) == "Café \t\n\rok"


def test_decode_rejects_binary() -> None:
    with pytest.raises(BadFile, match=r"^binary file \(it contains NUL bytes\), not text$"):
        decode_article(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_decode_rejects_latin1_with_offset() -> None:
    with pytest.raises(BadFile, match=r"^not UTF-8 text \(byte 0xe9 at offset 3\)$"):
        decode_article("Café au lait".encode("latin-1"))


@pytest.mark.parametrize("raw", [b"", b"   \n\n\t  \r\n", "\ufeff\n".encode()])
def test_decode_rejects_empty(raw: bytes) -> None:
    with pytest.raises(BadFile, match=r"^empty file \(no text\)$"):
        decode_article(raw)


# ---------------------------------------------------------------- manifest


def test_manifest_entries_by_file(tmp_path: Path) -> None:
    manifest = write(
        tmp_path,
        "manifest.toml",
        """
[[article]]
file = "a.txt"
title = "  Arvenza   signs a deal "
url = "https://example.org/a"
publisher = "The Example"
author = "Ines Morlan"
published = "2019-06-03"

[[article]]
file = "b.txt"
published = 2020-01-15
""",
    )
    entries, failures, warnings = read_manifest(manifest)
    assert failures == [] and warnings == []
    assert entries["a.txt"] == ManifestEntry(
        "a.txt", "Arvenza signs a deal", "https://example.org/a", "The Example", "Ines Morlan", "2019-06-03"
    )
    assert entries["b.txt"] == ManifestEntry("b.txt", published="2020-01-15")


def test_manifest_toml_error_names_file_and_line(tmp_path: Path) -> None:
    manifest = write(tmp_path, "manifest.toml", '[[article]]\nfile = "a.txt"\ntitle = "unclosed\n')
    entries, failures, warnings = read_manifest(manifest)
    assert entries == {} and warnings == []
    assert len(failures) == 1
    assert failures[0].file == "manifest.toml"
    assert f"TOML error in {manifest}" in failures[0].reason
    assert "line 3" in failures[0].reason
    assert failures[0].reason.endswith("loaded the articles without a manifest")


def test_manifest_missing_is_no_problem(tmp_path: Path) -> None:
    assert read_manifest(tmp_path / "manifest.toml") == ({}, [], [])


def test_manifest_bad_values_are_warnings(tmp_path: Path) -> None:
    manifest = write(
        tmp_path,
        "manifest.toml",
        """
[[article]]
title = "no file key"

[[article]]
file = "a.txt"
published = "24 May 2022"
colour = "blue"

[[article]]
file = "a.txt"
title = "second entry for a.txt"

[[article]]
file = "c.txt"
published = "2019-02-30"
title = 42
""",
    )
    entries, failures, warnings = read_manifest(manifest)
    assert failures == []
    assert entries == {"a.txt": ManifestEntry("a.txt"), "c.txt": ManifestEntry("c.txt")}
    assert warnings == [
        'manifest.toml: [[article]] #1 has no file = "..."; skipped',
        "manifest.toml: [[article]] #2 (a.txt): published = '24 May 2022' is not YYYY, YYYY-MM or YYYY-MM-DD;"
        " ignored",
        "manifest.toml: [[article]] #2 (a.txt): unknown key colour ignored",
        "manifest.toml: [[article]] #3: a.txt is listed twice; the first entry is used",
        "manifest.toml: [[article]] #4 (c.txt): title must be text; ignored",
        "manifest.toml: [[article]] #4 (c.txt): published = '2019-02-30' is not YYYY, YYYY-MM or YYYY-MM-DD;"
        " ignored",
    ]


def test_parsed_manifest_keeps_hashes_and_reads_entries_on_demand(tmp_path: Path) -> None:
    text = (
        '[[article]]\nfile = "a.txt"\ntitle = "T"\npublished = "2019"\n\n'
        '[[article]]\n\n[[article]]\nfile = "b.txt"\n'
    )
    path = write(tmp_path, "manifest.toml", text)
    parsed = parse_manifest(path)
    assert parsed.files == ["a.txt", "b.txt"]
    assert parsed.fingerprint("a.txt") == manifest_hash(ManifestEntry("a.txt", title="T", published="2019"))
    assert parsed.fingerprint("b.txt") == manifest_hash(ManifestEntry("b.txt"))
    assert parsed.fingerprint("c.txt") == ""
    assert parsed.entry("a.txt") == ManifestEntry("a.txt", title="T", published="2019")
    assert parsed.entry("b.txt") == ManifestEntry("b.txt")
    assert parsed.entry("c.txt") is None
    assert parsed.warnings == ('manifest.toml: [[article]] #2 has no file = "..."; skipped',)
    assert parsed.digest == manifest_digest(path) != ""
    again = ParsedManifest.from_json(parsed.to_json())
    assert again == parsed and again.entry("a.txt") == parsed.entry("a.txt")
    assert manifest_digest(tmp_path / "missing.toml") == ""
    path.write_text(text + "# edited\n")
    assert manifest_digest(path) != parsed.digest


def test_other_toml_layouts_of_the_manifest_work_too(tmp_path: Path) -> None:
    path = write(
        tmp_path, "manifest.toml", 'article = [{file = "a.txt", title = "Inline"}, {file = "b.txt"}]\n'
    )
    parsed = parse_manifest(path)
    assert parsed.entry("a.txt") == ManifestEntry("a.txt", title="Inline")
    assert ParsedManifest.from_json(parsed.to_json()).entry("b.txt") == ManifestEntry("b.txt")
    # A multi-line string that contains a line looking like a block header.
    tricky = '[[article]]\nfile = "a.txt"\ntitle = """Two\n[[article]]\nlines"""\n'
    parsed = parse_manifest(write(tmp_path, "tricky.toml", tricky))
    assert parsed.entry("a.txt") == ManifestEntry("a.txt", title="Two [[article]] lines")


def test_a_syntax_error_in_a_later_entry_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "manifest.toml", '[[article]]\nfile = "a.txt"\n\n[[article]]\nfile = "b.txt"\ntitle = x\n'
    )
    parsed = parse_manifest(path)
    assert parsed.files == []
    assert len(parsed.failures) == 1 and "(at line 6, column" in parsed.failures[0].reason


def test_a_manifest_without_entries_is_no_problem(tmp_path: Path) -> None:
    for text in ("", "# entries to come\n", 'title = "Press clippings"\n\n[settings]\nlanguage = "en"\n'):
        parsed = parse_manifest(write(tmp_path, "manifest.toml", text))
        assert (parsed.files, parsed.failures, parsed.warnings) == ([], (), ())


def test_manifest_line_ends_as_in_text_mode(tmp_path: Path) -> None:
    text = '# clippings\n[[article]]\nfile = "b.txt"\ntitle = "Bee"\n\n[[article]]\nfile = "a.txt"\n'
    expected = {"a.txt": ManifestEntry("a.txt"), "b.txt": ManifestEntry("b.txt", title="Bee")}
    for ending in ("\n", "\r\n", "\r"):
        path = write(tmp_path, "manifest.toml", text.replace("\n", ending).encode())
        assert read_manifest(path) == (expected, [], []), repr(ending)


def test_entries_are_read_from_where_they_are(tmp_path: Path) -> None:
    first = '[[article]]\nfile = "b.txt"\n\n'
    path = write(tmp_path, "manifest.toml", first + '[[article]] # A\nfile = "a.txt"\n')
    parsed = parse_manifest(path)
    where = parsed.locate("a.txt")
    assert where == EntryAt(path, len(first))
    assert pickle.loads(pickle.dumps(where)) == where  # it goes to the worker process
    assert read_entry(where, "a.txt") == ManifestEntry("a.txt") and parsed.locate("c.txt") is None
    path.write_text('[[article]]\nfile = "c.txt"\n\n[[article]]\nfile = "b.txt"\n', encoding="utf-8")
    assert read_entry(where, "a.txt") is None  # changed since: without its values
    path.unlink()
    assert read_entry(where, "a.txt") is None
    other = parse_manifest(write(tmp_path, "other.toml", 'article = [{file = "a.txt", url = "u"}]\n'))
    assert other.locate("a.txt") == ManifestEntry("a.txt", url="u")
    assert read_entry(other.locate("a.txt"), "a.txt") == ManifestEntry("a.txt", url="u")


def test_plain_entries_read_as_tomllib_reads_them(tmp_path: Path) -> None:
    """Entries in the plain form are read without tomllib (see reader._article_table): every manifest made
    of these pieces, plain or not, valid TOML or not, reads exactly as the whole-file TOML parser reads it."""
    headers = ["[[article]]", " [[ article ]]\t", "[[article]] # note", "[[article]] # \x01", "[[articles]]"]
    keys = ["file", "title", "url", "publisher", "author", "published", "extra", "Title", '"title"', "a.b"]
    values = [
        '"a.txt"', '"b.txt"', '"Acme’s deal — é ✓"', '"x \\" y"', '"tab\there"', '"bad \x01"', '"del \x7f"',
        '""', "'literal'", '"""multi"""', "2016-02-25", "2016", '"2016-02"', '"  spaced  out "', "x",
    ]
    rng = random.Random(7)
    for case in range(400):
        blocks = []
        for _ in range(rng.randint(1, 4)):
            lines = [rng.choice(headers) if rng.random() < 0.2 else "[[article]]"]
            for _ in range(rng.randint(0, 5)):
                if rng.random() < 0.1:
                    lines.append(rng.choice(["", "  ", "\t", "# comment"]))
                else:
                    space = rng.choice(["", " ", "\t"])
                    line = f"{rng.choice(keys)}{space}={space}{rng.choice(values)}"
                    lines.append(line + rng.choice(["", "", " ", " # c"]))
            blocks.append("\n".join(lines) + "\n")
        text = "".join(blocks)
        path = write(tmp_path, "manifest.toml", text)
        parsed = parse_manifest(path)
        whole = _parse_whole(path, text, parsed.digest, "loaded the articles without a manifest")
        entries = {name: parsed.entry(name) for name in parsed.files}
        assert entries == {name: whole.entry(name) for name in whole.files}, (case, text)
        assert (parsed.failures, parsed.warnings) == (whole.failures, whole.warnings), (case, text)
        assert parsed.fingerprints == whole.fingerprints, (case, text)


def test_manifest_hash_changes_with_any_value() -> None:
    base = ManifestEntry("a.txt", title="T", url="u")
    assert manifest_hash(None) == ""
    assert manifest_hash(base) == manifest_hash(ManifestEntry("a.txt", title="T", url="u"))
    assert manifest_hash(base) != manifest_hash(ManifestEntry("a.txt", title="T", url="u2"))
    assert manifest_hash(base) != manifest_hash(ManifestEntry("a.txt", title="T", url="u", published="2020"))


# ---------------------------------------------------------------- aliases


def test_aliases_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "aliases.toml",
        '[aliases]\n"Arvenza  Group" = "Arvenza"\n"T. Brennholt" = "Tilda Brennholt"\n',
    )
    assert read_aliases(path) == ({"Arvenza Group": "Arvenza", "T. Brennholt": "Tilda Brennholt"}, [])


def test_aliases_missing_or_none(tmp_path: Path) -> None:
    assert read_aliases(None) == ({}, [])
    assert read_aliases(tmp_path / "aliases.toml") == ({}, [])


def test_aliases_errors(tmp_path: Path) -> None:
    broken = write(tmp_path, "aliases.toml", "[aliases\n")
    aliases, failures = read_aliases(broken)
    assert aliases == {}
    assert failures[0].file == "aliases.toml" and "line 1" in failures[0].reason
    assert failures[0].reason.endswith("loaded without aliases")
    odd = write(tmp_path, "odd.toml", '[aliases]\n"Arvenza Group" = 3\n"Belmoro" = "Belmoro Systems"\n')
    aliases, failures = read_aliases(odd)
    assert aliases == {"Belmoro": "Belmoro Systems"}
    assert failures == [FileFailure("odd.toml", f"{odd}: alias 'Arvenza Group' must map to a name; ignored")]


# ---------------------------------------------------------------- scan_corpus


def test_scan_reports_each_bad_file_and_keeps_the_rest(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", ARTICLE)
    write(tmp_path, "b.txt", ARTICLE)  # same text as a.txt
    write(tmp_path, "c.txt", "x" * 101)
    write(tmp_path, "d.txt", "")
    write(tmp_path, "e.txt", "Another article\n\nBelmoro Systems ships a lens.\n")
    write(tmp_path, ".hidden.txt", "editor backup")
    write(tmp_path, "notes.md", "not an article")
    write(tmp_path, "manifest.toml", '[[article]]\nfile = "gone.txt"\n\n[[article]]\nfile = "a.txt"\n')
    # New files are only listed and their sizes checked: the worker that reads one finds the rest.
    scan = scan_corpus(tmp_path, max_file_bytes=100)
    assert scan.files == ["a.txt", "b.txt", "d.txt", "e.txt"]
    assert scan.failures == [
        FileFailure("c.txt", "too large: 101 bytes, over the limit of 100"),
        FileFailure("gone.txt", "listed in manifest.toml but there is no such file"),
    ]
    assert dict(scan.hashed_files()) == dict.fromkeys(scan.files) and scan.texts == {}
    assert scan.present == ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]
    assert scan.has_file("d.txt") and not scan.has_file("gone.txt")
    assert scan.manifest is not None and scan.manifest.files == ["a.txt", "gone.txt"]
    # Files loaded before are read and hashed (to see whether they changed): duplicates, empty files.
    scan = scan_corpus(tmp_path, max_file_bytes=100, loaded=dict.fromkeys(scan.present, "changed"))
    assert scan.failures == [
        FileFailure("b.txt", "the same text as a.txt: a duplicate, skipped"),
        FileFailure("c.txt", "too large: 101 bytes, over the limit of 100"),
        FileFailure("d.txt", "empty file (no text)"),
        FileFailure("gone.txt", "listed in manifest.toml but there is no such file"),
    ]
    hashes = dict(scan.hashed_files())
    assert hashes == {"a.txt": content_hash(ARTICLE.encode()), "e.txt": hashes["e.txt"]}
    assert scan.texts == {bytes.fromhex(h): name for name, h in hashes.items() if h}


def test_scan_keeps_the_already_loaded_one_of_two_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", ARTICLE)
    write(tmp_path, "b.txt", ARTICLE)
    write(tmp_path, "c.txt", ARTICLE)
    text = content_hash(ARTICLE.encode())
    scan = scan_corpus(tmp_path, 1000, {"b.txt": text, "c.txt": "changed"})
    assert list(scan.hashed_files()) == [("a.txt", None), ("b.txt", text)]
    assert scan.failures == [FileFailure("c.txt", "the same text as b.txt: a duplicate, skipped")]
    assert scan.texts == {bytes.fromhex(text): "b.txt"}  # a.txt is new: its worker finds it repeats b.txt


def test_scan_tolerates_a_broken_manifest(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", ARTICLE)
    write(tmp_path, "manifest.toml", "[[article]\n")
    scan = scan_corpus(tmp_path, 1000)
    assert scan.files == ["a.txt"]
    assert scan.manifest is not None and scan.manifest.files == []
    assert [f.file for f in scan.failures] == ["manifest.toml"]
