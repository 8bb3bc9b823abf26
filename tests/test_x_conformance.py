"""Our X metrics against X's own conformance suite (twitter-text's conformance/ folder).

The suite is read from ``../shared/data/twitter-text-conformance/`` beside the repository, as
its README asks (the cases are not copied here). Groups checked, the ones our X metrics use:
- validate.yml ``WeightedTweetsWithDiscountedEmojiCounterTest`` (X's configuration today) and
  ``UnicodeDirectionalMarkerCounterTest``: the weighted length (metric ``length`` for X);
- extract.yml hashtags, mentions and URLs, with their indices (metrics ``hashtags``,
  ``mentions``, ``links`` and the spans of the findings about them).
Not checked: ``WeightedTweetsCounterTest`` (X's older configuration, where emoji were not
discounted), cashtags and replies (no metric uses them), and the validate.yml yes/no groups.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from advocacy_lab.checks import PLATFORMS, weighted_length
from advocacy_lab.core.counting import count_length
from advocacy_lab.core.text import (
    X_LINK_BUDGET,
    find_hashtags,
    find_links,
    find_mentions,
    find_parts,
    find_x_hashtags,
    find_x_links,
    find_x_mentions,
    x_links,
)

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "twitter-text-conformance"

if not (SUITE / "validate.yml").exists() or not (SUITE / "extract.yml").exists():
    pytest.skip(
        f"X's conformance suite is not at {SUITE} (validate.yml and extract.yml from twitter-text's"
        " conformance/ folder); these tests need it",
        allow_module_level=True,
    )

VALIDATE = yaml.safe_load((SUITE / "validate.yml").read_text(encoding="utf-8"))["tests"]
EXTRACT = yaml.safe_load((SUITE / "extract.yml").read_text(encoding="utf-8"))["tests"]


def cases(tests: dict, *groups: str) -> list:
    return [pytest.param(case, id=f"{group}: {case['description']}") for group in groups for case in tests[group]]


# --- weighted length --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "case", cases(VALIDATE, "WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")
)
def test_weighted_length(case):
    length, exact = count_length(case["text"], PLATFORMS["x"])
    assert (length, exact) == (case["expected"]["weightedLength"], True)
    assert weighted_length(case["text"], "x") == case["expected"]["weightedLength"]


def test_the_long_invalid_link_is_counted_letter_by_letter():
    """12,076 characters whose domain labels are too long to be a link: X counts each one
    (12,079 with the short link at the end), where the old cap gave 4,095."""
    (case,) = [
        c for c in VALIDATE["WeightedTweetsWithDiscountedEmojiCounterTest"]
        if len(c["text"]) > 10_000
    ]
    assert len(case["text"]) == 12_076
    assert count_length(case["text"], PLATFORMS["x"]) == (12_079, True)


# --- hashtags, mentions, links ------------------------------------------------------------------

@pytest.mark.parametrize("case", cases(EXTRACT, "hashtags", "hashtags_from_astral"))
def test_hashtags(case):
    assert [t.text[1:] for t in find_x_hashtags(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", cases(EXTRACT, "hashtags_with_indices"))
def test_hashtags_with_indices(case):
    found = [(t.text[1:], [t.start, t.end]) for t in find_x_hashtags(case["text"])]
    assert found == [(e["hashtag"], e["indices"]) for e in case["expected"]]


@pytest.mark.parametrize("case", cases(EXTRACT, "mentions"))
def test_mentions(case):
    assert [t.text[1:] for t in find_x_mentions(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", cases(EXTRACT, "mentions_with_indices"))
def test_mentions_with_indices(case):
    found = [(t.text[1:], [t.start, t.end]) for t in find_x_mentions(case["text"])]
    assert found == [(e["screen_name"], e["indices"]) for e in case["expected"]]


@pytest.mark.parametrize("case", cases(EXTRACT, "urls", "tco_urls_with_params"))
def test_urls(case):
    links, exact = x_links(case["text"])
    assert exact
    assert [t.text for t in links] == case["expected"]


@pytest.mark.parametrize("case", cases(EXTRACT, "urls_with_indices", "urls_with_directional_markers"))
def test_urls_with_indices(case):
    found = [(t.text, [t.start, t.end]) for t in find_x_links(case["text"])]
    assert found == [(e["url"], e["indices"]) for e in case["expected"]]


@pytest.mark.parametrize(
    "case", cases(EXTRACT, "hashtags_with_indices", "mentions_with_indices", "urls_with_indices")
)
def test_find_parts_for_x_gives_xs_parts(case):
    """What check_post reads for X (find_parts) is X's extraction, offsets included."""
    links, hashtags, mentions = find_parts(case["text"], "x")
    assert (links, hashtags, mentions) == (
        find_x_links(case["text"]), find_x_hashtags(case["text"]), find_x_mentions(case["text"])
    )


# --- where other platforms differ (documented in data/platforms.json, "finding_parts") ---------

def test_other_platforms_keep_their_own_rules_and_the_differences_are_documented():
    import json
    from importlib import resources

    data = json.loads(resources.files("advocacy_lab").joinpath("data", "platforms.json").read_text("utf-8"))
    notes = data["finding_parts"]
    assert set(notes) == {"x", "other_platforms"}
    assert "twitter-text" in notes["x"] and "conformance" in notes["x"]
    for word in ("Bluesky", "Facebook", "Instagram", "list", "underscore"):
        assert word in notes["other_platforms"], word

    post = "Join @green.bsky.social and @ngo_vn/team #Nước_ #water#sea foo.jp"
    for platform in PLATFORMS:
        links, hashtags, mentions = find_parts(post, platform)
        texts = ([t.text for t in links], [t.text for t in hashtags], [t.text for t in mentions])
        if platform == "x":
            # X: a handle stops at the dot, "@name/list" is a list, a tag glued to the next
            # '#' is none, a trailing underscore stays, any top-level domain makes a link.
            assert texts == (["foo.jp"], ["#Nước_"], ["@green"])
        else:
            # Everyone else: Bluesky handles are domain names and count whole, a trailing
            # underscore is dropped, links without http(s) only on common domains.
            assert texts == ([], ["#Nước", "#water"], ["@green.bsky.social", "@ngo_vn"])
            assert (links, hashtags, mentions) == (
                find_links(post), find_hashtags(post, links), find_mentions(post, links)
            )


# --- staying fast -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "word",
    ["a." * 3000, "a-b.c." * 1000, "x.org," + "a." * 3000, "ộ" * 3000 + ".com" + "ộ" * 3000, "a.com-" * 1000],
    ids=["dotted", "dashed", "dead tail", "long labels", "no boundary"],
)
def test_pathological_words_come_back_quickly(word):
    """twitter-text's link pattern takes minutes on these; words that cannot hold a link are
    skipped and costly ones are searched with the generic pattern (and said to be estimates)."""
    start = time.process_time()
    links, exact = x_links(word + " https://example.org/p")
    assert time.process_time() - start < 5  # CPU seconds, generous on a loaded machine
    assert links[-1].text == "https://example.org/p"
    length, exact_length = count_length(word, PLATFORMS["x"])
    assert exact_length == exact or len(word) > 15_000
    if exact:
        assert length >= len(word) - 23 * len(links)


def test_a_word_over_the_budget_is_searched_generically_and_marked_inexact():
    word = "ộ" * 2000 + ".com" + "ộ" * 2000
    links, exact = x_links(word)
    assert exact is False and X_LINK_BUDGET < 4000 * 4000
    assert count_length(word, PLATFORMS["x"])[1] is False


def test_past_the_word_cap_links_are_found_generically_and_marked_inexact():
    from advocacy_lab.core.text import X_LINK_WORDS

    few = "ngo.vn/a " * 20
    links, exact = x_links(few)
    assert exact and len(links) == 20
    many = "ngo.vn/a " * (X_LINK_WORDS + 50)
    links, exact = x_links(many)
    assert exact is False
    assert len(links) == X_LINK_WORDS + 50  # the generic pattern finds these too
    assert [t.start for t in links] == [9 * i for i in range(X_LINK_WORDS + 50)]


# --- what the learner sees: check_post's metrics for X -------------------------------------------

@pytest.mark.parametrize(
    "metric, case",
    [pytest.param(metric, case, id=f"{group}: {case['description']}")
     for metric, group in (("hashtags", "hashtags"), ("mentions", "mentions"), ("links", "urls"))
     for case in EXTRACT[group]],
)
def test_check_post_counts_on_x_agree_with_x(metric, case):
    """The hashtag, mention and link counts check_post reports for X are X's own."""
    from advocacy_lab.checks import check_post

    assert check_post(case["text"], "x").metrics[metric] == len(case["expected"]), case["text"]


def test_check_post_on_x_reads_a_post_as_x_does_and_other_platforms_generically():
    from advocacy_lab.checks import check_post

    post = "@ngo_vn/team #a#b foo.jp"
    x = check_post(post, "x").metrics
    assert (x["mentions"], x["hashtags"], x["links"]) == (0, 0, 1)
    bluesky = check_post(post, "bluesky").metrics
    assert (bluesky["mentions"], bluesky["hashtags"], bluesky["links"]) == (1, 1, 0)
