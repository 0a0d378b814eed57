"""A patient's own settings: how reminders reach them (e-mail, none; text messages not available yet), their
password and the e-mail address on file. Version-checked and audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.interop.transports.base import TransportReceipt
from painpath.portal import reminder_channels
from painpath.portal.models import PatientAccount
from smtp_relay import smtp_relay  # noqa: F401 - the relay fixture
from support import page_form_post, password_for, sign_in


@pytest.fixture
def patient(client_for, patient_payload, portal_client_for) -> tuple[TestClient, int]:
    patient_id = client_for("coordinator").post("/api/patients", json=patient_payload).json()["id"]
    return portal_client_for(patient_id), patient_id


def _account(db, patient_id: int) -> PatientAccount:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(PatientAccount).where(PatientAccount.patient_id == patient_id))


def test_the_page_offers_email_none_and_text_messages_not_yet(patient):
    client, _ = patient
    page = client.get("/portal/settings")
    assert page.status_code == 200
    assert "E-mail" in page.text and "No reminders" in page.text and "Text message" in page.text
    assert "not available yet" in page.text
    assert 'value="sms" disabled' in page.text


def test_choosing_no_reminders_is_saved_and_audited(patient, db):
    client, patient_id = patient
    version = _account(db, patient_id).version
    saved = page_form_post(client, "/portal/settings/reminders", {"reminder_channel": "none", "version": str(version)})
    assert saved.status_code == 303
    account = _account(db, patient_id)
    assert account.reminder_channel == "none" and reminder_channels.channel_for(account) is None
    with db.session() as session:
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "portal.reminder_channel_changed")) is not None
    assert "Your reminder choice is saved" in client.get(saved.headers["location"]).text


def test_text_messages_are_refused_until_a_vendor_plugs_in(patient, db):
    client, patient_id = patient
    refused = page_form_post(client, "/portal/settings/reminders", {"reminder_channel": "sms"})
    assert refused.status_code == 422 and "not available yet" in refused.text
    assert _account(db, patient_id).reminder_channel == "email"


def test_a_stale_form_is_refused(patient, db):
    client, patient_id = patient
    version = _account(db, patient_id).version
    assert page_form_post(client, "/portal/settings/reminders", {"reminder_channel": "none", "version": str(version)}).status_code == 303
    stale = page_form_post(client, "/portal/settings/reminders", {"reminder_channel": "email", "version": str(version)})
    assert stale.status_code == 409
    assert _account(db, patient_id).reminder_channel == "none"


def test_changing_the_password_needs_the_current_one_and_signs_out_other_devices(app, patient):
    client, patient_id = patient
    other = sign_in(TestClient(app), f"pat-{patient_id}", password_for("patient"))
    wrong = page_form_post(client, "/portal/settings/password", {"current_password": "nope", "password": "a new long password",
                                                                "password_again": "a new long password"})
    assert wrong.status_code == 422 and "not your current password" in wrong.text and "a new long password" not in wrong.text
    short = page_form_post(client, "/portal/settings/password", {"current_password": password_for("patient"), "password": "short",
                                                                "password_again": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    done = page_form_post(client, "/portal/settings/password", {"current_password": password_for("patient"),
                                                               "password": "a new long password", "password_again": "a new long password"})
    assert done.status_code == 303
    assert client.get("/api/me").status_code == 200  # this browser stays signed in
    assert other.get("/api/me").status_code == 401  # the other one is signed out
    sign_in(TestClient(app), f"pat-{patient_id}", "a new long password")


def test_changing_the_email_address_changes_the_sign_in_name(app, patient, db, staff):
    client, patient_id = patient
    version = _account(db, patient_id).version
    taken = page_form_post(client, "/portal/settings/email", {"email": "clinician", "current_password": password_for("patient"),
                                                              "version": str(version)})
    assert taken.status_code == 422 and 'value="clinician"' in taken.text
    done = page_form_post(client, "/portal/settings/email", {"email": "New.Address@Example.org", "current_password": password_for("patient"),
                                                             "version": str(version)})
    assert done.status_code == 303
    assert _account(db, patient_id).email == "new.address@example.org"
    assert sign_in(TestClient(app), "new.address@example.org", password_for("patient")).get("/api/me").json()["role"] == "patient"


def test_channel_for_follows_the_patients_choice(patient, db, smtp_relay):  # noqa: F811
    _client, patient_id = patient
    with db.session() as session:
        account = session.scalar(select(PatientAccount).where(PatientAccount.patient_id == patient_id))
        channel = reminder_channels.channel_for(account)
        assert isinstance(channel, reminder_channels.EmailChannel)
        receipt = channel.send(account, "Something is waiting for you", "Sign in to your portal to see it.")
        assert receipt.recipient == account.email
        assert smtp_relay.messages[0].rcpt_tos == [account.email]
        account.reminder_channel = "sms"
        assert reminder_channels.channel_for(account) is None  # no vendor: not available


def test_a_vendor_plugin_makes_text_messages_available(patient, db):
    _client, patient_id = patient

    class Vendor(reminder_channels.SmsChannel):
        sent: list = []

        @property
        def available(self) -> bool:
            return True

        def send(self, account, subject, body):  # noqa: ANN001, ANN201
            self.sent.append((account.id, subject))
            return TransportReceipt(transport="sms", recipient="+15550100", sent_at=account.created_at)

    stand_in = reminder_channels.channel_named("sms")
    reminder_channels.register_channel(Vendor())
    try:
        with db.session() as session:
            account = session.scalar(select(PatientAccount).where(PatientAccount.patient_id == patient_id))
            account.reminder_channel = "sms"
            channel = reminder_channels.channel_for(account)
            assert isinstance(channel, Vendor)
            channel.send(account, "s", "b")
            assert Vendor.sent == [(account.id, "s")]
    finally:
        reminder_channels.register_channel(stand_in)
