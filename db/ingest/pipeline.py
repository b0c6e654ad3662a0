"""The ingest: a corpus folder in, the knowledge base updated in one transaction.

    run_ingest(db_path, corpus_dir, max_file_bytes=..., aliases_path=...) -> IngestReport

Incremental: one query fetches the hashes already loaded and a quick pass hashes those files again; only
new or changed files (or changed manifest entries) are read, cleaned and extracted, on every core, streamed
in chunks (a new file is first read by a worker, which hashes it: a repeat of a text already kept is
reported as a duplicate then).
Atomic: everything happens between BEGIN IMMEDIATE and COMMIT, so a crash or a kill leaves the previous
knowledge base whole, and readers see the old data until the commit. Idempotent: a second run over the
same folder changes nothing. Bad files are reported and skipped; a file that breaks after it was loaded
keeps its previous version ("nothing lost").
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import count, islice
from pathlib import Path
from types import ModuleType

from db import store, trivia
from db.ingest import clean, derive, extract, names, rows, source_digest
from db.ingest.reader import (
    MANIFEST_NAME,
    BadFile,
    EntryAt,
    ParsedManifest,
    content_hash,
    decode_article,
    duplicate_of,
    manifest_digest,
    manifest_hash,
    parse_manifest,
    read_aliases,
    read_entry,
    scan_corpus,
)
from db.ingest.rows import ArticleRows, article_rows
from db.models import FileFailure, IngestReport, ManifestEntry
from db.schema import SchemaError
from db.store import KnowledgeWriter

Progress = Callable[[int, int, str], None]
log = logging.getLogger(__name__)

# Below this many files to process, worker processes cost more than they save.
POOL_THRESHOLD = 48
_CHUNKSIZE = 16  # files per worker task
_IN_FLIGHT = 64  # worker tasks out at once: bounds the results waiting to be written
# The rules cache what they compute per name (functools.lru_cache). A process empties those caches every
# _CACHE_FILES files, so that its memory does not grow with the corpus.
_CACHE_FILES = 1000
_RULE_CACHES = [
    f.cache_clear for m in (clean, extract, names) for f in vars(m).values() if hasattr(f, "cache_clear")
]
_files_here = count(1)


def _fingerprint(*modules: ModuleType) -> str:
    """A digest of the modules' sources (also of a compiled module, whose __file__ is not its source)."""
    db_folder = Path(__file__).parent.parent
    return source_digest(db_folder.joinpath(*m.__name__.split(".")[1:]).with_suffix(".py") for m in modules)


# The rules are code. When cleaning or extraction changes, every article is extracted again; when the
# derivation (or its SQL) changes, the derived tables are rebuilt.
PIPELINE_VERSION = _fingerprint(clean, extract, names, rows)
DERIVED_VERSION = _fingerprint(derive, names, store)
TRIVIA_VERSION = _fingerprint(trivia, store)


# Without confirmation, a refresh may remove at most this share of the loaded articles (see run_ingest).
REMOVAL_GUARD = 0.5


class CorpusError(Exception):
    """A fatal problem with the corpus folder or the database path; the message is one line for the user."""


class TooManyRemovals(CorpusError):
    """The ingest would remove more of the loaded articles than allowed; nothing was written."""

    def __init__(self, removed: list[str], total: int) -> None:
        self.removed = removed
        self.total = total
        super().__init__(
            f"this would remove {len(removed)} of the {total} articles loaded (files missing from the corpus "
            "folder); nothing was changed"
        )


@dataclass(frozen=True)
class _Task:
    name: str
    path: str
    entry: ManifestEntry | EntryAt | None  # its manifest entry, or where the worker reads it
    article_id: int | None  # the article it replaces, if any
    outcome: str  # "added", "updated" or "unchanged" (extracted again because the rules changed)


@dataclass(frozen=True)
class Processed:
    name: str
    content_hash: str
    manifest_hash: str
    rows: ArticleRows  # what the ingest process writes: built here, in the worker


def process_file(name: str, data: bytes, entry: ManifestEntry | None) -> Processed | FileFailure:
    """Decode, clean and extract one article file; never raises for bad input."""
    try:
        text = decode_article(data)
    except BadFile as exc:
        return FileFailure(name, str(exc))
    try:
        article = clean.clean_article(name, text, entry)
        extraction = extract.extract(article)
    except Exception as exc:  # a rule that trips on odd text must not stop the corpus
        return FileFailure(name, f"could not be processed ({type(exc).__name__}: {exc})")
    if not article.paragraphs:
        return FileFailure(name, "no article text left after removing the site's boilerplate")
    return Processed(name, content_hash(data), manifest_hash(entry), article_rows(article, extraction))


def _work(task: _Task) -> tuple[_Task, Processed | FileFailure]:
    if next(_files_here) % _CACHE_FILES == 0:
        for clear in _RULE_CACHES:
            clear()
    try:
        data = Path(task.path).read_bytes()
    except OSError as exc:
        return task, FileFailure(task.name, f"cannot be read: {exc.strerror}")
    return task, process_file(task.name, data, read_entry(task.entry, task.name))


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_pool() -> ProcessPoolExecutor:
    # spawn: workers never inherit the threads (and their held locks) of a running bot, and no server
    # process stays behind after the pool (forkserver's would hold its memory through the derivation).
    pool = ProcessPoolExecutor(_workers(), mp_context=multiprocessing.get_context("spawn"))
    for _ in range(_workers()):
        pool.submit(int)  # a process starts for each task sent, up to _workers(): all of them start now
    return pool


def _early_pool(writer: KnowledgeWriter, corpus_dir: Path) -> ProcessPoolExecutor | None:
    """The worker processes, started before the scan on the first load of a folder of many files, so that
    their start-up (a new interpreter each, importing the rules) overlaps the scan."""
    if _workers() < 2 or writer.article_count():
        return None
    try:
        with os.scandir(corpus_dir) as entries:
            if sum(1 for _ in islice(entries, POOL_THRESHOLD)) < POOL_THRESHOLD:
                return None
    except OSError:
        return None
    return _start_pool()


def _pool_for(count: int, early: ProcessPoolExecutor | None) -> ProcessPoolExecutor | None:
    """The worker processes for `count` files: those started early, or new ones; none where there are too
    few files to be worth it, or one core."""
    if count >= POOL_THRESHOLD and _workers() > 1:
        return early or _start_pool()
    if early is not None:
        early.shutdown(cancel_futures=True)
    return None


def _processed(
    tasks: Iterator[_Task], pool: ProcessPoolExecutor | None
) -> Iterator[tuple[_Task, Processed | FileFailure]]:
    """Results in task order; in the worker processes of `pool`, else here.

    Tasks are taken from the iterator a chunk at a time and at most _IN_FLIGHT chunks are out at once, so
    that nothing is held for the whole corpus and the workers never wait for the writer to catch up. If the
    workers cannot run (a broken pool), the rest is processed here: slower, never stuck.
    """
    if pool is not None:
        out: deque[tuple[list[_Task], Future[list[tuple[_Task, Processed | FileFailure]]]]] = deque()
        chunk: list[_Task] = []
        try:
            while chunk := list(islice(tasks, _CHUNKSIZE)):
                out.append((chunk, pool.submit(_work_chunk, chunk)))
                chunk = []
                if len(out) == _IN_FLIGHT:
                    yield from _first_done(out)
            while out:
                yield from _first_done(out)
        except BrokenProcessPool:
            log.warning("worker processes failed; processing the remaining files here")
            for left, _ in out:
                yield from map(_work, left)
            yield from map(_work, chunk)
    yield from map(_work, tasks)


def _work_chunk(tasks: list[_Task]) -> list[tuple[_Task, Processed | FileFailure]]:
    return [_work(task) for task in tasks]


def _first_done(
    out: deque[tuple[list[_Task], Future[list[tuple[_Task, Processed | FileFailure]]]]],
) -> list[tuple[_Task, Processed | FileFailure]]:
    """The results of the first chunk out, once they are in (it leaves `out` only then)."""
    results = out[0][1].result()
    out.popleft()
    return results


def _check_paths(db_path: Path, corpus_dir: Path) -> None:
    if not corpus_dir.exists():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    if not corpus_dir.is_dir():
        raise CorpusError(f"the corpus path is not a folder: {corpus_dir}")
    if db_path.exists() and not db_path.is_file():
        raise CorpusError(f"the database path is not a file: {db_path}")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(f"cannot create the folder for the database {db_path}: {exc.strerror}") from None
    if not os.access(db_path.parent, os.W_OK) or (db_path.exists() and not os.access(db_path, os.W_OK)):
        raise CorpusError(f"the database path is not writable: {db_path}")


def _database_problem(db_path: Path, exc: sqlite3.Error | SchemaError) -> CorpusError:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return CorpusError(f"the database {db_path} is busy: another ingest is running")
    if "not a database" in message:
        return CorpusError(f"{db_path} is not a Clippings database ({message})")
    return CorpusError(f"cannot write the database {db_path}: {message}")


def run_ingest(
    db_path: Path,
    corpus_dir: Path,
    *,
    max_file_bytes: int,
    aliases_path: Path | None,
    progress: Progress | None = None,
    max_removed_fraction: float | None = None,
) -> IngestReport:
    """Load the corpus folder into the knowledge base; see the module docstring. Raises CorpusError.

    With `max_removed_fraction` (e.g. REMOVAL_GUARD), an ingest that would remove a larger share of the
    loaded articles raises TooManyRemovals before it writes anything.
    """
    started = time.monotonic()
    _check_paths(db_path, corpus_dir)
    try:
        writer = KnowledgeWriter(db_path)
    except (sqlite3.Error, SchemaError) as exc:
        raise _database_problem(db_path, exc) from None
    try:
        writer.begin()
        report = _ingest(writer, corpus_dir, max_file_bytes, aliases_path, progress, max_removed_fraction)
        report.seconds = time.monotonic() - started
        writer.log_ingest(report)
        writer.commit()
        return report
    except sqlite3.OperationalError as exc:  # disk full, locked, read-only...
        raise _database_problem(db_path, exc) from None
    finally:
        writer.rollback()
        writer.close()


def _ingest(
    writer: KnowledgeWriter,
    corpus_dir: Path,
    max_file_bytes: int,
    aliases_path: Path | None,
    progress: Progress | None,
    max_removed_fraction: float | None,
) -> IngestReport:
    report = IngestReport()
    rules_changed = writer.meta("pipeline_version") != PIPELINE_VERSION
    pool = _early_pool(writer, corpus_dir)
    try:
        manifest, todo, replacing, texts = _plan(
            writer, corpus_dir, max_file_bytes, rules_changed, report, max_removed_fraction
        )
        pool = _pool_for(len(todo), pool)
        aliases, alias_failures = read_aliases(aliases_path)
        report.failed.extend(alias_failures)
        total, done = len(todo) + len(report.unchanged), len(report.unchanged)
        if progress:
            for done, name in enumerate(report.unchanged, start=1):
                progress(done, total, name)

        extracted_again = 0
        new = (None, "added")  # (id of the article it replaces, outcome) of a file not in `replacing`
        tasks = (
            _Task(name, os.path.join(corpus_dir, name), manifest.locate(name), *replacing.get(name, new))
            for name in todo
        )
        for task, result in _processed(tasks, pool):
            done += 1
            if task.article_id is None and isinstance(result, Processed):
                # A new file was first read by the worker: it may repeat a text kept before it.
                first = texts.setdefault(bytes.fromhex(result.content_hash), task.name)
                if first != task.name:
                    result = duplicate_of(task.name, first)
            if isinstance(result, FileFailure):
                report.failed.append(result)
                if task.article_id is not None:
                    report.warnings.append(_kept_before(task.name))
            else:
                writer.save_article(
                    result.rows,
                    content_hash=result.content_hash,
                    manifest_hash=result.manifest_hash,
                    article_id=task.article_id,
                )
                getattr(report, task.outcome).append(task.name)
                extracted_again += task.outcome == "unchanged"
            if progress:
                progress(done, total, task.name)
    finally:
        if pool is not None:  # before the derivation: the workers' memory is given back
            pool.shutdown(wait=True, cancel_futures=True)
    del manifest, todo, replacing, tasks, texts  # not needed from here on
    if extracted_again:
        report.warnings.append(
            f"the extraction rules changed: extracted {extracted_again} unchanged articles again"
        )
    report.unchanged.sort()

    aliases_hash = hashlib.sha256(repr(sorted(aliases.items())).encode()).hexdigest()
    changed = bool(report.added or report.updated or report.removed or extracted_again)
    if (
        changed
        or writer.meta("aliases_hash") != aliases_hash
        or writer.meta("derived_version") != DERIVED_VERSION
    ):
        derive.rebuild(writer, aliases)
        writer.set_meta("aliases_hash", aliases_hash)
        writer.set_meta("derived_version", DERIVED_VERSION)
        writer.set_meta("trivia_version", "")
    if writer.meta("trivia_version") != TRIVIA_VERSION:
        # The question bank follows the derived facts (and the rules that build it), in this transaction.
        bank = trivia.build_questions(writer.trivia_facts(), said_elsewhere=writer.said_elsewhere)
        writer.write_trivia(bank)
        writer.set_meta("trivia_version", TRIVIA_VERSION)
    writer.set_meta("pipeline_version", PIPELINE_VERSION)
    return report


def _plan(
    writer: KnowledgeWriter,
    corpus_dir: Path,
    max_file_bytes: int,
    rules_changed: bool,
    report: IngestReport,
    max_removed_fraction: float | None,
) -> tuple[ParsedManifest, list[str], dict[str, tuple[int, str]], dict[bytes, str]]:
    """Scan the folder, remove the articles whose files are gone, and list the files to process, with
    (id of the article it replaces, outcome) for those that replace one: a new file is only its name, so
    that 100,000 new files cost little. Also the file kept for each text the scan read (CorpusScan.texts)
    when there are new files, which may repeat one of those texts."""
    known = writer.known_articles()
    try:
        manifest = _manifest(writer, corpus_dir / MANIFEST_NAME)
        scan = scan_corpus(
            corpus_dir, max_file_bytes, {f: k.content_hash for f, k in known.items()}, manifest
        )
    except OSError as exc:
        raise CorpusError(f"cannot read the corpus folder {corpus_dir}: {exc.strerror}") from None
    report.failed.extend(scan.failures)
    report.warnings.extend(scan.warnings)
    report.warnings.extend(
        _kept_before(f.file) for f in scan.failures if f.file in known and scan.has_file(f.file)
    )

    removed = sorted(name for name in known if not scan.has_file(name))
    if max_removed_fraction is not None and known and len(removed) > max_removed_fraction * len(known):
        raise TooManyRemovals(removed, len(known))

    todo: list[str] = []
    replacing: dict[str, tuple[int, str]] = {}
    for name, current_hash in scan.hashed_files():
        old = known.get(name)
        if old is None:
            todo.append(name)
        elif old.content_hash != current_hash or old.manifest_hash != manifest.fingerprint(name):
            todo.append(name)
            replacing[name] = (old.id, "updated")
        elif rules_changed:
            todo.append(name)
            replacing[name] = (old.id, "unchanged")
        else:
            report.unchanged.append(name)

    writer.remove_articles(known[name].id for name in removed)
    report.removed.extend(removed)
    return manifest, todo, replacing, scan.texts if len(todo) > len(replacing) else {}


def _kept_before(name: str) -> str:
    """The warning for a file loaded before that fails now: its article stays as it was."""
    return f"{name}: kept the version loaded before"


def _manifest(writer: KnowledgeWriter, path: Path) -> ParsedManifest:
    """The manifest, parsed again only when its bytes changed since the last ingest."""
    digest = manifest_digest(path)
    cached = writer.meta("manifest_cache")
    if cached:
        try:
            parsed = ParsedManifest.from_json(cached)
        except (ValueError, KeyError, TypeError):  # written by another version: parse again
            parsed = None
        if parsed is not None and parsed.digest == digest:
            parsed.path = path  # the same file, perhaps named from another working directory
            return parsed
    parsed = parse_manifest(path, digest)
    writer.set_meta("manifest_cache", parsed.to_json())
    return parsed
