"""Sending the brief by SMTP. The password comes only from the BNKPI_SMTP_PASSWORD environment variable."""

from __future__ import annotations

import email
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.utils import getaddresses
from pathlib import Path

PASSWORD_VARIABLE = "BNKPI_SMTP_PASSWORD"


class SendError(Exception):
    """The brief could not be sent; the message says why (never the password)."""


@dataclass
class SmtpSettings:
    host: str
    to: list[str]
    cc: list[str] = field(default_factory=list)
    port: int | None = None
    security: str = "none"  # none | starttls | ssl
    user: str | None = None
    sender: str | None = None
    timeout: float = 30.0

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587}.get(self.security, 25)


def load_brief(output_dir: Path, lang: str) -> Message:
    path = Path(output_dir) / "briefs" / f"brief_{lang}.eml"
    if not path.exists():
        raise SendError(f"no brief at {path}: run `bnkpi run --lang {lang}` first")
    return email.message_from_bytes(path.read_bytes(), policy=policy.SMTP)


def address(message: Message, settings: SmtpSettings) -> Message:
    for header in ("To", "Cc"):
        del message[header]
    message["To"] = ", ".join(settings.to)
    if settings.cc:
        message["Cc"] = ", ".join(settings.cc)
    if settings.sender or settings.user:
        del message["From"]
        message["From"] = settings.sender or settings.user
    return message


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


def send(message: Message, settings: SmtpSettings) -> list[str]:
    """Send; returns the recipients. Raises SendError with a reason that never contains the password."""
    password = os.environ.get(PASSWORD_VARIABLE)
    if settings.user and not password:
        raise SendError(f"--user {settings.user} needs the password in the environment variable {PASSWORD_VARIABLE}")
    recipients = [addr for _, addr in getaddresses(settings.to + settings.cc)]
    try:
        if settings.security == "ssl":
            server = smtplib.SMTP_SSL(settings.host, settings.effective_port, timeout=settings.timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.host, settings.effective_port, timeout=settings.timeout)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, password)
            refused = server.send_message(message, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:
        text = str(exc)
        if password:
            text = text.replace(password, "***")
        raise SendError(f"sending to {settings.host}:{settings.effective_port} failed: {type(exc).__name__}: {text}") from None
    if refused:
        raise SendError(f"the server refused some recipients: {', '.join(refused)}")
    return recipients
