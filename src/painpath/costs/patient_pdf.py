"""The cost estimate as a plain-language PDF for the patient: the procedure in plain words, what each site is
expected to cost the patient, the lower-cost site, the pathway's alternatives, what the estimate assumes, and
"This is an estimate" said plainly. Built from the estimate as it was given (its stored inputs and results),
so a reprint says what the patient was told. No internal codes: the CPT code is printed once, labelled as the
code to quote to the insurer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.tenancy import Clinic
from painpath.costs import rules, service
from painpath.costs.models import CostEstimate
from painpath.documents.render import render_html, render_pdf
from painpath.patients.models import Patient

TEMPLATE = "costs/patient_estimate.html"
TEMPLATE_DIRS = (Path(__file__).parent / "templates",)
GENERIC_NOTE = ("These are estimates from public pharmacy prices for a month; your plan's drug list decides what you pay. "
                "Ask your doctor or pharmacist before changing a medicine.")
SITE_PLAIN = {"office": "In our office", "asc": "At an outpatient surgery centre", "hospital_outpatient": "At a hospital outpatient department"}


@dataclass(frozen=True)
class SiteLine:
    where: str
    cost: str | None  # "$47.23"; None: not estimated
    why_not: str | None
    lower_cost: bool
    bills: str  # "one bill (the doctor's)" | "two bills (the doctor's and the facility's)"
    years: str  # the years of the prices used: "2025 and 2026"


@dataclass(frozen=True)
class EstimateWords:
    clinic_name: str
    clinic_phone: str | None
    patient_name: str
    given_on: date
    procedure: str
    codes: str  # "20610" for the insurer
    sites: list[SiteLine]
    lower_cost: str | None
    alternatives: list[str]
    assumptions: list[str]
    benefits_lines: list[str]
    therapy: list[str] = field(default_factory=list)  # the community PT choice, in sentences
    generics: list[str] = field(default_factory=list)  # one line per medicine
    generic_note: str | None = None


def therapy_words(t: dict | None) -> list[str]:
    """The community physical therapy choice in the patient's words (from the stored result)."""
    if not t:
        return []
    ordered = t.get("visits_from") == "from the therapy order"
    said = [f"{'Your doctor ordered' if ordered else 'Your care plan includes'} physical therapy: about {t['visits']} visits."]
    community, hospital = t.get("community") or {}, t.get("hospital") or {}
    if community.get("share_cents") is not None:
        said.append(f"At a community physical therapy clinic (a private practice, not a hospital): about "
                    f"{rules.dollars(community['share_cents'])} for you for all the visits.")
    if hospital.get("share_cents") is not None:
        said.append(f"At a hospital's outpatient physical therapy department: about {rules.dollars(hospital['share_cents'])} for you.")
    if t.get("medicare_rates"):
        said.append("With original Medicare, physical therapy costs you the same at a hospital department as at a community clinic.")
    elif community.get("share_cents") is not None and hospital.get("share_cents") is not None \
            and hospital["share_cents"] > community["share_cents"]:
        said.append(f"A community clinic may save you about {rules.dollars(hospital['share_cents'] - community['share_cents'])}: "
                    "hospitals are usually paid more for the same therapy.")
    elif not hospital:
        said.append("We have no hospital price to compare; hospitals are usually paid more for the same therapy.")
    said.append("The first evaluation visit is not included.")
    return said


def generic_words(found: list[dict]) -> list[str]:
    return [f"{g['brand']} ({g['generic']} {g['strength']}, {g['usual_dose']}): a generic version usually costs less, about "
            f"{rules.dollars(g['generic_month_cents'])} a month instead of about {rules.dollars(g['brand_month_cents'])} for the brand."
            for g in found]


def words(row: CostEstimate, *, clinic_name: str, clinic_phone: str | None, patient_name: str) -> EstimateWords:
    results, inputs = row.results or {}, row.inputs or {}
    sites = []
    for s in results.get("sites", []):
        missing = [rules.FEE_WORDS.get(k, k) for k in s.get("missing_fees", [])]
        two = s["site"] != "office"
        years = sorted({str(f["year"]) for f in (inputs.get("fees", {}).get(s["site"]) or [])})
        sites.append(SiteLine(where=SITE_PLAIN.get(s["site"], s["site"]), cost=rules.dollars(s["share_cents"]) if s.get("share_cents") is not None else None,
                              why_not=("We could not estimate this: " + " and ".join(missing) + " is not known to us.") if missing else None,
                              lower_cost=bool(s.get("lower_cost")),
                              bills="two bills (the doctor's and the facility's)" if two else "one bill (the doctor's)",
                              years=" and ".join(years)))
    alternatives = []
    for a in results.get("alternatives", []):
        if a.get("share_cents") is not None:
            alternatives.append(f"{a['name']}: about {rules.dollars(a['share_cents'])} for you ({SITE_PLAIN.get(a['site'], a['site']).lower()}), "
                                "for doing the procedure only; a drug, gel or device is billed separately.")
        else:
            alternatives.append(f"{a['name']}: ask us about the cost; we have no price for it.")
    b = inputs.get("benefits", {})
    benefits_lines = []
    if b:
        if b.get("deductible_cents") is not None:
            left = max((b["deductible_cents"] or 0) - (b.get("deductible_met_cents") or 0), 0)
            benefits_lines.append(f"Deductible {rules.dollars(b['deductible_cents'])}, of which {rules.dollars(left)} was still to pay.")
        if b.get("copay_cents") is not None:
            benefits_lines.append(f"Copay {rules.dollars(b['copay_cents'])} per visit.")
        elif b.get("coinsurance_hundredths") is not None:
            benefits_lines.append(f"Coinsurance {b['coinsurance_hundredths'] / 100:g}%: your share of the cost after the deductible.")
        if b.get("oop_max_cents") is not None:
            left = max((b["oop_max_cents"] or 0) - (b.get("oop_met_cents") or 0), 0)
            benefits_lines.append(f"Out-of-pocket maximum {rules.dollars(b['oop_max_cents'])}, of which {rules.dollars(left)} was left this plan year.")
    lower = SITE_PLAIN.get(results.get("lower_cost_site") or "", None)
    return EstimateWords(clinic_name=clinic_name, clinic_phone=clinic_phone, patient_name=patient_name, given_on=row.given_on,
                         procedure=row.procedure_words, codes=", ".join(row.cpt_codes or []), sites=sites, lower_cost=lower,
                         alternatives=alternatives, assumptions=list(results.get("assumptions", [])), benefits_lines=benefits_lines,
                         therapy=therapy_words(results.get("therapy")), generics=generic_words(results.get("generics") or []),
                         generic_note=GENERIC_NOTE if results.get("generics") else None)


def html(content: EstimateWords) -> str:
    return render_html(TEMPLATE, {"p": content}, template_dirs=TEMPLATE_DIRS)


def render(content: EstimateWords) -> bytes:
    return render_pdf(TEMPLATE, {"p": content}, template_dirs=TEMPLATE_DIRS)


def estimate_pdf(session: Session, *, actor: Actor, estimate_id: int) -> bytes:
    """A given estimate's PDF: a chart read (audited), and the print itself audited."""
    row = service.get_estimate(session, actor=actor, estimate_id=estimate_id)
    clinic = session.get(Clinic, row.clinic_id)
    patient = session.get(Patient, row.patient_id)
    audit.record(session, actor, "costs.estimate_printed", object_type="cost_estimate", object_id=row.id, patient_id=row.patient_id)
    content = words(row, clinic_name=clinic.name if clinic else "", clinic_phone=clinic.phone if clinic else None,
                    patient_name=patient.display_name if patient else "")
    return render(content)
