"""Shapes the JSON API answers for prescriptions and opioid safety (the routes are at the end of views.py)."""

from __future__ import annotations

from painpath.medications import safety_rules
from painpath.medications.prescriptions import PrescriptionLine, PrescriptionList
from painpath.medications.safety_models import OpioidAgreement
from painpath.medications.safety_schemas import (
    AgreementOut, MmeOut, PrescriptionListOut, PrescriptionOut, SafetySummaryOut, TotalMmeOut,
)


def mme_out(line: PrescriptionLine) -> MmeOut:
    result = line.mme
    if result is None:
        if line.prescription.is_opioid:  # no opioid packs loaded: unknown, never 0
            return MmeOut(status="unknown", daily_mme=None, reason="No opioid factor packs are loaded")
        return MmeOut(status="not_opioid", daily_mme=None)
    return MmeOut(status=result.status, daily_mme=result.daily_mme, daily_dose=result.daily_dose, unit=result.unit,
                  factor=result.factor, factor_set=result.factor_set, reason=result.reason)


def prescription_out(line: PrescriptionLine) -> PrescriptionOut:
    return PrescriptionOut.model_validate(line.prescription).model_copy(update={"active": line.active, "mme": mme_out(line)})


def total_out(listed: PrescriptionList) -> TotalMmeOut:
    total = listed.total
    label = f"{total.total:g} MME/day" if total.complete else f"at least {total.total:g} MME/day (incomplete: an opioid's MME is unknown)"
    if total.complete and total.total == 0 and total.excluded:  # buprenorphine alone: name it, never "0 MME/day"
        label = f"no MME total: {', '.join(r.drug for r in total.excluded)} excluded from the MME total"
    return TotalMmeOut(total=total.total, complete=total.complete, label=label, excluded=[r.drug for r in total.excluded],
                       unknown=[r.drug for r in total.unknown], as_of=listed.as_of)


def list_out(listed: PrescriptionList) -> PrescriptionListOut:
    return PrescriptionListOut(prescriptions=[prescription_out(line) for line in listed.lines], total_mme=total_out(listed))


def agreement_out(row: OpioidAgreement, renewal_months: int | None) -> AgreementOut:
    due = safety_rules.add_months(row.signed_on, renewal_months) if renewal_months else None
    return AgreementOut.model_validate(row).model_copy(update={"renewal_due": due})


def summary_out(found: safety_rules.SafetySummary, facts: safety_rules.EpisodeSafetyFacts | None) -> SafetySummaryOut:
    offer = found.last_naloxone_offer
    return SafetySummaryOut(
        on_opioids=found.on_opioids, since=found.since, mme_total=found.mme_total, mme_complete=found.mme_complete,
        agreement_signed_on=found.agreement_signed_on, agreement_renewal_due=found.agreement_renewal_due,
        last_pdmp_on=found.last_pdmp_on, next_pdmp_due=found.next_pdmp_due, last_drug_test_on=found.last_drug_test_on,
        next_drug_test_due=found.next_drug_test_due, drug_test_every_months=found.drug_test_every_months,
        drug_test_schedule_basis=found.drug_test_schedule_basis, ort_band=facts.ort_band if facts else None,
        naloxone_reasons=found.naloxone_reasons, last_naloxone_offer_on=offer[0] if offer else None,
        last_naloxone_outcome=offer[1] if offer else None, mme_label=found.mme_label,
        mme_excluded=[f"{name}: {reason}" for name, reason in found.mme_excluded],
        coprescribing=found.coprescribing, overlaps=found.overlaps,
    )
