"""Cost estimate use cases: the benefits of the episode's primary coverage (read, record: version-checked and
audited), the planned procedure (the episode's latest authorization case, else the active plan's procedure
step, else one staff pick), the estimate per site from the price packs and the benefits (costs.rules), giving
an estimate (a dated, audited fact with its inputs and results as they were) and the patient's PDF.

The cheaper alternatives beside it: a course of physical therapy at a community clinic against a hospital
department when the episode has a therapy order or its care plan's pathway has a PT step, and a generic's month
against the brand's for each priced drug its medication trials or care plan name.

Other slices' tables are read, never written: coverage (patients), authorization cases, care plans, therapy
orders (therapy service) and medication trials (medications.trials service).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations.models import AuthorizationCase
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from painpath.costs import rules
from painpath.costs.models import VERIFIED_HOW, CostEstimate, CoverageBenefits
from painpath.medications.trials import service as trials
from painpath.patients import service as patients
from painpath.patients.models import Coverage, Episode, Patient
from painpath.plans import service as plans
from painpath.plans.models import CarePlan, PlanStep
from painpath.therapy import service as therapy

STALE = FieldProblem("version", "stale", "Someone else changed these benefits; reload to see their change")
HOW_WORDS = {"phone": "By phone with the plan", "portal": "On the plan's provider portal",
             "eligibility_response": "Electronic eligibility response (270/271)"}


@dataclass(frozen=True)
class Planned:
    procedure_id: str | None
    words: str  # the procedure in plain words
    cpt_codes: tuple[str, ...]
    from_what: str  # "from the authorization request", "from the care plan", "chosen on this page"


@dataclass
class EstimateView:
    patient: Patient
    episode: Episode
    coverage: Coverage | None
    benefits: CoverageBenefits | None
    planned: Planned | None
    estimate: rules.Estimate | None
    unpriced_codes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    payer_name: str | None = None
    therapy: rules.TherapyAlternative | None = None
    generics: list[rules.GenericAlternative] = field(default_factory=list)


# ---- benefits -----------------------------------------------------------------------------------------

def benefits_of(session: Session, *, coverage_id: int) -> CoverageBenefits | None:
    return session.scalar(select(CoverageBenefits).where(CoverageBenefits.coverage_id == coverage_id))


def as_rule_benefits(row: CoverageBenefits | None) -> rules.Benefits | None:
    if row is None:
        return None
    percent = None if row.coinsurance_hundredths is None else Decimal(row.coinsurance_hundredths) / 100
    return rules.Benefits(deductible=row.deductible_cents, deductible_met=row.deductible_met_cents, coinsurance_percent=percent,
                          copay=row.copay_cents, oop_max=row.oop_max_cents, oop_met=row.oop_met_cents)


def primary_coverage(session: Session, *, episode_id: int, on: date) -> Coverage | None:
    found = patients.episodes_with_primary_coverage(session, episode_ids=[episode_id], on=on)
    return found[0][1] if found else None


@dataclass(frozen=True)
class BenefitsIn:
    plan_year: int | None
    deductible_cents: int | None
    deductible_met_cents: int | None
    coinsurance_hundredths: int | None
    copay_cents: int | None
    oop_max_cents: int | None
    oop_met_cents: int | None
    in_network: bool
    as_of: date | None
    verified_how: str
    reference: str | None


def _check(data: BenefitsIn, today: date) -> list[FieldProblem]:
    problems = []
    if data.plan_year is None:
        problems.append(FieldProblem("plan_year", "required", "Enter the plan year"))
    if data.as_of is None:
        problems.append(FieldProblem("as_of", "required", "Enter the day the amounts were read"))
    elif data.as_of > today:
        problems.append(FieldProblem("as_of", "future", "The day the amounts were read cannot be after today"))
    if data.verified_how not in VERIFIED_HOW:
        problems.append(FieldProblem("verified_how", "choice", "Choose how the benefits were verified"))
    for total, met, name in (("deductible_cents", "deductible_met_cents", "deductible"), ("oop_max_cents", "oop_met_cents", "out-of-pocket maximum")):
        if getattr(data, met) is not None and getattr(data, total) is not None and getattr(data, met) > getattr(data, total):
            problems.append(FieldProblem(met, "at_most", f"The amount met cannot be more than the {name}"))
    if data.oop_met_cents is not None and data.oop_max_cents is None:
        problems.append(FieldProblem("oop_max", "required", "Enter the out-of-pocket maximum the amount met counts toward, or leave both empty if the plan has none"))
    if data.oop_max_cents is not None and data.oop_met_cents is None:
        problems.append(FieldProblem("oop_met", "required", "Enter the out-of-pocket amount met so far (0 if none)"))
    if data.deductible_cents is None or data.deductible_met_cents is None:
        problems.append(FieldProblem("deductible_met" if data.deductible_cents is not None else "deductible", "required",
                                     "Enter the deductible and the amount met so far (0 if none; 0 and 0 if the plan has no deductible)"))
    if data.coinsurance_hundredths is not None and not 0 <= data.coinsurance_hundredths <= 10000:
        problems.append(FieldProblem("coinsurance_percent", "range", "Coinsurance is a percent from 0 to 100"))
    return problems


def record_benefits(session: Session, *, actor: Actor, episode_id: int, today: date, expected_version: int | None,
                    data: BenefitsIn) -> CoverageBenefits:
    """Record (or correct) the benefits of the episode's primary coverage; a stale form is a 409."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    coverage = primary_coverage(session, episode_id=episode.id, on=today)
    if coverage is None:
        raise InvalidInput(FieldProblem("coverage", "missing", "The patient has no primary coverage in effect: add it on the patient page first"))
    problems = _check(data, today)
    if problems:
        raise InvalidInput(problems)
    row = benefits_of(session, coverage_id=coverage.id)
    if row is None:
        if expected_version not in (None, 0):
            raise Conflict(STALE)
        row = CoverageBenefits(clinic_id=coverage.clinic_id, coverage_id=coverage.id, patient_id=coverage.patient_id)
        session.add(row)
    elif expected_version is not None and row.version != expected_version:
        raise Conflict(STALE)
    values = {k: getattr(data, k) for k in BenefitsIn.__dataclass_fields__}
    for key, value in values.items():
        setattr(row, key, value)
    row.verified_by_id = actor.user_id
    session.flush()
    detail = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
    audit.record(session, actor, "costs.benefits_recorded", object_type="coverage_benefits", object_id=row.id,
                 patient_id=row.patient_id, detail={"coverage_id": coverage.id, **detail})
    return row


# ---- the planned procedure ----------------------------------------------------------------------------

def _procedure_words(knowledge, procedure_id: str | None, codes: tuple[str, ...]) -> str:  # noqa: ANN001
    for code in codes:
        public, _ = knowledge.price_entries(code, None)
        if public is not None:
            return public.plain_name
    procedure = knowledge.procedures.get(procedure_id) if procedure_id else None
    return procedure.name if procedure is not None else "the planned procedure"


def _pack_codes(knowledge, procedure_id: str) -> tuple[str, ...]:  # noqa: ANN001
    procedure = knowledge.procedures.get(procedure_id)
    return (procedure.codes[0].code,) if procedure is not None and procedure.codes else ()


def planned_procedure(session: Session, *, knowledge, episode_id: int, chosen: str | None = None) -> Planned | None:  # noqa: ANN001
    """The procedure to estimate: one chosen on the page, else the latest authorization request's, else the
    active plan's active procedure step."""
    if chosen:
        if chosen not in knowledge.procedures:
            raise NotFound("procedure", chosen)
        codes = _pack_codes(knowledge, chosen)
        return Planned(chosen, _procedure_words(knowledge, chosen, codes), codes, "chosen on this page")
    case = session.scalar(select(AuthorizationCase).where(AuthorizationCase.episode_id == episode_id)
                          .order_by(AuthorizationCase.opened_at.desc(), AuthorizationCase.id.desc()).limit(1))
    if case is not None:
        codes = tuple(str(c) for c in case.cpt_codes or ())[:1] or _pack_codes(knowledge, case.procedure_id)
        return Planned(case.procedure_id, _procedure_words(knowledge, case.procedure_id, codes), codes, "from the authorization request")
    step = session.execute(select(PlanStep, CarePlan).join(CarePlan, CarePlan.id == PlanStep.plan_id)
                           .where(PlanStep.episode_id == episode_id, PlanStep.status == "active", CarePlan.status == "active")
                           .order_by(PlanStep.id.desc())).first()
    if step is not None:
        pathway = knowledge.pathways.get(step[1].pathway_id)
        found = next((s for s in (pathway.steps if pathway else ()) if s.id == step[0].step_id), None)
        if found is not None and found.procedure_id:
            codes = _pack_codes(knowledge, found.procedure_id)
            return Planned(found.procedure_id, _procedure_words(knowledge, found.procedure_id, codes), codes, "from the care plan")
    return None


def priced_procedures(knowledge) -> list[tuple[str, str]]:  # noqa: ANN001
    """(procedure id, name) of the catalogue's procedures whose first code has a public price, for the picker."""
    return [(p.id, p.name) for p in knowledge.procedures.values() if p.codes and knowledge.price_entries(p.codes[0].code, None)[0]]


# ---- the estimate -------------------------------------------------------------------------------------

def _fees(knowledge, codes: tuple[str, ...], payer_id: str | None) -> tuple[dict, list[str]]:  # noqa: ANN001
    per_code, unpriced = [], []
    for code in codes:
        public, negotiated = knowledge.price_entries(code, payer_id)
        if public is None and negotiated is None:
            unpriced.append(code)
            continue
        per_code.append(rules.fees_for_code(public, negotiated))
    return (rules.merge_fees(per_code) if per_code else {}), unpriced


def alternatives(knowledge, procedure_id: str | None, payer_id: str | None, b: rules.Benefits | None) -> list[rules.Alternative]:  # noqa: ANN001
    """The other options a pathway offers at the decision where this procedure is an option (a conservative
    choice, another injection), each with its lowest estimate when its prices are known."""
    if not procedure_id:
        return []
    found: dict[str, rules.Alternative] = {}
    for pathway in knowledge.pathways.values():
        for step in pathway.steps:
            decision = step.decision
            if decision is None:
                continue
            if not any(o.procedure_id == procedure_id for o in decision.options) and step.procedure_id != procedure_id:
                continue
            for option in decision.options:
                if option.procedure_id == procedure_id or option.name in found:
                    continue
                site = share = None
                if option.procedure_id:
                    fees, _ = _fees(knowledge, _pack_codes(knowledge, option.procedure_id), payer_id)
                    site, share = rules.lowest(rules.estimate(fees, b))
                found[option.name] = rules.Alternative(option.name, option.procedure_id, share, site)
    return list(found.values())


def _plan_pathway(session: Session, knowledge, episode_id: int):  # noqa: ANN001, ANN202
    """The active care plan's pathway and its active step's id (None, None without an active plan)."""
    plan = plans.active_plan(session, episode_id=episode_id)
    if plan is None:
        return None, None
    active = next((row.step_id for row in reversed(plans.plan_steps(session, plan_id=plan.id)) if row.status == "active"), None)
    return knowledge.pathways.get(plan.pathway_id), active


def therapy_course(session: Session, *, knowledge, episode_id: int) -> tuple[int, str] | None:  # noqa: ANN001
    """How many PT visits the episode's physical therapy runs to, and from what: the active therapy order's
    frequency times weeks, else the PT protocol of the care plan's PT step (the active step first); None when the
    episode has no therapy order and its pathway no PT step."""
    courses = [c for c in therapy.courses_for_episode(session, episode_id=episode_id) if c.status == "active"]
    if courses:
        course = courses[-1]
        return course.frequency_per_week * course.duration_weeks, "from the therapy order"
    pathway, active = _plan_pathway(session, knowledge, episode_id)
    steps = sorted((s for s in (pathway.steps if pathway else ()) if s.pt_protocol_id), key=lambda s: s.id != active)
    for step in steps:
        protocol = knowledge.pt_protocols.get(step.pt_protocol_id)
        if protocol is not None:
            return int(protocol.frequency_per_week.value * protocol.duration_weeks.value), "from the care plan's PT protocol"
    if steps and knowledge.therapy_prices is not None:
        return knowledge.therapy_prices.default_course_visits.value, "the usual course"
    return None


def therapy_alternative(session: Session, *, knowledge, episode_id: int, coverage: Coverage | None,  # noqa: ANN001
                        b: rules.Benefits | None) -> rules.TherapyAlternative | None:
    pack = knowledge.therapy_prices
    course = therapy_course(session, knowledge=knowledge, episode_id=episode_id) if pack is not None else None
    if course is None:
        return None
    prices = {p.cpt: p for p in pack.therapy_prices}
    return rules.therapy_alternative(prices, [(c.cpt, c.units) for c in pack.typical_visit.codes], visits=course[0],
                                     visits_from=course[1], medicare_rates=coverage is not None and coverage.plan_type == "medicare", b=b)


def named_drugs(session: Session, *, knowledge, episode_id: int) -> list[tuple[str, str]]:  # noqa: ANN001
    """(name, where) of each drug the episode's medication trials and its care plan's steps name."""
    named = []
    for trial in trials.trials_for_episodes(session, [episode_id]).get(episode_id, []):
        named.append((trial.drug_name, "medication trial"))
        if trial.drug_key and trial.drug_key != trial.drug_name:
            named.append((trial.drug_key, "medication trial"))
    pathway, _ = _plan_pathway(session, knowledge, episode_id)
    for step in pathway.steps if pathway else ():
        named.append((f"{step.name}: {step.what}", "care plan"))
    return named


def generic_alternatives(session: Session, *, knowledge, episode_id: int) -> list[rules.GenericAlternative]:  # noqa: ANN001
    return rules.generic_alternatives(named_drugs(session, knowledge=knowledge, episode_id=episode_id), knowledge.drug_prices)


def build(session: Session, *, actor: Actor, knowledge, episode_id: int, today: date, chosen: str | None = None) -> EstimateView:  # noqa: ANN001
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    coverage = primary_coverage(session, episode_id=episode.id, on=today)
    benefits = benefits_of(session, coverage_id=coverage.id) if coverage is not None else None
    planned = planned_procedure(session, knowledge=knowledge, episode_id=episode.id, chosen=chosen)
    payer_id = coverage.payer_id if coverage is not None else None
    payer_name = knowledge.payers[payer_id].name if payer_id in knowledge.payers else None
    b = as_rule_benefits(benefits)
    view = EstimateView(patient=patient, episode=episode, coverage=coverage, benefits=benefits, planned=planned, estimate=None,
                        payer_name=payer_name,
                        therapy=therapy_alternative(session, knowledge=knowledge, episode_id=episode.id, coverage=coverage, b=b),
                        generics=generic_alternatives(session, knowledge=knowledge, episode_id=episode.id))
    if planned is None:
        return view
    fees, view.unpriced_codes = _fees(knowledge, planned.cpt_codes, payer_id)
    est = rules.estimate(fees, b, alternatives=alternatives(knowledge, planned.procedure_id, payer_id, b))
    missing = list(est.missing)
    if coverage is None:
        missing.insert(0, "add the patient's primary coverage to estimate")
    view.estimate = rules.Estimate(est.sites, tuple(missing), est.lower_cost_site, est.alternatives)
    view.assumptions = assumptions(view)
    return view


def assumptions(view: EstimateView) -> list[str]:
    """What the estimate assumes, in plain words, for the page and the patient's PDF."""
    said = ["This is an estimate, not a bill: the final bill may differ (the services actually done, the plan's own "
            "processing, other claims that reach the plan first)."]
    if view.benefits is not None:
        b = view.benefits
        said.append(f"Your plan's benefits as the clinic read them on {b.as_of.day} {b.as_of:%B %Y} "
                    f"({HOW_WORDS.get(b.verified_how, b.verified_how).lower()}), for plan year {b.plan_year}.")
        said.append("The clinic and the doctor are in your plan's network." if b.in_network
                    else "The clinic is NOT in your plan's network: out-of-network costs are usually higher than shown.")
        if b.oop_max_cents is None:
            said.append("Your plan has no out-of-pocket maximum, as recorded (original Medicare has none).")
        if b.copay_cents is not None:
            said.append("Your plan charges a copay for this service instead of coinsurance, once per visit.")
    said.append("The prices are the amounts the plan allows, from public Medicare national payment rates (before local "
                "adjustment) or the clinic's contract with your plan, for the year stated with each price.")
    said.append("Only the fees for doing the procedure are included: a drug, gel or device billed separately, anaesthesia "
                "by another provider, and other visits are not.")
    said.append("At a surgery centre or hospital you get two bills, the doctor's and the facility's; in the office, one.")
    if view.unpriced_codes:
        said.append("Not included (no price on file): procedure code " + ", ".join(view.unpriced_codes) + ".")
    if view.therapy is not None:
        said.append(THERAPY_ASSUMPTION)
    if view.generics:
        said.append(GENERIC_ASSUMPTION)
    return said


THERAPY_ASSUMPTION = ("Physical therapy is priced per typical treatment visit (exercise and hands-on therapy, about 45 minutes) "
                      "from public Medicare rates, and at a hospital under a plan other than original Medicare with what a study "
                      "of private plans' claims found hospitals are paid more; the first evaluation visit is not included.")
GENERIC_ASSUMPTION = ("Drug prices are an estimate from public pharmacy purchase prices for a month at a usual dose; "
                      "your plan's drug list decides what you pay.")


def therapy_result(t: rules.TherapyAlternative | None) -> dict | None:
    """The PT alternative as stored with a given estimate (its PDF is printed from this)."""
    if t is None:
        return None
    course = lambda c: None if c is None else {"per_visit_cents": c.per_visit, "allowed_cents": c.allowed, "share_cents": c.share}  # noqa: E731
    return {"visits": t.visits, "visits_from": t.visits_from, "community": course(t.community), "hospital": course(t.hospital),
            "hospital_missing": list(t.hospital_missing), "medicare_rates": t.medicare_rates, "years": list(t.years),
            "sources": list(t.sources), "verified": t.verified}


def generic_results(found: list[rules.GenericAlternative]) -> list[dict]:
    return [{"brand": g.brand, "generic": g.generic, "strength": g.strength, "usual_dose": g.usual_dose,
             "generic_month_cents": g.generic_month, "brand_month_cents": g.brand_month, "years": list(g.years),
             "sources": list(g.sources), "verified": g.verified, "named_in": g.named_in} for g in found]


def give(session: Session, *, actor: Actor, knowledge, episode_id: int, today: date, chosen: str | None = None) -> CostEstimate:  # noqa: ANN001
    """Save the estimate as given today, with its inputs and results as they are now; refused while incomplete."""
    view = build(session, actor=actor, knowledge=knowledge, episode_id=episode_id, today=today, chosen=chosen)
    if view.planned is None:
        raise InvalidInput(FieldProblem("procedure", "required", "Choose the procedure to estimate"))
    est = view.estimate
    assert est is not None
    if est.missing or not any(s.share is not None for s in est.sites):
        reasons = "; ".join(est.missing) or "no site has a complete price"
        raise InvalidInput(FieldProblem("estimate", "incomplete", f"The estimate cannot be given yet: {reasons}"))
    b = view.benefits
    assert b is not None and view.coverage is not None
    inputs = {
        "coverage_id": view.coverage.id, "payer_id": view.coverage.payer_id,
        "benefits": {"plan_year": b.plan_year, "as_of": b.as_of.isoformat(), "verified_how": b.verified_how, "in_network": b.in_network,
                     "deductible_cents": b.deductible_cents, "deductible_met_cents": b.deductible_met_cents,
                     "coinsurance_hundredths": b.coinsurance_hundredths, "copay_cents": b.copay_cents,
                     "oop_max_cents": b.oop_max_cents, "oop_met_cents": b.oop_met_cents, "version": b.version},
        "fees": {s.site: [{"kind": f.kind, "cents": f.cents, "year": f.year, "source": f.source} for f in s.fees] for s in est.sites},
        "unpriced_codes": view.unpriced_codes,
    }
    results = {
        "sites": [{"site": s.site, "allowed_cents": s.share.allowed if s.share else None, "share_cents": s.share.total if s.share else None,
                   "missing_fees": list(s.missing_fees), "lower_cost": s.lower_cost} for s in est.sites],
        "lower_cost_site": est.lower_cost_site,
        "alternatives": [{"name": a.name, "procedure_id": a.procedure_id, "share_cents": a.lowest_share, "site": a.lowest_site}
                         for a in est.alternatives],
        "assumptions": view.assumptions,
        "therapy": therapy_result(view.therapy),
        "generics": generic_results(view.generics),
    }
    row = CostEstimate(clinic_id=view.episode.clinic_id, episode_id=view.episode.id, patient_id=view.patient.id,
                       coverage_id=view.coverage.id, procedure_id=view.planned.procedure_id, procedure_words=view.planned.words,
                       cpt_codes=list(view.planned.cpt_codes), given_on=today, given_at=utcnow(), given_by_id=actor.user_id,
                       inputs=inputs, results=results, lower_cost_site=est.lower_cost_site)
    session.add(row)
    session.flush()
    audit.record(session, actor, "costs.estimate_given", object_type="cost_estimate", object_id=row.id, patient_id=row.patient_id,
                 detail={"episode_id": row.episode_id, "procedure_id": row.procedure_id, "lower_cost_site": row.lower_cost_site})
    return row


def estimates_of(session: Session, *, episode_id: int) -> list[CostEstimate]:
    return list(session.scalars(select(CostEstimate).where(CostEstimate.episode_id == episode_id).order_by(CostEstimate.given_at.desc())))


def get_estimate(session: Session, *, actor: Actor, estimate_id: int) -> CostEstimate:
    """A given estimate, with the chart-access check and read audit of its episode."""
    return patients.read_record(session, CostEstimate, estimate_id, actor=actor, what="cost estimate", object_type="cost_estimate")
