"""Every lookup, search and meta command through the offline stand-in, on the bundled corpus.

The facts asserted come from tests/data/gold.json and corpus/manifest.toml: the partners, dates,
speakers, roles and the source links a user sees. The `offline` fixture (conftest.py) validates every
request body against Discord's OpenAPI spec and the 6,000-character total after each test.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.config import BUNDLED_CORPUS
from bot.offline import DEFAULT_USER_ID, OfflineDiscord, OfflineMessage

GOLD = json.loads((Path(__file__).parent / "data" / "gold.json").read_text(encoding="utf-8"))
MANIFEST = {a["file"]: a for a in tomllib.loads((BUNDLED_CORPUS / "manifest.toml").read_text())["article"]}
URL = {file: entry["url"] for file, entry in MANIFEST.items()}
FILES = sorted(MANIFEST)  # 000_... to 004_...

_users = itertools.count(DEFAULT_USER_ID + 1000)


def someone() -> int:
    """A fresh member id, so that per-user cooldowns never carry over between invocations."""
    return next(_users)


def files_with(predicate: Any) -> list[str]:
    return [file for file in FILES if predicate(GOLD[file])]


def partnered(a: str, b: str) -> Any:
    return lambda gold: any(set(p["companies"]) == {a, b} for p in gold["partnerships"])


def quoted(speaker: str) -> Any:
    return lambda gold: any(q["speaker"] == speaker for q in gold["quotes"])


def link_to(file: str) -> str:
    return f"]({URL[file]})"


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


def field_starting(embed: dict[str, Any], prefix: str) -> tuple[str, str]:
    found = [(f["name"], f["value"]) for f in embed.get("fields", []) if f["name"].startswith(prefix)]
    assert len(found) == 1, f"no single field starting {prefix!r} in {[f['name'] for f in embed['fields']]}"
    return found[0]


async def ask(offline: OfflineDiscord, text: str) -> OfflineMessage:
    result = await offline.invoke(text, user_id=someone())
    assert result.errors == []
    return result.message


# ---------------------------------------------------------------- /partnership


async def test_partnership_leica_names_huawei_until_its_end_and_xiaomi_each_linked(
    offline: OfflineDiscord,
) -> None:
    message = await ask(offline, "/partnership leica")
    assert not message.ephemeral
    [embed] = message.embeds
    assert embed["title"].startswith("Partnerships of Leica")
    name, value = field_starting(embed, "Huawei")
    assert name.endswith("– 31 Mar 2022")
    assert value.startswith("Ended")
    for file in files_with(partnered("Huawei", "Leica Camera")):
        assert link_to(file) in value
    name, value = field_starting(embed, "Xiaomi")
    assert name == "Xiaomi · since 23 May 2022"
    assert files_with(partnered("Xiaomi", "Leica Camera")) == ["004_7c3b7d351971b1ca.txt"]
    assert link_to("004_7c3b7d351971b1ca.txt") in value
    assert "Xiaomi 12 Ultra" in value


async def test_partnership_zeiss_finds_nokia(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/partnership zeiss")
    [embed] = message.embeds
    assert embed["title"] == "Partnerships of Carl Zeiss"
    _name, value = field_starting(embed, "Nokia")
    assert "Lumia 1020" in value
    for file in files_with(partnered("Nokia", "Carl Zeiss")):
        assert link_to(file) in value


@pytest.mark.parametrize("spelling", ["leica camera ag", "LEICA", "Leica", "Leica Camera"])
async def test_every_spelling_of_a_company_is_one_company(offline: OfflineDiscord, spelling: str) -> None:
    reference = (await ask(offline, "/company leica")).embeds
    assert (await ask(offline, f"/company {spelling}")).embeds == reference
    assert (
        (await ask(offline, f"/partnership company:{spelling}"))
        .embeds[0]["title"]
        .startswith("Partnerships of Leica")
    )


async def test_an_unknown_company_suggests_close_names(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/partnership company:Leics Camrea")
    assert message.ephemeral
    assert message.embeds == []
    assert message.content.startswith("No company called “Leics Camrea”. Did you mean: **Leica")
    suggestions = re.findall(r"\*\*(.+?)\*\*", message.content)
    assert 1 <= len(suggestions) <= 3


# ---------------------------------------------------------------- /quote


async def test_quote_kaltner_is_verbatim_with_role_and_links_to_all_three_articles(
    offline: OfflineDiscord,
) -> None:
    message = await ask(offline, "/quote kaltner")
    [embed] = message.embeds
    sources = files_with(quoted("Oliver Kaltner"))
    assert len(sources) == 3
    checks = {
        q["verbatim_check"] for f in sources for q in GOLD[f]["quotes"] if q["speaker"] == "Oliver Kaltner"
    }
    for words in checks:
        assert words in embed["description"]
    assert embed["description"].startswith("“")
    assert embed["description"].endswith("— **Oliver Kaltner**, CEO, Leica Camera AG")
    assert embed["url"] in {URL[f] for f in sources}
    assert embed["title"] in {MANIFEST[f]["title"] for f in sources}
    name, value = field_starting(embed, "Sources")
    assert name == "Sources (3)"
    for file in sources:
        assert f"[{MANIFEST[file]['title']}]({URL[file]}) — {MANIFEST[file]['publisher']}" in value


async def test_quote_forgives_a_typo(offline: OfflineDiscord) -> None:
    assert (await ask(offline, "/quote kaltnr")).embeds == (
        await ask(offline, "/quote Oliver Kaltner")
    ).embeds


async def test_several_quotes_page_one_at_a_time(offline: OfflineDiscord) -> None:
    user = someone()
    message = (await offline.invoke("/quote person:Lei Jun", user_id=user)).message
    gold = [q for f in FILES for q in GOLD[f]["quotes"] if q["speaker"] == "Lei Jun"]
    assert message.embeds[0]["footer"]["text"] == f"Quote 1 of {len(gold)}"
    assert [b.label for b in message.buttons] == ["‹ Previous", f"Page 1 of {len(gold)}", "Next ›"]
    seen = [message.embeds[0]["description"]]
    await offline.click(message, "Next ›", user_id=user)
    assert message.embeds[0]["footer"]["text"] == f"Quote 2 of {len(gold)}"
    seen.append(message.embeds[0]["description"])
    for quote in gold:
        assert any(quote["verbatim_check"] in text for text in seen)
    # the role as each article states it at the time: "founder, chairman and CEO, Xiaomi Group", "CEO, Xiaomi"
    assert all(re.search(r"\n\n— \*\*Lei Jun\*\*, [^\n]*CEO, Xiaomi[^\n]*$", text) for text in seen)


async def test_quote_about_filters_by_a_word(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/quote person:kaltner about:smartphones")
    assert "Smartphones make a very important contribution" in message.embeds[0]["description"]
    assert message.embeds[0]["footer"]["text"] == "about “smartphones”"
    nothing = await ask(offline, "/quote person:kaltner about:xylophone")
    assert nothing.ephemeral
    assert nothing.content == "No quotes from Oliver Kaltner about “xylophone”."


async def test_a_misspelt_surname_finds_the_person_and_a_stranger_is_unknown(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/quote person:Kaufman")
    assert message.embeds[0]["description"].endswith(
        "— **Andreas Kaufmann**, majority shareholder and chairman of the supervisory board, Leica Camera AG"
    )
    nobody = await ask(offline, "/quote person:Zzyzx Qwertyuiop")
    assert nobody.ephemeral
    assert nobody.content.startswith("No person called “Zzyzx Qwertyuiop”")


# ---------------------------------------------------------------- /person and /company


async def test_person_profile_shows_role_and_articles(offline: OfflineDiscord) -> None:
    [embed] = (await ask(offline, "/person kaltner")).embeds
    assert embed["title"] == "Oliver Kaltner"
    roles = fields(embed)["Roles"]
    assert roles.startswith("**CEO, Leica Camera AG** — [")
    name, value = field_starting(embed, "Articles")
    sources = files_with(quoted("Oliver Kaltner"))
    assert name == f"Articles ({len(sources)})"
    for file in sources:
        assert link_to(file) in value
    partnerships = fields(embed)["Partnerships of their organisations"]
    assert "– Huawei** · " in partnerships and "31 Mar 2022" in partnerships


async def test_company_profile_shows_partners_people_and_articles(offline: OfflineDiscord) -> None:
    [embed] = (await ask(offline, "/company leica")).embeds
    found = fields(embed)
    assert "**Huawei** · " in found["Partnerships"] and "– 31 Mar 2022 · Ended" in found["Partnerships"]
    assert "**Xiaomi** · since 23 May 2022" in found["Partnerships"]
    for person in ("Oliver Kaltner", "Matthias Harsch", "Andreas Kaufmann"):
        assert f"**{person}** — " in found["People"]
    articles = "\n".join(v for n, v in found.items() if n.startswith("Articles (5)"))
    for file in FILES:
        assert link_to(file) in articles


# ---------------------------------------------------------------- /article


async def test_article_by_autocompleted_id_shows_the_card(offline: OfflineDiscord) -> None:
    file = "004_7c3b7d351971b1ca.txt"
    choices = await offline.autocomplete("/article", "article", "leica teams")
    [(_label, value)] = [c for c in choices if str(c[0]).startswith(MANIFEST[file]["title"])]
    [embed] = (await ask(offline, f"/article article:{value}")).embeds
    assert embed["title"] == MANIFEST[file]["title"]
    assert embed["url"] == URL[file]
    assert embed["description"].startswith("Amateur Photographer, 24 May 2022\n\n")
    found = fields(embed)
    for person in GOLD[file]["people"]:
        assert person["name"] in field_starting(embed, "People")[1]
    assert "Xiaomi" in field_starting(embed, "Companies")[1]
    assert "**Matthias Harsch**" in field_starting(embed, "Quotes")[1]
    assert embed["footer"]["text"] == f"File: {file}"
    assert len(found) == 3


@pytest.mark.parametrize(
    "given", ["004_7c3b7d351971b1ca.txt", "Leica teams up with Xiaomi in new smartphone imaging deal"]
)
async def test_article_by_file_name_or_title(offline: OfflineDiscord, given: str) -> None:
    [embed] = (await ask(offline, f"/article article:{given}")).embeds
    assert embed["url"] == URL["004_7c3b7d351971b1ca.txt"]


async def test_an_unknown_article_suggests_titles(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/article article:no such story anywhere")
    assert message.ephemeral
    assert message.content.startswith("No article called “no such story anywhere”")


# ---------------------------------------------------------------- /timeline


def timeline_lines(message: OfflineMessage) -> list[str]:
    return [line for embed in message.embeds for line in embed["description"].split("\n\n")]


DATE_ORDER = {
    m: n
    for n, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def sort_key(line: str) -> tuple[int, int, int]:
    shown = re.match(r"\*\*(.+?)\*\*", line)
    assert shown, line
    parts = shown.group(1).split()
    if len(parts) == 1:
        return (int(parts[0]), 0, 0)
    if len(parts) == 2:
        return (int(parts[1]), DATE_ORDER[parts[0]], 0)
    return (int(parts[2]), DATE_ORDER[parts[1]], int(parts[0]))


async def test_timeline_of_a_company_is_dated_in_order_and_linked(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/timeline leica")
    assert message.embeds[0]["title"] == "Timeline of Leica"
    lines = timeline_lines(message)
    keys = [sort_key(line) for line in lines]
    assert keys == sorted(keys)
    # gold (004): the first Xiaomi–Leica phone, a date known to the month
    july = [line for line in lines if line.startswith("**Jul 2022** · ")]
    assert july and link_to("004_7c3b7d351971b1ca.txt") in july[0]
    assert all(re.search(r"\]\(https?://", line) for line in lines)


async def test_timeline_of_everything_pages_and_keeps_each_precision(offline: OfflineDiscord) -> None:
    user = someone()
    message = (await offline.invoke("/timeline", user_id=user)).message
    lines = timeline_lines(message)
    assert message.embeds[0]["footer"]["text"].startswith("Page 1 of 2 · ")
    await offline.click(message, "Next ›", user_id=user)
    lines += timeline_lines(message)
    keys = [sort_key(line) for line in lines]
    assert keys == sorted(keys)
    by_date = {line.split("** · ")[0].strip("*"): line for line in lines}
    assert link_to("003_ab580fe8e59a1744.txt") in by_date["2012"]  # a year
    assert link_to("004_7c3b7d351971b1ca.txt") in by_date["31 Mar 2022"]  # a day
    assert link_to("004_7c3b7d351971b1ca.txt") in by_date["20 May 2022"]


# ---------------------------------------------------------------- /search


async def test_search_ranks_hits_with_bold_matches_and_links(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/search leica partnership")
    embed = message.embeds[0]
    assert embed["title"] == "Search: “leica partnership”"
    blocks = embed["description"].split("\n\n")
    assert blocks[0].startswith("**1.** ")
    assert all(re.search(r"\*\*(Leica|partnership)\*\*", block, re.IGNORECASE) for block in blocks)
    assert all(any(link_to(f) in block for f in FILES) for block in blocks)


async def test_search_for_a_name_in_a_quote_names_the_speaker(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/search envelope")
    text = message.embeds[0]["description"]
    assert "Quote by **Oliver Kaltner** in [" in text
    assert "**envelope**" in text


async def test_search_without_hits_says_so(offline: OfflineDiscord) -> None:
    message = await ask(offline, "/search xylophonist")
    assert message.ephemeral
    assert message.content == "Nothing in the clippings matches “xylophonist”."


async def test_search_has_a_per_user_cooldown(offline: OfflineDiscord) -> None:
    user = someone()
    for _ in range(5):
        assert (await offline.invoke("/search leica", user_id=user)).message.embeds
    refused = (await offline.invoke("/search leica", user_id=user)).message
    assert refused.ephemeral
    assert refused.content.startswith("You are going a little fast; try again <t:")
    assert (await offline.invoke("/search leica", user_id=someone())).message.embeds


async def test_a_search_not_ready_in_time_is_deferred_then_answered(offline: OfflineDiscord) -> None:
    # Sent 2.5 s ago (say, behind a queue of searches): half a second of Discord's 3 is left, too little.
    user = someone()
    result = await offline.invoke("/search leica partnership", user_id=user, age=2.5)
    assert result.errors == []
    callback, followup = result.requests
    assert (callback.json, followup.route) == ({"type": 5}, "/webhooks/{webhook_id}/{webhook_token}")
    message = result.message  # the "thinking" message, filled by the follow-up
    assert not message.loading and not message.ephemeral
    assert message.embeds[0]["title"] == "Search: “leica partnership”"
    assert message.embeds[0]["footer"]["text"] == "Page 1 of 2 · 7 results"
    page2 = (await offline.click(message, "Next ›", user_id=user)).message
    assert page2.embeds[0]["footer"]["text"] == "Page 2 of 2 · 7 results"


async def test_a_search_that_arrives_expired_is_logged_not_crashed_on(
    offline: OfflineDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    result = await offline.invoke("/search leica", user_id=someone(), age=3.5)
    assert result.errors == []
    assert [(r.json, r.status) for r in result.requests] == [({"type": 5}, 404)]
    assert "expired before it was answered" in caplog.text


async def test_a_deferred_search_without_hits_says_so(offline: OfflineDiscord) -> None:
    result = await offline.invoke("/search xylophonist", user_id=someone(), age=2.5)
    assert result.requests[0].json == {"type": 5}
    assert result.message.content == "Nothing in the clippings matches “xylophonist”."


# ---------------------------------------------------------------- autocomplete


@pytest.mark.parametrize(
    ("command", "option", "typed", "expected"),
    [
        ("/partnership", "company", "lei", "Leica"),
        ("/company", "name", "hua", "Huawei"),
        ("/quote", "person", "kalt", "Oliver Kaltner"),
        ("/person", "name", "harsch", "Matthias Harsch"),
        ("/timeline", "company", "xia", "Xiaomi"),
    ],
)
async def test_names_autocomplete(
    offline: OfflineDiscord, command: str, option: str, typed: str, expected: str
) -> None:
    choices = await offline.autocomplete(command, option, typed)
    assert expected in [name for name, _ in choices]
    assert len(choices) <= 25
    assert all(1 <= len(str(name)) <= 100 and 1 <= len(str(value)) <= 100 for name, value in choices)


async def test_an_empty_name_autocompletes_the_most_mentioned(offline: OfflineDiscord) -> None:
    choices = await offline.autocomplete("/company", "name", "")
    assert 1 <= len(choices) <= 25


# ---------------------------------------------------------------- /help and /about


async def help_text(offline: OfflineDiscord) -> str:
    """Every page of /help, turned with its Next button."""
    user = someone()
    message = (await offline.invoke("/help", user_id=user)).message
    assert message.ephemeral
    pages = [embed["description"] for embed in message.embeds]
    while any(b.label == "Next ›" and not b.disabled for b in message.buttons):
        message = (await offline.click(message, "Next ›", user_id=user)).message
        pages += [embed["description"] for embed in message.embeds]
    return "\n".join(pages)


async def test_help_lists_every_command_with_a_live_example(offline: OfflineDiscord) -> None:
    text = await help_text(offline)
    for command in offline.bot.tree.walk_commands():
        if not hasattr(command, "commands"):
            assert f"`/{command.qualified_name}" in text
    example = re.search(r"Example: `/quote person:(.+?)`", text)
    assert example is not None
    quoted_example = await ask(offline, f"/quote person:{example.group(1)}")
    assert quoted_example.embeds and not quoted_example.ephemeral


async def test_a_new_command_appears_in_help_with_an_example(offline: OfflineDiscord) -> None:
    @app_commands.command(name="dice", description="Roll a die.")
    async def dice(interaction: discord.Interaction, sides: app_commands.Range[int, 2, 20]) -> None:
        await interaction.response.send_message(str(sides))

    offline.bot.tree.add_command(dice)
    text = await help_text(offline)
    assert "`/dice sides:` — Roll a die.\nExample: `/dice sides:2`" in text


async def test_about_gives_corpus_size_and_version(offline: OfflineDiscord) -> None:
    [embed] = (await ask(offline, "/about")).embeds
    found = fields(embed)
    assert found["Corpus"].startswith(f"{len(FILES)} articles\n")
    assert found["Version"].startswith("Clippings 0.1.0\ndiscord.py 2.7.")
    assert re.match(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC \(<t:\d+:R>\)$", found["Last ingest"])


async def test_every_answer_is_sent_without_pings(offline: OfflineDiscord) -> None:
    for text in (
        "/partnership leica",
        "/quote kaltner",
        "/search leica",
        "/help",
        "/about",
        "/quote nobody-at-all",
    ):
        await ask(offline, text)
    bodies = [
        r.json["data"] for r in offline.requests if r.path.endswith("/callback") and r.json["type"] == 4
    ]
    assert len(bodies) == 6
    assert all(body["allowed_mentions"] == {"parse": []} for body in bodies)
