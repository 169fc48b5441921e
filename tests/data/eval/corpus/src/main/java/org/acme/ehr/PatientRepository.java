package org.acme.ehr;

import java.util.Optional;

public interface PatientRepository {
    Optional<Patient> findByMrn(String mrn);
    Optional<Patient> findBySsn(String ssn);
}
