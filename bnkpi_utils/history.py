"""The run history: the tables of earlier successful runs, kept across the atomic swap of the output folder.

Contract (docs/contracts.md, outputs): ``OUTPUT/history/<run id>/tables/``. Before the notebooks of a run execute, the runner
calls :func:`carry_history` to copy the previous output's history and its tables into the staging folder, so
the brief can say what changed since the previous brief (:func:`changes`) and the history survives the swap.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from .io import read_processed

DEFAULT_KEEP = 20
CHANGE_KINDS = ("status", "new_data", "target_revised", "target_added", "target_removed")


def _run_ids(history_dir: Path) -> list[str]:
    """Run ids oldest first; they start with the UTC time (YYYYMMDDTHHMMSSZ), so names sort by time."""
    if not history_dir.is_dir():
        return []
    return sorted(p.name for p in history_dir.iterdir() if (p / "tables").is_dir())


def carry_history(previous_output: Path, staging_output: Path, keep: int = DEFAULT_KEEP) -> None:
    """Copy ``previous_output/history/*`` and ``previous_output/tables/`` (as ``history/<its run id>/tables/``)
    into ``staging_output/history/``, keeping the newest ``keep`` runs. A missing or unfinished previous output
    (no manifest, or a manifest whose status is not success) adds nothing: there is no earlier brief."""
    previous_output, staging_output = Path(previous_output), Path(staging_output)
    target = staging_output / "history"
    target.mkdir(parents=True, exist_ok=True)
    for run_id in _run_ids(previous_output / "history"):
        shutil.copytree(previous_output / "history" / run_id, target / run_id, dirs_exist_ok=True)
    manifest_path = previous_output / "manifest.json"
    if manifest_path.is_file() and (previous_output / "tables").is_dir():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        run_id = str(manifest.get("run_id") or "")
        if manifest.get("status") == "success" and run_id and "/" not in run_id and not run_id.startswith("."):
            shutil.copytree(previous_output / "tables", target / run_id / "tables", dirs_exist_ok=True)
    for run_id in _run_ids(target)[:-keep] if keep > 0 else _run_ids(target):
        shutil.rmtree(target / run_id)


def previous_run(output_dir: Path) -> tuple[str, Path] | None:
    """The newest entry of ``output_dir/history`` (the previous successful run): (run id, its tables folder)."""
    ids = _run_ids(Path(output_dir) / "history")
    if not ids:
        return None
    return ids[-1], Path(output_dir) / "history" / ids[-1] / "tables"


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    try:
        return abs(float(a) - float(b)) < 1e-9
    except (TypeError, ValueError):
        return str(a) == str(b)


def changes(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """What changed between two ``targets_assessment`` tables, one row per target and kind of change.

    Columns: ``target_id, kind, before, after`` (raw values: a status code, "value (year)" as numbers), in the
    current table's order. ``kind`` is one of CHANGE_KINDS: a status moved; a new data point (latest year,
    latest value or number of points differ); the target itself was revised (operator, value or year, e.g.
    by a newer document); a target appeared or disappeared.
    """
    columns = ["target_id", "kind", "before", "after"]
    prev = previous.set_index("target_id")
    rows = []
    for _, now in current.iterrows():
        tid = now["target_id"]
        if tid not in prev.index:
            rows.append(dict(target_id=tid, kind="target_added", before=None, after=now["status"]))
            continue
        old = prev.loc[tid]
        if any(not _same(old.get(c), now.get(c)) for c in ("operator", "target_value", "value_high", "target_year")
               if c in current.columns and c in previous.columns):
            rows.append(dict(target_id=tid, kind="target_revised",
                             before=(old.get("operator"), old.get("target_value"), old.get("target_year")),
                             after=(now.get("operator"), now.get("target_value"), now.get("target_year"))))
        if any(not _same(old.get(c), now.get(c)) for c in ("latest_year", "latest_value", "n_points")):
            rows.append(dict(target_id=tid, kind="new_data", before=(old.get("latest_value"), old.get("latest_year")),
                             after=(now.get("latest_value"), now.get("latest_year"))))
        if old["status"] != now["status"]:
            rows.append(dict(target_id=tid, kind="status", before=old["status"], after=now["status"]))
    for tid in prev.index.difference(current["target_id"]):
        rows.append(dict(target_id=tid, kind="target_removed", before=prev.loc[tid, "status"], after=None))
    return pd.DataFrame(rows, columns=columns)


def changes_since_previous(output_dir: Path) -> tuple[str, pd.DataFrame] | None:
    """(previous run id, :func:`changes`) against the previous run's assessment, or None on a first run."""
    found = previous_run(output_dir)
    if found is None or not (found[1] / "targets_assessment.csv").is_file():
        return None
    run_id, tables = found
    return run_id, changes(read_processed(tables / "targets_assessment.csv"),
                           read_processed(Path(output_dir) / "tables" / "targets_assessment.csv"))


# The order in which the brief lists changes: what a leader must act on first.
CONSEQUENCES = ("newly_lagging", "newly_good", "status", "target_added", "revised_value", "target_revised",
                "new_value", "target_removed")
_LAGGING_ORDER = {"not_achieved": 0, "off_track": 1, "at_risk": 2}


def ranked_changes(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """The real changes between two assessments, one row per target, ranked by consequence.

    Columns ``target_id, consequence, order, status_before, status_after, value_before, year_before, value_after,
    year_after, target_before``. ``consequence`` is one of CONSEQUENCES, in that order: a status newly lagging
    (not achieved, then off track, then at risk), newly achieved or on track, another status move (a first or lost
    verdict), a new target, a value revised for the same year, a target revised, a newer value with no status
    change, a target no longer current. A new count of points with the same latest value and year is no change.
    """
    columns = ["target_id", "consequence", "order", "status_before", "status_after", "value_before", "year_before",
               "value_after", "year_after", "target_before"]
    diff = changes(previous, current)
    prev = previous.set_index("target_id")
    now = current.set_index("target_id")
    rows = []
    for tid, part in diff.groupby("target_id", sort=False):
        kinds = set(part["kind"])
        old = prev.loc[tid] if tid in prev.index else None
        new = now.loc[tid] if tid in now.index else None
        row = dict(target_id=tid, status_before=None if old is None else old["status"],
                   status_after=None if new is None else new["status"],
                   value_before=None if old is None else old.get("latest_value"),
                   year_before=None if old is None else old.get("latest_year"),
                   value_after=None if new is None else new.get("latest_value"),
                   year_after=None if new is None else new.get("latest_year"),
                   target_before=None)
        same_year = old is not None and new is not None and _same(old.get("latest_year"), new.get("latest_year"))
        value_moved = old is not None and new is not None and not _same(old.get("latest_value"), new.get("latest_value"))
        if "target_removed" in kinds:
            consequence, sub = "target_removed", 0
        elif "target_added" in kinds:
            consequence, sub = "target_added", 0
        elif "status" in kinds and new["status"] in _LAGGING_ORDER:
            consequence, sub = "newly_lagging", _LAGGING_ORDER[new["status"]]
        elif "status" in kinds and new["status"] in ("achieved", "on_track"):
            consequence, sub = "newly_good", 0
        elif "status" in kinds:
            consequence, sub = "status", 0
        elif "target_revised" in kinds:
            consequence, sub = "target_revised", 0
            row["target_before"] = part[part["kind"] == "target_revised"].iloc[0]["before"]
        elif "new_data" in kinds and value_moved and same_year:
            consequence, sub = "revised_value", 0
        elif "new_data" in kinds and not same_year:
            consequence, sub = "new_value", 0
        else:  # only the number of points moved: the same latest value, nothing a reader would see
            continue
        row.update(consequence=consequence, order=CONSEQUENCES.index(consequence) * 10 + sub)
        rows.append(row)
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("order", kind="stable").reset_index(drop=True)


def previous_assessment(output_dir: Path) -> tuple[str, pd.DataFrame, Path] | None:
    """(run id, assessment, tables folder) of the previous successful run, or None on a first run."""
    found = previous_run(output_dir)
    if found is None or not (found[1] / "targets_assessment.csv").is_file():
        return None
    return found[0], read_processed(found[1] / "targets_assessment.csv"), found[1]


def status_history(output_dir: Path) -> pd.DataFrame:
    """Every target's status in each earlier run kept in ``history/``: ``run_id, period, target_id, status,
    latest_value, latest_year`` (``period`` from the run's brief_period.csv when it wrote one)."""
    frames = []
    history_dir = Path(output_dir) / "history"
    for run_id in _run_ids(history_dir):
        tables = history_dir / run_id / "tables"
        path = tables / "targets_assessment.csv"
        if not path.is_file():
            continue
        part = read_processed(path)
        keep = [c for c in ("target_id", "status", "latest_value", "latest_year") if c in part.columns]
        part = part[keep].copy()
        period = ""
        if (tables / "brief_period.csv").is_file():
            meta = read_processed(tables / "brief_period.csv")
            period = str(meta["period"].iloc[0]) if len(meta) and "period" in meta else ""
        part.insert(0, "period", period)
        part.insert(0, "run_id", run_id)
        frames.append(part)
    columns = ["run_id", "period", "target_id", "status", "latest_value", "latest_year"]
    return pd.concat(frames, ignore_index=True).reindex(columns=columns) if frames else pd.DataFrame(columns=columns)
