"""/refresh, /rollback and /stats through the offline stand-in, on a private copy of the corpus.

What a moderator sees (progress, the summary, the removal guard, "already running"), what members get
from their lookups afterwards and meanwhile, and that a rollback brings the old answers back without
touching the members' own data.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import ADMIN_OWNER_ID
from openapi import embed_total

from benchmarks.generate import write_corpus
from bot import offline as offline_module
from bot.embeds import refresh_summary_embed
from bot.offline import (
    DEFAULT_GUILD_ID,
    DEFAULT_USER_ID,
    MODERATOR_PERMISSIONS,
    OfflineDiscord,
    Result,
    render,
)
from db.models import CorpusStats, FileFailure, IngestReport

MOD = MODERATOR_PERMISSIONS
SECOND_MODERATOR = 1184000000000000555
LOOKUP_USERS = range(1184000000000001000, 1184000000000001100)  # one per lookup: no cooldowns

REMOVED = "003_ab580fe8e59a1744.txt"
CHANGED = "004_7c3b7d351971b1ca.txt"
ADDED = "900_added.txt"
BROKEN = "901_broken.txt"

ADDED_TEXT = """Quillon and Brevant sign a long-term imaging partnership

Quillon and Brevant announced a long-term strategic partnership on 3 March 2021 to build camera modules.

“This partnership lets us bring studio quality imaging to everyone,” said Marta Velloso, chief
executive of Quillon.

The companies expect the first products in 2022.
"""
CHANGED_PARAGRAPH = (
    "“We will open a second imaging lab in Wetzlar next spring,” said Tomasz Ferrand, head of imaging "
    "research at Leica."
)
QUOTE_ADDED = "We will open a second imaging lab in Wetzlar next spring"


async def _refresh(offline: OfflineDiscord, text: str = "/refresh", **kwargs: object) -> Result:
    kwargs.setdefault("permissions", MOD)
    return await offline.invoke(text, **kwargs)  # type: ignore[arg-type]


def _fields(result: Result) -> dict[str, str]:
    """The summary embed's fields, name -> value, as a member reads them."""
    embed = result.message.embeds[0]
    plain = render(result.message)
    assert plain  # rendered without error
    return {f["name"]: re.sub(r"\\(.)", r"\1", f["value"]) for f in embed.get("fields", [])}


def _remove(corpus: Path, name: str) -> None:
    """Delete an article file and its manifest entry, as a moderator would."""
    (corpus / name).unlink()
    manifest = corpus / "manifest.toml"
    blocks = manifest.read_text(encoding="utf-8").split("[[article]]")
    kept = [b for b in blocks if f'file = "{name}"' not in b]
    manifest.write_text("[[article]]".join(kept), encoding="utf-8")


def _change_corpus(corpus: Path) -> None:
    _remove(corpus, REMOVED)
    changed = corpus / CHANGED
    paragraphs = changed.read_text(encoding="utf-8").split("\n\n")
    paragraphs.insert(2, CHANGED_PARAGRAPH)  # in the body, not after the page's trailing links
    changed.write_text("\n\n".join(paragraphs), encoding="utf-8")
    (corpus / ADDED).write_text(ADDED_TEXT, encoding="utf-8")
    (corpus / BROKEN).write_bytes(b"Headline\n\n\x00\x01\x02 binary junk")


async def _corpus_line(offline: OfflineDiscord) -> str:
    """The corpus totals /about shows (without the last-ingest time, which moves)."""
    result = await offline.invoke("/about", user_id=LOOKUP_USERS[-1])
    fields = {f["name"]: f["value"] for f in result.message.embeds[0]["fields"]}
    return fields["Corpus"]


# ---------------------------------------------------------------- a refresh after real changes


async def test_a_refresh_reports_each_change_and_answers_from_the_new_files(
    admin_offline: OfflineDiscord, corpus_copy: Path
) -> None:
    before_article = await admin_offline.invoke(f"/article article:{REMOVED}")
    assert before_article.message.embeds[0]["title"].startswith("Huawei announces long-term partnership")
    _change_corpus(corpus_copy)

    result = await _refresh(admin_offline)

    message = result.message
    assert not message.ephemeral  # other moderators in the channel see it too
    embed = message.embeds[0]
    assert embed["title"] == "Refresh done, some files failed"
    assert re.fullmatch(
        r"Took \d+\.\d s\. The knowledge base now holds 5 articles, \d+ quotes?, .*\.", embed["description"]
    )
    assert _fields(result) == {
        "Added: 1": ADDED,
        "Updated: 1": CHANGED,
        "Unchanged: 3": "3 files",
        "Removed: 1": REMOVED,
        "Failed: 1": f"{BROKEN}: binary file (it contains NUL bytes), not text",
    }
    assert embed["footer"]["text"] == "The data from before is kept: /rollback restores it."

    # The answers afterwards: the new article, the changed one, and nothing of the removed one.
    partners = await admin_offline.invoke("/partnership company:Quillon")
    assert "Brevant" in render(partners.message)
    quote = await admin_offline.invoke("/quote person:Tomasz Ferrand")
    assert QUOTE_ADDED in render(quote.message)
    assert "Leica teams up with Xiaomi" in render(quote.message)  # the changed article is the source
    gone = await admin_offline.invoke(f"/article article:{REMOVED}")
    assert render(gone.message).startswith(f"(only you can see this)\nNo article called “{REMOVED}”")


async def test_a_refresh_that_changes_nothing_says_so_and_keeps_the_backup(
    admin_offline: OfflineDiscord, admin_settings: object
) -> None:
    result = await _refresh(admin_offline)
    assert result.message.embeds[0]["title"] == "Refresh done"
    assert _fields(result)["Unchanged: 5"] == "5 files"
    assert result.message.embeds[0]["footer"]["text"] == (
        "Nothing changed; the last backup is still the one /rollback restores."
    )


# ---------------------------------------------------------------- progress, one at a time, meanwhile


@pytest.fixture
def many_new_files(corpus_copy: Path, tmp_path: Path) -> int:
    """Adds enough synthetic articles to `corpus_copy` that a refresh takes a few seconds."""
    generated = tmp_path / "generated"
    count = 300
    write_corpus(generated, count, seed=11, workers=1)
    for path in generated.glob("*.txt"):
        shutil.copy(path, corpus_copy / path.name)
    return count


async def test_progress_is_shown_at_most_once_a_second(
    admin_offline: OfflineDiscord, many_new_files: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Shortened from a second, so that a fast machine's refresh of 300 files still shows its progress.
    every = 0.05
    # The module the bot loaded: every bot that closes unloads its extensions, and the next one imports
    # them afresh, so the module this file imported may no longer be the one running.
    admin_module = sys.modules[type(admin_offline.bot.get_cog("Admin")).__module__]
    monkeypatch.setattr(admin_module, "PROGRESS_EVERY_SECONDS", every)
    result = await _refresh(admin_offline)

    edits = [r for r in result.requests if r.method == "PATCH" and r.path.endswith("/messages/@original")]
    progress = [e for e in edits if (e.json.get("content") or "").startswith("Refreshing…")]
    assert progress, "a refresh of many files shows its progress"
    for edit in progress:
        assert re.fullmatch(
            rf"Refreshing… \d+ of {many_new_files + 5} files \(\d+%\), last: .+\.txt", edit.json["content"]
        )
    gaps = [b.at - a.at for a, b in itertools.pairwise(edits)]
    # The summary itself may follow the last progress at once.
    assert all(gap >= every * 0.95 for gap in gaps[:-1])
    added = _fields(result)[f"Added: {many_new_files}"].splitlines()
    assert added[-1] == f"…and {many_new_files - len(added) + 1} more files"


async def test_a_refresh_that_outlives_the_interaction_posts_its_summary_to_the_channel(
    admin_offline: OfflineDiscord, many_new_files: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Discord's 15 minutes, shortened to nothing: however fast the refresh, its token has expired.
    monkeypatch.setattr(offline_module, "TOKEN_LIFETIME", 0.0)
    result = await _refresh(admin_offline)

    assert [r.status for r in result.requests if r.method == "PATCH"][-1] == 401
    posted = result.requests[-1]
    assert (posted.method, posted.route) == ("POST", "/channels/{channel_id}/messages")
    assert result.message.content == f"<@{DEFAULT_USER_ID}>"
    assert result.message.embeds[0]["title"] == "Refresh done"
    assert f"Added: {many_new_files}" in _fields(result)


async def _wait_until_running(offline: OfflineDiscord) -> None:
    deadline = time.monotonic() + 10
    while not offline.bot.get_cog("Admin")._lock.locked():  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the refresh never started"
        await asyncio.sleep(0.01)


async def test_a_second_refresh_or_rollback_is_told_who_started_the_running_one(
    admin_offline: OfflineDiscord, many_new_files: int
) -> None:
    first = asyncio.create_task(_refresh(admin_offline, user_id=ADMIN_OWNER_ID))
    await _wait_until_running(admin_offline)

    second = await _refresh(admin_offline, user_id=SECOND_MODERATOR)
    rollback = await _refresh(admin_offline, "/rollback", user_id=SECOND_MODERATOR)

    for refused in (second, rollback):
        assert refused.message.ephemeral
        assert re.fullmatch(
            rf"A refresh is already running, started by <@{ADMIN_OWNER_ID}> at <t:\d+:f>\. "
            r"Try again when it has finished\.",
            refused.message.content,
        )
    done = await first
    assert done.message.embeds[0]["title"] == "Refresh done"
    entries = await admin_offline.bot.store.audit_log(limit=10)  # type: ignore[attr-defined]
    assert [(e.command, e.user_id, e.outcome) for e in entries] == [
        ("refresh", ADMIN_OWNER_ID, "done"),
        ("rollback", SECOND_MODERATOR, "refused"),
        ("refresh", SECOND_MODERATOR, "refused"),
    ]


async def test_fifty_lookups_during_a_refresh_all_answer_from_the_old_or_the_new_data(
    admin_offline: OfflineDiscord, corpus_copy: Path, many_new_files: int
) -> None:
    lookups = ["/search query:partnership", "/about", "/timeline"]

    async def answers() -> dict[str, str]:
        out = {}
        for n, text in enumerate(lookups):
            result = await admin_offline.invoke(text, user_id=LOOKUP_USERS[-2 - n])
            out[text] = _comparable(result)
        return out

    # The old answers are those before the refresh; the new ones, those after it.
    old = await answers()
    refresh = asyncio.create_task(_refresh(admin_offline))
    await _wait_until_running(admin_offline)
    during: list[asyncio.Task[Result]] = []
    for n in range(50):
        text = lookups[n % len(lookups)]
        during.append(asyncio.create_task(admin_offline.invoke(text, user_id=LOOKUP_USERS[n])))
        await asyncio.sleep(0.05)
    results = await asyncio.gather(*during)
    summary = await refresh
    assert summary.message.embeds[0]["title"] == "Refresh done"
    new = await answers()
    assert old != new

    seen_old = 0
    for n, result in enumerate(results):
        text = lookups[n % len(lookups)]
        assert result.errors == []
        assert [r.status for r in result.requests] == [200] * len(result.requests)
        answer = _comparable(result)
        assert answer in (old[text], new[text]), f"{text} gave a mix of old and new data:\n{answer}"
        seen_old += answer == old[text]
    assert seen_old > 0


def _comparable(result: Result) -> str:
    """What the member reads, without the relative times that move on their own."""
    return re.sub(r" \((in \d+ seconds|\d+ seconds ago)\)", "", render(result.message))


# ---------------------------------------------------------------- the removal guard


async def test_removing_more_than_half_stops_until_confirmed(
    admin_offline: OfflineDiscord, corpus_copy: Path
) -> None:
    gone = sorted(p.name for p in corpus_copy.glob("*.txt"))[:3]
    for name in gone:
        _remove(corpus_copy, name)

    stopped = await _refresh(admin_offline)
    embed = stopped.message.embeds[0]
    assert embed["title"] == "Refresh stopped: nothing was changed"
    assert embed["description"] == (
        "This refresh would remove 3 of the 5 articles, more than half. "
        "If the corpus folder is meant to look like that, run `/refresh confirm: True`."
    )
    assert _fields(stopped) == {"Would remove: 3": "\n".join(gone)}
    assert (await _corpus_line(admin_offline)).startswith("5 articles\n")

    confirmed = await _refresh(admin_offline, "/refresh confirm:True")
    assert _fields(confirmed)["Removed: 3"] == "\n".join(gone)
    assert (await _corpus_line(admin_offline)).startswith("2 articles\n")


# ---------------------------------------------------------------- rollback


async def test_rollback_restores_the_previous_answers_and_leaves_members_data_alone(
    admin_offline: OfflineDiscord, admin_settings: object, corpus_copy: Path
) -> None:
    store = admin_offline.bot.store  # type: ignore[attr-defined]
    before = await _corpus_line(admin_offline)
    old_quotes = render((await admin_offline.invoke("/quote person:Tomasz Ferrand")).message)
    # Members' data: a finished trivia game with a right answer, and the server's trivia settings.
    game = await store.trivia_start_game(
        guild_id=DEFAULT_GUILD_ID,
        channel_id=1,
        started_by=SECOND_MODERATOR,
        questions=1,
        seconds=20,
        topic=None,
        started_at=time.time(),
    )
    await store.trivia_record_answer(
        game_id=game,
        guild_id=DEFAULT_GUILD_ID,
        user_id=SECOND_MODERATOR,
        number=1,
        question_key="q1",
        correct=True,
        points=3,
        answered_at=time.time(),
    )
    await store.trivia_end_game(game, "finished", time.time())
    await store.set_trivia_settings(DEFAULT_GUILD_ID, questions=7)
    board = await store.trivia_leaderboard(DEFAULT_GUILD_ID)
    assert [(row.user_id, row.total) for row in board] == [(SECOND_MODERATOR, 3)]
    _change_corpus(corpus_copy)
    await _refresh(admin_offline)
    after_refresh = await _corpus_line(admin_offline)
    assert after_refresh != before

    rolled = await _refresh(admin_offline, "/rollback")
    embed = rolled.message.embeds[0]
    assert embed["title"] == "Rolled back"
    assert embed["description"].endswith(
        "The data it replaced became the backup: run /rollback again to undo this."
    )
    assert await _corpus_line(admin_offline) == before
    assert render((await admin_offline.invoke("/quote person:Tomasz Ferrand")).message) == old_quotes
    assert await store.trivia_leaderboard(DEFAULT_GUILD_ID) == board
    assert (await store.trivia_settings(DEFAULT_GUILD_ID)).questions == 7

    again = await _refresh(admin_offline, "/rollback")
    assert again.message.embeds[0]["title"] == "Rolled back"
    assert await _corpus_line(admin_offline) == after_refresh  # the second rollback undid the first


async def test_rollback_without_a_backup_says_there_is_none(admin_offline: OfflineDiscord) -> None:
    result = await _refresh(admin_offline, "/rollback")
    embed = result.message.embeds[0]
    assert embed["title"] == "Nothing to roll back"
    assert embed["description"] == (
        "There is no backup yet: one is made before each refresh that changes something."
    )


# ---------------------------------------------------------------- /stats and the audit log


async def test_stats_shows_totals_the_last_refreshes_sizes_uptime_and_usage(
    admin_offline: OfflineDiscord, corpus_copy: Path, admin_settings: object
) -> None:
    _change_corpus(corpus_copy)
    await _refresh(admin_offline, user_id=ADMIN_OWNER_ID)
    await admin_offline.invoke("/about")
    await admin_offline.invoke("/about", user_id=SECOND_MODERATOR)

    result = await _refresh(admin_offline, "/stats")
    assert result.message.ephemeral
    fields = {f["name"]: f["value"] for f in result.message.embeds[0]["fields"]}
    assert fields["Corpus"].startswith("5 articles, ")
    assert re.fullmatch(
        rf"<t:\d+:f> /refresh by <@{ADMIN_OWNER_ID}>, done: 1 added, 1 updated, 3 unchanged, "
        r"1 removed, 1 failed",
        fields["Last refreshes"],
    )
    assert re.fullmatch(
        r"Knowledge base: \d+\.\d (KB|MB)\nBackup: \d+\.\d (KB|MB), taken <t:\d+:R>\n"
        r"Members' data: \d+\.\d KB",
        fields["Databases"],
    )
    assert re.fullmatch(r"Up since <t:\d+:f> \(<t:\d+:R>\)", fields["Uptime"])
    assert fields["Commands run since the start"] == "/about: 2 · /refresh: 1 · /stats: 1"


def test_the_summary_of_a_huge_refresh_stays_within_discords_limits() -> None:
    names = [f"{'very_long_file_name_' * 8}{n}.txt" for n in range(2000)]
    report = IngestReport(
        added=names[:500],
        updated=names[500:1000],
        unchanged=names[1000:1500],
        removed=names[1500:1800],
        failed=[FileFailure(n, "not UTF-8 text " * 40) for n in names[1800:]],
        warnings=[f"{n}: kept the version loaded before" for n in names[1800:]],
        seconds=754.2,
    )
    totals = CorpusStats(1700, 9000, 3000, 2500, 800, 12000, None)
    embed = refresh_summary_embed(report, totals, 754.2).to_dict()
    assert embed_total(embed) <= 6000
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Failed: 200"].endswith(" more files")
    assert embed["description"].startswith("Took 12 min 34 s. The knowledge base now holds 1700 articles, ")
