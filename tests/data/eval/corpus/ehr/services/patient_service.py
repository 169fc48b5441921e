from ehr.db import patients


def get_patient_by_mrn(mrn: str):
    return patients.select().where(patients.c.mrn == mrn).first()


def patient_display_name(patient) -> str:
    return f"{patient.family_name}, {patient.given_name}"
