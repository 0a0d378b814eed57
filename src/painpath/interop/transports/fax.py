"""Fax through an email-to-fax gateway: mail to <fax digits>@<gateway domain> with the PDF attached."""

from __future__ import annotations

import re

from painpath.interop.transports.base import OutboundDocument, TransportError
from painpath.interop.transports.smtp import SmtpTransport

_NON_DIGITS = re.compile(r"\D")


def fax_digits(number: str | None) -> str:
    """'(555) 010-0199' -> '5550100199'; raises TransportError for something that cannot be a fax number."""
    digits = _NON_DIGITS.sub("", number or "")
    if not 7 <= len(digits) <= 15:
        shown = number or "none"
        raise TransportError(f"The fax number {shown!r} is not a dialable number (it needs 7 to 15 digits); correct it and retry")
    return digits


class FaxGatewayTransport(SmtpTransport):
    name = "fax"

    def recipient(self, message: OutboundDocument) -> str:
        return f"{fax_digits(message.fax)}@{self.settings.fax_gateway_domain}"
