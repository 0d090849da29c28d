"""`bnkpi run` end to end: outputs, manifest, atomic failure, lock; the notebooks' contract."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from bnkpi_utils import cli
from conftest import BNKPI, RAW, ROOT, SMTP_PASSWORD, copy_previous, run_bnkpi, snapshot, tree_hashes

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_run_writes_processed_tables_and_manifest(good_run):
    output, processed = good_run["output"], good_run["processed"]
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "success"
    assert {"run_id", "started", "finished", "package_versions", "raw_inputs", "parameters"} <= set(manifest)
    for name, digest in manifest["raw_inputs"].items():
        assert hashlib.sha256((RAW / name).read_bytes()).hexdigest() == digest
    assert set(manifest["raw_inputs"]) >= {"pii_scores.csv", "macro.csv", "targets.csv", "kpi_actuals.csv",
                                           "province_mergers_2025.csv"}
    assert manifest["parameters"]["lang"] == "all"
    assert manifest["parameters"]["kernel_name"] == "bnkpi"
    assert [n["notebook"] for n in manifest["notebooks"]] == [p.name for p in NOTEBOOKS]
    for name in NOTEBOOKS:
        assert (output / "notebooks" / name.name).exists()
    assert (output / "run.log").read_text(encoding="utf-8").count("succeeded") == 1
    # numbers read back from what the run wrote, against the published values
    pii = pd.read_csv(processed / "pii_scores.csv")
    bn = pii[(pii.edition == 2025) & (pii.province == "Bắc Ninh")].set_index("component")["score"]
    assert bn["PII"] == pytest.approx(48.76) and bn["P6"] == pytest.approx(28.74)
    harmonised = pd.read_csv(processed / "macro_harmonised.csv")
    assert harmonised.query("year == 2021 and indicator == 'grdp_current'")["value"].iloc[0] == pytest.approx(
        227_614 + 129_836)


def test_run_is_quiet_without_a_terminal(good_run):
    assert good_run["stdout"] == ""
    # the only line: the warning that --insecure-plain-auth (the test server has no TLS) asks for
    assert good_run["stderr"].splitlines() == [
        f"bnkpi: warning: the SMTP password goes to 127.0.0.1:{good_run['smtp_port']} without TLS (--insecure-plain-auth)"]


def test_failed_notebook_keeps_previous_outputs_and_the_failed_notebook(good_run, tmp_path, probe_notebooks):
    notebooks = probe_notebooks  # 01_probe succeeds, then 99_fail fails (seconds, not a full pipeline)
    failing = nbformat.v4.new_notebook()
    failing.metadata["kernelspec"] = {"name": "bnkpi", "display_name": "Python (bnkpi)", "language": "python"}
    params = nbformat.v4.new_code_cell('raw_dir = ""\nprocessed_dir = ""\noutput_dir = ""\nlang = "vi"')
    params.metadata["tags"] = ["parameters"]
    failing.cells = [params, nbformat.v4.new_code_cell("raise RuntimeError('planted failure')")]
    nbformat.write(failing, notebooks / "99_fail.ipynb")
    previous = tmp_path / "previous"
    before = copy_previous(good_run, previous)
    result = run_bnkpi("run", "--notebook-dir", str(notebooks), "--output-dir", str(previous / "outputs"),
                       "--processed-dir", str(previous / "processed"))
    assert result.returncode == 1
    assert "99_fail.ipynb failed" in result.stderr and "planted failure" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(previous) == before
    failed_runs = list((previous / "outputs_failed").iterdir())
    assert len(failed_runs) == 1
    kept = nbformat.read(failed_runs[0] / "99_fail.ipynb", as_version=4)
    assert any("planted failure" in str(cell.get("outputs", "")) for cell in kept.cells)
    assert json.loads((failed_runs[0] / "manifest.json").read_text())["status"] == "failed"
    assert not [p for p in previous.iterdir() if "staging" in p.name]


def test_second_run_exits_3_while_the_lock_is_held(tmp_path):
    output = tmp_path / "outputs"
    lock = tmp_path / ".outputs.lock"
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_bnkpi("run", "--output-dir", str(output), "--processed-dir", str(tmp_path / "processed"))
    assert result.returncode == 3
    assert "Another bnkpi run is in progress" in result.stderr
    assert not output.exists()


def test_usage_error_is_not_confused_with_invalid_data():
    result = run_bnkpi("run", "--lang", "fr")
    assert result.returncode == 64


# --- folders a run must not replace, kills, signals, full and read-only disks (issues 13 and 14) -------------

def test_refused_folders_exit_64_and_touch_nothing(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    shutil.copytree(RAW, data / "raw")
    (data / "notes.txt").write_text("a user's file")
    (tmp_path / "home").mkdir()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("not bnkpi's")
    before = tree_hashes(tmp_path)
    raw = ["--raw-dir", str(data / "raw")]
    p, o = ["--processed-dir", str(tmp_path / "p")], ["--output-dir", str(tmp_path / "o")]
    cases = [  # (arguments, words of the one-paragraph reason)
        ([*raw, "--output-dir", str(data), *p], f"--output-dir {data} contains the raw data folder"),
        ([*raw, "--output-dir", str(data / "raw" / "out"), *p], "is inside the raw data folder"),
        ([*raw, *o, "--processed-dir", str(tmp_path / "o" / "processed")], "contains the other folder of the run"),
        ([*raw, "--output-dir", str(ROOT.parent), *p], "contains the repository"),
        ([*raw, "--output-dir", str(ROOT), *p], "is the repository"),
        ([*raw, "--processed-dir", str(ROOT / "notebooks"), *o], "is the notebooks folder"),
        ([*raw, "--output-dir", str(tmp_path / "home"), *p], "is the home folder"),
        ([*raw, "--output-dir", str(tmp_path / "mine"), *p], "is a folder with other content"),
    ]
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for args, words in cases:  # in this process: the refusal comes before anything is imported or run
        assert cli.main(["run", *args]) == 64, words
        err = capsys.readouterr().err
        assert words in err and "Nothing was run or changed" in err, (words, err)
        assert len(err.strip().splitlines()) == 1, words
    assert tree_hashes(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "home", "mine"]


PROBE = '''import json, os, pathlib, time
out, proc = pathlib.Path(output_dir), pathlib.Path(processed_dir)
(proc / "cleaning_log.txt").write_text("probe " + os.environ.get("PROBE_VALUE", ""))
(out / "tables" / "probe.json").write_text(json.dumps({"value": os.environ.get("PROBE_VALUE", ""),
    "password_seen": "BNKPI_SMTP_PASSWORD" in os.environ}))
if os.environ.get("PROBE_BYTES"):
    (out / "big.bin").write_bytes(b"0" * int(os.environ["PROBE_BYTES"]))
if os.environ.get("PROBE_FLAG"):
    pathlib.Path(os.environ["PROBE_FLAG"]).write_text(str(os.getpid()))
if os.environ.get("PROBE_EDIT"):  # someone edits a raw file while the run reads it
    edited = pathlib.Path(os.environ["PROBE_EDIT"])
    edited.write_bytes(edited.read_bytes().replace(b",100,", b",90,", 1) + b" ")
time.sleep(float(os.environ.get("PROBE_SLEEP", "0")))'''


@pytest.fixture
def probe_notebooks(tmp_path):
    """A one-notebook suite (seconds, not a minute) whose cell writes a table, can fill a disk or wait to be killed."""
    folder = tmp_path / "probe_notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "bnkpi", "display_name": "Python (bnkpi)", "language": "python"}
    params = nbformat.v4.new_code_cell('raw_dir = ""\nprocessed_dir = ""\noutput_dir = ""\nlang = "vi"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(PROBE)]
    nbformat.write(nb, folder / "01_probe.ipynb")
    return folder


def start_probe_run(folder: Path, notebooks: Path, new_session: bool = False, **env: str) -> subprocess.Popen:
    environment = {**{k: v for k, v in os.environ.items() if k != "BNKPI_SMTP_PASSWORD"}, **env}
    return subprocess.Popen(BNKPI + ["run", "--notebook-dir", str(notebooks), "--output-dir", str(folder / "out"),
                                     "--processed-dir", str(folder / "proc")],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=new_session)


def probe_run(folder: Path, notebooks: Path, **env: str) -> tuple[int, str, str]:
    process = start_probe_run(folder, notebooks, **env)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def live_processes_of(run_id: str) -> list[int]:
    """Independent of the runner's code: live (non-zombie) processes started with BNKPI_RUN_ID=run_id."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"BNKPI_RUN_ID={run_id}".encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def published(folder: Path) -> tuple[str, str]:
    return os.readlink(folder / "out"), os.readlink(folder / "proc")


def probe_value(folder: Path) -> str:
    return json.loads((folder / "out" / "tables" / "probe.json").read_text())["value"]


def test_kills_and_signals_leave_the_last_good_run_readable_and_nothing_behind(tmp_path, probe_notebooks):
    folder = tmp_path / "site"
    folder.mkdir()
    # 1. a good run under cron conditions: HOME not writable, the password in the environment -> quiet, exit 0
    code, out, err = probe_run(folder, probe_notebooks, PROBE_VALUE="first", HOME="/proc/no-such-home",
                               BNKPI_SMTP_PASSWORD=SMTP_PASSWORD)
    assert (code, out, err) == (0, "", "")
    first = published(folder)
    assert first[0].rsplit("/", 1)[1] == first[1].rsplit("/", 1)[1]  # one run id for the pair
    assert probe_value(folder) == "first"
    assert json.loads((folder / "out" / "tables" / "probe.json").read_text())["password_seen"] is False

    # 2. SIGKILL while the notebook runs; meanwhile no process of the run carries the password
    flag = tmp_path / "flag2"
    run2 = start_probe_run(folder, probe_notebooks, PROBE_VALUE="second", PROBE_SLEEP="60", PROBE_FLAG=str(flag),
                           BNKPI_SMTP_PASSWORD=SMTP_PASSWORD)
    wait_for(flag)
    killed_id = next(p.name for p in (folder / ".out.runs").iterdir() if p.name.startswith(".staging-"))[9:]
    kernel_pid = int(flag.read_text())
    assert kernel_pid in live_processes_of(killed_id)
    assert b"BNKPI_SMTP_PASSWORD" not in (Path("/proc") / str(kernel_pid) / "environ").read_bytes()
    workers_and_kernels = live_processes_of(killed_id)
    assert len(workers_and_kernels) >= 2  # the pool worker and the kernel
    for pid in workers_and_kernels:  # the runner itself talks SMTP; nothing it starts has the password
        assert SMTP_PASSWORD.encode() not in (Path("/proc") / str(pid) / "environ").read_bytes()
    run2.kill()
    run2.wait()
    assert published(folder) == first and probe_value(folder) == "first"
    deadline = time.monotonic() + 5  # workers die with the runner, kernels when their worker has gone
    while live_processes_of(killed_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not live_processes_of(killed_id)

    # 3. SIGKILL between the processed and the output switch (a test hook pauses there)
    flag = tmp_path / "flag3"
    run3 = start_probe_run(folder, probe_notebooks, PROBE_VALUE="third", BNKPI_TEST_PAUSE=f"between-switches:{flag}")
    wait_for(flag)
    assert probe_value(folder) == "first"  # the outputs still show the last complete run
    assert published(folder)[1] != first[1]  # processed already switched: the pair disagrees
    run3.kill()
    run3.wait()

    # 4. SIGTERM while the notebook runs: exit 143, one paragraph, its processes ended, its staging removed
    flag = tmp_path / "flag4"
    run4 = start_probe_run(folder, probe_notebooks, PROBE_VALUE="fourth", PROBE_SLEEP="60", PROBE_FLAG=str(flag))
    wait_for(flag)
    term_id = next(p.name for p in (folder / ".out.runs").iterdir() if p.name.startswith(".staging-"))[9:]
    # (run 4 first finished run 3's publish and ended what run 2 left)
    assert not live_processes_of(killed_id)
    third = published(folder)
    assert third[0].rsplit("/", 1)[1] == third[1].rsplit("/", 1)[1] and probe_value(folder) == "third"
    # a second run into another output folder but the same processed folder cannot start meanwhile
    other = subprocess.run(BNKPI + ["run", "--notebook-dir", str(probe_notebooks), "--output-dir",
                                    str(tmp_path / "other_out"), "--processed-dir", str(folder / "proc")],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert other.returncode == 3 and "Another bnkpi run is in progress" in other.stderr
    assert not (tmp_path / "other_out").exists()
    run4.send_signal(signal.SIGTERM)
    out, err = run4.communicate(timeout=30)
    assert run4.returncode == 143
    assert "stopped by SIGTERM" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not live_processes_of(term_id)
    assert not [p for p in (folder / ".out.runs").iterdir() if p.name.startswith(".")]
    assert published(folder) == third

    # 4b. Ctrl-C in a terminal: SIGINT to the whole process group -> exit 130, the same clean end
    flag = tmp_path / "flag4b"
    run4b = start_probe_run(folder, probe_notebooks, PROBE_SLEEP="60", PROBE_FLAG=str(flag), new_session=True)
    wait_for(flag)
    int_id = next(p.name for p in (folder / ".out.runs").iterdir() if p.name.startswith(".staging-"))[9:]
    os.killpg(run4b.pid, signal.SIGINT)
    out, err = run4b.communicate(timeout=30)
    assert run4b.returncode == 130 and "stopped by SIGINT" in err and len(err.strip().splitlines()) == 1
    assert not live_processes_of(int_id) and published(folder) == third

    # 5. the next run succeeds and leaves only the pair, its runs (at most 3 each) and the locks; a reader
    # polling the outputs throughout always finds a complete table, the old one and then the new one
    seen, stop = [], threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.append(probe_value(folder))
            except (OSError, ValueError) as exc:
                seen.append(f"unreadable: {exc}")
            stop.wait(0.002)

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        code, out, err = probe_run(folder, probe_notebooks, PROBE_VALUE="fifth")
    finally:
        stop.set()
        watcher.join()
    assert (code, err) == (0, "")
    assert set(seen) == {"third", "fifth"} and seen[0] == "third" and seen[-1] == "fifth"
    assert seen.index("fifth") > len(seen) - 1 - seen[::-1].index("third")  # no flip back
    assert probe_value(folder) == "fifth" and (folder / "proc" / "cleaning_log.txt").read_text() == "probe fifth"
    assert sorted(p.name for p in folder.iterdir()) == [".out.lock", ".out.runs", ".proc.lock", ".proc.runs",
                                                        "out", "proc"]
    for runs in (folder / ".out.runs", folder / ".proc.runs"):
        names = sorted(p.name for p in runs.iterdir())
        assert len(names) == 3 and not [n for n in names if n.startswith(".")]
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert manifest["processed"]["run_id"] == manifest["run_id"] == published(folder)[1].rsplit("/", 1)[1]
    assert manifest["processed"]["tables"]["cleaning_log.txt"] == hashlib.sha256(b"probe fifth").hexdigest()


def test_a_run_sharing_the_processed_folder_cannot_publish_while_another_holds_it(tmp_path):
    processed = tmp_path / "processed"
    with (tmp_path / ".processed.lock").open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_bnkpi("run", "--output-dir", str(tmp_path / "other_outputs"), "--processed-dir", str(processed))
    assert result.returncode == 3 and "Another bnkpi run is in progress" in result.stderr
    assert not processed.exists() and not (tmp_path / "other_outputs").exists()


@contextlib.contextmanager
def small_disk(folder: Path, size: str, read_only: bool = False):
    folder.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_full_and_read_only_disks_end_in_one_paragraph_and_the_next_run_succeeds(tmp_path, probe_notebooks):
    with small_disk(tmp_path / "disk", "3m", read_only=True) as disk:
        code, _, err = probe_run(disk, probe_notebooks)
        assert code == 1 and f"Could not write to {disk}/.out.lock: Read-only file system" in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        code, _, err = probe_run(disk, probe_notebooks, PROBE_VALUE="good")
        assert (code, err) == (0, "") and probe_value(disk) == "good"
        code, _, err = probe_run(disk, probe_notebooks, PROBE_VALUE="too big", PROBE_BYTES=str(8 * 2**20))
        assert code == 1 and "No space left on device" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
        assert probe_value(disk) == "good"
        assert not [p for p in (disk / ".out.runs").iterdir() if p.name.startswith(".")]
        code, _, err = probe_run(disk, probe_notebooks, PROBE_VALUE="space is back")
        assert (code, err) == (0, "") and probe_value(disk) == "space is back"


# --- SIGKILL of the runner at any moment: nothing of the run lives on or writes again (issues 22 and 23) ----

KILL_PROBE = '''import os, pathlib, time
flags = os.environ.get("PROBE_FLAGS")
if flags:
    (pathlib.Path(flags) / "{name}").write_text(str(os.getpid()))
time.sleep(float(os.environ.get("PROBE_SLEEP_{stem}", "0")))
(pathlib.Path(processed_dir) / "cleaning_log.txt").write_text("probe")
(pathlib.Path(output_dir) / "tables" / "{stem}.done").write_text("written")'''

# Imported first by every interpreter given PYTHONPATH: a spawn child of the runner (and only it) takes a number
# and, if it is the one asked for, says so and sleeps before any of its own code runs -- a slow worker start.
SLOW_SPAWN = '''import os, sys, time
folder = os.environ.get("PROBE_SPAWN_DIR")
if folder and "--multiprocessing-fork" in sys.orig_argv:
    number = 1
    while True:
        try:
            os.close(os.open(os.path.join(folder, f"spawn-{number}"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            break
        except FileExistsError:
            number += 1
    if str(number) == os.environ.get("PROBE_SPAWN_PAUSE"):
        with open(os.path.join(folder, "paused"), "w") as flag:
            flag.write(str(os.getpid()))
        time.sleep(float(os.environ.get("PROBE_SPAWN_SLEEP", "1.5")))
'''


@pytest.fixture
def kill_suite(tmp_path):
    """Three probe notebooks: 01 alone, then 02 and 03 together (two workers), as the real suite runs them."""
    folder = tmp_path / "kill_notebooks"
    folder.mkdir()
    for stem in ("01_probe", "02_probe", "03_probe"):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "bnkpi", "display_name": "Python (bnkpi)", "language": "python"}
        params = nbformat.v4.new_code_cell('raw_dir = ""\nprocessed_dir = ""\noutput_dir = ""\nlang = "vi"')
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(KILL_PROBE.format(name=stem, stem=stem[:2]))]
        nbformat.write(nb, folder / f"{stem}.ipynb")
    site = tmp_path / "slow_spawn"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_SPAWN)
    return folder, site


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {seconds} s"
        time.sleep(0.05)


# moment: (what the test waits for before the kill, extra environment)
KILL_MOMENTS = {
    "staging-created": ("staging", {}),
    "first-worker-starting": ("paused", {"PROBE_SPAWN_PAUSE": "1"}),
    "notebook-01-running": ("01_probe", {"PROBE_SLEEP_01": "60"}),
    "notebook-01-finished": ("01.done", {}),
    "second-worker-starting": ("paused", {"PROBE_SPAWN_PAUSE": "2", "PROBE_SLEEP_02": "3"}),
    "notebooks-02-03-running": ("02_probe+03_probe", {"PROBE_SLEEP_02": "60", "PROBE_SLEEP_03": "60"}),
    "publishing": ("publish", {}),
}


@pytest.mark.parametrize("moment", list(KILL_MOMENTS))
def test_sigkill_at_any_moment_leaves_no_process_of_the_run_and_no_later_write(tmp_path, kill_suite, moment):
    """The review's orphans: workers killed while starting lived on (157 s) and even executed notebooks into the
    dead run's staging. Every process the run started (workers, kernels, the resource tracker) is gone 5 s after
    the runner's SIGKILL, and nothing is written into its folders after the kill."""
    notebooks, site = kill_suite
    folder, flags, spawns = tmp_path / "site", tmp_path / "flags", tmp_path / "spawns"
    for path in (folder, flags, spawns):
        path.mkdir()
    waited_for, env = KILL_MOMENTS[moment]
    env = {**{k: v for k, v in os.environ.items() if k != "BNKPI_SMTP_PASSWORD"}, **env,
           "PROBE_FLAGS": str(flags), "PROBE_SPAWN_DIR": str(spawns), "PYTHONPATH": str(site)}
    if waited_for == "publish":
        env["BNKPI_TEST_PAUSE"] = f"before-switch:{flags / 'publish'}"
    runs, started, run_id = folder / ".out.runs", set(), None
    conditions = {
        "staging": lambda: runs.is_dir() and any(p.name.startswith(".staging-") for p in runs.iterdir()),
        "paused": lambda: (spawns / "paused").exists(),
        "01.done": lambda: runs.is_dir() and any(runs.glob(".staging-*/tables/01.done")),
        "publish": lambda: (flags / "publish").exists(),
    }
    condition = conditions.get(waited_for) or (lambda: all((flags / name).exists() for name in waited_for.split("+")))
    with (tmp_path / "stderr.txt").open("w") as stderr:  # a file, not a pipe: an orphan would hold a pipe open
        runner = subprocess.Popen(BNKPI + ["run", "--notebook-dir", str(notebooks), "--output-dir",
                                           str(folder / "out"), "--processed-dir", str(folder / "proc")],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_until(lambda: condition() or runner.poll() is not None, 120, waited_for)
        assert runner.poll() is None, (tmp_path / "stderr.txt").read_text()
        run_id = next(runs.glob(".run-*.json")).name[len(".run-"):-len(".json")]
        started = set(children_of(runner.pid)) | set(live_processes_of(run_id))  # workers, tracker, kernels
        runner.kill()
        killed_at = time.monotonic()
        runner.wait()
        notebooks_started, written = sorted(p.name for p in flags.iterdir()), files_under(folder)
        wait_until(lambda: not live_processes_of(run_id) and not [p for p in started if alive(p)], 5,
                   f"the end of every process of run {run_id} ({sorted(started)})")
        # a paused worker start would have woken by now: nothing of the dead run started a notebook or wrote
        time.sleep(max(0.0, killed_at + 2.0 - time.monotonic()))
        assert sorted(p.name for p in flags.iterdir()) == notebooks_started
        assert files_under(folder) <= written, files_under(folder) - written
        assert not os.path.lexists(folder / "out")  # never published
    finally:  # a failure here must not leave orphans running on the machine
        runner.kill()
        runner.wait()
        for pid in started | set(live_processes_of(run_id) if run_id else ()):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_a_raw_file_edited_during_the_run_fails_it_and_nothing_is_published(tmp_path, probe_notebooks, raw_copy):
    """The review edited kpi_actuals.csv (100 -> 90) while notebook 01 ran: exit 0, the processed table had 90 and
    the manifest the checksum of the old file. Now the run fails in one paragraph and the last good run stays."""
    folder = tmp_path / "site"
    folder.mkdir()
    args = BNKPI + ["run", "--raw-dir", str(raw_copy), "--notebook-dir", str(probe_notebooks), "--output-dir",
                    str(folder / "out"), "--processed-dir", str(folder / "proc")]
    env = {k: v for k, v in os.environ.items() if k != "BNKPI_SMTP_PASSWORD"}
    good = subprocess.run(args, cwd=ROOT, env={**env, "PROBE_VALUE": "good"}, capture_output=True, text=True,
                          timeout=300)
    assert (good.returncode, good.stderr) == (0, "")
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert manifest["raw_inputs"]["kpi_actuals.csv"] == hashlib.sha256(
        (raw_copy / "kpi_actuals.csv").read_bytes()).hexdigest()
    first = published(folder)
    edited = subprocess.run(args, cwd=ROOT, env={**env, "PROBE_VALUE": "edited", "PROBE_EDIT": str(
        raw_copy / "kpi_actuals.csv")}, capture_output=True, text=True, timeout=300)
    assert edited.returncode == 1, edited.stderr
    assert "The raw data changed while the run" in edited.stderr and "kpi_actuals.csv" in edited.stderr
    assert "nothing was published" in edited.stderr and len(edited.stderr.strip().splitlines()) == 1
    assert published(folder) == first and probe_value(folder) == "good"
    assert not [p for p in (folder / ".out.runs").iterdir() if p.name.startswith(".")]
