"""Paths and names defined once for the whole suite."""

from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = PROJ_ROOT / "data" / "raw"
PROCESSED_DIR = PROJ_ROOT / "data" / "processed"
OUTPUT_DIR = PROJ_ROOT / "outputs"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"

# papermill is always called with this kernel; `make` registers it inside the virtualenv.
KERNEL_NAME = "bnkpi"
KERNEL_DISPLAY_NAME = "Python (bnkpi)"

# Notebooks that only read data/processed and write their own tables (DESIGN.md: 02–04 are independent of
# each other): `bnkpi run` executes them concurrently.
INDEPENDENT_PREFIXES = ("02_", "03_", "04_")

# Per-cell timeout for scheduled runs: a hung cell must not block cron forever.
CELL_TIMEOUT_SECONDS = 600


def resolve_dirs(raw_dir: str = "", processed_dir: str = "", output_dir: str = "") -> tuple[Path, Path, Path]:
    """Notebook parameters → absolute folders; an empty parameter means the repository default."""
    return (
        Path(raw_dir).resolve() if raw_dir else RAW_DIR,
        Path(processed_dir).resolve() if processed_dir else PROCESSED_DIR,
        Path(output_dir).resolve() if output_dir else OUTPUT_DIR,
    )
