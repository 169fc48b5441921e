package org.acme.ehr;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class PatientServiceTest {
    @Test
    void registersPatient() {
        var patient = new Patient("Aisha", "Carrow",
            LocalDate.of(1959, 7, 11), "460-18-0552");
        new PatientService().register(patient);
    }
}
