"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives."""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME = "shop@example.com"
PASSWORD = "p@ss word"


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, server, session, envelope) -> str:
        # Stored with local line endings, as a mailbox would: the parsed text then reads as it was written.
        raw = (envelope.original_content or envelope.content).replace(b"\r\n", b"\n")
        self.messages.append(message_from_bytes(raw, policy=default_policy))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (
            USERNAME, PASSWORD,
        ):
            self.logins.append(USERNAME)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """`.url` to send to (AUTH offered for USERNAME/PASSWORD, not required); `.messages` as received."""
    server = SmtpServer("127.0.0.1", free_port())
    controller = Controller(server, hostname=server.host, port=server.port, authenticator=server.authenticate,
                            auth_require_tls=False, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
