"""The "Messages" part of the campaign plan, from the message builder's draft. Pure."""
from __future__ import annotations

from typing import Any, Mapping

from advocacy_lab.core.catalogue import TextKey
from advocacy_lab.core.plan import PlanEntry, SectionContent, learner_text
from advocacy_lab.core.schema import PlanPart

from .schema import MESSAGE_BUILDER

#: The message builder's text fields, in plan order (each labelled ``campaign_message.plan.<field>``).
_TEXT_FIELDS = tuple(f.name for f in MESSAGE_BUILDER.of_kind("text"))
_PLATFORMS = MESSAGE_BUILDER.field("platforms").name


def _label(field: str) -> TextKey:
    return TextKey(f"campaign_message.plan.{field}")


def platform_names(value: Any) -> str:
    """The platforms a message is written for, as the names learners know ("" when none)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return ""
    ids = [p.strip() for p in value if isinstance(p, str) and p.strip()]
    if not ids:
        return ""
    from advocacy_lab.core.platforms import load_platforms  # the one table of platform names

    names = {pid: platform.name for pid, platform in load_platforms().items()}
    return ", ".join(dict.fromkeys(names.get(p, p) for p in ids))


def build_messages_section(drafts: Mapping[str, Mapping[str, Any]]) -> SectionContent | None:
    """The "Messages" part: problem, solution, call to action, post and platforms."""
    draft = drafts.get(MESSAGE_BUILDER.key)
    if not isinstance(draft, Mapping):
        return None
    entries: list[PlanEntry] = []
    gaps: list[TextKey] = []
    for field in _TEXT_FIELDS:
        words = learner_text(draft.get(field))
        if words:
            entries.append(PlanEntry(_label(field), words))
        else:
            gaps.append(_label(field))
    if not entries:
        return None
    platforms = platform_names(draft.get(_PLATFORMS))
    if platforms:
        entries.append(PlanEntry(_label(_PLATFORMS), platforms))
    else:
        gaps.append(_label(_PLATFORMS))
    return SectionContent(tuple(entries), tuple(gaps))


MESSAGES = PlanPart(section_id="messages", drafts=(MESSAGE_BUILDER,), build=build_messages_section)
