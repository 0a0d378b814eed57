"""The clinic (tenant). Every clinical row carries clinic_id so a network can shard by it later."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin


class Clinic(Base, TimestampMixin, VersionedMixin):
    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    return_fax: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    # The clinic's organisation NPI (type 2), named as the requester on prior authorizations. Empty
    # until an administrator enters it on Clinic settings; submissions refuse rather than invent one.
    npi: Mapped[str | None] = mapped_column(String(10))
    # The clinic's own turnaround target for disability and leave forms, in calendar days from their arrival
    # (the seed clinic's 4). None: each form definition's default target.
    forms_turnaround_days: Mapped[int | None] = mapped_column(Integer)


class ClinicScopedMixin:
    @declared_attr
    def clinic_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("clinic.id"), index=True)
