"""Check rules declared as data, and the Markdown table of all of them.

Each checker's rules live in ``data/<checker>_rules.json``: id, severity,
message and plain-language fix (English and Vietnamese), a one-line summary of
when the rule fires, and should-pass / should-fail examples that the test suite
runs through the checker (an example may give ``"repeat": n`` to stand for its
text written n times). ``advocacy-lab rules --markdown`` prints the table
that is committed as docs/rules.md.
"""
from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

from .feedback import SEVERITIES, Severity

LANGUAGES = ("en", "vi")


@dataclass(frozen=True)
class Example:
    """A text that a rule must (or must not) flag on a given platform."""

    text: str
    platform: str
    lang: str = "en"
    note: str = ""


@dataclass(frozen=True)
class Rule:
    """One rule of one checker. ``message`` and ``fix`` are English; the
    ``messages`` / ``fixes`` mappings hold every language ("en", "vi")."""

    id: str
    severity: Severity
    message: str
    fix: str
    summary: str = ""
    checker: str = ""
    messages: Mapping[str, str] = field(default_factory=dict)
    fixes: Mapping[str, str] = field(default_factory=dict)
    should_pass: tuple[Example, ...] = ()
    should_fail: tuple[Example, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity must be one of {', '.join(SEVERITIES)}")
        for lang in LANGUAGES:
            if not self.messages.get(lang) or not self.fixes.get(lang):
                raise ValueError(f"rule {self.id}: message and fix are needed in {lang!r}")
        object.__setattr__(self, "messages", MappingProxyType(dict(self.messages)))
        object.__setattr__(self, "fixes", MappingProxyType(dict(self.fixes)))

    def message_in(self, lang: str = "en") -> str:
        return self.messages.get(lang) or self.message

    def fix_in(self, lang: str = "en") -> str:
        return self.fixes.get(lang) or self.fix

    @property
    def placeholders(self) -> frozenset[str]:
        """Names used as {placeholders} in any message or fix template."""
        names = set()
        for template in (*self.messages.values(), *self.fixes.values()):
            names.update(n for _, n, _, _ in string.Formatter().parse(template) if n)
        return frozenset(names)


def _examples(entries: list[dict]) -> tuple[Example, ...]:
    """Examples as declared; ``"repeat": n`` stands for the text written n times
    (so a 100,000-character example need not be spelled out in the data file)."""
    examples = []
    for entry in entries:
        entry = dict(entry)
        repeat = entry.pop("repeat", 1)
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            raise ValueError(f"example repeat must be a whole number of at least 1, not {repeat!r}")
        examples.append(Example(**{**entry, "text": entry["text"] * repeat}))
    return tuple(examples)


def _rule_files() -> list:
    data = resources.files("advocacy_lab").joinpath("data")
    return sorted(
        (entry for entry in data.iterdir() if entry.name.endswith("_rules.json")),
        key=lambda entry: entry.name,
    )


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    """Every rule of every checker, in data-file order."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for entry in _rule_files():
        data = json.loads(entry.read_text(encoding="utf-8"))
        checker = data["checker"]
        for raw in data["rules"]:
            if raw["id"] in seen:
                raise ValueError(f"rule id {raw['id']!r} is declared twice")
            seen.add(raw["id"])
            rules.append(
                Rule(
                    id=raw["id"],
                    severity=raw["severity"],
                    message=raw["message"]["en"],
                    fix=raw["fix"]["en"],
                    summary=raw.get("summary", ""),
                    checker=checker,
                    messages=raw["message"],
                    fixes=raw["fix"],
                    should_pass=_examples(raw.get("examples", {}).get("pass", [])),
                    should_fail=_examples(raw.get("examples", {}).get("fail", [])),
                )
            )
    return tuple(rules)


@lru_cache(maxsize=1)
def rules_by_id() -> Mapping[str, Rule]:
    return MappingProxyType({rule.id: rule for rule in load_rules()})


def get_rule(rule_id: str) -> Rule:
    try:
        return rules_by_id()[rule_id]
    except KeyError:
        raise ValueError(f"unknown rule id {rule_id!r}") from None


def _cell(text: object) -> str:
    """Text made safe for one Markdown table cell."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace("\r", " ")
        .replace("\n", " ")
        .strip()
    )


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def rules_markdown() -> str:
    """The Markdown page listing every rule of every checker and the platform limits."""
    from .platforms import counting_methods, load_platforms

    lines = [
        "# Check rules",
        "",
        "<!-- Generated by `advocacy-lab rules --markdown > docs/rules.md`; do not edit by hand."
        " The rules live in widgets/advocacy_lab/data/*_rules.json. -->",
        "",
        "Every check returns findings like a linter. Each finding names one of the rules below."
        " Severity: **error** means the post cannot go out as it is; **warning** means it will"
        " probably work less well; **tip** is a suggestion. Messages may contain {placeholders}"
        " that are filled with the measured values.",
        "",
    ]
    by_checker: dict[str, list[Rule]] = {}
    for rule in load_rules():
        by_checker.setdefault(rule.checker, []).append(rule)
    for checker, rules in by_checker.items():
        lines += [
            f"## `{checker}`",
            "",
            "| Rule | Severity | When it fires | Message | Fix | Cách sửa (tiếng Việt) | Examples (pass / fail) |",
            "|---|---|---|---|---|---|---|",
        ]
        for rule in rules:
            lines.append(
                f"| `{rule.id}` | {rule.severity} | {_cell(rule.summary)} | {_cell(rule.message)}"
                f" | {_cell(rule.fix)} | {_cell(rule.fix_in('vi'))}"
                f" | {len(rule.should_pass)} / {len(rule.should_fail)} |"
            )
        lines.append("")
    lines += [
        "## Platforms and limits",
        "",
        "| Platform | Limit | Counted as | Visible before “more” | Max hashtags | Max mentions"
        " | Max links | Links clickable | Source | Date | Note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in load_platforms().values():
        lines.append(
            f"| {_cell(p.name)} (`{p.id}`) | {_number(p.limit)} | {p.counting}"
            f" | {_number(p.preview_chars)} | {_number(p.max_hashtags)} | {_number(p.max_mentions)}"
            f" | {_number(p.max_links)} | {'yes' if p.links_clickable else 'no'}"
            f" | {_cell(p.source)} | {p.source_date} | {_cell(p.note)} |"
        )
    lines += ["", "### How each platform counts", ""]
    for method, description in counting_methods().items():
        lines.append(f"- **{method}**: {_cell(description)}")
    lines.append("")
    return "\n".join(lines)
