"""A real SMTP relay on loopback (aiosmtpd) for tests that send mail; shared by the transport and records tests.

Test modules import from here by name (tests/ is on sys.path through the root conftest).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class RecordingHandler:
    """Keeps every accepted message; `refuse` (e.g. "554 5.7.1 ...") makes it refuse at DATA instead."""

    messages: list[Received] = field(default_factory=list)
    refuse: str | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        if self.refuse:
            return self.refuse
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_relay(monkeypatch) -> Iterator[RecordingHandler]:
    """An SMTP relay on a free loopback port; PAINPATH_SMTP_* point the transports at it."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("PAINPATH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PAINPATH_SMTP_PORT", str(port))
    monkeypatch.setenv("PAINPATH_FAX_GATEWAY_DOMAIN", "fax.gateway.test")
    monkeypatch.setenv("PAINPATH_DIRECT_FROM", "records@direct.riverside.test")
    handler.port = port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: connecting to it is refused at once."""
    return free_port()
