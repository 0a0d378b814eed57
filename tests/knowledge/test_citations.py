"""A cited source in a task's reason is a sentence of its own, so the reconciler's note does not run into it."""

from painpath.knowledge.citations import with_citation
from painpath.worklist.notes import with_note


def test_the_default_citation_ends_the_sentence_once():
    assert with_citation("Test now.", "CDC 2022 Rec 10 sets no frequency [V]") == "Test now. Source: CDC 2022 Rec 10 sets no frequency."
    assert with_citation("Test now.", "Smith et al.") == "Test now. Source: Smith et al."


def test_a_note_after_a_citation_starts_a_new_sentence():
    reason = with_citation("Test now.", "CDC 2022 Rec 10 sets no frequency [V]; research/clinical.md 1.4")
    assert with_note(reason, "Born late: recorded on Sun 06 Dec 2026.").endswith("sets no frequency. Born late: recorded on Sun 06 Dec 2026.")


def test_a_bracketed_form_is_left_as_given_and_an_internal_source_adds_nothing():
    assert with_citation("Try it", "FDA label", " (source: {})") == "Try it (source: FDA label)"
    assert with_citation("Try it.", "research/clinical.md 2.1") == "Try it."
