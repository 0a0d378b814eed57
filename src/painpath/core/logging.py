"""Structured JSON logs that never carry protected health information.

Log calls should pass ids, not names; this processor is the safety net for when someone forgets.
"""

from __future__ import annotations

import logging
import re

import structlog

from painpath.core.context import current_request_id

# Keys whose values are PHI or secrets and must never reach a log line.
REDACTED_KEYS = {
    "name", "given_name", "family_name", "patient_name", "birth_date", "dob", "mrn", "phone", "email",
    "address", "member_id", "ssn", "password", "token", "note", "body", "problem_summary",
}
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_DATE = re.compile(r"\b(19|20)\d{2}-\d{2}-\d{2}\b")


def redact_phi(_logger, _method, event_dict: dict) -> dict:  # noqa: ANN001
    for key in list(event_dict):
        if key.lower() in REDACTED_KEYS:
            event_dict[key] = "[redacted]"
        elif isinstance(event_dict[key], str) and key != "timestamp":
            event_dict[key] = _DATE.sub("[date]", _SSN.sub("[ssn]", event_dict[key]))
    return event_dict


def add_request_id(_logger, _method, event_dict: dict) -> dict:  # noqa: ANN001
    request_id = current_request_id()
    if request_id:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(message)s")
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            add_request_id,
            redact_phi,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str = "painpath"):  # noqa: ANN201
    return structlog.get_logger(name)
