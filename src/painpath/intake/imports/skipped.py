"""Every resource an import did not file, by type and reason, for the page, the API and the CLI.

A coordinator who sends a file needs to know what did not land on the chart and why, not only what did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from painpath.interop.fhir import RecordSet

NOT_FILED = "not a kind of record the clinic files"
READ_ONLY = "read only to understand questionnaire answers"
NO_PATIENT = "names no patient in the file"
OTHER_PATIENT = "about another patient in the file"
REPEATED = "repeated in the file (filed once)"


def skipped_resources(records: RecordSet, patient_keys: Collection[str], response_skips: Sequence[dict]) -> list[dict]:
    """[{"type", "count", "reason"}] for every resource read and not filed, most frequent first within a reason."""
    counted: Counter = Counter()
    for resource_type, n in records.ignored.items():
        counted[(resource_type, NOT_FILED)] += n
    for resource_type in ("Questionnaire", "ValueSet"):
        n = len(records.questionnaire_parts.get(resource_type, []))
        if n:
            counted[(resource_type, READ_ONLY)] += n
    for raw in records.clinical:
        key = records.subject_key(raw)
        if key is None:
            counted[(raw.resource_type, NO_PATIENT)] += 1
        elif key not in patient_keys:
            counted[(raw.resource_type, OTHER_PATIENT)] += 1
    for skip in response_skips:
        counted[(skip["type"], skip["reason"])] += 1
    if records.duplicates:
        counted[("Resource", REPEATED)] += records.duplicates
    return [{"type": t, "count": n, "reason": r} for (t, r), n in sorted(counted.items(), key=lambda kv: (kv[0][1], -kv[1], kv[0][0]))]


def skipped_phrase(resources: Sequence[dict], warnings: Sequence[str] = ()) -> str:
    """' Not filed: 3 Encounter (not a kind of record the clinic files); ...' or '' when everything was filed."""
    text = ""
    if resources:
        text += " Not filed: " + "; ".join(f"{r['count']} {r['type']} ({r['reason']})" for r in resources) + "."
    if warnings:
        text += " Warnings: " + "; ".join(dict.fromkeys(warnings)) + "."
    return text


def medications_phrase(report: dict | None) -> str:
    """' Medication list: 1 with MME computed (oxycodone ...: 30 MME/day ...); 2 not assessed by painpath (...)'.

    Each imported medication joins the episode's other medications; the phrase says which painpath could
    read (an opioid whose code and dose it knows) and which it could not, by name, so none is lost unseen."""
    if not report or not report.get("filed"):
        return ""
    parts = []
    counted, not_assessed = report.get("counted", []), report.get("not_assessed", [])
    if counted:
        parts.append(f"{len(counted)} with MME computed (" + "; ".join(f"{m['name']}: {m['words']}" for m in counted) + ")")
    if not_assessed:
        named = [m["name"] + (f": {m['why']}" if m.get("why") else "") for m in not_assessed]
        parts.append(f"{len(not_assessed)} not assessed by painpath (" + "; ".join(named) + ")")
    return f" Added to the medication list as other medications: {'; '.join(parts)}."
