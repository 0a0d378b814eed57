"""painpath's ICD-10-CM index answers as CMS's files do (read through the simple-icd-10-cm package)."""

from __future__ import annotations

import pytest

from painpath.knowledge import icd10cm


def test_every_item_of_the_release_is_in_the_index_with_its_billable_flag_and_description() -> None:
    import simple_icd_10_cm as icd  # parses CMS's XML on import: only the worker that runs this test pays

    codes = icd.get_all_codes(with_dots=True)
    assert len(codes) > 90_000
    for code in codes:
        assert icd10cm.is_code(code), code
        assert icd10cm.is_billable(code) == icd.is_leaf(code), code
        assert icd10cm.description(code) == icd.get_description(code), code
    for code in codes:
        if "." in code:  # written without its dot, a code is still found, and given back as CMS writes it
            bare = code.replace(".", "")
            assert icd10cm.is_code(bare) and icd.is_valid_item(bare), bare
            assert icd10cm.dotted(bare) == code, bare


@pytest.mark.parametrize(("code", "billable", "words"), [
    ("M54.16", True, "Radiculopathy, lumbar region"),  # CMS tabular list, FY 2026
    ("M5416", True, "Radiculopathy, lumbar region"),
    ("M54.1", False, "Radiculopathy"),
    ("M54", False, "Dorsalgia"),
    ("M50-M54", False, "Other dorsopathies (M50-M54)"),  # a block: CMS writes its range in the title
])
def test_published_codes(code: str, billable: bool, words: str) -> None:
    assert icd10cm.is_code(code)
    assert icd10cm.is_billable(code) is billable
    assert icd10cm.description(code) == words


@pytest.mark.parametrize("code", ["M54.99", "Z99.999", "M5", "", "hello"])
def test_codes_that_are_not_in_icd10cm_are_refused_in_words(code: str) -> None:
    assert not icd10cm.is_code(code)
    assert icd10cm.describe(code) == "Not an ICD-10-CM code"
    with pytest.raises(ValueError, match="is not an ICD-10-CM code"):
        icd10cm.is_billable(code)
