"""The URLs and code systems of Da Vinci PAS 2.2.1 that both the request builder and the response
reader use. Every value here is copied from the IG 2.2.1 example resources
(shared/data/external/davinci-pas/ig-2.2.1-examples), so a typo shows up as a failing shape test.
"""

from __future__ import annotations

PAS = "http://hl7.org/fhir/us/davinci-pas"
_SD = f"{PAS}/StructureDefinition"

# Profiles (meta.profile) the IG examples declare, by the role the resource plays in a request.
PROFILE_REQUEST_BUNDLE = f"{_SD}/profile-pas-request-bundle"
PROFILE_CLAIM = f"{_SD}/profile-claim"
PROFILE_REQUESTOR = f"{_SD}/profile-requestor"  # the requesting provider organization (X12 2010B)
PROFILE_INSURER = f"{_SD}/profile-insurer"  # the payer / UMO (X12 2010A)
PROFILE_COVERAGE = f"{_SD}/profile-coverage"
PROFILE_SUBSCRIBER = f"{_SD}/profile-subscriber"  # the patient when they are the subscriber
PROFILE_BENEFICIARY = f"{_SD}/profile-beneficiary"  # the patient when a dependent of the subscriber
PROFILE_PRACTITIONER = f"{_SD}/profile-practitioner"
PROFILE_PRACTITIONER_ROLE = f"{_SD}/profile-practitionerrole"
PROFILE_LOCATION = f"{_SD}/profile-location"
PROFILE_DOCUMENT_REFERENCE = f"{_SD}/profile-documentreference"

# Extensions.
EXT_LEVEL_OF_SERVICE = f"{_SD}/extension-levelOfServiceCode"  # Claim: X12 1338 (UM06)
EXT_REQUEST_TYPE = f"{_SD}/extension-serviceItemRequestType"  # item: X12 1525 (UM01)
EXT_CERTIFICATION_TYPE = f"{_SD}/extension-certificationType"  # item: X12 1322 (UM02)
EXT_ITEM_TRACE_NUMBER = f"{_SD}/extension-itemTraceNumber"  # item: 2000F TRN
EXT_CARE_TEAM_CLAIM_SCOPE = f"{_SD}/extension-careTeamClaimScope"
EXT_DOCUMENT_INFORMATION = f"{_SD}/extension-documentInformation"  # supportingInfo: X12 PWK

EXT_REVIEW_ACTION = f"{_SD}/extension-reviewAction"  # ClaimResponse item adjudication (HCR)
EXT_REVIEW_ACTION_CODE = f"{_SD}/extension-reviewActionCode"  # inside reviewAction: X12 306 (HCR01)
EXT_REVIEW_ACTION_REASON = f"{_SD}/extension-reviewActionReason"  # the reference implementation's older form
EXT_PREAUTH_ISSUE_DATE = f"{_SD}/extension-itemPreAuthIssueDate"
EXT_PREAUTH_PERIOD = f"{_SD}/extension-itemPreAuthPeriod"
EXT_REQUESTED_SERVICE_DATE = f"{_SD}/extension-itemRequestedServiceDate"
EXT_AUTHORIZED_DETAIL = f"{_SD}/extension-itemAuthorizedDetail"
EXT_ADMINISTRATION_REFERENCE = f"{_SD}/extension-administrationReferenceNumber"
EXT_AUTHORIZED_EVENT_DATE = f"{_SD}/extension-authorizedEventDate"  # the reference implementation's older form
EXT_ERROR_ELEMENT = f"{_SD}/extension-errorElement"
EXT_ERROR_PATH = f"{_SD}/extension-errorPath"
EXT_ERROR_FOLLOWUP = f"{_SD}/extension-errorFollowupAction"
EXT_SERVICE_LINE_NUMBER = f"{_SD}/extension-serviceLineNumber"

# Code systems.
PAS_TEMP_CODES = f"{PAS}/CodeSystem/PASTempCodes"
X12 = "https://codesystem.x12.org/005010"
X12_REQUEST_TYPE = f"{X12}/1525"
X12_CERTIFICATION_TYPE = f"{X12}/1322"
X12_LEVEL_OF_SERVICE = f"{X12}/1338"
X12_SERVICE_TYPE = f"{X12}/1365"
X12_ENTITY_TYPE = f"{X12}/98"
X12_RELATIONSHIP = f"{X12}/1069"
X12_REPORT_TYPE = f"{X12}/755"
X12_TRANSMISSION = f"{X12}/756"
X12_REVIEW_ACTION = f"{X12}/306"
X12_REJECT_REASON = f"{X12}/901"
X12_FOLLOWUP_ACTION = f"{X12}/889"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
PLACE_OF_SERVICE = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
NPI = "http://hl7.org/fhir/sid/us-npi"
LOINC = "http://loinc.org"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PROCESS_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
US_CORE_DOCUMENT_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"

# X12 306 review action codes (HCR01). A1/A3/A4 appear in the PAS examples; the others are X12
# background knowledge (research/prior-auth.md 10.3, tagged [K]).
REVIEW_ACTIONS = {
    "A1": "certified in total",
    "A2": "certified, partial",
    "A3": "not certified",
    "A4": "pended",
    "A6": "modified",
    "C": "cancelled",
    "CT": "contact the payer",
    "NA": "no action required",
}

# X12 901 reject reasons (AAA03) and 889 follow-up actions (AAA04) we can name in plain words.
# Background knowledge [K], verify against the 005010X217 TR3; an unknown code is shown as its code.
REJECT_REASONS = {
    "04": "authorized quantity exceeded",
    "15": "required application data missing",
    "41": "authorization/access restrictions",
    "42": "unable to respond at current time",
    "43": "invalid or missing provider identification",
    "72": "invalid or missing subscriber/insured ID",
    "75": "subscriber/insured not found",
    "T4": "payer name or identifier missing",
}
FOLLOWUP_ACTIONS = {
    "C": "correct and resubmit",
    "N": "resubmission not allowed",
    "P": "resubmit the original transaction",
    "R": "resubmission allowed",
    "S": "do not resubmit; the payer is asking a third party",
    "W": "wait 30 days and resubmit",
    "X": "wait 10 days and resubmit",
    "Y": "do not resubmit; the payer will hand the request over",
}
