"""Where outbound mail goes. Read from the environment (PAINPATH_ prefix), separate from core settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TransportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAINPATH_", env_file=".env", extra="ignore")

    # The SMTP relay that carries both fax-gateway and Direct mail (a HISP or the clinic's relay).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    # Seconds to wait on the relay for connect and for each reply; a hung relay must not hang a page.
    smtp_timeout: float = Field(default=15.0, gt=0, le=300)
    # The email-to-fax gateway: a fax to 555-010-0199 is mailed to 5550100199@<domain>.
    fax_gateway_domain: str = "fax.example.net"
    # Our Direct address: the sender of Direct messages and fax-gateway mail, and where replies go.
    direct_from: str = "records@painpath.example"
    # Mail to patients (portal invitations and reminders) comes from this address, and its links point at
    # the portal's public address (what patients type, behind the clinic's reverse proxy).
    patient_mail_from: str = "portal@painpath.example"
    portal_url: str = "http://127.0.0.1:8000"
