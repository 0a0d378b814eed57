"""Why a file of electronic records was refused, in words the person who received it can act on."""

from __future__ import annotations


class FhirImportError(Exception):
    """A file (or set of files) that cannot be read as FHIR R4 records.

    `kind` is a stable machine name (malformed_json, not_fhir, not_bundle, invalid_resource, no_patient,
    unsupported_bundle, not_text, empty, patient_mismatch); `message` is for people and names the file,
    and where it helps the line and column, or the resource and the path of the bad element.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ):
        self.kind = kind
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.path = path
        super().__init__(message)


class PatientMismatch(FhirImportError):
    """The file's Patient is not the chart's patient. The message names both people: show it to staff,
    never write it to a log."""

    def __init__(self, message: str):
        super().__init__("patient_mismatch", message)
