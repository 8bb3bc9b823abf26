"""Bluesky counts graphemes as browsers do (Intl.Segmenter, current Unicode).

The counts in tests/data/grapheme_corpus.json were measured in Chromium's Intl.Segmenter
(tests/browser/test_grapheme_segmenter.py measures them again in Debian's Chromium); this
fast test pins them, so a change in the library we count with is caught without a browser.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from advocacy_lab.checks import PLATFORMS, check_post, weighted_length
from advocacy_lab.core.counting import EXACT_LIMIT, count_length, first_graphemes

CORPUS = json.loads((Path(__file__).parent / "data" / "grapheme_corpus.json").read_text(encoding="utf-8"))
SAMPLES = [pytest.param(s, id=f"{s['lang']}: {s['what']}") for s in CORPUS["samples"]]
# The languages the workshops serve, and recent emoji.
LANGUAGES = {"vi", "hi", "ne", "bn", "si", "dz", "sq", "mk", "emoji"}


def test_the_corpus_covers_every_workshop_language_and_recent_emoji():
    assert LANGUAGES <= {s["lang"] for s in CORPUS["samples"]}
    emoji = "".join(s["text"] for s in CORPUS["samples"] if s["lang"] == "emoji")
    for sequence in ("👨‍👩‍👧‍👦", "👍🏽", "🇻🇳", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "1️⃣", "🫨", "🐦‍🔥", "🙂‍↔️"):
        assert sequence in emoji, sequence


@pytest.mark.parametrize("sample", SAMPLES)
def test_bluesky_length_is_the_browsers_grapheme_count(sample):
    assert weighted_length(sample["text"], "bluesky") == sample["graphemes"]
    assert count_length(sample["text"], PLATFORMS["bluesky"]) == (sample["graphemes"], True)
    assert check_post(sample["text"], "bluesky").metrics["length"] == sample["graphemes"]


@pytest.mark.parametrize(
    ("word", "graphemes"),
    [
        # Indic conjuncts are one grapheme since Unicode 15.1 (the grapheme library, Unicode 13,
        # counts 5, 5, 4, 6 and 5 here).
        ("क्षत्रिय", 3),
        ("स्वाक्षर", 3),
        ("श्रद्धा", 2),
        ("হস্তাক্ষর", 4),
        ("স্বাস্থ্য", 2),
        ("Việt", 4),
        ("Vie\u0323\u0302t", 4),  # the same word typed with combining tone marks
        ("👩🏾‍❤️‍💋‍👨🏻", 1),
        ("🇻🇳🇳", 2),  # a flag, then a lone regional indicator
        ("a\r\nb", 3),
    ],
)
def test_graphemes_of_single_words(word, graphemes):
    assert weighted_length(word, "bluesky") == graphemes


@pytest.mark.parametrize("sample", SAMPLES)
def test_a_preview_never_cuts_a_grapheme(sample):
    text, total = sample["text"], sample["graphemes"]
    for count in (1, 5, total // 2, total, total + 3):
        head = first_graphemes(text, count)
        assert text.startswith(head)
        assert weighted_length(head, "bluesky") == min(count, total)
        assert weighted_length(head, "bluesky") + weighted_length(text[len(head):], "bluesky") == total


def test_a_huge_paste_is_counted_exactly_up_to_the_limit_then_estimated():
    (hindi,) = [s for s in CORPUS["samples"] if s["lang"] == "hi"]
    repeats = EXACT_LIMIT // len(hindi["text"]) + 5
    text = (hindi["text"] + " ") * repeats
    length, exact = count_length(text, PLATFORMS["bluesky"])
    assert exact is False
    # The estimate beyond the exact part is close (within 10%) to the true count.
    assert abs(length - (hindi["graphemes"] + 1) * repeats) <= 0.1 * (hindi["graphemes"] + 1) * repeats
