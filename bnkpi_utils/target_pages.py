"""A page per target and an index: every target one tap away from the brief (contract: briefs/targets/).

``briefs/targets/<target_id>.html`` (Vietnamese; English under ``briefs/targets/en/`` with ``--lang all``) shows
the target as its document states it (document, section, date, earlier revisions), its owner, its status with
the one-sentence reason, the latest value against the goal, a chart of the series (the old provinces and the
merged province apart, values combined from the two old provinces marked, the target and the straight path to
it, the projection interval where there is one), every value with its source and vintage, and the target's
status in each earlier run kept in ``history/``. ``briefs/targets/index.html`` lists every current target by
status, with filters by status, agency and document that work offline (a few lines of inline script; without
it the full list grouped by status stays readable). Pages are self-contained (inline CSS, charts as inline
SVG), text from data is escaped (jinja2; ``html.escape`` in the SVG), and a link to a source is only ever an
``http(s)`` link.
"""

from __future__ import annotations

import math
import re
import textwrap
from html import escape
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from . import brief, history, status
from .data_round import base_indicator
from .numbers import format_issued

TEXT = {
    "vi": dict(
        index_title="Danh mục chỉ tiêu", back_index="← Danh mục chỉ tiêu", back_brief="Bản tin",
        owner="Cơ quan chủ trì", goal="Mục tiêu", latest="Số liệu mới nhất", status="Tình trạng",
        document="Văn bản", section="Mục", issued="Ban hành", source="Nguồn", revisions="Các lần sửa mục tiêu",
        revision_line="{document} ({issued}): {goal}", series="Chuỗi số liệu", values_title="Số liệu và nguồn",
        year="Năm", region="Địa bàn", value="Giá trị", kind="Loại", vintage="Bản số liệu",
        history="Tình trạng qua các bản tin", run="Lần chạy", period="Kỳ", now="Lần chạy này",
        no_values="Chưa có số liệu nào cho chỉ tiêu này.", no_history="Chưa có bản tin trước.",
        projection="Dự báo năm {year}: {value} (khoảng {low} đến {high}).",
        filter_status="Tình trạng", filter_agency="Cơ quan", filter_document="Văn bản", filter_all="Tất cả",
        filter_text="Tìm theo tên", counts="Có {n} chỉ tiêu hiện hành:", shown="Đang hiện {k}/{n} chỉ tiêu.",
        kinds=dict(actual="thực tế", estimate="ước tính", plan="kế hoạch"),
        vintages={"official": "chính thức", "revised": "điều chỉnh", "estimate": "ước tính", "preliminary": "sơ bộ",
                  "early estimate": "ước tính sớm", "yearbook": "niên giám", "secondary": "nguồn thứ cấp",
                  "alternative": "số liệu khác", "approximate": "xấp xỉ"},
        panel_old="Trước 1/7/2025 (các tỉnh cũ)", panel_merged="Từ 1/7/2025 ({region})",
        territory_old="{region} (cũ, trước 1/7/2025)", territory_merged="{region} (sau sáp nhập)",
        combined="cộng từ hai tỉnh cũ", chart_goal="mục tiêu {year}", chart_path="lộ trình tới mục tiêu",
        chart_merger="sáp nhập 1/7/2025", chart_interval="khoảng dự báo",
        base_note="Số liệu gốc để tính chỉ tiêu ({indicator}).",
        footer="Sở Khoa học và Công nghệ tỉnh Bắc Ninh · bộ công cụ bnkpi · trang lập ngày {date}",
        org="Sở Khoa học và Công nghệ tỉnh Bắc Ninh",
    ),
    "en": dict(
        index_title="List of targets", back_index="← List of targets", back_brief="Brief",
        owner="Responsible agency", goal="Goal", latest="Latest value", status="Status",
        document="Document", section="Section", issued="Issued", source="Source", revisions="Earlier versions of the goal",
        revision_line="{document} ({issued}): {goal}", series="Series", values_title="Values and sources",
        year="Year", region="Territory", value="Value", kind="Kind", vintage="Vintage",
        history="Status in earlier briefs", run="Run", period="Period", now="This run",
        no_values="No value yet for this target.", no_history="No earlier brief.",
        projection="Projection for {year}: {value} (interval {low} to {high}).",
        filter_status="Status", filter_agency="Agency", filter_document="Document", filter_all="All",
        filter_text="Search by name", counts="{n} current targets:", shown="Showing {k} of {n} targets.",
        kinds=dict(actual="actual", estimate="estimate", plan="plan"), vintages={},
        panel_old="Before 1 Jul 2025 (former provinces)", panel_merged="From 1 Jul 2025 ({region})",
        territory_old="former {region} (before 1 Jul 2025)", territory_merged="merged {region}",
        combined="sum of the two former provinces", chart_goal="goal {year}", chart_path="path to the goal",
        chart_merger="merger 1 Jul 2025", chart_interval="projection interval",
        base_note="Underlying values the target is computed from ({indicator}).",
        footer="Bắc Ninh Department of Science and Technology · bnkpi suite · page of {date}",
        org="Bắc Ninh Department of Science and Technology",
    ),
}

_SAFE = re.compile(r"[^A-Za-z0-9._-]")
MERGER_YEAR = 2025
OLD_PROVINCE = "#6d8196"  # the province's own series before the merger: between the merged blue and the others' grey


def page_name(target_id: str) -> str:
    """The file name of a target's page: the id with anything but letters, digits, ``.``, ``_``, ``-`` replaced,
    never a path (``../x`` → ``.._x``)."""
    name = _SAFE.sub("_", str(target_id)).lstrip(".") or "_"
    return f"{name}.html"


def folder(lang: str) -> str:
    """The pages' folder relative to briefs/: Vietnamese at targets/, English at targets/en/."""
    return "targets/" if lang == "vi" else f"targets/{lang}/"


def _http(source) -> str | None:
    text = str(source).split(" | ")[0].strip() if isinstance(source, str) else ""
    return text if text.startswith(("http://", "https://")) else None


def source_parts(source) -> list[dict]:
    """A source cell as parts to show: each ``http(s)`` URL a link, anything else plain text (escaped)."""
    if not isinstance(source, str) or not source.strip():
        return []
    return [dict(text=part.strip(), href=_http(part)) for part in source.split(" | ") if part.strip()]


def old_provinces(mergers: pd.DataFrame | None, region: str) -> list[str]:
    if mergers is None or mergers.empty:
        return []
    rows = mergers[mergers["new_province_2025"] == region]
    return sorted(set(rows["old_province_2024"]))


def values_for(target: pd.Series, kpi: pd.DataFrame, regions: list[str]) -> tuple[pd.DataFrame, str]:
    """The values behind a target: its indicator (or, for a growth or increase target, the yearly count it is
    computed from) in the province and the old provinces, every kind, oldest first; and the indicator shown."""
    return _values_in(target, by_indicator(kpi, regions), kpi.iloc[0:0])


def by_indicator(kpi: pd.DataFrame, regions: list[str]) -> dict[str, pd.DataFrame]:
    """The rows of the province and the old provinces, split by indicator once (not one mask per page)."""
    return dict(tuple(kpi[kpi["region"].isin(regions)].groupby("indicator", sort=False)))


def _values_in(target: pd.Series, rows_of: dict[str, pd.DataFrame], none: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    indicator = str(target["indicator"])
    rows = rows_of.get(indicator)
    if rows is None and base_indicator(indicator):
        indicator = base_indicator(indicator)
        rows = rows_of.get(indicator)
    if rows is None:
        rows = none
    return rows.sort_values(["year", "region"]).reset_index(drop=True), indicator


def _territory(row, region: str) -> str:
    territory = str(row.get("territory", "") or "")
    if territory in ("old", "merged"):
        return territory
    return "merged" if row["region"] == region and int(row["year"]) >= MERGER_YEAR else "old"


def _combined(row) -> bool:
    rule = row.get("derived_rule")  # built by harmonise from the two old provinces
    if isinstance(rule, str) and rule.strip():
        return True
    return "derived" in f"{row.get('vintage', '')} {row.get('note', '')}".lower()


def draw_series(target: pd.Series, values: pd.DataFrame, region: str, lang: str) -> Markup | None:
    """The series chart as inline SVG, or None when there is no actual value to draw. The old provinces (before
    1 July 2025) and the merged province are drawn in two panels, each on its own axis, so that no line joins
    them; values summed from the two old provinces are hollow; the goal is a star at its year, with the straight
    path from the baseline and the projection interval where the assessment has one.

    Drawn as SVG text rather than with matplotlib: a page per target makes some 80 charts a run, which cost
    ~0.1 CPU-s each through matplotlib (a quarter of a run) and take milliseconds here; the text stays text
    (sharp on a phone, read by screen readers) at 13 px when the chart is shown 358 px wide."""
    from .charts import BLUE, GREEN, GREY, ORANGE
    from .charts import label as axis_number  # the suite's colours and number notation

    T = TEXT[lang]
    actual = values[values["kind"] == "actual"].copy()
    if actual.empty:
        return None
    actual["territory_"] = actual.apply(_territory, axis=1, region=region)
    rank = target["operator"] == "rank<=" or str(target["indicator"]).endswith("_rank")
    target_year, goal = int(target["target_year"]), float(target["target_value"])
    # estimates and plans of the merged province: shown beside the actual values (hollow squares), never joined
    ahead = values[values["kind"].isin(["estimate", "plan"])].copy()
    if len(ahead):
        ahead = ahead[ahead.apply(_territory, axis=1, region=region) == "merged"]
    parts = [t for t in ("old", "merged") if (actual["territory_"] == t).any()]
    if "merged" not in parts:
        parts.append("merged")  # the goal belongs to the merged province: its panel is drawn even when empty
    shown = [float(v) for v in actual["value"]] + [float(v) for v in ahead["value"]] + [goal]
    spread = max(shown) - min(shown)
    decimals = 0 if spread >= 5 or all(v.is_integer() for v in shown) else (1 if spread >= 0.5 else 2)
    base_year, base_value = target.get("baseline_year"), target.get("baseline_value")
    with_path = not pd.isna(base_year) and not pd.isna(base_value) and MERGER_YEAR <= int(base_year) < target_year
    low, high = target.get("projected_low"), target.get("projected_high")
    with_interval = not pd.isna(low) and not pd.isna(high)

    panels, legend = [], {}
    for territory in parts:
        rows = actual[actual["territory_"] == territory]
        merged = territory == "merged"
        series = []
        for name, part in rows.groupby("region", sort=False):
            part = part.sort_values("year")
            colour = BLUE if merged else (GREY if name != region else OLD_PROVINCE)
            label = (T["territory_merged"] if merged else T["territory_old"]).format(region=name)
            series.append(dict(colour=colour, points=[(int(r["year"]), float(r["value"]), _combined(r))
                                                      for _, r in part.iterrows()]))
            legend.setdefault(label, ("line", colour))
        years = [int(y) for y in rows["year"]]
        ys = [float(v) for v in rows["value"]]
        if merged:
            years += [int(y) for y in ahead["year"]] + [target_year]
            ys += [float(v) for v in ahead["value"]] + [goal]
            if with_path:
                ys.append(float(base_value))
                years.append(int(base_year))
            if with_interval:
                ys += [float(low), float(high)]
        panels.append(dict(territory=territory, series=series, years=years, ys=ys,
                           weight=max(rows["year"].nunique(), 1) + (2 if merged else 0.5)))
    for kind, colour in (("estimate", BLUE), ("plan", GREY)):
        if (ahead["kind"] == kind).any():
            legend[T["kinds"][kind]] = ("square", colour)
    legend[T["chart_goal"].format(year=target_year)] = ("star", GREEN)
    if with_path:
        legend[T["chart_path"]] = ("dash", GREEN)
    if with_interval:
        legend[T["chart_interval"]] = ("bar", ORANGE)

    def y_range(ys):
        lo, hi = min(ys), max(ys)
        if hi - lo < 1e-6 * max(1.0, abs(hi)) or (rank and hi - lo < 4):  # one value: a readable range
            centre, pad = (lo + hi) / 2, max(abs((lo + hi) / 2) * 0.2, 2.0 if rank else 1.0)
            return (max(centre - pad, 0.5) if rank else centre - pad), centre + pad
        pad = (hi - lo) * 0.08
        return lo - pad, hi + pad

    from matplotlib.ticker import MaxNLocator  # tick positions only: no figure is drawn

    for panel in panels:
        lo, hi = y_range(panel["ys"])
        ticks = [t for t in MaxNLocator(nbins=4, integer=decimals == 0).tick_values(lo, hi) if lo <= t <= hi]
        # each panel's labels as precise as its own ticks: a panel of 10–11 inside a chart spanning −10…20
        # would otherwise read "10, 10, 11, 11"
        places = decimals
        while places < 2 and len({axis_number(t, places, lang) for t in ticks}) < len(ticks):
            places += 1
        panel.update(lo=lo, hi=hi, ticks=ticks, labels=[axis_number(t, places, lang) for t in ticks])
        xs = sorted(set(panel["years"]))
        xlo, xhi = min(xs) - 0.7, max(xs) + 0.7
        xt = xs if len(xs) <= 4 else [int(t) for t in MaxNLocator(integer=True, nbins=3 if panel["territory"] == "old"
                                                                    else 4).tick_values(xlo, xhi) if xlo <= t <= xhi]
        panel.update(xlo=xlo, xhi=xhi, xticks=xt)

    W, FONT, LINE, GAP = 358, 13, 17, 14
    titled = len(panels) > 1
    lefts = [8 + 7.6 * max(len(s) for s in p["labels"] or [""]) for p in panels]  # room for the widest y label
    free = W - sum(lefts) - GAP * (len(panels) - 1) - 8
    total = sum(p["weight"] for p in panels)
    widths = [free * p["weight"] / total for p in panels]
    if len(panels) > 1 and min(widths) < 110:  # a panel of one or two years still has room for its title
        narrow = widths.index(min(widths))
        widths = [110 if i == narrow else free - 110 for i in range(len(panels))]
    titles = {p["territory"]: textwrap.wrap(T["panel_merged"].format(region=region) if p["territory"] == "merged"
                                            else T["panel_old"], max(10, int((w + left - 4) / 7.4)))
              for p, w, left in zip(panels, widths, lefts)} if titled else {}
    top = 12 + (max(len(v) for v in titles.values()) * LINE if titled else 0)
    plot_h = 150
    bottom = top + plot_h
    out, x0 = [], 0.0
    for panel, left, width in zip(panels, lefts, widths):
        px0, px1 = x0 + left, x0 + left + width
        sx = lambda v, a=px0, b=px1, p=panel: a + (v - p["xlo"]) / (p["xhi"] - p["xlo"]) * (b - a)  # noqa: E731
        if rank:  # rank 1 at the top
            sy = lambda v, p=panel: top + (v - p["lo"]) / (p["hi"] - p["lo"]) * plot_h  # noqa: E731
        else:
            sy = lambda v, p=panel: bottom - (v - p["lo"]) / (p["hi"] - p["lo"]) * plot_h  # noqa: E731
        for i, line in enumerate(titles.get(panel["territory"], [])):
            out.append(f'<text x="{px0 - left + 4:.1f}" y="{6 + (i + 1) * LINE - 4}">{escape(line)}</text>')
        for t, label in zip(panel["ticks"], panel["labels"]):
            y = sy(t)
            out.append(f'<line x1="{px0:.1f}" x2="{px1:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ec"/>')
            out.append(f'<text x="{px0 - 5:.1f}" y="{y + 4.5:.1f}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<path d="M{px0:.1f} {top}V{bottom}H{px1:.1f}" fill="none" stroke="#46525f"/>')
        # the first and the last year (the goal's) labelled, the others where their labels do not touch
        candidates = sorted(panel["xticks"])
        shown_years = [candidates[-1]] if candidates else []
        for year in candidates[:1] + candidates[1:-1]:
            if all(abs(sx(year) - sx(other)) >= 36 for other in shown_years):
                shown_years.append(year)
        for year in shown_years:
            x = sx(year)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="#46525f"/>')
            out.append(f'<text x="{x:.1f}" y="{bottom + 4 + FONT}" text-anchor="middle">{year}</text>')
        if panel["territory"] == "merged":
            if with_interval:
                x = sx(target_year)
                out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{sy(float(low)):.1f}" y2="{sy(float(high)):.1f}" '
                           f'stroke="{ORANGE}" stroke-width="5" stroke-opacity="0.6"/>')
            if with_path:
                out.append(f'<line x1="{sx(int(base_year)):.1f}" y1="{sy(float(base_value)):.1f}" '
                           f'x2="{sx(target_year):.1f}" y2="{sy(goal):.1f}" stroke="{GREEN}" stroke-width="1.5" '
                           f'stroke-dasharray="5 3"/>')
        for s in panel["series"]:
            coords = " ".join(f"{sx(y):.1f},{sy(v):.1f}" for y, v, _ in s["points"])
            out.append(f'<polyline points="{coords}" fill="none" stroke="{s["colour"]}" stroke-width="2"/>')
            for y, v, combined in s["points"]:
                fill = "#ffffff" if combined else s["colour"]
                out.append(f'<circle cx="{sx(y):.1f}" cy="{sy(v):.1f}" r="4" fill="{fill}" stroke="{s["colour"]}" '
                           f'stroke-width="1.5"/>')
        if panel["territory"] == "merged":
            for _, r in ahead.iterrows():
                colour = BLUE if r["kind"] == "estimate" else GREY
                out.append(f'<rect x="{sx(int(r["year"])) - 4:.1f}" y="{sy(float(r["value"])) - 4:.1f}" width="8" '
                           f'height="8" fill="#ffffff" stroke="{colour}" stroke-width="1.5"/>')
            out.append(_star(sx(target_year), sy(goal), 8, GREEN))
        x0 = px1 + GAP
    y = bottom + 4 + FONT + 10
    for label, (kind, colour) in legend.items():
        y += LINE
        mid = y - 4.5
        if kind == "line":
            out.append(f'<line x1="4" x2="26" y1="{mid}" y2="{mid}" stroke="{colour}" stroke-width="2"/>'
                       f'<circle cx="15" cy="{mid}" r="4" fill="{colour}"/>')
        elif kind == "star":
            out.append(_star(15, mid, 7, colour))
        elif kind == "square":
            out.append(f'<rect x="11" y="{mid - 4}" width="8" height="8" fill="#ffffff" stroke="{colour}" '
                       'stroke-width="1.5"/>')
        elif kind == "dash":
            out.append(f'<line x1="4" x2="26" y1="{mid}" y2="{mid}" stroke="{colour}" stroke-width="1.5" '
                       f'stroke-dasharray="5 3"/>')
        else:
            out.append(f'<line x1="15" x2="15" y1="{mid - 7}" y2="{mid + 7}" stroke="{colour}" stroke-width="5" '
                       f'stroke-opacity="0.6"/>')
        out.append(f'<text x="32" y="{y}">{escape(label)}</text>')
    height = y + 8
    name = escape(brief.target_name(target, lang))
    return Markup(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height:.0f}" role="img" '
                  f'aria-label="{escape(T["series"])}: {name}" font-family="Arial, Helvetica, sans-serif" '
                  f'font-size="{FONT}" fill="#1d2733"><title>{escape(T["series"])}: {name}</title>'
                  + "".join(out) + "</svg>")


def _star(x: float, y: float, r: float, colour: str) -> str:
    """A five-pointed star centred on (x, y), outer radius r."""
    points = []
    for i in range(10):
        angle = math.pi / 2 + i * math.pi / 5
        radius = r if i % 2 == 0 else r * 0.45
        points.append(f"{x + radius * math.cos(angle):.1f},{y - radius * math.sin(angle):.1f}")
    return f'<polygon points="{" ".join(points)}" fill="{colour}"/>'


def _value(v: pd.Series, target: pd.Series, territory: str, lang: str) -> str:
    """A value as the brief writes it; a rank with the number of units it is among (63 before the merger)."""
    if str(target["indicator"]).endswith("_rank"):
        return brief.value_text(v["value"], target, lang, 34 if territory == "merged" else 63)
    unit = str(target.get("unit", "") or "")
    text = brief.value_text(v["value"], target, lang)
    return text if unit.startswith("%") or not unit or lang == "en" else f"{text} {unit.lower()}"


def _value_rows(values: pd.DataFrame, target: pd.Series, region: str, lang: str) -> list[dict]:
    T = TEXT[lang]
    rows = []
    for _, v in values.iterrows():
        territory = _territory(v, region)
        rows.append(dict(
            year=int(v["year"]), region=(T["territory_merged"] if territory == "merged" else T["territory_old"])
            .format(region=v["region"]), value=_value(v, target, territory, lang),
            kind=T["kinds"].get(str(v.get("kind")), str(v.get("kind"))),
            vintage="; ".join(part for part in [
                T["vintages"].get(str(v.get("vintage", "") or ""), str(v.get("vintage", "") or ""))
                + (f" ({T['combined']})" if _combined(v) else ""), *_said_of_itself(v, lang)] if part),
            sources=source_parts(v.get("source"))))
    return rows


def _said_of_itself(v: pd.Series, lang: str) -> list[str]:
    """A partial year, an estimate or an inferred value, in words, beside the value it qualifies. An estimate
    row already says "ước tính" as its kind, so only the rest is added there."""
    from .targets import row_quality

    codes, vi, en = row_quality(v)
    words = vi if lang == "vi" else en
    return [w for code, w in zip(codes, words) if not (code == "estimate" and str(v.get("kind")) == "estimate")]


def _status_history(past: pd.DataFrame, target_id: str, target: pd.Series, lang: str) -> list[dict]:
    rows = []
    for _, h in past[past["target_id"] == target_id].iterrows():
        try:
            period = brief.period_label(str(h["period"]), lang) if str(h["period"]) not in ("", "nan") else ""
        except ValueError:
            period = ""
        rows.append(dict(run=str(h["run_id"])[:8], period=period, status=status.label(h["status"], lang),
                         colour=status.colour(h["status"]),
                         latest=brief._latest(pd.Series({**target.to_dict(), "latest_value": h["latest_value"],
                                                          "latest_year": h["latest_year"]}), lang)))
    return rows


def rests_on(target: pd.Series, lang: str) -> list[str]:
    """What the status rests on, when a reader must know it: values built from the two old provinces (years and
    rule, from ``derived_years``/``derived_rule``) and partial-year, estimated, inferred or snapshot values
    (``status_quality_vi``/``_en``)."""
    from . import harmonise

    lines = []
    years, rules = str(target.get("derived_years") or ""), str(target.get("derived_rule") or "")
    if years and years.lower() != "nan" and rules and rules.lower() != "nan":
        names = harmonise.RULE_VI if lang == "vi" else harmonise.RULE_EN
        lines.append(f"{years}: " + "; ".join(names.get(k, k) for k in rules.split(";") if k))
    quality = target.get(f"status_quality_{lang}")  # "<status> — <what it rests on>" only for a judged status
    if isinstance(quality, str) and " — " in quality:
        lines.append(quality.split(" — ", 1)[1].strip())
    return lines


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(brief.TEMPLATES), autoescape=True, trim_blocks=True,
                       lstrip_blocks=True)


def build_pages(output_dir: Path, kpi: pd.DataFrame, targets: pd.DataFrame | None = None,
                mergers: pd.DataFrame | None = None, lang: str = "vi", period: str | None = None,
                today=None) -> list[Path]:
    """Write ``briefs/<folder(lang)>/<target>.html`` for every target of ``tables/targets_assessment.csv`` and
    the index; returns the written paths (index first). ``kpi``: the processed actuals (all kinds, with sources);
    ``targets``: the processed targets table (document, section, issued, source, earlier versions)."""
    import datetime as dt

    output_dir = Path(output_dir)
    today = today or dt.date.today()
    period = brief.resolve_period(period, today)
    T = TEXT[lang]
    tables = brief.load_tables(output_dir)
    assessment = tables["targets_assessment"]
    revisions = tables.get("targets_history")
    region = str(assessment["region"].iloc[0]) if len(assessment) else brief.PROVINCE
    regions = [region] + old_provinces(mergers, region)
    past = history.status_history(output_dir)
    out_dir = output_dir / "briefs" / folder(lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _environment()
    page = env.get_template("target.html.j2")
    by_id = targets.set_index("target_id") if targets is not None and len(targets) else None
    depth = "../" * folder(lang).count("/")
    cards, written = [], []
    rows_of = by_indicator(kpi, regions)
    for _, target in assessment.iterrows():
        tid = str(target["target_id"])
        source = by_id.loc[tid] if by_id is not None and tid in by_id.index else pd.Series(dtype=object)
        values, shown = _values_in(target, rows_of, kpi.iloc[0:0])
        older = []
        if revisions is not None and len(revisions):
            same = revisions[(revisions["indicator"] == target["indicator"])
                             & (revisions["target_year"] == target["target_year"]) & (revisions["target_id"] != tid)]
            for _, r in same.sort_values("issued").iterrows():
                older.append(T["revision_line"].format(
                    document=brief.document_name(r["document"], lang), issued=format_issued(r["issued"], lang),
                    goal=brief.goal_text(r["operator"], r["value"], r.get("value_high"), brief._unit(target), None, lang)))
        reason = target.get(f"note_{lang}") if isinstance(target.get(f"note_{lang}"), str) else ""
        projection = ""
        if not pd.isna(target.get("projected_value")) and not pd.isna(target.get("projected_low")):
            projection = T["projection"].format(year=int(target["target_year"]),
                                                value=brief.fmt_value(round(target["projected_value"], 2), lang),
                                                low=brief.fmt_value(round(target["projected_low"], 2), lang),
                                                high=brief.fmt_value(round(target["projected_high"], 2), lang))
        context = dict(
            lang=lang, T=T, title=brief.target_name(target, lang), target_id=tid, depth=depth,
            status=status.label(target["status"], lang), colour=status.colour(target["status"]), reason=reason,
            rests_on=[line for line in rests_on(target, lang) if line not in reason],
            goal=brief._goal(target, lang), latest=brief._latest(target, lang),
            owner=brief.agency_name(target.get("agency"), lang),
            document=brief.document_name(target.get("document"), lang) if lang == "en" else str(target.get("document", "")),
            section=str(source.get("section", "") or ""), issued=format_issued(source.get("issued", ""), lang),
            doc_source=str(source.get("source", "") or ""), revisions=older, projection=projection,
            chart=draw_series(target, values, region, lang), values=_value_rows(values, target, region, lang),
            base_note=T["base_note"].format(indicator=shown) if shown != target["indicator"] else "",
            history=_status_history(past, tid, target, lang), now=dict(period=brief.period_label(period, lang),
                                                                      status=status.label(target["status"], lang),
                                                                      colour=status.colour(target["status"])),
            footer=T["footer"].format(date=brief.fmt_date(today, lang)),
            brief_href=f"{depth}brief_{lang}.html",
        )
        path = out_dir / page_name(tid)
        path.write_text(page.render(**context), encoding="utf-8")
        written.append(path)
        cards.append(dict(href=page_name(tid), name=brief.target_name(target, lang), code=target["status"],
                          status=status.label(target["status"], lang), colour=status.colour(target["status"]),
                          goal=brief._goal(target, lang), latest=brief._latest(target, lang),
                          agency=brief.agency_name(target.get("agency"), lang), document=context["document"],
                          order=status.STATUSES.index(target["status"])))
    cards.sort(key=lambda c: (c["order"], c["name"]))
    groups = [dict(label=status.label(code, lang), colour=status.colour(code), code=code,
                   cards=[c for c in cards if c["code"] == code]) for code in status.STATUSES]
    groups = [g for g in groups if g["cards"]]
    index = out_dir / "index.html"
    index.write_text(env.get_template("targets_index.html.j2").render(
        lang=lang, T=T, groups=groups, n=len(cards), depth=depth,
        agencies=sorted({c["agency"] for c in cards}), documents=sorted({c["document"] for c in cards}),
        period=brief.period_label(period, lang), footer=T["footer"].format(date=brief.fmt_date(today, lang)),
        brief_href=f"{depth}brief_{lang}.html"), encoding="utf-8")
    return [index] + written
