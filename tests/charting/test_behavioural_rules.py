"""The behavioural-health duty as a pure function of the latest scores, the recorded offers and the pack: which
answer meets which score, when a newer score asks again, and the due date from the score's date."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from painpath.charting.behavioural import rules
from painpath.core.clock import BusinessCalendar
from painpath.knowledge.loader import load_knowledge
from painpath.worklist.engine import Fulfillment, Obligation

CALENDAR = BusinessCalendar(country="US", timezone_name="America/Chicago")


@pytest.fixture(scope="module")
def pack():  # noqa: ANN201
    return load_knowledge().behavioural_health


def _score(value: float, on: date, administration_id: int = 7, instrument: str = "pcs", name: str = "PCS") -> rules.LatestScore:
    return rules.LatestScore(administration_id, instrument, name, on, value)


def _offer(answer: str, offered_on: date, score_on: date, instrument: str = "pcs") -> rules.OfferRecord:
    return rules.OfferRecord(instrument, score_on, offered_on, "Pain-psychology referral", answer, datetime(2026, 3, 1, 12))


def _facts(latest: list[rules.LatestScore], offers: list[rules.OfferRecord] = ()) -> rules.EpisodeBehaviour:  # noqa: ANN001
    return rules.EpisodeBehaviour(1, 2, 3, tuple(latest), tuple(offers))


def test_a_crossing_score_with_no_offer_is_owed_to_the_clinician_due_five_business_days_on(pack):
    (found,) = rules.findings(_facts([_score(34, date(2026, 4, 2))]), pack, CALENDAR)  # Thu 2 Apr 2026
    assert isinstance(found, Obligation)
    assert (found.key, found.owner_role, found.title) == ("behavioural:offer:7", "clinician", "Discuss a pain-psychology referral: PCS 34 (threshold 30)")
    # Thu 2 Apr + 5 business days (Good Friday is not a US federal holiday) = Thu 9 Apr, end of the day in Chicago (CDT).
    assert found.due_at == datetime(2026, 4, 10, 4, 59, 59)


@pytest.mark.parametrize("answer", ["accepted", "declined", "undecided"])
def test_any_answer_recorded_on_or_after_the_scores_date_meets_it(pack, answer):
    (found,) = rules.findings(_facts([_score(34, date(2026, 4, 2))], [_offer(answer, date(2026, 4, 2), date(2026, 4, 2))]), pack, CALENDAR)
    assert isinstance(found, Fulfillment) and found.key == "behavioural:offer:7"


def test_an_offer_before_a_newer_crossing_score_does_not_meet_it_unless_the_patient_accepted(pack):
    newer = _score(40, date(2026, 4, 20), administration_id=9)
    for answer, owed in (("declined", True), ("undecided", True), ("accepted", False)):
        (found,) = rules.findings(_facts([newer], [_offer(answer, date(2026, 4, 2), date(2026, 4, 2))]), pack, CALENDAR)
        assert isinstance(found, Obligation) is owed, answer
        assert found.key == "behavioural:offer:9"


def test_an_offer_for_another_instrument_does_not_meet_this_one(pack):
    tsk = _score(43, date(2026, 4, 2), administration_id=8, instrument="tsk17", name="TSK-17")
    (found,) = rules.findings(_facts([tsk], [_offer("declined", date(2026, 4, 2), date(2026, 4, 2))]), pack, CALENDAR)
    assert isinstance(found, Obligation) and found.title.endswith("TSK-17 43 (threshold above 37)")


def test_scores_at_or_below_their_cut_offs_owe_nothing(pack):
    latest = [_score(29, date(2026, 4, 2)), _score(37, date(2026, 4, 2), 8, "tsk17", "TSK-17"), _score(14, date(2026, 4, 2), 9, "isi", "ISI")]
    assert rules.findings(_facts(latest), pack, CALENDAR) == []
    unscored = rules.LatestScore(10, "start_back", "STarT Back psychosocial subscale", date(2026, 4, 2), None)
    assert rules.findings(_facts([unscored]), pack, CALENDAR) == []
