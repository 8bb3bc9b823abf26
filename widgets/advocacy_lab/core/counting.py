r"""Post length as each platform counts it.

X's weighted length follows twitter-text (X's reference, through twitter-text-parser):
links count 23, emoji sequences 2, other characters 1 or 2 by code point. The
parser walks the text in pure Python, so the same sum is made here with its link
and emoji patterns and C-speed counting (tests/test_x_conformance.py and
tests/test_properties.py hold it to twitter-text's own figures).

Bluesky counts graphemes as browsers do (``Intl.Segmenter``): the ``regex`` module's
``\X`` follows current Unicode, Indic conjuncts included (Unicode 15.1), where the
grapheme library (Unicode 13) over-counts Hindi, Nepali and Bengali.

Both libraries are imported lazily so importing the core stays cheap.

Huge pastes: above ``EXACT_LIMIT`` code points (``X_EXACT_LIMIT`` for X) the first
part is counted exactly and the rest is estimated from per-character weights;
``count_length`` reports whether the count is exact. Such a post is far over every
limit anyway.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .platforms import Platform, get_platform

EXACT_LIMIT = 20_000
# X is counted exactly up to 15,000 code points: 50 times its limit, and above the
# longest text of X's conformance suite (12,076); a longer text is estimated beyond it.
X_EXACT_LIMIT = 15_000

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

    twitter-text compiles its emoji and link patterns on import (1-2 s on these
    machines). A page that checks posts calls this while it is built, so under Voila
    the cost is paid by the preheated kernel before anyone opens the page.
    """
    _twitter_exact("warm up 👍 #tag @ngo https://example.org")
    _grapheme_length("warm up ộ")


@lru_cache(maxsize=1)
def _x_emoji():
    """twitter-text's emoji pattern, compiled with ``regex`` (same matches, about 15x faster)."""
    import regex
    from twitter_text.regexp.emoji import emoji

    return regex.compile(emoji.pattern)


# A keycap base not followed by a keycap mark cannot start an emoji; hiding it keeps the
# emoji search fast on text full of digits or '#'.
_LONE_KEYCAP_BASE = re.compile("[#*0-9](?![\ufe0f\u20e3])")
_LINE_END = re.compile("\r\n|\r")


def _twitter_exact(text: str) -> tuple[int, bool]:
    """X's weighted length as twitter-text's parse_tweet computes it: walk the text,
    a link counts 23, an emoji sequence 2 (a link wins where both start), every other
    code point 1 or 2. Whether it is exact: see ``x_links``."""
    from .text import x_links

    text = _LINE_END.sub("\n", unicodedata.normalize("NFC", text))
    links, exact = x_links(text)
    entities = [(link.start, 0, link.end, 23) for link in links]
    if not text.isascii():
        emoji_text = _LONE_KEYCAP_BASE.sub("a", text)
        entities += [(m.start(), 1, m.end(), 2) for m in _x_emoji().finditer(emoji_text)]
    entities.sort()
    weight, pos, plain = 0, 0, []
    for start, _, end, value in entities:
        if start < pos:
            continue
        plain.append(text[pos:start])
        weight += value
        pos = end
    plain.append(text[pos:])
    rest = "".join(plain)
    return weight + len(rest) + len(_X_HEAVY.findall(rest)), exact


def _twitter_length(text: str) -> tuple[int, bool]:
    if len(text) <= X_EXACT_LIMIT:
        return _twitter_exact(text)
    head, rest = _split_for_exact(text, X_EXACT_LIMIT)
    return _twitter_exact(head)[0] + _estimate_x(rest), False


@lru_cache(maxsize=1)
def _grapheme_cluster():
    import regex

    return regex.compile(r"\X")


def _grapheme_length(text: str) -> tuple[int, bool]:
    if text.isascii():
        # In ASCII only CR LF forms a two-character grapheme.
        return len(text) - text.count("\r\n"), True
    if len(text) <= EXACT_LIMIT:
        return len(_grapheme_cluster().findall(text)), True
    head, rest = _split_for_exact(text)
    # Marks and joiners extend the previous grapheme, and so does the character after a ZWJ.
    estimate = len(rest) - len(_NON_STARTER.findall(rest)) - rest.count("\u200d") - rest.count("\r\n")
    return len(_grapheme_cluster().findall(head)) + max(estimate, 0), False


def first_graphemes(text: str, count: int) -> str:
    """The first ``count`` graphemes of ``text`` (a preview never cuts a letter from its marks)."""
    if count <= 0:
        return ""
    if text.isascii() and "\r" not in text:
        return text[:count]
    # A grapheme is rarely more than a few code points: read a bounded window, and drop
    # its last cluster when the window cut the text (that cluster may be cut too).
    window = text[: count * 32 + 64]
    clusters = _grapheme_cluster().findall(window)
    if len(window) < len(text):
        clusters = clusters[:-1]
    return "".join(clusters[:count])


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
