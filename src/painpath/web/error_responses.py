"""The error answers every route may give, described once for the OpenAPI document: the one error shape
(core/errors.py) under each status a route can return besides its success."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    field: str
    rule: str
    message: str


class ErrorBody(BaseModel):
    errors: list[Problem]


_WHY = {
    400: "The request cannot be carried out as asked",
    401: "Not signed in",
    403: "The role does not allow this, or the CSRF token is missing",
    404: "No such record in this clinic",
    409: "Someone else changed the record first, or it is in a state that does not allow this",
    413: "The upload is larger than allowed",
    422: "A field is missing or outside its allowed values",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": why} for status, why in _WHY.items()
}
