"""The analysis annex: each executed notebook exported by nbconvert as a self-contained HTML page without code.

Leaders and colleagues without Jupyter read the full analysis (narrative, tables, charts) from
``OUTPUT/briefs/annex/<notebook stem>.html``; the archive brief links to these relative paths.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter


def exporter() -> HTMLExporter:
    """HTML without input cells or prompts; images embedded, so one file per notebook works offline."""
    html = HTMLExporter(template_name="lab")
    html.exclude_input = True
    html.exclude_input_prompt = True
    html.exclude_output_prompt = True
    html.embed_images = True
    return html


def export_annex(executed_dir: Path, dest_dir: Path) -> list[Path]:
    """Export every executed ``NN_name.ipynb`` in ``executed_dir`` to ``dest_dir/NN_name.html``."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    html = exporter()
    written = []
    for notebook in sorted(Path(executed_dir).glob("[0-9][0-9]_*.ipynb")):
        body, _ = html.from_notebook_node(nbformat.read(notebook, as_version=4))
        target = dest_dir / f"{notebook.stem}.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written
