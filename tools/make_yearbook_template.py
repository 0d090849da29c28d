"""Writes data/raw/templates/yearbook_template.xlsx: the sheet a researcher fills from the statistical yearbooks.

The series that no public source gives (employment, realised investment at constant prices, ...) are listed
row by row for old Bắc Ninh and Bắc Giang with value and source left empty. Filled and saved as
data/raw/macro_yearbook.xlsx, its rows join macro.csv; rows still without value and source are skipped.
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

OUT = Path(__file__).resolve().parents[1] / "data" / "raw" / "templates" / "yearbook_template.xlsx"
YEARS = range(2010, 2025)
SERIES = [
    ("employment", "thousand persons", "Lao động từ 15 tuổi trở lên đang làm việc hằng năm (nghìn người)"),
    ("investment_const", "billion VND, 2010 prices", "Vốn đầu tư thực hiện trên địa bàn theo giá so sánh 2010 (tỷ đồng)"),
    ("investment_current", "billion VND", "Vốn đầu tư thực hiện trên địa bàn theo giá hiện hành (tỷ đồng)"),
    ("grdp_const", "billion VND, 2010 prices", "Tổng sản phẩm trên địa bàn (GRDP) theo giá so sánh 2010 (tỷ đồng)"),
    ("population_avg", "persons", "Dân số trung bình (người)"),
]
HEADER = ["region", "year", "indicator", "value", "unit", "source", "note"]
GUIDE = [
    "Mẫu nhập số liệu từ Niên giám thống kê (Bắc Ninh, Bắc Giang) cho phân tích TFP",
    "",
    "1. Sao chép tệp này thành data/raw/macro_yearbook.xlsx (giữ nguyên tên cột, trang số liệu là trang đầu tiên).",
    "2. Với mỗi dòng có số liệu: điền cột value (số, dùng dấu phẩy thập phân hoặc dấu chấm đều được, nhưng thống nhất trong cả cột)",
    "   và cột source: tên niên giám, năm xuất bản, số biểu và trang, ví dụ 'Niên giám thống kê tỉnh Bắc Ninh 2024, biểu 16, tr. 45'.",
    "3. Để trống cả value và source ở dòng chưa có số liệu: dòng đó được bỏ qua. Không bao giờ điền số ước đoán.",
    "4. Cột note bắt đầu bằng [yearbook]: số liệu niên giám được ưu tiên hơn các số ước tính đã có trong macro.csv.",
    "5. Chạy 'bnkpi validate' để kiểm tra, sau đó 'bnkpi run' (hoặc 'make run').",
    "",
    "Các chuỗi số liệu:",
] + [f"- {ind} ({unit}): {vi}" for ind, unit, vi in SERIES]


def main() -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "macro"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for region in ("Bắc Ninh", "Bắc Giang"):
        for indicator, unit, _ in SERIES:
            for year in YEARS:
                sheet.append([region, year, indicator, None, unit, None, "[yearbook]"])
    for column, width in zip("ABCDEFG", (12, 8, 20, 14, 26, 60, 20)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    check = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True,
                           error="Chỉ nhập số dương", showErrorMessage=True)
    sheet.add_data_validation(check)
    check.add(f"D2:D{sheet.max_row}")
    guide = book.create_sheet("Hướng dẫn")
    for line in GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 130
    guide["A1"].font = Font(bold=True, size=13)
    for row in guide.iter_rows():
        row[0].alignment = Alignment(wrap_text=False)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    book.save(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
