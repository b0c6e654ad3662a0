"""Reading a corpus folder: the article files, `manifest.toml` and the optional aliases file.

Corpus folder:
    *.txt              one UTF-8 article per file (first line usually the headline)
    manifest.toml      optional; one [[article]] table per file:
                           [[article]]
                           file = "example.txt"         # required
                           title = "..."                # every other key is optional
                           url = "https://..."
                           publisher = "..."
                           author = "..."
                           published = "2016-02-25"     # YYYY, YYYY-MM or YYYY-MM-DD
    aliases.toml       optional, edited by moderators to merge or rename entities:
                           [aliases]
                           "surface name as written" = "Canonical Name"

Bad input never stops the rest: each problem becomes a FileFailure (the file and why) or a warning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from db.models import FileFailure, ManifestEntry

MANIFEST_NAME = "manifest.toml"
_MANIFEST_KEYS = ("title", "url", "publisher", "author", "published")
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
# A line that starts an entry of the manifest.
_BLOCK_STARTS = re.compile(r"^[ \t]*\[\[[ \t]*article[ \t]*\]\][ \t]*(?:#.*)?$", re.MULTILINE)
# C0 controls other than tab and newline (and DEL) never belong in an article; some are the snippet markers.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadFile(ValueError):
    """An article file that cannot be loaded; the message says why, in a few words."""


class ScannedFile(NamedTuple):
    name: str
    content_hash: str


@dataclass(eq=False)
class ParsedManifest:
    """A manifest read and checked, kept small: for each file the fingerprint of its entry (manifest_hash)
    and where its [[article]] block is, so that 100,000 entries cost a few megabytes. entry() reads one
    entry when its article is processed. A manifest that is not one [[article]] block per entry (other
    TOML layouts are valid too) keeps its entries in memory instead."""

    path: Path
    digest: str
    hashes: dict[str, str]
    blocks: dict[str, int]
    failures: tuple[FileFailure, ...] = ()
    warnings: tuple[str, ...] = ()
    entries: dict[str, ManifestEntry] | None = None
    _text: str | None = field(default=None, init=False, repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParsedManifest) and self.to_json() == other.to_json()

    def entry(self, name: str) -> ManifestEntry | None:
        if name not in self.hashes:
            return None
        if self.entries is not None:
            return self.entries.get(name)
        if self._text is None:
            try:
                self._text = self.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):  # gone or changed since: without its values this time
                return None
        start = self.blocks[name]
        following = _BLOCK_STARTS.search(self._text, self._text.find("\n", start) + 1 or len(self._text))
        end = following.start() if following else len(self._text)
        try:
            table = tomllib.loads(self._text[start:end])["article"][0]
        except (tomllib.TOMLDecodeError, KeyError, IndexError, TypeError):
            return None
        entry, _ = _entry(table, self.path, 0)
        return entry if entry is not None and entry.file == name else None

    def to_json(self) -> str:
        entries = self.entries
        return json.dumps(
            {
                "path": str(self.path),
                "digest": self.digest,
                "hashes": self.hashes,
                "blocks": self.blocks,
                "failures": [[f.file, f.reason] for f in self.failures],
                "warnings": list(self.warnings),
                "entries": None
                if entries is None
                else [[getattr(e, k) for k in ("file", *_MANIFEST_KEYS)] for e in entries.values()],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ParsedManifest:
        data = json.loads(text)
        entries = data["entries"]
        return cls(
            Path(data["path"]),
            data["digest"],
            data["hashes"],
            data["blocks"],
            tuple(FileFailure(file, reason) for file, reason in data["failures"]),
            tuple(data["warnings"]),
            None if entries is None else {values[0]: ManifestEntry(*values) for values in entries},
        )


@dataclass
class CorpusScan:
    """The corpus folder after the quick pass: every loadable candidate with its hash, and the problems."""

    files: list[ScannedFile] = field(default_factory=list)
    manifest: ParsedManifest | None = None
    failures: list[FileFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # every *.txt name in the folder, loadable or not


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_hash(entry: ManifestEntry | None) -> str:
    """A fingerprint of a manifest entry: a changed entry makes its article count as updated."""
    if entry is None:
        return ""
    values = "\x1f".join(getattr(entry, key) or "" for key in _MANIFEST_KEYS)
    return hashlib.sha256(values.encode()).hexdigest()[:20]


def decode_article(data: bytes) -> str:
    """The text of an article file, or BadFile: binary, not UTF-8, or empty."""
    if b"\x00" in data:
        return _bad("binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _bad(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})")
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    if not text.strip():
        return _bad("empty file (no text)")
    return text


def _bad(reason: str) -> str:
    raise BadFile(reason)


def list_articles(corpus_dir: Path) -> list[str]:
    """The names of the article files of a corpus folder, sorted (hidden files skipped)."""
    with os.scandir(corpus_dir) as entries:
        names = [
            entry.name
            for entry in entries
            if entry.name.lower().endswith(".txt") and not entry.name.startswith(".") and entry.is_file()
        ]
    return sorted(names)


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError, consequence: str) -> FileFailure:
    # tomllib's message already ends with "(at line N, column M)".
    return FileFailure(path.name, f"TOML error in {path}: {exc}; {consequence}")


def _load_toml(path: Path, consequence: str) -> tuple[dict[str, Any] | None, FileFailure | None]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), None
    except FileNotFoundError:
        return None, None
    except tomllib.TOMLDecodeError as exc:
        return None, _toml_error(path, exc, consequence)
    except UnicodeDecodeError:
        return None, FileFailure(path.name, f"{path} is not UTF-8 text; {consequence}")
    except OSError as exc:
        return None, FileFailure(path.name, f"cannot read {path}: {exc.strerror}; {consequence}")


def _entry(table: Any, path: Path, number: int) -> tuple[ManifestEntry | None, list[str]]:
    """One [[article]] table as an entry, with warnings for the values it ignores."""
    where = f"{path.name}: [[article]] #{number}"
    if not isinstance(table, dict) or not isinstance(table.get("file"), str) or not table["file"].strip():
        return None, [f'{where} has no file = "..."; skipped']
    name = table["file"].strip()
    warnings: list[str] = []
    values: dict[str, str | None] = {}
    for key in _MANIFEST_KEYS:
        value = table.get(key)
        if isinstance(value, dt.date):  # an unquoted TOML date
            value = value.isoformat()[:10]
        if value is None:
            values[key] = None
        elif not isinstance(value, str):
            warnings.append(f"{where} ({name}): {key} must be text; ignored")
            values[key] = None
        else:
            values[key] = " ".join(value.split()) or None
    published = values["published"]
    if published is not None and not _valid_date(published):
        warnings.append(
            f"{where} ({name}): published = {published!r} is not YYYY, YYYY-MM or YYYY-MM-DD; ignored"
        )
        values["published"] = None
    unknown = sorted(set(table) - {"file", *_MANIFEST_KEYS})
    if unknown:
        warnings.append(f"{where} ({name}): unknown key {', '.join(unknown)} ignored")
    return ManifestEntry(file=name, **values), warnings


def read_manifest(path: Path) -> tuple[dict[str, ManifestEntry], list[FileFailure], list[str]]:
    """The manifest's entries by file name, plus failures (syntax) and warnings (bad values, skipped)."""
    parsed = parse_manifest(path)
    entries = {name: parsed.entry(name) for name in parsed.hashes}
    return {k: v for k, v in entries.items() if v is not None}, list(parsed.failures), list(parsed.warnings)


def manifest_digest(path: Path) -> str:
    """Identifies the manifest at `path` by its location and bytes; "" when there is none."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return content_hash(str(path.resolve()).encode() + b"\0" + data)


def _listed_twice(path: Path, number: int, name: str) -> str:
    return f"{path.name}: [[article]] #{number}: {name} is listed twice; the first entry is used"


class _Irregular(Exception):
    """The manifest is not one [[article]] block per entry."""


def parse_manifest(path: Path, digest: str | None = None) -> ParsedManifest:
    """Read and check the manifest one [[article]] block at a time (a whole 100,000-entry TOML document
    costs hundreds of megabytes); other layouts and syntax errors go through the whole-file parser."""
    digest = digest if digest is not None else manifest_digest(path)
    consequence = "loaded the articles without a manifest"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ParsedManifest(path, digest, {}, {})
    except UnicodeDecodeError:
        return ParsedManifest(
            path, digest, {}, {}, (FileFailure(path.name, f"{path} is not UTF-8 text; {consequence}"),)
        )
    except OSError as exc:
        failure = FileFailure(path.name, f"cannot read {path}: {exc.strerror}; {consequence}")
        return ParsedManifest(path, digest, {}, {}, (failure,))
    starts = [match.start() for match in _BLOCK_STARTS.finditer(text)]
    hashes: dict[str, str] = {}
    blocks: dict[str, int] = {}
    warnings: list[str] = []
    try:
        if "article" in tomllib.loads(text[: starts[0]] if starts else text):
            raise _Irregular
        for number, entry in _first_entries(_block_tables(text, starts), path, warnings):
            hashes[entry.file] = manifest_hash(entry)
            blocks[entry.file] = starts[number - 1]
    except (tomllib.TOMLDecodeError, _Irregular):
        return _parse_whole(path, text, digest)
    return ParsedManifest(path, digest, hashes, blocks, (), tuple(warnings))


def _block_tables(text: str, starts: list[int]) -> Iterator[tuple[int, Any]]:
    """The table of each [[article]] block, numbered from 1; raises _Irregular for any other layout."""
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(text)], strict=True), start=1):
        document = tomllib.loads(text[start:end])
        if list(document) != ["article"] or len(document["article"]) != 1:
            raise _Irregular
        yield number, document["article"][0]


def _first_entries(
    tables: Iterable[tuple[int, Any]], path: Path, warnings: list[str]
) -> Iterator[tuple[int, ManifestEntry]]:
    """The valid entries of numbered [[article]] tables, each file's first only; problems go to warnings."""
    seen: set[str] = set()
    for number, table in tables:
        entry, problems = _entry(table, path, number)
        warnings.extend(problems)
        if entry is None:
            continue
        if entry.file in seen:
            warnings.append(_listed_twice(path, number, entry.file))
            continue
        seen.add(entry.file)
        yield number, entry


def _parse_whole(path: Path, text: str, digest: str) -> ParsedManifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)".
        failure = FileFailure(
            path.name, f"TOML error in {path}: {exc}; loaded the articles without a manifest"
        )
        return ParsedManifest(path, digest, {}, {}, (failure,))
    tables = data.get("article", [])
    if not isinstance(tables, list):
        failure = FileFailure(path.name, f"{path}: 'article' must be [[article]] tables; ignored")
        return ParsedManifest(path, digest, {}, {}, (failure,))
    warnings: list[str] = []
    entries = {entry.file: entry for _, entry in _first_entries(enumerate(tables, start=1), path, warnings)}
    hashes = {name: manifest_hash(entry) for name, entry in entries.items()}
    return ParsedManifest(path, digest, hashes, {}, (), tuple(warnings), entries)


def _valid_date(text: str) -> bool:
    if not _ISO_DATE.match(text):
        return False
    parts = [int(p) for p in text.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def read_aliases(path: Path | None) -> tuple[dict[str, str], list[FileFailure]]:
    """The moderators' aliases (surface name -> canonical name); a missing file means none."""
    if path is None:
        return {}, []
    data, failure = _load_toml(path, "loaded without aliases")
    if data is None:
        return {}, [failure] if failure else []
    table = data.get("aliases", {})
    if not isinstance(table, dict):
        return {}, [FileFailure(path.name, f'{path}: [aliases] must be a table of "name" = "Canonical"')]
    aliases: dict[str, str] = {}
    failures: list[FileFailure] = []
    for surface, canonical in table.items():
        if isinstance(canonical, str) and canonical.strip() and surface.strip():
            aliases[" ".join(surface.split())] = " ".join(canonical.split())
        else:
            failures.append(FileFailure(path.name, f"{path}: alias {surface!r} must map to a name; ignored"))
    return aliases, failures


def scan_corpus(
    corpus_dir: Path,
    max_file_bytes: int,
    loaded: Mapping[str, str] | None = None,
    manifest: ParsedManifest | None = None,
) -> CorpusScan:
    """One quick pass over the folder: size checks, content hashes, duplicates, the manifest.

    Reads every file once to hash it but decodes none: deciding what changed must stay cheap on a corpus
    of 100,000 articles. Decoding (binary, UTF-8, empty) happens when a new or changed file is processed.
    Of two files with the same text, the one already loaded with it (`loaded`: file -> content hash) is
    kept, else the first by name; the other is reported as its duplicate. `manifest`: the folder's
    manifest already parsed (see parse_manifest), else it is read here.
    """
    scan = CorpusScan()
    parsed = manifest if manifest is not None else parse_manifest(corpus_dir / MANIFEST_NAME)
    scan.manifest, scan.warnings = parsed, list(parsed.warnings)
    hashed: list[ScannedFile] = []
    for name in list_articles(corpus_dir):
        scan.present.add(name)
        try:
            with open(os.path.join(corpus_dir, name), "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > max_file_bytes:
                    scan.failures.append(
                        FileFailure(name, f"too large: {size:,} bytes, over the limit of {max_file_bytes:,}")
                    )
                    continue
                data = handle.read()
        except OSError as exc:
            scan.failures.append(FileFailure(name, f"cannot be read: {exc.strerror}"))
            continue
        if not data.strip():
            scan.failures.append(FileFailure(name, "empty file (no text)"))
            continue
        hashed.append(ScannedFile(name, content_hash(data)))
    loaded = loaded or {}
    original = {f.content_hash: f.name for f in hashed if loaded.get(f.name) == f.content_hash}
    for file in hashed:
        first = original.setdefault(file.content_hash, file.name)
        if first == file.name:
            scan.files.append(file)
        else:
            scan.failures.append(FileFailure(file.name, f"the same text as {first}: a duplicate, skipped"))
    for name in sorted(set(parsed.hashes) - scan.present):
        scan.failures.append(FileFailure(name, f"listed in {MANIFEST_NAME} but there is no such file"))
    scan.failures = list(parsed.failures) + sorted(scan.failures, key=lambda f: f.file)
    return scan
