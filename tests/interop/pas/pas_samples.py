"""A sample PAS request (a lumbar TFESI for Dana Okafor under Acme Commercial) and the IG examples it
is compared with. Shared by the PAS tests; imported by name."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

from painpath.documents.render import html_to_pdf
from painpath.interop.pas import Address, PasRequest, Person, ServiceLine, SupportingDocument
from pas_endpoint import IG_EXAMPLES, PAS_EXAMPLES  # noqa: F401  (re-exported for the tests)

PACKET_PDF = html_to_pdf(
    "<h1>Prior authorization request</h1><p>Lumbar transforaminal epidural steroid injection, L5-S1 right.</p>"
    "<table><tr><th>Block</th><th>Relief</th></tr><tr><td>MBB 1</td><td>85%</td></tr></table>"
)
PATIENT = Person("Okafor", ("Dana",), date(1968, 3, 2), "female", Address(("12 Elm St",), "Springfield", "IL", "62704"))


def sample_request(**changes: Any) -> PasRequest:  # noqa: ANN401
    values: dict[str, Any] = {
        "clinic_name": "Riverside Pain & Spine",
        "clinic_npi": "1234567893",
        "clinic_address": Address(("400 River Rd", "Suite 2"), "Springfield", "IL", "62701"),
        "clinic_phone": "555-010-0100",
        "practitioner_family": "Reyes",
        "practitioner_given": ("Ana",),
        "practitioner_npi": "1245319599",
        "patient": PATIENT,
        "member_id": "XKW123456789",
        "payer_name": "Acme Commercial",
        "payer_id": "ACME01",
        "diagnosis_codes": ("M5416", "M51.26"),
        "lines": (ServiceLine("64483", units=1, place_of_service="24", on=date(2026, 2, 19)),),
        "packet": SupportingDocument("Prior authorization packet PA-000042", PACKET_PDF),
    }
    return dataclasses.replace(PasRequest(**values), **changes) if changes else PasRequest(**values)


def example(name: str) -> dict[str, Any]:
    return json.loads((IG_EXAMPLES / name).read_text())


def entry_resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"]]
