"""check_post and weighted_length: counting, metrics, spans, languages, bad input."""
from __future__ import annotations

import pytest

from advocacy_lab.checks import (
    PLATFORMS,
    Feedback,
    Finding,
    check_post,
    get_rule,
    weighted_length,
)
from advocacy_lab.core import message as message_mod
from advocacy_lab.core.counting import EXACT_LIMIT, X_EXACT_LIMIT, count_length
from advocacy_lab.core.cta import has_cta
from advocacy_lab.core.text import MAX_FIELD_CHARS, detect_language, find_hashtags, find_links, find_mentions

GOOD = "Sign the petition to protect the Mekong Delta: https://example.org/p?utm_source=x&utm_medium=social&utm_campaign=mekong"


# --- counting ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ộ", 2),  # precomposed Vietnamese letter outside X's light ranges
        ("o\u0323\u0302", 2),  # same letter decomposed: X normalises to NFC first
        ("à", 1),  # Latin-1 letters weigh 1
        ("Xin chào Việt Nam", 18),
        ("👍", 2),
        ("👨‍👩‍👧", 2),  # a ZWJ family is one emoji
        ("https://example.org/a/very/long/path/that/goes/on/and/on", 23),
        ("Read https://example.org/x now", 32),
        ("日本", 4),
        ("", 0),
    ],
)
def test_x_weighted_length(text, expected):
    assert weighted_length(text, "x") == expected


def test_vietnamese_post_weighs_more_on_x_than_its_letters():
    text = "Hãy ký kiến nghị bảo vệ đồng bằng sông Cửu Long"
    assert weighted_length(text, "x") > len(text)
    assert weighted_length(text, "facebook") == len(text)


def test_other_platform_counts():
    family = "👨‍👩‍👧"
    assert weighted_length(family, "bluesky") == 1
    assert weighted_length("e\u0301", "bluesky") == 1
    assert weighted_length("a\r\nb", "bluesky") == 3
    assert weighted_length("😀", "tiktok") == 2  # UTF-16 code units
    assert weighted_length("😀", "threads") == 4  # UTF-8 bytes of the emoji
    assert weighted_length("o\u0323\u0302", "instagram") == 1  # NFC code points
    assert weighted_length("Việt Nam", "linkedin") == 8


def test_huge_text_is_estimated_beyond_the_exact_part_and_says_so():
    from twitter_text import parse_tweet

    text = ("Nước mặn ộ word 👨‍👩‍👧 ❤️ 👍🏽 https://example.org/x?utm_source=x, " * 300)[: X_EXACT_LIMIT + 6_000]
    length, exact = count_length(text, PLATFORMS["x"])
    assert exact is False
    # Links, emoji sequences and heavy letters are all weighed like X does.
    assert length == parse_tweet(text).weightedLength
    length, exact = count_length(text[:X_EXACT_LIMIT], PLATFORMS["x"])
    assert exact is True
    family = "👨‍👩‍👧 " * 10_000
    length, exact = count_length(family, PLATFORMS["bluesky"])
    assert exact is False and length == 20_000
    assert count_length(family, PLATFORMS["x"])[0] == parse_tweet(family).weightedLength
    assert count_length("a" * (EXACT_LIMIT + 5), PLATFORMS["bluesky"]) == (EXACT_LIMIT + 5, True)


def test_dotted_words_are_defused_before_twitter_text():
    # twitter-text's URL pattern takes minutes on this; it must come back at once.
    assert weighted_length("a." * 2000, "x") == 4000
    assert weighted_length("a-b.c." * 700, "x") == 4200
    assert weighted_length("https://example.org/" + "a.b" * 100, "x") == 23
    assert weighted_length("Read... https://example.org/x now", "x") == 35


def test_weighted_length_rejects_bad_arguments():
    with pytest.raises(TypeError, match="text"):
        weighted_length(None, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bluesky"):
        weighted_length("hi", "myspace")


# --- check_post: shape and metrics ------------------------------------------

def test_returns_feedback_with_metrics():
    fb = check_post(GOOD, "x")
    assert isinstance(fb, Feedback)
    assert fb.passed is True and fb.findings == ()
    m = fb.metrics
    for key in ("length", "limit", "hashtags", "mentions", "links", "reading_ease", "preview_chars", "platform"):
        assert key in m
    assert m["platform"] == "x" and m["limit"] == 280
    assert m["length"] == weighted_length(GOOD, "x") and type(m["length"]) is int
    assert m["links"] == 1 and m["hashtags"] == 0 and m["mentions"] == 0
    assert m["preview_chars"] is None
    assert isinstance(m["reading_ease"], float) and 0 <= m["reading_ease"] <= 100


def test_counts_hashtags_mentions_links():
    text = "Join @MekongAlliance and @green.bsky.social! #SaveTheMekong #Nước https://a.org/x#frag www.b.org mekong.org/sign me@mail.org"
    fb = check_post(text, "bluesky")
    assert fb.metrics["hashtags"] == 2
    assert fb.metrics["mentions"] == 2
    assert fb.metrics["links"] == 3


def test_extraction_details():
    text = "Hi #water, #2026 #BảoVệSôngMêKông (see https://ex.org/a_(b)). #हिन्दी_दिवस &#39;"
    links = find_links(text)
    assert [l.text for l in links] == ["https://ex.org/a_(b)"]
    tags = [t.text for t in find_hashtags(text, links)]
    assert tags == ["#water", "#BảoVệSôngMêKông", "#हिन्दी_दिवस"]
    assert [m.text for m in find_mentions("mail me@x.org or @ngo_vn.", [])] == ["@ngo_vn"]


def test_reading_ease_only_for_english():
    assert check_post("Hãy ký kiến nghị bảo vệ đồng bằng sông Cửu Long ngay hôm nay.", "x").metrics["reading_ease"] is None
    assert check_post("Потпишите петицију за чисту воду.", "x").metrics["reading_ease"] is None
    assert check_post("🌊🌊🌊", "x").metrics["reading_ease"] is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Sign the petition now", "en"), ("Hãy ký kiến nghị", "vi"), ("Xin chào Việt Nam", "vi"),
     ("Потпишите петицију", "other"), ("हस्ताक्षर करें", "other"), ("12345 !!!", "other")],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


# --- findings: spans, suggestions, languages --------------------------------

def test_over_limit_span_starts_where_the_post_stops_fitting():
    text = "Sign the petition. " + "a" * 300
    fb = check_post(text, "x")
    (finding,) = [f for f in fb.findings if f.rule_id == "length.over_limit"]
    start, end = finding.span
    assert end == len(text)
    assert weighted_length(text[:start], "x") <= 280 < weighted_length(text[: start + 1], "x")
    assert "319 of 280" in finding.message and "39" in finding.suggestion
    assert fb.passed is False


def test_over_limit_span_counts_vietnamese_weight():
    text = "ộ" * 200
    (finding,) = [f for f in check_post(text, "x", lang="vi").findings if f.rule_id == "length.over_limit"]
    assert finding.span == (140, 200)
    assert finding.message == "Quá dài cho X (Twitter): 400/280 ký tự (thừa 120)."


def test_suggestion_is_the_rules_fix_in_the_chosen_language():
    fb_en = check_post("We met the minister.", "x")
    fb_vi = check_post("We met the minister.", "x", lang="vi")
    rule = get_rule("cta.missing")
    (en,) = fb_en.findings
    (vi,) = fb_vi.findings
    assert isinstance(en, Finding)
    assert (en.rule_id, en.severity, en.message, en.suggestion) == ("cta.missing", "warning", rule.message, rule.fix)
    assert (vi.message, vi.suggestion) == (rule.messages["vi"], rule.fixes["vi"])


def test_vietnamese_numbers_use_dots():
    fb = check_post("x" * 70_000, "facebook", lang="vi")
    (finding,) = [f for f in fb.findings if f.rule_id == "length.over_limit"]
    assert "70.000/63.206" in finding.message


def test_hashtag_and_link_findings_point_at_them():
    text = "Sign now #savethemekongdelta at https://example.org/p"
    fb = check_post(text, "x")
    spans = {f.rule_id: f.span for f in fb.findings}
    s, e = spans["hashtags.not_camel_case"]
    assert text[s:e] == "#savethemekongdelta"
    s, e = spans["link.untracked"]
    assert text[s:e] == "https://example.org/p"
    msg = [f.message for f in fb.findings if f.rule_id == "link.untracked"][0]
    assert "https://example.org/p" in msg


def test_hook_span_is_the_hidden_part():
    text = "Salt water reaches our fields every dry season and families buy water by the can. " * 3 + "Sign the petition."
    fb = check_post(text, "instagram")
    (finding,) = [f for f in fb.findings if f.rule_id == "length.hook_truncated"]
    assert finding.span[0] == 125 and finding.span[1] == len(text)
    assert "cta.missing" not in fb.rule_ids


def test_too_many_hashtags_span_covers_the_extra_ones():
    text = "Sign it #A1 #B2 #C3 #D4 #E5 #F6 #G7"
    (finding,) = [f for f in check_post(text, "instagram").findings if f.rule_id == "hashtags.too_many"]
    s, e = finding.span
    assert text[s:e] == "#F6 #G7"
    assert "7 hashtags" in finding.message


def test_control_char_finding_names_the_character():
    text = "Sign\u200b the petition"
    (finding,) = [f for f in check_post(text, "x").findings if f.rule_id == "text.control_chars"]
    assert finding.span == (4, 5)
    assert "U+200B ZERO WIDTH SPACE" in finding.message


def test_empty_post_gets_only_the_empty_finding():
    for text in ("", " ", "\n\n", "\u200b", "\x00\x01"):
        fb = check_post(text, "instagram")
        assert fb.rule_ids == ("text.empty",)
        assert fb.passed is False


def test_findings_per_item_are_capped():
    text = "Sign. " + " ".join(f"https://example.org/{i}" for i in range(50))
    fb = check_post(text, "x")
    assert fb.metrics["links"] == 50
    assert fb.rule_ids.count("link.untracked") == 10


# --- calls to action ---------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "Sign the petition", "Please share", "Join us", "Hãy ký kiến nghị", "👉 Sign here",
        "Our rivers are dying. Call your MP today!", "Will you share this?",
        "Today, write to the minister.", "Chia sẻ bài viết này!", "Ký ngay hôm nay.",
        "Mời bạn tham gia buổi đối thoại.", "Vote on Sunday.", "- Donate now", "SIGN THE PETITION",
        "Tham gia cùng chúng tôi", "Ha\u0303y ky\u0301 kiê\u0301n nghi\u0323",  # decomposed Vietnamese
        "Vui lòng gửi ý kiến cho chúng tôi.", "Help us reach 10,000 names.",
    ],
)
def test_call_to_action_found(text):
    assert has_cta(text)


@pytest.mark.parametrize(
    "text",
    [
        "We signed a deal", "the call was long", "Chúng tôi đã ký thỏa thuận", "Cuộc gọi kéo dài",
        "The vote was close.", "We share your concern about the river.", "Share prices fell.",
        "Support for farmers has grown.", "#SignThePetition", "Đồng bằng đang chìm dần.",
        "https://example.org/sign", "Our report on water quality is out.",
    ],
)
def test_mere_mention_is_not_a_call_to_action(text):
    assert not has_cta(text)


def test_other_languages_are_not_judged_for_a_call_to_action():
    fb = check_post("Потпишите петицију за чисту воду.", "x")
    assert "cta.missing" not in fb.rule_ids
    assert fb.metrics["has_cta"] is None


# --- bad input ---------------------------------------------------------------

@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["list"]])
def test_non_text_raises_naming_the_problem(bad):
    with pytest.raises(TypeError, match="text"):
        check_post(bad, "x")  # type: ignore[arg-type]


def test_unknown_platform_lists_the_valid_ones():
    with pytest.raises(ValueError) as info:
        check_post("hi", "myspace")
    for pid in PLATFORMS:
        assert pid in str(info.value)
    with pytest.raises(TypeError, match="platform"):
        check_post("hi", None)  # type: ignore[arg-type]
    assert check_post("Sign it", " X ").metrics["platform"] == "x"


def test_unknown_language_raises():
    with pytest.raises(ValueError, match="lang"):
        check_post("hi", "x", lang="fr")


def test_megabyte_paste_returns_over_limit():
    text = ("Salt water is reaching our rice fields, Việt Nam 👨‍👩‍👧 #Mekong @ngo https://example.org/x " * 12_000)[:1_000_000]
    for pid in PLATFORMS:
        fb = check_post(text, pid)
        assert "length.over_limit" in fb.rule_ids
        assert fb.metrics["length"] > fb.metrics["limit"]
        assert fb.metrics["length_exact"] is (pid not in ("x",) and not (pid == "bluesky"))


def test_html_is_reported_not_interpreted():
    text = "<img src=x onerror=alert(1)> Sign the petition"
    fb = check_post(text, "x")
    (finding,) = [f for f in fb.findings if f.rule_id == "text.html"]
    assert text[slice(*finding.span)] == "<img src=x onerror=alert(1)>"


# --- too long to check (issue #7, section 4) -----------------------------------

UNIT = "Sign for clean air. "  # 20 characters


def test_field_cap_keeps_one_field_well_under_a_megabyte_message():
    # The page uses MAX_FIELD_CHARS as each field's maxlength; one update must stay
    # well under the server's ~1 MB websocket cap even when every character is a
    # JSON-escaped control character (6 bytes) or 3-byte UTF-8.
    import json

    assert 6 * MAX_FIELD_CHARS < 1_000_000
    assert len(json.dumps("\x00" * MAX_FIELD_CHARS)) < 700_000
    assert len(json.dumps("\ud7ff" * MAX_FIELD_CHARS, ensure_ascii=False).encode("utf-8")) < 700_000
    # ... and above every platform's limit, so a post that fits is checked whole.
    assert MAX_FIELD_CHARS > max(p.limit for p in PLATFORMS.values())


def test_text_at_the_cap_is_checked_whole():
    text = UNIT * (MAX_FIELD_CHARS // len(UNIT))
    assert len(text) == MAX_FIELD_CHARS
    fb = check_post(text, "facebook")
    assert "text.too_long_to_check" not in fb.rule_ids
    assert fb.metrics["checked_chars"] == MAX_FIELD_CHARS


@pytest.mark.parametrize("extra", [1, 20, 900_000])
def test_text_over_the_cap_is_checked_on_its_first_characters_and_says_so(extra):
    text = (UNIT * (MAX_FIELD_CHARS // len(UNIT) + extra))[: MAX_FIELD_CHARS + extra]
    fb = check_post(text, "facebook")
    (finding,) = [f for f in fb.findings if f.rule_id == "text.too_long_to_check"]
    assert finding.message == "This text is too long to check; the first 100,000 characters were checked."
    assert finding.span == (MAX_FIELD_CHARS, len(text))
    assert "63,206" in finding.suggestion and "Facebook" in finding.suggestion
    assert fb.metrics["checked_chars"] == MAX_FIELD_CHARS
    # The length is still the whole text's, so "too long for Facebook" gives the true figure.
    assert fb.metrics["length"] == len(text)
    (over,) = [f for f in fb.findings if f.rule_id == "length.over_limit"]
    assert f"{len(text):,} of 63,206" in over.message
    assert over.span[1] == len(text)


def test_too_long_finding_in_vietnamese():
    text = "Hãy ký kiến nghị vì không khí sạch. " * 3000
    (finding,) = [f for f in check_post(text, "x", "vi").findings if f.rule_id == "text.too_long_to_check"]
    assert finding.message == "Văn bản này quá dài để kiểm tra hết; chỉ 100.000 ký tự đầu đã được kiểm tra."


def test_nothing_past_the_cap_is_read_by_the_checks(monkeypatch):
    seen: list[int] = []
    for name in ("find_parts", "find_html", "find_control_chars", "find_bidi_controls"):
        real = getattr(message_mod, name)
        monkeypatch.setattr(
            message_mod, name, lambda text, *a, _real=real, **k: (seen.append(len(text)), _real(text, *a, **k))[1]
        )
    tail = " <b>x</b> https://example.org/x \u202e\u200b #averylonghashtagindeed"
    fb = check_post("a" * MAX_FIELD_CHARS + tail, "facebook")
    assert seen and max(seen) == MAX_FIELD_CHARS
    assert fb.metrics["links"] == fb.metrics["hashtags"] == 0
    assert not {"text.html", "text.bidi_controls", "text.control_chars", "link.untracked"} & set(fb.rule_ids)
    # The same tail inside the cap is found.
    inside = check_post("a" * 100 + tail, "facebook")
    assert {"text.html", "text.bidi_controls", "text.control_chars", "link.untracked"} <= set(inside.rule_ids)


def test_visible_text_past_the_cap_is_not_empty():
    fb = check_post(" " * MAX_FIELD_CHARS + "Sign the petition.", "facebook")
    assert "text.empty" not in fb.rule_ids
    assert "text.too_long_to_check" in fb.rule_ids


def test_rule_summary_names_the_cap():
    assert f"{MAX_FIELD_CHARS:,}" in get_rule("text.too_long_to_check").summary
