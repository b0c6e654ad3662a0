"""Buttons under an answer: only the person who ran the command may press them, and they switch off
when they time out.

`OwnedView` is the generic base (also for trivia); `Paginator` pages through a list of embeds.
Every button's custom_id is "clippings:<view nonce>:<name>". A click on a button whose view is gone
(timed out, stopped, or lost in a restart) is answered by `ExpiredButton`, which discord.py
dispatches from the custom_id alone: the user is told to run the command again instead of seeing
"This interaction failed".
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord.ext import commands

from bot.client import report_error

log = logging.getLogger(__name__)

NOT_YOURS = "These buttons belong to the person who ran the command. Run it yourself to get your own."
EXPIRED = "These buttons have timed out. Run the command again."
ID_PREFIX = "clippings"

# Views that are listening, by nonce: ExpiredButton stays silent for these (the view answers).
_LIVE: dict[str, OwnedView] = {}


class OwnedView(discord.ui.View):
    """A view that answers only `owner_id`, and disables its items when it times out."""

    def __init__(self, owner_id: int, *, timeout: float | None = 180.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.nonce = secrets.token_hex(8)
        self._count = 0
        self._interaction: discord.Interaction[Any] | None = None
        for item in self.children:
            self._claim(item)

    def _claim(self, item: discord.ui.Item[Any]) -> None:
        if isinstance(item, discord.ui.Button | discord.ui.Select) and not getattr(item, "url", None):
            self._count += 1
            item.custom_id = f"{ID_PREFIX}:{self.nonce}:{self._count}"

    def add_item(self, item: discord.ui.Item[Any]) -> OwnedView:
        self._claim(item)
        super().add_item(item)
        return self

    def attach(self, interaction: discord.Interaction[Any]) -> None:
        """Remember the interaction whose message carries this view (to switch it off later)."""
        self._interaction = interaction
        if not self.is_finished():
            _LIVE[self.nonce] = self

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            self._interaction = interaction  # a fresh token: the first one lasts 15 minutes
            return True
        await interaction.response.send_message(
            NOT_YOURS, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
        return False

    def stop(self) -> None:
        _LIVE.pop(self.nonce, None)
        super().stop()

    def disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def on_timeout(self) -> None:
        _LIVE.pop(self.nonce, None)
        self.disable()
        if self._interaction is None:
            return
        try:
            await self._interaction.edit_original_response(view=self)
        except discord.HTTPException as exc:
            # The message was deleted or the token expired: nothing left to switch off.
            log.info("Could not switch off the buttons of %s: %s", type(self).__name__, exc)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__} button")


class _PageButton(discord.ui.Button["Paginator"]):
    """A button that moves the paginator to the page `target(paginator)`; no target: a label only."""

    def __init__(self, label: str, target: Callable[[Paginator], int] | None) -> None:
        super().__init__(label=label, style=discord.ButtonStyle.secondary, disabled=target is None)
        self.target = target

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.view is not None and self.target is not None:
            await self.view.show(interaction, self.target(self.view))


class Paginator(OwnedView):
    """Previous / page x of n / Next buttons (and first / last for longer lists) over embeds."""

    def __init__(
        self, pages: Sequence[discord.Embed], owner_id: int, *, timeout: float | None = 180.0
    ) -> None:
        if not pages:
            raise ValueError("a paginator needs at least one page")
        super().__init__(owner_id, timeout=timeout)
        self.pages = pages  # built as they are shown when lazy (embeds.LazyPages)
        self.index = 0
        long = len(self.pages) > 3
        self.first = _PageButton("« First", lambda p: 0) if long else None
        self.previous = _PageButton("‹ Previous", lambda p: p.index - 1)
        self.counter = _PageButton("Page", None)
        self.next = _PageButton("Next ›", lambda p: p.index + 1)
        self.last = _PageButton("Last »", lambda p: len(p.pages) - 1) if long else None
        for button in (self.first, self.previous, self.counter, self.next, self.last):
            if button is not None:
                self.add_item(button)
        self._update_buttons()

    def _update_buttons(self) -> None:
        at_start, at_end = self.index == 0, self.index == len(self.pages) - 1
        for button, off in (
            (self.first, at_start),
            (self.previous, at_start),
            (self.next, at_end),
            (self.last, at_end),
        ):
            if button is not None:
                button.disabled = off
        self.counter.label = f"Page {self.index + 1} of {len(self.pages)}"

    async def start(self, interaction: discord.Interaction[Any], *, ephemeral: bool = False) -> None:
        """Send the first page (as the follow-up of a deferred command); one page has no buttons."""
        none = discord.AllowedMentions.none()
        view = self if len(self.pages) > 1 else discord.utils.MISSING
        if view is discord.utils.MISSING:
            self.stop()
        else:
            self.attach(interaction)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(
                    embed=self.pages[0], view=view, ephemeral=ephemeral, allowed_mentions=none, wait=True
                )
            else:
                await interaction.response.send_message(
                    embed=self.pages[0], view=view, ephemeral=ephemeral, allowed_mentions=none
                )
        except BaseException:
            self.stop()
            raise

    async def show(self, interaction: discord.Interaction[Any], index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._update_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)


class ExpiredButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=ID_PREFIX + r":(?P<nonce>[0-9a-f]{16}):(?P<part>\d{1,3})",
):
    """Any of our buttons, recognised from its custom_id after its view is gone."""

    def __init__(self, nonce: str, part: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"{ID_PREFIX}:{nonce}:{part}"))
        self.nonce = nonce

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> ExpiredButton:
        return cls(match["nonce"], match["part"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.nonce in _LIVE:
            return  # the view itself answers this click
        await interaction.response.send_message(
            EXPIRED, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )


def setup_views(bot: commands.Bot) -> None:
    """Let the bot answer clicks on buttons whose view is gone. Safe to call more than once."""
    bot.add_dynamic_items(ExpiredButton)
