"""JSON shapes of the participant API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RegistrationIn(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    full_name: str = Field(min_length=2, max_length=500)
    phone: str = Field(min_length=9, max_length=30)
    birth_year: int = Field(ge=1900, le=2100)
    unit_code: str = Field(min_length=1, max_length=40)
    group: str = Field(min_length=1, max_length=40)
    consent: bool
    parent_consent: bool = False


class RecoveryIn(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    phone: str = Field(min_length=9, max_length=30)
    birth_year: int = Field(ge=1900, le=2100)


class TokenOut(BaseModel):
    participant_id: int
    token: str


class MeOut(BaseModel):
    participant_id: int
    full_name: str
    phone: str
    birth_year: int
    unit_code: str
    group: str
    consent_at: datetime
    withdrawn_at: datetime | None


class CorrectionIn(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    full_name: str = Field(min_length=2, max_length=500)
    birth_year: int = Field(ge=1900, le=2100)
    unit_code: str = Field(min_length=1, max_length=40)
    group: str = Field(min_length=1, max_length=40)


class MyRankOut(BaseModel):
    round: int
    rank: int | None
    total: int
