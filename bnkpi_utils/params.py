"""The analysis parameters a researcher may change, with their defaults taken from the method modules.

One source: each default is the constant (or keyword default) of the function that uses it, so a notebook's
parameters cell, `bnkpi run --param key=value` and the methods cannot disagree. A notebook declares in its
``parameters`` cell only the keys it uses; `bnkpi run` passes each notebook the keys it declares and records
the full set in the manifest.
"""

from __future__ import annotations

import inspect
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

from . import pii, targets, tfp


def _default_of(function: Callable, name: str):
    """The keyword default of ``function``: for values the method modules keep only there (draws, seed)."""
    return inspect.signature(function).parameters[name].default


DEFAULTS: dict[str, object] = {
    "region": _default_of(targets.assess, "region"),
    "alpha": tfp.DEFAULT_ALPHA,
    "delta": tfp.DEFAULT_DELTA,
    "growth_guard": tfp.GROWTH_GUARD_PCT,
    "mc_draws": _default_of(pii.monte_carlo_ranks, "n_draws"),
    "mc_seed": _default_of(pii.monte_carlo_ranks, "seed"),
    # the brief (notebook 05): "" = the last complete quarter before the run; "" = no published archive
    "period": "",
    "archive_url": "",
}

DESCRIPTIONS = {
    "region": "province analysed: only Bắc Ninh has targets and PII pillar data (\"Bac Ninh\" is accepted)",
    "alpha": "capital share α of the growth accounting (0 < α < 1)",
    "delta": "depreciation rate δ of the perpetual inventory (0 < δ < 1)",
    "growth_guard": "GDP growth guard in log points: no TFP share at or below it (contractions included)",
    "mc_draws": "Monte Carlo draws for the PII rank uncertainty",
    "mc_seed": "random seed of the Monte Carlo draws",
    "period": "quarter the brief reports on, YYYY-QN (empty: the last complete quarter)",
    "archive_url": "http(s) address where the briefs folder is published (the e-mail links to it)",
}

_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "region": (lambda v: bool(str(v).strip()), "must not be empty"),
    "alpha": (lambda v: 0 < v < 1, "must be between 0 and 1"),
    "delta": (lambda v: 0 < v < 1, "must be between 0 and 1"),
    "growth_guard": (lambda v: v >= 0, "must be 0 or more"),
    "mc_draws": (lambda v: 1 <= v <= 1_000_000, "must be between 1 and 1 000 000"),
    "mc_seed": (lambda v: v >= 0, "must be 0 or more"),
    "period": (lambda v: v == "" or bool(re.fullmatch(r"20\d\d-Q[1-4]", v)), "must look like 2026-Q4"),
    "archive_url": (lambda v: v == "" or bool(re.fullmatch(r"https?://[^\s\"'<>]+", v)),
                    "must be an http:// or https:// address"),
}


class ParameterError(ValueError):
    """An unknown key or a value of the wrong type or range (a usage error: exit 64)."""

    def _render_traceback_(self) -> list[str]:  # in a notebook, IPython shows this line instead of a traceback
        return [f"Tham số không hợp lệ — {self}"]


# The provinces a run can analyse: the four source documents set Bắc Ninh's targets, and the PII pillar data cover
# Bắc Ninh only, so another province would fail in notebook 02 (no pillars) and leave every target without data in 04.
ANALYSED_REGIONS: tuple[str, ...] = ("Bắc Ninh",)


def check_region(value: object) -> str:
    """The official name of an analysed province (diacritics, case and the "tỉnh" prefix matched as the provinces
    module does), or a ParameterError listing the allowed names — before any notebook runs."""
    from . import provinces  # local: the module imports stay as the parameters' owner left them

    allowed = ", ".join(ANALYSED_REGIONS)
    try:
        official = provinces.normalise_region(str(value))
    except provinces.UnknownProvince:
        raise ParameterError(f"parameter region: {value!r} is not a province name; allowed: {allowed}") from None
    if official not in ANALYSED_REGIONS:
        raise ParameterError(f"parameter region: {official} has no targets or PII pillar data in this suite; "
                             f"allowed: {allowed}")
    return official


def convert(key: str, value: object) -> object:
    """``value`` (text from the command line, or a TOML value) as the type of the default, range-checked."""
    if key not in DEFAULTS:
        raise ParameterError(f"unknown parameter {key!r}; known: {', '.join(DEFAULTS)}")
    kind = type(DEFAULTS[key])
    try:
        if kind is int and (isinstance(value, float) or isinstance(value, bool)):
            raise ValueError
        converted = kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        if kind is float and isinstance(value, str) and "," in value and "." not in value:
            raise ParameterError(f"parameter {key}: {value!r} is not a float: write the decimal with a point, "
                                 f"{key}={value.strip().replace(',', '.')}") from None
        raise ParameterError(f"parameter {key}: {value!r} is not a {kind.__name__}") from None
    if key == "region":
        converted = check_region(converted)
    ok, requirement = _CHECKS[key]
    if not ok(converted):
        raise ParameterError(f"parameter {key}: {converted!r} {requirement}")
    return converted


def parse_assignments(assignments: Iterable[str]) -> dict[str, object]:
    """``["alpha=0.35", "region=Bắc Ninh"]`` → converted values."""
    values = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {item!r}: expected key=value")
        values[key.strip()] = convert(key.strip(), value)
    return values


def read_toml(path: Path) -> dict[str, object]:
    """A parameters file: ``key = value`` lines at the top level (or under ``[parameters]``)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError(f"cannot read the parameters file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: not valid TOML: {exc}") from None
    data = data.get("parameters", data)
    return {key: convert(key, value) for key, value in data.items()}


def resolve(overrides: dict[str, object] | None = None) -> dict[str, object]:
    """The full set of values a run uses: the defaults with the given (already converted) overrides."""
    return {**DEFAULTS, **(overrides or {})}


def declared(notebook: Path) -> list[str]:
    """The analysis parameters a notebook's ``parameters`` cell declares (read by papermill, no kernel)."""
    import papermill as pm

    return [name for name in pm.inspect_notebook(str(notebook)) if name in DEFAULTS]


def for_notebook(notebook: Path, values: dict[str, object]) -> dict[str, object]:
    """The values a run passes to one notebook: only the keys it declares (papermill warns about the others)."""
    return {name: values[name] for name in declared(notebook)}


# ------------------------------------------------------------------------------------------ parameters beside tables
# Interactive runs share one scratch folder: each notebook records the analysis parameters it used in
# OUTPUT/parameters/<notebook>.json, and the brief refuses tables made with different values.
PARAMETERS_FOLDER = "parameters"


class ParameterMismatch(RuntimeError):
    """Tables in one output folder made with different analysis parameters (shown in Jupyter as one line)."""

    def _render_traceback_(self) -> list[str]:
        return [f"Tham số không khớp — {self}"]


def record(output: Path, notebook: str, values: dict[str, object]) -> Path:
    """Write the analysis parameters ``notebook`` used beside its tables: OUTPUT/parameters/<notebook>.json."""
    import json

    folder = Path(output) / PARAMETERS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.json"
    path.write_text(json.dumps(dict(notebook=notebook, parameters=values), ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    return path


def shown(value: object) -> str:
    from .numbers import format_vi

    return format_vi(value, 2) if isinstance(value, float) else str(value)


def check_same(output: Path) -> dict[str, object]:
    """The analysis parameters the notebooks recorded in ``output``, or ParameterMismatch naming each value and the
    notebook that used it when two notebooks used different values of one parameter."""
    import json

    used: dict[str, dict[str, object]] = {}
    for path in sorted((Path(output) / PARAMETERS_FOLDER).glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        for key, value in content["parameters"].items():
            used.setdefault(key, {})[content["notebook"]] = value
    differing = []
    for key, by_notebook in used.items():
        distinct = {round(v, 10) if isinstance(v, float) else v for v in by_notebook.values()}
        if len(distinct) > 1:
            differing.append(f"{key} = " + ", ".join(f"{shown(v)} ({n})" for n, v in sorted(by_notebook.items())))
    if differing:
        raise ParameterMismatch(
            f"các bảng trong {output} được tạo với tham số khác nhau: {'; '.join(differing)}. Chạy lại các sổ tay "
            "02–04 với cùng tham số (hoặc `bnkpi run --param ...`) rồi mới chạy sổ tay này.")
    return {key: next(iter(by_notebook.values())) for key, by_notebook in used.items()}
