"""The `clippings` command line: one subcommand per job.

Each subcommand is a function `_cmd_<name>(args, settings) -> int` registered in `build_parser()`.
Expected failures (bad settings, a missing corpus, an unwritable database) print one line to stderr and
return 2; nothing the user can cause ends in a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings

Command = Callable[[argparse.Namespace, Settings], int]


def fail(message: str) -> int:
    print(f"clippings: {message}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clippings",
        description="A Discord bot that answers questions from a folder of news articles.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _ = sub  # subcommands are added below this line, one block each

    ingest = sub.add_parser("ingest", help="load the corpus folder into the knowledge base (incremental)")
    ingest.add_argument(
        "--corpus", type=Path, metavar="DIR", help="the corpus folder (default: CLIPPINGS_CORPUS)"
    )
    ingest.add_argument("--db", type=Path, metavar="PATH", help="the knowledge base (default: CLIPPINGS_DB)")
    ingest.add_argument(
        "--confirm", action="store_true", help="go ahead even when more than half of the articles would go"
    )
    ingest.set_defaults(func=_cmd_ingest)

    rollback = sub.add_parser(
        "rollback", help="restore the knowledge base from before the last ingest that changed it"
    )
    rollback.add_argument(
        "--db", type=Path, metavar="PATH", help="the knowledge base (default: CLIPPINGS_DB)"
    )
    rollback.set_defaults(func=_cmd_rollback)

    export = sub.add_parser("export", help="print the knowledge base as one JSON document")
    export.add_argument("--db", type=Path, metavar="PATH", help="the knowledge base (default: CLIPPINGS_DB)")
    export.set_defaults(func=_cmd_export)

    run = sub.add_parser("run", help="connect to Discord and serve the commands (needs DISCORD_TOKEN)")
    run.set_defaults(func=_cmd_run)

    sync = sub.add_parser("sync", help="register the slash commands with Discord (globally or in one server)")
    sync.add_argument("--guild", type=_snowflake, metavar="ID", help="sync to this server only (instant)")
    sync.set_defaults(func=_cmd_sync)

    ask = sub.add_parser("ask", help='run one command offline, e.g. clippings ask "/help"')
    ask.add_argument("command_text", metavar="COMMAND", help="a slash command as typed in Discord, in quotes")
    ask.add_argument("--json", action="store_true", help="print the exact request bodies sent to Discord")
    ask.add_argument("--user", type=_snowflake, metavar="ID", help="act as this member id")
    ask.set_defaults(func=_cmd_ask)

    console = sub.add_parser("console", help="an offline prompt to try every command, no Discord needed")
    console.set_defaults(func=_cmd_console)
    return parser


def _snowflake(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"a Discord id is a number, not {text!r}")
    return int(text)


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import StartupError, run_bot, setup_logging

    problem = settings.token_problem()
    if problem is not None:
        return fail(problem)
    try:
        setup_logging(settings.log_level, secret=settings.token)
        asyncio.run(run_bot(settings))
    except (StartupError, SettingsError) as exc:
        return fail(str(exc))
    return 0


def _cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import StartupError, setup_logging, sync_commands

    problem = settings.token_problem()
    if problem is not None:
        return fail(problem)
    try:
        setup_logging(_quiet(settings.log_level), secret=settings.token)
        for line in asyncio.run(sync_commands(settings, args.guild)):
            print(line)
    except (StartupError, SettingsError) as exc:
        return fail(str(exc))
    return 0


def _quiet(level: str) -> str:
    """Offline tools print their answer on stdout; the log only speaks up for warnings (or when asked)."""
    return level if level in ("DEBUG", "WARNING", "ERROR") else "WARNING"


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import setup_logging
    from bot.console import ask
    from bot.offline import DEFAULT_USER_ID
    from db.ingest.pipeline import CorpusError

    try:
        setup_logging(_quiet(settings.log_level))
    except SettingsError as exc:
        return fail(str(exc))
    user = args.user if args.user is not None else DEFAULT_USER_ID
    try:
        return asyncio.run(ask(settings, args.command_text, as_json=args.json, user_id=user, out=sys.stdout))
    except CorpusError as exc:
        return fail(str(exc))


def _cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import setup_logging
    from bot.console import console
    from db.ingest.pipeline import CorpusError

    try:
        setup_logging(_quiet(settings.log_level))
    except SettingsError as exc:
        return fail(str(exc))
    try:
        return asyncio.run(console(settings, stdin=sys.stdin, out=sys.stdout))
    except CorpusError as exc:
        return fail(str(exc))


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from db.backup import backup_path, refresh_knowledge_base
    from db.ingest.pipeline import CorpusError, TooManyRemovals

    corpus: Path = args.corpus or settings.corpus_dir
    db_path: Path = args.db or settings.db_path
    aliases = settings.aliases_path
    if args.corpus is not None and aliases == settings.corpus_dir / "aliases.toml":
        aliases = corpus / "aliases.toml"  # the default aliases file lives in the corpus folder
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=0, unit=" files", file=sys.stderr, dynamic_ncols=True, leave=False)

    def progress(done: int, total: int, file: str) -> None:
        if bar is not None:
            if bar.total != total:
                bar.total = total
            bar.set_postfix_str(file, refresh=False)
            bar.update(done - bar.n)

    try:
        # The same refresh as /refresh: a backup first, and the guard against removing most articles.
        report = refresh_knowledge_base(
            db_path,
            corpus,
            max_file_bytes=settings.max_file_bytes,
            aliases_path=aliases,
            confirm=args.confirm,
            progress=progress,
        )
    except TooManyRemovals as exc:
        return fail(f"{exc}. If the corpus folder is meant to look like that, run again with --confirm")
    except CorpusError as exc:
        return fail(str(exc))
    finally:
        if bar is not None:
            bar.close()
    print(f"Ingested {corpus} into {db_path} in {report.seconds:.1f} s")
    print(
        f"  added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, failed {len(report.failed)}"
    )
    for label, names in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        if names:
            shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
            print(f"  {label}: {shown}")
    for failure in report.failed:
        print(f"  failed: {failure.file}: {failure.reason}")
    for warning in report.warnings:
        print(f"  warning: {warning}")
    if (report.added or report.updated or report.removed) and backup_path(db_path).is_file():
        print(f"The data from before is in {backup_path(db_path)}: `clippings rollback` restores it.")
    return 0


def _cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from db.backup import BackupError, NoBackupError, backup_taken_at, restore_backup

    db_path: Path = args.db or settings.db_path
    taken = backup_taken_at(db_path)
    try:
        restore_backup(db_path)
    except NoBackupError:
        return fail(f"there is no backup of {db_path} yet: one is made before each ingest that changes it")
    except BackupError as exc:
        return fail(str(exc))
    when = f" taken {taken:%Y-%m-%d %H:%M} UTC" if taken else ""
    print(f"Restored the backup{when} into {db_path}.")
    print("The data it replaced is the backup now: run `clippings rollback` again to undo this.")
    print("A running bot answers from it after its next /refresh or restart.")
    return 0


def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    import sqlite3

    from db.store import write_export

    db_path: Path = args.db or settings.db_path
    if not db_path.is_file():
        return fail(f"no knowledge base at {db_path}: run `clippings ingest` first")
    try:
        write_export(db_path, sys.stdout)
        sys.stdout.flush()
    except sqlite3.Error as exc:
        return fail(f"cannot read {db_path} as a knowledge base: {exc}")
    except BrokenPipeError:  # `clippings export | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        return fail(str(exc))
    command: Command = args.func
    try:
        return command(args, settings)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
