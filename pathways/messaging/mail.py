"""E-mail with the standard library: ``email.message.EmailMessage`` built here, ``smtplib`` to send.

Why not Flask-Mailman: the tool sends from the job queue's consumer, not
from requests; what it needs is a message with a text part, an HTML part
and an attachment, and one SMTP connection per message with STARTTLS or
TLS — the standard library does exactly that, with no extension state to
carry into the jobs. Three backends, chosen by ``MAIL_BACKEND``:

- ``smtp``: a real server (``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USE_TLS``
  for STARTTLS or ``MAIL_USE_SSL`` for TLS from the start, ``MAIL_USERNAME``,
  ``MAIL_PASSWORD``); the default when ``MAIL_SERVER`` is set;
- ``capture``: each message written as an ``.eml`` file under
  ``instance/mail-capture/`` and listed on a page of the tool — for
  development (``make run`` chooses it); never chosen by default;
- ``off``: nothing can be sent (the default without ``MAIL_SERVER``): the
  convocations go on paper, the log says why.
"""

from __future__ import annotations

import re
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Protocol

from pathways import clock


class DeliveryError(Exception):
    """A message was not delivered. ``permanent``: trying again would not help (refused address)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.permanent = permanent


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "text/calendar", "application/pdf"
    data: bytes
    # Extra Content-Type parameters (``method=PUBLISH`` for a calendar).
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()


def build_message(email: Email, sender: str) -> EmailMessage:
    """The MIME message: text, HTML alternative, attachments; headers encoded as RFC 2047 needs."""
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = email.to
    message["Date"] = format_datetime(clock.now())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text, charset="utf-8")
    if email.html is not None:
        message.add_alternative(email.html, subtype="html", charset="utf-8")
    for attachment in email.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        if maintype == "text":
            # A text part says its charset (an .ics holds accents).
            message.add_attachment(
                attachment.data.decode(), subtype=subtype, charset="utf-8", filename=attachment.filename
            )
        else:
            message.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        part = message.get_payload()[-1]  # type: ignore[index]
        for name, value in attachment.params.items():
            part.set_param(name, value)
    return message


class MailBackend(Protocol):
    name: str

    @property
    def enabled(self) -> bool: ...

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise ``DeliveryError``."""


class DisabledBackend:
    name = "off"
    enabled = False

    def send(self, message: EmailMessage) -> None:
        raise DeliveryError("messagerie non configurée (MAIL_SERVER)", permanent=True)


class SmtpBackend:
    name = "smtp"
    enabled = True

    def __init__(
        self,
        host: str,
        port: int,
        *,
        use_tls: bool = False,
        use_ssl: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30,
    ) -> None:
        self.host, self.port = host, port
        self.use_tls, self.use_ssl = use_tls, use_ssl
        self.username, self.password = username, password
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.use_tls:
            connection.starttls(context=ssl.create_default_context())
        return connection

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as connection:
                if self.username:
                    connection.login(self.username, self.password or "")
                refused = connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code = next(iter(error.recipients.values()))[0] if error.recipients else 550
            raise DeliveryError(f"adresse refusée (SMTP {code})", permanent=500 <= code < 600) from None
        except smtplib.SMTPResponseException as error:
            code = error.smtp_code
            raise DeliveryError(f"refus du serveur (SMTP {code})", permanent=500 <= code < 600) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"serveur injoignable ({type(error).__name__})") from None
        if refused:
            raise DeliveryError("adresse refusée", permanent=True)


class CaptureBackend:
    """Development only: each message as an ``.eml`` file, listed on the « Courriels capturés » page."""

    name = "capture"
    enabled = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S")
        name = f"{stamp}-{secrets.token_hex(4)}.eml"
        (self.folder / name).write_bytes(bytes(message))

    def captured(self) -> list[Path]:
        """The captured files, latest first."""
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("*.eml"), reverse=True)


@dataclass(frozen=True)
class CapturedMail:
    """A captured message as the capture page shows it."""

    name: str
    to: str
    subject: str
    date: str
    message_id: int | None
    text: str
    attachments: tuple[str, ...]


CAPTURED_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{8}\.eml$")


def read_captured(path: Path, header: str) -> CapturedMail:
    """Parse a captured ``.eml`` (its text part and attachment names; ``header``: the log row's id)."""
    message = BytesParser(policy=default_policy).parsebytes(path.read_bytes())
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    raw_id = str(message.get(header, ""))
    return CapturedMail(
        name=path.name,
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        date=str(message.get("Date", "")),
        message_id=int(raw_id) if raw_id.isascii() and raw_id.isdigit() else None,
        text=text,
        attachments=tuple(part.get_filename() or "" for part in message.iter_attachments()),
    )


BACKENDS = ("smtp", "capture", "off")


def mail_backend(config: Mapping[str, Any]) -> MailBackend:
    """The backend ``config`` asks for (see the module's docstring)."""
    name = config.get("MAIL_BACKEND")
    if name == "capture":
        return CaptureBackend(Path(config["MAIL_CAPTURE_FOLDER"]))
    if name == "smtp" and config.get("MAIL_SERVER"):
        return SmtpBackend(
            config["MAIL_SERVER"],
            int(config.get("MAIL_PORT") or 25),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            timeout=float(config.get("MAIL_TIMEOUT") or 30),
        )
    return DisabledBackend()


def sender_of(config: Mapping[str, Any]) -> str:
    name, address = parseaddr(config.get("MAIL_SENDER") or "")
    return formataddr((name or "Pathways", address or "no-reply@localhost"))
