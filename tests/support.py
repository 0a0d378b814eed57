"""Test helpers importable by any test module (`from support import ...`).

Not in conftest.py: with several conftest.py files (tests/ and tests/e2e/), `import conftest` names
whichever was loaded first, so a helper imported from it breaks depending on collection order.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from painpath.core.config import Settings

# Screenshots the browser tests leave for a person to look at: inside the checkout (var/ is ignored by git),
# so a clone anywhere writes them beside its own code. PAINPATH_SCREENSHOTS moves them.
SCREENSHOTS = Path(os.environ.get("PAINPATH_SCREENSHOTS") or Path(__file__).resolve().parents[1] / "var" / "screenshots")
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

TEST_DB = os.environ.get("PAINPATH_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("PAINPATH_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def password_for(role: str) -> str:
    return f"{role}-password-1"


def _admin():  # noqa: ANN202
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def create_pg_database(template: str | None = None) -> str:
    """A new, uniquely named database: empty, or a copy of `template` (see migrated_pg_template)."""
    name = f"painpath_test_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    with admin.connect() as conn:
        if template is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            # CREATE DATABASE ... TEMPLATE needs the template to have no other session, and another worker may
            # be building it: the same lock as migrated_pg_template's.
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": TEMPLATE_LOCK})
            try:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": TEMPLATE_LOCK})
        # A throwaway database need not wait for each commit's WAL to reach the disk: the suite commits tens of
        # thousands of small transactions. A crash of the server would lose the last commits, not corrupt it.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return pg_url(name)


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# Migrating takes seconds; copying a migrated database takes a fraction of one. The first worker of a run
# migrates a template database under this advisory lock, and every worker copies it. The template is named for
# the migrations it holds (a hash of the migrations folder), so a later run on the same migrations reuses it
# and a run on other migrations (another branch, a new migration) builds its own. It is kept on purpose: it
# is what makes the next run fast; `painpath_tmpl_*` databases can be dropped at any time.
TEMPLATE_LOCK = 7_401_000_001
TEMPLATE_PREFIX = "painpath_tmpl_"


def migrations_fingerprint() -> str:
    from painpath.core.migrate import migrations_dir

    digest = hashlib.sha256()
    for file in sorted(migrations_dir().rglob("*.py")):
        digest.update(file.relative_to(migrations_dir()).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def migrated_pg_template() -> str:
    """The name of a PostgreSQL database migrated to head, marked as a template (built once, then reused)."""
    from painpath.core.migrate import upgrade

    name = TEMPLATE_PREFIX + migrations_fingerprint()
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": TEMPLATE_LOCK})
        try:
            # Complete = migrated and then marked a template; one left half-built by a killed run is built again.
            found = conn.execute(text("SELECT datistemplate FROM pg_database WHERE datname = :name"), {"name": name}).first()
            if found is None or not found.datistemplate:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                upgrade(pg_url(name))
                conn.execute(text(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": TEMPLATE_LOCK})
    admin.dispose()
    return name


@contextmanager
def own_database(migrated_template: str, folder: Path) -> Iterator[Settings]:
    """Settings for a migrated database of its own (a copy of the run's template) with a queue file in `folder`,
    for module-scoped fixtures that load a clinic once; the database is dropped afterwards on PostgreSQL."""
    if TEST_DB == "postgresql":
        url = create_pg_database(template=migrated_pg_template())
    else:
        shutil.copy(migrated_template, folder / "db.sqlite3")
        url = f"sqlite:///{folder / 'db.sqlite3'}"
    try:
        yield Settings(database_url=url, secret_key=SECRET, demo_mode=False, cookie_secure=False,
                       queue_url=f"sqlite:///{folder / 'queue.sqlite3'}")
    finally:
        if TEST_DB == "postgresql":
            drop_pg_database(url)


def sign_in(client: TestClient, username: str, password: str) -> TestClient:
    """Sign in through the real login form, then set the CSRF header API writes need."""
    page = client.get("/login")
    assert page.status_code == 200
    token = client.cookies.get("painpath_login_csrf")
    response = client.post("/login", data={"username": username, "password": password, "login_csrf": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    client.headers["x-csrf-token"] = client.get("/api/me").json()["csrf_token"]
    return client


PATIENT = {
    "mrn": "MRN-1001",
    "given_name": "Dana",
    "family_name": "Okafor",
    "birth_date": "1981-03-14",
    "sex": "male",
    "phone": "555-0142",
    "preferred_contact": "phone",
}


EPISODE = {
    "problem_summary": "Neck and right arm pain after a ladder fall",
    "body_region": "cervical",
    "laterality": "right",
    "onset_date": "2026-01-01",
    "icd10_codes": ["M54.12"],
}


def small_pdf(title: str = "Scanned document") -> bytes:
    """A real one-page PDF (uploads are opened with pypdf before they are accepted)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_form_post(client: TestClient, url: str, data: dict):  # noqa: ANN201
    """A browser-style form post: the CSRF token in the form body, not the header, redirects not followed."""
    headers = {k: v for k, v in client.headers.items() if k.lower() != "x-csrf-token"}
    return client.post(url, data={**data, "csrf_token": client.headers["x-csrf-token"]}, headers=headers, follow_redirects=False)


def page_section(html: str, section_id: str) -> str:
    """One <section id=...> of a page (a panel), to check what it says apart from the rest."""
    import re

    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no #{section_id} on the page"
    return match.group(0)


def page_text(html: str) -> str:
    """The words of some HTML, tags dropped and spaces collapsed."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# A browser's view of a form ------------------------------------------------------------------------

class _FormReader(HTMLParser):
    """The values a browser would submit from one form, plus each control's attributes."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.values, self.attrs = form_id, False, {}, {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            self.attrs[name] = a
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self.attrs[name], self._select, self._first_option = a, name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.attrs[name], self._textarea = a, name
            self.values[name] = ""

    def handle_endtag(self, tag):  # noqa: ANN001, ANN201
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.values.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):  # noqa: ANN001, ANN201
        if self._textarea:
            self.values[self._textarea] += data


def read_form(html: str, form_id: str) -> tuple[dict[str, str], dict[str, dict]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.values, f"no form #{form_id} on the page"
    return reader.values, reader.attrs
