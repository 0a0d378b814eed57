"""Errors a person meets at a page are the clinic's styled pages in plain words: an unknown address gets the
styled 404 (with the navigation to carry on), a refused permission names what the role cannot do, and a
malformed address value says what to enter instead of the parser's words."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/no-such-page", "/patients/1/no-such-tab", "/static-nothing/x.css"])
def test_an_unknown_path_gets_the_styled_404_page(client_for, path):
    page = client_for("coordinator").get(path, headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text and "There is no page at this address" in page.text
    assert 'href="/patients"' in page.text and 'class="usermenu"' in page.text  # the signed-in navigation, so the person can carry on
    assert "Not Found" not in page.text  # the framework's own words


def test_the_api_keeps_its_json_404(client_for):
    response = client_for("coordinator").get("/api/no-such-thing")
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/json")


def test_a_refused_page_says_what_the_role_cannot_do(client_for):
    page = client_for("admin").get("/worklist")
    assert page.status_code == 403
    assert "Your role cannot see the worklist" in page.text and "worklist:read" not in page.text


def test_a_bad_value_in_the_address_gets_plain_words(client_for):
    page = client_for("coordinator").get("/patients/abc", headers={"accept": "text/html"})
    assert page.status_code == 422
    assert "Enter a whole number" in page.text and "Input should be" not in page.text
