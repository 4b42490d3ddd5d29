"""Outgoing e-mail: SMTP in production, .eml files in demo mode or when no mail server is configured."""
from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from storefront.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0
# scheme -> (how the connection is secured, default port)
SMTP_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
MAIL_FOLDER = "mail"


class MailError(RuntimeError):
    """A message could not be sent (or the mail URL cannot be used); the text says why, never a password."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand `message` over for delivery; raise MailError if that is impossible."""


class SmtpMailer:
    """Delivers through an SMTP server given as `smtp://user:pass@host:port`.

    `smtp://` talks plain SMTP (a local relay), `smtp+starttls://` insists on STARTTLS (port 587 by default),
    `smtps://` is TLS from the first byte (port 465 by default). User and password are percent-decoded, so
    `%40` in a user name is an "@". Certificates are verified.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise MailError(f"the mail URL is not valid: {exc}") from None
        if parts.scheme not in SMTP_SCHEMES:
            raise MailError("the mail URL must start with smtp://, smtp+starttls:// or smtps://, "
                            f"not {parts.scheme or '(none)'}://")
        if not parts.hostname:
            raise MailError("the mail URL names no host: smtp://user:password@host:port")
        self.security, default_port = SMTP_SCHEMES[parts.scheme]
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = port or default_port
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpMailer({self})"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"could not send e-mail through {self}: {_reason(exc)}") from None
        if refused:
            raise MailError(f"{self} refused {', '.join(sorted(refused))}")

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {detail}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"recipients refused: {', '.join(sorted(exc.recipients))}"
    return str(exc) or type(exc).__name__


class FileMailer:
    """Writes each message as `<folder>/<UTC time>-<random>.eml`, which any mail program opens."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"FileMailer({str(self.folder)!r})"

    def __str__(self) -> str:
        return f"files in {self.folder}"

    def send(self, message: EmailMessage) -> None:
        name = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with (self.folder / name).open("xb") as fh:
                fh.write(message.as_bytes())
        except OSError as exc:
            raise MailError(f"could not write the e-mail to {self.folder}: {exc.strerror or exc}") from None
        log.info("e-mail written to %s", self.folder / name)


def mailer_for(settings: Settings) -> Mailer:
    """SMTP when CLIPPER_MAIL_URL is set, except in demo mode; otherwise files under instance/mail/, so the
    shop keeps working (and its e-mails can be read) without a mail server."""
    if settings.mail_url:
        return SmtpMailer(settings.mail_url)
    return FileMailer(settings.instance_path / MAIL_FOLDER)
