"""Upload checks shared by every slice that accepts files."""

import pytest

from painpath.documents.uploads import clean_filename, is_readable_pdf, size_limit_words

from support import small_pdf


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("scan.pdf", "scan.pdf"),
        ("C:\\Users\\me\\scan.pdf", "scan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("MRI\r\nreport\x00.pdf", "MRI report .pdf"),
        ("a\x1b[2Jb\x07.pdf", "a [2Jb .pdf"),
        ("invoice\u202efdp.exe", "invoice fdp.exe"),
        ("\x00\x01", "document"),
        ("", "document"),
        (None, "document"),
        ("x" * 300 + ".pdf", "x" * 255),
    ],
)
def test_filenames_lose_folders_and_control_characters(given, kept):
    assert clean_filename(given) == kept


def test_size_limits_are_stated_exactly():
    assert size_limit_words(20 * 1024 * 1024) == "at most 20 MB (20,971,520 bytes)"
    assert size_limit_words(10 * 1024 * 1024) == "at most 10 MB (10,485,760 bytes)"
    assert size_limit_words(512 * 1024) == "at most 512 KB (524,288 bytes)"


def test_only_a_pdf_that_opens_is_a_pdf():
    assert is_readable_pdf(small_pdf())
    assert not is_readable_pdf(b"%PDF-1.4\n<html><script>alert(1)</script></html>")
    assert not is_readable_pdf(b"%PDF-")
    assert not is_readable_pdf(b"")
