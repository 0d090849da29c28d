"""`bnkpi run`: execute the numbered notebooks with papermill, and publish the result atomically.

A run refuses folders it must not replace, takes one lock per folder it writes, ends and removes what a killed
run left, validates the raw data, executes every notebook (in worker processes that carry the run's id) into
staging folders, and only when all notebooks succeeded publishes the processed and output folders (publish.py:
one folder per run, a symbolic link switched by a rename). A failed run leaves the previous outputs untouched
and keeps the failed executed notebook, its log and its manifest in ``<output>_failed/<run id>/``. SIGTERM and
SIGINT end the run's workers and kernels and remove what it wrote.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import contextlib
import datetime as dt
import errno
import fcntl
import json
import multiprocessing
import multiprocessing.resource_tracker
import os
import platform
import shutil
import signal
import sys
import time
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import annex, config, history, notebook_worker, params, processes, publish
from .io import sha256_of
from .validate import Problem, validate_raw

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID_DATA = 2
EXIT_LOCKED = 3
EXIT_USAGE = 64  # 128 + the signal number when SIGTERM (143) or SIGINT (130) stopped the run

SMTP_PASSWORD_VARIABLE = "BNKPI_SMTP_PASSWORD"  # never inherited by workers and kernels
PAUSE_VARIABLE = "BNKPI_TEST_PAUSE"
KEEP_FAILED_RUNS = 5
# output/processed folders must never be these folders of the repository, nor inside them
PROTECTED_REPOSITORY_FOLDERS = ("data/raw", "notebooks", "bnkpi_utils", "tests", "tools", "bench", ".git", ".venv")

REPORTED_PACKAGES = ("bnkpi", "pandas", "numpy", "papermill", "nbclient", "nbformat", "ipykernel", "openpyxl",
                     "matplotlib", "seaborn", "statsmodels", "jinja2", "css-inline", "nbconvert")


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
    """An exclusive, non-blocking lock on a file beside a folder a run writes (released when the process ends)."""

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
        with contextlib.suppress(OSError):  # who holds it, for the message of a second run; the lock holds without
            self.handle.seek(0)
            self.handle.truncate()
            self.handle.write(f"pid {os.getpid()} since {_now()}")
            self.handle.flush()
        return self

    def __exit__(self, *exc) -> None:
        if self.handle:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def check_folders(raw_dir: Path, processed: Path, output: Path, notebook_dir: Path) -> None:
    """Refuse (exit 64, nothing touched) output or processed folders that would replace something else."""
    home = Path.home()
    for label, target, kind, other in (("--output-dir", output, "output", processed),
                                       ("--processed-dir", processed, "processed", output)):
        protected = {  # the most telling reason first
            "the repository": (config.PROJ_ROOT, ("is", "contains")),
            "the home folder": (home, ("is", "contains")),
            "the raw data folder": (raw_dir, ("is", "contains", "is inside")),
            "the other folder of the run": (other, ("is", "contains", "is inside")),
            "the notebooks folder": (notebook_dir, ("is", "contains", "is inside")),
            **{f"the repository's {name} folder": (config.PROJ_ROOT / name, ("is", "contains", "is inside"))
               for name in PROTECTED_REPOSITORY_FOLDERS},
        }
        reason = publish.refusal(label, target, kind, protected)
        if reason:
            raise RunError(EXIT_USAGE, f"{reason} Nothing was run or changed.")


def _disk_reason(exc: OSError, output: Path, processed: Path) -> str:
    where = exc.filename or f"{output} or {processed}"
    cause = exc.strerror or type(exc).__name__
    return (f"Could not write to {where}: {cause}"
            f"{f' (errno {errno.errorcode.get(exc.errno, exc.errno)})' if exc.errno else ''}. The previous "
            f"outputs in {output} and {processed} are unchanged and what this run had written was removed; "
            "free space or fix the folder's permissions, then run again.")


def _pause_for_tests(step: str) -> None:
    """Test hook: ``BNKPI_TEST_PAUSE=<step>:<flag file>`` writes the flag and sleeps at that step of publishing."""
    wanted, _, flag = os.environ.get(PAUSE_VARIABLE, "").partition(":")
    if wanted == step and flag:
        Path(flag).write_text(str(os.getpid()))
        time.sleep(60)


@contextlib.contextmanager
def _locks(folders: list[publish.RunFolder]) -> Iterator[None]:
    """One lock per folder the run writes, always taken in the same (sorted) order."""
    with contextlib.ExitStack() as stack:
        for lock_path in sorted({f.lock for f in folders}):
            stack.enter_context(Lock(lock_path))
        yield


@contextlib.contextmanager
def _environment(updates: dict[str, str], remove: tuple[str, ...] = ()) -> Iterator[None]:
    """What workers and kernels inherit: the run id, Jupyter folders of the run's own; never the SMTP password."""
    saved = {k: os.environ.get(k) for k in (*updates, *remove)}
    os.environ.update(updates)
    for key in remove:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _child_environment(run_id: str, temp: Path) -> dict[str, str]:
    env = {processes.RUN_ID_VARIABLE: run_id,
           processes.RUNNER_PID_VARIABLE: str(os.getpid()),  # the pool's workers die with this process
           # cron users often have a HOME they cannot write: IPython and Jupyter would warn on stderr
           "IPYTHONDIR": str(temp / "ipython"),
           "JUPYTER_RUNTIME_DIR": str(temp / "jupyter-runtime"),
           "JUPYTER_CONFIG_DIR": str(temp / "jupyter-config"),
           # kernel connection files (with their key) and other temporary files: removed with the run's folder
           "TMPDIR": str(temp)}
    if "MPLCONFIGDIR" not in os.environ and not _writable(Path.home() / ".config" / "matplotlib"):
        env["MPLCONFIGDIR"] = str(temp / "matplotlib")
    return env


def _kernel_startup_file(ipython_dir: Path) -> None:
    """Kernels of the run read the run's own IPython folder: a start-up file makes each die with its worker."""
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    # nothing is left in the notebook's namespace
    (startup / "00-bnkpi-die-with-worker.py").write_text(
        '__import__("bnkpi_utils.processes").processes.kernel_init()\n', "utf-8")


def _raw_state(raw_dir: Path) -> dict[str, tuple]:
    """What changes when a file under ``raw_dir`` is written, replaced, added or removed (size, times, inode)."""
    state = {}
    for path in sorted(Path(raw_dir).rglob("*")):
        if path.name.startswith((".~lock.", "~$")):  # an office program's lock: the file is open, not changed
            continue
        with contextlib.suppress(OSError):
            info = path.stat()
            if not path.is_dir():
                state[str(path.relative_to(raw_dir))] = (info.st_size, info.st_mtime_ns, info.st_ctime_ns,
                                                         info.st_ino, info.st_dev)
    return state


def _sha256_or_none(path: Path) -> str | None:
    try:
        return sha256_of(path)
    except OSError:
        return None


def _writable(folder: Path) -> bool:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def _recover(output: publish.RunFolder, processed: publish.RunFolder, say: Callable[..., None]) -> None:
    """Under the lock: end and remove what killed runs left, and finish a publish that a kill interrupted."""
    for folder in (output, processed):
        restored = publish.recover_earlier_version(folder)
        if restored:
            say(f"recovered what a killed run of an earlier bnkpi version left beside {folder.path}: "
                f"{', '.join(restored)}", log_only=True)
        for record in publish.dead_runs(folder):
            pids = processes.end_processes_of_run(record["run_id"], record.get("start_time") or 0)
            if pids:
                say(f"ended {len(pids)} process(es) left by the killed run {record['run_id']}", log_only=True)
        removed = publish.remove_leftovers(folder)
        if removed:
            say(f"removed what an interrupted run left in {folder.runs}: {', '.join(sorted(removed))}", log_only=True)
        restored = publish.restore_link(folder)
        if restored:
            say(f"{folder.path} was missing after an interrupted run: restored to run {restored}")
    shared = sorted(set(output.complete_runs()) & set(processed.complete_runs()))
    out_id, proc_id = output.current(), processed.current()
    if shared and shared[-1] != out_id and (out_id is None or shared[-1] > out_id) and (
            proc_id is None or shared[-1] >= proc_id):
        finished = shared[-1]
        publish.switch_link(processed, finished)
        publish.switch_link(output, finished)
        say(f"the publish of run {finished} was interrupted after its notebooks succeeded; finished it now "
            f"({processed.path} and {output.path} both hold run {finished})")
        return
    built_from = _manifest(output.path).get("processed", {}).get("run_id")
    if built_from and proc_id and built_from != proc_id:
        say(f"note: the outputs in {output.path} were built from the processed data of run {built_from}, but "
            f"{processed.path} now holds run {proc_id} (written by a run into another output folder)")


def _manifest(output_dir: Path) -> dict:
    try:
        return json.loads((output_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_pipeline(
    raw_dir: Path = config.RAW_DIR,
    processed_dir: Path = config.PROCESSED_DIR,
    output_dir: Path = config.OUTPUT_DIR,
    lang: str = "vi",
    notebook_dir: Path = config.NOTEBOOKS_DIR,
    progress: Callable[[str], None] = lambda message: None,
    analysis: dict[str, object] | None = None,
) -> RunResult:
    """Run every notebook; raises RunError (with its exit code) when the run cannot complete.

    ``analysis`` overrides analysis parameters (params.DEFAULTS); each notebook gets the ones it declares.
    """
    overrides = dict(analysis or {})
    analysis = params.resolve(overrides)
    raw_dir, notebook_dir = Path(raw_dir).resolve(), Path(notebook_dir).resolve()
    output = publish.RunFolder(publish.logical_path(output_dir))
    processed = publish.RunFolder(publish.logical_path(processed_dir))
    check_folders(raw_dir, processed.path, output.path, notebook_dir)
    run_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    log_lines: list[str] = []

    def say(message: str, log_only: bool = False) -> None:
        log_lines.append(f"{_now()} {message}")
        if not log_only:
            progress(message)

    run = _Run(run_id, raw_dir, output, processed, lang, notebook_dir, say, log_lines, overrides, analysis)
    with processes.Signals() as signals:
        try:
            with _locks([output, processed]):
                try:
                    return run.execute(signals)
                except processes.Interrupted as exc:
                    with signals.critical(then_raise=False):
                        run.abandon()
                    name = signal.Signals(exc.signum).name
                    raise RunError(128 + exc.signum, (
                        f"The run {run_id} was stopped by {name} before it finished; its notebooks and kernels "
                        f"were ended and what it had written was removed. The previous outputs in {output.path} "
                        f"and {processed.path} are unchanged.")) from None
                except OSError as exc:
                    with signals.critical(then_raise=False):
                        run.abandon()
                    raise RunError(EXIT_FAILED, _disk_reason(exc, output.path, processed.path)) from None
                except RunError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a bug must still end in one paragraph, nothing left
                    with signals.critical(then_raise=False):
                        run.abandon()
                    raise RunError(EXIT_FAILED, f"The run {run_id} stopped on an internal error"
                                                f"{_describe_failure(exc)}. The previous outputs in {output.path} "
                                                f"and {processed.path} are unchanged.") from exc
        except OSError as exc:  # taking the lock: a read-only or unwritable parent folder
            raise RunError(EXIT_FAILED, _disk_reason(exc, output.path, processed.path)) from None


class _Run:
    """One run under its locks: staging, notebooks, publish; ``abandon`` undoes what it wrote."""

    def __init__(self, run_id, raw_dir, output, processed, lang, notebook_dir, say, log_lines, overrides, analysis):
        self.overrides, self.analysis = overrides, analysis
        self.run_id, self.raw_dir, self.output, self.processed = run_id, raw_dir, output, processed
        self.lang, self.notebook_dir, self.say, self.log_lines = lang, notebook_dir, say, log_lines
        self.started = _now()
        self.start_time = processes.start_time(os.getpid()) or 0
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.declared: dict[Path, list[str]] = {}

    def execute(self, signals: processes.Signals) -> RunResult:
        run_id, output, processed, say = self.run_id, self.output, self.processed, self.say
        _recover(output, processed, say)
        say(f"run {run_id}: validating {self.raw_dir}")
        raw_before = _raw_state(self.raw_dir)  # before validation reads anything: a change from now on is seen
        validated = validate_raw(self.raw_dir)
        if not validated.ok:
            raise RunError(
                EXIT_INVALID_DATA,
                f"The raw data in {self.raw_dir} have {len(validated.problems)} problem(s), listed below as "
                "file:row:column: message. Nothing was run and the previous outputs are unchanged; "
                "correct the files (or run `bnkpi validate`) and start again.",
                validated.problems,
            )
        notebooks = discover_notebooks(self.notebook_dir)
        if not notebooks:
            raise RunError(EXIT_FAILED, f"No notebooks (NN_name.ipynb) were found in {self.notebook_dir}.")
        self.declared = {nb: params.declared(nb) for nb in notebooks}  # read once: papermill parses each notebook
        unused = sorted(set(self.overrides) - {name for names in self.declared.values() for name in names})
        if unused:  # a value no notebook would read must not be recorded as if it had been used
            raise RunError(EXIT_USAGE, f"No notebook in {self.notebook_dir} declares the parameter(s) "
                                       f"{', '.join(unused)} in its parameters cell. Nothing was run.")
        for folder in (output, processed):
            folder.runs.mkdir(parents=True, exist_ok=True)
            publish.write_owner(folder, run_id, os.getpid(), self.start_time)
        stage_out, stage_processed = output.staging(run_id), processed.staging(run_id)
        for sub in ("tables", "figures", "briefs", "notebooks"):
            (stage_out / sub).mkdir(parents=True, exist_ok=True)
        stage_processed.mkdir(parents=True, exist_ok=True)
        history.carry_history(output.path, stage_out)  # the brief's "changes since the last brief" reads it
        temp = output.temp(run_id)
        temp.mkdir(parents=True, exist_ok=True)
        parameters = dict(raw_dir=str(self.raw_dir), processed_dir=str(stage_processed), output_dir=str(stage_out),
                          lang=self.lang)
        manifest = {
            "run_id": run_id,
            "started": self.started,
            "finished": None,
            "status": "running",
            "package_versions": package_versions(),
            "raw_inputs": {str(p.relative_to(self.raw_dir)): sha256_of(p) for p in sorted(validated.files)},
            "parameters": {**parameters, "processed_dir": str(processed.path), "output_dir": str(output.path),
                           "kernel_name": config.KERNEL_NAME, "notebook_dir": str(self.notebook_dir),
                           "analysis": self.analysis},
            "notebooks": [],
        }
        for note in validated.notes:
            say(note)
        # the resource tracker outlives the pool and ends with the runner: started before the run's mark
        multiprocessing.resource_tracker.ensure_running()
        with _environment(_child_environment(run_id, temp), remove=(SMTP_PASSWORD_VARIABLE,)):
            ensure_kernel()
            self._execute_notebooks(notebooks, stage_out, parameters, manifest)
        self._check_raw_unchanged(raw_before, manifest["raw_inputs"])
        manifest.update(status="success", finished=_now())
        manifest["processed"] = {"run_id": run_id, "folder": str(processed.path),
                                 "tables": {str(p.relative_to(stage_processed)): sha256_of(p)
                                            for p in sorted(stage_processed.rglob("*")) if p.is_file()}}
        manifest["outputs"] = {str(p.relative_to(stage_out)): sha256_of(p)
                               for p in sorted(stage_out.rglob("*")) if p.is_file()}
        say(f"run {run_id} succeeded; outputs in {output.path}")
        (stage_out / "run.log").write_text("\n".join(self.log_lines) + "\n", "utf-8")
        (stage_out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
        with signals.critical():  # a SIGTERM now waits until both folders show this run
            self._publish()
        return RunResult(run_id=run_id, status="success", output_dir=output.path, processed_dir=processed.path,
                         manifest=manifest)

    def _check_raw_unchanged(self, before: dict[str, tuple], hashes: dict[str, str]) -> None:
        """The manifest's checksums must be those of the bytes validation and the notebooks read: a raw file
        written, replaced, added or removed while the run read them fails the run, and nothing is published."""
        after = _raw_state(self.raw_dir)
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        changed += sorted(name for name, digest in hashes.items()
                          if name not in changed and _sha256_or_none(self.raw_dir / name) != digest)
        if changed:
            self.abandon()
            shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            raise RunError(EXIT_FAILED, f"The raw data changed while the run {self.run_id} was reading them "
                                        f"({shown} in {self.raw_dir}), so its results would not match its "
                                        f"manifest; nothing was published. The previous outputs in "
                                        f"{self.output.path} and {self.processed.path} are unchanged; run again "
                                        "when the files are final.")

    def _publish(self) -> None:
        run_id, output, processed = self.run_id, self.output, self.processed
        publish.complete(processed, run_id)
        publish.complete(output, run_id)
        _pause_for_tests("before-switch")
        for folder in (processed, output):  # _recover() finishes this pair if a kill falls between the two
            migrated = publish.switch_link(folder, run_id)
            if migrated:
                self.say(f"{folder.path} (a folder of an earlier version) was kept as {folder.runs / migrated}; "
                         "bnkpi never deletes it: remove it yourself when it is no longer needed")
            if folder is processed:
                _pause_for_tests("between-switches")
        for folder in (output, processed):
            publish.prune(folder)
            publish.remove_leftovers(folder)

    def _execute_notebooks(self, notebooks: list[Path], stage_out: Path, parameters: dict, manifest: dict) -> None:
        _kernel_startup_file(Path(os.environ["IPYTHONDIR"]))
        stages = plan_stages(notebooks)
        context = multiprocessing.get_context("spawn")  # papermill's kernels race for ZMQ ports in one process
        self.pool = concurrent.futures.ProcessPoolExecutor(max_workers=max(map(len, stages)), mp_context=context,
                                                           initializer=processes.worker_init)
        done = 0
        try:
            for stage in stages:
                label = " + ".join(nb.name for nb in stage)
                self.say(f"[{done + 1}/{len(notebooks)}] {label}" + (" (concurrently)" if len(stage) > 1 else ""))
                arguments = [(nb, stage_out / "notebooks" / nb.name,
                              {**parameters, **{k: self.analysis[k] for k in self.declared[nb]}}) for nb in stage]
                with _light_workers():
                    futures = [self.pool.submit(notebook_worker.execute_one, *args, config.KERNEL_NAME,
                                                str(config.PROJ_ROOT), config.CELL_TIMEOUT_SECONDS)
                               for args in arguments]
                results = [f.result() for f in futures]
                failure = None
                for notebook, result in zip(stage, results):
                    for line in result["stderr"]:  # kernel warnings: in run.log, not on the terminal
                        self.say(f"    {notebook.name} stderr: {line}", log_only=True)
                    if result["error"]:
                        failure = failure or (notebook, result)
                        continue
                    manifest["notebooks"].append({"notebook": notebook.name, "seconds": result["seconds"],
                                                  "status": "ok", "parameters": self.declared[notebook]})
                    self.say(f"    {notebook.name} done in {result['seconds']} s")
                if failure:
                    raise _NotebookFailed(*failure)
                done += len(stage)
            annex.export_annex(stage_out / "notebooks", stage_out / "briefs" / "annex")
        except (_NotebookFailed, concurrent.futures.process.BrokenProcessPool) as exc:
            self._end_pool()
            raise RunError(EXIT_FAILED, self._keep_failure(exc, stage_out, manifest)) from None
        except BaseException:  # a signal: end the workers and kernels before waiting for the pool
            self._end_pool(kill_first=True)
            raise
        self._end_pool()

    def _keep_failure(self, exc: Exception, stage_out: Path, manifest: dict) -> str:
        """Keep the executed notebooks, manifest and log of a failed run in ``<output>_failed/<run id>/``."""
        failed_name = exc.notebook.name if isinstance(exc, _NotebookFailed) else "(runner)"
        where = exc.describe() if isinstance(exc, _NotebookFailed) else _describe_failure(exc)
        failed_root = self.output.path.parent / f"{self.output.path.name}_failed"
        failed_dir = failed_root / self.run_id
        reason = (f"Notebook {failed_name} failed{where}. The previous outputs in {self.output.path} and "
                  f"{self.processed.path} are unchanged.")
        try:
            failed_dir.mkdir(parents=True, exist_ok=True)
            for executed in (stage_out / "notebooks").glob("*.ipynb"):
                shutil.copy2(executed, failed_dir / executed.name)
            reason += f" The executed notebook (with the error) is kept in {failed_dir / failed_name} for diagnosis."
            self.say(f"FAILED: {reason}")
            manifest.update(status="failed", finished=_now(), error=reason)
            manifest["notebooks"].append({"notebook": failed_name, "status": "failed"})
            (failed_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
            (failed_dir / "run.log").write_text("\n".join(self.log_lines) + "\n", "utf-8")
            for old in sorted(p for p in failed_root.iterdir() if p.is_dir())[:-KEEP_FAILED_RUNS]:
                shutil.rmtree(old, ignore_errors=True)
        except OSError as error:  # a full disk must not hide the notebook's failure
            shutil.rmtree(failed_dir, ignore_errors=True)
            reason += f" The failed notebook could not be kept in {failed_root}: {error.strerror or error}."
        self.abandon()
        return reason

    def _end_pool(self, kill_first: bool = False) -> None:
        """Stop the workers; then end whatever the run started that is still alive (a kernel, a cell's child)."""
        if self.pool is not None:
            if kill_first:
                processes.end_processes_of_run(self.run_id, self.start_time)
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        processes.end_processes_of_run(self.run_id, self.start_time)

    def abandon(self) -> None:
        """After a failure or a signal: end the run's processes, remove its staging, temporary and owner files."""
        with contextlib.suppress(Exception):
            self._end_pool(kill_first=True)
        for folder in (self.output, self.processed):
            for path in (folder.staging(self.run_id), folder.temp(self.run_id), folder.owner_record(self.run_id)):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        path.unlink()
            publish.remove_if_empty(folder)


@contextlib.contextmanager
def _light_workers() -> Iterator[None]:
    """Workers start (spawn) without re-importing this process's ``__main__`` (the bnkpi command: pandas,
    nbconvert, the method modules, ~1 CPU-s each); they need only notebook_worker and papermill."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


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


def _describe_failure(exc: Exception) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        cell = getattr(exc, "exec_count", None)
        evalue = str(getattr(exc, "evalue", "")).strip().splitlines()
        first = evalue[0] if evalue else ""
        return f" in cell {cell}: {ename}: {first}" if cell else f": {ename}: {first}"
    return f": {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
