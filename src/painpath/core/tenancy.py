"""The clinic (tenant). Every clinical row carries clinic_id so a network can shard by it later."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from painpath.core.db import Base, TimestampMixin


class Clinic(Base, TimestampMixin):
    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    return_fax: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))


class ClinicScopedMixin:
    @declared_attr
    def clinic_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("clinic.id"), index=True)
