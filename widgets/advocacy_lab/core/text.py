"""Finding the parts of a post: hashtags, mentions, links, odd characters, language.

Plain regular expressions (C speed) so a megabyte paste stays fast; every
function returns offsets into the text it was given.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

# Letters, digits, underscore, plus the combining marks of the scripts our
# learners write in (Vietnamese, Devanagari, Bengali, Sinhala, Tibetan/Dzongkha...).
_TAG_CHAR = (
    "[\\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u200c\u200d\u20d0-\u20ff\ufe20-\ufe2f]"
)
HASHTAG_RE = re.compile(f"(?<![\\w&#/@])[#\uff03]({_TAG_CHAR}+)")
MENTION_RE = re.compile(r"(?<![\w@.+\-/])@([A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,98}[A-Za-z0-9_])?)")

_TLDS = (
    "org|com|net|info|io|vn|in|np|lk|bd|bt|ba|rs|me|mk|al|eu|int|gov|edu|ngo|co|uk|ly|gl|gd|at|cc|gy"
)
LINK_RE = re.compile(
    r"(?i)(?<![\w@.\-/])(?:https?://[^\s<>\"'`]+|www\.[^\s<>\"'`]+|"
    rf"(?:[a-z0-9](?:[a-z0-9\-]{{0,62}}[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"'`]*)?)"
)
_TRAILING = ".,;:!?)]}'\"»”’…"

# The most characters one learner text field may hold, and the most a check reads.
# The page sets it as the fields' maxlength (counted in UTF-16 units there, so
# a field never holds more code points than this), and check_post reads only
# this many characters of a longer text (say, one sent by a client that ignores
# maxlength) and says so. Sizing: one field's widget update must stay well under
# the server's ~1 MB websocket cap. The worst case per character is 6 bytes of
# JSON ("\u0000" for a control character or a lone surrogate; UTF-8 takes at most
# 3 bytes per UTF-16 unit), so 100,000 characters make at most ~600 kB. It is also
# well above the longest platform limit (Facebook, 63,206), so every post that
# fits a platform is checked whole; a 100,000-character check takes ~0.2 s on the
# slowest paste (benchmarks/check_speed.py texts).
MAX_FIELD_CHARS = 100_000

# Bidirectional embedding, override and isolate controls (LRE, RLE, PDF, LRO,
# RLO; LRI, RLI, FSI, PDI): invisible, and they reorder how the text around them
# is shown, so "gnp.exe" typed after U+202E shows as "exe.png" (the "Trojan
# Source" set, CVE-2021-42574). They are stripped wherever learner text is shown
# or exported. The marks U+200E/U+200F (LRM, RLM) and U+061C (ALM) are kept on
# purpose: Arabic, Urdu and Hebrew writers use them to place punctuation and
# numbers correctly, and being zero-width letters of one direction they cannot
# reverse a run of text the way an override or an isolate can.
BIDI_CONTROL_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Other invisible control, zero-width, byte-order and broken (surrogate)
# characters; bidi controls have their own finding (text.bidi_controls).
CONTROL_RE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b"
    "\ufeff\ud800-\udfff]"
)
HTML_RE = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,500})?/?\s*>")
_INVISIBLE = re.compile("[\\s\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160"
                        "\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
                        "\u3164\ufe00-\ufe0f\ufeff\uffa0\ud800-\udfff]+")

# Letters only Vietnamese uses among Latin-script languages (ă, ơ, ư, and the
# precomposed letters with a dot below or a hook above in U+1EA0-U+1EF9).
_VIETNAMESE = re.compile("[ăĂơƠưƯ\u1ea0-\u1ef9]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class Token:
    """A hashtag, mention or link found in a post, with its offsets."""

    text: str
    start: int
    end: int

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


def is_blank(text: str) -> bool:
    """True when the text holds nothing visible (only spaces, control or format characters)."""
    if len(text) > 10_000:
        # Cheap early exit: a long text with a visible character in its first part is not blank.
        if _INVISIBLE.sub("", text[:10_000]):
            return False
    return not _INVISIBLE.sub("", text)


def find_links(text: str) -> list[Token]:
    links = []
    for match in LINK_RE.finditer(text):
        url = match.group(0)
        stripped = url.rstrip(_TRAILING)
        # Keep a closing parenthesis that closes one inside the link (Wikipedia style).
        if url[len(stripped):].startswith(")") and stripped.count("(") > stripped.count(")"):
            stripped += ")"
        if not stripped or stripped.lower() in ("http://", "https://", "www."):
            continue
        links.append(Token(stripped, match.start(), match.start() + len(stripped)))
    return links


def _outside(spans: list[tuple[int, int]], start: int) -> bool:
    """True when ``start`` lies in none of the sorted, non-overlapping ``spans``."""
    i = bisect_right(spans, (start, float("inf"))) - 1
    return i < 0 or not (spans[i][0] <= start < spans[i][1])


def find_hashtags(text: str, links: list[Token] | None = None) -> list[Token]:
    spans = [t.span for t in (links if links is not None else find_links(text))]
    tags = []
    for match in HASHTAG_RE.finditer(text):
        body = match.group(1).rstrip("_\u200c\u200d")
        if not body or body.isdigit() or not _outside(spans, match.start()):
            continue
        tags.append(Token("#" + body, match.start(), match.start() + 1 + len(body)))
    return tags


def find_mentions(text: str, links: list[Token] | None = None) -> list[Token]:
    spans = [t.span for t in (links if links is not None else find_links(text))]
    return [
        Token(m.group(0), m.start(), m.end())
        for m in MENTION_RE.finditer(text)
        if _outside(spans, m.start())
    ]


def find_control_chars(text: str) -> list[int]:
    """Offsets of invisible control, zero-width, byte-order and broken (surrogate) characters
    (bidi controls aside: see ``find_bidi_controls``)."""
    return [m.start() for m in CONTROL_RE.finditer(text)]


def find_bidi_controls(text: str) -> list[int]:
    """Offsets of the bidirectional embedding, override and isolate controls in ``text``."""
    return [m.start() for m in BIDI_CONTROL_RE.finditer(text)]


def strip_bidi_controls(text: str) -> str:
    """``text`` without bidirectional embedding, override and isolate controls.

    For learner text wherever it is shown or exported. Right-to-left letters
    (Arabic, Urdu, Hebrew...) and the LRM/RLM/ALM marks stay.
    Anything that is not a string is returned unchanged.
    """
    if not isinstance(text, str) or not BIDI_CONTROL_RE.search(text):
        return text
    return BIDI_CONTROL_RE.sub("", text)


def describe_char(ch: str) -> str:
    """'U+200B ZERO WIDTH SPACE' style label for a character."""
    name = unicodedata.name(ch, "") if not "\ud800" <= ch <= "\udfff" else "SURROGATE"
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def find_html(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in HTML_RE.finditer(text)]


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def detect_language(text: str, sample: int = 5_000) -> str:
    """'vi', 'en' or 'other', judged cheaply from the first ``sample`` characters.

    Vietnamese has letters no other Latin-script language uses; text that is
    almost all ASCII letters is taken as English. Anything else is 'other'
    (readability and call-to-action checks then stay silent rather than guess).
    """
    head = unicodedata.normalize("NFC", text[:sample])
    letters = [c for c in head if c.isalpha()]
    if not letters:
        return "other"
    if len(_VIETNAMESE.findall(head)) >= max(1, len(letters) // 50):
        return "vi"
    ascii_letters = sum(1 for c in letters if c.isascii())
    return "en" if ascii_letters >= 0.95 * len(letters) else "other"


def cased_letter_counts(text: str) -> tuple[int, int]:
    """(upper-case letters, all cased letters) in ``text``."""
    upper = lower = 0
    for ch in text:
        if ch.isupper():
            upper += 1
        elif ch.islower():
            lower += 1
    return upper, upper + lower
