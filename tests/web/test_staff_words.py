"""Pages speak the clinic's language: every page the demo crawl reaches, for every staff role, is free of
file paths, evidence tags, research section names, internal keys, doubled words and empty defaults.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from painpath.core.auth.models import User
from painpath.core.auth.roles import STAFF_ROLES
from page_crawl import crawl_as, demo_app, demo_ctx, shared_demo  # noqa: F401 - fixtures

pytestmark = pytest.mark.storage  # the shared demo has a database of its own, not database_url


# What a person reads: the text between tags, without scripts, styles or attribute values.
_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")

FORBIDDEN = {
    "file path": re.compile(r"\.ya?ml\b|\bpacks/|\bresearch/|\bsrc/|\.py\b"),
    "evidence tag": re.compile(r"\[(K|V|E|C)\]"),
    "research section": re.compile(r"\bresearch (notes?|section)\b|§\s*\d", re.I),
    # A snake_case word (two or more parts) shown as text is an internal key, never clinic language.
    "internal key": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "doubled word": re.compile(r"\b([A-Za-z]{3,})\s+\1\b", re.I),
    "empty default": re.compile(
        r"\bNo an?\b|(?<![\w.])([A-Za-z]\w*) → \1\b|: 0 of \d+\b(?! (?:done|positive))|\(\w+: target"
    ),
}


def text_runs(html: str) -> list[str]:
    """The text a person reads, one run per stretch between tags (a doubled word is within one run)."""
    runs = (re.sub(r"\s+", " ", unescape(run)).strip() for run in _TAG.split(_HIDDEN.sub(" ", html)))
    return [run for run in runs if run]


def findings(html: str, names: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """What a person would read that breaks the rules; `names` are usernames, which people chose."""
    found = []
    for run in text_runs(html):
        run = " ".join(word for word in run.split(" ") if word not in names)
        for name, pattern in FORBIDDEN.items():
            for match in pattern.finditer(run):
                found.append((name, run[max(0, match.start() - 40): match.end() + 40]))
    return found


def test_the_scanner_catches_what_it_is_for():
    page = "<p>Record record</p><p>No a pain score</p><td>strict_esi_cervical_transforaminal</td><p>See packs/x.yaml [K]</p>"
    assert {name for name, _ in findings(page)} == {"doubled word", "empty default", "internal key", "file path", "evidence tag"}
    assert findings('<a href="/x_y">Open</a><script>var a_b = 1</script>') == []


@pytest.mark.parametrize("role", [r.value for r in STAFF_ROLES])
def test_no_page_shows_staff_internal_words(demo_app, demo_ctx, role):
    with demo_ctx.db.session() as session:
        # Only a username shaped like a key ("front_desk") could be mistaken for one.
        usernames = frozenset(u for u in session.scalars(select(User.username)) if "_" in u)
    walked = crawl_as(demo_app, role)
    found = {}
    for url, html in walked.pages.items():
        for name, snippet in findings(html, usernames):
            found.setdefault((name, snippet), url)
    assert found == {}, "\n".join(f"{name}: …{snippet}… on {url}" for (name, snippet), url in found.items())
