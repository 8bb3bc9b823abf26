"""build_tracking_link and link inspection."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from advocacy_lab.checks import build_tracking_link
from advocacy_lab.core.links import has_utm, is_shortened


def test_adds_the_three_utm_parameters():
    link = build_tracking_link("https://example.org/petition", "facebook", "social", "mekong-2026")
    assert isinstance(link, str)
    assert link == (
        "https://example.org/petition?utm_source=facebook&utm_medium=social&utm_campaign=mekong-2026"
    )


def test_keeps_existing_query_and_fragment_verbatim():
    link = build_tracking_link("https://example.org/p?lang=vi&q=a+b#sign", "x", "social", "mekong")
    parts = urlsplit(link)
    assert parts.fragment == "sign"
    assert parts.query.startswith("lang=vi&q=a+b&")
    assert parse_qs(parts.query)["utm_campaign"] == ["mekong"]


def test_replaces_existing_utm_values():
    link = build_tracking_link(
        "https://example.org/?utm_source=old&id=7&UTM_CAMPAIGN=old", "x", "social", "new"
    )
    query = parse_qs(urlsplit(link).query)
    assert query["utm_source"] == ["x"]
    assert query["utm_campaign"] == ["new"]
    assert "UTM_CAMPAIGN" not in query
    assert query["id"] == ["7"]


def test_percent_encodes_values():
    link = build_tracking_link("https://example.org/", "bản tin", "e-mail & social", "nước/2026?")
    query = urlsplit(link).query
    assert " " not in query and "&social" not in query
    assert "utm_source=b%E1%BA%A3n%20tin" in query
    parsed = parse_qs(query)
    assert parsed["utm_medium"] == ["e-mail & social"]
    assert parsed["utm_campaign"] == ["nước/2026?"]


def test_keeps_port_and_path_and_adds_slash_to_bare_host():
    assert build_tracking_link("http://example.org:8080/a/b", "s", "m", "c").startswith(
        "http://example.org:8080/a/b?utm_source=s"
    )
    assert build_tracking_link("https://example.org", "s", "m", "c").startswith(
        "https://example.org/?utm_source=s"
    )


def test_strips_surrounding_spaces():
    assert build_tracking_link("  https://example.org/x  ", " s ", "m", "c") == (
        "https://example.org/x?utm_source=s&utm_medium=m&utm_campaign=c"
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("example.org/petition", "no scheme"),
        ("ftp://example.org/file", "https://"),
        ("javascript:alert(1)", "https://"),
        ("mailto:someone@example.org", "https://"),
        ("https://", "no website"),
        ("https:///path", "no website"),
        ("https://localhost/x", "no website"),
        ("https://exa mple.org/x", "spaces"),
        ("https://example.org:99999/", "malformed"),
        ("https://[::1/", "malformed"),
    ],
)
def test_malformed_url_raises_clear_value_error(url, words):
    with pytest.raises(ValueError, match=words):
        build_tracking_link(url, "facebook", "social", "mekong")


@pytest.mark.parametrize("part", ["source", "medium", "campaign"])
@pytest.mark.parametrize("value", ["", "   "])
def test_empty_part_raises_naming_it(part, value):
    parts = {"source": "facebook", "medium": "social", "campaign": "mekong", part: value}
    with pytest.raises(ValueError, match=part):
        build_tracking_link("https://example.org/", **parts)


def test_non_text_raises_type_error():
    with pytest.raises(TypeError, match="url"):
        build_tracking_link(None, "s", "m", "c")
    with pytest.raises(TypeError, match="campaign"):
        build_tracking_link("https://example.org/", "s", "m", 2026)


def test_has_utm_and_is_shortened():
    assert has_utm("https://example.org/?utm_source=x")
    assert has_utm("example.org/?UTM_Medium=social")
    assert not has_utm("https://example.org/?source=x")
    assert is_shortened("https://bit.ly/abc")
    assert is_shortened("www.tinyurl.com/abc")
    assert not is_shortened("https://example.org/bit.ly")
    assert not has_utm("https://[::1/?utm_source=x")  # malformed: no crash
