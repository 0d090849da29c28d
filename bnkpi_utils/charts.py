"""Charts for notebooks and briefs: PNG (e-mail safe), at most 1200 px wide, Vietnamese labels and numbers."""

from __future__ import annotations

import io
import math
import sys
import textwrap
from pathlib import Path

import matplotlib


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, papermill, nbval), where charts are also shown inline."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    return shell is not None and hasattr(shell, "kernel")


if not _in_notebook():
    matplotlib.use("Agg")  # no display in cron or CI; a Jupyter kernel keeps its inline backend

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from . import status  # noqa: E402
from .numbers import format_vi  # noqa: E402
from .provinces import FIRST_MERGED_YEAR  # noqa: E402

# matplotlib's bundled DejaVu Sans covers Vietnamese diacritics.
FONT = "DejaVu Sans"
WIDTH_IN, DPI = 8.0, 150  # 8 in × 150 dpi = 1200 px
BLUE, ORANGE, GREY, GREEN, RED = "#1f4e79", "#e07b00", "#9aa5b1", "#2e7d32", "#c62828"
PILLAR_LABELS_VI = {
    "P1": "Thể chế", "P2": "Vốn con người\n& NC&PT", "P3": "Cơ sở hạ tầng", "P4": "Trình độ\nthị trường",
    "P5": "Trình độ\ndoanh nghiệp", "P6": "Sản phẩm tri thức,\nsáng tạo & CN", "P7": "Tác động",
}
PILLAR_LABELS_EN = {
    "P1": "Institutions", "P2": "Human capital\n& research", "P3": "Infrastructure", "P4": "Market\nsophistication",
    "P5": "Business\nsophistication", "P6": "Knowledge &\ntechnology outputs", "P7": "Impact",
}


def _style() -> None:
    plt.rcParams.update({
        "font.family": FONT, "font.size": 10, "axes.spines.top": False, "axes.spines.right": False,
        "axes.titlesize": 12, "axes.titleweight": "bold", "axes.titlelocation": "left",
    })


def vi_formatter(decimals: int = 0, lang: str = "vi") -> FuncFormatter:
    """Axis numbers: Vietnamese notation (48,76) for vi, English (48.76) for en."""
    if lang == "en":
        return FuncFormatter(lambda value, _: f"{value:,.{decimals}f}")
    return FuncFormatter(lambda value, _: format_vi(value, decimals))


def label(value: float, decimals: int, lang: str) -> str:
    return f"{value:,.{decimals}f}" if lang == "en" else format_vi(value, decimals)


def save(fig: plt.Figure, path: Path) -> Path:
    """Write the PNG; in a notebook also show the chart inline. The figure is closed either way (memory)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=DPI, bbox_inches=None, facecolor="white")
    path.write_bytes(png.getvalue())
    if _in_notebook():  # the PNG just drawn: displaying the figure would lay it out and draw it twice more
        from IPython.display import Image, display

        display(Image(data=png.getvalue(), format="png"))
    plt.close(fig)
    return path


def new_figure(height_in: float = 4.2):
    _style()
    return plt.subplots(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")


def rank_history(traj: pd.DataFrame, lang: str = "vi"):
    """Rank as 'top X %' by edition for each province, with the rank written on each point."""
    fig, ax = new_figure(3.8)
    colours = {"Bắc Ninh": BLUE, "Bắc Giang": ORANGE}
    for position, (province, rows) in enumerate(traj.groupby("province", sort=False)):
        rows = rows.sort_values("edition")
        offset = (0, -16) if province == "Bắc Ninh" else (0, 8)
        ax.plot(rows["edition"], rows["rank_percentile"], marker="o", color=colours.get(province, GREY),
                label=province, linewidth=2)
        for _, r in rows.iterrows():
            ax.annotate(f"{int(r['rank'])}/{int(r['n_units'])}", (r["edition"], r["rank_percentile"]),
                        textcoords="offset points", xytext=offset, ha="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xticks(sorted(traj["edition"].unique()))
    ax.yaxis.set_major_formatter(vi_formatter(0, lang))
    if lang == "en":
        ax.set_title("PII rank as a percentile of provinces (lower is better)")
        ax.set_ylabel("top … % of units")
        note = "2023–2024: 63 provinces; 2025: 34 provinces after the merger"
    else:
        ax.set_title("Thứ hạng PII theo phân vị (top … % số tỉnh; càng thấp càng tốt)")
        ax.set_ylabel("top … % số đơn vị")
        note = "2023–2024: 63 tỉnh, thành; 2025: 34 tỉnh, thành sau sáp nhập"
    ax.set_ylim(max(traj["rank_percentile"].max() * 1.3, 25), 0)
    ax.legend(frameon=False, loc="lower left")
    ax.text(1.0, -0.16, note, transform=ax.transAxes, ha="right", fontsize=8, color="#555")
    return fig


def pillar_profile(profile: pd.DataFrame, targets: dict[str, float] | None = None, lang: str = "vi"):
    """Grouped bars of the seven pillars by edition, with target markers."""
    fig, ax = new_figure(4.2)
    labels = PILLAR_LABELS_EN if lang == "en" else PILLAR_LABELS_VI
    pillars = list(profile.index)
    x = np.arange(len(pillars))
    editions = list(profile.columns)
    width = 0.8 / max(len(editions), 1)
    palette = [GREY, BLUE, ORANGE]
    for i, edition in enumerate(editions):
        values = profile[edition].to_numpy(dtype=float)
        bars = ax.bar(x + (i - (len(editions) - 1) / 2) * width, values, width, label=str(edition),
                      color=palette[(i + 3 - len(editions)) % len(palette)])
        for bar, v in zip(bars, values):
            if not np.isnan(v):
                ax.text(bar.get_x() + bar.get_width() / 2, v + 1, label(v, 1, lang), ha="center", fontsize=7)
    if targets:
        for j, pillar in enumerate(pillars):
            if pillar in targets:
                ax.plot([j - 0.45, j + 0.45], [targets[pillar]] * 2, color=RED, linewidth=1.5)
        ax.plot([], [], color=RED, label="Chỉ tiêu 2025 (KH 279)" if lang != "en" else "2025 target (KH 279)")
    ax.set_xticks(x, [labels[p] for p in pillars], fontsize=8)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(vi_formatter(0, lang))
    ax.set_title("Điểm 7 trụ cột PII của Bắc Ninh" if lang != "en" else "Bắc Ninh's seven PII pillars")
    ax.legend(frameon=False, ncols=4, loc="upper right", fontsize=8)
    return fig


def gap_chart(ranking: pd.DataFrame, province: str, edition: int, lines: dict[str, float], lang: str = "vi"):
    """Published scores of an edition's top units (the province highlighted), with threshold lines."""
    fig, ax = new_figure(4.0)
    known = ranking.dropna(subset=["score"]).head(12).iloc[::-1]
    colours = [BLUE if p == province else GREY for p in known["province"]]
    ax.barh([f"{r}. {p}" for r, p in zip(known["rank"], known["province"])], known["score"], color=colours)
    for y, v in enumerate(known["score"]):
        ax.text(v + 0.3, y, label(v, 2, lang), va="center", fontsize=8)
    for text, value in lines.items():
        ax.axvline(value, color=ORANGE, linestyle="--", linewidth=1)
        ax.text(value, len(known) - 0.4, text, color=ORANGE, fontsize=8, ha="right", rotation=0)
    ax.xaxis.set_major_formatter(vi_formatter(0, lang))
    ax.set_xlim(0, max(known["score"].max() * 1.12, 10))
    ax.set_title(f"PII {edition}: các địa phương đã công bố điểm" if lang != "en"
                 else f"PII {edition}: units whose score was published")
    return fig


def tfp_shares(periods: pd.DataFrame, band: pd.DataFrame, targets: dict[str, float], lang: str = "vi"):
    """TFP share of growth by period (bars), the α band (whiskers), published figures and target lines."""
    fig, ax = new_figure(4.2)
    periods = periods.sort_values("period_start").reset_index(drop=True)
    labels = list(periods["years_with_data"])
    x = np.arange(len(periods))
    alphas = periods["alpha"].dropna().round(4).unique() if "alpha" in periods else []  # 0.35 and 0.3499999… are one α
    used = f" (α = {label(float(alphas[0]), 2, lang)})" if len(alphas) == 1 else ""  # the α of the bars, not a default
    ax.bar(x, periods["tfp_share_pct"], color=BLUE, width=0.6, label=("Ước tính" if lang != "en" else "Estimate") + used)
    for i, row in periods.iterrows():
        b = band[(band["period_start"] == row["period_start"]) & (band["period_end"] == row["period_end"])]
        if len(b):
            ax.plot([i, i], [b["tfp_share_pct"].min(), b["tfp_share_pct"].max()], color="black", linewidth=1)
        if not pd.isna(row.get("published_share_pct")):
            ax.scatter([i], [row["published_share_pct"]], color=ORANGE, zorder=3, s=40)
    ax.scatter([], [], color=ORANGE, label="Số đã công bố" if lang != "en" else "Published figure")
    ax.plot([], [], color="black", label="Khoảng α 0,30–0,55" if lang != "en" else "α band 0.30–0.55")
    for text, value in targets.items():
        ax.axhline(value, color=RED, linestyle="--", linewidth=1)
        ax.text(-0.4, value + 1, text, color=RED, fontsize=8, ha="left")
    ax.set_xticks(x, labels, fontsize=8)
    ax.yaxis.set_major_formatter(vi_formatter(0, lang))
    ax.set_ylabel("% tăng trưởng" if lang != "en" else "% of growth")
    ax.set_title("Việt Nam: đóng góp của TFP vào tăng trưởng GDP theo giai đoạn" if lang != "en"
                 else "Viet Nam: TFP contribution to GDP growth by period")
    ax.legend(frameon=False, fontsize=8, loc="upper center", ncols=3)
    ax.set_ylim(min(-5, float(band["tfp_share_pct"].min()) - 5) if len(band) else -5, 90)
    return fig


def growth_decomposition(periods: pd.DataFrame, lang: str = "vi", region: str = "Việt Nam"):
    """Average yearly growth split into capital, labour and TFP (log points), by period, for ``region``."""
    fig, ax = new_figure(4.0)
    periods = periods.sort_values("period_start").reset_index(drop=True)
    labels = list(periods["years_with_data"])
    x = np.arange(len(periods))
    parts = [("contrib_k", GREY, "Vốn" if lang != "en" else "Capital"),
             ("contrib_l", ORANGE, "Lao động" if lang != "en" else "Labour"),
             ("g_tfp", BLUE, "TFP")]
    pos_base, neg_base = np.zeros(len(x)), np.zeros(len(x))
    for column, colour, name in parts:
        values = periods[column].to_numpy(dtype=float)
        base = np.where(values >= 0, pos_base, neg_base)
        ax.bar(x, values, bottom=base, color=colour, width=0.6, label=name)
        pos_base += np.where(values >= 0, values, 0)
        neg_base += np.where(values < 0, values, 0)
    ax.scatter(x, periods["g_y"], color="black", zorder=3, s=20,
               label="Tăng trưởng GDP" if lang != "en" else "GDP growth")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xticks(x, labels, fontsize=8)
    ax.yaxis.set_major_formatter(vi_formatter(1, lang))
    ax.set_ylabel("điểm % mỗi năm (log)" if lang != "en" else "log points a year")
    ax.set_title(f"{region}: nguồn tăng trưởng bình quân năm" if lang != "en"
                 else f"{'Viet Nam' if region == 'Việt Nam' else region}: sources of yearly growth")
    ax.legend(frameon=False, fontsize=8, ncols=4, loc="upper right")
    return fig


def status_overview(counts: pd.DataFrame, lang: str = "vi"):
    """One horizontal bar per status: how many current targets are in it."""
    fig, ax = new_figure(2.8)
    counts = counts.iloc[::-1]
    ax.barh([status.label(s, lang) for s in counts["status"]], counts["targets"],
            color=[status.colour(s) for s in counts["status"]])
    for y, v in enumerate(counts["targets"]):
        ax.text(v + 0.5, y, str(int(v)), va="center", fontsize=9)
    ax.set_xlim(0, counts["targets"].max() * 1.15 + 1)
    ax.set_title(f"{int(counts['targets'].sum())} chỉ tiêu hiện hành theo tình trạng" if lang != "en"
                 else f"{int(counts['targets'].sum())} current targets by status")
    return fig


def key_targets(panels: list[dict], lang: str = "vi"):
    """Small multiples: actual points, estimates and plans, the target, and the straight path to it."""
    _style()
    cols = 3
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH_IN, 2.6 * rows), dpi=DPI, layout="constrained")
    for ax, panel in zip(np.ravel(axes), panels):
        ax.set_title(panel["title"], fontsize=9, loc="left")
        actual, estimate, plan = panel["actual"], panel["estimate"], panel["plan"]
        if not len(actual) and not len(estimate) and not len(plan):
            ax.text(0.5, 0.5, "Chưa có số liệu" if lang != "en" else "No data", transform=ax.transAxes,
                    ha="center", va="center", color=RED, fontsize=11, fontweight="bold")
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ("left", "bottom"):
                ax.spines[side].set_color("#dddddd")
            continue
        # No line across the merger: values of the old province (63-unit map, old borders) are grey and joined
        # only to each other; the path to the target starts from the merged province's latest value, if any.
        old_territory = _territory(actual) == "old"
        merged_actual = actual[~old_territory]
        if old_territory.any():
            ax.plot(actual["year"][old_territory], actual["value"][old_territory], marker="o", color=GREY,
                    linewidth=1.2)
            ax.axvline(MERGER_LINE_X, color="#bbbbbb", linestyle="--", linewidth=0.8, zorder=1)
        if len(merged_actual):
            ax.plot(merged_actual["year"], merged_actual["value"], marker="o", color=BLUE, linewidth=1.5)
        if len(estimate):
            ax.scatter(estimate["year"], estimate["value"], facecolors="white", edgecolors=BLUE, zorder=3)
        if len(plan):
            ax.scatter(plan["year"], plan["value"], marker="s", facecolors="white", edgecolors=GREY, zorder=3)
        ax.scatter([panel["target_year"]], [panel["target"]], marker="*", s=120, color=RED, zorder=4)
        merged_estimate = estimate[_territory(estimate) != "old"]
        last = (merged_actual.iloc[-1] if len(merged_actual)
                else merged_estimate.iloc[-1] if len(merged_estimate) else None)
        if last is not None:
            ax.plot([last["year"], panel["target_year"]], [last["value"], panel["target"]], color=RED,
                    linestyle=":", linewidth=1)
        if panel.get("invert"):
            ax.invert_yaxis()
        ax.yaxis.set_major_formatter(vi_formatter(panel.get("decimals", 0), lang))
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=5))
    for ax in np.ravel(axes)[len(panels):]:
        ax.axis("off")
    names = (("actual", "estimate", "plan", "target", "old province (to 2024; ranks of 63)") if lang == "en"
             else ("thực tế", "ước tính", "kế hoạch", "mục tiêu", "tỉnh cũ (đến 2024; hạng trên 63)"))
    handles = [
        plt.Line2D([], [], marker="o", color=BLUE, linestyle="-", label=names[0]),
        plt.Line2D([], [], marker="o", color=GREY, linestyle="-", label=names[4]),
        plt.Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor=BLUE, linestyle="", label=names[1]),
        plt.Line2D([], [], marker="s", markerfacecolor="white", markeredgecolor=GREY, linestyle="", label=names[2]),
        plt.Line2D([], [], marker="*", color=RED, markersize=11, linestyle=":", label=names[3]),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=8)
    return fig


MERGER_LINE_X = FIRST_MERGED_YEAR - 0.5  # between the last old-map year and the first merged one


def _territory(series: pd.DataFrame) -> pd.Series:
    """``old`` or ``merged`` per row: the series' own column, else the default rule (old before 2025)."""
    given = series["territory"] if "territory" in series.columns else pd.Series("", index=series.index)
    by_year = pd.Series(np.where(series["year"].astype(int) < FIRST_MERGED_YEAR, "old", "merged"), index=series.index)
    return given.fillna("").astype(str).where(given.fillna("").astype(str) != "", by_year)


# --------------------------------------------------------------------------------------------- seaborn charts
# Statistical views for researchers (notebooks and the annex); seaborn draws the heat maps and interval plots
# on the same figure size and fonts as the e-mail charts above.


def _seaborn():
    import seaborn as sns  # no sns.set_theme(): it would restyle every later chart of the kernel

    return sns


def _footnote(ax, text: str) -> None:
    ax.annotate(text, xy=(1, 0), xycoords="axes fraction", xytext=(0, -34), textcoords="offset points",
                ha="right", va="top", fontsize=8, color="#555")


def pillar_heatmap(profile: pd.DataFrame, province: str, n_units: dict[int, int], lang: str = "vi"):
    """The province's seven pillar scores by edition as a heat map; each edition labelled with its scale.

    Scores are min–max scores within an edition (63 units to 2024, 34 from 2025), so colours compare pillars
    within a column; across columns only where the scale is the same.
    """
    sns = _seaborn()
    fig, ax = new_figure(4.0)
    names = PILLAR_LABELS_EN if lang == "en" else PILLAR_LABELS_VI
    data = profile.astype(float)
    data.index = [f"{p} {names.get(p, '').replace(chr(10), ' ')}".strip() for p in data.index]
    units = "units" if lang == "en" else "đơn vị"
    data.columns = [f"{e}\n({n_units.get(e, '?')} {units})" for e in profile.columns]
    annot = data.map(lambda v: "" if pd.isna(v) else label(v, 1, lang))
    sns.heatmap(data, annot=annot, fmt="", cmap="Blues", vmin=0, vmax=100, linewidths=0.5, ax=ax,
                cbar_kws={"label": "điểm (0–100)" if lang != "en" else "score (0–100)"})
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(f"{province}: điểm 7 trụ cột PII qua các kỳ" if lang != "en"
                 else f"{province}: the seven PII pillars by edition")
    _footnote(ax, "Điểm chỉ so sánh được giữa các kỳ cùng thang (cùng số đơn vị)." if lang != "en"
              else "Scores compare across editions only on the same scale (same number of units).")
    return fig


def rank_intervals(ranks: pd.DataFrame, province: str, draws: int, seed: int, lang: str = "vi", top: int = 20):
    """Monte Carlo rank uncertainty: median rank and the 5–95 % interval of each unit (the best ``top``)."""
    sns = _seaborn()
    shown = ranks.sort_values("median_rank").head(top).reset_index(drop=True)
    fig, ax = new_figure(max(3.0, 0.22 * len(shown) + 1.2))
    colours = [BLUE if unit == province else GREY for unit in shown["unit"]]
    ax.hlines(shown["unit"], shown["rank_p05"], shown["rank_p95"], colors=colours, linewidth=3)
    sns.scatterplot(x=shown["median_rank"], y=shown["unit"], hue=shown["unit"] == province, palette={False: GREY, True: BLUE},
                    legend=False, ax=ax, s=40, zorder=3)
    sns.scatterplot(x=shown["nominal_rank"], y=shown["unit"], marker="|", color="black", s=120, ax=ax, zorder=4)
    ax.set_ylim(len(shown) - 0.5, -0.5)  # the best median rank on top, whatever seaborn did to the axis
    ax.set_xlabel("thứ hạng" if lang != "en" else "rank")
    ax.set_ylabel("")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    n = label(draws, 0, lang)
    ax.set_title(f"Độ bất định của thứ hạng PII ({n} lần Monte Carlo, seed {seed})" if lang != "en"
                 else f"PII rank uncertainty ({n} Monte Carlo draws, seed {seed})")
    _footnote(ax, "chấm: trung vị; vạch: 5–95 %; gạch đen: hạng danh nghĩa" if lang != "en"
              else "dot: median; bar: 5–95 %; black tick: nominal rank")
    return fig


def status_by_agency(assessment: pd.DataFrame, lang: str = "vi"):
    """How many current targets each responsible agency has in each status (a heat map of counts)."""
    sns = _seaborn()
    nobody = "(not assigned)" if lang == "en" else "(không giao cụ thể)"
    agency = assessment["agency"].fillna("").replace("", nobody)
    table = pd.crosstab(agency, assessment["status"])
    order = [s for s in status.STATUSES if s in table.columns] + [s for s in table.columns if s not in status.STATUSES]
    table = table[order].rename(columns=lambda s: status.LABELS[lang if lang == "en" else "vi"].get(s, s))
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index]
    fig, ax = new_figure(max(2.8, 0.32 * len(table) + 1.4))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", vmin=0, cbar=False, linewidths=0.5, ax=ax,
                mask=table.eq(0), annot_kws={"fontsize": 8})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="both", labelsize=8)
    ax.set_title(f"{len(assessment)} chỉ tiêu hiện hành: tình trạng theo cơ quan chủ trì" if lang != "en"
                 else f"{len(assessment)} current targets: status by responsible agency")
    return fig


# --------------------------------------------------------------------------------------------- leadership brief
# The brief's charts are drawn for a phone: a 4.8-inch figure shown about 358 px wide on a 390-px screen
# (the sheet's 16-px padding each side), so a font of 11 pt shows at 11 × 358 / (72 × 4.8) ≈ 11.4 px there,
# and at about 19 px on a desktop. 200 dpi keeps them sharp on high-density screens (960 px wide).
BRIEF_WIDTH_IN, BRIEF_DPI, BRIEF_FONT_PT = 4.8, 200, 11
MIN_FONT_KEY = "bnkpi-min-font-px"  # PNG text chunk: the smallest font in the image, in image pixels


def _brief_figure(height_in: float):
    plt.rcParams.update({
        "font.family": FONT, "font.size": BRIEF_FONT_PT, "axes.spines.top": False, "axes.spines.right": False,
        "axes.titlesize": BRIEF_FONT_PT + 1, "axes.titleweight": "bold", "axes.titlelocation": "left",
        "xtick.labelsize": BRIEF_FONT_PT, "ytick.labelsize": BRIEF_FONT_PT, "legend.fontsize": BRIEF_FONT_PT,
        "axes.labelsize": BRIEF_FONT_PT,
    })
    return plt.subplots(figsize=(BRIEF_WIDTH_IN, height_in), dpi=BRIEF_DPI, layout="constrained")


def min_font_px(fig: plt.Figure) -> float:
    """The smallest font of any visible, non-empty text in the figure, in pixels of the saved image."""
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) * fig.dpi / 72 if sizes else math.inf


def save_brief(fig: plt.Figure, path: Path) -> Path:
    """Save a brief chart, recording its smallest font (image pixels) so a test can check it as displayed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=fig.dpi, facecolor="white", metadata={MIN_FONT_KEY: f"{min_font_px(fig):.2f}"})
    plt.close(fig)
    return path


def brief_pii_ranks(trajectory: pd.DataFrame, province: str, texts: dict, goal_rank: int | None = None):
    """PII ranks in two panels, one per ranking (63 units before the merger of 1 July 2025, 34 after), rank 1 at
    the top, each with its own axis: 6th of 63 and 6th of 34 are not one height on one scale, so the chart cannot
    read as a rise or a fall across the merger. The goal (top ``goal_rank``) is a shaded band and a dashed line in
    both panels; ``texts["margin"]`` (the lead over the next rank) is written under the 34-unit panel.

    ``trajectory``: province, edition, rank, n_units (the old provinces in the 63-unit panel).
    ``texts``: title, old_series, new_series, axis, goal, margin, former, merged."""
    fig, ax = _brief_figure(3.8)
    ranked = trajectory.dropna(subset=["rank"])
    scales = sorted(ranked["n_units"].unique(), reverse=True)
    counts = [ranked[ranked["n_units"] == n]["edition"].nunique() for n in scales]
    ax.remove()
    axes = np.atleast_1d(fig.subplots(1, len(scales), gridspec_kw=dict(width_ratios=[max(c, 1) + 0.6 for c in counts])))
    for panel, n_units in zip(axes, scales):
        rows = ranked[ranked["n_units"] == n_units]
        merged = n_units == min(scales) and len(scales) > 1
        top = int(rows["rank"].max())
        bottom = max(top, goal_rank or 0) + 3
        if goal_rank:
            panel.axhspan(0.5, goal_rank + 0.5, color="#e3f0e3", zorder=0)
            panel.axhline(goal_rank + 0.5, color=GREEN, linestyle="--", linewidth=1.2, zorder=1)
        for name, part in rows.groupby("province", sort=False):
            part = part.sort_values("edition")
            own = name == province
            colour = BLUE if own else GREY
            label = texts["merged"].format(province=name) if merged else texts["former"].format(province=name)
            panel.plot(part["edition"], part["rank"], marker="o", color=colour, linewidth=2.5 if own else 1.8,
                       markersize=8 if own else 6, label=label, zorder=3 if own else 2)
            for _, r in part.iterrows() if own else ():  # the other province's ranks are in the text
                panel.annotate(f"{int(r['rank'])}/{int(r['n_units'])}", (r["edition"], r["rank"]),
                               textcoords="offset points", xytext=(0, 9), ha="center", fontweight="bold",
                               color=colour)
        editions = sorted(rows["edition"].unique())
        panel.set_xlim(editions[0] - 0.6, editions[-1] + 0.6)
        panel.set_xticks(editions, [str(int(e)) for e in editions])
        panel.set_ylim(bottom, 0)
        panel.set_yticks(sorted({1, goal_rank or 1, 10} | ({15} if bottom > 15 else set())))
        width = 18 if rows["edition"].nunique() > 1 else 13  # a one-edition panel is narrow
        panel.set_title("\n".join(textwrap.wrap((texts["new_series"] if merged else texts["old_series"])
                                                .format(n=int(n_units)), width)), fontsize=BRIEF_FONT_PT,
                        fontweight="normal", loc="left")
        if merged and texts.get("margin"):
            panel.set_xlabel("\n".join(textwrap.wrap(texts["margin"], width)), color=GREEN)
    axes[0].set_ylabel(texts["axis"])
    handles, labels = axes[0].get_legend_handles_labels()
    if goal_rank:
        handles.append(matplotlib.lines.Line2D([], [], color=GREEN, linestyle="--", linewidth=1.2))
        labels.append(texts["goal"].format(k=goal_rank))
    fig.legend(handles, labels, frameon=False, loc="outside lower left", ncols=1, handlelength=1.6)
    _title(fig, texts["title"])
    return fig


def append_to_title(fig: plt.Figure, text: str) -> None:
    """Add ``text`` to the title of the figure's first axes, wherever the style put it (the suite's titles are on the
    left, ``axes.titlelocation``; ``get_title()`` alone reads the empty centre title)."""
    ax = fig.axes[0]
    where = next((loc for loc in ("left", "center", "right") if ax.get_title(loc=loc)), plt.rcParams["axes.titlelocation"])
    ax.set_title(f"{ax.get_title(loc=where)} {text}".strip(), loc=where)


def _title(fig: plt.Figure, text: str) -> None:
    """A left-aligned title across the whole figure, wrapped to its width (long y labels do not push it off)."""
    fig.suptitle("\n".join(textwrap.wrap(text, 44)), x=0.01, ha="left", fontsize=BRIEF_FONT_PT + 1, fontweight="bold")


def brief_tfp_growth(bars: pd.DataFrame, need: tuple[float, float] | None, texts: dict, lang: str = "vi"):
    """TFP growth per year (the figure the text argues with): Việt Nam's plan periods, labelled by the years the
    figure rests on, the province's own estimate where one exists, and on top the range of growth the 2026–2030
    goal needs (red). Academic and other published shares use other methods and are not drawn here.
    ``bars``: label, value (% a year), kind ∈ national|provincial."""
    rows = list(bars.itertuples(index=False))
    n = len(rows) + (1 if need else 0)
    fig, ax = _brief_figure(0.9 + 0.5 * n)
    y = np.arange(n)[::-1] * 1.6
    right = max([float(r.value) for r in rows] + ([need[1]] if need else [0]))
    offset = 0.02 * max(right, 1)
    items = []
    if need:
        low, high = need
        items.append((texts["need"], low, max(high - low, 0.06 * right), RED,
                      f"{label(low, 2, lang)}–{label(high, 2, lang)}"))
    for r in rows:
        items.append((r.label, 0, float(r.value), BLUE if r.kind == "national" else GREEN, label(float(r.value), 2, lang)))
    for yi, (name, left, width, colour, text) in zip(y, items):
        ax.barh(yi, width, left=left, color=colour, height=0.7)
        ax.text(0, yi + 0.45, name, va="bottom", ha="left", transform=ax.get_yaxis_transform(),
                color=RED if colour == RED else "#1d2733")
        ax.text(left + max(width, 0) + offset, yi, text, va="center")
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_ylim(-0.6, y.max() + 1.3 if len(y) else 1)
    ax.set_xlim(min(0, min([float(r.value) for r in rows], default=0)), right * 1.3)
    ax.xaxis.set_major_formatter(vi_formatter(0, lang))
    _title(fig, texts["title"])
    return fig
