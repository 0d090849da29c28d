"""`make bench`: how long a scheduled run takes, against the floor of importing what it imports.

Measures, on the shipped data, in one invocation:
- the cold run: `bnkpi run --lang all` in a new process into fresh folders (wall seconds, and CPU seconds of the
  whole process tree: runner, workers, kernels);
- the import floor: one new Python process importing the packages the run imports (pandas, matplotlib, seaborn,
  statsmodels, scipy, papermill), wall and CPU seconds — what no rewrite of our code can go below;
- their ratios (wall and CPU);
- growth: the cleaning and target assessment on the shipped targets, actuals and returned workbooks, and on ten
  copies of them (10× rows), CPU seconds and their ratio (≤ 10: cost growing no faster than linearly);
- the sizes of the archive brief and of the e-mail HTML body, and the PII Monte Carlo (10,000 draws, 34 × 52).
Prints a table and appends one row to bench/results.csv with the commit, the machine and its load average.
Budgets (issue 21): run ≤ 12 s wall and ≤ 15 CPU-s on 2 idle cores; growth ≤ 10× for 10× rows. The ratios are
reported without a budget. On a machine shared with other work the wall times are not meaningful: compare the
CPU seconds.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import email
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results.csv"
FLOOR_PACKAGES = ("pandas", "matplotlib.pyplot", "seaborn", "statsmodels.api", "scipy.stats", "papermill")
# No budget on the ratios: each of the five kernels imports the floor's packages itself, so the run is several
# floors by construction; the budgets are the absolute figures of issue 21 (≈ 3× and 4× its measured floor).
BUDGETS = dict(run_s=12.0, run_cpu_s=15.0, growth_ratio=10.0,
               archive_bytes=1_500_000, email_html_bytes=100_000, pii_monte_carlo_s=2.0)
COPIES = 10


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and every descendant it waited for) of one command."""
    env = {**os.environ, "TQDM_DISABLE": "1"}
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def cold_run(base: Path) -> tuple[float, float]:
    return timed([sys.executable, "-m", "bnkpi_utils.cli", "run", "--lang", "all", "--output-dir",
                  str(base / "outputs"), "--processed-dir", str(base / "processed")])


def import_floor() -> tuple[float, float]:
    code = "import matplotlib\nmatplotlib.use('Agg')\n" + "".join(f"import {p}\n" for p in FLOOR_PACKAGES)
    return timed([sys.executable, "-c", code])


def sizes(outputs: Path) -> tuple[int, int]:
    archive = (outputs / "briefs" / "brief_vi.html").stat().st_size
    message = email.message_from_bytes((outputs / "briefs" / "brief_vi.eml").read_bytes(), policy=policy.default)
    body = message.get_payload()[0].get_payload()[1].get_content()
    return archive, len(body.encode("utf-8"))


def _copies(table, columns: tuple[str, ...], copies: int):
    """``copies`` copies of a table, each with its own indicator (and target) names: distinct facts, same shape."""
    import pandas as pd

    frames = []
    for k in range(copies):
        frame = table.copy()
        for column in columns:
            if column in frame.columns:
                frame[column] = frame[column].astype(str) + ("" if k == 0 else f"_x{k}")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def growth() -> tuple[float, float]:
    """CPU seconds of cleaning + assessing the targets on the shipped rows and on 10× rows (in this process)."""
    from bnkpi_utils import clean, targets, tfp
    from bnkpi_utils.validate import validate_raw

    validated = validate_raw(ROOT / "data" / "raw")
    if not validated.ok:
        raise SystemExit("the shipped raw data do not validate: run `bnkpi validate`")

    def cost(copies: int) -> float:
        tables = dict(validated.tables)
        tables["targets"] = _copies(tables["targets"], ("indicator", "target_id"), copies)
        tables["kpi_actuals"] = _copies(tables["kpi_actuals"], ("indicator",), copies)
        if "reports" in tables and len(tables["reports"]):
            tables["reports"] = _copies(tables["reports"], ("indicator", "target_id"), copies)
        start = time.process_time()
        cleaned = clean.clean_all(dataclasses.replace(validated, tables=tables))
        t = cleaned.tables
        yearly = tfp.growth_table(t["macro"], t["macro_harmonised"])
        targets.assess(t["targets"], t["kpi_actuals"], t["macro"], "Bắc Ninh", yearly)
        return time.process_time() - start

    cost(1)  # warm caches and lazy imports
    return cost(1), cost(COPIES)


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    processor = model or platform.processor() or platform.machine()
    return f"{processor}, {os.cpu_count()} cores, Python {platform.python_version()}"


def append(row: dict) -> None:
    """Append ``row``; an older file with other columns is rewritten with the union of the columns."""
    rows, fields = [], list(row)
    if RESULTS.exists():
        with RESULTS.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            fields = list(dict.fromkeys([*(reader.fieldnames or []), *row]))
    with RESULTS.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows([*rows, row])


def main() -> int:
    from pii_monte_carlo import measure as measure_monte_carlo

    load = os.getloadavg()[0]
    floor_s, floor_cpu = import_floor()
    with tempfile.TemporaryDirectory() as run_dir:
        run_s, run_cpu = cold_run(Path(run_dir))
        archive, body = sizes(Path(run_dir) / "outputs")
    one, ten = growth()
    mc_s = measure_monte_carlo()
    row = dict(date=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), commit=commit(),
               machine=machine(), load_1min=round(load, 2),
               run_s=round(run_s, 2), run_cpu_s=round(run_cpu, 2), floor_s=round(floor_s, 2),
               floor_cpu_s=round(floor_cpu, 2), ratio_wall=round(run_s / floor_s, 2),
               ratio_cpu=round(run_cpu / floor_cpu, 2), growth_1x_cpu_s=round(one, 3),
               growth_10x_cpu_s=round(ten, 3), growth_ratio=round(ten / one, 2), archive_bytes=archive,
               email_html_bytes=body, pii_monte_carlo_s=round(mc_s, 3))
    print(f"machine: {row['machine']}; load average before the run {load:.2f}")
    print(f"{'measure':<44}{'value':>12}  budget")
    lines = [("bnkpi run --lang all (cold), wall", run_s, "s", "run_s"),
             ("bnkpi run --lang all (cold), CPU", run_cpu, "CPU-s", "run_cpu_s"),
             ("import floor (one process), wall", floor_s, "s", None),
             ("import floor (one process), CPU", floor_cpu, "CPU-s", None),
             ("run / floor, wall", run_s / floor_s, "×", "ratio_wall"),
             ("run / floor, CPU", run_cpu / floor_cpu, "×", "ratio_cpu"),
             ("clean + assess, shipped rows", one, "CPU-s", None),
             (f"clean + assess, {COPIES}× rows", ten, "CPU-s", None),
             (f"growth {COPIES}× rows / 1×", ten / one, "×", "growth_ratio"),
             ("archive brief_vi.html", archive, "B", "archive_bytes"),
             ("e-mail HTML body", body, "B", "email_html_bytes"),
             ("PII Monte Carlo 10,000 draws", mc_s, "s", "pii_monte_carlo_s")]
    over = []
    for name, value, unit, key in lines:
        budget = BUDGETS.get(key) if key else None
        shown = f"{value:,.0f}" if unit == "B" else f"{value:.2f}"
        print(f"{name:<44}{shown:>10} {unit:<6}" + (f"≤ {budget:,}" if budget is not None else ""))
        if budget is not None and value > budget:
            over.append(name)
    append(row)
    print(f"appended to {RESULTS.relative_to(ROOT)} (commit {row['commit']})")
    print("within budgets" if not over else "OVER BUDGET: " + "; ".join(over))
    return 0 if not over else 1


if __name__ == "__main__":
    sys.exit(main())
