"""Every form on the staff pages refuses bad input with a message at the field and keeps what was typed.

The demo clinic is walked as each staff role (tests/page_crawl.py), and signed out for the sign-in page; every
POST form found on a page is submitted once with bad input: a marker typed into each free-text field, "abc" in
number fields, 30 February in date fields, other required fields left empty. The answer must be the form again
(422, or 409 when the form carries a stale version) as an HTML page that names a field with a message and still
shows each marker. Forms whose only inputs are buttons, hidden values, choices or files have nothing typed to
keep; they are listed for the record and skipped.

An element other than a form that posts its controls with htmx (hx-post: the red-flag screen's live decision)
counts as a form of those controls. Its answer is a fragment swapped into another element, so the controls,
and what was typed in them, stay on the page: the answer must be a 2xx fragment (htmx swaps only those) that
says what is wrong and does not replace the controls.

The walk must reach every POST page route of the app (every route not under /api that answers with a page):
the demo clinic shows each record in the state that offers its forms. A route it never reaches fails the test
by name, unless EXEMPT says why no page shows it and which test covers it.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from painpath.core.auth.roles import STAFF_ROLES
from painpath.demo import demo_password
from page_crawl import Crawl, crawl, fresh_demo_app  # noqa: F401 - fresh_demo_app is a fixture
from support import sign_in

FREE_TEXT = {"text", "textarea", "search", "email", "tel", "url"}
TYPED = FREE_TEXT | {"number", "date", "datetime-local", "time"}
BAD_VALUE = {"number": "abc", "date": "2026-02-30", "datetime-local": "2026-02-30T25:61", "time": "25:61"}
ID_IN_PATH = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27,})(?=/|$)")
DOWNLOAD = re.compile(r"\.(pdf|ics|csv|json)$")


# Kinds of page whose forms depend on each record's state, walked for every record: a visit note offers its
# edit, sign and complete-the-visit forms only while it is a draft, and an episode has several signed notes.
# A note's pain diagram page offers its form only while the note is a draft, too. An imaging order offers the form
# of its state (send, book, study done, report received, review), one state per demo order; so does a referral (send
# while drafted, the practice's answers after), one per state in the demo.
EVERY_RECORD = {"/encounters/{id}", "/encounters/{id}/pain-diagram", "/imaging-orders/{id}", "/referrals/{id}"}


class SamePage:
    """Which links the walk may treat as one page when looking for forms: other filters or pages of one list,
    other downloads, and past the first few, other records of one kind (their forms are the same forms), except
    the kinds in EVERY_RECORD."""

    def __init__(self, records_per_kind: int = 3) -> None:
        self.records_per_kind = records_per_kind
        self.keys: dict[str, str] = {}
        self.walked: Counter[str] = Counter()

    def __call__(self, url: str) -> str:
        path = url.split("?")[0]
        if path not in self.keys:
            kind = "(download)" if DOWNLOAD.search(path) else pattern(path)
            self.walked[kind] += 1
            alone = self.walked[kind] <= self.records_per_kind or kind in EVERY_RECORD
            self.keys[path] = path if alone else kind
        return self.keys[path]


@dataclass
class Form:
    action: str
    fields: list[dict[str, str]] = field(default_factory=list)  # one dict of attributes per control
    hx: bool = False  # an element that posts its controls with htmx and swaps the answer elsewhere

    @property
    def typed(self) -> list[dict[str, str]]:
        return [f for f in self.fields if f.get("name") and f["type"] in TYPED]


class _Forms(HTMLParser):
    """The POST forms of one page, each with its named controls (input, textarea, select), and the elements
    that post their controls with hx-post (their controls count for them and for the form around them)."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._open: list[tuple[str, int, Form]] = []  # (tag, depth of that tag when opened, form), innermost last
        self._depth: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("input", "textarea", "select"):
            kind = {"input": a.get("type", "text").lower()}.get(tag, tag)
            for _, _, form in self._open:
                form.fields.append({**a, "type": kind})
            return
        self._depth[tag] += 1
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._opened(tag, Form(unescape(a.get("action") or self.page_url.split("?")[0])))
        elif tag != "form" and a.get("hx-post"):
            self._opened(tag, Form(unescape(a["hx-post"]), hx=True))

    def _opened(self, tag: str, form: Form) -> None:
        self.forms.append(form)
        self._open.append((tag, self._depth[tag], form))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][:2] == (tag, self._depth[tag]):
            self._open.pop()
        self._depth[tag] -= 1


def forms_on(url: str, html: str) -> list[Form]:
    parser = _Forms(url)
    parser.feed(html)
    return parser.forms


def pattern(action: str) -> str:
    """A page's address with its ids replaced, so the walk treats other records of one kind as one page."""
    return ID_IN_PATH.sub("/{id}", action.split("#")[0].split("?")[0])


def page_routes(app) -> list[APIRoute]:  # noqa: ANN001
    """The routes a form may post to: POST, not under /api, answering with a page (no JSON response model)."""
    return [r for r in app.routes if isinstance(r, APIRoute) and "POST" in r.methods and not r.path.startswith("/api/")
            and r.response_model is None]


def route_of(routes: list[APIRoute], action: str) -> str:
    """The route path a form's action reaches ("/episodes/{episode_id}/instruments/{instrument_id}"), matched
    as the app matches it; the action itself when no page route takes it."""
    path = action.split("#")[0].split("?")[0]
    return next((r.path for r in routes if r.path_regex.match(path)), path)


# POST page routes no page of the demo clinic posts to, each with why and the test that covers it.
EXEMPT = {
    "/authorizations/{case_id}/policy-change-reviewed": "offered only on a case a payer's new policy version changes, and the "
    "demo ships no second version of a payer's policy (a draft never decides, so it offers no review); its form is a button "
    "and a hidden change, nothing typed (tests/authorizations/test_policy_change_impact.py marks a case reviewed)",
    "/intake/calls/{call_id}/triage/preview": "the red-flag screen's live decision posts to .../triage/answers, which also saves "
    "the answers; this route previews without saving, for callers of its own (tests/intake/test_intake_pages.py::"
    "test_preview_fragment_shows_the_decision_and_why covers its bad input)",
    "/checkins/episodes/{episode_id}/red-flags-reviewed": "offered to a clinician only on the page of a check-in whose note "
    "reported red flags, and the walk opens one check-in page per episode; its form is a button and a hidden version, nothing "
    "typed (tests/checkins/test_checkin_pages.py::test_red_flags_at_a_check_in_are_the_clinicians_until_reviewed covers it)",
    # Portal invitations: resend is a button alone (nothing typed to keep), shown only on a patient
    # invited and not yet using the portal (the demo patient already uses it); tests/portal/test_invitations.py walks it.
    "/episodes/{episode_id}/portal/resend": "a button alone, on an invited patient's episode (tests/portal/test_invitations.py)",
    # The patient's side is no staff page: the crawl walks as staff. tests/portal/test_invitations.py and
    # tests/portal/test_portal_settings.py post bad input to each and check it is refused at the field and kept.
    "/portal/invitation/{token}": "the public invitation link (tests/portal/test_invitations.py::test_the_password_rule_is_the_staff_rule)",
    "/portal/settings/reminders": "the patient's own settings (tests/portal/test_portal_settings.py)",
    "/portal/settings/password": "the patient's own settings (tests/portal/test_portal_settings.py)",
    "/portal/settings/email": "the patient's own settings (tests/portal/test_portal_settings.py)",
    "/portal/questionnaires/{instrument_id}": "the patient's questionnaire at home: the walk signs in as staff, and the form "
    "is there only for a signed-in patient with a questionnaire check-in open (tests/portal/test_portal_questionnaires.py::"
    "test_a_weekly_ndi_waits_on_the_portal_is_scored_by_the_pack_and_shows_in_the_function_chart covers its bad input)",
}


REFUSED_AT_FIELD = re.compile(r'class="field has-error|class="field-error"|id="error-summary"')
# A stale version is no one field's fault: the form's error summary says someone else changed the record first.
REFUSED_AS_STALE = re.compile(r'class="alert alert-error" role="alert"')


# Forms where a typed reason stands in for a choice left unmade: an extension request without its progress
# report is valid with a stated reason, so the bad post leaves the reason empty too.
TEXT_ALONE_IS_VALID = {"/pt-authorizations/{id}/extension-request"}
# Forms where any words typed are a valid answer and nothing else can be wrong (filing an arrived imaging report:
# its summary and concordance are both optional): the fault posted is a version someone else changed first, and
# the answer (409) must still show what was typed.
ONLY_A_STALE_VERSION_IS_WRONG = {"/imaging-studies/{id}/report"}


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
    if pattern(form.action) in ONLY_A_STALE_VERSION_IS_WRONG:
        data["version"] = str(int(data["version"]) + 1)
    return data, markers


def _refusal_problem(response, markers: list[str]) -> str | None:  # noqa: ANN001
    """Why an answer is not the form again with the field named and the typing kept (None when it is)."""
    kind = response.headers.get("content-type", "")
    if response.status_code not in (409, 422):
        return f"answered {response.status_code}"
    if not kind.startswith("text/html"):
        return f"answered {kind}, not a page"
    if not (REFUSED_AT_FIELD if response.status_code == 422 else REFUSED_AS_STALE).search(response.text):
        return "names no field"
    lost = [m for m in markers if m not in response.text]
    return f"lost what was typed: {lost}" if lost else None


def _fragment_problem(response, form: Form) -> str | None:  # noqa: ANN001
    """Why an htmx answer is not a fragment that says what is wrong and leaves the typed controls alone."""
    if not 200 <= response.status_code < 300:
        return f"answered {response.status_code}: htmx swaps only 2xx answers, so the message would not show"
    if not response.headers.get("content-type", "").startswith("text/html") or "<html" in response.text:
        return "answered with no fragment"
    if 'role="alert"' not in response.text:
        return "says nothing about the bad input"
    replaced = [f["name"] for f in form.typed if f'name="{f["name"]}"' in response.text]
    return f"replaces the controls typed in: {replaced}" if replaced else None


@dataclass
class Walk:
    """What the walk found: routes posted to with bad input, routes whose forms take nothing typed, failures."""

    routes: list[APIRoute]
    checked: set[str] = field(default_factory=set)
    nothing_typed: set[str] = field(default_factory=set)
    failures: dict[str, str] = field(default_factory=dict)

    def post_bad_input(self, client: TestClient, found: Crawl, who: str) -> None:
        for url, html in found.pages.items():
            for form in forms_on(url, html):
                route = route_of(self.routes, form.action)
                if route in self.checked:
                    continue
                if not form.typed:  # a later form of the same route may still have something typed
                    self.nothing_typed.add(route)
                    continue
                self.checked.add(route)
                data, markers = bad_input(form, "Typed-by-" + who + "-")
                response = client.post(form.action.split("#")[0], data=data, follow_redirects=False,
                                       headers={"HX-Request": "true"} if form.hx else {})
                problem = _fragment_problem(response, form) if form.hx else _refusal_problem(response, markers)
                if problem:
                    self.failures[f"{route} (as {who}, from {url})"] = problem


def test_every_form_refuses_bad_input_at_the_field_and_keeps_what_was_typed(fresh_demo_app):
    demo_app = fresh_demo_app
    started = time.monotonic()
    walk = Walk(page_routes(demo_app))
    with TestClient(demo_app) as client:
        walk.post_bad_input(client, crawl(client, start="/login", same=SamePage()), "signed-out")
    for role in [r.value for r in STAFF_ROLES]:
        with TestClient(demo_app) as client:
            sign_in(client, role, demo_password(role))
            walk.post_bad_input(client, crawl(client, same=SamePage()), role)
    print(f"\n{len(walk.checked)} forms refused bad input; {len(walk.nothing_typed - walk.checked)} take nothing typed: "
          f"{sorted(walk.nothing_typed - walk.checked)} ({time.monotonic() - started:.1f}s)")
    assert walk.failures == {}
    never_reached = {r.path for r in walk.routes} - walk.checked - walk.nothing_typed - set(EXEMPT)
    assert not never_reached, f"no page of the demo clinic posts to these routes: {sorted(never_reached)}"
    reached_exempt = set(EXEMPT) & (walk.checked | walk.nothing_typed)
    assert not reached_exempt, f"exempt routes are reached now: drop their exemptions: {sorted(reached_exempt)}"
