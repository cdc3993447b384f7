"""Shared metadata settings; imported before any table is defined."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import SQLModel

# Alembic needs stable constraint names to alter tables on SQLite (batch mode) and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SCHOOL = "school"


class SchoolType(StrEnum):
    PRO = "pro"
    VSO = "vso"


class Profile(StrEnum):
    ARBEID = "arbeid"
    DAGBESTEDING = "dagbesteding"
    VERVOLGONDERWIJS = "vervolgonderwijs"


class Participation(StrEnum):
    JA = "ja"
    NEE = "nee"
    ONBEKEND = "onbekend"
