package org.acme.ehr;

import jakarta.persistence.*;
import java.time.LocalDate;

@Entity
@Table(name = "patients")
public class Patient {
    @Id private String mrn;
    private String firstName;
    private String lastName;
    private LocalDate dateOfBirth;
    @Column(name = "ssn") private String socialSecurityNumber;
    private String medicareBeneficiaryId;
}
