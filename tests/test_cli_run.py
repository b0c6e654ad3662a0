"""`clippings run`, `sync`, `ask` and `console` as a user runs them: real processes, exit codes, output."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from openapi import request_errors

from bot.config import BUNDLED_CORPUS

# Looks like a bot token (three base64url parts); no Discord has ever issued it.
WELL_FORMED_TOKEN = "MTE4NDAwMDAwMDAwMDAwMDAwMQ.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A clean environment: no token, a private database, the bundled corpus; and no .env (cwd is tmp)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "CLIPPINGS_DB": str(tmp_path / "data" / "clippings.db"),
        "CLIPPINGS_USER_DB": str(tmp_path / "data" / "members.db"),
        "CLIPPINGS_CORPUS": str(BUNDLED_CORPUS),
        **settings,
    }


def clippings(
    tmp_path: Path, *args: str, stdin: str = "", timeout: float = 120, **settings: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path, **settings),
        timeout=timeout,
    )


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("clippings: ")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# ---------------------------------------------------------------- run and sync refuse without a usable token


def test_run_without_a_token_says_what_to_do(tmp_path: Path) -> None:
    done = clippings(tmp_path, "run")
    assert done.returncode == 2
    assert done.stdout == ""
    line = _one_line(done.stderr)
    assert line.startswith("clippings: No Discord token is set. Create an application at")
    assert "DISCORD_TOKEN=" in line
    assert line.endswith("To try every command without Discord: clippings console")
    assert done.stderr == line + "\n"


def test_run_with_a_malformed_token(tmp_path: Path) -> None:
    done = clippings(tmp_path, "run", DISCORD_TOKEN="not-a-token")
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith("clippings: DISCORD_TOKEN does not look like a bot token.")
    assert "not-a-token" not in done.stderr


def test_sync_without_a_token(tmp_path: Path) -> None:
    done = clippings(tmp_path, "sync", "--guild", "123")
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith("clippings: No Discord token is set.")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        (
            "CLIPPINGS_DEV_GUILD_ID",
            "my-server",
            "clippings: CLIPPINGS_DEV_GUILD_ID must be a number (a Discord id)",
        ),
        (
            "CLIPPINGS_OWNER_IDS",
            "12,abc",
            "clippings: CLIPPINGS_OWNER_IDS must be comma-separated Discord ids",
        ),
        (
            "CLIPPINGS_LOG_LEVEL",
            "LOUD",
            "clippings: CLIPPINGS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR",
        ),
    ],
)
def test_a_malformed_setting_is_named(tmp_path: Path, setting: str, value: str, message: str) -> None:
    done = clippings(tmp_path, "run", DISCORD_TOKEN=WELL_FORMED_TOKEN, **{setting: value})
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith(message)


def test_sync_with_an_id_that_is_not_a_number(tmp_path: Path) -> None:
    done = clippings(tmp_path, "sync", "--guild", "abc")
    assert done.returncode == 2
    assert "a Discord id is a number, not 'abc'" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- run against a local API (its base URL)


def _json(data: object, status: int = 200) -> web.Response:
    # Discord sends a bare "application/json" (discord.py reads bodies as JSON only with that exact type).
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


@pytest.fixture
async def api() -> AsyncIterator[tuple[TestServer, asyncio.Event, list[str]]]:
    """A loopback API whose GET /users/@me rejects the token, or hangs for the "slow" one."""
    reached = asyncio.Event()
    seen: list[str] = []

    async def me(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers.get("Authorization", ""))
        reached.set()
        if request.headers.get("Authorization") == f"Bot {WELL_FORMED_TOKEN}x":
            await asyncio.sleep(3600)
        return _json({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, reached, seen
    await server.close()


async def _start(tmp_path: Path, settings: Mapping[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=_env(tmp_path, **settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_a_token_discord_rejects_is_one_line_and_exit_2(
    tmp_path: Path, api: tuple[TestServer, asyncio.Event, list[str]]
) -> None:
    server, _, seen = api
    settings = {
        "DISCORD_TOKEN": WELL_FORMED_TOKEN,
        "CLIPPINGS_API_BASE": f"http://127.0.0.1:{server.port}/api/v10",
    }
    process = await _start(tmp_path, settings)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert seen == [f"Bot {WELL_FORMED_TOKEN}"]
    line = _one_line(err.decode())
    assert line.startswith("clippings: Discord rejected DISCORD_TOKEN (reset or mistyped).")
    assert WELL_FORMED_TOKEN not in err.decode() + out.decode()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_while_logging_in_stops_cleanly(
    tmp_path: Path, api: tuple[TestServer, asyncio.Event, list[str]], sig: signal.Signals
) -> None:
    server, reached, _ = api
    settings = {
        "DISCORD_TOKEN": WELL_FORMED_TOKEN + "x",
        "CLIPPINGS_API_BASE": f"http://127.0.0.1:{server.port}/api/v10",
    }
    process = await _start(tmp_path, settings)
    await asyncio.wait_for(reached.wait(), timeout=60)
    process.send_signal(sig)
    _, err = await asyncio.wait_for(process.communicate(), timeout=5)
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()
    assert "Stopping: closing the connection and the database" in err.decode()


@pytest.fixture
async def accepting_api() -> AsyncIterator[tuple[TestServer, list[tuple[str, str, object]]]]:
    """A loopback API that accepts the token and answers a command sync as Discord does."""
    application_id = "1184000000000000001"
    user = {"id": application_id, "username": "Clippings", "discriminator": "0", "avatar": None, "bot": True}
    bodies: list[tuple[str, str, object]] = []

    async def me(request: web.Request) -> web.StreamResponse:
        return _json(user)

    async def application(request: web.Request) -> web.StreamResponse:
        return _json(
            {
                "id": application_id,
                "name": "Clippings",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": {**user, "id": "1", "bot": False},
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def put_commands(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        bodies.append((request.method, request.path, body))
        guild = request.match_info.get("guild_id")
        answered = [
            {
                "id": str(1184000000000001000 + n),
                "application_id": application_id,
                "version": "1",
                "default_member_permissions": None,
                "type": 1,
                **command,
                **({"guild_id": guild} if guild else {}),
            }
            for n, command in enumerate(body)
        ]
        return _json(answered)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    app.router.add_get("/api/v10/oauth2/applications/@me", application)
    app.router.add_put("/api/v10/applications/{application_id}/commands", put_commands)
    app.router.add_put("/api/v10/applications/{application_id}/guilds/{guild_id}/commands", put_commands)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, bodies
    await server.close()


async def test_sync_to_one_guild_prints_the_commands_and_sends_a_valid_body(
    tmp_path: Path, corpus_db: Path, accepting_api: tuple[TestServer, list[tuple[str, str, object]]]
) -> None:
    server, bodies = accepting_api
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sync",
        "--guild",
        "4242",
        cwd=tmp_path,
        env=_env(
            tmp_path,
            DISCORD_TOKEN=WELL_FORMED_TOKEN,
            CLIPPINGS_DB=str(corpus_db),
            CLIPPINGS_API_BASE=f"http://127.0.0.1:{server.port}/api/v10",
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    [(method, path, body)] = bodies  # one guild, no global sync
    assert (method, path) == ("PUT", "/api/v10/applications/1184000000000000001/guilds/4242/commands")
    assert request_errors("PUT", path.removeprefix("/api/v10"), body) == []
    assert isinstance(body, list)
    names = sorted(command["name"] for command in body)
    assert {"help", "partnership", "quote", "search"} <= set(names)
    assert (
        out.decode() == f"Synced {len(names)} commands to guild 4242: {', '.join('/' + n for n in names)}\n"
    )


# ---------------------------------------------------------------- ask and console: offline, no token


def test_ask_prints_what_a_member_would_see(tmp_path: Path) -> None:
    done = clippings(tmp_path, "ask", "/quote person:kaltner")
    assert done.returncode == 0, done.stderr
    assert "— **Oliver Kaltner**, CEO, Leica Camera AG" in done.stdout
    assert "* Sources (3)" in done.stdout
    for url in (
        "https://techprolonged.com/2016/02/huawei-partners-leica-camera-to-reinvent-smartphone-photography/",
        "https://techtimes.com/articles/136561/20160225/huawei-taps-leica-in-new-strategic-agreement-to-reinvent-smartphone-photography.htm",
        "http://www.androidpolice.com/2016/02/25/huawei-announces-long-term-partnership-with-luxury-camera-and-lens-manufacturer-leica/",
    ):
        assert f"]({url})" in done.stdout
    assert (tmp_path / "data" / "clippings.db").is_file()  # built from the bundled corpus on first use


def test_ask_takes_the_first_option_without_its_name(tmp_path: Path, corpus_db: Path) -> None:
    named = clippings(tmp_path, "ask", "/partnership company:leica", CLIPPINGS_DB=str(corpus_db))
    positional = clippings(tmp_path, "ask", "/partnership leica", CLIPPINGS_DB=str(corpus_db))
    assert named.returncode == positional.returncode == 0
    assert positional.stdout == named.stdout
    assert named.stdout.startswith("== Partnerships of Leica")
    assert "* Huawei · Feb 2016 – 31 Mar 2022" in named.stdout
    assert "* Xiaomi · since 23 May 2022" in named.stdout


def test_ask_json_prints_the_exact_request_bodies(tmp_path: Path, corpus_db: Path) -> None:
    done = clippings(tmp_path, "ask", "/partnership leica", "--json", CLIPPINGS_DB=str(corpus_db))
    assert done.returncode == 0, done.stderr
    [request] = json.loads(done.stdout)
    assert request["method"] == "POST"
    assert request["path"].startswith("/interactions/") and request["path"].endswith("/callback")
    assert request["json"]["type"] == 4
    assert request["json"]["data"]["allowed_mentions"] == {"parse": []}
    assert request["json"]["data"]["embeds"][0]["title"].startswith("Partnerships of Leica")
    assert request_errors(request["method"], request["path"], request["json"]) == []


def test_ask_with_a_command_that_does_not_exist(tmp_path: Path, corpus_db: Path) -> None:
    done = clippings(tmp_path, "ask", "/qoute kaltner", CLIPPINGS_DB=str(corpus_db))
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith("clippings: There is no command /qoute. Did you mean /quote")
    assert done.stdout == ""


def test_console_runs_commands_and_presses_buttons(tmp_path: Path, corpus_db: Path) -> None:
    script = "\n".join(["help", "/search query:camera", "as 77", "press 3", "as 1", "press Next ›", "quit"])
    done = clippings(tmp_path, "console", stdin=script + "\n", CLIPPINGS_DB=str(corpus_db))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "press N        press the N-th button of the last message with buttons" in out
    assert "-- Page 1 of 2 · 7 results" in out
    # The same Kaufmann quote in two articles is one result with two sources.
    assert out.count("Quote by **Andreas Kaufmann**") == 1
    assert "You are now member 77." in out
    # Member 77 did not run the search: a private refusal, the page stays.
    assert "(only you can see this)\nThese buttons belong to the person who ran the command." in out
    assert out.count("-- Page 2 of 2 · 7 results") == 0
    assert "You are now member 1." in out


def test_console_pages_for_the_member_who_ran_the_command(tmp_path: Path, corpus_db: Path) -> None:
    done = clippings(
        tmp_path, "console", stdin="/search query:camera\nclick Next ›\n", CLIPPINGS_DB=str(corpus_db)
    )
    assert done.returncode == 0, done.stderr
    assert "-- Page 2 of 2 · 7 results" in done.stdout
    assert "[1: ‹ Previous] [2: Page 2 of 2 (switched off)] [3: Next › (switched off)]" in done.stdout
