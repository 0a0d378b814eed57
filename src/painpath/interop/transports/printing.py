"""Print: nothing leaves the building. The document is marked sent for printing and staff print it."""

from __future__ import annotations

from painpath.core.clock import utcnow
from painpath.interop.transports.base import OutboundDocument, Transport, TransportReceipt


class PrintTransport(Transport):
    name = "print"

    def send(self, message: OutboundDocument) -> TransportReceipt:
        return TransportReceipt(
            transport=self.name, recipient="printer", sent_at=utcnow(),
            detail=f"{message.reference} is ready to print and send to {message.recipient_name}",
        )
