"""Community trivia from the corpus: /trivia start|stop|leaderboard|stats|forget-me and /trivia-settings.

One game per channel, run as a task. Each question is a message with four answer buttons; everyone may
answer once. After the time (or once everyone playing has answered) the message shows the right answer,
who got it and the source, and the next question follows. Points are written to the members' database
as they are earned; a game cut by a restart is closed when the bot comes back (cog_load).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from datetime import timedelta
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds
from bot.client import ClippingsBot, Refusal, report_error
from bot.views import OwnedView, setup_views
from cogs.common import NAME_MAX, NONE, Interaction, company_names, reply, resolve
from db.store import Store
from db.trivia import (
    MIN_GAME_QUESTIONS,
    ScoreLine,
    TriviaQuestion,
    TriviaSettings,
    choose,
    points_for,
)

log = logging.getLogger(__name__)

QUESTIONS_MIN, QUESTIONS_MAX = MIN_GAME_QUESTIONS, 25
SECONDS_MIN, SECONDS_MAX = 10, 120  # for members; the server default may be lower (tests use 1 s)
IDLE_LIMIT = 3  # questions in a row without an answer end the game
REVEAL_PAUSE = 5.0  # seconds between a reveal and the next question (at most half the answer time)
CLOSE_TIMEOUT = 10.0  # seconds to spend closing one game's message when the cog unloads
ID_PREFIX = "trivia"

Ending = Literal["finished", "stopped", "idle", "failed"]
ENDINGS: dict[Ending, str] = {
    "finished": "All questions asked.",
    "stopped": "Stopped.",
    "idle": f"Nobody answered {IDLE_LIMIT} questions in a row, so the game ended.",
    "failed": "The game stopped early because of an error.",
}


class Round:
    """One question being asked: its options, deadline and everyone's pick."""

    def __init__(self, number: int, question: TriviaQuestion, seconds: float) -> None:
        self.number = number
        self.question = question
        self.options = question.options()
        self.right = self.options.index(question.answer)
        self.seconds = seconds
        self.opened = time.monotonic()
        self.deadline = discord.utils.utcnow() + timedelta(seconds=seconds)
        self.picks: dict[int, tuple[int, int]] = {}  # user -> (option, points)
        self.closed = False
        self.done = asyncio.Event()
        self.message: discord.Message | None = None

    def seconds_left(self) -> float:
        return max(0.0, self.seconds - (time.monotonic() - self.opened))


class AnswerButton(discord.ui.Button["AnswerView"]):
    def __init__(self, game_id: int, number: int, index: int, option: str) -> None:
        super().__init__(
            label=embeds.trivia_button_label(index, option),
            style=discord.ButtonStyle.secondary,
            custom_id=f"{ID_PREFIX}:{game_id}:{number}:{index}",
        )
        self.index = index

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.view is not None:
            await self.view.game.pick(interaction, self.view.round, self.index)


class AnswerView(discord.ui.View):
    """The four buttons of one question. It listens until the game ends, so that a click that arrives
    just after the reveal is told it came too late."""

    def __init__(self, game: Game, round_: Round) -> None:
        super().__init__(timeout=None)
        self.game = game
        self.round = round_
        for index, option in enumerate(round_.options):
            self.add_item(AnswerButton(game.id, round_.number, index, option))

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error, where="trivia answer")


class ClosedAnswer(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=ID_PREFIX + r":(?P<game>\d{1,18}):(?P<number>\d{1,3}):(?P<index>\d)",
):
    """An answer button of a game that is no longer running here (it ended, or the bot restarted)."""

    def __init__(self, game_id: int, number: int, index: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"{ID_PREFIX}:{game_id}:{number}:{index}"))
        self.game_id = game_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> ClosedAnswer:
        return cls(int(match["game"]), int(match["number"]), int(match["index"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = interaction.client.get_cog("Trivia")
        if (isinstance(cog, Trivia) and cog.is_live(self.game_id)) or interaction.response.is_done():
            return  # the game's own view answers this click
        await interaction.response.send_message(
            "This trivia game has ended. Start a new one with /trivia start.",
            ephemeral=True,
            allowed_mentions=NONE,
        )


class Game:
    """A game in one channel. `run()` is its task; clicks arrive through `pick()`."""

    def __init__(
        self,
        cog: Trivia,
        *,
        game_id: int,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        questions: list[TriviaQuestion],
        seconds: float,
    ) -> None:
        self.cog = cog
        self.id = game_id
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.starter_id = starter_id
        self.questions = questions
        self.seconds = seconds
        self.scores: dict[int, ScoreLine] = {}
        self.round: Round | None = None
        self.views: list[AnswerView] = []
        self.stopped_by: int | None = None
        self.stopping = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.interaction: Interaction | None = None  # the /trivia start that began it

    @property
    def store(self) -> Store:
        return self.cog.bot.store

    @property
    def channel(self) -> discord.PartialMessageable:
        return self.cog.bot.get_partial_messageable(self.channel_id, guild_id=self.guild_id)

    def jump_url(self) -> str:
        message = self.round.message if self.round else None
        tail = f"/{message.id}" if message else ""
        return f"https://discord.com/channels/{self.guild_id}/{self.channel_id}{tail}"

    def stop(self, by: int) -> None:
        self.stopped_by = by
        self.stopping.set()
        if self.round is not None:
            self.round.done.set()

    def forget(self, user_id: int) -> None:
        self.scores.pop(user_id, None)
        if self.round is not None:
            self.round.picks.pop(user_id, None)

    # -- answers

    async def pick(self, interaction: discord.Interaction[Any], round_: Round, index: int) -> None:
        user = interaction.user.id
        if round_.closed or round_ is not self.round:
            await self._tell(interaction, "Too late: this question is closed.")
            return
        if user in round_.picks:
            await self._tell(interaction, "You already answered this question.")
            return
        right = index == round_.right
        points = points_for(round_.seconds_left(), round_.seconds) if right else 0
        round_.picks[user] = (index, points)  # before any await: a double click cannot count twice
        line = self.scores.setdefault(user, ScoreLine(user))
        line.answered += 1
        line.answers[round_.number] = index
        if right:
            line.points += points
            line.right += 1
        await self.store.trivia_record_answer(
            game_id=self.id,
            guild_id=self.guild_id,
            user_id=user,
            number=round_.number,
            question_key=round_.question.key,
            correct=right,
            points=points,
            answered_at=time.time(),
        )
        await self._tell(
            interaction,
            f"Your answer: **{embeds.TRIVIA_LETTERS[index]}**. The right one is shown "
            f"{discord.utils.format_dt(round_.deadline, 'R')} at the latest.",
        )
        earlier = {u for u, s in self.scores.items() if any(n < round_.number for n in s.answers)}
        if earlier and earlier <= round_.picks.keys():
            round_.done.set()  # everyone who has been playing has answered

    async def _cannot_post(self) -> None:
        """Tell the starter (through the still valid interaction) why no question appears."""
        if self.interaction is None:
            return
        with contextlib.suppress(discord.HTTPException):
            await self.interaction.followup.send(
                "I cannot post in this channel, so the game is off. I need the View Channel, Send Messages "
                "and Embed Links permissions here.",
                ephemeral=True,
                allowed_mentions=NONE,
            )

    @staticmethod
    async def _tell(interaction: discord.Interaction[Any], text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)

    # -- the game loop

    async def run(self) -> None:
        ending: Ending = "finished"
        idle = 0
        asked = 0
        try:
            for number, question in enumerate(self.questions, start=1):
                round_ = Round(number, question, self.seconds)
                answer_view = AnswerView(self, round_)
                self.views.append(answer_view)
                embed = embeds.trivia_question_embed(
                    number, len(self.questions), question, round_.options, round_.deadline
                )
                try:
                    round_.message = await self.channel.send(
                        embed=embed, view=answer_view, allowed_mentions=NONE
                    )
                except discord.HTTPException:
                    log.warning(
                        "Trivia game %s could not post in channel %s", self.id, self.channel_id, exc_info=True
                    )
                    if number == 1:
                        await self._cannot_post()
                    ending = "failed"
                    break
                self.round = round_
                asked = number
                await self.store.trivia_game_message(self.id, round_.message.id)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(round_.done.wait(), timeout=self.seconds)
                round_.closed = True
                self._update_streaks(round_)
                await self._reveal(round_)
                idle = 0 if round_.picks else idle + 1
                if self.stopping.is_set():
                    ending = "stopped"
                    break
                if idle >= IDLE_LIMIT:
                    ending = "idle"
                    break
                if number < len(self.questions):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self.stopping.wait(), timeout=min(REVEAL_PAUSE, self.seconds / 2)
                        )
                    if self.stopping.is_set():
                        ending = "stopped"
                        break
        except asyncio.CancelledError:
            # The cog is unloading (or the bot closing): it closes this game's message itself.
            self._stop_views()
            raise
        except Exception:
            log.exception("Trivia game %s failed", self.id)
            ending = "failed"
        self._stop_views()
        await self._finish(ending, asked)

    def _update_streaks(self, round_: Round) -> None:
        for user, line in self.scores.items():
            pick = round_.picks.get(user)
            if pick is not None and pick[0] == round_.right:
                line.streak += 1
                line.best_streak = max(line.best_streak, line.streak)
            else:
                line.streak = 0

    async def _reveal(self, round_: Round) -> None:
        if round_.message is None:
            return
        streaks = {user: line.streak for user, line in self.scores.items()}
        embed = embeds.trivia_reveal_embed(
            round_.number, len(self.questions), round_.question, round_.options, round_.picks, streaks
        )
        try:
            await round_.message.edit(embed=embed, view=None, allowed_mentions=NONE)
        except discord.HTTPException:
            log.warning(
                "Could not reveal question %s of trivia game %s", round_.number, self.id, exc_info=True
            )

    def _stop_views(self) -> None:
        for answer_view in self.views:
            answer_view.stop()
        self.cog.games.pop(self.channel_id, None)

    async def _finish(self, ending: Ending, asked: int) -> None:
        status = "finished" if ending == "finished" else ending
        try:
            await self.store.trivia_end_game(self.id, status, time.time())
        except Exception:
            log.exception("Could not record the end of trivia game %s", self.id)
        if ending == "failed" and asked == 0:
            return
        text = ENDINGS[ending]
        if ending == "stopped" and self.stopped_by is not None:
            text = f"Stopped by <@{self.stopped_by}>."
        embed = embeds.trivia_scoreboard_embed(list(self.scores.values()), ending=text, asked=asked)
        try:
            await self.channel.send(embed=embed, allowed_mentions=NONE)
        except discord.HTTPException:
            log.warning("Could not post the scores of trivia game %s", self.id, exc_info=True)


class ForgetView(OwnedView):
    """Asks for a confirmation before removing a member's trivia data."""

    def __init__(self, cog: Trivia, owner_id: int) -> None:
        super().__init__(owner_id, timeout=60.0)
        self.cog = cog

    @discord.ui.button(label="Delete my trivia data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        removed = await self.cog.forget(self.owner_id)
        noun = "answer" if removed == 1 else "answers"
        await interaction.response.edit_message(
            content=f"Done: your trivia data is gone ({removed} {noun} removed, in every server).", view=None
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing was deleted.", view=None)


def _out_of_range(questions: int | None, seconds: int | None) -> str | None:
    """Discord enforces the declared ranges, but a client can send anything: say what is allowed."""
    if questions is not None and not QUESTIONS_MIN <= questions <= QUESTIONS_MAX:
        return f"A game has {QUESTIONS_MIN} to {QUESTIONS_MAX} questions."
    if seconds is not None and not SECONDS_MIN <= seconds <= SECONDS_MAX:
        return f"Each question takes {SECONDS_MIN} to {SECONDS_MAX} seconds."
    return None


class Trivia(commands.Cog):
    """Trivia games built from the corpus's facts."""

    def __init__(self, bot: ClippingsBot) -> None:
        self.bot = bot
        self.games: dict[int, Game] = {}  # channel id -> running game
        self._starting: set[int] = set()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ClosedAnswer)
        await self.close_interrupted()

    async def cog_unload(self) -> None:
        games = list(self.games.values())
        for game in games:
            if game.task is not None:
                game.task.cancel()
        for game in games:
            if game.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await game.task
        if games:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.close_interrupted({game.id for game in games}), timeout=CLOSE_TIMEOUT * len(games)
                )
        self.bot.remove_dynamic_items(ClosedAnswer)

    def is_live(self, game_id: int) -> bool:
        return any(game.id == game_id for game in self.games.values())

    async def close_interrupted(self, only: set[int] | None = None) -> None:
        """Close the games the members' database still marks as running (all, or those in `only`): their
        last question keeps no buttons that do nothing, and shows the scores so far."""
        store = self.bot.store
        for game in await store.trivia_running_games():
            if only is not None and game.id not in only:
                continue
            if game.message_id is not None:
                scores = await store.trivia_game_scores(game.id)
                channel = self.bot.get_partial_messageable(game.channel_id, guild_id=game.guild_id)
                try:
                    await channel.get_partial_message(game.message_id).edit(
                        embed=embeds.trivia_interrupted_embed(scores), view=None, allowed_mentions=NONE
                    )
                except discord.HTTPException as exc:
                    log.info("Could not close the message of interrupted trivia game %s: %s", game.id, exc)
            await store.trivia_end_game(game.id, "interrupted", time.time())
            log.info("Closed trivia game %s, cut by a restart", game.id)

    async def forget(self, user_id: int) -> int:
        for game in self.games.values():
            game.forget(user_id)
        removed: int = await self.bot.store.trivia_forget_member(user_id)
        return removed

    trivia = app_commands.Group(
        name="trivia", description="Trivia games from the clippings.", guild_only=True
    )

    @trivia.command(
        name="start",
        description="Start a trivia game in this channel.",
        extras={"examples": {"topic": "company"}},
    )
    @app_commands.describe(
        questions="How many questions (default: this server's setting)",
        topic="Only questions about this company",
        seconds="Seconds to answer each question (default: this server's setting)",
    )
    @app_commands.autocomplete(topic=company_names)
    async def start(
        self,
        interaction: Interaction,
        questions: app_commands.Range[int, QUESTIONS_MIN, QUESTIONS_MAX] | None = None,
        topic: app_commands.Range[str, 1, NAME_MAX] | None = None,
        seconds: app_commands.Range[int, SECONDS_MIN, SECONDS_MAX] | None = None,
    ) -> None:
        guild_id, channel_id = interaction.guild_id, interaction.channel_id
        if guild_id is None or channel_id is None:
            raise app_commands.NoPrivateMessage()
        problem = _out_of_range(questions, seconds)
        if problem:
            await reply(interaction, problem)
            return
        running = self.games.get(channel_id)
        if running is not None or channel_id in self._starting:
            where = f" [Go to the game]({running.jump_url()})" if running else ""
            await reply(interaction, f"A trivia game is already running in this channel.{where}")
            return
        self._starting.add(channel_id)
        try:
            await self._start(interaction, guild_id, channel_id, questions, topic, seconds)
        finally:
            self._starting.discard(channel_id)

    async def _start(
        self,
        interaction: Interaction,
        guild_id: int,
        channel_id: int,
        questions: int | None,
        topic: str | None,
        seconds: int | None,
    ) -> None:
        store = self.bot.store
        topic_name: str | None = None
        topic_id: int | None = None
        if topic is not None:
            found = await resolve(interaction, "company", topic, what="a company name")
            if found is None:
                return
            topic_name, topic_id = found.name, found.id
        bank = await store.trivia_questions(topic_id)
        if len(bank) < MIN_GAME_QUESTIONS:
            about = f" about {embeds.fit(topic_name, 100)}" if topic_name else ""
            await reply(
                interaction,
                f"The clippings hold only {len(bank)} trivia questions{about}; a game needs at least "
                f"{MIN_GAME_QUESTIONS}. Add articles (and run an ingest) to play.",
            )
            return
        settings: TriviaSettings = await store.trivia_settings(guild_id)
        wanted = questions or settings.questions
        per_question = float(seconds or settings.seconds)
        picked = choose(bank, wanted, rng=random.Random())
        game_id = await store.trivia_start_game(
            guild_id=guild_id,
            channel_id=channel_id,
            started_by=interaction.user.id,
            questions=len(picked),
            seconds=per_question,
            topic=topic_name,
            started_at=time.time(),
        )
        game = Game(
            self,
            game_id=game_id,
            guild_id=guild_id,
            channel_id=channel_id,
            starter_id=interaction.user.id,
            questions=picked,
            seconds=per_question,
        )
        game.interaction = interaction
        self.games[channel_id] = game
        intro = embeds.trivia_intro_embed(
            starter_id=interaction.user.id,
            count=len(picked),
            seconds=per_question,
            topic=topic_name,
            available=len(bank),
            requested=wanted,
        )
        try:
            await interaction.response.send_message(embed=intro, allowed_mentions=NONE)
        except BaseException:
            self.games.pop(channel_id, None)
            await store.trivia_end_game(game_id, "failed", time.time())
            raise
        game.task = asyncio.create_task(game.run(), name=f"trivia-game-{game_id}")

    @trivia.command(name="stop", description="Stop the trivia game in this channel.")
    async def stop(self, interaction: Interaction) -> None:
        game = self.games.get(interaction.channel_id or 0)
        if game is None:
            await reply(interaction, "No trivia game is running in this channel.")
            return
        if interaction.user.id != game.starter_id and not interaction.permissions.manage_messages:
            raise Refusal(
                f"Only <@{game.starter_id}>, who started this game, or someone with Manage Messages "
                "can stop it."
            )
        game.stop(interaction.user.id)
        await interaction.response.send_message(
            f"Trivia stopped by <@{interaction.user.id}>; the scores follow.", allowed_mentions=NONE
        )

    @trivia.command(name="leaderboard", description="This server's trivia leaderboard.")
    @app_commands.describe(period="Points earned this week, this month or ever (default: all)")
    async def leaderboard(
        self, interaction: Interaction, period: Literal["week", "month", "all"] = "all"
    ) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise app_commands.NoPrivateMessage()
        if (
            period not in embeds.TRIVIA_PERIODS
        ):  # Discord offers only the choices; a client could send anything
            await reply(interaction, "The period is one of: week, month, all.")
            return
        since = None
        if period != "all":
            since = (discord.utils.utcnow() - timedelta(days=7 if period == "week" else 30)).timestamp()
        rows = await self.bot.store.trivia_leaderboard(guild_id, since=since)
        await interaction.response.send_message(
            embed=embeds.trivia_leaderboard_embed(rows, period), allowed_mentions=NONE
        )

    @trivia.command(name="stats", description="A member's trivia stats in this server.")
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(self, interaction: Interaction, member: discord.User | None = None) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise app_commands.NoPrivateMessage()
        who = member or interaction.user
        found = await self.bot.store.trivia_member_stats(guild_id, who.id)
        await interaction.response.send_message(
            embed=embeds.trivia_stats_embed(who.id, found), allowed_mentions=NONE
        )

    @trivia.command(name="forget-me", description="Remove all your trivia scores and answers.")
    async def forget_me(self, interaction: Interaction) -> None:
        confirm = ForgetView(self, interaction.user.id)
        confirm.attach(interaction)
        await interaction.response.send_message(
            "This removes all your trivia answers and points, in every server, for good. Go ahead?",
            view=confirm,
            ephemeral=True,
            allowed_mentions=NONE,
        )

    @app_commands.command(
        name="trivia-settings", description="Moderators: default question count and seconds per question."
    )
    @app_commands.describe(
        questions=f"Questions per game ({QUESTIONS_MIN}–{QUESTIONS_MAX})",
        seconds=f"Seconds per question ({SECONDS_MIN}–{SECONDS_MAX})",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def settings(
        self,
        interaction: Interaction,
        questions: app_commands.Range[int, QUESTIONS_MIN, QUESTIONS_MAX] | None = None,
        seconds: app_commands.Range[int, SECONDS_MIN, SECONDS_MAX] | None = None,
    ) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise app_commands.NoPrivateMessage()
        problem = _out_of_range(questions, seconds)
        if problem:
            await reply(interaction, problem)
            return
        store = self.bot.store
        if questions is None and seconds is None:
            current = await store.trivia_settings(guild_id)
            await interaction.response.send_message(
                embed=embeds.trivia_settings_embed(current, changed=False),
                ephemeral=True,
                allowed_mentions=NONE,
            )
            return
        saved = await store.set_trivia_settings(guild_id, questions=questions, seconds=seconds)
        await interaction.response.send_message(
            embed=embeds.trivia_settings_embed(saved, changed=True), ephemeral=True, allowed_mentions=NONE
        )


async def setup(bot: ClippingsBot) -> None:
    setup_views(bot)
    await bot.add_cog(Trivia(bot))
