"""Writes the numbered notebooks (clean, without outputs). Edit here or in JupyterLab, then keep both in step."""

from pathlib import Path

import nbformat as nbf

KERNEL = {"name": "bnkpi", "display_name": "Python (bnkpi)", "language": "python"}


def notebook(cells):
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    out = []
    for kind, text, *tags in cells:
        cell = nbf.v4.new_markdown_cell(text) if kind == "md" else nbf.v4.new_code_cell(text)
        if tags:
            cell.metadata["tags"] = tags
        out.append(cell)
    nb.cells = out
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


PARAMS = '''raw_dir: str = ""  # folder of raw inputs; empty means data/raw of the repository
processed_dir: str = ""  # folder for the cleaned tables; empty means data/processed
output_dir: str = ""  # folder for tables, figures and briefs; empty means outputs
lang: str = "vi"  # language of the brief: vi, en or all'''

cells = [
    ("md", """# 01 — Kiểm tra và làm sạch dữ liệu thô

Sổ tay này là bước đầu tiên của bộ công cụ theo dõi mục tiêu khoa học, công nghệ và đổi mới sáng tạo của tỉnh Bắc Ninh.
Nó đọc các tệp trong `data/raw` (không bao giờ sửa chúng), kiểm tra từng dòng theo hợp đồng dữ liệu trong `DESIGN.md`,
rồi ghi các bảng đã làm sạch vào `data/processed` để các sổ tay 02–05 sử dụng.

Các bước:
1. Kiểm tra dữ liệu thô: cột, kiểu số (ký hiệu Việt Nam `45,92` / `1.260`), tên tỉnh, khoảng giá trị, dòng trùng, nguồn của từng dòng.
2. Chọn phiên bản số liệu khi một con số được công bố nhiều lần (ước tính, sơ bộ, điều chỉnh).
3. Đánh dấu điểm gãy cấu trúc của chuỗi số liệu (thay đổi nguồn, không phải biến động thật).
4. Quy đổi về đơn vị hành chính từ 1/7/2025 (Bắc Ninh mới = Bắc Ninh cũ + Bắc Giang) cho các đại lượng cộng được.
5. Chỉ tiêu: phiên bản hiện hành và lịch sử điều chỉnh giữa các văn bản.
6. Ghi các bảng đã làm sạch.

Muốn chạy lại với dữ liệu khác: đổi tham số ở ô dưới đây (hoặc `bnkpi run --raw-dir ...`)."""),
    ("code", PARAMS, "parameters"),
    ("code", """import pandas as pd

from bnkpi_utils import clean, config
from bnkpi_utils.validate import validate_raw

RAW, PROCESSED, OUTPUT = config.resolve_dirs(raw_dir, processed_dir, output_dir)
pd.set_option("display.max_colwidth", 120)
print(f"Dữ liệu thô: {RAW}\\nBảng đã làm sạch: {PROCESSED}")"""),
    ("md", """## 1. Kiểm tra dữ liệu thô

Mọi lỗi được liệt kê cùng lúc theo dạng `tệp:dòng:cột: thông báo` (dòng như bảng tính hiển thị, tiêu đề là dòng 1).
Nếu có lỗi, sổ tay dừng ở đây và không ghi gì: kết quả của lần chạy trước được giữ nguyên."""),
    ("code", """validated = validate_raw(RAW)
if validated.problems:
    listing = "\\n".join(str(p) for p in validated.problems)
    raise ValueError(f"{len(validated.problems)} problem(s) in the raw data:\\n{listing}")
for note in validated.notes:
    print(note)
clean.inventory(validated)"""),
    ("md", """## 2. Phiên bản số liệu

Nhiều con số kinh tế của tỉnh được công bố nhiều lần: ước tính cuối năm, số sơ bộ, số điều chỉnh của Cục Thống kê
(ví dụ tăng trưởng GRDP Bắc Ninh 2019: 1,1 % sơ bộ, 1,31 % điều chỉnh). Dữ liệu thô giữ tất cả; mỗi dòng ghi phiên bản
ở đầu cột `note` (`[revised]`, `[official]`, `[estimate]`…). Quy tắc chọn: số điều chỉnh > chính thức > sơ bộ > ước tính
> nguồn thứ cấp > ước tính sớm > số liệu khác nguồn > số xấp xỉ. Bảng dưới liệt kê mọi lựa chọn đã thực hiện."""),
    ("code", """cleaned = clean.clean_all(validated)
macro = cleaned.tables["macro"]
clean.vintage_decisions(macro)"""),
    ("md", """## 3. Điểm gãy cấu trúc

Một năm được đánh dấu khi dữ liệu thô ghi `[break]`, hoặc khi mức thay đổi so với năm trước lệch xa mức thay đổi điển hình
của năm năm trước đó (lao động, dân số: 5 điểm %; vốn: 10; sản lượng: 15). Ví dụ: số lao động của Penn World Table
giảm 7 % năm 2019 do đổi nguồn số liệu, không phải lao động thực sự giảm. Phân tích TFP hiển thị các năm này theo hai cách."""),
    ("code", """clean.break_table(macro)"""),
    ("md", """## 4. Quy đổi về đơn vị hành chính 2025

Từ 1/7/2025 tỉnh Bắc Ninh mới gồm Bắc Ninh và Bắc Giang cũ. Với các đại lượng cộng được (GRDP, vốn đầu tư, lao động,
dân số) của những năm trước sáp nhập, hai tỉnh cũ được cộng lại khi cả hai đều có số liệu cùng năm, cùng đơn vị.
Chỉ số, tỷ lệ, thứ hạng và tốc độ tăng trưởng **không bao giờ được cộng**."""),
    ("code", """harmonised = cleaned.tables["macro_harmonised"]
harmonised[["region", "year", "indicator", "value", "unit", "components"]]"""),
    ("code", """missing = [line for line in cleaned.log if line.startswith("harmonise:") and "not summed" in line]
print(f"{len(missing)} năm không cộng được vì thiếu số liệu của một tỉnh cũ, ví dụ:")
print("\\n".join(missing[:8]))"""),
    ("md", """## 5. Chỉ tiêu: phiên bản hiện hành và lịch sử điều chỉnh

Khi văn bản sau điều chỉnh một chỉ tiêu (cùng chỉ số, cùng năm mục tiêu), văn bản ban hành sau cùng được dùng để đánh giá;
các phiên bản trước được giữ làm lịch sử (ví dụ đóng góp của TFP: > 50 % theo QĐ 123 → ≥ 55 % theo Chương trình 20-CTr/TU)."""),
    ("code", """targets = cleaned.tables["targets"]
print(f"{len(targets)} chỉ tiêu trong danh mục, {int(targets['is_current'].sum())} đang hiện hành; "
      f"{targets['document'].nunique()} văn bản")
clean.target_revisions(targets)"""),
    ("code", """targets.groupby("document").agg(so_chi_tieu=("target_id", "size"), hien_hanh=("is_current", "sum"))"""),
    ("md", """## 6. Ghi các bảng đã làm sạch

Các bảng được ghi vào thư mục `processed_dir`. Nhật ký làm sạch (`cleaning_log.txt`) ghi lại mọi quyết định ở trên."""),
    ("code", """written = clean.write_processed(cleaned, PROCESSED)
pd.DataFrame({"tệp": [p.name for p in written]})"""),
]

nbf.write(notebook(cells), Path(__file__).resolve().parents[1] / "notebooks" / "01_clean.ipynb")
print("ok")
