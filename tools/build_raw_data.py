"""Provenance script: how data/raw was built from the department's research folder (research notes with their URLs,
PWT 10.0 rows, the four documents), which is kept outside the repository.

Run once by a developer (``python tools/build_raw_data.py``); the CSV files it writes are committed and are
the product's raw data. It is kept so that every row in data/raw can be traced to the research file or
document line it came from. The suite itself never runs it and never needs that folder. Its location comes from
the environment variable BNKPI_SOURCES (default: a folder named `shared` beside the repository).

Only values marked [S] (read in the cited source) are taken; [I] and [?] values are left out.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BNKPI_SOURCES", ROOT.parent / "shared"))
RAW = ROOT / "data" / "raw"

PWT_CITATION = (
    "Penn World Table 10.0, Feenstra, Inklaar & Timmer (2015) AER 105(10):3150-3182, "
    "https://www.rug.nl/ggdc/productivity/pwt/"
)

# --------------------------------------------------------------------------------------------- helpers


def write_csv(name: str, header: list[str], rows: list[dict]) -> None:
    path = RAW / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})
    print(f"wrote {path.relative_to(ROOT)}: {len(rows)} rows")


def fmt(value: float, digits: int = 6) -> str:
    """Plain dot-decimal text, no exponent, trailing zeros dropped."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


REGION = {
    "Bac Ninh": "Bắc Ninh",
    "Bac Giang": "Bắc Giang",
    "Bac Ninh (merged)": "Bắc Ninh",
    "Vietnam": "Việt Nam",
}

# --------------------------------------------------------------------------------------------- PII

PILLARS = [f"pillar_{i}" for i in range(1, 8)]


def build_pii_scores() -> list[dict]:
    rows: list[dict] = []
    src_rows = list(csv.DictReader((SHARED / "research" / "pii_scores.csv").open(encoding="utf-8")))
    for r in src_rows:
        edition = int(r["year"])
        n_units = 34 if edition >= 2025 else 63
        province = r["province"]
        note = ""
        if province.startswith("Bắc Ninh (merged"):
            province = "Bắc Ninh"
            note = "tỉnh Bắc Ninh mới (Bắc Ninh và Bắc Giang cũ) từ 1/7/2025"
        source = r["source_url"]
        rank = r["rank"]
        rows.append(dict(edition=edition, province=province, component="PII", score=r["pii_score"],
                         rank=rank, n_units=n_units, source=source,
                         note=note or ("score not published in the sources found; rank only" if not r["pii_score"] else "")))
        for col, comp in (("input_score", "INPUT"), ("output_score", "OUTPUT")):
            if r[col]:
                rows.append(dict(edition=edition, province=province, component=comp, score=r[col], rank="",
                                 n_units=n_units, source=source, note=note))
        for i, col in enumerate(PILLARS, start=1):
            if r[col]:
                rows.append(dict(edition=edition, province=province, component=f"P{i}", score=r[col], rank="",
                                 n_units=n_units, source=source, note=note))
    # Pillar ranks published for Bắc Giang 2023 (KH 41/KH-UBND Bắc Giang): P1 rank 4, P3 rank 5.
    for row in rows:
        if row["edition"] == 2023 and row["province"] == "Bắc Giang":
            if row["component"] == "P1":
                row["rank"] = 4
            if row["component"] == "P3":
                row["rank"] = 5
        if row["edition"] == 2023 and row["province"] == "Hà Nội" and row["component"] == "P4":
            row["note"] = "Hà Nội's highest pillar (market sophistication) as reported at the launch"
    # Bắc Ninh 2024 from KH 279/KH-UBND (06/05/2025): sub-indices in footnote [1], pillars in mục II.2.a.
    kh279_note = "2024 edition scores as cited by the province's improvement plan"
    for comp, score, where in (
        ("INPUT", "49.89", "chú thích [1]"), ("OUTPUT", "35.76", "chú thích [1]"),
        ("P1", "45.92", "mục II.2.a, bảng trụ cột, dòng 1"),
        ("P2", "39.67", "mục II.2.a, bảng trụ cột, dòng 2"),
        ("P3", "60.75", "mục II.2.a, bảng trụ cột, dòng 3"),
        ("P4", "51.12", "mục II.2.a, bảng trụ cột, dòng 4"),
        ("P5", "51.97", "mục II.2.a, bảng trụ cột, dòng 5"),
        ("P6", "23.45", "mục II.2.a, bảng trụ cột, dòng 6"),
        ("P7", "48.08", "mục II.2.a, bảng trụ cột, dòng 7"),
    ):
        rows.append(dict(edition=2024, province="Bắc Ninh", component=comp, score=score, rank="", n_units=63,
                         source=f"KH 279/KH-UBND 06/05/2025 (UBND tỉnh Bắc Ninh), {where}", note=kh279_note))
    # The 2024 PII score and rank of Bắc Ninh are also in KH 279 footnote [1]: same values as the news sources.
    for row in rows:
        if row["edition"] == 2024 and row["province"] == "Bắc Ninh" and row["component"] == "PII":
            row["source"] += " | KH 279/KH-UBND 06/05/2025 (UBND tỉnh Bắc Ninh), chú thích [1]"
    order = {c: i for i, c in enumerate(["PII", "INPUT", "OUTPUT"] + [f"P{i}" for i in range(1, 8)])}
    rows.sort(key=lambda r: (r["edition"], int(r["rank"]) if r["component"] == "PII" and r["rank"] else 999,
                             r["province"], order[r["component"]]))
    return rows


# --------------------------------------------------------------------------------------------- macro

# research indicator -> (indicator in macro.csv, unit, vintage tag or None). None as target: not macro.
MACRO_MAP: dict[str, tuple[str, str, str | None] | None] = {
    "GRDP_constant_2010_prices": ("grdp_const", "billion VND, 2010 prices", None),
    "GRDP_constant_2010_prices_DPI_estimate": ("grdp_const", "billion VND, 2010 prices", "early estimate"),
    "GRDP_constant_2010_prices_alt": ("grdp_const", "billion VND, 2010 prices", "alternative"),
    "GRDP_constant_2010_prices_est": ("grdp_const", "billion VND, 2010 prices", "estimate"),
    "GDP_constant_2010_prices": ("gva_const", "billion VND, 2010 prices", None),
    "total_value_added_constant_2010_DPI_db": ("gva_const", "billion VND, 2010 prices", None),
    "total_value_added_current_DPI_db": ("gva_current", "billion VND", None),
    "GRDP_current_prices": ("grdp_current", "billion VND", None),
    "GRDP_current_prices_approx": ("grdp_current", "billion VND", "approximate"),
    "GRDP_current_prices_est": ("grdp_current", "billion VND", "estimate"),
    "GRDP_current_prices_official": ("grdp_current", "billion VND", "official"),
    "GRDP_growth": ("grdp_growth_pct", "percent", None),
    "GRDP_growth_est": ("grdp_growth_pct", "percent", "estimate"),
    "GRDP_growth_estimate": ("grdp_growth_pct", "percent", "estimate"),
    "GRDP_growth_est_Oct2019": ("grdp_growth_pct", "percent", "early estimate"),
    "GRDP_growth_provincial_estimate_Nov2023": ("grdp_growth_pct", "percent", "early estimate"),
    "GRDP_growth_rev": ("grdp_growth_pct", "percent", "revised"),
    "GRDP_growth_revised": ("grdp_growth_pct", "percent", "revised"),
    "GRDP_growth_alt": ("grdp_growth_pct", "percent", "alternative"),
    "GRDP_growth_avg": ("grdp_growth_pct", "percent per year", None),
    "GRDP_growth_avg_est": ("grdp_growth_pct", "percent per year", "estimate"),
    "GRDP_growth_9M": ("grdp_growth_9m_pct", "percent", None),
    "GRDP_growth_industry_construction": ("grdp_growth_industry_construction_pct", "percent", None),
    "GRDP_growth_DPI_db": ("gva_growth_pct", "percent", None),
    "GDP_growth": ("grdp_growth_pct", "percent", None),
    "GDP_growth_prelim": ("grdp_growth_pct", "percent", "preliminary"),
    "GDP_growth_revised": ("grdp_growth_pct", "percent", "revised"),
    "GDP_growth_avg": ("grdp_growth_pct", "percent per year", None),
    "GDP_per_capita": ("grdp_per_capita_usd", "USD", None),
    "GRDP_per_capita_est": ("grdp_per_capita_usd", "USD", "estimate"),
    "GRDP_per_capita_est_Dec2015": ("grdp_per_capita_usd", "USD", "early estimate"),
    "TFP_contribution_to_GRDP_growth": ("tfp_contribution_pct", "percent", None),
    "TFP_contribution_to_GRDP_growth_avg": ("tfp_contribution_pct", "percent", None),
    "TFP_contribution_to_GDP_growth": ("tfp_contribution_pct", "percent", None),
    "TFP_contribution_to_GDP_growth_avg": ("tfp_contribution_pct", "percent", None),
    "TFP_contribution_to_GDP_growth_avg_approx": ("tfp_contribution_pct", "percent", "approximate"),
    "TFP_contribution_APO": ("tfp_contribution_apo_pct", "percent", None),
    "capital_contribution_to_GRDP_growth_avg": ("capital_contribution_pct", "percent", None),
    "ICOR": ("icor", "ratio", None),
    "FDI_cumulative_registered": ("fdi_registered_cumulative", "million USD", None),
    "FDI_registered": ("fdi_registered", "million USD", None),
    "FDI_registered_new": ("fdi_registered_new", "million USD", None),
    "FDI_registered_new_and_adjusted": ("fdi_registered", "million USD", None),
    "FDI_registered_new_projects": ("fdi_registered_new", "million USD", None),
    "FDI_registered_cumulative_period": ("fdi_registered", "million USD", None),
    "FDI_realized_investment": ("fdi_realised_investment_h1", "billion VND", None),
    "investment_attracted_converted": ("investment_attracted", "million USD", None),
    "total_social_investment_cumulative": ("investment_current", "billion VND", None),
    "total_social_investment_share_GDP": ("investment_share_gdp_pct", "percent", None),
    "industrial_output_current": ("industrial_output_current", "billion VND", None),
    "labour_productivity": ("labour_productivity_usd", "USD per worker", None),
    "labour_productivity_current": ("labour_productivity_current", "million VND per worker", None),
    "labour_productivity_growth": ("labour_productivity_growth_pct", "percent", None),
    "labour_productivity_growth_avg": ("labour_productivity_growth_pct", "percent per year", None),
    "average_population": ("population_avg", "persons", "approximate"),
    "population_approx": ("population_avg", "persons", "approximate"),
    "population_census_1April": ("population_census", "persons", None),
    "population_end_year": ("population_end_year", "persons", "estimate"),
    "income_per_capita": ("income_per_capita", "million VND per year", None),
    "share_agri_forestry_fishery_GRDP": ("share_agriculture_pct", "percent", None),
    "share_industry_construction_GRDP": ("share_industry_construction_pct", "percent", None),
    "share_services_GRDP": ("share_services_pct", "percent", None),
    "share_services_incl_taxes_GRDP": ("share_services_incl_taxes_pct", "percent", None),
    "trained_workers_share": ("trained_workers_pct", "percent", None),
    "trained_workers_share_with_degree_certificate": ("trained_workers_certified_pct", "percent", None),
}

# research indicator -> (indicator in kpi_actuals.csv, unit). Index scores and ranks, digital economy.
KPI_MAP = {
    "DTI_score": ("dti_score", "index (0-1)"),
    "DTI_rank": ("dti_rank", "rank of 63"),
    "DTI_digital_economy_rank": ("dti_digital_economy_rank", "rank of 63"),
    "DTI_digital_economy_score": ("dti_digital_economy_score", "index (0-1)"),
    "PCI_score": ("pci_score", "points (0-100)"),
    "PCI_rank": ("pci_rank", "rank of 63"),
    "PAR_index_rank": ("par_index_rank", "rank of 63"),
    "PAR_index_score": ("par_index_score", "percent"),
    "PAR_index_provincial_avg": ("par_index_score", "percent"),
    "PAPI_rank": ("papi_rank", "rank of 63"),
    "PGI_rank": ("pgi_rank", "rank of 63"),
    "ICT_index_rank": ("ict_index_rank", "rank of 63"),
    "SIPAS_national_avg": ("sipas_score", "percent"),
    "ST_enterprises_count": ("st_enterprises_count", "enterprises"),
    "ST_organisations_count": ("st_organisations_count", "organisations"),
    "IP_protection_certificates_cumulative": ("ip_certificates_cumulative", "certificates"),
    "digital_economy_value_added_share_GRDP_GSO": ("digital_economy_share_grdp_pct", "percent of GRDP"),
    "digital_economy_value_added_share_GDP_GSO": ("digital_economy_share_grdp_pct", "percent of GDP"),
    "digital_economy_share_GRDP_MIC": ("digital_economy_share_grdp_mic_pct", "percent of GRDP"),
    "digital_economy_share_GDP_MIC": ("digital_economy_share_grdp_mic_pct", "percent of GDP"),
}

# Left out on purpose, with the reason (see data/raw/README.md, known problems).
EXCLUDED = {
    "GRDP_current_prices_wiki": "Wikipedia list seen through a search-engine cache; year uncertain",
    "GRDP_growth_wiki": "Wikipedia list seen through a search-engine cache; year uncertain",
    "GRDP_DPI_estimate_Nov2019": "price basis unclear in the source",
    "DTI_rank_as_reported_conflicting": "conflicts with the official DTI 2023 top-10 list (marked [?])",
    "PII_rank": "kept once, in pii_scores.csv",
    "PII_score": "kept once, in pii_scores.csv",
    "GRDP_growth_target": "a target: targets come only from the four documents (targets.csv)",
    "GRDP_growth_target_govt": "a target, not a fact",
    "GRDP_per_capita_target": "a target, not a fact",
    "digital_economy_share_GRDP_target": "a target outside the four documents",
    "TFP_contribution_target": "a national target, not a fact",
    "TFP_contribution_target_NQ57": "a national target, not a fact",
}


def vintage_from_note(note: str) -> str | None:
    text = note.lower()
    if "restated" in text or "revised" in text:
        return "revised"
    if "preliminary" in text or "prelim" in text:
        return "preliminary"
    if "estimate" in text or "ước" in text:
        return "estimate"
    return None


def grdp_per_capita(indicator: str, unit: str) -> tuple[str, str]:
    return ("grdp_per_capita_usd", "USD") if unit == "USD" else ("grdp_per_capita_mvnd", "million VND")


# Same (region, year, indicator) published twice: which vintage each is (read in the research notes).
VINTAGE_OVERRIDES = {
    ("Bac Ninh", "2023", "GRDP_current_prices", "220222"): "secondary",
    ("Bac Ninh", "2023", "GRDP_current_prices", "220223"): "official",
    ("Bac Ninh", "2023", "GRDP_growth", "-9.28"): "official",
    ("Bac Ninh", "2017", "GRDP_growth", "19.12"): "official",
    ("Bac Giang", "2023", "GRDP_current_prices", "181900"): "alternative",
    ("Bac Giang", "2021", "GRDP_current_prices", "129836"): "secondary",
    ("Bac Giang", "2024", "GRDP_growth", "13.87"): "official",
    ("Bac Giang", "2019", "GRDP_growth", "16.2"): "official",
    ("Bac Giang", "2016-2020", "GRDP_growth_avg", "14"): "official",
    ("Bac Giang", "2018", "GRDP_growth", "15.96"): "official",
    ("Bac Giang", "2023", "GRDP_growth", "13.45"): "estimate",
    ("Vietnam", "2022", "GDP_growth", "8.54"): "secondary",
    ("Vietnam", "2020", "GDP_growth", "2.87"): "revised",
    ("Vietnam", "2019", "GDP_growth", "7.02"): "preliminary",
    ("Bac Ninh", "2020", "GRDP_constant_2010_prices", "122700"): "estimate",
    ("Bac Ninh", "2019", "GRDP_growth", "1.1"): "preliminary",
}


def build_macro_and_kpi() -> tuple[list[dict], list[dict]]:
    macro: list[dict] = []
    kpi: list[dict] = []
    path = SHARED / "research" / "bacninh_macro_with_notes.csv"
    for r in csv.DictReader(path.open(encoding="utf-8")):
        ind, prov, year, value, unit = r["indicator"], r["province"], r["year"], r["value"], r["unit"]
        if ind in EXCLUDED:
            continue
        region = REGION[prov]
        note = r["note"].strip()
        if prov == "Bac Ninh (merged)":
            note = ("merged province (old Bắc Ninh + Bắc Giang); " + note).strip("; ")
        if year == "2025H1":
            year = "2025"
            note = ("first half of 2025; " + note).strip("; ")
        if ind in KPI_MAP:
            new_ind, new_unit = KPI_MAP[ind]
            kpi.append(dict(indicator=new_ind, region=region, year=year, value=value, unit=new_unit,
                            kind="actual",  # research rows are published results; GSO's "experimental estimate" is a measurement
                            source=r["source_url"] + (f" ({note})" if note else "")))
            continue
        if ind == "GRDP_per_capita":
            new_ind, new_unit = grdp_per_capita(ind, unit)
            vintage = vintage_from_note(note)
        elif ind in MACRO_MAP:
            new_ind, new_unit, vintage = MACRO_MAP[ind]  # type: ignore[misc]
            if vintage is None:
                vintage = vintage_from_note(note)
        else:
            raise SystemExit(f"no mapping for research indicator {ind!r}")
        vintage = VINTAGE_OVERRIDES.get((prov, r["year"], ind, value), vintage)
        tagged_note = (f"[{vintage}] " if vintage else "") + note
        if ind.endswith("_DPI_db"):
            tagged_note += " (Bắc Giang DPI database: value added, not GRDP)"
        macro.append(dict(region=region, year=year, indicator=new_ind, value=value, unit=new_unit,
                          source=r["source_url"], note=tagged_note.strip()))
    macro.extend(build_pwt_rows())
    macro.sort(key=lambda r: (r["region"], r["indicator"], r["year"]))
    return macro, kpi


def build_pwt_rows() -> list[dict]:
    base = SHARED / "data" / "pwt100_vnm"
    na = {int(r["year"]): r for r in csv.DictReader((base / "pwt100_na_data_VNM.csv").open())}
    cap = {int(r["year"]): r for r in csv.DictReader((base / "pwt100_capital_detail_VNM.csv").open())}
    lab = {int(float(r["year"])): r for r in csv.DictReader((base / "pwt100_labor_detail_VNM.csv").open())}
    rows = []
    assets = ("Struc", "Mach", "TraEq", "Other")
    for year in sorted(na):
        r = na[year]
        src = lambda file, col: f"{PWT_CITATION}; file {file}, country VNM, column {col}"  # noqa: E731
        if r["q_gdp"]:
            rows.append(dict(region="Việt Nam", year=year, indicator="grdp_const", value=fmt(float(r["q_gdp"]), 3),
                             unit="million VND, 2017 prices", source=src("pwt100-na-data", "q_gdp"),
                             note="real GDP at constant national prices"))
        if r["q_gfcf"]:
            rows.append(dict(region="Việt Nam", year=year, indicator="investment_const",
                             value=fmt(float(r["q_gfcf"]), 3), unit="million VND, 2017 prices",
                             source=src("pwt100-na-data", "q_gfcf"), note="real gross fixed capital formation"))
        if r["emp"]:
            emp_source = lab.get(year, {}).get("i_emp", "")
            note = f"persons engaged; PWT employment source: {emp_source}"
            if year == 2019:
                note = ("[break] employment source changes 2018→2019 (54.07 → 50.40 million): "
                        "a break in the series, not a real fall; " + note)
            rows.append(dict(region="Việt Nam", year=year, indicator="employment",
                             value=fmt(float(r["emp"]) * 1000, 3), unit="thousand persons",
                             source=src("pwt100-na-data", "emp (millions, × 1000)"), note=note))
        if r["avh"]:
            rows.append(dict(region="Việt Nam", year=year, indicator="hours", value=fmt(float(r["avh"]), 2),
                             unit="hours per person engaged per year", source=src("pwt100-na-data", "avh"),
                             note="average annual hours worked"))
        if r["pop"]:
            rows.append(dict(region="Việt Nam", year=year, indicator="population", value=fmt(float(r["pop"]), 6),
                             unit="million persons", source=src("pwt100-na-data", "pop"), note=""))
        c = cap.get(year)
        if c and all(c[f"Nc_{a}"] and c[f"Np_{a}"] for a in assets):
            stock = sum(float(c[f"Nc_{a}"]) / float(c[f"Np_{a}"]) for a in assets)
            rows.append(dict(region="Việt Nam", year=year, indicator="capital_stock_const", value=fmt(stock, 1),
                             unit="million VND, 2017 prices",
                             source=src("pwt100-capital-detail", "Nc_a / Np_a summed over Struc, Mach, TraEq, Other"),
                             note="[derived] real net capital stock = Σ over assets of Nc_a / Np_a (PWT README)"))
    return rows


# --------------------------------------------------------------------------------------------- mergers


def build_mergers() -> list[dict]:
    path = SHARED / "research" / "province_mergers_2025.csv"
    return list(csv.DictReader(path.open(encoding="utf-8")))


# --------------------------------------------------------------------------------------------- public actuals

# Pages that copy another publisher's text: the source names the original and says the value was read from a copy.
MIRRORS = {
    "www.vietnam.vn/pt/": "vietnam.vn, 'Bắc Ninh tăng tốc phủ sóng 5G, thúc đẩy chuyển đổi số' "
                          "(https://www.vietnam.vn/bac-ninh-tang-toc-phu-song-5g-thuc-day-chuyen-doi-so)",
    "baomoi.net.vn": "Tổng cục Thống kê (GSO), thông cáo 06/01/2025 về kinh tế số",
    "tintuc.chonchinh.com": "Tổng cục Thống kê (GSO), thông cáo 06/01/2025",
    "talkvietnam.org": "Viet Nam News (VNA)",
    "vietnam.postsen.com": "Ngân hàng Nhà nước, họp báo 25/04/2024",
    "thoibao.online": "Cổng thông tin điện tử tỉnh Bắc Ninh (as cited by the aggregator)",
    "123docz.net": "VECOM, Báo cáo Chỉ số Thương mại điện tử (EBI), as excerpted from a 2019 provincial journal",
}
PUBLIC_ACTUALS_FILE = "kpi_actuals_public_2026-11.csv"
PUBLIC_HEADER = ["indicator", "region", "year", "value", "unit", "kind", "source", "note", "territory"]
_VINTAGE = ("revised", "official", "preliminary", "estimate", "secondary", "early estimate", "alternative")


def _public_source(url: str) -> str:
    for host, original in MIRRORS.items():
        if host in url:
            return f"{original}; read from a copy: {url}"
    return url


def build_public_actuals(held: list[dict]) -> tuple[list[dict], list[str]]:
    """The values of research/actuals_found_2026-11.csv read directly in a source (rows tagged [derived] and
    period averages left out), with their territory; a row that differs from a held value is kept as a
    [secondary] vintage unless the research tagged its vintage, a row equal to a held value is not repeated."""
    path = SHARED / "research" / "actuals_found_2026-11.csv"
    held_values = {(r["indicator"], r["region"], r["year"], r["kind"]): r["value"] for r in held}
    rows, skipped = [], []
    for r in csv.DictReader(path.open(encoding="utf-8")):
        note = r["note"].strip()
        if "[derived]" in note:
            skipped.append(f"{r['indicator']} {r['region']} {r['year']}: [derived] (inferred, not read)")
            continue
        if not r["year"].isdigit():
            skipped.append(f"{r['indicator']} {r['region']} {r['year']}: a period average, not a yearly value")
            continue
        lowered = note.lower()
        territory = "merged" if lowered.startswith("merged") else "old" if lowered.startswith("old") else ""
        key = (r["indicator"], r["region"], r["year"], r["kind"])
        if key in held_values and float(held_values[key]) == float(r["value"]):
            skipped.append(f"{r['indicator']} {r['region']} {r['year']}: same value as already held")
            continue
        tagged = note.startswith("[") and note[1:note.find("]")] in _VINTAGE
        if key in held_values and not tagged:
            note = "[secondary] " + note  # another publication of a held figure: kept, the held one ranks higher
        rows.append(dict(indicator=r["indicator"], region=REGION.get(r["region"], r["region"]), year=r["year"],
                         value=r["value"], unit=r["unit"], kind=r["kind"], source=_public_source(r["source_url"]),
                         territory=territory, note=note))
    return rows, skipped


def main() -> int:
    if not SHARED.exists():
        print(f"{SHARED} not found: set BNKPI_SOURCES to the research folder", file=sys.stderr)
        return 1
    RAW.mkdir(parents=True, exist_ok=True)
    write_csv("pii_scores.csv", ["edition", "province", "component", "score", "rank", "n_units", "source", "note"],
              build_pii_scores())
    macro, kpi = build_macro_and_kpi()
    write_csv("macro.csv", ["region", "year", "indicator", "value", "unit", "source", "note"], macro)
    # merged with the rows read in the documents (KH-SKHCN) into kpi_actuals.csv
    kpi_path = RAW / "kpi_actuals_research.part.csv"
    write_csv(kpi_path.name, ["indicator", "region", "year", "value", "unit", "kind", "source"], kpi)
    held = list(csv.DictReader((RAW / "kpi_actuals.csv").open(encoding="utf-8")))
    public, skipped = build_public_actuals(held)
    write_csv(PUBLIC_ACTUALS_FILE, PUBLIC_HEADER, public)
    for line in skipped:
        print(f"  left out: {line}")
    write_csv("province_mergers_2025.csv", ["old_province_2024", "new_province_2025", "effective_date", "source"],
              build_mergers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
