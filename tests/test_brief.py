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

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


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
    assert referenced == attached and len(attached) >= 4
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
    assert html.count('src="data:image/png;base64,') >= 4 and "cid:" not in html


def test_vietnamese_subject_and_body(good_run):
    raw = (good_run["output"] / "briefs" / "brief_vi.eml").read_bytes()
    subject_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject:"))
    assert subject_line.isascii() and b"=?utf-8?" in subject_line.lower()  # RFC 2047 encoded
    message = _eml(good_run["output"] / "briefs" / "brief_vi.eml")
    assert message["Subject"].startswith("[Sở KH&CN Bắc Ninh] Báo cáo nhanh")
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
    table_path = output / "tables" / "pii_scores.csv"
    table = pd.read_csv(table_path)
    mask = (table.province == "Bắc Ninh") & (table.component == "PII") & (table.edition == table.edition.max())
    table.loc[mask, "note"] = '<script>alert("x")</script> ghi chú'
    assessment_path = output / "tables" / "targets_assessment.csv"
    assessment = pd.read_csv(assessment_path)
    assessment.loc[assessment.target_id == "KH20-11", "name_vi"] = "PII <b onmouseover=x>top 6</b>"
    table.to_csv(table_path, index=False)
    assessment.to_csv(assessment_path, index=False)
    paths = brief.build_brief(output, "vi")
    html = paths["html"].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; ghi chú" in html or "&lt;script&gt;" in html
    assert "<script" not in html.lower() and "<b onmouseover" not in html
    body = _eml(paths["eml"]).get_payload()[0].get_payload()[1].get_content()
    assert "<script" not in body.lower() and "&lt;script&gt;" in body


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
    assert any(s.startswith("[Sở KH&CN Bắc Ninh] Báo cáo nhanh") for s in subjects)
    assert any(s.startswith("[Bắc Ninh DOST]") for s in subjects)


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


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=700,1800"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def _check_page(driver, url: str, screenshot: Path) -> None:
    from PIL import Image, ImageStat

    driver.get(url)
    assert driver.execute_script("return document.readyState") == "complete"
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    broken = driver.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length")
    assert broken == 0
    assert driver.execute_script("return document.images.length") >= 4
    driver.save_screenshot(str(screenshot))
    image = Image.open(screenshot).convert("L")
    assert ImageStat.Stat(image).stddev[0] > 20  # not a blank page
    assert "Bắc Ninh" in driver.find_element("tag name", "body").text


def test_brief_renders_in_headless_chromium(good_run, tmp_path):
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), "Debian chromium and chromium-driver: `make test` installs them"
    driver = _browser()
    try:
        _check_page(driver, (good_run["output"] / "briefs" / "brief_vi.html").as_uri(), tmp_path / "archive.png")
        # the e-mail body as a mail client shows it: cid: references resolved to the attached images
        message = _eml(good_run["output"] / "briefs" / "brief_vi.eml")
        html = message.get_payload()[0].get_payload()[1].get_content()
        for part in message.get_payload()[1:]:
            cid = part["Content-ID"].strip().strip("<>")
            name = part.get_filename()
            (tmp_path / name).write_bytes(part.get_payload(decode=True))
            html = html.replace(f"cid:{cid}", name)
        (tmp_path / "email.html").write_text(html, encoding="utf-8")
        _check_page(driver, (tmp_path / "email.html").as_uri(), tmp_path / "email.png")
    finally:
        driver.quit()
