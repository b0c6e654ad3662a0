"""`clippings ask` and `clippings console`: every command through the offline stand-in, in a terminal."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from bot.client import create_bot
from bot.config import Settings
from bot.offline import (
    DEFAULT_GUILD_ID,
    DEFAULT_USER_ID,
    InvocationError,
    OfflineDiscord,
    OfflineError,
    OfflineMessage,
    Result,
    command_definitions,
)

HELP = """\
Type a command as in Discord, e.g.  /help   /search query:some words   /quote somebody
  (the first option can go without its name; Tab completes commands, options and names)
press N        press the N-th button of the last message with buttons
click LABEL    press the button with that label
as USER_ID     act as another member from now on (to try someone else's buttons)
json           the exact request bodies of the last answer
help           this text
quit           leave (Ctrl-D works too)"""


async def ask(settings: Settings, text: str, *, as_json: bool, user_id: int, out: TextIO) -> int:
    """Run one command offline and print what a user would see (or the request bodies)."""
    async with OfflineDiscord(create_bot(settings, sync_dev_guild=False)) as offline:
        try:
            result = await offline.invoke(text, user_id=user_id)
        except InvocationError as exc:
            print(f"clippings: {exc}", file=sys.stderr)
            return 2
        if as_json:
            print(json.dumps(result.bodies, indent=2, ensure_ascii=False), file=out)
        else:
            print(result.render() or "(no answer)", file=out)
        return 1 if result.errors else 0


class Console:
    """The prompt's state: who is acting, and the last answer (whose buttons `press` and `click` use)."""

    def __init__(self, offline: OfflineDiscord, out: TextIO) -> None:
        self.offline = offline
        self.out = out
        self.user_id = DEFAULT_USER_ID
        self.last: Result | None = None
        self.with_buttons: OfflineMessage | None = None

    async def handle(self, line: str) -> bool:
        """Act on one line; False when the user wants to leave."""
        line = line.strip()
        word, _, rest = line.partition(" ")
        try:
            if not line:
                return True
            if word in ("quit", "exit"):
                return False
            if word == "help":
                self.say(HELP)
            elif line.startswith("/"):
                self.show(await self.offline.invoke(line, user_id=self.user_id))
            elif word in ("press", "click"):
                if self.with_buttons is None:
                    raise InvocationError("No message with buttons yet")
                self.show(await self.offline.click(self.with_buttons, rest.strip(), user_id=self.user_id))
            elif word == "as":
                if not rest.strip().isdigit():
                    raise InvocationError(f"as needs a user id (a number); you are {self.user_id}")
                self.user_id = int(rest)
                self.say(f"You are now member {self.user_id}.")
            elif word == "json":
                bodies = self.last.bodies if self.last is not None else []
                self.say(json.dumps(bodies, indent=2, ensure_ascii=False))
            else:
                raise InvocationError(f"Unknown input {word!r}; commands start with /. Type help.")
        except (InvocationError, OfflineError) as exc:
            self.say(str(exc))
        return True

    def show(self, result: Result) -> None:
        self.last = result
        for message in result.messages:
            if message.buttons:
                self.with_buttons = message
        self.say(result.render() or "(no answer)")
        for error in result.errors:
            self.say(f"(the command failed: {type(error).__name__}: {error})")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def completions(self, line: str, ask_bot: Callable[[str, str, str], list[str]]) -> list[str]:
        """What Tab offers for the text before the cursor: full replacements of its last word.

        `ask_bot(command_text, option, typed)` gets autocomplete choices from the bot.
        """
        if not line.startswith("/"):
            return [w + " " for w in ("press", "click", "as", "json", "help", "quit") if w.startswith(line)]
        definitions = command_definitions(self.offline.bot.tree, DEFAULT_GUILD_ID)
        if " " not in line:
            return sorted(f"/{n} " for n in definitions if f"/{n}".startswith(line))
        head, _, current = line.rpartition(" ")
        try:
            invocation = self.offline.parse(head, partial=True)
        except InvocationError:
            invocation = None
        definition = definitions.get(line[1:].split(" ", 1)[0].lower())
        if definition is None:
            return []
        options: list[dict[str, Any]] = definition.get("options", [])
        subs = list(invocation.subcommands) if invocation else []
        for sub in subs:
            options = next((o.get("options", []) for o in options if o["name"] == sub), [])
        if options and options[0]["type"] in (1, 2):
            return [o["name"] + " " for o in options if o["name"].startswith(current)]
        name, colon, typed = current.partition(":")
        if not colon:
            used = {o["name"] for o in (invocation.options if invocation else ())}
            return [f"{o['name']}:" for o in options if o["name"].startswith(name) and o["name"] not in used]
        option = next((o for o in options if o["name"] == name), None)
        if option is None:
            return []
        if option.get("choices"):
            values = [str(c["name"]) for c in option["choices"]]
            values = [v for v in values if v.casefold().startswith(typed.casefold())]
        elif option.get("autocomplete"):
            values = ask_bot(head, name, typed)  # as in Discord: the bot's choices, even by surname
        else:
            return []
        return [f"{name}:{v}" for v in values]


async def console(settings: Settings, *, stdin: TextIO, out: TextIO) -> int:
    """The interactive prompt. With a terminal: readline editing, history and Tab completion."""
    print("Loading the knowledge base (the first time builds it from the corpus)...", file=out, flush=True)
    async with OfflineDiscord(create_bot(settings, sync_dev_guild=False)) as offline:
        state = Console(offline, out)
        loop = asyncio.get_running_loop()
        interactive = stdin.isatty()
        if interactive:
            _enable_readline(state, loop)
        state.say(
            "Clippings offline: every command, no Discord needed. Type help, or a command such as /help."
        )
        while True:
            try:
                line = await asyncio.to_thread(_read, stdin, "clippings> " if interactive else "")
            except EOFError:
                break
            if not await state.handle(line):
                break
    return 0


def _read(stdin: TextIO, prompt: str) -> str:
    if prompt:
        return input(prompt)
    line = stdin.readline()
    if not line:
        raise EOFError
    return line


def _enable_readline(state: Console, loop: asyncio.AbstractEventLoop) -> None:
    try:
        import readline
    except ImportError:  # no readline on this platform: the prompt still works, without Tab
        return

    def ask_bot(text: str, option: str, typed: str) -> list[str]:
        future = asyncio.run_coroutine_threadsafe(
            state.offline.autocomplete(text, option, typed, user_id=state.user_id), loop
        )
        try:
            return [str(name) for name, _ in future.result(timeout=5)]
        except (InvocationError, OfflineError, TimeoutError):
            return []

    matches: list[str] = []

    def complete(text: str, index: int) -> str | None:
        if index == 0:  # readline asks for match 0, 1, 2... of the word before the cursor
            matches[:] = state.completions(readline.get_line_buffer()[: readline.get_endidx()], ask_bot)
        return matches[index] if index < len(matches) else None

    readline.set_completer_delims(" ")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
