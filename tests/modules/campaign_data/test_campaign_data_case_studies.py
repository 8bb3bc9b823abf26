"""Module 03's case studies: what scripts/case_studies.py makes, labelled illustrative, and
showing what each case is meant to teach."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from advocacy_lab.analysis import rates_by
from advocacy_lab.core import catalogue
from advocacy_lab.modules.campaign_data import CASES, load_case
from advocacy_lab.modules.campaign_data.cases import FOLDER

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "case_studies.py"


def test_the_committed_case_studies_are_what_the_script_makes(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, timeout=120)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(Path(c.file).name for c in CASES.values())
    for case in CASES.values():
        assert (FOLDER / case.file).read_bytes() == (tmp_path / Path(case.file).name).read_bytes(), (
            f"{case.file} is stale: run python scripts/case_studies.py"
        )


def test_the_check_mode_fails_on_a_stale_file(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, timeout=120)
    ok = subprocess.run([sys.executable, str(SCRIPT), "--check", "--out", str(tmp_path)], capture_output=True, text=True)
    assert ok.returncode == 0
    stale = tmp_path / "budget-transparency.csv"
    stale.write_bytes(stale.read_bytes().replace(b"\n", b"\n ", 1))
    result = subprocess.run([sys.executable, str(SCRIPT), "--check", "--out", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1 and "budget-transparency.csv" in result.stderr


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_each_case_is_labelled_illustrative_and_has_the_export_columns(case_id):
    case = CASES[case_id]
    assert case.illustrative
    for lang in catalogue.languages():
        for part in ("title", "summary"):
            assert catalogue.text(f"campaign_data.case.{case_id}.{part}", lang)
        assert catalogue.text("campaign_data.illustrative", lang)
    table = load_case(case_id)
    assert table.attrs["notes"] == ()  # nothing set aside: the data is whole
    expected = {"reach", "impressions", "engaged_users", "likes", "comments", "shares", "interactions", "post_type",
                "paid", "month", "weekday", "hour", "page_likes", "clicks", "spend", "platform", "phase",
                "organisation", "language", "format", "posted"}
    assert expected <= set(table.columns)
    assert table["posted"].min()[:10] >= case.first_day and table["posted"].max()[:10] <= case.last_day
    assert (table["interactions"] == table["likes"] + table["comments"] + table["shares"]).all()
    assert (table["reach"] <= table["impressions"]).all() and (table["engaged_users"] <= table["reach"]).all()
    assert table["weekday"].between(1, 7).all() and table["hour"].between(0, 23).all()


def test_a_loaded_case_is_a_copy():
    first = load_case("budget-transparency")
    first.loc[0, "reach"] = -1
    assert load_case("budget-transparency").loc[0, "reach"] != -1
    with pytest.raises(ValueError, match="fair-trade-coalition"):
        load_case("nope")


def test_fair_trade_members_take_turns_and_two_heads_post_throughout():
    table = load_case("fair-trade-coalition")
    shared = table[~table["organisation"].str.startswith("Campaign head")]
    # One member per month on the shared accounts.
    assert (shared.groupby("month")["organisation"].nunique() == 1).all()
    assert shared["organisation"].nunique() == 6
    assert set(table["platform"]) == {"Facebook", "X"}
    assert table.loc[table["organisation"].str.startswith("Campaign head"), "organisation"].nunique() == 2
    assert "photo competition" in set(table["phase"])


def test_the_ministry_runs_seven_accounts_in_two_languages_with_diplomats_as_influencers():
    table = load_case("ministry-ecosystem")
    own = table[~table["organisation"].str.contains("KOL")]
    assert own["organisation"].nunique() == 7 and own["platform"].nunique() >= 5
    assert set(table["language"]) == {"vi", "en"}
    assert {"image", "short video", "infographic"} <= set(table["format"])
    kol = rates_by(table.assign(kol=table["organisation"].str.contains("KOL")), "virality", "kol")
    by = {row.group: row.value for row in kol.rows}
    assert by[True] > by[False]  # the diplomats' posts are shared more


def test_the_budget_campaign_has_a_viral_peak_and_its_events_show():
    table = load_case("budget-transparency")
    virality = {row.group: row.value for row in rates_by(table, "virality", "phase").rows}
    assert max(virality, key=virality.get) == "viral peak"
    daily = table.assign(day=table["posted"].str[:10]).groupby("day")["reach"].sum()
    usual = daily.drop(daily.loc["2025-09-11":"2025-09-17"].index).median()
    for event_day in ("2025-08-29", "2025-09-25"):  # the press conference and the hearing
        assert daily[event_day] > 2 * usual, (event_day, daily[event_day], usual)
    # The cascade: the shares of the days after the peak fall day by day.
    shares = table.assign(day=table["posted"].str[:10]).groupby("day")["shares"].sum()
    cascade = shares.loc["2025-09-11":"2025-09-15"].tolist()
    assert cascade == sorted(cascade, reverse=True)
