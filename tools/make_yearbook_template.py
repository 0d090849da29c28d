"""Writes data/raw/templates/yearbook_template.xlsx: the statistics office's workbook of the quarterly data round.

It is the workbook `bnkpi request --period 2026-Q4 --agency "Thống kê tỉnh Bắc Ninh"` writes (the TFP series:
GRDP at constant prices, employment, realised investment at constant and current prices, for the merged province
and, before 2025, old Bắc Ninh and Bắc Giang), shipped so that a researcher can fill it from the statistical
yearbooks without running the round. Filled, it is saved in data/raw/reports/YYYY-QN/ like any returned workbook.
"""

from pathlib import Path

from bnkpi_utils import data_round

OUT = Path(__file__).resolve().parents[1] / "data" / "raw" / "templates" / "yearbook_template.xlsx"
PERIOD = "2026-Q4"


def main() -> None:
    rows = data_round.statistics_office_rows(PERIOD).drop(columns=["agency"])
    data_round.write_workbook(rows, data_round.STATISTICS_OFFICE, PERIOD, OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
