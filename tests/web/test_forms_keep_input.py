"""Every form on the staff pages refuses bad input with a message at the field and keeps what was typed.

The demo clinic is walked as each staff role (tests/page_crawl.py); every POST form found on a page is
submitted once with bad input: a marker typed into each free-text field, "abc" in number fields, 30 February
in date fields, other required fields left empty. The answer must be the form again (422, or 409 when the
form carries a stale version) as an HTML page that names a field with a message and still shows each marker.
Forms whose only inputs are buttons, hidden values, choices or files have nothing typed to keep; they are
listed for the record and skipped. Forms the demo clinic never shows (no record in the state that offers
them) are not reached by the walk.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from painpath.core.auth.roles import STAFF_ROLES
from painpath.demo import demo_password
from page_crawl import crawl, demo_app  # noqa: F401 - demo_app is a fixture
from support import sign_in

FREE_TEXT = {"text", "textarea", "search", "email", "tel", "url"}
TYPED = FREE_TEXT | {"number", "date", "datetime-local", "time"}
BAD_VALUE = {"number": "abc", "date": "2026-02-30", "datetime-local": "2026-02-30T25:61", "time": "25:61"}
ID_IN_PATH = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27,})(?=/|$)")
DOWNLOAD = re.compile(r"\.(pdf|ics|csv|json)$")


class SamePage:
    """Which links the walk may treat as one page when looking for forms: other filters or pages of one list,
    other downloads, and past the first few, other records of one kind (their forms are the same forms)."""

    def __init__(self, records_per_kind: int = 3) -> None:
        self.records_per_kind = records_per_kind
        self.keys: dict[str, str] = {}
        self.walked: Counter[str] = Counter()

    def __call__(self, url: str) -> str:
        path = url.split("?")[0]
        if path not in self.keys:
            kind = "(download)" if DOWNLOAD.search(path) else pattern(path)
            self.walked[kind] += 1
            self.keys[path] = path if self.walked[kind] <= self.records_per_kind else kind
        return self.keys[path]


@dataclass
class Form:
    action: str
    fields: list[dict[str, str]] = field(default_factory=list)  # one dict of attributes per control

    @property
    def typed(self) -> list[dict[str, str]]:
        return [f for f in self.fields if f.get("name") and f["type"] in TYPED]


class _Forms(HTMLParser):
    """The POST forms of one page, each with its named controls (input, textarea, select)."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._open = Form(unescape(a.get("action") or self.page_url.split("?")[0]))
            self.forms.append(self._open)
        elif self._open is not None and tag in ("input", "textarea", "select"):
            kind = {"input": a.get("type", "text").lower()}.get(tag, tag)
            self._open.fields.append({**a, "type": kind})

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms_on(url: str, html: str) -> list[Form]:
    parser = _Forms(url)
    parser.feed(html)
    return parser.forms


def pattern(action: str) -> str:
    return ID_IN_PATH.sub("/{id}", action.split("?")[0])


REFUSED_AT_FIELD = re.compile(r'class="field has-error|class="field-error"|id="error-summary"')


# Forms where a typed reason stands in for a choice left unmade: an extension request without its progress
# report is valid with a stated reason, so the bad post leaves the reason empty too.
TEXT_ALONE_IS_VALID = {"/pt-authorizations/{id}/extension-request"}


def _required_choice(control: dict[str, str]) -> bool:
    return "required" in control and control["type"] in ("select", "radio", "file")


def bad_input(form: Form, marker: str) -> tuple[dict[str, str], list[str]]:
    """The posted values and the markers typed: a marker in each free-text field, nonsense in number and date
    fields, choices left unmade. When nothing else in the form is wrong, its required free-text fields are
    the ones left empty (a marker there would be a valid answer), and so are all of a form's free-text
    fields where typed words alone are a valid answer (TEXT_ALONE_IS_VALID)."""
    named = [f for f in form.fields if f.get("name")]
    other_fault = any(f["type"] in BAD_VALUE or _required_choice(f) for f in named)
    data: dict[str, str] = {}
    markers: list[str] = []
    for i, control in enumerate(named):
        name, kind = control["name"], control["type"]
        if kind in FREE_TEXT and (other_fault or "required" not in control) and pattern(form.action) not in TEXT_ALONE_IS_VALID:
            data[name] = f"{marker}{i}"
            markers.append(data[name])
        elif kind in FREE_TEXT:
            data[name] = ""
        elif kind in BAD_VALUE:
            data[name] = BAD_VALUE[kind]
        elif kind not in ("select", "checkbox", "radio", "submit", "button", "file", "password"):
            data[name] = control.get("value", "")  # hidden values: the CSRF token, the version read
    return data, markers


def _refusal_problem(response, markers: list[str]) -> str | None:  # noqa: ANN001
    """Why an answer is not the form again with the field named and the typing kept (None when it is)."""
    kind = response.headers.get("content-type", "")
    if response.status_code not in (409, 422):
        return f"answered {response.status_code}"
    if not kind.startswith("text/html"):
        return f"answered {kind}, not a page"
    if not REFUSED_AT_FIELD.search(response.text):
        return "names no field"
    lost = [m for m in markers if m not in response.text]
    return f"lost what was typed: {lost}" if lost else None


def test_every_form_refuses_bad_input_at_the_field_and_keeps_what_was_typed(demo_app):
    started = time.monotonic()
    seen: set[str] = set()
    checked: list[str] = []
    nothing_typed: list[str] = []
    failures: dict[str, str] = {}
    for role in [r.value for r in STAFF_ROLES]:
        with TestClient(demo_app) as client:
            sign_in(client, role, demo_password(role))
            for url, html in crawl(client, same=SamePage()).pages.items():
                for form in forms_on(url, html):
                    key = pattern(form.action)
                    if key in seen:
                        continue
                    seen.add(key)
                    if not form.typed:
                        nothing_typed.append(key)
                        continue
                    data, markers = bad_input(form, "Typed-by-" + role + "-")
                    response = client.post(form.action.split("#")[0], data=data, follow_redirects=False)
                    checked.append(key)
                    problem = _refusal_problem(response, markers)
                    if problem:
                        failures[f"{key} (as {role}, from {url})"] = problem
    print(f"\n{len(checked)} forms refused bad input; {len(nothing_typed)} take nothing typed: {sorted(nothing_typed)}"
          f" ({time.monotonic() - started:.1f}s)")
    assert len(checked) >= 30
    assert failures == {}
