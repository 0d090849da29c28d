"""Where a run writes, and how its result appears at once: one folder per run and a symbolic link switched by a rename.

For a folder ``PARENT/NAME`` (the output or the processed folder):

- ``PARENT/.NAME.runs/.staging-<run id>/`` is written by a run in progress (invisible to readers);
- ``PARENT/.NAME.runs/<run id>/`` is a complete run (renamed from its staging folder when every notebook succeeded);
- ``PARENT/NAME`` is a symbolic link to the current run, replaced by ``os.replace`` of a new link: a reader sees
  the old run or the new one, never a half-written or missing folder;
- ``PARENT/.NAME.lock`` is the run lock of that folder; ``PARENT/.NAME.runs/.run-<run id>.json`` records which
  process owns a run in progress, so that the next run can end and remove what a killed run left.

A real folder left by an earlier version of bnkpi is moved into ``.NAME.runs/`` the first time (swapped with the
link in one ``renameat2(RENAME_EXCHANGE)`` where the kernel offers it), never deleted.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

STAGING_PREFIX = ".staging-"
TEMP_PREFIX = ".tmp-"
OWNER_PREFIX = ".run-"
LEGACY_SUFFIX = "-migrated"
KEEP_RUNS = 3  # the current run and two before it, per folder; the brief's history keeps its own tables
RUN_ID_PATTERN = re.compile(r"\d{8}T\d{6}Z-[0-9a-z]+")  # what runner.run_pipeline names a run (UTC time-hex)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def logical_path(path: Path | str) -> Path:
    """Absolute path with every parent resolved but the last component kept (it may be our symbolic link)."""
    path = Path(os.path.abspath(os.path.expanduser(str(path))))
    return path.parent.resolve() / path.name if path.name else path


@dataclass(frozen=True)
class RunFolder:
    """A published folder (``path``, a link once bnkpi has published into it) and its runs."""

    path: Path

    @property
    def runs(self) -> Path:
        return self.path.parent / f".{self.path.name}.runs"

    @property
    def lock(self) -> Path:
        return self.path.parent / f".{self.path.name}.lock"

    def staging(self, run_id: str) -> Path:
        return self.runs / f"{STAGING_PREFIX}{run_id}"

    def temp(self, run_id: str) -> Path:
        return self.runs / f"{TEMP_PREFIX}{run_id}"

    def owner_record(self, run_id: str) -> Path:
        return self.runs / f"{OWNER_PREFIX}{run_id}.json"

    def current(self) -> str | None:
        """The run id the link points to, None when ``path`` is missing or is not our link."""
        if not self.path.is_symlink():
            return None
        target = Path(os.readlink(self.path))
        if target.parent != Path(self.runs.name) or not (self.runs / target.name).is_dir():
            return None
        return target.name

    def complete_runs(self) -> list[str]:
        """Run ids of complete runs, oldest first (run ids start with their UTC time)."""
        if not self.runs.is_dir():
            return []
        return sorted(p.name for p in self.runs.iterdir() if p.is_dir() and not p.name.startswith(".") and (
            created_by_a_run(p.name) or p.name.endswith(LEGACY_SUFFIX)))  # not a folder a user put there

    def ours(self) -> bool:
        """``path`` is a link bnkpi made (into ``.NAME.runs/``), even if its run has gone."""
        return self.path.is_symlink() and Path(os.readlink(self.path)).parent == Path(self.runs.name)


def write_owner(folder: RunFolder, run_id: str, pid: int, started: int | None) -> None:
    folder.owner_record(run_id).write_text(json.dumps({"run_id": run_id, "pid": pid, "start_time": started}))


def dead_runs(folder: RunFolder) -> list[dict]:
    """Owner records of runs that left something behind (called under the lock, so their runner is gone)."""
    if not folder.runs.is_dir():
        return []
    records = []
    for path in sorted(folder.runs.glob(f"{OWNER_PREFIX}*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            record = {}
        record.setdefault("run_id", path.name[len(OWNER_PREFIX):-len(".json")])
        records.append(record)
    return records


def remove_leftovers(folder: RunFolder, keep_run: str | None = None) -> list[str]:
    """Remove staging and temporary folders, owner records and stray links of other runs; returns their names."""
    removed = []
    if folder.runs.is_dir():
        for path in folder.runs.iterdir():
            if path.name.startswith((STAGING_PREFIX, TEMP_PREFIX, OWNER_PREFIX)) and (
                    keep_run is None or not path.name.startswith(tuple(p + keep_run for p in
                                                                        (STAGING_PREFIX, TEMP_PREFIX, OWNER_PREFIX)))):
                _remove(path)
                removed.append(path.name)
    for link in folder.path.parent.glob(f".{folder.path.name}.link-*"):
        _remove(link)
        removed.append(link.name)
    return removed


def restore_link(folder: RunFolder) -> str | None:
    """When ``path`` is missing or our link to a run that has gone, point it at the newest complete run."""
    if folder.current() is not None or (folder.path.is_symlink() and not folder.ours()) or (
            folder.path.exists() and not folder.path.is_symlink()):
        return None
    runs = folder.complete_runs()
    if not runs:
        return None
    switch_link(folder, runs[-1])
    return runs[-1]


def recover_earlier_version(folder: RunFolder) -> list[str]:
    """Earlier versions swapped ``.NAME.staging-<id>`` in by two renames, keeping ``.NAME.previous-<id>`` between
    them: put a previous folder back when NAME is missing, and remove the rest."""
    parent, name = folder.path.parent, folder.path.name
    previous = sorted(parent.glob(f".{name}.previous-*"))
    handled = []
    if previous and not (folder.path.exists() or folder.path.is_symlink()):
        previous.pop().rename(folder.path)
        handled.append(f"{folder.path.name} restored")
    for path in previous + sorted(parent.glob(f".{name}.staging-*")):
        _remove(path)
        handled.append(f"{path.name} removed")
    return handled


def complete(folder: RunFolder, run_id: str) -> Path:
    """Rename the run's staging folder to its final name in the runs folder."""
    final = folder.runs / run_id
    folder.staging(run_id).rename(final)
    return final


def switch_link(folder: RunFolder, run_id: str) -> str | None:
    """Make ``path`` point at run ``run_id`` in one atomic step; returns the id a migrated real folder got."""
    temp_link = folder.path.parent / f".{folder.path.name}.link-{run_id}"
    with contextlib.suppress(FileNotFoundError):
        temp_link.unlink()
    os.symlink(Path(folder.runs.name) / run_id, temp_link)
    if folder.path.is_dir() and not folder.path.is_symlink():
        return _migrate(folder, temp_link)
    os.replace(temp_link, folder.path)
    _fsync_dir(folder.path.parent)
    return None


def _migrate(folder: RunFolder, temp_link: Path) -> str:
    """Swap a real folder from an earlier version with the new link; the folder becomes a run, nothing is deleted."""
    legacy_id = _legacy_id(folder.path)
    if _exchange(temp_link, folder.path):  # temp_link is now the old folder
        temp_link.rename(folder.runs / legacy_id)
    else:  # no RENAME_EXCHANGE: two renames; restore_link() repairs a kill between them
        folder.path.rename(folder.runs / legacy_id)
        os.replace(temp_link, folder.path)
    _fsync_dir(folder.path.parent)
    return legacy_id


def _legacy_id(path: Path) -> str:
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        run_id = json.loads((path / "manifest.json").read_text(encoding="utf-8"))["run_id"]
        if run_id and "/" not in run_id and not run_id.startswith("."):
            return f"{run_id}{LEGACY_SUFFIX}"
    return f"00000000T000000Z{LEGACY_SUFFIX}"


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return True
        code = ctypes.get_errno()
    except (OSError, AttributeError):
        return False
    if code in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def created_by_a_run(run_id: str) -> bool:
    """A run folder bnkpi wrote itself; a migrated folder (``…-migrated``) holds what a user had, maybe more."""
    return bool(RUN_ID_PATTERN.fullmatch(run_id)) and not run_id.endswith(LEGACY_SUFFIX)


def prune(folder: RunFolder, keep: int = KEEP_RUNS) -> list[str]:
    """Remove the oldest complete runs beyond ``keep``; never the current one, never a folder bnkpi did not
    create (a migrated folder stays until its owner removes it)."""
    current = folder.current()
    others = [r for r in folder.complete_runs() if r != current and created_by_a_run(r)]
    old = others[:max(0, len(others) - (keep - 1))]
    for run_id in old:
        _remove(folder.runs / run_id)
    return old


def remove_if_empty(folder: RunFolder) -> None:
    with contextlib.suppress(OSError):
        folder.runs.rmdir()


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _related(a: Path, b: Path) -> str | None:
    """How folder ``a`` relates to ``b``: 'is', 'contains', 'is inside', or None."""
    if a == b:
        return "is"
    if a in b.parents:
        return "contains"
    if b in a.parents:
        return "is inside"
    return None


def refusal(label: str, target: Path, kind: str, protected: dict[str, tuple[Path, tuple[str, ...]]]) -> str | None:
    """Why a run must not write ``target`` (given as ``label`` on the command line), or None.

    ``protected`` maps a description to a folder and the relations that are refused ('is', 'contains',
    'is inside'). ``kind`` is 'output' or 'processed': an existing real folder is taken over only when it is
    empty or holds that kind of bnkpi result (a manifest.json, a cleaning_log.txt).
    """
    if not target.name or target.name in (".", ".."):
        return f"{label} {target} is not a folder a run can own."
    real = Path(os.path.realpath(target)) if not RunFolder(target).ours() else target
    for what, (folder, relations) in protected.items():
        folder = Path(os.path.realpath(folder))
        for candidate in {target, real}:
            relation = _related(candidate, folder)
            if relation in relations:
                return (f"{label} {target} {relation} {what} ({folder}). A run replaces its whole output and "
                        "processed folders, so each must be a folder of its own, apart from the raw data, the "
                        "repository and the home folder.")
    folder = RunFolder(target)
    if target.is_symlink() and not folder.ours():
        return (f"{label} {target} is a symbolic link to {os.readlink(target)} that bnkpi did not make; "
                "give the folder it points to, or a new folder.")
    if target.exists() and not target.is_dir():
        return f"{label} {target} exists and is not a folder."
    if target.is_dir() and not target.is_symlink():
        marker = "manifest.json" if kind == "output" else "cleaning_log.txt"
        entries = [p.name for p in target.iterdir()]
        if entries and marker not in entries:
            return (f"{label} {target} is a folder with other content ({len(entries)} entries, no {marker} of "
                    "an earlier run): a run would replace it. Give an empty or new folder.")
    return None


def request_base(output_dir: Path | str) -> tuple[Path, str | None]:
    """The folder under which `bnkpi request` writes ``requests/PERIOD/``, and a note when it is not ``output_dir``.

    A run folder is deleted by a later run's pruning, so the workbooks of a data round never go into one: given
    the link of `bnkpi run` (``outputs``), or the default output folder before the first run, they go beside it
    (``requests/`` next to ``outputs``); a folder inside the link or the runs folder is refused (ValueError).
    """
    from . import config

    target = logical_path(output_dir)
    folder = RunFolder(target)
    # the link, or where `bnkpi run` will put it (a real folder there would make the first run refuse it)
    if folder.ours() or (not os.path.lexists(target) and (
            folder.runs.is_dir() or target == logical_path(config.OUTPUT_DIR))):
        return target.parent, (f"{target} is where `bnkpi run` shows its last run, replaced at every run: the "
                               f"workbooks are written beside it, in {target.parent / 'requests'}")
    real = Path(os.path.realpath(target))
    runs = next((p for p in (real, *real.parents) if p.name.startswith(".") and p.name.endswith(".runs")), None)
    if runs is not None:
        raise ValueError(f"--output-dir {target} is inside {runs}, the runs of `bnkpi run`, which later runs "
                         "delete; give a folder of your own (or the run's link itself: the workbooks then go "
                         "beside it)")
    return target, None
