"""Trivia rendering: questions, reveals, scoreboards, leaderboards and stats as embeds. Pure functions.

Corpus text is Markdown-escaped (bot.embeds.fit/escape); members appear as `<@id>` mentions, which embeds
show as names without pinging anyone (and the cog sends with AllowedMentions.none() as well).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import discord

from bot.embeds import FIELD_VALUE_MAX, fit, fit_plain, one_line, source_line
from db.trivia import (
    KIND_LABELS,
    LeaderboardRow,
    MemberStats,
    PlayerScore,
    ScoreLine,
    TriviaQuestion,
    TriviaSettings,
    ranked,
)

COLOUR = discord.Colour(0xE91E63)
LETTERS = ("A", "B", "C", "D")
BUTTON_LABEL_MAX = 80
PERIODS = {"week": "this week", "month": "this month", "all": "of all time"}
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def _ts(moment: datetime, style: str = "R") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def button_label(index: int, option: str) -> str:
    """'A · option' within Discord's 80-character button label."""
    prefix = f"{LETTERS[index]} · "
    return prefix + fit_plain(one_line(option), BUTTON_LABEL_MAX - len(prefix))


def _options(options: Sequence[str], right: int | None = None, counts: Sequence[int] | None = None) -> str:
    lines = []
    for i, option in enumerate(options):
        mark = "" if right is None else ("✅ " if i == right else "▫️ ")
        count = f" — {counts[i]}" if counts is not None else ""
        lines.append(f"{mark}**{LETTERS[i]}.** {fit(one_line(option), 300)}{count}")
    return "\n".join(lines)


def intro_embed(
    *, starter_id: int, count: int, seconds: float, topic: str | None, available: int, requested: int
) -> discord.Embed:
    about = f" about **{fit(one_line(topic), 100)}**" if topic else ""
    embed = discord.Embed(
        title="Trivia from the clippings",
        colour=COLOUR,
        description=(
            f"<@{starter_id}> started a game{about}: **{count}** questions, **{seconds:g} s** each.\n"
            "Everyone may answer each question once with the buttons; a right answer earns 10 points, "
            "plus up to 10 more the faster it comes. Every answer comes with the article that proves it."
        ),
    )
    if available < requested:
        embed.add_field(
            name="Note", value=f"Only {available} questions are available, so the game has {count}."
        )
    embed.set_footer(text="/trivia stop ends the game (its starter or Manage Messages).")
    return embed


def question_embed(
    number: int, total: int, question: TriviaQuestion, options: Sequence[str], deadline: datetime
) -> discord.Embed:
    embed = discord.Embed(
        title=f"Question {number} of {total}",
        colour=COLOUR,
        description=f"**{fit(one_line(question.prompt), 1000)}**\n\n{_options(options)}",
    )
    embed.add_field(name="Time", value=f"Answers close {_ts(deadline)}.", inline=False)
    embed.set_footer(text=KIND_LABELS[question.kind])
    return embed


def reveal_embed(
    number: int,
    total: int,
    question: TriviaQuestion,
    options: Sequence[str],
    picks: Mapping[int, tuple[int, int]],
    streaks: Mapping[int, int],
) -> discord.Embed:
    """The question with its right answer, who got it (points, streak), and the source."""
    right = options.index(question.answer)
    counts = [sum(1 for choice, _ in picks.values() if choice == i) for i in range(len(options))]
    embed = discord.Embed(
        title=f"Question {number} of {total} — answer",
        colour=COLOUR,
        description=f"**{fit(one_line(question.prompt), 1000)}**\n\n{_options(options, right, counts)}",
    )
    winners = sorted(
        ((user, points) for user, (choice, points) in picks.items() if choice == right), key=lambda w: -w[1]
    )
    if winners:
        lines = []
        for user, points in winners:
            streak = streaks.get(user, 0)
            fire = f" · 🔥 {streak} in a row" if streak >= 2 else ""
            lines.append(f"<@{user}> +{points}{fire}")
        value = _join(lines, FIELD_VALUE_MAX)
    elif picks:
        value = "Nobody got it."
    else:
        value = "Nobody answered."
    embed.add_field(name=f"Right answer: {fit_plain(question.answer, 200)}", value=value, inline=False)
    if question.detail:
        embed.add_field(name="From the source", value=fit(question.detail, FIELD_VALUE_MAX), inline=False)
    embed.add_field(name="Source", value=source_line(question.source), inline=False)
    return embed


def _join(lines: Sequence[str], limit: int) -> str:
    out: list[str] = []
    for i, line in enumerate(lines):
        rest = len(lines) - i
        if len("\n".join([*out, line])) + len(f"\n…and {rest} more") > limit:
            return "\n".join([*out, f"…and {rest} more"])
        out.append(line)
    return "\n".join(out)


def _rank_label(rank: int, points: int) -> str:
    """'🥇 1.' for the first three places with points, '4.' otherwise; tied players share a rank."""
    medal = MEDALS.get(rank) if points > 0 else None
    return f"{medal} {rank}." if medal else f"{rank}."


def scoreboard_embed(scores: Sequence[ScoreLine], *, ending: str, asked: int) -> discord.Embed:
    """The end of a game: everyone's points, ties shown as ties."""
    embed = discord.Embed(title="Trivia — final scores", colour=COLOUR)
    by_user = {s.user_id: s for s in scores}
    lines = []
    for rank, user, points, tied in ranked((s.user_id, s.points) for s in scores):
        line = by_user[user]
        tie = " (tie)" if tied else ""
        streak = f", best streak {line.best_streak}" if line.best_streak >= 2 else ""
        lines.append(
            f"{_rank_label(rank, points)} <@{user}> — **{_points(points)}**{tie} "
            f"({line.right}/{asked} right{streak})"
        )
    top = [u for r, u, p, _ in ranked((s.user_id, s.points) for s in scores) if r == 1 and p > 0]
    if not lines:
        summary = "Nobody answered a question."
    elif not top:
        summary = "Nobody scored."
    elif len(top) == 1:
        summary = f"<@{top[0]}> wins!"
    else:
        summary = "A tie between " + ", ".join(f"<@{u}>" for u in top) + "!"
    body = [summary, "", *lines] if lines else [summary]
    embed.description = _join([*body, "", ending], 4000)
    return embed


def interrupted_embed(scores: Sequence[PlayerScore]) -> discord.Embed:
    """What the last question of a game cut by a restart shows afterwards."""
    embed = discord.Embed(
        title="Trivia — game ended",
        colour=COLOUR,
        description="This game ended when the bot restarted. Points earned before that are kept.",
    )
    if scores:
        lines = [
            f"{_rank_label(rank, points)} <@{user}> — {_points(points)}" + (" (tie)" if tied else "")
            for rank, user, points, tied in ranked((s.user_id, s.points) for s in scores)
        ]
        embed.add_field(name="Scores", value=_join(lines, FIELD_VALUE_MAX), inline=False)
    embed.set_footer(text="/trivia start begins a new game.")
    return embed


def leaderboard_embed(rows: Sequence[LeaderboardRow], period: str) -> discord.Embed:
    embed = discord.Embed(title=f"Trivia leaderboard — {PERIODS.get(period, period)}", colour=COLOUR)
    if not rows:
        embed.description = "No trivia points yet. Start a game with /trivia start."
        return embed
    lines = []
    for rank, user, points, tied in ranked((r.user_id, r.total) for r in rows):
        row = next(r for r in rows if r.user_id == user)
        wins = f"{row.wins} win" + ("" if row.wins == 1 else "s")
        games = f"{row.games} game" + ("" if row.games == 1 else "s")
        lines.append(
            f"{_rank_label(rank, points)} <@{user}> — **{_points(points)}**"
            + (" (tie)" if tied else "")
            + f" · {wins} · {games} · {row.average:.1f} per game"
        )
    embed.description = _join(lines, 4000)
    embed.set_footer(text="A win: the top score (ties share it) of a game played to its last question.")
    return embed


def stats_embed(user_id: int, stats: MemberStats) -> discord.Embed:
    embed = discord.Embed(title="Trivia stats", colour=COLOUR, description=f"<@{user_id}> in this server")
    if stats.answered == 0:
        embed.description = f"<@{user_id}> has not answered a trivia question in this server yet."
        return embed
    share = round(100 * stats.right / stats.answered)
    embed.add_field(name="Points", value=f"{stats.total} ({stats.average:.1f} per game)", inline=True)
    embed.add_field(name="Games", value=f"{stats.games} played, {stats.wins} won", inline=True)
    embed.add_field(name="Answers", value=f"{stats.right} of {stats.answered} right ({share}%)", inline=True)
    embed.add_field(name="Best streak", value=f"{stats.best_streak} in a row", inline=True)
    if stats.rank is not None:
        embed.add_field(name="Rank", value=f"#{stats.rank} in this server", inline=True)
    return embed


def settings_embed(settings: TriviaSettings, *, changed: bool) -> discord.Embed:
    title = "Trivia settings saved" if changed else "Trivia settings"
    embed = discord.Embed(title=title, colour=COLOUR)
    embed.add_field(name="Questions per game", value=str(settings.questions), inline=True)
    embed.add_field(name="Seconds per question", value=f"{settings.seconds:g}", inline=True)
    embed.set_footer(text="/trivia start can still ask for other values for one game.")
    return embed
