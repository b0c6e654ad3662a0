"""Who may run /refresh, /rollback and /stats, and where they exist at all.

They are registered only in the admin servers, shown by default to members with Manage Server, and
checked again by the bot on every use; the bot's owners may always run them where they exist.
"""

from __future__ import annotations

import copy
from typing import Any

import discord
import pytest
from conftest import ADMIN_OWNER_ID, OTHER_GUILD_ID
from openapi import command_errors, recorded_errors

from bot.offline import (
    DEFAULT_GUILD_ID,
    MEMBER_PERMISSIONS,
    MODERATOR_PERMISSIONS,
    InvocationError,
    OfflineDiscord,
    render,
)

MODERATOR_COMMANDS = ["refresh", "rollback", "stats"]
MANAGE_SERVER = discord.Permissions(manage_guild=True).value
NO_PERMISSION = "(only you can see this)\nYou need the Manage Server permission to use this."


def _moved(payload: dict[str, Any], guild_id: int | None) -> dict[str, Any]:
    """The same interaction as if it came from another server (or a DM, with None)."""
    moved = copy.deepcopy(payload)
    if guild_id is None:
        for key in ("guild_id", "guild", "guild_locale"):
            moved.pop(key, None)
        moved["user"] = moved.pop("member")["user"]
        moved["channel"] = {"id": moved["channel_id"], "type": 1, "recipients": [moved["user"]]}
        moved["context"] = 1
        moved["data"].pop("guild_id", None)
    else:
        moved["guild_id"] = moved["guild"]["id"] = str(guild_id)
        moved["channel"]["guild_id"] = str(guild_id)
        if "guild_id" in moved["data"]:
            moved["data"]["guild_id"] = str(guild_id)
    return moved


async def _articles(offline: OfflineDiscord) -> int:
    return (await offline.bot.store.stats()).articles  # type: ignore[attr-defined]


async def test_the_commands_are_synced_only_to_the_admin_server_for_managers(
    admin_offline: OfflineDiscord,
) -> None:
    global_commands = await admin_offline.sync()
    assert not {c.name for c in global_commands} & set(MODERATOR_COMMANDS)

    admin_commands = await admin_offline.sync(DEFAULT_GUILD_ID)
    put = admin_offline.requests[-1]
    assert put.path.endswith(f"/guilds/{DEFAULT_GUILD_ID}/commands")
    assert sorted(c.name for c in admin_commands) == MODERATOR_COMMANDS
    assert [int(c["default_member_permissions"]) for c in put.json] == [MANAGE_SERVER] * 3
    assert command_errors(put.json) == []


@pytest.mark.parametrize("guild_id", [OTHER_GUILD_ID, None], ids=["other server", "direct message"])
async def test_other_servers_and_direct_messages_do_not_offer_them(
    admin_offline: OfflineDiscord, guild_id: int | None
) -> None:
    for name in MODERATOR_COMMANDS:
        with pytest.raises(InvocationError, match=f"There is no command /{name}"):
            admin_offline.parse(f"/{name}", guild_id=guild_id)


@pytest.mark.parametrize("guild_id", [OTHER_GUILD_ID, None], ids=["other server", "direct message"])
async def test_a_stale_client_elsewhere_is_answered_with_an_error_and_nothing_runs(
    admin_offline: OfflineDiscord, guild_id: int | None
) -> None:
    payload = admin_offline.command_payload(
        "/refresh", user_id=ADMIN_OWNER_ID, permissions=MODERATOR_PERMISSIONS
    )
    result = await admin_offline.dispatch(_moved(payload, guild_id))
    assert render(result.message) == (
        "(only you can see this)\n"
        "This command has changed since Discord last heard of it; try again in a minute."
    )
    assert not any("/refresh" in r.path or r.method == "PATCH" for r in result.requests)


@pytest.mark.parametrize("name", MODERATOR_COMMANDS)
async def test_a_member_without_manage_server_is_not_offered_them(
    admin_offline: OfflineDiscord, name: str
) -> None:
    with pytest.raises(InvocationError, match=f"/{name} is shown only to members who may manage server"):
        admin_offline.parse(f"/{name}", permissions=MEMBER_PERMISSIONS)


@pytest.mark.parametrize("name", MODERATOR_COMMANDS)
async def test_a_member_without_manage_server_is_refused_where_an_admin_unhid_them(
    admin_offline: OfflineDiscord, name: str
) -> None:
    result = await admin_offline.invoke(f"/{name}", permissions=MEMBER_PERMISSIONS, overridden=True)
    assert render(result.message) == NO_PERMISSION
    assert recorded_errors(result.requests) == []
    entries = await admin_offline.bot.store.audit_log(limit=5)  # type: ignore[attr-defined]
    assert [(e.command, e.outcome) for e in entries] == [(name, "refused")]


@pytest.mark.parametrize(
    ("permissions", "user_id"),
    [
        (MODERATOR_PERMISSIONS, None),
        (MEMBER_PERMISSIONS | discord.Permissions(administrator=True), None),
        (MEMBER_PERMISSIONS, ADMIN_OWNER_ID),
    ],
    ids=["manage server", "administrator", "owner without permissions"],
)
async def test_managers_administrators_and_owners_may_refresh(
    admin_offline: OfflineDiscord, permissions: discord.Permissions, user_id: int | None
) -> None:
    kwargs: dict[str, Any] = {"permissions": permissions, "overridden": True}
    if user_id is not None:
        kwargs["user_id"] = user_id
    result = await admin_offline.invoke("/refresh", **kwargs)
    text = render(result.message)
    assert text.startswith("== Refresh done ==\nTook ")
    assert "* Unchanged: 5\n  5 files" in text
    assert recorded_errors(result.requests) == []


async def test_the_server_side_check_holds_where_a_stale_registration_shows_them(
    admin_offline: OfflineDiscord,
) -> None:
    """Discord decides what members see; the bot decides what runs. Registered globally by mistake (an old
    sync, say), the commands still refuse outside the admin servers and in DMs, even for an owner."""
    tree = admin_offline.bot.tree
    for name in MODERATOR_COMMANDS:
        command = tree.get_command(name, guild=discord.Object(DEFAULT_GUILD_ID))
        assert command is not None
        tree.add_command(command)  # globally as well

    elsewhere = await admin_offline.invoke(
        "/refresh", guild_id=OTHER_GUILD_ID, permissions=MODERATOR_PERMISSIONS
    )
    assert render(elsewhere.message) == (
        "(only you can see this)\nModerator commands work only in the bot's admin servers."
    )
    in_dm = await admin_offline.invoke("/refresh", guild_id=None, user_id=ADMIN_OWNER_ID, overridden=True)
    assert render(in_dm.message) == "(only you can see this)\nThis command only works in a server."
    owner_elsewhere = await admin_offline.invoke(
        "/stats", guild_id=OTHER_GUILD_ID, user_id=ADMIN_OWNER_ID, overridden=True
    )
    assert render(owner_elsewhere.message).startswith("(only you can see this)\n\n== Clippings statistics ==")
    assert await _articles(admin_offline) == 5
