"""Finding the parts of a post: hashtags, mentions, links, odd characters, language.

Plain regular expressions (C speed) so a megabyte paste stays fast; every
function returns offsets into the text it was given.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

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


# --- X (Twitter): X's own rules ----------------------------------------------
# X decides what is a link, a hashtag and a mention with the rules of its open-source
# twitter-text, checked by its conformance suite (tests/test_x_conformance.py reads it).
# Links come from twitter-text-parser, a port of that reference. It has no hashtag or
# mention extraction, so those two follow twitter-text's rules here, written with the
# ``regex`` module's Unicode classes (current Unicode where twitter-text lists the
# letters of 2017). The generic functions above stay for the other platforms, which
# do not follow X's rules (see "finding_parts" in data/platforms.json).
#
# twitter-text's link pattern backtracks badly: a run of characters that could start a
# domain but reaches no top-level domain is rescanned from every position in it (a
# few hundred dotted words take seconds). Three things keep that in check without
# changing the result: a link never spans X's whitespace, so each word is searched
# alone; a word in which no known top-level domain can end holds no link; and the
# remaining cost is estimated per word: a word above ``X_LINK_BUDGET`` (or past five times
# that in all, or past ``X_LINK_WORDS`` words) is searched with the generic pattern
# instead and the result marked as not exact.

_X_SPACES = "\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# A word (between X's spaces) with a dot followed by a letter, as a top-level domain
# needs ("nay." ends a sentence, not a link); the lookbehind keeps the search linear.
_X_DOTTED_WORD = re.compile(f"(?<![^{_X_SPACES}])[^{_X_SPACES}]*\\.[^\\W\\d_][^{_X_SPACES}]*")
# Estimated regex steps per word (starts x (length + 500 per dot)) above which a word
# is searched with the generic pattern: about 0.05 s of twitter-text at worst.
X_LINK_BUDGET = 1_000_000
# twitter-text takes about 0.2 ms per link without "https://"; past this many words that
# may hold a link (a post has a handful), the rest are searched with the generic pattern.
X_LINK_WORDS = 1_000
# Characters after which twitter-text never starts a link (its "preceding chars").
_X_NO_START = re.compile("[A-Za-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff]")
_X_MENTION_END_CHARS = (
    "\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_X_MENTION = re.compile(
    r"(^|[^a-zA-Z0-9_!#$%&*@\uff20]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"
    r"[@\uff20]([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9_\-]{0,24})?"
)
_X_MENTION_END = re.compile(f"[@\uff20{_X_MENTION_END_CHARS}]|://")
_X_HASHTAG_END = re.compile("[#\uff03]|://")
_X_PUNYCODE = re.compile(r"(?i)\.xn--[\-0-9a-z]+")
# A hash sign followed by something other than a space or ASCII punctuation ('_' aside):
# without one, no hashtag can start (and a paste of '#' is not searched at all).
_X_HASH_CANDIDATE = re.compile(f"[#\uff03][^{_X_SPACES}!-/:-@\\[-^`{{-~\uff03]")


@lru_cache(maxsize=1)
def _x_patterns():
    """twitter-text's hashtag pattern and top-level domains, built on first use."""
    import regex
    from twitter_text.regexp.directional_markers_group import directional_markers_group
    from twitter_text.regexp.invalid_chars_group import invalid_chars_group
    from twitter_text.regexp.punct import punct
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    special = "_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003\u0f0b\u0f0c\xb7"
    alnum = f"[\\p{{L}}\\p{{M}}\\p{{Nd}}{special}]"
    # twitter-text writes the body as alnum* alpha alnum*; the possessive form matches the
    # same text without backtracking over a long run of digits.
    hashtag = regex.compile(
        f"(^|[\ufe0e\ufe0f]|(?!{alnum}|&).)[#\uff03](?![\ufe0f\u20e3])"
        f"((?:[\\p{{Nd}}{special}])*+[\\p{{L}}\\p{{M}}]{alnum}*+)",
        regex.DOTALL,
    )
    tlds = set()
    for pattern in (valid_gtld, valid_cctld):
        body = pattern.pattern
        tlds.update(body[body.index("(?:(?:") + 6 : body.index(")(?=")].split("|"))
    # A run of characters a domain can be made of: twitter-text's domain characters and dots.
    domain_run = regex.compile(f"(?:[^{punct}{_X_SPACES}{invalid_chars_group}{directional_markers_group}]|[._-])+")
    dot_label = regex.compile(r"\.([\p{L}\p{M}]+)")
    return hashtag, frozenset(tlds), sorted({len(t) for t in tlds}), domain_run, dot_label


def _last_tld_end(run: str) -> int:
    """Offset just past the last place in ``run`` where a known top-level domain ends
    as twitter-text requires (a dot, the domain, then no ASCII letter, digit, @, + or -);
    -1 when there is none, so no link can end in this run."""
    _, tlds, lengths, _, dot_label = _x_patterns()
    last = -1
    for match in dot_label.finditer(run):
        label = match.group(1).lower()
        after = run[match.end(1) : match.end(1) + 1]
        for size in lengths:
            if size > len(label):
                break
            if label[:size] in tlds:
                nxt = label[size:size + 1] or after
                if not nxt or not (nxt.isascii() and (nxt.isalnum() or nxt in "@+-")):
                    last = max(last, match.start(1) + size)
    # A punycode domain ("xn--...") has no boundary: it ends where its letters do.
    for match in _X_PUNYCODE.finditer(run):
        last = max(last, match.end())
    return last


def _x_word_cost(word: str) -> tuple[bool, int]:
    """(whether a link can end in ``word``, estimated backtracking steps of
    twitter-text's link pattern on it): every start in a stretch of domain characters
    that reaches no top-level domain rescans the stretch."""
    domain_run = _x_patterns()[3]
    cost, live = 0, False
    for match in domain_run.finditer(word):
        run = match.group()
        last = _last_tld_end(run) if "." in run else -1
        live = live or last >= 0
        dead = run[last:] if last >= 0 else run
        if len(dead) > 1:
            starts = len(dead) - len(_X_NO_START.findall(dead)) + 1
            cost += starts * (len(dead) + 500 * dead.count("."))
    return live, cost


def x_links(text: str) -> tuple[list[Token], bool]:
    """Links as X finds them, with offsets into ``text``, and whether the search was exact
    (False when a word was too costly for twitter-text's pattern; see above)."""
    if "." not in text:
        return [], True
    from twitter_text import extract_urls_with_indices

    # Words that may hold a link stay; every other character becomes a space. A link
    # never spans a space and a word's neighbours are spaces either way, so twitter-text
    # finds the same links, at the same offsets, in one pass. Words too costly for it go
    # to the generic pattern the same way.
    exact_words: list[tuple[int, int]] = []
    generic_words: list[tuple[int, int]] = []
    spent = 0
    for match in _X_DOTTED_WORD.finditer(text):
        word = match.group()
        if len(word) > 64 or word.count(".") > 4:
            live, cost = _x_word_cost(word)
            if not live:
                continue
            spent += cost
            if cost > X_LINK_BUDGET or spent > 5 * X_LINK_BUDGET:
                generic_words.append(match.span())
                continue
        if len(exact_words) >= X_LINK_WORDS:
            generic_words.append(match.span())
            continue
        exact_words.append(match.span())
    links = []
    if exact_words:
        found = extract_urls_with_indices(_only(text, exact_words))
        links = [Token(text[a:b], a, b) for a, b in (f["indices"] for f in found)]
    if generic_words:
        links = sorted(links + find_links(_only(text, generic_words)), key=lambda t: t.start)
        links = [Token(text[t.start : t.end], t.start, t.end) for t in links]
    return links, not generic_words


def _only(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` up to its last span, every character outside ``spans`` made a space."""
    parts, end = [], 0
    for start, stop in spans:
        parts.append(" " * (start - end))
        parts.append(text[start:stop])
        end = stop
    return "".join(parts)


def _x_mentions_or_lists(text: str) -> list[tuple[Token, bool]]:
    """(mention or list, whether it is a list) as twitter-text extracts them."""
    if "@" not in text and "\uff20" not in text:
        return []
    found = []
    for match in _X_MENTION.finditer(text):
        if _X_MENTION_END.match(text, match.end()):
            continue
        start = match.start() + len(match.group(1))
        found.append((Token(text[start : match.end()], start, match.end()), bool(match.group(3))))
    return found


def _x_hashtags_raw(text: str) -> list[Token]:
    if not _X_HASH_CANDIDATE.search(text):
        return []
    hashtag = _x_patterns()[0]
    tags = []
    for match in hashtag.finditer(text):
        if _X_HASHTAG_END.match(text, match.end()):
            continue
        start = match.start() + len(match.group(1))
        tags.append(Token(text[start : match.end()], start, match.end()))
    return tags


def _drop_overlaps(tokens: list[Token], others: list[Token]) -> list[Token]:
    """``tokens`` that overlap none of the entities kept before them, as twitter-text's
    removeOverlappingEntities keeps them (sorted by start, the first one wins)."""
    kinds = sorted([(o.start, 0, o) for o in others] + [(t.start, 1, t) for t in tokens], key=lambda e: e[0])
    kept, end = [], -1
    for _, mine, token in kinds:
        if token.start < end:
            continue
        end = token.end
        if mine:
            kept.append(token)
    return kept


def find_x_links(text: str) -> list[Token]:
    """Links as X finds them (twitter-text-parser's extraction)."""
    return x_links(text)[0]


def find_x_hashtags(text: str, links: list[Token] | None = None) -> list[Token]:
    """Hashtags as X finds them: twitter-text's rules, without those inside a link."""
    return _drop_overlaps(_x_hashtags_raw(text), find_x_links(text) if links is None else links)


def find_x_mentions(text: str, links: list[Token] | None = None) -> list[Token]:
    """Mentions as X finds them: twitter-text's rules ("@name" of at most 20 letters,
    digits or underscores; "@name/list" is a list, not a mention), without those inside a link."""
    found = _x_mentions_or_lists(text)
    mentions = _drop_overlaps([t for t, _ in found], find_x_links(text) if links is None else links)
    lists = {t.start for t, is_list in found if is_list}
    return [t for t in mentions if t.start not in lists]


def find_parts(text: str, platform: str) -> tuple[list[Token], list[Token], list[Token]]:
    """(links, hashtags, mentions) of ``text`` as ``platform`` (an id such as "x") finds
    them: X by X's own rules, every other platform by the generic rules above (see
    "finding_parts" in data/platforms.json for why and where they differ)."""
    from .platforms import get_platform

    if get_platform(platform).counting == "twitter":
        links = find_x_links(text)
        return links, find_x_hashtags(text, links), find_x_mentions(text, links)
    links = find_links(text)
    return links, find_hashtags(text, links), find_mentions(text, links)
