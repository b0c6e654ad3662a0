"""The offline stand-in for Discord: run any command for real, with no token and no network.

A raw INTERACTION_CREATE payload, built from text such as ``/quote person:someone about:word``, goes into
discord.py's own gateway parser (``ConnectionState.parsers``); the command runs exactly as it would for
a connected bot, and every request it would send to Discord is recorded and answered the way Discord
answers it. Interaction callbacks, follow-ups and edits travel through discord.py's webhook adapter
(``discord.webhook.async_.async_context``); everything else through ``HTTPClient.request``. Both are
replaced here, and this module is the only place in the project that touches discord.py internals
(besides bot.client.use_api_base, which moves the API base URL); discord.py's minor version is pinned
in pyproject.toml for that reason.

    async with OfflineDiscord(create_bot(settings)) as offline:
        result = await offline.invoke("/quote someone")
        print(render(result.message))
        page2 = await offline.click(result.message, "Next")
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import difflib
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.http import Route
from discord.ui.view import BaseView
from discord.user import ClientUser
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

APPLICATION_ID = 1184000000000000001
BOT_USER_ID = APPLICATION_ID  # a bot's user id is its application id
BOT_NAME = "Clippings"
DEFAULT_GUILD_ID = 1184000000000000100
DEFAULT_CHANNEL_ID = 1184000000000000200
DEFAULT_USER_ID = 1184000000000000300
GUILD_OWNER_ID = 1184000000000000999

_EVERYDAY = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    read_message_history=True,
    use_application_commands=True,
    use_external_emojis=True,
    create_instant_invite=True,
    change_nickname=True,
)
MEMBER_PERMISSIONS = _EVERYDAY
"""What an ordinary member may do (the @everyone role of a fresh server)."""
MODERATOR_PERMISSIONS = _EVERYDAY | discord.Permissions(
    manage_guild=True, manage_messages=True, kick_members=True, moderate_members=True
)
BOT_PERMISSIONS = _EVERYDAY | discord.Permissions(manage_messages=True)

EPHEMERAL = 1 << 6
LOADING = 1 << 7
_KEPT_FLAGS = EPHEMERAL | (1 << 2) | (1 << 12)  # ephemeral, suppress embeds, suppress notifications

RESPONSE_WINDOW = 3.0  # seconds Discord gives for the first answer to an interaction
TOKEN_LIFETIME = 15 * 60.0  # seconds an interaction token can send follow-ups and edits

_MARKDOWN_ESCAPE = re.compile(r"\\([*_`~|>#\-\[\]()\\])")
_DISCORD_TIME = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_OPTION_MARKER = re.compile(r"(?:^|(?<=\s))([\w-]{1,32}):")


class InvocationError(ValueError):
    """Text that Discord's client would not let a user send, e.g. an unknown command or option."""


class OfflineError(RuntimeError):
    """The stand-in cannot do what was asked: a request it does not serve, a command still running."""


# ---------------------------------------------------------------- what was sent, and what a user sees


@dataclass(frozen=True)
class Request:
    """One request the bot sent to Discord."""

    method: str
    path: str  # the concrete path after the API base, e.g. /interactions/1/abc/callback
    route: str  # discord.py's template, e.g. /interactions/{webhook_id}/{webhook_token}/callback
    json: Any  # the JSON body (from payload_json for multipart requests); None without a body
    params: Mapping[str, str]
    files: tuple[str, ...]
    status: int  # what the stand-in answered
    response: Any  # the JSON answer (None for 204 and errors)
    via: Literal["webhook", "http"]
    at: float  # time.perf_counter() when it was sent


@dataclass(frozen=True)
class Button:
    label: str
    custom_id: str | None
    style: int
    disabled: bool
    url: str | None


@dataclass
class OfflineMessage:
    """A message as Discord holds it; edits update it in place."""

    data: dict[str, Any]
    deleted: bool = False

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags", 0))

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def content(self) -> str:
        return str(self.data.get("content", ""))

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds", []))

    @property
    def buttons(self) -> list[Button]:
        found: list[Button] = []
        for component in _walk_components(self.data.get("components", [])):
            if component.get("type") == 2:
                found.append(
                    Button(
                        label=str(component.get("label", "")),
                        custom_id=component.get("custom_id"),
                        style=int(component.get("style", 1)),
                        disabled=bool(component.get("disabled", False)),
                        url=component.get("url"),
                    )
                )
        return found

    def render(self) -> str:
        return render(self)


@dataclass
class Result:
    """What one interaction caused: the requests, and the messages it created or changed (as they are now)."""

    interaction_id: int
    requests: list[Request]
    touched: list[OfflineMessage]
    errors: list[BaseException]
    choices: list[tuple[str, str | int | float]] | None = None

    @property
    def messages(self) -> list[OfflineMessage]:
        return [m for m in self.touched if not m.deleted]

    @property
    def message(self) -> OfflineMessage:
        """The last message this interaction sent or edited."""
        if not self.messages:
            raise LookupError(f"the interaction sent no message; requests: {[r.path for r in self.requests]}")
        return self.messages[-1]

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The requests as ``{"method", "path", "json"}``, what `clippings ask --json` prints."""
        return [{"method": r.method, "path": r.path, "json": r.json} for r in self.requests]

    def render(self) -> str:
        return "\n\n".join(render(m) for m in self.messages)


# ---------------------------------------------------------------- from "/command opt:value" to options


@dataclass(frozen=True)
class Invocation:
    name: str  # the top-level command
    subcommands: tuple[str, ...]  # group and subcommand names, if any
    options: tuple[dict[str, Any], ...]  # as Discord sends them: {"name", "type", "value"}
    resolved: dict[str, Any]
    guild_command: bool  # defined for one guild rather than globally

    @property
    def qualified_name(self) -> str:
        return " ".join((self.name, *self.subcommands))


def command_definitions(
    tree: app_commands.CommandTree[Any], guild_id: int | None
) -> dict[str, dict[str, Any]]:
    """The chat commands a user can see where `guild_id` is (None: a DM), by name, as the sync sends them."""
    found: dict[str, dict[str, Any]] = {}
    for command in tree.get_commands(type=discord.AppCommandType.chat_input):
        found[command.name] = {**command.to_dict(tree), "guild_command": False}
    if guild_id is not None:
        for command in tree.get_commands(
            guild=discord.Object(guild_id), type=discord.AppCommandType.chat_input
        ):
            found[command.name] = {**command.to_dict(tree), "guild_command": True}
    return found


def parse_invocation(
    tree: app_commands.CommandTree[Any],
    text: str,
    *,
    guild_id: int | None = DEFAULT_GUILD_ID,
    partial: bool = False,
    permissions: discord.Permissions | None = None,
) -> Invocation:
    """Read ``/name opt:value ...`` (or ``/name value`` for the first option) the way Discord's client does.

    Option names and types come from the tree's own definitions. With `partial` (autocomplete), missing
    required options are allowed. With `permissions`, a command whose default_member_permissions the
    member lacks is refused, as Discord hides it from them. Raises InvocationError with a message a
    user can act on.
    """
    text = text.strip()
    if not text.startswith("/"):
        raise InvocationError("A command starts with /, e.g. /help")
    head, _, rest = text[1:].partition(" ")
    name = head.strip().lower()
    definitions = command_definitions(tree, guild_id)
    definition = definitions.get(name)
    if definition is None:
        close = difflib.get_close_matches(name, definitions, n=3)
        hint = f" Did you mean {', '.join('/' + c for c in close)}?" if close else ""
        raise InvocationError(f"There is no command /{name}.{hint} Commands: {_names(definitions)}")
    if guild_id is None and not _usable_in_dms(definition):
        raise InvocationError(f"/{name} works only in servers")
    if permissions is not None and not _visible_to(definition, permissions):
        raise InvocationError(
            f"/{name} is shown only to members who may {_permission_names(definition)} "
            "(unless a server admin changed that)"
        )
    subcommands: list[str] = []
    options_def: list[dict[str, Any]] = definition.get("options", [])
    while options_def and options_def[0]["type"] in (1, 2):
        sub, _, rest = rest.strip().partition(" ")
        chosen = next((o for o in options_def if o["name"] == sub.lower()), None)
        if chosen is None:
            raise InvocationError(f"/{' '.join([name, *subcommands])} needs one of: {_names(options_def)}")
        subcommands.append(chosen["name"])
        options_def = chosen.get("options", [])
    raw = _split_options(rest, options_def, f"/{' '.join([name, *subcommands])}")
    options: list[dict[str, Any]] = []
    resolved: dict[str, dict[str, Any]] = {}
    for option in options_def:
        value = raw.get(option["name"])
        if value is None or value == "":
            if option.get("required") and not partial:
                raise InvocationError(f"/{' '.join([name, *subcommands])} needs {option['name']}:")
            continue
        options.append(
            {
                "name": option["name"],
                "type": option["type"],
                "value": _convert(option, value, resolved, guild_id),
            }
        )
    return Invocation(
        name,
        tuple(subcommands),
        tuple(_nest(subcommands, options)),
        resolved,
        bool(definition["guild_command"]),
    )


def _nest(subcommands: Sequence[str], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wrap a subcommand's options in its subcommand (type 1) and group (type 2) options."""
    for depth in reversed(range(len(subcommands))):
        kind = 1 if depth == len(subcommands) - 1 else 2
        options = [{"name": subcommands[depth], "type": kind, "options": options}]
    return options


def _usable_in_dms(definition: dict[str, Any]) -> bool:
    contexts = definition.get("contexts")
    if contexts is not None:
        return 1 in contexts
    return definition.get("dm_permission") is not False


def _visible_to(definition: dict[str, Any], permissions: discord.Permissions) -> bool:
    needed = definition.get("default_member_permissions")
    if needed is None or permissions.administrator:
        return True
    required = discord.Permissions(int(needed))
    return required.value != 0 and required.is_subset(permissions)


def _permission_names(definition: dict[str, Any]) -> str:
    required = discord.Permissions(int(definition.get("default_member_permissions") or 0))
    names = [name.replace("_", " ").replace("guild", "server") for name, on in required if on]
    return " and ".join(names) or "administer the server"


def _names(items: Iterable[Any]) -> str:
    names = [item["name"] if isinstance(item, dict) else str(item) for item in items]
    return ", ".join(sorted(names)) or "(none)"


def _split_options(rest: str, options_def: list[dict[str, Any]], shown: str) -> dict[str, str]:
    known = {o["name"] for o in options_def}
    markers = [m for m in _OPTION_MARKER.finditer(rest) if m.group(1).lower() in known]
    for m in _OPTION_MARKER.finditer(rest):
        word = m.group(1).lower()
        if word not in known:
            close = difflib.get_close_matches(word, known, n=1, cutoff=0.75)
            if close:
                raise InvocationError(f"{shown} has no option {word}: (did you mean {close[0]}:?)")
    values: dict[str, str] = {}
    positional = (rest[: markers[0].start()] if markers else rest).strip()
    if positional:
        if not options_def:
            raise InvocationError(f"{shown} takes no options")
        values[options_def[0]["name"]] = _unquote(positional)
    for marker, after in itertools.zip_longest(markers, markers[1:]):
        option = marker.group(1).lower()
        if option in values:
            raise InvocationError(f"{shown}: {option}: is given twice")
        end = after.start() if after is not None else len(rest)
        values[option] = _unquote(rest[marker.end() : end].strip())
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _convert(
    option: dict[str, Any], value: str, resolved: dict[str, dict[str, Any]], guild_id: int | None
) -> Any:
    name, kind = option["name"], option["type"]
    converted: Any
    if kind == 3:
        converted = value
        if "min_length" in option and len(value) < option["min_length"]:
            raise InvocationError(f"{name}: needs at least {option['min_length']} characters")
        if "max_length" in option and len(value) > option["max_length"]:
            raise InvocationError(f"{name}: takes at most {option['max_length']} characters")
        if len(value) > 6000:
            raise InvocationError(f"{name}: takes at most 6000 characters")
    elif kind == 4:
        if not re.fullmatch(r"-?\d+", value):
            raise InvocationError(f"{name}: needs a whole number, not {value!r}")
        converted = int(value)
    elif kind == 10:
        try:
            converted = float(value)
        except ValueError:
            raise InvocationError(f"{name}: needs a number, not {value!r}") from None
    elif kind == 5:
        lowered = value.lower()
        if lowered not in ("true", "false", "yes", "no"):
            raise InvocationError(f"{name}: needs true or false, not {value!r}")
        converted = lowered in ("true", "yes")
    elif kind == 6:
        digits = re.fullmatch(r"<@!?(\d+)>|(\d+)", value)
        if digits is None:
            raise InvocationError(f"{name}: needs a user id or mention, not {value!r}")
        user_id = int(digits.group(1) or digits.group(2))
        resolved.setdefault("users", {})[str(user_id)] = _user_payload(user_id)
        if guild_id is not None:
            member = _member_payload(user_id, MEMBER_PERMISSIONS)
            del member["user"]
            resolved.setdefault("members", {})[str(user_id)] = member
        return str(user_id)
    else:
        raise InvocationError(
            f"{name}: options of Discord type {kind} cannot be typed in the offline stand-in"
        )
    choices = option.get("choices")
    if choices:
        for choice in choices:
            if str(choice["value"]).lower() == value.lower() or choice["name"].lower() == value.lower():
                return choice["value"]
        raise InvocationError(f"{name}: must be one of {', '.join(c['name'] for c in choices)}")
    if kind in (4, 10):
        if "min_value" in option and converted < option["min_value"]:
            raise InvocationError(f"{name}: must be at least {option['min_value']}")
        if "max_value" in option and converted > option["max_value"]:
            raise InvocationError(f"{name}: must be at most {option['max_value']}")
    return converted


# ---------------------------------------------------------------- payloads as Discord sends them


def _user_payload(user_id: int) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": f"member{str(user_id)[-4:]}",
        "global_name": f"Member {str(user_id)[-4:]}",
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
    }


def _member_payload(user_id: int, permissions: discord.Permissions) -> dict[str, Any]:
    return {
        "user": _user_payload(user_id),
        "roles": [],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "permissions": str(permissions.value),
    }


def _bot_user_payload() -> dict[str, Any]:
    return {
        "id": str(BOT_USER_ID),
        "username": BOT_NAME,
        "global_name": None,
        "discriminator": "0",
        "avatar": None,
        "bot": True,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
        "verified": True,
        "mfa_enabled": False,
    }


def _guild_payload(guild_id: int, channel_ids: Iterable[int]) -> dict[str, Any]:
    return {
        "id": str(guild_id),
        "name": "Offline server",
        "icon": None,
        "owner_id": str(GUILD_OWNER_ID),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "system_channel_flags": 0,
        "preferred_locale": "en-US",
        "premium_progress_bar_enabled": False,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [
            {
                "id": str(guild_id),
                "name": "@everyone",
                "permissions": str(MEMBER_PERMISSIONS.value),
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "channels": [_channel_payload(cid, guild_id) for cid in channel_ids],
        "members": [_member_payload(BOT_USER_ID, BOT_PERMISSIONS) | {"user": _bot_user_payload()}],
        "member_count": 2,
        "threads": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "unavailable": False,
        "large": False,
        "joined_at": "2024-01-01T00:00:00+00:00",
    }


def _channel_payload(channel_id: int, guild_id: int | None) -> dict[str, Any]:
    if guild_id is None:
        return {"id": str(channel_id), "type": 1, "last_message_id": None, "flags": 0}
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": f"channel-{str(channel_id)[-4:]}",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "parent_id": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def _walk_components(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components", []))
        if isinstance(component.get("accessory"), dict):
            yield component["accessory"]


# ---------------------------------------------------------------- the exchange of one interaction


@dataclass
class _Exchange:
    interaction_id: int
    token: str
    kind: int  # 2 command, 3 component, 4 autocomplete
    created: float  # time.monotonic() at the moment Discord created the interaction
    context: dict[str, Any]  # guild_id, channel_id, user payload, command name
    source_message: int | None = None  # the message a clicked component is on
    original: int | None = None  # what @original refers to
    responded: bool = False
    followup_fills_original: bool = False  # a deferred "thinking" message waits for the first follow-up
    requests: list[Request] = field(default_factory=list)
    touched: list[int] = field(default_factory=list)
    choices: list[tuple[str, str | int | float]] | None = None

    def touch(self, message_id: int) -> None:
        if message_id in self.touched:
            self.touched.remove(message_id)
        self.touched.append(message_id)


_current: contextvars.ContextVar[_Exchange | None] = contextvars.ContextVar("offline_exchange", default=None)


@dataclass(frozen=True)
class _FakeResponse:
    """Enough of an aiohttp response for discord.HTTPException."""

    status: int
    reason: str


def _http_error(status: int, code: int, message: str) -> discord.HTTPException:
    response = _FakeResponse(status, {400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}[status])
    body = {"code": code, "message": message}
    if status == 404:
        return discord.NotFound(response, body)
    return discord.HTTPException(response, body)


class _WebhookRecorder(AsyncWebhookAdapter):
    """Takes the place of discord.py's webhook adapter: interaction callbacks, follow-ups and edits."""

    def __init__(self, offline: OfflineDiscord) -> None:
        super().__init__()
        self._offline = offline

    async def request(
        self,
        route: Route,
        session: Any,
        *,
        payload: dict[str, Any] | None = None,
        multipart: list[dict[str, Any]] | None = None,
        files: Sequence[discord.File] | None = None,
        params: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        return self._offline._serve("webhook", route, _body(payload, multipart), params, files)


def _body(payload: dict[str, Any] | None, multipart: Iterable[dict[str, Any]] | None) -> Any:
    if payload is not None:
        return payload
    for part in multipart or ():
        if part.get("name") == "payload_json":
            return json.loads(part["value"])
    return None


# ---------------------------------------------------------------- the stand-in


class OfflineDiscord:
    """Discord without Discord: feeds raw interaction payloads to a bot and answers what it sends back."""

    def __init__(self, bot: commands.Bot, *, timeout: float = 30.0, enforce_windows: bool = True) -> None:
        self.bot = bot
        self.timeout = timeout
        self.enforce_windows = enforce_windows  # Discord's 3-second and 15-minute limits
        self.requests: list[Request] = []
        self.messages: dict[int, OfflineMessage] = {}
        self.synced: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global) -> commands
        self._waiting: list[tuple[Callable[[Request], bool], asyncio.Future[Request]]] = []
        self._adapter = _WebhookRecorder(self)
        self._exchanges: dict[str, _Exchange] = {}
        self._guilds: dict[int, set[int]] = {}
        self._ids = itertools.count()
        self._started = False

    # -- lifecycle

    async def start(self) -> None:
        """Make the bot look logged in (application id, bot user) and run its setup_hook; no connection."""
        bot = self.bot
        await bot.__aenter__()  # discord.py's own set-up of the loop objects; no network
        state = bot._connection
        bot.http.request = self._http_request  # type: ignore[method-assign]
        state.application_id = APPLICATION_ID
        state.user = ClientUser(state=state, data=_bot_user_payload())  # type: ignore[arg-type]
        await self._in_context(None, bot.setup_hook)
        bot._ready.set()  # wait_until_ready() returns, as it would after READY
        self._started = True

    async def close(self) -> None:
        for view in self._live_views():
            view.stop()
        await asyncio.sleep(0)  # let the views' timeout tasks see their cancellation
        await self.bot.close()

    async def __aenter__(self) -> OfflineDiscord:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- what a user does

    def parse(
        self,
        text: str,
        *,
        guild_id: int | None = DEFAULT_GUILD_ID,
        partial: bool = False,
        permissions: discord.Permissions | None = None,
    ) -> Invocation:
        return parse_invocation(
            self.bot.tree, text, guild_id=guild_id, partial=partial, permissions=permissions
        )

    def command_payload(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        channel_id: int = DEFAULT_CHANNEL_ID,
        guild_id: int | None = DEFAULT_GUILD_ID,
        permissions: discord.Permissions = MEMBER_PERMISSIONS,
        locale: str = "en-US",
        age: float = 0.0,
        overridden: bool = False,
    ) -> dict[str, Any]:
        """The INTERACTION_CREATE payload Discord would send for `text` (type 2, application command),
        created `age` seconds ago. `overridden`: a server admin let everyone use the command, whatever
        its default_member_permissions say (so the bot's own check must hold)."""
        invocation = self.parse(text, guild_id=guild_id, permissions=None if overridden else permissions)
        data = self._command_data(invocation, guild_id)
        return self._payload(2, data, user_id, channel_id, guild_id, permissions, locale, age=age)

    async def invoke(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        channel_id: int = DEFAULT_CHANNEL_ID,
        guild_id: int | None = DEFAULT_GUILD_ID,
        permissions: discord.Permissions = MEMBER_PERMISSIONS,
        locale: str = "en-US",
        age: float = 0.0,
        overridden: bool = False,
    ) -> Result:
        """Run ``/command ...`` as the given member and wait until it has finished.

        `age` makes the interaction that many seconds old when it arrives (over 3: Discord no longer takes
        the first answer; over 900: the token has expired). `overridden`: see command_payload.
        """
        payload = self.command_payload(
            text,
            user_id=user_id,
            channel_id=channel_id,
            guild_id=guild_id,
            permissions=permissions,
            locale=locale,
            age=age,
            overridden=overridden,
        )
        return await self.dispatch(payload)

    async def autocomplete(
        self,
        text: str,
        option: str,
        value: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        channel_id: int = DEFAULT_CHANNEL_ID,
        guild_id: int | None = DEFAULT_GUILD_ID,
    ) -> list[tuple[str, str | int | float]]:
        """The choices the bot offers while `option` of `text` (a command and options) holds `value`."""
        invocation = self.parse(text, guild_id=guild_id, partial=True)
        leaf = _leaf_definition(command_definitions(self.bot.tree, guild_id)[invocation.name], invocation)
        option_def = next((o for o in leaf.get("options", []) if o["name"] == option.lower()), None)
        if option_def is None:
            raise InvocationError(f"/{invocation.qualified_name} has no option {option}:")
        if not option_def.get("autocomplete"):
            raise InvocationError(f"/{invocation.qualified_name} {option_def['name']}: does not autocomplete")
        focused = {"name": option_def["name"], "type": option_def["type"], "value": value, "focused": True}
        options = [o for o in _leaf_options(invocation.options) if o["name"] != focused["name"]] + [focused]
        data = self._command_data(invocation, guild_id, leaf_options=options)
        payload = self._payload(4, data, user_id, channel_id, guild_id, MEMBER_PERMISSIONS, "en-US")
        result = await self.dispatch(payload)
        return result.choices or []

    async def click(
        self,
        message: OfflineMessage,
        button: str | int,
        *,
        user_id: int = DEFAULT_USER_ID,
        guild_id: int | None = None,
        channel_id: int | None = None,
        permissions: discord.Permissions = MEMBER_PERMISSIONS,
        stale: bool = False,
    ) -> Result:
        """Press a button of `message`: by custom_id, by label (case-insensitive) or by 1-based position.

        `stale`: press it even when it is switched off, as a client still showing the message from before
        the edit can (e.g. a click that races the timeout)."""
        if message.deleted:
            raise InvocationError("That message was deleted")
        pressed = _find_button(message, button)
        if pressed.url is not None or pressed.custom_id is None:
            raise InvocationError(
                f"The button {pressed.label!r} opens {pressed.url}; there is nothing to press"
            )
        if pressed.disabled and not stale:
            raise InvocationError(f"The button {pressed.label!r} is switched off")
        channel = channel_id if channel_id is not None else int(message.data["channel_id"])
        guild = guild_id if guild_id is not None else _int_or_none(message.data.get("guild_id"))
        data = {"custom_id": pressed.custom_id, "component_type": 2}
        payload = self._payload(3, data, user_id, channel, guild, permissions, "en-US")
        payload["message"] = json.loads(json.dumps(message.data))
        return await self.dispatch(payload, source_message=message.id)

    async def sync(self, guild_id: int | None = None) -> list[discord.app_commands.AppCommand]:
        """Run the bot's own command sync (recorded like any request): global, or for one guild."""
        guild = discord.Object(guild_id) if guild_id is not None else None
        synced: list[discord.app_commands.AppCommand] = await self._in_context(
            None, lambda: self.bot.tree.sync(guild=guild)
        )
        return synced

    async def time_out_views(self) -> Result:
        """Let every live view time out now (as if its timeout had passed) and wait for its on_timeout."""
        exchange = self._new_exchange(0, {}, kind=0)

        def fire() -> None:
            for view in self._live_views():
                view._dispatch_timeout()  # what the view's own timer calls when the time is up
                view.stop()  # and that timer, still asleep, is no longer needed

        errors = await self._run_and_wait(exchange, fire)
        return self._result(exchange, errors)

    def forget(self) -> None:
        """Drop every request, message and interaction recorded so far, as if Discord had forgotten them.

        For long runs (the query benchmark): the stand-in keeps everything it was sent, which a bot's own
        process never holds, and all of it would weigh on that process's garbage collections.
        Messages with live buttons can no longer be clicked or switched off afterwards.
        """
        self.requests.clear()
        self.messages.clear()
        self._exchanges.clear()

    async def wait_for_request(self, matches: Callable[[Request], bool], *, timeout: float = 5.0) -> Request:
        """The first request, already sent or still to come, for which `matches` is true (e.g. the next
        round that a game task posts on its own after the command has returned)."""
        sent = next((r for r in self.requests if matches(r)), None)
        if sent is not None:
            return sent
        future: asyncio.Future[Request] = asyncio.get_running_loop().create_future()
        self._waiting.append((matches, future))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.remove((matches, future))

    # -- raw payloads

    async def dispatch(self, payload: dict[str, Any], *, source_message: int | None = None) -> Result:
        """Feed one raw INTERACTION_CREATE payload to discord.py's gateway parser; wait for what it causes.

        Discord's time limits count from the moment in the payload's id (a snowflake)."""
        if not self._started:
            raise OfflineError("start() the stand-in first (or use it with `async with`)")
        context = {
            "guild_id": _int_or_none(payload.get("guild_id")),
            "channel_id": int(payload["channel_id"]),
            "user": payload["member"]["user"] if "member" in payload else payload["user"],
            "name": payload["data"].get("name"),
        }
        exchange = self._new_exchange(
            int(payload["id"]), context, kind=payload["type"], token=payload["token"]
        )
        exchange.source_message = source_message
        exchange.original = source_message
        if context["guild_id"] is not None:
            self._ensure_guild(context["guild_id"], context["channel_id"])
        parser = self.bot._connection.parsers["INTERACTION_CREATE"]
        errors = await self._run_and_wait(exchange, lambda: parser(payload))
        return self._result(exchange, errors)

    # -- internals: building payloads

    def _next_id(self, seconds_ago: float = 0.0) -> int:
        moment = discord.utils.utcnow() - datetime.timedelta(seconds=seconds_ago)
        return discord.utils.time_snowflake(moment) + next(self._ids) % 4096

    def _command_data(
        self,
        invocation: Invocation,
        guild_id: int | None,
        *,
        leaf_options: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        options = list(invocation.options)
        if leaf_options is not None:
            options = _nest(invocation.subcommands, leaf_options)
        data: dict[str, Any] = {
            "id": str(self._command_id(invocation.name, guild_id if invocation.guild_command else None)),
            "name": invocation.name,
            "type": 1,
            "options": options,
        }
        if invocation.resolved:
            data["resolved"] = invocation.resolved
        if invocation.guild_command and guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data

    def _command_id(self, name: str, guild_id: int | None) -> int:
        for command in self.synced.get(guild_id, []):
            if command["name"] == name:
                return int(command["id"])
        # Not synced in this session: a stable id derived from the name, as good as any to discord.py.
        return 1184000000000000000 + int.from_bytes(name.encode()[:6].ljust(6, b"\0"), "big") % 10**14

    def _payload(
        self,
        kind: int,
        data: dict[str, Any],
        user_id: int,
        channel_id: int,
        guild_id: int | None,
        permissions: discord.Permissions,
        locale: str,
        *,
        age: float = 0.0,
    ) -> dict[str, Any]:
        interaction_id = self._next_id(seconds_ago=age)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "data": data,
            "token": secrets.token_urlsafe(48),
            "version": 1,
            "channel_id": str(channel_id),
            "channel": _channel_payload(channel_id, guild_id) | {"permissions": str(permissions.value)},
            "app_permissions": str(BOT_PERMISSIONS.value),
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "authorizing_integration_owners": {"0": str(guild_id or 0)},
            "context": 0 if guild_id is not None else 1,
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = _member_payload(user_id, permissions)
        else:
            payload["user"] = _user_payload(user_id)
            payload["channel"]["recipients"] = [_user_payload(user_id)]
        return payload

    def _ensure_guild(self, guild_id: int, channel_id: int) -> None:
        """A logged-in bot with the guilds intent caches each server from GUILD_CREATE; so does this one."""
        parsers = self.bot._connection.parsers
        channels = self._guilds.get(guild_id)
        if channels is None:
            self._guilds[guild_id] = {channel_id}
            parsers["GUILD_CREATE"](_guild_payload(guild_id, [channel_id]))
        elif channel_id not in channels:
            channels.add(channel_id)
            parsers["CHANNEL_CREATE"](_channel_payload(channel_id, guild_id))

    # -- internals: running and waiting

    def _new_exchange(
        self, interaction_id: int, context: dict[str, Any], *, kind: int, token: str = ""
    ) -> _Exchange:
        age = 0.0
        if interaction_id:
            sent = discord.utils.snowflake_time(interaction_id)
            age = max(0.0, (discord.utils.utcnow() - sent).total_seconds())
        exchange = _Exchange(interaction_id, token, kind, time.monotonic() - age, context)
        if token:
            self._exchanges[token] = exchange
        return exchange

    async def _in_context(self, exchange: _Exchange | None, make: Any) -> Any:
        """Run the coroutine made by `make()` with this stand-in's webhook adapter in place."""
        context = contextvars.copy_context()
        context.run(async_context.set, self._adapter)
        context.run(_current.set, exchange)
        task: asyncio.Task[Any] = context.run(asyncio.ensure_future, make())
        return await task

    async def _run_and_wait(self, exchange: _Exchange, action: Any) -> list[BaseException]:
        """Run `action` (which starts tasks, as the gateway parser does) and wait for those tasks to end."""
        context = contextvars.copy_context()
        context.run(async_context.set, self._adapter)
        context.run(_current.set, exchange)
        before = asyncio.all_tasks()
        context.run(action)
        started = asyncio.all_tasks() - before
        if not started:
            return []
        done, pending = await asyncio.wait(started, timeout=self.timeout)
        if pending:
            names = ", ".join(sorted(t.get_name() for t in pending))
            raise OfflineError(f"still running after {self.timeout:.0f}s: {names}")
        return [t.exception() for t in done if not t.cancelled() and t.exception() is not None]  # type: ignore[misc]

    def _result(self, exchange: _Exchange, errors: list[BaseException]) -> Result:
        return Result(
            interaction_id=exchange.interaction_id,
            requests=list(exchange.requests),
            touched=[self.messages[i] for i in exchange.touched if i in self.messages],
            errors=errors,
            choices=exchange.choices,
        )

    def _live_views(self) -> list[BaseView]:
        views: dict[int, BaseView] = {}
        for items in self.bot._connection._view_store._views.values():
            for item in items.values():
                if item.view is not None and not item.view.is_finished():
                    views[id(item.view)] = item.view
        return list(views.values())

    # -- internals: answering requests

    async def _http_request(
        self,
        route: Route,
        *,
        files: Sequence[discord.File] | None = None,
        form: Iterable[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Takes the place of HTTPClient.request for a bot that never connects."""
        return self._serve("http", route, _body(kwargs.get("json"), form), kwargs.get("params"), files)

    def _serve(
        self,
        via: Literal["webhook", "http"],
        route: Route,
        body: Any,
        params: Mapping[str, Any] | None,
        files: Sequence[discord.File] | None,
    ) -> Any:
        sent = time.perf_counter()  # the bot's part ends here; what follows is Discord's
        path = route.url[len(Route.BASE) :] if route.url.startswith(Route.BASE) else route.url
        args = _path_args(route.path, path)
        exchange = self._exchanges.get(str(args.get("webhook_token", ""))) or _current.get()
        status, response = 200, None
        error: Exception | None = None
        try:
            status, response = self._answer(route.method, route.path, args, body, params or {}, exchange)
        except discord.HTTPException as exc:
            status, error = exc.status, exc
        except OfflineError as exc:
            status, error = 501, exc
        request = Request(
            method=route.method,
            path=path,
            route=route.path,
            json=body,
            params={k: str(v) for k, v in (params or {}).items()},
            files=tuple(f.filename or "" for f in files or ()),
            status=status,
            response=response,
            via=via,
            at=sent,
        )
        self.requests.append(request)
        for matches, future in self._waiting:
            if not future.done() and matches(request):
                future.set_result(request)
        for involved in {id(e): e for e in (exchange, _current.get()) if e is not None}.values():
            involved.requests.append(request)
        if error is not None:
            raise error
        return response

    def _answer(
        self,
        method: str,
        route: str,
        args: dict[str, str],
        body: Any,
        params: Mapping[str, Any],
        exchange: _Exchange | None,
    ) -> tuple[int, Any]:
        if route == "/interactions/{webhook_id}/{webhook_token}/callback":
            return self._callback(args, body, exchange)
        if route.startswith("/webhooks/{webhook_id}/{webhook_token}"):
            if exchange is None or args["webhook_id"] != str(APPLICATION_ID):
                raise _http_error(401, 50027, "Invalid Webhook Token")
            if self.enforce_windows and time.monotonic() - exchange.created > TOKEN_LIFETIME:
                raise _http_error(401, 50027, "Invalid Webhook Token")
            return self._webhook(method, route, args, body, params, exchange)
        if route == "/channels/{channel_id}/messages" and method == "POST":
            message = self._create(body, int(args["channel_id"]), exchange, kind=0)
            return 200, message.data
        if route == "/channels/{channel_id}/messages/{message_id}":
            return self._existing(method, int(args["message_id"]), body, exchange)
        if route == "/channels/{channel_id}/typing":
            return 204, None
        if route in (
            "/applications/{application_id}/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ):
            guild = _int_or_none(args.get("guild_id"))
            if method == "PUT":
                self.synced[guild] = [self._as_registered(c, guild) for c in body or []]
            return 200, self.synced.get(guild, [])
        if route == "/users/@me" and method == "GET":
            return 200, _bot_user_payload()
        if route == "/oauth2/applications/@me" and method == "GET":
            return 200, _application_payload()
        raise OfflineError(f"the offline stand-in does not serve {method} {route}")

    def _callback(self, args: dict[str, str], body: Any, exchange: _Exchange | None) -> tuple[int, Any]:
        if exchange is None or args["webhook_id"] != str(exchange.interaction_id):
            raise _http_error(404, 10062, "Unknown interaction")
        if self.enforce_windows and time.monotonic() - exchange.created > RESPONSE_WINDOW:
            raise _http_error(404, 10062, "Unknown interaction")
        if exchange.responded:
            raise _http_error(400, 40060, "Interaction has already been acknowledged.")
        exchange.responded = True
        kind = body["type"]
        data = body.get("data") or {}
        info: dict[str, Any] = {"id": str(exchange.interaction_id), "type": exchange.kind}
        resource: dict[str, Any] | None = None
        if kind in (4, 5):
            flags = int(data.get("flags", 0)) & _KEPT_FLAGS
            if kind == 5:
                data = {"content": "", "flags": flags | LOADING}
                exchange.followup_fills_original = True
            message = self._create(data, exchange.context["channel_id"], exchange, kind=20)
            exchange.original = message.id
            info |= {
                "response_message_id": message.data["id"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": message.ephemeral,
            }
            if kind == 4:  # Discord describes the loading message of a deferral only in `interaction`
                resource = {"type": 4, "message": message.data}
        elif kind in (6, 7) and exchange.source_message is not None:
            message = self.messages[exchange.source_message]
            if kind == 7:
                self._edit(message, data)
                self._touch(exchange, message.id)
                resource = {"type": 7, "message": message.data}
            info["response_message_id"] = message.data["id"]
        elif kind == 8:
            exchange.choices = [(c["name"], c["value"]) for c in data.get("choices", [])]
            return 204, None
        result: dict[str, Any] = {"interaction": info}
        if resource is not None:
            result["resource"] = resource
        return 200, result

    def _webhook(
        self,
        method: str,
        route: str,
        args: dict[str, str],
        body: Any,
        params: Mapping[str, Any],
        exchange: _Exchange,
    ) -> tuple[int, Any]:
        if route == "/webhooks/{webhook_id}/{webhook_token}" and method == "POST":
            if not exchange.responded:
                raise _http_error(404, 10015, "Unknown Webhook")
            if exchange.followup_fills_original and exchange.original is not None:
                exchange.followup_fills_original = False
                message = self.messages[exchange.original]
                ephemeral = message.flags & EPHEMERAL
                self._edit(message, {**body, "flags": (int(body.get("flags", 0)) & ~EPHEMERAL) | ephemeral})
                self._touch(exchange, message.id)
            else:
                message = self._create(body, exchange.context["channel_id"], exchange, kind=20)
            wait = str(params.get("wait", "0")).lower() in ("1", "true")
            return (200, message.data) if wait else (204, None)
        target = args.get("message_id")
        if route.endswith("/messages/@original"):
            if exchange.original is None:
                raise _http_error(404, 10008, "Unknown Message")
            target = str(exchange.original)
        return self._existing(method, int(str(target)), body, exchange)

    def _existing(
        self, method: str, message_id: int, body: Any, exchange: _Exchange | None
    ) -> tuple[int, Any]:
        message = self.messages.get(message_id)
        if message is None or message.deleted:
            raise _http_error(404, 10008, "Unknown Message")
        if method == "GET":
            return 200, message.data
        if method == "PATCH":
            if exchange is not None and exchange.original == message_id:
                exchange.followup_fills_original = False
            self._edit(message, body or {})
            if exchange is not None:
                self._touch(exchange, message.id)
            return 200, message.data
        if method == "DELETE":
            message.deleted = True
            return 204, None
        raise OfflineError(f"the offline stand-in does not serve {method} on a message")

    def _create(
        self, body: dict[str, Any], channel_id: int, exchange: _Exchange | None, *, kind: int
    ) -> OfflineMessage:
        message_id = self._next_id()
        guild_id = exchange.context.get("guild_id") if exchange is not None else self._guild_of(channel_id)
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": kind,
            "author": _bot_user_payload(),
            "content": "",
            "embeds": [],
            "components": [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts", False)),
            "timestamp": discord.utils.utcnow().isoformat(),
            "edited_timestamp": None,
            "flags": int(body.get("flags", 0)) & (_KEPT_FLAGS | LOADING),
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        if kind == 20 and exchange is not None:
            data["webhook_id"] = str(APPLICATION_ID)
            data["application_id"] = str(APPLICATION_ID)
            data["interaction_metadata"] = {
                "id": str(exchange.interaction_id),
                "type": exchange.kind,
                "user": exchange.context["user"],
                "authorizing_integration_owners": {"0": str(guild_id or 0)},
            }
            if exchange.source_message is not None:
                data["interaction_metadata"]["interacted_message_id"] = str(exchange.source_message)
            if exchange.original is not None and exchange.original != exchange.source_message:
                data["interaction_metadata"]["original_response_message_id"] = str(exchange.original)
            if exchange.kind == 2:
                data["interaction"] = {
                    "id": str(exchange.interaction_id),
                    "type": 2,
                    "name": exchange.context.get("name") or "",
                    "user": exchange.context["user"],
                }
        message = OfflineMessage(data)
        self._apply(message, body)
        self.messages[message_id] = message
        if exchange is not None:
            self._touch(exchange, message_id)
        return message

    def _edit(self, message: OfflineMessage, body: dict[str, Any]) -> None:
        self._apply(message, body)
        keep = message.flags & EPHEMERAL
        message.data["flags"] = (
            int(body.get("flags", message.flags)) & _KEPT_FLAGS & ~EPHEMERAL | keep
        ) & ~LOADING
        message.data["edited_timestamp"] = discord.utils.utcnow().isoformat()

    @staticmethod
    def _apply(message: OfflineMessage, body: dict[str, Any]) -> None:
        """Copy the fields a message body sets, normalised the way Discord returns them."""
        if "content" in body:
            message.data["content"] = body["content"] or ""
        if "embeds" in body:
            message.data["embeds"] = [_returned_embed(e) for e in body["embeds"] or []]
        if "components" in body:
            message.data["components"] = _numbered(body["components"] or [])

    @staticmethod
    def _touch(exchange: _Exchange, message_id: int) -> None:
        """Note a changed message on its interaction, and on whatever caused the change if that differs
        (a view timing out edits the message of the interaction that sent it)."""
        exchange.touch(message_id)
        cause = _current.get()
        if cause is not None and cause is not exchange:
            cause.touch(message_id)

    def _guild_of(self, channel_id: int) -> int | None:
        return next((g for g, channels in self._guilds.items() if channel_id in channels), None)

    def _as_registered(self, command: dict[str, Any], guild_id: int | None) -> dict[str, Any]:
        """A synced command as Discord returns it: with ids, and defaults where the bot sent null."""
        registered = {
            "id": str(self._next_id()),
            "application_id": str(APPLICATION_ID),
            "version": str(self._next_id()),
            "default_member_permissions": None,
            "type": 1,
            "description": "",
            "dm_permission": True,
            "integration_types": [0],
            "contexts": None,
            "nsfw": False,
            **{key: value for key, value in command.items() if value is not None},
        }
        # discord.py sends the permissions as a number; Discord answers with a string.
        if registered["default_member_permissions"] is not None:
            registered["default_member_permissions"] = str(registered["default_member_permissions"])
        if guild_id is not None:
            registered["guild_id"] = str(guild_id)
        return registered


def _application_payload() -> dict[str, Any]:
    return {
        "id": str(APPLICATION_ID),
        "name": BOT_NAME,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "owner": _user_payload(GUILD_OWNER_ID),
        "team": None,
        "bot": _bot_user_payload(),
    }


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _path_args(template: str, path: str) -> dict[str, str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    match = re.fullmatch(pattern, path.split("?", 1)[0])
    return match.groupdict() if match else {}


def _numbered(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discord gives every component of a message a numeric id when the bot did not."""
    copied: list[dict[str, Any]] = json.loads(json.dumps(components))
    taken = {c["id"] for c in _walk_components(copied) if isinstance(c.get("id"), int)}
    numbers = (n for n in itertools.count(1) if n not in taken)
    for component in _walk_components(copied):
        if not isinstance(component.get("id"), int):
            component["id"] = next(numbers)
    return copied


def _returned_embed(embed: dict[str, Any]) -> dict[str, Any]:
    returned = {"type": "rich", **embed}
    if "fields" in returned:
        returned["fields"] = [{"inline": False, **f} for f in returned["fields"]]
    return returned


def _leaf_definition(definition: dict[str, Any], invocation: Invocation) -> dict[str, Any]:
    for sub in invocation.subcommands:
        definition = next(o for o in definition.get("options", []) if o["name"] == sub)
    return definition


def _leaf_options(options: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    current = list(options)
    while current and current[0]["type"] in (1, 2):
        current = list(current[0].get("options", []))
    return current


def _find_button(message: OfflineMessage, button: str | int) -> Button:
    buttons = message.buttons
    if not buttons:
        raise InvocationError("That message has no buttons")
    if isinstance(button, int) or button.isdigit():
        index = int(button)
        if not 1 <= index <= len(buttons):
            raise InvocationError(f"There are {len(buttons)} buttons; press 1 to {len(buttons)}")
        return buttons[index - 1]
    for candidate in buttons:
        if candidate.custom_id == button:
            return candidate
    wanted = button.strip().casefold()
    for candidate in buttons:
        if candidate.label.strip().casefold() == wanted:
            return candidate
    labels = ", ".join(repr(b.label) for b in buttons)
    raise InvocationError(f"No button {button!r}; the buttons are {labels}")


# ---------------------------------------------------------------- what a user sees, as text


def render(message: OfflineMessage) -> str:
    """The message as a user reads it: content, embeds (title and link, text, fields, footer), buttons."""
    lines: list[str] = []
    if message.ephemeral:
        lines.append("(only you can see this)")
    if message.loading:
        lines.append(f"{BOT_NAME} is thinking...")
    if message.content:
        lines.append(_readable(message.content))
    for embed in message.embeds:
        if lines:
            lines.append("")
        if "author" in embed and embed["author"].get("name"):
            lines.append(_readable(embed["author"]["name"]))
        title = _readable(embed.get("title", ""))
        if title or embed.get("url"):
            lines.append(f"== {title} ==" + (f" <{embed['url']}>" if embed.get("url") else ""))
        if embed.get("description"):
            lines.append(_readable(embed["description"]))
        for item in embed.get("fields", []):
            value = _readable(item.get("value", "")).replace("\n", "\n  ")
            lines.append(f"* {_readable(item.get('name', ''))}\n  {value}")
        if "footer" in embed and embed["footer"].get("text"):
            lines.append(f"-- {_readable(embed['footer']['text'])}")
    buttons = message.buttons
    if buttons:
        shown = []
        for number, b in enumerate(buttons, 1):
            label = b.label or "(no label)"
            state = " (switched off)" if b.disabled else ""
            link = f" -> {b.url}" if b.url else ""
            shown.append(f"[{number}: {label}{state}{link}]")
        lines.append(" ".join(shown))
    if message.deleted:
        lines.append("(deleted)")
    return "\n".join(lines) if lines else "(an empty message)"


def _readable(text: str) -> str:
    """Discord shows escaped Markdown without the backslashes and timestamps as dates."""

    def when(match: re.Match[str]) -> str:
        moment = datetime.datetime.fromtimestamp(int(match.group(1)), tz=datetime.UTC)
        if match.group(2) == "R":
            seconds = round((moment - discord.utils.utcnow()).total_seconds())
            return f"in {seconds} seconds" if seconds >= 0 else f"{-seconds} seconds ago"
        return moment.strftime("%d %b %Y %H:%M UTC")

    return _DISCORD_TIME.sub(when, _MARKDOWN_ESCAPE.sub(r"\1", text))
