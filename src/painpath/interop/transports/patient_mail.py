"""Plain mail to a patient (a portal invitation, a reminder): text only, no attachment.

What goes in a patient's mail is what may leak: mailboxes are shared, previews show on lock screens, and
relays keep copies. So a message says that something is waiting and where to sign in, never a diagnosis,
a procedure or a medication; callers build the words, `PatientMail` only carries them to the relay.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from painpath.interop.transports.base import TransportReceipt
from painpath.interop.transports.settings import TransportSettings
from painpath.interop.transports.smtp import deliver

TRANSPORT = "patient-mail"


@dataclass(frozen=True)
class PatientMail:
    to: str
    subject: str
    body: str
    sender_name: str = ""  # the clinic's name


def send_patient_mail(message: PatientMail, settings: TransportSettings | None = None) -> TransportReceipt:
    """Deliver `message` through the configured relay, or raise TransportError saying why."""
    settings = settings or TransportSettings()
    mail = EmailMessage()
    sender = settings.patient_mail_from
    mail["From"] = formataddr((message.sender_name, sender)) if message.sender_name else sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "painpath.invalid")
    mail.set_content(message.body)
    return deliver(settings, mail, message.to, transport=TRANSPORT)
