"""A real SMTP server on loopback (aiosmtpd) for tests that deliver e-mail.

    server = SmtpServer()          # a free port is chosen, nothing listens yet
    app config: MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False
    with server:                   # or server.start() / server.stop()
        ... deliver ...
    server.messages                # what arrived, parsed, with the SMTP envelope

Flask-Mail reads MAIL_* once, at `init_app`: the port must be in the app's configuration
when the app is created, so pick the port first (`SmtpServer()`), start the server when
the test wants it up. `server.refuse(address)` answers RCPT TO for that address with 550;
`server.refuse_data(address)` takes RCPT TO and refuses the message itself, after its DATA.
The server offers PIPELINING (RFC 2920) unless made with `SmtpServer(pipelining=False)`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it, so parallel runs do not clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One e-mail as the server took it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    session: Any  # the aiosmtpd Session: one per SMTP connection

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the e-mail has no text/plain part"
        return part.get_content().replace("\r\n", "\n")  # lines as a reader sees them, not as SMTP sent them

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "the e-mail has no text/html part"
        return part.get_content().replace("\r\n", "\n")


class RecordingHandler:
    """Keeps every accepted e-mail; counts connections by their EHLO/HELO greeting."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.sessions: list[Any] = []  # kept alive, so every connection stays a distinct object
        self.refused: dict[str, str] = {}  # lower-cased address -> the reply to RCPT TO
        self.refused_data: dict[str, str] = {}  # lower-cased address -> the reply to its message's DATA
        self.pipelining = True

    def _greeted(self, session: Any) -> None:
        with self.lock:
            if not any(s is session for s in self.sessions):
                self.sessions.append(session)

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        self._greeted(session)
        session.host_name = hostname
        if self.pipelining:  # aiosmtpd reads commands one by one off the stream: pipelined ones work
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        self._greeted(session)
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.refused.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            reply = self.refused_data.get(rcpt.lower())
            if reply:
                return reply
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.received.append(Received(mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos),
                                          message=message, session=session))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1:`port`, started and stopped at will (the port is kept)."""

    def __init__(self, port: int | None = None, *, pipelining: bool = True) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.handler.pipelining = pipelining
        self._controller: Controller | None = None

    @property
    def config(self) -> dict[str, object]:
        """The app configuration that sends to this server."""
        return {"MAIL_SERVER": HOST, "MAIL_PORT": self.port, "MAIL_USE_TLS": False, "MAIL_USE_SSL": False,
                "MAIL_SUPPRESS_SEND": False}

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SmtpServer:
        if self._controller is None:
            controller = Controller(self.handler, hostname=HOST, port=self.port, ready_timeout=5)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def refuse(self, address: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        self.handler.refused[address.lower()] = reply

    def refuse_data(self, address: str, reply: str = "554 5.7.1 Message rejected as spam") -> None:
        self.handler.refused_data[address.lower()] = reply

    def accept(self, address: str) -> None:
        self.handler.refused.pop(address.lower(), None)
        self.handler.refused_data.pop(address.lower(), None)

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    @property
    def connections(self) -> int:
        """SMTP connections that greeted the server (the Controller's own readiness probe does not)."""
        with self.handler.lock:
            return len(self.handler.sessions)

    def to(self, address: str) -> list[Received]:
        """The e-mails whose envelope went to `address`."""
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]


class SilentServer:
    """A TCP server on 127.0.0.1:`port` that accepts every connection and never says a word: an SMTP
    server that hangs. `connections` counts what was accepted; every socket is closed on stop."""

    def __init__(self) -> None:
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(0.1)  # so the accepting thread notices stop()
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-smtp", daemon=True)
        self._thread.start()

    @property
    def config(self) -> dict[str, object]:
        return {"MAIL_SERVER": HOST, "MAIL_PORT": self.port, "MAIL_USE_TLS": False, "MAIL_USE_SSL": False,
                "MAIL_SUPPRESS_SEND": False}

    @property
    def connections(self) -> int:
        return len(self._held)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._held.append(conn)  # kept open, never written to

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A port for an SMTP server on loopback; the server itself runs inside `with smtp:`."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def smtp_app_config(smtp: SmtpServer) -> dict[str, object]:
    """A module's `config_overrides` when its app sends to `smtp` (import it under that name): Flask-Mail
    reads MAIL_* once, when the app is created."""
    return smtp.config
