"""The pure rules of patient accounts: addresses, link states, where an account stands, the e-mail's words."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from painpath.portal import rules

T0 = datetime(2026, 11, 16, 15, 0)


@pytest.mark.parametrize(("value", "ok"), [("dana@example.org", True), ("d.o+portal@mail.example.co.uk", True), ("", False),
                                           ("dana", False), ("dana@example", False), ("dana at example.org", False),
                                           ("a" * 70 + "@example.org", False)])
def test_email_addresses(value, ok):
    assert (rules.email_problem(rules.normalized_email(value)) is None) is ok


def test_addresses_are_compared_lower_case():
    assert rules.normalized_email("  Dana.Okafor@Example.ORG ") == "dana.okafor@example.org"


def _inv(**kw) -> rules.InvitationFacts:
    return rules.InvitationFacts(**{"created_at": T0, "expires_at": T0 + rules.INVITATION_LIFETIME, "used_at": None, "revoked_at": None, **kw})


def test_a_link_is_open_until_it_expires_and_then_never_again():
    assert rules.invitation_state(_inv(), T0 + timedelta(hours=71)) == "open"
    assert rules.invitation_state(_inv(), T0 + timedelta(hours=72)) == "expired"
    assert rules.invitation_state(_inv(used_at=T0), T0) == "used"
    assert rules.invitation_state(_inv(revoked_at=T0), T0) == "revoked"


def test_where_an_account_stands():
    now = T0 + timedelta(hours=1)
    assert rules.account_state(None, None, now) == "not_invited"
    assert rules.account_state(None, _inv(), now) == "invited"
    assert rules.account_state(None, _inv(), T0 + timedelta(days=4)) == "expired"
    active = rules.AccountFacts(activated_at=T0, revoked_at=None)
    assert rules.account_state(active, _inv(used_at=T0), now) == "active"
    revoked = rules.AccountFacts(activated_at=T0, revoked_at=T0 + timedelta(minutes=5))
    assert rules.account_state(revoked, _inv(used_at=T0), now) == "revoked"
    reinvited = _inv(created_at=T0 + timedelta(minutes=10), expires_at=T0 + timedelta(days=3))
    assert rules.account_state(revoked, reinvited, now) == "invited"


def test_the_token_is_stored_as_its_sha256():
    assert rules.token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_the_mail_names_the_clinic_the_link_and_the_expiry_and_nothing_else():
    subject, body = rules.invitation_mail(clinic_name="Riverside Pain & Spine", clinic_phone="555-0101",
                                          link="https://portal.example/portal/invitation/tok", expires_words="Thursday 19 November 2026")
    assert "Riverside Pain & Spine" in subject
    assert "https://portal.example/portal/invitation/tok" in body and "555-0101" in body and "Thursday 19 November 2026" in body
