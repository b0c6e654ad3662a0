"""Moderator commands: /refresh [confirm:], /rollback and /stats.

They exist only in the admin servers named in the settings (added to the tree per guild, so other
servers never see them), are shown by default only to members with Manage Server, and are checked again
here on every use, since server admins can change who sees a command. The bot's owners may always run
them. A refresh or a rollback runs one at a time, behind a backup (db/backup.py), and every use leaves a
line in the audit log (the members' database, which neither of them touches).

/refresh answers publicly, deferred at once: the other moderators in the channel see that a refresh is
running, its progress and what it changed, and the channel keeps that record. Refusals and /stats are
ephemeral.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds
from bot.client import EXPIRED_CODES, ClippingsBot, Refusal, error_message
from db import backup
from db.ingest.pipeline import CorpusError, TooManyRemovals
from db.models import AuditEntry, IngestReport

log = logging.getLogger(__name__)

Interaction = discord.Interaction[ClippingsBot]
NONE = discord.AllowedMentions.none()

PROGRESS_EVERY_SECONDS = 1.0  # edits are rate-limited; once a second is plenty to watch
RECENT_JOBS = 5  # refreshes and rollbacks listed by /stats


def moderator_refusal(interaction: Interaction) -> app_commands.CheckFailure | None:
    """Why this user may not run a moderator command here, or None when they may."""
    settings = interaction.client.settings
    if interaction.guild_id is None:
        return app_commands.NoPrivateMessage()
    if interaction.user.id in settings.owner_ids:
        return None
    if interaction.guild_id not in settings.admin_guild_ids:
        return Refusal("Moderator commands work only in the bot's admin servers.")
    permissions = interaction.permissions
    if permissions.administrator or permissions.manage_guild:
        return None
    return app_commands.MissingPermissions(["manage_guild"])


async def moderators_only(interaction: Interaction) -> bool:
    refusal = moderator_refusal(interaction)
    if refusal is not None:
        raise refusal
    return True


@dataclass(frozen=True)
class Job:
    """The refresh or rollback that is running: what, who, since when."""

    command: str
    user_id: int
    started: datetime


class Progress:
    """Written by the ingest thread, read by the event loop (assigning a tuple is atomic)."""

    def __init__(self) -> None:
        self.latest: tuple[int, int, str] | None = None

    def __call__(self, done: int, total: int, file: str) -> None:
        self.latest = (done, total, file)


class Admin(commands.Cog):
    def __init__(self, bot: ClippingsBot) -> None:
        self.bot = bot
        self.started = discord.utils.utcnow()
        self.command_counts: Counter[str] = Counter()
        self._lock = asyncio.Lock()
        self._job: Job | None = None

    # ---------------------------------------------------------------- bookkeeping

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        """Count every use of a slash command since the bot started (shown by /stats)."""
        if interaction.type is discord.InteractionType.application_command and interaction.command:
            self.command_counts[interaction.command.qualified_name] += 1

    async def _audit(self, interaction: Interaction, command: str, outcome: str, detail: str = "") -> None:
        entry = AuditEntry(
            at=discord.utils.utcnow().replace(microsecond=0).isoformat(),
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            user_name=str(interaction.user),
            command=command,
            outcome=outcome,
            detail=detail,
        )
        try:
            await self.bot.store.add_audit(entry)
        except Exception:  # a full disk must not turn a finished refresh into an error message
            log.exception("Could not write the audit log entry %r", entry)

    async def cog_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        # The tree's on_error answers the user; this writes down who was refused.
        if isinstance(error, app_commands.CheckFailure) and interaction.command is not None:
            reason = error_message(error) or type(error).__name__
            await self._audit(interaction, interaction.command.name, "refused", reason)

    async def _claim(self, interaction: Interaction, command: str) -> bool:
        """Take the lock for a refresh or rollback; when it is taken, tell the user by whom and since when."""
        if self._job is not None:
            await interaction.response.send_message(
                embeds.busy_message(self._job.command, self._job.user_id, self._job.started),
                ephemeral=True,
                allowed_mentions=NONE,
            )
            await self._audit(interaction, command, "refused", f"a {self._job.command} was running")
            return False
        await self._lock.acquire()  # never waits: only _claim takes it, and _job is set while held
        self._job = Job(command, interaction.user.id, discord.utils.utcnow())
        return True

    def _release(self) -> None:
        self._job = None
        self._lock.release()

    async def _run(
        self, interaction: Interaction, command: str, job: Callable[[], Awaitable[tuple[str, str]]]
    ) -> None:
        """Claim, defer, run `job()` -> (outcome, detail), release, and audit whatever happened."""
        if not await self._claim(interaction, command):
            return
        try:
            await interaction.response.defer(thinking=True)
            outcome, detail = await job()
        except Exception as exc:
            await self._audit(interaction, command, "failed", f"unexpected error: {type(exc).__name__}")
            raise  # the tree's on_error answers the user
        finally:
            self._release()
        await self._audit(interaction, command, outcome, detail)

    async def _show(self, interaction: Interaction, embed: discord.Embed) -> None:
        """Replace the deferred (progress) message with the outcome. A refresh that outlived the
        interaction's 15 minutes posts the outcome to the channel instead."""
        try:
            await interaction.edit_original_response(content=None, embed=embed, allowed_mentions=NONE)
            return
        except discord.HTTPException as exc:
            if exc.code not in EXPIRED_CODES:
                raise
        channel = interaction.channel
        if isinstance(channel, discord.abc.Messageable):
            await channel.send(content=f"<@{interaction.user.id}>", embed=embed, allowed_mentions=NONE)

    # ---------------------------------------------------------------- /refresh

    @app_commands.command(name="refresh", description="Load the changes in the corpus folder (moderators).")
    @app_commands.describe(confirm="Go ahead even when more than half of the articles would be removed")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(moderators_only)
    async def refresh(self, interaction: Interaction, confirm: bool = False) -> None:
        await self._run(interaction, "refresh", lambda: self._refresh(interaction, confirm))

    async def _refresh(self, interaction: Interaction, confirm: bool) -> tuple[str, str]:
        started = time.monotonic()
        try:
            report = await self._ingest(interaction, confirm)
        except TooManyRemovals as stop:
            await self._show(interaction, embeds.refresh_stopped_embed(stop.removed, stop.total))
            return "stopped", f"would remove {len(stop.removed)} of {stop.total} articles"
        except CorpusError as exc:
            await self._show(interaction, embeds.refresh_failed_embed(str(exc)))
            return "failed", str(exc)
        await self.bot.store.reload()
        totals = await self.bot.store.stats()
        seconds = time.monotonic() - started
        await self._show(interaction, embeds.refresh_summary_embed(report, totals, seconds))
        return "done", embeds.report_counts(report)

    async def _ingest(self, interaction: Interaction, confirm: bool) -> IngestReport:
        """The same refresh as `clippings ingest`, in a thread, with its progress shown meanwhile."""
        settings = self.bot.settings
        progress = Progress()
        shower = asyncio.create_task(self._show_progress(interaction, progress))
        try:
            return await asyncio.to_thread(
                backup.refresh_knowledge_base,
                settings.db_path,
                settings.corpus_dir,
                max_file_bytes=settings.max_file_bytes,
                aliases_path=settings.aliases_path,
                confirm=confirm,
                progress=progress,
            )
        finally:
            shower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await shower

    async def _show_progress(self, interaction: Interaction, progress: Progress) -> None:
        shown: tuple[int, int, str] | None = None
        while True:
            await asyncio.sleep(PROGRESS_EVERY_SECONDS)
            latest = progress.latest
            if latest is None or latest == shown:
                continue
            shown = latest
            try:
                await interaction.edit_original_response(content=embeds.refresh_progress(*latest))
            except discord.HTTPException as exc:  # the token expired, or Discord is having a moment
                log.warning("Stopped showing the refresh progress: %s", exc)
                return

    # ---------------------------------------------------------------- /rollback

    @app_commands.command(
        name="rollback", description="Restore the data from before the last refresh (moderators)."
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(moderators_only)
    async def rollback(self, interaction: Interaction) -> None:
        await self._run(interaction, "rollback", lambda: self._rollback(interaction))

    async def _rollback(self, interaction: Interaction) -> tuple[str, str]:
        db_path = self.bot.settings.db_path
        taken = backup.backup_taken_at(db_path)
        try:
            await asyncio.to_thread(backup.restore_backup, db_path)
        except backup.NoBackupError:
            await self._show(interaction, embeds.no_backup_embed())
            return "failed", "no backup yet"
        except backup.BackupError as exc:
            await self._show(interaction, embeds.rollback_failed_embed(str(exc)))
            return "failed", str(exc)
        await self.bot.store.reload()
        totals = await self.bot.store.stats()
        await self._show(interaction, embeds.rollback_embed(totals, taken))
        return "done", f"restored the backup taken {taken:%Y-%m-%d %H:%M} UTC" if taken else ""

    # ---------------------------------------------------------------- /stats

    @app_commands.command(name="stats", description="Corpus totals, recent refreshes, usage (moderators).")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(moderators_only)
    async def stats(self, interaction: Interaction) -> None:
        store = self.bot.store
        settings = self.bot.settings
        totals = await store.stats()
        recent = await store.audit_log(commands=("refresh", "rollback"), limit=RECENT_JOBS)
        sizes = embeds.DatabaseSizes(
            knowledge=_size(settings.db_path),
            members=_size(settings.user_db_path),
            backup=_size(backup.backup_path(settings.db_path)),
            backup_taken=backup.backup_taken_at(settings.db_path),
        )
        embed = embeds.stats_embed(totals, recent, sizes, self.started, dict(self.command_counts))
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NONE)
        await self._audit(interaction, "stats", "done")


def _size(path: Path) -> int | None:
    """Bytes on disk of a SQLite database with its write-ahead log; None when there is none."""
    if not path.is_file():
        return None
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.is_file() else 0)


async def setup(bot: ClippingsBot) -> None:
    guilds = [discord.Object(id=g) for g in sorted(bot.settings.admin_guild_ids)]
    if not guilds:
        log.warning("No admin servers set (CLIPPINGS_ADMIN_GUILD_IDS): /refresh, /rollback, /stats are off")
        return
    # Guild commands: Discord offers them only in these servers, never in others or in DMs.
    await bot.add_cog(Admin(bot), guilds=guilds)
