"""The NPI check digit (Luhn over 80840 + the first nine digits), against published NPIs: 1234567893 is
the CMS example in "Requirements for NPI check digit" (CMS NPI standard, 2008), and 1245319599 is the
example used in the NPPES registry's documentation. Every other last digit must be refused."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from painpath.core.npi import Npi, check_digit, is_valid_npi, npi_problem

PUBLISHED = ("1234567893", "1245319599")


@pytest.mark.parametrize("npi", PUBLISHED)
def test_published_npis_pass_and_every_other_last_digit_fails(npi):
    assert is_valid_npi(npi)
    assert check_digit(npi[:9]) == int(npi[9])
    for digit in "0123456789":
        if digit != npi[9]:
            assert not is_valid_npi(npi[:9] + digit)


@pytest.mark.parametrize("typed, problem", [
    ("123456789", "exactly 10 digits"), ("12345678901", "exactly 10 digits"), ("12345678a3", "exactly 10 digits"),
    ("3234567893", "starts with 1 or 2"), ("1234567890", "check digit"),
])
def test_what_is_wrong_with_a_typed_npi_is_said_in_words(typed, problem):
    assert problem in npi_problem(typed)


def test_the_form_field_drops_spaces_and_dashes_and_refuses_a_bad_check_digit():
    field = TypeAdapter(Npi)
    assert field.validate_python("123-456 7893") == "1234567893"
    with pytest.raises(ValidationError, match="check digit"):
        field.validate_python("1234567894")
