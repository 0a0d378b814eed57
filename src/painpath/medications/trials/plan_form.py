"""The shape of the "Plan a trial to a target" form (medications/trials/pages.py): the drug, the daily target, the
step interval and date to reach it, what success means, and the reasons the rules may ask for (a target
above the pack's maximum, a second trial while one runs). The form's inputs are flat; the service's
input and problems are nested ("target.daily_mg"), so this module translates both ways."""

from __future__ import annotations

from painpath.core.errors import FieldProblem

WHICH = "plan"

PLAN_LABELS = {
    "plan_drug_name": "Drug", "target_daily_mg": "Target per day (mg)", "interval_days": "Days between steps",
    "reach_by": "Reach the target by", "success": "Success means", "above_max_reason": "Reason for a target above the usual maximum",
    "override_reason": "Reason for a second trial now",
}
# The service names nested fields ("target.daily_mg"); the form's inputs are flat.
_FORM_FIELD = {"drug_key": "plan_drug_name", "drug_name": "plan_drug_name", "rxnorm_code": "plan_drug_name",
               "target.daily_mg": "target_daily_mg", "target.interval_days": "interval_days", "target.reach_by": "reach_by",
               "target.success": "success", "target.above_max_reason": "above_max_reason", "target": "target_daily_mg"}


def plan_input(form: dict[str, str]) -> dict:
    """The service's input (medications/plan_schemas.TrialPlanIn) from the form's flat values."""
    value = lambda name: form.get(name) or None  # noqa: E731 - empty inputs mean "not given"
    return {"drug_name": value("plan_drug_name"), "override_reason": value("override_reason"), "target": {
        "daily_mg": value("target_daily_mg"), "interval_days": value("interval_days"), "reach_by": value("reach_by"),
        "success": value("success"), "above_max_reason": value("above_max_reason")}}


def form_problems(problems: list[FieldProblem]) -> list[FieldProblem]:
    """The same problems, each named by the form input it belongs to."""
    return [FieldProblem(_FORM_FIELD.get(p.field, p.field), p.rule, p.message) for p in problems]
