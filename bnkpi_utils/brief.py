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
import functools
import math
import os
import re
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
from .data_round import DEPARTMENT, STATISTICS_OFFICE, check_period
from .io import read_processed
from .numbers import format_vi
from .schema import PILLAR_NAMES_EN, PILLAR_NAMES_VI

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_EMAIL_HTML_BYTES = 100_000
MAX_ARCHIVE_BYTES = 1_500_000
DEFAULT_FROM = "bnkpi@localhost"
PROVINCE = "Bắc Ninh"
MAX_DECISIONS = 3
NOT_ASSIGNED = "Chưa giao cơ quan chủ trì"

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
    NOT_ASSIGNED: "No lead agency assigned",
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
        heading="Bản tin {quarter}",
        subheading="Tiến độ các mục tiêu khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số tỉnh Bắc Ninh "
                   "đến năm 2030",
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
        heading="Brief {quarter}",
        subheading="Progress towards Bắc Ninh's 2030 science, technology, innovation and digital transformation "
                   "targets",
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
        judged_split="Trong {judged} chỉ tiêu đánh giá được: {parts}.",
        judged_good="{k} đã đạt hoặc đúng tiến độ", judged_lagging="{k} chậm tiến độ hoặc không đạt",
        group_due="Đã hết hạn ({years})", group_year="Hạn năm {year}", group_later="Hạn {years}",
        group_line="{group}: {n} chỉ tiêu — {parts}.",
        achieved="Đã đạt: {names}.",
        and_more="và {k} chỉ tiêu khác",
        not_comparable="{k} chỉ tiêu không so sánh được qua đợt sáp nhập tỉnh 1/7/2025 (số liệu trước và sau là xếp "
                       "hạng trong 63 và trong 34 tỉnh, thành phố); không tính là đạt hay không đạt.",
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
        pii_now="PII {edition} (Bộ KH&CN công bố): tỉnh Bắc Ninh (sau sáp nhập) xếp hạng {rank}/{n_units} với {score} "
                "điểm, {verdict} mục tiêu đến năm {year} thuộc nhóm {target} địa phương dẫn đầu.",
        pii_reached="đã đạt", pii_not_reached="chưa đạt",
        pii_margin="Bắc Ninh hơn địa phương hạng {next_rank} {margin} điểm.",
        pii_before="Trước sáp nhập: {items}. Thứ hạng trong 63 và trong 34 địa phương không so sánh trực tiếp được: "
                   "bản tin không đánh giá tăng hay giảm qua năm 2025.",
        pii_item="{province} cũ hạng {ranks}",
        pii_up="Để lên hạng {rank} cần thêm {gap} điểm PII, tức khoảng {points} điểm ở trụ cột {pillar} (mỗi điểm ở "
               "trụ cột đầu ra P6, P7 làm PII tăng 0,25 điểm; ở trụ cột đầu vào 0,10 điểm).",
        weakest="Trụ cột thấp nhất năm {edition}: {pillar} ({score} điểm).",
        tfp_need="Mục tiêu giai đoạn 2026–2030: TFP đóng góp {goal} tăng trưởng GRDP. Với GRDP tăng {g_low}–{g_high}%/"
                 "năm, TFP phải tăng {need_low}–{need_high}%/năm, gấp {times} lần giai đoạn TFP của Việt Nam tăng "
                 "nhanh nhất ({years}: {record}%/năm, tính từ Penn World Table 10.0, các năm không có điểm gãy số liệu).",
        tfp_revised="Mục tiêu năm 2030 đã được sửa từ {old} ({old_doc}) thành {new} ({new_doc}).",
        tfp_own="Ước tính đã công bố khác (không phải chuỗi của bộ công cụ, khác phương pháp và giai đoạn, chỉ để tham "
                "khảo, không vẽ trên biểu đồ): {items}.",
        tfp_own_item="{region} {period}: {value}% ({kind}, nguồn: {source})",
        tfp_kind_research="một nghiên cứu học thuật về tỉnh Bắc Ninh cũ", tfp_kind_estimate="ước tính do tỉnh công bố",
        tfp_passed="Mục tiêu TFP đóng góp {goal} tăng trưởng ({document}) hạn năm {year} đã qua; tình trạng: {status}.",
        tfp_capital="Với mục tiêu {share}%, vốn chỉ có thể tăng tối đa khoảng {low}–{high}%/năm (lao động tăng "
                    "1%/năm): tăng trưởng phải dựa chủ yếu vào hiệu quả, không phải vào mở rộng vốn.",
        tfp_no_province="Chưa có chuỗi số liệu vốn và lao động của tỉnh để tự ước tính TFP.",
        tfp_province="Ước tính của bộ công cụ từ số liệu của tỉnh (hạch toán tăng trưởng, α = {alpha}), giai đoạn "
                     "{years}: TFP tăng {g_tfp}%/năm, đóng góp {share}% tăng trưởng GRDP ({g_y}%/năm).",
        chart_tfp_own="Bắc Ninh {years} (ước tính)",
        chart_rank_title="Thứ hạng PII của Bắc Ninh",
        chart_rank_old="Trong {n} tỉnh, thành phố (trước sáp nhập)",
        chart_rank_new="Trong {n} tỉnh, thành phố (từ 1/7/2025)",
        chart_rank_goal="mục tiêu: nhóm {k} dẫn đầu",
        chart_rank_margin="hơn hạng {k} {margin} điểm",
        chart_rank_merger="sáp nhập\n1/7/2025",
        chart_rank_axis="hạng (1 = cao nhất)",
        chart_pillars_title="Điểm 7 trụ cột PII {edition}",
        chart_tfp_title="Tăng TFP bình quân (%/năm): thực tế của Việt Nam và mức mục tiêu đòi hỏi",
        chart_tfp_target="mục tiêu {share}%",
        chart_tfp_need="Cần cho mục tiêu 2026–2030",
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
        judged_split="Of the {judged} targets that can be judged: {parts}.",
        judged_good="{k} achieved or on track", judged_lagging="{k} behind schedule or missed",
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
        pii_now="PII {edition} (published by the Ministry of Science and Technology): the merged province of Bắc Ninh ranks {rank} of {n_units} with {score} points, "
                "{verdict} the goal of being among the top {target} by {year}.",
        pii_reached="meeting", pii_not_reached="not yet meeting",
        pii_margin="Its lead over rank {next_rank} is {margin} points.",
        pii_before="Before the merger (63-province scale): {items}. Ranks and scores on the 63- and 34-province scales "
                   "are not directly comparable, so this brief does not call 2025 a rise or a fall.",
        pii_item="former {province} ranked {ranks}",
        pii_up="Rank {rank} needs {gap} more PII points, about {points} points in pillar {pillar} (a point in an output "
               "pillar, P6 or P7, adds 0.25 PII points; in an input pillar 0.10).",
        weakest="Lowest pillar in {edition}: {pillar} ({score} points).",
        tfp_need="2026–2030 goal: TFP contributes {goal} of GRDP growth. With GRDP growing {g_low}–{g_high}% a year, TFP "
                 "must grow {need_low}–{need_high}% a year, {times} times Viet Nam's fastest TFP period ({years}: "
                 "{record}% a year, from Penn World Table 10.0, over years without breaks in the data).",
        tfp_revised="The 2030 goal was revised from {old} ({old_doc}) to {new} ({new_doc}).",
        tfp_own="Other published estimates (not the suite's series; other methods and periods; for reference only, not "
                "charted): {items}.",
        tfp_own_item="{region} {period}: {value}% ({kind}, source: {source})",
        tfp_kind_research="an academic study of the former Bắc Ninh", tfp_kind_estimate="estimate published by the province",
        tfp_passed="The TFP goal of {goal} of growth ({document}, due {year}) has passed its deadline: {status}.",
        tfp_capital="With the {share}% goal, capital could grow at most about {low}–{high}% a year (labour +1% a "
                    "year): growth would have to come mainly from efficiency, not mainly from more capital.",
        tfp_no_province="There are no capital and labour series for the province yet to estimate its own TFP.",
        tfp_province="The suite's estimate from the province's own series (growth accounting, α = {alpha}), "
                     "{years}: TFP grew {g_tfp}% a year, {share}% of GRDP growth ({g_y}% a year).",
        chart_tfp_own="Bắc Ninh {years} (estimate)",
        chart_rank_title="Bắc Ninh's PII rank",
        chart_rank_old="Among {n} provinces (before the merger)",
        chart_rank_new="Among {n} provinces (from 1 Jul 2025)",
        chart_rank_goal="goal: top {k}",
        chart_rank_margin="lead over rank {k}: {margin} points",
        chart_rank_merger="merger\n1 Jul 2025",
        chart_rank_axis="rank (1 = best)",
        chart_pillars_title="The seven PII pillars, {edition}",
        chart_tfp_title="TFP growth (% a year): Viet Nam's record and what the goal needs",
        chart_tfp_target="goal {share}%",
        chart_tfp_need="Needed for the 2026–2030 goal",
        chart_tfp_vn="Viet Nam {years}",
        chart_targets_title="Targets by deadline and status",
    ),
}

DOCUMENT_EN = {"QĐ": "Decision", "KH": "Plan", "NQ": "Resolution", "CTr": "Programme"}

# Issue 18: decisions that follow the data, changes ranked by consequence, one line of counts per agency, links.
PHRASES["vi"].update(
    dec_missed="“{name}” (mục tiêu năm {year}: {goal}) {status}: {latest}. Đề nghị giao {agency} báo cáo "
               "nguyên nhân, giải pháp.",
    dec_missed_effect="Quyết định việc đạt mục tiêu tiếp theo: {next}.",
    dec_missed_effect_last="Biết nguyên nhân để không lặp lại ở các chỉ tiêu cùng lĩnh vực.",
    dec_pii_keep="Giữ hạng {rank}/{n_units} PII (mục tiêu đến năm {year}: nhóm {target} dẫn đầu): Bắc Ninh chỉ hơn "
                 "địa phương hạng {next_rank} {margin} điểm. Đề nghị {agency} lập kế hoạch nâng trụ cột thấp nhất, "
                 "{pillar} ({score} điểm).",
    dec_pii_keep_effect="Mỗi điểm tăng ở trụ cột đầu ra (P6, P7) thêm 0,25 điểm PII, giữ hạng {rank} ở kỳ công bố tới.",
    dec_pii_up="Vào nhóm {target} dẫn đầu PII (mục tiêu năm {year}): cần thêm {gap} điểm PII. Đề nghị {agency} lập "
               "kế hoạch nâng trụ cột {pillar} khoảng {points} điểm.",
    dec_pii_up_effect="Đạt mục tiêu xếp hạng năm {year}.",
    dec_stats="Đề nghị {office} cung cấp chuỗi GRDP giá so sánh, vốn và lao động của tỉnh (và của hai tỉnh cũ trước "
              "năm 2025).",
    dec_stats_effect="{k} chỉ tiêu về TFP và tăng trưởng GRDP sẽ có cơ sở đánh giá.",
    dec_data="Đề nghị UBND tỉnh chỉ đạo {n_agencies} cơ quan gửi số liệu cho {k} chỉ tiêu qua mẫu báo cáo {period} "
             "({top}).",
    dec_data_effect="{k1} chỉ tiêu đã có một số liệu sẽ có đánh giá khi có thêm số liệu; {k0} chỉ tiêu chưa có số "
                    "liệu nào.",
    dec_data_effect_all="{k} chỉ tiêu sẽ có số liệu đầu tiên để đánh giá.",
    dec_assign="Giao cơ quan chủ trì cho {k} chỉ tiêu chưa có cơ quan nào theo dõi (trong đó: {names}).",
    dec_assign_effect="Mỗi chỉ tiêu có một cơ quan chịu trách nhiệm báo cáo số liệu.",
    owner_agencies="Các cơ quan chủ trì",
    effect="Tác dụng", more_agencies="và {k} cơ quan khác",
    ch_summary_returns="Kỳ {period}: {returned}/{n} cơ quan đã gửi lại mẫu báo cáo{names}",
    ch_summary_none="Kỳ {period}: chưa cơ quan nào gửi lại mẫu báo cáo",
    ch_summary_counts="; thay đổi: {parts}.",
    ch_summary_nochange="; không có thay đổi về số liệu, tình trạng hay mục tiêu.",
    ch_count_newly_lagging="{k} chỉ tiêu mới chậm tiến độ hoặc không đạt",
    ch_count_newly_good="{k} chỉ tiêu mới đạt hoặc đúng tiến độ",
    ch_count_status="{k} chỉ tiêu đổi tình trạng",
    ch_count_target_added="{k} chỉ tiêu mới",
    ch_count_revised_value="{k} số liệu được sửa",
    ch_count_target_revised="{k} mục tiêu được sửa",
    ch_count_new_value="{k} số liệu mới",
    ch_count_target_removed="{k} chỉ tiêu không còn hiện hành",
    ch_since_period="So với bản tin {period} (lập ngày {date})",
    ch_since_date="So với bản tin lập ngày {date}",
    ch_line_status="{name}: từ “{old}” chuyển sang “{new}”; {value} so với mục tiêu {goal}.",
    ch_line_revised="{name}: số liệu năm {year} sửa từ {old} thành {new}; tình trạng: {status}.",
    ch_line_new_value="{name}: số liệu mới {new} (trước: {old}); tình trạng: {status}.",
    ch_line_target_revised="{name}: mục tiêu sửa từ {old}; tình trạng: {status}.",
    ch_line_added="{name}: chỉ tiêu mới; tình trạng: {status}.",
    ch_line_removed="{name}: không còn là chỉ tiêu hiện hành.",
    ch_more="Và {k} thay đổi khác:",
    name_with_year="{name} (mục tiêu năm {year})",
    owed_title="Số liệu còn thiếu, theo cơ quan chủ trì",
    owed_intro="Số chỉ tiêu còn chờ số liệu của từng cơ quan; mẫu báo cáo {period}, hạn gửi {due}.",
    owed_line="{owed} chỉ tiêu{past}, {returned}",
    owed_self="{owed} chỉ tiêu tự cập nhật{past}",
    owed_self_unassigned=", gồm {k} chỉ tiêu chưa giao cơ quan chủ trì",
    owed_past=" ({k} quá hạn)",
    owed_returned="đã gửi mẫu", owed_not_returned="chưa gửi mẫu", owed_not_asked="đợt này không hỏi",
    owed_none="Không cơ quan nào còn nợ số liệu.",
    owed_not_comparable="Ngoài ra {k} chỉ tiêu không so sánh được qua đợt sáp nhập: số liệu mới không thay đổi được.",
    links_title="Chi tiết từng chỉ tiêu",
    links_index="Danh mục {n} chỉ tiêu, mỗi chỉ tiêu một trang (biểu đồ, số liệu và nguồn, lịch sử tình trạng)",
    links_annex="Phân tích đầy đủ",
    links_file="Danh mục chỉ tiêu và phân tích đầy đủ ở tệp {file} trong thư mục bản tin (briefs/) của lần chạy.",
    appendix="Phụ lục",
    appendix_changes="Toàn bộ thay đổi so với bản tin trước",
    appendix_tfp="TFP: tính toán bổ sung",
    lagging_more="Và {k} chỉ tiêu khác: xem danh mục chỉ tiêu.",
    source="nguồn",
)
PHRASES["en"].update(
    dec_missed="“{name}” ({year} goal: {goal}) {status}: latest value {latest}. The Provincial People's Committee should ask "
               "the {agency} to report the causes and a remedy.",
    dec_missed_effect="The remedy decides whether the next goal is met: {next}.",
    dec_missed_effect_last="Knowing the causes keeps related targets from being missed.",
    dec_pii_keep="Keep PII rank {rank} of {n_units} (goal by {year}: top {target}): Bắc Ninh leads rank {next_rank} "
                 "by only {margin} points. The {agency} should plan to raise the lowest pillar, {pillar} ({score} "
                 "points).",
    dec_pii_keep_effect="Each point in an output pillar (P6, P7) adds 0.25 PII points, keeping rank {rank} in the next edition.",
    dec_pii_up="Reach the PII top {target} (goal for {year}): {gap} more PII points are needed. The {agency} should "
               "plan to raise pillar {pillar} by about {points} points.",
    dec_pii_up_effect="The {year} ranking goal is met.",
    dec_stats="The {office} should provide the province's GRDP at constant prices, capital and employment series "
              "(and those of the two former provinces before 2025).",
    dec_stats_effect="{k} TFP and GRDP growth targets can then be assessed.",
    dec_data="The Provincial People's Committee should instruct {n_agencies} agencies to report values for {k} "
             "targets in the {period} workbook ({top}).",
    dec_data_effect="{k1} targets that already have one value can be judged with one more; {k0} targets have no value yet.",
    dec_data_effect_all="{k} targets get their first values for an assessment.",
    dec_assign="Assign a lead agency to the {k} targets that nobody reports on (among them: {names}).",
    dec_assign_effect="Every target has an agency responsible for its figures.",
    owner_agencies="The responsible agencies",
    effect="Effect", more_agencies="and {k} more agencies",
    ch_summary_returns="{period}: {returned} of {n} agencies returned their workbook{names}",
    ch_summary_none="{period}: no agency has returned its workbook yet",
    ch_summary_counts="; changes: {parts}.",
    ch_summary_nochange="; no change in data, statuses or targets.",
    ch_count_newly_lagging="{k} newly behind schedule or missed",
    ch_count_newly_good="{k} newly achieved or on track",
    ch_count_status="{k} other status changes",
    ch_count_target_added="{k} new targets",
    ch_count_revised_value="{k} revised values",
    ch_count_target_revised="{k} revised targets",
    ch_count_new_value="{k} new values",
    ch_count_target_removed="{k} targets no longer current",
    ch_since_period="Compared with the {period} brief (dated {date})",
    ch_since_date="Compared with the brief of {date}",
    ch_line_status="{name}: from “{old}” to “{new}”; {value} against a goal of {goal}.",
    ch_line_revised="{name}: the {year} value revised from {old} to {new}; status: {status}.",
    ch_line_new_value="{name}: new value {new} (before: {old}); status: {status}.",
    ch_line_target_revised="{name}: goal revised from {old}; status: {status}.",
    ch_line_added="{name}: new target; status: {status}.",
    ch_line_removed="{name}: no longer a current target.",
    ch_more="And {k} more changes:",
    name_with_year="{name} ({year} goal)",
    owed_title="Data still owed, by responsible agency",
    owed_intro="Targets still waiting for each agency's figures; the {period} workbook is due by {due}.",
    owed_line="{owed} targets{past}, {returned}",
    owed_self="{owed} targets to update itself{past}",
    owed_self_unassigned=", including {k} targets with no lead agency assigned",
    owed_past=" ({k} overdue)",
    owed_returned="workbook returned", owed_not_returned="workbook not returned",
    owed_not_asked="asked nothing this round",
    owed_none="No agency owes data.",
    owed_not_comparable="Besides, {k} targets cannot be compared across the merger: no new figure changes that.",
    links_title="Every target in detail",
    links_index="The {n} targets, one page each (chart, values with sources, status history)",
    links_annex="Full analysis",
    links_file="The list of targets and the full analysis are in the file {file} in the run's briefs/ folder.",
    appendix="Appendix",
    appendix_changes="All changes since the last brief",
    appendix_tfp="TFP: further arithmetic",
    lagging_more="And {k} more targets: see the list of targets.",
    source="source",
)


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
    """The quarter a day falls in, as the administration writes it: Quý IV/2026 (en: Q4/2026)."""
    q = (day.month - 1) // 3 + 1
    return period_label(f"{day.year}-Q{q}", lang)


def last_complete_quarter(day: dt.date) -> str:
    """The quarter a brief run on ``day`` reports on by default: the last one that has ended (5/1/2027 → 2026-Q4)."""
    q = (day.month - 1) // 3 + 1
    return f"{day.year}-Q{q - 1}" if q > 1 else f"{day.year - 1}-Q4"


def resolve_period(period: str | None, today: dt.date) -> str:
    """``YYYY-QN`` as given (checked: a RoundError, which is a ValueError, names the expected form), or the last
    complete quarter before ``today``."""
    period = (period or "").strip() or last_complete_quarter(today)
    year, q = check_period(period)
    return f"{year}-Q{q}"


def period_label(period: str, lang: str) -> str:
    year, q = check_period(period)
    return TEXT[lang]["quarter"].format(q=ROMAN[q] if lang == "vi" else q, year=year)


def quarter_end(period: str) -> dt.date:
    year, q = check_period(period)
    return dt.date(year, 12, 31) if q == 4 else dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=1)


def due_date(period: str) -> dt.date:
    """The deadline of the brief's decisions: the end of the quarter after the one reported on (the next brief
    reports on that quarter, so by then the decision has changed something or it has not)."""
    year, q = check_period(period)
    return quarter_end(f"{year + (q == 4)}-Q{q % 4 + 1}")


def closed_year(period: str) -> int:
    """The last calendar year that is over at the end of the period (a Q4 report closes its own year)."""
    year, q = check_period(period)
    return year if q == 4 else year - 1


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


def fmt_value(value, lang: str) -> str:
    """A figure as a Sở writes it: whole numbers without decimals (17, 100%), others with at most two."""
    if value is None or pd.isna(value):
        return "–"
    value = float(value)
    for decimals in (0, 1, 2):
        if abs(value - round(value, decimals)) < 1e-9:
            return fmt(value, lang, decimals)
    return fmt(value, lang, 2)


GOAL_WORDS = {
    "vi": {">=": "từ {v} trở lên", ">": "trên {v}", "<=": "không quá {v}", "<": "dưới {v}", "==": "{v}"},
    "en": {">=": "at least {v}", ">": "more than {v}", "<=": "at most {v}", "<": "less than {v}", "==": "{v}"},
}


def goal_text(operator: str, value: float, high: float | None, unit: str, year: int | None, lang: str) -> str:
    """The goal in words, no symbols in running text: "từ 55% trở lên (2030)", "nhóm 6 dẫn đầu"."""
    if operator == "between":
        text = f"{fmt_value(value, lang)}–{fmt_value(high, lang)}{unit}"
    elif operator == ">=" and unit == "%" and float(value) == 100:  # "100%", not "từ 100% trở lên"
        text = f"{fmt_value(value, lang)}{unit}"
    elif operator == "rank<=":
        text = (f"nhóm {int(value)} dẫn đầu" if lang == "vi" else f"top {int(value)}")
    else:
        text = GOAL_WORDS[lang][operator].format(v=f"{fmt_value(value, lang)}{unit}")
    return f"{text} ({int(year)})" if year is not None and not pd.isna(year) else text


def _goal(row: pd.Series, lang: str, with_year: bool = True) -> str:
    return goal_text(row["operator"], row["target_value"], row.get("value_high"), _unit(row),
                     row["target_year"] if with_year else None, lang)


def value_text(value, row: pd.Series, lang: str, n_units=None) -> str:
    """One value of a target's indicator: "87%", "17", a rank as "hạng 6/34" (en "rank 6 of 34")."""
    if value is None or pd.isna(value):
        return "–"
    if row["operator"] == "rank<=" or str(row.get("indicator", "")).endswith("_rank"):
        of = f"/{int(n_units)}" if n_units and not pd.isna(n_units) else ""
        return (f"hạng {int(value)}{of}" if lang == "vi" else f"rank {int(value)}" + (f" of {int(n_units)}" if of else ""))
    return f"{fmt_value(value, lang)}{_unit(row)}"


def _latest(row: pd.Series, lang: str) -> str:
    if pd.isna(row.get("latest_value")):
        return "–"
    n_units = 34 if str(row.get("indicator")) == "pii_rank" and row.get("latest_year", 0) >= 2025 else None
    value = value_text(row["latest_value"], row, lang, n_units)
    quality = row.get(f"quality_{lang}")  # what the value rests on (issue 24): "theo số 10 tháng", …
    quality = f"; {quality}" if isinstance(quality, str) and quality else ""
    if row.get("aggregation") == "period_mean" and not pd.isna(row.get("baseline_year")) \
            and row["baseline_year"] != row["latest_year"]:
        return f"{value} ({int(row['baseline_year'])}–{int(row['latest_year'])}{quality})"
    return f"{value} ({int(row['latest_year'])}{quality})"


# --------------------------------------------------------------------------------------------- content


def load_tables(output_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table of ``output_dir/tables``, each a copy the caller may change.

    The brief and the target pages of both languages read the same ~25 tables five times a run: each file is
    parsed once while it stays the same file (same inode, size and times), which saves ~0.2 CPU-s a run."""
    return {path.stem: _read_unchanged(str(path), *_identity(path)).copy()
            for path in sorted((Path(output_dir) / "tables").glob("*.csv"))}


def _identity(path: Path) -> tuple[int, int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


@functools.lru_cache(maxsize=128)
def _read_unchanged(path: str, inode: int, size: int, mtime_ns: int, ctime_ns: int) -> pd.DataFrame:
    return read_processed(Path(path))


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
    if judged:  # only the counts that are not zero: "4 đã đạt", never "0 chậm tiến độ"
        parts = [P[key].format(k=k) for key, k in (("judged_good", good), ("judged_lagging", lagging)) if k]
        sentences.append(P["judged_split"].format(judged=judged, parts="; ".join(parts)))
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
    def one(r):
        source = short_source(r.get("latest_source"), lang)
        return f"{target_name(r, lang)}: {_latest(r, lang)}" + (f", {PHRASES[lang]['source']}: {source}" if source else "")

    names = [one(r) for _, r in done.iterrows()]
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
        rows.append(dict(target_id=r["target_id"], name=target_name(r, lang), goal=_goal(r, lang), latest=_latest(r, lang),
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


SELF = {DEPARTMENT, "Sở Khoa học và Công nghệ"}  # the brief's author: its own figures are a task, not a decision
MACRO_INDICATORS = ("tfp_share_pct", "grdp_growth_pct")  # series the statistics office holds


def _agency_key(agency) -> str:
    return agency if isinstance(agency, str) and agency.strip() else NOT_ASSIGNED


def singular(text: str, lang: str) -> str:
    """English counts of one in the singular ("1 target", "1 revised value"); Vietnamese has no plural."""
    if lang != "en":
        return text
    text = re.sub(r"\b1 ((?:[a-z]+ ){0,2})(target|value|change|workbook)s\b", r"1 \1\2", text)
    return re.sub(r"\b1 ((?:[a-z]+ )?)agencies\b", r"1 \1agency", text)


def fmt_day(day: dt.date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang == "vi" else f"{day.day} {day.strftime('%B %Y')}"


def _returned(t: dict[str, pd.DataFrame], agency: str) -> bool | str | None:
    """Whether the agency returned its workbook in the data round (None when the coverage table cannot tell)."""
    coverage = t.get("targets_coverage")
    if coverage is None or not {"workbook_returned", "agency"} <= set(coverage.columns):
        return None
    row = coverage[coverage["agency"] == agency]
    if row.empty:
        return None
    value = str(row.iloc[0]["workbook_returned"]).strip().lower()
    if value in ("", "nan", "<na>", "none"):  # asked nothing: no workbook to return
        return "not_asked"
    return value in ("true", "1")


def _name_year(row: pd.Series, lang: str) -> str:
    """A target's name with its goal and year, so that the 2025, 2026 and 2030 targets of one indicator differ."""
    return PHRASES[lang]["name_with_year"].format(name=target_name(row, lang), goal=_goal(row, lang, with_year=False),
                                                  year=int(row["target_year"]))


def newly_lagging(assessment: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Targets now not achieved or off track that were not so in the previous run (all of them on a first run)."""
    bad = assessment[assessment["status"].isin(("not_achieved", "off_track"))]
    if previous is None or previous.empty:
        return bad
    before = previous.set_index("target_id")["status"]
    return bad.loc[pd.Series([before.get(tid) != st for tid, st in zip(bad["target_id"], bad["status"])],
                             index=bad.index, dtype=bool)]


def decisions(t: dict[str, pd.DataFrame], lang: str, period: str, previous: pd.DataFrame | None = None) -> list[dict]:
    """The proposed decisions, each derived from the tables, with its owner, a dated deadline and what it would
    change. Rules (docs/brief.md): one per target newly not achieved or off track, naming its owner (these are
    never dropped); then PII framed on the rank target (keep it, with the margin); the statistics office for the
    TFP and GRDP series; the other agencies' data (never the brief's author for its own figures, never a
    not-comparable target); targets without an agency. At most MAX_DECISIONS unless more targets were newly missed.
    """
    P = PHRASES[lang]
    assessment = t["targets_assessment"]
    due = fmt_day(due_date(period), lang)
    quarter = period_label(period, lang)
    found = []
    order = {"not_achieved": 0, "off_track": 1}
    missed = newly_lagging(assessment, previous).copy()
    missed["order"] = missed["status"].map(order)
    for _, r in missed.sort_values(["order", "target_year"]).iterrows():
        later = assessment[(assessment["indicator"] == r["indicator"]) & (assessment["target_year"] > r["target_year"])]
        effect = (P["dec_missed_effect"].format(next=_goal(later.sort_values("target_year").iloc[0], lang))
                  if len(later) else P["dec_missed_effect_last"])
        agency = agency_name(r.get("agency"), lang)
        owner = agency if _agency_key(r.get("agency")) != NOT_ASSIGNED else agency_name(P["assigner"], lang)
        found.append(dict(text=P["dec_missed"].format(name=target_name(r, lang), year=int(r["target_year"]),
                                                      goal=_goal(r, lang, with_year=False),
                                                      status=status.label(r["status"], lang).lower(),
                                                      latest=_latest(r, lang), agency=owner),
                          effect=effect, owner=owner, due=due, kind="missed", target_id=r["target_id"]))
    rest = [d for d in (_pii_decision(t, lang, due), _stats_decision(t, lang, due),
                        _data_decision(t, lang, due, quarter), _assign_decision(t, lang, due)) if d]
    found = found + rest[:max(0, MAX_DECISIONS - len(found))]
    for d in found:
        d.update(text=singular(d["text"], lang), effect=singular(d["effect"], lang))
    return found


def margin_text(gap_row: pd.Series, lang: str) -> str:
    """The lead over the first rank outside the goal, as a range when the next unit's score is not published
    (pii_gap: gap_low..gap_high are negative inside the goal): "từ 0 đến 2,22" (en "0–2.22")."""
    low, high = max(0.0, -float(gap_row["gap_high"])), max(0.0, -float(gap_row["gap_low"]))
    if abs(high - low) < 1e-9:
        return fmt_value(round(high, 2), lang)
    low_text, high_text = fmt_value(round(low, 2), lang), fmt_value(round(high, 2), lang)
    return f"{low_text}–{high_text}" if lang == "en" else f"từ {low_text} đến {high_text}"


def _pii_decision(t: dict, lang: str, due: str) -> dict | None:
    P = PHRASES[lang]
    gap, scores = t.get("pii_gap"), t.get("pii_scores")
    if gap is None or gap.empty or scores is None:
        return None
    latest = gap[gap["edition"] == gap["edition"].max()]
    goal = latest[latest["target_current"].astype(str).str.lower().eq("true") & latest["target_year"].notna()]
    if goal.empty:
        return None
    g = goal.sort_values("target_year").iloc[-1]  # the current rank target with the latest deadline
    assessment = t["targets_assessment"]
    rank_target = assessment[assessment["target_id"] == g["target_id"]]
    agency = agency_name(rank_target["agency"].iloc[0] if len(rank_target) else None, lang)
    names = PILLAR_NAMES_EN if lang == "en" else PILLAR_NAMES_VI
    f = lambda v: fmt(v, lang, 2)  # noqa: E731
    if g["status"] == "inside":
        own = scores[(scores["province"] == PROVINCE) & (scores["edition"] == g["edition"])]
        pillars = own[own["component"].str.match(r"^P\d$")].set_index("component")["published_score"].dropna()
        if pillars.empty:
            return None
        weakest = pillars.idxmin()
        margin = margin_text(g, lang)
        text = P["dec_pii_keep"].format(rank=int(g["own_rank"]), n_units=int(g["n_units"]), year=int(g["target_year"]),
                                        target=int(g["target_rank"]), next_rank=int(g["target_rank"]) + 1,
                                        margin=margin, agency=agency, pillar=f"{weakest} {names[weakest]}",
                                        score=fmt(pillars[weakest], lang, 1))
        effect = P["dec_pii_keep_effect"].format(rank=int(g["target_rank"]))
    else:
        if not str(g.get("cheapest_pillar", "")).startswith("P"):
            return None
        text = P["dec_pii_up"].format(target=int(g["target_rank"]), year=int(g["target_year"]), gap=f(g["gap_high"]),
                                      agency=agency, pillar=f"{g['cheapest_pillar']} {names[g['cheapest_pillar']]}",
                                      points=fmt(g["cheapest_points"], lang, 1))
        effect = P["dec_pii_up_effect"].format(year=int(g["target_year"]))
    return dict(text=text, effect=effect, owner=agency, due=due, kind="pii")


def _stats_decision(t: dict, lang: str, due: str) -> dict | None:
    P = PHRASES[lang]
    assessment = t["targets_assessment"]
    waiting = assessment[assessment["indicator"].isin(MACRO_INDICATORS) & (assessment["status"] == "insufficient_data")]
    if waiting.empty:
        return None
    office = agency_name(STATISTICS_OFFICE, lang)
    return dict(text=P["dec_stats"].format(office=office), effect=P["dec_stats_effect"].format(k=len(waiting)),
                owner=office, due=due, kind="stats")


def owed_by_agency(assessment: pd.DataFrame) -> pd.DataFrame:
    """Targets still waiting for data (``insufficient_data`` only: no figure changes a not-comparable target), by
    agency: agency (key), owed, one_point (already one value), no_data, target_years."""
    waiting = assessment[assessment["status"] == "insufficient_data"].copy()
    waiting["agency_key"] = waiting["agency"].map(_agency_key)
    rows = []
    for agency, part in waiting.groupby("agency_key"):
        points = part["n_points"].fillna(0) if "n_points" in part else pd.Series(0, index=part.index)
        rows.append(dict(agency=agency, owed=len(part), one_point=int((points >= 1).sum()),
                         no_data=int((points == 0).sum()), target_years=list(part["target_year"].astype(int))))
    out = pd.DataFrame(rows, columns=["agency", "owed", "one_point", "no_data", "target_years"])
    return out.sort_values(["owed", "agency"], ascending=[False, True]).reset_index(drop=True)


def _data_decision(t: dict, lang: str, due: str, quarter: str) -> dict | None:
    P = PHRASES[lang]
    assessment = t["targets_assessment"]
    others = assessment[~assessment["indicator"].isin(MACRO_INDICATORS)]
    owed = owed_by_agency(others)
    owed = owed[~owed["agency"].isin(SELF | {NOT_ASSIGNED, STATISTICS_OFFICE})]
    if owed.empty:
        return None
    top = ", ".join(f"{agency_name(r['agency'], lang)} {r['owed']}" for _, r in owed.head(2).iterrows())
    if len(owed) > 2:
        top += ", " + P["more_agencies"].format(k=len(owed) - 2)
    k, k1, k0 = int(owed["owed"].sum()), int(owed["one_point"].sum()), int(owed["no_data"].sum())
    effect = (P["dec_data_effect"].format(k1=k1, k0=k0) if k1 else P["dec_data_effect_all"].format(k=k))
    owner = agency_name(owed.iloc[0]["agency"], lang) if len(owed) == 1 else P["owner_agencies"]
    return dict(text=P["dec_data"].format(n_agencies=len(owed), k=k, period=quarter, top=top), effect=effect,
                owner=owner, due=due, kind="data", agencies=list(owed["agency"]))


def _assign_decision(t: dict, lang: str, due: str) -> dict | None:
    P = PHRASES[lang]
    assessment = t["targets_assessment"]
    none = assessment[assessment["agency"].map(_agency_key) == NOT_ASSIGNED]
    if none.empty:
        return None
    important = none[none["indicator"].isin(MACRO_INDICATORS)]
    shown = (important if len(important) else none).head(2)
    names = "; ".join(_name_year(r, lang) for _, r in shown.iterrows())
    return dict(text=P["dec_assign"].format(k=len(none), names=names), effect=P["dec_assign_effect"],
                owner=agency_name(P["assigner"], lang), due=due, kind="assign")


def owed_lines(t: dict, lang: str, period: str) -> list[dict]:
    """One line of counts per agency (targets owed, past deadline, workbook returned, due date). Targets no
    document assigns are counted under Sở KH&CN, which the data round asks for them, as the coverage table and
    notebook 04's chart count them; its line says how many."""
    P = PHRASES[lang]
    assessment = t["targets_assessment"]
    keys = assessment["agency"].map(_agency_key)
    unassigned = int(((keys == NOT_ASSIGNED) & (assessment["status"] == "insufficient_data")).sum())
    owed = owed_by_agency(assessment.assign(agency=assessment["agency"].where(keys != NOT_ASSIGNED, DEPARTMENT)))
    due, quarter, closed = fmt_day(due_date(period), lang), period_label(period, lang), closed_year(period)
    lines = []
    for _, r in owed.iterrows():
        past = sum(1 for y in r["target_years"] if y <= closed)
        past_text = P["owed_past"].format(k=past) if past else ""
        if r["agency"] in SELF:
            text = P["owed_self"].format(owed=r["owed"], past=past_text)
            text += P["owed_self_unassigned"].format(k=unassigned) if unassigned and r["agency"] == DEPARTMENT else ""
        else:
            returned = _returned(t, r["agency"])
            text = P["owed_line"].format(owed=r["owed"], past=past_text,
                                         returned=P["owed_not_asked"] if returned == "not_asked" else
                                         P["owed_returned"] if returned else P["owed_not_returned"])
        lines.append(dict(agency=agency_name(r["agency"], lang), text=singular(text, lang), owed=int(r["owed"]),
                          past=past))
    return lines


def _change_value(value, row: pd.Series, lang: str) -> str:
    latest, year = value
    if latest is None or pd.isna(latest):
        return "–"
    return value_text(latest, row, lang) + (f" ({int(year)})" if year is not None and not pd.isna(year) else "")


def change_lines(output_dir: Path, assessment: pd.DataFrame, lang: str, limit: int = 3,
                 t: dict | None = None, period: str | None = None, previous=None) -> dict:
    """The section "Thay đổi so với bản tin trước": a summary line (the round's returns, the changes counted),
    then the changes ranked by consequence (history.ranked_changes), each target named with its goal and year;
    ``limit`` lines shown, the rest counted (all of them in ``all_lines``)."""
    P = PHRASES[lang]
    previous = previous if previous is not None else history.previous_assessment(output_dir)
    t = t or {}
    quarter = period_label(period, lang) if period else ""
    summary = _returns_summary(t, lang, quarter)
    if previous is None:
        return dict(first=True, intro=P["first_brief"], summary=summary + ".", lines=[], all_lines=[], more="",
                    counts={})
    run_id, before, tables = previous
    try:
        when = fmt_date(dt.datetime.strptime(run_id[:16], "%Y%m%dT%H%M%SZ").date(), lang)
    except ValueError:
        when = run_id
    previous_period = ""
    if (tables / "brief_period.csv").is_file():
        meta = read_processed(tables / "brief_period.csv")
        if len(meta) and "period" in meta:
            try:
                previous_period = period_label(str(meta["period"].iloc[0]), lang)
            except ValueError:
                previous_period = ""
    intro = (P["ch_since_period"].format(period=previous_period, date=when) if previous_period
             else P["ch_since_date"].format(date=when))
    ranked = history.ranked_changes(before, assessment)
    now = assessment.set_index("target_id")
    old = before.set_index("target_id")
    lines = []
    for _, c in ranked.iterrows():
        tid = c["target_id"]
        row = (now.loc[tid] if tid in now.index else old.loc[tid]).copy()
        row["target_id"] = tid
        name = _name_year(row, lang)
        label = (lambda code: status.label(code, lang) if isinstance(code, str) and code else "–")
        kind = c["consequence"]
        if kind in ("newly_lagging", "newly_good", "status"):
            line = P["ch_line_status"].format(name=name, old=label(c["status_before"]), new=label(c["status_after"]),
                                              goal=_goal(row, lang, with_year=False),
                                              value=_change_value((c["value_after"], c["year_after"]), row, lang))
        elif kind == "revised_value":
            line = P["ch_line_revised"].format(name=name, year=int(c["year_after"]),
                                               old=value_text(c["value_before"], row, lang),
                                               new=value_text(c["value_after"], row, lang),
                                               status=label(c["status_after"]).lower())
        elif kind == "new_value":
            line = P["ch_line_new_value"].format(name=name, new=_change_value((c["value_after"], c["year_after"]), row, lang),
                                                 old=_change_value((c["value_before"], c["year_before"]), row, lang),
                                                 status=label(c["status_after"]).lower())
        elif kind == "target_revised":
            b = c["target_before"]
            line = P["ch_line_target_revised"].format(name=name, status=label(c["status_after"]).lower(),
                                                      old=goal_text(b[0], b[1], None, _unit(row), b[2], lang))
        elif kind == "target_added":
            line = P["ch_line_added"].format(name=name, status=label(c["status_after"]).lower())
        else:
            line = P["ch_line_removed"].format(name=name)
        if kind != "target_removed" and tid in now.index:
            from .target_pages import rests_on  # what the status rests on: built or partial/estimated values

            basis = rests_on(row, lang)
            if basis:
                line = f"{line.rstrip('.')} ({'; '.join(basis)})."
        lines.append(dict(text=line, kind=kind, target_id=tid))
    counts = ranked["consequence"].value_counts().to_dict()
    parts = [P[f"ch_count_{k}"].format(k=counts[k]) for k in history.CONSEQUENCES if counts.get(k)]
    summary += P["ch_summary_counts"].format(parts=", ".join(parts)) if parts else P["ch_summary_nochange"]
    summary = f"{intro}. {summary}"
    extra = len(lines) - limit
    return dict(first=False, intro=intro + ".", summary=singular(summary, lang), lines=lines[:limit], all_lines=lines,
                more=P["ch_more"].format(k=extra) if extra > 0 else "", counts=counts)


def _returns_summary(t: dict, lang: str, quarter: str) -> str:
    P = PHRASES[lang]
    coverage = t.get("targets_coverage")
    if coverage is None or "workbook_returned" not in coverage:
        return P["ch_summary_none"].format(period=quarter)
    agencies = coverage[coverage["agency"].isin(set(t["targets_assessment"]["agency"].dropna()) | {STATISTICS_OFFICE})
                        & ~coverage["agency"].isin(SELF)]
    back = agencies[agencies["workbook_returned"].astype(str).str.lower().isin(("true", "1"))]
    if back.empty:
        return P["ch_summary_none"].format(period=quarter)
    names = " (" + ", ".join(agency_name(a, lang) for a in back["agency"]) + ")"
    return P["ch_summary_returns"].format(period=quarter, returned=len(back), n=len(agencies), names=names)


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
            margin = margin_text(g, lang)
            points[-1] += " " + P["pii_margin"].format(next_rank=int(g["target_rank"]) + 1, margin=margin)
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
    names = PILLAR_NAMES_EN if lang == "en" else PILLAR_NAMES_VI
    # no "to reach rank 5": a rank no plan asks for is not a goal (the decision frames PII on the rank target)
    profile = scores[(scores["province"] == PROVINCE) & (scores["edition"] == edition)
                     & scores["component"].str.match(r"^P\d$")].set_index("component")["published_score"].dropna()
    if len(profile) and goal.empty:  # with a rank goal, the PII decision names the weakest pillar
        weakest = profile.idxmin()
        points.append(P["weakest"].format(edition=edition, pillar=f"{weakest} {names[weakest]}",
                                          score=f(profile[weakest])))
    goal_rank = int(goal.iloc[0]["target_rank"]) if len(goal) else None
    margin = margin_text(goal.iloc[0], lang) if len(goal) and goal.iloc[0]["status"] == "inside" else None
    return points, dict(edition=edition, profile=profile.sort_index(), trajectory=traj, goal_rank=goal_rank,
                        margin=margin)


def _record(record: pd.DataFrame | None) -> pd.Series | None:
    """Viet Nam's break-free TFP record from tfp_target_vs_record (the row that leaves out break years)."""
    if record is None or len(record) < 2:
        return None
    free = record[record["what"].str.contains("không tính|without|excl", case=False, regex=True)]
    return free.iloc[0] if len(free) else None


def _times_range(record: pd.DataFrame | None, lang: str) -> str | None:
    """The multiple of the record the goal needs, as a range, from the percent requirement row (like with like)."""
    if record is None or not {"unit", "times_record", "times_record_high"} <= set(record.columns):
        return None
    need = record[(record["unit"] == "percent") & (record["times_record"] != 1.0)]
    if not len(need):
        return None
    low, high = sorted((float(need.iloc[0]["times_record"]), float(need.iloc[0]["times_record_high"])))
    low_s, high_s = fmt(low, lang, 1), fmt(high, lang, 1)
    return low_s if low_s == high_s else f"{low_s}–{high_s}"


def short_source(source, lang: str = "vi") -> str:
    """A source short enough to stand beside a figure: a URL's site, or a document citation up to its first comma."""
    if not isinstance(source, str) or not source.strip():
        return ""
    first = source.split(" | ")[0].strip()
    if first.startswith(("http://", "https://")):
        from urllib.parse import urlparse

        host = urlparse(first).netloc
        return host[4:] if host.startswith("www.") else host
    return document_name(first, lang) if lang == "en" else first.split(",")[0].strip()[:60]


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
    """The TFP section: main points (the goal against the record, the province's own estimate, passed goals),
    further points for the appendix (revision, capital arithmetic, other published estimates) and the chart's
    data: TFP growth per year over Việt Nam's plan periods (labelled by the years with data) against the growth
    the goal needs."""
    P = PHRASES[lang]
    f = lambda v, d=2: fmt(v, lang, d)  # noqa: E731
    assessment = t["targets_assessment"]
    tfp_targets = assessment[assessment["indicator"] == "tfp_share_pct"].sort_values("target_year")
    grdp = assessment[assessment["indicator"] == "grdp_growth_pct"].sort_values("target_year")
    current = tfp_targets[tfp_targets["target_year"] >= today.year]
    current = current.iloc[-1] if len(current) else None
    points, extra = [], []
    need_range = None
    arithmetic, record = t.get("tfp_target_arithmetic"), _record(t.get("tfp_target_vs_record"))
    if current is not None and len(grdp) and arithmetic is not None and record is not None:
        share = float(current["target_value"])
        need = arithmetic[arithmetic["target_share_pct"] == share]["required_tfp_growth"]
        g = grdp.iloc[-1]
        years = record.get("years") if "years" in record and isinstance(record.get("years"), str) else \
            str(record["what"]).split("(")[-1].split(",")[0].rstrip(")")
        if len(need):
            need_range = (float(need.min()), float(need.max()))
            points.append(P["tfp_need"].format(goal=_goal(current, lang, with_year=False),
                                               g_low=fmt_value(g["target_value"], lang),
                                               g_high=fmt_value(g["value_high"], lang),
                                               need_low=f(need.min()), need_high=f(need.max()),
                                               times=_times_range(t.get("tfp_target_vs_record"), lang)
                                               or f(need.min() / float(record["value"]), 1), years=years,
                                               record=f(record["value"])))
    periods = t.get("tfp_periods")
    own_regions = (PROVINCE, PROVINCE + tfp.MERGED_SUFFIX)  # the merged province's series carries the suffix
    own_tfp = pd.DataFrame() if periods is None else periods[
        periods["region"].isin(own_regions) & (periods["method"] == "cobb_douglas") & periods["tfp_share_pct"].notna()]
    own_bar = []
    if own_tfp.empty:
        points.append(P["tfp_no_province"])
    else:
        latest = own_tfp.sort_values(["period_end", "period_start"]).iloc[-1]
        years = f"{int(latest['period_start'])}–{int(latest['period_end'])}"
        points.append(P["tfp_province"].format(years=years, share=f(latest["tfp_share_pct"], 1),
                                               g_tfp=f(latest["g_tfp"]), g_y=f(latest["g_y"]),
                                               alpha=f(latest["alpha"], 2)))
        # the chart compares with the goal's need, which is in % a year: its bars too (the tables keep log points)
        own_bar = [dict(label=P["chart_tfp_own"].format(years=years), value=tfp.to_percent(float(latest["g_tfp"])),
                        kind="provincial")]
    for _, r in tfp_targets[tfp_targets["target_year"] < today.year].iterrows():
        extra.append(P["tfp_passed"].format(goal=_goal(r, lang, with_year=False), year=int(r["target_year"]),
                                             document=document_name(r.get("document"), lang),
                                             status=status.label(r["status"], lang).lower()))
    revisions = t.get("targets_history")
    if current is not None and revisions is not None and len(revisions):
        older = revisions[(revisions["indicator"] == "tfp_share_pct")
                          & (revisions["target_year"] == current["target_year"])
                          & (revisions["target_id"] != current["target_id"])].sort_values("issued")
        if len(older):
            o = older.iloc[0]
            extra.append(P["tfp_revised"].format(
                old=goal_text(o["operator"], o["value"], o.get("value_high"), "%", None, lang),
                old_doc=document_name(o["document"], lang), new=_goal(current, lang, with_year=False),
                new_doc=document_name(current.get("document"), lang)))
    if arithmetic is not None and len(arithmetic) and current is not None:
        share = float(current["target_value"])
        alpha = alpha_used(t)
        row = arithmetic[(arithmetic["target_share_pct"] == share) & ((arithmetic["alpha"] - alpha).abs() < 1e-6)
                         & (arithmetic["labour_growth"] == 1.0)]
        if len(row):
            extra.append(P["tfp_capital"].format(share=f(share, 0), low=f(row["max_capital_growth"].min(), 0),
                                                 high=f(row["max_capital_growth"].max(), 0)))
    own = t.get("tfp_provincial_published")
    if own is not None and len(own):
        items = [P["tfp_own_item"].format(region=r["region"], period=str(r["period"]).replace("-", "–"),
                                          value=f(r["value"], 1), source=short_source(r.get("source"), lang),
                                          kind=P["tfp_kind_research" if r["kind"] == "research" else "tfp_kind_estimate"])
                 for _, r in own.iterrows()]
        extra.append(P["tfp_own"].format(items="; ".join(items)))
    national = []
    if periods is not None and len(periods):
        vn = periods[(periods["region"] == "Việt Nam") & (periods["method"] == "cobb_douglas")
                     & ((periods["period_end"] - periods["period_start"]) == 4) & periods["g_tfp"].notna()]
        vn = vn[vn["period_start"] >= 2001].sort_values("period_start")
        for _, r in vn.iterrows():
            # the years the figure is computed over, not the plan's nominal bounds (2016–2020 holds 2016–2018)
            years = str(r["years_with_data"]) if "years_with_data" in vn and isinstance(r.get("years_with_data"), str) \
                else f"{int(r['period_start'])}–{int(r['period_end'])}"
            national.append(dict(label=P["chart_tfp_vn"].format(years=years), value=tfp.to_percent(float(r["g_tfp"])),
                                 kind="national"))
    return points, dict(bars=pd.DataFrame(national + own_bar, columns=["label", "value", "kind"]),
                        need=need_range, extra=extra,
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


def target_page(lang: str, target_id: str | None = None) -> str:
    """A target page (or the index, without ``target_id``) relative to briefs/ (target_pages writes them)."""
    from .target_pages import folder, page_name

    return folder(lang) + (page_name(target_id) if target_id else "index.html")


def targets_link(archive: bool, archive_url: str | None, page: str) -> str | None:
    """Where a reader opens a target page or the index: relative in the archive copy, under ``archive_url`` in the
    e-mail, nothing (the e-mail names the file) when the department has not said where it publishes the archive."""
    if archive:
        return page
    if archive_url:
        return archive_url.rstrip("/") + "/" + page
    return None


def build_context(output_dir: Path, lang: str = "vi", today: dt.date | None = None, period: str | None = None,
                  archive_url: str | None = None) -> dict:
    """Everything the templates and charts show, computed from the output tables and the run history only.

    ``period`` (``YYYY-QN``, default the last complete quarter before ``today``) is the quarter reported on: it
    names the brief, sets the deadlines and tells which target years are over."""
    today = today or dt.date.today()
    period = resolve_period(period, today)
    as_of = quarter_end(period)
    output_dir = Path(output_dir)
    t = load_tables(output_dir)
    L, P = TEXT[lang], PHRASES[lang]
    assessment = t["targets_assessment"]
    quarter = period_label(period, lang)
    v = verdict(assessment, lang)
    groups = deadline_groups(assessment, closed_year(period) + 1)
    group_lines = []
    for _, g in groups.iterrows():
        parts = ", ".join(f"{int(g[s])} {status.label(s, lang).lower()}" for s in status.STATUSES if g[s])
        group_lines.append(P["group_line"].format(group=_group_label(g, lang), n=int(g["n"]), parts=parts))
    groups["group"] = [_group_label(g, lang) for _, g in groups.iterrows()]
    pii_points, pii_data = _pii_points(t, lang)
    tfp_points, tfp_data = _tfp_points(t, lang, as_of)
    unjudged = _unjudged_by_agency(assessment, lang)
    alpha = alpha_used(t)
    data_year = int(assessment["latest_year"].dropna().max()) if assessment["latest_year"].notna().any() else None
    previous = history.previous_assessment(output_dir)
    found = decisions(t, lang, period, previous[1] if previous else None)
    changes = change_lines(output_dir, assessment, lang, t=t, period=period, previous=previous)
    # the lagging targets a decision does not already name (a newly missed target is both: shown once)
    lagging = [r for r in _lagging_rows(assessment, lang, as_of)
               if r["target_id"] not in {d.get("target_id") for d in found}]
    preheader = (found[0]["text"] if found else v["text"])
    return dict(
        lang=lang, L=L, P=P, date=fmt_date(today, lang), quarter=quarter, period=period,
        title=L["title"].format(quarter=quarter), heading=L["heading"].format(quarter=quarter),
        subheading=L["subheading"],
        vintage=L["vintage"].format(pii=pii_data["edition"], data=data_year or "–"),
        verdict=v, group_lines=group_lines, groups=groups,
        not_comparable=P["not_comparable"].format(k=v["not_comparable"]),
        achieved=_achieved_line(assessment, lang),
        decisions=found, changes=changes, lagging=lagging[:3],
        lagging_more=P["lagging_more"].format(k=len(lagging) - 3) if len(lagging) > 3 else "",
        unjudged=unjudged, owed=owed_lines(t, lang, period),
        owed_intro=P["owed_intro"].format(due=fmt_day(due_date(period), lang), period=quarter),
        owed_not_comparable=P["owed_not_comparable"].format(k=v["not_comparable"]) if v["not_comparable"] else "",
        unjudged_total=dict(n=sum(r["n"] for r in unjudged), no_data=sum(r["no_data"] for r in unjudged)),
        pii_points=pii_points, tfp_points=tfp_points, tfp_extra=tfp_data["extra"], annex=annex_links(lang),
        n_targets=len(assessment), archive_url=archive_url or "",
        index_href=lambda archive: targets_link(archive, archive_url, target_page(lang)),
        target_href=lambda archive, tid: targets_link(archive, archive_url, target_page(lang, tid)),
        annex_href=lambda archive, href: targets_link(archive, archive_url, href),
        links_file=P["links_file"].format(file=target_page(lang)),
        methods=L["methods"].format(alpha=fmt(alpha, lang)),
        subject=L["subject"].format(quarter=quarter, verdict=v["short"]),
        preheader=preheader,
        chart_data=dict(pii=pii_data, tfp=tfp_data, groups=groups),
    )


# --------------------------------------------------------------------------------------------- charts


def draw_charts(context: dict, figures_dir: Path) -> dict[str, Path]:
    """The brief's two charts, drawn for a phone, as figures/brief_<name>_<lang>.png: PII ranks (one panel per
    ranking, 63 and 34 units, with the goal line) and TFP growth against what the goal needs. The old deadline
    chart repeated the counts in the text; the pillar profile is one sentence (the weakest pillar)."""
    lang, P = context["lang"], PHRASES[context["lang"]]
    data = context["chart_data"]
    paths = {}

    def out(name: str) -> Path:
        return Path(figures_dir) / f"brief_{name}_{lang}.png"

    traj = data["pii"]["trajectory"]
    if traj is not None and len(traj):
        margin = data["pii"].get("margin")
        goal = data["pii"].get("goal_rank")
        margin_line = P["chart_rank_margin"].format(k=goal + 1, margin=margin) if margin and goal else ""
        paths["pii_rank_history"] = charts.save_brief(charts.brief_pii_ranks(
            traj, PROVINCE, dict(title=P["chart_rank_title"], old_series=P["chart_rank_old"],
                                 new_series=P["chart_rank_new"], merger=P["chart_rank_merger"],
                                 axis=P["chart_rank_axis"], goal=P["chart_rank_goal"], margin=margin_line,
                                 former="{province} cũ" if lang == "vi" else "former {province}",
                                 merged="{province}" if lang == "vi" else "{province}"),
            goal_rank=goal), out("pii_rank_history"))
    bars = data["tfp"]["bars"]
    if len(bars):
        need = data["tfp"]["need"]
        paths["tfp_growth"] = charts.save_brief(charts.brief_tfp_growth(
            bars, need, dict(title=P["chart_tfp_title"], need=P["chart_tfp_need"]), lang), out("tfp_growth"))
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
        image.add_header("Content-Disposition", "inline", filename=f"bnkpi-{context.get('period', '')}-{name}-{context['lang']}.png")
        message.attach(image)
    return message


def write_period(output_dir: Path, period: str, today: dt.date) -> Path:
    """``tables/brief_period.csv``: the quarter this run reports on and its date; kept in history/ with the other
    tables, so that the next brief says which brief it compares with."""
    path = Path(output_dir) / "tables" / "brief_period.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([dict(period=period, label_vi=period_label(period, "vi"), brief_date=today.isoformat())]).to_csv(
        path, index=False)
    return path


def build_brief(output_dir: Path, lang: str = "vi", today: dt.date | None = None,
                sender: str | None = None, period: str | None = None, archive_url: str | None = None
                ) -> dict[str, Path]:
    """Draw the charts and write briefs/brief_<lang>.html and briefs/brief_<lang>.eml; returns their paths.

    ``period``: the quarter reported on (``YYYY-QN``; default the last complete quarter); ``archive_url``: where
    the department publishes the briefs folder, so that the e-mail links to the target pages and the annex."""
    output_dir = Path(output_dir)
    today = today or dt.date.today()
    period = resolve_period(period, today)
    write_period(output_dir, period, today)
    context = build_context(output_dir, lang, today, period=period, archive_url=archive_url)
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
