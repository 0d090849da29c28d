"""`bnkpi send` against servers on 127.0.0.1: every failure ends with its documented exit code, one line, no
traceback, and no form of the password (clear or base64) on stderr."""

from __future__ import annotations

import base64
import email
import re
import socket
import threading
import time
from email import policy
from email.message import EmailMessage

import pytest

from bnkpi_utils import cli, mail
from conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer

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
