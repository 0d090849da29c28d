"""Speed work must not change a number: the tables of a run against reference checksums, and import hygiene.

tests/reference/tables.sha256 holds the sha256 of every output table and processed table of `bnkpi run --lang all`
on the shipped data, recorded before the speed work of issue 21. Figures are not compared (their rendering may
change); the tables must stay byte-identical. When a change is meant to change a table, refresh the file from a
run's folders: ``python tests/test_outputs_unchanged.py OUTPUT_DIR PROCESSED_DIR`` (and say why in the commit).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference" / "tables.sha256"
HEAVY = ("scipy", "statsmodels")


def read_reference(path: Path = REFERENCE) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    lines = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    return {name: digest for digest, name in lines}


# Columns that hold the day of the run, not a result: blanked before hashing (else the test fails the next day).
RUN_DATE_COLUMNS = {"tables/brief_period.csv": "brief_date"}


def _comparable_bytes(name: str, path: Path) -> bytes:
    data = path.read_bytes()
    column = RUN_DATE_COLUMNS.get(name)
    if column is None:
        return data
    lines = data.decode("utf-8").split("\n")
    position = lines[0].split(",").index(column)  # these tables hold no quoted commas
    for i, line in enumerate(lines[1:], start=1):
        if line:
            cells = line.split(",")
            cells[position] = "RUN_DATE"
            lines[i] = ",".join(cells)
    return "\n".join(lines).encode("utf-8")


def checksums(output: Path, processed: Path) -> dict[str, str]:
    files = [("tables/" + p.name, p) for p in sorted((output / "tables").glob("*.csv"))]
    files += [("processed/" + p.name, p) for p in sorted(processed.iterdir()) if p.is_file()]
    return {name: hashlib.sha256(_comparable_bytes(name, path)).hexdigest() for name, path in files}


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def reference_quarter(path: Path = REFERENCE) -> str:
    """The quarter the reference was recorded in (its ``# recorded in: YYYY-QN`` line): the quarter reported on
    and which target years are over depend on the date of the run."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# recorded in:"):
            return line.split(":")[1].strip()
    raise ValueError(f"{path} has no '# recorded in:' line")


def test_run_tables_are_byte_identical_to_the_reference(good_run):
    if quarter_of(dt.date.today()) != reference_quarter():
        # the brief's quarter and which target years are over follow the date, so tables change with the quarter
        pytest.skip(f"reference recorded in {reference_quarter()}: refresh it from a run of the unchanged code "
                    "(python tests/test_outputs_unchanged.py OUTPUT_DIR PROCESSED_DIR)")
    expected, actual = read_reference(), checksums(good_run["output"], good_run["processed"])
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(name for name in set(expected) & set(actual) if expected[name] != actual[name])
    assert not (missing or extra or changed), (
        f"tables differ from tests/reference/tables.sha256: changed {changed}, missing {missing}, new {extra}. "
        "If the change is intended, refresh it: python tests/test_outputs_unchanged.py OUTPUT_DIR PROCESSED_DIR")


def test_the_day_of_the_run_does_not_change_the_checksum(tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    sums = []
    for day in ("2026-12-03", "2026-12-04"):
        (tables / "brief_period.csv").write_text(f"period,label_vi,brief_date\n2026-Q3,Quý III/2026,{day}\n", "utf-8")
        sums.append(checksums(tmp_path, tmp_path / "tables")["tables/brief_period.csv"])
    assert sums[0] == sums[1]
    (tables / "brief_period.csv").write_text("period,label_vi,brief_date\n2026-Q2,Quý II/2026,2026-12-04\n", "utf-8")
    assert checksums(tmp_path, tmp_path / "tables")["tables/brief_period.csv"] != sums[0]


def test_reference_covers_every_table_of_the_run():
    names = set(read_reference())
    assert {"tables/pii_gap.csv", "tables/targets_assessment.csv", "tables/tfp_periods.csv",
            "processed/macro.csv", "processed/kpi_actuals.csv", "processed/cleaning_log.txt"} <= names
    assert len(names) >= 30


def _imported_after(code: str) -> list[str]:
    """The heavy packages in sys.modules after ``code`` runs in a fresh interpreter."""
    probe = code + textwrap.dedent(f"""
        import sys
        print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - our own probe's printed list


def test_params_and_the_command_do_not_import_scipy_or_statsmodels():
    # every notebook's parameters cell imports params; the runner and its workers import the command's modules
    assert _imported_after("import bnkpi_utils.params, bnkpi_utils.cli, bnkpi_utils.notebook_worker\n") == []


def test_a_run_worker_imports_neither_pandas_nor_the_runner():
    # a worker process unpickles notebook_worker.execute_one: importing it must not pull the command's imports
    code = ("import sys, bnkpi_utils.notebook_worker\n"
            "assert not {'pandas', 'bnkpi_utils.runner', 'bnkpi_utils.cli'} & set(sys.modules), sorted(sys.modules)\n")
    assert _imported_after(code) == []


def test_the_projection_still_imports_them_when_it_runs():
    # the hygiene test above would pass trivially if the probe could not see an import: this one must see it
    code = ("import numpy as np\nfrom bnkpi_utils import targets\n"
            "targets.forecast_models(np.arange(2015, 2021), np.arange(6.0) + 1, 2030, '>=', 10.0)\n")
    assert _imported_after(code) == ["scipy", "statsmodels"]


def test_notebook_01_does_not_import_scipy_or_statsmodels(tmp_path):
    """Notebook 01's code cells, executed in order in a fresh interpreter (no kernel), into temporary folders."""
    code = textwrap.dedent(f"""
        import contextlib, io, nbformat
        import matplotlib
        matplotlib.use("Agg")
        namespace = {{"display": lambda *a, **k: None}}
        for cell in nbformat.read({str(ROOT / "notebooks" / "01_clean.ipynb")!r}, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source += ("\\nprocessed_dir = {str(tmp_path / 'processed')!r}"
                           "\\noutput_dir = {str(tmp_path / 'out')!r}\\n")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, "01_clean.ipynb", "exec"), namespace)
        assert (__import__("pathlib").Path({str(tmp_path / 'processed')!r}) / "macro.csv").exists()
    """)
    assert _imported_after(code) == []


if __name__ == "__main__":  # refresh the reference from a run's folders
    if len(sys.argv) != 3:
        sys.exit("usage: python tests/test_outputs_unchanged.py OUTPUT_DIR PROCESSED_DIR")
    header = [line for line in REFERENCE.read_text(encoding="utf-8").splitlines()
              if line.startswith("#") and not line.startswith("# recorded in:")]
    header.append(f"# recorded in: {quarter_of(dt.date.today())}")
    sums = checksums(Path(sys.argv[1]), Path(sys.argv[2]))
    REFERENCE.write_text("\n".join(header + [f"{d}  {n}" for n, d in sums.items()]) + "\n", encoding="utf-8")
    print(f"{len(sums)} checksums written to {REFERENCE}")
