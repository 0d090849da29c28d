"""`bnkpi run`: execute the numbered notebooks with papermill, atomically.

A run validates the raw data, executes every notebook into a staging folder beside the real ones, and only
when all notebooks succeeded swaps the staging folders into place (data/processed and the output folder).
A failed run leaves the previous outputs untouched and keeps the failed executed notebook, its log and its
manifest in ``<output>_failed/<run id>/`` for diagnosis. A lock stops two runs from overlapping.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import fcntl
import json
import multiprocessing
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import config, history
from .io import sha256_of
from .validate import Problem, validate_raw

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID_DATA = 2
EXIT_LOCKED = 3
EXIT_USAGE = 64

REPORTED_PACKAGES = ("bnkpi", "pandas", "numpy", "papermill", "nbclient", "nbformat", "ipykernel", "openpyxl",
                     "matplotlib", "statsmodels", "jinja2", "css-inline")


class RunError(Exception):
    """A run that stopped; ``exit_code`` says why, ``reason`` is the one-paragraph explanation."""

    def __init__(self, exit_code: int, reason: str, problems: list[Problem] | None = None):
        super().__init__(reason)
        self.exit_code = exit_code
        self.reason = reason
        self.problems = problems or []


@dataclass
class RunResult:
    run_id: str
    status: str
    output_dir: Path
    processed_dir: Path
    manifest: dict = field(default_factory=dict)
    failed_dir: Path | None = None


def discover_notebooks(notebook_dir: Path) -> list[Path]:
    """The pipeline's notebooks in run order: ``NN_name.ipynb``."""
    return sorted(p for p in Path(notebook_dir).glob("[0-9][0-9]_*.ipynb") if p.is_file())


def ensure_kernel(kernel_name: str = config.KERNEL_NAME) -> None:
    """Register the suite's kernel in this environment when it is missing (``make`` normally does it)."""
    from jupyter_client.kernelspec import KernelSpecManager

    if kernel_name in KernelSpecManager().find_kernel_specs():
        return
    from ipykernel.kernelspec import install

    install(kernel_name=kernel_name, display_name=config.KERNEL_DISPLAY_NAME, prefix=sys.prefix)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


class Lock:
    """An exclusive, non-blocking lock on a file beside the output folder (released when the process ends)."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def __enter__(self) -> Lock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.path.open("a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise RunError(EXIT_LOCKED, f"Another bnkpi run is in progress ({holder}; lock {self.path}). "
                                        "This run did nothing; try again when it has finished.") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()} since {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}")
        self.handle.flush()
        return self

    def __exit__(self, *exc) -> None:
        if self.handle:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()


def _swap_into_place(staged: Path, target: Path, run_id: str) -> None:
    """Replace ``target`` by ``staged`` with two renames; the old folder is removed only afterwards."""
    backup = target.with_name(f".{target.name}.previous-{run_id}")
    if target.exists():
        target.rename(backup)
    try:
        staged.rename(target)
    except OSError:
        if backup.exists():
            backup.rename(target)
        raise
    if backup.exists():
        shutil.rmtree(backup, ignore_errors=True)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def run_pipeline(
    raw_dir: Path = config.RAW_DIR,
    processed_dir: Path = config.PROCESSED_DIR,
    output_dir: Path = config.OUTPUT_DIR,
    lang: str = "vi",
    notebook_dir: Path = config.NOTEBOOKS_DIR,
    progress: Callable[[str], None] = lambda message: None,
) -> RunResult:
    """Run every notebook; raises RunError (with its exit code) when the run cannot complete."""
    raw_dir, processed_dir, output_dir = Path(raw_dir).resolve(), Path(processed_dir).resolve(), Path(output_dir).resolve()
    run_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    started = _now()
    log_lines: list[str] = []

    def say(message: str, log_only: bool = False) -> None:
        log_lines.append(f"{_now()} {message}")
        if not log_only:
            progress(message)

    lock_path = output_dir.parent / f".{output_dir.name}.lock"
    with Lock(lock_path):
        say(f"run {run_id}: validating {raw_dir}")
        validated = validate_raw(raw_dir)
        if not validated.ok:
            raise RunError(
                EXIT_INVALID_DATA,
                f"The raw data in {raw_dir} have {len(validated.problems)} problem(s), listed below as "
                "file:row:column: message. Nothing was run and the previous outputs are unchanged; "
                "correct the files (or run `bnkpi validate`) and start again.",
                validated.problems,
            )
        notebooks = discover_notebooks(notebook_dir)
        if not notebooks:
            raise RunError(EXIT_FAILED, f"No notebooks (NN_name.ipynb) were found in {notebook_dir}.")
        ensure_kernel()
        parameters = dict(raw_dir=str(raw_dir), processed_dir="", output_dir="", lang=lang)
        stage_out = output_dir.parent / f".{output_dir.name}.staging-{run_id}"
        stage_processed = processed_dir.parent / f".{processed_dir.name}.staging-{run_id}"
        for folder in ("tables", "figures", "briefs", "notebooks"):
            (stage_out / folder).mkdir(parents=True, exist_ok=True)
        stage_processed.mkdir(parents=True, exist_ok=True)
        history.carry_history(output_dir, stage_out)  # the brief's "changes since the last brief" reads it
        parameters.update(processed_dir=str(stage_processed), output_dir=str(stage_out))
        manifest = {
            "run_id": run_id,
            "started": started,
            "finished": None,
            "status": "running",
            "package_versions": package_versions(),
            "raw_inputs": {str(p.relative_to(raw_dir)): sha256_of(p) for p in sorted(validated.files)},
            "parameters": {**parameters, "processed_dir": str(processed_dir), "output_dir": str(output_dir),
                           "kernel_name": config.KERNEL_NAME, "notebook_dir": str(Path(notebook_dir).resolve())},
            "notebooks": [],
        }
        for note in validated.notes:
            say(note)
        stages = plan_stages(notebooks)
        done = 0
        try:
            for stage in stages:
                label = " + ".join(nb.name for nb in stage)
                say(f"[{done + 1}/{len(notebooks)}] {label}" + (" (concurrently)" if len(stage) > 1 else ""))
                results = _execute_stage(stage, stage_out / "notebooks", parameters)
                failure = None
                for notebook, result in zip(stage, results):
                    for line in result["stderr"]:  # kernel warnings: in run.log, not on the terminal
                        say(f"    {notebook.name} stderr: {line}", log_only=True)
                    if result["error"]:
                        failure = failure or (notebook, result)
                        continue
                    manifest["notebooks"].append({"notebook": notebook.name, "seconds": result["seconds"],
                                                  "status": "ok"})
                    say(f"    {notebook.name} done in {result['seconds']} s")
                if failure:
                    raise _NotebookFailed(*failure)
                done += len(stage)
        except Exception as exc:  # a notebook error, a dead kernel, a full disk
            failed_dir = output_dir.parent / f"{output_dir.name}_failed" / run_id
            failed_dir.mkdir(parents=True, exist_ok=True)
            failed_name = exc.notebook.name if isinstance(exc, _NotebookFailed) else "(runner)"
            for executed in (stage_out / "notebooks").glob("*.ipynb"):
                shutil.copy2(executed, failed_dir / executed.name)
            where = exc.describe() if isinstance(exc, _NotebookFailed) else _describe_failure(exc)
            reason = (f"Notebook {failed_name} failed{where}. The previous outputs in {output_dir} and "
                      f"{processed_dir} are unchanged. The executed notebook (with the error) is kept in "
                      f"{failed_dir / failed_name} for diagnosis.")
            say(f"FAILED: {reason}")
            manifest.update(status="failed", finished=_now(), error=reason)
            manifest["notebooks"].append({"notebook": failed_name, "status": "failed"})
            (failed_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
            (failed_dir / "run.log").write_text("\n".join(log_lines) + "\n", "utf-8")
            shutil.rmtree(stage_out, ignore_errors=True)
            shutil.rmtree(stage_processed, ignore_errors=True)
            raise RunError(EXIT_FAILED, reason) from exc
        manifest.update(status="success", finished=_now())
        manifest["outputs"] = {str(p.relative_to(stage_out)): sha256_of(p)
                               for p in sorted(stage_out.rglob("*")) if p.is_file()}
        say(f"run {run_id} succeeded; outputs in {output_dir}")
        (stage_out / "run.log").write_text("\n".join(log_lines) + "\n", "utf-8")
        (stage_out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
        _swap_into_place(stage_processed, processed_dir, run_id)
        _swap_into_place(stage_out, output_dir, run_id)
    return RunResult(run_id=run_id, status="success", output_dir=output_dir, processed_dir=processed_dir,
                     manifest=manifest)


def plan_stages(notebooks: list[Path]) -> list[list[Path]]:
    """Run order: one notebook per stage, except consecutive independent notebooks (02–04), run together."""
    stages: list[list[Path]] = []
    for notebook in notebooks:
        independent = notebook.name.startswith(config.INDEPENDENT_PREFIXES)
        if independent and stages and stages[-1][0].name.startswith(config.INDEPENDENT_PREFIXES):
            stages[-1].append(notebook)
        else:
            stages.append([notebook])
    return stages


class _NotebookFailed(Exception):
    def __init__(self, notebook: Path, result: dict):
        super().__init__(result["error"])
        self.notebook, self.result = notebook, result

    def describe(self) -> str:
        r = self.result
        if r.get("ename"):
            first = (r.get("evalue") or "").strip().splitlines()
            text = f"{r['ename']}: {first[0] if first else ''}"
            return f" in cell {r['exec_count']}: {text}" if r.get("exec_count") else f": {text}"
        return f": {r['error']}"


def _execute_one(notebook: Path, output: Path, parameters: dict) -> dict:
    """Execute one notebook (in a worker process); returns timing, captured stderr and any error as plain data."""
    import papermill as pm

    lines: list[str] = []
    start = time.perf_counter()
    result = {"error": None, "stderr": lines}
    try:
        with _captured_stderr(lines.append):
            pm.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name=config.KERNEL_NAME,
                cwd=str(config.PROJ_ROOT), progress_bar=False, log_output=False,
                execution_timeout=config.CELL_TIMEOUT_SECONDS,
            )
    except Exception as exc:  # noqa: BLE001 - reported to the parent as data
        result.update(error=f"{type(exc).__name__}: {exc}", ename=getattr(exc, "ename", None),
                      evalue=str(getattr(exc, "evalue", "")), exec_count=getattr(exc, "exec_count", None))
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def _execute_stage(stage: list[Path], folder: Path, parameters: dict) -> list[dict]:
    if len(stage) == 1:
        return [_execute_one(stage[0], folder / stage[0].name, parameters)]
    # separate processes, not threads: papermill's kernels race for ZMQ ports inside one process
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=len(stage), mp_context=context) as pool:
        futures = [pool.submit(_execute_one, nb, folder / nb.name, parameters) for nb in stage]
        return [f.result() for f in futures]


@contextlib.contextmanager
def _captured_stderr(say: Callable[[str], None]):
    """Route what the kernel and papermill write to stderr into the run log, so cron stays quiet."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode("utf-8", "replace").splitlines():
                if line.strip():
                    say(line)


def _describe_failure(exc: Exception) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        cell = getattr(exc, "exec_count", None)
        evalue = str(getattr(exc, "evalue", "")).strip().splitlines()
        first = evalue[0] if evalue else ""
        return f" in cell {cell}: {ename}: {first}" if cell else f": {ename}: {first}"
    return f": {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
