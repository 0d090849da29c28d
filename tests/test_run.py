"""`bnkpi run` end to end: outputs, manifest, atomic failure, lock; the notebooks' contract."""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil

import nbformat
import pandas as pd
import pytest

from conftest import RAW, ROOT, copy_previous, run_bnkpi, snapshot

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_run_writes_processed_tables_and_manifest(good_run):
    output, processed = good_run["output"], good_run["processed"]
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "success"
    assert {"run_id", "started", "finished", "package_versions", "raw_inputs", "parameters"} <= set(manifest)
    for name, digest in manifest["raw_inputs"].items():
        assert hashlib.sha256((RAW / name).read_bytes()).hexdigest() == digest
    assert set(manifest["raw_inputs"]) >= {"pii_scores.csv", "macro.csv", "targets.csv", "kpi_actuals.csv",
                                           "province_mergers_2025.csv"}
    assert manifest["parameters"]["lang"] == "all"
    assert manifest["parameters"]["kernel_name"] == "bnkpi"
    assert [n["notebook"] for n in manifest["notebooks"]] == [p.name for p in NOTEBOOKS]
    for name in NOTEBOOKS:
        assert (output / "notebooks" / name.name).exists()
    assert (output / "run.log").read_text(encoding="utf-8").count("succeeded") == 1
    # numbers read back from what the run wrote, against the published values
    pii = pd.read_csv(processed / "pii_scores.csv")
    bn = pii[(pii.edition == 2025) & (pii.province == "Bắc Ninh")].set_index("component")["score"]
    assert bn["PII"] == pytest.approx(48.76) and bn["P6"] == pytest.approx(28.74)
    harmonised = pd.read_csv(processed / "macro_harmonised.csv")
    assert harmonised.query("year == 2021 and indicator == 'grdp_current'")["value"].iloc[0] == pytest.approx(
        227_614 + 129_836)


def test_run_is_quiet_without_a_terminal(good_run):
    assert good_run["stdout"] == ""
    assert good_run["stderr"] == ""


def test_failed_notebook_keeps_previous_outputs_and_the_failed_notebook(good_run, tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    failing = nbformat.v4.new_notebook()
    failing.metadata["kernelspec"] = {"name": "bnkpi", "display_name": "Python (bnkpi)", "language": "python"}
    params = nbformat.v4.new_code_cell('raw_dir = ""\nprocessed_dir = ""\noutput_dir = ""\nlang = "vi"')
    params.metadata["tags"] = ["parameters"]
    failing.cells = [params, nbformat.v4.new_code_cell("raise RuntimeError('planted failure')")]
    nbformat.write(failing, notebooks / "99_fail.ipynb")
    previous = tmp_path / "previous"
    before = copy_previous(good_run, previous)
    result = run_bnkpi("run", "--notebook-dir", str(notebooks), "--output-dir", str(previous / "outputs"),
                       "--processed-dir", str(previous / "processed"))
    assert result.returncode == 1
    assert "99_fail.ipynb failed" in result.stderr and "planted failure" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(previous) == before
    failed_runs = list((previous / "outputs_failed").iterdir())
    assert len(failed_runs) == 1
    kept = nbformat.read(failed_runs[0] / "99_fail.ipynb", as_version=4)
    assert any("planted failure" in str(cell.get("outputs", "")) for cell in kept.cells)
    assert json.loads((failed_runs[0] / "manifest.json").read_text())["status"] == "failed"
    assert not [p for p in previous.iterdir() if "staging" in p.name]


def test_second_run_exits_3_while_the_lock_is_held(tmp_path):
    output = tmp_path / "outputs"
    lock = tmp_path / ".outputs.lock"
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_bnkpi("run", "--output-dir", str(output), "--processed-dir", str(tmp_path / "processed"))
    assert result.returncode == 3
    assert "Another bnkpi run is in progress" in result.stderr
    assert not output.exists()


def test_usage_error_is_not_confused_with_invalid_data():
    result = run_bnkpi("run", "--lang", "fr")
    assert result.returncode == 64


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_contract(path):
    import papermill as pm

    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.metadata["kernelspec"]["name"] == "bnkpi"
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    params = pm.inspect_notebook(str(path))
    assert set(params) == {"raw_dir", "processed_dir", "output_dir", "lang"} | METHOD_PARAMETERS.get(path.name, set())
    for name in METHOD_PARAMETERS.get(path.name, ()):
        assert params[name]["default"].startswith("tfp.")  # the module constant is the one default


METHOD_PARAMETERS = {"03_tfp.ipynb": {"alpha", "delta", "growth_guard"}}
