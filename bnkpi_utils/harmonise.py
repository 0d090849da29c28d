"""The merged province's back series, built from the two old provinces by each indicator's stated rule.

Before 1 July 2025 every agency recorded old Bắc Ninh or old Bắc Giang, not the merged province. The catalogue
``bnkpi_utils/catalogue/indicator_rules.csv`` gives each indicator its harmonisation rule (docs/contracts.md,
"Harmonisation rules"):

- ``sum``: counts, money, persons — merged = old Bắc Ninh + old Bắc Giang;
- ``ratio``: a share asked as a numerator and a denominator — merged = scale × (n₁ + n₂) / (d₁ + d₂);
- ``weighted``: a mean weighted by a series the statistics office supplies (``population_avg``, ``grdp_current``)
  — merged = (v₁w₁ + v₂w₂) / (w₁ + w₂); for a share of that same series this is exactly the ratio of sums;
- ``none``: ranks and published composite indices — never combined; the merged province only, from its first
  edition.

A value is built for a year only when both old provinces have it (and its weights); it is marked ``derived``
with the rule and both sources. A merged figure reported for the same year (the statistics office's recomputed
series, say) takes precedence; the built one is kept as an alternative and the log says which was kept.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from . import provinces
from .numbers import format_vi

RULES_PATH = Path(__file__).with_name("catalogue") / "indicator_rules.csv"
RULES = ("sum", "ratio", "weighted", "none")
RULE_COLUMNS = ("indicator", "rule", "base", "numerator", "numerator_name_vi", "denominator", "denominator_name_vi",
                "component_unit", "scale", "weight", "ask", "quantity_vi", "note")
DERIVED_VINTAGE = "derived"
OLD_LABEL_VI = {"Bắc Ninh": "Bắc Ninh (cũ)", "Bắc Giang": "Bắc Giang (cũ)"}
WEIGHT_VI = {"population_avg": "dân số trung bình", "grdp_current": "GRDP giá hiện hành"}
WEIGHT_EN = {"population_avg": "average population", "grdp_current": "GRDP at current prices"}
RULE_VI = {"sum": "cộng số liệu hai tỉnh cũ",
           "ratio": "tỷ lệ tính lại từ tổng tử số và tổng mẫu số của hai tỉnh cũ",
           "weighted": "bình quân gia quyền số liệu hai tỉnh cũ"}
RULE_EN = {"sum": "sum of the two old provinces",
           "ratio": "share recomputed from the two old provinces' summed numerators and denominators",
           "weighted": "weighted mean of the two old provinces"}


class RuleError(ValueError):
    """A catalogue row that breaks the rules' own contract."""


@functools.lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> pd.DataFrame:
    """The catalogue, one row per indicator, checked: a known rule, ratio rows with both components and a scale,
    weighted rows with a weight series."""
    rules = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in RULE_COLUMNS if c not in rules.columns]
    if missing:
        raise RuleError(f"{path.name}: missing columns {', '.join(missing)}")
    for line, row in enumerate(rules.itertuples(index=False), start=2):
        if row.rule not in RULES:
            raise RuleError(f"{path.name}:{line}: rule must be one of {', '.join(RULES)}, not {row.rule!r}")
        if row.rule == "ratio" and not (row.numerator and row.denominator and row.component_unit and row.scale):
            raise RuleError(f"{path.name}:{line}: a ratio needs numerator, denominator, component_unit and scale")
        if row.rule == "weighted" and row.weight not in WEIGHT_VI:
            raise RuleError(f"{path.name}:{line}: a weighted rule needs weight ∈ {', '.join(WEIGHT_VI)}")
    if rules["indicator"].duplicated().any():
        raise RuleError(f"{path.name}: indicator listed twice: {rules.loc[rules['indicator'].duplicated(), 'indicator'].tolist()}")
    rules["scale"] = pd.to_numeric(rules["scale"].replace("", "1"))
    return rules.set_index("indicator", drop=False)


def rule_of(indicator: str, rules: pd.DataFrame | None = None) -> pd.Series | None:
    rules = load_rules() if rules is None else rules
    return rules.loc[indicator] if indicator in rules.index else None


def components(indicator: str, rules: pd.DataFrame | None = None) -> list[tuple[str, str, str]]:
    """(indicator, Vietnamese name, unit) of a ratio's numerator and denominator; [] for other rules."""
    rule = rule_of(indicator, rules)
    if rule is None or rule["rule"] != "ratio":
        return []
    return [(rule["numerator"], rule["numerator_name_vi"], rule["component_unit"]),
            (rule["denominator"], rule["denominator_name_vi"], rule["component_unit"])]


def component_units(rules: pd.DataFrame | None = None) -> dict[str, str]:
    """indicator → unit of every numerator and denominator the round may ask."""
    rules = load_rules() if rules is None else rules
    out = {}
    for indicator in rules.index:
        for name, _, unit in components(indicator, rules):
            out[name] = unit
    return out


def _fmt(value: float) -> str:
    return f"{value:g}"


def _weights(macro: pd.DataFrame | None, weight: str) -> dict[tuple[str, int], tuple[float, str, str]]:
    """(old province, year) → (weight, unit, source) from the processed macro table (old territory)."""
    if macro is None or macro.empty:
        return {}
    rows = macro[(macro["indicator"] == weight) & (macro["year_start"] == macro["year_end"])]
    if "territory" in rows.columns:
        rows = rows[rows["territory"].fillna("old") == "old"]
    return {(r, int(y)): (float(v), str(u), str(s)) for r, y, v, u, s in
            zip(rows["region"], rows["year_end"], rows["value"], rows["unit"], rows["source"])}


def build(kpi: pd.DataFrame, macro: pd.DataFrame | None, log: list[str], units: dict[str, str] | None = None,
          region: str = "Bắc Ninh", rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """The built merged-province rows (years before 2025), one per indicator, year and kind it can be built for.

    ``kpi`` holds one row per fact (``indicator, region, year, value, unit, kind, source, territory``).
    """
    rules = load_rules() if rules is None else rules
    units = units or {}
    old_units = sorted(provinces.units_before_merger(region), key=lambda u: u != region)  # Bắc Ninh first
    columns = ["indicator", "region", "year", "value", "unit", "kind", "source", "territory", "derived_rule",
               "derived_from"]
    if len(old_units) < 2:
        return pd.DataFrame(columns=columns)
    territory = kpi["territory"] if "territory" in kpi.columns else pd.Series("old", index=kpi.index)
    old = kpi[(territory == "old") & kpi["region"].isin(old_units)
              & (kpi["year"].astype(int) < provinces.FIRST_MERGED_YEAR)]
    facts = {(i, r, int(y), k): (float(v), str(u), str(s)) for i, r, y, k, v, u, s in
             zip(old["indicator"], old["region"], old["year"], old["kind"], old["value"], old["unit"], old["source"])}
    rows = []
    for indicator, rule in rules.iterrows():
        kind_of_rule = rule["rule"]
        if kind_of_rule == "none" or rule["base"]:
            continue  # growth and increase indicators are computed from their base series, built on its own row
        needed = [indicator] if kind_of_rule != "ratio" else [rule["numerator"], rule["denominator"]]
        weights = _weights(macro, rule["weight"]) if kind_of_rule == "weighted" else {}
        keys = sorted({(y, k) for (i, _, y, k) in facts if i in needed})
        for year, kind in keys:
            parts = {(name, unit): facts.get((name, unit, year, kind)) for name in needed for unit in old_units}
            absent = [OLD_LABEL_VI.get(u, u) + (f" {name}" if kind_of_rule == "ratio" else "")
                      for (name, u), fact in parts.items() if fact is None]
            if absent:
                log.append(f"harmonise: {indicator} {region} {year} ({kind}): not built, no figure for "
                           f"{', '.join(absent)}")
                continue
            part_units = {fact[1] for fact in parts.values()}
            if kind_of_rule != "ratio" and len(part_units) > 1:
                log.append(f"harmonise: {indicator} {region} {year}: not built, units differ {sorted(part_units)}")
                continue
            cited = [f"{OLD_LABEL_VI.get(u, u)} {name} {_fmt(v)} ({s})" if kind_of_rule == "ratio" else
                     f"{OLD_LABEL_VI.get(u, u)} {_fmt(v)} ({s})" for (name, u), (v, _, s) in parts.items()]
            if kind_of_rule == "sum":
                value = sum(v for v, _, _ in parts.values())
                unit = part_units.pop()
                text = "Cộng số liệu hai tỉnh cũ: "
            elif kind_of_rule == "ratio":
                numerator = sum(parts[(rule["numerator"], u)][0] for u in old_units)
                denominator = sum(parts[(rule["denominator"], u)][0] for u in old_units)
                if denominator <= 0:
                    log.append(f"harmonise: {indicator} {region} {year}: not built, the denominators add to "
                               f"{_fmt(denominator)}")
                    continue
                value = float(rule["scale"]) * numerator / denominator
                unit = units.get(indicator, "%")
                text = (f"Tính từ tổng tử số ({_fmt(numerator)}) và tổng mẫu số ({_fmt(denominator)}) "
                        "của hai tỉnh cũ: ")
            else:
                w = {u: weights.get((u, year)) for u in old_units}
                no_weight = [OLD_LABEL_VI.get(u, u) for u, x in w.items() if x is None or x[0] <= 0]
                if no_weight or len({x[1] for x in w.values()}) > 1:
                    why = (f"no {rule['weight']} for {', '.join(no_weight)}" if no_weight
                           else f"the units of {rule['weight']} differ")
                    log.append(f"harmonise: {indicator} {region} {year} ({kind}): not built, {why}")
                    continue
                total = sum(x[0] for x in w.values())
                value = sum(parts[(indicator, u)][0] * w[u][0] for u in old_units) / total
                unit = part_units.pop()
                cited += [f"trọng số {WEIGHT_VI[rule['weight']]} {OLD_LABEL_VI.get(u, u)} {_fmt(x[0])} ({x[2]})"
                          for u, x in w.items()]
                text = f"Bình quân gia quyền theo {WEIGHT_VI[rule['weight']]} của hai tỉnh cũ: "
            rows.append(dict(indicator=indicator, region=region, year=int(year), value=float(value), unit=unit,
                             kind=kind, source=text + " | ".join(cited), territory="merged",
                             derived_rule=kind_of_rule, derived_from="; ".join(cited)))
    return pd.DataFrame(rows, columns=columns)


def merged_back_series(kpi: pd.DataFrame, vintages: pd.DataFrame, macro: pd.DataFrame | None,
                       targets: pd.DataFrame | None, log: list[str], region: str = "Bắc Ninh"
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kpi with the built merged values added, all vintages with them): see the module docstring.

    A merged figure already held or reported for the same indicator, year and kind is kept; the built value is
    listed in its ``alternatives`` and the log says which was kept.
    """
    units = dict(zip(targets["indicator"], targets["unit"])) if targets is not None and len(targets) else {}
    built = build(kpi, macro, log, units, region)
    kpi = kpi.copy()
    for column in ("derived_rule", "derived_from"):
        if column not in kpi.columns:
            kpi[column] = ""
    if built.empty:
        return kpi, vintages
    built = built.assign(vintage=DERIVED_VINTAGE, origin="harmonised", report_period="", n_vintages=1,
                         alternatives="", unit_basis="harmonised_2025")
    territory = kpi["territory"] if "territory" in kpi.columns else pd.Series("", index=kpi.index)
    held = {(i, int(y), k): index for index, (i, r, y, k, t) in
            enumerate(zip(kpi["indicator"], kpi["region"], kpi["year"], kpi["kind"], territory))
            if r == region and t == "merged"}
    new = []
    for _, row in built.iterrows():
        index = held.get((row["indicator"], int(row["year"]), row["kind"]))
        if index is None:
            new.append(row)
            continue
        kept = kpi.iloc[index]
        label = kpi.index[index]
        extra = f"{_fmt(row['value'])} [{DERIVED_VINTAGE}] ({row['source']})"
        kpi.loc[label, "alternatives"] = " | ".join(a for a in (str(kept.get("alternatives") or ""), extra) if a)
        kpi.loc[label, "n_vintages"] = int(kept.get("n_vintages") or 1) + 1
        log.append(f"harmonise: {row['indicator']} {region} {row['year']} {row['kind']}: kept the merged figure "
                   f"{_fmt(float(kept['value']))} [{kept.get('vintage', '')}] over the built "
                   f"{_fmt(row['value'])} ({RULE_EN[row['derived_rule']]})")
    if new:
        added = pd.DataFrame(new)
        log.append(f"harmonise: {len(added)} merged-province values for years before 2025 built from the old "
                   f"provinces ({', '.join(f'{n} {r}' for r, n in added['derived_rule'].value_counts().items())})")
        kpi = pd.concat([kpi, added], ignore_index=True).sort_values(["indicator", "region", "year", "kind"])
    vintages = pd.concat([vintages, built], ignore_index=True)
    return kpi.reset_index(drop=True), vintages.reset_index(drop=True)


def _span(years: list[int]) -> str:
    """``[2021, 2022, 2023, 2024]`` → ``2021–2024``; gaps as ``2021–2022, 2024``."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


VERDICTS = ("achieved", "not_achieved", "on_track", "at_risk", "off_track")


def _sentence(text: object) -> str:
    """A note closed by a full stop, so that a sentence can follow."""
    text = "" if text is None or (isinstance(text, float) and text != text) else str(text).strip()
    return text if not text or text.endswith((".", "!", "?", ":")) else text + "."


def annotate(assessment: pd.DataFrame, kpi: pd.DataFrame) -> pd.DataFrame:
    """Adds ``derived_years`` and ``derived_rule`` to each target whose series holds built values, and says so in
    its notes when it has a verdict ("Số liệu 2021–2024: cộng số liệu hai tỉnh cũ.")."""
    out = assessment.copy()
    out["derived_years"], out["derived_rule"] = "", ""
    if out.empty or "derived_rule" not in kpi.columns:
        return out
    built = kpi[(kpi["derived_rule"].fillna("") != "") & (kpi["kind"] == "actual")]
    if built.empty:
        return out
    rules = load_rules()
    for index, row in out.iterrows():
        indicator = row["indicator"]
        rule = rule_of(indicator, rules)
        base = rule["base"] if rule is not None and rule["base"] else indicator
        latest = row.get("latest_year")
        if latest is None or pd.isna(latest):
            continue
        mine = built[(built["indicator"] == base) & (built["region"] == row["region"])
                     & (built["year"].astype(int) <= int(latest))]
        if mine.empty:
            continue
        kinds = list(dict.fromkeys(mine["derived_rule"]))
        span = _span([int(y) for y in mine["year"]])
        out.loc[index, "derived_years"] = span
        out.loc[index, "derived_rule"] = ";".join(kinds)
        if row.get("status") in VERDICTS:
            rule_text = "; ".join(RULE_VI[k] + (f" theo {WEIGHT_VI[rule['weight']]}" if k == "weighted" and
                                                rule is not None and rule["weight"] else "") for k in kinds)
            out.loc[index, "note_vi"] = f"{_sentence(row['note_vi'])} Số liệu {span}: {rule_text}.".strip()
            out.loc[index, "note_en"] = (f"{_sentence(row['note_en'])} Values {span}: "
                                         f"{'; '.join(RULE_EN[k] for k in kinds)}.").strip()
    return out


def rule_table(rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """The catalogue for the data dictionary: indicator, rule and what the rule combines."""
    rules = load_rules() if rules is None else rules
    what = []
    for _, r in rules.iterrows():
        if r["rule"] == "ratio":
            what.append(f"{format_vi(float(r['scale']), 0)} × Σ {r['numerator']} / Σ {r['denominator']}")
        elif r["rule"] == "weighted":
            what.append(f"Σ giá trị × {r['weight']} / Σ {r['weight']}")
        elif r["rule"] == "sum":
            what.append(f"Σ {r['base'] or r['indicator']}")
        else:
            what.append("không ghép (chỉ tỉnh mới)")
    return pd.DataFrame(dict(indicator=rules["indicator"], rule=rules["rule"], combines=what)).reset_index(drop=True)
