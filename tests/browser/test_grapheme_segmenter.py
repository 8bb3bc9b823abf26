"""Bluesky's grapheme count against the browser's own: Chromium's Intl.Segmenter.

Bluesky's composer counts with Intl.Segmenter, so the browser is the reference. One page,
one ``page.evaluate`` over the whole corpus (tests/data/grapheme_corpus.json: every language
the workshops serve, and recent emoji); each sample's graphemes, not only their number, must
be the ones we count with.
"""
from __future__ import annotations

import json
from pathlib import Path

import regex

from advocacy_lab.checks import weighted_length

CORPUS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "grapheme_corpus.json").read_text(encoding="utf-8")
)

SEGMENT = """texts => {
    const segmenter = new Intl.Segmenter(undefined, {granularity: "grapheme"});
    return texts.map(text => Array.from(segmenter.segment(text), part => part.segment));
}"""


def test_our_graphemes_are_chromiums(page):
    samples = CORPUS["samples"]
    texts = [s["text"] for s in samples]
    browser = page.evaluate(SEGMENT, texts)
    assert len(browser) == len(samples)
    mismatches = []
    for sample, segments in zip(samples, browser):
        ours = regex.findall(r"\X", sample["text"])
        counted = weighted_length(sample["text"], "bluesky")
        if not (segments == ours and counted == len(segments) == sample["graphemes"]):
            mismatches.append((sample["lang"], sample["what"], len(segments), counted, sample["graphemes"]))
    assert not mismatches, f"(lang, sample, Chromium, ours, pinned): {mismatches}"
