from datetime import date

from pydantic import BaseModel, Field


class PatientIn(BaseModel):
    mrn: str = Field(pattern=r"^[A-Z0-9-]{6,12}$")
    ssn: str | None = Field(default=None, pattern=r"^\d{3}-\d{2}-\d{4}$")
    mbi: str | None = Field(default=None, min_length=11, max_length=11)
    pcp_npi: str | None = Field(default=None, pattern=r"^\d{10}$")
    birth_date: date
