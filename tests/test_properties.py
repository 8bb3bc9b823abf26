"""Property-based tests: no checker raises on any text, and invariants hold."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advocacy_lab.checks import PLATFORMS, RULES, build_tracking_link, check_post, weighted_length
from advocacy_lab.core.counting import count_length, first_graphemes
from advocacy_lab.core.text import MAX_FIELD_CHARS, x_links

RULE_IDS = {r.id for r in RULES}

# Any code point, lone surrogates included, plus fragments that exercise the parsers.
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF)
fragments = st.sampled_from(
    [
        "👨‍👩‍👧", "🏳️‍🌈", "1️⃣", "e\u0301", "ộ", "o\u0323\u0302", "\u202e", "\u200b", "\x00", "\ud800",
        "#", "#savethemekongdelta", "@ngo", "https://", "https://example.org/p?utm_source=x",
        "www.", "bit.ly/x", "<b>", "</b>", "<img src=x onerror=alert(1)>", "Sign the petition",
        "Hãy ký", ". ", "\n", "\r\n", "&#39;", "(", ")", "NOW", "ký", "हिन्दी", "日本語",
        # X's edge cases: lists, glued tags, any top-level domain, keycaps, dotted words.
        "@ngo/list", "#a#b", "foo.jp", ".com", "a.", "x.org,", "#️⃣", "1", "\ufe0f", "\u20e3", "🇻🇳",
        "https://t.co/abc", "ELPAÍS.com", "\u202a", "_", "-",
    ]
)
texts = st.lists(st.one_of(st.text(any_char, max_size=20), fragments), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, platform=st.sampled_from(sorted(PLATFORMS)), lang=st.sampled_from(["en", "vi"]))
def test_check_post_never_raises_and_stays_consistent(text, platform, lang):
    fb = check_post(text, platform, lang)
    m = fb.metrics
    assert isinstance(m["length"], int) and m["length"] >= 0
    assert m["limit"] == PLATFORMS[platform].limit
    assert m["reading_ease"] is None or 0.0 <= m["reading_ease"] <= 100.0
    assert fb.passed == (not fb.by_severity("error"))
    assert ("length.over_limit" in fb.rule_ids) == (m["length"] > m["limit"] and "text.empty" not in fb.rule_ids)
    for finding in fb.findings:
        assert finding.rule_id in RULE_IDS
        assert finding.suggestion
        if finding.span is not None:
            start, end = finding.span
            assert 0 <= start <= end <= len(text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=texts,
    tail=texts,
    offset=st.integers(min_value=-3, max_value=3),
    platform=st.sampled_from(sorted(PLATFORMS)),
    lang=st.sampled_from(["en", "vi"]),
)
def test_check_post_at_the_field_cap(head, tail, offset, platform, lang):
    """Around MAX_FIELD_CHARS, with any characters on both sides of the cut: no
    raise, spans inside the text, the too-long finding exactly when over the cap,
    and the length measured on the whole text."""
    pad = "a" * max(0, MAX_FIELD_CHARS + offset - len(head) - len(tail))
    text = head + pad + tail
    fb = check_post(text, platform, lang)
    assert ("text.too_long_to_check" in fb.rule_ids) == (len(text) > MAX_FIELD_CHARS)
    assert fb.metrics["checked_chars"] == min(len(text), MAX_FIELD_CHARS)
    assert fb.metrics["length"] == weighted_length(text, platform)
    assert "text.empty" not in fb.rule_ids
    for finding in fb.findings:
        assert finding.rule_id in RULE_IDS and finding.suggestion
        if finding.span is not None:
            start, end = finding.span
            assert 0 <= start <= end <= len(text)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_x_length_is_twitter_texts_figure(text):
    from twitter_text import parse_tweet

    length, exact = count_length(text, PLATFORMS["x"])
    assume(exact)  # only a word too costly for twitter-text's link pattern is estimated
    clean = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    assert length == parse_tweet(clean).weightedLength


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_x_links_word_by_word_are_twitter_texts_links(text):
    """Searching word by word (and skipping words where no domain can end) finds what
    twitter-text finds in the whole text."""
    from twitter_text import extract_urls_with_indices

    links, exact = x_links(text)
    assume(exact)
    assert [(t.text, [t.start, t.end]) for t in links] == [
        (u["url"], u["indices"]) for u in extract_urls_with_indices(text)
    ]


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_bluesky_length_is_grapheme_count(text):
    import regex

    clean = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    assert weighted_length(text, "bluesky") == len(regex.findall(r"\X", clean))


@settings(max_examples=200, deadline=None)
@given(text=texts, count=st.integers(min_value=0, max_value=30))
def test_first_graphemes_is_a_whole_grapheme_prefix(text, count):
    clean = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    head = first_graphemes(clean, count)
    assert clean.startswith(head)
    total = weighted_length(clean, "bluesky")
    assert weighted_length(head, "bluesky") == min(count, total)
    # The cut falls between graphemes: what follows does not join the last one.
    assert weighted_length(head, "bluesky") + weighted_length(clean[len(head):], "bluesky") == total


label = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFFF, exclude_categories=("Cs",)), min_size=1, max_size=30).filter(str.strip)


@settings(max_examples=200, deadline=None)
@given(source=label, medium=label, campaign=label,
       path=st.text(st.sampled_from("abc/-_.~"), max_size=15),
       query=st.sampled_from(["", "id=7", "a=1&b=two", "utm_source=old&x=1"]),
       fragment=st.sampled_from(["", "top", "sign-now"]))
def test_tracking_link_round_trip(source, medium, campaign, path, query, fragment):
    url = "https://example.org/" + path + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    link = build_tracking_link(url, source, medium, campaign)
    parts = urlsplit(link)
    params = parse_qs(parts.query, keep_blank_values=True)
    assert params["utm_source"] == [source.strip()]
    assert params["utm_medium"] == [medium.strip()]
    assert params["utm_campaign"] == [campaign.strip()]
    assert parts.fragment == fragment
    assert not any(ch.isspace() for ch in link)
    if "id=7" in query:
        assert params["id"] == ["7"]
    # Idempotent: building again replaces, never duplicates.
    again = parse_qs(urlsplit(build_tracking_link(link, source, medium, campaign)).query, keep_blank_values=True)
    assert again == params
