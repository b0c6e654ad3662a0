"""The refresh behind /refresh and `clippings ingest`: a backup of the knowledge base, then the ingest;
and the way back to that backup (/rollback, `clippings rollback`).

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

from db import schema
from db.ingest.pipeline import REMOVAL_GUARD, CorpusError, Progress, run_ingest
from db.models import IngestReport

# Another process (a `clippings ingest` in a shell) may hold the write lock for a while.
_BUSY_TIMEOUT_SECONDS = 60.0


class BackupError(Exception):
    """A backup cannot be restored; the message is one line for the user. Nothing was changed."""


class NoBackupError(BackupError):
    """There is no backup to restore yet."""


def backup_path(db_path: Path) -> Path:
    """Where the backup of `db_path` lives: next to it, with `.backup` appended."""
    return db_path.with_name(db_path.name + ".backup")


def backup_taken_at(db_path: Path) -> datetime | None:
    """When the backup that a rollback would restore was taken (UTC), or None when there is none."""
    try:
        return datetime.fromtimestamp(backup_path(db_path).stat().st_mtime, UTC)
    except FileNotFoundError:
        return None


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


def _stage_backup(db_path: Path) -> bool:
    """Copy the live database aside; False when there is no database yet."""
    if not db_path.is_file():
        return False
    staged = _staging_path(db_path)
    _remove_database_file(staged)
    copy_database(db_path, staged)
    return True


def _keep_staged_backup(db_path: Path) -> None:
    """The staged copy becomes the backup a rollback restores (an atomic rename)."""
    os.replace(_staging_path(db_path), backup_path(db_path))


def refresh_knowledge_base(
    db_path: Path,
    corpus_dir: Path,
    *,
    max_file_bytes: int,
    aliases_path: Path | None,
    confirm: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Back up the knowledge base, then ingest the corpus folder into it. Raises CorpusError.

    Without `confirm`, an ingest that would remove more than REMOVAL_GUARD of the articles raises
    TooManyRemovals (a CorpusError) before it writes anything. The copy taken first becomes the backup
    only when the ingest added, updated or removed an article: a refresh that changed nothing, stopped
    or failed leaves the backup from before the last real change in place.
    """
    try:
        staged = _stage_backup(db_path)
    except (sqlite3.Error, OSError) as exc:
        raise CorpusError(f"cannot back up {db_path} before the refresh: {exc}") from None
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
        _remove_database_file(_staging_path(db_path))
        raise
    if staged and (report.added or report.updated or report.removed):
        _keep_staged_backup(db_path)
    else:
        _remove_database_file(_staging_path(db_path))
    return report


def restore_backup(db_path: Path) -> None:
    """Put the backup back into the live knowledge base; the data it replaces becomes the backup.

    So a second rollback undoes the first, and a rollback never loses anything. A backup written by an
    older version is migrated to the current schema, as Store.open would.
    """
    backup = backup_path(db_path)
    if not backup.is_file():
        raise NoBackupError(f"no backup at {backup}")
    try:
        staged = _stage_backup(db_path)
        copy_database(backup, db_path)
    except (sqlite3.Error, OSError) as exc:
        _remove_database_file(_staging_path(db_path))
        raise BackupError(f"cannot restore {backup}: {exc}") from None
    if staged:
        _keep_staged_backup(db_path)
    with closing(schema.connect(db_path)) as conn:
        schema.migrate(conn, schema.KB_MIGRATIONS)
