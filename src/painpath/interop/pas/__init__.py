"""Da Vinci PAS (Prior Authorization Support, IG 2.2.1): build the request Bundle, read the payer's
ClaimResponse Bundle into a plain decision, and submit through a payer-submission plugin (the packet by
fax or print, or PAS over HTTP to Claim/$submit).

Interop sits below the slices: nothing here touches the database or imports a slice. The
authorizations service maps a case (its PlannedProcedure and facts) onto a `PasRequest`.
"""

from painpath.interop.pas.request import (
    Address,
    PasBuildError,
    PasRequest,
    Person,
    ServiceLine,
    SupportingDocument,
    build_request_bundle,
    dotted_icd10,
    validate_bundle,
)
from painpath.interop.pas.response import (
    InformationRequest,
    ItemDecision,
    PasDecision,
    PasError,
    Period,
    read_claim_response_bundle,
    read_operation_outcome,
)
from painpath.interop.pas.submitters import (
    SUBMITTER_NAMES,
    PacketSubmitter,
    PasHttpSubmitter,
    PayerSubmission,
    PayerSubmitter,
    SubmissionResult,
    SubmitterSettings,
    UnknownSubmitter,
    register_submitter,
    submitter_for,
)

__all__ = [
    "Address", "InformationRequest", "ItemDecision", "PacketSubmitter", "PasBuildError", "PasDecision", "PasError",
    "PasHttpSubmitter", "PasRequest", "PayerSubmission", "PayerSubmitter", "Period", "Person", "SUBMITTER_NAMES",
    "ServiceLine", "SubmissionResult", "SubmitterSettings", "SupportingDocument", "UnknownSubmitter",
    "build_request_bundle", "dotted_icd10", "read_claim_response_bundle", "read_operation_outcome",
    "register_submitter", "submitter_for", "validate_bundle",
]
