"""Analysis parameters reach every label that depends on them: chart titles and legends, tables, the brief's
method line; values written as a Vietnamese reader would are refused with the fix."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from bnkpi_utils import brief, charts, params, tfp


@pytest.mark.parametrize("text, hint", [("0,35", "alpha=0.35"), (" 0,5 ", "alpha=0.5")])
def test_a_decimal_comma_is_refused_with_the_point_to_use(text, hint):
    with pytest.raises(params.ParameterError, match=re.escape(hint)):
        params.parse_assignments([f"alpha={text}"])


def _vn_periods(alpha: float, years: int) -> pd.DataFrame:
    """A synthetic national series: 2011.. with g_y 6, g_k 8, g_l 1 at the given α (known truth)."""
    rows = [dict(region="Việt Nam", year=2011 + i, method="cobb_douglas", alpha=alpha, g_y=6.0, g_k=8.0, g_l=1.0,
                 contrib_k=alpha * 8.0, contrib_l=(1 - alpha) * 1.0, g_tfp=6.0 - alpha * 8.0 - (1 - alpha), flag="")
            for i in range(years)]
    return tfp.period_shares(pd.DataFrame(rows), [(2011, 2011 + years - 1)])


@pytest.mark.parametrize("alpha", [0.30, 0.35, 0.50])
def test_period_alpha_is_the_parameter_without_float_noise(alpha):
    # the mean of three 0.35 is 0.3499999999999999 in floating point; the table must say 0.35
    periods = _vn_periods(alpha, 3)
    assert periods["alpha"].tolist() == [alpha]


@pytest.mark.parametrize("alpha, shown", [(0.30, "0,30"), (0.35, "0,35"), (0.50, "0,50")])
def test_tfp_chart_keeps_its_title_and_states_alpha(alpha, shown):
    periods = pd.concat([_vn_periods(alpha, 3), _vn_periods(alpha, 7).assign(period_start=2016, period_end=2022)])
    periods["alpha"] = [alpha, alpha - 1e-16]  # as a mean over years leaves it: one α, two floats
    periods["years_with_data"] = ["2011–2013", "2016–2022"]
    band = pd.DataFrame({"period_start": [2011], "period_end": [2013], "tfp_share_pct": [20.0]})
    for fig, title in ((charts.tfp_shares(periods, band, {}, "vi"), "Việt Nam: đóng góp của TFP"),
                       (charts.growth_decomposition(periods, "vi"), "Việt Nam: nguồn tăng trưởng")):
        charts.append_to_title(fig, f"(α = {charts.label(alpha, 2, 'vi')})")
        ax = fig.axes[0]
        shown_title = ax.get_title(loc="left") + ax.get_title() + ax.get_title(loc="right")
        assert shown_title.startswith(title) and shown_title.endswith(f"(α = {shown})")
    legend = [t.get_text() for t in charts.tfp_shares(periods, band, {}, "vi").axes[0].get_legend().get_texts()]
    assert f"Ước tính (α = {shown})" in legend
    assert charts.label(0.35, 2, "en") == "0.35"


def _tables(alpha: float) -> dict:
    alphas = tuple(sorted({0.35, alpha, 0.50}))
    arithmetic = pd.concat([tfp.target_arithmetic(11.0, 12.0, share, alphas=alphas) for share in (55.0, 50.0)],
                           ignore_index=True)
    growth = pd.DataFrame({"region": ["Việt Nam"] * 3, "year": [2011, 2012, 2012],
                           "method": ["cobb_douglas", "cobb_douglas", "tornqvist"], "alpha": [alpha, alpha, 0.41]})
    assessment = pd.DataFrame({"indicator": ["tfp_share_pct"], "target_year": [2030], "target_value": [55.0],
                               "value_high": [np.nan], "operator": [">="], "status": ["insufficient_data"],
                               "target_id": ["T"], "document": ["20-CTr/TU"], "unit": ["%"]})
    return {"tfp_target_arithmetic": arithmetic, "tfp_growth_accounting": growth, "targets_assessment": assessment}


@pytest.mark.parametrize("alpha", [0.30, 0.35, 0.43, 0.50])
def test_brief_states_the_alpha_parameter_and_its_capital_sentence(alpha):
    t = _tables(alpha)
    assert brief.alpha_used(t) == alpha  # not the median of the arithmetic's α grid (0,42 at α = 0,35)
    points, _ = brief._tfp_points(t, "vi", dt.date(2026, 12, 1))
    capital = [p for p in points if p.startswith("Với mục tiêu 55%")]
    row = t["tfp_target_arithmetic"]
    row = row[(row.target_share_pct == 55.0) & np.isclose(row.alpha, alpha) & (row.labour_growth == 1.0)]
    expected = f"{brief.fmt(row.max_capital_growth.min(), 'vi', 0)}–{brief.fmt(row.max_capital_growth.max(), 'vi', 0)}%"
    assert len(capital) == 1 and expected in capital[0]
    assert brief.TEXT["vi"]["methods"].format(alpha=brief.fmt(brief.alpha_used(t), "vi")).count(
        f"α = {charts.label(alpha, 2, 'vi')}") == 1


@pytest.mark.parametrize("text", ["Bắc Ninh", "Bac Ninh", "tỉnh Bắc Ninh", " bắc ninh "])
def test_region_spelled_any_way_is_the_official_name(text):
    assert params.parse_assignments([f"region={text}"]) == {"region": "Bắc Ninh"}


@pytest.mark.parametrize("text, cause", [("Bắc Giang", "Bắc Giang has no targets or PII pillar data"),
                                         ("Hà Nội", "Hà Nội has no targets"), ("Bac Ninhh", "not a province name")])
def test_region_without_data_is_refused_with_the_allowed_list(text, cause):
    with pytest.raises(params.ParameterError, match=re.escape(cause)) as refused:
        params.parse_assignments([f"region={text}"])
    assert str(refused.value).endswith("allowed: Bắc Ninh")
    assert refused.value._render_traceback_()[0].startswith("Tham số không hợp lệ")  # one line in a notebook


def test_cli_refuses_a_region_before_anything_runs(capsys, tmp_path):
    from bnkpi_utils import cli

    assert cli.main(["run", "--param", "region=Bắc Giang", "--output-dir", str(tmp_path / "o"),
                     "--processed-dir", str(tmp_path / "p")]) == 64
    assert "allowed: Bắc Ninh" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "p").exists()
