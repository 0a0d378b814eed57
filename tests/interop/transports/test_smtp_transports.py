"""Fax-gateway and Direct transports deliver to a real SMTP server on loopback; failures say why."""

from __future__ import annotations

import email
import email.policy
import io
import socket
import threading

import pypdf
import pytest

from painpath.documents.render import html_to_pdf
from painpath.interop.transports import OutboundDocument, TransportError, TransportSettings, transport_for
from transport_fixtures import smtp_relay  # noqa: F401  (fixture)

PDF = html_to_pdf("<h1>Request for medical records</h1><p>Patient Dana Okafor, MRN MRN-1001</p>")


def _document(**changes) -> OutboundDocument:  # noqa: ANN003
    values = {
        "reference": "Records request RR-000042", "recipient_name": "Lakeside Imaging", "content": PDF,
        "filename": "records-request-RR-000042.pdf", "sender_name": "Riverside Pain & Spine",
        "fax": "(555) 010-0199", "direct_address": "records@direct.lakeside.test",
        "cover_note": "Records request RR-000042 is attached.",
    }
    return OutboundDocument(**{**values, **changes})


def _parse(received) -> email.message.EmailMessage:  # noqa: ANN001
    return email.message_from_bytes(received.content, policy=email.policy.default)


def _pdf_text(message: email.message.EmailMessage) -> str:
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    assert data.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_fax_goes_to_the_fax_digits_at_the_gateway_with_the_pdf_attached(smtp_relay):
    receipt = transport_for("fax").send(_document())

    assert receipt.transport == "fax"
    assert receipt.recipient == "5550100199@fax.gateway.test"
    (received,) = smtp_relay.messages
    assert received.rcpt_tos == ["5550100199@fax.gateway.test"]
    assert received.mail_from == "records@direct.riverside.test"
    message = _parse(received)
    assert message["To"] == "5550100199@fax.gateway.test"
    assert message["Subject"] == "Records request RR-000042"
    assert message["Message-ID"] == receipt.message_id
    assert "MRN-1001" in _pdf_text(message)
    # The PHI travels in the attachment only: never in the subject or the cover text a gateway prints.
    cover = message.get_body(("plain",)).get_content()
    for phi in ("Okafor", "MRN-1001"):
        assert phi not in message["Subject"] and phi not in cover


def test_direct_goes_to_the_providers_direct_address(smtp_relay):
    receipt = transport_for("direct").send(_document())

    assert receipt.recipient == "records@direct.lakeside.test"
    (received,) = smtp_relay.messages
    assert received.rcpt_tos == ["records@direct.lakeside.test"]
    message = _parse(received)
    assert "Riverside Pain & Spine" in message["From"] and "records@direct.riverside.test" in message["From"]
    assert "MRN-1001" in _pdf_text(message)


def test_a_refusing_relay_is_a_transport_error_with_its_reply(smtp_relay):
    smtp_relay.refuse = "554 5.7.1 Relay access denied"
    with pytest.raises(TransportError, match=r"refused the message: 554 5\.7\.1 Relay access denied"):
        transport_for("fax").send(_document())
    assert smtp_relay.messages == []


def test_an_unreachable_relay_is_a_transport_error_naming_the_relay(monkeypatch, smtp_relay):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("PAINPATH_SMTP_PORT", str(closed))
    with pytest.raises(TransportError, match=rf"Could not reach the mail relay at 127\.0\.0\.1:{closed}"):
        transport_for("direct").send(_document())


def test_a_relay_that_never_answers_times_out_instead_of_hanging():
    # Accepts the TCP connection but never sends the SMTP greeting.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        settings = TransportSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=0.5)
        with pytest.raises(TransportError, match="timed out"):
            transport_for("fax", settings).send(_document())
    finally:
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.mark.parametrize(
    ("name", "changes", "message"),
    [
        ("fax", {"fax": "call us"}, "is not a dialable number"),
        ("fax", {"fax": None}, "is not a dialable number"),
        ("direct", {"direct_address": "not an address"}, "is not an address like"),
        ("direct", {"direct_address": None}, "is not an address like"),
    ],
)
def test_a_bad_number_or_address_is_refused_before_anything_is_sent(smtp_relay, name, changes, message):
    with pytest.raises(TransportError, match=message):
        transport_for(name).send(_document(**changes))
    assert smtp_relay.messages == []


def test_print_sends_nothing_and_says_so(smtp_relay):
    receipt = transport_for("print").send(_document())
    assert (receipt.transport, receipt.recipient) == ("print", "printer")
    assert "ready to print" in receipt.detail
    assert smtp_relay.messages == []


def test_an_unknown_transport_is_refused_with_the_choices():
    with pytest.raises(TransportError, match="No transport called 'pigeon'; use one of direct, fax, print"):
        transport_for("pigeon")


def test_settings_default_to_a_local_relay(monkeypatch):
    for name in ("SMTP_HOST", "SMTP_PORT", "FAX_GATEWAY_DOMAIN", "DIRECT_FROM"):
        monkeypatch.delenv(f"PAINPATH_{name}", raising=False)
    settings = TransportSettings()
    assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", 25)
    assert settings.fax_gateway_domain == "fax.example.net"
    assert settings.direct_from == "records@painpath.example"
    assert settings.smtp_timeout > 0
