"""The plugin base every transport implements, and the message and receipt it deals in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


class TransportError(Exception):
    """The document did not leave. The message says why in words staff can act on, without PHI."""


@dataclass(frozen=True)
class OutboundDocument:
    """One document for one recipient.

    `reference` and `sender_name` go into subjects and logs, so they must never hold PHI; the PHI is
    in the attached document only.
    """

    reference: str
    recipient_name: str
    content: bytes
    filename: str = "document.pdf"
    content_type: str = "application/pdf"
    sender_name: str = ""
    fax: str | None = None
    direct_address: str | None = None
    cover_note: str = ""


@dataclass(frozen=True)
class TransportReceipt:
    transport: str
    recipient: str  # where it went: "5550100199@fax.example.net", a Direct address, or "printer"
    sent_at: datetime
    message_id: str | None = None
    detail: str = ""


class Transport(ABC):
    name: str = ""

    @abstractmethod
    def send(self, message: OutboundDocument) -> TransportReceipt:
        """Deliver `message` or raise TransportError."""
