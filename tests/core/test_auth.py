"""Sign-in: argon2 hashes, lockout after repeated failures, sessions, CSRF."""

import re
from datetime import timedelta

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.core.audit import Actor, AuditEvent
from painpath.core.auth.models import User
from painpath.core.auth.service import create_user
from painpath.core.clock import utcnow
from painpath.core.errors import InvalidInput

from support import password_for, sign_in


def _attempt(app, username, password):  # noqa: ANN001, ANN202
    client = TestClient(app)
    client.get("/login")
    return client, client.post(
        "/login",
        data={"username": username, "password": password, "login_csrf": client.cookies.get("painpath_login_csrf")},
        follow_redirects=False,
    )


def _error_text(page: str) -> str:

    found = re.search(r'<p class="error">(.*?)</p>', page, re.S)
    assert found, page
    return found.group(1).strip()


def test_passwords_are_stored_as_argon2_hashes(db, clinic):
    with db.session() as session:
        user = create_user(session, clinic_id=clinic.id, username="new.nurse", display_name="New Nurse", role="nurse", password="correct horse battery", actor=Actor.system("test", clinic.id))
        assert user.password_hash.startswith("$argon2id$")
        # OWASP's floor for argon2id is 19 MiB of memory and 2 passes; pwdlib's recommended profile is above it.
        # (The suite's own staff are hashed with small parameters, tests/conftest.py; production never is.)
        memory, passes = (int(v) for v in re.search(r"\$m=(\d+),t=(\d+),", user.password_hash).groups())
        assert memory >= 19 * 1024 and passes >= 2
        assert "correct horse" not in user.password_hash


def test_weak_password_and_unknown_role_are_refused(db, clinic):
    import pytest

    with pytest.raises(InvalidInput) as refused, db.session() as session:
        create_user(session, clinic_id=clinic.id, username="x", display_name="X", role="wizard", password="short", actor=Actor.system("test", clinic.id))
    assert {p.field for p in refused.value.problems} == {"role", "password"}


def test_lockout_after_repeated_failures_then_unlock_after_the_window(app, ctx, staff, db):
    limit = ctx.settings.lockout_failures
    for _ in range(limit):
        _client, response = _attempt(app, "nurse", "wrong-password")
        assert response.status_code == 401
    _client, locked = _attempt(app, "nurse", password_for("nurse"))
    _c, unknown = _attempt(app, "nobody", password_for("nurse"))
    # A locked account answers exactly like an unknown username: the page must not reveal which exist.
    assert locked.status_code == unknown.status_code == 401
    assert _error_text(locked.text) == _error_text(unknown.text)
    with db.session() as session:
        assert session.scalar(select(User.locked_until).where(User.username == "nurse")) is not None
        failures = session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
        assert len(failures) == limit
    with time_machine.travel(utcnow() + timedelta(minutes=ctx.settings.lockout_minutes + 1), tick=False):
        _client, response = _attempt(app, "nurse", password_for("nurse"))
        assert response.status_code == 303


def test_unknown_user_and_wrong_password_get_the_same_message(app, staff):
    _c, unknown = _attempt(app, "nobody", "whatever-password")
    _c, wrong = _attempt(app, "nurse", "whatever-password")
    assert "Wrong username or password" in unknown.text and "Wrong username or password" in wrong.text


def test_writes_without_the_csrf_token_are_refused(app, staff, patient_payload):
    client = sign_in(TestClient(app), "front_desk", password_for("front_desk"))
    token = client.headers.pop("x-csrf-token")
    refused = client.post("/api/patients", json=patient_payload)
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "csrf_token"
    accepted = client.post("/api/patients", json=patient_payload, headers={"x-csrf-token": token})
    assert accepted.status_code == 201


def test_logout_ends_the_session_on_the_server(app, staff):
    client = sign_in(TestClient(app), "coordinator", password_for("coordinator"))
    cookie = client.cookies.get("painpath_session")
    assert client.post("/logout", follow_redirects=False).status_code == 303
    replay = TestClient(app)
    replay.cookies.set("painpath_session", cookie)
    assert replay.get("/api/me").status_code == 401


def test_login_form_without_its_csrf_cookie_is_refused(app, staff):
    client = TestClient(app)
    response = client.post("/login", data={"username": "nurse", "password": password_for("nurse"), "login_csrf": "forged"}, follow_redirects=False)
    assert response.status_code == 401 and "expired" in response.text


def test_next_parameter_cannot_redirect_off_site(app, staff):
    client = TestClient(app)
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "nurse", "password": password_for("nurse"), "login_csrf": client.cookies.get("painpath_login_csrf"), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_failed_sign_ins_are_throttled_per_address_across_usernames(app, ctx, staff, db):
    limit = ctx.settings.address_failures
    usernames = ["nobody", "nurse", "clinician", "front_desk", "billing"]
    for attempt in range(limit):
        _client, response = _attempt(app, usernames[attempt % len(usernames)], f"wrong-{attempt}")
        assert response.status_code == 401, attempt
    # The next try from the same address is refused before any password is checked, even a right one.
    _client, throttled = _attempt(app, "manager", password_for("manager"))
    assert throttled.status_code == 429
    assert "Too many failed sign-ins from this computer" in _error_text(throttled.text)
    with db.session() as session:
        assert session.scalar(select(User.locked_until).where(User.username == "manager")) is None
    with time_machine.travel(utcnow() + timedelta(minutes=ctx.settings.address_window_minutes + 1), tick=False):
        _client, response = _attempt(app, "manager", password_for("manager"))
        assert response.status_code == 303
