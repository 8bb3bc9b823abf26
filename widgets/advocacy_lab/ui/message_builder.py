"""Moved: the message builder belongs to its module (``advocacy_lab.modules.campaign_message.message_builder``)."""
from advocacy_lab.modules.campaign_message.message_builder import DEFAULT_PLATFORMS, MessageBuilder  # noqa: F401
