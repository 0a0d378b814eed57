"""Settings read from the environment (prefix PAINPATH_) or a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The only secret a checkout ships with. It is accepted in demo mode only.
DEMO_SECRET_KEY = "painpath-demo-secret-do-not-use-in-production"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


class QueueSettings(BaseSettings):
    """Read on its own by the job module at import, before (and without) the full settings."""

    model_config = SettingsConfigDict(env_prefix="PAINPATH_", env_file=".env", extra="ignore")

    # Background queue: "sqlite:///path" (embedded default) or "redis://host:port/db".
    queue_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'queue.sqlite3'}"


class Settings(QueueSettings):
    demo_mode: bool = False
    secret_key: str = DEMO_SECRET_KEY
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'painpath.sqlite3'}"
    extra_pack_dirs: list[Path] = Field(default_factory=list)

    # Business calendar: the holidays package's country code and optional subdivision.
    holiday_country: str = "US"
    holiday_subdivision: str | None = None
    clinic_timezone: str = "America/Chicago"

    # Clinic targets used by obligation providers (operational targets, not clinical knowledge).
    first_visit_target_business_days: int = Field(default=10, ge=1, le=60)
    callback_target_business_days: int = Field(default=1, ge=0, le=10)
    triage_target_hours: int = Field(default=72, ge=1, le=24 * 14)
    failed_attempts_before_letter: int = Field(default=3, ge=1, le=10)
    # PT: the progress note (and the extension request sent with it) is due before the last this-many
    # authorized visits: with 8 approved and 2, before visit 7 (issue 6, journey J7).
    pt_progress_note_visits_before_end: int = Field(default=2, ge=1, le=10)
    # A task completed by hand while the facts still owe its work comes back (a new task saying so) when
    # the work is still owed this many business days after the completion.
    completed_task_grace_business_days: int = Field(default=2, ge=0, le=30)

    # Authentication.
    session_hours: int = Field(default=12, ge=1, le=24 * 14)
    lockout_failures: int = Field(default=5, ge=2)
    lockout_minutes: int = Field(default=15, ge=1)
    # Per client address, across all usernames: guessing many accounts from one place is slowed too.
    address_failures: int = Field(default=20, ge=2)
    address_window_minutes: int = Field(default=15, ge=1)
    # None: Secure outside demo mode (production sits behind TLS); the demo runs on plain http://localhost.
    cookie_secure: bool | None = None

    sweep_interval_seconds: int = Field(default=60, ge=5)

    @property
    def session_cookie_secure(self) -> bool:
        return (not self.demo_mode) if self.cookie_secure is None else self.cookie_secure

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if not self.demo_mode and self.secret_key == DEMO_SECRET_KEY:
            raise ValueError(
                "PAINPATH_SECRET_KEY is the shipped demo value; set a secret of your own "
                "or run in demo mode (PAINPATH_DEMO_MODE=1)"
            )
        if len(self.secret_key) < 32:
            raise ValueError("PAINPATH_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
