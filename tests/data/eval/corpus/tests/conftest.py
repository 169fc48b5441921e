from datetime import date

import pytest

from ehr.models import Patient


@pytest.fixture
def patients():
    return [
        Patient(first_name="Harlan", last_name="Northcott", dob=date(1951, 10, 26),
                ssn="750-72-6227", mrn="78554156"),
        Patient(first_name="Fatima", last_name="Ostrowski", dob=date(1984, 3, 8),
                ssn="122-45-3837", mrn="12-883-325"),
        Patient(first_name="Priya", last_name="Kowalczyk", dob=date(1977, 1, 24),
                ssn="058-57-3953", mrn="E566454981"),
    ]
