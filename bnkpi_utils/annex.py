"""The analysis annex: each executed notebook exported by nbconvert as a self-contained HTML page without code.

Leaders and colleagues without Jupyter read the full analysis (narrative, tables, charts) from
``OUTPUT/briefs/annex/<notebook stem>.html``; the archive brief links to these relative paths.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter

# nbconvert's "lab" page without the scripts it loads from a CDN (require.js, MathJax, mermaid): the annex has
# no code, no formulas to typeset, and must open offline like the brief.
_OFFLINE = DictLoader({"annex.html.j2": """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""})


def exporter() -> HTMLExporter:
    """HTML without input cells or prompts; images embedded, so one file per notebook works offline."""
    html = HTMLExporter(template_name="lab", extra_loaders=[_OFFLINE], template_file="annex.html.j2")
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
