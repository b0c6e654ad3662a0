"""The bot: a `commands.Bot` that receives its settings and Store, loads the cogs, and answers every
command error with one short ephemeral message (see `ClippingsTree.on_error`)."""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
import signal
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.config import TOKEN_HELP, Settings, SettingsError
from db.ingest.pipeline import CorpusError, run_ingest
from db.store import Store

log = logging.getLogger(__name__)

# Each is loaded on its own: one that fails is logged and the others still load.
EXTENSIONS: tuple[str, ...] = ("cogs.lookup", "cogs.search", "cogs.meta", "cogs.trivia", "cogs.admin")

# Discord error codes meaning the interaction can no longer be answered: unknown interaction (the
# 3-second window passed), unknown webhook, and invalid webhook token (the 15-minute token expired).
EXPIRED_CODES = frozenset({10062, 10015, 50027})

INTERNAL_ERROR = "Something went wrong; it has been logged."


def use_api_base(api_base: str) -> None:
    """Point discord.py at another Discord API, e.g. a self-hosted REST proxy or a test stand-in.

    `api_base` is the full versioned base such as ``http://127.0.0.1:8080/api/v10``. Every REST call
    and every interaction callback, follow-up and edit (discord/webhook/async_.py builds its URLs from
    the same `Route.BASE`) goes there. The gateway URL is asked of that API (``GET /gateway/bot``) at
    connect time, see `ClippingsBot.connect`. This is the one place that changes discord.py's endpoints.
    """
    discord.http.Route.BASE = api_base.rstrip("/")


_TOKEN_IN_PATH = re.compile(r"/[A-Za-z0-9_.-]{40,}")  # interaction and webhook tokens in URLs


def _server_error_trace() -> aiohttp.TraceConfig:
    """Logs each 5xx answer from Discord. discord.py retries those quietly, callbacks and follow-ups too."""

    async def on_request_end(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestEndParams
    ) -> None:
        if params.response.status >= 500:
            path = _TOKEN_IN_PATH.sub("/<token>", params.url.path)
            log.warning("Discord answered %s to %s %s; retrying", params.response.status, params.method, path)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


class Refusal(app_commands.CheckFailure):
    """A check that failed with a message written for the user, e.g. "Only the starter can stop it."."""


def _human_permissions(names: list[str]) -> str:
    return ", ".join(name.replace("_", " ").replace("guild", "server").title() for name in names)


def _expected(error: app_commands.TransformerError) -> str:
    """What a value should have been: the name of our own transformer ("Year" -> year), else the type."""
    transformer = type(error.transformer)
    if transformer.__module__.startswith("discord."):
        return error.type.name
    return transformer.__name__.removesuffix("Transformer").lower()


def error_message(error: BaseException) -> str | None:
    """The short message a user sees for `error`, or None when the interaction can no longer be answered."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, discord.HTTPException) and error.code in EXPIRED_CODES:
        return None
    if isinstance(error, app_commands.TransformerError):
        value = discord.utils.escape_markdown(str(error.value))[:100]
        return f"That is not a valid {_expected(error)}: {value}"
    if isinstance(error, app_commands.CommandOnCooldown):
        at = discord.utils.utcnow() + datetime.timedelta(seconds=error.retry_after)
        return f"You are going a little fast; try again {discord.utils.format_dt(at, 'R')}."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_human_permissions(error.missing_permissions)} permission to use this."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the {_human_permissions(error.missing_permissions)} permission in this channel."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.MissingRole | app_commands.MissingAnyRole):
        return "You need a role you do not have to use this."
    if isinstance(error, Refusal):
        return str(error)
    if isinstance(error, app_commands.CheckFailure):
        return "You cannot use this command here."
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "This command has changed since Discord last heard of it; try again in a minute."
    return INTERNAL_ERROR


async def report_error(interaction: discord.Interaction[Any], error: BaseException, *, where: str) -> None:
    """Answer `error` with a short ephemeral message; log the traceback when it is not the user's doing.

    Used by the tree (every app command) and by views (`View.on_error`). Never raises.
    """
    message = error_message(error)
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if message is None:
        log.warning("Interaction %s for %s expired before it was answered", interaction.id, where)
        return
    if message == INTERNAL_ERROR:
        log.error("Unexpected error in %s", where, exc_info=original)
    else:
        log.info("%s refused for user %s: %s", where, interaction.user.id, type(original).__name__)
    if interaction.is_expired():
        log.warning("Interaction %s for %s expired before the error could be shown", interaction.id, where)
        return
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException as exc:
        if exc.code in EXPIRED_CODES:
            log.warning(
                "Interaction %s for %s expired before the error could be shown", interaction.id, where
            )
        else:
            log.exception("Could not show the error for %s", where)
    except Exception:  # the error handler is the last stop: nothing may escape it
        log.exception("Could not show the error for %s", where)


class ClippingsTree(app_commands.CommandTree["ClippingsBot"]):
    async def on_error(
        self, interaction: discord.Interaction[ClippingsBot], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command
        where = f"/{command.qualified_name}" if command is not None else f"interaction {interaction.id}"
        await report_error(interaction, error, where=where)


class ClippingsBot(commands.Bot):
    """The bot. Build it with `create_bot`; it connects only when started (`clippings run`)."""

    tree: ClippingsTree

    def __init__(
        self, settings: Settings, store: Store | None = None, *, sync_dev_guild: bool = True
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice: no warning about it
        super().__init__(
            command_prefix=commands.when_mentioned,  # app commands only; no message commands exist
            help_command=None,
            intents=intents,
            tree_cls=ClippingsTree,
            allowed_mentions=discord.AllowedMentions.none(),
            owner_ids=set(settings.owner_ids) or None,
            http_trace=_server_error_trace(),
        )
        self.settings = settings
        self._store = store
        self._owns_store = store is None
        self.sync_dev_guild = sync_dev_guild
        if settings.api_base:
            use_api_base(settings.api_base)

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("The Store is opened in setup_hook; it is not open yet")
        return self._store

    async def setup_hook(self) -> None:
        if self._store is None:
            self._store = await open_store(self.settings)
        for name in EXTENSIONS:
            try:
                await self.load_extension(name)
            except Exception:
                log.exception("Could not load %s; the other commands still work", name)
        if self.settings.dev_guild_id is not None and self.sync_dev_guild:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException:
                log.exception("Could not sync the commands to the development guild %s", guild.id)
            else:
                log.info("Synced %d commands to the development guild %s", len(synced), guild.id)

    async def connect(self, *, reconnect: bool = True) -> None:
        if self.settings.api_base:
            # discord.py goes straight to Discord's gateway; another API announces its own.
            _, url, _ = await self.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await super().connect(reconnect=reconnect)

    async def on_ready(self) -> None:
        stats = await self.store.stats()
        log.info(
            "Ready as %s in %d servers; %d articles, %d quotes, %d partnerships",
            self.user,
            len(self.guilds),
            stats.articles,
            stats.quotes,
            stats.partnerships,
        )

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self._store is not None and self._owns_store:
                store, self._store = self._store, None
                await store.close()


async def open_store(settings: Settings) -> Store:
    """Open the knowledge base, building it from the configured corpus first when it is empty."""
    store = await Store.open(settings.db_path, settings.user_db_path)
    if (await store.stats()).articles == 0:
        log.info("The knowledge base is empty; ingesting %s", settings.corpus_dir)
        report = await asyncio.to_thread(
            run_ingest,
            settings.db_path,
            settings.corpus_dir,
            max_file_bytes=settings.max_file_bytes,
            aliases_path=settings.aliases_path,
        )
        await store.reload()
        log.info("Ingested %d articles (%d failed)", len(report.added), len(report.failed))
    return store


def create_bot(
    settings: Settings, store: Store | None = None, *, sync_dev_guild: bool = True
) -> ClippingsBot:
    """Build the bot without connecting. Without `store`, setup_hook opens the one in `settings`."""
    return ClippingsBot(settings, store, sync_dev_guild=sync_dev_guild)


# ---------------------------------------------------------------- running it (clippings run / sync)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class _Redact(logging.Filter):
    """Keeps a secret (the bot token) out of every log line, whoever logs it."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "[token]"), None
        return True


def setup_logging(level: str, *, secret: str | None = None) -> None:
    """Log to stderr at `level` (one of LOG_LEVELS); `secret` never appears in the output."""
    if level not in LOG_LEVELS:
        raise SettingsError(f"CLIPPINGS_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    if secret:
        handler.addFilter(_Redact(secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class StartupError(Exception):
    """The bot cannot start for a reason the user can fix; the message says how."""


REJECTED_TOKEN = f"Discord rejected DISCORD_TOKEN (reset or mistyped). {TOKEN_HELP}"


async def run_bot(settings: Settings) -> None:
    """Connect and serve until SIGINT or SIGTERM, then close the bot and the database.

    Raises StartupError when Discord refuses the token or cannot be reached.
    """
    if settings.token is None:
        raise StartupError(settings.token_problem() or "No Discord token is set.")
    bot = create_bot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with bot:
            serving = asyncio.create_task(bot.start(settings.token))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not serving.done():
                log.info("Stopping: closing the connection and the database")
                await bot.close()
                try:
                    await serving
                except Exception:  # a stop in the middle of logging in cuts the request short
                    log.debug("Interrupted while starting", exc_info=True)
                return
            await serving
    except discord.LoginFailure:
        raise StartupError(REJECTED_TOKEN) from None
    except discord.ConnectionClosed as exc:
        if exc.code == 4004:  # Authentication failed: the token was reset while the bot was running
            raise StartupError(REJECTED_TOKEN) from None
        raise StartupError(f"Discord closed the gateway for good (close code {exc.code})") from None
    except CorpusError as exc:
        raise StartupError(str(exc)) from None
    except (TimeoutError, aiohttp.ClientError, discord.GatewayNotFound) as exc:
        raise StartupError(f"Cannot reach Discord ({discord.http.Route.BASE}): {exc}") from None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def sync_commands(settings: Settings, guild_id: int | None) -> list[str]:
    """Log in, sync the command tree (to one guild, or globally plus the admin guilds), and say what."""
    if settings.token is None:
        raise StartupError(settings.token_problem() or "No Discord token is set.")
    bot = create_bot(settings, sync_dev_guild=False)
    done: list[str] = []
    try:
        async with bot:
            await bot.login(settings.token)
            targets: list[discord.Object | None] = []
            if guild_id is not None:
                guild = discord.Object(id=guild_id)
                bot.tree.copy_global_to(guild=guild)
                targets.append(guild)
            else:
                targets.append(None)
                targets += [
                    discord.Object(id=g)
                    for g in sorted(settings.admin_guild_ids)
                    if bot.tree.get_commands(guild=discord.Object(id=g))
                ]
            for target in targets:
                synced = await bot.tree.sync(guild=target)
                where = "globally" if target is None else f"to guild {target.id}"
                names = ", ".join(f"/{c.name}" for c in sorted(synced, key=lambda c: c.name))
                done.append(f"Synced {len(synced)} commands {where}: {names or '(none)'}")
    except discord.LoginFailure:
        raise StartupError(REJECTED_TOKEN) from None
    except CorpusError as exc:
        raise StartupError(str(exc)) from None
    except discord.Forbidden:
        raise StartupError(
            f"Discord refused the sync to guild {guild_id}: invite the bot there with the "
            "applications.commands scope"
        ) from None
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise StartupError(f"Cannot reach Discord ({discord.http.Route.BASE}): {exc}") from None
    return done
