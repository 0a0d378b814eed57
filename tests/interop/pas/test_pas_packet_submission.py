"""The packet by fax or print: the PDF leaves through the existing transports (a real SMTP relay on
loopback for the fax gateway) and the case waits for a manual answer."""

from __future__ import annotations

import email
import email.policy

from painpath.interop.pas import PayerSubmission, SubmitterSettings, submitter_for
from painpath.interop.transports import TransportSettings
from pas_samples import PACKET_PDF
from smtp_relay import smtp_relay  # noqa: F401  (fixture)


def submission(**changes) -> PayerSubmission:  # noqa: ANN003
    values = {
        "reference": "PA-000042", "payer_name": "Acme Commercial", "packet": PACKET_PDF,
        "packet_filename": "PA-000042.pdf", "fax": "(555) 010-0177",
    }
    return PayerSubmission(**{**values, **changes})


def test_the_packet_is_faxed_through_the_gateway_with_the_pdf_attached(smtp_relay):
    result = submitter_for("packet_fax").submit(submission())
    assert result.ok and result.awaiting_manual_answer and result.decision is None
    assert result.receipt.recipient == "5550100177@fax.gateway.test"
    assert result.detail == "PA-000042 sent by fax to Acme Commercial; record the payer's answer when it comes"
    (received,) = smtp_relay.messages
    assert received.rcpt_tos == ["5550100177@fax.gateway.test"]
    mail = email.message_from_bytes(received.content, policy=email.policy.default)
    assert mail["Subject"] == "PA-000042"
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "PA-000042.pdf"
    assert attachment.get_content() == PACKET_PDF


def test_a_refusing_relay_is_a_failed_submission_with_its_reply(smtp_relay):
    smtp_relay.refuse = "554 5.7.1 Relay access denied"
    result = submitter_for("packet_fax").submit(submission())
    assert not result.ok and not result.awaiting_manual_answer
    assert result.detail.startswith("PA-000042 was not sent: The mail relay 127.0.0.1:")
    assert "554 5.7.1 Relay access denied" in result.detail


def test_a_bad_fax_number_is_refused_before_anything_is_sent(smtp_relay):
    result = submitter_for("packet_fax").submit(submission(fax="12"))
    assert not result.ok and "is not a dialable number" in result.detail
    assert smtp_relay.messages == []


def test_printing_hands_the_packet_to_staff(smtp_relay):
    result = submitter_for("packet_print").submit(submission(fax=None))
    assert result.ok and result.awaiting_manual_answer
    assert result.receipt.recipient == "printer"
    assert smtp_relay.messages == []


def test_without_a_packet_nothing_is_sent(smtp_relay):
    result = submitter_for("packet_fax", SubmitterSettings(transport=TransportSettings())).submit(submission(packet=None))
    assert not result.ok and "build the packet first" in result.detail
    assert smtp_relay.messages == []
