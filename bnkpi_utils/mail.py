"""Sending the brief by SMTP (the message itself is built by brief.py).

The password comes only from the BNKPI_SMTP_PASSWORD environment variable, which the command reads once and
removes from its environment, so the notebooks, workers and kernels of `bnkpi run --send` never see it. It is
never printed in any form: server replies are shown only after removing the password, the login and their
base64 encodings (AUTH PLAIN and LOGIN), and a failed AUTH is reported by its code alone. Credentials go over
TLS (--starttls or --ssl) unless --insecure-plain-auth says otherwise. Authentication is done here, not by
smtplib.login, so that the server's real answer (535) is reported instead of a fallback to another mechanism
that hides it, and so that UTF-8 logins and passwords work (RFC 4616 AUTH PLAIN is UTF-8).
"""

from __future__ import annotations

import base64
import contextlib
import email
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import errors, policy
from email.headerregistry import HeaderRegistry
from email.message import Message
from pathlib import Path

PASSWORD_VARIABLE = "BNKPI_SMTP_PASSWORD"
DEFAULT_TIMEOUT = 180.0  # seconds for the whole send (every language), whatever the server does
STEP_TIMEOUT = 30.0  # seconds for one connection attempt or one server reply
_FORBIDDEN = ("\r", "\n", "\0")


class SendError(Exception):
    """The brief could not be sent; the message says why (never the password). Exit 4."""


class MailUsageError(SendError):
    """A wrong e-mail option (an address, the port, AUTH without TLS); nothing was sent. Exit 64."""


class SendInterrupted(SendError):
    """SIGTERM or SIGINT stopped the send; the message says what the server had accepted. Exit 128 + signum."""

    def __init__(self, signum: int, message: str):
        super().__init__(message)
        self.signum = signum


MAY_HAVE_BEEN_DELIVERED = "it may have been delivered; check with the recipients before sending again"


@dataclass
class SmtpSettings:
    host: str
    to: list[str]
    cc: list[str] = field(default_factory=list)
    port: int | None = None
    security: str = "none"  # none | starttls | ssl
    user: str | None = None
    sender: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    step_timeout: float = STEP_TIMEOUT
    insecure_plain_auth: bool = False

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587}.get(self.security, 25)


def parse_addresses(value: str, option: str) -> list[str]:
    """The addr-specs in one option value (``a@b.example, Name <c@d.example>``); MailUsageError when not valid."""
    if any(ch in value for ch in _FORBIDDEN):
        raise MailUsageError(f"{option} {value!r}: line breaks and NUL are not allowed in an address")
    try:
        header = HeaderRegistry()("To", value)
        addresses = list(header.addresses)
    except Exception:  # noqa: BLE001 - the header parser fails in several ways on broken input
        raise MailUsageError(f"{option} {value!r} is not an e-mail address") from None
    defects = [d for d in header.defects if not isinstance(d, errors.NonASCIILocalPartDefect)]  # SMTPUTF8: send()
    if defects or not addresses or any(not a.username or not a.domain for a in addresses):
        raise MailUsageError(f"{option} {value!r} is not an e-mail address (name@domain, or Name <name@domain>)")
    return [a.addr_spec for a in addresses]


def is_full_address(value: str | None) -> bool:
    """``name@domain.tld`` (or an address literal): what strict servers accept as a sender."""
    try:
        (spec,) = parse_addresses(value or "", "From")
    except (MailUsageError, ValueError):
        return False
    domain = spec.rpartition("@")[2]
    return "." in domain.strip(".") or domain.startswith("[")


def check_settings(settings: SmtpSettings) -> list[str]:
    """Refuse wrong options before anything is run or sent (MailUsageError); returns warnings to print."""
    if not 1 <= settings.effective_port <= 65535:
        raise MailUsageError(f"--smtp-port {settings.effective_port}: a port is between 1 and 65535")
    if not settings.host or any(ch in settings.host for ch in (*_FORBIDDEN, " ")):
        raise MailUsageError(f"--smtp-host {settings.host!r} is not a host name")
    if not settings.to:
        raise MailUsageError("at least one --to address is needed to send the brief")
    for option, values in (("--to", settings.to), ("--cc", settings.cc)):
        for value in values:
            parse_addresses(value, option)
    if settings.sender is not None and (parse_addresses(settings.sender, "--from") and
                                        not is_full_address(settings.sender)):
        raise MailUsageError(f"--from {settings.sender!r} is not a full e-mail address (name@domain.tld)")
    if settings.timeout <= 0 or settings.step_timeout <= 0:
        raise MailUsageError(f"--timeout {settings.timeout}: give a number of seconds above 0")
    warnings = []
    if settings.user is not None:
        if not settings.user or any(ch in settings.user for ch in _FORBIDDEN):
            raise MailUsageError(f"--user {settings.user!r}: an empty login, or one with a line break or NUL")
        if settings.security == "none":
            if not settings.insecure_plain_auth:
                raise MailUsageError(
                    f"--user {settings.user} without --starttls or --ssl would send the password to "
                    f"{settings.host}:{settings.effective_port} in clear text; add --starttls or --ssl "
                    "(or, on a trusted local network only, --insecure-plain-auth)")
            warnings.append(f"warning: the SMTP password goes to {settings.host}:{settings.effective_port} without "
                            "TLS (--insecure-plain-auth)")
    return warnings


def load_brief(output_dir: Path, lang: str) -> Message:
    path = Path(output_dir) / "briefs" / f"brief_{lang}.eml"
    if not path.exists():
        raise SendError(f"no brief at {path}: run `bnkpi run --lang {lang}` first")
    return email.message_from_bytes(path.read_bytes(), policy=policy.SMTP)


def address(message: Message, settings: SmtpSettings) -> Message:
    """Set To, Cc and From for sending. From: --from, else --user when it is an address, else the brief's own."""
    for header in ("To", "Cc"):
        del message[header]
    message["To"] = ", ".join(settings.to)
    if settings.cc:
        message["Cc"] = ", ".join(settings.cc)
    sender = check_sender(settings, str(message["From"] or ""))
    if sender != message["From"]:
        del message["From"]
        message["From"] = sender
    return message


def check_sender(settings: SmtpSettings, brief_from: str) -> str:
    """The From to send with (--from, else --user when it is an address, else the brief's); MailUsageError if
    it is not a full address, which strict servers require."""
    sender = settings.sender or (settings.user if is_full_address(settings.user) else None)
    if sender:
        return sender
    if not is_full_address(brief_from):
        login = f"--user {settings.user} is not an e-mail address and " if settings.user else ""
        raise MailUsageError(f"{login}the brief's From {brief_from!r} is not a full e-mail address "
                             "(name@domain.tld), which servers require: give --from ADDR (or set BNKPI_MAIL_FROM "
                             "before the run)")
    return brief_from


def describe(message: Message, settings: SmtpSettings) -> str:
    """What would be sent (for --dry-run): headers, parts and server; never the password."""
    lines = [f"SMTP: {settings.host}:{settings.effective_port} ({settings.security})"
             + (f", user {settings.user}, password from ${PASSWORD_VARIABLE}" if settings.user else ""),
             f"From: {message['From']}", f"To: {message['To']}"]
    if message["Cc"]:
        lines.append(f"Cc: {message['Cc']}")
    lines.append(f"Subject: {message['Subject']}")
    for part in message.walk():
        if part.is_multipart():
            lines.append(f"  {part.get_content_type()}")
        else:
            size = len(part.get_payload(decode=True) or b"")
            cid = f" {part['Content-ID']}" if part["Content-ID"] else ""
            lines.append(f"    {part.get_content_type()}{cid} {size} bytes")
    return "\n".join(lines)


def secret_forms(user: str | None, password: str | None) -> list[str]:
    """The password and every form of it a server could echo: AUTH PLAIN and LOGIN base64, whole and in parts."""
    if not password:
        return []
    login, secret = _utf8(user or ""), _utf8(password)
    # the password as any message could show it: as given, decoded, escaped (an undecodable byte of it too)
    forms = {password, secret.decode("utf-8", "replace"), secret.decode("utf-8", "backslashreplace"),
             repr(secret)[2:-1], password.encode("unicode_escape", "backslashreplace").decode("ascii")}
    for blob in (b"\0" + login + b"\0" + secret, login + b"\0" + secret, secret):
        forms.add(base64.b64encode(blob).decode())
    # base64 of the password at any of the three alignments inside a longer blob, without the edge characters
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret).decode().rstrip("=")
        start = (shift * 4 + 2) // 3 + 1
        core = encoded[start:-2]
        if len(core) >= 4:
            forms.add(core)
    return sorted(forms, key=len, reverse=True)


def redact(text: str, forms: list[str]) -> str:
    for form in forms:
        text = text.replace(form, "***")
    return text


def _utf8(text: str) -> bytes:
    """Text as the bytes the user gave: an environment variable's undecodable bytes come back unchanged."""
    return text.encode("utf-8", "surrogateescape")


def _one_line(text: str) -> str:
    """Text from a server on one line: control characters and bidirectional overrides shown escaped."""
    shown = []
    for char in " ".join(text.split()):
        if char.isprintable() and char not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
            shown.append(char)
        else:
            shown.append(char.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(shown)


class _Deadline:
    """The whole send's time limit: a watchdog shuts the socket, which ends any read however slow the server."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False

    def remaining(self) -> float:
        return self.end - time.monotonic()

    @contextlib.contextmanager
    def watching(self, server: smtplib.SMTP):
        def expire() -> None:
            self.expired = True
            with contextlib.suppress(OSError, AttributeError):
                server.sock.shutdown(socket.SHUT_RDWR)

        if self.remaining() <= 0:
            self.expired = True
            raise TimeoutError("no time left")
        timer = threading.Timer(self.remaining(), expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()


class _AuthFailed(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def _authenticate(server: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN (or LOGIN when only that is offered) with UTF-8 credentials; one mechanism, no fallback."""
    server.ehlo_or_helo_if_needed()
    if not server.has_extn("auth"):
        raise SendError("the server does not offer AUTH; try --starttls, or leave out --user")
    offered = server.esmtp_features["auth"].upper().split()
    login, secret = _utf8(user), _utf8(password)
    b64 = lambda data: base64.b64encode(data).decode("ascii")  # noqa: E731
    if "PLAIN" in offered:
        code, _ = server.docmd("AUTH", "PLAIN " + b64(b"\0" + login + b"\0" + secret))
    elif "LOGIN" in offered:
        code, _ = server.docmd("AUTH", "LOGIN")
        for step in (login, secret):
            if code != 334:
                break
            code, _ = server.docmd(b64(step))
    else:
        raise SendError(f"the server offers AUTH {' '.join(offered)}; bnkpi speaks AUTH PLAIN and LOGIN")
    if code != 235:
        raise _AuthFailed(code)


class _Tracking:
    """An SMTP connection that records which recipients the server accepted and how far the message went:
    ``phase`` is 'before' (nothing of it can have been delivered), 'sending' (its bytes are leaving), 'sent' (its
    end was sent, no answer yet: it may have been delivered), 'accepted' or 'refused' (the server's answer)."""

    phase = "before"

    def rcpt(self, recip, options=()):
        code, resp = super().rcpt(recip, options)
        if code in (250, 251):
            self.accepted.append(recip)
        return code, resp

    def data(self, msg):  # smtplib.SMTP.data, with the moment the message's end leaves marked
        self.putcmd("data")
        code, repl = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        quoted = smtplib._quote_periods(msg)
        if quoted[-2:] != smtplib.bCRLF:
            quoted += smtplib.bCRLF
        self.phase = "sending"
        self.send(quoted + b"." + smtplib.bCRLF)
        self.phase = "sent"
        code, reply = self.getreply()
        self.phase = "accepted" if code == 250 else "refused"
        return code, reply


class _SMTP(_Tracking, smtplib.SMTP):
    accepted: list[str]


class _SMTP_SSL(_Tracking, smtplib.SMTP_SSL):
    accepted: list[str]


def _international(addresses: list[str]) -> list[str]:
    return [a for a in addresses if not a.isascii()]


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}".strip()


def _describe_error(exc: BaseException) -> str:
    """An error in words, never with the text of an encoding error (it quotes the characters it met)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the server refused every recipient: " + "; ".join(
            f"{rcpt} ({code} {resp.decode('utf-8', 'replace') if isinstance(resp, bytes) else resp})"
            for rcpt, (code, resp) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the server refused the sender {exc.sender} ({_reply(exc)})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered {_reply(exc)}"
    if isinstance(exc, UnicodeError):
        return f"{type(exc).__name__}: an address or the login has characters that could not be encoded"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def send(message: Message, settings: SmtpSettings, password: str | None, deadline: _Deadline | None = None) -> list[str]:
    """Send; returns the recipients the server accepted. Raises SendError (SendInterrupted on SIGTERM/SIGINT,
    MailUsageError for an address the server cannot take) whose message says whether the brief was accepted,
    refused or may have been delivered, and never contains any form of the password."""
    from .processes import Interrupted

    if settings.user and not password:
        raise SendError(f"--user {settings.user} needs the password in the environment variable {PASSWORD_VARIABLE}")
    deadline = deadline or _Deadline(settings.timeout)
    recipients = [spec for value in settings.to + settings.cc for spec in parse_addresses(value, "--to/--cc")]
    where = f"{settings.host}:{settings.effective_port}"
    step = min(settings.step_timeout, max(deadline.remaining(), 0.001))
    if settings.security == "ssl":
        server = _SMTP_SSL(timeout=step, context=ssl.create_default_context())
    else:
        server = _SMTP(timeout=step)
    server.accepted = []
    forms = secret_forms(settings.user, password)
    try:
        with deadline.watching(server):
            server.connect(settings.host, settings.effective_port)
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            server.ehlo_or_helo_if_needed()
            wide = _international([*recipients, *parse_addresses(str(message["From"] or ""), "From")])
            if wide and not server.has_extn("smtputf8"):
                raise MailUsageError(
                    f"{where} does not offer SMTPUTF8, which the address(es) {', '.join(wide)} need (letters "
                    "outside ASCII); nothing was sent: use an ASCII address (name@domain.vn) for them, or a "
                    "server that offers SMTPUTF8")
            if settings.user:
                _authenticate(server, settings.user, password)
            refused = server.send_message(message, to_addrs=recipients)
            with contextlib.suppress(OSError, smtplib.SMTPException):  # the message is accepted: QUIT is a courtesy
                server.quit()
    except (MailUsageError, SendError):
        raise
    except _AuthFailed as exc:
        raise SendError(f"authentication failed ({exc.code}) at {where} for user {settings.user}: sai mật khẩu "
                        "hoặc tên đăng nhập (wrong password or login); the brief was not sent") from None
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = getattr(exc, "signum", 2)
        raise SendInterrupted(signum, _outcome(server, where, "", forms, interrupted=True)) from None
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        if deadline.expired or deadline.remaining() < 0.25:  # the watchdog, or the last read's own timeout
            cause = f"no complete answer from {where} within --timeout {deadline.seconds:g} s"
        else:
            cause = f"sending to {where} failed: {_describe_error(exc)}"
        raise SendError(_outcome(server, where, cause, forms)) from None
    finally:
        with contextlib.suppress(Exception):
            server.close()
    if refused:
        raise SendError(redact(_one_line(redact(
            f"the server accepted the brief for {', '.join(server.accepted)} and refused "
            + "; ".join(f"{rcpt} ({code} {resp.decode('utf-8', 'replace') if isinstance(resp, bytes) else resp})"
                        for rcpt, (code, resp) in refused.items())
            + ": send it again to the refused recipients only", forms)), forms))
    return list(server.accepted)


def _outcome(server: _Tracking, where: str, cause: str, forms: list[str], interrupted: bool = False) -> str:
    """``cause``, then what became of the brief, from how far the message had gone when it happened."""
    accepted = ", ".join(server.accepted) or "no recipient"
    if server.phase == "accepted":
        fate = f"the server had already accepted the brief for {accepted}: it was sent"
    elif server.phase == "sent" or (server.phase == "sending" and interrupted):
        fate = (f"the message had been sent to {where} for {accepted} and the server had not answered: "
                f"{MAY_HAVE_BEEN_DELIVERED}")
    elif server.phase == "sending":
        fate = "the connection ended before the whole message was sent: the brief was not delivered"
    elif server.phase == "refused":
        fate = "the server refused the brief after receiving it: it was not delivered"
    else:
        fate = "the brief was not sent"
    return redact(_one_line(redact(f"{cause}; {fate}" if cause else fate, forms)), forms)


def deadline_for(settings: SmtpSettings) -> _Deadline:
    """One deadline for every message of one command."""
    return _Deadline(settings.timeout)
