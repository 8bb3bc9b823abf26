"""Check rules declared as data, and the Markdown table of all of them.

Each checker's rules live in ``data/<checker>_rules.json``: id, severity, a
one-line summary of when the rule fires (for trainers and docs/rules.md), and
should-pass / should-fail examples that the test suite runs through the
checker (an example may give ``"repeat": n`` to stand for its text written n
times).

What a learner reads lives in the text catalogue, one file per language
(``locales/<lang>.json``): ``rule.<id>.message`` and ``rule.<id>.fix``, with
{placeholders} filled from the measured values. A fix may have a version for
one platform, ``rule.<id>.fix.<platform id>``, where the general advice would
contradict that platform (an ask at the very start where only the first lines
show) or speak of another one. Every language must carry every rule's message
and fix: loading the rules fails otherwise, so adding a language is adding
files. ``advocacy-lab rules --markdown`` prints the table committed as
docs/rules.md.
"""
from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

from . import catalogue
from .feedback import SEVERITIES, Severity


def languages() -> tuple[str, ...]:
    """The languages rules are written in: those of the catalogue (one list for the course)."""
    return catalogue.languages()


LANGUAGES: tuple[str, ...] = languages()


@dataclass(frozen=True)
class Example:
    """A text that a rule must (or must not) flag on a given platform."""

    text: str
    platform: str
    lang: str = "en"
    note: str = ""


@dataclass(frozen=True)
class Rule:
    """One rule of one checker. Its sentences come from the catalogue:
    ``message_in(lang)`` and ``fix_in(lang, platform)``; ``message`` and ``fix``
    are the reference (English) ones."""

    id: str
    severity: Severity
    summary: str = ""
    checker: str = ""
    should_pass: tuple[Example, ...] = ()
    should_fail: tuple[Example, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity must be one of {', '.join(SEVERITIES)}")
        for lang in languages():
            missing = [k for k in (self.message_key, self.fix_key) if k not in catalogue.catalogue(lang)]
            if missing:
                raise ValueError(
                    f"rule {self.id}: locales/{lang}.json lacks {', '.join(missing)}"
                )

    @property
    def message_key(self) -> str:
        return f"rule.{self.id}.message"

    @property
    def fix_key(self) -> str:
        return f"rule.{self.id}.fix"

    @property
    def message(self) -> str:
        return self.message_in(catalogue.REFERENCE)

    @property
    def fix(self) -> str:
        return self.fix_in(catalogue.REFERENCE)

    def message_in(self, lang: str = catalogue.REFERENCE) -> str:
        return catalogue.text(self.message_key, lang)

    def fix_in(self, lang: str = catalogue.REFERENCE, platform: str | None = None) -> str:
        """The fix in ``lang``; the platform's own version when the catalogue has one."""
        if platform is not None:
            key = f"{self.fix_key}.{platform}"
            if key in catalogue.catalogue(catalogue.REFERENCE):
                return catalogue.text(key, lang)
        return catalogue.text(self.fix_key, lang)

    @property
    def messages(self) -> Mapping[str, str]:
        """The message in every language, by language code."""
        return MappingProxyType({lang: self.message_in(lang) for lang in languages()})

    @property
    def fixes(self) -> Mapping[str, str]:
        """The general fix in every language, by language code."""
        return MappingProxyType({lang: self.fix_in(lang) for lang in languages()})

    @property
    def platform_fixes(self) -> Mapping[str, Mapping[str, str]]:
        """Platform id -> {language: fix} for the platforms with their own version."""
        prefix = self.fix_key + "."
        platforms = sorted(
            k[len(prefix):] for k in catalogue.catalogue(catalogue.REFERENCE) if k.startswith(prefix)
        )
        return MappingProxyType(
            {p: MappingProxyType({lang: self.fix_in(lang, p) for lang in languages()}) for p in platforms}
        )

    @property
    def templates(self) -> tuple[str, ...]:
        """Every sentence of this rule in every language (message, fix, platform fixes)."""
        out = [*self.messages.values(), *self.fixes.values()]
        for by_lang in self.platform_fixes.values():
            out.extend(by_lang.values())
        return tuple(out)

    @property
    def placeholders(self) -> frozenset[str]:
        """Names used as {placeholders} in any message or fix template."""
        names = set()
        for template in self.templates:
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
                    summary=raw.get("summary", ""),
                    checker=checker,
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


def _reading_ease_markdown() -> list[str]:
    """The reading-ease bands as learners see them (words, never the score)."""
    from .readability import reading_scale

    scale = reading_scale()
    lines = [
        "## Reading ease",
        "",
        "Learners see the reading ease in words. The Flesch reading ease score (textstat) falls"
        f" in one of these bands; it is given for posts of {scale.min_words} words or more in"
        f" {', '.join(sorted(scale.measured_languages))} only (other languages: the feedback says"
        " it is not measured; see widgets/advocacy_lab/data/reading_ease.json for why, and the"
        f" source). `readability.hard` fires below {scale.hard_below:g}.",
        "",
        "| Score from | Level | " + " | ".join(catalogue.text("catalogue.language_name", lang) for lang in languages()) + " |",
        "|---|---|" + "---|" * len(languages()),
    ]
    for low, level in scale.bands:
        words = " | ".join(_cell(catalogue.text(f"reading.level.{level}", lang)) for lang in languages())
        lines.append(f"| {low:g} | `{level}` | {words} |")
    lines.append("")
    return lines


def rules_markdown() -> str:
    """The Markdown page listing every rule of every checker and the platform limits."""
    from .platforms import counting_methods, load_platforms

    others = [lang for lang in languages() if lang != catalogue.REFERENCE]
    lines = [
        "# Check rules",
        "",
        "<!-- Generated by `advocacy-lab rules --markdown > docs/rules.md`; do not edit by hand."
        " The rules live in widgets/advocacy_lab/data/*_rules.json; what learners read, in"
        " widgets/advocacy_lab/locales/<lang>.json (rule.<id>.message, rule.<id>.fix). -->",
        "",
        "Every check returns findings like a linter. Each finding names one of the rules below."
        " Severity: **error** means the post cannot go out as it is; **warning** means it will"
        " probably work less well; **tip** is a suggestion. Messages may contain {placeholders}"
        " that are filled with the measured values.",
        "",
        "Learners see, per platform, a verdict (**Ready** when nothing was found, **Ready, with"
        " suggestions** when there are only warnings or tips, **Not ready yet** when there is an"
        " error), then each finding's message and fix. Rule ids are not shown to learners; each"
        " finding carries its id in a `data-rule` attribute.",
        "",
    ]
    by_checker: dict[str, list[Rule]] = {}
    for rule in load_rules():
        by_checker.setdefault(rule.checker, []).append(rule)
    for checker, rules in by_checker.items():
        other_heads = "".join(
            f" | Fix ({catalogue.text('catalogue.language_name', lang)})" for lang in others
        )
        lines += [
            f"## `{checker}`",
            "",
            f"| Rule | Severity | When it fires | Message | Fix{other_heads} | Examples (pass / fail) |",
            "|---|---|---|---|---" + "|---" * len(others) + "|---|",
        ]
        for rule in rules:
            other_cells = "".join(f" | {_cell(rule.fix_in(lang))}" for lang in others)
            lines.append(
                f"| `{rule.id}` | {rule.severity} | {_cell(rule.summary)} | {_cell(rule.message)}"
                f" | {_cell(rule.fix)}{other_cells}"
                f" | {len(rule.should_pass)} / {len(rule.should_fail)} |"
            )
        lines.append("")
        specific = [(rule, platform, by_lang) for rule in rules for platform, by_lang in rule.platform_fixes.items()]
        if specific:
            lines += [
                "### Fixes for one platform",
                "",
                "Where the general fix would contradict a platform or speak of another one, the"
                " platform has its own (`rule.<id>.fix.<platform>` in the catalogue).",
                "",
            ]
            for rule, platform, by_lang in specific:
                said = "; ".join(f"{lang}: {_cell(by_lang[lang])}" for lang in languages())
                lines.append(f"- `{rule.id}` on `{platform}`: {said}")
            lines.append("")
    lines += _reading_ease_markdown()
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
