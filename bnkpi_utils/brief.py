"""The leadership brief: a verdict first, owners and decisions, what changed, then PII and TFP.

Reads only OUTPUT/tables (and the run history OUTPUT/history, see history.py); draws its own charts for a phone
into OUTPUT/figures/brief_*.png. Writes two files per language:
- ``briefs/brief_<lang>.html``: the archive copy, self-contained (inline CSS, charts as embedded PNG, no script),
  linking to the annex ``briefs/annex/<notebook>.html`` (the executed notebooks without code);
- ``briefs/brief_<lang>.eml``: the e-mail — ``multipart/related; type="multipart/alternative"`` holding a
  multipart/alternative (text/plain and HTML) and the charts as inline PNG parts referenced by short ``cid:``s;
  a fluid single-column table layout (at most 640 px wide, 100 % on a phone) with inlined CSS (css-inline).

Every sentence is a per-language template filled from the tables; nothing a leader reads is written by hand
for one run. Text from data is escaped by jinja2 in HTML and left as is in text/plain.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import os
import secrets
from email import policy
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader

from . import charts, config, history, status, tfp
from .io import read_processed
from .numbers import format_vi
from .schema import PILLAR_NAMES_EN, PILLAR_NAMES_VI

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_EMAIL_HTML_BYTES = 100_000
MAX_ARCHIVE_BYTES = 1_500_000
DEFAULT_FROM = "bnkpi@localhost"
PROVINCE = "Bắc Ninh"
MAX_DECISIONS = 3
NOT_ASSIGNED = "(không giao cụ thể)"

# Responsible agencies as the province's documents name them, and their English names (one place).
AGENCY_EN = {
    "Sở KH&CN": "Department of Science and Technology",
    "Sở Khoa học và Công nghệ": "Department of Science and Technology",
    "Văn phòng UBND tỉnh": "Office of the Provincial People's Committee",
    "Sở Tài chính": "Department of Finance",
    "Sở Nội vụ": "Department of Home Affairs",
    "Công an tỉnh": "Provincial Police",
    "Tỉnh đoàn Bắc Ninh": "Bắc Ninh Provincial Youth Union",
    "Ngân hàng Nhà nước chi nhánh Khu vực 12": "State Bank of Vietnam, Region 12 branch",
    "Sở Y tế": "Department of Health",
    "Sở Giáo dục và Đào tạo": "Department of Education and Training",
    "Thống kê tỉnh Bắc Ninh": "Bắc Ninh Provincial Statistics Office",
    "UBND tỉnh": "Provincial People's Committee",
    "Thống kê tỉnh": "Provincial Statistics Office",
    NOT_ASSIGNED: "(no agency assigned)",
}

# The annex (interface 4): the executed notebooks exported to briefs/annex/<stem>.html, titled for a reader.
ANNEX_TITLES = {
    "vi": {"01_clean": "Làm sạch và kiểm tra dữ liệu", "02_pii": "Chỉ số Đổi mới sáng tạo cấp địa phương (PII)",
           "03_tfp": "Năng suất các nhân tố tổng hợp (TFP)", "04_targets": "Đánh giá từng chỉ tiêu"},
    "en": {"01_clean": "Data cleaning and checks", "02_pii": "Provincial Innovation Index (PII)",
           "03_tfp": "Total factor productivity (TFP)", "04_targets": "Assessment of every target"},
}

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

TEXT = {
    "vi": dict(
        org="Sở Khoa học và Công nghệ tỉnh Bắc Ninh",
        title="Bản tin {quarter}: tiến độ các mục tiêu khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số "
              "tỉnh Bắc Ninh đến năm 2030",
        quarter="Quý {q}/{year}",
        date_label="Ngày lập", vintage="Số liệu mới nhất: PII {pii}; chỉ tiêu: đến năm {data}",
        verdict="Đánh giá chung", deadlines="Theo thời hạn của chỉ tiêu", decisions="Đề xuất",
        owner="Chủ trì", due="Thời hạn", changes="Thay đổi so với bản tin trước", lagging="Chỉ tiêu cần chú ý",
        pii="Chỉ số Đổi mới sáng tạo cấp địa phương (PII)", tfp="Năng suất các nhân tố tổng hợp (TFP)",
        gaps="Chỉ tiêu chưa đánh giá được, theo cơ quan chủ trì",
        col_agency="Cơ quan chủ trì", col_unjudged="Chưa đánh giá được", col_nodata="Chưa có số liệu nào",
        col_goal="Mục tiêu", col_latest="Số mới nhất", col_total="Tổng cộng",
        annex="Phân tích đầy đủ",
        annex_archive="Các sổ tay phân tích đã chạy (dạng HTML, không có mã lệnh), cùng thư mục với bản tin này:",
        annex_email="Phân tích đầy đủ (các sổ tay đã chạy, dạng HTML) nằm trong thư mục briefs/annex/ của kết quả "
                    "lần chạy, cạnh bản lưu trữ brief_vi.html.",
        methods="Phương pháp: PII theo cách tổng hợp của Bộ KH&CN; TFP theo hạch toán tăng trưởng (tỷ phần vốn "
                "α = {alpha}); tiến độ chỉ tiêu theo phương pháp của Eurostat (tỷ số giữa tốc độ thực tế và tốc độ "
                "cần thiết), chỉ dùng số liệu thực tế, không so sánh qua đợt sáp nhập 1/7/2025.",
        footer="Bản tin do Sở Khoa học và Công nghệ tỉnh Bắc Ninh lập bằng bộ công cụ bnkpi từ số liệu công khai "
               "và văn bản của tỉnh.",
        subject="[Sở KH&CN Bắc Ninh] Bản tin {quarter}: {verdict}",
        view_chart="Biểu đồ",
    ),
    "en": dict(
        org="Bắc Ninh Department of Science and Technology",
        title="Brief {quarter}: progress towards Bắc Ninh's 2030 science, technology, innovation and digital "
              "transformation targets",
        quarter="Q{q}/{year}",
        date_label="Date", vintage="Latest data: PII {pii}; targets: up to {data}",
        verdict="Overall assessment", deadlines="By deadline", decisions="Proposed decisions", owner="Lead",
        due="By", changes="Changes since the last brief", lagging="Targets that need attention",
        pii="Provincial Innovation Index (PII)", tfp="Total factor productivity (TFP)",
        gaps="Targets that cannot be judged yet, by responsible agency",
        col_agency="Responsible agency", col_unjudged="Cannot be judged", col_nodata="No data at all",
        col_goal="Goal", col_latest="Latest", col_total="Total",
        annex="Full analysis",
        annex_archive="The executed analysis notebooks (HTML, without code), in the folder of this brief:",
        annex_email="The full analysis (the executed notebooks as HTML) is in the folder briefs/annex/ of the run's "
                    "outputs, next to the archive copy brief_en.html.",
        methods="Methods: PII aggregated as the Ministry of Science and Technology does; TFP by growth accounting "
                "(capital share α = {alpha}); progress by Eurostat's method (ratio of actual to required growth), "
                "from actual values only, never across the merger of 1 July 2025.",
        footer="Brief prepared by the Bắc Ninh Department of Science and Technology with the bnkpi suite from "
               "public data and the province's documents.",
        subject="[Bắc Ninh DOST] Brief {quarter}: {verdict}",
        view_chart="Chart",
    ),
}

# Sentences, one template per language; numbers are formatted for the language before filling in.
PHRASES = {
    "vi": dict(
        verdict_unknown="CHƯA ĐỦ CƠ SỞ KẾT LUẬN",
        verdict_unknown_short="chưa đủ cơ sở kết luận",
        verdict_unknown_text="Chưa thể kết luận tỉnh có đạt các mục tiêu năm 2030 hay không: chỉ {judged}/{n} chỉ "
                             "tiêu ({pct}%) có đủ số liệu để đánh giá.",
        verdict_lagging="CHƯA ĐÚNG TIẾN ĐỘ",
        verdict_lagging_short="nhiều chỉ tiêu chậm tiến độ",
        verdict_lagging_text="Với số liệu hiện có ({judged}/{n} chỉ tiêu đánh giá được, {pct}%), số chỉ tiêu chậm "
                             "tiến độ, có nguy cơ không đạt hoặc không đạt nhiều hơn số chỉ tiêu đã đạt hoặc đúng "
                             "tiến độ.",
        verdict_good="CƠ BẢN ĐÚNG TIẾN ĐỘ",
        verdict_good_short="cơ bản đúng tiến độ",
        verdict_good_text="Với số liệu hiện có ({judged}/{n} chỉ tiêu đánh giá được, {pct}%), phần lớn chỉ tiêu đã "
                          "đạt hoặc đúng tiến độ.",
        judged_split="Trong {judged} chỉ tiêu đánh giá được: {good} đã đạt hoặc đúng tiến độ; {lagging} chậm tiến "
                     "độ, có nguy cơ không đạt hoặc không đạt.",
        group_due="Đã hết hạn ({years})", group_year="Hạn năm {year}", group_later="Hạn {years}",
        group_line="{group}: {n} chỉ tiêu — {parts}.",
        achieved="Đã đạt: {names}.",
        and_more="và {k} chỉ tiêu khác",
        not_comparable="{k} chỉ tiêu không so sánh được qua đợt sáp nhập tỉnh 1/7/2025 (số liệu trước và sau thuộc "
                       "hai thang khác nhau: 63 và 34 tỉnh, thành); không tính là đạt hay không đạt.",
        decision_data="Yêu cầu {agency} báo cáo số liệu thực tế cho {k} chỉ tiêu chưa đánh giá được.",
        not_returned=" Mẫu báo cáo kỳ {period} chưa được gửi lại.",
        decision_assign="Giao cơ quan chủ trì theo dõi {k} chỉ tiêu hiện chưa giao cho cơ quan nào "
                        "({no_data} chỉ tiêu trong số đó chưa có số liệu).",
        decision_accelerate="Đẩy nhanh chỉ tiêu “{name}” ({status}): {need}",
        decision_pii="Ưu tiên cải thiện trụ cột {pillar} của PII: tăng {points} điểm ở trụ cột này là cách ít tốn "
                     "nhất để thêm {gap} điểm PII và lên hạng {rank}.",
        assigner="UBND tỉnh",
        need_rank="cần lên {req} bậc/năm đến {year}; giai đoạn {period}: {move} {ach} bậc/năm.",
        need_level="cần tăng {req}{unit}/năm đến {year}; giai đoạn {period}: {move} {ach}{unit}/năm.",
        need_mean="bình quân gần nhất {latest}, mục tiêu {goal} bình quân đến năm {year}.",
        need_missed="hạn {year} đã qua, số liệu cuối là {latest} ({latest_year}) so với mục tiêu {goal}.",
        up="lên", down="xuống", inc="tăng", dec="giảm",
        first_brief="Đây là bản tin đầu tiên: chưa có bản tin trước để so sánh.",
        since="So với bản tin lập ngày {date}:",
        no_change="Không có thay đổi về số liệu, tình trạng hay mục tiêu.",
        ch_status="tình trạng {old} → {new}",
        ch_new_data="số liệu mới {new}",
        ch_new_data_before="số liệu mới {new} (trước: {old})",
        ch_revised="mục tiêu sửa thành {new} (trước: {old})",
        ch_added="chỉ tiêu mới, tình trạng: {new}",
        ch_removed="không còn trong danh sách chỉ tiêu hiện hành",
        ch_now="tình trạng: {new}",
        more_changes="… và {k} chỉ tiêu khác (xem bảng targets_assessment.csv).",
        pii_now="PII {edition}: tỉnh Bắc Ninh (sau sáp nhập) xếp hạng {rank}/{n_units} với {score} điểm, {verdict} "
                "mục tiêu thuộc nhóm {target} địa phương dẫn đầu năm {year}.",
        pii_reached="đã đạt", pii_not_reached="chưa đạt",
        pii_margin="Khoảng cách với địa phương hạng {next_rank} tối đa {margin} điểm.",
        pii_before="Trước sáp nhập (thang 63 tỉnh, thành): {items}. Thứ hạng và điểm trên thang 63 và thang 34 "
                   "không so sánh trực tiếp được, nên bản tin không đánh giá tăng hay giảm qua năm 2025.",
        pii_item="{province} cũ hạng {ranks}",
        pii_up="Để lên hạng {rank} cần thêm {gap} điểm PII, tức khoảng {points} điểm ở trụ cột {pillar} (mỗi điểm ở "
               "trụ cột đầu ra P6, P7 làm PII tăng 0,25 điểm; ở trụ cột đầu vào 0,10 điểm).",
        weakest="Trụ cột thấp nhất năm {edition}: {pillar} ({score} điểm).",
        tfp_need="Mục tiêu giai đoạn 2026–2030: TFP đóng góp {goal} tăng trưởng GRDP. Với GRDP tăng {g_low}–{g_high}%/"
                 "năm, TFP phải tăng {need_low}–{need_high}%/năm, gấp {times} lần giai đoạn TFP của Việt Nam tăng "
                 "nhanh nhất ({years}: {record}%/năm, tính trên các năm không có điểm gãy số liệu).",
        tfp_revised="Mục tiêu năm 2030 đã được sửa từ {old} ({old_doc}) thành {new} ({new_doc}).",
        tfp_own="Ước tính của chính tỉnh đã công bố: {items}. Các ước tính này khác phương pháp và giai đoạn, chỉ "
                "để tham khảo.",
        tfp_own_item="{region} {period}: {value}% ({kind})",
        tfp_kind_research="nghiên cứu", tfp_kind_estimate="ước tính của tỉnh",
        tfp_passed="Mục tiêu TFP đóng góp {goal} tăng trưởng ({document}, hạn năm {year}) đã hết hạn: {status}.",
        tfp_capital="Với mục tiêu {share}%, vốn chỉ có thể tăng tối đa khoảng {low}–{high}%/năm (lao động tăng "
                    "1%/năm): tăng trưởng phải chủ yếu đến từ hiệu quả, không chủ yếu từ tăng vốn.",
        tfp_no_province="Chưa có chuỗi số liệu vốn và lao động của tỉnh để tự ước tính TFP.",
        tfp_province="Ước tính của bộ công cụ từ số liệu của tỉnh (hạch toán tăng trưởng, α = {alpha}), giai đoạn "
                     "{years}: TFP tăng {g_tfp}%/năm, đóng góp {share}% tăng trưởng GRDP ({g_y}%/năm).",
        chart_tfp_own="Bắc Ninh {years} (ước tính)",
        chart_rank_title="Thứ hạng PII của Bắc Ninh",
        chart_rank_old="Bắc Ninh cũ, thang {n} tỉnh",
        chart_rank_new="Bắc Ninh mới, thang {n} tỉnh",
        chart_rank_merger="sáp nhập\n1/7/2025",
        chart_rank_axis="hạng (1 = cao nhất)",
        chart_pillars_title="Điểm 7 trụ cột PII {edition}",
        chart_tfp_title="TFP đóng góp vào tăng trưởng (%)",
        chart_tfp_target="mục tiêu {share}%",
        chart_tfp_vn="Việt Nam {years}",
        chart_targets_title="Chỉ tiêu theo thời hạn và tình trạng",
    ),
    "en": dict(
        verdict_unknown="NOT ENOUGH DATA TO JUDGE",
        verdict_unknown_short="not enough data to judge",
        verdict_unknown_text="We cannot yet tell whether the province will reach its 2030 targets: only {judged} of "
                             "{n} targets ({pct}%) have the data for an assessment.",
        verdict_lagging="BEHIND SCHEDULE",
        verdict_lagging_short="many targets behind schedule",
        verdict_lagging_text="On the data available ({judged} of {n} targets can be judged, {pct}%), more targets are "
                             "off track, at risk or missed than achieved or on track.",
        verdict_good="BROADLY ON TRACK",
        verdict_good_short="broadly on track",
        verdict_good_text="On the data available ({judged} of {n} targets can be judged, {pct}%), most targets are "
                          "achieved or on track.",
        judged_split="Of the {judged} targets that can be judged: {good} achieved or on track; {lagging} off track, "
                     "at risk or missed.",
        group_due="Deadline passed ({years})", group_year="Due in {year}", group_later="Due {years}",
        group_line="{group}: {n} targets — {parts}.",
        achieved="Achieved: {names}.",
        and_more="and {k} more",
        not_comparable="{k} targets cannot be compared across the provincial merger of 1 July 2025 (the figures "
                       "before and after are on different scales: 63 and 34 provinces); they count as neither "
                       "achieved nor missed.",
        decision_data="Ask the {agency} to report actual values for the {k} targets that cannot be judged yet.",
        not_returned=" Its workbook for {period} has not been returned.",
        decision_assign="Assign a lead agency to the {k} targets that have none ({no_data} of them have no data).",
        decision_accelerate="Speed up “{name}” ({status}): {need}",
        decision_pii="Give priority to PII pillar {pillar}: {points} more points there is the cheapest way to add "
                     "{gap} PII points and reach rank {rank}.",
        assigner="UBND tỉnh",
        need_rank="it needs to climb {req} places a year until {year}; in {period} it moved {move} {ach} places a year.",
        need_level="it needs to grow {req}{unit} a year until {year}; in {period} it {move} {ach}{unit} a year.",
        need_mean="latest average {latest}, against an average of {goal} until {year}.",
        need_missed="the {year} deadline has passed; the last value is {latest} ({latest_year}) against a goal of {goal}.",
        up="up", down="down", inc="grew", dec="fell",
        first_brief="This is the first brief: there is no earlier brief to compare with.",
        since="Compared with the brief of {date}:",
        no_change="No change in data, statuses or targets.",
        ch_status="status {old} → {new}",
        ch_new_data="new value {new}",
        ch_new_data_before="new value {new} (before: {old})",
        ch_revised="target revised to {new} (before: {old})",
        ch_added="new target, status: {new}",
        ch_removed="no longer a current target",
        ch_now="status: {new}",
        more_changes="… and {k} more targets (see the table targets_assessment.csv).",
        pii_now="PII {edition}: the merged province of Bắc Ninh ranks {rank} of {n_units} with {score} points, "
                "{verdict} the goal of being among the top {target} by {year}.",
        pii_reached="meeting", pii_not_reached="not yet meeting",
        pii_margin="Its lead over rank {next_rank} is at most {margin} points.",
        pii_before="Before the merger (63-province scale): {items}. Ranks and scores on the 63- and 34-province scales "
                   "are not directly comparable, so this brief does not call 2025 a rise or a fall.",
        pii_item="former {province} ranked {ranks}",
        pii_up="Rank {rank} needs {gap} more PII points, about {points} points in pillar {pillar} (a point in an output "
               "pillar, P6 or P7, adds 0.25 PII points; in an input pillar 0.10).",
        weakest="Lowest pillar in {edition}: {pillar} ({score} points).",
        tfp_need="2026–2030 goal: TFP contributes {goal} of GRDP growth. With GRDP growing {g_low}–{g_high}% a year, TFP "
                 "must grow {need_low}–{need_high}% a year, {times} times Viet Nam's fastest TFP period ({years}: "
                 "{record}% a year, over years without breaks in the data).",
        tfp_revised="The 2030 goal was revised from {old} ({old_doc}) to {new} ({new_doc}).",
        tfp_own="The province's own published estimates: {items}. They use other methods and periods: for reference only.",
        tfp_own_item="{region} {period}: {value}% ({kind})",
        tfp_kind_research="research study", tfp_kind_estimate="provincial estimate",
        tfp_passed="The TFP goal of {goal} of growth ({document}, due {year}) has passed its deadline: {status}.",
        tfp_capital="With the {share}% goal, capital could grow at most about {low}–{high}% a year (labour +1% a "
                    "year): growth would have to come mainly from efficiency, not mainly from more capital.",
        tfp_no_province="There are no capital and labour series for the province yet to estimate its own TFP.",
        tfp_province="The suite's estimate from the province's own series (growth accounting, α = {alpha}), "
                     "{years}: TFP grew {g_tfp}% a year, {share}% of GRDP growth ({g_y}% a year).",
        chart_tfp_own="Bắc Ninh {years} (estimate)",
        chart_rank_title="Bắc Ninh's PII rank",
        chart_rank_old="former Bắc Ninh, {n}-province scale",
        chart_rank_new="merged Bắc Ninh, {n}-province scale",
        chart_rank_merger="merger\n1 Jul 2025",
        chart_rank_axis="rank (1 = best)",
        chart_pillars_title="The seven PII pillars, {edition}",
        chart_tfp_title="TFP share of growth (%)",
        chart_tfp_target="goal {share}%",
        chart_tfp_vn="Viet Nam {years}",
        chart_targets_title="Targets by deadline and status",
    ),
}

DOCUMENT_EN = {"QĐ": "Decision", "KH": "Plan", "NQ": "Resolution", "CTr": "Programme"}


def fmt(value, lang: str, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = float(value)
    if lang == "vi":
        return format_vi(value, decimals)
    text = f"{abs(value):,.{decimals}f}"
    return ("−" if value < 0 and float(text.replace(",", "")) != 0 else "") + text


def fmt_date(day: dt.date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang == "vi" else f"{day.day} {day.strftime('%B %Y')}"


def quarter_of(day: dt.date, lang: str) -> str:
    """The quarter a brief belongs to, as the administration writes it: Quý IV/2026 (en: Q4/2026)."""
    q = (day.month - 1) // 3 + 1
    return TEXT[lang]["quarter"].format(q=ROMAN[q] if lang == "vi" else q, year=day.year)


def agency_name(agency: str, lang: str) -> str:
    agency = agency if isinstance(agency, str) and agency.strip() else NOT_ASSIGNED
    return AGENCY_EN.get(agency, agency) if lang == "en" else agency


def document_name(document: str, lang: str) -> str:
    """A document citation for the reader; in English the Vietnamese type abbreviations are named in words."""
    if lang != "en" or not isinstance(document, str):
        return document if isinstance(document, str) else ""
    first = document.split()[0] if document.split() else ""
    kind = DOCUMENT_EN.get(first)
    number = document.split("/")[0].split()[-1] if kind and len(document.split()) > 1 else ""
    return f"{kind} {number}".strip() if kind else "the province's plan"


def target_name(row: pd.Series, lang: str) -> str:
    if lang == "en":
        name = row.get("name_en")
        return name if isinstance(name, str) and name.strip() else str(row["target_id"])
    return str(row["name_vi"])


def _unit(row: pd.Series) -> str:
    return "%" if str(row.get("unit", "")).strip().startswith("%") else ""


def goal_text(operator: str, value: float, high: float | None, unit: str, year: int | None, lang: str) -> str:
    decimals = 0 if float(value).is_integer() and (high is None or pd.isna(high) or float(high).is_integer()) else 2
    if operator == "between":
        text = f"{fmt(value, lang, decimals)}–{fmt(high, lang, decimals)}{unit}"
    elif operator == "rank<=":
        text = (f"nhóm {int(value)} dẫn đầu" if lang == "vi" else f"top {int(value)}")
    else:
        symbol = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}[operator]
        text = f"{symbol} {fmt(value, lang, decimals)}{unit}"
    return f"{text} ({int(year)})" if year is not None and not pd.isna(year) else text


def _goal(row: pd.Series, lang: str, with_year: bool = True) -> str:
    return goal_text(row["operator"], row["target_value"], row.get("value_high"), _unit(row),
                     row["target_year"] if with_year else None, lang)


def _latest(row: pd.Series, lang: str) -> str:
    if pd.isna(row.get("latest_value")):
        return "–"
    decimals = 0 if row["operator"] == "rank<=" else 2
    value = f"{fmt(row['latest_value'], lang, decimals)}{_unit(row)}"
    if row.get("aggregation") == "period_mean" and not pd.isna(row.get("baseline_year")) \
            and row["baseline_year"] != row["latest_year"]:
        return f"{value} ({int(row['baseline_year'])}–{int(row['latest_year'])})"
    return f"{value} ({int(row['latest_year'])})"


# --------------------------------------------------------------------------------------------- content


def load_tables(output_dir: Path) -> dict[str, pd.DataFrame]:
    return {path.stem: read_processed(path) for path in sorted((Path(output_dir) / "tables").glob("*.csv"))}


def deadline_groups(assessment: pd.DataFrame, year: int) -> pd.DataFrame:
    """Targets counted by deadline group (passed, this year, later) and status: columns group_kind, years, n,
    and one column per status. Groups without targets are left out."""
    kinds = pd.Series(["due" if y < year else "year" if y == year else "later" for y in assessment["target_year"]],
                      index=assessment.index)
    rows = []
    for kind in ("due", "year", "later"):
        part = assessment[kinds == kind]
        if part.empty:
            continue
        years = sorted(int(y) for y in part["target_year"].unique())
        counts = part["status"].value_counts()
        rows.append(dict(group_kind=kind, first=years[0], last=years[-1], n=len(part),
                         **{s: int(counts.get(s, 0)) for s in status.STATUSES}))
    return pd.DataFrame(rows)


def _group_label(row: pd.Series, lang: str) -> str:
    P = PHRASES[lang]
    years = str(row["first"]) if row["first"] == row["last"] else f"{row['first']}–{row['last']}"
    if row["group_kind"] == "due":
        return P["group_due"].format(years=years)
    if row["group_kind"] == "year":
        return P["group_year"].format(year=row["first"])
    return P["group_later"].format(years=years)


def verdict(assessment: pd.DataFrame, lang: str) -> dict:
    """The overall verdict: can we tell, and if so, are most judged targets achieved or on track?"""
    P = PHRASES[lang]
    n = len(assessment)
    counts = assessment["status"].value_counts()
    judged = int(sum(counts.get(s, 0) for s in status.JUDGED))
    good = int(sum(counts.get(s, 0) for s in status.GOOD))
    lagging = int(sum(counts.get(s, 0) for s in status.LAGGING))
    pct = fmt(100 * judged / n if n else 0, lang, 0)
    if n == 0 or judged < n / 2:
        key, colour = "unknown", status.COLOURS["insufficient_data"]
    elif lagging > good:
        key, colour = "lagging", status.COLOURS["off_track"]
    else:
        key, colour = "good", status.COLOURS["on_track"]
    sentences = [P[f"verdict_{key}_text"].format(judged=judged, n=n, pct=pct)]
    if judged:
        sentences.append(P["judged_split"].format(judged=judged, good=good, lagging=lagging))
    return dict(key=key, word=P[f"verdict_{key}"], short=P[f"verdict_{key}_short"], text=" ".join(sentences),
                colour=colour, judged=judged, n=n, good=good, lagging=lagging,
                not_comparable=int(counts.get("not_comparable", 0)))


def _need(row: pd.Series, lang: str, today: dt.date) -> str:
    """What a lagging target needs, from the assessment's numbers (signs and units written out)."""
    P = PHRASES[lang]
    f = lambda v, d=2: fmt(v, lang, d)  # noqa: E731
    if row["status"] == "not_achieved" or int(row["target_year"]) < today.year:
        return P["need_missed"].format(year=int(row["target_year"]), latest=_latest(row, lang).split(" (")[0],
                                       latest_year=int(row["latest_year"]) if not pd.isna(row.get("latest_year")) else "–",
                                       goal=_goal(row, lang, with_year=False))
    if row.get("aggregation") == "period_mean":
        return P["need_mean"].format(latest=_latest(row, lang), goal=_goal(row, lang, with_year=False),
                                     year=int(row["target_year"]))
    req, ach = row.get("required_per_year"), row.get("achieved_per_year")
    if pd.isna(req) or pd.isna(ach) or pd.isna(row.get("baseline_year")):
        return ""
    period = f"{int(row['baseline_year'])}–{int(row['latest_year'])}"
    if row["operator"] == "rank<=":  # a smaller rank number is better: climbing is a negative change
        return P["need_rank"].format(req=f(abs(req)), year=int(row["target_year"]), period=period,
                                     move=P["up"] if ach < 0 else P["down"], ach=f(abs(ach)))
    return P["need_level"].format(req=f(req), unit=_unit(row), year=int(row["target_year"]), period=period,
                                  move=P["inc"] if ach >= 0 else P["dec"], ach=f(abs(ach)))


def _achieved_line(assessment: pd.DataFrame, lang: str, limit: int = 5) -> str:
    """The achieved targets by name (the bright spots), or an empty string when there are none."""
    done = assessment[assessment["status"] == "achieved"]
    if done.empty:
        return ""
    names = [f"{target_name(r, lang)}: {_latest(r, lang)}" for _, r in done.iterrows()]
    extra = len(names) - limit
    shown = "; ".join(names[:limit]) + (f"; {PHRASES[lang]['and_more'].format(k=extra)}" if extra > 0 else "")
    return PHRASES[lang]["achieved"].format(names=shown)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lagging_rows(assessment: pd.DataFrame, lang: str, today: dt.date) -> list[dict]:
    order = {s: i for i, s in enumerate(("not_achieved", "off_track", "at_risk"))}
    lagging = assessment[assessment["status"].isin(status.LAGGING)].copy()
    lagging["order"] = lagging["status"].map(order)
    rows = []
    for _, r in lagging.sort_values(["order", "target_year"]).iterrows():
        rows.append(dict(name=target_name(r, lang), goal=_goal(r, lang), latest=_latest(r, lang),
                         status=status.label(r["status"], lang), colour=status.colour(r["status"]),
                         agency=agency_name(r.get("agency"), lang), need=_sentence(_need(r, lang, today))))
    return rows


def _unjudged_by_agency(assessment: pd.DataFrame, lang: str) -> list[dict]:
    unjudged = assessment[assessment["status"].isin(status.UNJUDGEABLE)].copy()
    unjudged["agency_key"] = [a if isinstance(a, str) and a.strip() else NOT_ASSIGNED for a in unjudged["agency"]]
    rows = []
    for agency, part in unjudged.groupby("agency_key"):
        no_data = int((part["n_points"].fillna(0) == 0).sum()) if "n_points" in part else 0
        rows.append(dict(agency_key=agency, agency=agency_name(agency, lang), n=len(part), no_data=no_data,
                         names="; ".join(sorted({target_name(r, lang) for _, r in part.iterrows()}))))
    return sorted(rows, key=lambda r: (-r["n"], r["agency"]))


def _next_quarter_end(day: dt.date, lang: str) -> str:
    q = (day.month - 1) // 3 + 1
    nq, year = (q % 4) + 1, day.year + (q == 4)
    return quarter_of(dt.date(year, 3 * nq, 1), lang)


def _not_returned(t: dict[str, pd.DataFrame], agency: str, lang: str) -> str:
    """A sentence saying the agency has not returned its workbook, when the coverage table (data round) says so."""
    coverage = t.get("targets_coverage")
    if coverage is None or not {"workbook_returned", "period"} <= set(coverage.columns):
        return ""
    row = coverage[coverage["agency"] == agency]
    if row.empty or str(row.iloc[0]["period"]) in ("", "nan") or \
            str(row.iloc[0]["workbook_returned"]).strip().lower() in ("true", "1"):
        return ""
    return PHRASES[lang]["not_returned"].format(period=row.iloc[0]["period"])


def decisions(t: dict[str, pd.DataFrame], lang: str, today: dt.date) -> list[dict]:
    """At most three proposed decisions, each derived from the tables, each with its owner, in this priority:
    the agency that owes data for the most targets, the lagging target needing the largest acceleration, the
    cheapest PII pillar for the next rank, targets without a responsible agency."""
    P = PHRASES[lang]
    assessment = t["targets_assessment"]
    due = _next_quarter_end(today, lang)
    found = []
    unjudged = _unjudged_by_agency(assessment, lang)
    assigned = [r for r in unjudged if r["agency_key"] != NOT_ASSIGNED]
    if assigned:
        top = assigned[0]
        text = P["decision_data"].format(agency=top["agency"], k=top["n"]) + _not_returned(t, top["agency_key"], lang)
        found.append(dict(text=text, owner=top["agency"], due=due))
    lagging = assessment[assessment["status"].isin(("off_track", "at_risk"))
                         & (assessment["target_year"] >= today.year)]
    if "ratio_r" in lagging and lagging["ratio_r"].notna().any():
        r = lagging.loc[lagging["ratio_r"].idxmin()]
        found.append(dict(text=P["decision_accelerate"].format(name=target_name(r, lang),
                                                               status=status.label(r["status"], lang).lower(),
                                                               need=_need(r, lang, today)),
                          owner=agency_name(r.get("agency"), lang), due=due))
    gap = t.get("pii_gap")
    if gap is not None and len(gap):
        latest = gap[gap["edition"] == gap["edition"].max()]
        up = latest[(latest["status"] == "outside") & latest["cheapest_pillar"].astype(str).str.match(r"P\d")]
        if len(up):
            u = up.sort_values("target_rank", ascending=False).iloc[0]
            names = PILLAR_NAMES_EN if lang == "en" else PILLAR_NAMES_VI
            rank_target = assessment[assessment["indicator"] == "pii_rank"]
            owner = rank_target["agency"].iloc[-1] if len(rank_target) else NOT_ASSIGNED
            found.append(dict(text=P["decision_pii"].format(pillar=f"{u['cheapest_pillar']} "
                                                                   f"{names[u['cheapest_pillar']]}",
                                                            points=fmt(u["cheapest_points"], lang, 1),
                                                            gap=fmt(u["gap_high"], lang), rank=int(u["target_rank"])),
                              owner=agency_name(owner, lang), due=due))
    unassigned = [r for r in unjudged if r["agency_key"] == NOT_ASSIGNED]
    n_unassigned = int(assessment["agency"].map(lambda a: not (isinstance(a, str) and a.strip())).sum())
    if n_unassigned:
        no_data = unassigned[0]["no_data"] if unassigned else 0
        found.append(dict(text=P["decision_assign"].format(k=n_unassigned, no_data=no_data),
                          owner=agency_name(P["assigner"], lang), due=due))
    return found[:MAX_DECISIONS]


def _change_value(value, row: pd.Series, lang: str) -> str:
    latest, year = value
    if pd.isna(latest):
        return "–"
    decimals = 0 if row["operator"] == "rank<=" else 2
    return f"{fmt(latest, lang, decimals)}{_unit(row)}" + (f" ({int(year)})" if not pd.isna(year) else "")


def change_lines(output_dir: Path, assessment: pd.DataFrame, lang: str, limit: int = 12) -> dict:
    """The section "Thay đổi so với bản tin trước": one line per changed target, by name, with its new status."""
    P = PHRASES[lang]
    found = history.changes_since_previous(output_dir)
    if found is None:
        return dict(first=True, intro=P["first_brief"], lines=[])
    run_id, diff = found
    try:
        when = fmt_date(dt.datetime.strptime(run_id[:16], "%Y%m%dT%H%M%SZ").date(), lang)
    except ValueError:
        when = run_id
    now = assessment.set_index("target_id")
    lines = []
    for tid, part in diff.groupby("target_id", sort=False):
        row = now.loc[tid].copy() if tid in now.index else None
        if row is not None:
            row["target_id"] = tid
        name = target_name(row, lang) if row is not None else str(tid)
        bits = []
        for _, c in part.iterrows():
            if c["kind"] == "status":
                bits.append(P["ch_status"].format(old=status.label(c["before"], lang), new=status.label(c["after"], lang)))
            elif c["kind"] == "new_data":
                old = _change_value(c["before"], row, lang)
                new = _change_value(c["after"], row, lang)
                bits.append(P["ch_new_data"].format(new=new) if old == "–" else
                            P["ch_new_data_before"].format(new=new, old=old))
            elif c["kind"] == "target_revised":
                old = goal_text(c["before"][0], c["before"][1], None, _unit(row), c["before"][2], lang)
                bits.append(P["ch_revised"].format(new=_goal(row, lang), old=old))
            elif c["kind"] == "target_added":
                bits.append(P["ch_added"].format(new=status.label(c["after"], lang)))
            else:
                bits.append(P["ch_removed"])
        if row is not None and "status" not in set(part["kind"]) and "target_added" not in set(part["kind"]):
            bits.append(P["ch_now"].format(new=status.label(row["status"], lang)))
        lines.append(f"{name}: {'; '.join(bits)}.")
    intro = P["since"].format(date=when) + ("" if lines else " " + P["no_change"])
    extra = len(lines) - limit
    lines = lines[:limit] + ([P["more_changes"].format(k=extra)] if extra > 0 else [])
    return dict(first=False, intro=intro, lines=lines)


def _pii_points(t: dict, lang: str) -> tuple[list[str], dict]:
    P = PHRASES[lang]
    f = lambda v, d=2: fmt(v, lang, d)  # noqa: E731
    scores = t["pii_scores"]
    own = scores[(scores["province"] == PROVINCE) & (scores["component"] == "PII")].sort_values("edition")
    latest = own.iloc[-1]
    edition = int(latest["edition"])
    points = []
    gap = t.get("pii_gap", pd.DataFrame())
    latest_gap = gap[gap["edition"] == edition] if len(gap) else gap
    goal = latest_gap[latest_gap["target_current"].astype(str).str.lower().eq("true")
                      & latest_gap["target_year"].notna()] if len(latest_gap) else latest_gap
    goal = goal.sort_values("target_year").tail(1)  # the current rank target with the latest deadline
    if len(goal):
        g = goal.iloc[0]
        points.append(P["pii_now"].format(edition=edition, rank=int(latest["rank"]), n_units=int(latest["n_units"]),
                                          score=f(latest["published_score"]), target=int(g["target_rank"]),
                                          year=int(g["target_year"]),
                                          verdict=P["pii_reached"] if g["status"] == "inside" else P["pii_not_reached"]))
        if g["status"] == "inside" and not pd.isna(g["gap_low"]):
            points[-1] += " " + P["pii_margin"].format(next_rank=int(g["target_rank"]) + 1, margin=f(-g["gap_low"]))
    traj = t.get("pii_trajectory")
    if traj is not None and len(traj):
        before = traj[traj["n_units"] != latest["n_units"]].dropna(subset=["rank"])
        items = []
        for province, part in before.groupby("province", sort=False):
            ranks = ", ".join(f"{int(r['rank'])}/{int(r['n_units'])} ({int(r['edition'])})"
                              for _, r in part.sort_values("edition").iterrows())
            items.append(P["pii_item"].format(province=province, ranks=ranks))
        if items:
            points.append(P["pii_before"].format(items="; ".join(items)))
    up = latest_gap[(latest_gap["status"] == "outside")] if len(latest_gap) else latest_gap
    names = PILLAR_NAMES_EN if lang == "en" else PILLAR_NAMES_VI
    if len(up) and up["cheapest_pillar"].astype(str).str.match(r"P\d").any():
        u = up[up["cheapest_pillar"].astype(str).str.match(r"P\d")].sort_values("target_rank", ascending=False).iloc[0]
        points.append(P["pii_up"].format(rank=int(u["target_rank"]), gap=f(u["gap_high"]),
                                         points=f(u["cheapest_points"], 1),
                                         pillar=f"{u['cheapest_pillar']} {names[u['cheapest_pillar']]}"))
    profile = scores[(scores["province"] == PROVINCE) & (scores["edition"] == edition)
                     & scores["component"].str.match(r"^P\d$")].set_index("component")["published_score"].dropna()
    if len(profile):
        weakest = profile.idxmin()
        points.append(P["weakest"].format(edition=edition, pillar=f"{weakest} {names[weakest]}",
                                          score=f(profile[weakest])))
    return points, dict(edition=edition, profile=profile.sort_index(), trajectory=traj)


def _record(record: pd.DataFrame | None) -> pd.Series | None:
    """Viet Nam's break-free TFP record from tfp_target_vs_record (the row that leaves out break years)."""
    if record is None or len(record) < 2:
        return None
    free = record[record["what"].str.contains("không tính|without|excl", case=False, regex=True)]
    return free.iloc[0] if len(free) else None


def alpha_used(t: dict) -> float:
    """The capital share α the run used (the ``alpha`` parameter), read from the growth accounting's Cobb-Douglas
    rows; never a statistic of the target arithmetic, whose α grid also holds 0.35 and 0.50 for comparison."""
    for name in ("tfp_growth_accounting", "tfp_published_check"):
        table = t.get(name)
        if table is None or "alpha" not in table or table.empty:
            continue
        if "method" in table:
            table = table[table["method"] == "cobb_douglas"]
        values = table["alpha"].dropna().round(6).unique()
        if len(values) == 1:
            return float(values[0])
    return tfp.DEFAULT_ALPHA


def _tfp_points(t: dict, lang: str, today: dt.date) -> tuple[list[str], dict]:
    P = PHRASES[lang]
    f = lambda v, d=2: fmt(v, lang, d)  # noqa: E731
    assessment = t["targets_assessment"]
    tfp_targets = assessment[assessment["indicator"] == "tfp_share_pct"].sort_values("target_year")
    grdp = assessment[assessment["indicator"] == "grdp_growth_pct"].sort_values("target_year")
    current = tfp_targets[tfp_targets["target_year"] >= today.year]
    current = current.iloc[-1] if len(current) else None
    points = []
    arithmetic, record = t.get("tfp_target_arithmetic"), _record(t.get("tfp_target_vs_record"))
    if current is not None and len(grdp) and arithmetic is not None and record is not None:
        share = float(current["target_value"])
        need = arithmetic[arithmetic["target_share_pct"] == share]["required_tfp_growth"]
        g = grdp.iloc[-1]
        years = record.get("years") if "years" in record and isinstance(record.get("years"), str) else \
            str(record["what"]).split("(")[-1].split(",")[0].rstrip(")")
        if len(need):
            points.append(P["tfp_need"].format(goal=_goal(current, lang, with_year=False),
                                               g_low=f(g["target_value"], 0), g_high=f(g["value_high"], 0),
                                               need_low=f(need.min()), need_high=f(need.max()),
                                               times=f(need.min() / float(record["value"]), 1), years=years,
                                               record=f(record["value"])))
    revisions = t.get("targets_history")
    if current is not None and revisions is not None and len(revisions):
        older = revisions[(revisions["indicator"] == "tfp_share_pct")
                          & (revisions["target_year"] == current["target_year"])
                          & (revisions["target_id"] != current["target_id"])].sort_values("issued")
        if len(older):
            o = older.iloc[0]
            points.append(P["tfp_revised"].format(
                old=goal_text(o["operator"], o["value"], o.get("value_high"), "%", None, lang),
                old_doc=document_name(o["document"], lang), new=_goal(current, lang, with_year=False),
                new_doc=document_name(current.get("document"), lang)))
    own = t.get("tfp_provincial_published")
    bars = []
    if own is not None and len(own):
        items = [P["tfp_own_item"].format(region=r["region"], period=str(r["period"]).replace("-", "–"),
                                          value=f(r["value"], 1),
                                          kind=P["tfp_kind_research" if r["kind"] == "research" else "tfp_kind_estimate"])
                 for _, r in own.iterrows()]
        points.append(P["tfp_own"].format(items="; ".join(items)))
        bars = [dict(label=f"{r['region']} {str(r['period']).replace('-', '–')}", value=float(r["value"]),
                     kind="provincial") for _, r in own.iterrows()]
    for _, r in tfp_targets[tfp_targets["target_year"] < today.year].iterrows():
        points.append(P["tfp_passed"].format(goal=_goal(r, lang, with_year=False), year=int(r["target_year"]),
                                             document=document_name(r.get("document"), lang),
                                             status=status.label(r["status"], lang).lower()))
    if arithmetic is not None and len(arithmetic) and current is not None:
        share = float(current["target_value"])
        alpha = alpha_used(t)
        row = arithmetic[(arithmetic["target_share_pct"] == share) & ((arithmetic["alpha"] - alpha).abs() < 1e-6)
                         & (arithmetic["labour_growth"] == 1.0)]
        if len(row):
            points.append(P["tfp_capital"].format(share=f(share, 0), low=f(row["max_capital_growth"].min(), 0),
                                                  high=f(row["max_capital_growth"].max(), 0)))
    periods = t.get("tfp_periods")
    own_regions = (PROVINCE, PROVINCE + tfp.MERGED_SUFFIX)  # the merged province's series carries the suffix
    own_tfp = pd.DataFrame() if periods is None else periods[
        periods["region"].isin(own_regions) & (periods["method"] == "cobb_douglas") & periods["tfp_share_pct"].notna()]
    if own_tfp.empty:
        points.append(P["tfp_no_province"])
    else:
        latest = own_tfp.sort_values(["period_end", "period_start"]).iloc[-1]
        years = f"{int(latest['period_start'])}–{int(latest['period_end'])}"
        points.append(P["tfp_province"].format(years=years, share=f(latest["tfp_share_pct"], 1),
                                               g_tfp=f(latest["g_tfp"]), g_y=f(latest["g_y"]),
                                               alpha=f(latest["alpha"], 2)))
        bars.append(dict(label=P["chart_tfp_own"].format(years=years), value=float(latest["tfp_share_pct"]),
                         kind="provincial"))
    national = []
    if periods is not None and len(periods):
        share_col = "tfp_share_excl_breaks_pct" if "tfp_share_excl_breaks_pct" in periods else "tfp_share_pct"
        vn = periods[(periods["region"] == "Việt Nam") & (periods["method"] == "cobb_douglas")
                     & ((periods["period_end"] - periods["period_start"]) == 4) & periods[share_col].notna()]
        vn = vn[vn["period_start"] >= 2001].sort_values("period_start")
        national = [dict(label=P["chart_tfp_vn"].format(years=f"{int(r['period_start'])}–{int(r['period_end'])}"),
                         value=float(r[share_col]), kind="national") for _, r in vn.iterrows()]
    return points, dict(bars=pd.DataFrame(national + bars, columns=["label", "value", "kind"]),
                        target=float(current["target_value"]) if current is not None else None)


def provincial_tfp_estimates(macro: pd.DataFrame, nation: str = "Việt Nam") -> pd.DataFrame:
    """The provinces' own published TFP shares (``tfp_contribution_pct`` of any region but the nation), for the
    brief to show beside the target: region, period, value, kind (research | estimate), source."""
    rows = macro[(macro["indicator"] == "tfp_contribution_pct") & (macro["region"] != nation)]
    note = rows["note"].fillna("").astype(str) if "note" in rows else pd.Series("", index=rows.index)
    return pd.DataFrame(dict(region=rows["region"], period=rows["year"].astype(str), value=rows["value"],
                             kind=["research" if "academic" in n.lower() or "study" in n.lower() else "estimate"
                                   for n in note],
                             source=rows["source"])).reset_index(drop=True)


def annex_links(lang: str, notebook_dir: Path = config.NOTEBOOKS_DIR) -> list[dict]:
    stems = [p.stem for p in sorted(Path(notebook_dir).glob("[0-9][0-9]_*.ipynb")) if p.stem in ANNEX_TITLES[lang]]
    return [dict(href=f"annex/{stem}.html", title=ANNEX_TITLES[lang][stem]) for stem in stems]


def build_context(output_dir: Path, lang: str = "vi", today: dt.date | None = None) -> dict:
    """Everything the templates and charts show, computed from the output tables and the run history only."""
    today = today or dt.date.today()
    output_dir = Path(output_dir)
    t = load_tables(output_dir)
    L, P = TEXT[lang], PHRASES[lang]
    assessment = t["targets_assessment"]
    quarter = quarter_of(today, lang)
    v = verdict(assessment, lang)
    groups = deadline_groups(assessment, today.year)
    group_lines = []
    for _, g in groups.iterrows():
        parts = ", ".join(f"{int(g[s])} {status.label(s, lang).lower()}" for s in status.STATUSES if g[s])
        group_lines.append(P["group_line"].format(group=_group_label(g, lang), n=int(g["n"]), parts=parts))
    groups["group"] = [_group_label(g, lang) for _, g in groups.iterrows()]
    pii_points, pii_data = _pii_points(t, lang)
    tfp_points, tfp_data = _tfp_points(t, lang, today)
    unjudged = _unjudged_by_agency(assessment, lang)
    alpha = alpha_used(t)
    data_year = int(assessment["latest_year"].dropna().max()) if assessment["latest_year"].notna().any() else None
    return dict(
        lang=lang, L=L, date=fmt_date(today, lang), quarter=quarter,
        title=L["title"].format(quarter=quarter),
        vintage=L["vintage"].format(pii=pii_data["edition"], data=data_year or "–"),
        verdict=v, group_lines=group_lines, groups=groups,
        not_comparable=P["not_comparable"].format(k=v["not_comparable"]),
        achieved=_achieved_line(assessment, lang),
        decisions=decisions(t, lang, today), changes=change_lines(output_dir, assessment, lang),
        lagging=_lagging_rows(assessment, lang, today), unjudged=unjudged,
        unjudged_total=dict(n=sum(r["n"] for r in unjudged), no_data=sum(r["no_data"] for r in unjudged)),
        pii_points=pii_points, tfp_points=tfp_points, annex=annex_links(lang),
        methods=L["methods"].format(alpha=fmt(alpha, lang)),
        subject=L["subject"].format(quarter=quarter, verdict=v["short"]),
        preheader=v["word"].capitalize() + ": " + v["text"],
        chart_data=dict(pii=pii_data, tfp=tfp_data, groups=groups),
    )


# --------------------------------------------------------------------------------------------- charts


def draw_charts(context: dict, figures_dir: Path) -> dict[str, Path]:
    """The brief's four charts, drawn for a phone, as figures/brief_<name>_<lang>.png."""
    lang, P = context["lang"], PHRASES[context["lang"]]
    data = context["chart_data"]
    paths = {}
    names = PILLAR_NAMES_EN if lang == "en" else PILLAR_NAMES_VI

    def out(name: str) -> Path:
        return Path(figures_dir) / f"brief_{name}_{lang}.png"

    groups = data["groups"]
    if len(groups):
        paths["targets_key"] = charts.save_brief(charts.brief_targets_by_deadline(
            groups, dict(title=P["chart_targets_title"]), lang), out("targets_key"))
    traj = data["pii"]["trajectory"]
    if traj is not None and len(traj):
        paths["pii_rank_history"] = charts.save_brief(charts.brief_pii_ranks(
            traj, PROVINCE, dict(title=P["chart_rank_title"], old_series=P["chart_rank_old"],
                                 new_series=P["chart_rank_new"], merger=P["chart_rank_merger"],
                                 axis=P["chart_rank_axis"])), out("pii_rank_history"))
    profile = data["pii"]["profile"]
    if len(profile):
        paths["pii_pillar_profile"] = charts.save_brief(charts.brief_pii_pillars(
            profile, names, dict(title=P["chart_pillars_title"].format(edition=data["pii"]["edition"])), lang),
            out("pii_pillar_profile"))
    bars = data["tfp"]["bars"]
    if len(bars):
        target = data["tfp"]["target"]
        paths["tfp_shares"] = charts.save_brief(charts.brief_tfp(
            bars, target, dict(title=P["chart_tfp_title"],
                               target=P["chart_tfp_target"].format(share=fmt(target, lang, 0)) if target else ""),
            lang), out("tfp_shares"))
    return paths


# --------------------------------------------------------------------------------------------- rendering


def _environment() -> Environment:
    # HTML is escaped; the text/plain part is not (a leader reads "Sở KH&CN", not "Sở KH&amp;CN").
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=lambda name: bool(name) and ".html" in name,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_html(context: dict, images: dict[str, str]) -> str:
    """The brief's HTML with CSS inlined; ``images`` maps chart name → src (cid: or data: URI)."""
    import css_inline

    html = _environment().get_template("brief.html.j2").render(**context, images=images)
    return css_inline.inline(html)


def render_text(context: dict) -> str:
    return _environment().get_template("brief.txt.j2").render(**context)


def build_message(context: dict, charts_found: dict[str, Path], sender: str | None = None) -> MIMEMultipart:
    """multipart/related (type multipart/alternative, RFC 2387) [ alternative [ text/plain, text/html ], PNGs ].

    Content-IDs are short (``c1.<8 hex>@bnkpi``) so that they never fold onto a second header line: some
    clients lose related images when they do (CPython issue #100293)."""
    token = secrets.token_hex(4)
    cids = {name: f"c{i}.{token}@bnkpi" for i, name in enumerate(charts_found, start=1)}
    email_html = render_html({**context, "archive": False}, {name: f"cid:{cid}" for name, cid in cids.items()})
    html_bytes = len(email_html.encode("utf-8"))
    if html_bytes > MAX_EMAIL_HTML_BYTES:
        raise ValueError(f"the e-mail HTML body is {html_bytes} bytes, over the {MAX_EMAIL_HTML_BYTES} limit")
    message = MIMEMultipart("related", policy=policy.SMTP, type="multipart/alternative")
    message["Subject"] = context["subject"]
    message["From"] = sender or os.environ.get("BNKPI_MAIL_FROM", DEFAULT_FROM)
    message["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    message["Message-ID"] = make_msgid(domain="bnkpi.local")
    alternative = MIMEMultipart("alternative", policy=policy.SMTP)
    alternative.attach(MIMEText(render_text(context), "plain", "utf-8", policy=policy.SMTP))
    alternative.attach(MIMEText(email_html, "html", "utf-8", policy=policy.SMTP))
    message.attach(alternative)
    for name, path in charts_found.items():
        image = MIMEImage(path.read_bytes(), "png", policy=policy.SMTP)
        image.add_header("Content-ID", f"<{cids[name]}>")
        image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
        message.attach(image)
    return message


def build_brief(output_dir: Path, lang: str = "vi", today: dt.date | None = None,
                sender: str | None = None) -> dict[str, Path]:
    """Draw the charts and write briefs/brief_<lang>.html and briefs/brief_<lang>.eml; returns their paths."""
    output_dir = Path(output_dir)
    context = build_context(output_dir, lang, today)
    found = draw_charts(context, output_dir / "figures")
    briefs = output_dir / "briefs"
    briefs.mkdir(parents=True, exist_ok=True)
    data_uris = {name: "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
                 for name, path in found.items()}
    archive = render_html({**context, "archive": True}, data_uris)
    archive_path = briefs / f"brief_{lang}.html"
    archive_path.write_text(archive, encoding="utf-8")
    if archive_path.stat().st_size > MAX_ARCHIVE_BYTES:
        raise ValueError(f"the archive brief is {archive_path.stat().st_size} bytes, over {MAX_ARCHIVE_BYTES}")
    eml_path = briefs / f"brief_{lang}.eml"
    eml_path.write_bytes(bytes(build_message(context, found, sender)))
    return {"html": archive_path, "eml": eml_path}
