"""The leadership brief: file structure, sizes, encoding, escaping, SMTP round trip, and a real browser."""

from __future__ import annotations

import email
import re
import shutil
import struct
from email import policy
from pathlib import Path

import pandas as pd
import pytest

from bnkpi_utils import brief
from conftest import SMTP_PASSWORD, run_bnkpi, smtp_args

def _eml(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def _png_width(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", data[16:20])[0]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_email_structure(good_run, lang):
    message = _eml(good_run["output"] / "briefs" / f"brief_{lang}.eml")
    assert message.get_content_type() == "multipart/related"
    parts = message.get_payload()
    assert parts[0].get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parts[0].get_payload()] == ["text/plain", "text/html"]
    images = parts[1:]
    assert images and all(p.get_content_type() == "image/png" for p in images)
    html = parts[0].get_payload()[1].get_content()
    assert len(html.encode("utf-8")) <= 100_000
    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    attached = {p["Content-ID"].strip().strip("<>") for p in images}
    assert referenced == attached and len(attached) >= 2  # PII ranks, TFP growth
    for part in images:
        assert part.get_content_disposition() == "inline"
        assert _png_width(part.get_payload(decode=True)) <= 1200
    lowered = html.lower()
    assert "<script" not in lowered and "<svg" not in lowered
    assert not re.search(r'(src|href)\s*=\s*"data:|url\(\s*[\'"]?data:', lowered)  # no data: URIs
    assert not re.search(r'(src|href)="(https?:)?//', lowered)  # nothing loaded from the network
    assert "<style" not in lowered and 'style="' in lowered  # CSS inlined
    assert "<table" in lowered


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_archive_is_self_contained(good_run, lang):
    path = good_run["output"] / "briefs" / f"brief_{lang}.html"
    assert path.stat().st_size <= 1_500_000
    html = path.read_text(encoding="utf-8").lower()
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert html.count('src="data:image/png;base64,') >= 2 and "cid:" not in html


def test_vietnamese_subject_and_body(good_run):
    raw = (good_run["output"] / "briefs" / "brief_vi.eml").read_bytes()
    subject_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject:"))
    assert subject_line.isascii() and b"=?utf-8?" in subject_line.lower()  # RFC 2047 encoded
    message = _eml(good_run["output"] / "briefs" / "brief_vi.eml")
    assert message["Subject"].startswith("[Sở KH&CN Bắc Ninh] Bản tin Quý ")
    plain = message.get_payload()[0].get_payload()[0].get_content()
    html = message.get_payload()[0].get_payload()[1].get_content()
    for text in (plain, html):
        assert "Chỉ số Đổi mới sáng tạo cấp địa phương" in text or "Chỉ số ĐMST" in text
        assert "48,76" in text  # Vietnamese notation
        assert "48.76" not in text
    assert "năng suất các nhân tố tổng hợp" in html.lower()


def test_english_brief_uses_english_notation(good_run):
    html = (good_run["output"] / "briefs" / "brief_en.html").read_text(encoding="utf-8")
    assert "48.76" in html and "Provincial Innovation Index" in html


def test_text_from_data_is_escaped(good_run, tmp_path):
    output = tmp_path / "outputs"
    shutil.copytree(good_run["output"], output)
    assessment_path = output / "tables" / "targets_assessment.csv"
    assessment = pd.read_csv(assessment_path)
    unjudged = assessment.index[assessment.status == "insufficient_data"][0]
    assessment.loc[unjudged, "name_vi"] = '<script>alert("x")</script> ghi chú'
    assessment.loc[unjudged, "agency"] = "Sở <b onmouseover=x>A&B</b>"
    assessment.to_csv(assessment_path, index=False)
    paths = brief.build_brief(output, "vi")
    html = paths["html"].read_text(encoding="utf-8")
    # the brief counts the unjudged targets by agency (the names are on the target pages)
    assert "<script" not in html.lower() and "<b onmouseover" not in html and "Sở &lt;b onmouseover" in html
    message = _eml(paths["eml"])
    body = message.get_payload()[0].get_payload()[1].get_content()
    assert "<script" not in body.lower() and "<b onmouseover" not in body and "Sở &lt;b onmouseover" in body
    plain = message.get_payload()[0].get_payload()[0].get_content()
    assert "Sở <b onmouseover=x>A&B</b>" in plain  # text/plain is not HTML: shown as written
    from bnkpi_utils import target_pages

    target_pages.build_pages(output, pd.DataFrame(columns=["indicator", "region", "year", "value", "unit", "kind",
                                                           "source"]), lang="vi")
    page = (output / "briefs" / "targets" / target_pages.page_name(assessment.loc[unjudged, "target_id"])).read_text(
        encoding="utf-8")
    assert "&lt;script&gt;alert(" in page and "<script>alert" not in page and "<b onmouseover" not in page


def test_run_send_delivered_both_briefs(good_run):
    sent = good_run["sent"]
    assert len(sent) == 2
    subjects = []
    for item in sent:
        assert set(item["rcpt_tos"]) == {"lanhdao@bacninh.example", "vanphong@bacninh.example"}
        message = email.message_from_bytes(item["data"], policy=policy.default)
        subjects.append(message["Subject"])
        assert message["To"] == "lanhdao@bacninh.example"
        assert "vanphong@bacninh.example" in message["Cc"]
        alternative = message.get_payload()[0]
        assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html"]
        html = alternative.get_payload()[1].get_content()
        cids = {p["Content-ID"].strip().strip("<>") for p in message.get_payload()[1:]}
        assert set(re.findall(r'src="cid:([^"]+)"', html)) == cids
    assert any(s.startswith("[Sở KH&CN Bắc Ninh] Bản tin Quý ") for s in subjects)
    assert any(s.startswith("[Bắc Ninh DOST] Brief Q") for s in subjects)


def test_password_never_written(good_run):
    for path in good_run["output"].rglob("*"):
        if path.is_file():
            assert SMTP_PASSWORD.encode() not in path.read_bytes(), path
    assert SMTP_PASSWORD not in good_run["stdout"] + good_run["stderr"]


def test_send_command_round_trip_and_dry_run(good_run, smtp_server):
    before = len(smtp_server.messages)
    dry = run_bnkpi("send", "--output-dir", str(good_run["output"]), "--dry-run", *smtp_args(smtp_server),
                    env={"BNKPI_SMTP_PASSWORD": SMTP_PASSWORD})
    assert dry.returncode == 0 and "Subject: [Sở KH&CN Bắc Ninh]" in dry.stdout and "image/png" in dry.stdout
    assert SMTP_PASSWORD not in dry.stdout + dry.stderr
    assert len(smtp_server.messages) == before
    real = run_bnkpi("send", "--output-dir", str(good_run["output"]), *smtp_args(smtp_server),
                     env={"BNKPI_SMTP_PASSWORD": SMTP_PASSWORD})
    assert real.returncode == 0, real.stderr
    assert len(smtp_server.messages) == before + 1
    wrong = run_bnkpi("send", "--output-dir", str(good_run["output"]), *smtp_args(smtp_server),
                      env={"BNKPI_SMTP_PASSWORD": "not-the-password"})
    assert wrong.returncode == 4 and "failed" in wrong.stderr and "not-the-password" not in wrong.stderr
    missing = run_bnkpi("send", "--output-dir", str(good_run["output"]), *smtp_args(smtp_server))
    assert missing.returncode == 4 and "BNKPI_SMTP_PASSWORD" in missing.stderr


def test_failed_run_does_not_send(smtp_server, raw_copy, tmp_path):
    (raw_copy / "targets.csv").unlink()
    before = len(smtp_server.messages)
    result = run_bnkpi("run", "--raw-dir", str(raw_copy), "--output-dir", str(tmp_path / "o"), "--processed-dir",
                       str(tmp_path / "p"), "--send", *smtp_args(smtp_server), env={"BNKPI_SMTP_PASSWORD": SMTP_PASSWORD})
    assert result.returncode == 2 and len(smtp_server.messages) == before


# --------------------------------------------------------------------------------------------- content, on a
# small assessment with every status of the contract (hand-counted below), in a copy of a real run's tables

TODAY = __import__("datetime").date(2026, 11, 23)
PERIOD = "2026-Q4"  # given: on 23/11/2026 the last complete quarter would be Q3
ASSESSMENT_COLUMNS = ["target_id", "indicator", "region", "operator", "target_value", "value_high", "target_year",
                      "name_vi", "name_en", "unit", "agency", "document", "aggregation", "baseline_year",
                      "baseline_value", "latest_year", "latest_value", "n_points", "status", "ratio_r",
                      "required_per_year", "achieved_per_year"]
#            id    indicator     op    value yr    agency                status             ratio req   ach
FIXTURE = [("T1", "a_pct", ">=", 50, 2025, "Sở KH&CN", "achieved", None, None, None),
           ("T2", "b_pct", ">=", 50, 2025, "Sở Y tế", "not_achieved", None, None, None),
           ("T3", "c_pct", ">=", 50, 2025, "Sở KH&CN", "not_comparable", None, None, None),
           ("T4", "d_pct", ">=", 80, 2026, "", "insufficient_data", None, None, None),
           ("T5", "e_pct", ">=", 80, 2030, "Sở Tài chính", "on_track", 1.2, 2.0, 2.4),
           ("T6", "f_pct", ">=", 80, 2030, "Công an tỉnh", "at_risk", 0.7, 3.0, 2.1),
           ("T7", "g_pct", ">=", 90, 2030, "Sở Nội vụ", "off_track", 0.2, 5.0, 1.0),
           ("T8", "h_pct", ">=", 90, 2030, "Sở KH&CN", "insufficient_data", None, None, None),
           ("T9", "i_pct", ">=", 90, 2030, "Văn phòng UBND tỉnh", "not_comparable", None, None, None)]


def _fixture_assessment() -> pd.DataFrame:
    rows = []
    for tid, indicator, op, value, year, agency, code, ratio, req, ach in FIXTURE:
        judged = code in ("achieved", "not_achieved", "on_track", "at_risk", "off_track")
        rows.append(dict(target_id=tid, indicator=indicator, region="Bắc Ninh", operator=op, target_value=value,
                         value_high=None, target_year=year, name_vi=f"Chỉ tiêu thử {tid}",
                         name_en=f"Test target {tid}", unit="%", agency=agency, document="KH 1/KH-UBND",
                         aggregation="level", baseline_year=2021 if judged else None,
                         baseline_value=40 if judged else None, latest_year=2025 if judged else None,
                         latest_value=60 if judged else None, n_points=3 if judged else 0, status=code,
                         ratio_r=ratio, required_per_year=req, achieved_per_year=ach))
    return pd.DataFrame(rows, columns=ASSESSMENT_COLUMNS)


@pytest.fixture(scope="module")
def fixture_brief(good_run, tmp_path_factory):
    """A copy of a good run's outputs whose assessment is the nine-target fixture; briefs built for 23/11/2026."""
    output = tmp_path_factory.mktemp("fixture") / "outputs"
    shutil.copytree(good_run["output"], output)
    shutil.rmtree(output / "history", ignore_errors=True)
    _fixture_assessment().to_csv(output / "tables" / "targets_assessment.csv", index=False)
    paths = {lang: brief.build_brief(output, lang, today=TODAY, period=PERIOD) for lang in ("vi", "en")}
    return output, paths


def _parts(path: Path):
    message = _eml(path)
    alternative = message.get_payload()[0]
    return message, alternative.get_payload()[0].get_content(), alternative.get_payload()[1].get_content()


def test_verdict_and_counts_by_deadline(fixture_brief):
    output, _ = fixture_brief
    context = brief.build_context(output, "vi", today=TODAY, period=PERIOD)
    v = context["verdict"]
    # by hand: judged = T1, T2, T5, T6, T7 = 5 of 9 (56 %) → a verdict; good = T1, T5 = 2; lagging = T2, T6, T7 = 3
    assert (v["judged"], v["n"], v["good"], v["lagging"], v["not_comparable"]) == (5, 9, 2, 3, 2)
    assert v["word"] == "CHƯA ĐÚNG TIẾN ĐỘ" and "5/9 chỉ tiêu đánh giá được, 56%" in v["text"]
    assert context["group_lines"] == [
        # the Q4/2026 brief: 2026 is over at the end of the quarter reported on
        "Đã hết hạn (2025–2026): 4 chỉ tiêu — 1 đã đạt, 1 không đạt, 1 không so sánh được, 1 chưa đủ số liệu.",
        "Hạn 2030: 5 chỉ tiêu — 1 đúng tiến độ, 1 có nguy cơ không đạt, 1 chậm tiến độ, 1 không so sánh được, "
        "1 chưa đủ số liệu.",
    ]
    assert context["not_comparable"].startswith("2 chỉ tiêu không so sánh được qua đợt sáp nhập")
    assert "Trong 5 chỉ tiêu đánh giá được: 2 đã đạt hoặc đúng tiến độ; 3 chậm tiến độ hoặc không đạt." in v["text"]
    assert context["achieved"] == "Đã đạt: Chỉ tiêu thử T1: 60% (2025)."  # a whole number without decimals
    assert context["subject"] == "[Sở KH&CN Bắc Ninh] Bản tin Quý IV/2026: nhiều chỉ tiêu chậm tiến độ"
    assert brief.build_context(output, "en", today=TODAY, period=PERIOD)["subject"] == \
        "[Bắc Ninh DOST] Brief Q4/2026: many targets behind schedule"
    # no zero counts strung together: "4 đã đạt hoặc đúng tiến độ", never "0 chậm tiến độ"
    good = _fixture_assessment()[lambda d: d.status.isin(["achieved", "on_track", "insufficient_data"])]
    assert "; 0 " not in brief.verdict(good, "vi")["text"] and "0 chậm" not in brief.verdict(good, "vi")["text"]


def test_verdict_says_when_data_cannot_tell():
    few = _fixture_assessment()
    few.loc[few["status"].isin(["achieved", "on_track", "at_risk"]), "status"] = "insufficient_data"
    v = brief.verdict(few, "vi")  # judged: T2, T7 = 2 of 9 < half
    assert v["word"] == "CHƯA ĐỦ CƠ SỞ KẾT LUẬN" and "chỉ 2/9 chỉ tiêu (22%)" in v["text"]


def test_every_lagging_or_unjudgeable_target_has_its_owner(fixture_brief):
    output, paths = fixture_brief
    _, plain, html = _parts(paths["vi"]["eml"])
    context = brief.build_context(output, "vi", today=TODAY, period=PERIOD)
    # T2 and T7 are named with their owners by a decision each; T6 (at risk) in the lagging list, shown once
    owners = {r["name"]: r["agency"] for r in context["lagging"]}
    assert owners == {"Chỉ tiêu thử T6": "Công an tỉnh"}
    assert {d["target_id"]: d["owner"] for d in context["decisions"] if d["kind"] == "missed"} == \
        {"T2": "Sở Y tế", "T7": "Sở Nội vụ"}
    listed = {(g["agency"], name) for g in context["unjudged"] for name in g["names"].split("; ")}
    assert listed == {("Sở KH&CN", "Chỉ tiêu thử T3"), ("Sở KH&CN", "Chỉ tiêu thử T8"),
                      ("Chưa giao cơ quan chủ trì", "Chỉ tiêu thử T4"), ("Văn phòng UBND tỉnh", "Chỉ tiêu thử T9")}
    # one line of counts per agency that owes data: T8 (the author's own, a task), T4 (no agency); T3 and T9 are
    # not comparable: no figure can change them, so nobody owes data for them
    # T4 (no agency) is counted under Sở KH&CN, which the data round asks for it, as the coverage table does
    assert [(o["agency"], o["owed"]) for o in context["owed"]] == [("Sở KH&CN", 2)]
    assert context["owed"][0]["text"] == "2 chỉ tiêu tự cập nhật (1 quá hạn), gồm 1 chỉ tiêu chưa giao cơ quan chủ trì"
    assert context["owed_intro"] == ("Số chỉ tiêu còn chờ số liệu của từng cơ quan; mẫu báo cáo Quý IV/2026, hạn gửi "
                                     "31/03/2027.")
    for text in (plain, html):
        assert "Chủ trì: " in text and "Sở Nội vụ" in text and "Chưa giao cơ quan chủ trì" in text


def test_decisions_are_derived_and_owned(fixture_brief):
    output, _ = fixture_brief
    tables = brief.load_tables(output)
    found = brief.decisions(tables, "vi", PERIOD)
    # first brief: T2 (not achieved, Sở Y tế) and T7 (off track, Sở Nội vụ) each get a decision naming the owner,
    # then PII framed on its goal (keep rank 6 of 34; margin over rank 7 from 0 to 2,22 points: 7th not published)
    assert [d["kind"] for d in found] == ["missed", "missed", "pii"]
    assert found[0]["text"] == ("“Chỉ tiêu thử T2” (mục tiêu năm 2025: từ 50% trở lên) không đạt: 60% (2025). Đề nghị "
                                "giao Sở Y tế báo cáo nguyên nhân, giải pháp.")
    assert found[0]["owner"] == "Sở Y tế"
    assert "Chỉ tiêu thử T7" in found[1]["text"] and found[1]["owner"] == "Sở Nội vụ"
    assert found[2]["text"].startswith("Giữ hạng 6/34 PII") and "hạng 7 từ 0 đến 2,22 điểm" in found[2]["text"]
    assert "hạng 5" not in " ".join(d["text"] for d in found)  # no rank that no plan asks for
    assert all(d["due"] == "31/03/2027" and d["effect"] for d in found)  # a dated deadline; what it would change
    context = brief.build_context(output, "vi", today=TODAY, period=PERIOD)
    assert context["preheader"] == found[0]["text"]  # the first decision in the inbox preview


def _rule_tables(rows, previous_rows=None):
    """A minimal table set for the decision rules: the targets (id, indicator, agency, status, n_points)."""
    assessment = pd.DataFrame([dict(target_id=tid, indicator=ind, region="Bắc Ninh", operator=">=", target_value=80,
                                    value_high=None, target_year=2030, name_vi=f"Chỉ tiêu {tid}", name_en=f"Target {tid}",
                                    unit="%", agency=agency, document="KH 1/KH-UBND", aggregation="level",
                                    baseline_year=None, baseline_value=None, latest_year=2025 if n else None,
                                    latest_value=50 if n else None, n_points=n, status=code)
                               for tid, ind, agency, code, n in rows])
    return {"targets_assessment": assessment}


def test_decision_rules_follow_the_data():
    tables = _rule_tables([("A1", "a", "Sở KH&CN", "insufficient_data", 0), ("A2", "b", "Sở KH&CN", "insufficient_data", 0),
                           ("A3", "c", "Sở KH&CN", "insufficient_data", 1), ("B1", "d", "Sở Y tế", "insufficient_data", 1),
                           ("B2", "e", "Sở Y tế", "insufficient_data", 0), ("C1", "f", "Sở Nội vụ", "not_comparable", 1),
                           ("G1", "grdp_growth_pct", "", "insufficient_data", 0),
                           ("G2", "tfp_share_pct", "", "insufficient_data", 0)])
    found = {d["kind"]: d for d in brief.decisions(tables, "vi", "2026-Q4")}
    # never the brief's author for its own figures; never a data request for a not-comparable target
    data = found["data"]
    assert data["agencies"] == ["Sở Y tế"] and "cho 2 chỉ tiêu" in data["text"] and data["owner"] == "Sở Y tế"
    assert not any("Sở KH&CN" in d["text"] or "Sở Nội vụ" in d["text"] for d in found.values())
    assert data["effect"] == "1 chỉ tiêu đã có một số liệu sẽ có đánh giá khi có thêm số liệu; 1 chỉ tiêu chưa có số liệu nào."
    # the statistics office is named for the TFP and GRDP series
    assert found["stats"]["owner"] == "Thống kê tỉnh Bắc Ninh" and found["stats"]["effect"].startswith("2 chỉ tiêu")
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", d["due"]) for d in found.values())
    # only not-comparable targets left: no data request at all
    only_nc = _rule_tables([("C1", "f", "Sở Nội vụ", "not_comparable", 1)])
    assert brief.decisions(only_nc, "vi", "2026-Q4") == []


def test_a_newly_missed_target_gets_a_decision_and_a_missed_one_not_twice():
    now = _rule_tables([("M1", "m", "Sở Tài chính", "not_achieved", 2), ("M2", "n", "Công an tỉnh", "off_track", 2),
                        ("M3", "o", "Sở Y tế", "not_achieved", 2)])
    before = now["targets_assessment"].copy()
    before["status"] = ["insufficient_data", "off_track", "not_achieved"]  # M1 is newly missed; M2, M3 already were
    found = brief.decisions(now, "vi", "2026-Q4", previous=before)
    missed = [d for d in found if d["kind"] == "missed"]
    assert [d["target_id"] for d in missed] == ["M1"] and missed[0]["owner"] == "Sở Tài chính"
    assert "“Chỉ tiêu M1”" in missed[0]["text"] and "không đạt" in missed[0]["text"]
    # four newly missed targets: a decision each, none dropped for the cap of three
    many = _rule_tables([(f"X{i}", f"x{i}", "Sở Y tế", "not_achieved", 2) for i in range(4)])
    assert len([d for d in brief.decisions(many, "vi", "2026-Q4") if d["kind"] == "missed"]) == 4


def test_the_quarter_reported_on_is_the_period_not_the_run_date(fixture_brief):
    import datetime as dt

    output, _ = fixture_brief
    january = dt.date(2027, 1, 5)
    assert brief.resolve_period(None, january) == "2026-Q4" and brief.resolve_period("", dt.date(2026, 4, 1)) == "2026-Q1"
    assert brief.resolve_period("2026-Q2", january) == "2026-Q2"
    with pytest.raises(ValueError, match="2026-Q4"):
        brief.resolve_period("2026-Q5", january)
    context = brief.build_context(output, "vi", today=january)  # the scheduled 5 January run
    assert context["quarter"] == "Quý IV/2026" and context["title"].startswith("Bản tin Quý IV/2026")
    assert context["subject"].startswith("[Sở KH&CN Bắc Ninh] Bản tin Quý IV/2026")
    assert brief.build_context(output, "en", today=january)["subject"].startswith("[Bắc Ninh DOST] Brief Q4/2026")
    assert (brief.due_date("2026-Q4"), brief.due_date("2027-Q1")) == (dt.date(2027, 3, 31), dt.date(2027, 6, 30))
    assert all(d["due"] == "31/03/2027" for d in context["decisions"])
    # the period is kept with the tables (and so in history/), and names the attached charts
    meta = pd.read_csv(output / "tables" / "brief_period.csv")
    assert meta["period"].iloc[0] == PERIOD
    message = _eml(output / "briefs" / "brief_vi.eml")
    assert all(re.fullmatch(r"bnkpi-2026-Q4-\w+-vi\.png", part.get_filename()) for part in message.get_payload()[1:])


def test_run_rejects_a_malformed_period(tmp_path):
    from bnkpi_utils import config, params

    assert params.for_notebook(config.NOTEBOOKS_DIR / "05_brief.ipynb", params.resolve()) == \
        {"period": "", "archive_url": ""}  # only the brief's notebook receives them
    result = run_bnkpi("run", "--period", "2026-4", "--output-dir", str(tmp_path / "o"))
    assert result.returncode == 64 and "2026-Q4" in result.stderr and not (tmp_path / "o").exists()
    result = run_bnkpi("run", "--archive-url", "javascript:alert(1)", "--output-dir", str(tmp_path / "o"))
    assert result.returncode == 64 and "http" in result.stderr


def test_two_runs_changes_ranked_by_consequence(fixture_brief, tmp_path):
    """The issue's two-run test: the second run turns one target not achieved, revises one value and leaves one
    unchanged: the missed target comes first, then the revision, never the unchanged one; a decision names the
    missed target's owner."""
    import datetime as dt

    output = tmp_path / "outputs"
    shutil.copytree(fixture_brief[0], output)
    before = _fixture_assessment()
    previous = output / "history" / "20261005T010000Z-aaaaaa" / "tables"
    previous.mkdir(parents=True)
    before.to_csv(previous / "targets_assessment.csv", index=False)
    pd.DataFrame([dict(period="2026-Q3")]).to_csv(previous / "brief_period.csv", index=False)
    after = before.copy()
    after.loc[after.target_id == "T5", "status"] = "not_achieved"  # Sở Tài chính's target is now missed
    after.loc[after.target_id == "T6", "latest_value"] = 62.0  # the 2025 value revised (60 → 62), same status
    after.loc[after.target_id == "T8", "n_points"] = 1  # only the count of points moved: no change to show
    after.to_csv(output / "tables" / "targets_assessment.csv", index=False)
    paths = brief.build_brief(output, "vi", today=dt.date(2027, 1, 5))
    context = brief.build_context(output, "vi", today=dt.date(2027, 1, 5))
    lines = [line["text"] for line in context["changes"]["lines"]]
    assert len(lines) == 2
    assert lines[0] == ("Chỉ tiêu thử T5 (mục tiêu năm 2030): từ “Đúng tiến độ” chuyển sang “Không đạt”; 60% (2025) so "
                        "với mục tiêu từ 80% trở lên.")
    assert lines[1].startswith("Chỉ tiêu thử T6") and "số liệu năm 2025 sửa từ 60% thành 62%" in lines[1]
    assert not any("T7" in line or "T8" in line for line in lines)
    assert context["changes"]["summary"] == ("So với bản tin Quý III/2026 (lập ngày 05/10/2026). Kỳ Quý IV/2026: chưa cơ "
                                             "quan nào gửi lại mẫu báo cáo; thay đổi: 1 chỉ tiêu mới chậm tiến độ hoặc "
                                             "không đạt, 1 số liệu được sửa.")
    missed = [d for d in context["decisions"] if d["kind"] == "missed"]
    assert [d["owner"] for d in missed] == ["Sở Tài chính"]  # T2, T7 were already lagging before
    plain = _parts(paths["eml"])[1]
    changes = plain.split("== Thay đổi so với bản tin trước ==")[1].split("==")[0]
    assert changes.index("Chỉ tiêu thử T5") < changes.index("Chỉ tiêu thử T6")


def test_ranked_changes_keep_only_real_changes():
    from bnkpi_utils import history

    before = _fixture_assessment()
    after = before.copy()
    after.loc[after.target_id == "T4", ["latest_year", "latest_value", "n_points"]] = [2026, 85.0, 1]  # a newer value
    after.loc[after.target_id == "T5", "status"] = "achieved"
    after.loc[after.target_id == "T6", "status"] = "off_track"
    after.loc[after.target_id == "T1", "n_points"] = 4  # no visible change
    ranked = history.ranked_changes(before, after)
    assert list(zip(ranked.target_id, ranked.consequence)) == [("T6", "newly_lagging"), ("T5", "newly_good"),
                                                               ("T4", "new_value")]


def test_email_mime_details(fixture_brief):
    _, paths = fixture_brief
    for lang in ("vi", "en"):
        raw = paths[lang]["eml"].read_bytes()
        message, plain, html = _parts(paths[lang]["eml"])
        assert message.get_content_type() == "multipart/related"
        assert message.get_param("type") == "multipart/alternative"  # RFC 2387
        lines = raw.split(b"\r\n")
        cid_lines = [line for line in lines if line.lower().startswith(b"content-id:")]
        assert len(cid_lines) == 2 and all(re.fullmatch(rb"Content-ID: <[^<> ]+>", line) for line in cid_lines)
        assert all(len(line) <= 78 for line in cid_lines)
        assert __import__("html").unescape(plain) == plain and "&amp;" not in plain  # no HTML entities
        assert "preheader" in html and ("Đánh giá chung" in plain or "Overall assessment" in plain)
    vi_plain = _parts(paths["vi"]["eml"])[1]
    assert "Sở KH&CN" in vi_plain and "Quý IV/2026" in vi_plain and "Thay đổi so với bản tin trước" in vi_plain
    en_plain = _parts(paths["en"]["eml"])[1]
    assert "Lead: Department of Health" in en_plain and "Changes since the last brief" in en_plain
    archive = paths["vi"]["html"].read_text(encoding="utf-8")
    assert 'href="annex/04_targets.html"' in archive and 'href="annex/' not in _parts(paths["vi"]["eml"])[2]
    assert 'href="targets/index.html"' in archive and "targets/index.html" in vi_plain  # without --archive-url: named


def test_archive_url_turns_mentions_into_links(fixture_brief, tmp_path):
    import datetime as dt

    output = tmp_path / "outputs"
    shutil.copytree(fixture_brief[0], output)
    paths = brief.build_brief(output, "vi", today=dt.date(2027, 1, 5), archive_url="https://skhcn.example.vn/bnkpi/")
    _, plain, html = _parts(paths["eml"])
    assert 'href="https://skhcn.example.vn/bnkpi/targets/index.html"' in html
    assert 'href="https://skhcn.example.vn/bnkpi/annex/04_targets.html"' in html
    assert "https://skhcn.example.vn/bnkpi/targets/index.html" in plain
    assert 'href="targets/index.html"' in paths["html"].read_text(encoding="utf-8")  # the archive stays relative


VIETNAMESE_PROPER_NAMES = ("Bắc Ninh", "Bắc Giang", "Việt Nam")


def _vietnamese_words(text: str) -> set[str]:
    """Words with a Latin letter outside ASCII (Vietnamese diacritics), once the allowed proper names are removed."""
    import unicodedata

    for name in VIETNAMESE_PROPER_NAMES:
        text = text.replace(name, "")
    return {word for word in re.findall(r"\w+", text)
            if any(ord(c) > 127 and "LATIN" in unicodedata.name(c, "") for c in word)}


def _visible_text(html: str) -> str:
    html = re.sub(r"<(style|title)[^>]*>.*?</\1>", " ", html, flags=re.S | re.I)
    return __import__("html").unescape(re.sub(r"<[^>]+>", " ", html))


def test_english_brief_has_no_vietnamese(good_run, fixture_brief):
    for output in (good_run["output"], fixture_brief[0]):
        html = (output / "briefs" / "brief_en.html").read_text(encoding="utf-8")
        assert _vietnamese_words(_visible_text(html)) == set()
        message = _eml(output / "briefs" / "brief_en.eml")
        assert _vietnamese_words(message.get_payload()[0].get_payload()[0].get_content() + message["Subject"]) == set()
    assert _vietnamese_words("Sở Tài chính owes data") == {"Sở", "Tài", "chính"}  # the check can fail


def test_all_shipped_agencies_have_an_english_name():
    targets = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "raw" / "targets.csv", dtype=str)
    assert set(targets["agency"].dropna().str.strip()) - set(brief.AGENCY_EN) == set()


def test_pii_is_never_compared_across_the_merger(good_run):
    for lang in ("vi", "en"):
        html = _visible_text((good_run["output"] / "briefs" / f"brief_{lang}.html").read_text(encoding="utf-8"))
        assert "phân vị" not in html and "percentile" not in html.lower() and "top 17" not in html
    text = _visible_text((good_run["output"] / "briefs" / "brief_vi.html").read_text(encoding="utf-8"))
    assert "6/34" in text and "11/63 (2024)" in text and "không so sánh trực tiếp được" in text


# --------------------------------------------------------------------------------------------- run history


def _fake_run(folder: Path, run_id: str, status: str = "success") -> Path:
    (folder / "tables").mkdir(parents=True)
    (folder / "tables" / "targets_assessment.csv").write_text(f"target_id,status\nX,{run_id}\n", encoding="utf-8")
    (folder / "manifest.json").write_text(f'{{"run_id": "{run_id}", "status": "{status}"}}', encoding="utf-8")
    return folder


def test_carry_history_keeps_the_newest_runs(tmp_path):
    from bnkpi_utils import history

    previous = _fake_run(tmp_path / "out", "20261101T000000Z-cccccc")
    for run_id in ("20261001T000000Z-aaaaaa", "20261015T000000Z-bbbbbb"):
        _fake_run(previous / "history" / run_id, run_id)
    assert history.previous_run(previous)[0] == "20261015T000000Z-bbbbbb"
    stage = tmp_path / "stage"
    history.carry_history(previous, stage, keep=2)
    assert sorted(p.name for p in (stage / "history").iterdir()) == ["20261015T000000Z-bbbbbb",
                                                                     "20261101T000000Z-cccccc"]
    run_id, tables = history.previous_run(stage)
    assert run_id == "20261101T000000Z-cccccc" and (tables / "targets_assessment.csv").is_file()
    history.carry_history(tmp_path / "missing", tmp_path / "first")  # first run: nothing to carry
    assert history.previous_run(tmp_path / "first") is None
    failed = _fake_run(tmp_path / "failed", "20261102T000000Z-dddddd", status="failed")
    history.carry_history(failed, tmp_path / "after-failed")
    assert history.previous_run(tmp_path / "after-failed") is None


def test_changes_between_two_assessments():
    from bnkpi_utils import history

    before = _fixture_assessment()
    after = before.copy()
    after.loc[after.target_id == "T4", ["latest_year", "latest_value", "n_points", "status"]] = \
        [2026, 85.0, 1, "insufficient_data"]
    after.loc[after.target_id == "T6", "status"] = "on_track"
    after.loc[after.target_id == "T8", "target_value"] = 95
    after = after[after.target_id != "T9"]
    diff = history.changes(before, after)
    assert set(zip(diff.target_id, diff.kind)) == {("T4", "new_data"), ("T6", "status"), ("T8", "target_revised"),
                                                   ("T9", "target_removed")}
    assert history.changes(before, before).empty


def test_first_brief_says_there_is_no_earlier_brief(fixture_brief):
    _, paths = fixture_brief
    assert "Đây là bản tin đầu tiên" in _parts(paths["vi"]["eml"])[1]
    assert "This is the first brief" in paths["en"]["html"].read_text(encoding="utf-8")


def test_second_run_names_the_changed_target_and_its_new_status(good_run, tmp_path):
    """Two consecutive runs (the second executes 04_targets and 05_brief on the first run's outputs with one new
    actual value, as `bnkpi run` would, history carried first): the changes section names the target."""
    import papermill as pm

    from bnkpi_utils import config, history, status

    previous, output, processed = tmp_path / "previous", tmp_path / "outputs", tmp_path / "processed"
    shutil.copytree(good_run["output"], previous)
    shutil.copytree(good_run["processed"], processed)
    shutil.copytree(good_run["output"], output, ignore=shutil.ignore_patterns("history", "manifest.json"))
    kpi = pd.read_csv(processed / "kpi_actuals.csv", dtype=str, keep_default_na=False)
    row = kpi[(kpi.indicator == "full_online_public_services_pct") & (kpi.kind == "actual")].iloc[[-1]].copy()
    row["year"], row["value"] = "2026", "99.0"
    pd.concat([kpi, row]).to_csv(processed / "kpi_actuals.csv", index=False)
    history.carry_history(previous, output)
    for notebook in ("04_targets", "05_brief"):
        pm.execute_notebook(str(config.NOTEBOOKS_DIR / f"{notebook}.ipynb"), str(tmp_path / f"{notebook}.ipynb"),
                            parameters=dict(processed_dir=str(processed), output_dir=str(output), lang="vi"),
                            kernel_name=config.KERNEL_NAME, cwd=str(config.PROJ_ROOT), progress_bar=False)
    new = pd.read_csv(output / "tables" / "targets_assessment.csv")
    changed = new[new.indicator == "full_online_public_services_pct"].iloc[0]
    assert changed["latest_year"] == 2026
    plain = _parts(output / "briefs" / "brief_vi.eml")[1]
    section = plain.split("Thay đổi so với bản tin trước")[1].split("==")[1]
    line = next(line for line in section.splitlines() if changed["name_vi"] in line)
    assert "99% (2026)" in line and status.label(changed["status"], "vi").lower() in line.lower()
    html = (output / "briefs" / "brief_vi.html").read_text(encoding="utf-8")
    assert "Đây là bản tin đầu tiên" not in html and changed["name_vi"] in html


# --------------------------------------------------------------------------------------------- a real browser


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
PHONE_WIDTH = 390
MEASURE = """
const scale = (window.visualViewport && window.visualViewport.scale) || 1;
let minFont = 99, smallest = '';
for (const e of document.querySelectorAll('body *')) {
  const own = Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
  if (!own) continue;
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || getComputedStyle(e).display === 'none') continue;
  let f = parseFloat(getComputedStyle(e).fontSize) * scale;
  const svg = e.closest('svg');  // SVG text is drawn at its font size times the SVG's scale
  if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) f *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  if (f < minFont) { minFont = f; smallest = own.slice(0, 40); }
}
const images = Array.from(document.images).map(i => ({src: i.src, shown: i.getBoundingClientRect().width * scale,
  right: i.getBoundingClientRect().right, natural: i.naturalWidth, ok: i.complete && i.naturalWidth > 0}));
return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, minFont, smallest, images};
"""


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"):
        options.add_argument(flag)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": PHONE_WIDTH, "height": 844,
                                                                          "pixelRatio": 2, "mobile": True}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def _image_bytes(src: str, folder: Path) -> bytes:
    import base64
    from urllib.parse import unquote, urlparse

    if src.startswith("data:"):
        return base64.b64decode(src.split(",", 1)[1])
    return Path(unquote(urlparse(src).path)).read_bytes()


MAX_MAIN_HEIGHT = 3400  # four phone screens (844 px) at 390 px: the e-mail, and the archive before its appendix
HEIGHTS = """
const appendix = document.getElementById('appendix');
return {height: document.documentElement.scrollHeight,
        main: appendix ? appendix.getBoundingClientRect().top + window.scrollY : document.documentElement.scrollHeight};
"""


def _check_phone(driver, page: Path, screenshot: Path, images: int | None = None) -> dict:
    import io

    from PIL import Image, ImageStat

    from bnkpi_utils import charts

    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    m = driver.execute_script(MEASURE)
    assert m["innerWidth"] == PHONE_WIDTH
    assert m["scrollWidth"] <= m["innerWidth"], f"{page.name}: horizontal scroll ({m['scrollWidth']} px)"
    assert m["minFont"] >= 12, f"{page.name}: text at {m['minFont']} px: {m['smallest']!r}"
    assert images is None or len(m["images"]) == images
    assert all(i["ok"] for i in m["images"])
    for image in m["images"]:
        assert image["right"] <= m["innerWidth"] + 0.5, f"{page.name}: an image is wider than the screen"
        png = Image.open(io.BytesIO(_image_bytes(image["src"], page.parent)))
        shown_font = float(png.text[charts.MIN_FONT_KEY]) * image["shown"] / image["natural"]
        assert shown_font >= 11, f"{page.name}: chart text shown at {shown_font:.1f} px"
    driver.save_screenshot(str(screenshot))
    assert ImageStat.Stat(Image.open(screenshot).convert("L")).stddev[0] > 20  # not a blank page
    return driver.execute_script(HEIGHTS)


def test_brief_fits_a_phone_in_headless_chromium(good_run, fixture_brief, tmp_path):
    """The e-mail body, both archive briefs, three target pages (achieved, insufficient data, not comparable) and
    the index at 390 px: no horizontal scroll, text of 12 px or more, and the e-mail and the brief's main part
    within four phone screens."""
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), "Debian chromium and chromium-driver: `make test` installs them"
    briefs = good_run["output"] / "briefs"
    # the e-mail body as a mail client shows it: cid: references resolved to the attached images
    message = _eml(briefs / "brief_vi.eml")
    html = message.get_payload()[0].get_payload()[1].get_content()
    for part in message.get_payload()[1:]:
        (tmp_path / part.get_filename()).write_bytes(part.get_payload(decode=True))
        html = html.replace(f"cid:{part['Content-ID'].strip().strip('<>')}", part.get_filename())
    (tmp_path / "email_vi.html").write_text(html, encoding="utf-8")
    assessment = pd.read_csv(good_run["output"] / "tables" / "targets_assessment.csv")
    pages = [briefs / "targets" / f"{assessment[assessment.status == code].target_id.iloc[0]}.html"
             for code in ("achieved", "insufficient_data", "not_comparable")]
    driver = _browser()
    try:
        heights = {}
        for page, images in ((briefs / "brief_vi.html", 2), (briefs / "brief_en.html", 2), (tmp_path / "email_vi.html", 2),
                             (fixture_brief[1]["vi"]["html"], 2),  # the fixture has a pill of every status
                             *((p, None) for p in pages), (briefs / "targets" / "index.html", 0)):
            heights[page] = _check_phone(driver, page, tmp_path / f"{page.parent.name}_{page.stem}.png", images)
    finally:
        driver.quit()
    assert heights[tmp_path / "email_vi.html"]["height"] <= MAX_MAIN_HEIGHT, heights[tmp_path / "email_vi.html"]
    for lang in ("vi", "en"):
        main = heights[briefs / f"brief_{lang}.html"]
        assert main["main"] < main["height"] and main["main"] <= MAX_MAIN_HEIGHT, (lang, main)


def test_chart_font_check_can_fail():
    from bnkpi_utils import charts

    fig, ax = charts._brief_figure(3)
    ax.text(0, 0, "tiny", fontsize=5)
    assert charts.min_font_px(fig) == pytest.approx(5 * charts.BRIEF_DPI / 72)
    __import__("matplotlib.pyplot").pyplot.close(fig)


def test_brief_shows_the_provinces_own_tfp_once_computed(good_run, tmp_path):
    """Issue 9: when the statistics office's series give the merged province's TFP, the brief states it (with the
    numbers of tfp_periods.csv) and no longer says the series are missing."""
    output = tmp_path / "outputs"
    shutil.copytree(good_run["output"], output)
    periods = pd.read_csv(output / "tables" / "tfp_periods.csv")
    own = dict.fromkeys(periods.columns)
    own.update(region="Bắc Ninh (sau sáp nhập)", period_start=2021, period_end=2025, method="cobb_douglas",
               alpha=0.43, g_y=7.70, g_tfp=3.20, tfp_share_pct=41.558)  # 3,20 / 7,70 = 41,56 %
    pd.concat([periods, pd.DataFrame([own])]).to_csv(output / "tables" / "tfp_periods.csv", index=False)
    vi = brief.build_context(output, "vi", today=TODAY)
    en = brief.build_context(output, "en", today=TODAY)
    vi_text, en_text = " ".join(vi["tfp_points"]), " ".join(en["tfp_points"])
    assert "2021–2025: TFP tăng 3,20%/năm, đóng góp 41,6% tăng trưởng GRDP (7,70%/năm)" in vi_text
    assert "Chưa có chuỗi số liệu vốn và lao động" not in vi_text
    assert "2021–2025: TFP grew 3.20% a year, 41.6% of GRDP growth (7.70% a year)" in en_text


def test_english_counts_of_one_are_singular():
    assert brief.singular("1 targets, 2 targets, 1 revised values, 1 other status changes, 1 agencies", "en") == \
        "1 target, 2 targets, 1 revised value, 1 other status change, 1 agency"
    assert brief.singular("1 chỉ tiêu", "vi") == "1 chỉ tiêu"


def test_tfp_multiple_is_a_range_from_the_percent_row():
    """Requirement 3,9–4,5 %/năm against a 1,8 %/năm record: 3,9/1,8 = 2,17 and 4,5/1,8 = 2,5 (hand computed);
    the log-point row (other unit) must not be used."""
    record = pd.DataFrame([
        dict(what="Mục tiêu 2026–2030 (%/năm)", years="2026–2030", unit="percent", value=3.9, value_high=4.5,
             times_record=3.9 / 1.8, times_record_high=4.5 / 1.8),
        dict(what="Việt Nam, không tính năm điểm gãy (%/năm)", years="2001–2005", unit="percent", value=1.8,
             value_high=1.8, times_record=1.0, times_record_high=1.0),
        dict(what="Mục tiêu (điểm log/năm)", years="2026–2030", unit="log_points", value=3.8, value_high=4.4,
             times_record=9.0, times_record_high=9.9),
    ])
    assert brief._times_range(record, "vi") == "2,2–2,5"
    assert brief._times_range(record, "en") == "2.2–2.5"
    assert brief._times_range(record.drop(columns=["times_record_high"]), "vi") is None


def test_tfp_chart_bars_are_in_percent_like_the_goal_they_are_set_against(good_run):
    """The need (6,05–6,60 % a year) is percent arithmetic on GRDP growth in percent; the record bars must be too:
    2016–2018 is 2,6515 log points = 2,69 % a year, the figure the text gives (not 2,65)."""
    import math

    tables = brief.load_tables(good_run["output"])
    _, data = brief._tfp_points(tables, "vi", TODAY)
    bars = data["bars"].set_index("label")["value"]
    periods = tables["tfp_periods"]
    vn = periods[(periods["region"] == "Việt Nam") & (periods["method"] == "cobb_douglas")
                 & (periods["period_start"] == 2016) & (periods["period_end"] == 2020)].iloc[0]
    record = next(v for label, v in bars.items() if "2016–2018" in label)
    assert record == pytest.approx(100 * math.expm1(vn["g_tfp"] / 100)) and round(record, 2) == 2.69
    assert data["need"][0] == pytest.approx(6.05)
