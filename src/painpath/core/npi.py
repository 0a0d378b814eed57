"""The National Provider Identifier check (45 CFR 162.406): ten digits whose last is a Luhn check digit
computed over the card-issuer prefix 80840 followed by the first nine digits.

Pure; used by the clinic settings, the users page and the PAS request builder so a mistyped NPI is
refused where it is typed rather than by the payer days later.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

# The ISO 7812 issuer prefix for US health identifiers; its Luhn contribution is the constant 24.
_PREFIX = "80840"


def _luhn_total(digits: str) -> int:
    """Luhn sum of `digits` as if a check digit followed: every second digit from the right is doubled."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total


def check_digit(first_nine: str) -> int:
    """The check digit for the first nine digits of an NPI."""
    return (10 - _luhn_total(_PREFIX + first_nine) % 10) % 10


def npi_problem(value: str) -> str | None:
    """Why `value` is not an NPI, in plain words; None when it is one."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return "An NPI is exactly 10 digits"
    if value[0] not in "12":
        return "An NPI starts with 1 or 2"
    if check_digit(value[:9]) != int(value[9]):
        return "That NPI's last digit does not match its check digit; check it for a typing error"
    return None


def is_valid_npi(value: str) -> bool:
    return npi_problem(value) is None


def _checked(value: str) -> str:
    problem = npi_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# A form or API field holding an NPI: spaces and dashes typed around the digits are dropped first.
Npi = Annotated[str, BeforeValidator(lambda v: v.replace(" ", "").replace("-", "") if isinstance(v, str) else v),
                AfterValidator(_checked)]
