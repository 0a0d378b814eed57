"""worklist: task keys of recurring duties name the fact they follow by id, not by date

Opioid-safety duties were keyed "opioid:udt:after:2026-03-02:episode:5" and PT recertifications
"therapy:pt_course:3:poc_recertification:2026-11-02"; two facts of one day gave one key twice and stopped
the worklist (issue 11). The rules now key them by the fact's id ("opioid:udt:after:drug_test:41:episode:5",
"...:poc_recertification:certification:7"). Without this rewrite every stored task of the old form would
close as no longer required and reopen under its new key on the first pass: claims lost, and duties a
person had completed shown again. Each old key is mapped to the fact the rules now anchor on for that day
(the latest by id when a day has two); a key whose fact cannot be found is left, and closes as before.

Revision ID: 0019_wt_engine_fact_id_keys
Revises: 0019_wt_engine_target_reason
Create Date: 2026-12-05 15:00:00
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = "0019_wt_engine_fact_id_keys"
down_revision = "0019_wt_engine_target_reason"
branch_labels = None
depends_on = None

_OPIOID = re.compile(r"^opioid:(agreement|udt|pdmp|follow_up):after:(\d{4}-\d{2}-\d{2}):episode:(\d+)$")
_RECERT = re.compile(r"^(therapy:pt_course:(\d+):poc_recertification):(\d{4}-\d{2}-\d{2})$")


def _one(connection, sql: str, **params) -> int | None:  # noqa: ANN001, ANN003
    return connection.execute(sa.text(sql), params).scalar()


def _pdmp_check(connection, episode_id: int, day: date, zone: ZoneInfo) -> int | None:  # noqa: ANN001
    """The latest check whose clinic-local day is `day` (the rules' checked_on)."""
    rows = connection.execute(sa.text(
        "SELECT id, checked_at FROM pdmp_check WHERE episode_id = :e AND checked_at >= :lo AND checked_at < :hi "
        "ORDER BY checked_at, id"), {"e": episode_id, "lo": datetime.combine(day - timedelta(days=1), datetime.min.time()),
                                      "hi": datetime.combine(day + timedelta(days=2), datetime.min.time())}).all()
    found = None
    for check_id, checked_at in rows:
        at = checked_at if isinstance(checked_at, datetime) else datetime.fromisoformat(str(checked_at))
        if at.replace(tzinfo=timezone.utc).astimezone(zone).date() == day:
            found = check_id
    return found


def _follow_up_anchor(connection, episode_id: int, day: date) -> str | None:  # noqa: ANN001
    """The course's first prescription when the day was the course start, else the visit of that day."""
    visit = _one(connection, "SELECT max(id) FROM encounter WHERE episode_id = :e AND date_of_service = :d "
                             "AND addendum_of_id IS NULL AND encounter_type <> 'pt_visit'", e=episode_id, d=day)
    started = _one(connection, "SELECT min(id) FROM medication_prescription WHERE episode_id = :e AND start_date = :d "
                               "AND is_opioid", e=episode_id, d=day)
    earlier = _one(connection, "SELECT count(*) FROM medication_prescription WHERE episode_id = :e AND start_date < :d "
                               "AND is_opioid", e=episode_id, d=day)
    if visit is not None and (started is None or earlier):
        return f"visit:{visit}"  # a visit after the start was the anchor (a visit on the start day was not)
    return f"rx:{started}" if started is not None else None


def new_key(connection, key: str, zone: ZoneInfo) -> str | None:  # noqa: ANN001
    """The key the rules now give the duty stored under `key`; None when it is not an old-form key or its fact is gone."""
    match = _OPIOID.match(key)
    if match:
        what, day, episode_id = match.group(1), date.fromisoformat(match.group(2)), int(match.group(3))
        if what == "agreement":
            found = _one(connection, "SELECT max(id) FROM opioid_agreement WHERE episode_id = :e AND signed_on = :d", e=episode_id, d=day)
            anchor = f"agreement:{found}" if found is not None else None
        elif what == "udt":
            found = _one(connection, "SELECT max(id) FROM urine_drug_test WHERE episode_id = :e AND collected_on = :d", e=episode_id, d=day)
            anchor = f"drug_test:{found}" if found is not None else None
        elif what == "pdmp":
            found = _pdmp_check(connection, episode_id, day, zone)
            anchor = f"pdmp_check:{found}" if found is not None else None
        else:
            anchor = _follow_up_anchor(connection, episode_id, day)
        return f"opioid:{what}:after:{anchor}:episode:{episode_id}" if anchor else None
    match = _RECERT.match(key)
    if match:
        found = _one(connection, "SELECT max(id) FROM pt_plan_certification WHERE course_id = :c AND certified_on = :d",
                     c=int(match.group(2)), d=date.fromisoformat(match.group(3)))
        return f"{match.group(1)}:certification:{found}" if found is not None else None
    return None


def rewrite_task_keys(connection, zone: ZoneInfo) -> int:  # noqa: ANN001
    """Rewrite every old-form key in place (any status, so history matches); returns how many."""
    rows = connection.execute(sa.text(
        "SELECT id, key FROM task WHERE (provider = 'opioid_safety' AND key LIKE 'opioid:%:after:%') "
        "OR (key LIKE 'therapy:pt_course:%:poc_recertification:%')")).all()
    changed = 0
    for task_id, key in rows:
        rewritten = new_key(connection, key, zone)
        if rewritten is not None and rewritten != key:
            connection.execute(sa.text("UPDATE task SET key = :k WHERE id = :i"), {"k": rewritten, "i": task_id})
            changed += 1
    return changed


def upgrade() -> None:
    # The clinic's timezone gives a PDMP check's local day, as in the rules. Read like Settings reads it
    # (same variable, same default) without building Settings, which also demands secrets a migration needs not.
    rewrite_task_keys(op.get_bind(), ZoneInfo(os.environ.get("PAINPATH_CLINIC_TIMEZONE") or "America/Chicago"))


def downgrade() -> None:
    # The old keys cannot be told apart again (that was the defect); older code closes and reopens these tasks.
    pass
