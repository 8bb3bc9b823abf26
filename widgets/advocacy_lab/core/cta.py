"""Call-to-action detection, sentence by sentence, for every language in
``data/calls_to_action.json`` (English and Vietnamese today).

A call to action is an ask addressed to the reader: "Sign the petition",
"Please share", "Will you join us?", "Hãy ký kiến nghị", "Mong các bạn dành hai
phút ký tên", "Cùng ký kiến nghị!", "Các bạn ơi, ký kiến nghị nhé!". A mere
mention of the same verb is not: "We signed a deal", "Hơn 2.000 người đã ký",
"Cảm ơn các bạn đã chia sẻ", "Bạn có biết…?".

How a text is read (the word lists are data, one block per language):

1. Split into sentences (at . ! ? … and line breaks; a dot between digits, as in
   "2.000", or inside a link does not end a sentence) and clauses (also at , ; :
   and dashes).
2. Find candidates, matched case-insensitively with diacritics kept ("ký" is not
   "ky"; the text should be NFC, which ``check_post`` and ``has_cta`` ensure):
   - an imperative particle ("please", "let's", "hãy", "vui lòng", "kính mời");
   - an ask phrase ("link in bio", "we need you", "chúng tôi kêu gọi");
   - a request, even as a question ("will you share", "bạn có thể … ký", "ký … nhé?");
   - a polite marker ("mong", "xin", "mời", "đề nghị") that opens its clause (or
     follows a subject such as "chúng tôi") and is followed, later in the sentence,
     by an addressee ("các bạn") or an action verb;
   - an inclusive marker ("cùng", "chúng ta cùng") that opens its clause and is
     followed at once by an action verb;
   - an action verb that opens its clause (a plain imperative: "Ký ngay", "Sign
     here", "Today, write…", "Các bạn ơi, ký…", "…, ký ngay!"), or any action verb in a sentence
     that ends with a casual particle ("… nhé!", "… nha", "… đi!").
3. Veto a candidate when
   - it stands in someone else's words: between quotation marks closed on the
     same line (“…”, «…», "…", ‘…’), or after a reporting word and a colon ("Our
     MP said: call me anytime.", "Ông chủ tịch xã nói: …") to the sentence's end;
   - its sentence is a question ("?" or "bạn có biết…", "did you know…"), unless
     the candidate is a request question: "Bạn có thể ký kiến nghị không?" and
     "Will you share this?" are asks (decided: a request phrased as a question is
     still a request), "Bạn đã ký chưa?" and "Who will pay?" are not;
   - a report marker ("đã", "vừa", "được", "have", "already", "who") or thanks
     ("cảm ơn", "thanks") stands before it in the same clause, or the clause ends
     in "rồi" ("Ký rồi!", "Mình ký rồi nhé, …"); imperative particles are never vetoed this way
     ("Hơn 2.000 người đã ký, và hãy…" is an ask);
   - a word after a verb shows it is a noun or a report ("ký kết", "share
     prices"), a copula soon after shows it is a subject ("Bảo vệ rừng là…"), or
     a phrase list says it is not an ask ("xin chào", "cùng với").

Asks with no action word ("Every signature counts.", "Mỗi chữ ký đều có ý
nghĩa.", "Your signature can stop the mine.") are ask phrases in the lists.

A text with no marked letter and two different words of Vietnamese typed
without marks ("kien", "nguoi", …) that has no ask is read a second time with
every list stripped of its marks ("hay ky kien nghi ngay hom nay"). Stripped,
some words spell others ("ky": ký or kỳ, "tai": tải or tại, "hay": hãy or
"or"), so there an imperative particle needs an action verb right after it, an
ambiguous verb is an ask only after a lead-in or in a sentence that ends
casually ("Cac ban oi, ky kien nghi nhe!"), and ambiguous markers ("moi",
"cung") are not read ("toneless_ambiguous" in the data).

The first candidate that survives is the call to action. Every pattern is
compiled once; positions are found in one pass each and looked up by bisection,
so a 100,000-character text takes a fixed number of linear scans.

Known limits (tried, not handled):
- asks with no verb or marker beyond the listed phrases: "Link kiến nghị ở
  bình luận đầu tiên.", "5,000 names by Friday and the mine stops.";
- invitations without an action verb: "Hẹn gặp các bạn ở buổi đối thoại nhé!";
- a verb after a comma with no lead-in, introducer or urgency word: "Tomorrow at
  9, join us at the hearing.";
- Vietnamese typed without marks: a plain imperative with an ambiguous verb at
  the very start ("Ky kien nghi giu rung." is not read: "Ky hop…" would be),
  a text that mixes marked and unmarked words (read with its marks only), and
  words the lists do not have in that spelling;
- the post's own slogan in quotation marks is taken for someone else's words:
  'Our message to the council: "Publish the budget now."' (decided: an order
  in quotation marks is not the post's own ask);
- demands addressed to an authority rather than the reader are not asks, by
  design: "Chúng tôi đề nghị UBND tỉnh thu hồi giấy phép…";
- taken for asks although they are not: a quoted order with no quotation
  marks or reporting word before it ("Call me anytime, our MP says."), a verb
  opening a participle clause ("Đọc xong bài này, bạn sẽ hiểu…"), and
  questions that fit a request template ("Can you see the problem?", "Bạn có
  thể ký kiến nghị ở đâu?").
"""
from __future__ import annotations

import bisect
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

DATA_FILE = "calls_to_action.json"
LIST_KEYS = (
    "action_verbs", "imperative_particles", "asks", "polite_markers", "inclusive_markers",
    "addressees", "subjects", "lead_ins", "urgency_words", "clause_introducers", "casual_endings",
    "request_questions", "question_openers", "report_markers", "report_endings",
    "thanks_markers", "not_after_verb", "copulas", "not_asks",
    "reported_speech", "toneless_markers", "toneless_ambiguous",
)
# Spaces between the words of a phrase: never a line break, which ends a sentence.
_SPACE = r"[^\S\n]+"
# Up to four words between the parts of a template ("bạn có thể dành hai phút ký").
_GAP = r"(?:[^\s.!?…]+[^\S\n]+){0,4}?"
# Not part of a word, a hashtag, a mention, a link or an e-mail address.
_START = r"(?<![\w#@/=&?\-_.'’])"
_END = r"(?!\w)"
# Sentence ends: . ! ? … not followed by a letter, digit or link character (so
# "2.000", "example.org/sign" and "?utm_source=" stay whole) and line breaks.
_SENTENCE_END = re.compile(r"[.!?…]+(?![\w/=&%#+~-])|\n+")
_LEADING_NON_WORDS = re.compile(r"\W*")
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s")
# Characters after which a verb opens a clause (besides sentence ends).
_OPENERS = set(".!?;:\n\r\t•·*>-–—()[]{}\"“”'‘’«»…|/")


def _phrase(entry: str, verb: str = "", addressee: str = "") -> str:
    """One list entry as a regular expression: words joined by any spaces;
    "{verb}" and "{addressee}" filled in; "{gap}" before a word allows up to four
    words before it."""
    out = ""
    for word in entry.split():
        gap = word.startswith("{gap}")
        word = word[len("{gap}"):] if gap else word
        if word == "{verb}":
            piece = f"(?:{verb})"
        elif word == "{addressee}":
            piece = f"(?:{addressee})"
        else:
            piece = re.escape(word)
        if out:
            out += _SPACE + (_GAP if gap else "")
        out += piece
    return out


def _trie(entries) -> str:
    """Plain phrases as one regular expression with shared beginnings factored out
    ("ký|ký tên|kí" becomes "k(?:ý(?: tên)?|í)"): Python's ``re`` tries an
    alternation branch by branch at every position, so a list of a hundred verbs
    scans several times faster this way. Longer phrases are tried first."""
    root: dict = {}
    for entry in entries:
        node = root
        for word_index, word in enumerate(entry.lower().split()):
            if word_index:
                node = node.setdefault(" ", {})
            for char in word:
                node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [
            (_SPACE if key == " " else re.escape(key)) + build(child)
            for key, child in sorted(node.items(), reverse=True)
            if key
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return build(root) or r"(?!x)x"


def _within_words(most: int, entries) -> str:
    """One of ``entries`` as a whole word, at most ``most`` words further on (a lookahead body)."""
    return rf"(?:{_SPACE}[^\s.!?…,;:]+){{0,{most}}}?{_SPACE}(?:{_alternation(entries)}){_END}"


def _alternation(entries, verb: str = "", addressee: str = "") -> str:
    entries = set(entries)
    plain = [e for e in entries if "{" not in e]
    # Templates that end alike share that ending, so the long verb alternation is
    # compiled once, not once per template ("will you {gap}{verb}", "can you …").
    by_ending: dict[str, list[str]] = {}
    for entry in sorted((e for e in entries if "{" in e), key=lambda e: (-len(e), e)):
        *head, last = entry.split()
        by_ending.setdefault(last, []).append(" ".join(head))
    parts = []
    for last, heads in by_ending.items():
        tail = _phrase(last, verb, addressee)
        if "" in heads:
            parts.append(tail)
        heads = [h for h in heads if h]
        if heads:
            joint = _SPACE + (_GAP if last.startswith("{gap}") else "")
            heads_re = "|".join(_phrase(h, verb, addressee) for h in heads)
            parts.append(f"(?:{heads_re}){joint}{tail.removeprefix(_GAP)}")
    if plain:
        parts.append(_trie(plain))
    return "|".join(parts) or r"(?!x)x"


@dataclass(frozen=True)
class Lexicon:
    """Every language's lists merged and compiled (a post may mix languages).

    ``toneless``: this is the reading of a text typed without its marks
    (``without_marks``); ``toneless_twin``: that reading, for a lexicon of marked text.
    """

    verb: re.Pattern
    particle: re.Pattern
    ask: re.Pattern
    polite: re.Pattern
    inclusive: re.Pattern
    request: re.Pattern
    question_opener: re.Pattern
    report: re.Pattern
    thanks: re.Pattern
    addressee: re.Pattern
    verb_next: re.Pattern
    not_after_verb: re.Pattern
    copula_soon: re.Pattern
    not_ask: re.Pattern
    lead_in_before: re.Pattern
    subject_before: re.Pattern
    lead_in_only: re.Pattern
    urgent_soon: re.Pattern
    introducer: re.Pattern
    casual_end: re.Pattern
    report_end: re.Pattern
    reported_speech: re.Pattern
    toneless_marker: re.Pattern
    ambiguous: re.Pattern
    particle_verb: re.Pattern
    toneless: bool = False
    toneless_twin: "Lexicon | None" = None


def _merged_lists(raw: dict) -> dict[str, list[str]]:
    languages = raw.get("languages") if isinstance(raw, dict) else None
    if not isinstance(languages, dict) or not languages:
        raise ValueError(f"{DATA_FILE}: needs a \"languages\" block with one entry per language")
    merged: dict[str, list[str]] = {key: [] for key in LIST_KEYS}
    for lang, block in languages.items():
        missing = [key for key in LIST_KEYS if not isinstance(block.get(key), list)]
        if missing:
            raise ValueError(f"{DATA_FILE}: language {lang!r} lacks the list(s) {', '.join(missing)}")
        for key in LIST_KEYS:
            merged[key].extend(unicodedata.normalize("NFC", e).strip() for e in block[key])
    return merged


def without_marks(text: str) -> str:
    """``text`` as typed without Vietnamese marks: "Hãy ký" -> "Hay ky", "đồng" -> "dong"."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


# A marked letter: a text with one is not read as typed without marks.
_MARKED_LETTER = re.compile(r"[^\W\d_a-zA-Z]")


def _toneless_data(raw: dict) -> dict:
    """The lists of every language that has ``toneless_markers``, stripped of their marks,
    without the ambiguous words (kept as action verbs only: ``Lexicon.ambiguous`` limits them)."""
    out = {**raw, "languages": {}}
    for lang, block in raw["languages"].items():
        if not block.get("toneless_markers"):
            out["languages"][lang] = block
            continue
        ambiguous = {without_marks(w).lower() for w in block["toneless_ambiguous"]}
        stripped = {}
        for key in LIST_KEYS:
            entries = sorted({without_marks(e) for e in block[key]})
            if key not in ("action_verbs", "toneless_ambiguous"):
                entries = [e for e in entries if e.lower() not in ambiguous]
            stripped[key] = entries
        out["languages"][lang] = stripped
    return out


def load_data() -> dict:
    """The word lists as stored: source, date and one block per language."""
    path = resources.files("advocacy_lab").joinpath("data", DATA_FILE)
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The shipped word lists, compiled once."""
    return compile_lexicon(load_data())


def compile_lexicon(raw: dict, *, toneless: bool = False) -> Lexicon:
    """Every language block of ``raw`` (the layout of data/calls_to_action.json)
    merged and compiled; a language is added by adding its block. With its
    ``toneless_twin``, the reading of text typed without marks (``toneless``)."""
    lists = _merged_lists(raw)
    verb = _alternation(lists["action_verbs"])
    addressee = _alternation(lists["addressees"])

    def rx(body: str, flags: int = 0) -> re.Pattern:
        return re.compile(body, re.IGNORECASE | flags)

    def first_letters(entries) -> str:
        letters = set()
        for entry in entries:
            head = entry.split()[0].removeprefix("{gap}") if entry.split() else ""
            if head == "{verb}":
                letters |= {e[0].lower() for e in lists["action_verbs"]}
            elif head == "{addressee}":
                letters |= {e[0].lower() for e in lists["addressees"]}
            elif head:
                letters.add(head[0].lower())
        return "".join(sorted(letters))

    def words(key: str) -> str:
        # The look-ahead on first letters rejects most positions at once.
        return (
            f"(?=[{re.escape(first_letters(lists[key]))}]){_START}"
            f"(?:{_alternation(lists[key], verb=verb, addressee=addressee)}){_END}"
        ) if lists[key] else r"(?!x)x"

    lead_ins = _alternation(lists["lead_ins"])
    return Lexicon(
        verb=rx(words("action_verbs")),
        particle=rx(words("imperative_particles")),
        ask=rx(words("asks")),
        polite=rx(words("polite_markers")),
        inclusive=rx(words("inclusive_markers")),
        request=rx(words("request_questions")),
        question_opener=rx(words("question_openers")),
        report=rx(words("report_markers")),
        thanks=rx(words("thanks_markers")),
        addressee=rx(words("addressees")),
        verb_next=rx(rf"{_SPACE}(?:nhau{_SPACE})?(?:{verb}){_END}"),
        not_after_verb=rx(rf"[^\S\n]*(?:{_alternation(lists['not_after_verb'])}){_END}"),
        copula_soon=rx(_within_words(3, lists["copulas"])),
        not_ask=rx(rf"(?:{_alternation(lists['not_asks'])}){_END}"),
        # Ending exactly where the candidate starts (searched with endpos).
        lead_in_before=rx(rf"(?<!\w)(?:{lead_ins})\s*[,!:]?\s*$"),
        subject_before=rx(rf"(?<!\w)(?:{_alternation(lists['subjects'])}){_SPACE}$"),
        lead_in_only=rx(rf"\W*(?:(?:{lead_ins})\W*)+"),
        urgent_soon=rx(_within_words(2, lists["urgency_words"])),
        introducer=rx(rf"\W*(?:{_alternation(lists['clause_introducers'])}){_END}"),
        casual_end=rx(rf"(?<!\w)(?:{_alternation(lists['casual_endings'])})\W*$"),
        report_end=rx(rf"(?<!\w)(?:{_alternation(lists['report_endings'])})\W*$"),
        # "said:", "nói:": what follows is someone else's words.
        reported_speech=rx(rf"{_START}(?:{_alternation(lists['reported_speech'])})[^\S\n]*:"),
        toneless_marker=rx(words("toneless_markers")),
        ambiguous=rx(rf"(?:{_alternation(lists['toneless_ambiguous'])}){_END}"),
        # An action verb at once or within two words: "hay ky", "hay cung nhau ky".
        particle_verb=rx(rf"(?:{_SPACE}[^\s.!?…,;:]+){{0,2}}?{_SPACE}(?:{verb}){_END}"),
        toneless=toneless,
        toneless_twin=None if toneless else compile_lexicon(_toneless_data(raw), toneless=True),
    )


class _Reading:
    """One text's sentences, clause breaks and veto words, found once."""

    def __init__(self, text: str, lex: Lexicon) -> None:
        self.text = text
        self.lex = lex
        self.sentence_ends: list[int] = []
        self.sentence_is_question: list[bool] = []
        for m in _SENTENCE_END.finditer(text):
            self.sentence_ends.append(m.end())
            self.sentence_is_question.append("?" in m.group())
        self.sentence_ends.append(len(text))
        self.sentence_is_question.append(False)
        self.clause_breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text)]
        self.vetoes = sorted(
            [m.start() for m in lex.report.finditer(text)]
            + [m.start() for m in lex.thanks.finditer(text)]
        )
        self.verbs = [m for m in lex.verb.finditer(text) if not lex.not_after_verb.match(text, m.end())]
        self.verb_starts = [m.start() for m in self.verbs]
        # Where an addressee starts ("các bạn", "you"), for polite asks.
        self.addressee_starts = [m.start() for m in lex.addressee.finditer(text)]
        self._casual: dict[int, bool] = {}
        self._report_end: dict[int, bool] = {}
        self._question: dict[int, bool] = {}
        # Someone else's words: between quotation marks, or after "said:" to the sentence's end.
        quoted = _quoted_spans(text)
        for m in lex.reported_speech.finditer(text):
            quoted.append((m.end(), self.sentence(m.end())[2]))
        merged: list[list[int]] = []  # overlapping spans joined (a quotation after "said:")
        for a, b in sorted(quoted):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.quoted_starts = [a for a, _ in merged]
        self.quoted_ends = [b for _, b in merged]

    # --- where a position stands -------------------------------------------------

    def in_quote(self, pos: int) -> bool:
        """Whether ``pos`` is inside someone else's words (a quotation, a reported order)."""
        i = bisect.bisect_right(self.quoted_starts, pos) - 1
        return i >= 0 and pos < self.quoted_ends[i]

    def sentence(self, pos: int) -> tuple[int, int, int]:
        """(index, start, end) of the sentence holding ``pos``."""
        i = bisect.bisect_right(self.sentence_ends, pos)
        i = min(i, len(self.sentence_ends) - 1)
        start = self.sentence_ends[i - 1] if i else 0
        return i, start, self.sentence_ends[i]

    def clause_start(self, pos: int, sentence_start: int) -> int:
        i = bisect.bisect_right(self.clause_breaks, pos) - 1
        return max(sentence_start, self.clause_breaks[i]) if i >= 0 else sentence_start

    def is_question(self, pos: int) -> bool:
        i, start, end = self.sentence(pos)
        if i not in self._question:
            opener = _LEADING_NON_WORDS.match(self.text, start, end).end()
            self._question[i] = self.sentence_is_question[i] or bool(
                self.lex.question_opener.match(self.text, opener, end)
            )
        return self._question[i]

    def ends_casually(self, pos: int) -> bool:
        i, start, end = self.sentence(pos)
        if i not in self._casual:
            self._casual[i] = bool(self.lex.casual_end.search(self.text, max(start, end - 40), end))
        return self._casual[i]

    def vetoed(self, pos: int) -> bool:
        """A report or thanks earlier in the clause, or a clause ending in "rồi"
        ("Ký rồi!", "Mình ký rồi nhé, …")."""
        _, start, end = self.sentence(pos)
        clause = self.clause_start(pos, start)
        if self._any_between(self.vetoes, clause, pos):
            return True
        # The clause ends before the next break (its character is at end - 1).
        i = bisect.bisect_right(self.clause_breaks, pos)
        if i < len(self.clause_breaks) and self.clause_breaks[i] <= end:
            end = self.clause_breaks[i] - 1
        if end not in self._report_end:
            self._report_end[end] = bool(self.lex.report_end.search(self.text, max(clause, end - 40), end))
        return self._report_end[end]

    def opens_clause(
        self, pos: int, *, comma_opens: bool = False, subjects: bool = False, depth: int = 0, end: int = -1
    ) -> bool:
        """Whether ``pos`` starts a clause: the text's or a sentence's start, after
        opening punctuation, a symbol or emoji, or a lead-in word that itself opens
        the clause ("Các bạn ơi, ký…", "Today, write…")."""
        text, lex = self.text, self.lex
        _, sentence_start, _ = self.sentence(pos)
        i = pos - 1
        while i >= sentence_start and text[i] in " \u00a0\u3000":
            i -= 1
        if i < sentence_start or depth > 4:
            return i < sentence_start
        prev = text[i]
        window = max(sentence_start, pos - 40)
        if prev == ",":
            if comma_opens:
                return True
            # "If you care, sign…", "Các bạn ơi, ký…", "… đã ký, ký ngay!" yes;
            # "forests, rivers, share" no.
            part_start = self.clause_start(i, sentence_start)
            return bool(
                lex.introducer.match(text, part_start, i)
                or lex.lead_in_only.fullmatch(text, part_start, i)
                or (end >= 0 and lex.urgent_soon.match(text, end))
            )
        if prev in _OPENERS:
            return True
        if not prev.isalnum() and unicodedata.category(prev)[0] in "SPZC":
            return True  # emoji, arrows, other symbols: "👉 Sign here"
        lead = lex.lead_in_before.search(text, window, pos)
        if lead and self.opens_clause(lead.start(), comma_opens=comma_opens, depth=depth + 1):
            return True
        if subjects:
            subject = lex.subject_before.search(text, window, pos)
            if subject and self.opens_clause(subject.start(), comma_opens=True, depth=depth + 1):
                return True
        return False

    @staticmethod
    def _any_between(starts: list[int], pos: int, end: int) -> bool:
        i = bisect.bisect_left(starts, pos)
        return i < len(starts) and starts[i] < end

    # --- judging one candidate ---------------------------------------------------

    def is_ask(self, kind: str, match: re.Match) -> bool:
        text, lex = self.text, self.lex
        start, end = match.span()
        if lex.not_ask.match(text, start):
            return False
        if self.in_quote(start):
            return False  # an order someone else gave is not the post's own ask
        if lex.toneless and kind == "particle" and not lex.particle_verb.match(text, end):
            return False  # typed without marks, "hay" is also "or" and "good": a verb must follow
        if kind == "request":
            return not self.vetoed(start)
        if self.is_question(start):
            return False
        if kind == "particle":
            return True
        if self.vetoed(start):
            return False
        if kind == "ask":
            return True
        if kind == "polite":
            _, _, sentence_end = self.sentence(start)
            # "Mong các bạn…", "Mời đọc…", "Rất mong nhận được sự ủng hộ của các bạn".
            # The cheap look-ups first: most markers fail there.
            return bool(
                self._any_between(self.verb_starts, end, sentence_end)
                or self._any_between(self.addressee_starts, end, min(sentence_end, end + 80))
            ) and self.opens_clause(start, comma_opens=True, subjects=True)
        if kind == "inclusive":
            return bool(lex.verb_next.match(text, end)) and self.opens_clause(
                start, comma_opens=True, subjects=True
            )
        # kind == "verb": a plain imperative, or a verb in a casual ask ("… nhé!"),
        # but not the subject of "is" ("Bảo vệ rừng là trách nhiệm của…").
        if lex.copula_soon.match(text, end):
            return False
        if lex.toneless and lex.ambiguous.fullmatch(text, start, end):
            # "ky" is "ký" (sign) or "kỳ" (session): an ask only where an ask is plain.
            _, sentence_start, _ = self.sentence(start)
            lead = lex.lead_in_before.search(text, max(sentence_start, start - 40), start)
            return self.ends_casually(start) or bool(lead and self.opens_clause(start, end=end))
        return self.opens_clause(start, end=end) or self.ends_casually(start)


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation closed on its own line: “…”, «…», „…“, "…", ‘…’.

    One pass over the quotation marks: an opening mark waits for its closing
    one until the line ends (an unclosed one quotes nothing)."""
    spans = []
    opened_at, closer = -1, ""
    for m in _QUOTE_MARK.finditer(text):
        mark = m.group()
        if mark == "\n":
            opened_at, closer = -1, ""
        elif closer and mark in closer:
            spans.append((opened_at, m.end()))
            opened_at, closer = -1, ""
        elif not closer and mark in _QUOTE_CLOSER:
            # (’ closes only: as an apostrophe, "let’s", it opens nothing.)
            opened_at, closer = m.start(), _QUOTE_CLOSER[mark]
    return spans


#: Each opening quotation mark and the marks that close it.
_QUOTE_CLOSER = {"“": "”", "«": "»", "„": "“”", '"': '"', "‘": "’", "「": "」"}
_QUOTE_MARK = re.compile("[“”«»„\"‘’「」\n]")


def _find(text: str, lex: Lexicon) -> tuple[int, int] | None:
    reading = _Reading(text, lex)
    candidates = []
    # At one position the more specific kind is judged first.
    for rank, (kind, pattern) in enumerate((
        ("request", lex.request), ("particle", lex.particle), ("ask", lex.ask),
        ("polite", lex.polite), ("inclusive", lex.inclusive),
    )):
        candidates.extend((m.start(), rank, kind, m) for m in pattern.finditer(text))
    candidates.extend((m.start(), 9, "verb", m) for m in reading.verbs)
    candidates.sort(key=lambda c: (c[0], c[1]))
    for _, _, kind, match in candidates:
        if reading.is_ask(kind, match):
            return match.span()
    return None


def typed_without_marks(text: str, lex: Lexicon) -> bool:
    """Whether ``text`` looks like a language typed without its marks: no marked
    letter, and two different words of a ``toneless_markers`` list."""
    if _MARKED_LETTER.search(text):
        return False
    found = set()
    for m in lex.toneless_marker.finditer(text):
        found.add(m.group().lower())
        if len(found) >= 2:
            return True
    return False


def find_cta(text: str, lex: Lexicon | None = None) -> tuple[int, int] | None:
    """Span of the first call to action in ``text``, or None.

    ``text`` should be NFC-normalised (check_post does it) so precomposed and
    decomposed Vietnamese letters behave alike; spans are offsets into ``text``.
    ``lex`` defaults to the shipped word lists. A text typed without marks
    ("hay ky kien nghi") is read a second time with the lists stripped of theirs.
    """
    if not isinstance(text, str):
        raise ValueError(f"find_cta needs text (a str), not {type(text).__name__}")
    lex = lex or lexicon()
    span = _find(text, lex)
    twin = lex.toneless_twin
    if span is None and twin is not None and typed_without_marks(text, twin):
        span = _find(text, twin)
    return span


def has_cta(text: str) -> bool:
    return find_cta(unicodedata.normalize("NFC", text)) is not None


# Compiled on import, which happens while a page is built (in a preheated kernel),
# so the learner's first keystroke does not wait for it.
lexicon()
