"""The visit-note screen: the episode page's "Visit notes" panel (the notes, and a short form to start
one), the note itself (narrative, functional measures, structured exam), signing, and addenda.

One "Save note" posts the whole note, and the page calls update_encounter, record_measures and
record_exam in the request's single transaction. Every problem from every part is collected first; if
there is any, the transaction is rolled back (nothing of the note, its measures or its exam changes)
and the page comes back (422) with the typed values and each message next to its input. Input names
are the problem paths the schemas and rules use ("goals.0.target.target",
"straight_leg_raise.left.angle_degrees"), so a problem finds its input by name.

Decisions:
- Measures are sent when any measure or goal input holds a value, or when the note already has
  measures (so clearing them works). Values pre-filled by carry-forward count: saving confirms them
  as this visit's values, which is what carrying them forward is for.
- The exam is sent only when an exam input differs from its blank default ("not tested", empty), or
  when the note already has an exam (so it can be cleared): a note charted without an exam stays
  without one, instead of gaining an exam of "not tested" everywhere.
- Every save gives the note a new version (service.mark_saved), so a form loaded before someone
  else's save is refused with 409 even when that save changed only measures or exam. A stale form is
  shown again with the typed values and the old version, so nothing is overwritten by re-submitting.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.charting import note_panels, rules, service, visit_notes
from painpath.charting.models import Encounter, ExamFindings
from painpath.charting.schemas import (
    AddendumIn, EncounterIn, EncounterUpdate, ExamIn, MeasuresIn, SensoryDeficit, SidedDegrees, SlrSide,
)
from painpath.context import AppContext
from painpath.knowledge import icd10cm
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, InvalidInput, NotFound
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.patients import rules as patient_rules
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, validation_problems
from painpath.web.templating import templates

router = APIRouter()

# Vocabularies and labels --------------------------------------------------------------------------

LR = ("left", "right")
TEST_RESULTS = [("not_tested", "Not tested"), ("negative", "Negative"), ("positive", "Positive")]
SIDED_TESTS = {"facet_loading": "Facet loading", "spurling": "Spurling", "fadir": "FADIR"}
SI_WORDS = {"distraction": "Distraction", "thigh_thrust": "Thigh thrust", "compression": "Compression",
            "sacral_thrust": "Sacral thrust", "gaenslen": "Gaenslen"}
REFLEX_GRADES = [("0", "0 absent"), ("1", "1+ diminished"), ("2", "2+ normal"), ("3", "3+ brisk"), ("4", "4+ clonus")]
SENSORY_FINDINGS = get_args(SensoryDeficit.model_fields["finding"].annotation)
MEASURE_LABELS = {
    "sitting_minutes": "Sitting (minutes)", "standing_minutes": "Standing (minutes)", "walking_minutes": "Walking (minutes)",
    "sleep_hours": "Sleep (hours a night)", "sleep_awakenings": "Night awakenings", "lifting_limit_lb": "Lifting limit (lb)",
    "lifting_side": "Lifting side", "work_status": "Work status", "adl_limits": "ADL limits",
    "pain_now": "Pain now (0-10)", "pain_average": "Average pain (0-10)", "pain_worst": "Worst pain (0-10)",
}
GOAL_ROWS, DEFICIT_ROWS = 3, 3  # blank rows offered; one more than the note has once it has that many
MAX_GOALS, MAX_DEFICITS = 10, 20  # the schemas' max_length


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _bounds(model: type[BaseModel], name: str) -> tuple[float, float]:
    """The ge/le a schema puts on a field, so the input's min/max are the ones the server enforces."""
    low = high = None
    for rule in model.model_fields[name].metadata:
        low, high = getattr(rule, "ge", low), getattr(rule, "le", high)
    assert low is not None and high is not None, name
    return low, high


def _number_inputs() -> dict[str, tuple[float, float, str]]:
    """(min, max, step) of every numeric input, from charting.rules and the exam schemas."""
    found = {name: (spec.low, spec.high, "1" if spec.integer else "any") for name, spec in rules.NUMERIC.items()}
    for side in LR:
        found[f"straight_leg_raise.{side}.angle_degrees"] = (*_bounds(SlrSide, "angle_degrees"), "1")
        found[f"hip_internal_rotation_degrees.{side}"] = (*_bounds(SidedDegrees, side), "1")
    for i in range(MAX_DEFICITS):
        found[f"motor_deficits.{i}.grade"] = (0, 5, "1")  # MRC 0-5, checked in rules.exam_problems
    for i in range(MAX_GOALS):
        found[f"goals.{i}.target.target"] = (0, 1440, "any")  # the widest measure range; rules check by measure
    return found


NUMBER_INPUTS = _number_inputs()


def _labels() -> dict[str, str]:
    """Every input's label (also used by the error summary); the name is the problem path."""
    labels = {"narrative": "Narrative", "encounter_type": "Visit type", "date_of_service": "Date of service",
              "version": "Note version", "form": "Note", "status": "Note", "diagnosis_codes": "Diagnosis (ICD-10-CM codes)",
              "reasoning": "Clinical reasoning", **MEASURE_LABELS}
    labels.update({f"adl_limits.{item}": _words(item) for item in rules.ADL_LIMITS})
    for i in range(MAX_GOALS):
        labels.update({f"goals.{i}.text": f"Goal {i + 1}", f"goals.{i}.target.measure": f"Goal {i + 1}: measure",
                       f"goals.{i}.target.target": f"Goal {i + 1}: target"})
    for side in LR:
        labels[f"straight_leg_raise.{side}.result"] = f"Straight leg raise, {side}"
        labels[f"straight_leg_raise.{side}.angle_degrees"] = f"SLR angle, {side} (degrees)"
        labels[f"hip_internal_rotation_degrees.{side}"] = f"Hip internal rotation, {side} (degrees)"
        for test, word in SIDED_TESTS.items():
            labels[f"{test}.{side}"] = f"{word}, {side}"
        for reflex in rules.REFLEXES:
            labels[f"reflexes.{reflex}.{side}"] = f"{reflex.capitalize()} reflex, {side}"
    labels.update({f"si_tests.{name}": f"SI {word.lower()}" for name, word in SI_WORDS.items()})
    for i in range(MAX_DEFICITS):
        labels.update({f"motor_deficits.{i}.level": f"Motor deficit {i + 1}: level", f"motor_deficits.{i}.side": f"Motor deficit {i + 1}: side",
                       f"motor_deficits.{i}.grade": f"Motor deficit {i + 1}: MRC grade (0-5)",
                       f"sensory_deficits.{i}.dermatome": f"Sensory deficit {i + 1}: dermatome",
                       f"sensory_deficits.{i}.side": f"Sensory deficit {i + 1}: side",
                       f"sensory_deficits.{i}.finding": f"Sensory deficit {i + 1}: finding"})
    return labels


LABELS = _labels()
NEW_NOTE_LABELS = {"encounter_type": "Visit type", "date_of_service": "Date of service", "appointment_id": "Visit"}


# Problems -> inputs -------------------------------------------------------------------------------

def _input_key(field: str) -> str:
    """The input (or input group) a problem belongs to: "adl_limits[1]" -> "adl_limits",
    "diagnosis_codes[0]" -> "diagnosis_codes", "goals[0].target.target" -> "goals.0.target.target"."""
    key = re.sub(r"\[(\d+)\]", r".\1", field)
    while key not in LABELS and "." in key:
        key = key.rsplit(".", 1)[0]
    return key if key in LABELS else "form"


def _remap_rows(problems: list[FieldProblem], prefix: str, rows: list[int]) -> list[FieldProblem]:
    """Blank rows are not sent, so the service's index i is the form's row rows[i]."""
    out = []
    for p in problems:
        key = re.sub(r"\[(\d+)\]", r".\1", p.field)
        found = re.match(rf"{prefix}\.(\d+)(\..*)?$", key)
        if found and int(found.group(1)) < len(rows):
            key = f"{prefix}.{rows[int(found.group(1))]}{found.group(2) or ''}"
        out.append(FieldProblem(key, p.rule, p.message))
    return out


def _placed(problems: list[FieldProblem]) -> list[FieldProblem]:
    """Problems keyed by input name, with range messages that say the range."""
    placed = []
    for p in problems:
        key = _input_key(p.field)
        message = p.message
        if p.rule in ("less_than_equal", "greater_than_equal") and key in NUMBER_INPUTS:
            low, high, _step = NUMBER_INPUTS[key]
            message = f"Enter a number from {low:g} to {high:g}"
        placed.append(FieldProblem(key, p.rule, message))
    return placed


def _errors(problems: list[FieldProblem]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(p.field, []).append(p.message)
    return errors


# Stored note -> flat input values -------------------------------------------------------------------

def _text(value: object) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _measure_values(measures: dict) -> dict[str, str]:
    out = {name: _text(measures[name]) for name in rules.NUMERIC if measures.get(name) is not None}
    out["lifting_side"] = measures.get("lifting_side") or "both"
    out["work_status"] = measures.get("work_status") or ""
    out.update({f"adl_limits.{item}": "on" for item in measures.get("adl_limits") or []})
    for i, goal in enumerate(measures.get("goals") or []):
        out[f"goals.{i}.text"] = goal["text"]
        if goal["target"]:
            out[f"goals.{i}.target.measure"] = goal["target"]["measure"]
            out[f"goals.{i}.target.target"] = _text(goal["target"]["target"])
    return out


def _exam_values(row: ExamFindings | None) -> dict[str, str]:
    if row is None:
        return {}
    f = row.findings
    out: dict[str, str] = {}
    for side in LR:
        slr = (f.get("straight_leg_raise") or {}).get(side) or {}
        out[f"straight_leg_raise.{side}.result"] = slr.get("result") or "not_tested"
        out[f"straight_leg_raise.{side}.angle_degrees"] = _text(slr.get("angle_degrees"))
        out[f"hip_internal_rotation_degrees.{side}"] = _text((f.get("hip_internal_rotation_degrees") or {}).get(side))
        for test in SIDED_TESTS:
            out[f"{test}.{side}"] = (f.get(test) or {}).get(side) or "not_tested"
    out.update({f"si_tests.{name}": (f.get("si_tests") or {}).get(name) or "not_tested" for name in SI_WORDS})
    for i, d in enumerate(f.get("motor_deficits") or []):
        out.update({f"motor_deficits.{i}.level": d["level"], f"motor_deficits.{i}.side": d["side"], f"motor_deficits.{i}.grade": _text(d["grade"])})
    for i, d in enumerate(f.get("sensory_deficits") or []):
        out.update({f"sensory_deficits.{i}.dermatome": d["dermatome"], f"sensory_deficits.{i}.side": d["side"],
                    f"sensory_deficits.{i}.finding": d["finding"]})
    for reflex, sides in (f.get("reflexes") or {}).items():
        out.update({f"reflexes.{reflex}.{side}": _text(grade) for side, grade in (sides or {}).items() if grade is not None})
    out["diagnosis_codes"] = ", ".join(row.diagnosis_codes or [])
    out["reasoning"] = row.reasoning or ""
    return out


def _has_measures(measures: dict) -> bool:
    return any(key != "goals" for key in measures) or bool(measures.get("goals"))


def _carry_forward(session: Session, episode_id: DbId) -> tuple[dict[str, str], dict[str, date]]:
    """Input values from each measure's last value on the episode, and the date each came from."""
    latest = service.latest_measures(session, episode_id=episode_id)
    values = _measure_values({**latest["values"], "goals": latest["goals"]})
    as_of: dict[str, date] = {}
    for measure, on in latest["as_of"].items():
        as_of[measure] = date.fromisoformat(on)
        if measure == "lifting_limit_lb":
            as_of["lifting_side"] = as_of[measure]
    return values, as_of


def _carried_hints(values: dict[str, str], carried: dict[str, str], as_of: dict[str, date]) -> dict[str, str]:
    """"Carried forward from <date>" for each input that still holds its carried value."""
    hints = {}
    for name, on in as_of.items():
        if name == "adl_limits":
            same = all(bool(values.get(k)) == bool(carried.get(k)) for k in LABELS if k.startswith("adl_limits."))
        else:
            same = values.get(name, "") == carried.get(name, "")
        if same:
            hints[name] = f"Carried forward from {on:%d %b %Y}"
    return hints


# Posted form -> payloads ---------------------------------------------------------------------------

def _number(form: dict[str, str], name: str, problems: list[FieldProblem]) -> int | float | None:
    raw = form.get(name, "")
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append(FieldProblem(name, "number", "Enter a number"))
        return None
    return value


def _rows(form: dict[str, str], prefix: str) -> list[int]:
    return sorted({int(m.group(1)) for key in form if (m := re.match(rf"{prefix}\.(\d+)\.", key))})


def _measures_payload(form: dict[str, str], problems: list[FieldProblem]) -> tuple[dict, list[int], bool]:
    """MeasuresIn data, the form row of each goal sent, and whether any measure input was filled."""
    data: dict[str, Any] = {name: _number(form, name, problems) for name in rules.NUMERIC}
    data["lifting_side"] = form.get("lifting_side") or "both"
    data["work_status"] = form.get("work_status") or None
    data["adl_limits"] = [item for item in rules.ADL_LIMITS if form.get(f"adl_limits.{item}")] or None
    goals, rows = [], []
    for i in _rows(form, "goals"):
        text, measure = form.get(f"goals.{i}.text", ""), form.get(f"goals.{i}.target.measure", "")
        raw_target = form.get(f"goals.{i}.target.target", "")
        if not (text or measure or raw_target):
            continue
        target = _number(form, f"goals.{i}.target.target", problems)
        goals.append({"text": text, "target": {"measure": measure, "target": target} if (measure or raw_target) else None})
        rows.append(i)
    data["goals"] = goals
    filled = any(form.get(name) for name in rules.NUMERIC) or bool(data["work_status"] or data["adl_limits"] or goals)
    return data, rows, filled


def _reflex(raw: str) -> int | str:
    return int(raw) if raw.isdigit() else raw


def _codes(raw: str) -> list[str]:
    return [code for code in re.split(r"[,;\s]+", raw) if code]


def _exam_payload(form: dict[str, str], problems: list[FieldProblem]) -> tuple[dict, dict[str, list[int]], bool]:
    """ExamIn data, the form row of each deficit sent, and whether any exam input left its default."""
    exam: dict[str, Any] = {
        "straight_leg_raise": {side: {"result": form.get(f"straight_leg_raise.{side}.result") or "not_tested",
                                      "angle_degrees": _number(form, f"straight_leg_raise.{side}.angle_degrees", problems)} for side in LR},
        **{test: {side: form.get(f"{test}.{side}") or "not_tested" for side in LR} for test in SIDED_TESTS},
        "hip_internal_rotation_degrees": {side: _number(form, f"hip_internal_rotation_degrees.{side}", problems) for side in LR},
        "si_tests": {name: form.get(f"si_tests.{name}") or "not_tested" for name in SI_WORDS},
        "motor_deficits": [], "sensory_deficits": [], "reflexes": {},
        "diagnosis_codes": _codes(form.get("diagnosis_codes", "")), "reasoning": form.get("reasoning", ""),
    }
    rows: dict[str, list[int]] = {"motor_deficits": [], "sensory_deficits": []}
    for i in _rows(form, "motor_deficits"):
        level, side, grade = (form.get(f"motor_deficits.{i}.{k}", "") for k in ("level", "side", "grade"))
        if level or side or grade:
            exam["motor_deficits"].append({"level": level or None, "side": side or None, "grade": _number(form, f"motor_deficits.{i}.grade", problems)})
            rows["motor_deficits"].append(i)
    for i in _rows(form, "sensory_deficits"):
        dermatome, side = form.get(f"sensory_deficits.{i}.dermatome", ""), form.get(f"sensory_deficits.{i}.side", "")
        if dermatome or side:
            exam["sensory_deficits"].append({"dermatome": dermatome or None, "side": side or None,
                                             "finding": form.get(f"sensory_deficits.{i}.finding") or "diminished"})
            rows["sensory_deficits"].append(i)
    for reflex in rules.REFLEXES:
        sides = {side: _reflex(form[f"reflexes.{reflex}.{side}"]) for side in LR if form.get(f"reflexes.{reflex}.{side}")}
        if sides:
            exam["reflexes"][reflex] = sides
    tests = [exam["straight_leg_raise"][s]["result"] for s in LR] + [exam[t][s] for t in SIDED_TESTS for s in LR] + list(exam["si_tests"].values())
    numbers = [f"straight_leg_raise.{s}.angle_degrees" for s in LR] + [f"hip_internal_rotation_degrees.{s}" for s in LR]
    filled = (any(t != "not_tested" for t in tests) or any(form.get(n) for n in numbers) or bool(rows["motor_deficits"] or rows["sensory_deficits"])
              or bool(exam["reflexes"] or exam["diagnosis_codes"] or exam["reasoning"]))
    return exam, rows, filled


# The save ----------------------------------------------------------------------------------------

def _checked(problems: list[FieldProblem], call) -> None:  # noqa: ANN001
    """Run one part of the save; its refusal is collected so every part's problems show at once."""
    try:
        call()
    except InvalidInput as exc:
        problems.extend(exc.problems)


def _with_rule_problems(shape: list[FieldProblem], checked: list[FieldProblem]) -> list[FieldProblem]:
    """When a part's shape is refused its service never runs, so its rules (pure, the same the service
    applies) are asked here too: every problem shows at once. A field keeps its shape problem only."""
    seen = {re.sub(r"\[(\d+)\]", r".\1", p.field) for p in shape}
    return shape + [p for p in checked if re.sub(r"\[(\d+)\]", r".\1", p.field) not in seen]


def _save_note(session: Session, caller: Caller, encounter: Encounter, form: dict[str, str]) -> list[FieldProblem]:
    """update_encounter + record_measures + record_exam; the problems of all three (empty when saved).
    Conflict and StaleWrite propagate: they answer 409 whatever else is wrong."""
    problems: list[FieldProblem] = []
    actor = caller.actor
    seen_version = encounter.version  # replaced by the form's version once it validates
    try:
        update = EncounterUpdate.model_validate({
            "encounter_type": form.get("encounter_type") or None, "date_of_service": form.get("date_of_service") or None,
            "narrative": form.get("narrative", ""), "version": form.get("version") or None,
        })
    except ValidationError as exc:
        problems.extend(validation_problems(exc))
    else:
        seen_version = update.version
        _checked(problems, lambda: service.update_encounter(session, actor=actor, encounter_id=encounter.id, data=update))

    if encounter.addendum_of_id is None:  # an addendum is narrative only
        measures, goal_rows, measures_filled = _measures_payload(form, problems)
        if measures_filled or _has_measures(service.measures_of(session, encounter_id=encounter.id)):
            part: list[FieldProblem] = []
            try:
                data = MeasuresIn.model_validate(measures)
            except ValidationError as exc:
                values = {k: v for k, v in measures.items() if k != "goals"}
                part.extend(_with_rule_problems(validation_problems(exc), rules.measure_problems(values, measures["goals"])))
            else:
                _checked(part, lambda: service.record_measures(session, actor=actor, encounter_id=encounter.id, data=data))
            problems.extend(_remap_rows(part, "goals", goal_rows))

        exam, deficit_rows, exam_filled = _exam_payload(form, problems)
        if exam_filled or service.exam_of(session, encounter_id=encounter.id) is not None:
            part = []
            try:
                findings = ExamIn.model_validate(exam)
            except ValidationError as exc:
                checked = rules.exam_problems(exam) + patient_rules.icd10_problems(exam["diagnosis_codes"], field="diagnosis_codes")
                part.extend(_with_rule_problems(validation_problems(exc), checked))
            else:
                _checked(part, lambda: service.record_exam(session, actor=actor, encounter_id=encounter.id, data=findings))
            for prefix, rows in deficit_rows.items():
                part = _remap_rows(part, prefix, rows)
            problems.extend(part)

    if not problems:
        service.mark_saved(session, encounter=encounter, seen_version=seen_version)
    return problems


# Reading a note -----------------------------------------------------------------------------------

def _user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


def _measure_lines(measures: dict) -> list[tuple[str, str]]:
    """A recorded note's measures as (label, value) lines, in the form's order."""
    lines = []
    for name, label in MEASURE_LABELS.items():
        value = measures.get(name)
        if value is None or name == "lifting_side":
            continue
        if name == "lifting_limit_lb":
            text = f"{value:g} lb" + (f" ({measures['lifting_side']})" if measures.get("lifting_side") not in (None, "both") else "")
        elif name == "work_status":
            text = _words(value)
        elif name == "adl_limits":
            text = ", ".join(_words(v).lower() for v in value)
        else:
            text = _text(value)
        lines.append((label.split(" (")[0] if name in ("lifting_limit_lb",) else label, text))
    return lines


def _goal_lines(measures: dict) -> list[str]:
    out = []
    for goal in measures.get("goals") or []:
        target = goal["target"]
        out.append(goal["text"] + (f" (target: {MEASURE_LABELS.get(target['measure'], target['measure'])} {_text(target['target'])})" if target else ""))
    return out


def _exam_lines(row: ExamFindings | None) -> dict[str, Any] | None:
    """A recorded exam in words: tested findings only, deficits, reflexes, codes with descriptions."""
    if row is None:
        return None
    f, results = row.findings, dict(TEST_RESULTS)
    tests = []
    for side in LR:
        slr = (f.get("straight_leg_raise") or {}).get(side) or {}
        if slr.get("result", "not_tested") != "not_tested" or slr.get("angle_degrees") is not None:
            angle = f" at {slr['angle_degrees']}°" if slr.get("angle_degrees") is not None else ""
            tests.append((LABELS[f"straight_leg_raise.{side}.result"], results[slr.get("result", "not_tested")] + angle))
    for test in SIDED_TESTS:
        tests += [(LABELS[f"{test}.{side}"], results[v]) for side in LR if (v := (f.get(test) or {}).get(side, "not_tested")) != "not_tested"]
    tests += [(f"Hip internal rotation, {side}", f"{v}°") for side in LR if (v := (f.get("hip_internal_rotation_degrees") or {}).get(side)) is not None]
    si = f.get("si_tests") or {}
    si_tested = [(word, results[si[name]]) for name, word in SI_WORDS.items() if si.get(name, "not_tested") != "not_tested"]
    reflexes = [(LABELS.get(f"reflexes.{r}.{s}", f"{r} {s}"), _text(g)) for r, sides in (f.get("reflexes") or {}).items() for s, g in (sides or {}).items() if g is not None]
    return {
        "tests": tests, "si": si_tested, "si_positive": rules.si_positive_count(si), "reflexes": reflexes,
        "motor": f.get("motor_deficits") or [], "sensory": f.get("sensory_deficits") or [],
        "codes": [(code, icd10cm.describe(code)) for code in row.diagnosis_codes or []], "reasoning": row.reasoning,
    }


def _row_count(values: dict[str, str], prefix: str, stored: int, blank: int, most: int) -> int:
    present = [int(m.group(1)) + 1 for key in values if (m := re.match(rf"{prefix}\.(\d+)\.", key))]
    return min(max(blank, stored + 1, *present, 0), most)


def _input_attrs(name: str, autofocus: str | None) -> dict[str, str]:
    """min/max/step/inputmode for a numeric input (from NUMBER_INPUTS), and autofocus for one input."""
    attrs: dict[str, str] = {}
    if name in NUMBER_INPUTS:
        low, high, step = NUMBER_INPUTS[name]
        attrs.update({"min": f"{low:g}", "max": f"{high:g}", "step": step, "inputmode": "numeric" if step == "1" else "decimal"})
    if name == autofocus:
        attrs["autofocus"] = "autofocus"
    return attrs


def _note_page(request: Request, ctx: AppContext, session: Session, caller: Caller, encounter_id: DbId, *,
               form: dict[str, str] | None = None, problems: list[FieldProblem] | None = None, which: str = "note",
               notice: str | None = None, status_code: int = 200) -> Response:
    """The note screen; a refused form passes its values (`form`) and problems (`which` form they belong to)."""
    screen = service.read_note_screen(session, actor=caller.actor, encounter_id=encounter_id)
    note = screen.encounter
    is_addendum = note.addendum_of_id is not None
    editable = note.status == "unsigned" and caller.can(Permission.NOTE_WRITE)
    own = service.measures_of(session, encounter_id=note.id)
    exam = service.exam_of(session, encounter_id=note.id)
    carried, as_of = ({}, {}) if (is_addendum or _has_measures(own)) else _carry_forward(session, note.episode_id)
    stored = {"narrative": note.narrative, "encounter_type": note.encounter_type, "date_of_service": note.date_of_service.isoformat(),
              "version": str(note.version), **(_measure_values(own) if _has_measures(own) else carried), **_exam_values(exam)}
    values = form if form is not None and which == "note" else stored
    placed = _placed(problems or [])
    first_error = next((p.field for p in placed if p.field in LABELS and p.field not in ("form", "status", "version")), None)
    measures_recorded = own if _has_measures(own) else {}
    everyone = [note, *screen.addenda, *([screen.original] if screen.original else [])]
    context = {
        "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
        "patient": screen.patient, "episode": screen.episode, "note": note, "addenda": screen.addenda, "original": screen.original,
        "is_addendum": is_addendum, "editable": editable, "values": values, "labels": LABELS, "which": which,
        "problems": placed, "errors": _errors(placed), "notice": notice, "form_values": form or {}, "status_code": status_code,
        "hints": _carried_hints(values, carried, as_of), "goals_carried": bool(carried) and any(k.startswith("goals.") for k in carried),
        "attrs": lambda name: _input_attrs(name, first_error or "narrative"),
        "goal_rows": _row_count(values, "goals", len(own.get("goals") or []), GOAL_ROWS, MAX_GOALS),
        "motor_rows": _row_count(values, "motor_deficits", len((exam.findings if exam else {}).get("motor_deficits") or []), DEFICIT_ROWS, MAX_DEFICITS),
        "sensory_rows": _row_count(values, "sensory_deficits", len((exam.findings if exam else {}).get("sensory_deficits") or []), DEFICIT_ROWS, MAX_DEFICITS),
        "type_words": rules.ENCOUNTER_WORDS, "types": list(rules.ENCOUNTER_WORDS.items()),
        "test_results": TEST_RESULTS, "sided_tests": SIDED_TESTS, "si_words": SI_WORDS, "reflexes": rules.REFLEXES,
        "reflex_grades": REFLEX_GRADES, "findings": [(f, _words(f)) for f in SENSORY_FINDINGS], "levels": rules.SPINAL_LEVELS,
        "sides": [(s, _words(s)) for s in LR], "lifting_sides": [(s, _words(s)) for s in rules.SIDES],
        "work_statuses": [(s, _words(s)) for s in rules.WORK_STATUSES], "adl_limits": [(s, _words(s)) for s in rules.ADL_LIMITS],
        "numeric_measures": [(name, MEASURE_LABELS[name]) for name in rules.NUMERIC],
        "measure_lines": _measure_lines(measures_recorded), "goal_lines": _goal_lines(measures_recorded), "exam": _exam_lines(exam),
        "names": _user_names(session, {e.author_id for e in everyone} | {e.signed_by_id for e in everyone}),
        "describe": icd10cm.describe,
        "visit": visit_notes.visit_of(session, clinic_id=caller.user.clinic_id, appointment_id=note.appointment_id),
    }
    asked = note_panels.NotePanelRequest(session=session, ctx=ctx, caller=caller, patient=screen.patient, episode=screen.episode, note=note)
    context["note_panels"] = note_panels.render(asked, {"request": request, "caller": caller, "local": context["local"],
                                                        "patient": screen.patient, "episode": screen.episode, "note": note})
    return templates.TemplateResponse(request, "charting/note.html", context, status_code=status_code)


def _refused(request: Request, ctx: AppContext, session: Session, caller: Caller, encounter_id: DbId, form: dict[str, str],
             exc: Exception, which: str) -> Response:
    session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    if isinstance(exc, StaleDataError):
        problems = [FieldProblem("version", "current_version", "Someone else saved this note first; reload it and apply your change again")]
        return _note_page(request, ctx, session, caller, encounter_id, form=form, problems=problems, which=which, status_code=409)
    if isinstance(exc, ValidationError):
        return _note_page(request, ctx, session, caller, encounter_id, form=form, problems=validation_problems(exc), which=which, status_code=422)
    assert isinstance(exc, DomainError)
    return _note_page(request, ctx, session, caller, encounter_id, form=form, problems=exc.problems, which=which, status_code=exc.status_code)


# Routes ------------------------------------------------------------------------------------------

@router.get("/encounters/{encounter_id}")
def note_page(encounter_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
              caller: Annotated[Caller, requires(Permission.CHART_READ)], saved: str = "", signed: str = "") -> Response:
    notice = "Note saved." if saved else "Note signed." if signed else None
    return _note_page(request, ctx, session, caller, encounter_id, notice=notice)


@router.post("/encounters/{encounter_id}")
def save_note(encounter_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    encounter = service.encounter_for(session, actor=caller.actor, encounter_id=encounter_id)
    try:
        problems = _save_note(session, caller, encounter, form)
    except (DomainError, StaleDataError) as exc:
        return _refused(request, ctx, session, caller, encounter_id, form, exc, "note")
    if problems:
        return _refused(request, ctx, session, caller, encounter_id, form, InvalidInput(problems), "note")
    return RedirectResponse(f"/encounters/{encounter_id}?saved=1", status_code=303)


@router.post("/encounters/{encounter_id}/sign-note")
def sign_note(encounter_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.NOTE_SIGN)]) -> Response:
    version = form.get("version", "")
    try:
        if not version.isdigit():
            raise InvalidInput(FieldProblem("version", "int_parsing", "The note version is missing; reload the note and sign again"))
        service.sign_encounter(session, actor=caller.actor, encounter_id=encounter_id, version=int(version))
    except (DomainError, StaleDataError) as exc:
        return _refused(request, ctx, session, caller, encounter_id, form, exc, "sign")
    return RedirectResponse(f"/encounters/{encounter_id}?signed=1", status_code=303)


@router.post("/encounters/{encounter_id}/addenda")
def add_addendum(encounter_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    try:
        data = AddendumIn.model_validate({"narrative": form.get("narrative", "")})
        addendum = service.add_addendum(session, actor=caller.actor, encounter_id=encounter_id, data=data)
    except (ValidationError, DomainError) as exc:
        return _refused(request, ctx, session, caller, encounter_id, form, exc, "addendum")
    return RedirectResponse(f"/encounters/{encounter_id}#addendum-{addendum.id}", status_code=303)


@router.post("/encounters/{encounter_id}/complete-visit")
def complete_visit(encounter_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                   caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    """The note's author completes the visit the note documents (the same lifecycle rule as the Visits panel)."""
    encounter = service.encounter_for(session, actor=caller.actor, encounter_id=encounter_id)
    version = form.get("version", "")
    try:
        if encounter.appointment_id is None:
            raise InvalidInput(FieldProblem("appointment_id", "linked", "This note was not started from a visit"))
        if not version.isdigit():
            raise InvalidInput(FieldProblem("version", "int_parsing", "The visit version is missing; reload the note and try again"))
        visit = visit_notes.complete_visit(session, actor=caller.actor, appointment_id=encounter.appointment_id, version=int(version))
        ctx.reconcile(session, [visit.episode_id])
    except (DomainError, StaleDataError) as exc:
        return _refused(request, ctx, session, caller, encounter_id, form, exc, "visit")
    return RedirectResponse(f"/encounters/{encounter_id}", status_code=303)


# The episode page's panel -------------------------------------------------------------------------

def _today(ctx: AppContext) -> date:
    """The clinic's date (a visit's date of service is a clinic calendar day)."""
    return ctx.calendar.local_date(utcnow())


@patient_pages.episode_panel
def _visit_notes_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    notes = service.episode_notes(asked.session, episode_id=asked.episode.id)
    state = asked.state.get("visit_notes", {})
    problems = state.get("problems", [])
    default = {"encounter_type": "follow_up" if notes else "initial", "date_of_service": _today(asked.ctx).isoformat()}
    context = {
        "notes": notes, "type_words": rules.ENCOUNTER_WORDS, "types": list(rules.ENCOUNTER_WORDS.items()),
        "names": _user_names(asked.session, {note.author_id for note, _count in notes} | {note.signed_by_id for note, _count in notes}),
        "form": state.get("form") or default, "problems": problems, "errors": _errors(problems), "labels": NEW_NOTE_LABELS,
        "today": _today(asked.ctx),
        "visits": visit_notes.note_choices(asked.session, episode_id=asked.episode.id, local=clinic_clock(asked.ctx.calendar)),
    }
    return [patient_pages.EpisodePanel("charting/episode_notes.html", context, slot="main")]


@router.post("/episodes/{episode_id}/encounters")
def start_note(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    try:
        data = EncounterIn.model_validate({"encounter_type": form.get("encounter_type") or None,
                                           "date_of_service": form.get("date_of_service") or None,
                                           "appointment_id": form.get("appointment_id") or None})
        note = service.create_encounter(session, actor=caller.actor, episode_id=episode_id, data=data)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            raise
        problems, status = (validation_problems(exc), 422) if isinstance(exc, ValidationError) else (exc.problems, exc.status_code)
        state = {"visit_notes": {"form": form, "problems": problems}}
        return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)
    return RedirectResponse(f"/encounters/{note.id}", status_code=303)
