"""Clinic staff at work, for locust: real pages and real form posts (with the page's CSRF token).

Each simulated person signs in through the login form, then works as their role does:

- coordinator: the worklist page, episode pages, the authorization board, a comment on a task;
- clinician: episode pages, opening a visit note and saving it (the note form as the page renders it);
- front desk: the worklist page and the intake call page, recording a call attempt.

What they act on (episode, task, encounter and intake call ids) comes from a JSON catalog named by
PAINPATH_LOAD_CATALOG, written by bench/load_bench.py from the seeded database. A 409 on a note save (two
people saved the same note) is a right answer and counts as a success.

    locust -f bench/load/locustfile.py --host http://127.0.0.1:8000   # with PAINPATH_LOAD_CATALOG set
"""

from __future__ import annotations

import json
import os
import random
from html.parser import HTMLParser

from locust import HttpUser, between, task

# The routes each task uses, as the app declares them: the smoke test checks they exist.
ROUTES = {
    "worklist_page": ("GET", "/worklist"),
    "episode_page": ("GET", "/episodes/{episode_id}"),
    "authorization_board": ("GET", "/authorizations"),
    "task_page": ("GET", "/tasks/{task_id}"),
    "task_comment": ("POST", "/tasks/{task_id}/comments"),
    "note_page": ("GET", "/encounters/{encounter_id}"),
    "note_save": ("POST", "/encounters/{encounter_id}"),
    "intake_call_page": ("GET", "/intake/calls/{call_id}"),
    "intake_attempt": ("POST", "/intake/calls/{call_id}/attempts"),
}


def demo_password(role: str) -> str:
    # painpath.demo.demo_password, repeated so the locust processes need not import the app.
    return f"demo-{role}-2026"


class FormFields(HTMLParser):
    """The fields of the form posting to `action`, as a browser would submit them unchanged."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields, self.found = action, False, {}, False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").split("#")[0] == self.action
            self.found = self.found or self.inside
        if not self.inside:
            return
        if tag == "option" and self._select:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value", "")
            return
        name = a.get("name")
        if not name:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.fields[name] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select":
            self._select = name

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str, action: str) -> dict[str, str] | None:
    parser = FormFields(action)
    parser.feed(html)
    return parser.fields if parser.found else None


def load_catalog() -> dict[str, list[int]]:
    path = os.environ.get("PAINPATH_LOAD_CATALOG")
    if not path:
        raise RuntimeError("set PAINPATH_LOAD_CATALOG to the catalog JSON bench/load_bench.py writes")
    with open(path) as handle:
        return json.load(handle)


CATALOG: dict[str, list[int]] = {}
SIGNED_IN = {"count": 0}


class Staff(HttpUser):
    abstract = True
    role = ""
    # Staff pace is a click every 0.5-1.5 s; the load runner shortens the pause (PAINPATH_LOAD_THINK="min,max")
    # so that a few dozen simulated people keep the server busy.
    wait_time = between(*(float(s) for s in os.environ.get("PAINPATH_LOAD_THINK", "0.5,1.5").split(",")))

    def on_start(self) -> None:
        if not CATALOG:
            CATALOG.update(load_catalog())
        self.client.get("/login", name="login")
        token = self.client.cookies.get("painpath_login_csrf")
        form = {"username": self.role, "password": demo_password(self.role), "login_csrf": token, "next": "/"}
        with self.client.post("/login", data=form, allow_redirects=False, name="login", catch_response=True) as answer:
            if answer.status_code != 303:
                answer.failure(f"sign-in as {self.role} answered {answer.status_code}")
        # Sign-in hashes a password with argon2 on purpose (slow); the figures are about the work after it, so
        # the counts start again once everyone is in.
        SIGNED_IN["count"] += 1
        runner = self.environment.runner
        if runner is not None and SIGNED_IN["count"] == runner.target_user_count:
            self.environment.stats.reset_all()

    def pick(self, kind: str) -> int:
        return random.choice(CATALOG[kind])

    def get(self, route: str, **ids: int):  # noqa: ANN201
        return self.client.get(ROUTES[route][1].format(**ids), name=ROUTES[route][1])

    def post_form(self, page_route: str, action_route: str, change: dict[str, str], *, conflict_ok: bool = False,
                  **ids: int) -> None:
        """Open the page, take its form as rendered (CSRF token and version included), change some fields, post."""
        page = self.get(page_route, **ids)
        action = ROUTES[action_route][1].format(**ids)
        fields = form_fields(page.text, action) if page.status_code == 200 else None
        if fields is None:
            return  # the page offers no such form now (a signed note, a closed call): nothing to post
        fields.update(change)
        with self.client.post(action, data=fields, allow_redirects=False, name=ROUTES[action_route][1],
                              catch_response=True) as answer:
            if answer.status_code == 303 or (conflict_ok and answer.status_code == 409):
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")


class Coordinator(Staff):
    role = "coordinator"
    weight = 3

    @task(4)
    def worklist(self) -> None:
        self.get("worklist_page")

    @task(3)
    def episode(self) -> None:
        self.get("episode_page", episode_id=self.pick("episode_ids"))

    @task(2)
    def authorization_board(self) -> None:
        self.get("authorization_board")

    @task(1)
    def comment(self) -> None:
        self.post_form("task_page", "task_comment", {"body": "Called the payer; waiting on a reference number."},
                       task_id=self.pick("task_ids"))


class Clinician(Staff):
    role = "clinician"
    weight = 2

    @task(3)
    def episode(self) -> None:
        self.get("episode_page", episode_id=self.pick("episode_ids"))

    @task(2)
    def note(self) -> None:
        self.get("note_page", encounter_id=self.pick("encounter_ids"))

    @task(1)
    def save_note(self) -> None:
        self.post_form("note_page", "note_save", {"narrative": "Pain 6/10, worse with standing. Plan unchanged."},
                       conflict_ok=True, encounter_id=self.pick("encounter_ids"))


class FrontDesk(Staff):
    role = "front_desk"
    weight = 2

    @task(3)
    def worklist(self) -> None:
        self.get("worklist_page")

    @task(1)
    def intake_call(self) -> None:
        self.post_form("intake_call_page", "intake_attempt", {"outcome": "voicemail", "note": "Left a message."},
                       conflict_ok=True, call_id=self.pick("call_ids"))
