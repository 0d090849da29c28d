"""The processes a run starts, found and ended without guessing by name.

Every process a run starts (pool workers, the resource tracker, notebook kernels, whatever a cell launches)
inherits the environment variable ``BNKPI_RUN_ID``. Kernels start their own session (jupyter_client), so a
process group would not hold them; the run id in ``/proc/<pid>/environ`` (the environment a process was
started with, which it cannot lose) does, together with a start time no earlier than the runner's own.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

RUN_ID_VARIABLE = "BNKPI_RUN_ID"
# the runner's pid, for its pool's spawn children only (each removes it at once, so kernels never inherit it)
RUNNER_PID_VARIABLE = "BNKPI_RUNNER_PID"
EXIT_ORPHANED = 75  # a process of the run found its parent gone and ended before doing anything
_PROC = Path("/proc")
_PR_SET_PDEATHSIG = 1


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat`` field 22), None if gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may contain spaces and parentheses
    return int(fields[19]) if fields[0] != "Z" else None  # a zombie has ended; only its parent can reap it


def processes_of_run(run_id: str, not_before: int) -> list[int]:
    """Pids of live processes started with ``BNKPI_RUN_ID=run_id`` no earlier than ``not_before``."""
    marker = f"{RUN_ID_VARIABLE}={run_id}".encode()
    found = []
    if not _PROC.is_dir():  # not Linux: the workers' parent-death signal is not there either; nothing to find
        return found
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or another user's process (then it is not ours either)
            continue
        if marker in environ.split(b"\0"):
            started = start_time(int(entry.name))
            if started is not None and started >= not_before:
                found.append(int(entry.name))
    return found


def end_processes_of_run(run_id: str, not_before: int, grace: float = 3.0) -> list[int]:
    """SIGTERM, then after ``grace`` seconds SIGKILL, every process of the run; returns the pids found."""
    pids = processes_of_run(run_id, not_before)
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and processes_of_run(run_id, not_before):
            time.sleep(0.05)
        if not processes_of_run(run_id, not_before):
            break
    return pids


def die_with_parent(parent: int | None) -> None:
    """Be killed (SIGKILL) the moment the parent process dies, even by SIGKILL; and end now when the parent
    ``parent`` has already gone (the signal would never come: the process was adopted before asking for it)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent and os.getppid() != parent:
        os._exit(EXIT_ORPHANED)


def guard_spawned_worker() -> None:
    """On the first import of the package, which in a ``multiprocessing`` spawn child of a runner comes before
    the run's modules are imported or any work is taken: die with the runner (Linux only; elsewhere the next
    run cleans). Kernels and anything else never get the runner's pid: it is removed here."""
    runner = os.environ.pop(RUNNER_PID_VARIABLE, "")
    if runner.isdigit() and "--multiprocessing-fork" in getattr(sys, "orig_argv", ()):
        die_with_parent(int(runner))


def runner_alive() -> bool:
    """In a pool worker: whether the runner that started it is still alive (its end of a pipe is still open)."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def worker_init() -> None:
    """In a worker: be killed when the runner dies, even by SIGKILL, and end at once if it has died already;
    leave Ctrl-C, which the terminal sends to the whole process group, to the runner, which ends the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.pop(RUNNER_PID_VARIABLE, None)
    die_with_parent(None)
    if not runner_alive():
        os._exit(EXIT_ORPHANED)


def kernel_init() -> None:
    """In a kernel of the run (an IPython start-up file): die with the worker that started it, at once, rather
    than when ipykernel's poller next looks (up to a second, in which a cell could still write)."""
    parent = os.environ.get("JPY_PARENT_PID", "")
    die_with_parent(int(parent) if parent.isdigit() else None)


class Interrupted(Exception):
    """SIGTERM or SIGINT reached the runner."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Signals:
    """SIGTERM and SIGINT raise ``Interrupted``, except inside ``critical()``, where they wait until its end."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self._critical = 0
        self._saved: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        if self._critical:
            self.pending = self.pending or signum
            return
        raise Interrupted(signum)

    def __enter__(self) -> Signals:
        with contextlib.suppress(ValueError):  # not the main thread: leave the handlers alone
            for signum in (signal.SIGTERM, signal.SIGINT):
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)

    @contextlib.contextmanager
    def critical(self, then_raise: bool = True) -> Iterator[None]:
        """Signals wait until the block ends; then raise (``then_raise``) or are dropped (clean-up already runs)."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
        if not self._critical and self.pending:
            signum, self.pending = self.pending, None
            if then_raise:
                raise Interrupted(signum)
