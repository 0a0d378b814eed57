"""Outbound transports: how a document leaves the clinic (print, fax through an email-to-fax gateway,
Direct secure e-mail). Each is a small plugin on `Transport`; `transport_for(name)` picks one.
"""

from painpath.interop.transports.base import OutboundDocument, Transport, TransportError, TransportReceipt
from painpath.interop.transports.registry import TRANSPORT_NAMES, register_transport, transport_for
from painpath.interop.transports.settings import TransportSettings

__all__ = [
    "OutboundDocument",
    "Transport",
    "TransportError",
    "TransportReceipt",
    "TransportSettings",
    "TRANSPORT_NAMES",
    "register_transport",
    "transport_for",
]
