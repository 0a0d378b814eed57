"""The staff-words scanner catches what it is for. Every page the demo crawl reaches, for every staff role, is
scanned with it in tests/web/test_crawl_demo.py (one walk per role checks links and words together).
"""

from __future__ import annotations

from staff_words import findings


def test_the_scanner_catches_what_it_is_for():
    page = "<p>Record record</p><p>No a pain score</p><td>strict_esi_cervical_transforaminal</td><p>See packs/x.yaml [K]</p>"
    assert {name for name, _ in findings(page)} == {"doubled word", "empty default", "internal key", "file path", "evidence tag"}
    assert findings('<a href="/x_y">Open</a><script>var a_b = 1</script>') == []
