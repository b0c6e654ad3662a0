"""Hostile and odd input to every command: each gets a clear, short answer, and never an exception.

The payloads are built raw (as a modified client could send them), so the bot's own checks are what
stands between the text and the Store; Discord's length limits are not relied on. The `offline`
fixture validates every request body against Discord's OpenAPI spec and the 6,000-character total.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any

import pytest

from bot.client import INTERNAL_ERROR
from bot.offline import DEFAULT_USER_ID, OfflineDiscord, OfflineMessage, Result
from bot.views import EXPIRED, NOT_YOURS

_users = itertools.count(DEFAULT_USER_ID + 5000)

# (command with a placeholder for the option under test, option, what the empty/long messages call it, max)
TARGETS: list[tuple[str, str, str, int]] = [
    ("/partnership company:X", "company", "a company name", 100),
    ("/company name:X", "name", "a company name", 100),
    ("/person name:X", "name", "a person's name", 100),
    ("/quote person:X", "person", "a person's name", 100),
    ("/quote person:kaltner about:X", "about", "a word to look for", 100),
    ("/timeline company:X", "company", "a company name", 100),
    ("/article article:X", "article", "an article title", 300),
    ("/search query:X", "query", "a search", 200),
]

HOSTILE = {
    "markdown": "**bold** __under__ `code` ~~strike~~ ||spoiler|| [link](https://evil.example) > quote",
    "everyone": "@everyone",
    "here": "@here hello",
    "role mention": "<@&123>",
    "user mention": "<@123456789012345678>",
    "sql": "'; DROP TABLE articles; --",
    "double quote": '"',
    "star": "*",
    "near": "NEAR(",
    "and": "AND",
    "open bracket": "(",
    "fts column": "title:leica OR body:*",
    "unbalanced": '"leica AND (huawei',
    "minus": "-leica",
    "emoji": "🦄📷",
    "right to left": "שלום עולם",
    "bidi override": "\u202eacieL",
    "arabic": "مرحبا بالعالم",
    "nul": "lei\x00ca",
}

MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>")


def payload_with(offline: OfflineDiscord, text: str, option: str, value: str, user_id: int) -> dict[str, Any]:
    """The payload for `text`, with `option` set to `value` exactly as given (no client-side checks)."""
    payload = offline.command_payload(text, user_id=user_id)
    for item in payload["data"]["options"]:
        if item["name"] == option:
            item["value"] = value
            return payload
    raise AssertionError(f"{text} has no option {option}")


async def run_raw(offline: OfflineDiscord, text: str, option: str, value: str) -> Result:
    result = await offline.dispatch(payload_with(offline, text, option, value, next(_users)))
    assert result.errors == []
    callbacks = [r for r in result.requests if r.path.endswith("/callback")]
    assert len(callbacks) == 1, f"{text} with {value!r}: {len(callbacks)} answers"
    return result


def visible_text(message: OfflineMessage) -> str:
    parts = [message.content]
    for embed in message.embeds:
        parts += [
            embed.get("title", ""),
            embed.get("description", ""),
            embed.get("footer", {}).get("text", ""),
        ]
        parts += [f["name"] + "\n" + f["value"] for f in embed.get("fields", [])]
    return "\n".join(parts)


@pytest.mark.parametrize("value", ["", "   ", "\n\t "], ids=["empty", "spaces", "whitespace"])
async def test_empty_text_asks_for_something(offline: OfflineDiscord, value: str) -> None:
    for text, option, what, _ in TARGETS:
        message = (await run_raw(offline, text, option, value)).message
        assert message.ephemeral
        assert message.content == f"Please type {what}."


async def test_six_thousand_characters_are_refused_with_the_limit(offline: OfflineDiscord) -> None:
    for text, option, what, limit in TARGETS:
        message = (await run_raw(offline, text, option, "a" * 6000)).message
        assert message.ephemeral
        assert message.content == f"That is too long for {what}: 6,000 characters; the most is {limit}."


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_hostile_text_gets_a_clear_answer(offline: OfflineDiscord, value: str) -> None:
    for text, option, _, _ in TARGETS:
        message = (await run_raw(offline, text, option, value)).message
        shown = visible_text(message)
        assert shown.strip(), f"{text} with {value!r} showed nothing"
        assert INTERNAL_ERROR not in shown, f"{text} with {value!r} failed"
        assert not MENTION.search(shown), f"{text} with {value!r} shows a live mention: {shown!r}"
        assert "[link](" not in shown  # a masked link only renders unescaped
        if message.ephemeral:
            assert len(message.content) <= 300
            assert message.embeds == []


async def test_markdown_in_a_name_is_shown_escaped(offline: OfflineDiscord) -> None:
    message = (await run_raw(offline, "/company name:X", "name", "**Leica** _x_")).message
    assert message.content.startswith("No company called “\\*\\*Leica\\*\\* \\_x\\_” in the clippings.")


async def test_an_unknown_name_in_another_script_is_quoted_back(offline: OfflineDiscord) -> None:
    for value in ("שלום עולם", "🦄📷"):
        message = (await run_raw(offline, "/person name:X", "name", value)).message
        assert message.content.startswith(f"No person called “{value}”")


async def test_sql_in_any_option_changes_nothing(offline: OfflineDiscord) -> None:
    before = (await offline.invoke("/about", user_id=next(_users))).message.embeds[0]["fields"][0]["value"]
    for text, option, _, _ in TARGETS:
        await run_raw(offline, text, option, "x'); DELETE FROM articles; DROP TABLE quotes; --")
    after = (await offline.invoke("/about", user_id=next(_users))).message.embeds[0]["fields"][0]["value"]
    assert after == before
    assert (await offline.invoke("/quote kaltner", user_id=next(_users))).message.embeds


@pytest.mark.parametrize(
    "value", ['"', "*", "NEAR(", "AND", "(", '"leica AND (huawei', "title:leica OR body:*"]
)
async def test_search_syntax_is_searched_as_text(offline: OfflineDiscord, value: str) -> None:
    message = (await run_raw(offline, "/search query:X", "query", value)).message
    if message.ephemeral:
        assert message.content.startswith("Nothing in the clippings matches “")
    else:
        assert message.embeds[0]["title"].startswith("Search: “")


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_autocomplete_survives_anything(offline: OfflineDiscord, value: str) -> None:
    for command, option in (("/company", "name"), ("/quote", "person"), ("/article", "article")):
        choices = await offline.autocomplete(command, option, value)
        assert len(choices) <= 25
        assert all(1 <= len(str(name)) <= 100 for name, _ in choices)


async def test_another_members_click_and_a_click_after_the_time_out(offline: OfflineDiscord) -> None:
    owner = next(_users)
    message = (await offline.invoke("/timeline", user_id=owner)).message
    first_page = message.embeds
    not_yours = await offline.click(message, "Next ›", user_id=next(_users))
    assert not_yours.errors == []
    assert not_yours.message.ephemeral and not_yours.message.content == NOT_YOURS
    assert message.embeds == first_page
    as_seen_before = OfflineMessage(copy.deepcopy(message.data))
    await offline.time_out_views()
    assert all(b.disabled for b in message.buttons)
    late = await offline.click(as_seen_before, "Next ›", user_id=owner)
    assert late.errors == []
    assert late.message.ephemeral and late.message.content == EXPIRED
    assert message.embeds == first_page
