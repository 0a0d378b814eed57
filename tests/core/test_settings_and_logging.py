"""Settings refuse the shipped secret outside demo mode; logs never carry patient identifiers."""

import json
import logging

import pytest
import structlog
from pydantic import ValidationError

from painpath.core.config import DEMO_SECRET_KEY, Settings
from painpath.core.logging import configure_logging


def test_default_secret_is_refused_outside_demo_mode():
    with pytest.raises(ValidationError, match="PAINPATH_SECRET_KEY"):
        Settings(demo_mode=False, secret_key=DEMO_SECRET_KEY)
    assert Settings(demo_mode=True, secret_key=DEMO_SECRET_KEY).demo_mode


def test_short_secret_is_refused():
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(demo_mode=False, secret_key="short")


def test_log_lines_redact_patient_identifiers(capsys):
    configure_logging()
    structlog.get_logger("t").info("patient registered", patient_id=7, mrn="MRN-1001", family_name="Okafor", message_text="born 1981-03-14")
    line = capsys.readouterr().out.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["patient_id"] == 7
    assert record["mrn"] == "[redacted]" and record["family_name"] == "[redacted]"
    assert "1981-03-14" not in line and "Okafor" not in line
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def test_request_logs_carry_no_query_strings_or_names(client_for, patient_payload, capsys):
    configure_logging()
    client = client_for("front_desk")
    client.post("/api/patients", json=patient_payload)
    client.get("/api/patients", params={"q": "Okafor"})
    out = capsys.readouterr().out
    assert "/api/patients" in out
    assert "Okafor" not in out and "MRN-1001" not in out
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()
