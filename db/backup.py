"""Copies of the knowledge base taken before each refresh, and the way back to them.

SQLite's online backup copies a live database in one read transaction, so lookups keep running while a
copy is made; restoring is one write transaction on the live file, so readers see the old or the
restored data, never a mix. Only the knowledge base (`db_path`) is copied or restored: the members'
database is a separate file that neither step opens.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from db.ingest.pipeline import REMOVAL_GUARD, Progress, run_ingest
from db.models import IngestReport

# Another process (a `clippings ingest` in a shell) may hold the write lock for a while.
_BUSY_TIMEOUT_SECONDS = 60.0


class NoBackupError(FileNotFoundError):
    """There is no backup to restore yet."""


def backup_path(db_path: Path) -> Path:
    """Where the backup of `db_path` lives: next to it, with `.backup` appended."""
    return db_path.with_name(db_path.name + ".backup")


def _staging_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".backup.new")


def _remove_database_file(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def copy_database(source: Path, target: Path) -> None:
    """Copy the whole of `source` over `target` (created when missing) with SQLite's online backup."""
    if not source.is_file():
        raise FileNotFoundError(f"{source} does not exist")
    with (
        closing(sqlite3.connect(source, timeout=_BUSY_TIMEOUT_SECONDS)) as src,
        closing(sqlite3.connect(target, timeout=_BUSY_TIMEOUT_SECONDS)) as dst,
    ):
        # pages=-1 (the default) copies everything in one step: one transaction on each side.
        src.backup(dst)


def backup_taken_at(db_path: Path) -> datetime | None:
    """When the backup that /rollback would restore was taken (UTC), or None when there is none."""
    try:
        return datetime.fromtimestamp(backup_path(db_path).stat().st_mtime, UTC)
    except FileNotFoundError:
        return None


def stage_backup(db_path: Path) -> Path | None:
    """Copy the live database aside before a refresh; None when there is no database yet.

    The copy becomes *the* backup only through `keep_staged_backup()`, once the refresh has changed
    something: a refresh that changed nothing, stopped at the removal guard or failed leaves the
    previous backup in place.
    """
    if not db_path.is_file():
        return None
    staged = _staging_path(db_path)
    _remove_database_file(staged)
    copy_database(db_path, staged)
    return staged


def keep_staged_backup(db_path: Path) -> None:
    """Make the staged copy the backup that /rollback restores (an atomic rename)."""
    os.replace(_staging_path(db_path), backup_path(db_path))


def discard_staged_backup(db_path: Path) -> None:
    _remove_database_file(_staging_path(db_path))


def restore_backup(db_path: Path) -> None:
    """Put the backup back into the live database; the state it replaced becomes the new backup.

    So a second rollback undoes the first, and nothing is ever lost by a rollback.
    """
    backup = backup_path(db_path)
    if not backup.is_file():
        raise NoBackupError(f"no backup at {backup}")
    staged = stage_backup(db_path)
    try:
        copy_database(backup, db_path)
    except BaseException:
        discard_staged_backup(db_path)
        raise
    if staged is not None:
        keep_staged_backup(db_path)


def refresh_knowledge_base(
    db_path: Path,
    corpus_dir: Path,
    *,
    max_file_bytes: int,
    aliases_path: Path | None,
    confirm: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """The refresh behind both /refresh and `clippings ingest`: a backup, then the ingest.

    Without `confirm`, an ingest that would remove more than half of the articles raises
    db.ingest.pipeline.TooManyRemovals before it writes anything. The backup taken first becomes the
    one /rollback restores only when the ingest changed something.
    """
    staged = stage_backup(db_path)
    try:
        report = run_ingest(
            db_path,
            corpus_dir,
            max_file_bytes=max_file_bytes,
            aliases_path=aliases_path,
            progress=progress,
            max_removed_fraction=None if confirm else REMOVAL_GUARD,
        )
    except BaseException:
        discard_staged_backup(db_path)
        raise
    if staged is not None and (report.added or report.updated or report.removed):
        keep_staged_backup(db_path)
    else:
        discard_staged_backup(db_path)
    return report
