"""The researcher's notebook suite: the notebooks' contract, analysis parameters, scratch folders, display, the
annex, the seaborn charts and the packaging. The notebooks themselves are executed by nbval (`make test`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib

import nbformat
import numpy as np
import pandas as pd
import pytest

from bnkpi_utils import charts, cli, config, params, pii, targets, tfp
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FOLDER_PARAMETERS = {"raw_dir", "processed_dir", "output_dir", "lang"}


# ------------------------------------------------------------------------------------------ notebook contract


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_contract(path):
    import papermill as pm

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters', the contract is exactly one"
    assert nb.metadata["kernelspec"]["name"] == "bnkpi"
    declared = pm.inspect_notebook(str(path))
    assert FOLDER_PARAMETERS <= set(declared), f"{path.name}: folders and lang must stay parameters"
    unknown = set(declared) - FOLDER_PARAMETERS - set(params.DEFAULTS)
    assert not unknown, f"{path.name}: parameters {sorted(unknown)} are not in bnkpi_utils/params.py DEFAULTS"
    for name in set(declared) & set(params.DEFAULTS):  # defaults come from the one source, never a literal copy
        assert declared[name]["default"] == f'DEFAULTS["{name}"]', f"{path.name}: {name} = {declared[name]['default']}"


def _committed(path):
    """The notebook as git holds it (the index), or the file itself outside a git checkout."""
    relative = path.relative_to(ROOT).as_posix()
    shown = subprocess.run(["git", "show", f":{relative}"], cwd=ROOT, capture_output=True, text=True)
    return nbformat.reads(shown.stdout, as_version=4) if shown.returncode == 0 else nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_in_git_have_no_outputs(path):
    nb = _committed(path)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]
    if dirty:
        pytest.fail(f"{path.name} is staged/committed with outputs or execution counts in cells {dirty}. "
                    "Run `make setup` once (it installs the nbstripout git filter), then `git add` the notebook again; "
                    f"or clear them by hand: .venv/bin/nbstripout --keep-id notebooks/{path.name}")


def test_no_hard_coded_weakest_pillar():
    source = "".join(c.source for c in nbformat.read(ROOT / "notebooks" / "02_pii.ipynb", as_version=4).cells)
    assert "Trụ cột yếu nhất: P6" not in source and "min(pillars_now" in source


# ------------------------------------------------------------------------------------------ parameters


def test_defaults_are_the_method_modules_values():
    assert params.DEFAULTS["alpha"] == tfp.DEFAULT_ALPHA == 0.43
    assert params.DEFAULTS["growth_guard"] == tfp.GROWTH_GUARD_PCT
    assert params.DEFAULTS["delta"] == tfp.DEFAULT_DELTA == 0.05 and params.DEFAULTS["region"] == "Bắc Ninh"
    assert (params.DEFAULTS["mc_draws"], params.DEFAULTS["mc_seed"]) == (10_000, 2030)
    assert set(params.DESCRIPTIONS) == set(params.DEFAULTS)


def test_parameters_are_converted_and_checked(tmp_path):
    assert params.parse_assignments(["alpha=0.35", "mc_draws=500", "region= Bắc Ninh"]) == {
        "alpha": 0.35, "mc_draws": 500, "region": "Bắc Ninh"}
    for bad, message in [("beta=1", "unknown parameter 'beta'"), ("alpha", "expected key=value"),
                         ("alpha=abc", "is not a float"), ("alpha=1.5", "between 0 and 1"),
                         ("mc_draws=2.5", "is not a int"), ("mc_draws=0", "between 1")]:
        with pytest.raises(params.ParameterError, match=re.escape(message)):
            params.parse_assignments([bad])
    toml = tmp_path / "p.toml"
    toml.write_text('[parameters]\nalpha = 0.35\ndelta = 0.07\n', encoding="utf-8")
    assert params.read_toml(toml) == {"alpha": 0.35, "delta": 0.07}
    toml.write_text("alpha = [\n", encoding="utf-8")
    with pytest.raises(params.ParameterError, match="not valid TOML"):
        params.read_toml(toml)


def test_each_notebook_gets_only_what_it_declares():
    values = params.resolve({"alpha": 0.35})
    assert params.for_notebook(ROOT / "notebooks" / "04_targets.ipynb", values) == {
        "region": "Bắc Ninh", "alpha": 0.35, "delta": 0.05, "growth_guard": 0.5}
    assert params.for_notebook(ROOT / "notebooks" / "03_tfp.ipynb", values) == {
        "alpha": 0.35, "delta": 0.05, "growth_guard": 0.5}
    assert "alpha" not in params.for_notebook(ROOT / "notebooks" / "02_pii.ipynb", values)


def _cli(capsys, *argv):
    with pytest.raises(SystemExit) as stop:
        cli.main(list(argv))
    return stop.value.code, capsys.readouterr()


def test_cli_version_and_run_usage(capsys):
    code, out = _cli(capsys, "--version")
    assert code == 0 and re.fullmatch(r"bnkpi \S+\n", out.out)
    code, out = _cli(capsys, "run", "--bogus")
    assert code == 64 and out.err.startswith("usage: bnkpi run") and "--bogus" in out.err


def test_unknown_parameter_is_a_usage_error_before_anything_runs(capsys, tmp_path):
    assert cli.main(["run", "--param", "beta=1", "--output-dir", str(tmp_path / "o")]) == 64
    assert "unknown parameter 'beta'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_parameter_no_notebook_reads_is_refused(capsys, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / "02_pii.ipynb", notebooks)  # declares region, mc_draws, mc_seed; not alpha
    argv = ["run", "--notebook-dir", str(notebooks), "--output-dir", str(tmp_path / "o"), "--processed-dir",
            str(tmp_path / "p")]
    assert cli.main(argv + ["--param", "alpha=0.35"]) == 64
    assert "declares the parameter(s) alpha" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "p").exists()


def test_manifest_records_the_analysis_parameters(good_run):
    manifest = json.loads((good_run["output"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["analysis"] == params.DEFAULTS
    by_name = {n["notebook"]: n for n in manifest["notebooks"]}
    assert by_name["04_targets.ipynb"]["parameters"] == ["region", "alpha", "delta", "growth_guard"]
    assert by_name["03_tfp.ipynb"]["parameters"] == ["alpha", "delta", "growth_guard"]


def test_alpha_reaches_notebook_04_and_its_labels(good_run, tmp_path):
    """papermill -p alpha 0.35, as a researcher would; the value used is printed with the result."""
    import papermill as pm

    executed = tmp_path / "04.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "04_targets.ipynb"), str(executed), kernel_name="bnkpi",
                        parameters=dict(processed_dir=str(good_run["processed"]), output_dir=str(tmp_path / "out"),
                                        alpha=0.35), cwd=str(ROOT / "notebooks"), progress_bar=False)
    text = json.dumps(nbformat.read(executed, as_version=4).cells, ensure_ascii=False)
    assert "α = 0,35" in text and "α = 0,43" not in text
    assert (tmp_path / "out" / "tables" / "targets_assessment.csv").exists()


# ------------------------------------------------------------------------------------------ folders and display


def test_interactive_runs_write_to_scratch_and_relative_paths_start_at_the_root(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "SCRATCH_DIR", tmp_path / "scratch")
    raw, processed, output = config.resolve_dirs("data/raw", "", "")
    assert raw == ROOT / "data" / "raw"
    assert processed == tmp_path / "scratch" / "processed" and output == tmp_path / "scratch" / "outputs"
    assert config.OUTPUT_DIR not in (processed, output) and config.PROCESSED_DIR not in (processed, output)
    assert config.resolve_dirs("", str(tmp_path / "p"), "x")[1:] == (tmp_path / "p", ROOT / "x")


def test_a_notebook_run_too_early_names_the_notebook_to_run_first(tmp_path):
    dirs = config.NotebookDirs(tmp_path, tmp_path / "processed", tmp_path, tmp_path / "tables", tmp_path, ["vi"])
    with pytest.raises(config.NotebookInputMissing, match=r"hãy chạy notebooks/01_clean\.ipynb trước"):
        config.require(dirs, ("01_clean",))
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "targets.csv").write_text("x\n")
    config.require(dirs, ("01_clean",))
    with pytest.raises(config.NotebookInputMissing, match="04_targets"):
        config.require(dirs, ("04_targets",))
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "pii_trajectory.csv").write_text("x\n")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "pii_rank_history_vi.png").write_bytes(b"")
    config.require(dirs._replace(langs=["vi"]), ("02_pii",))
    with pytest.raises(config.NotebookInputMissing, match='02_pii.ipynb trước, với cùng các thư mục và lang = "en"'):
        config.require(dirs._replace(langs=["vi", "en"]), ("02_pii",))  # a brief in English needs English charts
    assert config.NotebookInputMissing("m")._render_traceback_() == ["Thiếu dữ liệu đầu vào: m"]


def test_readable_shows_years_as_integers_and_leaves_other_columns():
    frame = pd.DataFrame({"latest_year": [2025.0, np.nan], "edition": [2024.0, 2025.0], "ratio_r": [0.816364, 1.0],
                          "value": [3.0, 4.0]})
    shown = config.readable(frame)
    assert str(shown["latest_year"].dtype) == "Int64" and shown["latest_year"].tolist()[0] == 2025
    assert str(shown["edition"].dtype) == "Int64"
    assert shown["ratio_r"].tolist() == [0.816364, 1.0] and shown["value"].dtype == float
    assert frame["latest_year"].dtype == float  # the caller's frame is untouched


# ------------------------------------------------------------------------------------------ outputs of a run


def test_run_exports_the_annex_without_code(good_run):
    annex = good_run["output"] / "briefs" / "annex"
    assert sorted(p.name for p in annex.glob("*.html")) == [p.stem + ".html" for p in NOTEBOOKS]
    page = (annex / "02_pii.html").read_text(encoding="utf-8")
    assert "Chỉ số Đổi mới sáng tạo" in page  # the narrative
    assert "notebook_setup(" not in page and "write_table(" not in page  # no code cells
    assert page.count("data:image/png;base64") >= 3  # the inline charts, embedded
    assert "<script src=" not in page  # opens offline: no require.js or MathJax from a CDN


def test_executed_notebooks_show_their_charts_inline(good_run):
    nb = nbformat.read(good_run["output"] / "notebooks" / "02_pii.ipynb", as_version=4)
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4  # rank history, pillar profile, heat map, gap; vi and en
    assert (good_run["output"] / "figures" / "pii_pillar_heatmap_vi.png").exists()
    assert (good_run["output"] / "figures" / "targets_status_agency_en.png").exists()


# ------------------------------------------------------------------------------------------ seaborn charts


def test_rank_intervals_label_the_draws_and_seed():
    ranks = pd.DataFrame({"unit": ["A", "Bắc Ninh", "C"], "nominal_rank": [1, 2, 3], "median_rank": [1.0, 2.0, 3.0],
                          "rank_p05": [1.0, 1.0, 2.0], "rank_p95": [2.0, 3.0, 3.0]})
    fig = charts.rank_intervals(ranks, "Bắc Ninh", 10_000, 7, "vi")
    assert fig.axes[0].get_title(loc="left") == "Độ bất định của thứ hạng PII (10.000 lần Monte Carlo, seed 7)"
    bottom, top = fig.axes[0].get_ylim()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][0] == "A" and top < bottom  # rank 1 on top
    charts.rank_intervals(ranks[ranks.unit != "Bắc Ninh"], "Bắc Ninh", 10, 1, "vi")  # province outside the top
    assert charts.rank_intervals(ranks, "Bắc Ninh", 10_000, 7, "en").axes[0].get_title(loc="left").endswith(
        "(10,000 Monte Carlo draws, seed 7)")


def test_pillar_heatmap_writes_vietnamese_numbers_and_the_scale():
    profile = pd.DataFrame({2024: [45.94, 39.7], 2025: [59.2, np.nan]}, index=["P1", "P2"])
    fig = charts.pillar_heatmap(profile, "Bắc Ninh", {2024: 63, 2025: 34}, "vi")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:3] == ["45,9", "59,2", "39,7"]  # row by row; the missing 2025 P2 score gets no number
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["2024\n(63 đơn vị)", "2025\n(34 đơn vị)"]


def test_status_by_agency_counts_every_target():
    assessment = pd.DataFrame({"agency": ["Sở KH&CN", "Sở KH&CN", "", "Sở Y tế"],
                               "status": ["achieved", "insufficient_data", "insufficient_data", "off_track"]})
    fig = charts.status_by_agency(assessment, "vi")
    numbers = sorted(int(t.get_text()) for t in fig.axes[0].texts)
    assert numbers == [1, 1, 1, 1] and "4 chỉ tiêu" in fig.axes[0].get_title(loc="left")
    assert "(không giao cụ thể)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]


# ------------------------------------------------------------------------------------------ packaging


CONDA_NAMES = {"css-inline": "css_inline", "matplotlib": "matplotlib-base", "jupyter-client": "jupyter_client",
               "nbconvert": "nbconvert-core"}


def _requirements(lines):
    out = {}
    for line in lines:
        name, bound = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", line.strip()).groups()
        out[name.lower()] = bound.replace(" ", "")
    return out


def test_pyproject_and_environment_list_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _requirements(project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                                      for r in extra])
    import yaml  # papermill's dependency

    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert environment["channels"] == ["conda-forge"]
    from_pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    conda = _requirements([d for d in environment["dependencies"]
                           if isinstance(d, str) and d != "pip" and not d.startswith("python=")]
                          + [d for d in from_pip if d != "-e ."])
    expected = {CONDA_NAMES.get(name, name): bound for name, bound in wanted.items()}
    assert conda == expected


def test_make_lab_installs_once_and_works_as_root():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lab = makefile[makefile.index("\nlab:"):]
    assert "pip install" not in lab.split("\n\n")[0]  # the install is behind its own stamp
    assert "--allow-root" in lab and "root_dir=$(CURDIR)" in lab
    assert shutil.which("git") is None or "nbstripout" in makefile


def test_user_facing_files_point_only_inside_the_repository():
    """Users never see the design folder beside the repository: the contracts live in docs/."""
    files = [ROOT / "README.md", ROOT / "data" / "raw" / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted((ROOT / "bnkpi_utils").glob("*.py")), *sorted((ROOT / "tools").glob("*.py")), *NOTEBOOKS]
    outside = "../" + "shared"  # spelled in two parts so this file does not itself point outside
    offending = [f"{p.relative_to(ROOT)}:{n}" for p in files
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if outside in line or "DESIGN.md" in line]
    assert not offending, f"references to a file outside the repository: {offending}"


def test_tfp_share_legend_states_the_alpha_of_the_bars():
    """A researcher's α = 0.35 must not be drawn under a legend saying the default 0.43."""
    periods = pd.DataFrame({"period_start": [2011, 2016], "period_end": [2015, 2020], "tfp_share_pct": [41.0, 50.0],
                            "years_with_data": ["2011–2015", "2016–2019"], "alpha": [0.35, 0.35],
                            "published_share_pct": [33.58, np.nan]})
    band = pd.DataFrame({"period_start": [2011], "period_end": [2015], "tfp_share_pct": [30.0]})
    legend = [t.get_text() for t in charts.tfp_shares(periods, band, {}, "vi").axes[0].get_legend().get_texts()]
    assert "Ước tính (α = 0,35)" in legend and not any("0,43" in text for text in legend)


# ------------------------------------------------------------------------------------------ the province's own TFP


def _execute(name, tmp, **parameters):
    import papermill as pm

    executed = tmp / f"{name}.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(executed), kernel_name="bnkpi",
                        parameters=parameters, cwd=str(ROOT / "notebooks"), progress_bar=False)
    return nbformat.read(executed, as_version=4)


def _outputs_text(cell):
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_notebook_03_shows_a_provinces_own_tfp_when_its_series_exist(tmp_path):
    """Synthetic series (clearly not data): a province whose output grows 8 %, capital 10 % and employment 2 % a
    year, 2015–2024. Notebook 03 must show its yearly table and periods and draw its chart, with
    g_TFP = 100·[ln 1,08 − α ln 1,10 − (1 − α) ln 1,02] (α = 0,35), and say nothing is missing."""
    processed, output = tmp_path / "processed", tmp_path / "out"
    _execute("01_clean", tmp_path, processed_dir=str(processed), output_dir=str(output))
    macro = pd.read_csv(processed / "macro.csv", dtype=str, keep_default_na=False)
    region = "Lai Châu"  # a province with no macro rows in the shipped data
    assert not (macro.region == region).any()
    rows = []
    for year in range(2015, 2025):
        for indicator, growth, unit in (("grdp_const", 1.08, "billion VND, 2010 prices"),
                                        ("capital_stock_const", 1.10, "billion VND, 2010 prices"),
                                        ("employment", 1.02, "thousand persons")):
            rows.append({**{c: "" for c in macro.columns}, "region": region, "year": str(year), "indicator": indicator,
                         "value": str(100 * growth ** (year - 2015)), "unit": unit, "source": "synthetic (test)",
                         "territory": "old", "year_start": str(year), "year_end": str(year), "vintage": "official",
                         "n_vintages": "1", "break_flag": "False"})
    pd.concat([macro, pd.DataFrame(rows)]).to_csv(processed / "macro.csv", index=False)
    nb = _execute("03_tfp", tmp_path, processed_dir=str(processed), output_dir=str(output), alpha=0.35)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "own_years" in c.source)
    shown = _outputs_text(cell)
    assert f"TFP cấp tỉnh (α = 0,35" in shown and region in shown and "Chưa tính được" not in shown
    assert sum("image/png" in o.get("data", {}) for o in cell.outputs) >= 1
    growth = pd.read_csv(output / "tables" / "tfp_growth_accounting.csv")
    own = growth[(growth.region == region) & (growth.method == "cobb_douglas")]
    expected = 100 * (np.log(1.08) - 0.35 * np.log(1.10) - 0.65 * np.log(1.02))  # 4.063… log points
    assert len(own) == 9 and np.allclose(own.g_tfp, expected, atol=1e-6)
    assert (output / "figures" / "tfp_decomposition_lai_chau_vi.png").exists()


@pytest.fixture(scope="module")
def before_alpha(tmp_path_factory):
    """Notebooks 01 and 02, which take no α, run once as a researcher runs them; each α test copies their folders."""
    base = tmp_path_factory.mktemp("before_alpha")
    folders = dict(processed_dir=str(base / "processed"), output_dir=str(base / "out"))
    return base, {name: _execute(name, base, **folders) for name in ("01_clean", "02_pii")}


@pytest.mark.parametrize("alpha, shown", [(0.30, "0,30"), (0.35, "0,35"), (0.50, "0,50")])
def test_notebooks_say_why_a_section_is_empty_show_what_they_mention_and_speak_vietnamese(tmp_path, alpha, shown,
                                                                                          before_alpha):
    """The five notebooks as a researcher runs them (from notebooks/, into a scratch folder) at three α: the α
    reaches the tables without float noise and the brief's method line and capital sentence."""
    base, run = before_alpha
    for folder in ("processed", "out"):
        shutil.copytree(base / folder, tmp_path / folder, symlinks=True)
    folders = dict(processed_dir=str(tmp_path / "processed"), output_dir=str(tmp_path / "out"))
    run = {**run, **{name: _execute(name, tmp_path, **folders, alpha=alpha) for name in ("03_tfp", "04_targets")}}
    run["05_brief"] = _execute("05_brief", tmp_path, **folders)
    periods = pd.read_csv(tmp_path / "out" / "tables" / "tfp_periods.csv")
    assert periods.loc[periods.method == "cobb_douglas", "alpha"].unique().tolist() == [alpha]
    page = (tmp_path / "out" / "briefs" / "brief_vi.html").read_text(encoding="utf-8")
    assert f"tỷ phần vốn α = {shown}" in page and "Với mục tiêu 55%, vốn chỉ có thể tăng tối đa" in page
    tfp_cells = "".join(_outputs_text(c) for c in run["03_tfp"].cells if c.cell_type == "code")
    assert f"α = {shown}" in tfp_cells
    for name, nb in run.items():
        for cell in (c for c in nb.cells if c.cell_type == "code"):
            text = _outputs_text(cell)
            assert "Empty DataFrame" not in text, f"{name}: a bare empty table instead of a sentence:\n{cell.source}"
            assert "insufficient_data" not in text and "not_comparable" not in text, f"{name}: a raw status code"
            assert not re.search(r"Interactive run|not summed|^coverage:", text, re.M), f"{name}: English for the researcher"
    report = next(c for c in run["01_clean"].cells if "report_summary" in c.source)
    assert "Chưa có tệp nào" in _outputs_text(report)  # the shipped data hold no returned workbook
    kh279 = next(c for c in run["02_pii"].cells if "check_pillar_targets" in c.source)
    assert any("score_2024" in o.get("data", {}).get("text/html", "") for o in kh279.outputs)
    counts = next(c for c in run["04_targets"].cells if "status_counts" in c.source)
    assert "Chưa đủ số liệu" in _outputs_text(counts)
    coverage = pd.read_csv(tmp_path / "out" / "tables" / "targets_coverage.csv")
    department = int(coverage.loc[coverage.agency == "Sở KH&CN", "targets"].iloc[0])  # unassigned targets included
    heat_map = next(c for c in run["04_targets"].cells if "status_by_agency" in c.source)
    assert f"Sở KH&CN: {department} chỉ tiêu, gồm " in _outputs_text(heat_map)  # one count per agency
    projection = next(c for c in run["04_targets"].cells if "prob_meet.notna()" in c.source)
    assert "Chưa có dự báo nào" in _outputs_text(projection)
    images = [o for c in run["05_brief"].cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the brief's charts inline: PII ranks (two panels) and TFP growth
    if alpha == 0.35:  # 04 rerun at another α into the same scratch folder: 05 refuses to mix the tables
        import papermill as pm

        _execute("04_targets", tmp_path, **folders, alpha=0.43)
        with pytest.raises(pm.PapermillExecutionError, match=r"alpha = 0,35 \(03_tfp\), 0,43 \(04_targets\)"):
            _execute("05_brief", tmp_path, **folders)
