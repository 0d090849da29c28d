from __future__ import annotations

import base64
import csv
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Notebooks run without folders (nbval, papermill in tests) write to the scratch folder: a temporary one here,
# set before any kernel starts so the kernels inherit it.
os.environ.setdefault("BNKPI_SCRATCH_DIR", tempfile.mkdtemp(prefix="bnkpi-scratch-"))

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
BNKPI = [sys.executable, "-m", "bnkpi_utils.cli"]


def run_bnkpi(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "BNKPI_SMTP_PASSWORD"}, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run(BNKPI + list(args), capture_output=True, text=True, cwd=cwd or ROOT, env=env,
                          timeout=900)


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_previous(good_run: dict, target: Path) -> dict[str, dict[str, str]]:
    """Copy a good run's outputs and processed tables to ``target``; returns their hashes to compare later."""
    shutil.copytree(good_run["output"], target / "outputs")
    shutil.copytree(good_run["processed"], target / "processed")
    return snapshot(target)


def snapshot(target: Path) -> dict[str, dict[str, str]]:
    return {name: tree_hashes(target / name) for name in ("outputs", "processed")}


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def sheet_row(index: int) -> int:
    """Spreadsheet row of the index-th data record (header = row 1)."""
    return index + 2


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target


SMTP_USER, SMTP_PASSWORD = "so-khcn", "s3cret-Pa55-for-tests"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives; AUTH LOGIN/PLAIN without TLS."""

    def __init__(self, user: str = SMTP_USER, password: str = SMTP_PASSWORD):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[dict] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                outer.messages.append(dict(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                                           data=envelope.original_content or envelope.content))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == user and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd itself answers 535 on failure

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticator,
                                     auth_require_tls=False)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture(scope="session")
def smtp_server():
    with SmtpServer() as server:
        yield server


def smtp_args(server: SmtpServer) -> list[str]:
    return ["--to", "lanhdao@bacninh.example", "--cc", "Văn phòng <vanphong@bacninh.example>",
            "--smtp-host", "127.0.0.1", "--smtp-port", str(server.port), "--user", SMTP_USER,
            "--from", "bnkpi@bacninh.example", "--insecure-plain-auth"]  # the test server has no TLS


@pytest.fixture(scope="session")
def good_run(tmp_path_factory, smtp_server, worker_id) -> dict[str, Path]:
    """One successful `bnkpi run --lang all --send` on the shipped data, shared by the tests that only read it.

    Under pytest-xdist the workers share one run too: the first worker to need it runs it under a file lock in
    the session's common temporary folder and records what the tests read (folders, output, sent messages); the
    others wait for the lock and read the record. Tests must copy these folders before changing anything.
    """
    if worker_id == "master":
        return _good_run(tmp_path_factory.mktemp("run"), smtp_server)
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of this session
    record = shared / "good_run.json"
    with (shared / "good_run.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not record.exists():
                run = _good_run(shared / "good_run", smtp_server)
                saved = {**run, "output": str(run["output"]), "processed": str(run["processed"]),
                         "sent": [{**m, "data": base64.b64encode(m["data"]).decode()} for m in run["sent"]]}
                record.write_text(json.dumps(saved), encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    saved = json.loads(record.read_text(encoding="utf-8"))
    return {**saved, "output": Path(saved["output"]), "processed": Path(saved["processed"]),
            "sent": [{**m, "data": base64.b64decode(m["data"])} for m in saved["sent"]]}


def _good_run(base: Path, smtp_server: SmtpServer) -> dict:
    base.mkdir(parents=True, exist_ok=True)
    output, processed = base / "outputs", base / "processed"
    received_before = len(smtp_server.messages)
    result = run_bnkpi("run", "--output-dir", str(output), "--processed-dir", str(processed), "--lang", "all",
                       "--send", *smtp_args(smtp_server), env={"BNKPI_SMTP_PASSWORD": SMTP_PASSWORD})
    assert result.returncode == 0, result.stderr
    return {"output": output, "processed": processed, "stdout": result.stdout, "stderr": result.stderr,
            "sent": smtp_server.messages[received_before:], "smtp_port": smtp_server.port}


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    """pytest-xdist's worker id ("gw0", …), or "master" without xdist (xdist's own fixture, kept if present)."""
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


# Tests that start `bnkpi run`, papermill or a kernel themselves take seconds each: marked ``slow`` (still part of
# `make test`; `-m "not slow"` leaves them out while working on a unit). nbval's notebooks are slow too.
SLOW_CALLS = ('run_bnkpi("run"', "execute_notebook(", "run_pipeline(")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts a pipeline run, papermill or a kernel (seconds)")


# Modules in the order `make test`'s two workers should start them (longest first; the rest follow in collection
# order): the first worker runs the shared good run inside test_bad_input while the second starts test_data_round,
# which does not need it, so neither waits for the other; the long modules then leave no long tail.
MODULE_ORDER = ("tests/test_bad_input.py", "tests/test_data_round.py", "tests/test_run.py", "tests/test_notebooks.py",
                "tests/test_targets.py", "tests/test_brief.py", "notebooks/", "tests/test_send.py")


def _module_rank(item) -> int:
    path = item.nodeid.split("::")[0]
    return next((i for i, prefix in enumerate(MODULE_ORDER) if path.startswith(prefix)), len(MODULE_ORDER))


def pytest_collection_modifyitems(config, items):
    import inspect

    items.sort(key=_module_rank)  # stable: tests keep their order within a module (nbval's cells too)

    for item in items:
        function = getattr(item, "function", None)
        try:
            source = inspect.getsource(function) if function else ""
        except (OSError, TypeError):
            source = ""
        if function is None or any(call in source for call in SLOW_CALLS) or "good_run" in getattr(
                item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def pytest_xdist_make_scheduler(config, log):
    """`make test`'s `--dist loadscope` sends each module to one worker; nbval's notebooks are one module per file,
    but 02–05 read what 01 wrote in the scratch folder: they must run on one worker, in order."""
    if config.getoption("dist", None) != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class NotebooksTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "notebooks/" if nodeid.startswith("notebooks/") else super()._split_scope(nodeid)

    return NotebooksTogether(config, log)
