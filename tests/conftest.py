from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
BNKPI = [sys.executable, "-m", "bnkpi_utils.cli"]


def run_bnkpi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(BNKPI + list(args), capture_output=True, text=True, cwd=cwd or ROOT, env=env,
                          timeout=900)


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def sheet_row(index: int) -> int:
    """Spreadsheet row of the index-th data record (header = row 1)."""
    return index + 2


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target


@pytest.fixture(scope="session")
def good_run(tmp_path_factory) -> dict[str, Path]:
    """One successful `bnkpi run` on the shipped data into a temporary folder (shared by the tests)."""
    base = tmp_path_factory.mktemp("run")
    output, processed = base / "outputs", base / "processed"
    result = run_bnkpi("run", "--output-dir", str(output), "--processed-dir", str(processed), "--lang", "all")
    assert result.returncode == 0, result.stderr
    return {"output": output, "processed": processed, "stdout": result.stdout, "stderr": result.stderr}
