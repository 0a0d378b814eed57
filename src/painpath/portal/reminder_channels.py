"""How a reminder reaches a patient: a small plugin base, like the outbound transports (interop/transports).

The patient chooses on /portal/settings: e-mail, no reminders, or a text message. E-mail goes through the
clinic's relay (send_patient_mail). Text messages are a plugin base with no vendor yet: `SmsChannel` is
not available until a vendor's subclass is registered with `register_channel`, and the settings page
says so. Reminder senders call `channel_for(account)` and send nothing when it answers None.

What a reminder says follows patient_mail's rule: that something is waiting, never a diagnosis, a
procedure or a medication.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from sqlalchemy.orm import object_session

from painpath.interop.transports.base import TransportError, TransportReceipt
from painpath.interop.transports.patient_mail import PatientMail, send_patient_mail
from painpath.interop.transports.settings import TransportSettings

if TYPE_CHECKING:
    from painpath.portal.models import PatientAccount

NO_REMINDERS = "none"


class ReminderChannel(ABC):
    """One way to reach a patient. `name` is what PatientAccount.reminder_channel stores."""

    name: str = ""
    label: str = ""  # what the patient reads on the settings page

    @property
    @abstractmethod
    def available(self) -> bool:
        """Whether reminders can go this way in this installation."""

    @abstractmethod
    def send(self, account: "PatientAccount", subject: str, body: str, *, settings: TransportSettings | None = None) -> TransportReceipt:
        """Deliver one reminder, or raise TransportError saying why not (`settings`: the relay; the environment's when None)."""


class EmailChannel(ReminderChannel):
    name = "email"
    label = "E-mail"

    @property
    def available(self) -> bool:
        return True

    def send(self, account: "PatientAccount", subject: str, body: str, *, settings: TransportSettings | None = None) -> TransportReceipt:
        return send_patient_mail(PatientMail(to=account.email, subject=subject, body=body, sender_name=_clinic_name(account)), settings)


class SmsChannel(ReminderChannel):
    """Text messages: the base a vendor plugin subclasses (its `send` and `available`). With no vendor
    registered this one stands in, not available, so the choice shows as "not available yet"."""

    name = "sms"
    label = "Text message"

    @property
    def available(self) -> bool:
        return False

    def send(self, account: "PatientAccount", subject: str, body: str, *, settings: TransportSettings | None = None) -> TransportReceipt:
        raise TransportError("Text messages are not available yet: no text-message service is set up for this clinic")


def _clinic_name(account: "PatientAccount") -> str:
    from painpath.core.tenancy import Clinic

    session = object_session(account)
    clinic = session.get(Clinic, account.clinic_id) if session is not None else None
    return clinic.name if clinic else ""


_channels: dict[str, ReminderChannel] = {}


def register_channel(channel: ReminderChannel) -> None:
    """Install a channel (a vendor's SmsChannel subclass replaces the stand-in of the same name)."""
    _channels[channel.name] = channel


def channels() -> list[ReminderChannel]:
    return list(_channels.values())


def channel_named(name: str) -> ReminderChannel | None:
    return _channels.get(name)


def channel_for(account: "PatientAccount") -> ReminderChannel | None:
    """The channel to remind this patient by, or None: they chose no reminders, their access is revoked, or
    the channel they chose is not available (no fallback: the patient chose how to be reached)."""
    if account.revoked_at is not None or account.reminder_channel == NO_REMINDERS:
        return None
    channel = _channels.get(account.reminder_channel)
    return channel if channel is not None and channel.available else None


register_channel(EmailChannel())
register_channel(SmsChannel())
