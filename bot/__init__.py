"""The Discord side of Clippings: `create_bot(settings)` builds the bot without connecting."""

from bot.client import ClippingsBot, create_bot

__all__ = ["ClippingsBot", "create_bot"]
