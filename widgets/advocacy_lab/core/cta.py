"""Call-to-action detection (English and Vietnamese).

A call to action is an imperative or an explicit ask: "Sign the petition",
"Please share", "Join us", "Hãy ký kiến nghị". A mere mention of the same verb
is not: "We signed a deal", "the call was long", "Chúng tôi đã ký thỏa thuận".

Heuristic: an action verb counts when it opens a clause (start of the text or
after sentence punctuation, a line break, a bullet or an emoji) or follows an
asking phrase ("please", "help us", "will you", "hãy", "vui lòng"...).
"""
from __future__ import annotations

import re
import unicodedata

EN_VERBS = (
    "act", "add", "apply", "ask", "attend", "boycott", "call", "check", "click", "come",
    "comment", "contact", "contribute", "demand", "discover", "dm", "donate", "download",
    "email", "e-mail", "find", "follow", "fund", "get", "give", "help", "join", "learn",
    "listen", "petition", "phone", "pledge", "raise", "read",
    "register", "reply", "repost", "retweet", "rsvp", "save", "see", "send", "share",
    "show", "sign", "speak", "spread", "stand", "submit", "subscribe", "support", "tag",
    "take", "tap", "tell", "text", "tweet", "urge", "visit", "volunteer", "vote", "watch",
    "write",
)
VI_VERBS = (
    "ký", "kí", "chia sẻ", "tham gia", "gửi", "đăng ký", "đăng kí", "ủng hộ", "bình chọn",
    "bỏ phiếu", "quyên góp", "đóng góp", "liên hệ", "theo dõi", "gọi", "viết", "kêu gọi",
    "yêu cầu", "tham dự", "hành động", "lên tiếng", "ghé thăm", "truy cập", "nhấn", "bấm",
    "đọc", "xem", "tìm hiểu", "cam kết", "lan tỏa", "lan toả", "góp ý", "bình luận",
    "để lại", "điền", "tải", "chung tay", "hỏi", "đòi",
)
# Phrases that make any following words an explicit ask.
EN_ASKS = (
    r"please", r"pls", r"kindly", r"join us", r"help us", r"we need you", r"we urge you",
    r"we ask you", r"we call on", r"we invite you", r"let's", r"let’s", r"let us",
    r"don't forget", r"don’t forget", r"do not forget", r"make sure (?:you|to)",
    r"(?:will|can|could|would) you (?:please )?(?:" + "|".join(EN_VERBS) + r")",
    r"you can (?:" + "|".join(EN_VERBS) + r")", r"link in (?:our )?bio",
    r"sign up", r"take action", r"add your (?:name|voice)",
)
VI_ASKS = (
    r"hãy", r"xin hãy", r"vui lòng", r"làm ơn", r"mời bạn", r"mời các bạn", r"kính mời",
    r"đừng quên", r"chúng tôi kêu gọi", r"cùng nhau", r"bạn có thể (?:" + "|".join(VI_VERBS) + r")",
    r"link ở bio", r"link trong bio",
)
# Words after a verb that show it is a noun or a report, not an order.
_NOT_AFTER = re.compile(
    r"\s*(?:is|was|were|are|has|had|have|been|will|would|of|'s|’s|prices?|rate|rates|"
    r"là|đã|của|được)\b",
    re.IGNORECASE,
)
_VERB_RE = re.compile(
    r"(?<![\w#@/=&?\-_.'’])(" + "|".join(sorted(map(re.escape, EN_VERBS + VI_VERBS), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_ASK_RE = re.compile(
    r"(?<![\w#@/=&?\-_])(?:" + "|".join(EN_ASKS + VI_ASKS) + r")\b", re.IGNORECASE
)
_NOUNISH = {"support", "call", "help"}
_FOR = re.compile(r"\s+for\b", re.IGNORECASE)
# Characters after which a new clause starts (besides symbols and emoji).
_OPENERS = set(".!?;:\n\r\t•·*>-–—()[]{}\"“”'‘’«»…|/")
_LEAD_INS = re.compile(
    r"(?:^|\s)(?:now|today|tonight|also|just|and|then|so|or|first|next|finally|"
    r"ngay|ngay bây giờ|hôm nay|và|rồi|hoặc)\s*[,!:]?\s*$",
    re.IGNORECASE,
)


def _opens_clause(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \u00a0\u3000":
        i -= 1
    if i < 0:
        return True
    prev = text[i]
    if prev in _OPENERS:
        return True
    if prev == ",":
        # "Today, write to the minister" yes; "rivers, share" no.
        return bool(_LEAD_INS.search(text[max(0, start - 20):i]))
    if not prev.isalnum() and unicodedata.category(prev)[0] in "SPZC":
        return True  # emoji, arrows, other symbols: "👉 Sign here"
    # "Sign now and share", "Today, call your MP": a verb after a lead-in word.
    return bool(_LEAD_INS.search(text[max(0, start - 20):start]))


def find_cta(text: str) -> tuple[int, int] | None:
    """Span of the first call to action in ``text``, or None.

    ``text`` should be NFC-normalised (check_post does it) so precomposed and
    decomposed Vietnamese letters behave alike.
    """
    ask = _ASK_RE.search(text)
    best = ask.span() if ask else None
    limit = best[0] if best else len(text)
    for match in _VERB_RE.finditer(text, 0, limit):
        if _NOT_AFTER.match(text, match.end()):
            continue
        if match.group(1).lower() in _NOUNISH and _FOR.match(text, match.end()):
            continue  # "Support for farmers has grown", "Call for proposals"
        if _opens_clause(text, match.start()):
            return match.span()
    return best


def has_cta(text: str) -> bool:
    return find_cta(unicodedata.normalize("NFC", text)) is not None
