"""Reading an upload of records from a request: multipart files, or the Bundle / NDJSON as the body."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from painpath.core.errors import DomainError, FieldProblem, InvalidInput
from painpath.documents.uploads import clean_filename, size_limit_words
from painpath.interop.fhir import Source

# A Bulk Data export of one clinic's patient can be large; a whole population's is not for this door.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


class UploadTooLarge(DomainError):
    status_code = 413

    def __init__(self) -> None:
        super().__init__(FieldProblem("file", "max_size", f"Upload {size_limit_words(MAX_UPLOAD_BYTES)} at a time; "
                                                          "import larger exports with `painpath import records`."))


async def _files(request: Request) -> list[Source]:
    form = await request.form()  # parsed once; the CSRF check may already have read it
    sources, size = [], 0
    for _name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            size += len(data)
            if size > MAX_UPLOAD_BYTES:
                raise UploadTooLarge()
            if data or value.filename:
                sources.append(Source(clean_filename(value.filename, fallback=f"upload {len(sources) + 1}"), data))
    return sources


async def read_upload(request: Request) -> list[Source]:
    """The uploaded files (multipart), or the request body as one file (application/fhir+json, NDJSON)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return await _files(request)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    body = await request.body()
    if len(body) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    return [Source("upload", body)]


def no_file() -> InvalidInput:
    return InvalidInput(FieldProblem("file", "required", "Choose a FHIR Bundle (.json) or NDJSON file to import."))
