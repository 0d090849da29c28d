"""What a run's worker process does: execute one notebook with papermill and report back as plain data.

Kept apart from runner.py on purpose: a worker process imports only this module (the standard library, then
papermill), not the runner's imports (pandas, nbconvert, the method modules), which cost about a CPU-second
per worker and which the kernel, not the worker, needs.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from . import processes


def execute_one(notebook: Path, output: Path, parameters: dict, kernel_name: str, cwd: str,
                timeout: int | None) -> dict:
    """Execute one notebook (in a worker process); returns timing, captured stderr and any error as plain data."""
    import papermill as pm

    if not processes.runner_alive():  # the run is dead: nothing of it may write into its staging any more
        os._exit(processes.EXIT_ORPHANED)
    lines: list[str] = []
    start = time.perf_counter()
    result = {"error": None, "stderr": lines}
    try:
        with captured_stderr(lines.append):
            pm.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name=kernel_name,
                cwd=cwd, progress_bar=False, log_output=False, execution_timeout=timeout,
                # saved once when it ends (failed or not), not after every cell: rewriting the notebook with
                # its images at each cell cost ~0.15 CPU-s per notebook; a killed run's staging is removed anyway
                request_save_on_cell_execute=False,
            )
    except Exception as exc:  # noqa: BLE001 - reported to the parent as data
        result.update(error=f"{type(exc).__name__}: {exc}", ename=getattr(exc, "ename", None),
                      evalue=str(getattr(exc, "evalue", "")), exec_count=getattr(exc, "exec_count", None))
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


@contextlib.contextmanager
def captured_stderr(say: Callable[[str], None]):
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
