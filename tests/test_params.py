"""Analysis parameters reach every label that depends on them: chart titles and legends, tables, the brief's
method line; values written as a Vietnamese reader would are refused with the fix."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from bnkpi_utils import brief, charts, params, tfp


@pytest.mark.parametrize("text, hint", [("0,35", "alpha=0.35"), (" 0,5 ", "alpha=0.5")])
def test_a_decimal_comma_is_refused_with_the_point_to_use(text, hint):
    with pytest.raises(params.ParameterError, match=re.escape(hint)):
        params.parse_assignments([f"alpha={text}"])


def _vn_periods(alpha: float, years: int) -> pd.DataFrame:
    """A synthetic national series: 2011.. with g_y 6, g_k 8, g_l 1 at the given α (known truth)."""
    rows = [dict(region="Việt Nam", year=2011 + i, method="cobb_douglas", alpha=alpha, g_y=6.0, g_k=8.0, g_l=1.0,
                 contrib_k=alpha * 8.0, contrib_l=(1 - alpha) * 1.0, g_tfp=6.0 - alpha * 8.0 - (1 - alpha), flag="")
            for i in range(years)]
    return tfp.period_shares(pd.DataFrame(rows), [(2011, 2011 + years - 1)])


@pytest.mark.parametrize("alpha", [0.30, 0.35, 0.50])
def test_period_alpha_is_the_parameter_without_float_noise(alpha):
    # the mean of three 0.35 is 0.3499999999999999 in floating point; the table must say 0.35
    periods = _vn_periods(alpha, 3)
    assert periods["alpha"].tolist() == [alpha]


@pytest.mark.parametrize("alpha, shown", [(0.30, "0,30"), (0.35, "0,35"), (0.50, "0,50")])
def test_tfp_chart_keeps_its_title_and_states_alpha(alpha, shown):
    periods = pd.concat([_vn_periods(alpha, 3), _vn_periods(alpha, 7).assign(period_start=2016, period_end=2022)])
    periods["alpha"] = [alpha, alpha - 1e-16]  # as a mean over years leaves it: one α, two floats
    periods["years_with_data"] = ["2011–2013", "2016–2022"]
    band = pd.DataFrame({"period_start": [2011], "period_end": [2013], "tfp_share_pct": [20.0]})
    for fig, title in ((charts.tfp_shares(periods, band, {}, "vi"), "Việt Nam: đóng góp của TFP"),
                       (charts.growth_decomposition(periods, "vi"), "Việt Nam: nguồn tăng trưởng")):
        charts.append_to_title(fig, f"(α = {charts.label(alpha, 2, 'vi')})")
        ax = fig.axes[0]
        shown_title = ax.get_title(loc="left") + ax.get_title() + ax.get_title(loc="right")
        assert shown_title.startswith(title) and shown_title.endswith(f"(α = {shown})")
    legend = [t.get_text() for t in charts.tfp_shares(periods, band, {}, "vi").axes[0].get_legend().get_texts()]
    assert f"Ước tính (α = {shown})" in legend
    assert charts.label(0.35, 2, "en") == "0.35"


def _tables(alpha: float) -> dict:
    alphas = tuple(sorted({0.35, alpha, 0.50}))
    arithmetic = pd.concat([tfp.target_arithmetic(11.0, 12.0, share, alphas=alphas) for share in (55.0, 50.0)],
                           ignore_index=True)
    growth = pd.DataFrame({"region": ["Việt Nam"] * 3, "year": [2011, 2012, 2012],
                           "method": ["cobb_douglas", "cobb_douglas", "tornqvist"], "alpha": [alpha, alpha, 0.41]})
    assessment = pd.DataFrame({"indicator": ["tfp_share_pct"], "target_year": [2030], "target_value": [55.0],
                               "value_high": [np.nan], "operator": [">="], "status": ["insufficient_data"],
                               "target_id": ["T"], "document": ["20-CTr/TU"], "unit": ["%"]})
    return {"tfp_target_arithmetic": arithmetic, "tfp_growth_accounting": growth, "targets_assessment": assessment}


@pytest.mark.parametrize("alpha", [0.30, 0.35, 0.43, 0.50])
def test_brief_states_the_alpha_parameter_and_its_capital_sentence(alpha):
    t = _tables(alpha)
    assert brief.alpha_used(t) == alpha  # not the median of the arithmetic's α grid (0,42 at α = 0,35)
    points, data = brief._tfp_points(t, "vi", dt.date(2026, 12, 1))
    capital = [p for p in points + data["extra"] if p.startswith("Với mục tiêu 55%")]  # the appendix holds it
    row = t["tfp_target_arithmetic"]
    row = row[(row.target_share_pct == 55.0) & np.isclose(row.alpha, alpha) & (row.labour_growth == 1.0)]
    expected = f"{brief.fmt(row.max_capital_growth.min(), 'vi', 0)}–{brief.fmt(row.max_capital_growth.max(), 'vi', 0)}%"
    assert len(capital) == 1 and expected in capital[0]
    assert brief.TEXT["vi"]["methods"].format(alpha=brief.fmt(brief.alpha_used(t), "vi")).count(
        f"α = {charts.label(alpha, 2, 'vi')}") == 1


@pytest.mark.parametrize("text", ["Bắc Ninh", "Bac Ninh", "tỉnh Bắc Ninh", " bắc ninh "])
def test_region_spelled_any_way_is_the_official_name(text):
    assert params.parse_assignments([f"region={text}"]) == {"region": "Bắc Ninh"}


@pytest.mark.parametrize("text, cause", [("Bắc Giang", "Bắc Giang has no targets or PII pillar data"),
                                         ("Hà Nội", "Hà Nội has no targets"), ("Bac Ninhh", "not a province name")])
def test_region_without_data_is_refused_with_the_allowed_list(text, cause):
    with pytest.raises(params.ParameterError, match=re.escape(cause)) as refused:
        params.parse_assignments([f"region={text}"])
    assert str(refused.value).endswith("allowed: Bắc Ninh")
    assert refused.value._render_traceback_()[0].startswith("Tham số không hợp lệ")  # one line in a notebook


def test_cli_refuses_a_region_before_anything_runs(capsys, tmp_path):
    from bnkpi_utils import cli

    assert cli.main(["run", "--param", "region=Bắc Giang", "--output-dir", str(tmp_path / "o"),
                     "--processed-dir", str(tmp_path / "p")]) == 64
    assert "allowed: Bắc Ninh" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "p").exists()


# ------------------------------------------------------------------------------------------ docs in step with the CLI


def _contract_commands() -> dict[str, set[str]]:
    """docs/contracts.md's command list: subcommand → the options it writes."""
    from conftest import ROOT

    text = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    block = text.split("### `bnkpi` commands", 1)[1].split("```", 2)[1]
    commands: dict[str, set[str]] = {}
    current = None
    for line in block.splitlines():
        words = line.split()
        if words[:1] == ["bnkpi"] and len(words) > 1 and not words[1].startswith("-"):
            current = words[1]
            commands[current] = set()
        if current:
            commands[current] |= set(re.findall(r"--[a-z][a-z-]*", line))
    return commands


def test_contracts_list_every_command_and_option_of_bnkpi_help():
    import argparse

    from bnkpi_utils import cli

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    actual = {name: {o for a in p._actions for o in a.option_strings  # what `bnkpi <name> --help` shows
                     if o.startswith("--") and o != "--help" and a.help != argparse.SUPPRESS}
              for name, p in sub.choices.items()}
    documented = _contract_commands()
    assert set(documented) == set(actual), "docs/contracts.md's command list differs from `bnkpi --help`"
    for name in actual:
        # --send SMTP-OPTIONS stands for bnkpi send's options, written once under `bnkpi send`
        missing = actual[name] - documented[name] - (actual["send"] if name == "run" else set())
        assert not missing, f"bnkpi {name}: {sorted(missing)} not in docs/contracts.md"
        assert not documented[name] - actual[name], f"bnkpi {name}: {sorted(documented[name] - actual[name])} unknown"


# ------------------------------------------------------------------------------------------ a newcomer's first steps


def test_readme_is_read_in_five_minutes_and_its_first_screen_says_how_to_start():
    from conftest import ROOT

    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150
    first = "\n".join(lines[:60])
    for needed in ("make run", "make test", "min", "outputs/briefs/brief_vi.html", "./bnkpi",
                   "source .venv/bin/activate"):
        assert needed in first, f"README's first screen does not say {needed!r}"
    assert ("Một đợt thu thập mô phỏng, mỗi cơ quan chỉ điền số mình có (hai tỉnh cũ 2021–2024, tỉnh mới từ 2025), "
            "cho kết luận với 74/98 chỉ tiêu hiện hành (75,5 %; 36,7 % nếu không ghép hai tỉnh cũ) — xem "
            "docs/data-round.md.") in lines
    for doc in ("docs/researchers.md", "docs/operators.md", "docs/data-round.md", "docs/contracts.md"):
        assert doc in "\n".join(lines) and (ROOT / doc).exists()


def _script_without_venv(tmp_path, relative):
    """A copy of a repository script in a folder that has no .venv, as in a clone before `make setup`."""
    import shutil
    import subprocess

    from conftest import ROOT

    copy = tmp_path / relative
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / relative, copy)
    return lambda *args: subprocess.run([str(copy), *args], capture_output=True, text=True, timeout=60)


def test_bnkpi_wrapper_runs_the_venv_command_or_says_run_make_setup(tmp_path):
    import subprocess

    from conftest import ROOT

    done = subprocess.run([str(ROOT / "bnkpi"), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("bnkpi ")
    done = _script_without_venv(tmp_path, "bnkpi")("--help")
    assert done.returncode == 127 and "run 'make setup'" in done.stderr


def test_git_filter_without_venv_says_run_make_setup(tmp_path):
    done = _script_without_venv(tmp_path, "tools/git-nbstripout")("--keep-id")
    assert done.returncode == 1 and "run 'make setup'" in done.stderr


@pytest.mark.parametrize("code, said", [(0, "have no problems"), (2, "have problems")])
def test_make_validate_states_its_result_when_piped(tmp_path, code, said):
    import subprocess
    import time

    from conftest import ROOT

    (tmp_path / "bnkpi").write_text(f"#!/bin/sh\nexit {code}\n")  # bnkpi validate as it behaves without a terminal
    (tmp_path / "bnkpi").chmod(0o755)
    (tmp_path / "installed").touch()
    time.sleep(0.01)
    (tmp_path / "filter").touch()  # newer than the Makefile and the install: the git config is left alone
    done = subprocess.run(["make", "-s", "validate", f"BIN={tmp_path}", f"STAMP={tmp_path / 'installed'}",
                           f"FILTER_STAMP={tmp_path / 'filter'}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == code and said in done.stdout


# ------------------------------------------------------------------------------------------ runs that do not mix


def test_brief_refuses_tables_made_with_different_parameters(tmp_path):
    params.record(tmp_path, "03_tfp", dict(alpha=0.35, delta=0.05, growth_guard=0.5))
    params.record(tmp_path, "04_targets", dict(region="Bắc Ninh", alpha=0.43, delta=0.05, growth_guard=0.5))
    with pytest.raises(params.ParameterMismatch, match=re.escape("alpha = 0,35 (03_tfp), 0,43 (04_targets)")) as mix:
        params.check_same(tmp_path)
    assert mix.value._render_traceback_()[0].startswith("Tham số không khớp")
    params.record(tmp_path, "04_targets", dict(region="Bắc Ninh", alpha=0.35, delta=0.05, growth_guard=0.5))
    assert params.check_same(tmp_path) == dict(alpha=0.35, delta=0.05, growth_guard=0.5, region="Bắc Ninh")
    assert params.check_same(tmp_path / "empty") == {}
