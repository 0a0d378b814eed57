"""Manual attestation: the clinician checked the state PDMP portal themselves and says what it showed.

No outside system is called; the "query" returns the attested facts, checked like any other input, so
the rest of the clinic (obligations, the safety panel) cannot tell a manual check from a gateway's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from painpath.interop.pdmp.base import FINDING_FLAGS, PdmpClinician, PdmpError, PdmpPatient, PdmpPlugin, PdmpResult

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR "
    "PA PR RI SC SD TN TX UT VT VA WA WV WI WY GU VI".split()
)


@dataclass(frozen=True)
class Attestation:
    """What the clinician attests: when, in which state's PDMP, and what the report showed."""

    checked_at: datetime
    state: str
    summary: str
    findings: frozenset[str] = field(default_factory=frozenset)


class ManualAttestationPdmp(PdmpPlugin):
    name = "manual_attestation"

    def __init__(self, attestation: Attestation):
        self.attestation = attestation

    def query(self, patient: PdmpPatient, clinician: PdmpClinician) -> PdmpResult:
        a = self.attestation
        state = a.state.strip().upper()
        if state not in US_STATES:
            raise PdmpError(f"{a.state!r} is not a US state or territory code (e.g. IL)")
        unknown = sorted(set(a.findings) - set(FINDING_FLAGS))
        if unknown:
            raise PdmpError(f"Unknown PDMP finding(s): {', '.join(unknown)}; known: {', '.join(FINDING_FLAGS)}")
        if not a.summary.strip():
            raise PdmpError("Say what the PDMP report showed (e.g. 'only our prescriptions, one pharmacy')")
        return PdmpResult(
            checked_at=a.checked_at, state=state, summary=a.summary.strip(), findings=frozenset(a.findings),
            plugin=self.name, reference=f"attested by {clinician.display_name}",
        )
