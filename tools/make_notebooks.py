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

NB01 = [
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

RAW, PROCESSED, OUTPUT, TABLES, FIGURES, LANGS = config.notebook_setup(raw_dir, processed_dir, output_dir, lang)
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
    ("md", """Nguồn của dữ liệu thô (tên miền của trang web, văn bản, bộ dữ liệu) được tổng hợp cho phụ lục nguồn của bản tin."""),
    ("code", """from bnkpi_utils.io import write_table

sources = clean.source_summary(validated)
write_table(sources, TABLES / "data_sources.csv")
sources.head(15)"""),
]

NB02 = [
    ("md", """# 02 — Chỉ số Đổi mới sáng tạo cấp địa phương (PII)

Sổ tay trả lời bốn câu hỏi của Sở, theo thứ tự:
1. **Số liệu có đáng tin không?** Tính lại chỉ số đầu vào, đầu ra và PII từ điểm trụ cột theo đúng cách Bộ KH&CN tổng hợp.
2. **Bắc Ninh đang ở đâu, đi theo hướng nào?** Điểm, thứ hạng và thứ hạng theo phân vị qua ba kỳ 2023–2025.
3. **Cần gì để vào và giữ top 6 (năm 2030) — và top 10 (KH 279)?** Khoảng cách điểm, đòn bẩy của từng trụ cột, mô phỏng "nếu… thì…".
4. **Điểm mạnh, điểm yếu** đã được công bố.

Cuối sổ tay là bộ máy tính chỉ số từ 52 chỉ số thành phần (khi có hồ sơ PII của Bộ), kiểm chứng trên số liệu công khai của Khánh Hòa 2025.

**Lưu ý về thang điểm:** điểm PII được chuẩn hoá min–max giữa các địa phương của cùng một kỳ. Kỳ 2023–2024 có 63 tỉnh, kỳ 2025 có 34 tỉnh sau sáp nhập:
điểm của hai thang **không so sánh trực tiếp được**; chỉ so sánh thứ hạng theo phân vị."""),
    ("code", PARAMS, "parameters"),
    ("code", """import pandas as pd

from bnkpi_utils import charts, config, pii
from bnkpi_utils.io import read_processed, write_table
from bnkpi_utils.numbers import format_vi

RAW, PROCESSED, OUTPUT, TABLES, FIGURES, LANGS = config.notebook_setup(raw_dir, processed_dir, output_dir, lang)
PROVINCE = "Bắc Ninh"
scores = read_processed(PROCESSED / "pii_scores.csv")
targets = read_processed(PROCESSED / "targets.csv")
latest = int(scores.loc[(scores.province == PROVINCE) & (scores.component == "PII"), "edition"].max())
print(f"Kỳ PII mới nhất có số liệu của {PROVINCE}: {latest}")"""),
    ("md", """## 1. Tính lại từ điểm trụ cột

Đầu vào = trung bình P1…P5, đầu ra = trung bình P6, P7, PII = (đầu vào + đầu ra)/2. Nơi chỉ công bố đầu vào và đầu ra
(Hải Phòng 2023, Huế 2025, Khánh Hòa 2025) thì tính lại PII từ hai chỉ số đó. Chênh lệch lớn hơn sai số làm tròn (0,01)
được đánh dấu `recompute_flag`."""),
    ("code", """recomputed = pii.recompute_scores(scores)
write_table(recomputed, TABLES / "pii_scores.csv")
check = recomputed[recomputed.recomputed_score.notna()]
print(f"{len(check)} giá trị tính lại được, {int(check.recompute_flag.sum())} lệch quá 0,01")
check[["edition", "province", "component", "published_score", "recomputed_score", "difference", "recompute_basis"]]"""),
    ("md", """## 2. Vị trí và xu hướng

Thứ hạng theo phân vị = thứ hạng / số đơn vị: 6/63 là top 9,5 %, 11/63 là top 17,5 %, 6/34 là top 17,6 %.
Hạng 6 năm 2025 trong 34 đơn vị **không tốt hơn** hạng 11 năm 2024 trong 63 đơn vị xét theo phân vị."""),
    ("code", """traj = pii.trajectory(scores)
write_table(traj, TABLES / "pii_trajectory.csv")
for code in LANGS:
    charts.save(charts.rank_history(traj, code), FIGURES / f"pii_rank_history_{code}.png")
traj"""),
    ("md", """### Bảy trụ cột: 2024 (Bắc Ninh cũ) và 2025 (Bắc Ninh mới), so với chỉ tiêu của KH 279

KH 279/KH-UBND đặt chỉ tiêu năm 2025: điểm mỗi trụ cột cao hơn năm 2024. Năm 2025 điểm được tính cho tỉnh mới (gồm Bắc Giang)
trên thang 34 đơn vị, nên "đạt" hay "không đạt" dưới đây chỉ mang tính tham khảo: thay đổi điểm không đo đúng tiến bộ thật."""),
    ("code", """kh279 = pii.check_pillar_targets(scores, targets, PROVINCE)
write_table(kh279, TABLES / "pii_kh279_check.csv")
profile = pii.pillar_profile(scores, PROVINCE, (2023, 2024, 2025))
pillar_targets = dict(zip(kh279.pillar, kh279.score_2024))
for code in LANGS:
    charts.save(charts.pillar_profile(profile, pillar_targets, code), FIGURES / f"pii_pillar_profile_{code}.png")
kh279[["pillar", "score_2024", "target", "score_2025", "change", "met"]]"""),
    ("md", """## 3. Khoảng cách đến top 6 và top 10

Ngưỡng = điểm của đơn vị đứng ở hạng mục tiêu trong số các địa phương còn lại. Khi điểm của đơn vị đó chưa được công bố
(ví dụ hạng 7, 8 năm 2025), ngưỡng là một khoảng giữa hai điểm đã công bố gần nhất, và khoảng cách cũng là một khoảng.
`gap` dương: còn thiếu; âm: đang dư."""),
    ("code", """gaps = pii.gap_table(scores, targets, PROVINCE)
write_table(gaps, TABLES / "pii_gap.csv")
gaps[["edition", "target_id", "target_current", "own_rank", "target_rank", "threshold_low", "threshold_high",
      "gap_low", "gap_high", "status", "cheapest_pillar", "cheapest_points"]]"""),
    ("code", """ranking = pii.published_ranking(scores, latest)
lines = {f"hạng {int(r)}": s for r, s in zip(ranking["rank"], ranking["score"]) if r in (5,) and pd.notna(s)}
for code in LANGS:
    charts.save(charts.gap_chart(ranking, PROVINCE, latest, lines, code), FIGURES / f"pii_gap_{code}.png")"""),
    ("md", """### Đòn bẩy của từng trụ cột và mô phỏng "nếu… thì…"

Theo cách tổng hợp của Bộ, +1 điểm ở một trụ cột đầu vào làm PII tăng 0,10 điểm; +1 điểm ở một trụ cột đầu ra (P6, P7) làm PII
tăng 0,25 điểm. Điểm trụ cột là điểm tương đối (so với tỉnh cao nhất và thấp nhất), nên "+1 điểm" nghĩa là tiến gần hơn đến
tỉnh dẫn đầu, không phải một con số tuyệt đối. Thứ hạng mới được ước tính với giả định các tỉnh khác giữ nguyên điểm."""),
    ("code", """whatif = pii.whatif_table(scores, latest, PROVINCE)
write_table(whatif, TABLES / "pii_whatif.csv")
whatif"""),
    ("code", """pillars_now = pii.pillars_of(scores, latest, PROVINCE)
next_gap = gaps[(gaps.edition == latest) & (gaps.status == "outside")].sort_values("target_rank", ascending=False)
gap_points = float(next_gap["gap_high"].iloc[0]) if len(next_gap) else 0.0
moves = pii.pillar_moves(pillars_now, gap_points)
moves.insert(0, "gap_pii", gap_points)
write_table(moves, TABLES / "pii_moves.csv")
print(f"Trụ cột yếu nhất: P6 Sản phẩm tri thức, sáng tạo và công nghệ ({format_vi(pillars_now['P6'], 2)} điểm). "
      f"Nâng P6 thêm 10 điểm: PII +{format_vi(10 * pii.LEVERAGE['P6'], 2)} điểm.")
moves"""),
    ("md", """## 4. Điểm mạnh, điểm yếu đã công bố"""),
    ("code", """notes_path = PROCESSED / "pii_profile_notes.csv"
profile_notes = read_processed(notes_path) if notes_path.exists() else pd.DataFrame()
profile_notes"""),
    ("md", """## 5. Bộ máy tính chỉ số từ 52 chỉ số thành phần

Khi Sở có hồ sơ PII của Bộ (giá trị thô của 52 chỉ số cho mọi tỉnh), đặt chúng vào `data/raw/pii_indicators.csv` và khung chỉ số
vào `data/raw/pii_framework.csv`: sổ tay tính toàn bộ chỉ số (chuẩn hoá min–max 0–100, đảo chiều với chỉ số "càng thấp càng tốt",
nhóm, trụ cột, đầu vào, đầu ra, PII, thứ hạng) và phân tích độ bất định theo cách kiểm định của JRC: Monte Carlo trên trọng số
(±25 %), cách chuẩn hoá (min–max / z-score), cách tổng hợp (trung bình cộng / nhân) và xử lý ngoại lai (bật / tắt).

Quy tắc thiếu số liệu: điểm nhóm là trung bình các chỉ số có số liệu, cần ít nhất 50 % số chỉ số của nhóm; trụ cột cần đủ các nhóm."""),
    ("code", """indicators_path, framework_path = PROCESSED / "pii_indicators.csv", PROCESSED / "pii_framework.csv"
if indicators_path.exists() and framework_path.exists():
    raw_values = read_processed(indicators_path)
    framework = read_processed(framework_path)
    edition = int(raw_values.edition.max())
    values = raw_values[raw_values.edition == edition].pivot_table(index="province", columns="indicator", values="value")
    engine = pii.compute_index(values, framework)
    print("\\n".join(engine.log) or "Không có dòng nào thiếu số liệu.")
    mc = pii.monte_carlo_ranks(values, framework, n_draws=10_000)
    write_table(mc["ranks"], TABLES / "pii_uncertainty.csv")
    write_table(mc["effects"], TABLES / "pii_uncertainty_effects.csv")
    display(mc["ranks"].sort_values("median_rank"))
else:
    print("Chưa có số liệu 52 chỉ số thành phần (data/raw/pii_indicators.csv, pii_framework.csv): "
          "bỏ qua phân tích độ bất định. Bộ máy được chạy dưới đây trên số liệu công khai của Khánh Hòa 2025.")"""),
    ("md", """### Kiểm chứng: Khánh Hòa 2025

Hồ sơ PII công khai của Khánh Hòa 2025 cho giá trị thô của 10 chỉ số cùng giá trị nhỏ nhất và lớn nhất cả nước. Chuẩn hoá
min–max với các giới hạn đó và lấy trung bình theo nhóm cho lại đúng điểm nhóm đã công bố (sai khác ≤ 0,1 do giá trị thô được
làm tròn 2 chữ số)."""),
    ("code", """reference_path = PROCESSED / "pii_reference_values.csv"
if reference_path.exists():
    reference_table, reference_result = pii.reference_check(read_processed(reference_path))
    write_table(reference_table, TABLES / "pii_reference_check.csv")
    print("\\n".join(reference_result.log))
    display(reference_table)"""),
]

NB03 = [
    ("md", """# 03 — Năng suất các nhân tố tổng hợp (TFP)

Mục tiêu của tỉnh: đóng góp của TFP vào tăng trưởng GRDP bình quân 45–47 % giai đoạn 2023–2025 (QĐ 123/QĐ-UBND), trên 50 % giai
đoạn 2026–2030 (QĐ 123, KH-SKHCN 2026) và ít nhất 55 % (Chương trình 20-CTr/TU, Phụ lục I mục 10), trong khi GRDP tăng 11–12 % mỗi năm.

Phương pháp hạch toán tăng trưởng (như Tổng cục Thống kê): tăng trưởng tính bằng 100 × chênh lệch logarit nên tăng trưởng GDP
tách đúng thành phần của vốn (α·g_K), lao động ((1 − α)·g_L) và TFP (phần còn lại). Tỷ trọng đóng góp của TFP trong một giai đoạn
= trung bình tăng trưởng TFP / trung bình tăng trưởng GDP (không lấy trung bình các tỷ lệ từng năm). Năm tăng trưởng gần 0 được đánh
dấu, không chia. Hệ số α (tỷ phần vốn) không được công bố: mọi so sánh đều kèm dải α từ 0,30 đến 0,55.

1. Việt Nam 1990–2019 theo Penn World Table 10.0, so với số Tổng cục Thống kê công bố.
2. Bắc Ninh và Bắc Giang: số liệu hiện có và số liệu còn thiếu.
3. Mục tiêu 2026–2030 nhìn từ số học tăng trưởng."""),
    ("code", PARAMS, "parameters"),
    ("code", """import pandas as pd

from bnkpi_utils import charts, config, tfp
from bnkpi_utils.io import read_processed, write_table
from bnkpi_utils.numbers import format_vi

RAW, PROCESSED, OUTPUT, TABLES, FIGURES, LANGS = config.notebook_setup(raw_dir, processed_dir, output_dir, lang)
macro = read_processed(PROCESSED / "macro.csv")
vintages = read_processed(PROCESSED / "macro_all_vintages.csv")
targets = read_processed(PROCESSED / "targets.csv")
REGIONS = ("Việt Nam", "Bắc Ninh", "Bắc Giang")
status = tfp.data_status(macro, REGIONS)
status"""),
    ("md", """## 1. Việt Nam 1990–2019 (Penn World Table 10.0)

Đầu ra: GDP thực (`q_gdp`); vốn: tổng tài sản cố định ròng theo giá cố định (Σ Nc/Np); lao động: số người làm việc (`emp`).
Số lao động năm 2019 giảm 7 % do PWT đổi nguồn số liệu (điểm gãy): các giai đoạn có năm 2019 được tính hai cách, có và không có năm đó."""),
    ("code", """PERIODS = list(tfp.PLAN_PERIODS) + list(tfp.TARGET_PERIODS)
published_periods = macro[(macro.indicator == "tfp_contribution_pct") & (macro.year_start != macro.year_end)]
PERIODS += [(int(s), int(e)) for s, e in zip(published_periods.year_start, published_periods.year_end)
            if (int(s), int(e)) not in PERIODS]
yearly_frames, period_frames = [], []
for region in REGIONS:
    inputs = tfp.inputs_for(macro, region)
    yearly = tfp.growth_accounting(inputs, region)
    if yearly.empty:
        print(f"{region}: thiếu vốn hoặc lao động theo năm — không tính được TFP.")
        continue
    yearly = yearly[yearly.year >= 1991]
    yearly_frames.append(yearly)
    period_frames.append(tfp.periods_table(yearly, PERIODS, macro, targets))
growth = pd.concat(yearly_frames, ignore_index=True)
periods = pd.concat(period_frames, ignore_index=True)
write_table(growth, TABLES / "tfp_growth_accounting.csv")
write_table(periods, TABLES / "tfp_periods.csv")
vn = periods[periods.region == "Việt Nam"]
vn[["period_start", "period_end", "years_with_data", "g_y", "contrib_k", "contrib_l", "g_tfp", "tfp_share_pct",
    "tfp_share_excl_breaks_pct", "break_years", "published_share_pct"]].round(2)"""),
    ("code", """growth[growth.flag != ""][["region", "year", "g_y", "g_l", "g_tfp", "tfp_share_pct", "flag"]].round(2)"""),
    ("md", """### Độ nhạy theo α và hệ số α khớp với số công bố

Số Tổng cục Thống kê công bố (33,58 % cho 2011–2015; 44,46 % cho 2016–2019) được đặt cạnh **dải** kết quả với α từ 0,30 đến 0,55.
Hệ số α làm cho kết quả trùng với số công bố được báo cáo như một phép kiểm tra, không dùng để "chỉnh" mô hình."""),
    ("code", """vn_inputs = tfp.inputs_for(macro, "Việt Nam")
band = pd.concat([tfp.alpha_sensitivity(vn_inputs, "Việt Nam", PERIODS, exclude_breaks=exclude).assign(
    variant="excluding_break_years" if exclude else "all_years") for exclude in (False, True)], ignore_index=True)
band = band[band.period_end <= 2020]
write_table(band, TABLES / "tfp_sensitivity_alpha.csv")
checks = []
for _, row in published_periods[published_periods.region == "Việt Nam"].iterrows():
    start, end = int(row.year_start), int(row.year_end)
    b = band[(band.period_start == start) & (band.period_end == end) & (band.variant == "all_years")]
    if b.empty:
        continue
    checks.append(dict(period=f"{start}–{end}", published=row.value, band_low=b.tfp_share_pct.min(),
                       band_high=b.tfp_share_pct.max(), inside_band=b.tfp_share_pct.min() <= row.value <= b.tfp_share_pct.max(),
                       reconciling_alpha=tfp.reconciling_alpha(vn_inputs, "Việt Nam", start, end, row.value)))
checks = pd.DataFrame(checks)
write_table(checks, TABLES / "tfp_published_check.csv")
checks.round(3)"""),
    ("md", """### Độ nhạy theo tỷ lệ khấu hao δ

Khi tỉnh chỉ có vốn đầu tư (không có tổng tài sản cố định), vốn được dựng bằng phương pháp kiểm kê thường xuyên
(K₀ = I₀/(g + δ), K_t = (1 − δ)K_{t−1} + I_t). Thử trên chuỗi đầu tư của Việt Nam (PWT `q_gfcf`) để thấy kết quả phụ thuộc δ đến đâu."""),
    ("code", """delta_band = tfp.delta_sensitivity(vn_inputs["investment_const"].dropna(), vn_inputs["grdp_const"],
                                   vn_inputs["employment"], "Việt Nam",
                                   periods=[p for p in tfp.PLAN_PERIODS if 1991 <= p[0] and p[1] <= 2020])
write_table(delta_band, TABLES / "tfp_sensitivity_delta.csv")
delta_band.pivot_table(index=["period_start", "period_end"], columns="delta", values="tfp_share_pct").round(1)"""),
    ("code", """# Charts leave out the 2019 break year of the PWT employment series (the table above shows both ways).
clean_vn = tfp.period_shares(growth[growth.region == "Việt Nam"], PERIODS, macro, targets, exclude_breaks=True)
vn_plan = clean_vn[clean_vn.apply(lambda r: (r.period_start, r.period_end) in tfp.PLAN_PERIODS, axis=1)
                   & (clean_vn.period_start >= 1991)]
band_plan = band[band.variant == "excluding_break_years"]
for code in LANGS:
    lines = {"55 % (target 2030)": 55.0, "50 %": 50.0} if code == "en" else {"55 % (mục tiêu 2030)": 55.0, "50 %": 50.0}
    charts.save(charts.tfp_shares(vn_plan, band_plan, lines, code), FIGURES / f"tfp_shares_{code}.png")
    charts.save(charts.growth_decomposition(vn_plan, code), FIGURES / f"tfp_decomposition_{code}.png")"""),
    ("md", """## 2. Bắc Ninh và Bắc Giang: số liệu hiện có

Không có nguồn công khai nào cho chuỗi **lao động làm việc** và **vốn đầu tư thực hiện theo giá so sánh** hằng năm của hai tỉnh:
không tính được TFP cấp tỉnh từ số liệu hiện có. Để tính: điền mẫu `data/raw/templates/yearbook_template.xlsx` từ Niên giám thống kê
(lưu thành `data/raw/macro_yearbook.xlsx`) rồi chạy lại — cùng đoạn mã ở trên sẽ tính TFP cho tỉnh.

Tăng trưởng GRDP được công bố nhiều phiên bản (ước tính, sơ bộ, điều chỉnh); bảng dưới liệt kê tất cả, cột `kept` là phiên bản được dùng."""),
    ("code", """grow = vintages[(vintages.region.isin(["Bắc Ninh", "Bắc Giang"])) & (vintages.indicator == "grdp_growth_pct")].copy()
kept = macro[(macro.indicator == "grdp_growth_pct")][["region", "year", "value"]].rename(columns={"value": "kept"})
grow = grow.merge(kept, on=["region", "year"], how="left")
table = grow.pivot_table(index=["region", "year"], columns="vintage", values="value", aggfunc="first").join(
    kept.set_index(["region", "year"]))
write_table(table.reset_index(), TABLES / "tfp_provincial_growth_vintages.csv")
table"""),
    ("code", """published_tfp = macro[(macro.indicator.isin(["tfp_contribution_pct", "capital_contribution_pct", "tfp_contribution_apo_pct"]))]
published_tfp[["region", "year", "indicator", "value", "note_text", "source"]]"""),
    ("md", """Bắc Giang 2023: 31,5 % (ước tính của tỉnh, phương pháp và tỷ phần vốn không công bố). Bắc Ninh 2008–2016: 63,97 % (nghiên cứu
học thuật, α và chỉ số giảm phát riêng). Hai con số này **không so sánh được** với nhau hay với số của Tổng cục Thống kê."""),
    ("md", """## 3. Mục tiêu nhìn từ số học tăng trưởng

Với GRDP tăng 11–12 % mỗi năm, để TFP đóng góp ≥ 55 %, TFP phải tăng ít nhất 6,05–6,6 % mỗi năm; vốn và lao động chỉ còn 4,95–5,4 điểm %.
Bảng dưới tính cho các mục tiêu 55 %, 50 % và 45–47 %, cùng tốc độ tăng vốn tối đa tương ứng với từng α và tốc độ tăng lao động."""),
    ("code", """grdp_target = targets[(targets.indicator == "grdp_growth_pct") & targets.is_current]
g_low, g_high = float(grdp_target.value.iloc[0]), float(grdp_target.value_high.iloc[0])
arith = pd.concat([tfp.target_arithmetic(g_low, g_high, share) for share in (55.0, 50.0)], ignore_index=True)
bn_growth = macro[(macro.region == "Bắc Ninh") & (macro.indicator == "grdp_growth_pct") & macro.year_start.between(2023, 2025)
                  & (macro.year_start == macro.year_end)]
mean_2023_2025 = float(bn_growth.value.mean())
arith = pd.concat([arith, tfp.target_arithmetic(mean_2023_2025, mean_2023_2025, 45.0, labour_growth=(1.0,)),
                   tfp.target_arithmetic(mean_2023_2025, mean_2023_2025, 47.0, labour_growth=(1.0,))], ignore_index=True)
write_table(arith, TABLES / "tfp_target_arithmetic.csv")
print(f"GRDP Bắc Ninh 2023–2025 (theo số đã công bố, 2023–2024 là tỉnh cũ, 2025 là tỉnh mới): "
      f"bình quân {format_vi(mean_2023_2025, 2)} %/năm")
arith[(arith.alpha == 0.43) & (arith.labour_growth == 1.0)]"""),
    ("code", """best_vn = vn[vn.period_end <= 2020].sort_values("g_tfp", ascending=False).iloc[0]
best_clean = clean_vn[clean_vn.period_end <= 2020].sort_values("g_tfp", ascending=False).iloc[0]
record = pd.DataFrame([
    dict(what="Mục tiêu 2026–2030: tăng trưởng TFP tối thiểu (%/năm)", value=0.55 * g_low),
    dict(what=f"Việt Nam, giai đoạn TFP tăng nhanh nhất ({best_vn.years_with_data}, α = 0,43)", value=best_vn.g_tfp),
    dict(what=f"— không tính năm điểm gãy 2019 ({best_clean.years_with_data})", value=best_clean.g_tfp),
])
write_table(record, TABLES / "tfp_target_vs_record.csv")
record.round(2)"""),
    ("md", """**Nói gọn:** mục tiêu ≥ 55 % đòi hỏi TFP của Bắc Ninh tăng khoảng 6–6,6 % mỗi năm trong 5 năm — gấp 1,6 đến 2,3 lần mức cao nhất
Việt Nam từng đạt trong một giai đoạn kế hoạch theo số liệu Penn World Table (bảng trên). Đồng thời vốn chỉ được tăng khoảng 10–11 % mỗi năm
(với α = 0,43 và lao động tăng 1 %/năm): tăng trưởng phải đến từ hiệu quả chứ không từ mở rộng đầu tư. Chưa có ước tính TFP nào
của tỉnh để biết hiện trạng: bổ sung số liệu niên giám là việc cần làm trước tiên."""),
]
NB04 = [
    ("md", """# 04 — Mục tiêu đến năm 2030: có đạt được không?

Sổ tay đánh giá **mọi** chỉ tiêu hiện hành trong danh mục (`data/raw/targets.csv`, lấy từ 4 văn bản) cho tỉnh Bắc Ninh:

- **Chỉ tiêu nào được tính:** khi văn bản sau điều chỉnh chỉ tiêu (cùng chỉ số, cùng năm), văn bản ban hành sau cùng được đánh giá; các phiên bản
  trước được giữ làm lịch sử.
- **Tình trạng:** *Đã đạt* khi số thực tế gần nhất đã đạt (ghi rõ nếu cần giữ đến năm mục tiêu); nếu chưa, theo phương pháp Eurostat:
  R = tốc độ tăng thực tế trong tối đa 5 năm gần nhất ÷ tốc độ cần thiết từ đầu giai đoạn đó để đạt mục tiêu đúng năm;
  R ≥ 0,95 *đúng hướng*, 0,60–0,95 *có nguy cơ*, dưới 0,60 *chệch hướng* (R < 0: đi ngược). *Chưa đủ số liệu* khi có dưới 2 số liệu thực tế —
  số ước tính và kế hoạch được hiển thị nhưng không tính là thực tế.
- **Dự báo** khi chuỗi có từ 5 điểm: xu hướng tuyến tính, tuyến tính theo log, bước ngẫu nhiên có xu hướng, mô hình xu hướng tuyến tính cục bộ
  (statsmodels), so sánh bằng kiểm định quay vòng; xác suất đạt mục tiêu và cách diễn đạt bằng lời.
- **Cần tăng tốc bao nhiêu:** tốc độ cần từ nay so với tốc độ đã đạt, theo đơn vị của chính chỉ tiêu.
- **Tính nhất quán** giữa các chỉ tiêu và **độ phủ số liệu** theo cơ quan chủ trì."""),
    ("code", PARAMS, "parameters"),
    ("code", """import pandas as pd

from bnkpi_utils import charts, config, pii, targets as tg, tfp
from bnkpi_utils.io import read_processed, write_table

RAW, PROCESSED, OUTPUT, TABLES, FIGURES, LANGS = config.notebook_setup(raw_dir, processed_dir, output_dir, lang)
REGION = "Bắc Ninh"
targets = read_processed(PROCESSED / "targets.csv")
kpi = read_processed(PROCESSED / "kpi_actuals.csv")
macro = read_processed(PROCESSED / "macro.csv")
scores = read_processed(PROCESSED / "pii_scores.csv")
print(f"{len(targets)} chỉ tiêu trong danh mục; {int(targets.is_current.sum())} hiện hành")"""),
    ("md", """## 1. Lịch sử điều chỉnh chỉ tiêu"""),
    ("code", """history = tg.history(targets)
write_table(history, TABLES / "targets_history.csv")
history[["indicator", "target_year", "target_id", "issued", "operator", "value", "value_high", "is_current"]]"""),
    ("md", """## 2. Đánh giá từng chỉ tiêu

TFP của tỉnh được tính bằng cùng bộ máy hạch toán tăng trưởng của sổ tay 03 (từ `data/processed`); thứ hạng PII dùng khoảng cách điểm đến hạng
mục tiêu trên bảng xếp hạng đã công bố."""),
    ("code", """tfp_yearly = tfp.growth_accounting(tfp.inputs_for(macro, REGION), REGION)
assessment = tg.assess(targets, kpi, macro, REGION, tfp_yearly)
assessment = tg.pii_rank_notes(assessment, pii.gap_table(scores, targets, REGION))
assessment["prob_words_vi"] = assessment["prob_meet"].map(lambda p: tg.probability_words(p, "vi"))
assessment["prob_words_en"] = assessment["prob_meet"].map(lambda p: tg.probability_words(p, "en"))
write_table(assessment, TABLES / "targets_assessment.csv")
counts = tg.status_counts(assessment)
write_table(counts, TABLES / "targets_status_counts.csv")
counts"""),
    ("code", """assessed = assessment[assessment.status != "insufficient_data"]
assessed[["target_id", "name_vi", "target_value", "latest_year", "latest_value", "status", "ratio_r", "note_vi"]]"""),
    ("md", """### Dự báo và xác suất

Chỉ các chuỗi có từ 5 số liệu thực tế mới được dự báo. Xác suất từ một mô hình có tham số nằm ở biên (phương sai bằng 0) không bao giờ được báo cáo."""),
    ("code", """assessment[assessment.prob_meet.notna()][["target_id", "projected_value", "projected_low", "projected_high", "prob_meet",
                                          "prob_words_vi", "model_probs"]]"""),
    ("md", """### Cần tăng tốc bao nhiêu"""),
    ("code", """need = assessment[assessment.status.isin(["on_track", "at_risk", "off_track"])]
need[["target_id", "name_vi", "status", "note_vi"]]"""),
    ("md", """## 3. Các chỉ tiêu có nhất quán với nhau không?"""),
    ("code", """vn = tfp.inputs_for(macro, "Việt Nam")
vn_periods = tfp.period_shares(tfp.growth_accounting(vn, "Việt Nam"), [p for p in tfp.PLAN_PERIODS if p[1] <= 2020])
tfp_record = float(vn_periods[vn_periods.period_start >= 1991].g_tfp.max()) if len(vn_periods) else float("nan")
consistency = tg.consistency_checks(targets, kpi, tfp_record, REGION)
write_table(consistency, TABLES / "targets_consistency.csv")
consistency[["check", "targets", "severity", "finding_vi"]]"""),
    ("md", """## 4. Độ phủ số liệu theo cơ quan chủ trì

Bao nhiêu chỉ tiêu hiện hành **không có một số liệu thực tế nào** để theo dõi — bản thân đây là một phát hiện cho lãnh đạo."""),
    ("code", """coverage = tg.coverage(assessment)
write_table(coverage, TABLES / "targets_coverage.csv")
coverage"""),
    ("code", """for code in LANGS:
    charts.save(charts.status_overview(counts, code), FIGURES / f"targets_status_{code}.png")
    charts.save(charts.key_targets(tg.key_panels(targets, kpi, REGION, code), code), FIGURES / f"targets_key_{code}.png")"""),
]
NB05 = [
    ("md", """# 05 — Bản tin cho lãnh đạo

Sổ tay này chỉ đọc các bảng và biểu đồ trong `outputs/tables` và `outputs/figures` (do các sổ tay 02–04 tạo ra) và viết bản tin:

- `briefs/brief_vi.html` (và `brief_en.html` khi `lang` là `en` hoặc `all`): bản lưu trữ, một tệp duy nhất, không có mã lệnh, không tải gì từ mạng;
- `briefs/brief_vi.eml`: thư điện tử — phần HTML dạng bảng với CSS nội tuyến, biểu đồ PNG đính kèm dạng `cid:` (Gmail và Outlook không hiển thị
  ảnh `data:`), kèm bản văn bản thuần.

Gửi thư: `bnkpi send --to ... --smtp-host ...` (mật khẩu lấy từ biến môi trường `BNKPI_SMTP_PASSWORD`, không bao giờ là tham số)."""),
    ("code", PARAMS, "parameters"),
    ("code", """from bnkpi_utils import brief, config

RAW, PROCESSED, OUTPUT, TABLES, FIGURES, LANGS = config.notebook_setup(raw_dir, processed_dir, output_dir, lang)
written = {code: brief.build_brief(OUTPUT, code) for code in LANGS}
for code, paths in written.items():
    print(f"{code}: {paths['html'].name} {paths['html'].stat().st_size:,} bytes; {paths['eml'].name} {paths['eml'].stat().st_size:,} bytes")"""),
    ("code", """context = brief.build_context(OUTPUT, LANGS[0])
print(context["subject"])
for line in context["headlines"]:
    print("-", line)"""),
]

NOTEBOOKS = {"01_clean.ipynb": NB01, "02_pii.ipynb": NB02, "03_tfp.ipynb": NB03, "04_targets.ipynb": NB04,
             "05_brief.ipynb": NB05}

if __name__ == "__main__":
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    for name, cells in NOTEBOOKS.items():
        nbf.write(notebook(cells), folder / name)
        print(f"wrote notebooks/{name}")
