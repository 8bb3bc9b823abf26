"""Moved: the tracked-link builder belongs to its module (``advocacy_lab.modules.campaign_message.link_builder``)."""
from advocacy_lab.modules.campaign_message.link_builder import TrackingLinkBuilder  # noqa: F401
