"""The `clippings` command line: one subcommand per job.

Each subcommand is a function `_cmd_<name>(args, settings) -> int` registered in `build_parser()`.
Expected failures (bad settings, a missing corpus, an unwritable database) print one line to stderr and
return 2; nothing the user can cause ends in a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

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
    return parser


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
