#!/usr/bin/env python3
"""Make module 03's three case-study campaigns (ILLUSTRATIVE data, not real campaigns).

    python scripts/case_studies.py            # rewrite the committed files
    python scripts/case_studies.py --check    # exit 1 if the committed files are stale

Each case is a CSV with the columns of a Facebook Page Insights post export
(as in the UCI "Facebook metrics" export), plus Link clicks, Amount spent,
Publish time, Post message, Platform, Campaign phase, Organisation, Language
and Format, in widgets/advocacy_lab/modules/campaign_data/case_studies/.
The kinds of campaign are those met in the trainings; the organisations,
accounts, people and numbers are invented. Deterministic: only
random.Random(seed).random() is drawn (its stream is the same on every
Python the course supports), every other draw is derived from it here, and
numbers are rounded before they are written. tests/modules/campaign_data
regenerates the files and fails when the committed ones differ.

Weekday is 1 = Monday ... 7 = Sunday (ISO); Post Hour is local time, 0-23.
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "widgets" / "advocacy_lab" / "modules" / "campaign_data" / "case_studies"

HEADER = [
    "Publish time", "Platform", "Organisation", "Language", "Campaign phase", "Format", "Type", "Paid",
    "Page total likes", "Post Month", "Post Weekday", "Post Hour", "Lifetime Post Total Reach",
    "Lifetime Post Total Impressions", "Lifetime Engaged Users", "comment", "like", "share",
    "Total Interactions", "Link clicks", "Amount spent (USD)", "Post message",
]
#: Page Insights' post types for each format.
POST_TYPE = {"image": "Photo", "infographic": "Photo", "short video": "Video", "live": "Video", "link": "Link", "text": "Status"}


class Draws:
    """Every random number of a case, from random.Random(seed).random() only."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._random.random()

    def normal(self) -> float:  # Box-Muller, from two uniforms
        u1 = max(self._random.random(), 1e-12)
        u2 = self._random.random()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def lognormal(self, sigma: float) -> float:
        return math.exp(sigma * self.normal())

    def pick(self, options, weights=None):
        weights = weights or [1] * len(options)
        point = self._random.random() * sum(weights)
        for option, weight in zip(options, weights):
            point -= weight
            if point < 0:
                return option
        return options[-1]

    def chance(self, p: float) -> bool:
        return self._random.random() < p


@dataclass(frozen=True)
class Account:
    platform: str
    organisation: str
    language: str
    followers: int
    growth: float  # followers gained per day


#: Per format: share of followers reached, interactions per person reached, shares among them.
FORMAT_PROFILE = {
    "image": (0.09, 0.045, 0.10),
    "infographic": (0.10, 0.050, 0.22),
    "short video": (0.14, 0.060, 0.16),
    "live": (0.07, 0.080, 0.05),
    "link": (0.06, 0.015, 0.12),
    "text": (0.05, 0.030, 0.06),
}
#: Reach by platform, relative to Facebook's (organic reach differs by platform).
PLATFORM_REACH = {"Facebook": 1.0, "X": 0.6, "Instagram": 1.2, "YouTube": 0.8, "TikTok": 2.0, "Zalo": 0.9}
HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 1, 3, 4, 3, 2, 2, 3, 2, 1, 1, 2, 2, 3, 4, 5, 4, 2, 1]


def hour_lift(hour: int) -> float:
    # Evenings and early mornings reach more people in these illustrative audiences.
    return {7: 1.15, 8: 1.2, 12: 1.1, 19: 1.25, 20: 1.35, 21: 1.3}.get(hour, 1.0)


def post_row(draws: Draws, when: datetime, account: Account, phase: str, fmt: str, *, paid: bool = False,
             lift: float = 1.0, share_lift: float = 1.0, message: str = "", day: int = 0) -> list:
    followers = int(account.followers + account.growth * day)
    reach_rate, interaction_rate, share_rate = FORMAT_PROFILE[fmt]
    reach = followers * reach_rate * PLATFORM_REACH[account.platform] * hour_lift(when.hour) * lift * draws.lognormal(0.35)
    spend = 0.0
    if paid:
        spend = round(draws.uniform(20, 120), 2)
        reach += spend * draws.uniform(90, 160)  # about 100-160 people per dollar in these markets
    reach = max(int(reach), 20)
    impressions = int(reach * draws.uniform(1.15, 1.75))
    interactions_target = reach * interaction_rate * draws.lognormal(0.3) * (0.8 if paid else 1.0)
    shares = int(interactions_target * share_rate * share_lift * draws.lognormal(0.25))
    comments = int(interactions_target * draws.uniform(0.04, 0.12))
    likes = max(int(interactions_target) - shares - comments, 0)
    clicks = int(reach * (draws.uniform(0.012, 0.03) if fmt == "link" else draws.uniform(0.001, 0.006)))
    interactions = likes + comments + shares
    engaged = min(reach, int(interactions * draws.uniform(0.75, 0.9) + clicks * 0.8))
    return [
        when.strftime("%Y-%m-%dT%H:%M"), account.platform, account.organisation, account.language, phase, fmt,
        POST_TYPE[fmt], int(paid), followers, when.month, when.isoweekday(), when.hour, reach, impressions, engaged,
        comments, likes, shares, interactions, clicks, f"{spend:.2f}", message,
    ]


def at_hour(draws: Draws, day: date) -> datetime:
    hour = draws.pick(list(range(24)), HOUR_WEIGHTS)
    return datetime(day.year, day.month, day.day, hour, int(draws.uniform(0, 60)))


def fair_trade(draws: Draws) -> list[list]:
    """A European fair-trade coalition: six member NGOs each run the shared Facebook and X
    accounts for a month; two campaign heads post throughout; a photo competition on the
    campaign website in months 4-5 brings image posts and link clicks."""
    members = ["Fair Coffee Network", "Clean Clothes Alliance", "Cocoa Justice", "Tea Pickers' Voice", "Banana Link Group", "Fair Towns Europe"]
    start = date(2025, 1, 1)
    rows = []
    for day in range(181):  # January to June: one member a month
        today = start + timedelta(days=day)
        member = members[today.month - 1]
        phase = "photo competition" if today.month in (4, 5) else ("launch" if day < 14 else "member months")
        for platform, followers, growth in (("Facebook", 24000, 9.0), ("X", 11000, 4.0)):
            if not draws.chance(0.55 if platform == "Facebook" else 0.75):
                continue
            account = Account(platform, member, "en", followers, growth)
            if phase == "photo competition":
                fmt = draws.pick(["image", "link", "short video", "text"], [5, 3, 1, 1])
                lift = 1.3
            else:
                fmt = draws.pick(["image", "link", "short video", "infographic", "text"], [3, 3, 1, 2, 2])
                lift = 1.0
            rows.append(post_row(draws, at_hour(draws, today), account, phase, fmt, lift=lift, day=day,
                                 paid=draws.chance(0.08), message=f"{member}: fair prices for the people who grow our food"))
        if draws.chance(0.12):  # the two campaign heads
            head = draws.pick(["Campaign head: Anna", "Campaign head: Tomas"])
            account = Account("X", head, "en", 6000, 3.0)
            rows.append(post_row(draws, at_hour(draws, today), account, phase, draws.pick(["text", "short video"]),
                                 lift=1.6, day=day, message="Why we campaign for fair trade"))
    return rows


def ministry(draws: Draws) -> list[list]:
    """A ministry's external-information ecosystem: seven accounts on several platforms in
    Vietnamese and English, pushing images, short clips and infographics; diplomats (KOLs)
    share the campaign's content to their own followers."""
    accounts = [
        Account("Facebook", "Ministry (Vietnamese page)", "vi", 180000, 40.0),
        Account("Facebook", "Ministry (English page)", "en", 45000, 12.0),
        Account("X", "Ministry spokesperson", "en", 38000, 10.0),
        Account("YouTube", "Ministry channel", "vi", 52000, 15.0),
        Account("Instagram", "Ministry (Instagram)", "en", 21000, 9.0),
        Account("TikTok", "Ministry (TikTok)", "vi", 64000, 60.0),
        Account("Zalo", "Ministry (Zalo official account)", "vi", 90000, 20.0),
    ]
    kols = [Account("X", "Ambassador (KOL)", "en", 95000, 5.0), Account("Facebook", "Consul general (KOL)", "vi", 40000, 3.0)]
    formats = {"Facebook": ["image", "infographic", "short video", "link"], "X": ["image", "infographic", "text", "link"],
               "YouTube": ["short video", "live"], "Instagram": ["image", "short video", "infographic"],
               "TikTok": ["short video"], "Zalo": ["image", "link", "infographic"]}
    start = date(2025, 3, 3)
    rows = []
    for day in range(120):
        today = start + timedelta(days=day)
        phase = "national day" if 60 <= day < 67 else "regular"
        for account in accounts:
            if not draws.chance(0.5):
                continue
            fmt = draws.pick(formats[account.platform])
            rows.append(post_row(draws, at_hour(draws, today), account, phase, fmt, day=day, lift=1.5 if phase == "national day" else 1.0,
                                 paid=draws.chance(0.05), message="Vietnam and its partners: news in pictures"))
        for kol in kols:
            if draws.chance(0.15 if phase == "regular" else 0.8):
                rows.append(post_row(draws, at_hour(draws, today), kol, phase, draws.pick(["image", "short video"]), day=day,
                                     lift=2.2, share_lift=1.8, message="Shared from the ministry's campaign"))
    return rows


def budget_transparency(draws: Draws) -> list[list]:
    """A national coalition pushing for an open district budget: a press conference (day 25)
    and a public hearing (day 52) leave a mark; a citizen's short video on day 38 goes viral
    and its shares cascade for a few days."""
    accounts = [Account("Facebook", "Open Budget Coalition", "vi", 30000, 25.0), Account("Facebook", "Member: Water Watch", "vi", 9000, 6.0),
                Account("Facebook", "Member: Forest Friends", "vi", 12000, 6.0), Account("X", "Open Budget Coalition", "en", 4000, 2.0)]
    start = date(2025, 8, 4)
    rows = []
    events = {25: ("press conference", 2.5), 52: ("public hearing", 2.2)}
    for day in range(75):
        today = start + timedelta(days=day)
        if day < 25:
            phase = "build-up"
        elif day < 38:
            phase = "press conference"
        elif day < 45:
            phase = "viral peak"
        elif day < 52:
            phase = "follow-up"
        else:
            phase = "public hearing"
        event_today = any(0 <= day - d < 2 for d in events)
        for account in accounts:
            if not event_today and not draws.chance(0.5):  # on an event's days every account posts
                continue
            lift, share_lift, fmt = 1.0, 1.0, draws.pick(["image", "infographic", "link", "text", "short video"], [3, 3, 2, 1, 1])
            for event_day, (_, boost) in events.items():
                if 0 <= day - event_day < 2:  # the event day and the day after
                    lift, fmt = boost, draws.pick(["live", "image", "short video"])
            if 38 <= day < 45:  # the cascade: each day after the peak, a little less
                decay = 0.55 ** (day - 38)
                lift, share_lift = 1 + 6 * decay, 1 + 9 * decay
                fmt = draws.pick(["short video", "image"], [3, 1])
            rows.append(post_row(draws, at_hour(draws, today), account, phase, fmt, day=day, lift=lift, share_lift=share_lift,
                                 paid=draws.chance(0.06), message="Công khai ngân sách huyện: người dân có quyền được biết"))
        if day in events:  # the event itself, streamed live by the coalition
            rows.append(post_row(draws, datetime(today.year, today.month, today.day, 9, 30), accounts[0], phase, "live",
                                 day=day, lift=events[day][1] * 1.5, message="Trực tiếp: " + events[day][0]))
        if day == 38:  # the citizen's video, shared by the coalition
            rows.append(post_row(draws, datetime(today.year, today.month, today.day, 20, 5), accounts[0], phase, "short video",
                                 day=day, lift=18.0, share_lift=14.0, message="Video: một buổi sáng ở trạm y tế xã"))
    return rows


CASES = {"fair-trade-coalition": (fair_trade, 2025_01), "ministry-ecosystem": (ministry, 2025_03), "budget-transparency": (budget_transparency, 2025_08)}


def render(case: str) -> bytes:
    make, seed = CASES[case]
    rows = sorted(make(Draws(seed)), key=lambda row: (row[0], row[1], row[2]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files differ from what this makes")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    stale = []
    for case in CASES:
        path = args.out / f"{case}.csv"
        content = render(case)
        if args.check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(path.name)
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    if stale:
        print("stale case studies (run python scripts/case_studies.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
