"""The merged province's back series built from the two old provinces, by the catalogue's rule.

Every figure here is a synthetic test number; the expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from bnkpi_utils import harmonise
from bnkpi_utils import targets as tg

from conftest import RAW

SRC_BN, SRC_BG = "Báo cáo thử BN", "Báo cáo thử BG"


def fact(indicator, region, year, value, unit="Dự án", kind="actual", territory="old", source=None):
    return dict(indicator=indicator, region=region, year=year, value=float(value), unit=unit, kind=kind,
                territory=territory, source=source or (SRC_BN if region == "Bắc Ninh" else SRC_BG),
                vintage="report", origin="report", report_period="2026-Q4", n_vintages=1, alternatives="")


def weights(indicator, values: dict[tuple[str, int], float], unit="persons"):
    return pd.DataFrame([dict(region=r, year_start=y, year_end=y, indicator=indicator, value=v, unit=unit,
                              source=f"Niên giám thử {r}", territory="old") for (r, y), v in values.items()])


def test_every_indicator_of_the_targets_has_a_rule_and_every_rule_is_complete():
    with open(RAW / "targets.csv", encoding="utf-8-sig") as handle:
        indicators = {row["indicator"] for row in csv.DictReader(handle)}
    rules = harmonise.load_rules()
    assert indicators <= set(rules.index), sorted(indicators - set(rules.index))
    assert set(rules["rule"]) == set(harmonise.RULES)
    # ranks and published composite indices are never combined
    for indicator in rules.index:
        if indicator.endswith("_rank") or indicator in ("dti_score", "pii_score", "hdi", "epi_score"):
            assert rules.loc[indicator, "rule"] == "none", indicator
    assert rules.loc["admin_dossiers_online_pct", "numerator"] == "admin_dossiers_online_count"
    assert rules.loc["coverage_5g_pct", "weight"] == "population_avg"


def test_a_broken_catalogue_is_refused(tmp_path):
    bad = tmp_path / "rules.csv"
    bad.write_text(",".join(harmonise.RULE_COLUMNS) + "\nx,average,,,,,,,,,yes,,\n", encoding="utf-8")
    with pytest.raises(harmonise.RuleError, match="rule must be one of"):
        harmonise.load_rules(bad)
    bad.write_text(",".join(harmonise.RULE_COLUMNS) + "\nx_pct,ratio,,x_n,,,,,,,yes,,\n", encoding="utf-8")
    with pytest.raises(harmonise.RuleError, match="numerator, denominator"):
        harmonise.load_rules(bad)


def test_sums_and_ratio_of_sums_by_hand():
    kpi = pd.DataFrame([
        # sum: 2023 = 12 + 7 = 19; 2024 = 15 + 9 = 24; 2022 only Bắc Ninh → not built
        fact("innovation_projects_supported_per_year", "Bắc Ninh", 2022, 10),
        fact("innovation_projects_supported_per_year", "Bắc Ninh", 2023, 12),
        fact("innovation_projects_supported_per_year", "Bắc Giang", 2023, 7),
        fact("innovation_projects_supported_per_year", "Bắc Ninh", 2024, 15),
        fact("innovation_projects_supported_per_year", "Bắc Giang", 2024, 9),
        # ratio of sums, with unequal denominators (worked out below)
        fact("admin_dossiers_online_count", "Bắc Ninh", 2024, 300, "Hồ sơ"),
        fact("admin_dossiers_count", "Bắc Ninh", 2024, 400, "Hồ sơ"),
        fact("admin_dossiers_online_count", "Bắc Giang", 2024, 100, "Hồ sơ"),
        fact("admin_dossiers_count", "Bắc Giang", 2024, 600, "Hồ sơ"),
        # weighted by population: (40 × 1 500 000 + 10 × 2 000 000) / 3 500 000 = 80 000 000 / 3 500 000 = 22.857…
        fact("coverage_5g_pct", "Bắc Ninh", 2024, 40, "% dân số"),
        fact("coverage_5g_pct", "Bắc Giang", 2024, 10, "% dân số"),
        # a rank is never combined
        fact("pci_rank", "Bắc Ninh", 2024, 5, "Thứ bậc"),
        fact("pci_rank", "Bắc Giang", 2024, 12, "Thứ bậc"),
    ])
    macro = weights("population_avg", {("Bắc Ninh", 2024): 1_500_000, ("Bắc Giang", 2024): 2_000_000})
    log: list[str] = []
    built = harmonise.build(kpi, macro, log, units={"admin_dossiers_online_pct": "%"}).set_index(["indicator", "year"])
    assert built.loc[("innovation_projects_supported_per_year", 2023), "value"] == 19
    assert built.loc[("innovation_projects_supported_per_year", 2024), "value"] == 24
    assert ("innovation_projects_supported_per_year", 2022) not in built.index
    assert any("2022" in line and "no figure for Bắc Giang (cũ)" in line for line in log)
    # (300 + 100) / (400 + 600) × 100 = 400 / 1000 × 100 = 40 %, while the mean of 75 % and 16.7 % is 45.8 %
    assert built.loc[("admin_dossiers_online_pct", 2024), "value"] == pytest.approx(40.0)
    assert built.loc[("admin_dossiers_online_pct", 2024), "unit"] == "%"
    assert built.loc[("coverage_5g_pct", 2024), "value"] == pytest.approx(80_000_000 / 3_500_000)
    assert "pci_rank" not in built.index.get_level_values(0)
    row = built.loc[("innovation_projects_supported_per_year", 2023)]
    assert row["territory"] == "merged" and row["region"] == "Bắc Ninh" and row["derived_rule"] == "sum"
    assert SRC_BN in row["source"] and SRC_BG in row["source"] and row["source"].startswith("Cộng số liệu hai tỉnh cũ")
    assert "Bắc Ninh (cũ) 12" in row["derived_from"] and "Bắc Giang (cũ) 7" in row["derived_from"]


def test_a_weighted_value_without_both_weights_is_not_built():
    kpi = pd.DataFrame([fact("coverage_5g_pct", "Bắc Ninh", 2024, 40, "%"),
                        fact("coverage_5g_pct", "Bắc Giang", 2024, 10, "%")])
    log: list[str] = []
    built = harmonise.build(kpi, weights("population_avg", {("Bắc Ninh", 2024): 1_500_000}), log)
    assert built.empty and "no population_avg for Bắc Giang (cũ)" in log[-1]


def test_a_reported_merged_figure_takes_precedence_and_the_log_says_so():
    kpi = pd.DataFrame([
        fact("st_tasks_per_year", "Bắc Ninh", 2023, 20, "Nhiệm vụ"),
        fact("st_tasks_per_year", "Bắc Giang", 2023, 11, "Nhiệm vụ"),
        fact("st_tasks_per_year", "Bắc Ninh", 2023, 33, "Nhiệm vụ", territory="merged", source="Số tỉnh mới tính lại"),
        fact("st_tasks_per_year", "Bắc Ninh", 2024, 22, "Nhiệm vụ"),
        fact("st_tasks_per_year", "Bắc Giang", 2024, 12, "Nhiệm vụ"),
    ])
    log: list[str] = []
    out, vintages = harmonise.merged_back_series(kpi, kpi.copy(), None, None, log)
    merged = out[(out["territory"] == "merged")].set_index("year")
    assert merged.loc[2023, "value"] == 33 and merged.loc[2023, "derived_rule"] == ""  # the reported one is kept
    assert "31 [derived]" in merged.loc[2023, "alternatives"]
    assert merged.loc[2024, "value"] == 34 and merged.loc[2024, "derived_rule"] == "sum"
    assert any("kept the merged figure 33 [report] over the built 31" in line for line in log)
    assert len(vintages) == len(kpi) + 2  # both built values stay among the vintages


def _target(**kw):
    base = dict(target_id="T-1", indicator="st_tasks_per_year", name_vi="Số nhiệm vụ", name_en="Tasks",
                unit="Nhiệm vụ", operator=">=", value=40.0, value_high=None, target_year=2030, period_start=None,
                period_end=None, aggregation="level", document="Thử", section="", issued="2026-04", agency="Sở KH&CN",
                source="thử", is_current=True)
    base.update(kw)
    return base


def test_a_verdict_resting_on_built_values_says_so():
    kpi = pd.DataFrame([fact("st_tasks_per_year", r, y, v, "Nhiệm vụ")
                        for (r, y, v) in [("Bắc Ninh", 2021, 12), ("Bắc Giang", 2021, 6), ("Bắc Ninh", 2022, 13),
                                          ("Bắc Giang", 2022, 7), ("Bắc Ninh", 2023, 14), ("Bắc Giang", 2023, 8),
                                          ("Bắc Ninh", 2024, 15), ("Bắc Giang", 2024, 9)]]
                       + [fact("st_tasks_per_year", "Bắc Ninh", 2025, 26, "Nhiệm vụ", territory="merged")])
    targets = pd.DataFrame([_target()])
    before = tg.assess(targets, kpi, as_of_year=2026).iloc[0]
    assert before["status"] == "insufficient_data"  # one merged point, the old territory set aside
    log: list[str] = []
    kpi2, _ = harmonise.merged_back_series(kpi, kpi.copy(), None, targets, log)
    after = tg.assess(targets, kpi2, as_of_year=2026).iloc[0]
    assert after["n_points"] == 5 and after["status"] in harmonise.VERDICTS
    assert after["derived_years"] == "2021–2024" and after["derived_rule"] == "sum"
    assert after["note_vi"].endswith(". Số liệu 2021–2024: cộng số liệu hai tỉnh cũ.")
    assert after["note_en"].endswith(
        ". Values 2021–2024: sum of the two old provinces.")
