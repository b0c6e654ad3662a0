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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.models import FileFailure, ManifestEntry

MANIFEST_NAME = "manifest.toml"
_MANIFEST_KEYS = ("title", "url", "publisher", "author", "published")
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
# C0 controls other than tab and newline (and DEL) never belong in an article; some are the snippet markers.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadFile(ValueError):
    """An article file that cannot be loaded; the message says why, in a few words."""


@dataclass(frozen=True)
class ScannedFile:
    name: str
    path: str
    content_hash: str


@dataclass(frozen=True)
class ParsedManifest:
    """A manifest file read and checked; `digest` identifies its path and bytes ("" when there is none)."""

    entries: dict[str, ManifestEntry]
    failures: tuple[FileFailure, ...]
    warnings: tuple[str, ...]
    digest: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "digest": self.digest,
                "entries": [
                    [getattr(e, k) for k in ("file", *_MANIFEST_KEYS)] for e in self.entries.values()
                ],
                "failures": [[f.file, f.reason] for f in self.failures],
                "warnings": list(self.warnings),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ParsedManifest:
        data = json.loads(text)
        entries = {values[0]: ManifestEntry(*values) for values in data["entries"]}
        failures = tuple(FileFailure(file, reason) for file, reason in data["failures"])
        return cls(entries, failures, tuple(data["warnings"]), data["digest"])


@dataclass
class CorpusScan:
    """The corpus folder after the quick pass: every loadable candidate with its hash, and the problems."""

    files: list[ScannedFile] = field(default_factory=list)
    manifest: dict[str, ManifestEntry] = field(default_factory=dict)
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
    return hashlib.sha256(values.encode()).hexdigest()


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


def list_articles(corpus_dir: Path) -> list[os.DirEntry[str]]:
    """The article files of a corpus folder, sorted by name (hidden files skipped)."""
    with os.scandir(corpus_dir) as entries:
        found = [
            entry
            for entry in entries
            if entry.name.lower().endswith(".txt") and not entry.name.startswith(".") and entry.is_file()
        ]
    return sorted(found, key=lambda entry: entry.name)


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


def read_manifest(path: Path) -> tuple[dict[str, ManifestEntry], list[FileFailure], list[str]]:
    """The manifest's entries by file name, plus failures (syntax) and warnings (bad values, skipped)."""
    data, failure = _load_toml(path, "loaded the articles without a manifest")
    if data is None:
        return {}, [failure] if failure else [], []
    warnings: list[str] = []
    tables = data.get("article", [])
    if not isinstance(tables, list):
        return {}, [FileFailure(path.name, f"{path}: 'article' must be [[article]] tables; ignored")], []
    entries: dict[str, ManifestEntry] = {}
    for number, table in enumerate(tables, start=1):
        where = f"{path.name}: [[article]] #{number}"
        if not isinstance(table, dict) or not isinstance(table.get("file"), str) or not table["file"].strip():
            warnings.append(f'{where} has no file = "..."; skipped')
            continue
        name = table["file"].strip()
        if name in entries:
            warnings.append(f"{where}: {name} is listed twice; the first entry is used")
            continue
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
        entries[name] = ManifestEntry(file=name, **values)
    return entries, [], warnings


def manifest_digest(path: Path) -> str:
    """Identifies the manifest at `path` by its location and bytes; "" when there is none."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return content_hash(str(path.resolve()).encode() + b"\0" + data)


def parse_manifest(path: Path, digest: str | None = None) -> ParsedManifest:
    """read_manifest() as one value that can be cached (parsing 100,000 entries takes seconds)."""
    entries, failures, warnings = read_manifest(path)
    return ParsedManifest(entries, tuple(failures), tuple(warnings), digest or manifest_digest(path))


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
    scan.manifest, scan.warnings = parsed.entries, list(parsed.warnings)
    loaded = loaded or {}
    hashed: list[ScannedFile] = []
    for entry in list_articles(corpus_dir):
        name = entry.name
        scan.present.add(name)
        try:
            size = entry.stat().st_size
            if size > max_file_bytes:
                scan.failures.append(
                    FileFailure(name, f"too large: {size:,} bytes, over the limit of {max_file_bytes:,}")
                )
                continue
            with open(entry.path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            scan.failures.append(FileFailure(name, f"cannot be read: {exc.strerror}"))
            continue
        if not data.strip():
            scan.failures.append(FileFailure(name, "empty file (no text)"))
            continue
        hashed.append(ScannedFile(name, entry.path, content_hash(data)))
    original: dict[str, str] = {}
    for file in hashed:
        if loaded.get(file.name) == file.content_hash:
            original[file.content_hash] = file.name
    for file in hashed:
        first = original.setdefault(file.content_hash, file.name)
        if first == file.name:
            scan.files.append(file)
        else:
            scan.failures.append(FileFailure(file.name, f"the same text as {first}: a duplicate, skipped"))
    for name in sorted(set(scan.manifest) - scan.present):
        scan.failures.append(FileFailure(name, f"listed in {MANIFEST_NAME} but there is no such file"))
    scan.failures = list(parsed.failures) + sorted(scan.failures, key=lambda f: f.file)
    return scan
