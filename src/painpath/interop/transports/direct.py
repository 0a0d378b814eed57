"""Direct secure messaging: mail to the provider's Direct address through the clinic's HISP relay."""

from __future__ import annotations

import re

from painpath.interop.transports.base import OutboundDocument, TransportError
from painpath.interop.transports.smtp import SmtpTransport

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def is_direct_address(address: str | None) -> bool:
    return bool(address) and bool(_ADDRESS.match(address))


class DirectTransport(SmtpTransport):
    name = "direct"

    def recipient(self, message: OutboundDocument) -> str:
        if not is_direct_address(message.direct_address):
            raise TransportError(
                f"The Direct address {message.direct_address or 'none'!r} is not an address like name@direct.example.org; correct it and retry"
            )
        return message.direct_address  # type: ignore[return-value]
