"""A page per target and the index (briefs/targets/): complete, linked, escaped, with sources and history."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd

from bnkpi_utils import target_pages


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _links(path: Path) -> list[str]:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.links


def _local(path: Path, link: str) -> Path | None:
    """The file a relative link points at (None for data:, http(s): and mailto: links)."""
    if link.startswith(("data:", "http://", "https://", "mailto:", "#")):
        return None
    return (path.parent / unquote(urlparse(link).path)).resolve()


def test_every_target_has_a_page_and_every_link_resolves(good_run):
    output = good_run["output"]
    assessment = pd.read_csv(output / "tables" / "targets_assessment.csv")
    for folder in ("targets", "targets/en"):  # the run used --lang all
        pages = output / "briefs" / folder
        expected = {target_pages.page_name(tid) for tid in assessment["target_id"]}
        assert expected <= {p.name for p in pages.glob("*.html")}
        index = pages / "index.html"
        listed = {link for link in _links(index) if link.endswith(".html") and "/" not in link}
        assert listed == expected  # the index lists them all, and only them
        for page in [index, *(pages / name for name in expected)]:
            for link in _links(page):
                target = _local(page, link)
                assert target is None or target.is_file(), f"{page.name}: {link} does not resolve"
    for lang in ("vi", "en"):
        brief = output / "briefs" / f"brief_{lang}.html"
        local = [link for link in _links(brief) if _local(brief, link)]
        assert any("targets/" in link and link.endswith("index.html") for link in local)
        assert all(_local(brief, link).is_file() for link in local), local


def test_a_page_states_the_target_its_values_sources_and_history(good_run):
    page = (good_run["output"] / "briefs" / "targets" / "KH20-11.html").read_text(encoding="utf-8")
    # the document as it states the target, its earlier version, the owner, the status and its reason
    assert "KH thực hiện CTr 20-CTr/TU" in page and "KH 279/KH-UBND" in page and "Sở KH&amp;CN" in page
    assert "Đã đạt" in page and "nhóm 6 dẫn đầu (2030)" in page and "hạng 6/34 (2025)" in page
    # every value with its source: the old provinces ranked among 63, the merged province among 34
    assert "hạng 11/63" in page and "hạng 6/34" in page and "Bắc Giang (cũ, trước 1/7/2025)" in page
    assert 'href="https://en.nhandan.vn/' in page and page.count('<svg class="chart"') == 1
    assert "<script" not in page.lower() and not re.search(r'src="(https?:)?//', page)
    assert "Tình trạng qua các bản tin" in page and "(lần chạy này)" in page


def test_pages_escape_text_and_never_link_a_non_web_source(good_run, tmp_path):
    output = tmp_path / "outputs"
    shutil.copytree(good_run["output"], output)
    path = output / "tables" / "targets_assessment.csv"
    assessment = pd.read_csv(path)
    assessment.loc[0, "name_vi"] = '<img src=x onerror=alert(1)> "tên"'
    assessment.loc[0, "target_id"] = "../../evil"
    assessment.to_csv(path, index=False)
    kpi = pd.DataFrame([dict(indicator=assessment.loc[0, "indicator"], region="Bắc Ninh", year=2025, value=1.0,
                             unit="%", kind="actual", source="javascript:alert(1) | https://example.org/a?b=<c>",
                             territory="merged", vintage="official")])
    written = target_pages.build_pages(output, kpi, lang="vi")
    page = output / "briefs" / "targets" / target_pages.page_name("../../evil")
    assert page in written and page.parent == output / "briefs" / "targets"  # never a path outside the folder
    html = page.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html  # shown, not linked
    assert 'href="https://example.org/a?b=&lt;c&gt;"' in html
    index = (output / "briefs" / "targets" / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in index and index.count("<script") == 1  # only the filter's own script


def test_status_history_comes_from_earlier_runs(good_run, tmp_path):
    import datetime as dt

    output = tmp_path / "outputs"
    shutil.copytree(good_run["output"], output)
    shutil.rmtree(output / "history", ignore_errors=True)
    previous = output / "history" / "20261005T010000Z-aaaaaa" / "tables"
    previous.mkdir(parents=True)
    before = pd.read_csv(output / "tables" / "targets_assessment.csv")
    before.loc[before.target_id == "KH20-11", "status"] = "insufficient_data"
    before.to_csv(previous / "targets_assessment.csv", index=False)
    pd.DataFrame([dict(period="2026-Q3")]).to_csv(previous / "brief_period.csv", index=False)
    target_pages.build_pages(output, pd.DataFrame(columns=["indicator", "region", "year", "value", "unit", "kind",
                                                           "source"]), lang="en", period="2026-Q4",
                             today=dt.date(2027, 1, 5))
    page = (output / "briefs" / "targets" / "en" / "KH20-11.html").read_text(encoding="utf-8")
    history = page.split("Status in earlier briefs")[1]
    assert history.index("Q3/2026") < history.index("Insufficient data") < history.index("Q4/2026 (this run)")
    assert "No value yet for this target." in page


def test_page_names_are_safe():
    assert target_pages.page_name("SKHCN-2025-I.1") == "SKHCN-2025-I.1.html"
    assert "/" not in target_pages.page_name("../x/y") and not target_pages.page_name("../x").startswith(".")


def test_a_status_says_what_it_rests_on():
    """A synthetic row whose verdict rests on 2021–2024 sums of the two old provinces and a partial-year value."""
    import pandas as pd

    from bnkpi_utils import target_pages

    row = pd.Series(dict(derived_years="2021–2024", derived_rule="sum;ratio",
                         status_quality_vi="Đạt — dựa trên số liệu 6 tháng",
                         status_quality_en="Achieved — rests on a half-year value"))
    assert target_pages.rests_on(row, "vi") == [
        "2021–2024: cộng số liệu hai tỉnh cũ; tỷ lệ tính lại từ tổng tử số và tổng mẫu số của hai tỉnh cũ",
        "dựa trên số liệu 6 tháng"]
    assert target_pages.rests_on(row, "en")[1] == "rests on a half-year value"
    assert target_pages.rests_on(pd.Series(dict(derived_years="", derived_rule="", status_quality_vi="Chưa đủ số liệu")),
                                 "vi") == []  # an unjudged status rests on nothing to qualify


def test_values_built_from_the_old_provinces_are_marked():
    import pandas as pd

    from bnkpi_utils import target_pages

    assert target_pages._combined(pd.Series(dict(derived_rule="sum", vintage="", note="")))
    assert not target_pages._combined(pd.Series(dict(derived_rule="", vintage="", note="")))
    assert not target_pages._combined(pd.Series(dict(derived_rule=float("nan"), vintage="", note="")))


def test_each_value_row_says_when_it_is_partial_estimated_or_inferred():
    """KH20-44's 100 % is inferred ("56 units = 103,7 % of the target"), SKHCN-2025-III.1's 17 a 10-month count:
    the value rows of their pages say so beside the value, not only the status line."""
    values = pd.DataFrame([
        dict(year=2025, region="Bắc Ninh", value=100.0, kind="actual", vintage="official", territory="merged",
             source="https://example.org/a", note="56 units = 103.7% of the target => 100% inferred"),
        dict(year=2025, region="Bắc Ninh", value=17.0, kind="actual", vintage="official", territory="merged",
             source="Báo cáo số 24/BC-SKHCN (10 tháng đầu năm 2025)", note=""),
        dict(year=2025, region="Bắc Ninh", value=10.0, kind="estimate", vintage="estimate", territory="merged",
             source="Báo cáo", note=""),
        dict(year=2024, region="Bắc Ninh", value=9.0, kind="actual", vintage="official", territory="old",
             source="Niên giám", note=""),
    ])
    target = pd.Series(dict(target_id="T1", indicator="x", unit="%", operator=">=", target_value=100.0))
    shown = [row["vintage"] for row in target_pages._value_rows(values, target, "Bắc Ninh", "vi")]
    assert "số suy ra, không đo trực tiếp" in shown[0]
    assert "theo số 10 tháng" in shown[1]
    assert shown[2] == "ước tính"  # an estimate row says so once (its vintage), not again as "số ước tính"
    assert shown[3] == "chính thức"
    english = [row["vintage"] for row in target_pages._value_rows(values, target, "Bắc Ninh", "en")]
    assert "an inferred value, not measured" in english[0] and "on a 10-month figure" in english[1]


def _svg_chart(values, **target):
    row = dict(target_id="T1", indicator="x_rank", operator="rank<=", target_year=2030, target_value=6.0,
               baseline_year=float("nan"), baseline_value=float("nan"), projected_low=float("nan"),
               projected_high=float("nan"), name_vi="Chỉ tiêu thử", name_en="Test target", unit="")
    row.update(target)
    return str(target_pages.draw_series(pd.Series(row), pd.DataFrame(values), "Bắc Ninh", "vi"))


def test_series_chart_draws_old_and_merged_apart_with_hollow_built_values():
    import xml.etree.ElementTree as ET

    values = [dict(kind="actual", year=2023, value=11.0, region="Bắc Giang", territory="old", derived_rule=""),
              dict(kind="actual", year=2024, value=10.0, region="Bắc Giang", territory="old", derived_rule=""),
              dict(kind="actual", year=2024, value=3.0, region="Bắc Ninh <i>", territory="old", derived_rule=""),
              dict(kind="actual", year=2025, value=6.0, region="Bắc Ninh", territory="merged", derived_rule="sum"),
              dict(kind="actual", year=2026, value=1.0, region="Bắc Ninh", territory="merged", derived_rule="")]
    svg = _svg_chart(values)
    root = ET.fromstring(svg)  # well-formed: the region's "<i>" is escaped
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "Bắc Ninh <i> (cũ, trước 1/7/2025)" in texts and "mục tiêu 2030" in texts
    assert any(t.startswith("Trước 1/7/2025") for t in texts) and any(t.startswith("Từ 1/7/2025") for t in texts)
    # one line per territory and region: no line joins the old provinces to the merged province
    assert len(root.findall(f"{ns}polyline")) == 3
    circles = [c for c in root.iter(f"{ns}circle") if c.get("r") == "4" and c.get("stroke-width")]
    merged = [c for c in circles if c.get("stroke") == "#1f4e79"]
    hollow = [c for c in merged if c.get("fill") == "#ffffff"]
    assert len(merged) == 2 and len(hollow) == 1  # 2025 summed from the old provinces, 2026 reported
    y_2025, y_2026 = (float(c.get("cy")) for c in sorted(merged, key=lambda c: float(c.get("cx"))))
    assert y_2026 < y_2025  # rank 1 above rank 6: the rank axis is reversed
    assert len(root.findall(f"{ns}polygon")) == 2  # the goal's star, and its legend
    assert root.get("font-size") == "13" and root.get("viewBox").startswith("0 0 358 ")  # 13 px at 358 px wide


def test_series_chart_with_only_old_values_still_draws_the_goal_panel_and_none_without_values():
    values = [dict(kind="actual", year=2022, value=40.0, region="Bắc Ninh", territory="old", derived_rule=""),
              dict(kind="plan", year=2030, value=55.0, region="Bắc Ninh", territory="merged", derived_rule="")]
    svg = _svg_chart(values, indicator="share_pct", operator=">=", target_value=55.0, baseline_year=2025.0,
                     baseline_value=45.0, projected_low=48.0, projected_high=60.0)
    assert svg.count("<polyline") == 1 and "Từ 1/7/2025" in svg
    assert "lộ trình tới mục tiêu" in svg and "khoảng dự báo" in svg and 'stroke-dasharray="5 3"' in svg
    assert target_pages.draw_series(pd.Series(dict(operator=">=", indicator="x", target_year=2030,
                                                   target_value=1.0)),
                                    pd.DataFrame([dict(kind="plan", year=2030, value=1.0, region="Bắc Ninh")]),
                                    "Bắc Ninh", "vi") is None


def test_series_chart_shows_the_merged_provinces_estimates_and_plans_apart_from_its_actual_values():
    """KH20-02: old Bắc Giang's 21 (2025) is the only actual value; the merged province's estimate 25 (2025) and
    plan 30 (2026) are hollow squares in the "from 1/7/2025" panel, not joined to anything, and in the legend;
    its y labels are distinct whatever the other panel's range."""
    import xml.etree.ElementTree as ET

    values = [dict(kind="actual", year=2025, value=21.0, region="Bắc Giang", territory="old", derived_rule=""),
              dict(kind="estimate", year=2025, value=25.0, region="Bắc Ninh", territory="merged", derived_rule=""),
              dict(kind="plan", year=2026, value=30.0, region="Bắc Ninh", territory="merged", derived_rule=""),
              dict(kind="estimate", year=2024, value=9.0, region="Bắc Giang", territory="old", derived_rule="")]
    root = ET.fromstring(_svg_chart(values, indicator="tasks", operator=">=", target_value=50.0))
    ns = "{http://www.w3.org/2000/svg}"
    squares = [r for r in root.iter(f"{ns}rect") if r.get("fill") == "#ffffff"]
    assert len(squares) == 2 + 2  # the estimate and the plan, and their two legend keys (no old-province estimate)
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "ước tính" in texts and "kế hoạch" in texts
    assert len(root.findall(f"{ns}polyline")) == 1  # only Bắc Giang's actual line: estimates are never joined
    years = [t for t in texts if t and t.isdigit() and len(t) == 4]
    assert "2025" in years and "2030" in years
    narrow = [dict(kind="actual", year=2016, value=-10.0, region="Bắc Ninh", territory="old", derived_rule=""),
              dict(kind="actual", year=2017, value=20.0, region="Bắc Ninh", territory="old", derived_rule=""),
              dict(kind="estimate", year=2025, value=10.2, region="Bắc Ninh", territory="merged", derived_rule="")]
    svg = _svg_chart(narrow, indicator="grdp_growth_pct", operator=">=", target_value=11.0)
    ticks = [t.text for t in ET.fromstring(svg).iter(f"{ns}text") if t.get("text-anchor") == "end"]
    assert len(ticks) == len(set(ticks)), ticks  # "10, 10, 11, 11" would repeat
