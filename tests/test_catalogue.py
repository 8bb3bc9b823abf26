"""The text catalogue: every language has every key, with the same placeholders."""
from __future__ import annotations

import json

import pytest

from advocacy_lab.core import catalogue as cat


def test_english_is_the_reference_and_vietnamese_is_there():
    assert cat.languages()[0] == "en"
    assert "vi" in cat.languages()


@pytest.mark.parametrize("lang", [code for code in cat.languages() if code != cat.REFERENCE])
def test_every_language_has_every_key_with_the_same_placeholders(lang):
    reference = cat.catalogue(cat.REFERENCE)
    other = cat.catalogue(lang)
    assert sorted(set(reference) - set(other)) == [], f"{lang} lacks these keys"
    assert sorted(set(other) - set(reference)) == [], f"{lang} has keys English lacks"
    for key, sentence in reference.items():
        assert cat.placeholders(other[key]) == cat.placeholders(sentence), key
        assert other[key].strip(), f"{lang}: {key} is empty"


def test_catalogue_files_are_plain_json_objects_of_strings():
    for lang in cat.languages():
        data = json.loads((cat.LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))
        assert all(isinstance(v, str) for v in data.values())


def test_text_fills_placeholders_and_rejects_unknown_languages():
    assert cat.text("catalogue.language_name", "vi") == "Tiếng Việt"
    with pytest.raises(ValueError, match="lang must be one of"):
        cat.text("catalogue.language_name", "xx")
    with pytest.raises(KeyError):
        cat.text("no.such.key")
