"""Every rule is data with examples; every example is run through the checker."""
from __future__ import annotations

import string
from pathlib import Path

import pytest

from advocacy_lab.checks import PLATFORMS, RULES, SEVERITIES, check_post, rules_markdown
from advocacy_lab.core.rules import LANGUAGES, Rule

REQUIRED = {
    "text.empty": "error",
    "length.over_limit": "error",
    "length.hook_truncated": None,
    "cta.missing": None,
    "hashtags.too_many": None,
    "hashtags.not_camel_case": None,
    "link.untracked": None,
    "text.all_caps": None,
    "readability.hard": None,
}
# Values check_post can put into message templates.
KNOWN_PLACEHOLDERS = {
    "platform", "platform_name", "counting", "length", "limit", "remaining", "preview_chars",
    "hashtags", "mentions", "links", "words", "language", "reading_ease", "over",
    "max_hashtags", "max_mentions", "max_links", "hashtag", "url", "count", "char", "tag",
    "length_exact", "has_cta", "checked_chars",
}
POST_RULES = [r for r in RULES if r.checker == "check_post"]


def _cases(kind: str):
    for rule in POST_RULES:
        examples = rule.should_fail if kind == "fail" else rule.should_pass
        for i, ex in enumerate(examples):
            yield pytest.param(rule, ex, id=f"{rule.id}-{kind}-{i}")


def test_required_rules_exist_with_their_severity():
    by_id = {r.id: r for r in RULES}
    for rule_id, severity in REQUIRED.items():
        assert rule_id in by_id, rule_id
        if severity:
            assert by_id[rule_id].severity == severity


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_complete(rule: Rule):
    """The meta-test: a rule without examples, fix or translation fails here."""
    assert rule.severity in SEVERITIES
    assert rule.summary.strip()
    assert rule.should_pass, f"{rule.id} has no should-pass example"
    assert rule.should_fail, f"{rule.id} has no should-fail example"
    for lang in LANGUAGES:
        assert rule.message_in(lang).strip() and rule.fix_in(lang).strip()
    assert rule.messages["vi"] != rule.messages["en"]
    assert rule.placeholders <= KNOWN_PLACEHOLDERS, rule.placeholders - KNOWN_PLACEHOLDERS
    for ex in (*rule.should_pass, *rule.should_fail):
        assert ex.platform in PLATFORMS and ex.lang in LANGUAGES


def test_rule_ids_are_unique_and_dotted():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(len(i.split(".")) == 2 and i == i.lower() for i in ids)


@pytest.mark.parametrize(("rule", "example"), list(_cases("fail")))
def test_should_fail_example_fires(rule, example):
    feedback = check_post(example.text, example.platform, example.lang)
    assert rule.id in feedback.rule_ids, (example.note, feedback.rule_ids)
    for finding in feedback.findings:
        if finding.rule_id == rule.id:
            assert finding.severity == rule.severity
            assert finding.suggestion, "every finding carries its fix"
            assert "{" not in finding.message and "{" not in finding.suggestion
            if finding.span is not None:
                start, end = finding.span
                assert 0 <= start <= end <= len(example.text)
    if rule.severity == "error":
        assert not feedback.passed


@pytest.mark.parametrize(("rule", "example"), list(_cases("pass")))
def test_should_pass_example_does_not_fire(rule, example):
    feedback = check_post(example.text, example.platform, example.lang)
    assert rule.id not in feedback.rule_ids, (example.note, feedback.findings)


def test_docs_rules_table_is_generated(repo_root: Path):
    expected = rules_markdown()
    actual = (repo_root / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "regenerate: .venv/bin/advocacy-lab rules --markdown > docs/rules.md"


def test_markdown_lists_every_rule_and_platform():
    text = rules_markdown()
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.severity} |" in text
    for p in PLATFORMS.values():
        assert f"(`{p.id}`) | {p.limit:,} |" in text
    # One table row per line: no raw newline or pipe leaks out of a cell.
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(RULES)
    header_cells = text.splitlines()[[i for i, l in enumerate(text.splitlines()) if l.startswith("| Rule")][0]].count(" | ")
    for row in rows:
        assert row.replace("\\|", "").count(" | ") == header_cells


def test_message_templates_format_with_every_known_value():
    values = {name: 1 for name in KNOWN_PLACEHOLDERS}
    for rule in RULES:
        for lang in LANGUAGES:
            formatted = rule.message_in(lang).format_map(values) + rule.fix_in(lang).format_map(values)
            assert "{" not in formatted
            assert all(name in KNOWN_PLACEHOLDERS for _, name, _, _ in string.Formatter().parse(rule.message_in(lang)) if name)
