"""Cleaning and harmonisation: from validated raw tables to the tidy tables in data/processed.

Every decision is returned as a line of the cleaning log (which vintage of a figure was kept, which years
were flagged as structural breaks, what was summed to the 2025 units), so notebooks and the brief can say
what was done to the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import data_round, harmonise, provinces
from .io import write_table
from .schema import ADDITIVE_INDICATORS, DEFAULT_VINTAGE, VINTAGE_RANK
from .validate import ValidationResult, blank

# A year-on-year change (100 × log-difference) this many points away from the median change of the five
# years before is screened as a possible structural break (a source or method change). Inputs such as
# employment move slowly, so a small jump is already suspect; output can really swing by 10 points.
BREAK_THRESHOLD_POINTS = {
    "employment": 5.0,
    "population": 5.0,
    "capital_stock_const": 10.0,
    "grdp_const": 15.0,
    "gva_const": 15.0,
}
BREAK_MIN_HISTORY = 3


@dataclass
class CleanResult:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


def _drop_bookkeeping(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in ("_file", "_row") if c in df.columns])


# --------------------------------------------------------------------------------------------- PII


def clean_pii_scores(raw: pd.DataFrame) -> pd.DataFrame:
    df = _drop_bookkeeping(raw).copy()
    df["unit_map"] = np.where(df["edition"] >= provinces.FIRST_MERGED_YEAR, "34_units", "63_units")
    order = {c: i for i, c in enumerate(["PII", "INPUT", "OUTPUT", "P1", "P2", "P3", "P4", "P5", "P6", "P7"])}
    df = df.sort_values(["edition", "province", "component"], key=lambda s: s.map(order) if s.name == "component" else s)
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------------------------- macro


def select_vintages(macro: pd.DataFrame, log: list[str]) -> pd.DataFrame:
    """One row per (region, year, indicator): the highest-ranked vintage; the others listed in ``alternatives``."""
    df = _drop_bookkeeping(macro).copy()
    df["vintage_rank"] = df["vintage"].map(VINTAGE_RANK)
    if "report_period" not in df.columns:
        df["report_period"] = ""
    df["report_period"] = df["report_period"].fillna("")
    if "territory" not in df.columns:
        df["territory"] = [provinces.default_territory(r, y) for r, y in zip(df["region"], df["year_end"])]
    # the highest vintage wins; among reports, the latest round
    df = df.sort_values(["region", "indicator", "year_start", "year_end", "territory", "vintage_rank", "report_period"],
                        ascending=[True, True, True, True, True, False, False], kind="stable")
    out, others = _first_of_groups(df, ["region", "year", "indicator", "territory"],
                                   lambda o: [f"{_fmt(v)} [{t}]" for v, t in zip(o["value"], o["vintage"])], "; ")
    for index, group in others:
        best = out.loc[index]
        log.append(f"macro: {best['indicator']} {best['region']} {best['year']} ({best['territory']} territory): "
                   f"kept {_fmt(best['value'])} "
                   f"[{best['vintage']}{' ' + best['report_period'] if best['report_period'] else ''}] "
                   f"over {best['alternatives']}")
    out = out.drop(columns=["vintage_rank"]).reset_index(drop=True)
    out["n_vintages"] = out["n_vintages"].astype(int)
    out["unit_basis"] = [_unit_basis(r, e) for r, e in zip(out["region"], out["year_end"])]
    return out


def _first_of_groups(df: pd.DataFrame, keys: list[str], describe, separator: str):
    """The first row of each group of ``df`` (in its order) with ``n_vintages`` and ``alternatives`` (the
    ``describe``d other rows joined by ``separator``), and [(index of that first row, the other rows)] for
    the groups of two or more rows, in group order. Rows with a missing key are left out, as groupby does.

    One groupby for all groups: the choice of the vintage is a sort, so no per-group Python loop is needed.
    """
    group = df.groupby(keys, sort=False).ngroup()
    grouped = group >= 0
    first = grouped & ~group.duplicated()
    out = df[first].infer_objects()  # the column types a table built row by row had (text as str)
    out["n_vintages"] = group[first].map(group[grouped].value_counts()).astype(int)
    rest = df[grouped & ~first]
    labels = pd.Series(describe(rest), index=rest.index, dtype=object)
    joined = labels.groupby(group[rest.index]).agg(separator.join)
    out["alternatives"] = group[first].map(joined).fillna("")
    first_index = pd.Series(out.index, index=group[first].to_numpy())
    others = [(first_index[g], rows) for g, rows in rest.groupby(group[rest.index], sort=True)]
    return out, others


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _unit_basis(region: str, year_end: int) -> str:
    basis = provinces.unit_of_year(region, int(year_end))
    if basis == "pre_2025" and provinces.MERGERS_2025.get(region, region) != region:
        return "pre_2025_absorbed"  # a unit that no longer exists after 1 July 2025
    return basis


def flag_breaks(macro: pd.DataFrame, log: list[str], thresholds: dict[str, float] | None = None) -> pd.DataFrame:
    """Adds ``break_flag`` and ``break_reason``: tagged [break] rows and screened jumps in level series."""
    thresholds = thresholds or BREAK_THRESHOLD_POINTS
    df = macro.copy()
    flags = pd.Series(False, index=df.index)
    reasons = pd.Series("", index=df.index, dtype=object)
    tagged = df["tags"].fillna("").str.split(";").apply(lambda tags: "break" in tags)
    flags |= tagged
    reasons[tagged] = "marked [break] in the raw data"
    annual = df["year_start"] == df["year_end"]
    # a series never runs across a change of territory (old Bắc Ninh 2024 → merged Bắc Ninh 2025 is no break)
    if "territory" not in df.columns:
        df["territory"] = [provinces.default_territory(r, y) for r, y in zip(df["region"], df["year_end"])]
    for (region, indicator, _), group in df[annual & df["indicator"].isin(list(thresholds))].groupby(
            ["region", "indicator", "territory"]):
        series = group.sort_values("year_start")
        years = series["year_start"].to_numpy()
        values = series["value"].to_numpy(dtype=float)
        growth = {}
        for i in range(1, len(series)):
            if years[i] == years[i - 1] + 1 and values[i] > 0 and values[i - 1] > 0:
                growth[years[i]] = 100 * math.log(values[i] / values[i - 1])
        for i, year in enumerate(years):
            if year not in growth:
                continue
            before = [growth[y] for y in range(year - 5, year) if y in growth]
            if len(before) < BREAK_MIN_HISTORY:
                continue
            typical = float(np.median(before))
            if abs(growth[year] - typical) > thresholds[indicator]:
                index = series.index[i]
                flags[index] = True
                text = (f"year-on-year change {growth[year]:+.1f} % against a typical {typical:+.1f} % "
                        "in the five years before: possible break in the series")
                reasons[index] = (reasons[index] + "; " if reasons[index] else "") + text
                log.append(f"break screen: {indicator} {region} {year}: {text}")
    df["break_flag"] = flags
    df["break_reason"] = reasons
    return df


def harmonise_2025(macro: pd.DataFrame, mergers: pd.DataFrame, log: list[str],
                   reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """Additive series of the old units summed into the 2025 units, for years before the merger.

    A sum is formed only when every old unit of the new province has the figure for that year in the same
    unit; otherwise the year is left out and the log says which component is missing. Indices, shares,
    ranks, growth rates and per-capita values are never summed.
    """
    groups = mergers.groupby("new_province_2025")["old_province_2024"].apply(list)
    rows = []
    annual = macro[(macro["year_start"] == macro["year_end"]) & macro["indicator"].isin(ADDITIVE_INDICATORS)
                   & (macro["year_end"] < provinces.FIRST_MERGED_YEAR)]
    if "territory" in annual.columns:
        annual = annual[annual["territory"] != "merged"]
    for new_unit, old_units in groups.items():
        if len(old_units) < 2:
            continue
        parts = annual[annual["region"].isin(old_units)]
        if parts.empty:
            continue
        for (indicator, year), group in parts.groupby(["indicator", "year_start"]):
            present = set(group["region"])
            missing = [u for u in old_units if u not in present]
            if missing:
                log.append(f"harmonise: {indicator} {year} for {new_unit}: not summed, "
                           f"{', '.join(missing)} has no figure")
                continue
            units = set(group["unit"])
            if len(units) > 1:
                log.append(f"harmonise: {indicator} {year} for {new_unit}: not summed, units differ {sorted(units)}")
                continue
            components = "; ".join(f"{r} {_fmt(v)} [{t}]" for r, v, t in
                                   zip(group["region"], group["value"], group["vintage"]))
            rows.append(dict(
                region=new_unit, year=int(year), indicator=indicator, value=float(group["value"].sum()),
                unit=units.pop(), unit_basis="harmonised_2025", components=components,
                source="sum of the old units' figures: " + " | ".join(group["source"]),
            ))
    if rows:
        log.append(f"harmonise: {len(rows)} additive figures summed to the 2025 units")
    columns = ["region", "year", "indicator", "value", "unit", "unit_basis", "components", "source"]
    out = pd.DataFrame(rows, columns=columns)
    if reported is not None and len(reported):
        given = pd.DataFrame(dict(region=reported["region"], year=reported["year_end"].astype(int),
                                  indicator=reported["indicator"], value=reported["value"].astype(float),
                                  unit=reported["unit"], unit_basis="reported_merged", components="",
                                  source=reported["source"]))
        sums = out.set_index(["region", "year", "indicator"])
        for _, row in given.iterrows():
            key = (row["region"], row["year"], row["indicator"])
            summed = f"{_fmt(sums.loc[key, 'value'])} (sum of the old units)" if key in sums.index else "no sum"
            log.append(f"harmonise: {row['indicator']} {row['year']} for {row['region']}: the figure reported for "
                       f"the merged territory, {_fmt(row['value'])}, is used; {summed}")
        keys = set(zip(given["region"], given["year"], given["indicator"]))
        out = out[[k not in keys for k in zip(out["region"], out["year"], out["indicator"])]]
        out = pd.concat([out, given], ignore_index=True).sort_values(["region", "indicator", "year"])
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------------------------- targets, KPIs


def resolve_targets(targets: pd.DataFrame, log: list[str]) -> pd.DataFrame:
    """Marks, for each (indicator, target_year), the latest issued target as current; the rest are history."""
    df = _drop_bookkeeping(targets).copy()
    df["issued_sort"] = df["issued"].astype(str).str.pad(10, side="right", fillchar="~")
    df = df.sort_values(["indicator", "target_year", "issued_sort", "target_id"]).reset_index(drop=True)
    df["is_current"] = False
    df["superseded_by"] = ""
    for (indicator, year), group in df.groupby(["indicator", "target_year"], sort=False):
        latest = group.index[-1]
        df.loc[latest, "is_current"] = True
        for index in group.index[:-1]:
            df.loc[index, "superseded_by"] = df.loc[latest, "target_id"]
            log.append(f"targets: {df.loc[index, 'target_id']} ({indicator} {year}, issued {df.loc[index, 'issued']}) "
                       f"is superseded by {df.loc[latest, 'target_id']} (issued {df.loc[latest, 'issued']})")
    return df.drop(columns=["issued_sort"])


PII_KPI_NAMES = {"PII": "pii_score", "INPUT": "pii_input_score", "OUTPUT": "pii_output_score",
                 **{f"P{i}": f"pii_p{i}_score" for i in range(1, 8)}}
MACRO_KPI_INDICATORS = ("grdp_growth_pct", "tfp_contribution_pct")


def build_kpi(kpi: pd.DataFrame, pii: pd.DataFrame, macro: pd.DataFrame) -> pd.DataFrame:
    """The raw KPI rows plus the KPI values that live in other raw files (PII scores and ranks, growth, TFP)."""
    base = _drop_bookkeeping(kpi).copy()
    base["origin"] = "kpi_actuals"
    frames = [base]
    pii_rows = []
    for _, row in pii.iterrows():
        if not blank(row["score"]):
            pii_rows.append(dict(indicator=PII_KPI_NAMES[row["component"]], region=row["province"],
                                 year=int(row["edition"]), value=float(row["score"]), unit="points (0-100)",
                                 kind="actual", source=row["source"], origin="pii_scores"))
        if row["component"] == "PII" and not blank(row["rank"]):
            pii_rows.append(dict(indicator="pii_rank", region=row["province"], year=int(row["edition"]),
                                 value=float(row["rank"]), unit=f"rank of {int(row['n_units'])}", kind="actual",
                                 source=row["source"], origin="pii_scores"))
    frames.append(pd.DataFrame(pii_rows))
    annual = macro[(macro["year_start"] == macro["year_end"]) & macro["indicator"].isin(MACRO_KPI_INDICATORS)]
    frames.append(pd.DataFrame(dict(
        indicator=annual["indicator"], region=annual["region"], year=annual["year_start"].astype(int),
        value=annual["value"].astype(float), unit=annual["unit"],
        kind=np.where(annual["vintage"].isin(["estimate", "early estimate"]), "estimate", "actual"),
        source=annual["source"], origin="macro", vintage=annual["vintage"],
        territory=annual["territory"] if "territory" in annual.columns else "")))
    out = pd.concat([f for f in frames if len(f)], ignore_index=True)
    given = out["territory"].fillna("") if "territory" in out.columns else pd.Series("", index=out.index)
    out["territory"] = [t or provinces.default_territory(r, y) for t, r, y in zip(given, out["region"], out["year"])]
    out["unit_basis"] = [_unit_basis(r, y) for r, y in zip(out["region"], out["year"])]
    return out.sort_values(["indicator", "region", "year", "kind"]).reset_index(drop=True)


KPI_KEY = ["indicator", "region", "year", "kind", "territory"]


def join_reports(kpi: pd.DataFrame, reports: pd.DataFrame | None, log: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The actuals with the values of the returned workbooks: (one row per fact, every vintage).

    Several publications of one fact (vintage tags in kpi_actuals' ``note``, and the returned reports) are all
    kept; the highest-ranked vintage is used (``VINTAGE_RANK``: a report, the responsible agency's own statement,
    first, the latest round first), the others stay in ``alternatives`` and in the all-vintages table, and the
    log says which was kept over which whenever the values differ — never a silent overwrite.
    """
    base = kpi.copy()
    base["vintage"] = base["vintage"].fillna(DEFAULT_VINTAGE) if "vintage" in base.columns else DEFAULT_VINTAGE
    base["report_period"] = ""
    frames = [base]
    if reports is not None and len(reports):
        frames.append(data_round.report_kpi_rows(reports).assign(origin="report", vintage="report"))
    every = pd.concat(frames, ignore_index=True)
    every["unit_basis"] = [_unit_basis(r, y) for r, y in zip(every["region"], every["year"])]
    every["_rank"] = every["vintage"].map(VINTAGE_RANK).fillna(-1)
    every = every.sort_values(KPI_KEY + ["_rank", "report_period"], ascending=[True] * 5 + [False, False],
                              kind="stable").drop(columns=["_rank"])
    out, others = _first_of_groups(every, KPI_KEY, lambda o: [f"{_fmt(v)} [{t}] ({s})" for v, t, s in
                                                              zip(o["value"], o["vintage"], o["source"])], " | ")
    for index, group in others:
        best = out.loc[index]
        differing = group[group["value"] != best["value"]]
        if len(differing):
            indicator, region, year, kind, territory = (best[k] for k in KPI_KEY)
            period = f" {best['report_period']}" if best["report_period"] else ""
            log.append(f"kpi: {indicator} {region} {year} {kind} ({territory} territory): kept {_fmt(best['value'])} "
                       f"[{best['vintage']}{period}] over " + "; ".join(
                           f"{_fmt(v)} [{t}{' ' + p if p else ''}]" for v, t, p in
                           zip(differing["value"], differing["vintage"], differing["report_period"])))
    out = out.reset_index(drop=True)
    out["n_vintages"] = out["n_vintages"].astype(int)
    n_reported = int((out["vintage"] == "report").sum())
    if n_reported:
        log.append(f"reports: {n_reported} values of the returned workbooks joined to the actuals")
    return out, every.reset_index(drop=True)


def split_reported_merged(macro: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(macro rows of one territory per region, figures given for a merged province's territory before 2025)."""
    merged_past = ((macro["territory"] == "merged") & (macro["year_end"] < provinces.FIRST_MERGED_YEAR)
                   & (macro["region"] != provinces.NATION))
    return macro[~merged_past], macro[merged_past]


def report_macro(reports: pd.DataFrame | None) -> pd.DataFrame:
    """The statistics office's series in the typed macro layout of validation (vintage ``report``)."""
    if reports is None or reports.empty:
        return pd.DataFrame()
    rows = data_round.report_macro_rows(reports)
    years = rows["year"].astype(int)
    return rows.assign(year_start=years, year_end=years, vintage="report", tags="report",
                       note_text=rows["note"].str.replace("[report]", "", regex=False).str.strip())


# --------------------------------------------------------------------------------------------- all


def clean_all(validated: ValidationResult) -> CleanResult:
    """All processed tables from a validation result without problems."""
    if not validated.ok:
        raise ValueError("the raw data have problems: run `bnkpi validate` and correct them first")
    result = CleanResult()
    log = result.log
    t = validated.tables
    pii = clean_pii_scores(t["pii_scores"])
    reports = t.get("reports")
    macro_all = pd.concat([_drop_bookkeeping(t["macro"]), report_macro(reports)], ignore_index=True)
    macro_all["report_period"] = macro_all.get("report_period", pd.Series("", index=macro_all.index)).fillna("")
    own, reported_merged = split_reported_merged(macro_all)
    macro = flag_breaks(select_vintages(own, log), log)
    merged_chosen = select_vintages(reported_merged, log) if len(reported_merged) else reported_merged
    macro_vintages = macro_all.sort_values(["region", "indicator", "year_start", "year_end", "territory"])
    mergers = _drop_bookkeeping(t["province_mergers_2025"])
    kpi, kpi_vintages = join_reports(build_kpi(t["kpi_actuals"], pii, macro), reports, log)
    kpi, kpi_vintages = harmonise.merged_back_series(kpi, kpi_vintages, macro, t["targets"], log)
    result.tables = {
        "pii_scores": pii,
        "macro": macro,
        "macro_all_vintages": macro_vintages.reset_index(drop=True),
        "macro_harmonised": harmonise_2025(macro, mergers, log, merged_chosen),
        "targets": resolve_targets(t["targets"], log),
        "kpi_actuals": kpi,
        "kpi_actuals_all_vintages": kpi_vintages,
        "reports": (reports if reports is not None else pd.DataFrame(columns=data_round.REPORT_TABLE_COLUMNS)
                    ).reset_index(drop=True),
        "province_mergers_2025": mergers.reset_index(drop=True),
    }
    for name in ("pii_indicators", "pii_framework", "pii_profile_notes", "pii_reference_values"):
        if name in t and len(t[name]):
            result.tables[name] = _drop_bookkeeping(t[name]).reset_index(drop=True)
    return result


def write_processed(result: CleanResult, processed_dir: Path) -> list[Path]:
    processed_dir = Path(processed_dir)
    paths = [write_table(df, processed_dir / f"{name}.csv") for name, df in result.tables.items()]
    log_path = processed_dir / "cleaning_log.txt"
    log_path.write_text("\n".join(result.log) + "\n", encoding="utf-8")
    return paths + [log_path]


# --------------------------------------------------------------------------------------------- summaries for notebooks


def inventory(validated: ValidationResult) -> pd.DataFrame:
    """One row per raw table: files read and number of rows."""
    rows = []
    for name, df in validated.tables.items():
        files = df["_file"] if "_file" in df.columns else df["file"]  # reports carry their path in ``file``
        rows.append(dict(table=name, files=", ".join(sorted(set(files))), rows=len(df)))
    return pd.DataFrame(rows)


def vintage_decisions(macro: pd.DataFrame) -> pd.DataFrame:
    """The facts published more than once, with the vintage kept and the ones set aside."""
    cols = ["region", "year", "indicator", "value", "vintage", "alternatives"]
    return macro.loc[macro["n_vintages"] > 1, cols].reset_index(drop=True)


def break_table(macro: pd.DataFrame) -> pd.DataFrame:
    cols = ["region", "year", "indicator", "value", "unit", "break_reason"]
    return macro.loc[macro["break_flag"], cols].reset_index(drop=True)


def target_revisions(targets: pd.DataFrame) -> pd.DataFrame:
    """Targets that a later document replaced, beside the target that replaced them."""
    current = targets.set_index("target_id")
    old = targets[targets["superseded_by"] != ""]
    return pd.DataFrame(dict(
        indicator=old["indicator"], target_year=old["target_year"],
        old_target=old["target_id"] + " (" + old["operator"] + " " + old["value"].map(_fmt) + ", " + old["issued"] + ")",
        current_target=[f"{t} ({current.loc[t, 'operator']} {_fmt(current.loc[t, 'value'])}, {current.loc[t, 'issued']})"
                        for t in old["superseded_by"]],
    )).reset_index(drop=True)


def _document_name(citation: str) -> str:
    """A citation up to its first comma outside parentheses: the document, without the section."""
    depth = 0
    for index, char in enumerate(citation):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            return citation[:index].strip()
    return citation.strip()


def source_summary(validated: ValidationResult) -> pd.DataFrame:
    """Where the raw facts come from: each distinct source (URL host or document) with its number of rows."""
    from urllib.parse import urlparse

    rows = []
    for name, df in validated.tables.items():
        for source in df["source"].dropna():
            for part in str(source).split(" | "):
                part = part.strip()
                if part.startswith("http"):
                    host = urlparse(part.split(" ")[0]).netloc.removeprefix("www.")
                    rows.append(dict(table=name, kind="web", source=host))
                elif part.startswith("Penn World Table"):
                    rows.append(dict(table=name, kind="dataset", source="Penn World Table 10.0 (Feenstra, Inklaar & Timmer 2015)"))
                else:
                    rows.append(dict(table=name, kind="document", source=_document_name(part)))
    df = pd.DataFrame(rows)
    return (df.groupby(["kind", "source"]).agg(rows=("table", "size"), tables=("table", lambda t: ", ".join(sorted(set(t)))))
            .reset_index().sort_values(["kind", "rows"], ascending=[True, False]).reset_index(drop=True))
