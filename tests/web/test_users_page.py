"""The admins' users page: list, create, disable, reset password, change role, unlock; audited, CSRF, admins only."""

import re
from datetime import timedelta

from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.auth.models import User
from painpath.core.clock import utcnow

from support import password_for, sign_in


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _post(client, path: str, **data):  # noqa: ANN001, ANN202
    token = _csrf(client.get("/admin/users").text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def _user(db, username: str) -> User:  # noqa: ANN001
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        session.expunge(user)
        return user


def _actions(db) -> list[str]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("user.%")).order_by(AuditEvent.id)))


def test_only_admins_reach_the_users_page_and_see_it_in_the_nav(client_for):
    admin = client_for("admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and 'href="/admin/users"' in page.text and "nurse" in page.text
    for role in ("manager", "clinician", "front_desk"):
        other = client_for(role)
        assert other.get("/admin/users").status_code == 403
        assert other.post("/admin/users/unlock", data={"user_id": "1"}).status_code == 403
        assert 'href="/admin/users"' not in other.get("/account").text


def test_create_then_the_new_user_signs_in(client_for, app, db):
    from fastapi.testclient import TestClient

    admin = client_for("admin")
    created = _post(admin, "/admin/users", username="new.nurse", display_name="New Nurse", role="nurse", password="a-long-password-1")
    assert created.status_code == 303
    assert _user(db, "new.nurse").password_hash.startswith("$argon2id$")
    sign_in(TestClient(app), "new.nurse", "a-long-password-1")
    short = _post(admin, "/admin/users", username="other", display_name="Other", role="nurse", password="short")
    assert short.status_code == 422 and "at least 10 characters" in short.text
    assert "user.create" in _actions(db)


def test_disable_reset_role_and_unlock_are_audited_and_end_sessions(client_for, db, staff):
    admin = client_for("admin")
    nurse = client_for("nurse")
    nurse_id = staff["nurse"].id
    assert _post(admin, "/admin/users/disable", user_id=str(nurse_id)).status_code == 303
    assert nurse.get("/api/me").status_code == 401  # the disabled user's session ended at once
    assert not _user(db, "nurse").active
    assert _post(admin, "/admin/users/enable", user_id=str(nurse_id)).status_code == 303
    assert _post(admin, "/admin/users/password", user_id=str(nurse_id), password="brand-new-password").status_code == 303
    assert _post(admin, "/admin/users/role", user_id=str(nurse_id), role="coordinator").status_code == 303
    assert _user(db, "nurse").role == "coordinator"
    with db.session() as session:
        session.get(User, nurse_id).locked_until = utcnow() + timedelta(minutes=10)
    assert "Unlock" in admin.get("/admin/users").text
    assert _post(admin, "/admin/users/unlock", user_id=str(nurse_id)).status_code == 303
    assert _user(db, "nurse").locked_until is None
    assert _actions(db) == ["user.disable", "user.enable", "user.password_reset", "user.role_change", "user.unlock"]
    bad_role = _post(admin, "/admin/users/role", user_id=str(nurse_id), role="wizard")
    assert bad_role.status_code == 422


def test_admin_cannot_disable_themself_and_writes_need_csrf(client_for, staff):
    admin = client_for("admin")
    refused = _post(admin, "/admin/users/disable", user_id=str(staff["admin"].id))
    assert refused.status_code == 422 and "your own account" in refused.text
    admin.headers.pop("x-csrf-token")
    assert admin.post("/admin/users/unlock", data={"user_id": str(staff["nurse"].id)}).status_code == 403


def test_the_users_routes_declare_user_admin(app):
    from painpath.core.auth.roles import Permission
    from painpath.web.deps import permission_of

    routes = [r for r in app.routes if getattr(r, "path", "").startswith("/admin/users")]
    assert len(routes) == 8  # list, create, disable, enable, password, role, unlock, npi
    assert all(permission_of(r) == [Permission.USER_ADMIN] for r in routes)
