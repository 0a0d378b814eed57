"""Staff invite a patient by e-mail through the real relay; the patient sets a password from the link once;
staff revoke and invite again. Links are single-use, expire, and never say whose invitation they were."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.auth.models import User, UserSession
from painpath.portal import invitations, scheduled
from painpath.portal.models import PatientAccount, PortalInvitation
from smtp_relay import closed_port, smtp_relay  # noqa: F401 - fixtures
from support import page_form_post, page_section, page_text, password_for, sign_in

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=timezone.utc)
LINK = re.compile(r"http://[^\s]+/portal/invitation/([A-Za-z0-9_-]+)")
NEW_PASSWORD = "a long river walk"


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chart(client_for, patient_payload, episode_payload) -> dict:
    desk = client_for("front_desk")
    coordinator = client_for("coordinator")
    patient = coordinator.post("/api/patients", json={**patient_payload, "email": "Dana.Okafor@Example.org"})
    assert patient.status_code == 201, patient.text
    episode = coordinator.post(f"/api/patients/{patient.json()['id']}/episodes", json=episode_payload)
    assert episode.status_code == 201, episode.text
    return {"patient_id": patient.json()["id"], "episode_id": episode.json()["id"], "desk": desk}


def _invite(chart: dict, email: str = "dana.okafor@example.org"):  # noqa: ANN202
    return page_form_post(chart["desk"], f"/episodes/{chart['episode_id']}/portal/invite", {"email": email})


def _token(relay, index: int = -1) -> str:
    mail = message_from_bytes(relay.messages[index].content)
    return LINK.search(mail.get_payload(decode=True).decode()).group(1)


def _accept(client: TestClient, token: str, password: str = NEW_PASSWORD, again: str | None = None):  # noqa: ANN202
    page = client.get(f"/portal/invitation/{token}")
    assert page.status_code == 200, page.text
    return client.post(f"/portal/invitation/{token}", data={"invite_csrf": client.cookies.get("painpath_invite_csrf"),
                                                              "password": password, "password_again": again or password},
                       follow_redirects=False)


def test_the_panel_prefills_the_patients_address(chart):
    page = chart["desk"].get(f"/episodes/{chart['episode_id']}")
    panel = page_section(page.text, "portal")
    assert "Not invited" in panel and 'value="dana.okafor@example.org"' in panel.lower()


def test_invite_accept_and_sign_in(app, chart, smtp_relay, db):  # noqa: F811
    sent = _invite(chart)
    assert sent.status_code == 303 and "portal=sent" in sent.headers["location"]
    [received] = smtp_relay.messages
    assert received.rcpt_tos == ["dana.okafor@example.org"]
    body = message_from_bytes(received.content).get_payload(decode=True).decode()
    assert "Riverside Pain & Spine" in body and "555-0101" in body and "expires on" in body
    panel = page_text(page_section(chart["desk"].get(f"/episodes/{chart['episode_id']}").text, "portal"))
    assert "Invited" in panel and "dana.okafor@example.org" in panel and "E-mailed" in panel

    token = _token(smtp_relay)
    with db.session() as session:
        stored = session.scalar(select(PortalInvitation))
        assert stored.token_hash == invitations.rules.token_hash(token) and token not in stored.token_hash
    patient = TestClient(app)
    done = _accept(patient, token)
    assert done.status_code == 303 and done.headers["location"] == "/portal"
    me = patient.get("/api/me").json()
    assert me["role"] == "patient" and me["username"] == "dana.okafor@example.org"
    assert patient.get("/", follow_redirects=False).headers["location"] == "/portal"
    # The e-mail address signs in, whatever its capitals.
    again = sign_in(TestClient(app), "Dana.Okafor@example.org", NEW_PASSWORD)
    assert again.get("/api/me").json()["role"] == "patient"
    with db.session() as session:
        account = session.scalar(select(PatientAccount))
        assert account.patient_id == chart["patient_id"] and account.activated_at is not None
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("portal.%"))))
    assert {"portal.invitation_created", "portal.invitation_sent", "portal.invitation_accepted"} <= actions
    panel = page_text(page_section(chart["desk"].get(f"/episodes/{chart['episode_id']}").text, "portal"))
    assert "Active since" in panel


def test_a_link_works_once(app, chart, smtp_relay):  # noqa: F811
    _invite(chart)
    token = _token(smtp_relay)
    assert _accept(TestClient(app), token).status_code == 303
    second = TestClient(app).get(f"/portal/invitation/{token}")
    assert second.status_code == 410 and "already used" in second.text
    posted = TestClient(app).post(f"/portal/invitation/{token}", data={"invite_csrf": "x", "password": "another password 1",
                                                                       "password_again": "another password 1"})
    assert posted.status_code == 410


def test_a_link_expires_and_then_reads_like_an_unknown_one(app, chart, smtp_relay, clock):  # noqa: F811
    _invite(chart)
    token = _token(smtp_relay)
    clock.shift(timedelta(hours=72, seconds=1))
    expired = TestClient(app).get(f"/portal/invitation/{token}")
    unknown = TestClient(app).get("/portal/invitation/" + "x" * 43)
    assert expired.status_code == unknown.status_code == 404
    assert expired.text == unknown.text
    assert "expired or is not valid" in expired.text and "555-0101" in expired.text  # the clinic's phone
    assert "Okafor" not in expired.text and "dana" not in expired.text.lower()
    desk = sign_in(TestClient(app), "front_desk", password_for("front_desk"))  # the morning's session has ended
    panel = page_text(page_section(desk.get(f"/episodes/{chart['episode_id']}").text, "portal"))
    assert "Invitation expired" in panel and "Resend the invitation" in panel


def test_a_new_invitation_ends_the_previous_one(app, chart, smtp_relay):  # noqa: F811
    _invite(chart)
    first = _token(smtp_relay)
    resent = page_form_post(chart["desk"], f"/episodes/{chart['episode_id']}/portal/resend", {})
    assert resent.status_code == 303
    second = _token(smtp_relay)
    assert first != second
    old = TestClient(app).get(f"/portal/invitation/{first}")
    assert old.status_code == 410 and "replaced by a newer one" in old.text
    assert _accept(TestClient(app), second).status_code == 303


def test_a_withdrawn_invitation_is_refused(app, chart, smtp_relay):  # noqa: F811
    _invite(chart)
    token = _token(smtp_relay)
    assert page_form_post(chart["desk"], f"/episodes/{chart['episode_id']}/portal/revoke", {}).status_code == 303
    assert TestClient(app).get(f"/portal/invitation/{token}").status_code == 410


def test_a_bad_address_is_refused_at_the_field_and_kept(chart, smtp_relay):  # noqa: F811
    refused = _invite(chart, "dana at example")
    assert refused.status_code == 422
    assert "dana at example" in refused.text and "Enter an e-mail address like" in refused.text
    assert smtp_relay.messages == []


def test_an_address_someone_already_signs_in_with_is_refused(chart, db, clinic, smtp_relay):  # noqa: F811
    with db.session() as session:
        session.add(User(clinic_id=clinic.id, username="taken@example.org", display_name="Someone", role="patient", password_hash="x"))
    refused = _invite(chart, "taken@example.org")
    assert refused.status_code == 422 and "Someone else already signs in here with this address" in refused.text


def test_the_password_rule_is_the_staff_rule(app, chart, smtp_relay):  # noqa: F811
    _invite(chart)
    token = _token(smtp_relay)
    patient = TestClient(app)
    short = _accept(patient, token, "short")
    assert short.status_code == 422 and "at least 10 characters" in short.text
    different = _accept(patient, token, NEW_PASSWORD, "not the same password")
    assert different.status_code == 422 and "not the same" in different.text
    assert _accept(patient, token).status_code == 303  # a refused password did not use the link


def test_a_form_without_its_cookie_is_refused_and_the_link_kept(app, chart, smtp_relay):  # noqa: F811
    _invite(chart)
    token = _token(smtp_relay)
    forged = TestClient(app).post(f"/portal/invitation/{token}", data={"invite_csrf": "forged", "password": NEW_PASSWORD,
                                                                       "password_again": NEW_PASSWORD})
    assert forged.status_code == 403
    assert _accept(TestClient(app), token).status_code == 303


def test_guessing_links_is_throttled_like_sign_in(app, ctx):
    guesser = TestClient(app)
    answers = [guesser.get(f"/portal/invitation/guess{n:040d}").status_code for n in range(ctx.settings.address_failures + 1)]
    assert set(answers[:-1]) == {404} and answers[-1] == 429


def test_a_relay_that_is_down_keeps_the_invitation_and_the_retry_sends_it(app, ctx, chart, smtp_relay, closed_port, monkeypatch, clock):  # noqa: F811
    monkeypatch.setenv("PAINPATH_SMTP_PORT", str(closed_port))
    monkeypatch.setenv("PAINPATH_SMTP_TIMEOUT", "2")
    sent = _invite(chart)
    assert sent.status_code == 303 and "portal=not-sent" in sent.headers["location"]
    page = chart["desk"].get(sent.headers["location"])
    panel = page_text(page_section(page.text, "portal"))
    assert "not sent yet" in panel and "retried automatically" in panel
    with ctx.db.session() as session:
        row = session.scalar(select(PortalInvitation))
        assert (row.transmission, row.attempts) == ("failed", 1) and row.next_attempt_at is not None
        first_hash = row.token_hash
    assert invitations.retry_due(ctx.db, calendar=ctx.calendar) == 0  # not before its backoff
    monkeypatch.setenv("PAINPATH_SMTP_PORT", str(smtp_relay.port))
    clock.shift(timedelta(minutes=30))
    assert scheduled.retry_failed_once(ctx) == 1  # the periodic job's pass
    with ctx.db.session() as session:
        row = session.scalar(select(PortalInvitation))
        assert row.transmission == "sent" and row.token_hash != first_hash
    assert _accept(TestClient(app), _token(smtp_relay)).status_code == 303


def test_revoking_ends_the_sessions_and_a_new_invitation_reopens_the_account(app, chart, smtp_relay, db):  # noqa: F811
    _invite(chart)
    patient = TestClient(app)
    _accept(patient, _token(smtp_relay))
    assert patient.get("/api/me").status_code == 200
    with db.session() as session:
        account_id = session.scalar(select(PatientAccount.id))
    revoked = page_form_post(chart["desk"], f"/episodes/{chart['episode_id']}/portal/revoke", {})
    assert revoked.status_code == 303
    assert patient.get("/api/me").status_code == 401  # signed out at once
    with db.session() as session:
        account = session.get(PatientAccount, account_id)
        assert account.revoked_at is not None and account.revoked_by_user_id is not None
        assert session.scalar(select(UserSession.id).where(UserSession.user_id == account.user_id, UserSession.revoked_at.is_(None))) is None
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "portal.access_revoked")) is not None
    panel = page_text(page_section(chart["desk"].get(f"/episodes/{chart['episode_id']}").text, "portal"))
    assert "Access revoked" in panel and "Front Desk User" in panel and "Invite again" in panel
    # Signing in again lands on a page that says what happened and whom to call.
    back = sign_in(TestClient(app), "dana.okafor@example.org", NEW_PASSWORD)
    home = back.get("/")
    assert home.status_code == 403 and "Your portal access is not active" in home.text and "555-0101" in home.text
    assert back.get("/account").status_code == 403
    # Invited again: the same account opens with the new password.
    _invite(chart)
    assert _accept(TestClient(app), _token(smtp_relay), "a brand new password").status_code == 303
    with db.session() as session:
        account = session.get(PatientAccount, account_id)
        assert account.revoked_at is None and session.scalar(select(PatientAccount.id).where(PatientAccount.id != account_id)) is None
    assert sign_in(TestClient(app), "dana.okafor@example.org", "a brand new password").get("/", follow_redirects=False).status_code == 303


def test_an_active_patient_is_not_invited_again(app, chart, smtp_relay):  # noqa: F811
    _invite(chart)
    _accept(TestClient(app), _token(smtp_relay))
    refused = _invite(chart)
    assert refused.status_code == 409 and "revoke access first" in refused.text


def test_billing_cannot_invite(client_for, chart):
    billing = client_for("billing")
    assert page_form_post(billing, f"/episodes/{chart['episode_id']}/portal/invite", {"email": "x@example.org"}).status_code == 403


def test_a_patient_sign_in_tied_to_no_record_gets_a_clear_page(app, db, clinic):
    from argon2 import PasswordHasher

    with db.session() as session:
        session.add(User(clinic_id=clinic.id, username="loose@example.org", display_name="Loose", role="patient",
                         password_hash=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(NEW_PASSWORD)))
    loose = sign_in(TestClient(app), "loose@example.org", NEW_PASSWORD)
    home = loose.get("/")
    assert home.status_code == 403 and "Your portal access is not active" in home.text and "Riverside Pain" in home.text
    assert loose.get("/portal/settings").status_code == 403
