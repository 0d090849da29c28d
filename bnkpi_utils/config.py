"""Paths and names defined once for the whole suite."""

from pathlib import Path
from typing import NamedTuple

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


def language_list(lang: str) -> list[str]:
    """The brief languages a run produces: ``all`` → vi and en."""
    return ["vi", "en"] if lang == "all" else [lang]


class NotebookDirs(NamedTuple):
    raw: Path
    processed: Path
    output: Path
    tables: Path
    figures: Path
    langs: list[str]


def notebook_setup(raw_dir: str = "", processed_dir: str = "", output_dir: str = "", lang: str = "vi") -> NotebookDirs:
    """Everything a notebook needs from its parameters cell: folders (defaults of the repository) and languages."""
    raw, processed, output = resolve_dirs(raw_dir, processed_dir, output_dir)
    return NotebookDirs(raw, processed, output, output / "tables", output / "figures", language_list(lang))
