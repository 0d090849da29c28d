"""A run's processes are found by the run id they were started with and a start time, never by name; signals
wait while a publish is under way. Small child processes, under a second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from bnkpi_utils import processes


def sleeper(run_id: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != processes.RUN_ID_VARIABLE}
    if run_id:
        env[processes.RUN_ID_VARIABLE] = run_id
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], env=env)


def test_only_processes_started_with_the_run_id_and_after_the_runner_are_ended():
    mine, other_run, unmarked = sleeper("run-a"), sleeper("run-b"), sleeper(None)
    try:
        started = processes.start_time(mine.pid)
        assert processes.processes_of_run("run-a", not_before=0) == [mine.pid]
        # a process that started before the recorded runner is not the run's (a recycled pid)
        assert processes.processes_of_run("run-a", not_before=started + 1) == []
        assert processes.end_processes_of_run("run-a", not_before=0, grace=2) == [mine.pid]
        assert mine.wait(timeout=5) == -signal.SIGTERM
        assert other_run.poll() is None and unmarked.poll() is None
    finally:
        for process in (mine, other_run, unmarked):
            process.kill()
            process.wait()


def test_a_process_ignoring_sigterm_gets_sigkill():
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, sys, time; signal.signal(signal.SIGTERM, "
                                 "signal.SIG_IGN); print('ready', flush=True); time.sleep(30)"],
                                env={**os.environ, processes.RUN_ID_VARIABLE: "run-c"}, stdout=subprocess.PIPE)
    try:
        assert stubborn.stdout.readline().strip() == b"ready"
        processes.end_processes_of_run("run-c", not_before=0, grace=0.3)
        assert stubborn.wait(timeout=5) == -signal.SIGKILL
    finally:
        stubborn.kill()
        stubborn.wait()


def test_signals_raise_except_during_a_publish():
    before = signal.getsignal(signal.SIGTERM)
    with processes.Signals() as signals:
        with pytest.raises(processes.Interrupted) as caught:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs as soon as os.kill returns
        assert caught.value.signum == signal.SIGTERM
        finished = []
        with pytest.raises(processes.Interrupted):
            with signals.critical():
                os.kill(os.getpid(), signal.SIGINT)
                finished.append("both switches")  # not interrupted in the middle
        assert finished == ["both switches"]
        with signals.critical(then_raise=False):  # clean-up already under way: the signal is dropped
            os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) == before


PDEATHSIG = ("import ctypes, os; value = ctypes.c_int(0); ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0); "
             "print(value.value, os.environ.get('BNKPI_RUNNER_PID'))")


def child(code: str, *argv: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != processes.RUNNER_PID_VARIABLE}
    return subprocess.run([sys.executable, "-c", code, *argv], env={**environment, **env}, capture_output=True,
                          text=True, timeout=60)


def test_a_spawn_worker_dies_with_its_runner_from_the_first_import_of_the_package():
    """A `multiprocessing` spawn child of a runner asks for SIGKILL at its parent's death on `import bnkpi_utils`,
    before anything else of the run, and ends at once when the runner has already gone; the runner's pid is not
    passed on (to kernels)."""
    me = str(os.getpid())
    worker = child(f"import bnkpi_utils; {PDEATHSIG}", "--multiprocessing-fork", BNKPI_RUNNER_PID=me)
    assert (worker.returncode, worker.stdout.split()) == (0, [str(int(signal.SIGKILL)), "None"])
    orphan = child(f"import bnkpi_utils; {PDEATHSIG}", "--multiprocessing-fork", BNKPI_RUNNER_PID="1")
    assert (orphan.returncode, orphan.stdout) == (processes.EXIT_ORPHANED, "")
    # any other process importing the package (a kernel, a notebook's own pool) is left alone
    other = child(f"import bnkpi_utils; {PDEATHSIG}", BNKPI_RUNNER_PID="1")
    assert (other.returncode, other.stdout.split()) == (0, ["0", "None"])


def test_a_kernel_dies_with_its_worker():
    mine = child(f"from bnkpi_utils import processes; processes.kernel_init(); {PDEATHSIG}",
                 JPY_PARENT_PID=str(os.getpid()))
    assert (mine.returncode, mine.stdout.split()[0]) == (0, str(int(signal.SIGKILL)))
    adopted = child(f"from bnkpi_utils import processes; processes.kernel_init(); {PDEATHSIG}", JPY_PARENT_PID="1")
    assert (adopted.returncode, adopted.stdout) == (processes.EXIT_ORPHANED, "")
