"""Paths and names defined once for the whole suite, and the set-up every notebook runs first."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd

PROJ_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = PROJ_ROOT / "data" / "raw"
PROCESSED_DIR = PROJ_ROOT / "data" / "processed"
OUTPUT_DIR = PROJ_ROOT / "outputs"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
# Interactive runs (JupyterLab, papermill without folders) write here, never to the published folders above.
SCRATCH_DIR = Path(os.environ.get("BNKPI_SCRATCH_DIR") or PROJ_ROOT / "outputs_scratch")

# papermill is always called with this kernel; `make` registers it inside the virtualenv.
KERNEL_NAME = "bnkpi"
KERNEL_DISPLAY_NAME = "Python (bnkpi)"

# Notebooks that only read data/processed and write their own tables (docs/contracts.md: 02–04 are independent
# of each other): `bnkpi run` executes them concurrently.
INDEPENDENT_PREFIXES = ("02_", "03_", "04_")

# Per-cell timeout for scheduled runs: a hung cell must not block cron forever.
CELL_TIMEOUT_SECONDS = 600

# What each notebook leaves behind for the later ones: (folder, files it always writes); {lang} is each language
# of the run, so a brief asked in English finds English charts (or says which notebook to rerun).
PRODUCES = {
    "01_clean": ("processed", ("targets.csv",)),
    "02_pii": ("tables", ("pii_trajectory.csv", "../figures/pii_rank_history_{lang}.png")),
    "03_tfp": ("tables", ("tfp_periods.csv", "../figures/tfp_shares_{lang}.png")),
    "04_targets": ("tables", ("targets_assessment.csv", "../figures/targets_key_{lang}.png")),
}


def _resolve(folder: str, default: Path) -> Path:
    if not folder:
        return default
    path = Path(folder).expanduser()
    return (path if path.is_absolute() else PROJ_ROOT / path).resolve()  # relative: from the repository root


def resolve_dirs(raw_dir: str = "", processed_dir: str = "", output_dir: str = "") -> tuple[Path, Path, Path]:
    """Notebook parameters → absolute folders.

    Empty raw_dir: data/raw. Empty processed_dir / output_dir: the scratch folder (``outputs_scratch/processed``,
    ``outputs_scratch/outputs``), so a notebook run by hand never changes what `bnkpi run` published; `bnkpi run`
    always passes its own folders. Relative paths are taken from the repository root, as the CLI does.
    """
    return (
        _resolve(raw_dir, RAW_DIR),
        _resolve(processed_dir, SCRATCH_DIR / "processed"),
        _resolve(output_dir, SCRATCH_DIR / "outputs"),
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


class NotebookInputMissing(RuntimeError):
    """A notebook opened before the one that writes its inputs; shown in Jupyter as one line, no traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of a traceback
        return [f"Thiếu dữ liệu đầu vào: {self}"]


def require(dirs: NotebookDirs, after: tuple[str, ...]) -> None:
    """Stop with the name of the notebook to run first when an input written by ``after`` is missing."""
    for notebook in after:
        folder, names = PRODUCES[notebook]
        for name in names:
            for lang in dirs.langs if "{lang}" in name else [None]:
                path = ((dirs.processed if folder == "processed" else dirs.tables) / name.format(lang=lang)).resolve()
                if not path.exists():
                    with_lang = f" và lang = \"{lang}\" (hoặc \"all\")" if lang else ""
                    raise NotebookInputMissing(
                        f"chưa có {path}: hãy chạy notebooks/{notebook}.ipynb trước, với cùng các thư mục"
                        f"{with_lang} (hoặc `bnkpi run`, lệnh chạy mọi sổ tay theo thứ tự).")


YEAR_COLUMN = re.compile(r"(^|_)(year|edition|period_start|period_end)(_|$)")


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a researcher reads it: year-like float columns (NaN made them float) shown as integers."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if (isinstance(column, str) and YEAR_COLUMN.search(column) and pd.api.types.is_float_dtype(series)
                and series.dropna().mod(1).eq(0).all()):
            out[column] = series.astype("Int64")
    return out


def _display_settings() -> None:
    """Once per kernel: whole text columns, three decimals at most, integer years."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", 40)
    pd.set_option("display.precision", 3)  # 3: a reconciling α of 0.428 must not read as 0.43
    try:
        ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - defined only inside IPython
    except NameError:
        return
    html = ip.display_formatter.formatters["text/html"]
    html.for_type(pd.DataFrame, lambda frame: readable(frame)._repr_html_())
    plain = ip.display_formatter.formatters["text/plain"]
    plain.for_type(pd.DataFrame, lambda frame, printer, cycle: printer.text(repr(readable(frame))))


def notebook_setup(raw_dir: str = "", processed_dir: str = "", output_dir: str = "", lang: str = "vi",
                   after: tuple[str, ...] = ()) -> NotebookDirs:
    """Everything a notebook needs from its parameters cell: folders, languages and display settings.

    ``after`` names the notebooks whose outputs this one reads; a missing input stops the notebook with the
    name of the notebook to run first. Prints where the run reads and writes.
    """
    raw, processed, output = resolve_dirs(raw_dir, processed_dir, output_dir)
    dirs = NotebookDirs(raw, processed, output, output / "tables", output / "figures", language_list(lang))
    _display_settings()
    require(dirs, after)
    if not output_dir:
        print(f"Chạy tương tác: kết quả ghi vào {output} (thư mục nháp); chỉ `bnkpi run` mới công bố vào outputs/.")
    return dirs
