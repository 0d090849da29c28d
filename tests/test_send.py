"""`bnkpi send` against servers on 127.0.0.1: every failure ends with its documented exit code, one line, no
traceback, and no form of the password (clear or base64) on stderr."""

from __future__ import annotations

import base64
import email
import os
import re
import signal
import socket
import subprocess
import threading
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from bnkpi_utils import cli, mail
from conftest import BNKPI, ROOT, SMTP_PASSWORD, SMTP_USER, SmtpServer

UTF8_USER, UTF8_PASSWORD = "sở-khcn", "mật-khẩu-Bắc-Ninh-2030"


@pytest.fixture
def brief_dir(tmp_path):
    """An output folder with a small brief_vi.eml (From: the default bnkpi@localhost)."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = "[Sở KH&CN Bắc Ninh] Báo cáo nhanh"
    message["From"] = "bnkpi@localhost"
    message.set_content("Nội dung bản tin.")
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "brief_vi.eml").write_bytes(message.as_bytes())
    return tmp_path


def send(capsys, monkeypatch, brief_dir, port: int, *options: str, password: str | None = SMTP_PASSWORD,
         user: str | None = SMTP_USER) -> tuple[int, str, float]:
    """`bnkpi send` in this process (no interpreter start-up per case); returns exit code, stderr, seconds."""
    if password is None:
        monkeypatch.delenv(mail.PASSWORD_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(mail.PASSWORD_VARIABLE, password)
    args = ["send", "--output-dir", str(brief_dir), "--smtp-host", "127.0.0.1", "--smtp-port", str(port)]
    if user is not None:
        args += ["--user", user, "--insecure-plain-auth"]
    if "--to" not in options:
        args += ["--to", "lanhdao@bacninh.example"]
    if "--from" not in options and user is not None:
        args += ["--from", "bnkpi@bacninh.example"]
    start = time.monotonic()
    try:
        code = cli.main(args + list(options))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    err = capsys.readouterr().err
    return code, err, time.monotonic() - start


def password_forms(user: str, password: str) -> list[str]:
    """Independent of mail.secret_forms: the clear password and the base64 a server sees in AUTH PLAIN/LOGIN."""
    return [password, base64.b64encode(f"\0{user}\0{password}".encode()).decode(),
            base64.b64encode(password.encode()).decode()]


def leaks(text: str, password: str) -> bool:
    """Whether any base64-looking token of ``text``, decoded at any offset, reveals 5 characters of the password."""
    secret = password.encode()
    pieces = {secret[i:i + 5] for i in range(len(secret) - 4)}
    for token in re.findall(r"[A-Za-z0-9+/]{8,}={0,2}", text):
        for offset in range(4):
            chunk = token[offset:].rstrip("=")
            chunk = chunk[:len(chunk) // 4 * 4]
            try:
                decoded = base64.b64decode(chunk)
            except ValueError:
                continue
            if any(piece in decoded for piece in pieces):
                return True
    return False


def assert_clean(err: str, user: str = SMTP_USER, password: str = SMTP_PASSWORD) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2, err  # one line (plus the --insecure-plain-auth warning)
    for form in password_forms(user, password):
        assert form not in err
    assert not leaks(err, password), err


class ScriptedServer:
    """A tiny SMTP server on 127.0.0.1 that answers each command from a script (one connection at a time)."""

    def __init__(self, greeting: bytes | None = b"220 test ESMTP\r\n", drip: float = 0.0, answers=None,
                 fallback=None):
        self.greeting, self.drip, self.answers = greeting, drip, answers or {}
        self.fallback = fallback or (lambda line: b"250 OK\r\n")
        self.commands: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    self._talk(conn)
                except OSError:
                    pass

    def _talk(self, conn: socket.socket) -> None:
        if self.greeting is None:  # accepts, never answers
            self.stop.wait(30)
            return
        for byte in self.greeting:
            if self.stop.is_set():
                return
            conn.sendall(bytes([byte]))
            if self.drip:
                time.sleep(self.drip)
        reader = conn.makefile("rb")
        for line in reader:
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            self.commands.append(text)
            verb = text.split(" ")[0].upper()
            answer = self.answers.get(verb, b"221 bye\r\n" if verb == "QUIT" else self.fallback)
            if callable(answer):
                answer = answer(text)
            conn.sendall(answer)
            if verb == "QUIT":
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def scripted():
    servers = []

    def make(**kwargs) -> ScriptedServer:
        servers.append(ScriptedServer(**kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def test_wrong_password_reports_535_at_once(capsys, monkeypatch, brief_dir, smtp_server):
    code, err, seconds = send(capsys, monkeypatch, brief_dir, smtp_server.port, password="not-the-password")
    assert code == 4 and "authentication failed (535)" in err and "sai mật khẩu" in err
    assert seconds < 10  # the review saw 33 s: a fallback from PLAIN to LOGIN waited for a timeout
    assert_clean(err, password="not-the-password")


def test_utf8_login_and_password_are_sent_as_utf8(capsys, monkeypatch, brief_dir):
    with SmtpServer(user=UTF8_USER, password=UTF8_PASSWORD) as server:
        code, err, _ = send(capsys, monkeypatch, brief_dir, server.port, user=UTF8_USER, password=UTF8_PASSWORD)
        assert code == 0, err
        assert len(server.messages) == 1
        wrong, err, _ = send(capsys, monkeypatch, brief_dir, server.port, user=UTF8_USER, password="mật-khẩu-sai")
        assert wrong == 4 and "(535)" in err
        assert_clean(err, UTF8_USER, "mật-khẩu-sai")


def echo_auth(line: str) -> bytes:
    return f"535 5.7.8 rejected: {line}\r\n".encode()


def test_a_server_echoing_the_auth_line_never_gets_the_password_printed(capsys, monkeypatch, brief_dir, scripted):
    server = scripted(answers={"EHLO": b"250-test\r\n250 AUTH PLAIN\r\n", "AUTH": echo_auth})
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port)
    assert code == 4 and "(535)" in err
    assert any(c.startswith("AUTH PLAIN ") for c in server.commands)
    assert_clean(err)


@pytest.mark.parametrize("user", [SMTP_USER, "ab", "a-much-longer-login-name"])
def test_auth_data_echoed_in_a_later_reply_is_redacted(capsys, monkeypatch, brief_dir, scripted, user):
    """Accepted AUTH, then a MAIL FROM refusal that quotes the AUTH line: the reply is shown, the secret not."""
    said = {}

    def remember(line: str) -> bytes:
        said["auth"] = line
        return b"235 ok\r\n"

    server = scripted(answers={"EHLO": b"250-test\r\n250 AUTH PLAIN LOGIN\r\n", "AUTH": remember,
                               "MAIL": lambda line: f"550 policy: you said {said['auth']}\r\n".encode()})
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port, user=user)
    assert code == 4 and "550" in err and "policy: you said AUTH PLAIN" in err
    assert leaks(said["auth"], SMTP_PASSWORD)  # the check below can fail
    assert_clean(err, user=user)


def test_login_only_server_is_told_the_password_once_and_its_535_reported(capsys, monkeypatch, brief_dir, scripted):
    steps = iter([b"334 UGFzc3dvcmQ6\r\n", b"535 5.7.8 no\r\n"])
    server = scripted(answers={"EHLO": b"250-test\r\n250 AUTH LOGIN\r\n", "AUTH": b"334 VXNlcm5hbWU6\r\n"},
                      fallback=lambda line: next(steps))
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port)
    assert code == 4 and "authentication failed (535)" in err
    assert server.commands[1:4] == ["AUTH LOGIN", base64.b64encode(SMTP_USER.encode()).decode(),
                                    base64.b64encode(SMTP_PASSWORD.encode()).decode()]
    assert not [c for c in server.commands if c.startswith("AUTH PLAIN")]  # no second mechanism tried
    assert_clean(err)


def test_a_dripping_server_is_stopped_by_the_overall_timeout(capsys, monkeypatch, brief_dir, scripted):
    server = scripted(greeting=b"220 " + b"x" * 200 + b"\r\n", drip=0.2)  # each byte well inside the step timeout
    code, err, seconds = send(capsys, monkeypatch, brief_dir, server.port, "--timeout", "2")
    assert code == 4 and "within --timeout 2 s" in err
    assert seconds < 6
    assert_clean(err)


def test_a_silent_server_is_stopped_by_the_overall_timeout(capsys, monkeypatch, brief_dir, scripted):
    server = scripted(greeting=None)
    code, err, seconds = send(capsys, monkeypatch, brief_dir, server.port, "--timeout", "1.5")
    assert code == 4 and seconds < 6 and "--timeout" in err
    assert_clean(err)


@pytest.mark.parametrize("options, words", [
    (["--to", "not an address"], "'not an address' is not an e-mail address"),
    (["--to", "lanhdao@"], "'lanhdao@' is not an e-mail address"),
    (["--to", "a@bacninh.example\r\nBcc: victim@evil.example"], "line break"),
    (["--cc", "b@bacninh.example\nBcc: victim@evil.example"], "line break"),
    (["--from", "x@bacninh.example\r\nRCPT TO:<victim@evil.example>"], "line break"),
    (["--from", "so-khcn"], "--from 'so-khcn' is not"),
    (["--smtp-port", "99999"], "a port is between 1 and 65535"),
    (["--smtp-port", "0"], "a port is between 1 and 65535"),
    (["--timeout", "-1"], "seconds above 0"),
])
def test_wrong_options_are_usage_errors_and_nothing_is_sent(capsys, monkeypatch, brief_dir, smtp_server, options,
                                                             words):
    before = len(smtp_server.messages)
    code, err, _ = send(capsys, monkeypatch, brief_dir, smtp_server.port, *options)
    assert code == 64 and words in err
    assert "Traceback" not in err and SMTP_PASSWORD not in err
    assert len(smtp_server.messages) == before


def test_user_with_a_line_break_is_a_usage_error(capsys, monkeypatch, brief_dir, smtp_server):
    code, err, _ = send(capsys, monkeypatch, brief_dir, smtp_server.port, user="so-khcn\r\nRCPT TO:<v@evil.example>")
    assert code == 64 and "line break" in err and "Traceback" not in err


def test_auth_without_tls_is_refused_unless_asked_for(capsys, monkeypatch, brief_dir, scripted):
    server = scripted()
    monkeypatch.setenv(mail.PASSWORD_VARIABLE, SMTP_PASSWORD)
    code = cli.main(["send", "--output-dir", str(brief_dir), "--smtp-host", "127.0.0.1", "--smtp-port",
                     str(server.port), "--user", SMTP_USER, "--from", "bnkpi@bacninh.example",
                     "--to", "lanhdao@bacninh.example"])
    err = capsys.readouterr().err
    assert code == 64 and "clear text" in err and "--starttls" in err
    assert server.commands == []  # not even a connection got a command


def test_insecure_plain_auth_warns(capsys, monkeypatch, brief_dir, smtp_server):
    code, err, _ = send(capsys, monkeypatch, brief_dir, smtp_server.port)
    assert code == 0
    assert err.strip() == (f"bnkpi: warning: the SMTP password goes to 127.0.0.1:{smtp_server.port} without TLS "
                           "(--insecure-plain-auth)")


def test_from_is_a_full_address(capsys, monkeypatch, brief_dir, smtp_server):
    # a bare login and the brief's default bnkpi@localhost: refused with the hint, nothing sent
    before = len(smtp_server.messages)
    monkeypatch.setenv(mail.PASSWORD_VARIABLE, SMTP_PASSWORD)
    base = ["send", "--output-dir", str(brief_dir), "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_server.port),
            "--to", "lanhdao@bacninh.example", "--insecure-plain-auth"]
    code = cli.main(base + ["--user", SMTP_USER])
    err = capsys.readouterr().err
    assert code == 64 and "--user so-khcn is not an e-mail address" in err and "--from" in err
    assert len(smtp_server.messages) == before
    # a login that is an address is the sender (header and envelope)
    with SmtpServer(user="bnkpi@bacninh.example", password=SMTP_PASSWORD) as server:
        base[base.index(str(smtp_server.port))] = str(server.port)
        monkeypatch.setenv(mail.PASSWORD_VARIABLE, SMTP_PASSWORD)  # main() removed it from the environment
        assert cli.main(base + ["--user", "bnkpi@bacninh.example"]) == 0
        received = server.messages[-1]
        assert received["mail_from"] == "bnkpi@bacninh.example"
        assert email.message_from_bytes(received["data"], policy=policy.default)["From"] == "bnkpi@bacninh.example"


def test_secret_forms_cover_every_alignment():
    """The password's base64 inside AUTH PLAIN blobs of any login length, and alone, is redacted."""
    for user in ("", "a", "ab", "abc", "so-khcn"):
        for blob in (f"\0{user}\0{SMTP_PASSWORD}", f"x{user}\0{SMTP_PASSWORD}", f"{user}\0{SMTP_PASSWORD}"):
            text = "reply: " + base64.b64encode(blob.encode()).decode() + " end"
            assert leaks(text, SMTP_PASSWORD)
            assert not leaks(mail.redact(text, mail.secret_forms(user, SMTP_PASSWORD)), SMTP_PASSWORD)


# --- what became of the brief: accepted, refused, or may have been delivered (issues 22 and 23) -------------

class DataServer:
    """A minimal SMTP server on 127.0.0.1 that gets as far as the message and then does ``after_data``: 'ok'
    (250), 'drop' (closes the connection), 'silent' (never answers), or a reply such as b'552 ...'."""

    def __init__(self, after_data="ok", extensions=("AUTH PLAIN",), rcpt=None, auth=None, ehlo_delay=0.0):
        self.after_data, self.extensions, self.ehlo_delay = after_data, extensions, ehlo_delay
        self.rcpt = rcpt or (lambda address: b"250 OK\r\n")
        self.auth = auth or (lambda line: b"235 ok\r\n")
        self.commands: list[bytes] = []
        self.messages: list[bytes] = []
        self.connected, self.received = threading.Event(), threading.Event()
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as reader:
                try:
                    self._talk(conn, reader)
                except OSError:
                    pass

    def _talk(self, conn, reader) -> None:
        self.connected.set()
        conn.sendall(b"220 test ESMTP\r\n")
        for line in reader:
            self.commands.append(line.rstrip(b"\r\n"))
            verb = line.split(b" ")[0].split(b":")[0].upper().strip()
            if verb in (b"EHLO", b"HELO"):
                self.stop.wait(self.ehlo_delay)
                lines = [b"test", *(e.encode() for e in self.extensions)]
                conn.sendall(b"".join(b"250" + (b" " if i == len(lines) - 1 else b"-") + text + b"\r\n"
                                      for i, text in enumerate(lines)))
            elif verb == b"AUTH":
                conn.sendall(self.auth(line.decode("utf-8", "replace").strip()))
            elif verb == b"RCPT":
                conn.sendall(self.rcpt(line.decode("utf-8").split("<", 1)[1].split(">", 1)[0]))
            elif verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                body = b""
                for data in reader:
                    if data == b".\r\n":
                        break
                    body += data
                self.messages.append(body)
                self.received.set()
                if self.after_data == "drop":
                    return
                if self.after_data == "silent":
                    self.stop.wait(60)
                    return
                conn.sendall(b"250 queued\r\n" if self.after_data == "ok" else self.after_data)
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 OK\r\n")

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def data_server():
    servers = []

    def make(**kwargs) -> DataServer:
        servers.append(DataServer(**kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


MAY = "it may have been delivered; check with the recipients before sending again"


def test_a_connection_closed_after_the_message_says_it_may_have_been_delivered(capsys, monkeypatch, brief_dir,
                                                                                data_server):
    server = data_server(after_data="drop")
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port)
    assert code == 4 and len(server.messages) == 1
    assert "the server closed the connection" in err and MAY in err and "not sent" not in err
    assert_clean(err)


def test_a_server_silent_after_the_message_says_it_may_have_been_delivered(capsys, monkeypatch, brief_dir,
                                                                           data_server):
    server = data_server(after_data="silent")
    code, err, seconds = send(capsys, monkeypatch, brief_dir, server.port, "--timeout", "2")
    assert code == 4 and seconds < 8 and len(server.messages) == 1
    assert "within --timeout 2 s" in err and MAY in err and "was not sent" not in err
    assert_clean(err)


def test_refusals_say_the_brief_was_not_delivered(capsys, monkeypatch, brief_dir, data_server):
    server = data_server(after_data=b"552 5.2.2 mailbox full\r\n")
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port)
    assert code == 4 and "552 5.2.2 mailbox full" in err and "refused the brief after receiving it" in err
    assert "it was not delivered" in err and "b'" not in err
    server = data_server(rcpt=lambda address: b"452 4.5.3 too many recipients\r\n")
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port)
    assert code == 4 and "refused every recipient: lanhdao@bacninh.example (452 4.5.3 too many" in err
    assert "the brief was not sent" in err and not server.messages
    assert_clean(err)


def test_partial_acceptance_names_who_got_the_brief(capsys, monkeypatch, brief_dir, data_server):
    server = data_server(rcpt=lambda address: b"452 4.5.3 too many\r\n" if address.startswith("u2") else b"250 OK\r\n")
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port,
                        "--to", "u1@bacninh.example", "--to", "u2@bacninh.example", "--cc", "u3@bacninh.example")
    assert code == 4 and len(server.messages) == 1
    assert "accepted the brief for u1@bacninh.example, u3@bacninh.example and refused u2@bacninh.example (452" in err
    assert "send it again to the refused recipients only" in err
    assert_clean(err)


def test_an_internationalised_local_part_needs_smtputf8(capsys, monkeypatch, brief_dir, data_server):
    """`lãnh.đạo@bacninh.gov.vn` was refused even by a server offering SMTPUTF8."""
    address = "lãnh.đạo@bacninh.gov.vn"
    server = data_server(extensions=("AUTH PLAIN", "SMTPUTF8", "8BITMIME"))
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port, "--to", address)
    assert code == 0, err
    assert f"rcpt TO:<{address}>".encode() in server.commands  # smtplib's spelling of the verbs
    assert any(c.lower().startswith(b"mail from:") and b"SMTPUTF8" in c for c in server.commands)
    assert f"To: {address}".encode() in server.messages[0]
    plain = data_server(extensions=("AUTH PLAIN",))
    code, err, _ = send(capsys, monkeypatch, brief_dir, plain.port, "--to", address)
    assert code == 64 and "does not offer SMTPUTF8" in err and address in err and "nothing was sent" in err
    assert not [c for c in plain.commands if c.upper().startswith((b"AUTH", b"MAIL"))]  # refused before the password
    assert cli.main(["send", "--output-dir", str(brief_dir), "--smtp-host", "127.0.0.1", "--to", address, "--from",
                     "bnkpi@bacninh.example",
                     "--dry-run"]) == 0
    assert f"To: {address}" in capsys.readouterr().out


def test_a_password_with_a_byte_that_is_not_utf8_is_sent_as_is_and_never_shown(capsys, monkeypatch, brief_dir,
                                                                                 data_server):
    """The review's password with byte 0xFF stopped with "UnicodeEncodeError ... '\\udcff' in position 7"."""
    password = "s3cret-\udcff-Pa55"  # what os.environ gives for the bytes b"s3cret-\xff-Pa55"
    wanted = base64.b64encode(b"\0" + SMTP_USER.encode() + b"\0s3cret-\xff-Pa55").decode()
    server = data_server(auth=lambda line: b"235 ok\r\n" if line == f"AUTH PLAIN {wanted}" else b"535 no\r\n")
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port, password=password)
    assert code == 0 and len(server.messages) == 1, err
    # a server refusing it and echoing the AUTH line, and one echoing the password itself
    for auth in (echo_auth, lambda line: b"535 wrong password s3cret-\xff-Pa55\r\n"):
        server = data_server(auth=auth)
        code, err, _ = send(capsys, monkeypatch, brief_dir, server.port, password=password)
        assert code == 4 and "authentication failed (535)" in err and "the brief was not sent" in err
        for part in ("\udcff", "\\udcff", "\\xff", "\ufffd", "position", "Unicode", wanted[8:20]):
            assert part not in err, (part, err)
    server = data_server(after_data=b"554 rejected: s3cret-\xff-Pa55\r\n")
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port, password=password)
    assert code == 4 and "554 rejected: ***" in err and "s3cret" not in err


def start_send(brief_dir, port: int, *options: str):
    env = {**os.environ, mail.PASSWORD_VARIABLE: SMTP_PASSWORD, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(BNKPI + ["send", "--output-dir", str(brief_dir), "--smtp-host", "127.0.0.1",
                                     "--smtp-port", str(port), "--user", SMTP_USER, "--insecure-plain-auth",
                                     "--from", "bnkpi@bacninh.example", "--to", "lanhdao@bacninh.example",
                                     *options], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_sigint_during_the_send_say_how_far_the_brief_went(brief_dir, data_server, signum, code):
    """SIGTERM ended `bnkpi send` with no line at all (-15), SIGINT with "interrupted."; neither said whether the
    brief had gone. Like `bnkpi run`: 143/130 and one paragraph."""
    cases = [  # (server, when the signal comes, what the paragraph says)
        (data_server(after_data="silent"), "received", MAY),
        (data_server(ehlo_delay=30), "connected", "the brief was not sent"),
    ]
    for server, moment, words in cases:
        process = start_send(brief_dir, server.port)
        try:
            assert getattr(server, moment).wait(60), process.communicate(timeout=5)
            time.sleep(0.2)  # the client is now waiting for the server's answer
            process.send_signal(signum)
            out, err = process.communicate(timeout=20)
        finally:
            process.kill()
            process.communicate()
        assert process.returncode == code, err
        assert err.strip().splitlines()[-1].startswith(f"bnkpi send: stopped by {signal.Signals(signum).name}: brief_vi: ")
        assert words in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 2  # the --insecure-plain-auth warning, then the paragraph
        assert_clean(err.strip().splitlines()[1])


def test_an_unexpected_error_never_shows_the_password(capsys, monkeypatch, brief_dir, data_server):
    """The top-level handler prints the error's first line and writes its traceback to a log file: neither may
    carry the password, and an encoding error (which quotes the characters it met) shows only its name."""
    server = data_server()

    def broken(*args, **kwargs):
        raise RuntimeError(f"the library said {SMTP_PASSWORD!s} somewhere")

    monkeypatch.setattr(mail, "send", broken)
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port)
    assert code == 1 and "RuntimeError: the library said *** somewhere" in err
    log = Path(re.search(r"The details are in (\S+)\.$", err.strip()).group(1))
    assert SMTP_PASSWORD not in log.read_text() and "***" in log.read_text()
    log.unlink()

    def unencodable(*args, **kwargs):
        "s3cret-\udcff".encode("utf-8")

    monkeypatch.setattr(mail, "send", unencodable)
    code, err, _ = send(capsys, monkeypatch, brief_dir, server.port, password="s3cret-\udcff")
    assert code == 1 and "(UnicodeEncodeError)" in err and "position" not in err and "udcff" not in err
    Path(re.search(r"The details are in (\S+)\.$", err.strip()).group(1)).unlink()


BRIEF_PROBE = '''import pathlib
from email.message import EmailMessage
from email import policy
message = EmailMessage(policy=policy.SMTP)
message["Subject"] = "Bản tin thử"
message["From"] = "bnkpi@bacninh.example"
message.set_content("Nội dung.")
(pathlib.Path(output_dir) / "briefs" / "brief_vi.eml").write_bytes(message.as_bytes())
(pathlib.Path(processed_dir) / "cleaning_log.txt").write_text("probe")'''


def test_sigterm_in_the_send_phase_of_run_send(tmp_path, data_server):
    """`bnkpi run --send` (a one-notebook suite that writes a brief): SIGTERM while the server has the message and
    has not answered ends the command with 143 and the same paragraph; the run itself stays published."""
    import nbformat

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "bnkpi", "display_name": "Python (bnkpi)", "language": "python"}
    params = nbformat.v4.new_code_cell('raw_dir = ""\nprocessed_dir = ""\noutput_dir = ""\nlang = "vi"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(BRIEF_PROBE)]
    nbformat.write(nb, notebooks / "01_brief.ipynb")
    server = data_server(after_data="silent")
    env = {**os.environ, mail.PASSWORD_VARIABLE: SMTP_PASSWORD}
    process = subprocess.Popen(BNKPI + ["run", "--notebook-dir", str(notebooks), "--output-dir", str(tmp_path / "out"),
                                        "--processed-dir", str(tmp_path / "proc"), "--send", "--smtp-host",
                                        "127.0.0.1", "--smtp-port", str(server.port), "--user", SMTP_USER,
                                        "--insecure-plain-auth", "--from", "bnkpi@bacninh.example", "--to",
                                        "lanhdao@bacninh.example"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.received.wait(180), process.communicate(timeout=5)
        time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == 143, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("bnkpi send: stopped by SIGTERM: brief_vi: ") and MAY in last
    assert "Traceback" not in err
    assert (tmp_path / "out" / "briefs" / "brief_vi.eml").is_file()  # the run was published before the send
