"""`make bench`: how long a scheduled run takes, against the floor of the same computations in one process.

Measures, on the shipped data:
- the cold wall time of `bnkpi run --lang all` (a new process, new kernels, fresh output folders);
- the floor: every code cell of the same notebooks executed in order in this one Python process (no kernels,
  no papermill), with the same parameters;
- the sizes of the archive brief and of the e-mail HTML body;
- the PII Monte Carlo (10,000 draws, 34 units × 52 indicators).
Prints a table and appends it to bench/results.csv with the commit. Budgets: run ≤ 60 s and ≤ 3 × floor.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import email
import io
import os
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from pii_monte_carlo import measure as measure_monte_carlo  # noqa: E402

RESULTS = ROOT / "bench" / "results.csv"
RUN_BUDGET_S, RATIO_BUDGET = 60.0, 3.0


def cold_run(base: Path) -> float:
    env = {**os.environ, "TQDM_DISABLE": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bnkpi_utils.cli", "run", "--lang", "all", "--output-dir",
                    str(base / "outputs"), "--processed-dir", str(base / "processed")], check=True, cwd=ROOT, env=env)
    return time.perf_counter() - start


def floor(base: Path) -> float:
    """The notebooks' code, cell by cell, in this process: the computations without the notebook machinery."""
    start = time.perf_counter()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        namespace = {"display": lambda *a, **k: None, "__name__": "__bench__"}
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source += (f"\nraw_dir = {str(ROOT / 'data' / 'raw')!r}\nprocessed_dir = {str(base / 'processed')!r}"
                           f"\noutput_dir = {str(base / 'outputs')!r}\nlang = 'all'\n")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, f"{path.name}", "exec"), namespace)  # noqa: S102 - our own notebooks
    return time.perf_counter() - start


def sizes(outputs: Path) -> tuple[int, int]:
    archive = (outputs / "briefs" / "brief_vi.html").stat().st_size
    message = email.message_from_bytes((outputs / "briefs" / "brief_vi.eml").read_bytes(), policy=policy.default)
    body = message.get_payload()[0].get_payload()[1].get_content()
    return archive, len(body.encode("utf-8"))


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    with tempfile.TemporaryDirectory() as run_dir, tempfile.TemporaryDirectory() as floor_dir:
        run_s = cold_run(Path(run_dir))
        archive, body = sizes(Path(run_dir) / "outputs")
        (Path(floor_dir) / "outputs" / "tables").mkdir(parents=True)
        (Path(floor_dir) / "outputs" / "figures").mkdir(parents=True)
        floor_s = floor(Path(floor_dir))
    mc_s = measure_monte_carlo()
    ratio = run_s / floor_s
    row = dict(date=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), commit=commit(),
               run_s=round(run_s, 2), floor_s=round(floor_s, 2), ratio=round(ratio, 2), archive_bytes=archive,
               email_html_bytes=body, pii_monte_carlo_s=round(mc_s, 3))
    print(f"{'measure':<34}{'value':>12}  budget")
    print(f"{'bnkpi run --lang all (cold)':<34}{run_s:>10.2f} s  ≤ {RUN_BUDGET_S:.0f} s")
    print(f"{'same computations, one process':<34}{floor_s:>10.2f} s")
    print(f"{'run / floor':<34}{ratio:>11.2f}×  ≤ {RATIO_BUDGET:.0f}×")
    print(f"{'archive brief_vi.html':<34}{archive:>10,} B  ≤ 1,500,000 B")
    print(f"{'e-mail HTML body':<34}{body:>10,} B  ≤ 100,000 B")
    print(f"{'PII Monte Carlo 10,000 draws':<34}{mc_s:>10.3f} s  ≤ 2 s")
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)
    within = run_s <= RUN_BUDGET_S and ratio <= RATIO_BUDGET and archive <= 1_500_000 and body <= 100_000 and mc_s <= 2
    print("within budgets" if within else "OVER BUDGET")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
