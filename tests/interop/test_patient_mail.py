"""Plain mail to a patient goes through the same relay as faxes and Direct, with the same refusals."""

from __future__ import annotations

from email import message_from_bytes

import pytest

from painpath.interop.transports.base import TransportError
from painpath.interop.transports.patient_mail import PatientMail, send_patient_mail
from painpath.interop.transports.settings import TransportSettings
from smtp_relay import free_port, smtp_relay  # noqa: F401 - the relay fixture


def test_a_patient_mail_reaches_the_relay_as_plain_text(smtp_relay):  # noqa: F811
    settings = TransportSettings(smtp_host="127.0.0.1", smtp_port=smtp_relay.port, patient_mail_from="portal@clinic.example")
    receipt = send_patient_mail(PatientMail(to="dana@example.org", subject="Your clinic has a message", body="Sign in to see it.",
                                            sender_name="Riverside Pain & Spine"), settings)
    assert receipt.recipient == "dana@example.org"
    [received] = smtp_relay.messages
    assert received.mail_from == "portal@clinic.example" and received.rcpt_tos == ["dana@example.org"]
    mail = message_from_bytes(received.content)
    assert mail["Subject"] == "Your clinic has a message"
    assert not mail.is_multipart() and "Sign in to see it." in mail.get_payload(decode=True).decode()


def test_no_relay_says_where_it_tried():
    port = free_port()
    settings = TransportSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=2)
    with pytest.raises(TransportError, match=f"Could not reach the mail relay at 127.0.0.1:{port}"):
        send_patient_mail(PatientMail(to="dana@example.org", subject="s", body="b"), settings)
