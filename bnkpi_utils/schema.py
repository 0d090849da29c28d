"""The raw-data contract (docs/contracts.md, "Raw data — contract"): files, columns, types and keys."""

from __future__ import annotations

from dataclasses import dataclass, field

PII_COMPONENTS = ("PII", "INPUT", "OUTPUT", "P1", "P2", "P3", "P4", "P5", "P6", "P7")
PILLAR_NAMES_VI = {
    "P1": "Thể chế",
    "P2": "Vốn con người và nghiên cứu, phát triển",
    "P3": "Cơ sở hạ tầng",
    "P4": "Trình độ phát triển của thị trường",
    "P5": "Trình độ phát triển của doanh nghiệp",
    "P6": "Sản phẩm tri thức, sáng tạo và công nghệ",
    "P7": "Tác động",
}
PILLAR_NAMES_EN = {
    "P1": "Institutions",
    "P2": "Human capital and research",
    "P3": "Infrastructure",
    "P4": "Market sophistication",
    "P5": "Business sophistication",
    "P6": "Knowledge, creativity and technology outputs",
    "P7": "Impact",
}
OPERATORS = (">=", ">", "<=", "<", "==", "between", "rank<=")
AGGREGATIONS = ("level", "period_mean", "period_sum", "increase_since")
KPI_KINDS = ("actual", "estimate", "plan")

# Tags that may open a macro.csv note, e.g. "[estimate] ..." or "[revised][break] ...".
# Vintage tags say which publication of a figure a row is; when the same fact was published more than once,
# cleaning keeps the highest-ranked vintage and says so. Other tags mark a row.
VINTAGE_RANK = {
    "report": 9,  # the responsible agency's own figure, returned in the quarterly data round (the newest statement)
    "yearbook": 8,  # the final figure of a statistical yearbook (Niên giám thống kê)
    "revised": 7,
    "official": 6,
    "preliminary": 5,
    "estimate": 4,
    "secondary": 3,
    "early estimate": 2,
    "alternative": 1,
    "approximate": 0,
}
MARKER_TAGS = ("break", "derived")
DEFAULT_VINTAGE = "official"

# Quantities that add up when provinces merge (harmonisation to the 2025 units); indices, shares, ranks,
# growth rates and per-capita values never do.
ADDITIVE_INDICATORS = (
    "grdp_const",
    "grdp_current",
    "gva_const",
    "gva_current",
    "investment_const",
    "investment_current",
    "capital_stock_const",
    "employment",
    "population",
    "population_avg",
    "industrial_output_current",
)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | int | number | period | date | month_or_date | enum | region | province_2024 | province_2025
    required: bool = True
    allowed: tuple = ()
    low: float | None = None
    high: float | None = None
    may_be_absent: bool = False  # an optional column the header may leave out (files without it keep loading)


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    supplements: bool = False  # also read NAME_*.csv / NAME_*.xlsx (e.g. the filled yearbook template)
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


SOURCE = Column("source", "text")
# Which territory a value describes (interface 1): ``old`` = the province before 1 July 2025 (63 units),
# ``merged`` = the province from 1 July 2025 (34 units). Empty or absent: old before 2025, merged from 2025.
TERRITORY = Column("territory", "enum", required=False, allowed=("old", "merged"), may_be_absent=True)

TABLES: dict[str, TableSpec] = {
    "pii_scores": TableSpec(
        "pii_scores",
        (
            Column("edition", "int", low=2022, high=2100),
            Column("province", "region"),
            Column("component", "enum", allowed=PII_COMPONENTS),
            Column("score", "number", required=False, low=0, high=100),
            Column("rank", "int", required=False, low=1),
            Column("n_units", "int", allowed=(63, 34)),
            SOURCE,
            Column("note", "text", required=False),
        ),
        key=("edition", "province", "component"),
        description="Published PII scores and ranks, one value per row",
    ),
    "pii_indicators": TableSpec(
        "pii_indicators",
        (
            Column("edition", "int", low=2022, high=2100),
            Column("province", "region"),
            Column("indicator", "text"),
            Column("value", "number"),
            SOURCE,
        ),
        key=("edition", "province", "indicator"),
        required=False,
        description="Raw PII indicator values from MOST's province profiles",
    ),
    "pii_framework": TableSpec(
        "pii_framework",
        (
            Column("indicator", "text"),
            Column("name_vi", "text"),
            Column("name_en", "text", required=False),
            Column("group", "text"),
            Column("pillar", "enum", allowed=("P1", "P2", "P3", "P4", "P5", "P6", "P7")),
            Column("direction", "int", allowed=(1, -1)),
            Column("weight", "number", required=False, low=0),
            SOURCE,
        ),
        key=("indicator",),
        required=False,
        description="The PII framework: indicator → group → pillar, direction and weight",
    ),
    "pii_profile_notes": TableSpec(
        "pii_profile_notes",
        (
            Column("edition", "int", low=2022, high=2100),
            Column("province", "province"),
            Column("kind", "enum", allowed=("strength", "weakness")),
            Column("item_vi", "text"),
            Column("item_en", "text", required=False),
            Column("rank", "int", required=False, low=1),
            SOURCE,
        ),
        key=("edition", "province", "kind", "item_vi"),
        required=False,
        description="Published strong and weak indicators of a province's PII profile",
    ),
    "pii_reference_values": TableSpec(
        "pii_reference_values",
        (
            Column("edition", "int", low=2022, high=2100),
            Column("province", "province"),
            Column("group", "text"),
            Column("indicator", "text"),
            Column("value", "number"),
            Column("national_min", "number"),
            Column("national_max", "number"),
            Column("published_group_score", "number", required=False, low=0, high=100),
            SOURCE,
        ),
        key=("edition", "province", "indicator"),
        required=False,
        description="One province's public indicator values with the national minimum and maximum",
    ),
    "macro": TableSpec(
        "macro",
        (
            Column("region", "region"),
            Column("year", "period", low=1900, high=2100),
            Column("indicator", "text"),
            Column("value", "number"),
            Column("unit", "text"),
            SOURCE,
            Column("note", "text", required=False),
            TERRITORY,
        ),
        key=("region", "year", "territory", "indicator"),
        supplements=True,
        description="Macro series: GRDP, capital, labour, growth, published TFP contributions",
    ),
    "targets": TableSpec(
        "targets",
        (
            Column("target_id", "text"),
            Column("indicator", "text"),
            Column("name_vi", "text"),
            Column("name_en", "text", required=False),
            Column("unit", "text"),
            Column("operator", "enum", allowed=OPERATORS),
            Column("value", "number"),
            Column("value_high", "number", required=False),
            Column("target_year", "int", low=2000, high=2100),
            Column("period_start", "int", required=False, low=2000, high=2100),
            Column("period_end", "int", required=False, low=2000, high=2100),
            Column("aggregation", "enum", allowed=AGGREGATIONS),
            Column("document", "text"),
            Column("section", "text"),
            Column("issued", "month_or_date"),
            Column("agency", "text", required=False),
            SOURCE,
        ),
        key=("target_id",),
        description="Every quantitative target of the province's documents",
    ),
    "kpi_actuals": TableSpec(
        "kpi_actuals",
        (
            Column("indicator", "text"),
            Column("region", "region"),
            Column("year", "int", low=1990, high=2100),
            Column("value", "number"),
            Column("unit", "text"),
            Column("kind", "enum", allowed=KPI_KINDS),
            SOURCE,
            # may open with a vintage tag, as in macro.csv: two publications of one fact are kept as vintages
            Column("note", "text", required=False, may_be_absent=True),
            TERRITORY,
        ),
        key=("indicator", "region", "year", "territory", "kind"),
        supplements=True,
        description="Actual values, estimates and plan values for the targets' indicators",
    ),
    "province_mergers_2025": TableSpec(
        "province_mergers_2025",
        (
            Column("old_province_2024", "province_2024"),
            Column("new_province_2025", "province_2025"),
            Column("effective_date", "date"),
            SOURCE,
        ),
        key=("old_province_2024",),
        description="The 63 → 34 provincial units from 1 July 2025",
    ),
}
