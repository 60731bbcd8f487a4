"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port) and its mailbox."""

from __future__ import annotations

import asyncio
import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["Mailbox", "ReceivedMail", "SmtpServer", "free_port"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        content = str(part.get_content())
        return content.replace("\r\n", "\n")

    def token(self, path: str) -> str:
        """The `token` parameter of the link to `/path` in the body."""
        match = re.search(rf"/{re.escape(path)}\?token=([A-Za-z0-9_\-%]+)", self.body)
        assert match, f"no /{path} link in:\n{self.body}"
        return match.group(1)


class Mailbox:
    """aiosmtpd handler: hands each delivered mail to the test's event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[ReceivedMail] = asyncio.Queue()
        self.received: list[ReceivedMail] = []
        self.reject_recipients: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.reject_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default_policy)
        mail = ReceivedMail(
            sender=envelope.mail_from,
            recipients=list(envelope.rcpt_tos),
            message=message,
        )
        self._loop.call_soon_threadsafe(self._deliver, mail)
        return "250 Message accepted for delivery"

    def _deliver(self, mail: ReceivedMail) -> None:
        self.received.append(mail)
        self._queue.put_nowait(mail)

    async def next(self, ceiling: float = 15.0) -> ReceivedMail:
        """The next mail delivered (a generous ceiling, not a timing assertion)."""
        return await asyncio.wait_for(self._queue.get(), ceiling)


@dataclass
class SmtpServer:
    controller: Controller
    mailbox: Mailbox
    port: int
    credentials: tuple[str, str] | None = None
    logins: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        if self.credentials:
            user, password = self.credentials
            return f"smtp://{user}:{password}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls, loop: asyncio.AbstractEventLoop, credentials: tuple[str, str] | None = None
    ) -> SmtpServer:
        mailbox = Mailbox(loop)
        port = free_port()
        extra: dict[str, Any] = {}
        server: SmtpServer | None = None

        def authenticator(
            smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = (
                isinstance(data, LoginPassword)
                and credentials is not None
                and (data.login.decode(), data.password.decode()) == credentials
            )
            if ok and server is not None:
                server.logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)

        if credentials is not None:
            # AUTH over plain text is fine on loopback; aiosmtpd warns if it is *required*.
            extra = {"authenticator": authenticator, "auth_require_tls": False}
        controller = Controller(
            mailbox, hostname="127.0.0.1", port=port, server_hostname="smtp.test", **extra
        )
        server = cls(controller=controller, mailbox=mailbox, port=port, credentials=credentials)
        controller.start()
        return server

    def stop(self) -> None:
        self.controller.stop()
