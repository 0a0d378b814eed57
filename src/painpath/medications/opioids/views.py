"""JSON API for prescriptions and opioid safety: the shapes it answers, then the routes."""

from __future__ import annotations

from painpath.medications.opioids import rules as safety_rules
from painpath.medications.opioids.prescriptions import PrescriptionLine, PrescriptionList
from painpath.medications.opioids.models import OpioidAgreement
from painpath.medications.opioids.schemas import (
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


# ---- Prescriptions and opioid safety (issue 7 items 3 and 5) ------------------------------------------
# MME per line and in total are computed on every read; recording a fact reconciles the episode's
# obligations in the same transaction (web/deps.py), so the answer and the worklist agree.
from typing import Annotated  # noqa: E402

from fastapi import APIRouter  # noqa: E402

from painpath.core.auth.roles import Permission  # noqa: E402
from painpath.core.validation import DbId  # noqa: E402
from painpath.web.deps import AppCtx, Caller, DbSession, requires  # noqa: E402

router = APIRouter(prefix="/api", tags=["medications"])

from painpath.medications.opioids import prescriptions as rx_service  # noqa: E402
from painpath.medications.opioids import service as safety_service  # noqa: E402
from painpath.medications.opioids.schemas import (  # noqa: E402
    AgreementIn, DrugTestIn, DrugTestOut, NaloxoneOfferIn, NaloxoneOfferOut, PdmpCheckIn, PdmpCheckOut, PrescriptionIn,
    PrescriptionStop,
)


def _prescription_line(session, ctx, rx) -> PrescriptionOut:  # noqa: ANN001
    listed = rx_service.lines_for([rx], ctx.knowledge, rx_service.calendar_today(ctx.calendar))
    return prescription_out(listed.lines[0])


@router.post("/episodes/{episode_id}/prescriptions", response_model=PrescriptionOut, status_code=201)
def record_prescription(episode_id: DbId, data: PrescriptionIn, ctx: AppCtx, session: DbSession,
                        caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> PrescriptionOut:
    rx = rx_service.record_prescription(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=data)
    return _prescription_line(session, ctx, rx)


@router.get("/episodes/{episode_id}/prescriptions", response_model=PrescriptionListOut)
def list_prescriptions(episode_id: DbId, ctx: AppCtx, session: DbSession,
                       caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> PrescriptionListOut:
    listed = rx_service.list_prescriptions(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    return list_out(listed)


@router.post("/prescriptions/{prescription_id}/stop", response_model=PrescriptionOut)
def stop_prescription(prescription_id: DbId, data: PrescriptionStop, ctx: AppCtx, session: DbSession,
                      caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> PrescriptionOut:
    rx = rx_service.stop_prescription(session, actor=caller.actor, prescription_id=prescription_id, data=data)
    return _prescription_line(session, ctx, rx)


@router.post("/episodes/{episode_id}/opioid-agreements", response_model=AgreementOut, status_code=201)
def record_opioid_agreement(episode_id: DbId, data: AgreementIn, ctx: AppCtx, session: DbSession,
                            caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> AgreementOut:
    row = safety_service.record_agreement(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    policy = safety_service.policy(ctx.knowledge)
    return agreement_out(row, policy.agreement_renewal_months if policy else None)


@router.post("/episodes/{episode_id}/pdmp-checks", response_model=PdmpCheckOut, status_code=201)
def record_pdmp_check(episode_id: DbId, data: PdmpCheckIn, ctx: AppCtx, session: DbSession,
                      caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> PdmpCheckOut:
    row = safety_service.record_pdmp_check(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return PdmpCheckOut.model_validate(row)


@router.post("/episodes/{episode_id}/urine-drug-tests", response_model=DrugTestOut, status_code=201)
def record_urine_drug_test(episode_id: DbId, data: DrugTestIn, ctx: AppCtx, session: DbSession,
                           caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> DrugTestOut:
    row = safety_service.record_drug_test(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return DrugTestOut.model_validate(row)


@router.post("/episodes/{episode_id}/naloxone-offers", response_model=NaloxoneOfferOut, status_code=201)
def record_naloxone_offer(episode_id: DbId, data: NaloxoneOfferIn, ctx: AppCtx, session: DbSession,
                          caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> NaloxoneOfferOut:
    row = safety_service.record_naloxone_offer(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return NaloxoneOfferOut.model_validate(row)


@router.get("/episodes/{episode_id}/opioid-safety", response_model=SafetySummaryOut | None)
def opioid_safety(episode_id: DbId, ctx: AppCtx, session: DbSession,
                  caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> SafetySummaryOut | None:
    found, facts = safety_service.episode_safety(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    return summary_out(found, facts) if found is not None else None
