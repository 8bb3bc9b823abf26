"""Post length as each platform counts it.

X's weighted length comes from twitter-text-parser and Bluesky's graphemes from
the grapheme library; both are imported lazily so importing the core stays cheap.

Huge pastes: twitter-text-parser and grapheme walk the text in pure Python
(several microseconds per character), so a 1 MB paste would take seconds. Above
``EXACT_LIMIT`` code points (``X_EXACT_LIMIT`` for X) the first part is counted exactly and the
rest is estimated from per-character weights; ``count_length`` reports whether the
count is exact. Such a post is hundreds of times over every limit anyway.
"""
from __future__ import annotations

import re
import unicodedata

from .platforms import Platform, get_platform

EXACT_LIMIT = 20_000
# X's parser is much slower per character, so its exact part is shorter (still 14x the limit).
X_EXACT_LIMIT = 4_000

_SURROGATE = re.compile("[\ud800-\udfff]")
# Code points X weighs 1 (twitter-text configuration v3 ranges); all others weigh 2.
_X_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
# Characters that never start a new grapheme on their own (combining marks,
# joiners, variation selectors, skin tones, emoji tags): used only to estimate.
_NON_STARTER = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0900-\u0903"
    "\u093a-\u094f\u0951-\u0957\u0962\u0963\u0981-\u0983\u09bc-\u09d7\u0a01-\u0a51"
    "\u0a70\u0a71\u0a81-\u0acd\u0b01-\u0b57\u0b82-\u0bd7\u0c00-\u0c56\u0c81-\u0cd6"
    "\u0d00-\u0d57\u0d81-\u0ddf\u0e31-\u0e3a\u0e47-\u0e4e\u0f18\u0f19\u0f35\u0f37"
    "\u0f39\u0f71-\u0f84\u0f8d-\u0fbc\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff"
    "\ufe00-\ufe0f\ufe20-\ufe2f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)
# Emoji by Unicode block, for Threads (which counts emoji as UTF-8 bytes).
_EMOJI = re.compile(
    "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf"
    "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\u200d\ufe0f\u20e3"
    "\U0001f000-\U0001faff\U000e0020-\U000e007f]"
)


def scrub_surrogates(text: str) -> str:
    """Replace lone surrogates (which cannot be encoded) by U+FFFD, keeping offsets."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _split_for_exact(text: str, limit: int = EXACT_LIMIT) -> tuple[str, str]:
    """Split a huge text after ``limit`` code points, at a space when possible."""
    cut = text.rfind(" ", limit // 2, limit)
    if cut == -1:
        cut = limit
    return text[:cut], text[cut:]


# twitter-text's URL pattern backtracks badly on long runs of dotted words
# ("a.a.a.a..." takes seconds for a few thousand characters). Words with many
# dots are therefore defused before counting: their dots become commas (same
# weight) and any link inside them is swapped for a short stand-in link, which
# X counts 23 like every link.
_WORD = re.compile(r"\S+")
_URL_STANDIN = "https://t.co/link"
_MAX_DOTS = 4
_MAX_WORD = 200


def _risky(word: str) -> bool:
    return word.count(".") > _MAX_DOTS or len(word) > _MAX_WORD


def _defuse_word(word: str) -> str:
    from .text import find_links

    parts, last = [], 0
    for link in find_links(word):
        parts.append(word[last:link.start].replace(".", ","))
        parts.append(_URL_STANDIN if _risky(link.text) else link.text)
        last = link.end
    parts.append(word[last:].replace(".", ","))
    return "".join(parts)


def _defuse(text: str) -> str:
    if "." not in text:
        return text
    parts, last = [], 0
    for match in _WORD.finditer(text):
        if _risky(match.group()) and "." in match.group():
            parts.append(text[last:match.start()])
            parts.append(_defuse_word(match.group()))
            last = match.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def _estimate_x(text: str) -> int:
    """X's weighted length estimated in linear time (links 23, emoji sequences 2)."""
    from .text import find_links

    links = find_links(text)
    pieces, last = [], 0
    for link in links:
        pieces.append(text[last:link.start])
        last = link.end
    pieces.append(text[last:])
    plain = unicodedata.normalize("NFC", " ".join(pieces))
    weight = len(plain) - len(links) + len(_X_HEAVY.findall(plain)) + 23 * len(links)
    # A ZWJ (1) plus the emoji it glues on (2), a variation selector (2) and a
    # skin tone (2) add nothing to the emoji they belong to.
    weight -= 3 * plain.count("\u200d") + 2 * plain.count("\ufe0f") + 2 * len(_SKIN_TONE.findall(plain))
    return max(weight, 0)


_SKIN_TONE = re.compile("[\U0001f3fb-\U0001f3ff]")


def prepare_counting() -> None:
    """Import the counting libraries now rather than at the learner's first keystroke.

    twitter-text compiles its emoji patterns on import (1-2 s on these machines).
    A page that checks posts calls this while it is built, so under Voila the cost
    is paid by the preheated kernel before anyone opens the page.
    """
    import grapheme  # noqa: F401
    from twitter_text import parse_tweet

    parse_tweet("warm up")


def _twitter_length(text: str) -> tuple[int, bool]:
    from twitter_text import parse_tweet

    if len(text) <= X_EXACT_LIMIT:
        return parse_tweet(_defuse(text)).weightedLength, True
    head, rest = _split_for_exact(text, X_EXACT_LIMIT)
    return parse_tweet(_defuse(head)).weightedLength + _estimate_x(rest), False


def _grapheme_length(text: str) -> tuple[int, bool]:
    if text.isascii():
        # In ASCII only CR LF forms a two-character grapheme.
        return len(text) - text.count("\r\n"), True
    import grapheme

    if len(text) <= EXACT_LIMIT:
        return grapheme.length(text), True
    head, rest = _split_for_exact(text)
    # Marks and joiners extend the previous grapheme, and so does the character after a ZWJ.
    estimate = len(rest) - len(_NON_STARTER.findall(rest)) - rest.count("\u200d") - rest.count("\r\n")
    return grapheme.length(head) + max(estimate, 0), False


def _threads_length(text: str) -> int:
    text = unicodedata.normalize("NFC", text)
    extra = sum(len(ch.encode("utf-8")) - 1 for ch in _EMOJI.findall(text))
    return len(text) + extra


def count_length(text: str, platform: Platform) -> tuple[int, bool]:
    """(length as ``platform`` counts it, whether that count is exact)."""
    text = scrub_surrogates(text)
    method = platform.counting
    if method == "twitter":
        return _twitter_length(text)
    if method == "graphemes":
        return _grapheme_length(text)
    if method == "utf16":
        return len(text.encode("utf-16-le")) // 2, True
    if method == "threads":
        return _threads_length(text), True
    return len(unicodedata.normalize("NFC", text)), True


def weighted_length(text: str, platform: str) -> int:
    """Length of ``text`` as ``platform`` counts it (X: weighted; Bluesky: graphemes...)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    return count_length(text, get_platform(platform))[0]


def fit_index(text: str, platform: Platform, budget: int) -> int:
    """Largest offset ``i`` such that ``text[:i]`` still fits in ``budget`` as counted
    by ``platform`` (used to point at where a post gets cut).

    Binary search over a bounded window: a prefix longer than ``8 * budget`` code
    points cannot fit unless it holds very long links, so the search stays cheap.
    """
    n = len(text)
    hi = min(n, budget * 8 + 64)
    if count_length(text[:hi], platform)[0] <= budget:
        return hi
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_length(text[:mid], platform)[0] <= budget:
            lo = mid
        else:
            hi = mid - 1
    # Do not cut between a surrogate pair or before combining marks.
    while 0 < lo < n and unicodedata.combining(text[lo]):
        lo -= 1
    return lo
