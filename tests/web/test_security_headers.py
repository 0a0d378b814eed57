"""Browser-facing hardening: security headers, the Secure session cookie, request ids."""

from fastapi.testclient import TestClient

from painpath.context import build_context
from painpath.core.config import Settings
from painpath.core.db import Database
from painpath.web.app import create_app

from support import SECRET, password_for


def test_pages_carry_csp_hsts_nosniff_referrer_and_frame_protection(app):
    response = TestClient(app).get("/login")
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-eval" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["strict-transport-security"].startswith("max-age=")


def test_demo_mode_sends_no_hsts_and_a_plain_cookie(database_url, tmp_path, staff):
    settings = Settings(database_url=database_url, secret_key=SECRET, demo_mode=True, queue_url=f"sqlite:///{tmp_path / 'q.sqlite3'}")
    context = build_context(settings, Database(database_url))
    try:
        client = TestClient(create_app(context))
        assert "strict-transport-security" not in client.get("/login").headers
        assert "secure" not in _signed_in_cookie(client).lower()
    finally:
        context.db.dispose()


def test_session_cookie_is_secure_outside_demo_mode(database_url, tmp_path, staff):
    # The production default: no cookie_secure override, demo_mode off.
    settings = Settings(database_url=database_url, secret_key=SECRET, demo_mode=False, queue_url=f"sqlite:///{tmp_path / 'q.sqlite3'}")
    context = build_context(settings, Database(database_url))
    try:
        client = TestClient(create_app(context), base_url="https://testserver")
        assert "secure" in _signed_in_cookie(client).lower()
    finally:
        context.db.dispose()


def _signed_in_cookie(client: TestClient) -> str:
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "nurse", "password": password_for("nurse"), "login_csrf": client.cookies.get("painpath_login_csrf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return next(v for v in response.headers.get_list("set-cookie") if v.startswith("painpath_session="))


def test_request_id_echoes_a_plain_client_id_and_replaces_an_unsafe_one(app):
    client = TestClient(app)
    assert client.get("/login", headers={"x-request-id": "abc-123.def"}).headers["x-request-id"] == "abc-123.def"
    generated = client.get("/login").headers["x-request-id"]
    assert len(generated) == 32
    for unsafe in ("a" * 65, "a;b", "x y", "<script>"):
        echoed = client.get("/login", headers={"x-request-id": unsafe}).headers["x-request-id"]
        assert echoed != unsafe and len(echoed) == 32
