"""JSON shapes of the participant API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RegistrationIn(BaseModel):
    full_name: str = Field(max_length=500)
    phone: str = Field(max_length=30)
    birth_year: int
    unit_code: str = Field(max_length=40)
    group: str = Field(max_length=40)
    consent: bool
    parent_consent: bool = False


class RecoveryIn(BaseModel):
    phone: str = Field(max_length=30)
    birth_year: int


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
    full_name: str = Field(max_length=500)
    birth_year: int
    unit_code: str = Field(max_length=40)
    group: str = Field(max_length=40)


class MyRankOut(BaseModel):
    round: int
    rank: int | None
    total: int
