"""Mail through the configured SMTP relay: the shared half of the fax-gateway and Direct transports."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from painpath.core.clock import utcnow
from painpath.interop.transports.base import OutboundDocument, Transport, TransportError, TransportReceipt
from painpath.interop.transports.settings import TransportSettings


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "painpath.invalid"


class SmtpTransport(Transport):
    """Builds a MIME message with the document attached and hands it to the relay."""

    def __init__(self, settings: TransportSettings | None = None):
        self.settings = settings or TransportSettings()

    def recipient(self, message: OutboundDocument) -> str:
        raise NotImplementedError

    def build(self, message: OutboundDocument, recipient: str) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = formataddr((message.sender_name, self.settings.direct_from)) if message.sender_name else self.settings.direct_from
        mail["To"] = recipient
        mail["Reply-To"] = self.settings.direct_from
        # The subject carries our reference only: gateways print it on cover sheets and relays log it.
        mail["Subject"] = message.reference
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=_domain(self.settings.direct_from))
        mail.set_content(message.cover_note or f"{message.reference}: the document is attached.")
        maintype, _, subtype = message.content_type.partition("/")
        mail.add_attachment(message.content, maintype=maintype, subtype=subtype, filename=message.filename)
        return mail

    def send(self, message: OutboundDocument) -> TransportReceipt:
        recipient = self.recipient(message)
        mail = self.build(message, recipient)
        return deliver(self.settings, mail, recipient, transport=self.name)


def deliver(settings: TransportSettings, mail: EmailMessage, recipient: str, *, transport: str) -> TransportReceipt:
    """Hand `mail` to the relay for `recipient`, or raise TransportError saying why in words staff can act on."""
    relay = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
            smtp.send_message(mail, from_addr=_address(mail["From"]), to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        raise TransportError(f"The mail relay {relay} refused the recipient {recipient}: {code} {_text(reply)}") from exc
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused (554), ...
        raise TransportError(f"The mail relay {relay} refused the message: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, DNS, dropped line
        reason = "timed out" if isinstance(exc, (socket.timeout, TimeoutError)) else (str(exc) or type(exc).__name__)
        raise TransportError(f"Could not reach the mail relay at {relay}: {reason}") from exc
    return TransportReceipt(
        transport=transport, recipient=recipient, sent_at=utcnow(), message_id=mail["Message-ID"],
        detail=f"Accepted by the mail relay {relay}",
    )


def _address(header: str) -> str:
    return parseaddr(header)[1]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
