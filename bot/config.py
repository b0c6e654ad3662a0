"""Settings from the environment and `.env` (see `.env.example` for every one)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"

# A bot token is three base64url parts separated by dots; the first encodes the bot's user id.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")

TOKEN_HELP = (
    "Create an application at https://discord.com/developers/applications, add a bot, copy its token "
    "and put it in .env as DISCORD_TOKEN=... (see .env.example). "
    "To try every command without Discord: clippings console"
)


class SettingsError(ValueError):
    """A setting is malformed: the message names it and says what is expected."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    db_path: Path
    user_db_path: Path
    corpus_dir: Path
    aliases_path: Path | None
    dev_guild_id: int | None
    admin_guild_ids: frozenset[int]
    owner_ids: frozenset[int]
    log_level: str
    max_file_bytes: int
    api_base: str | None

    def token_problem(self) -> str | None:
        """None when the token looks usable, else one line saying what is wrong and what to do."""
        if not self.token:
            return f"No Discord token is set. {TOKEN_HELP}"
        if not _TOKEN_SHAPE.match(self.token):
            return f"DISCORD_TOKEN does not look like a bot token. {TOKEN_HELP}"
        return None


def _int(env: dict[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a number (a Discord id), not {raw!r}")
    return int(raw)


def _ids(env: dict[str, str], name: str) -> frozenset[int]:
    parts = [p.strip() for p in env.get(name, "").replace(";", ",").split(",") if p.strip()]
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        raise SettingsError(f"{name} must be comma-separated Discord ids, not {bad[0]!r}")
    return frozenset(int(p) for p in parts)


def load_settings(env: dict[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read the settings from `env` (default: the process environment, after loading `.env`)."""
    if env is None:
        if dotenv:
            load_dotenv(override=False)
        env = dict(os.environ)
    db_path = Path(env.get("CLIPPINGS_DB") or "data/clippings.db")
    corpus_dir = Path(env.get("CLIPPINGS_CORPUS") or BUNDLED_CORPUS)
    aliases_raw = env.get("CLIPPINGS_ALIASES")
    aliases_path = Path(aliases_raw) if aliases_raw else corpus_dir / "aliases.toml"
    max_bytes_raw = env.get("CLIPPINGS_MAX_FILE_BYTES", "").strip()
    if max_bytes_raw and not max_bytes_raw.isdigit():
        raise SettingsError(f"CLIPPINGS_MAX_FILE_BYTES must be a number of bytes, not {max_bytes_raw!r}")
    return Settings(
        token=(env.get("DISCORD_TOKEN") or "").strip() or None,
        db_path=db_path,
        user_db_path=Path(env.get("CLIPPINGS_USER_DB") or db_path.with_name("members.db")),
        corpus_dir=corpus_dir,
        aliases_path=aliases_path,
        dev_guild_id=_int(env, "CLIPPINGS_DEV_GUILD_ID"),
        admin_guild_ids=_ids(env, "CLIPPINGS_ADMIN_GUILD_IDS"),
        owner_ids=_ids(env, "CLIPPINGS_OWNER_IDS"),
        log_level=(env.get("CLIPPINGS_LOG_LEVEL") or "INFO").upper(),
        max_file_bytes=int(max_bytes_raw) if max_bytes_raw else 2_000_000,
        api_base=(env.get("CLIPPINGS_API_BASE") or "").strip() or None,
    )
