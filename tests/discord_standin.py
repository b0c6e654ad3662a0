"""A small Discord on loopback: the REST routes a bot uses and a gateway websocket, with fault injection.

The bot under test is pointed at it through its API base setting (``CLIPPINGS_API_BASE`` =
``standin.api_base``); ``GET /gateway/bot`` then hands out this server's own websocket URL.

What it checks, as Discord does:
- every REST request body against Discord's OpenAPI spec (tests/discord/openapi.json) and the 6,000-character
  embed total; a bad body is answered ``400 {"code": 50035, ...}`` and recorded in ``failures``;
- the bot token on every authenticated route, and on IDENTIFY/RESUME;
- interaction callbacks: known interaction, within the 3-second deadline, acknowledged only once;
- follow-ups and edits only for acknowledged interactions;
- unknown routes, unknown opcodes and payloads sent before IDENTIFY.

Tests read ``failures`` (``assert_clean()``), ``requests``, ``identify_count``, ``resume_count`` and the
``InteractionRecord`` returned by ``dispatch_interaction``. Faults: ``close_gateway``, ``send_reconnect``
(op 7), ``invalidate_session`` (op 9), ``fail_next_callbacks`` (429 with retry_after, 5xx) and
``reject_token``. At the end, ``bot_env`` and ``BotProcess`` run ``clippings run`` against it as a user
would (tests/test_e2e.py, benchmarks/load_bench.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
import os
import re
import secrets
import sys
import time
import zlib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

log = logging.getLogger("discord_standin")

SPEC_PATH = Path(__file__).resolve().parent / "discord" / "openapi.json"
DISCORD_EPOCH_MS = 1_420_070_400_000
API_PREFIX = "/api/v10"

# Gateway opcodes and close codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE_STATE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = (
    6,
    7,
    8,
    9,
    10,
    11,
)
CLOSE_UNKNOWN_ERROR, CLOSE_UNKNOWN_OPCODE, CLOSE_DECODE_ERROR, CLOSE_NOT_AUTHENTICATED = (
    4000,
    4001,
    4002,
    4003,
)
CLOSE_AUTHENTICATION_FAILED, CLOSE_ALREADY_AUTHENTICATED, CLOSE_INVALID_API_VERSION = 4004, 4005, 4012
CLOSE_DISALLOWED_INTENTS = 4014

INTENT_GUILDS = 1 << 0
PRIVILEGED_INTENTS = {1 << 1: "GUILD_MEMBERS", 1 << 8: "GUILD_PRESENCES", 1 << 15: "MESSAGE_CONTENT"}

# Interaction types and callback types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ANSWERING_CALLBACKS = {CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL}

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER = 1, 2, 3, 4, 5, 6
CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 7, 8, 9, 10, 11

# view channel, send messages, embed links, attach files, read history, use application commands
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
ADMINISTRATOR = 1 << 3
EMBED_TOTAL_LIMIT = 6000


def make_token(user_id: int) -> str:
    """A well-formed fake bot token: Discord's first part is the bot's user id in base64."""
    first = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    return f"{first}.{secrets.token_urlsafe(4)[:6]}.{secrets.token_urlsafe(30)[:38]}"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _Snowflakes:
    def __init__(self) -> None:
        self._counter = itertools.count()

    def next(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._counter) & 0x3FFFFF))


# ---------------------------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    literals: int
    schema_pointer: str | None  # JSON pointer to the application/json request body schema


class OpenAPIValidator:
    """Finds the operation for (method, path) in Discord's spec and validates a JSON body against it."""

    BASE_URI = "urn:discord-openapi"

    def __init__(self, spec_path: Path = SPEC_PATH) -> None:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(self.BASE_URI, resource)
        self._operations: list[_Operation] = []
        self._validators: dict[str, Draft202012Validator] = {}
        for template, item in spec["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            literals = sum(1 for part in template.split("/") if part and not part.startswith("{"))
            for method, op in item.items():
                if method == "parameters":
                    continue
                pointer = None
                if "application/json" in op.get("requestBody", {}).get("content", {}):
                    escaped = template.replace("~", "~0").replace("/", "~1")
                    pointer = f"#/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
                self._operations.append(
                    _Operation(method.upper(), template, re.compile(pattern), literals, pointer)
                )

    def operation(self, method: str, path: str) -> _Operation | None:
        matches = [op for op in self._operations if op.method == method and op.regex.match(path)]
        return max(matches, key=lambda op: op.literals) if matches else None

    def errors(self, op: _Operation, body: Any) -> list[ValidationError]:
        if op.schema_pointer is None:
            return []
        validator = self._validators.get(op.schema_pointer)
        if validator is None:
            ref = {"$ref": self.BASE_URI + op.schema_pointer}
            validator = self._validators[op.schema_pointer] = Draft202012Validator(
                ref, registry=self._registry, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
        return list(validator.iter_errors(body))


_ERROR_CODES = {
    "maxLength": "BASE_TYPE_MAX_LENGTH",
    "minLength": "BASE_TYPE_MIN_LENGTH",
    "maxItems": "BASE_TYPE_MAX_LENGTH",
    "minItems": "BASE_TYPE_MIN_LENGTH",
    "required": "BASE_TYPE_REQUIRED",
    "type": "BASE_TYPE_BAD_TYPE",
    "enum": "BASE_TYPE_CHOICES",
    "const": "BASE_TYPE_CHOICES",
    "maximum": "NUMBER_TYPE_MAX",
    "minimum": "NUMBER_TYPE_MIN",
}


_DISCORD_MESSAGES = {
    "maxLength": "Must be {} or fewer in length.",
    "minLength": "Must be {} or more in length.",
    "maxItems": "Must be {} or fewer in length.",
    "minItems": "Must be {} or more in length.",
    "required": "This field is required",
    "maximum": "int value should be less than or equal to {}.",
    "minimum": "int value should be greater than or equal to {}.",
}


def _best_error(error: ValidationError) -> ValidationError:
    """The error to report: inside a union, the branch that almost matched, then its deepest error."""
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for e in error.context:
            branches.setdefault(e.relative_schema_path[0], []).append(e)

        def mismatch(errs: list[ValidationError]) -> tuple[int, int, int]:
            shallow = sum(
                1 for e in errs if len(e.relative_path) <= 1 and e.validator in ("enum", "const", "type")
            )
            wrong_type = sum(1 for e in errs if e.validator == "type")
            return shallow, wrong_type, len(errs)

        closest = min(branches.values(), key=mismatch)
        error = max(closest, key=lambda e: len(e.absolute_path))
    return error


def discord_form_errors(errors: list[ValidationError]) -> tuple[dict[str, Any], str]:
    """Discord's nested ``errors`` object for a 50035 answer, and a one-line summary for the test log."""
    top = best_match(errors)
    assert top is not None
    best = _best_error(top)
    path = [str(p) for p in best.absolute_path]
    if best.validator == "required" and isinstance(best.instance, dict):
        missing = [k for k in best.validator_value if k not in best.instance]
        path += missing[:1]
    code = _ERROR_CODES.get(str(best.validator), "BASE_TYPE_INVALID")
    message = _DISCORD_MESSAGES.get(str(best.validator), "").format(best.validator_value)
    message = message or (best.message if len(best.message) <= 200 else best.message[:200] + "...")
    nested: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path):
        nested = {part: nested}
    return nested, f"{'.'.join(path) or '<body>'}: {code}: {message}"


def embed_total(embed: Mapping[str, Any]) -> int:
    """Characters Discord counts towards the 6,000 limit of one message."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "") + len(
        (embed.get("author") or {}).get("name") or ""
    )
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def _message_data(body: Any) -> Mapping[str, Any] | None:
    """The message part of a REST body (callback bodies nest it under ``data``)."""
    if not isinstance(body, dict):
        return None
    if "type" in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


# ---------------------------------------------------------------------------------------------- records


@dataclass
class RecordedRequest:
    method: str
    path: str  # relative to the API base, e.g. "/users/@me"
    query: dict[str, str]
    body: Any
    status: int = 0
    operation: str | None = None
    response: Any = None  # the JSON the stand-in answered, None for an empty answer
    at: float = field(default_factory=time.monotonic)


@dataclass
class Callback:
    status: int
    body: Any
    at: float


@dataclass
class InteractionRecord:
    """One interaction sent over the gateway and everything the bot answered to it."""

    payload: dict[str, Any]
    sent_at: float | None = None
    callbacks: list[Callback] = field(default_factory=list)
    response_type: int | None = None  # the accepted callback type
    original: dict[str, Any] | None = None  # the original response message (as returned to the bot)
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)  # PATCH bodies, in order
    answer: dict[str, Any] | None = None  # the body that answered: callback data, first edit or follow-up
    answered_at: float | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def id(self) -> str:
        return str(self.payload["id"])

    @property
    def token(self) -> str:
        return str(self.payload["token"])

    @property
    def latency(self) -> float:
        """Seconds from the gateway send to the answer."""
        assert self.sent_at is not None and self.answered_at is not None
        return self.answered_at - self.sent_at

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list((self.answer or {}).get("embeds") or [])

    @property
    def content(self) -> str:
        return str((self.answer or {}).get("content") or "")

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list((self.answer or {}).get("choices") or [])

    @property
    def ephemeral(self) -> bool:
        flags = (self.answer or {}).get("flags") or 0
        if self.response_type in (DEFERRED_CHANNEL_MESSAGE,) and self.callbacks:
            flags |= ((self.callbacks[-1].body or {}).get("data") or {}).get("flags") or 0
        return bool(int(flags) & 64)


@dataclass
class _Fault:
    status: int
    retry_after: float = 0.0


# ---------------------------------------------------------------------------------------------- gateway


class _Connection:
    def __init__(self, ws: web.WebSocketResponse, path: str, compress: str | None) -> None:
        self.ws = ws
        self.path = path
        self.compress = compress
        self.session: _Session | None = None
        self.heartbeats = 0
        self.close_code: int | None = None  # the stand-in's when it closed the connection, else the client's
        self._lock = asyncio.Lock()
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = _zstd_compressor() if compress == "zstd-stream" else None

    @property
    def live(self) -> bool:
        return not self.ws.closed

    async def close(self, code: int, message: bytes = b"") -> None:
        if self.close_code is None:
            self.close_code = code
        await asyncio.wait_for(self.ws.close(code=code, message=message), 5)

    async def send(self, payload: Mapping[str, Any]) -> None:
        async with self._lock:
            await self._send_unlocked(payload)

    async def _send_unlocked(self, payload: Mapping[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if self._zlib is not None:
            await self.ws.send_bytes(self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
        elif self._zstd is not None:
            await self.ws.send_bytes(self._zstd(text.encode()))
        else:
            await self.ws.send_str(text)


def _zstd_compressor() -> Callable[[bytes], bytes] | None:
    """One zstd stream per connection, flushed after every message (what discord.py's zstd-stream expects)."""
    try:
        from compression import zstd  # Python 3.14+

        comp = zstd.ZstdCompressor()
        return lambda data: comp.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        return None
    cobj = zstandard.ZstdCompressor().compressobj()
    return lambda data: cobj.compress(data) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


@dataclass
class _Session:
    id: str
    intents: int
    seq: int = 0
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=10_000))
    conn: _Connection | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


# ---------------------------------------------------------------------------------------------- the stand-in


class DiscordStandIn:
    """Discord's REST API and gateway on 127.0.0.1, for one bot application and one guild."""

    def __init__(
        self,
        *,
        token: str | None = None,
        guild_id: int | None = None,
        heartbeat_interval_ms: int = 41_250,
        callback_deadline: float = 3.0,
        privileged_intents: int = 0,
    ) -> None:
        self._ids = _Snowflakes()
        self.bot_user_id = int(self._ids.next())
        self.application_id = self.bot_user_id  # as for every bot created since 2020
        self.token = token or make_token(self.bot_user_id)
        self.guild_id = guild_id or int(self._ids.next())
        self.channel_id = int(self._ids.next())
        self.owner_id = int(self._ids.next())
        self.member_id = int(self._ids.next())  # the default invoker
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.callback_deadline = callback_deadline
        self.privileged_intents = privileged_intents

        self.requests: list[RecordedRequest] = []
        self.failures: list[str] = []
        self.identify_count = 0
        self.resume_count = 0
        self.identify_payloads: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.connections: list[_Connection] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global) -> synced
        self.interactions: dict[str, InteractionRecord] = {}
        self.token_rejected = False

        self._validator = OpenAPIValidator()
        self._sessions: dict[str, _Session] = {}
        self._callback_faults: deque[_Fault] = deque()
        self._changed = asyncio.Event()
        self._route_table = self._routes()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle and test API

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume-gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=25 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume-gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("Discord stand-in on %s", self.base_url)

    async def stop(self) -> None:
        for conn in self.connections:
            if conn.live:
                with contextlib.suppress(Exception):
                    await conn.close(1001, b"stand-in stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def assert_clean(self) -> None:
        """Fails with every protocol problem seen (invalid bodies, unknown routes, late or double answers)."""
        assert not self.failures, "Discord stand-in saw:\n- " + "\n- ".join(self.failures)

    def fail(self, message: str) -> None:
        log.error("STAND-IN FAILURE: %s", message)
        self.failures.append(message)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str = "condition") -> None:
        """Waits until ``predicate()`` holds; after ``timeout`` seconds, TimeoutError naming ``what``."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"stand-in: timed out after {timeout:.1f}s waiting for {what}")
            # Wakes on every stand-in event, and polls too: the predicate may watch the bot's log.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    @property
    def session(self) -> _Session | None:
        """The most recent gateway session."""
        return next(reversed(self._sessions.values()), None)

    @property
    def connected(self) -> bool:
        """A session with a live websocket (READY or RESUMED sent)."""
        s = self.session
        return s is not None and s.conn is not None and s.conn.live

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        rx = re.compile(pattern)
        return [r for r in self.requests if r.method == method and rx.fullmatch(r.path)]

    # Faults -------------------------------------------------------------------------------------------------

    async def close_gateway(self, code: int = CLOSE_UNKNOWN_ERROR) -> None:
        """Closes the live gateway websocket (4000 and most 4xxx codes are resumable)."""
        conn = self._live_connection()
        await conn.close(code, b"stand-in fault")

    async def send_reconnect(self) -> None:
        """Op 7: the client should reconnect and resume."""
        await self._live_connection().send({"op": OP_RECONNECT, "d": None})

    async def invalidate_session(self) -> None:
        """Op 9 with d=false: the session is gone; the client must identify again."""
        conn = self._live_connection()
        if conn.session is not None:
            self._sessions.pop(conn.session.id, None)
        await conn.send({"op": OP_INVALID_SESSION, "d": False})

    def fail_next_callbacks(self, status: int, *, count: int = 1, retry_after: float = 1.0) -> None:
        """The next ``count`` interaction callbacks are answered ``status`` (429 carries ``retry_after``)."""
        for _ in range(count):
            self._callback_faults.append(_Fault(status, retry_after))

    def reject_token(self) -> None:
        """From now on the bot token is invalid: 401 on REST, close 4004 on IDENTIFY."""
        self.token_rejected = True

    def _live_connection(self) -> _Connection:
        s = self.session
        if s is None or s.conn is None or not s.conn.live:
            raise RuntimeError("stand-in: the bot has no live gateway connection")
        return s.conn

    # Interactions -------------------------------------------------------------------------------------------

    def find_command(self, name: str) -> dict[str, Any]:
        for scope in (self.guild_id, None):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        synced = sorted({c["name"] for cmds in self.commands.values() for c in cmds})
        raise LookupError(f"/{name} was not synced; synced: {synced}")

    def command_payload(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str | None = None,
        user_id: int | None = None,
        permissions: int = MEMBER_PERMISSIONS,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for "/command [sub ...]" with ``options``, typed from the synced command.

        With ``focused`` it is an autocomplete interaction for that option (its value is what was typed).
        """
        parts = command.split()
        root = self.find_command(parts[0])
        schema: dict[str, Any] = root
        chain: list[dict[str, Any]] = []
        for part in parts[1:]:
            sub = next(
                (o for o in schema.get("options", []) if o["name"] == part and o["type"] in (1, 2)), None
            )
            if sub is None:
                raise LookupError(f"/{command}: no subcommand {part!r}")
            chain.append(sub)
            schema = sub
        given = dict(options or {})
        known = {o["name"]: o for o in schema.get("options", [])}
        unknown = set(given) - set(known)
        if unknown:
            raise LookupError(f"/{command} has no option {sorted(unknown)}; it has {sorted(known)}")
        leaf: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {}
        for name, value in given.items():
            opt = known[name]
            entry: dict[str, Any] = {
                "name": name,
                "type": opt["type"],
                "value": self._option_value(opt, value),
            }
            if name == focused:
                entry["value"] = str(value)
                entry["focused"] = True
            elif opt.get("choices") and entry["value"] not in [c["value"] for c in opt["choices"]]:
                raise ValueError(f"/{command} {name}: {value!r} is not one of the choices")
            if opt["type"] == USER:
                user = self.user_payload(int(value))
                resolved.setdefault("users", {})[str(value)] = user
                resolved.setdefault("members", {})[str(value)] = {
                    k: v for k, v in self.member_payload(int(value)).items() if k != "user"
                }
            leaf.append(entry)
        if focused is None:
            missing = [o["name"] for o in known.values() if o.get("required") and o["name"] not in given]
            if missing:
                raise ValueError(f"/{command}: Discord requires {missing}")
        elif focused not in given:
            raise ValueError(f"/{command}: the focused option {focused!r} needs a typed value")
        for sub in reversed(chain):
            leaf = [{"name": sub["name"], "type": sub["type"], "options": leaf}]
        data: dict[str, Any] = {"id": root["id"], "name": root["name"], "type": 1, "options": leaf}
        if root.get("guild_id"):
            data["guild_id"] = root["guild_id"]
        if resolved:
            data["resolved"] = resolved
        kind = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return self.interaction_payload(kind, data, user_id=user_id, permissions=permissions)

    @staticmethod
    def _option_value(opt: Mapping[str, Any], value: Any) -> Any:
        """The value as Discord's client sends it for the option's type (ids as strings)."""
        kind = opt["type"]
        if kind == STRING:
            return str(value)
        if kind == INTEGER:
            return int(value)
        if kind == NUMBER:
            return float(value)
        if kind == BOOLEAN:
            if not isinstance(value, bool):
                raise ValueError(f"option {opt['name']!r} is a boolean, not {value!r}")
            return value
        if kind in (USER, CHANNEL, ROLE, MENTIONABLE):
            return str(int(value))
        raise ValueError(f"option {opt['name']!r}: type {kind} is not supported by the stand-in")

    def component_payload(
        self,
        message: Mapping[str, Any],
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        user_id: int | None = None,
        permissions: int = MEMBER_PERMISSIONS,
    ) -> dict[str, Any]:
        """A button press (or select) on ``message`` (a message as this stand-in returned it to the bot)."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        payload = self.interaction_payload(MESSAGE_COMPONENT, data, user_id=user_id, permissions=permissions)
        payload["message"] = dict(message)
        return payload

    def interaction_payload(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: int | None = None,
        permissions: int = MEMBER_PERMISSIONS,
    ) -> dict[str, Any]:
        member = self.member_payload(user_id or self.member_id)
        member["permissions"] = str(permissions)
        return {
            "id": self._ids.next(),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "channel_id": str(self.channel_id),
            "channel": self.channel_payload(),
            "member": member,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48),
            "version": 1,
            "app_permissions": str(MEMBER_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    async def send_interaction(self, payload: dict[str, Any]) -> InteractionRecord:
        """Sends INTERACTION_CREATE over the gateway (buffered for replay when disconnected)."""
        record = InteractionRecord(payload=payload)
        self.interactions[record.id] = record
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    async def dispatch_interaction(self, payload: dict[str, Any], timeout: float = 10.0) -> InteractionRecord:
        """Sends the interaction and waits until the bot answered it (a message, an edit or choices)."""
        record = await self.send_interaction(payload)
        await self.wait_answered(record, timeout)
        return record

    async def wait_answered(self, record: InteractionRecord, timeout: float = 10.0) -> None:
        try:
            await asyncio.wait_for(record.done.wait(), timeout)
        except TimeoutError:
            statuses = [c.status for c in record.callbacks]
            name = (record.payload.get("data") or {}).get("name") or (record.payload.get("data") or {}).get(
                "custom_id"
            )
            raise TimeoutError(
                f"stand-in: no answer to interaction {name!r} within {timeout}s "
                f"(sent: {record.sent_at is not None}, callbacks: {statuses}, failures: {self.failures})"
            ) from None

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """A gateway DISPATCH on the current session: sent now, or replayed when the bot resumes."""
        session = self.session
        if session is None:
            raise RuntimeError("stand-in: the bot has no gateway session (not identified yet)")
        await self._dispatch(session, event, data)

    async def _dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            message = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
            session.events.append(message)
            conn = session.conn
            if conn is not None and conn.live:
                await self._send_event(conn, message)

    async def _send_event(self, conn: _Connection, message: dict[str, Any], *, replay: bool = False) -> None:
        try:
            await conn.send(message)
        except ConnectionError:
            return  # the socket went away: the event stays buffered for RESUME
        if message["t"] == "INTERACTION_CREATE":
            record = self.interactions.get(str(message["d"]["id"]))
            # A replayed interaction gets a fresh 3-second clock: the stand-in times the bot, not the outage.
            if record is not None and (record.sent_at is None or replay) and record.response_type is None:
                record.sent_at = time.monotonic()

    # Payloads -----------------------------------------------------------------------------------------------

    def user_payload(self, user_id: int) -> dict[str, Any]:
        bot = user_id == self.bot_user_id
        name = "clippings-bot" if bot else f"member{user_id % 10_000}"
        return {
            "id": str(user_id),
            "username": name,
            "discriminator": "0" if not bot else "1234",
            "global_name": None if bot else name.title(),
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }

    def member_payload(self, user_id: int) -> dict[str, Any]:
        return {
            "user": self.user_payload(user_id),
            "nick": None,
            "avatar": None,
            "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }

    def channel_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": "newsroom",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "last_message_id": None,
            "flags": 0,
        }

    def guild_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id),
            "name": "Clippings test server",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "member_count": 3,
            "large": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "features": [],
            "roles": [
                {
                    "id": str(self.guild_id),
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                    "icon": None,
                    "unicode_emoji": None,
                }
            ],
            "channels": [self.channel_payload()],
            "threads": [],
            "members": [self.member_payload(self.bot_user_id)],
            "voice_states": [],
            "presences": [],
            "emojis": [],
            "stickers": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "vanity_url_code": None,
            "max_members": 500_000,
            "max_video_channel_users": 25,
            "application_id": None,
            "nsfw": False,
        }

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": "Clippings",
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": secrets.token_hex(32),
            "owner": self.user_payload(self.owner_id),
            "team": None,
            "flags": 1 << 23,  # GATEWAY_MESSAGE_CONTENT_LIMITED: no privileged intents approved
            "bot": self.user_payload(self.bot_user_id),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "integration_types_config": {"0": {}},
            "flags_new": str(1 << 23),
            "approximate_guild_count": 1,
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
        }

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        compress = request.query.get("compress")
        ws = web.WebSocketResponse(max_msg_size=4096 * 1024)
        await ws.prepare(request)
        conn = _Connection(ws, request.path, compress)
        self.connections.append(conn)
        self._notify()
        try:
            if request.query.get("v") != "10":
                self.fail(f"gateway: API version {request.query.get('v')!r}, expected 10")
                await conn.close(CLOSE_INVALID_API_VERSION)
                return ws
            if request.query.get("encoding", "json") != "json":
                self.fail(f"gateway: encoding {request.query.get('encoding')!r} is not supported here")
                await conn.close(CLOSE_DECODE_ERROR)
                return ws
            if compress not in (None, "zlib-stream", "zstd-stream") or (
                compress == "zstd-stream" and conn._zstd is None
            ):
                self.fail(f"gateway: transport compression {compress!r} is not available in the stand-in")
                await conn.close(CLOSE_DECODE_ERROR)
                return ws
            await conn.send({"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_message(conn, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    self.fail("gateway: the client sent a binary frame (discord.py sends JSON text)")
                    await conn.close(CLOSE_DECODE_ERROR)
        finally:
            if conn.close_code is None:
                conn.close_code = ws.close_code
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self._notify()
        return ws

    async def _on_gateway_message(self, conn: _Connection, text: str) -> None:
        try:
            msg = json.loads(text)
            op = msg["op"]
        except (ValueError, KeyError, TypeError):
            self.fail(f"gateway: undecodable payload {text[:200]!r}")
            await conn.close(CLOSE_DECODE_ERROR)
            return
        data = msg.get("d")
        if op == OP_HEARTBEAT:
            if data is not None and not isinstance(data, int):
                self.fail(f"gateway: heartbeat with d={data!r}")
            conn.heartbeats += 1
            await conn.send({"op": OP_HEARTBEAT_ACK})
            self._notify()
        elif op == OP_IDENTIFY:
            await self._identify(conn, data)
        elif op == OP_RESUME:
            await self._resume(conn, data)
        elif conn.session is None:
            self.fail(f"gateway: op {op} sent before IDENTIFY")
            await conn.close(CLOSE_NOT_AUTHENTICATED)
        elif op == OP_PRESENCE:
            self.presence_updates.append(data)
        elif op in (OP_VOICE_STATE, OP_REQUEST_MEMBERS):
            pass  # valid requests this stand-in has nothing to answer with
        else:
            self.fail(f"gateway: unknown opcode {op}")
            await conn.close(CLOSE_UNKNOWN_OPCODE)

    def _token_ok(self, token: object) -> bool:
        return token == self.token and not self.token_rejected

    async def _identify(self, conn: _Connection, data: Any) -> None:
        if conn.session is not None:
            self.fail("gateway: IDENTIFY twice on one connection")
            await conn.close(CLOSE_ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict) or not self._token_ok(data.get("token")):
            await conn.close(CLOSE_AUTHENTICATION_FAILED, b"Authentication failed.")
            return
        missing = [k for k in ("properties", "intents") if k not in data]
        if missing:
            self.fail(f"gateway: IDENTIFY without {missing}")
        intents = int(data.get("intents") or 0)
        disallowed = [
            n for bit, n in PRIVILEGED_INTENTS.items() if intents & bit and not self.privileged_intents & bit
        ]
        if disallowed:
            await conn.close(CLOSE_DISALLOWED_INTENTS, b"Disallowed intent(s).")
            return
        self.identify_count += 1
        self.identify_payloads.append({k: v for k, v in data.items() if k != "token"})
        session = _Session(id=secrets.token_hex(16), intents=intents, conn=conn)
        self._sessions[session.id] = session
        conn.session = session
        ready = {
            "v": 10,
            "user": self.user_payload(self.bot_user_id)
            | {"verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_payload()["flags"]},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._dispatch(session, "READY", ready)
        if intents & INTENT_GUILDS:
            await self._dispatch(session, "GUILD_CREATE", self.guild_payload())
        self._notify()

    async def _resume(self, conn: _Connection, data: Any) -> None:
        if conn.session is not None:
            self.fail("gateway: RESUME on an identified connection")
            await conn.close(CLOSE_ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict) or not self._token_ok(data.get("token")):
            await conn.close(CLOSE_AUTHENTICATION_FAILED, b"Authentication failed.")
            return
        session = self._sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        if session is None or not isinstance(seq, int):
            # Discord answers an unknown or expired session with op 9, not resumable.
            await conn.send({"op": OP_INVALID_SESSION, "d": False})
            return
        async with session.lock:
            old = session.conn
            session.conn = conn
            conn.session = session
            missed = [e for e in session.events if e["s"] > seq]
            for event in missed:
                await self._send_event(conn, event, replay=True)
            session.seq += 1
            resumed = {"op": OP_DISPATCH, "t": "RESUMED", "s": session.seq, "d": {}}
            session.events.append(resumed)
            await conn.send(resumed)
        if old is not None and old is not conn and old.live:
            await old.close(CLOSE_UNKNOWN_ERROR)
        self.resume_count += 1
        log.info("stand-in: session resumed at seq %s, %d event(s) replayed", seq, len(missed))
        self._notify()

    # ------------------------------------------------------------------ REST

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if not path.startswith(API_PREFIX + "/"):
            self.fail(f"REST: {request.method} {path} is outside {API_PREFIX}")
            return _error(404, 0, "404: Not Found")
        rel = path[len(API_PREFIX) :]
        rec = RecordedRequest(request.method, rel, dict(request.query), None)
        self.requests.append(rec)
        try:
            response = await self._handle(request, rec)
        except _Reject as exc:
            response = exc.response
        rec.status = response.status
        if isinstance(response, web.Response) and isinstance(response.body, bytes) and response.body:
            rec.response = json.loads(response.body)
        self._notify()
        return response

    async def _handle(self, request: web.Request, rec: RecordedRequest) -> web.StreamResponse:
        op = self._validator.operation(rec.method, rec.path)
        route = next(
            (
                (h, m, auth)
                for meth, rx, h, auth in self._route_table
                if meth == rec.method and (m := rx.fullmatch(rec.path))
            ),
            None,
        )
        if op is None or route is None:
            known = f" (Discord route {op.template})" if op else ""
            self.fail(f"REST: unknown route {rec.method} {rec.path}{known}")
            return _error(404, 0, "404: Not Found")
        rec.operation = op.template
        handler, match, needs_auth = route
        if needs_auth:
            self._check_auth(request)
        rec.body = await self._read_body(request)
        if rec.body is not None:
            self._validate(rec, op)
        response: web.StreamResponse = await handler(rec, *match.groups())
        return response

    async def _read_body(self, request: web.Request) -> Any:
        if not request.can_read_body:
            return None
        ctype = request.content_type
        if ctype == "application/json":
            try:
                return await request.json()
            except ValueError:
                self.fail(f"REST: {request.method} {request.path}: body is not JSON")
                raise _Reject(_error(400, 50109, "The request body contains invalid JSON.")) from None
        if ctype == "multipart/form-data":
            form = await request.post()
            raw = form.get("payload_json")
            return json.loads(str(raw)) if raw is not None else {}
        self.fail(f"REST: {request.method} {request.path}: unexpected content type {ctype!r}")
        raise _Reject(_error(400, 50035, "Invalid Form Body"))

    def _validate(self, rec: RecordedRequest, op: _Operation) -> None:
        errors = self._validator.errors(op, rec.body)
        if errors:
            nested, summary = discord_form_errors(errors)
            self.fail(f"REST: invalid body for {rec.method} {rec.path}: {summary}")
            raise _Reject(_error(400, 50035, "Invalid Form Body", errors=nested))
        data = _message_data(rec.body)
        if data is not None and isinstance(data.get("embeds"), list):
            total = sum(embed_total(e) for e in data["embeds"] if isinstance(e, dict))
            if total > EMBED_TOTAL_LIMIT:
                self.fail(f"REST: {rec.method} {rec.path}: embeds total {total} characters (> 6000)")
                err = {
                    "_errors": [
                        {
                            "code": "MAX_EMBED_SIZE_EXCEEDED",
                            "message": "Embed size exceeds maximum size of 6000",
                        }
                    ]
                }
                raise _Reject(_error(400, 50035, "Invalid Form Body", errors={"embeds": err}))

    def _check_auth(self, request: web.Request) -> None:
        auth = request.headers.get("Authorization", "")
        if auth == f"Bot {self.token}" and not self.token_rejected:
            return
        if auth and not auth.startswith("Bot "):
            self.fail(f"REST: Authorization header without the 'Bot ' prefix on {request.path}")
        raise _Reject(_error(401, 0, "401: Unauthorized"))

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any], bool]]:
        """(method, path regex, handler, needs the bot token) for every route this stand-in serves."""
        app = str(self.application_id)
        snow = r"(\d+)"
        tok = r"([^/]+)"
        table: list[tuple[str, str, Callable[..., Any], bool]] = [
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/applications/@me", self._get_application, True),
            ("GET", rf"/applications/{snow}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{snow}/commands", self._put_commands, True),
            ("GET", rf"/applications/{snow}/guilds/{snow}/commands", self._get_guild_commands, True),
            ("PUT", rf"/applications/{snow}/guilds/{snow}/commands", self._put_guild_commands, True),
            ("POST", rf"/interactions/{snow}/{tok}/callback", self._callback, False),
            ("POST", rf"/webhooks/{app}/{tok}", self._followup, False),
            ("GET", rf"/webhooks/{app}/{tok}/messages/(@original|\d+)", self._get_message, False),
            ("PATCH", rf"/webhooks/{app}/{tok}/messages/(@original|\d+)", self._edit_message, False),
            ("DELETE", rf"/webhooks/{app}/{tok}/messages/(@original|\d+)", self._delete_message, False),
        ]
        return [(m, re.compile(p), h, a) for m, p, h, a in table]

    async def _get_gateway(self, rec: RecordedRequest) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, rec: RecordedRequest) -> web.Response:
        limit = {
            "total": 1000,
            "remaining": 1000 - self.identify_count,
            "reset_after": 86_400_000,
            "max_concurrency": 1,
        }
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_me(self, rec: RecordedRequest) -> web.Response:
        user = self.user_payload(self.bot_user_id) | {
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
        }
        return _json(user)

    async def _get_application(self, rec: RecordedRequest) -> web.Response:
        return _json(self.application_payload())

    def _check_app(self, app_id: str) -> None:
        if int(app_id) != self.application_id:
            self.fail(
                f"REST: commands for application {app_id}, but the bot's application is {self.application_id}"
            )
            raise _Reject(_error(403, 50001, "Missing Access"))

    async def _get_commands(self, rec: RecordedRequest, app_id: str) -> web.Response:
        self._check_app(app_id)
        return _json(self.commands.get(None, []))

    async def _put_commands(self, rec: RecordedRequest, app_id: str) -> web.Response:
        self._check_app(app_id)
        return _json(self._store_commands(None, rec.body))

    async def _get_guild_commands(self, rec: RecordedRequest, app_id: str, guild_id: str) -> web.Response:
        self._check_app(app_id)
        self._check_guild(guild_id)
        return _json(self.commands.get(int(guild_id), []))

    async def _put_guild_commands(self, rec: RecordedRequest, app_id: str, guild_id: str) -> web.Response:
        self._check_app(app_id)
        self._check_guild(guild_id)
        return _json(self._store_commands(int(guild_id), rec.body))

    def _check_guild(self, guild_id: str) -> None:
        if int(guild_id) != self.guild_id:
            # Discord: the bot is not in that guild (or lacks the applications.commands scope).
            raise _Reject(_error(403, 50001, "Missing Access"))

    def _store_commands(self, guild_id: int | None, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, list):
            self.fail("REST: command sync body is not a list")
            raise _Reject(_error(400, 50035, "Invalid Form Body"))
        names = [(c.get("type", 1), c.get("name")) for c in body]
        if len(names) != len(set(names)):
            self.fail(f"REST: duplicate command names in sync: {names}")
            raise _Reject(
                _error(
                    400,
                    50035,
                    "Invalid Form Body",
                    errors={
                        "_errors": [
                            {
                                "code": "APPLICATION_COMMANDS_DUPLICATE_NAME",
                                "message": "Application command names must be unique",
                            }
                        ]
                    },
                )
            )
        previous = {(c.get("type", 1), c["name"]): c["id"] for c in self.commands.get(guild_id, [])}
        stored = []
        for cmd in body:
            key = (cmd.get("type", 1), cmd["name"])
            entry = {
                "id": previous.get(key) or self._ids.next(),
                "application_id": str(self.application_id),
                "version": self._ids.next(),
                "type": 1,
                "description": "",
                "default_member_permissions": None,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
            } | cmd
            if entry["integration_types"] is None:
                entry["integration_types"] = [0]  # Discord fills in the default: installed in guilds
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        self.commands[guild_id] = stored
        return stored

    # Interactions -------------------------------------------------------------------------------------------

    def _record(self, interaction_id: str, token: str) -> InteractionRecord:
        record = self.interactions.get(interaction_id)
        if record is None or record.token != token:
            self.fail(f"REST: callback for unknown interaction {interaction_id}")
            raise _Reject(_error(404, 10062, "Unknown interaction"))
        return record

    def _webhook_record(self, token: str) -> InteractionRecord:
        record = next((r for r in self.interactions.values() if r.token == token), None)
        if record is None or record.response_type is None:
            self.fail("REST: webhook call for an interaction that was never acknowledged")
            raise _Reject(_error(404, 10015, "Unknown Webhook"))
        return record

    async def _callback(self, rec: RecordedRequest, interaction_id: str, token: str) -> web.Response:
        record = self._record(interaction_id, token)
        now = time.monotonic()
        if self._callback_faults:
            fault = self._callback_faults.popleft()
            record.callbacks.append(Callback(fault.status, rec.body, now))
            return _fault_response(fault)
        body = rec.body if isinstance(rec.body, dict) else {}
        if record.response_type is not None:
            record.callbacks.append(Callback(400, body, now))
            self.fail(f"REST: interaction {interaction_id} answered twice")
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if record.sent_at is not None and now - record.sent_at > self.callback_deadline:
            record.callbacks.append(Callback(404, body, now))
            self.fail(
                f"REST: interaction {interaction_id} answered after {now - record.sent_at:.2f}s (> 3 s)"
            )
            return _error(404, 10062, "Unknown interaction")
        kind = int(body.get("type", 0))
        allowed = {
            APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
            AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
            MESSAGE_COMPONENT: {
                CHANNEL_MESSAGE,
                DEFERRED_CHANNEL_MESSAGE,
                DEFERRED_UPDATE_MESSAGE,
                UPDATE_MESSAGE,
                MODAL,
            },
            MODAL_SUBMIT: {
                CHANNEL_MESSAGE,
                DEFERRED_CHANNEL_MESSAGE,
                DEFERRED_UPDATE_MESSAGE,
                UPDATE_MESSAGE,
            },
        }.get(int(record.payload["type"]), set())
        if kind not in allowed:
            record.callbacks.append(Callback(400, body, now))
            self.fail(
                f"REST: callback type {kind} is not valid for interaction type {record.payload['type']}"
            )
            return _error(400, 50035, "Invalid Form Body")
        record.callbacks.append(Callback(200, body, now))
        record.response_type = kind
        data = dict(body.get("data") or {})
        if kind in ANSWERING_CALLBACKS:
            self._answered(record, data, now)
        if kind == AUTOCOMPLETE_RESULT:
            return web.Response(status=204)
        interaction = {
            "id": interaction_id,
            "type": record.payload["type"],
            "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
        }
        if kind == DEFERRED_UPDATE_MESSAGE and record.payload.get("message"):
            record.original = dict(record.payload["message"])
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            record.original = self._message(record, {"flags": int(data.get("flags") or 0) | 128})
            interaction["response_message_id"] = record.original["id"]
        if kind in (MODAL, DEFERRED_UPDATE_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            # Discord describes a resource only for messages sent or updated (and activities).
            return _json({"interaction": interaction})
        if kind == UPDATE_MESSAGE:
            message = self._message(record, data, base=record.payload.get("message"))
        else:
            message = self._message(record, data)
        record.original = message
        interaction["response_message_id"] = message["id"]
        return _json({"interaction": interaction, "resource": {"type": kind, "message": message}})

    def _answered(self, record: InteractionRecord, answer: dict[str, Any], now: float) -> None:
        if record.answer is None:
            record.answer = answer
            record.answered_at = now
            record.done.set()

    def _message(
        self, record: InteractionRecord, data: Mapping[str, Any], *, base: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        message: dict[str, Any] = (
            dict(base)
            if base
            else {
                "id": self._ids.next(),
                "channel_id": str(self.channel_id),
                "guild_id": str(self.guild_id),
                "author": self.user_payload(self.bot_user_id),
                "content": "",
                "embeds": [],
                "components": [],
                "attachments": [],
                "mentions": [],
                "mention_roles": [],
                "mention_everyone": False,
                "pinned": False,
                "tts": False,
                "timestamp": _now_iso(),
                "edited_timestamp": None,
                "flags": 0,
                "type": 20,
                "webhook_id": str(self.application_id),
                "application_id": str(self.application_id),
            }
        )
        for key in ("content", "embeds", "components", "flags"):
            if key in data and data[key] is not None:
                message[key] = data[key]
        message["components"] = _numbered(message["components"])
        if base:
            message["edited_timestamp"] = _now_iso()
        return message

    async def _followup(self, rec: RecordedRequest, token: str) -> web.Response:
        record = self._webhook_record(token)
        data = rec.body if isinstance(rec.body, dict) else {}
        message = self._message(record, data)
        record.followups.append(message)
        self._answered(record, data, time.monotonic())
        if rec.query.get("wait") in ("1", "true", "True"):
            return _json(message)
        return web.Response(status=204)

    def _find_message(self, record: InteractionRecord, message_id: str) -> dict[str, Any]:
        if message_id == "@original" or (record.original and record.original["id"] == message_id):
            if record.original is None:
                raise _Reject(_error(404, 10008, "Unknown Message"))
            return record.original
        found = next((m for m in record.followups if m["id"] == message_id), None)
        if found is None:
            self.fail(f"REST: unknown webhook message {message_id}")
            raise _Reject(_error(404, 10008, "Unknown Message"))
        return found

    async def _get_message(self, rec: RecordedRequest, token: str, message_id: str) -> web.Response:
        record = self._webhook_record(token)
        return _json(self._find_message(record, message_id))

    async def _edit_message(self, rec: RecordedRequest, token: str, message_id: str) -> web.Response:
        record = self._webhook_record(token)
        current = self._find_message(record, message_id)
        data = rec.body if isinstance(rec.body, dict) else {}
        edited = self._message(record, data, base=current)
        if current.get("flags", 0) & 128 and "flags" not in data:
            edited["flags"] = current["flags"] & ~128  # the "thinking…" state ends with the first edit
        current.clear()
        current.update(edited)
        record.edits.append(data)
        if record.response_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE):
            self._answered(record, data, time.monotonic())
        return _json(current)

    async def _delete_message(self, rec: RecordedRequest, token: str, message_id: str) -> web.Response:
        record = self._webhook_record(token)
        message = self._find_message(record, message_id)
        if message is record.original:
            record.original = None
        else:
            record.followups.remove(message)
        return web.Response(status=204)


class _Reject(Exception):
    """Ends a request early with a ready Discord-style error response."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def _numbered(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord returns them: each with a numeric ``id``, unique in its message."""
    counter = itertools.count(1)

    def number(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            copy = dict(item)
            copy.setdefault("id", next(counter))
            if isinstance(copy.get("components"), list):
                copy["components"] = number(copy["components"])
            out.append(copy)
        return out

    return number(components)


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # Exactly "application/json", as Discord sends it: discord.py parses nothing else as JSON.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(body).encode(), status=status, headers=all_headers)


def _error(status: int, code: int, message: str, *, errors: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return _json(body, status=status)


def _fault_response(fault: _Fault) -> web.Response:
    if fault.status == 429:
        reset = time.time() + fault.retry_after
        headers = {
            "Retry-After": str(max(1, round(fault.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{reset:.3f}",
            "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
            "X-RateLimit-Bucket": "standin-interaction-callback",
            "X-RateLimit-Scope": "shared",
            "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
        }
        body = {"message": "You are being rate limited.", "retry_after": fault.retry_after, "global": False}
        return _json(body, status=429, headers=headers)
    if fault.status >= 500:
        return _error(fault.status, 0, f"{fault.status}: Internal Server Error")
    return _error(fault.status, 0, f"{fault.status}: stand-in fault")


# ------------------------------------------------------------------------------------------ the bot process

CLIPPINGS = Path(sys.executable).with_name("clippings")  # the console script of this environment
ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def bot_env(
    standin: DiscordStandIn, workdir: Path, *, token: str | None = None, **settings: str
) -> dict[str, str]:
    """The environment for `clippings run` against `standin`: every setting of .env.example set explicitly
    (so a developer's .env cannot leak in), databases in `workdir`; `settings` override (CLIPPINGS_...)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLIPPINGS_", "DISCORD_"))}
    for name in re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M):
        env[name] = ""
    env.update(
        DISCORD_TOKEN=token or standin.token,
        CLIPPINGS_API_BASE=standin.api_base,
        CLIPPINGS_DB=str(workdir / "clippings.db"),
        CLIPPINGS_USER_DB=str(workdir / "members.db"),
        CLIPPINGS_DEV_GUILD_ID=str(standin.guild_id),
        CLIPPINGS_LOG_LEVEL="INFO",
    )
    env.update(settings)
    return env


class BotProcess:
    """A `clippings` subcommand (default: `run`) in a subprocess; stderr (the log) and stdout kept by line."""

    def __init__(self, env: dict[str, str], workdir: Path, *args: str) -> None:
        self.env = env
        self.workdir = workdir
        self.args = args or ("run",)
        self.stderr: list[str] = []
        self.stdout: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            str(CLIPPINGS),
            *self.args,
            env=self.env,
            cwd=self.workdir,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(self.proc.stdout, self.stdout)),
            asyncio.create_task(self._read(self.proc.stderr, self.stderr)),
        ]

    @staticmethod
    async def _read(stream: asyncio.StreamReader, into: list[str]) -> None:
        async for raw in stream:
            into.append(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.stderr)

    def lines_matching(self, pattern: str | re.Pattern[str]) -> list[str]:
        return [line for line in self.stderr if re.search(pattern, line)]

    async def wait_line(self, pattern: str | re.Pattern[str], timeout: float, *, count: int = 1) -> str:
        """Waits until `count` log lines match; AssertionError with the log when the process exits first
        or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.lines_matching(pattern)
            if len(found) >= count:
                return found[count - 1]
            assert self.proc is not None
            if self.proc.returncode is not None or time.monotonic() > deadline:
                state = f"exited {self.proc.returncode}" if self.proc.returncode is not None else "timed out"
                raise AssertionError(f"clippings {state} before logging {pattern!r}; log:\n{self.log}")
            await asyncio.sleep(0.05)

    async def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.wait_for(asyncio.gather(*self._readers), 5)
        return code

    def peak_memory_mb(self) -> float | None:
        """The process's peak resident memory so far (VmHWM), None once it has exited."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        return int(found.group(1)) / 1024 if found else None

    async def kill(self) -> None:
        """Teardown: stop the process whatever state it is in (bounded)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await asyncio.wait_for(self.proc.wait(), 5)
        for reader in self._readers:
            reader.cancel()
