"""A hand-built clinic whose authorization measures are known (November 2026, America/Chicago, every moment at
15:00 UTC = 09:00 in the clinic). Patients and episodes come through the API; the cases' dated facts (eligibility,
submission, the payer's answers and their history lines) are set on the rows, as years of use would leave them.

    case  payer     procedure     eligible  submitted     history                                   
    A     medicare  rfa_lumbar    Mon 2 Nov Mon 2 Nov     approve Wed 4 Nov                          
    B     medicare  rfa_lumbar    Mon 2 Nov Fri 6 Nov     deny Tue 10, peer-to-peer 12, approve 13   
    C     humana    rfa_lumbar    Mon 9 Nov Thu 12 Nov    deny Fri 13, appeal Mon 16, deny Fri 20    
    D     medicare  rfa_lumbar    20 Oct    Tue 3 Nov     (waiting for the payer)                    
    F     medicare  tfesi_lumbar  Mon 16 Nov Tue 17 Nov   partially approve Thu 19 Nov               
    X     (another clinic) medicare rfa_lumbar, eligible and submitted 2 Nov, approved 4 Nov: never counted
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from authorization_setup import new_episode
from painpath.authorizations.models import AuthorizationCase, CaseEvent
from painpath.core.tenancy import Clinic
from painpath.patients.models import Episode, Patient
from support import EPISODE, PATIENT

MEDICARE, HUMANA = "medicare_noridian_jf", "humana_ma"
RFA, TFESI = "rfa_lumbar", "tfesi_lumbar"
NOVEMBER = {"period_from": date(2026, 11, 1), "period_to": date(2026, 11, 30)}


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 15, 0)


CASES = {  # name: (payer, procedure, eligible_on, submitted_at, [(action, at)], state)
    "A": (MEDICARE, RFA, date(2026, 11, 2), at(2), [("approve", at(4))], "approved"),
    "B": (MEDICARE, RFA, date(2026, 11, 2), at(6), [("deny", at(10)), ("schedule_peer_to_peer", at(12)), ("approve", at(13))], "approved"),
    "C": (HUMANA, RFA, date(2026, 11, 9), at(12), [("deny", at(13)), ("appeal", at(16)), ("deny", at(20))], "denied"),
    "D": (MEDICARE, RFA, date(2026, 10, 20), at(3), [], "submitted"),
    "F": (MEDICARE, TFESI, date(2026, 11, 16), at(17), [("partially_approve", at(19))], "partially_approved"),
}


@dataclass
class Built:
    episodes: dict[str, int]  # case name -> episode id
    patients: dict[str, int]
    other_episode: int


def add_case(session, *, clinic_id: int, episode_id: int, patient_id: int, payer: str, procedure: str, eligible: date,  # noqa: ANN001
             submitted: datetime, history: list, state: str) -> int:
    case = AuthorizationCase(clinic_id=clinic_id, episode_id=episode_id, patient_id=patient_id, state=state, procedure_id=procedure,
                             cpt_codes=["64635"], region="lumbar", place_of_service="22", payer_id=payer,
                             opened_at=datetime(2026, 10, 1, 15), submitted_at=submitted, eligible_on_at_submission=eligible,
                             decided_at=history and [a for a in history if a[0] in ("approve", "deny", "partially_approve")][-1][1] or None)
    session.add(case)
    session.flush()
    session.add(CaseEvent(clinic_id=clinic_id, case_id=case.id, at=submitted, action="submit", from_state="ready", to_state="submitted"))
    for action, moment in history:
        session.add(CaseEvent(clinic_id=clinic_id, case_id=case.id, at=moment, action=action, from_state=None, to_state=state))
    return case.id


def build(db, client_for, clinic) -> Built:  # noqa: ANN001
    coordinator = client_for("coordinator")
    episodes = {}
    for n, name in enumerate(CASES):
        episodes[name] = new_episode(coordinator, {**PATIENT, "mrn": f"MRN-O{n}", "given_name": f"Pat{name}", "family_name": f"Case{name}"},
                                     {**EPISODE, "body_region": "lumbar"})
    with db.session() as session:
        patients = {name: session.get(Episode, eid).patient_id for name, eid in episodes.items()}
        for name, (payer, procedure, eligible, submitted, history, state) in CASES.items():
            add_case(session, clinic_id=clinic.id, episode_id=episodes[name], patient_id=patients[name], payer=payer,
                     procedure=procedure, eligible=eligible, submitted=submitted, history=history, state=state)
        other = Clinic(name="Elsewhere Pain")
        session.add(other)
        session.flush()
        patient = Patient(clinic_id=other.id, mrn="MRN-X", given_name="Xavier", family_name="Elsewhere", birth_date=date(1970, 1, 1), sex="male")
        session.add(patient)
        session.flush()
        episode = Episode(clinic_id=other.id, patient_id=patient.id, problem_summary="Back pain", body_region="lumbar", laterality="none",
                          opened_at=datetime(2026, 10, 1))
        session.add(episode)
        session.flush()
        add_case(session, clinic_id=other.id, episode_id=episode.id, patient_id=patient.id, payer=MEDICARE, procedure=RFA,
                 eligible=date(2026, 11, 2), submitted=at(2), history=[("approve", at(4))], state="approved")
        other_episode = episode.id
    return Built(episodes, patients, other_episode)
