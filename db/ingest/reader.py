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
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from db.models import FileFailure, ManifestEntry

MANIFEST_NAME = "manifest.toml"
_MANIFEST_KEYS = ("title", "url", "publisher", "author", "published")
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_HEADER = r"[ \t]*\[\[[ \t]*article[ \t]*\]\][ \t]*"
# A line that starts an entry of the manifest (match() looks at the first line of a text).
_BLOCK_START = re.compile(_HEADER + r"(?:#.*)?$", re.MULTILINE)
# The lines of an [[article]] block in the form nearly every manifest takes: the header without a comment,
# then `key = "text"` lines (a bare key, a basic string without escapes) and blank lines.
_PLAIN_HEADER = re.compile(_HEADER)
_PLAIN_LINE = re.compile(r'[ \t]*([A-Za-z0-9_-]+)[ \t]*=[ \t]*"([^"\\\x00-\x08\x0a-\x1f\x7f]*)"[ \t]*|[ \t]*')
_FINGERPRINT_BYTES = 10  # of a manifest_hash
_DIGEST_BYTES = 32  # of a content_hash
_UNHASHED = bytes(_DIGEST_BYTES)  # in CorpusScan.digests: a new file, not read by the scan
_CACHE_FORMAT = 2  # of ParsedManifest.to_json
# C0 controls other than tab and newline (and DEL) never belong in an article; some are the snippet markers.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # the same in UTF-8


class BadFile(ValueError):
    """An article file that cannot be loaded; the message says why, in a few words."""


class EntryAt(NamedTuple):
    """Where a manifest entry is: the [[article]] block at `offset` (bytes) in the manifest file."""

    path: Path
    offset: int


def read_entry(where: ManifestEntry | EntryAt | None, name: str) -> ManifestEntry | None:
    """The manifest entry of the file `name`, read from the manifest if `where` says where it is; None when
    the manifest has changed since it was parsed and has no such entry there (then without its values)."""
    if not isinstance(where, EntryAt):
        return where
    try:
        with where.path.open("rb") as handle:
            handle.seek(where.offset)
            _, block = next(_pieces(handle, where.offset))
        table = _article_table(block)
    except (OSError, ValueError, _Irregular, KeyError, IndexError, TypeError):  # ValueError: bad UTF-8, TOML
        return None
    entry, _ = _entry(table, where.path, 0)
    return entry if entry is not None and entry.file == name else None


@dataclass(eq=False)
class ParsedManifest:
    """A manifest read and checked, kept small (100,000 entries cost a few megabytes): the files it lists,
    sorted, and for each the fingerprint of its entry (manifest_hash) and where its [[article]] block starts
    in the file; each entry is read when its article is processed (see locate). A manifest that is not one
    [[article]] block per entry (other TOML layouts are valid too) keeps its entries in memory instead."""

    path: Path
    digest: str
    files: list[str] = field(default_factory=list)
    fingerprints: bytes = b""  # _FINGERPRINT_BYTES per file, in the order of `files`
    offsets: array[int] = field(default_factory=lambda: array("q"))  # in the order of `files`
    failures: tuple[FileFailure, ...] = ()
    warnings: tuple[str, ...] = ()
    entries: list[ManifestEntry] | None = None  # other layouts: the entries, in the order of `files`

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParsedManifest) and self.to_json() == other.to_json()

    def fingerprint(self, name: str) -> str:
        """The manifest_hash of the file's entry; "" when the manifest does not list the file."""
        index = _position(self.files, name)
        if index is None:
            return ""
        return self.fingerprints[index * _FINGERPRINT_BYTES : (index + 1) * _FINGERPRINT_BYTES].hex()

    def locate(self, name: str) -> ManifestEntry | EntryAt | None:
        """The file's entry, or where to read it (see read_entry); None when the manifest does not list it."""
        index = _position(self.files, name)
        if index is None:
            return None
        if self.entries is not None:
            return self.entries[index]
        return EntryAt(self.path, self.offsets[index])

    def entry(self, name: str) -> ManifestEntry | None:
        return read_entry(self.locate(name), name)

    def to_json(self) -> str:
        entries = self.entries
        return json.dumps(
            {
                "format": _CACHE_FORMAT,
                "path": str(self.path),
                "digest": self.digest,
                "files": self.files,
                "fingerprints": self.fingerprints.hex(),
                "offsets": self.offsets.tolist(),
                "failures": [[f.file, f.reason] for f in self.failures],
                "warnings": list(self.warnings),
                "entries": None
                if entries is None
                else [[getattr(e, k) for k in ("file", *_MANIFEST_KEYS)] for e in entries],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ParsedManifest:
        data = json.loads(text)
        if data["format"] != _CACHE_FORMAT:
            raise ValueError("another format")
        entries = data["entries"]
        return cls(
            Path(data["path"]),
            data["digest"],
            data["files"],
            bytes.fromhex(data["fingerprints"]),
            array("q", data["offsets"]),
            tuple(FileFailure(file, reason) for file, reason in data["failures"]),
            tuple(data["warnings"]),
            None if entries is None else [ManifestEntry(*values) for values in entries],
        )


@dataclass
class CorpusScan:
    """The corpus folder after the quick pass, kept small for 100,000 files: the name of every article
    file, the loadable candidates with their content hashes (packed), and the problems."""

    present: list[str] = field(default_factory=list)  # every *.txt name in the folder (loadable or not)
    files: list[str] = field(default_factory=list)  # the loadable candidates; both lists sorted
    digests: bytearray = field(default_factory=bytearray)  # the SHA-256 of each of `files` (or _UNHASHED)
    # The file kept for each text read here (content hash -> file): a new file with one of these texts is a
    # duplicate of that file.
    texts: dict[bytes, str] = field(default_factory=dict)
    manifest: ParsedManifest | None = None
    failures: list[FileFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def has_file(self, name: str) -> bool:
        """Whether the folder has this article file, loadable or not."""
        return _position(self.present, name) is not None

    def hashed_files(self) -> Iterator[tuple[str, str | None]]:
        """Each loadable candidate with its content hash (None for a new file: not read yet)."""
        for index, name in enumerate(self.files):
            digest = _digest(self.digests, index)
            yield name, None if digest == _UNHASHED else digest.hex()


def _digest(digests: bytearray, index: int) -> bytes:
    return bytes(digests[index * _DIGEST_BYTES : (index + 1) * _DIGEST_BYTES])


def _position(names: list[str], name: str) -> int | None:
    """Where `name` is in the sorted list `names`, if it is there."""
    index = bisect_left(names, name)
    return index if index < len(names) and names[index] == name else None


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
    text = text.replace("\r\n", "\n")
    if len(data.translate(None, _CONTROL_BYTES)) < len(data):  # rare; found in the bytes much faster
        text = _CONTROL.sub("", text)
    if not text or text.isspace():
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


def _read_failure(path: Path, exc: OSError | UnicodeDecodeError, consequence: str) -> FileFailure | None:
    """Why a TOML file cannot be read; None when it does not exist (no file is no problem)."""
    if isinstance(exc, FileNotFoundError):
        return None
    if isinstance(exc, UnicodeDecodeError):
        return FileFailure(path.name, f"{path} is not UTF-8 text; {consequence}")
    return FileFailure(path.name, f"cannot read {path}: {exc.strerror}; {consequence}")


def _load_toml(path: Path, consequence: str) -> tuple[dict[str, Any] | None, FileFailure | None]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), None
    except tomllib.TOMLDecodeError as exc:
        return None, _toml_error(path, exc, consequence)
    except (OSError, UnicodeDecodeError) as exc:
        return None, _read_failure(path, exc, consequence)


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
    entries = {name: parsed.entry(name) for name in parsed.files}
    return {k: v for k, v in entries.items() if v is not None}, list(parsed.failures), list(parsed.warnings)


def manifest_digest(path: Path) -> str:
    """Identifies the manifest at `path` by its location and bytes; "" when there is none."""
    digest = hashlib.sha256(str(path.resolve()).encode() + b"\0")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _listed_twice(path: Path, number: int, name: str) -> str:
    return f"{path.name}: [[article]] #{number}: {name} is listed twice; the first entry is used"


class _Irregular(Exception):
    """The manifest is not one [[article]] block per entry, or has a line break that is not "\\n"."""


def parse_manifest(path: Path, digest: str | None = None) -> ParsedManifest:
    """Read and check the manifest one [[article]] block at a time, never the whole file at once (as one
    TOML document, 100,000 entries cost hundreds of megabytes); other layouts and syntax errors go through
    the whole-file parser, which also names the line of an error."""
    digest = digest if digest is not None else manifest_digest(path)
    consequence = "loaded the articles without a manifest"
    try:
        with path.open("rb") as handle:
            return _parse_blocks(path, digest, handle)
    except (tomllib.TOMLDecodeError, _Irregular):
        pass
    except (OSError, UnicodeDecodeError) as exc:
        failure = _read_failure(path, exc, consequence)
        return ParsedManifest(path, digest, failures=(failure,) if failure else ())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # changed since
        failure = _read_failure(path, exc, consequence)
        return ParsedManifest(path, digest, failures=(failure,) if failure else ())
    return _parse_whole(path, text, digest, consequence)


def _pieces(handle: BinaryIO, offset: int) -> Iterator[tuple[int, str]]:
    """The text of a file from `offset` (where `handle` is) on, cut before each [[article]] line: the byte
    offset and text of each piece. Lines end as in text mode: "\\r\\n" becomes "\\n"; a lone "\\r" (also a
    line break in text mode) raises _Irregular."""
    start = offset
    lines: list[str] = []
    for raw in handle:
        line = raw.decode("utf-8")
        if "\r" in line:
            line = line.replace("\r\n", "\n")
            if "\r" in line:
                raise _Irregular
        if lines and _BLOCK_START.match(line):
            yield start, "".join(lines)
            start, lines = offset, []
        lines.append(line)
        offset += len(raw)
    yield start, "".join(lines)


def _article_table(block: str) -> dict[str, Any]:
    """The table of one [[article]] block (its text, header first); raises TOMLDecodeError or _Irregular
    (not one [[article]] table alone)."""
    header, _, rest = block.partition("\n")
    if _PLAIN_HEADER.fullmatch(header):
        table: dict[str, Any] = {}
        for line in rest.split("\n"):
            match = _PLAIN_LINE.fullmatch(line)
            if match is None or match[1] in table:  # (a key twice is a TOML error: tomllib says where)
                break
            if match[1] is not None:
                table[match[1]] = match[2]
        else:
            return table  # what tomllib would read, at a tenth of its cost
    document = tomllib.loads(block)
    if list(document) != ["article"] or len(document["article"]) != 1:
        raise _Irregular
    return document["article"][0]


def _parse_blocks(path: Path, digest: str, handle: BinaryIO) -> ParsedManifest:
    """parse_manifest for one [[article]] block per entry; raises _Irregular for any other layout."""
    starts = array("q")  # of every block

    def tables() -> Iterator[tuple[int, Any]]:
        for offset, text in _pieces(handle, 0):
            if not _BLOCK_START.match(text):  # the text before the first block
                if "article" in tomllib.loads(text):
                    raise _Irregular
                continue
            starts.append(offset)
            yield len(starts), _article_table(text)

    warnings: list[str] = []
    files: list[str] = []
    offsets = array("q")
    fingerprints = bytearray()
    for number, entry in _first_entries(tables(), path, warnings):
        files.append(entry.file)
        offsets.append(starts[number - 1])
        fingerprints += bytes.fromhex(manifest_hash(entry))
    order = sorted(range(len(files)), key=files.__getitem__)  # by file name
    in_order = bytearray()
    for i in order:
        in_order += fingerprints[i * _FINGERPRINT_BYTES : (i + 1) * _FINGERPRINT_BYTES]
    return ParsedManifest(
        path,
        digest,
        [files[i] for i in order],
        bytes(in_order),
        array("q", (offsets[i] for i in order)),
        warnings=tuple(warnings),
    )


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


def _parse_whole(path: Path, text: str, digest: str, consequence: str) -> ParsedManifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ParsedManifest(path, digest, failures=(_toml_error(path, exc, consequence),))
    tables = data.get("article", [])
    if not isinstance(tables, list):
        failure = FileFailure(path.name, f"{path}: 'article' must be [[article]] tables; ignored")
        return ParsedManifest(path, digest, failures=(failure,))
    warnings: list[str] = []
    entries = sorted(
        (entry for _, entry in _first_entries(enumerate(tables, start=1), path, warnings)),
        key=lambda entry: entry.file,
    )
    return ParsedManifest(
        path,
        digest,
        [entry.file for entry in entries],
        b"".join(bytes.fromhex(manifest_hash(entry)) for entry in entries),
        warnings=tuple(warnings),
        entries=entries,
    )


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
    """One quick pass over the folder: size checks, content hashes of the files loaded before, duplicates
    among them, the manifest (`manifest`, else read here).

    Decodes nothing and reads only the files already loaded (`loaded`: file -> content hash), to see
    whether they changed: deciding what changed must stay cheap on a corpus of 100,000 articles. A new file
    is only listed (and its size checked): it is read, hashed and decoded (binary, UTF-8, empty) when it is
    processed, and a new file with the same text as one kept is a duplicate then (CorpusScan.texts).
    Of two loaded files with the same text, the one already loaded with it is kept, else the first by name;
    the other is reported as its duplicate.
    """
    scan = CorpusScan()
    parsed = manifest if manifest is not None else parse_manifest(corpus_dir / MANIFEST_NAME)
    scan.manifest, scan.warnings = parsed, list(parsed.warnings)
    scan.present = list_articles(corpus_dir)
    loaded = loaded or {}
    names: list[str] = []  # every file that may load (if read here: readable, not empty), duplicates included
    digests = bytearray()  # the SHA-256 of each file loaded before; zeros for a new file
    for name in scan.present:
        scanned = _scan_file(name, os.path.join(corpus_dir, name), max_file_bytes, name in loaded)
        if isinstance(scanned, FileFailure):
            scan.failures.append(scanned)
        else:
            names.append(name)
            digests += _UNHASHED if scanned is None else hashlib.sha256(scanned).digest()
    original = scan.texts
    for index, name in enumerate(names):
        digest = _digest(digests, index)
        if loaded.get(name) == digest.hex():
            original[digest] = name
    for index, name in enumerate(names):
        digest = _digest(digests, index)
        first = name if digest == _UNHASHED else original.setdefault(digest, name)
        if first == name:
            scan.files.append(name)
            scan.digests += digest
        else:
            scan.failures.append(duplicate_of(name, first))
    for index, name in enumerate(parsed.files):
        position = _position(scan.present, name)
        if position is None:
            scan.failures.append(FileFailure(name, f"listed in {MANIFEST_NAME} but there is no such file"))
        else:  # the same name: held once for both (100,000 names are 7 MB)
            parsed.files[index] = scan.present[position]
    scan.failures = list(parsed.failures) + sorted(scan.failures, key=lambda f: f.file)
    return scan


def _scan_file(name: str, path: str, max_file_bytes: int, loaded: bool) -> bytes | FileFailure | None:
    """The bytes of a file loaded before, None for a new file (only its size is checked), or why the file
    cannot be loaded."""
    try:
        size = os.stat(path).st_size
        if size > max_file_bytes:
            return FileFailure(name, f"too large: {size:,} bytes, over the limit of {max_file_bytes:,}")
        if not loaded:
            return None
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return FileFailure(name, f"cannot be read: {exc.strerror}")
    return data if data.strip() else FileFailure(name, "empty file (no text)")


def duplicate_of(name: str, first: str) -> FileFailure:
    """The failure of a file with the same text as `first`, which is kept."""
    return FileFailure(name, f"the same text as {first}: a duplicate, skipped")
