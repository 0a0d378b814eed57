"""Referral to first contact and to first visit, on a hand-built clinic driven through the intake API with
the clock moved: three referrals reached after 1, 2 and 6 hours (median 2), seen after 6, 1 and 10 days."""

from datetime import date, datetime, timedelta, timezone

import time_machine

from painpath.outcomes.intake_measures import ReferralToFirstContact, ReferralToFirstVisit
from painpath.outcomes.measures import Filters, measure

DECEMBER = Filters(period_from=date(2026, 12, 1), period_to=date(2026, 12, 31))


def utc(day: int, hour: int, month: int = 12) -> datetime:
    """A clinic (Chicago, CST = UTC-6) wall-clock time in 2026, as an aware UTC instant."""
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.utc) + timedelta(hours=6)


def safe_answers(ctx) -> dict:  # noqa: ANN001
    answers = {}
    for q in ctx.knowledge.red_flags.questions:
        if q.kind == "yes_no":
            answers[q.id] = False
        elif q.kind == "number":
            answers[q.id] = {"age": 44}.get(q.id, 30)
        else:
            answers[q.id] = q.options[0].value
    return answers


def _call(desk, name: str, payer: str) -> dict:  # noqa: ANN001
    made = desk.post("/api/intake/calls", json={
        "new_patient": {"given_name": name, "family_name": "Measure", "birth_date": "1970-07-02", "sex": "female", "phone": "555-0177"},
        "source": "referral", "caller_name": f"{name} Measure", "caller_phone": "555-0177", "caller_relation": "self",
        "reason": "Low back pain for 3 months", "pain_location": "low back", "pain_duration_weeks": 12,
        "payer_id": payer, "member_id": "W123456789", "body_region": "lumbar", "laterality": "left"})
    assert made.status_code == 201, made.text
    return made.json()


def _attempt(desk, call: dict, outcome: str) -> None:  # noqa: ANN001
    assert desk.post(f"/api/intake/calls/{call['id']}/attempts", json={"outcome": outcome}).status_code == 200


def _triage(desk, ctx, call: dict, **flags: bool) -> None:  # noqa: ANN001
    saved = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": {**safe_answers(ctx), **flags}})
    assert saved.status_code == 201, saved.text


def _book(desk, call: dict, start: str, visit_type: str = "new_patient") -> dict:  # noqa: ANN001
    booked = desk.post(f"/api/episodes/{call['episode_id']}/appointments", json={"visit_type": visit_type, "start_at": start})
    assert booked.status_code == 201, booked.text
    return booked.json()


def build_clinic(client_for, ctx) -> dict[str, dict]:  # noqa: ANN001
    ctx.settings.session_hours = 24 * 90
    calls = {}
    with time_machine.travel(utc(30, 9, month=11), tick=False) as clock:
        desk = client_for("front_desk")
        # Before the period: reached at once, never counted.
        calls["early"] = _call(desk, "Early", "aetna_ma")
        clock.move_to(utc(30, 10, month=11))
        _attempt(desk, calls["early"], "reached")
        # A: routine, reached after 1 hour, first visit 6 days after the referral.
        clock.move_to(utc(8, 9))
        calls["a"] = _call(desk, "Anna", "aetna_ma")
        clock.move_to(utc(8, 10))
        _attempt(desk, calls["a"], "reached")
        _triage(desk, ctx, calls["a"])
        _book(desk, calls["a"], "2026-12-14T09:00:00")
        # B: urgent, a missed attempt then reached after 2 hours; an urgent visit the next day.
        clock.move_to(utc(8, 11))
        calls["b"] = _call(desk, "Bea", "aetna_ma")
        clock.move_to(utc(8, 12))
        _attempt(desk, calls["b"], "no_answer")
        clock.move_to(utc(8, 13))
        _attempt(desk, calls["b"], "reached")
        _triage(desk, ctx, calls["b"], fever=True, injects_drugs=True)
        _book(desk, calls["b"], "2026-12-09T11:00:00", visit_type="urgent")
        # C: routine, reached after 6 hours; a cancelled booking, then a visit 10 days after the referral.
        clock.move_to(utc(8, 12))
        calls["c"] = _call(desk, "Cora", "humana_ma")
        clock.move_to(utc(8, 18))
        _attempt(desk, calls["c"], "reached")
        _triage(desk, ctx, calls["c"])
        cancelled = _book(desk, calls["c"], "2026-12-10T12:00:00")
        assert desk.post(f"/api/appointments/{cancelled['id']}/cancel",
                         json={"version": cancelled["version"], "reason": "Patient asked for a later day"}).status_code == 200
        _book(desk, calls["c"], "2026-12-18T12:00:00")
        # D: never reached, never triaged (censored).
        clock.move_to(utc(8, 13))
        calls["d"] = _call(desk, "Dora", "humana_ma")
        clock.move_to(utc(8, 15))
        _attempt(desk, calls["d"], "no_answer")
    return calls


def _rows(figure) -> dict:  # noqa: ANN001
    return {r.key: r for r in figure.rows}


def test_referral_to_first_contact_and_first_visit(client_for, ctx, db, clinic):
    calls = build_clinic(client_for, ctx)
    a, b, c, d = (calls[k]["episode_id"] for k in "abcd")
    with db.session() as session:
        contact = measure("referral_to_first_contact").compute(session, clinic_id=clinic.id, filters=DECEMBER,
                                                              knowledge=ctx.knowledge, calendar=ctx.calendar)
        visit = ReferralToFirstVisit().compute(session, clinic_id=clinic.id, filters=DECEMBER, knowledge=ctx.knowledge,
                                                calendar=ctx.calendar)
    rows = _rows(contact)
    # Urgency, referrals, reached, median hours, mean hours, not reached yet
    assert rows["all"].cells == ("All referrals", 4, 3, 2.0, 3.0, 1)
    assert rows["all"].episode_ids == tuple(sorted((a, b, c, d)))
    assert rows["routine"].cells[1:] == (2, 2, 3.5, 3.5, 0) and rows["routine"].episode_ids == tuple(sorted((a, c)))
    assert rows["urgent"].cells[1:] == (1, 1, 2.0, 2.0, 0) and rows["urgent"].episode_ids == (b,)
    assert rows["emergent"].cells[1:] == (0, 0, None, None, 0)
    assert rows["not_triaged"].cells[1:] == (1, 0, None, None, 1) and rows["not_triaged"].episode_ids == (d,)
    assert contact.chart.x == ("Emergent", "Urgent", "Routine", "Not triaged")
    assert contact.notes and "censored" in contact.notes[0]
    assert contact.definition == ReferralToFirstContact.definition and "procedure" in contact.definition

    rows = _rows(visit)
    # 6, 1 and 10 days (C's cancelled booking on day 2 does not count)
    assert rows["all"].cells == ("All referrals", 4, 3, 6.0, 5.7, 1)
    assert rows["urgent"].cells[3] == 1.0
    assert rows["routine"].cells[1:] == (2, 2, 8.0, 8.0, 0)


def test_filters_narrow_the_referrals(client_for, ctx, db, clinic):
    calls = build_clinic(client_for, ctx)
    with db.session() as session:
        by_payer = ReferralToFirstContact().compute(
            session, clinic_id=clinic.id, filters=Filters(DECEMBER.period_from, DECEMBER.period_to, payer_id="aetna_ma"),
            knowledge=ctx.knowledge, calendar=ctx.calendar)
        november = ReferralToFirstContact().compute(
            session, clinic_id=clinic.id, filters=Filters(date(2026, 11, 1), date(2026, 11, 30)), knowledge=ctx.knowledge,
            calendar=ctx.calendar)
        elsewhere = ReferralToFirstContact().compute(
            session, clinic_id=clinic.id, filters=Filters(DECEMBER.period_from, DECEMBER.period_to, pathway_id="no_such_pathway"),
            knowledge=ctx.knowledge, calendar=ctx.calendar)
    assert _rows(by_payer)["all"].cells == ("All referrals", 2, 2, 1.5, 1.5, 0)
    assert _rows(by_payer)["all"].episode_ids == tuple(sorted((calls["a"]["episode_id"], calls["b"]["episode_id"])))
    assert _rows(november)["all"].cells == ("All referrals", 1, 1, 1.0, 1.0, 0)
    assert _rows(elsewhere)["all"].cells == ("All referrals", 0, 0, None, None, 0)
